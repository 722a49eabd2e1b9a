"""Section detection: operative-note headers, in any case, run together or absent."""

from __future__ import annotations

import pytest

from nlp.errors import RuleFileError
from nlp.pipeline.sections import SectionFinder, load_section_rules, section_at


@pytest.fixture(scope="module")
def finder() -> SectionFinder:
    return SectionFinder(load_section_rules())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PREOPERATIVE DIAGNOSIS: Nevus.\nPOSTOPERATIVE DIAGNOSIS: Same.\n",
         [("preoperative_diagnosis", "PREOPERATIVE DIAGNOSIS"), ("postoperative_diagnosis", "POSTOPERATIVE DIAGNOSIS")]),
        ("Preoperative diagnosis: nevus. Postoperative diagnosis: nevus.",
         [("preoperative_diagnosis", "Preoperative diagnosis"), ("postoperative_diagnosis", "Postoperative diagnosis")]),
        ("PREOPERATIVE DIAGNOSIS: , Lipoma.,POSTOPERATIVE DIAGNOSIS:,  Lipoma.,PROCEDURE: , Excision.",
         [("preoperative_diagnosis", "PREOPERATIVE DIAGNOSIS"), ("postoperative_diagnosis", "POSTOPERATIVE DIAGNOSIS"), ("procedure", "PROCEDURE")]),
        ("DESCRIPTION OF PROCEDURE: The lesion was excised.\nPATHOLOGY: Compound nevus.",
         [("description", "DESCRIPTION OF PROCEDURE"), ("pathology", "PATHOLOGY")]),
        ("PROCEDURE IN DETAIL: excised.\nSPECIMENS: one.\nFINAL DIAGNOSIS: BCC.",
         [("description", "PROCEDURE IN DETAIL"), ("specimen", "SPECIMENS"), ("pathology", "FINAL DIAGNOSIS")]),
        ("Indications: changing mole.\nAnesthesia: 1% lidocaine.\nClosure: layered.\nPlan: follow up.",
         [("indications", "Indications"), ("anesthesia", "Anesthesia"), ("closure", "Closure"), ("plan", "Plan")]),
        ("Dx: SK R cheek 4mm. Path: SK.", [("diagnosis", "Dx"), ("pathology", "Path")]),
        ("ADDENDUM: pathology returned.\n", [("addendum", "ADDENDUM")]),
        # a transcribed addendum dated by its header
        ("Home.\nADDENDUM 4/11: sebaceous hyperplasia.\nAddendum 11/02/2025: margins clear.",
         [("addendum", "ADDENDUM 4/11"), ("addendum", "Addendum 11/02/2025")]),
        ("HISTORY OF PRESENT ILLNESS: new lesion.\nFAMILY HISTORY: melanoma in mother.",
         [("history", "HISTORY OF PRESENT ILLNESS"), ("family_history", "FAMILY HISTORY")]),
        ("FINDINGS\nA 5 mm nevus.\n", [("findings", "FINDINGS")]),
        # an office visit's "Performed today:" / "Procedures this visit:" heads its procedures
        ("Assessment: 1. Tags, neck.\nPerformed today:\n- tags snipped",
         [("diagnosis", "Assessment"), ("procedure", "Performed today")]),
        ("Procedures this visit: shave bx L arm.\nDone today: LN2 x3.", [("procedure", "Procedures this visit"), ("procedure", "Done today")]),
        # a combined "Plan/Procedure:" label heads the plan, where a procedure told as done counts
        ("Exam: tags of the neck. Plan/Procedure: 8 snipped.", [("physical_exam", "Exam"), ("plan", "Plan/Procedure")]),
        # a header dated or timed after a comma keeps its qualifier; a plain comma list is no header
        ("Procedure: shave.\nAddendum, 5 days later: SK.\nPathology, 4/12: SK.",
         [("procedure", "Procedure"), ("addendum", "Addendum, 5 days later"), ("pathology", "Pathology, 4/12")]),
        ("Addendum, next day: clear.", [("addendum", "Addendum, next day")]),
        # headings numbered with a bracket, as dictation templates number them
        ("1) Preoperative diagnosis: Skin tags, neck.\n2) Procedure: Snip removal.\n(3) Findings: Neck 12.",
         [("preoperative_diagnosis", "Preoperative diagnosis"), ("procedure", "Procedure"), ("findings", "Findings")]),
        ("10) DISPOSITION: Home.", [("other", "DISPOSITION")]),
        # a lesion log's "Count:" field counts the lesions treated (a finding); the surgical "Counts:" stay other
        ("Location: left cheek. Count: 3 AKs. Technique: LN2.",
         [("findings", "Location"), ("findings", "Count"), ("description", "Technique")]),
        ("Counts: correct.", [("other", "Counts")]),
        # a bare "Details" header opens the narrative, so it is not the tail of the last list item
        ("PROCEDURES: , 1. Mohs surgery.,DETAILS: , Stage I: three blocks.",
         [("procedure", "PROCEDURES"), ("description", "DETAILS")]),
        ("TITLE OF PROCEDURE: Excision.\nOPERATIVE PROCEDURE IN DETAIL: excised.\nPOSTPROCEDURE DIAGNOSIS: BCC.",
         [("procedure", "TITLE OF PROCEDURE"), ("description", "OPERATIVE PROCEDURE IN DETAIL"),
          ("postoperative_diagnosis", "POSTPROCEDURE DIAGNOSIS")]),
        # headers without a colon, as exports write them
        ("PREOPERATIVE DIAGNOSES,1.  BCC, right cheek.,POSTOPERATIVE DIAGNOSES,1.  Same.,PROCEDURE,1.  Excision.,"
         "INDICATIONS FOR PROCEDURES,The patient is 61.",
         [("preoperative_diagnosis", "PREOPERATIVE DIAGNOSES"), ("postoperative_diagnosis", "POSTOPERATIVE DIAGNOSES"),
          ("procedure", "PROCEDURE"), ("indications", "INDICATIONS FOR PROCEDURES")]),
        # an ALL-CAPS phrase with a comma inside the text is not a header
        ("PROCEDURE: 1. BCC, LEFT CHEEK, EXCISED. 2. SCC, NOSE.", [("procedure", "PROCEDURE")]),
        ("The pathology,PLAN, and the rest.", []),
        # headers the lexicon learnt from real notes
        ("PATHOLOGY: Pending.\nTITLE OF PROCEDURES: 1. Excision.\nGROSS FINDINGS: A 4 cm mass.",
         [("pathology", "PATHOLOGY"), ("procedure", "TITLE OF PROCEDURES"), ("findings", "GROSS FINDINGS")]),
        ("TITLE OF PROCEDURE(S): Excision.", [("procedure", "TITLE OF PROCEDURE(S)")]),
        ("FINAL DIAGNOSIS/REASON FOR ADMISSION: Pneumonia.\nOPERATION AND PROCEDURE: biopsy.\nHOSPITAL COURSE: improved.",
         [("discharge_diagnosis", "FINAL DIAGNOSIS/REASON FOR ADMISSION"), ("procedure", "OPERATION AND PROCEDURE"),
          ("hospital_course", "HOSPITAL COURSE")]),
        # no headers at all
        ("A 4 mm nevus of the left cheek was excised with 1 mm margins and closed simply.", []),
        # a colon inside a sentence is not a header
        ("The ratio was 3:1 and the lesion measured 4 mm.", []),
        # a lower-case word alone on a line is not a header
        ("the plan\nwas discussed", []),
        # an export that lost its line breaks: a known header run on after the previous value
        ("Visit: minor surgery Procedure: excision Anesthesia: lidocaine 2 mL Procedure detail: ellipse excised "
         "Closure: layered Pathology: nevus Follow-up: 2 weeks",
         [("procedure", "Procedure"), ("anesthesia", "Anesthesia"), ("description", "Procedure detail"),
          ("closure", "Closure"), ("pathology", "Pathology"), ("plan", "Follow-up")]),
        # ... but not the tail of an ALL-CAPS header of its own, nor a lower-case word before a colon
        ("CONDITION AT THE END OF THE PROCEDURE: stable.", []),
        ("we reviewed the plan: excision next week", []),
        # a form that joins each label to its value with a dotted leader; unknown labels are no header
        ("Site ........... R forearm\nProcedure ...... punch biopsy\nFinal path ..... dermatofibroma",
         [("procedure", "Procedure ......"), ("pathology", "Final path .....")]),
        ("NECK ............. 14\nTOTAL ............... 14", []),
        # a biopsy or dermatopathology result heads the pathology like "Path:"
        ("Closure: simple.\nBx result: seborrheic keratosis.", [("closure", "Closure"), ("pathology", "Bx result")]),
        ("Dermpath: A compound nevus. B lentigo.", [("pathology", "Dermpath")]),
        ("Biopsy results: BCC, nodular.", [("pathology", "Biopsy results")]),
    ],
)
def test_headers(finder: SectionFinder, text: str, expected: list[tuple[str, str]]) -> None:
    found = [(category, text[start:body].rstrip(": \t,")) for category, start, _, body in finder.find(text)]
    assert found == expected


def test_sections_cover_text_to_next_header(finder: SectionFinder) -> None:
    text = "PROCEDURE: excision.\nPATHOLOGY: nevus."
    sections = finder.find(text)
    assert [(c, s, e) for c, s, e, _ in sections] == [("procedure", 0, 21), ("pathology", 21, len(text))]
    assert section_at(sections, text.index("excision")) == "procedure"
    assert section_at(sections, text.index("nevus")) == "pathology"


@pytest.mark.parametrize(
    ("text", "probe", "expected"),
    [
        # an unknown ALL-CAPS header ends the section before it instead of extending it
        ("PATHOLOGY: Pending.\nJUSTIFICATION: 1. Excision of a nevus.", "Excision", None),
        ("PLAN: Follow up.\nHEMOSTASIS: cautery; the nevus was excised.", "excised", None),
        # ... but a lesion or specimen label inside the section does not
        ("PATHOLOGY:\nWIDE EXCISION: no residual melanoma.", "residual", "pathology"),
        ("PATHOLOGY:\nLESION 2: basal cell carcinoma.", "basal", "pathology"),
        ("DIAGNOSIS: BCC.\nPREOPERATIVE SIZE: 1.2 cm.", "1.2", "diagnosis"),
        # ... nor an exam system or a site label inside the exam or the procedure
        ("PHYSICAL EXAMINATION: well.\nSKIN: a 5 mm papule.", "papule", "physical_exam"),
        ("DESCRIPTION: Two lesions.\nRIGHT CHEEK: excised.", "excised", "description"),
        # a dotted-leader field ends with its line
        ("Procedure ...... punch biopsy\nDescription of the lesion was given.", "given", None),
        # text copied forward from an earlier visit is that visit's, whatever headers it holds, up to the line
        # that ends it or else the next blank line; today's sections follow
        ("*** Note below carried forward from the 2/3/2025 visit ***\nPROCEDURE (2/3/2025): Shave biopsy, back.\n"
         "*** end of carried-forward text ***\nProcedure: cryotherapy of 3 AKs.", "Shave", "past_history"),
        ("*** Note below carried forward from the 2/3/2025 visit ***\nPROCEDURE (2/3/2025): Shave biopsy, back.\n"
         "*** end of carried-forward text ***\nProcedure: cryotherapy of 3 AKs.", "cryotherapy", "procedure"),
        ("Exam: AKs x3.\nCopied from the previous note:\nProcedure: punch biopsy, L arm.\n\nProcedure: LN2 to 3 AKs.",
         "punch", "past_history"),
        ("Exam: AKs x3.\nCopied from the previous note:\nProcedure: punch biopsy, L arm.\n\nProcedure: LN2 to 3 AKs.",
         "LN2", "procedure"),
        ("Exam: AKs x3.\nCopied from the previous note:\nProcedure: punch biopsy, L arm.\n\nProcedure: LN2 to 3 AKs.",
         "AKs", "physical_exam"),
    ],
)
def test_unknown_header_closes_the_section(finder: SectionFinder, text: str, probe: str, expected: str | None) -> None:
    assert section_at(finder.find(text), text.index(probe)) == expected


def test_text_before_first_header_has_no_section(finder: SectionFinder) -> None:
    text = "Note dictated.\nPLAN: return."
    assert section_at(finder.find(text), 0) is None


def test_bad_rule_file_names_file_and_rule(tmp_path) -> None:
    bad = tmp_path / "sections.json"
    bad.write_text('{"version": "1", "sections": [{"id": "sec.bad", "category": "x", "literal": "x", "pattern": "(unclosed"}]}')
    with pytest.raises(RuleFileError) as info:
        load_section_rules(bad)
    assert "sections.json" in str(info.value) and "sec.bad" in str(info.value) and "compile" in str(info.value)

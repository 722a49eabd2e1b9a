"""Lesion linking: facts grouped into one record per treated lesion."""

from __future__ import annotations

from decimal import Decimal

import pytest

from nlp.linking import find_markers


def test_single_lesion_collects_its_facts(lesions) -> None:
    text = (
        "PREOPERATIVE DIAGNOSIS: Rule out melanoma, left upper back.\n"
        "DESCRIPTION OF PROCEDURE: The 8 mm pigmented lesion of the left upper back was excised with 2 mm margins. "
        "The wound was closed in layers; final length 2.8 cm.\n"
        "PATHOLOGY: Compound dysplastic nevus with moderate atypia, margins clear."
    )
    (lesion,) = lesions(text)
    assert lesion.site.region == "back" and lesion.site.laterality == "left"
    assert lesion.diagnosis.kind == "dysplastic_nevus" and lesion.diagnosis.source == "pathology"
    assert lesion.lesion_size.value_cm == Decimal("0.8")
    assert lesion.margin.value_cm == Decimal("0.2")
    assert lesion.closure.closure_class == "intermediate"
    assert lesion.repair_length.value_cm == Decimal("2.8")
    assert lesion.procedure.kind == "excision"


def test_two_numbered_lesions(lesions) -> None:
    text = (
        "PROCEDURE: 1. Excision of 4 mm lesion, left cheek, with 1 mm margins. "
        "2. Excision of 1.2 cm cyst, upper back, with 2 mm margins, layered closure, 3.0 cm.\n"
        "PATHOLOGY: 1. Intradermal nevus. 2. Epidermoid cyst."
    )
    first, second = lesions(text)
    assert (first.site.region, first.diagnosis.kind, first.lesion_size.value_cm) == ("cheek", "melanocytic_nevus", Decimal("0.4"))
    assert (second.site.region, second.diagnosis.kind, second.lesion_size.value_cm) == ("back", "epidermoid_cyst", Decimal("1.2"))
    assert first.closure is None
    assert second.closure.closure_class == "intermediate"


def test_lesion_hash_markers_and_lettered_pathology(lesions) -> None:
    text = (
        "Lesion #1: right forearm, 6 mm, excised with 2 mm margins, simple closure.\n"
        "Lesion #2: left shin, 5 mm, excised with 1 mm margins, simple closure.\n"
        "PATHOLOGY: A. Seborrheic keratosis. B. Dermatofibroma."
    )
    first, second = lesions(text)
    assert first.site.region == "forearm" and first.diagnosis.kind == "seborrheic_keratosis"
    assert second.site.region == "leg" and second.diagnosis.kind == "dermatofibroma"


@pytest.mark.parametrize(
    "text, diagnoses",
    [
        # "Path A:" after item B reports on lesion A, not on the skin tags of B
        (
            "A. Shave removal, left forearm: 6 mm tan papule, ? SK.\nB. Skin tags of the neck x9, snipped, discarded.\n"
            "Path A: irritated seborrheic keratosis.",
            {"forearm": ("irritated_seborrheic_keratosis", "pathology"), "neck": ("skin_tag", "clinical")},
        ),
        (
            "1) L cheek: 4 mm pearly papule, shave bx.\n2) R shin: 5 mm scaly papule, shave bx.\nPath (1): BCC. Path (2): SCC in situ.",
            {"cheek": ("bcc", "pathology"), "leg": ("scc_in_situ", "pathology")},
        ),
    ],
)
def test_a_numbered_pathology_result_goes_to_its_lesion(lesions, text: str, diagnoses: dict) -> None:
    assert {les.site.region: (les.diagnosis.kind, les.diagnosis.source) for les in lesions(text)} == diagnoses


@pytest.mark.parametrize(
    ("text", "diagnoses"),
    [
        # a site-less "Path:" line after each item is the result of the item that sent tissue
        (
            "Left shoulder - 5 mm firm papule - excised with 1 mm margins, simple closure. Path: dermatofibroma.\n"
            "Right shin - 3 warts - LN2, two cycles.",
            {"shoulder": ("dermatofibroma", "pathology"), "leg": ("wart", "clinical")},
        ),
        # ... also after a destruction written later in the plan
        (
            "Procedures: 1. Excision of the 7 mm right back macule with 2 mm margins, simple closure. 2. Cryotherapy to 3 AKs "
            "of the forehead.\nPath: compound nevus, margins clear.",
            {"back": ("melanocytic_nevus", "pathology"), "forehead": ("actinic_keratosis", "clinical")},
        ),
        # two specimens before one site-less result: the note does not say whose it is
        (
            "Right arm - 6 mm papule - shave biopsy. Left thigh - 5 mm papule - shave biopsy. Path: BCC.",
            {"arm": None, "thigh": None},
        ),
    ],
)
def test_a_siteless_pathology_line_goes_to_the_one_specimen_before_it(lesions, text: str, diagnoses: dict) -> None:
    got = {les.site.region: les.diagnosis and (les.diagnosis.kind, les.diagnosis.source) for les in lesions(text)}
    assert got == diagnoses


@pytest.mark.parametrize(
    ("text", "closures"),
    [
        # a repair field with no site of its own closes the lesion described before it, though a
        # second lesion follows and the note names no primary lesion
        (
            "MOHS SURGERY, LEFT FOREARM. DIAGNOSIS: SCC. STAGE 1: 3 BLOCKS, CLEAR.\nREPAIR: LAYERED CLOSURE, 4.2 CM.\n"
            "ALSO TODAY: LN2 TO 2 AKS OF THE SCALP.",
            {"forearm": ("intermediate", "4.2"), "scalp": (None, None)},
        ),
        (
            "Mohs surgery, right temple: stage 1, 2 blocks, clear.\nClosure: intermediate, 3.1 cm.\n"
            "Also: cryotherapy to 4 warts of the left hand.",
            {"temple": ("intermediate", "3.1"), "hand": (None, None)},
        ),
    ],
)
def test_a_siteless_repair_field_closes_the_lesion_before_it(lesions, text: str, closures: dict) -> None:
    got = {
        les.site.region: (les.closure and les.closure.closure_class, les.repair_length and str(les.repair_length.value_cm))
        for les in lesions(text)
    }
    assert got == closures


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        # a Mohs record's title names the tumour described after it, though another lesion follows
        (
            "Mohs Surgery Record\nTumor: biopsy-proven SCC, right temple, 8 mm\nStage I: 2 blocks, clear.\n"
            "Also today: a 4 mm papule on the left forearm, 3 mm punch biopsy.",
            {"temple": "mohs", "forearm": "biopsy_punch"},
        ),
        (
            "MOHS AND SHAVE VISIT\nCase 1 - BCC, left cheek, 9 mm. One stage, three blocks, clear.\n"
            "Case 2 - 6 mm SK of the right shoulder, shave removal. Path: SK.",
            {"cheek": "mohs", "shoulder": "shave"},
        ),
        # a cyst's own weak excision word ("dissected out") is not replaced by the tags' removal beside it
        (
            "Site 1, R shoulder: pilar cyst, 1.2 cm. Incision over it, sac dissected out intact, simple closure.\n"
            "Site 2, L axilla: 5 skin tags, snipped at the stalk.",
            {"shoulder": "excision", "axilla": "skin_tag_removal"},
        ),
    ],
)
def test_a_mixed_visit_gives_each_lesion_its_own_procedure(lesions, text: str, kinds: dict) -> None:
    assert {les.site.region: les.procedure.kind for les in lesions(text)} == kinds


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        # "Two biopsy-proven cancers" opening the note names both lesions it then describes
        (
            "Two biopsy-proven squamous cell carcinomas were treated today. On the left forearm, the 8 mm tumor was "
            "excised with 4 mm margins and closed simply. On the right temple, the 6 mm area was curetted and "
            "desiccated, three cycles.",
            {"forearm": "scc", "temple": "scc"},
        ),
        # a count that is not the note's number of lesions names none of them
        (
            "Three biopsy-proven basal cell carcinomas were discussed. On the left forearm, the 8 mm tumor was "
            "excised with 4 mm margins and closed simply. On the right temple, a 5 mm SK was frozen.",
            {"forearm": None, "temple": "seborrheic_keratosis"},
        ),
    ],
)
def test_a_count_of_proven_cancers_names_each_lesion(lesions, text: str, kinds: dict) -> None:
    assert {les.site.region: les.diagnosis and les.diagnosis.kind for les in lesions(text)} == kinds


def test_history_lesion_is_not_a_treated_lesion(lesions) -> None:
    text = (
        "History of basal cell carcinoma of the nose in 2019. "
        "Today a 5 mm nevus of the right arm was excised with 1 mm margins."
    )
    (lesion,) = lesions(text)
    assert lesion.site.region == "arm"
    assert lesion.diagnosis.kind == "melanocytic_nevus"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Biopsy-proven BCC of the left cheek, 6 mm, excised with 3 mm margins.", "bcc"),
        # a prior biopsy "read as" a cancer, or written as an equation with its date, proved it
        ("Here for excision; the shave biopsy last month read as basal cell carcinoma. Left arm: 7 mm scar "
         "excised with 4 mm margins, simple closure.", "bcc"),
        ("R forearm: bx 3/14 = SCC. Today: excision of the 8 mm scar with 4 mm margins, simple closure.", "scc"),
        ("L calf: biopsy = SCCIS. Excised the 9 mm scar with 3 mm margins, simple closure.", "scc_in_situ"),
    ],
)
def test_prior_malignant_biopsy_is_flagged(lesions, text: str, kind: str) -> None:
    (lesion,) = lesions(text)
    assert lesion.prior_malignant_biopsy
    assert lesion.diagnosis.kind == kind


def test_pathology_pending(lesions) -> None:
    text = "Suspicious 7 mm pigmented lesion of the left calf excised with 2 mm margins. Pathology pending."
    (lesion,) = lesions(text)
    assert lesion.pathology_pending
    assert lesion.diagnosis is None or not lesion.diagnosis.certain


def test_final_pathology_beats_preoperative(lesions) -> None:
    text = (
        "PREOPERATIVE DIAGNOSIS: Seborrheic keratosis, right temple.\n"
        "PROCEDURE: Excision, 5 mm lesion, 1 mm margins.\n"
        "PATHOLOGY: Basal cell carcinoma, nodular type."
    )
    (lesion,) = lesions(text)
    assert lesion.diagnosis.kind == "bcc" and lesion.diagnosis.source == "pathology"


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("Lesion #1 on the arm. Lesion #2 on the leg.", [1, 2]),
        ("Specimen A: nevus. Specimen B: SK.", [1, 2]),
        ("PROCEDURE:\n1. Excision left arm.\n2. Excision right leg.", [1, 2]),
        ("First lesion: on the arm.\nSecond lesion: on the leg.", [1, 2]),
        # in running prose an ordinal refers back to a described lesion (nlp.linking.ordinals), it opens no segment
        ("The first lesion was on the arm; the second lesion on the leg.", []),
        ("PROCEDURE: 1. Excision left arm.", []),  # one list item is not a multi-lesion note
        ("Lesion measured 1.2 cm.", []),
        # "#11 blade" names a scalpel blade, not list item 1
        ("#1 R upper back: inflamed cyst.\n#2 L upper back: inflamed cyst.\nProc: #11 blade stab incisions, both drained.", [1, 2]),
        # per-biopsy template blocks; a biopsy word before a time or an article is no marker
        ("Biopsy 1\n  Site: left temple\nBiopsy 2\n  Site: right shin", [1, 2]),
        ("Bx #1: L cheek. Bx #2: R arm.", [1, 2]),
        ("Biopsy 2 weeks ago showed BCC. We will biopsy a lesion of the arm. Biopsy 3 mm deep.", []),
        # per-procedure template blocks; "procedure 2" inside a pathology line names the block too
        ("Procedure 1: Cryotherapy\nSite: L temple\nProcedure 2: Punch biopsy\nSite: R shin\nPath (procedure 2, final): DF", [1, 2, 2]),
        ("The procedure 2 weeks ago went well.", []),
        # a pathology result headed by the item's number or letter reports on that lesion
        ("1) L cheek: papule, shave bx.\n2) R shin: papule, shave bx.\nPath (1): BCC. Path (2): SCCIS.", [1, 2, 1, 2]),
        ("A. Excision, left arm.\nB. Excision, right leg.\nPath A: nevus.", [1, 2, 1]),
        # ... but "path" before a number of days or weeks is no result
        ("Lesion 1 on the arm, sent to path 2 weeks ago.", []),
        ("Lesion 1 on the arm; path 2-3 wks.", []),
        # fields of a flattened record whose key names the lesion; each is its own line only ("proc.1" numbers a procedure)
        ("exam.l1.site = R shin\nexam.l1.desc = 5 mm papule\nexam.l2.site = L cheek\nproc.1 = shave\npath.l2 = BCC", [1, 1, 2, 2]),
        ("les1_site: R shin\nles2_site: L cheek", [1, 2]),
        # a bare "L1:" label is no such key
        ("L1: R shin, 5 mm papule.\nL2: L cheek, pearly papule.", []),
        # rows of a lettered log: a letter, then a column gap (spaces or a tab), no "." or ")"; logs run past E
        ("BIOPSY LOG\nA  L cheek    pink papule    shave\nB\tR shin\tscaly plaque\tpunch\nC  scalp  crusted papule  shave", [1, 2, 3]),
        ("A  L cheek  shave\nB  R cheek  shave\nC  nose  shave\nD  chin  shave\nE  neck  shave\nF  L arm  punch\nG  R arm  punch\nH  back  punch", [1, 2, 3, 4, 5, 6, 7, 8]),
        # "F/G" heads one row written for two lesions; a pathology row names its letter's lesion
        ("A  L cheek  shave\nB  R cheek  shave\nC/D  bilat shins, rt (C) and lt (D)  punch each\nPATHOLOGY\nD  BCC", [1, 2, 3, 4]),
        ("Specimen F - L shin, punch. Specimen G - R shin, punch.", [6, 7]),
        # prose capitals are no rows: a single space after them, or no "A" and "B" rows in the note
        ("A 5 mm papule of the L cheek.\nI shaved it flat.\nB 12 was the vitamin checked.", []),
        ("Seen today.\nC  scalp  shave\nD  L arm  punch", []),
        # a procedure log numbered in its first column: one row, one lesion (GUIDELINES.md, twenty-fifth set, decision 5)
        ("LINE | SITE | LESION\n01 | L neck | skin tag | snip\n02 | L neck | skin tag | snip\n03 | R axilla | skin tag | snip", [1, 2, 3]),
        # not a run from 1, or a table whose first column is no row number
        ("VISIT | AREA\n2 | neck | tags | 11\n5 | axilla | tags | 4", []),
    ],
)
def test_markers(text: str, numbers: list[int]) -> None:
    assert [n for n, _, _ in find_markers(text, [])] == numbers


def test_a_key_field_is_one_line_of_its_lesion(lesions) -> None:
    text = (
        "exam.l1.site = L temple\nexam.l1.desc = 7 mm crusted stuck-on papule\nexam.l1.imp = irritated seborrheic keratosis\n"
        "exam.l2.site = R neck\nexam.l2.desc = four pedunculated skin tags\n"
        "proc.1 = shave removal of the L temple lesion flush with the skin\nproc.2 = snip removal of the skin tags of the R neck\n"
        "path.l1 = seborrheic keratosis"
    )
    found = {les.site.region: (les.procedure.kind, les.diagnosis.kind, les.lesion_size and str(les.lesion_size.value_cm)) for les in lesions(text)}
    assert found == {"temple": ("shave", "irritated_seborrheic_keratosis", "0.7"), "neck": ("skin_tag_removal", "skin_tag", None)}


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Biopsy-proven BCC of the left nasal sidewall, 7 mm. She preferred excision to Mohs surgery. "
         "Excised with 3 mm margins.", "excision"),
        ("BCC of the nasal tip treated with Mohs surgery: stage 1, 3 blocks, clear. The defect was repaired.", "mohs"),
    ],
)
def test_mohs_offered_is_not_mohs_done(lesions, text: str, kind: str) -> None:
    (lesion,) = lesions(text)
    assert lesion.procedure.kind == kind


# -- a numbered item on "the same lesion" is the item before it (GUIDELINES 28th set, decision 2) ------
@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("PROCEDURES: 1. Shave biopsy, left shoulder. 2. Excision of the same lesion, left shoulder, with layered closure. "
         "The 8 mm papule was excised with 2 mm margins. Pathology: compound nevus.", "excision"),
        ("PROCEDURES: 1. Punch biopsy, right calf. 2. Excision of the same site, right calf. "
         "The 6 mm lesion was excised with 3 mm margins and closed simply. Pathology: dermatofibroma.", "excision"),
    ],
)
def test_an_item_on_the_same_lesion_is_one_lesion(lesions, text: str, kind: str) -> None:
    (lesion,) = lesions(text)
    assert lesion.procedure.kind == kind


# -- a lesion "removed" with a blade held flat, or flush with the skin, was shaved off ---------------
@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Seborrheic keratosis, left flank, 7 mm: removed flush with the skin with a flexible blade.", "shave"),
        ("Irritated SK of the right shoulder, 9 mm, taken off with a razor blade after lidocaine.", "shave"),
        ("Intradermal nevus of the chin, 5 mm, removed at the level of the surrounding skin with a DermaBlade.", "shave"),
        # scissors make a flush removal a snip; a scalpel and sutures an excision
        ("Pedunculated skin tag on the neck, removed flush with the skin with iris scissors.", "excision"),
        ("Epidermoid cyst of the upper back, 1.2 cm, removed with a #15 blade and closed with 4-0 nylon.", "excision"),
        # a biopsy word makes the flat-blade removal a tangential biopsy
        ("Pigmented papule of the left calf, r/o melanoma: biopsy, the lesion was removed with a flexible blade.", "biopsy_tangential"),
    ],
)
def test_a_flat_blade_removal_is_a_shave(lesions, text: str, kind: str) -> None:
    (lesion,) = lesions(text)
    assert lesion.procedure.kind == kind


# -- a punch written by its size only ("3mm p") is a punch biopsy (GUIDELINES 22nd set, decision 5) --
@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Bx: L shoulder pink papule, r/o BCC. 4mm p, lido epi, gelfoam.", "biopsy_punch"),
        ("Biopsy of a scaly papule of the R shin, 3 mm p, AlCl, to path.", "biopsy_punch"),
        ("Biopsy of a scaly papule of the R shin by shave, AlCl, to path.", "biopsy_tangential"),
    ],
)
def test_a_punch_written_by_its_size(lesions, text: str, kind: str) -> None:
    (lesion,) = lesions(text)
    assert lesion.procedure.kind == kind


def test_numbered_procedure_list_of_one_lesion(lesions) -> None:
    text = (
        "PROCEDURES: 1. Wide local excision of melanoma, right mid back, with 1 cm margins. "
        "2. Intermediate repair, 11.0 cm.\nDESCRIPTION: The biopsy scar measured 1.4 cm."
    )
    (lesion,) = lesions(text)
    assert lesion.repair_length.value_cm == Decimal("11.0")
    assert lesion.lesion_size.value_cm == Decimal("1.4")


# -- procedure families: which words make the lesion record -----------------------------------
# snippet -> (site region, procedure kind, diagnosis kind or None)
FAMILY_FACTS = [
    pytest.param(
        "PROCEDURE: Incisional (wedge) biopsy, right shin.\nPATHOLOGY: Squamous cell carcinoma.",
        ("leg", "biopsy_incisional", "scc"), id="technique-before-a-bracketed-aside",
    ),
    pytest.param(
        "He wants the mole on his central chin taken off. A 6 mm dermal nevus was removed by shave excision.",
        ("chin", "shave", "melanocytic_nevus"), id="site-named-only-in-a-wish",
    ),
    pytest.param(
        "A 1.0 cm SCC of the vertex scalp was excised; a rotation flap with a back-cut closed the defect. "
        "Pathology: squamous cell carcinoma, margins clear.",
        ("scalp", "excision", "scc"), id="back-cut-is-not-the-back",
    ),
    pytest.param(
        "BCC of the left nasal tip excised with 3 mm margins; the defect was grafted with a FTSG "
        "harvested from the left preauricular skin. Path: basal cell carcinoma, clear.",
        ("nose", "excision", "bcc"), id="graft-donor-site-is-not-a-lesion",
    ),
    pytest.param(
        "Three inflamed epidermoid cysts of the back: the one on the right upper back and the one on "
        "the left lower back were opened and the contents were expressed.",
        ("back", "incision_drainage", "epidermoid_cyst"), id="weak-drainage-word-shared-by-listed-sites",
    ),
    pytest.param(
        "Patient positioned prone with a foam wedge under the hips. Shave biopsy of a 6 mm papule of the left upper back. "
        "Path: compound nevus.",
        ("back", "biopsy_tangential", "melanocytic_nevus"), id="a-positioning-wedge-is-no-wedge-biopsy",
    ),
    # biopsy short forms (GUIDELINES.md twenty-second set, decision 5)
    pytest.param("Scaly papule R forearm, ? SCC: TBx w/ DermaBlade, AlCl.", ("forearm", "biopsy_tangential", "scc"), id="tbx"),
    pytest.param("Pink papule L calf, r/o BCC - tang bx, drysol.", ("leg", "biopsy_tangential", "bcc"), id="tang-bx"),
    pytest.param("Scaly papule on the L upper back, ? SCC, bx'd it today, to path.", ("back", "biopsy_tangential", "scc"), id="bxd"),
    pytest.param("Pink papule R shin: deep shave for dx, AlCl, to path.", ("leg", "biopsy_tangential", None), id="deep-shave-for-dx"),
    pytest.param("Firm papule R thigh, ? DF - 4mm p, gelfoam, left open.", ("thigh", "biopsy_punch", "dermatofibroma"), id="punch-by-size"),
    pytest.param("3 mm p bx of the L forearm papule, closed primarily.", ("forearm", "biopsy_punch", None), id="punch-by-size-bx"),
    # misspelt tag removal word and site
    pytest.param("skin tags x3 nekc, snippd at base, drysol.", ("neck", "skin_tag_removal", "skin_tag"), id="snippd-nekc"),
]


@pytest.mark.parametrize("text, expected", FAMILY_FACTS)
def test_family_facts(lesions, text: str, expected: tuple[str, str, str | None]) -> None:
    found = lesions(text)
    assert found, "no treated lesion"
    region, kind, dx = expected
    first = found[0]
    assert (first.site.region if first.site else None, first.procedure.kind) == (region, kind)
    assert (first.diagnosis.kind if first.diagnosis else None) == dx
    assert all(lesion.procedure.kind == kind for lesion in found)


@pytest.mark.parametrize("text", ["Firm papule R thigh, ? DF - 4mm p, gelfoam, left open.", "3 mm p bx of the L forearm papule, closed primarily."])
def test_a_punch_written_by_its_size_gives_no_lesion_size(lesions, text: str) -> None:
    # the punch size is the instrument, not the lesion (twenty-second set, decision 5)
    (lesion,) = lesions(text)
    assert lesion.lesion_size is None


@pytest.mark.parametrize(
    ("text", "regions"),
    [
        # "Performed today:" heads the procedures: the assessment's last item ends there
        (
            "Assessment: 1. Pigmented papule, R forearm. 2. Acrochordons, neck.\nPerformed today:\n- punch bx of the forearm papule\n",
            ["forearm"],
        ),
        # a procedure under a "Not done here:" label was not done
        (
            "Procedures today:\n1. Shave bx, L neck\n2. Punch bx, L shoulder\nNot done here: biopsy of the R lower eyelid lesion; referred.\n",
            ["neck", "shoulder"],
        ),
    ],
)
def test_office_visit_labels(lesions, text: str, regions: list[str]) -> None:
    assert [lesion.site.region for lesion in lesions(text)] == regions


def test_drained_cysts_at_two_listed_sites_are_two_lesions(lesions) -> None:
    text = FAMILY_FACTS[4].values[0]
    assert [lesion.site.laterality for lesion in lesions(text)] == ["right", "left"]


def test_conditional_pathology_does_not_set_the_diagnosis(lesions) -> None:
    text = (
        "Shave removal of a 7 mm papule of the left temple. We will re-excise if the pathology shows "
        "a melanoma.\nPathology: seborrheic keratosis."
    )
    (lesion,) = lesions(text)
    assert lesion.diagnosis.kind == "seborrheic_keratosis"
    assert [d.kind for d in lesion.diagnoses] == ["seborrheic_keratosis"]


def test_a_closure_too_tight_to_do_is_not_the_closure(pipeline, lesions) -> None:
    text = "SCC L dorsal hand 1.4 cm excised with 4 mm margins; too tight for primary closure; FTSG placed."
    (lesion,) = lesions(text)
    assert lesion.closure.closure_class == "graft"
    doc = pipeline(text)
    primary = [e for e in doc.ents if e.text == "primary closure"]
    assert primary and primary[0]._.is_negated


def test_a_donor_site_passing_mention_leaves_pathology_with_the_lesion(lesions) -> None:
    text = (
        "A 1.1 cm SCC of the right cheek was excised with 4 mm margins. To spare the lower eyelid the defect "
        "was closed with a pedicle flap from the nasolabial fold. Pathology: squamous cell carcinoma, clear."
    )
    (lesion,) = lesions(text)
    assert (lesion.site.region, lesion.diagnosis.kind, lesion.diagnosis.source) == ("cheek", "scc", "pathology")


@pytest.mark.parametrize(
    "text, involves",
    [
        ("A 4 mm papilloma arising from the right lower eyelid margin was excised. Path: squamous papilloma.", ("lid margin",)),
        ("A 4 mm papilloma of the right lower eyelid was excised at the lash line. Path: squamous papilloma.", ("lid margin",)),
        ("A 4 mm papule of the right lower eyelid, 3 mm from the lid margin, was excised. Path: nevus.", ()),
        ("A 4 mm papule of the right lower eyelid was excised; the tarsal plate was not entered. Path: nevus.", ()),
        ("A 5 mm lesion of the left upper eyelid was excised full thickness through the tarsus. Path: BCC.", ("tarsus",)),
        ("A 5 mm lesion of the lower lip crossing the vermilion border was excised. Path: actinic cheilitis.", ("vermilion",)),
        ("A 5 mm lesion of the left helix was excised down to the cartilage. Path: chondrodermatitis.", ("cartilage",)),
        ("A 5 mm lesion of the left helix was excised; the cartilage was left intact. Path: nevus.", ()),
        # an examined structure said to look normal is not the lesion's bed
        ("A 4 mm papule of the upper cutaneous lip was excised. The vermilion itself looks normal. Path: nevus.", ()),
        ("A 4 mm papule of the upper lip was excised between the philtral column and the vermilion border. Path: nevus.", ()),
        ("A 4 mm papule of the lower lip, vermilion portion, was excised. Path: actinic cheilitis.", ("vermilion",)),
        ("A 4 mm papule of the left upper eyelid at the grey line was excised. Path: papilloma.", ("lid margin",)),
        # a structure named where the lesion is described, before a numbered item that names no site
        ("Exam: L lower lid: 4 mm papule at the lash line.\nProcedure 1: shave removal.\nPath 1: papilloma.", ("lid margin",)),
    ],
)
def test_structures_the_excision_took_in(lesions, text: str, involves: tuple[str, ...]) -> None:
    (lesion,) = lesions(text)
    assert lesion.site.involves == involves


@pytest.mark.parametrize(
    "text",
    [
        "Mohs surgery of a BCC of the left nasal ala: no tumour was seen after the final stage.",
        "The BCC of the right temple was removed using the Mohs fresh tissue technique and excised in thin layers.",
        "Prior to each surgical stage the site was re-anesthetized; Mohs surgery of the left cheek BCC was then excised in layers.",
        "The surgeon also acted as pathologist. BCC of the left nasal ala taken in two stages: stage 1, 2 blocks; stage 2, 1 block, clear.",
        "Micrographic surgery of a BCC of the right temple with horizontal frozen sections: stage I, 3 blocks; stage II, 1 block, clear.",
    ],
)
def test_mohs_done_wordings(lesions, text: str) -> None:
    (lesion,) = lesions(text)
    assert lesion.procedure.kind == "mohs"


# -- counted lesions: a number next to a site, before a diagnosis, or a note's total ---------------
@pytest.mark.parametrize(
    "text, counts",
    [
        ("Nine skin tags were snipped from the neck and four more from the left axilla, 13 in all.", {"neck": 9, "axilla": 4}),
        ("Dx: AKs x12 - scalp 8, L dorsal hand 4.\nTx: LN2, 2 cycles each.", {"scalp": 8, "hand": 4}),
        ("SITES: NECK 16; RIGHT AXILLA 7.\nPROCEDURE: REMOVAL OF SKIN TAGS BY SNIP EXCISION, 23 LESIONS.", {"neck": 16, "axilla": 7}),
        ("Counted 10 on the back and 6 on the chest, all typical seborrheic keratoses; liquid nitrogen to all 16.", {"back": 10, "chest": 6}),
        ("Acrochordons: twelve in the right axilla and seven on the posterior neck, each snipped at its base.", {"axilla": 12, "neck": 7}),
        ("Twenty-six skin tags were snipped from the neck.", {"neck": 26}),
        ("Snip removal of skin tags of the left axilla, thirty-one in all.", {"axilla": 31}),
        (
            "1. Actinic keratosis, right temple. 2. Seborrheic keratoses, left flank, x2.\n"
            "PROCEDURE: Destruction of 3 lesions with liquid nitrogen.",
            {"temple": 1, "flank": 2},
        ),
        # counts after the diagnosis ("AKs x21", "#5"); freeze-thaw cycles and seconds are not lesions
        ("LN2 today, 2 FTC each: AKs x21 scalp; irritated SKs x 15 trunk.", {"scalp": 21, "trunk": 15}),
        ("ED&C of a BCC, upper back, curettage x3 cycles. Also cryotherapy to AKs #5, right forearm, 2 FTC.", {"back": 1, "forearm": 5}),
        ("Cryotherapy to AKs: scalp x 7, forehead x 8, 15 total, 2 freeze-thaw cycles of 10 seconds.", {"scalp": 7, "forehead": 8}),
        # numbers in words, compound and "a dozen"; "N in total" is not "N inches"
        ("Twenty-two skin tags were snipped from the neck.", {"neck": 22}),
        ("Liquid nitrogen to twenty one AKs of the scalp.", {"scalp": 21}),
        ("A dozen skin tags were removed by snip excision from the left axilla.", {"axilla": 12}),
        # dozens, a count in a sentence of its own after the removal, "N of them", and counts told one
        # sentence per site with a verb between number and site (GUIDELINES.md, twenty-fourth set, decision 2)
        ("Acrochordons of the right axilla; I removed all two dozen with Gradle scissors.", {"axilla": 24}),
        ("A dozen and a half soft skin tags of the neck were snipped at the base.", {"neck": 18}),
        ("Half a dozen skin tags of the left groin were clipped off with scissors.", {"groin": 6}),
        ("The tags of the right groin were snipped one by one with iris scissors. In all, sixteen were taken.", {"groin": 16}),
        ("Skin tags of the left neck. Today twenty of them were cut off with curved scissors.", {"neck": 20}),
        ("Skin tags removed today with iris scissors. Five came off the neck. The right groin gave up seven more.", {"neck": 5, "groin": 7}),
        ("Tags removed today with scissors. Six came off the left groin. Three small ones were also clipped at the neck.", {"groin": 6, "neck": 3}),
        # a range counts its lower end; a field named by what was done; a bracketed count closing the removal's sentence
        ("Approximately 10-12 small skin tags of the neck, all snipped today.", {"neck": 10}),
        ("Acrochordons of the left groin.\nTreated: 7, with the hyfrecator until each tag lifted off.", {"groin": 7}),
        ("Skin tags of the right axilla: each was shaved flush at the base with a #15 blade (9). Pressure only.", {"axilla": 9}),
        ("I counted sixteen soft tags in the right axilla; all sixteen were snipped flush with scissors.", {"axilla": 16}),
        (
            "Actinic keratoses today: I counted eleven rough papules on the scalp and four on the left cheek, "
            "fifteen in total, all frozen with liquid nitrogen.",
            {"scalp": 11, "cheek": 4},
        ),
        ("Skin tags: neck x12, R axilla x3. Snip w/ iris scissors. No path.", {"neck": 12, "axilla": 3}),
        # a positioning phrase ("seated with her chin raised") is no third site
        (
            "Skin tags: six on the neck and three in the right axilla. Patient seated with her chin raised; "
            "each tag was snipped at the base.",
            {"neck": 6, "axilla": 3},
        ),
        # "along the rim of" places lesions; it does not orient an ellipse
        ("Two AKs along the rim of the right ear were frozen with liquid nitrogen.", {"ear": 2}),
        # counts per site after a molluscum, "STs" or irritated-SK heading; a bare count before a remark in brackets
        ("Molluscum contagiosum. Curettage w/ ring curette: trunk x9, L axilla x6.", {"trunk": 9, "axilla": 6}),
        ("Multiple STs: neck x10, L axilla x9. Snip removal w/ iris scissors.", {"neck": 10, "axilla": 9}),
        ("Cryotherapy of irritated SKs. Sites: upper back 8; abdomen 5 (along the belt line).", {"back": 8, "abdomen": 5}),
        # a count right before the site opens a list item; a lesion the note leaves alone tells nothing about the tags
        ("~12 STs L groin, ~5 R thigh; all removed w/ scissors. Also SKs on the back, reassured, no tx.", {"groin": 12, "thigh": 5}),
        ("Skin tags: ~12 L axilla, ~5 R thigh; all removed w/ scissors.", {"axilla": 12, "thigh": 5}),
        # a stated total in other words
        ("Cryotherapy to irritated SKs of the back. Total lesions treated: 17.", {"back": 17}),
        ("LN2 to AKs of the scalp, tot 16.", {"scalp": 16}),
        # a describing word between the count and the diagnosis; a number that names the lesion is no count
        (
            "Exam: two gritty actinic keratoses on the vertex scalp.\nProcedure: cryotherapy with liquid nitrogen to both, two cycles each.",
            {"scalp": 2},
        ),
        ("Site 2 actinic keratosis, left temple: LN2 x1.", {"temple": 1}),
        # a list item that counts lesions at several sites is one record per site
        (
            "1. Actinic keratoses, scalp x3 and left ear x2. Cryotherapy with LN2 today.\n"
            "2. Seborrheic keratoses of the back: reassured, not treated.",
            {"scalp": 3, "ear": 2},
        ),
        ("(1) Snip removal of skin tags: neck 9, L axilla 6.\n(2) Cryotherapy of irritated SKs x3, R flank.", {"neck": 9, "axilla": 6, "flank": 3}),
        # a word for the whole area beside counted lesions inside it is those lesions, unless it has a count of its own
        ("Chief complaint: rough spots on face\nExam: AKs: L cheek x2, forehead x4.\nProcedure: cryotherapy with LN2.", {"cheek": 2, "forehead": 4}),
        ("AKs: face x6, scalp x3. LN2 to all.", {"face": 6, "scalp": 3}),
        # a count before the diagnosis may come with descriptive words
        ("Findings: two gritty actinic keratoses on the vertex scalp.\nProcedure: liquid nitrogen to both, two cycles each.", {"scalp": 2}),
        # a count of lesion nouns in the clause that names the diagnosis
        ("PROCEDURE: Cryotherapy, scalp.\nFINDINGS: Four gritty scaly papules, clinically AKs.\nLN2, two cycles each.", {"scalp": 4}),
        # approximate counts are the number written, after a site or a diagnosis; the total below the list agrees
        (
            "Acrochordons snipped at the base. Counts by site:\n- Posterior neck: approximately 18\n- Left axilla: about eleven\n"
            "- Right groin: ~6\nRoughly 35 in all.",
            {"neck": 18, "axilla": 11, "groin": 6},
        ),
        ("Skin tags (approx. 15) of the neck were snipped.", {"neck": 15}),
        # plural region words: armpits are the axillae, inframammary folds the skin of the breast
        ("Skin tags snipped: armpits x8, inframammary folds x5.", {"axilla": 8, "breast": 5}),
        # a times sign before the diagnosis counts it, as one after it does
        ("Cryo x4 AKs R dorsal hand, 2 FTC.", {"hand": 4}),
        # a template count field stands for the sites the template lists
        ("Procedure: Removal of skin tags\nDiagnosis: acrochordons\nSite: left axilla\nNumber removed: 18", {"axilla": 18}),
        # "both" of a lesion that counts two is that lesion's pair, not every lesion of the note; a total
        # with no site that sums the counted sites is those lesions, not more
        (
            "O: Back: 9 inflamed crusted papules. Abdomen: 3 similar.\nA:\n1. Irritated SKs, itchy, 12 total.\n"
            "2. AKs x2, L temple.\nP:\n1. LN2 to the 12 irritated SKs.\n2. LN2 to both AKs.",
            {"back": 9, "abdomen": 3, "temple": 2},
        ),
        # a table whose dot leaders run from each site to its count, with a total row
        (
            "TX: CRYO TO IRRITATED SKIN TAGS\nSITE/COUNT:\n  CHEST ............ 7\n  R GROIN ....... 4\n  TOTAL .............. 11",
            {"chest": 7, "groin": 4},
        ),
        # a tally table: each row's next cell holds its count; the Total row is no site
        (
            "Acrochordons, irritated.\n| Site | Number snipped | How |\n|---|---|---|\n| Chest | 9 | scissors |\n"
            "| Left groin | 5 | scissors |\n| Total | 14 | |",
            {"chest": 9, "groin": 5},
        ),
        # the exam names the sites without numbers; the treatment names them again with the counts
        (
            "Exam: many skin tags, mostly chest and right groin.\nTags snipped w/ scissors today: chest 12, R groin 7.",
            {"chest": 12, "groin": 7},
        ),
        (
            "There are about twenty tags on the chest and in the right groin. After consent we snipped seventeen of them: "
            "eleven from the chest and six from the right groin.",
            {"chest": 11, "groin": 6},
        ),
        # only the part of the tags the note says it removed is counted, not those examined
        ("Twelve skin tags of the chest. Snipped 9 of the 12 tags with iris scissors; she keeps the rest.", {"chest": 9}),
        ("Skin tags of the chest. Every one of the twelve tags was snipped with iris scissors.", {"chest": 12}),
        # the number stated as removed, approximate or collective (GUIDELINES.md, twenty-first set, decision 4)
        ("Acrochordons of the chest, too numerous to count; roughly 24 snipped today.", {"chest": 24}),
        ("Many soft skin tags of the lower back. Removal of all of them (21) with curved scissors.", {"back": 21}),
        ("Skin tags, left groin: innumerable; about 40 were removed with forceps and scissors.", {"groin": 40}),
        # tag removals worded as cutting at the stalk or base
        ("Seven cutaneous tags of the left axilla were each cut across the stalk with iris scissors.", {"axilla": 7}),
        ("Acrochorda of the neck: nine, cut at the base with Gradle scissors.", {"neck": 9}),
        # the examined number after "about" is not the count of a site the treatment counts
        (
            "About 35 skin tags in all, on the chest, back and groin. Removed 25 today: chest 14, back 6, R groin 5.",
            {"chest": 14, "back": 6, "groin": 5},
        ),
        # a times sign in the procedure's sentence counts what it treated (twenty-second set, decision 1)
        ("Many soft acrochordons of the chest, snipped at the stalk with fine scissors x 19, no specimen.", {"chest": 19}),
        ("Actinic keratoses of the scalp.\nCryo: LN2 x 7, two freeze-thaw cycles each.", {"scalp": 7}),
        ("Actinic keratosis of the scalp. LN2 x 2 cycles, 10 s each.", {"scalp": 1}),
        # "R ax", "lt ax": the axilla written short (twenty-second set)
        ("Skin tags snipped today: neck 11, lt ax 5; no specimen.", {"neck": 11, "axilla": 5}),
        # a curette's passes are not lesions
        ("Seborrheic keratosis of the left temple, irritated by her glasses. Curetted x 3 to a firm base.", {"temple": 1}),
        # a removal verb's number is what was done, not the plan; a quantity field; an n
        ("Skin tags of the left axilla. Meant to do 25; removed 18 before she had to leave. Snip, scissors.", {"axilla": 18}),
        ("Skin tags of the back - removed 33 today with scissors; no specimen.", {"back": 33}),
        ("Service: skin tag removal\nArea: chest\nMethod: electrodesiccation\nQty: 21", {"chest": 21}),
        ("Skin tags of both axillae, each lifted and clipped flush with iris scissors (n=24).", {"axilla": 24}),
        # a form's row: the count before the wide gap to the next column; an OCR-split count label
        ("Diagnosis: skin tags\nSite(s) / number:   neck  12        chest  9\nMethod: (x) snip", {"neck": 12, "chest": 9}),
        ("Skin tags of the neck.\nMethod: snip\nTotal number rem oved: 14", {"neck": 14}),
        # a count in a sign-off summary, a bare number closing the line (GUIDELINES.md, twenty-fifth set, decision 4)
        ("Tags of the back were snipped one by one.\nEncounter summary:\nProcedure: removal of skin tags, 21\nTime: 10 min", {"back": 21}),
        # "I counted N" right after a site is that site's count, not a total for the others to share
        ("Skin tags: in the right groin I counted 14 and in the left axilla 9; all snipped with scissors.", {"groin": 14, "axilla": 9}),
        # "came off" places a count like "from" does; a count before "were clipped" keeps its site
        ("Skin tags snipped with iris scissors. Eleven came off the back. Then four more were clipped from the left axilla.", {"back": 11, "axilla": 4}),
    ],
)
def test_counts_per_site(lesions, text: str, counts: dict[str, int]) -> None:
    found = {lesion.site.region: lesion.count for lesion in lesions(text)}
    assert found == counts


def _counted(region: str | None, kind: str, count: int | None):
    from nlp.records import Diagnosis, Lesion, Procedure, Site, Span

    span = Span(0, 1, "x")
    dx = Diagnosis(text=kind, kind=kind, behaviour="benign", source="clinical", span=span)
    return Lesion(
        index=1, site=Site(text=region, region=region, span=span) if region else None, diagnosis=dx, diagnoses=[dx],
        procedure=Procedure(kind="destruction", text="LN2", span=span), count=count or 1, count_stated=count is not None,
    )


@pytest.mark.parametrize(
    "siteless, kept",
    [
        # no site and the sum of the like lesions counted at their sites: those lesions again
        (_counted(None, "seborrheic_keratosis", 15), False),
        (_counted(None, "seborrheic_keratosis", None), False),
        # a count of its own that is not their sum, or another diagnosis: lesions of its own
        (_counted(None, "seborrheic_keratosis", 6), True),
        (_counted(None, "actinic_keratosis", 15), True),
    ],
)
def test_a_siteless_count_that_sums_the_sites_is_those_lesions(siteless, kept: bool) -> None:
    from nlp.linking.treated import summed_lesions

    sites = [_counted("back", "seborrheic_keratosis", 11), _counted("breast", "seborrheic_keratosis", 4)]
    assert any(lesion is siteless for lesion in summed_lesions([siteless, *sites])) is kept


def _sided(laterality: str | None, count: int):
    from dataclasses import replace

    lesion = _counted("axilla", "skin_tag", count)
    return replace(lesion, site=replace(lesion.site, laterality=laterality))


@pytest.mark.parametrize(
    "total, kept",
    [
        # "17 tags, bilateral axillae ... 9 in the right axilla and 8 in the left": the breakdown is the same tags
        (_sided("bilateral", 17), False),
        (_sided(None, 17), False),
        # a count that is not their sum, or a site that is one of the parts, is lesions of its own
        (_sided("bilateral", 6), True),
        (_sided("right", 17), True),
    ],
)
def test_a_total_at_a_site_covering_the_counted_sites_is_those_lesions(total, kept: bool) -> None:
    from nlp.linking.treated import summed_lesions

    parts = [_sided("right", 9), _sided("left", 8)]
    assert any(lesion is total for lesion in summed_lesions([total, *parts])) is kept


@pytest.mark.parametrize(
    "text, tags",
    [
        ("PROCEDURE: Removal of 17 acrochordons, bilateral axillae.\nFINDINGS: There were 9 in the right axilla and 8 in "
         "the left axilla.\nDESCRIPTION: Each was snipped at the stalk with iris scissors.", 17),
        ("PROCEDURE: Removal of 17 acrochordons.\nFINDINGS: There were 9 in the right axilla and 8 in the left axilla.\n"
         "DESCRIPTION: ... each was snipped at the stalk", 17),
        # a number after the area that a side places is that side's count; both sides together are the area's
        ("Procedure: snip removal of 20 skin tags, bilateral axillae: 12 in the right axilla, 8 in the left axilla.", 20),
        ("Skin tags, both axillae: 14 in the right and 6 in the left, snipped with iris scissors.", 20),
    ],
)
def test_a_stated_total_and_its_parts_are_counted_once(lesions, text: str, tags: int) -> None:
    assert sum(lesion.count for lesion in lesions(text)) == tags


@pytest.mark.parametrize(
    "text, total",
    [
        ("Approximately 60 in all.", 60),
        ("Skin tags snipped, 23 lesions total.", 23),
        # a count in words echoed in figures counts once, with a verb phrase before "in total"
        ("Thirty-one (31) tags were snipped in total.", 31),
        ("Eighteen (18) lesions treated in all.", 18),
        # a number closing the list item above the total line is that item's count, not the total
        ("- Inframammary folds: 9\nApproximately 60 in all.", 60),
        # a count field of a template
        ("Number removed: 27", 27),
        ("Number of lesions treated = 9", 9),
        ("# of tags: 18", 18),
        # a dot leader between the total's label and its number
        ("  TOTAL ............... 25", 25),
        # a table's Total row, and a sum written out: its result
        ("| Total | 26 | |", 26),
        ("All snipped: 8 + 5 + 4 = 17.", 17),
        ("Tags removed 10+6 = 16", 16),
        # a quantity field, an n, a removal verb's number (twenty-second set, decision 1)
        ("Qty: 26", 26),
        ("Quantity 12", 12),
        ("snipped flush (n=19).", 19),
        ("Tags, N = 35, all snipped.", 35),
        ("Removed x 22 by the nurse.", 22),
        ("Plan was 30; removed 21 due to time.", 21),
        ("Treated 9 today.", 9),
    ],
)
def test_a_total_is_read_within_its_line(text: str, total: int) -> None:
    from nlp import procedure_details

    assert procedure_details._total(text) == total


# -- a lesion the note leaves alone today does not share the visit's destruction or tag removal ----
@pytest.mark.parametrize(
    "text, treated",
    [
        ("AK of the left temple: LN2 x1, 2 FTC. Seborrheic keratoses of the back: reassured, no treatment.", ["temple"]),
        ("Cryotherapy to 3 AKs on the scalp. Scattered SKs on the back - observe.", ["scalp"]),
        ("LN2 to 4 irritated SKs of the right flank. Several other seborrheic keratoses on the chest were left untreated.", ["flank"]),
        ("A/P: AKs x3 L forearm - LN2, 2 FTC.\nSKs on the back - benign, reassurance given, no tx.", ["forearm"]),
        ("Skin tags of the neck x6 removed by snip excision. Tags in the left axilla - patient prefers to leave alone.", ["neck"]),
        ("Bx-proven BCC R forearm, 6 mm. ED&C x3 cycles, left open.\nAlso: SKs x4 on the back, not tx'd.", ["forearm"]),
        (
            "Eight AKs on the scalp and two along the rim of the left ear. A tan macule on the right cheek is a solar "
            "lentigo and was left alone. With his glasses removed, liquid nitrogen was applied to all ten AKs.",
            ["scalp", "ear"],
        ),
        # a lesion whose own biopsy was offered and declined is not one of the frozen ones
        ("AKs x3: vertex scalp. LN2, 2 FTC. R temple: pearly papule, ? BCC. Bx offered, pt declined today.", ["scalp"]),
        # a lesion whose own procedure is put off does not take the visit's destruction
        (
            "Three AKs of the scalp were frozen with liquid nitrogen. A pearly papule on the left cheek: biopsy "
            "recommended, she will come back for it.",
            ["scalp"],
        ),
        # tags left for another visit, or noticed and not treated, are not counted with the snipped ones
        ("Snipped 8 skin tags from the neck. Skin tags of the groin (roughly 20) were left for another visit.", ["neck"]),
        ("Skin tags of the neck x6 snipped. A few skin tags on the eyelids were noted, none was treated there.", ["neck"]),
        ("Snip removal of 5 skin tags of the R axilla today. Neck tags deferred to a future visit per pt.", ["axilla"]),
        # a wish not to treat written after the lesions, in their sentence or with a pronoun in the next
        ("Six tags snipped from the neck. He has more tags in the groin that he does not want treated today.", ["neck"]),
        ("Cryo to 5 AKs of the scalp. Two SKs on the back she didn't want them removed.", ["scalp"]),
        (
            "Seven skin tags taken off the neck with scissors. Two tags on the left upper eyelid; those do not bother "
            "her and she asked me to leave them.",
            ["neck"],
        ),
        ("LN2 to 4 AKs of the forehead. Three SKs on the chest; he would rather leave those alone for now.", ["forehead"]),
        # skin tags only noted beside an excised cyst take no share of the cyst's excision
        (
            "PROCEDURE: Excision of epidermoid cyst, upper back, 2.0 cm, with intermediate repair.\n"
            "INDICATIONS: Enlarging cyst for two years, never drained. She also has a few skin tags on the neck.",
            ["back"],
        ),
        # the same site named again in a numbered item that only plans its biopsy is that lesion, left for later
        (
            "O: skin tags of the neck x6. R upper back: irregular brown macule.\nA/P:\n1. Skin tags of the neck: snip removal x6.\n"
            "2. Irregular macule R upper back: punch bx at next visit.",
            ["neck"],
        ),
        # a destruction offered at the start of a sentence and declined in the next
        (
            "Irritated SK of the left cheek, 6 mm: shave removal today. SKs of the trunk: benign, reassured. Offered LN2; he declined.",
            ["cheek"],
        ),
        # a lesion left alone is not the note's primary lesion: the heading diagnosis and procedure go to the listed sites
        (
            "DIAGNOSIS: ACTINIC KERATOSES\nLOCATIONS: FOREHEAD X6, SCALP X4.\nTREATMENT: LIQUID NITROGEN, 2 CYCLES.\n"
            "NOT TREATED: A WAXY PAPULE OF THE R CHEEK, CLINICALLY SK.",
            ["forehead", "scalp"],
        ),
        # a clause after a semicolon that only leaves the lesions alone (ConText's cue stops at the semicolon)
        (
            "Procedure: LN2 to the 6 irritated SKs of the back, 2 cycles.\nAlso seen: small SKs of the abdomen; benign, no treatment wanted.",
            ["back"],
        ),
        ("LN2 to 3 AKs of the scalp. Seborrheic keratoses of the chest; not treated.", ["scalp"]),
        # a numbered plan item labelled with the exam's lesions that closes with "Not removed.": they take no share of the
        # other lesion's destruction (GUIDELINES.md, twenty-first set)
        (
            "O: many skin tags of the left axilla. L forearm: 6 mm crusted irritated SK.\nA/P:\n1. Diabetes - stable.\n"
            "2. Skin tags - counselled; she would rather pay another time. Not removed.\n"
            "3. Irritated SK, L forearm - LN2, 2 freeze-thaw cycles.",
            ["forearm"],
        ),
        # a line labelled with the lesions that closes with "Not done.": its removal word is no procedure done
        (
            "Exam: 3 AKs of the scalp. Several skin tags on the neck.\nProcedure: LN2 to the 3 AKs.\n"
            "Skin tags: pt asked about removal; his plan calls it cosmetic. Not done.",
            ["scalp"],
        ),
        # a SOAP "P:" line ends the assessment's last one-line item: the plan's destruction is not the tags'
        (
            "A:\n1. SKs, back x2.\n2. Skin tags, neck - benign, reassurance only. Not removed.\n"
            "P: LN2 to the 2 irritated SKs of the back, one cycle each.",
            ["back"],
        ),
    ],
)
def test_untreated_lesions_are_not_records(lesions, text: str, treated: list[str]) -> None:
    assert [lesion.site.region for lesion in lesions(text)] == treated


# -- destruction devices name the procedure; a device used for hemostasis does not ---------------
@pytest.mark.parametrize(
    "text, kinds",
    [
        ("Skin tags: R axilla x7, L axilla x8. Hyfrecator, low setting, after a lido wheal at each base.", ["destruction", "destruction"]),
        ("Two irritated seborrheic keratoses of the left flank were treated with hyfrecation.", ["destruction"]),
        ("Verruca vulgaris, right index finger: destroyed by electrocautery after local anesthesia.", ["destruction"]),
        ("AKs x4 on the scalp treated with cryospray, 2 FTC.", ["destruction"]),
        ("Acrochordons of the neck were fulgurated at the stalk.", ["destruction"]),
        ("Shave removal of a 6 mm seborrheic keratosis, right shoulder. Hemostasis with electrocautery.", ["shave"]),
        ("Punch biopsy of a 4 mm papule, left calf; the base was electrodesiccated for hemostasis.", ["biopsy_punch"]),
        # "biopsy-proven" is an earlier biopsy, not today's procedure
        ("Biopsy-proven superficial BCC, left upper back, 8 mm: ED&C x3 cycles.", ["destruction"]),
    ],
)
def test_destruction_devices(lesions, text: str, kinds: list[str]) -> None:
    assert [lesion.procedure.kind for lesion in lesions(text)] == kinds


# -- a diagnosis in a sentence naming two sites goes to the site it is written next to -------------
@pytest.mark.parametrize(
    "text, diagnoses",
    [
        (
            "Curettage and electrodesiccation of two lesions: a basal cell carcinoma of the right cheek, 7 mm across, "
            "and a squamous cell carcinoma in situ of the left parietal scalp, 1.6 cm across.",
            {"cheek": "bcc", "scalp": "scc_in_situ"},
        ),
        # an operation on a non-skin structure in the same note does not split the skin lesion's facts
        (
            "PREOPERATIVE DIAGNOSES: 1. Left inguinal hernia. 2. Atypical nevus, right upper back.\n"
            "PROCEDURES: 1. Left inguinal hernia repair with mesh. 2. Excision of atypical nevus, right upper back.\n"
            "DESCRIPTION: The hernia sac was dissected off and the floor repaired with mesh. The 6 mm nevus was then "
            "excised with 2 mm margins as an ellipse and closed in layers, final length 2.5 cm.\n"
            "PATHOLOGY: Dysplastic nevus.",
            {"back": "dysplastic_nevus"},
        ),
    ],
)
def test_diagnosis_goes_to_the_adjacent_site(lesions, text: str, diagnoses: dict[str, str]) -> None:
    assert {lesion.site.region: lesion.diagnosis.kind for lesion in lesions(text)} == diagnoses


# -- misspellings of long procedure and diagnosis words still match ------------------------------
@pytest.mark.parametrize(
    "text, kind, dx",
    [
        ("Excison of a 1 cm epidermoid cyst, right shoulder. Path: epidermoid cyst.", "excision", "epidermoid_cyst"),
        ("Punch biospy of a 6 mm papule, left calf. Path: dermatofibroma.", "biopsy_punch", "dermatofibroma"),
        ("Liquid nitorgen to 3 itchy seborhheic keratoses of the back.", "destruction", "seborrheic_keratosis"),
        ("Two warts of the left thumb: trichloracetic acid applied until white frosting.", "destruction", "wart"),
        ("Skin tags of the neck x6: hyfercator to the stalk of each.", "destruction", "skin_tag"),
    ],
)
def test_misspelled_words_still_match(lesions, text: str, kind: str, dx: str) -> None:
    (lesion,) = lesions(text)
    assert (lesion.procedure.kind, lesion.diagnosis.kind) == (kind, dx)


@pytest.mark.parametrize(
    "text, kind",
    [
        ("Shave removal, right forearm: 6 mm papule removed by deep shave (saucerization). Path: nevus.", "shave"),
        ("Proc: deep shave bx (saucerization) for dx of a 6 mm macule, R forearm. Path: nevus.", "biopsy_tangential"),
        # "shave exc" is the shave removal's short form; a "tangential sample" is a biopsy
        ("(1) 4 mm papule L cheek - shave exc, AlCl3, sent. Path: intradermal nevus.", "shave"),
        ("A 5 mm pink papule on the right shoulder, so I took a tangential sample with a blade for pathology.", "biopsy_tangential"),
        # "freeze" is a destruction verb when a lesion it destroys is named ("freeze-thaw" alone names none)
        ("She asked us to freeze a common wart on her right knee, which was done with two freeze-thaw cycles.", "destruction"),
        ("Mohs, L nasal ala, BCC. Stg 1: 3 blks, + at blk 2. Stg 2: 1 blk, clear.", "mohs"),
        ("A 2 cm lipoma of the right upper arm was teased out of the subcutaneous fat. Path: lipoma.", "excision"),
        ("Exc bx-proven BCC R nasal ala. Size 5mm, margins 3mm. Complex repair 2.2 cm. Path: BCC.", "excision"),
        ("L upper back: EIC 1.5 cm, inflamed twice, tx'd w/ abx (never I&D). Exc'd intact, no margin. Path: EIC.", "excision"),
        ("L upper back: EIC 1.5 cm, inflamed twice, never I&D. Excised with 1 mm margins. Path: epidermoid cyst.", "excision"),
        ("The 1.5 cm cyst of the left upper back was delivered through a small incision. Path: epidermoid cyst.", "excision"),
        # a Mohs template that never says "Mohs": one physician as surgeon and pathologist, stages and blocks
        ("BCC, left nasal ala. I acted as both surgeon and pathologist. The tumour was curetted. Stage I was excised "
         "as three blocks, mapped and processed as frozen sections. Stage II was taken as two blocks and was clear.", "mohs"),
        ("BCC of the right temple removed by micrographic surgery; stage 1, 2 blocks, clear.", "mohs"),
        # skin-tag removal by scissors ("cut flush", "snip", "clipped off")
        ("Four skin tags in the right axilla were each lifted with forceps and cut flush with the skin.", "skin_tag_removal"),
        ("Skin tags, R neck x6. Snip w/ iris scissors, AlCl3 for hemostasis.", "skin_tag_removal"),
        ("Five acrochordons of the left groin were clipped off with curved scissors.", "skin_tag_removal"),
        # more tag verbs (GUIDELINES.md, twenty-fourth set, decision 3); a weak "clipped" or "cut off" removes
        # only with scissors or the stalk in its sentence ("hair clipped" is the prep)
        ("Skin tags of the left groin x4, lopped off at the stalk with sharp scissors.", "skin_tag_removal"),
        ("Three acrochordons of the right axilla were cut off at the stalk; pressure for hemostasis.", "skin_tag_removal"),
        ("ACs x 7 L neck. Clipped w/ Gradle scissors, AlCl3.", "skin_tag_removal"),
        ("Epidermoid cyst, 1.2 cm, of the posterior scalp. Hair clipped, prepped and draped. Excised with 2 mm margins and closed.",
         "excision"),
        # the instrument decides the technique: a punch under an "incisional biopsy" heading is a punch
        ("Procedure: incisional biopsy (4 mm punch), left shin. Path: SCC in situ.", "biopsy_punch"),
        ("Incisional biopsy of the right thigh plaque: a wedge was taken with a blade and a punch was not used. Path: morphea.",
         "biopsy_incisional"),
        ("Right temple, 5 mm pearly papule: sampled by tangential (shave) technique, flexible blade. Path: BCC.", "biopsy_tangential"),
        # a wedge is an incisional biopsy however it is written: "incisional wedge", or a bare measured "wedge ... taken"
        ("Left calf, 3 cm scaly plaque, ? SCC in situ: INCISIONAL WEDGE 1.0 X 0.4 CM FROM THE THICKEST EDGE, TWO SUTURES. "
         "Path: SCC in situ.", "biopsy_incisional"),
        ("Right shin, 3 cm plaque, ? SCC. Under local, wedge 1.2 x 0.5 cm taken from the raised edge into fat; three sutures. "
         "Path: SCC.", "biopsy_incisional"),
        # a saucerization is a technique: removing the lesion makes it a shave removal, sampling it a biopsy
        ("A 7 mm nevus of the right upper arm that she wanted gone was removed by a saucerization shave flush with the skin; "
         "no sutures. Path: compound nevus.", "shave"),
        ("Left calf, 8 mm brown macule: removed by saucerization, level with the skin, no sutures. Path: dysplastic nevus.", "shave"),
        ("Right upper arm, 7 mm irregular macule: saucerization shave to the mid dermis for diagnosis. Path: compound nevus.",
         "biopsy_tangential"),
        ("Left calf, 8 mm macule, r/o melanoma: the lesion was removed by saucerization shave. Path: dysplastic nevus.", "biopsy_tangential"),
        # a shave done for a diagnosis is a tangential biopsy; a removal sent to pathology is a shave removal
        ("A 6 mm waxy papule of the left flank looked like an SK, so I shaved it for pathology. Path: SK.", "biopsy_tangential"),
        ("The 7 mm crusted papule of the right forearm was shaved for histologic diagnosis. Path: SCC.", "biopsy_tangential"),
        ("The irritated 6 mm SK of the left flank was shaved and sent for pathology. Path: SK.", "shave"),
        ("The 6 mm SK of the left flank was shaved off for pathology. Path: SK.", "shave"),
        # a plain biopsy word names the procedure and a bare "shave" its technique; tissue "sent for biopsy" is only sent
        ("A/P: R upper arm 6 mm pink papule ?BCC. Bx (shave) R upper arm - sent.", "biopsy_tangential"),
        ("Skin biopsy, left temple: 5 mm scaly papule. Flexible-blade shave to the mid dermis, AlCl3. Path: SCC in situ.",
         "biopsy_tangential"),
        ("The irritated 6 mm SK of the left flank was shaved and sent for biopsy. Path: SK.", "shave"),
        # an ellipse at the edge of a plaque is the shape of an incisional biopsy; an excision named outright still wins
        ("Incisional bx of a 3 cm plaque of the L thigh: an ellipse through the dermis at its edge, 2 sutures. Path: morphea.",
         "biopsy_incisional"),
        ("Incisional biopsy of the 2 cm plaque, L shin, showed BCC on frozen section, so the plaque was excised with 4 mm margins "
         "as an ellipse.", "excision"),
        # "snip exc" is a snip excision of tags
        ("Skin tags of the L axilla x5: snip exc with iris scissors, AlCl3.", "skin_tag_removal"),
        # "took off" / "taken off" is a removal word like "removed"; taken off flush with the skin it is a shave
        # removal (GUIDELINES nineteenth set, decision 8: a look-alike taken off flush is a shave record)
        ("With her consent I took off the 6 mm irritated SK of the left flank, flush with the skin, for comfort.", "shave"),
        ("I took off the 1 cm cyst of the left flank with 2 mm margins and closed it with 4-0 nylon.", "excision"),
        # "sampled with a shave" takes the tissue for a diagnosis: a tangential biopsy
        ("The 5 mm pearly papule of the left shoulder was sampled with a shave to the mid dermis. Path: BCC.", "biopsy_tangential"),
        # a curette (scoop) biopsy is a tangential biopsy (coding-rules 3.2)
        ("Curette biopsy of the 8 mm keratotic nodule of the left temple, down to a firm base. Path: keratoacanthoma.",
         "biopsy_tangential"),
        # "please excuse errors" is no misspelt "excise"
        ("Voice software, please excuse errors. The 4 mm nevus of the R shin had a punch biopsy. Path: nevus.", "biopsy_punch"),
        # a checkbox form: the marked technique is the procedure (GUIDELINES.md, eighteenth set, decision 2)
        ("Site: L forearm  Size: 6 mm\nShave biopsy _   Punch biopsy X (4 mm)\nPath: dermatofibroma.", "biopsy_punch"),
    ],
)
def test_procedure_kind_wordings(lesions, text: str, kind: str) -> None:
    (lesion,) = lesions(text)
    assert lesion.procedure.kind == kind


@pytest.mark.parametrize(
    ("text", "stages", "blocks"),
    [
        ("Mohs, L nasal ala, BCC. Stg 1: 3 blks, + at blk 2. Stg 2: 1 blk, clear.", 2, (3, 1)),
        # a terse Mohs log: a roman numeral opening the line is the stage
        ("MOHS LOG\nBCC, left nasal ala.\nI: 3 blocks. Pos bl 1.\nII - 2 blocks. Clear.\nStages 2 / blocks 5.", 2, (3, 2)),
        # the blocks are read across a semicolon, never into the next stage
        ("Mohs surgery, SCC of the right shin. Stage I: curetted first; 6 blocks; tumor in block 2.\n"
         "Stage II: 1 block; clear.", 2, (6, 1)),
        ("Mohs surgery, BCC of the left temple. Stage 1: positive at 9 o'clock; stage 2: 2 blocks, clear.", 2, (0, 2)),
        # a stage count written without a colon
        ("Mohs surgery of a BCC of the right ear. Stages 3, all frozen sections read by me.", 3, ()),
    ],
)
def test_mohs_shorthand_stages_and_blocks(lesions, text: str, stages: int, blocks: tuple[int, ...]) -> None:
    (lesion,) = lesions(text)
    assert (lesion.mohs_stages, lesion.mohs_blocks) == (stages, blocks)


@pytest.mark.parametrize(
    "text",
    [
        # a roman numeral that numbers a report's parts, and suture sizes after "layers", are no stages
        "I. PROCEDURE: Mohs surgery.\nII. 3 blocks were mapped.",
        "Closed in layers 4-0 Monocryl.",
    ],
)
def test_no_mohs_stages_from_part_numbers_or_sutures(text: str) -> None:
    from nlp import procedure_details

    assert procedure_details.mohs_details(text) == (None, ())


@pytest.mark.parametrize(
    "text",
    [
        "DIAGNOSIS: SCC in situ, right calf, punch biopsy 2 weeks ago. PROCEDURE: excision with 4 mm margins of the 1.0 cm scar.",
        "Melanoma in situ of the left upper arm, shave bx on 3/12, margins involved. Wide excision with 5 mm margins of the 1.1 cm scar.",
        # the biopsy named at the end of a header line that first lists site, type and size
        "PREOPERATIVE DIAGNOSIS: SQUAMOUS CELL CARCINOMA IN SITU, LEFT LATERAL CALF, 1.2 X 0.9 CM SCALY PLAQUE, "
        "PUNCH BIOPSY 2 WEEKS AGO.\nPROCEDURE: EXCISION WITH 4 MM MARGINS.",
        # a Breslow depth or Clark level is read on histology: the melanoma was biopsied before
        "Melanoma of the right upper back, Breslow 0.4 mm, no ulceration. Wide excision with 1 cm margins of the 1.5 cm scar.",
        "Preop dx: melanoma, left shoulder, Clark level III. Excised with 1 cm margins.",
    ],
)
def test_a_dated_earlier_biopsy_proves_the_cancer(lesions, text: str) -> None:
    (lesion,) = lesions(text)
    assert lesion.prior_malignant_biopsy


# -- a procedure named above a numbered list, for a range of items or with a count is each listed lesion's; a declined lesion is none --
@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Shave biopsies x2:\n1. L temple: 5 mm pearly papule.\n2. R forearm: 8 mm scaly papule.\nEach shaved flat with a blade.",
            [("temple", "biopsy_tangential"), ("forearm", "biopsy_tangential")],
        ),
        (
            "Shave removal of two lesions.\n1) Neck: 4 mm soft papule.\n2) L shoulder: 7 mm papule.\nBoth removed flush with a DermaBlade.",
            [("neck", "shave"), ("shoulder", "shave")],
        ),
        (
            "Punch bx x2.\n1) R forearm: 6 mm pink papule.\n2) L thigh: 5 mm firm papule.\nL shin: scaly patch, pt declined bx, will observe.",
            [("forearm", "biopsy_punch"), ("thigh", "biopsy_punch")],
        ),
        # a technique written for a range of items goes to those items
        (
            "Biopsies #1-#2: tangential (shave) technique, flexible blade.\nBiopsy #3: 4 mm punch, one suture.\n"
            "#1 R cheek - 5 mm pearly papule\n#2 nasal tip - 4 mm scaly papule\n#3 L thigh - 7 mm brown macule",
            [("cheek", "biopsy_tangential"), ("nose", "biopsy_tangential"), ("thigh", "biopsy_punch")],
        ),
        # a count in the heading, and lettered items named by the technique sentence; the item "not sampled" has none
        (
            "PROCEDURE: SHAVE BIOPSIES X2.\nFINDINGS: (A) SCALP: 8 MM CRUSTED NODULE. (B) LEFT FOREARM: 5 MM SCALY PAPULE. "
            "(C) RIGHT CHEEK: TAN MACULE, A SOLAR LENTIGO, NOT SAMPLED.\nTECHNIQUE: A AND B WERE SHAVED WITH A FLEXIBLE BLADE.",
            [("scalp", "biopsy_tangential"), ("forearm", "biopsy_tangential")],
        ),
        # a counted heading over lesions listed in one line, with no item numbers
        (
            "Shave bx x2 (DermaBlade, AlCl3): L upper arm 6 mm pink papule r/o BCC; R shin 8 mm scaly plaque r/o SCCIS.",
            [("arm", "biopsy_tangential"), ("leg", "biopsy_tangential")],
        ),
        # a heading that names biopsies: a bare "shave" in a row is the tangential technique, like "punch" beside it
        (
            "Visit with biopsies, 3 sites.\nSite - finding - method:\n1. L temple - 5 mm pearly papule, ? BCC - shave, AlCl3\n"
            "2. R thigh - 6 mm firm papule - 4 mm punch, one suture\n3. Mid back - 8 mm scaly papule, ? SCC - shave, AlCl3",
            [("temple", "biopsy_tangential"), ("thigh", "biopsy_punch"), ("back", "biopsy_tangential")],
        ),
        (
            "Shave removal of irritated lesions.\n1. L temple - 5 mm SK - shave\n2. R thigh - 6 mm SK - shave",
            [("temple", "shave"), ("thigh", "shave")],
        ),
        # the heading's bare "shave" right after its biopsy word is the technique of the listed biopsies
        (
            "Bx x2, shave.\n1) R temple, 5 mm pearly papule; ?BCC.\n2) L forearm, 6 mm scaly papule; ?SCC.",
            [("temple", "biopsy_tangential"), ("forearm", "biopsy_tangential")],
        ),
        (
            # both shaved; "bx of the first" makes the first one's shave a sample (tangential biopsy)
            "Shave x2, bx of the first.\n1) R temple, 5 mm papule; SK.\n2) L forearm, 6 mm papule; SK.",
            [("temple", "biopsy_tangential"), ("forearm", "shave")],
        ),
        # per-biopsy template blocks, each with its own technique
        (
            "Procedure: skin biopsies (3)\nPre-procedure: consent signed, time-out\nBiopsy 1\n  Site: left temple\n"
            "  Lesion: 5 mm pearly papule; r/o BCC\n  Technique: tangential (shave) with a flexible blade\n"
            "Biopsy 2\n  Site: right thigh\n  Lesion: 6 mm firm papule; r/o dermatofibroma\n  Technique: 4 mm punch; one suture\n"
            "Biopsy 3\n  Site: left upper arm\n  Lesion: 2 x 1.5 cm pink plaque; r/o superficial BCC vs SCCIS\n"
            "  Technique: incisional wedge from the edge with a blade; closed primarily\nAnesthesia: 1% lidocaine, 3 mL total\n"
            "Pathology:\n  1. BCC\n  2. Dermatofibroma\n  3. Superficial BCC",
            [("temple", "biopsy_tangential"), ("thigh", "biopsy_punch"), ("arm", "biopsy_incisional")],
        ),
        # the heading of a second list (after a numbered diagnosis list) covers its items too
        (
            "PREOPERATIVE DIAGNOSIS: 1. Pink papule, rule out BCC. 2. Brown papule, rule out nevus.\n"
            "PROCEDURE PERFORMED: Punch biopsies: 1. Left temple. 2. Right shin.\nFINDINGS: 1. 5 mm. 2. 6 mm.",
            [("temple", "biopsy_punch"), ("leg", "biopsy_punch")],
        ),
        # a procedure written once for all the lesions, with their number or with "each lesion", names no site
        (
            "PREOPERATIVE DIAGNOSES: 1. Pink papule, right forearm, rule out BCC. 2. Brown papule, left thigh, rule out DF.\n"
            "PROCEDURES: Punch biopsies x2.\nDESCRIPTION: A 3 mm punch biopsy was taken from the center of each lesion.",
            [("forearm", "biopsy_punch"), ("thigh", "biopsy_punch")],
        ),
        # "Procedures: incisional biopsy; punch biopsy" over two lesions: the wedge taken from lesion 1 makes it the incisional one
        (
            "Procedures: incisional biopsy; punch biopsy\nLesion 1: right calf, 3 cm scaly plaque, ? SCC.\n"
            "Lesion 2: left shoulder, 5 mm brown papule, ? nevus.\n"
            "Technique: Lesion 1: wedge 1.2 x 0.4 cm taken from the edge; two sutures. Lesion 2: 4 mm punch; one suture.\n"
            "Path: lesion 1, SCC; lesion 2, compound nevus.",
            [("leg", "biopsy_incisional"), ("shoulder", "biopsy_punch")],
        ),
        # per-lesion blocks under headings decorated with rule characters and a total
        (
            "Skin biopsies x2\n** Lesion 1 of 2 **\nLocation: left temple\nMethod: shave\n"
            "** Lesion 2 of 2 **\nLocation: right shin\nMethod: 4 mm punch",
            [("temple", "biopsy_tangential"), ("leg", "biopsy_punch")],
        ),
        # "each nodule": a procedure sentence with no site is done to every described lesion
        (
            "Exam: a 9 mm firm nodule on the right upper arm and a 6 mm pink nodule on the left flank.\n"
            "Procedure: a 4 mm punch biopsy was taken from each nodule.",
            [("arm", "biopsy_punch"), ("flank", "biopsy_punch")],
        ),
        # a bare "shave" beside the heading's biopsy word is the biopsy's technique
        (
            "Bx day, 2 lesions, both shave.\n1) L temple 5 mm pearly papule ?BCC\n2) R shin 6 mm scaly papule ?SCC",
            [("temple", "biopsy_tangential"), ("leg", "biopsy_tangential")],
        ),
        # a lettered biopsy log with no list punctuation: its bare "shave" rows are the log's tangential biopsies,
        # and a row "C/D" written for both sides of a "bilat" site is two lesions, each side its own
        (
            "BIOPSY LOG\nA  L cheek     pink papule      shave\nB  R temple    scaly papule     shave\n"
            "C/D  bilat calves, rt (C) and lt (D): scaly plaques    4 mm punch each\n\nPATHOLOGY\nA  BCC\nB  AK\n"
            "C  (rt calf) SCC in situ\nD  (lt calf) BCC",
            [("cheek", "biopsy_tangential"), ("temple", "biopsy_tangential"), ("leg", "biopsy_punch"), ("leg", "biopsy_punch")],
        ),
        # a biopsy heading that names the whole area still heads the list
        (
            "BIOPSY MAP - trunk (2 sites circled on the photo)\nSite 1 - R upper back - shave - 5 mm brown papule, r/o nevus\n"
            "Site 2 - L flank - shave - 6 mm pink papule, r/o BCC",
            [("back", "biopsy_tangential"), ("flank", "biopsy_tangential")],
        ),
        # "shave biopsy" in the pathology report's heading names the specimen: the removal stays a removal
        (
            "Cosmetic shave removal x2 at patient request. Chin: 4 mm papule, clinically IDN. Left upper arm: 7 mm papule, "
            "clinically IDN. Both shaved flush.\nPathology: A) Skin, chin, shave biopsy: intradermal nevus. "
            "B) Skin, left upper arm, shave biopsy: intradermal nevus.",
            [("chin", "shave"), ("arm", "shave")],
        ),
    ],
)
def test_a_heading_procedure_covers_the_numbered_lesions(pipeline, text: str, expected: list[tuple[str, str]]) -> None:
    facts = pipeline(text)._.opnote_facts
    assert [(lesion.site.region, lesion.procedure.kind) for lesion in facts.lesions] == expected
    linked = {(m.value or {}).get("region") for m in facts.mentions if m.label == "ANATOMIC_SITE" and m.lesion is not None}
    assert linked == {region for region, _ in expected}  # the declined shin joins no lesion


def test_an_earlier_excision_proves_the_cancer_of_a_re_excision(lesions) -> None:
    text = (
        "Seen 9 days after excision of a squamous cell carcinoma of the left shin with a positive margin. "
        "The 3 cm scar was re-excised with 4 mm margins. Pathology: scar, no residual carcinoma."
    )
    (lesion,) = lesions(text)
    assert lesion.prior_malignant_biopsy and lesion.procedure.kind == "re_excision"


@pytest.mark.parametrize(
    "text, label, value",
    [
        # a defect written as length x width is an area (GUIDELINES: WOUND_LENGTH is the closed length)
        ("The 5.0 x 4.0 cm defect was too wide to close, so a FTSG was placed.", "DEFECT_AREA", "5.0 x 4.0 cm"),
        ("Final defect 1.8 x 1.5 cm with two layer plastic closure.", "DEFECT_AREA", "1.8 x 1.5 cm"),
        ("A 3 x 4 cm elliptical skin graft was taken from the left supraclavicular region.", "DEFECT_AREA", "3 x 4 cm"),
        ("Advancement flaps with the total undermined area being approximately 18cm by 16cm.", "DEFECT_AREA", "18cm by 16cm"),
        ("Layered closure 4-0 Monocryl / 5-0 nylon, 2.5 cm.", "WOUND_LENGTH", "2.5 cm"),
        # misspelled cue words count as the word meant (targets/typos.json), offsets stay the note's
        ("Excison of a lipoma through a 3 cm incison; the lipoma measured 2.6 cm.", "WOUND_LENGTH", "3 cm"),
        ("Excison of a lipoma through a 3 cm incison; the lipoma measured 2.6 cm.", "LESION_SIZE", "2.6 cm"),
        ("LIPOMA OF THE THIGH, 2.6 CM, REMOVED THROUGH A 3 CM INCISSION.", "WOUND_LENGTH", "3 CM"),
    ],
)
def test_measurement_kinds_in_closure_wordings(pipeline, text: str, label: str, value: str) -> None:
    assert (label, value) in [(e.label_, e.text) for e in pipeline(text).ents]


@pytest.mark.parametrize(
    "text, region",
    [
        ("Five seborrheic keratoses along her bra line on the mid back were frozen with liquid nitrogen.", "back"),
        ("BCC of the left nasal ala excised; reconstructed with a paramedian forehead flap in two stages.", "nose"),
        ("A 2 cm lipoma of the left forearm was delivered by finger dissection. Path: lipoma.", "forearm"),
        # the year dates the earlier treatment, not today's lesion
        ("Mohs surgery, SCC of the left forearm, recurrent following curettage in 2021. Stage 1: 2 blocks, clear.", "forearm"),
        ("DIAGNOSIS: BCC, RIGHT TEMPLE, RECURRENT AFTER EXCISION IN 2019. MOHS STAGE 1: 3 BLOCKS, CLEAR.", "temple"),
    ],
)
def test_only_the_lesion_site_makes_a_lesion(lesions, text: str, region: str) -> None:
    assert [lesion.site.region for lesion in lesions(text)] == [region]


# -- the procedure actually done, not the one offered, discussed or planned ----------------------
@pytest.mark.parametrize(
    "text, kind",
    [
        (
            "Biopsy-proven SCC in situ of the left shin, 1.2 cm. We offered surgical excision with 4 mm margins; "
            "she chose curettage and electrodesiccation, done in three cycles.",
            "destruction",
        ),
        ("SCCIS, RIGHT CALF, 1.5 CM. EXCISION DISCUSSED AND NOT ADVISED. CRYOSURGERY, TWO FREEZE-THAW CYCLES.", "destruction"),
        (
            "Nodular BCC of the right temple, 6 mm. Once the diagnosis is back an excision will be planned. "
            "Today a 4 mm punch biopsy was taken.",
            "biopsy_punch",
        ),
        ("L temple - bx-proven superficial BCC, 7 mm. Curetted x3 to a firm base, no ED.", "destruction"),
        (
            "Inflamed epidermoid cyst with early abscess, left buttock. A 1 cm incision was made over the point of "
            "maximal fluctuance and pus and keratin debris were expressed. Once the inflammation has settled we can "
            "excise the cyst wall.",
            "incision_drainage",
        ),
        ("Right axilla: an inflamed sebaceous cyst. The cyst was lanced with an 11 blade and the pus was evacuated.", "incision_drainage"),
        ("Excisional bx of a 6 mm irregular macule of the L dorsal forearm w/ 2 mm margins. Path: dysplastic nevus.", "excision"),
        # Mohs named as the next step after today's biopsy, no stage or block done
        ("Sore of the R. cheek, 9 mm, suspicious for BCC. A tangential (shave) biopsy was done. We talked about Mohs "
         "surgery as the preferred treatment here if this proves to be a BCC. Path: basal cell carcinoma.", "biopsy_tangential"),
        ("Pearly 7 mm papule of the left nasal ala. Punch biopsy taken. Mohs surgery is the best option for a BCC here. "
         "Path: basal cell carcinoma.", "biopsy_punch"),
        # "shave excised" is one shave, not a shave and an excision
        ("A 1 cm seborrheic keratosis of the right helix was shave excised to the upper dermis. No sutures.", "shave"),
        ("The 8 mm irritated seborrheic keratosis of the left temple was shaved off flush with the skin.", "shave"),
        # chemical destruction
        ("A 50% trichloroacetic acid treatment of a 1 cm actinic keratosis of the right mid cheek until frosting.", "destruction"),
        ("The common wart of the left index finger was treated with TCA.", "destruction"),
        ("Cantharidin was applied to the 4 mm molluscum of the right thigh and covered.", "destruction"),
        ("Chemical cauterization of a 3 mm wart of the right knee with podophyllin.", "destruction"),
        # done at this visit although written in the plan
        (
            "EXAM: a 3 mm wart of the right third finger.\nPLAN: He would like it frozen. I used liquid nitrogen to "
            "freeze the wart. I froze it once with a 3 mm freeze zone.",
            "destruction",
        ),
        ("Exam: 4 mm wart, left thumb.\nPlan: Refill the cream. The wart was treated with cryotherapy today.", "destruction"),
        # the "Plan:" label names the section; the sentence it opens says the biopsy was done
        ("Exam: 6 mm pink papule, left upper back, ? BCC.\nPlan: Punch biopsy performed in clinic today, one suture.", "biopsy_punch"),
        # a saucerization written as a verb, beside a punch the patient preferred it to
        (
            "An 8 mm irregular brown macule of the right heel, ? nevus. She chose a deep shave, which she preferred to a punch. "
            "I saucerized the macule into the deep dermis and sent it for pathology.",
            "biopsy_tangential",
        ),
        (
            "Scaly plaque, 3.0 x 2.2 cm, left anterior shin. An elliptical wedge 1.2 x 0.5 cm was taken from its edge into the fat. "
            "Path: SCC in situ. Treatment options, including excision with a graft, will be discussed at suture removal.",
            "biopsy_incisional",
        ),
        (
            "Excision consult / bx. 8 mm irregular macule, L upper back. Proc: saucerization bx for dx. "
            "Plan: if atypical, excision w/ 5 mm margins.",
            "biopsy_tangential",
        ),
        (
            "PROCEDURE: I&D, inflamed epidermoid cyst, upper back.\nEXAM: 1.2 cm fluctuant nodule.\n"
            "PROCEDURE: stab incision, contents expressed.\nDISPO: discuss elective excision later.",
            "incision_drainage",
        ),
        # an excision the patient declined, and one kept for a recurrence
        (
            "Bx-proven SCC in situ of the right calf, 1.3 cm. We went over excision with 4 mm margins, which she declined; "
            "curettage and electrodesiccation x3 cycles were done.",
            "destruction",
        ),
        (
            "Inflamed epidermoid cyst of the left flank, 1.6 cm: stab incision, pus expressed, cavity irrigated. "
            "Excise the cyst later if it recurs.",
            "incision_drainage",
        ),
        # a clinic note's plan paragraph told in the past tense: the procedure was done
        ("Exam: skin tags of the right axilla.\nPlan: Removal today. Each tag was grasped with forceps and snipped at the stalk.", "skin_tag_removal"),
        ("Exam: molluscum of the left thigh.\nPlan: Verbal consent. Cantharidin applied to each papule, left open to dry.", "destruction"),
        ("Exam: common warts of the right thumb.\nPlan: Verbal consent. LN2 to the warts, two freeze-thaw cycles each.", "destruction"),
    ],
)
def test_the_procedure_done_today(lesions, text: str, kind: str) -> None:
    (lesion,) = lesions(text)
    assert lesion.procedure.kind == kind


# -- an offer the patient accepted and the note carried out is done; one declined or left open is not --
@pytest.mark.parametrize(
    "text, expected",
    [
        ("Offered LN2 and she agreed; the four AKs on the scalp were frozen.", [("scalp", "destruction", 4)]),
        ("Discussed cryotherapy, patient wishes to proceed. Four AKs on the scalp were frozen.", [("scalp", "destruction", 4)]),
        ("Cryotherapy was offered and she accepted. Four AKs of the scalp were treated.", [("scalp", "destruction", 4)]),
        ("We offered him cryotherapy for the three AKs on the forehead, and he agreed; they were frozen today.", [("forehead", "destruction", 3)]),
        (
            "Options were reviewed with the patient; he elected excision. The 1.2 cm nevus of the left upper back was excised "
            "with 2 mm margins.",
            [("back", "excision", 1)],
        ),
        ("Offered LN2 for the four AKs on the scalp, which she declined.", []),
        ("Four AKs on the scalp. Offered LN2; will think about it.", []),
        ("Four AKs on the scalp. Offered LN2 and she agreed; we will freeze them at her next visit.", []),
    ],
)
def test_an_accepted_offer_carried_out_is_coded(lesions, text: str, expected: list) -> None:
    assert [(lesion.site.region, lesion.procedure.kind, lesion.count) for lesion in lesions(text)] == expected


# -- a procedure the note refers the patient for is done elsewhere; the Mohs report's own referral is not --
@pytest.mark.parametrize(
    "text, expected",
    [
        ("Biopsy-proven BCC of the left nasal ala, 8 mm. Referred to Mohs.", []),
        ("Biopsy-proven BCC of the left nasal ala, 8 mm. Referred for Mohs surgery.", []),
        ("Biopsy-proven BCC of the left nasal ala, 8 mm. Mohs referral placed.", []),
        ("Biopsy-proven BCC of the left nasal ala, 8 mm. She will be referred for Mohs surgery.", []),
        ("Biopsy-proven SCC of the right temple, 1.1 cm. Referral to dermatologic surgery for Mohs.", []),
        # the biopsy done today stays; the excision it is referred for does not replace it
        ("Shave biopsy of a 7 mm pearly papule of the left cheek. Path: BCC. Referred to plastics for excision.", [("cheek", "biopsy_tangential")]),
        # a Mohs report opens with the referral and documents the stages
        (
            "She was referred for Mohs surgery of a biopsy-proven BCC of the right cheek, 1 cm. Stage 1: 2 blocks, clear. "
            "The defect was left to heal by secondary intention.",
            [("cheek", "mohs")],
        ),
        # the excision the referral names is done in this note and named again
        (
            "He was referred for excision of a 1.2 cm biopsy-proven SCC of the right forearm. The lesion was excised with "
            "4 mm margins.",
            [("forearm", "excision")],
        ),
    ],
)
def test_a_referred_procedure_is_not_done_here(lesions, text: str, expected: list) -> None:
    assert [(lesion.site.region, lesion.procedure.kind) for lesion in lesions(text)] == expected


# -- a lesion's own numbered title names its procedure; "excision" in a comparison of lesions does not override it
@pytest.mark.parametrize(
    "text, kinds",
    [
        (
            "PREOPERATIVE DIAGNOSES: 1. Nevus, left upper cheek. 2. Superficial nevus, right nasal ala.\n"
            "PROCEDURES: 1. Excision of left upper cheek nevus 1 cm. 2. Shave excision of the right nasal ala nevus 0.5 cm.\n"
            "DESCRIPTION: These required standard excision with the smaller lesion of the right nasal ala being "
            "amenable to a superficial shave excision. The cheek nevus was excised and closed in layers.",
            {"cheek": "excision", "nose": "shave"},
        ),
        (
            "DIAGNOSES: 1. Nevus, left back, 1 cm. 2. Actinic keratosis, left lateral nasal skin, 1 cm.\n"
            "TITLE OF PROCEDURES: 1. Excisional biopsy of left back nevus 1 cm. 2. Trichloroacetic acid treatment to the "
            "left lateral nasal skin.\nPROCEDURE: An ellipse was excised from the back. Lastly, trichloroacetic acid "
            "treatment to the left lateral nasal skin was performed.",
            {"back": "excision", "nose": "destruction"},
        ),
        # a title item on a lymph node is not the skin lesion's procedure
        (
            "PREOPERATIVE DIAGNOSES: 1. Right axillary lymphadenopathy. 2. Scaly papule, right cheek.\n"
            "PROCEDURES: 1. Excisional biopsy, right axillary lymph node. 2. Punch biopsy, right cheek.\n"
            "DESCRIPTION: A 4 cm incision was made over the node and the node removed; closed in layers. "
            "A 3 mm punch biopsy was taken from the cheek papule.\nPATHOLOGY: 1. Reactive node. 2. Actinic keratosis.",
            {"cheek": "biopsy_punch"},
        ),
        # a Mohs title no site sentence took goes to the lesion of the stage sentence, not to the biopsy
        (
            "Mohs surgery report. A 1.2 cm SCC of the right dorsal hand was curetted and the first stage excised with "
            "a 1 mm margin, cut into four blocks and mapped; all clear. While waiting, a 5 mm papule on the left "
            "shin was sampled by shave biopsy.",
            {"hand": "mohs", "leg": "biopsy_tangential"},
        ),
    ],
)
def test_the_numbered_title_names_the_procedure(lesions, text: str, kinds: dict[str, str]) -> None:
    assert {lesion.site.region: lesion.procedure.kind for lesion in lesions(text)} == kinds


# -- a procedure planned in the plan, or reported by a discharge summary, is not done today ---------
@pytest.mark.parametrize(
    "text",
    [
        "EXAM: a 3 mm wart of the right third finger.\nPLAN: Will freeze the wart with liquid nitrogen next visit.",
        "Exam: 4 mm wart, left thumb.\nPlan: cryotherapy if it persists.",
        "HPI: A 6 mm seborrheic keratosis of the left cheek. She is interested in something quick such as a CO2 laser procedure.",
        (
            "FINAL DIAGNOSIS/REASON FOR ADMISSION:,1. Pneumonia.,2. Darkened mole on the scalp, 5 mm.,OPERATION AND PROCEDURE: , "
            "A scalp skin punch biopsy was taken.,HOSPITAL COURSE: , She improved on antibiotics."
        ),
        "HPI: The patient underwent a punch biopsy of a 5 mm nevus of the left arm on 6/11/2009.",
        # an excision booked only if the report shows a cancer, a biopsy put off to the next visit
        "L temple: 1 cm crusted nodule, ? SCC. If the report shows SCC, she will be scheduled for excision.",
        "R shin: firm papule, likely DF. Punch bx planned for next visit.",
        # a biopsy years ago names an earlier lesion, and what was done to it then
        "He had a biopsy two years ago of a basal cell carcinoma on the nasal tip, treated with Mohs surgery, and keeps his yearly checks.",
        # a procedure the title lists and the account says was not done; "the biopsy" after it is no other one
        (
            "PREOPERATIVE DIAGNOSIS: Scaly plaque, rule out SCC in situ.\nPROCEDURE PERFORMED: Punch biopsy, right forearm.\n"
            "DESCRIPTION OF PROCEDURE: She became anxious before the anesthetic, so the punch biopsy was not done. "
            "We will reschedule the biopsy."
        ),
    ],
)
def test_a_procedure_not_done_today_makes_no_lesion(lesions, text: str) -> None:
    assert lesions(text) == []


# A discharge summary that says it is the only record of a bedside removal is that procedure's record
# (GUIDELINES.md, twenty-fifth set, decision 1); one that names no such thing reports the stay.
_STAY = (
    "DISCHARGE DIAGNOSES:\n1. Cellulitis of the left leg.\n2. Skin tags, right axilla.\n\n"
    "HOSPITAL COURSE: Treated with cefazolin. On day 2 I snipped four skin tags from his right axilla at the bedside "
    "with sterile scissors.{own} He went home on day 4."
)


@pytest.mark.parametrize(
    "own, regions",
    [
        (" No separate procedure note was written; this summary is the record of that procedure.", ["axilla"]),
        (" Details are in the separate bedside procedure note.", []),
        ("", []),
    ],
)
def test_a_discharge_summary_that_is_the_procedure_record(lesions, own: str, regions: list[str]) -> None:
    assert [lesion.site.region for lesion in lesions(_STAY.format(own=own))] == regions


@pytest.mark.parametrize(
    "text, region",
    [
        ("A 7 mm epidermoid cyst of the left cheek just in front of the ear was excised. Path: epidermoid cyst.", "cheek"),
        ("BCC of the right nasal tip, 8 mm, excised; once the pathology is back we will review. Path: BCC.", "nose"),
        (
            "SCC of the volar left thumb, 1.0 cm, excised with 4 mm margins; cross-finger flap from the dorsum "
            "of the left index finger. Path: SCC.",
            "finger",
        ),
        (
            "A 2 cm lipoma of the back of the right upper arm was teased out with a hemostat and finger pressure. Path: lipoma.",
            "arm",
        ),
        (
            "BCC of the left medial cheek, 1.0 cm, located about 1 cm below the lower lid, excised with 2 mm margins. Path: BCC.",
            "cheek",
        ),
        ("BCC of the left temple. The 9 mm papule sits just lateral to the tail of the brow; excised with 4 mm margins.", "temple"),
        # a direction word before "margins" is a side of the wound, not the nose
        (
            "Basal cell carcinoma of the right lower lid, 1.0 cm. An incision was made at the nasal and temporal "
            "margins of the lesion and it was excised. Path: BCC.",
            "eyelid",
        ),
        (
            "BCC of the left cheek, 1.2 cm, excised; the nasal margin was then cauterized. Path: BCC.",
            "cheek",
        ),
        # a relative's lesion, removed and all, is the relative's (its site and removal are family)
        (
            "He has a biopsy-proven BCC of the left temple. His brother had a melanoma removed from his upper back. "
            "The tumour measured 6 mm and was excised with 3 mm margins. Path: BCC.",
            "temple",
        ),
        # graft and flap donor sites
        (
            "SCC of the right temple, 1.1 cm, excised with 4 mm margins and closed with a full thickness skin graft "
            "closure in the left supraclavicular region. Path: SCC.",
            "temple",
        ),
        (
            "SCC of the right temple, 1.1 cm, excised with 4 mm margins. A 3 x 4 cm elliptical skin graft was taken "
            "from the left supraclavicular region and sutured into the defect. Path: SCC.",
            "temple",
        ),
        (
            "BCC of the left cheek, 1.0 cm, excised and repaired with a dorsal conjunctival flap in the upper lid. "
            "Path: BCC.",
            "cheek",
        ),
    ],
)
def test_landmarks_adverbs_and_donors_make_no_lesion(lesions, text: str, region: str) -> None:
    assert [lesion.site.region for lesion in lesions(text)] == [region]


def test_destroyed_sites_do_not_take_the_biopsied_lesions_diagnosis(lesions) -> None:
    # the AKs frozen beside a shave biopsy keep their own diagnosis, not the biopsy's pathology;
    # "back for FBSE" is no site, and the line break after "bandage." ends the biopsy's sentence
    text = (
        "78 yo M, back for FBSE.\n- R dorsal hand: 9 mm crusted nodule, r/o SCC. Shave bx, AlCl3, bandage.\n"
        "- AKs: forehead x3, R temple x2. LN2, 2 FTC.\nPath (hand): SCC, well diff."
    )
    found = [(lesion.site.region, lesion.procedure.kind, lesion.diagnosis.kind) for lesion in lesions(text)]
    assert found == [
        ("hand", "biopsy_tangential", "scc"),
        ("forehead", "destruction", "actinic_keratosis"),
        ("temple", "destruction", "actinic_keratosis"),
    ]


def test_a_lesion_size_is_not_a_lesion_number(lesions) -> None:
    text = (
        "Procedures: (1) Excision of basal cell carcinoma, left nasal ala, lesion 9 mm, 3 mm margins. "
        "(2) Reconstruction with a melolabial interpolation flap.\nFinal pathology: basal cell carcinoma."
    )
    (lesion,) = lesions(text)
    assert lesion.lesion_size.value_cm == Decimal("0.9") and lesion.closure.closure_class == "flap"


@pytest.mark.parametrize(
    "text, detail",
    [
        # a title's bare "skin graft" and the narrative's "full-thickness skin graft" are one graft
        (
            "PROCEDURE: Excision of BCC, left nasal ala, with skin graft.\nDESCRIPTION: The 8 mm tumour was excised "
            "with 3 mm margins. A full-thickness skin graft was harvested from the right preauricular skin and sewn in.",
            ("full_thickness",),
        ),
        (
            "Excision of SCC, right dorsal hand, 1.2 cm, with 4 mm margins and skin graft; a split-thickness skin "
            "graft from the thigh was meshed and stapled in.",
            ("split_thickness",),
        ),
        # a misspelt thickness still names the graft
        ("Excison of BCC of the left helix, 9 mm, with 3 mm margins and full thicknes skin graft.", ("full_thickness",)),
    ],
)
def test_the_graft_thickness_named_anywhere_is_the_lesions(lesions, text: str, detail: tuple[str, ...]) -> None:
    (lesion,) = lesions(text)
    assert lesion.closure.closure_class == "graft" and lesion.closure.detail == detail


@pytest.mark.parametrize(
    "text, closures",
    [
        # a site's own "Repair:" line stays with it when the next site follows
        (
            "Site 1: left helix, biopsy-proven BCC. Mohs stage I: 2 blocks, clear.\n"
            "Repair: full-thickness skin graft from the postauricular sulcus.\n"
            "Site 2: right shoulder, 5 mm brown papule. Shave biopsy.",
            ["graft", None],
        ),
        # ... and the last site keeps its own "Repair:" line too
        (
            "Site 1: left helix, biopsy-proven BCC. Mohs stage I: 2 blocks, clear.\n"
            "Repair: full-thickness skin graft from the postauricular sulcus.\n"
            "Site 2: right cheek, biopsy-proven BCC. Mohs stage I: 3 blocks, clear.\n"
            "Repair: intermediate layered closure, 2.5 cm.",
            ["graft", "intermediate"],
        ),
    ],
)
def test_an_items_field_lines_stay_with_it(lesions, text: str, closures: list[str | None]) -> None:
    assert [lesion.closure.closure_class if lesion.closure else None for lesion in lesions(text)] == closures


def test_a_positioning_verb_far_from_the_site_leaves_it_alone(lesions) -> None:
    text = (
        "The first, on the right upper back, is a known epidermoid cyst that turned red and fluctuant four days ago; "
        "it measures 2.5 cm. It was incised and drained."
    )
    (lesion,) = lesions(text)
    assert lesion.site.region == "back" and lesion.procedure.kind == "incision_drainage"


def test_organ_parts_and_gynecologic_curettage_are_not_skin(lesions) -> None:
    text = (
        "OPERATION: 1. Dilatation and curettage. 2. Excision of a 1.2 cm pigmented nevus, inner right thigh.\n"
        "PROCEDURE: The polyp on the posterior lip of the cervix was excised. The thigh nevus was excised with 2 mm margins."
    )
    found = lesions(text)
    assert [(lesion.site.region, lesion.procedure.kind) for lesion in found] == [("thigh", "excision")]


# -- real-dictation habits ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, laterality",
    [("Nevus on the Rt. upper back, 6 mm, excised. Path: nevus.", "right"), ("BCC of the L. cheek, 7 mm, excised. Path: BCC.", "left")],
)
def test_side_abbreviations_with_a_period(lesions, text: str, laterality: str) -> None:
    (lesion,) = lesions(text)
    assert lesion.site.laterality == laterality


def test_an_unnamed_layered_closure_with_a_suture_line_length(lesions) -> None:
    text = (
        "Excision of a 1.8 cm epidermoid cyst, right upper back. The subcutaneous tissue was closed with 3-0 Vicryl "
        "and the skin with 4-0 nylon, leaving a suture line of 3.5 cm. Pathology: epidermoid cyst."
    )
    (lesion,) = lesions(text)
    assert lesion.closure.closure_class == "intermediate" and lesion.repair_length.value_cm == Decimal("3.5")


def test_a_removal_word_in_the_history_is_not_todays_procedure(lesions) -> None:
    text = (
        "INDICATIONS: , The cyst drained foul material twice last winter.,PROCEDURE: , Excision of a 2 cm epidermoid "
        "cyst of the right upper back with 1 mm margins.,PATHOLOGY: , Epidermoid cyst."
    )
    (lesion,) = lesions(text)
    assert lesion.procedure.kind == "excision"


def test_the_report_diagnosis_field_and_the_addendum_win(lesions) -> None:
    text = (
        "Excision of an 8 mm papule of the right calf with 2 mm margins.\n"
        "Pathology (preliminary): spindle-cell proliferation, favour dermatofibroma.\n"
        "ADDENDUM (4 days later): Diagnosis: basal cell carcinoma, morpheaform."
    )
    (lesion,) = lesions(text)
    assert (lesion.diagnosis.kind, lesion.diagnosis.source) == ("bcc", "pathology")


# -- a numbered procedure list whose repair item belongs to the lesion listed before it ------------
@pytest.mark.parametrize(
    "text, repairs",
    [
        (
            "PREOPERATIVE DIAGNOSIS: , 1. Squamous cell carcinoma, left upper arm. 2. Scaly papule, right cheek.,"
            "PROCEDURES: , 1. Mohs micrographic surgery, left upper arm, two stages. 2. Intermediate repair, 5.2 cm. "
            "3. Tangential biopsy, right cheek.,DETAILS: , Stage I: three blocks. Stage II: two blocks, clear. "
            "The cheek papule, 4 mm, was sampled by shave biopsy.,PATHOLOGY: , Actinic keratosis.",
            [("arm", Decimal("5.2")), ("cheek", None)],
        ),
        (
            "DIAGNOSES: 1. BCC, right temple. 2. Nevus, left shoulder.\nPROCEDURES: 1. Excision, right temple, 3 mm margins. "
            "2. Layered closure 3.1 cm. 3. Shave removal, left shoulder, 5 mm nevus.\nPATHOLOGY: 1. BCC. 2. Nevus.",
            [("temple", Decimal("3.1")), ("shoulder", None)],
        ),
    ],
)
def test_a_repair_item_joins_the_lesion_listed_before_it(lesions, text: str, repairs: list) -> None:
    found = [(lesion.site.region, lesion.repair_length.value_cm if lesion.repair_length else None) for lesion in lesions(text)]
    assert found == repairs


# -- adjacent tissue transfer: primary plus secondary defect -----------------------------------------
@pytest.mark.parametrize(
    "text, area",
    [
        ("SCC L. scapular back excised w/ 6 mm margins -> primary defect 9 sq cm. Rotation flap designed and rotated; "
         "secondary defect 6.5 sq cm closed directly. Path: SCC.", Decimal("15.5")),
        ("SCC of the left upper back excised with 5 mm margins; rotation flap, total defect 9 + 6.5 sq cm. Path: SCC.", Decimal("15.5")),
        ("BCC of the right nasal tip excised; final defect 1.0 x 1.2 cm closed with a bilobed flap; secondary defect "
         "3.0 sq cm. Path: BCC.", Decimal("4.2")),
        ("SCC of the left upper back excised; primary defect 9 sq cm, secondary defect 6.5 sq cm, total 15.5 sq cm, "
         "closed with a rotation flap. Path: SCC.", Decimal("15.5")),
        ("SCC of the left upper back excised; the 9 sq cm defect was closed with a rotation flap (9 sq cm). Path: SCC.", Decimal("9")),
    ],
)
def test_att_defect_area_adds_the_stated_parts(lesions, text: str, area: Decimal) -> None:
    (lesion,) = lesions(text)
    assert lesion.closure.closure_class == "adjacent_tissue_transfer"
    assert lesion.defect_area.value_cm == area
# -- a performed procedure on a lesion named only generically (no diagnosis, no size) ------------
# (snippet, (region, procedure kind, diagnosis kind), billed-or-held CPT lines, a query that must be raised)
GENERIC_LESIONS = [
    pytest.param(
        "PROCEDURE: Punch biopsy of right upper chest skin lesion. The biopsy site was closed with one suture.",
        ("chest", "biopsy_punch", None), ["11104:suggested"], "query.diagnosis_missing", id="punch-biopsy-of-skin-lesion",
    ),
    pytest.param(
        "PREOPERATIVE DIAGNOSIS: Worrisome skin lesion, left hand.\nPROCEDURE: A punch biopsy of the lesion was obtained.",
        ("hand", "biopsy_punch", None), ["11104:suggested"], "query.diagnosis_missing", id="worrisome-skin-lesion",
    ),
    pytest.param(
        "A 3 mm punch biopsy was performed in the left calf. The site was bandaged.",
        ("leg", "biopsy_punch", None), ["11104:suggested"], "query.diagnosis_missing", id="bare-punch-biopsy-at-a-site",
    ),
    pytest.param(
        "Shave biopsy of a growth on the right forearm.",
        ("forearm", "biopsy_tangential", None), ["11102:suggested"], "query.diagnosis_missing", id="shave-biopsy-of-a-growth",
    ),
    pytest.param(
        "PROCEDURES: Excise accessory ear tag, right ear.\nDESCRIPTION: The lesion was excised with an elliptical incision.",
        ("ear", "excision", None), [], "query.size_missing", id="excised-ear-tag-held-for-size",
    ),
    pytest.param(
        "PROCEDURE: Excision of soft tissue mass, right flank. The mass was dissected off the muscle.",
        ("flank", "excision", "soft_tissue_mass"), [], "query.procedure_size_missing", id="soft-tissue-mass-size-missing",
    ),
    pytest.param(
        "Excision of a 2.5 cm subcutaneous mass of the left upper back; the mass lay above the fascia.",
        ("back", "excision", "soft_tissue_mass"), ["21930:held"], "query.pathology_pending", id="subcutaneous-mass-held-for-pathology",
    ),
]


@pytest.mark.parametrize("text, facts, cpt, query", GENERIC_LESIONS)
def test_generic_lesion_with_a_performed_procedure_is_treated(coder, text: str, facts: tuple, cpt: list[str], query: str) -> None:
    record = coder.code(text)
    assert [(les.site.region if les.site else None, les.procedure.kind, les.diagnosis.kind if les.diagnosis else None)
            for les in record.lesions] == [facts]
    assert [f"{c.code}:{c.status}" for c in record.codes if c.system == "CPT"] == cpt
    assert query in {q.rule for q in record.queries}


# -- biopsies of sites that are not skin take their site code (reference 3.3) ----------------------
# (snippet, suggested CPT lines, alternative CPT lines)
SITE_BIOPSIES = [
    pytest.param("Shave biopsy of a 4 mm white scaly patch on the vermilion of the lower lip.", ["40490"], [], id="vermilion-40490"),
    pytest.param("Tangential biopsy of a crusted erosion of the right lower lip vermilion. Path pending.", ["40490"], [], id="lip-vermilion-phrase"),
    pytest.param("Incisional biopsy of a lesion of the right lower eyelid margin.", ["67810"], [], id="lid-margin-67810"),
    pytest.param("Shave biopsy of a pigmented papule at the lash line of the left upper eyelid.", ["67810"], [], id="lash-line-67810"),
    pytest.param("Punch biopsy of the buccal mucosa lesion.", ["40808"], [], id="buccal-mucosa-40808"),
    pytest.param("A 3 mm punch biopsy of a white plaque of the left labial mucosa was performed.", ["40808"], [], id="labial-mucosa-40808"),
    # the inner, wet or mucosal lip is oral vestibule mucosa, not lip skin or bare mucosa
    pytest.param("A 7 mm firm nodule on the inner lower lip was sampled with a 4 mm punch biopsy.", ["40808"], [], id="inner-lip-40808"),
    pytest.param("Punch biopsy of a 5 mm white patch on the mucosa of the upper lip.", ["40808"], [], id="mucosa-of-the-lip-40808"),
    pytest.param("Shave biopsy of a 3 mm papule on the mucosal surface of the lower lip.", ["40808"], [], id="mucosal-surface-40808"),
    pytest.param("Punch biopsy of a 4 mm bluish papule of the wet lip.", ["40808"], [], id="wet-lip-40808"),
    pytest.param("Shave biopsy of a papule on the right lower labial mucosa.", ["40808"], [], id="lower-labial-mucosa-40808"),
    pytest.param("Incisional biopsy of a 6 mm ulcer of the left buccal vestibule.", ["40808"], [], id="buccal-vestibule-40808"),
    # the lid margin as oculoplastic surgeons name it
    pytest.param("Shave biopsy of a 3 mm papilloma at the grey line of the right upper eyelid.", ["67810"], [], id="grey-line-67810"),
    pytest.param("Punch biopsy of a 3 mm papule on the margin of the left lower lid.", ["67810"], [], id="margin-of-the-lid-67810"),
    pytest.param("Shave biopsy of the lower lip, vermilion portion, for a scaly patch.", ["40490"], [], id="vermilion-portion-40490"),
    # lip skin and eyelid skin stay skin biopsies
    pytest.param("Shave biopsy of a 3 mm papule of the upper lip, 2 mm above the vermilion border. Path pending.", ["11102"], [], id="vermilion-border-landmark"),
    pytest.param("Punch biopsy of a 4 mm papule of the left lower eyelid; the lid margin was spared.", ["11104"], [], id="lid-margin-spared"),
    pytest.param("Punch biopsy of a 3 mm papule of the right lower eyelid, 4 mm below the lid margin.", ["11104"], [], id="lid-margin-landmark"),
    pytest.param("Punch biopsy of a 4 mm papule of the left lower eyelid, lid margin not involved.", ["11104"], [], id="lid-margin-not-involved"),
    pytest.param("Shave biopsy of a 3 mm papule of the upper lip, vermilion not involved.", ["11102"], [], id="vermilion-not-involved"),
    pytest.param(
        "Punch biopsy of a 4 mm nevus of the philtrum, halfway between the nostril sill and the vermilion border.",
        ["11104"], [], id="vermilion-border-between-landmark",
    ),
    pytest.param("Shave biopsy of a 3 mm papule of the left lower eyelid, 2 mm below the lash line.", ["11102"], [], id="lash-line-landmark"),
    # an unnumbered exam site measured and treated by a numbered item that names no site
    pytest.param(
        "Exam: R lower lid: 4 mm tan papule on the lid margin. Neck: 6 skin tags.\n"
        "Proc 1: shave biopsy of the lesion.\nProc 2: all 6 skin tags snipped.\nPath 1: intradermal nevus.",
        ["11200", "67810"], [], id="exam-site-of-a-numbered-biopsy",
    ),
    # the ear code is unverified: the skin code stays, 69100 is only an alternative
    pytest.param("Shave biopsy of a 5 mm scaly papule of the left helix.", ["11102"], ["69100"], id="helix-alternative"),
    # a site code is its own line; the skin biopsies keep their own base and add-ons
    pytest.param(
        "Shave biopsy of a scaly patch of the right lower lip vermilion and a punch biopsy of a papule on the left forearm.",
        ["11104", "40490"], [], id="site-code-beside-skin-base",
    ),
    pytest.param(
        "1. Shave biopsy, R lower lip vermilion.\n2. Shave biopsy, L lower lip vermilion.\n3. Punch biopsy, L forearm.\n4. Shave biopsy, R shoulder.",
        ["11103", "11104", "40490x2"], [], id="two-vermilion-units-and-skin-add-on",
    ),
]


@pytest.mark.parametrize(
    "text, region",
    [
        ("Punch biopsy of a 4 mm papule of the left lower eyelid, lid margin not involved.", "eyelid"),
        ("Shave biopsy of a 3 mm papule of the upper lip, vermilion border spared.", "lip"),
        # joined to the spared structure, the site is spared with it: no site left
        ("Shave biopsy of a 3 mm papule; the helix and the helical rim were spared.", None),
    ],
)
def test_a_spared_structure_named_after_the_site_leaves_the_site(lesions, text: str, region: str | None) -> None:
    (lesion,) = lesions(text)
    assert (lesion.site.region if lesion.site else None) == region
    assert lesion.site is None or lesion.site.involves == ()


@pytest.mark.parametrize("text, cpt, alternative", SITE_BIOPSIES)
def test_biopsies_of_sites_that_are_not_skin(coder, text: str, cpt: list[str], alternative: list[str]) -> None:
    record = coder.code(text)
    lines = [c for c in record.codes if c.system == "CPT"]
    assert sorted(f"{c.code}x{c.units}" if c.units > 1 else c.code for c in lines if c.status == "suggested") == cpt
    assert [c.code for c in lines if c.status == "alternative"] == alternative


# -- a single clinical skin tag that pathology calls something else was a shave removal ------------
@pytest.mark.parametrize(
    "text, procedure, diagnosis, cpt",
    [
        (
            "R neck: 5 mm soft pedunculated papule, clinically a skin tag, snipped flush at the base and sent. Path: intradermal nevus.",
            "shave", "melanocytic_nevus", ["11305"],
        ),
        # a fibroepithelial polyp is a skin tag
        ("R neck: 5 mm skin tag snipped flush at the base and sent. Path: fibroepithelial polyp.", "skin_tag_removal", "skin_tag", ["11200"]),
        # one report cannot name a dozen tags
        ("Twelve skin tags of the neck were snipped and sent together. Path: intradermal nevus.", "skin_tag_removal", "melanocytic_nevus", ["11200"]),
    ],
)
def test_a_skin_tag_that_pathology_calls_something_else(coder, text: str, procedure: str, diagnosis: str, cpt: list[str]) -> None:
    record = coder.code(text)
    assert [(les.procedure.kind, les.diagnosis.kind) for les in record.lesions] == [(procedure, diagnosis)]
    assert [c.code for c in record.codes if c.system == "CPT"] == cpt


# -- procedures on structures that are not skin make no skin lesion ---------------------------------
NOT_SKIN = [
    pytest.param(
        "PROCEDURE: Left axillary lymph node excisional biopsy.\nTECHNIQUE: The lymph node was excised in its entirety.",
        id="lymph-node-biopsy",
    ),
    pytest.param(
        "PROCEDURE: Excision of penile skin bridges about 2 cm in size.\n"
        "DESCRIPTION OF PROCEDURE: We went under the bridges, crushed them and then excised them.",
        id="penile-skin-bridges",
    ),
    pytest.param(
        "OPERATION: Excision of infected pilonidal cyst.\nPROCEDURE: An elliptical excision of all infected tissue, 3 cm, was performed.",
        id="pilonidal-cyst",
    ),
    pytest.param(
        "PROCEDURE PERFORMED: Excisional breast biopsy with needle localization.\n"
        "DESCRIPTION: The lesion having been excised was removed with 1 cm of normal tissue.",
        id="needle-localised-breast-biopsy",
    ),
    pytest.param(
        "OPERATION PERFORMED: Radical anterior hemivulvectomy for recurrent vulvar melanoma.\n"
        "DESCRIPTION: After removal of the specimen with 1.5 cm margins the wounds were closed.",
        id="hemivulvectomy",
    ),
    pytest.param("PROCEDURE: Excision of left olecranon bursa, 3 cm.", id="bursa"),
    pytest.param("Excision of a 1.5 cm ganglion cyst of the right wrist.", id="ganglion"),
    pytest.param("Excision of mass, left chest wall, down to the ribs.", id="bare-mass-is-not-a-skin-lesion"),
    pytest.param("Excisional biopsy of a 1 cm lesion of the tongue.", id="tongue"),
]


@pytest.mark.parametrize("text", NOT_SKIN)
def test_non_skin_procedures_make_no_skin_lesion(coder, text: str) -> None:
    record = coder.code(text)
    assert record.lesions == []
    assert [c.code for c in record.codes if c.system == "CPT"] == []


# -- ... while skin lesions on the genitals, the breast or beside a node biopsy stay -----------------
@pytest.mark.parametrize(
    "text, facts",
    [
        ("A 1.2 cm epidermoid cyst of the left scrotum was excised; no margin.", ("genitalia", "excision", "epidermoid_cyst")),
        (
            "Melanoma of the left upper back, 1.0 cm, excised with 1 cm margins, and sentinel lymph node biopsy of the left axilla.",
            ("back", "excision", "melanoma"),
        ),
        ("Shave removal of a 6 mm seborrheic keratosis of the left breast.", ("breast", "shave", "seborrheic_keratosis")),
        ("Nevus of the bridge of the nose, 4 mm, excised with 1 mm margins.", ("nose", "excision", "melanocytic_nevus")),
    ],
)
def test_skin_lesions_beside_non_skin_words_stay(lesions, text: str, facts: tuple) -> None:
    assert [(les.site.region, les.procedure.kind, les.diagnosis.kind) for les in lesions(text)] == [facts]
# -- measurements, closures and diagnoses as the lesion record reads them ----------------------
@pytest.mark.parametrize(
    "text, closure, repair_cm, area",
    [
        # a two-dimensional defect is not the closed repair length (coding-rules 4.3): no length
        (
            "Excision of the left temple keratotic neoplasm 0.5 x 1 cm, final defect 1.8 x 1.5 cm with two layer "
            "plastic closure. Path: seborrheic keratosis.",
            "intermediate", None, None,
        ),
        ("Nevus of the back, 1.0 cm, excised; the defect after excision is 1.5 cm x 1.8 cm and was closed in layers, "
         "final length 3.5 cm. Path: nevus.", "intermediate", "3.5", None),
        # a graft's size is the graft area
        (
            "BCC of the right temple, 1.1 cm, excised with 4 mm margins; repaired with a full thickness skin graft. "
            "A 3 x 4 cm elliptical skin graft was harvested from the left supraclavicular region. Path: BCC.",
            "graft", None, "12",
        ),
        # a closure of the donor site is not the lesion's closure
        (
            "BCC of the right temple, 1.1 cm, excised with 4 mm margins; full thickness skin graft 2 x 2 cm. "
            "Adjacent tissue transfer closure of the left supraclavicular grafting site. Path: BCC.",
            "graft", None, "4",
        ),
        (
            "BCC of the right temple, 1.1 cm, excised with 4 mm margins and repaired with a FTSG measuring 2 x 2 cm. "
            "The donor site was closed in layers. Path: BCC.",
            "graft", None, "4",
        ),
        # an undermined area written as two lengths is the flap area
        (
            "SCC of the scalp, 7 cm, excised. Advancement flap closure, with total undermined area 18 centimeters by "
            "16 centimeters. Path: SCC.",
            "adjacent_tissue_transfer", None, "288",
        ),
    ],
)
def test_defect_graft_and_repair_measurements(lesions, text: str, closure: str, repair_cm, area) -> None:
    (lesion,) = lesions(text)
    assert lesion.closure.closure_class == closure
    assert (str(lesion.repair_length.value_cm) if lesion.repair_length else None) == repair_cm
    assert (lesion.defect_area.value_cm if lesion.defect_area else None) == (Decimal(area) if area else None)


@pytest.mark.parametrize(
    "text, behaviour_proven, source",
    [
        # proof of malignancy written after the diagnosis, or as earlier treatment (coding-rules 2.2)
        (
            "INDICATIONS: A history of squamous cell carcinoma of the left cheek, present for months, that was "
            "diagnosed in the office after two biopsies.\nPROCEDURE: Wide local excision of the left cheek lesion, "
            "1.5 cm, with 5 mm margins.",
            True, "preoperative",
        ),
        (
            "INDICATION: A large squamous cell carcinoma on his right cheek, which had previous radiation.\n"
            "PROCEDURE: The lesion, 1.5 cm, was excised with 3 mm margins.",
            True, "preoperative",
        ),
        ("Excision of a previously radiated squamous cell carcinoma of the right forearm, 1.2 cm, with 4 mm margins.", True, "clinical"),
        ("Excision of a previously treated basal cell carcinoma of the right forearm, 1.2 cm, with 4 mm margins.", True, "clinical"),
        (
            "PREOPERATIVE DIAGNOSIS: Malignant melanoma, left dorsal forearm, Breslow depth 0.9 mm, status post excisional "
            "biopsy.\nPROCEDURE: The healed scar, 1.5 cm, was excised with 1 cm margins.",
            True, "preoperative",
        ),
        ("PROCEDURE: Wide local excision, left dorsal forearm melanoma, 1.5 cm scar, 1 cm margins.", True, "clinical"),
        # a dated history stays history
        ("History of squamous cell carcinoma of the right forearm in 2015, which had previous radiation. "
         "Today a 6 mm nevus of the back was excised.", False, "clinical"),
        # a re-excision that finds no residual tumour keeps the cancer (coding-rules 2.3, trap 9)
        (
            "INDICATION: Squamous cell carcinoma of the right cheek, biopsy-proven.\nPROCEDURE: The 1.5 cm scar was "
            "excised with 3 mm margins. The specimen was sent to pathology, which revealed only fibrotic tissue and "
            "no evidence of any residual squamous cell carcinoma.",
            True, "preoperative",
        ),
        # the biopsy that proved the diagnosis named just before it ("proven by biopsy to be a ...")
        (
            "A 1.8 cm ulcerated nodule of the right forearm, proven by biopsy to be a squamous cell carcinoma, "
            "was excised with 4 mm margins.",
            True, "clinical",
        ),
        (
            "The 9 mm papule of the left cheek was shown on a punch biopsy to be a basal cell carcinoma; "
            "it was excised with 4 mm margins.",
            True, "clinical",
        ),
        # sent to pathology or waiting for it is not a pathology result
        (
            "A pyogenic granuloma of the left thigh, 0.7 cm, was excised. This nodule was submitted to pathology for "
            "confirmation of its histology as a pyogenic granuloma.",
            False, "clinical",
        ),
        ("Darkened mole of the scalp, pending pathology report. A 4 mm punch biopsy of the scalp mole was done.", False, "clinical"),
        ("A 4 mm punch biopsy of a scalp nevus was done; the pathology report is pending on the nevus.", False, "clinical"),
        ("A 4 mm punch biopsy of the scalp was done. Pathology showed a compound nevus.", False, "pathology"),
        # every clause of a result list opened with a colon is a result, past the semicolons
        (
            "Shave biopsy of a 6 mm papule of the left temple; 4 mm punch biopsy of a 7 mm macule of the right thigh. "
            "Pathology came back as follows: temple, basal cell carcinoma; thigh, dysplastic nevus, edges clear.",
            False, "pathology",
        ),
        # a semicolon without a report list before it stays clinical
        ("Punch biopsy of the right thigh; dysplastic nevus suspected. Pathology pending.", False, "clinical"),
    ],
)
def test_proof_of_malignancy_and_pathology_source(lesions, text: str, behaviour_proven: bool, source: str) -> None:
    found = lesions(text)
    lesion = found[-1]
    assert lesion.prior_malignant_biopsy == behaviour_proven
    assert lesion.diagnosis.source == source


@pytest.mark.parametrize(
    ("text", "kind", "certain"),
    [
        # the patient's quoted word yields to the clinician's diagnosis, even a doubtful one
        (
            'CC: "a mole on my back that itches". Exam: L upper back, 6 mm irregular papule, r/o dysplastic nevus. '
            "Shave biopsy done.",
            "dysplastic_nevus", False,
        ),
        # with no clinician's diagnosis, the quoted word names the lesion
        ('CC: "This mole keeps catching on my collar." Exam: R neck, 7 mm soft papule. Shave removal done.', "melanocytic_nevus", True),
        # a diagnosis in quotes is not the patient's when pathology writes it
        ('Shave biopsy of the L temple, 5 mm papule, ?BCC. Pathology: "basal cell carcinoma, nodular".', "bcc", True),
    ],
)
def test_the_patients_quoted_word_yields_to_the_clinicians_diagnosis(lesions, text: str, kind: str, certain: bool) -> None:
    diagnosis = lesions(text)[0].diagnosis
    assert (diagnosis.kind, diagnosis.certain) == (kind, certain)


@pytest.mark.parametrize(
    "text, size",
    [
        # an explicit "the lesion measured" beats a title size that is the ellipse
        (
            "PROCEDURE PERFORMED: Excision of plantar ulceration of the left fifth toe 3 cm x 1 cm in size.\n"
            "DESCRIPTION: The lesion measured 1 cm in diameter at the level of the skin and a 3 cm elliptical "
            "incision line was drawn. The lesion was excised.",
            "1",
        ),
        # a size under a header the section finder does not know still counts as a body size
        (
            "PROCEDURE: Excision of lipoma, left knee.\nGROSS OBSERVATIONS: A 4 cm mass of adipose tissue most likely "
            "representing a lipoma was found in the left knee.\nDESCRIPTION: The lipoma was excised. A second piece "
            "of fatty tissue, which resembled a lipoma measuring approximately 1.5 cm x 2 cm, was also excised.",
            "4",
        ),
        # "the lesion is a 0.9 cm patch" states the lesion's size; the wound's diameter after ED&C is not it
        (
            "ED&C of a biopsy-proven BCC of the left flank. Today the lesion is a 0.9 cm pink patch. After three "
            "cycles the wound, about 1.5 cm across, was left open.",
            "0.9",
        ),
        # without an explicit statement the largest body size stays
        ("Excision of a 1.2 cm nevus of the left arm. The 0.8 cm nevus was excised with 2 mm margins.", "1.2"),
        # the erythema around an inflamed cyst is not its size; a later "discuss excision" is a plan
        (
            "PROCEDURE: I&D, inflamed epidermoid cyst, upper back.\nEXAM: 1.2 cm fluctuant nodule, surrounding "
            "erythema 3 cm.\nPROCEDURE: stab incision, contents expressed.\nDISPO: discuss elective excision later.",
            "1.2",
        ),
    ],
)
def test_which_lesion_size_counts(lesions, text: str, size: str) -> None:
    (lesion,) = lesions(text)
    assert lesion.lesion_size.value_cm == Decimal(size)


def test_a_numbered_findings_item_may_open_with_its_size(lesions) -> None:
    text = (
        "PROCEDURES:\n1. EXCISION OF MELANOMA IN SITU, LEFT UPPER BACK, WITH 5 MM MARGINS.\n"
        "2. EXCISION OF NEVUS, LEFT UPPER ARM, WITH 2 MM MARGINS.\n"
        "FINDINGS: 1. BIOPSY SITE WITH RESIDUAL PIGMENT, 0.8 CM. 2. 4 MM DARK BROWN PAPULE.\n"
        "PATHOLOGY: 1. MELANOMA IN SITU, MARGINS CLEAR. 2. COMPOUND NEVUS."
    )
    sizes = {lesion.site.region: str(lesion.lesion_size.value_cm) for lesion in lesions(text)}
    assert sizes == {"back": "0.8", "arm": "0.4"}


def test_a_re_excision_of_a_named_cancer_is_malignant_without_residual_tumour(lesions) -> None:
    text = (
        "He returns three weeks after his dermatologist excised a macule of the left forehead; the report showed "
        "melanoma in situ with the peripheral margin involved. He is here for re-excision. The scar measures 1.0 cm; "
        "5 mm margins. Pathology: scar, no residual melanoma in situ."
    )
    (lesion,) = lesions(text)
    assert lesion.procedure.kind == "re_excision" and lesion.prior_malignant_biopsy


def test_misspelled_margin_and_repair_words_still_count(lesions) -> None:
    text = (
        "3.5 mm papule of the right cutaneous upper lip excised with 1 mm margines; deep 5-0 monocryl and "
        "6-0 prolene, intermediate repiar 1.8 cm. Path: compound nevus."
    )
    (lesion,) = lesions(text)
    assert str(lesion.margin.value_cm) == "0.1"
    assert lesion.closure.closure_class == "intermediate" and str(lesion.repair_length.value_cm) == "1.8"


def test_a_procedure_discussed_beside_the_one_chosen_is_not_done(lesions) -> None:
    text = (
        "Biopsy-proven superficial BCC of the right malar cheek, 7 mm across. After discussion of excision, "
        "Mohs surgery and topical therapy, he chose curettage and electrodesiccation, which was performed three times."
    )
    (lesion,) = lesions(text)
    assert lesion.procedure.kind == "destruction"


# -- a distractor procedure (declined, discussed, conditional, for hemostasis) does not beat the one done --
DISTRACTOR_PROCEDURES = [
    (
        "1.1 cm crusted nodule of the right dorsal forearm, KA vs SCC. A curette biopsy was performed and sent. "
        "Hemostasis was with a light touch of the hyfrecator. Pathology: keratoacanthoma.",
        ["11102:suggested"],
    ),
    (
        "5 mm papule of the right nasal ala, BCC vs nevus. After discussing a shave, she preferred a punch biopsy. "
        "A 3 mm punch was taken and closed with one simple interrupted suture. Pathology: intradermal nevus.",
        ["11104:suggested"],
    ),
    (
        "LN2 to AKs x3 R dorsal hand, 3 FTC each.\nSKs on the back x6: pt declined cryo for the SKs, cosmetic only.",
        ["17000:suggested", "17003:suggested"],
    ),
    (
        "AKs treated with LN2: forehead (3), scalp (2).\nNot treated: 2 faint pink macules on the nose; recheck next visit.",
        ["17000:suggested", "17003:suggested"],
    ),
    (
        "ED&C of SCCIS, R dorsal forearm, bx-proven. Lesion 1.4 cm. Pt declind excison. Curette x3 with electrodesiccation.",
        ["17262:suggested"],
    ),
    (
        "Inflamed EIC R upper back, 2 cm, fluctuant. I&D: lido, #11 blade stab, cheesy material expressed. "
        "Excise cyst wall when calm if he wants.",
        ["10060:suggested"],
    ),
    (
        "Atypical nevus, R flank, 5 mm: exc today, ellipse w/ 2 mm margins, simple closure. "
        "Will re-excise w/ 5 mm margins if path shows melanoma.\nPath: dysplastic nevus, margins free.",
        ["11401:suggested"],
    ),
    # the excision a patient turned down for ED&C, or one that would have needed a flap
    (
        "PROCEDURE: Curettage and electrodesiccation. Biopsy-proven superficial BCC of the left upper arm; he prefers "
        "an office treatment to an excision. The lesion is a 0.8 cm scaly patch. Curetted and electrodesiccated x3.",
        ["17261:suggested"],
    ),
    (
        "Procedure: ED&C\nDiagnosis: SCC in situ, dorsum of the left foot, biopsy-proven\nLesion size: 25 x 18 mm\n"
        "Discussion: excision would have required a graft; ED&C was chosen.",
        ["17273:suggested"],
    ),
    # a cancer's ED&C does not treat the untreated lesions beside it, nor is their count its count
    (
        "BCC of the right nasal ala, biopsy-proven, 4 mm: ED&C with three passes. Incidental SKs x4 on the right "
        "temple, not tx.",
        ["17280:suggested"],
    ),
    (
        "1. SCCIS, L dorsal hand, 9 mm - ED&C x3 cycles.\n2. SKs, back - benign.",
        ["17271:suggested"],
    ),
]


@pytest.mark.parametrize("text, cpt", DISTRACTOR_PROCEDURES)
def test_a_distractor_procedure_does_not_beat_the_one_done(coder, text: str, cpt: list[str]) -> None:
    record = coder.code(text)
    assert sorted(f"{c.code}:{c.status}" for c in record.codes if c.system == "CPT" and c.status == "suggested") == cpt


def test_positioned_for_a_site_keeps_that_site(lesions) -> None:
    text = "The patient was seated for the cheek, where a 5 mm tan papule was excised with 1 mm margins. Path: intradermal nevus."
    (lesion,) = lesions(text)
    assert lesion.site.region == "cheek"
# -- a diagnosis list that counts the lesions in another order than the procedure list ------------
@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "DIAGNOSES: 1. Seborrheic keratosis, left shin. 2. Basal cell carcinoma, right temple. "
            "PROCEDURES: 1. Excision, right temple, 4 mm margins. 2. Shave removal, left shin.",
            [("right", "temple", "bcc", "excision"), ("left", "leg", "seborrheic_keratosis", "shave")],
        ),
        (
            "DIAGNOSES: 1. Epidermal inclusion cyst, left lower back. 2. Atypical nevus, right upper back. "
            "PROCEDURES: A. Excision of nevus, right upper back. B. Excision of cyst, left lower back. "
            "Lesion A, 9 mm, right upper back, was excised with 2 mm margins. Lesion B, 1.4 cm, was excised.",
            [("right", "back", "melanocytic_nevus", "excision"), ("left", "back", "cyst", "excision")],
        ),
    ],
)
def test_a_diagnosis_list_in_another_order_follows_the_procedure_list(lesions, text: str, expected: list) -> None:
    got = [(lesion.site.laterality, lesion.site.region, lesion.diagnosis.kind, lesion.procedure.kind) for lesion in lesions(text)]
    assert got == expected


# -- "a rough spot on the right forehead": a lesion word at a site makes that lesion the one the next sentence means --
@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "A 1.2 cm BCC of the left shoulder was excised with 4 mm margins and closed in layers, final length 3.5 cm. "
            "While prone she asked about a rough spot on the right forehead; this 4 mm papule was then sampled by shave biopsy.",
            {"shoulder": ("excision", "bcc"), "forehead": ("biopsy_tangential", None)},
        ),
        (
            "Two itchy papules on the mid chest catch on her bra; both are irritated seborrheic keratoses. A quiet "
            "seborrheic keratosis of the left shoulder bothers her too. All three were frozen with liquid nitrogen.",
            {"chest": ("destruction", "irritated_seborrheic_keratosis"), "shoulder": ("destruction", "seborrheic_keratosis")},
        ),
    ],
)
def test_a_lesion_word_at_a_site_makes_it_the_current_lesion(lesions, text: str, expected: dict) -> None:
    found = {les.site.region: (les.procedure.kind, les.diagnosis.kind if les.diagnosis else None) for les in lesions(text)}
    assert found == expected


# -- what a lesion's own numbered item calls it beats a story sentence that names it beside another ---
def test_the_items_diagnosis_beats_the_story_sentence(lesions) -> None:
    text = (
        "Here for cyst excision and ED&C of biopsy-proven SCC in situ of the R forearm.\nA/P:\n"
        "1. Epidermoid cyst, upper back - excised, simple closure 2.0 cm.\n2. SCC in situ, R forearm, 7 mm - ED&C x3."
    )
    found = {lesion.site.region: (lesion.diagnosis.kind, lesion.procedure.kind) for lesion in lesions(text)}
    assert found == {"back": ("epidermoid_cyst", "excision"), "forearm": ("scc_in_situ", "destruction")}


# -- after a lettered list, the narrative names its lesions by the letter alone ----------------------
LETTERED = (
    "PROCEDURES:\nA. Excision, right forearm\nB. Excision, left calf\nC. Cryotherapy, scalp\n"
    "FINDINGS:\nA. 1.1 cm nodule, biopsy-proven SCC\nB. 6 mm irregular brown macule\nC. Four gritty scaly papules, clinically AKs\n"
    "NARRATIVE: A was excised with 5 mm margins and B with 2 mm margins; both closed in layers. "
    "Repair lengths: A 4.5 cm, B 2.8 cm. C: liquid nitrogen, two cycles.\n"
    "PATHOLOGY: A. Squamous cell carcinoma. B. Junctional nevus."
)


def test_letters_alone_name_the_lettered_lesions(lesions) -> None:
    found = {
        lesion.site.region: (lesion.margin and str(lesion.margin.value_cm), lesion.repair_length and str(lesion.repair_length.value_cm), lesion.count)
        for lesion in lesions(LETTERED)
    }
    assert found == {"forearm": ("0.5", "4.5", 1), "leg": ("0.2", "2.8", 1), "scalp": (None, None, 4)}


# -- counted families end to end: a blade number, a duration and a lesion left alone are no lesions --
@pytest.mark.parametrize(
    "text, cpt",
    [
        # "x4 d" is how long the bump has been there; "#11 blade" is no list item: one simple drainage
        ("R buttock: painful bump x4 d, 1.8 cm fluctuant inflamed epidermoid cyst. I&D: #11 blade stab, pus expressed, no packing.",
         ["10060"]),
        # two drained cysts are one 10061, and an excision kept for a recurrence adds nothing
        (
            "#1 R upper back: 2 cm inflamed EIC.\n#2 L upper back: 1.2 cm inflamed EIC.\n"
            "Proc: #11 blade stab incisions, pus expressed from both, no packing. Excise the cyst walls if they recur.",
            ["10061"],
        ),
        # "both AKs" are the two of the hand: the irritated SKs of the back and chest are not AKs
        (
            "Exam: back: 10 irritated stuck-on papules; chest: 6 similar; R hand: 2 scaly papules.\n"
            "A/P:\n1. Irritated SKs, 16 total: LN2, 1 cycle each.\n2. AKs x2, R hand: LN2 to both AKs.",
            ["17000", "17003", "17111"],
        ),
        # the heading diagnosis belongs to the counted sites, not to the lesion the note leaves alone
        (
            "DIAGNOSIS: ACTINIC KERATOSES\nLOCATIONS: FOREHEAD X6, SCALP X4.\nTREATMENT: LIQUID NITROGEN, 2 CYCLES.\n"
            "NOT TREATED: A WAXY PAPULE OF THE R CHEEK, CLINICALLY SK.",
            ["17000", "17003"],
        ),
        # a template's "Sites:" field lists the treated sites; its count field counts them all
        ("Procedure: Removal of skin tags\nDiagnosis: acrochordons\nSites: neck, left axilla\nNumber removed: 20\nHemostasis: AlCl3",
         ["11200", "11201"]),
        # frozen skin tags counted in a dot-leader table: 12 + 9 = 21 tags, any method
        (
            "DX: ACROCHORDONS, IRRITATED\nTX: LIQUID NITROGEN TO EACH STALK\nSITE/COUNT:\n  NECK .......... 12\n"
            "  R AXILLA ....... 9\n  TOTAL .......... 21\nNO SPECIMEN.",
            ["11200", "11201"],
        ),
        # "took off" removes the tags; the eyelid tags she asked to keep are not counted (7, not 7 + 9)
        (
            "She has skin tags on the neck. She also has nine tags on her eyelids; they do not bother her and she asked me "
            "to leave them. I took off all seven tags on the neck with fine scissors.",
            ["11200"],
        ),
        # the plan paragraph tells both treatments as done, the second without a verb: 11 + 4 = 15 lesions
        (
            "Assessment:\n1. Molluscum contagiosum, abdomen.\n2. Warts, right hand.\n"
            "Plan: Mother agreed. Cantharidin applied to the molluscum x 11. Liquid nitrogen to the warts, four (4), two freeze-thaw cycles each.",
            ["17111"],
        ),
        # a plan, not an account: a schedule after the treatment, a modal before the participle
        ("Assessment: Warts, right hand.\nPlan: Home care reviewed. Liquid nitrogen to the warts, two freeze-thaw cycles, every 3 weeks.", []),
        ("Assessment: Skin tags, neck.\nPlan: Home care reviewed. They can be snipped at the next visit if they bother him.", []),
        # "no. 15 blade" numbers the blade; it negates nothing
        ("Plantar warts x2, left heel: pared with a no. 15 blade, then liquid nitrogen was applied to each.", ["17110"]),
        # a procedure block whose sites each have a count field on the next line ("COUNT 1a: 10"), and a
        # last block that holds its location, diagnosis and technique fields: 10 + 8 tags, one shave
        (
            "PROCEDURE 1: Removal of skin tags\n  LOCATION 1a: chest\n  COUNT 1a: 10\n  LOCATION 1b: right groin\n"
            "  COUNT 1b: 8\n  METHOD: snip with scissors\nPROCEDURE 2: Shave removal\n  LOCATION: left forearm\n"
            "  CLINICAL DX: irritated seborrheic keratosis\n  SIZE: 7 mm\n  TECHNIQUE: shaved flush with the skin\n"
            "PATHOLOGY RESULT: seborrheic keratosis, irritated.",
            ["11200", "11201", "11301"],
        ),
        # a written sum's result is the total: the site without a number of its own takes the rest (9)
        (
            "Skin tags: chest (many), 4 in the right groin, 3 in the left groin. All snipped with scissors: 9 + 4 + 3 = 16.",
            ["11200", "11201"],
        ),
        # two counted procedures: the forehead AKs take the cryotherapy named with AKs, not the tags' snip (11 + 4 = 15)
        (
            "He has about 20 skin tags on the neck and many AKs on the scalp and forehead. Procedure one: the neck tags were snipped "
            "with scissors. Procedure two: cryotherapy of fifteen actinic keratoses, eleven on the scalp and four on the forehead.",
            ["11200", "11201", "17004"],
        ),
        # sites listed with a count after each are still one list: the AKs' sites take the cryotherapy and the
        # AKs, not the tags' snip (twenty-fourth set, decision 4)
        ("Twelve skin tags of the neck snipped. AKs: scalp x4 and forehead x3 treated with LN2.", ["11200", "17000", "17003"]),
        ("Skin tags of the neck (18) and of the right groin (9) were excised with iris scissors.", ["11200", "11201"]),
        # tags left for the insurer's answer, and tags the patient chose to leave, are not removed (24th set, decision 6)
        (
            "Skin tags of the neck, about ten. Shave removal of the 7 mm irritated SK of the left flank. The tags were not "
            "removed today; she will ask what her plan pays for cosmetic removal.",
            ["11301"],
        ),
        ("Skin tags counted: 14 on the neck and 8 on the back. The 14 on the neck were snipped with scissors. She chose to "
         "leave the 8 on the back.", ["11200"]),
        # a count in words echoed in figures, and a total with a verb phrase before "in total"
        ("PROCEDURE: Removal of skin tags, neck and left axilla.\nDESCRIPTION: Nineteen (19) tags were snipped in total.",
         ["11200", "11201"]),
        # three families, sites only in the procedure list: each unsited sentence goes to the one lesion
        # listed for its procedure kind, so the shaved lesion's size is the shave's
        (
            "PREOPERATIVE DIAGNOSES:\n1. Acrochordons.\n2. Irritated seborrheic keratosis.\n3. Seborrheic keratoses.\n"
            "PROCEDURES PERFORMED:\n1. Removal of skin tags, neck.\n2. Shave removal, left upper arm.\n3. Cryotherapy, back.\n"
            "DESCRIPTION: Skin tags x 5 were snipped with scissors. The irritated lesion was shaved off flush. "
            "Three keratoses were then frozen with liquid nitrogen.\nFINDINGS: Shaved lesion: crusted plaque, 8 mm.",
            ["11200", "11301", "17110"],
        ),
        # the postoperative list says the listed shave was not done: no line for it
        (
            "PREOPERATIVE DIAGNOSES:\n1. Actinic keratoses.\n2. Seborrheic keratosis.\nPOSTOPERATIVE DIAGNOSES:\n1. Same.\n"
            "2. Not treated.\nPROCEDURES PERFORMED:\n1. Cryotherapy, scalp.\n2. Shave removal, right cheek.\n"
            "DESCRIPTION: Liquid nitrogen was applied to five actinic keratoses. The patient then chose to keep the second "
            "lesion.\nFINDINGS: The second lesion is a 5 mm waxy papule.",
            ["17000", "17003"],
        ),
        # tying a tag off is a removal by any method (coding-rules 3.1): 11200
        ("PROCEDURE: Ligation of skin tags.\nTwo large pedunculated skin tags on the left lateral neck were tied off at "
         "the base with 4-0 silk suture.", ["11200"]),
        # a removal told without a removal verb: the tags taken "off" a site with scissors under a performed heading
        ("Performed today:\n- 5 tags off the L axilla w/ iris scissors, no specimen", ["11200"]),
        ("Procedure: skin tags x6, neck, curved scissors, AlCl.", ["11200"]),
        # a scanned form: each row of "Site(s) / number" is a counted site, and the OCR-split total label still counts
        ("SKIN PROCEDURE FORM\nDiagnosis: acrochordons\nSite(s) / number:   R axilla  12        L axilla  9\n"
         "Total number rem oved:   21\nMethod: (x) snip", ["11200", "11201"]),
        # aftercare of "the shave site" is the shaved lesion's, not a removal of the tags put off to another visit
        ("Exam: R temple: 7 mm waxy stuck-on seborrheic keratosis, irritated. Procedure: shave removal of the R temple "
         "lesion. Several skin tags on the neck; she will return for tag removal. Petrolatum to the shave site twice daily.",
         ["11311"]),
        # a run-on exam naming two lesions: the sampling sentence goes to the lesion its look names
        ("Exam: tags x3 L axilla, crusted pink 5mm papule R forearm, ? SCC vs irritated SK.\n"
         "crusted spot sampled by shave for path.\ntags snipped at base, no specimen.", ["11102", "11200"]),
    ],
)
def test_counted_families_from_the_note(coder, text: str, cpt: list[str]) -> None:
    record = coder.code(text)
    assert sorted({c.code for c in record.codes if c.system == "CPT" and c.status == "suggested"}) == cpt


# -- counted lesions linked from the note, codes with their units (11201: each 10 beyond 15; 17003: n-1) -------
@pytest.mark.parametrize(
    "text, cpt",
    [
        # (1) a procedure line names the removal and the diagnosis; the sites and counts follow it
        pytest.param("PROCEDURE: Removal of 36 skin tags. The neck had 20 and the axillae had 16.",
                     {"11200": 1, "11201": 3}, id="heading-then-site-had-n"),
        pytest.param("Procedure: Removal of 24 acrochordons. The right axilla had 14 and the left axilla had 10.",
                     {"11200": 1, "11201": 1}, id="heading-then-sides-had-n"),
        pytest.param("Procedure: Removal of skin tags. Location: neck and bilateral axillae. Number: 22. Technique: sharp "
                     "scissors, hemostasis with AlCl.", {"11200": 1, "11201": 1}, id="run-on-fields"),
        pytest.param("Procedure: Removal of skin tags.\nLocation: neck and bilateral axillae.\nNumber: 22.\nTechnique: sharp "
                     "scissors, hemostasis with AlCl.", {"11200": 1, "11201": 1}, id="field-lines"),
        pytest.param("Procedure: Snip excision of skin tags. Sites: neck, upper chest. Number: 19. Hemostasis: Drysol.",
                     {"11200": 1, "11201": 1}, id="run-on-sites-number"),
        pytest.param("PROCEDURE: Snip removal of skin tags. LOCATIONS AND NUMBER: Neck, 12; right axilla, 5; left axilla, 4. "
                     "TOTAL: 21.", {"11200": 1, "11201": 1}, id="locations-and-number"),
        pytest.param("PROCEDURE: Removal of skin tags. SITES AND COUNTS: neck, 9; chest, 8; right groin, 6. TOTAL: 23.",
                     {"11200": 1, "11201": 1}, id="sites-and-counts"),
        # "premalignant lesions" destroyed are coded as premalignant by count, even with no named kind
        pytest.param("Procedure: destruction of premalignant lesions. Number: 9. Sites: face, scalp. Method: LN2.",
                     {"17000": 1, "17003": 8}, id="premalignant-run-on-fields"),
        pytest.param("Procedure: destruction of premalignant lesions. Number: 4. Sites: scalp, forehead. Method: liquid "
                     "nitrogen, 2 cycles.", {"17000": 1, "17003": 3}, id="premalignant-four"),
        pytest.param("Procedure: cryotherapy of precancerous lesions, 6 on the scalp and 3 on the left cheek.",
                     {"17000": 1, "17003": 8}, id="precancerous-at-sites"),
        pytest.param("Diagnosis: actinic keratoses. Procedure: destruction of premalignant lesions, scalp x5.",
                     {"17000": 1, "17003": 4}, id="premalignant-with-ak"),
        # (2) one diagnosis, the subject of a sentence listing several sites, belongs to each of them
        pytest.param("Skin tags were removed from the neck (10) and chest (8).", {"11200": 1, "11201": 1}, id="subject-two-sites"),
        pytest.param("Acrochordons were snipped from the right axilla (9) and left axilla (7).", {"11200": 1, "11201": 1},
                     id="subject-two-sides"),
        pytest.param("Skin tags removed today: 14 (neck), 6 (right axilla).", {"11200": 1, "11201": 1}, id="count-then-site"),
        pytest.param("Skin tags snipped today: 11 (neck), 8 (chest).", {"11200": 1, "11201": 1}, id="snipped-count-then-site"),
        # (3) lesions the patient leaves alone or leaves for a later visit are not counted, and
        # the lesions examined are not the part removed
        pytest.param("Exam: approximately 25 skin tags on neck and axillae. Plan/Procedure: 15 of the largest were removed "
                     "today with scissors; the remaining will be addressed at the next visit.", {"11200": 1}, id="part-of-examined"),
        pytest.param("The patient requests removal of skin tags. Exam shows approximately 25 skin tags on neck and axillae. "
                     "After discussion, 15 of the largest were removed today with scissors, and the remaining will be "
                     "addressed at the next visit.", {"11200": 1}, id="part-of-examined-story"),
        pytest.param("Exam: about 30 skin tags on the neck and chest.\nPlan/Procedure: 12 of the largest were snipped today; "
                     "the remaining will be addressed at the next visit.", {"11200": 1}, id="plan-procedure-label"),
        pytest.param("Twenty skin tags on the neck were snipped. She has about ten more in the groin that she would like to "
                     "leave alone.", {"11200": 1, "11201": 1}, id="leave-alone-site"),
        pytest.param("Eighteen skin tags on the neck were removed with scissors. He has a few more on the eyelids that he "
                     "wants to keep.", {"11200": 1, "11201": 1}, id="wants-to-keep"),
        pytest.param("Sixteen skin tags were snipped from the neck. There are about 12 more on the back which will be "
                     "addressed at the next visit.", {"11200": 1, "11201": 1}, id="next-visit-site"),
        pytest.param("She has multiple skin tags which she would like removed. 9 were removed from the neck and 4 from the "
                     "chest today. The rest she would like to keep.", {"11200": 1}, id="rest-kept"),
        pytest.param("Plan: Skin tags of the neck will be snipped at the next visit.", {}, id="all-for-next-visit"),
    ],
)
def test_counted_lesions_linked_with_their_units(coder, text: str, cpt: dict[str, int]) -> None:
    record = coder.code(text)
    assert {c.code: c.units for c in record.codes if c.system == "CPT" and c.status == "suggested"} == cpt


# -- a "Procedure 1:" template block holds its field lines, whatever sections they look like ------
@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Procedure 1: Cryotherapy\nSite: left temple\nDiagnosis: hypertrophic actinic keratosis\nLesion size: 6 mm\n"
            "Detail: LN2, 2 freeze-thaw cycles.\nProcedure 2: Skin biopsy - punch\nSite: right shin\n"
            "Lesion: 5 mm firm papule; r/o dermatofibroma\nDetail: 4 mm punch, one suture.\nPathology (procedure 2): dermatofibroma.",
            [("temple", "destruction", "actinic_keratosis", "0.6"), ("leg", "biopsy_punch", "dermatofibroma", "0.5")],
        ),
        # the block heading's biopsy word makes the bare "shave" of its detail line the biopsy's technique
        (
            "Procedure 1: ED&C\nSite: R forearm\nDiagnosis: bx-proven superficial BCC\nLesion size: 9 mm\nDetail: 3 cycles.\n"
            "Procedure 2: Skin biopsy - tangential\nSite: left nasal ala\nLesion: 4 mm pearly papule\nDetail: DermaBlade shave, Drysol.",
            [("forearm", "destruction", "bcc", "0.9"), ("nose", "biopsy_tangential", None, "0.4")],
        ),
        # a block that names no site or diagnosis is a further step on the lesion before it
        (
            "Procedure 1: Excision of BCC, left cheek, 8 mm lesion, 4 mm margins\nProcedure 2: Intermediate repair, 3.1 cm\n"
            "Path: BCC, margins clear.",
            [("cheek", "excision", "bcc", "0.8")],
        ),
    ],
)
def test_a_procedure_block_holds_its_field_lines(lesions, text: str, expected: list[tuple]) -> None:
    found = [
        (lesion.site.region, lesion.procedure.kind, lesion.diagnosis.kind if lesion.diagnosis else None, str(lesion.lesion_size.value_cm))
        for lesion in lesions(text)
    ]
    assert found == expected


# -- lesions named by their order ("the first", "the second") or, after a lettered list, by letter -----
@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Two new papules: one on the right forearm, 5 mm, and one on the left calf, 7 mm. I took a 3 mm punch from the "
            "first and left it open; then a 4 mm punch from the second, which I closed with a simple interrupted suture. "
            "Path: right forearm, dermatofibroma; left calf, compound nevus.",
            [("forearm", "biopsy_punch", None), ("leg", "biopsy_punch", "simple")],
        ),
        (
            "Exam: a 6 mm pink papule on the left temple and an 8 mm brown macule on the right upper back. "
            "The former was shaved for diagnosis; the latter was sampled with a 4 mm punch, closed with a simple interrupted suture.",
            [("temple", "biopsy_tangential", None), ("back", "biopsy_punch", "simple")],
        ),
        # a letter note: the lettered list ends at the blank line after it, where the narrative names the items by letter
        (
            "Thank you for seeing her.\n(A) a 6 mm pink papule on the left temple, query BCC;\n(B) a 5 mm dark macule on the "
            "right upper arm;\n(C) a 7 mm scaly papule on the left shin.\n\nB and C were shave biopsies. A was a 3 mm punch "
            "biopsy, left open.\n\nHistology: A: BCC. B: compound nevus. C: SK.",
            [("temple", "biopsy_punch", "secondary_intention"), ("arm", "biopsy_tangential", None), ("leg", "biopsy_tangential", None)],
        ),
    ],
)
def test_lesions_named_by_order_or_letter(lesions, text: str, expected: list[tuple[str, str, str | None]]) -> None:
    found = [(lesion.site.region, lesion.procedure.kind, lesion.closure.closure_class if lesion.closure else None) for lesion in lesions(text)]
    assert found == expected


# -- an ordinal in running prose names a lesion by the order the note described them in; it does not
# open a segment that would take every site after it (the pathology line's) into one lesion --------
@pytest.mark.parametrize(
    "text, expected",
    [
        # "the first lesion" / "the second site" after one sentence per lesion, then a pathology line naming both
        (
            "Two lesions today. The first is an 8 mm pink papule of the left upper back, probably a basal cell carcinoma. "
            "The second is a 5 mm firm brown papule of the right shin. Through the center of the first lesion a tangential "
            "shave was taken. At the second site a 4 mm punch was taken and closed with a simple interrupted suture. "
            "Pathology: back, basal cell carcinoma; shin, dermatofibroma.",
            [("back", "shave", "bcc"), ("leg", "biopsy_punch", "dermatofibroma")],
        ),
        # "the first one ..., the second ..." in one sentence
        (
            "She has two growths. One is a 6 mm scaly papule on the left forearm. The other is a 7 mm pigmented macule on "
            "the right thigh. The first one was shaved, the second punched with a 4 mm punch and closed with a simple "
            "interrupted suture. Pathology: forearm, seborrheic keratosis; thigh, compound nevus.",
            [("forearm", "shave", "seborrheic_keratosis"), ("thigh", "biopsy_punch", "melanocytic_nevus")],
        ),
        # "the former ... the latter" after a sentence per lesion
        (
            "A 6 mm scaly papule was noted on the left temple. A 4 mm waxy papule was noted on the right cheek. "
            "The former was shaved for diagnosis; the latter was frozen with liquid nitrogen.",
            [("temple", "biopsy_tangential", None), ("cheek", "destruction", None)],
        ),
        # "1st" / "2nd lesion"
        (
            "A 6 mm pink papule is on the left arm. A 5 mm brown macule is on the right calf. The 1st lesion was shaved. "
            "The 2nd lesion was sampled with a 4 mm punch and closed with a simple interrupted suture. Pathology: arm, BCC; calf, nevus.",
            [("arm", "shave", "bcc"), ("leg", "biopsy_punch", "melanocytic_nevus")],
        ),
        # "lesion one ... lesion two" with no list to number them: the order they were described in
        (
            "A 6 mm pink papule is on the left arm. A 5 mm brown macule is on the right calf. Lesion one was shaved. "
            "Lesion two was sampled with a 4 mm punch and closed with a simple interrupted suture. Pathology: arm, BCC; calf, nevus.",
            [("arm", "shave", "bcc"), ("leg", "biopsy_punch", "melanocytic_nevus")],
        ),
        # with a numbered list, "the second lesion" is item 2, whichever the prose names first
        (
            "PROCEDURES:\n1. Shave biopsy, left arm.\n2. Punch biopsy, right calf.\nDESCRIPTION: Both sites were numbed. "
            "The second lesion was sampled with a 4 mm punch and closed with one simple interrupted suture. The first lesion was shaved flat.",
            [("arm", "biopsy_tangential", None), ("leg", "biopsy_punch", None)],
        ),
        # ordinal labels heading blocks stay segments
        (
            "First lesion: left cheek, 6 mm pearly papule, shave biopsy.\nSecond lesion: right shin, 5 mm firm papule, "
            "4 mm punch biopsy closed with one simple interrupted suture.\nPathology: cheek, BCC; shin, dermatofibroma.",
            [("cheek", "biopsy_tangential", "bcc"), ("leg", "biopsy_punch", "dermatofibroma")],
        ),
    ],
)
def test_an_ordinal_in_prose_names_a_described_lesion(lesions, text: str, expected: list[tuple[str, str, str | None]]) -> None:
    found = [(lesion.site.region, lesion.procedure.kind, lesion.diagnosis.kind if lesion.diagnosis else None) for lesion in lesions(text)]
    assert found == expected


def test_a_biopsy_years_ago_is_not_todays_lesion(lesions) -> None:
    text = (
        "She had a shave biopsy 3 years ago of a basal cell carcinoma on the left cheek, treated with Mohs surgery. "
        "Today a 6 mm pink papule on the right forearm was sampled by shave biopsy. Path: BCC."
    )
    assert [(lesion.site.region, lesion.procedure.kind) for lesion in lesions(text)] == [("forearm", "biopsy_tangential")]


# -- a soft-tissue tumour's plane is the operative finding, not a guess or an imaging reading ----
@pytest.mark.parametrize(
    "text, depth",
    [
        ("The lipoma lay deep to the fascia and was freed from the muscle.", "subfascial"),
        ("A subfascial lipoma was excised.", "subfascial"),
        ("The MRI showed an intramuscular lipoma. At surgery it lay in the subcutaneous fat.", "subcutaneous"),
        ("Ultrasound: fatty mass, possibly deep to the fascia. Found in the subcutaneous fat, fascia intact.", "subcutaneous"),
        ("The mass was probably subfascial on examination; excised from the subcutaneous plane.", "subcutaneous"),
        ("In the subcutaneous fat; nothing extended deep to the fascia.", "subcutaneous"),
    ],
)
def test_a_tumour_depth_is_the_operative_finding(text: str, depth: str) -> None:
    from nlp import procedure_details

    assert procedure_details.depth_of(text) == depth


# -- "MMS" (upper case) is Mohs micrographic surgery; "mms" is only ever millimetres ------------
@pytest.mark.parametrize(
    "text, kinds",
    [
        ("MMS NOTE. SCC of the left scalp. Stage I: 3 blocks, clear.", {"mohs"}),
        ("Excision of the nevus of the back with margins of 3 mms.", {"excision"}),
    ],
)
def test_mms_names_mohs_surgery(coder, text: str, kinds: set[str]) -> None:
    result = coder.code(text, "t")
    assert {lesion.procedure.kind for lesion in result.lesions if lesion.procedure} == kinds


# Skin tags beside the visit's treated lesion: tags only talked about, put off to a later visit or
# left out by a procedure limited to one lesion take no share of it, and the treated lesion keeps
# the diagnosis written with its site.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a procedure its sentence limits to one lesion is not shared with the tags described beside it
        ("Exam: L forearm: 8 mm irritated seborrheic keratosis. Several small skin tags of the neck. "
         "Procedure: cryotherapy to the L forearm lesion only.",
         [("forearm", "destruction", "irritated_seborrheic_keratosis")]),
        # without "only" the destruction is the visit's, and the tags described share it
        ("Exam: L forearm: 8 mm irritated seborrheic keratosis. Several small skin tags of the neck. "
         "Procedure: cryotherapy to the L forearm and the neck.",
         [("forearm", "destruction", "irritated_seborrheic_keratosis"), ("neck", "destruction", "skin_tag")]),
        # the diagnosis written with the site beats a word of the story of the same rank
        ("CC: also asks about her tags.\nExam: R upper back: 1.1 cm crusted irritated seborrheic keratosis.\n"
         "LN2 x2 cycles to the R upper back.",
         [("back", "destruction", "irritated_seborrheic_keratosis")]),
        # a diagnosis in a sentence whose procedure is only talked about is the last choice
        ("Exam: R upper back: 1.1 cm crusted irritated seborrheic keratosis.\nProcedure: LN2 x2 cycles to the R upper back.\n"
         "Tags: we discussed snip removal; she will think about it.",
         [("back", "destruction", "irritated_seborrheic_keratosis")]),
        # taking sutures out is a wound visit, not the removal of the tags put off to it
        ("Epidermoid cyst, L upper back, 1.2 cm: excised, layered closure 3.0 cm.\n"
         "Eight skin tags in the R axilla. The tags can come off at the next visit, at suture removal.",
         [("back", "excision", "epidermoid_cyst")]),
        # a follow-up booked "for" a procedure plans it, so the tags declined today share nothing
        ("Warts x3, L palm: pared and LN2 x2 to each.\nAlso ~6 skin tags on neck: pt declined removal. Not tx'd.\n"
         "F/u 4 wk for repeat LN2 prn.",
         [("hand", "destruction", "wart")]),
    ],
)
def test_tags_beside_the_treated_lesion(lesions, text: str, expected: list[tuple[str, str, str]]) -> None:
    found = lesions(text)
    assert [(lesion.site.region if lesion.site else None, lesion.procedure.kind, lesion.diagnosis.kind if lesion.diagnosis else None)
            for lesion in found] == expected
# -- a "bilat" site with one lesion per side is two lesions, right and left in the note's order (GUIDELINES.md,
# eighteenth set, decision 12); without per-side wording it stays one --
@pytest.mark.parametrize(
    "text, expected",
    [
        ("Shave bx x2, bilat temples (R then L). R: 4 mm scaly papule. L: 6 mm pink papule. Path: R = AK. L = BCC.",
         [("temple", "right", "biopsy_tangential"), ("temple", "left", "biopsy_tangential")]),
        ("Punch bx x2, bilat lateral thighs (one lt, one rt), 4 mm punch each. Path: lt thigh dermatofibroma, rt thigh nevus.",
         [("thigh", "left", "biopsy_punch"), ("thigh", "right", "biopsy_punch")]),
        ("Shave bx x2 of scaly papules, bilat shins, rt and lt. Path: rt shin SCC, lt shin AK.",
         [("leg", "right", "biopsy_tangential"), ("leg", "left", "biopsy_tangential")]),
        ("Skin tags of the bilateral axillae, 8 in all, snipped with iris scissors.", [("axilla", "bilateral", "skin_tag_removal")]),
    ],
)
def test_a_bilateral_site_with_one_lesion_per_side_is_two_lesions(lesions, text: str, expected: list) -> None:
    assert [(lesion.site.region, lesion.site.laterality, lesion.procedure.kind) for lesion in lesions(text)] == expected


# -- "the tumor" names the lesion given a malignant diagnosis, also past a benign lesion sampled in between --
@pytest.mark.parametrize(
    "text, expected",
    [
        ("Indication: biopsy-proven SCC of the right forearm, 1.0 cm. She also asked about a 5 mm papule of the left temple, "
         "which had a shave biopsy first. The tumor was then excised with 4 mm margins and closed in layers, 3.5 cm.",
         [("forearm", "excision"), ("temple", "biopsy_tangential")]),
        ("Indication: melanoma in situ of the left shin. A 4 mm papule of the right arm had a shave biopsy first. "
         "The tumour was excised with 5 mm margins.", [("leg", "excision"), ("arm", "biopsy_tangential")]),
    ],
)
def test_the_tumor_is_the_lesion_with_a_malignant_diagnosis(lesions, text: str, expected: list) -> None:
    assert [(lesion.site.region, lesion.procedure.kind) for lesion in lesions(text)] == expected


# -- a site the note states raises no site query, also beside a verb that can prep an area ("shaved") --
@pytest.mark.parametrize(
    "text",
    [
        "PROCEDURE: Shave removal of skin tags.\n7 skin tags on the neck were shaved flush with a 15 blade.",
        "PROCEDURE: Removal of skin tags.\nSix skin tags of the right axilla were clipped off at the base.",
    ],
)
def test_a_stated_site_raises_no_site_query(coder, text: str) -> None:
    record = coder.code(text)
    assert [c.code for c in record.codes if c.system == "CPT"] == ["11200"]
    assert "query.site_missing" not in {q.rule for q in record.queries}
# -- skin-tag operative notes (GUIDELINES.md, twenty-third set): what each note is coded with -----------------
@pytest.mark.parametrize(
    ("text", "cpt"),
    [
        # a size with no site, in a sentence that names no lesion word of the tags, is the one treated lesion's
        # when the diagnosis lines leave the other lesion alone
        (
            "PREOPERATIVE DIAGNOSIS: 1. Inflamed seborrheic keratosis, right temple. 2. Skin tags, left neck.\n"
            "POSTOPERATIVE DIAGNOSIS: 1. Same. 2. Skin tags, left neck, not treated.\n"
            "PROCEDURE: Shave removal, right temple lesion.\n"
            "INDICATIONS: An itchy 7 mm lesion that catches on her glasses.\n"
            "DESCRIPTION: The lesion was shaved flush with a blade. The tags were left for another day.",
            [("11311", 1)],
        ),
        # positioning with "both" names no site, so the arms add no lesion (and no tag) to the count
        (
            "PROCEDURE: Excision of skin tags, neck and axillae.\nFINDINGS: 5 on the neck, 5 in the right axilla, 5 in the left axilla.\n"
            "DESCRIPTION: Supine with both arms abducted. All tags were excised with curved scissors.",
            [("11200", 1)],
        ),
        # numbered headings are no lesion list: 14 + 10 tags, not a total counted again
        (
            "1) Preoperative diagnosis: Acrochordons, neck and upper chest.\n2) Procedure: Excision of 24 skin tags.\n"
            "3) Findings: Neck 14; upper chest 10.\n4) Description: Each tag was excised with scissors.\n5) Specimens: None.",
            [("11200", 1), ("11201", 1)],
        ),
        # a Mohs service in the title and a Mohs case dictated separately add no Mohs to the tag removal
        (
            "MOHS AND DERMATOLOGIC SURGERY UNIT - PROCEDURE NOTE\nDIAGNOSIS: Skin tags, right axilla.\n"
            "PROCEDURE: Snip removal of skin tags, right axilla, five.\n"
            "INDICATIONS: He is between Mohs stages for a tumor of the nose documented separately.\n"
            "DISPOSITION: Back to the waiting room for the next Mohs stage.",
            [("11200", 1)],
        ),
        # two lesions named together at one site: the tags by count, the keratosis by its own size
        ("Shave removal of two skin tags and a 5 mm SK on the neck.", [("11200", 1), ("11305", 1)]),
        ("Three skin tags and a 6 mm irritated seborrheic keratosis on the left axilla were shaved off.", [("11200", 1), ("11301", 1)]),
        ("Shave removal of a 6 mm nevus and an 8 mm SK on the back.", [("11301", 2)]),
        # a keratosis snipped with the tags was removed whole, flush with the skin: a shave removal
        ("The tags and a 4 mm SK on the neck were snipped.", [("11200", 1), ("11305", 1)]),
        # ... but a diagnosis list without determiners is one lesion
        ("Shave removal of skin tags and seborrheic keratoses, neck.", [("11200", 1)]),
        # an inline numbered list is three lesions under the heading's shave removal
        (
            "Procedure: Shave removal, 3 lesions. 1) R cheek IDN 5 mm 2) L neck SK 8 mm 3) chest SK 12 mm.",
            [("11302", 1), ("11306", 1), ("11310", 1)],
        ),
    ],
)
def test_skin_tag_operative_notes(coder, text: str, cpt: list[tuple[str, int]]) -> None:
    record = coder.code(text)
    assert sorted((c.code, c.units) for c in record.codes if c.system == "CPT" and c.status == "suggested") == cpt


# -- a count written after each listed site ("right groin seven, left groin six", "neck (9), chest (4)"): the
# sites still stand in one list, so the diagnosis named with the first is each one's --
@pytest.mark.parametrize(
    "text",
    [
        "Skin tags removed with scissors: right axilla x 4, left axilla x 3.",
        "Procedure: Removal of skin tags, neck (9), chest (4).",
        "Removal of skin tags: right groin seven, left groin six, with iris scissors.",
        "Excision of skin tags - right axilla: 5, and left axilla: 6.",
    ],
)
def test_sites_listed_with_their_counts_share_the_diagnosis(lesions, text: str) -> None:
    found = lesions(text)
    assert len(found) == 2 and [lesion.diagnosis.kind if lesion.diagnosis else None for lesion in found] == ["skin_tag", "skin_tag"]

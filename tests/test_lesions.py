"""Lesion linking: facts grouped into one record per treated lesion."""

from __future__ import annotations

from decimal import Decimal

import pytest

from nlp.linking import find_markers


def lesions(pipeline, text: str):
    return pipeline(text)._.opnote_facts.lesions


def test_single_lesion_collects_its_facts(pipeline) -> None:
    text = (
        "PREOPERATIVE DIAGNOSIS: Rule out melanoma, left upper back.\n"
        "DESCRIPTION OF PROCEDURE: The 8 mm pigmented lesion of the left upper back was excised with 2 mm margins. "
        "The wound was closed in layers; final length 2.8 cm.\n"
        "PATHOLOGY: Compound dysplastic nevus with moderate atypia, margins clear."
    )
    (lesion,) = lesions(pipeline, text)
    assert lesion.site.region == "back" and lesion.site.laterality == "left"
    assert lesion.diagnosis.kind == "dysplastic_nevus" and lesion.diagnosis.source == "pathology"
    assert lesion.lesion_size.value_cm == Decimal("0.8")
    assert lesion.margin.value_cm == Decimal("0.2")
    assert lesion.closure.closure_class == "intermediate"
    assert lesion.repair_length.value_cm == Decimal("2.8")
    assert lesion.procedure.kind == "excision"


def test_two_numbered_lesions(pipeline) -> None:
    text = (
        "PROCEDURE: 1. Excision of 4 mm lesion, left cheek, with 1 mm margins. "
        "2. Excision of 1.2 cm cyst, upper back, with 2 mm margins, layered closure, 3.0 cm.\n"
        "PATHOLOGY: 1. Intradermal nevus. 2. Epidermoid cyst."
    )
    first, second = lesions(pipeline, text)
    assert (first.site.region, first.diagnosis.kind, first.lesion_size.value_cm) == ("cheek", "melanocytic_nevus", Decimal("0.4"))
    assert (second.site.region, second.diagnosis.kind, second.lesion_size.value_cm) == ("back", "epidermoid_cyst", Decimal("1.2"))
    assert first.closure is None
    assert second.closure.closure_class == "intermediate"


def test_lesion_hash_markers_and_lettered_pathology(pipeline) -> None:
    text = (
        "Lesion #1: right forearm, 6 mm, excised with 2 mm margins, simple closure.\n"
        "Lesion #2: left shin, 5 mm, excised with 1 mm margins, simple closure.\n"
        "PATHOLOGY: A. Seborrheic keratosis. B. Dermatofibroma."
    )
    first, second = lesions(pipeline, text)
    assert first.site.region == "forearm" and first.diagnosis.kind == "seborrheic_keratosis"
    assert second.site.region == "leg" and second.diagnosis.kind == "dermatofibroma"


def test_history_lesion_is_not_a_treated_lesion(pipeline) -> None:
    text = (
        "History of basal cell carcinoma of the nose in 2019. "
        "Today a 5 mm nevus of the right arm was excised with 1 mm margins."
    )
    (lesion,) = lesions(pipeline, text)
    assert lesion.site.region == "arm"
    assert lesion.diagnosis.kind == "melanocytic_nevus"


def test_prior_malignant_biopsy_is_flagged(pipeline) -> None:
    text = "Biopsy-proven BCC of the left cheek, 6 mm, excised with 3 mm margins."
    (lesion,) = lesions(pipeline, text)
    assert lesion.prior_malignant_biopsy
    assert lesion.diagnosis.kind == "bcc"


def test_pathology_pending(pipeline) -> None:
    text = "Suspicious 7 mm pigmented lesion of the left calf excised with 2 mm margins. Pathology pending."
    (lesion,) = lesions(pipeline, text)
    assert lesion.pathology_pending
    assert lesion.diagnosis is None or not lesion.diagnosis.certain


def test_final_pathology_beats_preoperative(pipeline) -> None:
    text = (
        "PREOPERATIVE DIAGNOSIS: Seborrheic keratosis, right temple.\n"
        "PROCEDURE: Excision, 5 mm lesion, 1 mm margins.\n"
        "PATHOLOGY: Basal cell carcinoma, nodular type."
    )
    (lesion,) = lesions(pipeline, text)
    assert lesion.diagnosis.kind == "bcc" and lesion.diagnosis.source == "pathology"


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("Lesion #1 on the arm. Lesion #2 on the leg.", [1, 2]),
        ("Specimen A: nevus. Specimen B: SK.", [1, 2]),
        ("PROCEDURE:\n1. Excision left arm.\n2. Excision right leg.", [1, 2]),
        ("The first lesion was on the arm; the second lesion on the leg.", [1, 2]),
        ("PROCEDURE: 1. Excision left arm.", []),  # one list item is not a multi-lesion note
        ("Lesion measured 1.2 cm.", []),
    ],
)
def test_markers(text: str, numbers: list[int]) -> None:
    assert [n for n, _, _ in find_markers(text, [])] == numbers


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Biopsy-proven BCC of the left nasal sidewall, 7 mm. She preferred excision to Mohs surgery. "
         "Excised with 3 mm margins.", "excision"),
        ("BCC of the nasal tip treated with Mohs surgery: stage 1, 3 blocks, clear. The defect was repaired.", "mohs"),
    ],
)
def test_mohs_offered_is_not_mohs_done(pipeline, text: str, kind: str) -> None:
    (lesion,) = lesions(pipeline, text)
    assert lesion.procedure.kind == kind


def test_numbered_procedure_list_of_one_lesion(pipeline) -> None:
    text = (
        "PROCEDURES: 1. Wide local excision of melanoma, right mid back, with 1 cm margins. "
        "2. Intermediate repair, 11.0 cm.\nDESCRIPTION: The biopsy scar measured 1.4 cm."
    )
    (lesion,) = lesions(pipeline, text)
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
]


@pytest.mark.parametrize("text, expected", FAMILY_FACTS)
def test_family_facts(pipeline, text: str, expected: tuple[str, str, str | None]) -> None:
    found = lesions(pipeline, text)
    assert found, "no treated lesion"
    region, kind, dx = expected
    first = found[0]
    assert (first.site.region if first.site else None, first.procedure.kind) == (region, kind)
    assert (first.diagnosis.kind if first.diagnosis else None) == dx
    assert all(lesion.procedure.kind == kind for lesion in found)


def test_drained_cysts_at_two_listed_sites_are_two_lesions(pipeline) -> None:
    text = FAMILY_FACTS[4].values[0]
    assert [lesion.site.laterality for lesion in lesions(pipeline, text)] == ["right", "left"]


def test_conditional_pathology_does_not_set_the_diagnosis(pipeline) -> None:
    text = (
        "Shave removal of a 7 mm papule of the left temple. We will re-excise if the pathology shows "
        "a melanoma.\nPathology: seborrheic keratosis."
    )
    (lesion,) = lesions(pipeline, text)
    assert lesion.diagnosis.kind == "seborrheic_keratosis"
    assert [d.kind for d in lesion.diagnoses] == ["seborrheic_keratosis"]


def test_a_closure_too_tight_to_do_is_not_the_closure(pipeline) -> None:
    text = "SCC L dorsal hand 1.4 cm excised with 4 mm margins; too tight for primary closure; FTSG placed."
    (lesion,) = lesions(pipeline, text)
    assert lesion.closure.closure_class == "graft"
    doc = pipeline(text)
    primary = [e for e in doc.ents if e.text == "primary closure"]
    assert primary and primary[0]._.is_negated


def test_a_donor_site_passing_mention_leaves_pathology_with_the_lesion(pipeline) -> None:
    text = (
        "A 1.1 cm SCC of the right cheek was excised with 4 mm margins. To spare the lower eyelid the defect "
        "was closed with a pedicle flap from the nasolabial fold. Pathology: squamous cell carcinoma, clear."
    )
    (lesion,) = lesions(pipeline, text)
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
    ],
)
def test_structures_the_excision_took_in(pipeline, text: str, involves: tuple[str, ...]) -> None:
    (lesion,) = lesions(pipeline, text)
    assert lesion.site.involves == involves


@pytest.mark.parametrize(
    "text",
    [
        "Mohs surgery of a BCC of the left nasal ala: no tumour was seen after the final stage.",
        "The BCC of the right temple was removed using the Mohs fresh tissue technique and excised in thin layers.",
        "Prior to each surgical stage the site was re-anesthetized; Mohs surgery of the left cheek BCC was then excised in layers.",
    ],
)
def test_mohs_done_wordings(pipeline, text: str) -> None:
    (lesion,) = lesions(pipeline, text)
    assert lesion.procedure.kind == "mohs"


# -- counted lesions: a number next to a site, before a diagnosis, or a note's total ---------------
@pytest.mark.parametrize(
    "text, counts",
    [
        ("Nine skin tags were snipped from the neck and four more from the left axilla, 13 in all.", {"neck": 9, "axilla": 4}),
        ("Dx: AKs x12 - scalp 8, L dorsal hand 4.\nTx: LN2, 2 cycles each.", {"scalp": 8, "hand": 4}),
        ("SITES: NECK 16; RIGHT AXILLA 7.\nPROCEDURE: REMOVAL OF SKIN TAGS BY SNIP EXCISION, 23 LESIONS.", {"neck": 16, "axilla": 7}),
        ("Counted 10 on the back and 6 on the chest, all typical seborrheic keratoses; liquid nitrogen to all 16.", {"back": 10, "chest": 6}),
        (
            "1. Actinic keratosis, right temple. 2. Seborrheic keratoses, left flank, x2.\n"
            "PROCEDURE: Destruction of 3 lesions with liquid nitrogen.",
            {"temple": 1, "flank": 2},
        ),
    ],
)
def test_counts_per_site(pipeline, text: str, counts: dict[str, int]) -> None:
    found = {lesion.site.region: lesion.count for lesion in lesions(pipeline, text)}
    assert found == counts


# -- misspellings of long procedure and diagnosis words still match ------------------------------
@pytest.mark.parametrize(
    "text, kind, dx",
    [
        ("Excison of a 1 cm epidermoid cyst, right shoulder. Path: epidermoid cyst.", "excision", "epidermoid_cyst"),
        ("Punch biospy of a 6 mm papule, left calf. Path: dermatofibroma.", "biopsy_punch", "dermatofibroma"),
        ("Liquid nitorgen to 3 itchy seborhheic keratoses of the back.", "destruction", "seborrheic_keratosis"),
    ],
)
def test_misspelled_words_still_match(pipeline, text: str, kind: str, dx: str) -> None:
    (lesion,) = lesions(pipeline, text)
    assert (lesion.procedure.kind, lesion.diagnosis.kind) == (kind, dx)


@pytest.mark.parametrize(
    "text, kind",
    [
        ("Shave removal, right forearm: 6 mm papule removed by deep shave (saucerization). Path: nevus.", "shave"),
        ("Proc: deep shave bx (saucerization) for dx of a 6 mm macule, R forearm. Path: nevus.", "biopsy_tangential"),
        ("Mohs, L nasal ala, BCC. Stg 1: 3 blks, + at blk 2. Stg 2: 1 blk, clear.", "mohs"),
    ],
)
def test_procedure_kind_wordings(pipeline, text: str, kind: str) -> None:
    (lesion,) = lesions(pipeline, text)
    assert lesion.procedure.kind == kind


def test_mohs_shorthand_stages_and_blocks(pipeline) -> None:
    (lesion,) = lesions(pipeline, "Mohs, L nasal ala, BCC. Stg 1: 3 blks, + at blk 2. Stg 2: 1 blk, clear.")
    assert (lesion.mohs_stages, lesion.mohs_blocks) == (2, (3, 1))


def test_an_earlier_excision_proves_the_cancer_of_a_re_excision(pipeline) -> None:
    text = (
        "Seen 9 days after excision of a squamous cell carcinoma of the left shin with a positive margin. "
        "The 3 cm scar was re-excised with 4 mm margins. Pathology: scar, no residual carcinoma."
    )
    (lesion,) = lesions(pipeline, text)
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
    ],
)
def test_only_the_lesion_site_makes_a_lesion(pipeline, text: str, region: str) -> None:
    assert [lesion.site.region for lesion in lesions(pipeline, text)] == [region]


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
        ("Excisional bx of a 6 mm irregular macule of the L dorsal forearm w/ 2 mm margins. Path: dysplastic nevus.", "excision"),
    ],
)
def test_the_procedure_done_today(pipeline, text: str, kind: str) -> None:
    (lesion,) = lesions(pipeline, text)
    assert lesion.procedure.kind == kind


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
def test_landmarks_adverbs_and_donors_make_no_lesion(pipeline, text: str, region: str) -> None:
    assert [lesion.site.region for lesion in lesions(pipeline, text)] == [region]


def test_a_lesion_size_is_not_a_lesion_number(pipeline) -> None:
    text = (
        "Procedures: (1) Excision of basal cell carcinoma, left nasal ala, lesion 9 mm, 3 mm margins. "
        "(2) Reconstruction with a melolabial interpolation flap.\nFinal pathology: basal cell carcinoma."
    )
    (lesion,) = lesions(pipeline, text)
    assert lesion.lesion_size.value_cm == Decimal("0.9") and lesion.closure.closure_class == "flap"


def test_a_positioning_verb_far_from_the_site_leaves_it_alone(pipeline) -> None:
    text = (
        "The first, on the right upper back, is a known epidermoid cyst that turned red and fluctuant four days ago; "
        "it measures 2.5 cm. It was incised and drained."
    )
    (lesion,) = lesions(pipeline, text)
    assert lesion.site.region == "back" and lesion.procedure.kind == "incision_drainage"


def test_organ_parts_and_gynecologic_curettage_are_not_skin(pipeline) -> None:
    text = (
        "OPERATION: 1. Dilatation and curettage. 2. Excision of a 1.2 cm pigmented nevus, inner right thigh.\n"
        "PROCEDURE: The polyp on the posterior lip of the cervix was excised. The thigh nevus was excised with 2 mm margins."
    )
    found = lesions(pipeline, text)
    assert [(lesion.site.region, lesion.procedure.kind) for lesion in found] == [("thigh", "excision")]


# -- real-dictation habits ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, laterality",
    [("Nevus on the Rt. upper back, 6 mm, excised. Path: nevus.", "right"), ("BCC of the L. cheek, 7 mm, excised. Path: BCC.", "left")],
)
def test_side_abbreviations_with_a_period(pipeline, text: str, laterality: str) -> None:
    (lesion,) = lesions(pipeline, text)
    assert lesion.site.laterality == laterality


def test_an_unnamed_layered_closure_with_a_suture_line_length(pipeline) -> None:
    text = (
        "Excision of a 1.8 cm epidermoid cyst, right upper back. The subcutaneous tissue was closed with 3-0 Vicryl "
        "and the skin with 4-0 nylon, leaving a suture line of 3.5 cm. Pathology: epidermoid cyst."
    )
    (lesion,) = lesions(pipeline, text)
    assert lesion.closure.closure_class == "intermediate" and lesion.repair_length.value_cm == Decimal("3.5")


def test_a_removal_word_in_the_history_is_not_todays_procedure(pipeline) -> None:
    text = (
        "INDICATIONS: , The cyst drained foul material twice last winter.,PROCEDURE: , Excision of a 2 cm epidermoid "
        "cyst of the right upper back with 1 mm margins.,PATHOLOGY: , Epidermoid cyst."
    )
    (lesion,) = lesions(pipeline, text)
    assert lesion.procedure.kind == "excision"


def test_the_report_diagnosis_field_and_the_addendum_win(pipeline) -> None:
    text = (
        "Excision of an 8 mm papule of the right calf with 2 mm margins.\n"
        "Pathology (preliminary): spindle-cell proliferation, favour dermatofibroma.\n"
        "ADDENDUM (4 days later): Diagnosis: basal cell carcinoma, morpheaform."
    )
    (lesion,) = lesions(pipeline, text)
    assert (lesion.diagnosis.kind, lesion.diagnosis.source) == ("bcc", "pathology")


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
def test_defect_graft_and_repair_measurements(pipeline, text: str, closure: str, repair_cm, area) -> None:
    (lesion,) = lesions(pipeline, text)
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
        # sent to pathology or waiting for it is not a pathology result
        (
            "A pyogenic granuloma of the left thigh, 0.7 cm, was excised. This nodule was submitted to pathology for "
            "confirmation of its histology as a pyogenic granuloma.",
            False, "clinical",
        ),
        ("Darkened mole of the scalp, pending pathology report. A 4 mm punch biopsy of the scalp mole was done.", False, "clinical"),
        ("A 4 mm punch biopsy of a scalp nevus was done; the pathology report is pending on the nevus.", False, "clinical"),
        ("A 4 mm punch biopsy of the scalp was done. Pathology showed a compound nevus.", False, "pathology"),
    ],
)
def test_proof_of_malignancy_and_pathology_source(pipeline, text: str, behaviour_proven: bool, source: str) -> None:
    found = lesions(pipeline, text)
    lesion = found[-1]
    assert lesion.prior_malignant_biopsy == behaviour_proven
    assert lesion.diagnosis.source == source


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
        # without an explicit statement the largest body size stays
        ("Excision of a 1.2 cm nevus of the left arm. The 0.8 cm nevus was excised with 2 mm margins.", "1.2"),
    ],
)
def test_which_lesion_size_counts(pipeline, text: str, size: str) -> None:
    (lesion,) = lesions(pipeline, text)
    assert lesion.lesion_size.value_cm == Decimal(size)

"""Which lesion a closure or size belongs to when its sentence also names a body part that is no lesion."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "text, closure_class",
    [
        # The flap's own sentence names only the body part it lies on, not the lesion.
        (
            "A 1.0 cm basal cell carcinoma of the left nasal ala was excised with 3 mm margins. "
            "The defect was reconstructed with a melolabial interpolation flap, leaving the pedicle bridging the cheek.",
            "flap",
        ),
        (
            "A 9 mm squamous cell carcinoma of the right temple was excised with 4 mm margins. "
            "The wound was closed with a rotation flap raised from the cheek.",
            "adjacent_tissue_transfer",
        ),
    ],
)
def test_a_closure_beside_another_body_part_closes_the_one_lesion(lesions, text: str, closure_class: str) -> None:
    (lesion,) = lesions(text)
    assert lesion.closure is not None and lesion.closure.closure_class == closure_class


def test_a_declined_flap_does_not_replace_the_closure_used(lesions) -> None:
    text = (
        "A 1.0 cm basal cell carcinoma of the nasal tip was excised with 3 mm margins. "
        "A paramedian forehead flap would match best, but she declined a pedicle across her forehead. "
        "We therefore used a full-thickness skin graft to close the defect."
    )
    (lesion,) = lesions(text)
    assert lesion.closure.closure_class == "graft"


def test_a_size_beside_a_passing_body_part_is_the_lesion_size(lesions) -> None:
    text = (
        "PROCEDURE: Excision of mass, left volar forearm.\n"
        "INDICATIONS: A 1.8 cm firm nodule that is tender when she rests her arm on the desk.\n"
        "DESCRIPTION: The nodule was dissected out intact and the skin closed with simple interrupted sutures.\n"
        "PATHOLOGY: Epidermoid cyst."
    )
    (lesion,) = lesions(text)
    assert lesion.site.region == "forearm"
    assert lesion.lesion_size is not None and str(lesion.lesion_size.value_cm) == "1.8"


def test_the_size_of_a_lesion_left_alone_is_not_borrowed(lesions) -> None:
    text = (
        "A cyst of the left upper back was excised and closed with simple interrupted sutures. Pathology: epidermoid cyst. "
        "A 6 mm seborrheic keratosis of the right arm was left alone."
    )
    (lesion,) = lesions(text)
    assert lesion.site.region == "back"
    assert lesion.lesion_size is None


@pytest.mark.parametrize(
    "text, sizes",
    [
        (
            "Two basal cell carcinomas, one on the left nasal sidewall measuring 7 mm and one on the right cheek "
            "measuring 5 mm, were excised with 3 mm margins.",
            {"nose": "0.7", "cheek": "0.5"},
        ),
        (
            "A 7 mm nevus on the left forearm and a 5 mm nevus on the right shin were excised with 2 mm margins.",
            {"forearm": "0.7", "leg": "0.5"},
        ),
    ],
)
def test_a_size_belongs_to_the_site_of_its_own_clause(lesions, text: str, sizes: dict[str, str]) -> None:
    found = {lesion.site.region: str(lesion.lesion_size.value_cm) for lesion in lesions(text)}
    assert found == sizes


def test_a_pathology_line_for_both_lesions_gives_each_its_diagnosis(lesions) -> None:
    text = (
        "A 7 mm lesion of the left nasal sidewall and a 5 mm lesion of the right cheek were excised with 3 mm margins. "
        "Pathology: both basal cell carcinoma, nodular, margins clear."
    )
    found = {lesion.site.region: (lesion.diagnosis.kind, lesion.diagnosis.source) for lesion in lesions(text)}
    assert found == {"nose": ("bcc", "pathology"), "cheek": ("bcc", "pathology")}


def test_attention_turned_to_a_site_moves_the_narrative_to_that_lesion(lesions) -> None:
    text = (
        "PROCEDURES: 1. Excision of left back nevus 2 cm. 2. Excision of right mid back nevus 1 cm.\n"
        "DESCRIPTION: Attention was first drawn to the left back. An elliptical incision was made and the skin closed "
        "in layers, 4.0 cm. Next, attention was turned to the mid back. The lesion was excised and the skin closed "
        "with simple interrupted sutures."
    )
    by_site = {lesion.site.text.lower(): lesion for lesion in lesions(text)}
    assert by_site["left back"].closure.closure_class == "intermediate"
    assert by_site["right mid back"].closure.closure_class == "simple"


def test_one_procedure_at_sites_listed_together_treats_each(lesions) -> None:
    text = "Worrisome skin lesions. A 3 mm punch biopsy was performed in the left calf and left thigh."
    found = {lesion.site.region: lesion.procedure.kind for lesion in lesions(text)}
    assert found == {"leg": "biopsy_punch", "thigh": "biopsy_punch"}


def _size(measure) -> str | None:
    return None if measure is None else str(measure.value_cm)


@pytest.mark.parametrize(
    "text, expected",
    [
        # numbered indication items that only size and describe a lesion are lesions, not steps
        (
            "Procedures: 1. Excision, right forearm. 2. Shave removal, left cheek.\n"
            "Indications: 1. 8 mm changing nevus. 2. 4 mm irritated papule.\n"
            "Pathology: (1) compound nevus. (2) seborrheic keratosis.",
            {"forearm": ("0.8", None), "cheek": ("0.4", None)},
        ),
        # a sentence naming no site is about the lesion that word was used for
        (
            "PROCEDURES: 1. Excision, left cheek. 2. Excision of cyst, upper back, intermediate repair.\n"
            "DESCRIPTION: At the cheek a 4 mm papule was excised and closed simply. The patient turned prone. "
            "The 2.0 cm cyst was removed through an ellipse and closed in layers, length 4.5 cm.",
            {"cheek": ("0.4", None), "back": ("2.0", "4.5")},
        ),
        (
            "PROCEDURES: 1. Excision of squamous cell carcinoma, left temple scalp. 2. Cryotherapy of actinic keratoses, scalp.\n"
            "FINDINGS: 1.2 cm crusted nodule of the left temple scalp. Scattered scaly papules on the scalp.\n"
            "PROCEDURE: The nodule was excised with 4 mm margins. The wound was closed in layers, length 4.0 cm. "
            "The actinic keratoses were then frozen.",
            {"scalp": ("1.2", "4.0"), "scalp2": (None, None)},
        ),
        # a "Location:" field names the lesion's site even beside a second lesion's site later
        (
            "MOHS SURGERY NOTE\nTumor: basal cell carcinoma\nLocation: left nasal ala\nPreop size: 0.8 cm\n"
            "Repair: intermediate, 1.8 cm.\nAlso: a 5 mm scaly papule of the right upper arm was shave biopsied.",
            {"nose": ("0.8", "1.8"), "arm": ("0.5", None)},
        ),
    ],
)
def test_facts_in_separate_lists_and_sentences_find_their_lesion(lesions, text: str, expected: dict) -> None:
    found: dict = {}
    for lesion in lesions(text):
        key = lesion.site.region if lesion.site.region not in found else lesion.site.region + "2"
        found[key] = (_size(lesion.lesion_size), _size(lesion.repair_length))
    assert found == expected


def test_a_sentence_naming_one_lesions_diagnosis_gives_it_the_size(lesions) -> None:
    text = (
        "PROCEDURES: 1. Electrodesiccation and curettage, biopsy-proven BCC, right upper back. "
        "2. Cryotherapy, actinic keratoses, right dorsal forearm.\n"
        "INDICATIONS: He has a 1.3 cm superficial basal cell carcinoma confirmed on shave biopsy last month."
    )
    sizes = {lesion.site.region: lesion.lesion_size for lesion in lesions(text)}
    assert str(sizes["back"].value_cm) == "1.3" and sizes["forearm"] is None


def test_a_more_precise_naming_of_the_same_site_is_the_same_lesion(lesions) -> None:
    text = (
        "PROCEDURE: Excision of subcutaneous mass, right upper arm. She has a mobile 2.4 cm mass of the right posterior "
        "upper arm, clinically a lipoma. The lipoma was removed intact from the subcutaneous fat. Pathology: lipoma."
    )
    (lesion,) = lesions(text)
    assert str(lesion.lesion_size.value_cm) == "2.4"


@pytest.mark.parametrize(
    "text, lengths",
    [
        (
            "Lesion A, the 1.0 cm papule of the left upper back, was excised with 2 mm margins and closed in layers, 3.0 cm. "
            "Lesion B, the 1.2 cm cyst of the right lower back, was excised and also closed in layers, 3.2 cm. "
            "Total layered repair 6.2 cm.",
            {"left": "3.0", "right": "3.2"},
        ),
        # the total as a labelled line, after the lesion's own items
        (
            "A. Left upper back: 1.0 cm nevus, excised with 2 mm margins; intermediate repair, 3.0 cm.\n"
            "B. Right lower back: 1.2 cm cyst, excised; intermediate repair, 3.4 cm.\n"
            "Total intermediate repair, trunk: 6.4 cm.",
            {"left": "3.0", "right": "3.4"},
        ),
        # a note's only length may be written as the total
        ("A 1.1 cm nevus of the left thigh was excised with 2 mm margins and closed in layers; total length 4.0 cm.", {"left": "4.0"}),
    ],
)
def test_a_stated_total_repair_is_not_a_lesions_own_length(lesions, text: str, lengths: dict[str, str]) -> None:
    found = {lesion.site.laterality: str(lesion.repair_length.value_cm) for lesion in lesions(text)}
    assert found == lengths

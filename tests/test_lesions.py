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

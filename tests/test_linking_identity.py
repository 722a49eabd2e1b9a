"""Lesion identity: one record per lesion treated, however often and however differently it is named.

Sites listed together under one procedure are one lesion each; the same lesion named with more,
fewer or reordered position words (or a digit by another of its names) is one lesion, while two
lesions the note tells apart stay two; a list item that only closes a wound belongs to the item
that excised at its site; a body part named in a review of systems, an exam line or a consent
list of risks is no lesion.  The snippets are invented.
"""

from __future__ import annotations

import pytest

from nlp.linking.clusters import position_words


def _size(measure) -> str | None:
    return None if measure is None else str(measure.value_cm)


@pytest.mark.parametrize(
    "text, expected",
    [
        # coordinated sides: "right and left cheek" is the right cheek and the left cheek
        (
            "PROCEDURE: Excision of basal cell carcinoma, right and left cheek, each 1.0 cm, with 4 mm margins.",
            [("cheek", "right", "bcc", "1.0"), ("cheek", "left", "bcc", "1.0")],
        ),
        (
            "A 1.2 cm epidermoid cyst of the left and right upper back was excised.",
            [("back", "left", "epidermoid_cyst", "1.2"), ("back", "right", "epidermoid_cyst", "1.2")],
        ),
    ],
)
def test_sites_listed_under_one_procedure_are_one_lesion_each(lesions, text: str, expected: list) -> None:
    found = [(lesion.site.region, lesion.site.laterality, lesion.diagnosis.kind if lesion.diagnosis else None, _size(lesion.lesion_size)) for lesion in lesions(text)]
    assert found == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        # the body adds a position word the title leaves out: still the title's second item, and its
        # measured size beats the title's ellipse; the hammertoe item (no lesion) is no record
        (
            "PREOPERATIVE DIAGNOSES: 1. Hammertoe, right second toe. 2. Ulcer of the right second toe medially. "
            "PROCEDURES: 1. Arthroplasty of the right second toe. 2. Excision of ulcer of the right second toe, 2.5 cm x 1 cm. "
            "DESCRIPTION: The lesion measured 0.8 cm in diameter and an ellipse was drawn on the medial aspect of the right "
            "second toe. It was excised and closed.",
            [("toe", "0.8", None)],
        ),
        # "lower cheek neck" in the diagnoses, "lower cheek upper neck" in the title, "upper neck" in the body
        (
            "DIAGNOSES: 1. Nevus of the right lower cheek neck region. 2. Seborrheic keratosis, left forehead. "
            "PROCEDURES: 1. Excision of the right lower cheek upper neck nevus 1.0 cm. 2. Excision, left forehead, 0.6 cm "
            "seborrheic keratosis. DESCRIPTION: The right upper neck lesion was also removed. It was excised down to the "
            "subcutaneous tissue and closed in two layers.",
            [("neck", "1.0", "intermediate"), ("forehead", "0.6", None)],
        ),
        # "Right lower back" and "right back lower" are one lesion, "Right back" another; the procedure
        # list's step item ("2. Layered closure") does not shift the diagnosis list's numbers
        (
            "POSTOPERATIVE DIAGNOSES: 1. Right back nevus, 1.5 cm. 2. Right lower back nevus, 0.8 cm. 3. Left arm nevus, "
            "0.5 cm. PROCEDURES: 1. Excision of right back 1.5 cm nevus. 2. Layered closure. 3. Excision of right back "
            "lower nevus 0.8 cm. 4. Excision of the third nevus, 0.5 cm, simple closure.",
            [("back", "1.5", "intermediate"), ("back", "0.8", None), ("arm", "0.5", "simple")],
        ),
        # upper and lower arm are two lesions, though both are "the left arm" later
        (
            "PROCEDURES: 1. Excision of nevus, left upper arm, 0.5 cm. 2. Excision of nevus, left lower arm, 0.7 cm. "
            "DESCRIPTION: Both were excised and the left arm wounds were closed simply.",
            [("arm", "0.5", None), ("arm", "0.7", None)],
        ),
        # the middle finger is the third finger
        (
            "There is a 4 mm wart on the anterior aspect of the right third finger. The wart of the right middle finger "
            "was frozen with liquid nitrogen.",
            [("finger", "0.4", None)],
        ),
        # a structure written right after a site of its region places the lesion on that site
        (
            "Location: left upper eyelid, central lid margin. Size: 5 mm. Procedure: shave biopsy; ?BCC.",
            [("eyelid", "0.5", None)],
        ),
        (
            "Right lower lip, vermilion: 4 mm scaly papule, ?SCC. Shave biopsy taken.",
            [("lip", "0.4", None)],
        ),
        # the index finger is not the third finger
        (
            "A 4 mm wart on the right index finger and a 3 mm wart on the right third finger were frozen with liquid nitrogen.",
            [("finger", "0.4", None), ("finger", "0.3", None)],
        ),
    ],
)
def test_one_lesion_however_it_is_named(lesions, text: str, expected: list) -> None:
    found = [(lesion.site.region, _size(lesion.lesion_size), lesion.closure.closure_class if lesion.closure else None) for lesion in lesions(text)]
    assert found == expected


def test_a_closure_item_belongs_to_the_item_that_excised_at_its_site(lesions) -> None:
    text = (
        "PROCEDURES: 1. Excision of basal cell carcinoma, right temple, 1.2 cm. 2. Excision of basal cell carcinoma, "
        "left temple, 1.0 cm. 3. Closure with rotation flap, right temple. 4. Closure, left temple, with advancement flap."
    )
    found = [(lesion.site.laterality, _size(lesion.lesion_size), lesion.closure.closure_class if lesion.closure else None) for lesion in lesions(text)]
    assert found == [("right", "1.2", "adjacent_tissue_transfer"), ("left", "1.0", "adjacent_tissue_transfer")]


@pytest.mark.parametrize(
    "text, regions",
    [
        # review-of-systems and exam body parts take no share of the visit's destruction
        (
            "S: Cough for two weeks, he feels it in his chest. Runny nose. O: Neck is supple. There is a 4 mm wart on the "
            "left index finger. P: I froze the wart with liquid nitrogen today.",
            ["finger"],
        ),
        # a body part the positioning names ("a pillow between the knees") is not one of the destroyed lesions
        (
            "PROCEDURE: Laser ablation of superficial basal cell carcinoma, left flank, 2.0 cm. The patient was placed on "
            "his side with a pillow between the knees. The tumor was ablated in three passes.",
            ["flank"],
        ),
        (
            "PROCEDURE: Cryotherapy of actinic keratosis, left forearm. A chux pad was put under his flank. "
            "The lesion was frozen with liquid nitrogen.",
            ["forearm"],
        ),
    ],
)
def test_a_body_part_named_in_passing_is_no_lesion(lesions, text: str, regions: list[str]) -> None:
    assert [lesion.site.region for lesion in lesions(text)] == regions


@pytest.mark.parametrize(
    "word, positions",
    [
        ("medial", {"medial"}),
        ("medially", {"medial"}),
        ("plantolateral", {"plantar", "lateral"}),
        ("plantolaterally", {"plantar", "lateral"}),
        ("anteromedial", {"anterior", "medial"}),
        ("only", set()),
        ("cheek", set()),
    ],
)
def test_position_words(word: str, positions: set[str]) -> None:
    assert position_words(word) == positions

"""Which lesion a closure belongs to when the sentence that names it also names another body part."""

from __future__ import annotations

import pytest


def lesions(pipeline, text: str):
    return pipeline(text)._.opnote_facts.lesions


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
def test_a_closure_beside_another_body_part_closes_the_one_lesion(pipeline, text: str, closure_class: str) -> None:
    (lesion,) = lesions(pipeline, text)
    assert lesion.closure is not None and lesion.closure.closure_class == closure_class


def test_a_declined_flap_does_not_replace_the_closure_used(pipeline) -> None:
    text = (
        "A 1.0 cm basal cell carcinoma of the nasal tip was excised with 3 mm margins. "
        "A paramedian forehead flap would match best, but she declined a pedicle across her forehead. "
        "We therefore used a full-thickness skin graft to close the defect."
    )
    (lesion,) = lesions(pipeline, text)
    assert lesion.closure.closure_class == "graft"

"""How surgeons write wound lengths, lesion sizes and margins: one row per wording.

The rows were written from common operative-note phrasing (not from the gold test split), so
that the measurement rules are tuned on wording variety rather than on particular notes.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from nlp.pipeline.measurements import parse_measurements
from nlp.pipeline.sections import SectionFinder, load_section_rules

_SECTIONS = SectionFinder(load_section_rules())


def kinds(text: str) -> list[tuple[str, Decimal]]:
    """Kinds as the pipeline sees them: with the note's sections ("Closure: layered, 4 cm")."""
    return [(p.kind, p.value_cm) for p in parse_measurements(text, sections=_SECTIONS.find(text))]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("The final wound measured 3.2 cm in length.", "3.2"),
        ("The wound was closed in layers, resulting in a 4.5 cm linear repair.", "4.5"),
        ("A 6 cm intermediate repair was performed.", "6"),
        ("After closure the incision measured 5 cm.", "5"),
        ("Repair: intermediate, 3.1 cm.", "3.1"),
        ("Length of repair: 2.4 cm.", "2.4"),
        ("3.5 cm layered closure.", "3.5"),
        ("After the standing cones were removed the wound was 4.2 cm long.", "4.2"),
        ("Total length of closure 7 cm.", "7"),
        ("A 5.2-cm closure was performed.", "5.2"),
        ("The wound was closed in layers over a length of 3 cm.", "3"),
        ("Sutured length 2.9 cm.", "2.9"),
        ("The skin was closed with running 4-0 nylon, for a total repair of 8.5 cm with a layered closure.", "8.5"),
        ("Closure: layered, 4.0 cm.", "4.0"),
        ("Complex repair (free margin of the vermilion), length 1.8 cm.", "1.8"),
        ("Intermediate repair 2.5 cm.", "2.5"),
        ("Layered closure of a 6.5 cm wound.", "6.5"),
        ("The resulting 3.8 cm wound was closed in two layers.", "3.8"),
        ("Final length 10.0 cm.", "10.0"),
        ("The wound, 4 cm in length, was closed with deep sutures.", "4"),
        ("It was closed primarily in layers; repair length 2.2 cm.", "2.2"),
        ("Layered closure, final length 5.5 cm.", "5.5"),
        ("closed w/ 4-0 Monocryl deep and 5-0 nylon, total length 3.3 cm", "3.3"),
        ("The linear repair measured 4.1 cm.", "4.1"),
        ("The closure measured 25 mm.", "2.5"),
        # the scar the closure leaves is the closed wound, not a re-excised scar
        ("Closed with buried 5-0 and running 6-0 sutures, leaving a scar 2.6 cm long.", "2.6"),
        ("The resulting linear scar measured 3.1 cm.", "3.1"),
        # the wound after curettage, set off by commas, is no lesion size
        ("The defect, now roughly 1.4 cm across, was left to granulate.", "1.4"),
    ],
)
def test_wound_lengths(text: str, value: str) -> None:
    assert ("wound_length", Decimal(value)) in kinds(text), kinds(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("An 8 mm pigmented papule of the left arm.", "0.8"),
        ("The nodule measured approximately 1.1 x 0.9 cm.", "1.1"),
        ("Size: 6 mm.", "0.6"),
        ("On examination it measures 0.7 cm.", "0.7"),
        ("Lesion diameter 1.3 cm.", "1.3"),
        ("The biopsy scar measured 1.2 cm.", "1.2"),
        ("A 5mm lesion was marked.", "0.5"),
        ("There is a 2.8 cm subcutaneous cyst at the scalp vertex.", "2.8"),
        ("A keratotic nodule 8 mm across.", "0.8"),
        ("THE LESION, A PLAQUE MEASURING NINE MILLIMETERS ACROSS, WAS OUTLINED.", "0.9"),
        # a list of describing words between the size and the lesion noun
        ("Clinical description: 1.2 cm crusted, stuck-on, waxy papule; itchy.", "1.2"),
        ("On the left cheek there is a 7 mm pink, pearly, telangiectatic papule.", "0.7"),
        ("FINDINGS: 2.2 CM TENSE, ERYTHEMATOUS, FLUCTUANT NODULE OF THE SCALP.", "2.2"),
        ("There is a 3 cm fluctuant, red, tender nodule with a central punctum.", "3"),
        # a dome or a patch is the lesion too
        ("Raised 5mm skin-colored dome on the nape, present for years.", "0.5"),
        ("a 2.4 x 1.1 cm scaly red patch of the shin", "2.4"),
    ],
)
def test_lesion_sizes(text: str, value: str) -> None:
    assert ("lesion_size", Decimal(value)) in kinds(text), kinds(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("The lesion was excised with 2 mm margins.", "0.2"),
        ("A 2-mm margin was marked.", "0.2"),
        ("A margin of 3 mm was drawn.", "0.3"),
        ("Margins of 1 to 2 mm were taken.", "0.1"),
        ("It was excised with a 4 mm rim of normal skin.", "0.4"),
        ("0.5 cm margins all around.", "0.5"),
        ("Exc w/ 3 mm margins, depth to nasalis.", "0.3"),  # a plane named after the margin is no depth measurement
        ("Excised with 4 mm margins and carried to a depth of the fascia.", "0.4"),
    ],
)
def test_margins(text: str, value: str) -> None:
    assert ("margin", Decimal(value)) in kinds(text), kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "Breslow depth 0.6 mm.",
        "The edges were undermined for 1.5 cm.",
        "The defect measured 2.3 cm at its widest point.",
        "Closest margin 1.5 mm.",
    ],
)
def test_not_lesion_or_wound(text: str) -> None:
    assert all(kind not in ("lesion_size", "wound_length") for kind, _ in kinds(text)), kinds(text)


# -- lengths listed after one cue: each cue window stops at the next measurement, so the later
# -- items of the list (with no cue of their own) take the first one's kind -------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Closed lengths: A 4.0 cm, B 3.0 cm.", [("wound_length", "4.0"), ("wound_length", "3.0")]),
        ("Repair lengths 2.5 cm; 3.5 cm; 1.5 cm.", [("wound_length", "2.5"), ("wound_length", "3.5"), ("wound_length", "1.5")]),
        ("Margins of 2 mm, 3 mm.", [("margin", "0.2"), ("margin", "0.3")]),
        ("Specimens: (1) 1.2 cm ellipse, (2) 0.8 cm.", [("specimen_size", "1.2"), ("specimen_size", "0.8")]),
        # an item with a cue of its own keeps it
        ("Repair length 3.1 cm, 2 mm from the lid margin.", [("wound_length", "3.1"), ("other", "0.2")]),
        # a lower-case "a" is the article, not an item letter
        ("Final length 3.0 cm, a 2 cm strip of skin.", [("wound_length", "3.0"), ("other", "2")]),
    ],
)
def test_a_list_of_lengths_shares_the_first_ones_kind(text: str, expected: list[tuple[str, str]]) -> None:
    assert kinds(text) == [(kind, Decimal(value)) for kind, value in expected]


# -- an export that lost its line breaks: a field label ("Margin:", "Dressing:") written right
# -- after the previous field's value starts a new field, so a cue after it does not reach back ---
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Site: right calf Lesion size: 0.8 cm Margin: 3 mm Consent: verbal", [("lesion_size", "0.8"), ("margin", "0.3")]),
        ("Closure: layered Repair length: 4.2 cm Dressing: pressure bandage", [("wound_length", "4.2")]),
        ("Closure: layered, 4-0 Vicryl deep Repair length: 2.9 cm Drain: none", [("wound_length", "2.9")]),
        # a label written in capitals or in title case is one label, not two
        ("EXCISED DIAMETER: 2.0 CM.", [("excised_diameter", "2.0")]),
        ("Lesion Diameter: 1.1 cm", [("lesion_size", "1.1")]),
        ("PREOP SIZE: 1.2 x 1.0 cm, POSTOP SIZE: 2.0 x 1.7 cm", [("lesion_size", "1.2"), ("defect_area", "3.40")]),
    ],
)
def test_run_on_field_labels_end_a_field(text: str, expected: list[tuple[str, str]]) -> None:
    assert kinds(text) == [(kind, Decimal(value)) for kind, value in expected]

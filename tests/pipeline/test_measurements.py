"""Measurements: snippet -> what was measured, its exact value in centimetres, and its text.

The tables read as the specification of ``nlp.pipeline.measurements``.  Values are written as
strings and compared as ``Decimal``, so ``Decimal("1.0") == Decimal("1")`` and no float ever
enters the comparison.
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.tokens import Doc

from nlp.errors import RuleFileError
from nlp.pipeline import measurements as m
from nlp.pipeline.measurements import (
    GRAMMAR_RULES,
    LABELS,
    ParsedMeasurement,
    load_measurement_rules,
    parse_measurements,
    to_measure,
)
from nlp.pipeline.tokenizer import make_blank_pipeline
from nlp.records import Measure


def only(snippet: str, **kwargs) -> ParsedMeasurement:
    found = parse_measurements(snippet, **kwargs)
    assert len(found) == 1, [p.text for p in found]
    return found[0]


def D(value: str) -> Decimal:
    return Decimal(value)


# --------------------------------------------------------------------------------------------
# Units, numbers and shapes: snippet -> (text, value_cm, dimensions, unit_norm, rule)
# --------------------------------------------------------------------------------------------
UNITS = [
    # centimetres
    ("0.5 cm", "0.5 cm", "0.5", ["0.5"], "cm", "meas.single_cm"),
    ("0.5cm", "0.5cm", "0.5", ["0.5"], "cm", "meas.single_cm"),
    ("2 cm.", "2 cm", "2", ["2"], "cm", "meas.single_cm"),
    ("2.5 CM", "2.5 CM", "2.5", ["2.5"], "cm", "meas.single_cm"),
    ("3 centimeters", "3 centimeters", "3", ["3"], "cm", "meas.single_cm"),
    ("1 centimetre", "1 centimetre", "1", ["1"], "cm", "meas.single_cm"),
    ("a 3-cm incision", "3-cm", "3", ["3"], "cm", "meas.single_cm"),
    # millimetres
    ("5 mm", "5 mm", "0.5", ["0.5"], "mm", "meas.single_mm"),
    ("5mm", "5mm", "0.5", ["0.5"], "mm", "meas.single_mm"),
    ("2 millimeters", "2 millimeters", "0.2", ["0.2"], "mm", "meas.single_mm"),
    ("2-mm margin", "2-mm", "0.2", ["0.2"], "mm", "meas.single_mm"),
    # inches (2.54 cm exactly)
    ("2 inches", "2 inches", "5.08", ["5.08"], "in", "meas.single_in"),
    ("1 inch", "1 inch", "2.54", ["2.54"], "in", "meas.single_in"),
    ("2 in.", "2 in.", "5.08", ["5.08"], "in", "meas.single_in"),
    ('a 2" lesion', '2"', "5.08", ["5.08"], "in", "meas.single_in"),
    ("1/2 inch", "1/2 inch", "1.27", ["1.27"], "in", "meas.single_in"),
    ("26-1/4 inches", "26-1/4 inches", "66.675", ["66.675"], "in", "meas.single_in"),
    # no leading zero
    (".5 cm", ".5 cm", "0.5", ["0.5"], "cm", "meas.single_cm"),
    ("a .8cm nevus", ".8cm", "0.8", ["0.8"], "cm", "meas.single_cm"),
    # fractions
    ("3 1/2 cm", "3 1/2 cm", "3.5", ["3.5"], "cm", "meas.single_cm"),
    # numbers in words
    ("five millimeters", "five millimeters", "0.5", ["0.5"], "mm", "meas.words_mm"),
    ("one centimeter", "one centimeter", "1", ["1"], "cm", "meas.words_cm"),
    ("one and a half centimeters", "one and a half centimeters", "1.5", ["1.5"], "cm", "meas.words_cm"),
    ("one and one-half centimeters", "one and one-half centimeters", "1.5", ["1.5"], "cm", "meas.words_cm"),
    ("half a centimeter", "half a centimeter", "0.5", ["0.5"], "cm", "meas.words_cm"),
    ("one-half inch", "one-half inch", "1.27", ["1.27"], "in", "meas.words_in"),
    ("two-millimeter margins", "two-millimeter", "0.2", ["0.2"], "mm", "meas.words_mm"),
    ("twenty-five millimeters", "twenty-five millimeters", "2.5", ["2.5"], "mm", "meas.words_mm"),
    ("fifteen mm", "fifteen mm", "1.5", ["1.5"], "mm", "meas.words_mm"),
    ("a centimeter margin", "a centimeter", "1", ["1"], "cm", "meas.words_cm"),
    # dimensions: the greatest one is the value
    ("1.2 x 0.8 cm", "1.2 x 0.8 cm", "1.2", ["1.2", "0.8"], "cm", "meas.dims_cm"),
    ("0.8 x 1.2 cm", "0.8 x 1.2 cm", "1.2", ["0.8", "1.2"], "cm", "meas.dims_cm"),
    ("1.2 cm x 0.8 cm", "1.2 cm x 0.8 cm", "1.2", ["1.2", "0.8"], "cm", "meas.dims_cm"),
    ("1.2x0.8cm", "1.2x0.8cm", "1.2", ["1.2", "0.8"], "cm", "meas.dims_cm"),
    ("1.2cmx0.8cm", "1.2cmx0.8cm", "1.2", ["1.2", "0.8"], "cm", "meas.dims_cm"),
    ("12x8mm", "12x8mm", "1.2", ["1.2", "0.8"], "mm", "meas.dims_mm"),
    ("1.2 by 0.8 cm", "1.2 by 0.8 cm", "1.2", ["1.2", "0.8"], "cm", "meas.dims_cm"),
    ("18cm by 16cm", "18cm by 16cm", "18", ["18", "16"], "cm", "meas.dims_cm"),
    ("1.5 X 2.0 CM", "1.5 X 2.0 CM", "2.0", ["1.5", "2.0"], "cm", "meas.dims_cm"),
    ("1.2 cm. x 0.8 cm.", "1.2 cm. x 0.8 cm", "1.2", ["1.2", "0.8"], "cm", "meas.dims_cm"),
    ("2.1 x 0.8 x 0.4 cm", "2.1 x 0.8 x 0.4 cm", "2.1", ["2.1", "0.8", "0.4"], "cm", "meas.dims_cm"),
    ("4 cm x 3 cm x 2 cm", "4 cm x 3 cm x 2 cm", "4", ["4", "3", "2"], "cm", "meas.dims_cm"),
    ("1.5 in x 2 in", "1.5 in x 2 in", "5.08", ["3.81", "5.08"], "in", "meas.dims_in"),
    # ranges (not a margin: the greatest number)
    ("1-2 mm", "1-2 mm", "0.2", ["0.1", "0.2"], "mm", "meas.range_mm"),
    ("1 - 2 mm", "1 - 2 mm", "0.2", ["0.1", "0.2"], "mm", "meas.range_mm"),
    ("1 to 2 mm", "1 to 2 mm", "0.2", ["0.1", "0.2"], "mm", "meas.range_mm"),
    ("1.5-2.0 cm", "1.5-2.0 cm", "2.0", ["1.5", "2.0"], "cm", "meas.range_cm"),
    ("1cm-2cm", "1cm-2cm", "2", ["1", "2"], "cm", "meas.range_cm"),
    ("2 to 3-cm incision", "2 to 3-cm", "3", ["2", "3"], "cm", "meas.range_cm"),
    ("1 cm to 12 mm", "1 cm to 12 mm", "1.2", ["1", "1.2"], "mm", "meas.range_mixed"),
    ("between 1 and 2 mm", "1 and 2 mm", "0.2", ["0.1", "0.2"], "mm", "meas.range_mm"),
    ("3-1/2-4 mm", "3-1/2-4 mm", "0.4", ["0.35", "0.4"], "mm", "meas.range_mm"),
    ("two to three millimeters", "two to three millimeters", "0.3", ["0.2", "0.3"], "mm", "meas.range_mm"),
    # areas (square centimetres)
    ("3.0 sq cm", "3.0 sq cm", "3.0", ["3.0"], "cm2", "meas.area_cm2"),
    ("3.0cm2", "3.0cm2", "3.0", ["3.0"], "cm2", "meas.area_cm2"),
    ("3 cm2", "3 cm2", "3", ["3"], "cm2", "meas.area_cm2"),
    ("3 cm^2", "3 cm^2", "3", ["3"], "cm2", "meas.area_cm2"),
    ("3 cm²", "3 cm²", "3", ["3"], "cm2", "meas.area_cm2"),
    ("3 square centimeters", "3 square centimeters", "3", ["3"], "cm2", "meas.area_cm2"),
    ("10 sq. cm.", "10 sq. cm", "10", ["10"], "cm2", "meas.area_cm2"),
    ("4 cm sq", "4 cm sq", "4", ["4"], "cm2", "meas.area_cm2"),
    ("100 sq mm", "100 sq mm", "1", ["1"], "mm2", "meas.area_mm2"),
    ("250 mm2", "250 mm2", "2.5", ["2.5"], "mm2", "meas.area_mm2"),
    ("1 sq in", "1 sq in", "6.4516", ["6.4516"], "in2", "meas.area_in2"),
    ("8-10 sq cm", "8-10 sq cm", "10", ["8", "10"], "cm2", "meas.area_cm2"),
    ("defect 9 + 6.5 sq cm", "9 + 6.5 sq cm", "15.5", ["15.5"], "cm2", "meas.area_cm2"),  # parts added up
    ("4 plus 3 cm2", "4 plus 3 cm2", "7", ["7"], "cm2", "meas.area_cm2"),
]


@pytest.mark.parametrize(("snippet", "text", "value", "dims", "unit", "rule"), UNITS, ids=[r[0] for r in UNITS])
def test_units_numbers_and_shapes(snippet, text, value, dims, unit, rule):
    p = only(snippet)
    assert (p.text, p.value_cm, p.dimensions, p.unit_norm, p.rule) == (text, D(value), tuple(D(d) for d in dims), unit, rule)
    assert snippet[p.start : p.end] == p.text
    assert isinstance(p.value_cm, Decimal) and all(isinstance(d, Decimal) for d in p.dimensions)
    assert p.rule in GRAMMAR_RULES
    assert p.is_area == unit.endswith("2")
    assert p.is_range == (".range_" in rule or (rule.startswith("meas.area") and "-" in text))


# --------------------------------------------------------------------------------------------
# Not measurements
# --------------------------------------------------------------------------------------------
NOT_MEASUREMENTS = [
    "closed with 4-0 nylon",
    "5-0 Prolene",
    "6-0 cm",  # a suture size glued to a unit is still not a range
    "10-0 nylon",
    "1% lidocaine with epinephrine 1:100,000",
    "a #15 blade",
    "frozen section x 2",
    "frozen section x2",
    "10 mL of 1% lidocaine",
    "5 mg",
    "6 cc",
    "blood pressure 60-70 mmHg",
    "3.5 mm Hg",
    "2 cm H2O",
    "seen on 12/08/2019 at 3:30 pm",
    "an 81-year-old man",
    "4 x 4 gauze",
    "2 in the morning",
    "1 in 10 patients",
    "1,000 mm",
    "C5-6",
    "5 mm3",
    "level 2 in situ",
]


@pytest.mark.parametrize("snippet", NOT_MEASUREMENTS)
def test_not_measurements(snippet):
    assert parse_measurements(snippet) == []


def test_count_after_a_measurement_is_not_a_dimension():
    p = only("excised 2 cm x 2")
    assert (p.text, p.dimensions) == ("2 cm", (D("2"),))


# --------------------------------------------------------------------------------------------
# What was measured: snippet -> (kind, value_cm, text)
# --------------------------------------------------------------------------------------------
KINDS = [
    # margin (per side); a margin range codes at its narrowest
    ("The lesion was excised with 2 mm margins.", "margin", "0.2", "2 mm"),
    ("taken with a margin of 2 mm", "margin", "0.2", "2 mm"),
    ("a 2-mm margin", "margin", "0.2", "2-mm"),
    ("margins of 1-2 mm", "margin", "0.1", "1-2 mm"),
    ("margins of 1 to 2 mm", "margin", "0.1", "1 to 2 mm"),
    ("with margins of 3 to 4 mm", "margin", "0.3", "3 to 4 mm"),
    ("a 1.5-2.0 cm margin", "margin", "1.5", "1.5-2.0 cm"),
    ("excised with a 3 mm rim of normal skin", "margin", "0.3", "3 mm"),
    ("with two-millimeter margins", "margin", "0.2", "two-millimeter"),
    ("excised with five millimeter margins", "margin", "0.5", "five millimeter"),
    ("0.2 cm margin all around", "margin", "0.2", "0.2 cm"),
    # a distance all round the lesion or scar is a margin per side; undermining all round is not
    ("The ellipse was marked 5 mm beyond the scar in all directions.", "margin", "0.5", "5 mm"),
    ("Outlined 3 mm circumferentially around the biopsy scar.", "margin", "0.3", "3 mm"),
    ("taking 2 mm on all sides of the plaque", "margin", "0.2", "2 mm"),
    ("Wide undermining in the subgaleal plane, 4 cm circumferentially", "other", "4", "4 cm"),
    ("The edges were undermined 1 cm in all directions.", "other", "1", "1 cm"),
    # a margin written with no margin word: "all around", "circumferential", a "rim" or "cuff"
    ("Surgical clearance 5 mm all around was marked.", "margin", "0.5", "5 mm"),
    ("Margin? 3 mm circumferential.", "margin", "0.3", "3 mm"),
    ("Taken with a 2 mm rim down to fat.", "margin", "0.2", "2 mm"),
    ("The edges were undermined 1 cm all around.", "other", "1", "1 cm"),
    ("Histologic clearance 1.5 mm at the deep edge.", "other", "0.15", "1.5 mm"),
    ("Undermined 2 cm circumferentially.", "other", "2", "2 cm"),
    # a wound length told before the undermining that made it possible; a "final line"
    ("Intermediate repair, 2.8 cm after undermining along the crease.", "wound_length", "2.8", "2.8 cm"),
    ("Skin 5-0 nylon, final line 3.6 cm.", "wound_length", "3.6", "3.6 cm"),
    # a checklist's question and its answer are one sentence for the cue
    ("Q: Lesion size pre-op? A: 9 mm.", "lesion_size", "0.9", "9 mm"),
    ("Q: Final wound? A: 4.5 cm.", "wound_length", "4.5", "4.5 cm"),
    # a diameter sign before the size
    ("Ø 8 mm firm papule, excised.", "lesion_size", "0.8", "8 mm"),
    ("The edges were undermined 1 cm circumferentially around the scar.", "other", "1", "1 cm"),
    # excised diameter
    ("Excised diameter 1.4 cm.", "excised_diameter", "1.4", "1.4 cm"),
    ("for a total excised diameter of 1.2 cm", "excised_diameter", "1.2", "1.2 cm"),
    ("The lesion with margins measured 1.2 cm.", "excised_diameter", "1.2", "1.2 cm"),
    ("1.4 cm diameter including margins", "excised_diameter", "1.4", "1.4 cm"),
    # wound length
    ("Final wound length 3.2 cm.", "wound_length", "3.2", "3.2 cm"),
    ("The wound measured 3.5 cm after closure.", "wound_length", "3.5", "3.5 cm"),
    ("closed in layers for a total length of 3.2 cm", "wound_length", "3.2", "3.2 cm"),
    ("repair length 2.6 cm", "wound_length", "2.6", "2.6 cm"),
    ("Total repair length: 4.5 cm", "wound_length", "4.5", "4.5 cm"),
    ("Closed in layers. Lenght 3.1 cm.", "wound_length", "3.1", "3.1 cm"),  # a misspelt length label
    ("a 3.2 cm layered closure", "wound_length", "3.2", "3.2 cm"),
    ("the defect measuring 1.8 cm", "wound_length", "1.8", "1.8 cm"),
    ("an incision measuring 4 cm", "wound_length", "4", "4 cm"),
    ("A 3-cm horizontal incision was made", "wound_length", "3", "3-cm"),
    # specimen size
    ("The specimen measures 3.0 x 1.2 cm.", "specimen_size", "3.0", "3.0 x 1.2 cm"),
    ("An ellipse of skin measuring 2.1 x 0.8 cm was excised.", "specimen_size", "2.1", "2.1 x 0.8 cm"),
    ("Received in formalin is a 2.1 x 0.8 x 0.4 cm ellipse of skin.", "specimen_size", "2.1", "2.1 x 0.8 x 0.4 cm"),
    ("Gross: 1.5 x 0.6 x 0.3 cm", "specimen_size", "1.5", "1.5 x 0.6 x 0.3 cm"),
    ("the excised ellipse measuring 2.1 x 0.8 cm", "specimen_size", "2.1", "2.1 x 0.8 cm"),
    # defect area
    ("the resulting defect of 8 sq cm", "defect_area", "8", "8 sq cm"),
    ("a defect of 3 cm2", "defect_area", "3", "3 cm2"),
    ("100 sq mm", "defect_area", "1", "100 sq mm"),
    # a defect, graft or undermined area written as two dimensions is length x width, never the
    # closed repair length (GUIDELINES: WOUND_LENGTH is the final closed length)
    ("the defect measuring 1.5 cm x 1.8 cm", "defect_area", "2.70", "1.5 cm x 1.8 cm"),
    ("final defect 1.8 x 1.5 cm with two layer plastic closure", "defect_area", "2.70", "1.8 x 1.5 cm"),
    ("The defect after excision is 1.5 cm x 1.8 cm.", "defect_area", "2.70", "1.5 cm x 1.8 cm"),
    ("The resulting defect was 2.0 x 1.5 cm.", "defect_area", "3.00", "2.0 x 1.5 cm"),
    ("leaving a 15 x 20 mm defect", "defect_area", "3.00", "15 x 20 mm"),
    ("a 3 x 4 cm elliptical skin graft was taken", "defect_area", "12", "3 x 4 cm"),
    ("a full-thickness skin graft measuring 2 x 3 cm", "defect_area", "6", "2 x 3 cm"),
    # a size after the graft's donor site is the graft's
    ("repaired with a skin graft taken from the right postauricular skin, 2.0 x 1.5 cm", "defect_area", "3.00", "2.0 x 1.5 cm"),
    ("total undermined area 18 centimeters by 16 centimeters", "defect_area", "288", "18 centimeters by 16 centimeters"),
    ("the total undermined area being approximately 18cm by 16cm", "defect_area", "288", "18cm by 16cm"),
    ("the final defect measured 2.4 cm", "wound_length", "2.4", "2.4 cm"),  # one length stays a length
    ("The wound measured 3 x 2 cm", "wound_length", "3", "3 x 2 cm"),  # a wound is not a defect word
    # lesion size
    ("a 4 mm nevus", "lesion_size", "0.4", "4 mm"),
    ("The lesion measuring 0.6 cm was marked.", "lesion_size", "0.6", "0.6 cm"),
    ("a pigmented nevus measuring 1.2 x 0.8 cm", "lesion_size", "1.2", "1.2 x 0.8 cm"),
    ("Size: 5 mm", "lesion_size", "0.5", "5 mm"),
    ("Lesion size 0.4 cm", "lesion_size", "0.4", "0.4 cm"),
    ("Left back skin nevus 2 cm.", "lesion_size", "2", "2 cm"),
    ("a 0.5 cm SK", "lesion_size", "0.5", "0.5 cm"),
    ("a 2 cm lipoma", "lesion_size", "2", "2 cm"),
    ("an epidermal inclusion cyst, 1.5 cm", "lesion_size", "1.5", "1.5 cm"),
    ("the mole is about 6 mm in diameter", "lesion_size", "0.6", "6 mm"),
    # other: depths, distances, tools, volumes of nothing we code
    ("Breslow depth 0.4 mm", "other", "0.04", "0.4 mm"),
    ("melanoma, Breslow thickness 0.8 mm", "other", "0.08", "0.8 mm"),
    ("invasive melanoma 0.5 mm in depth", "other", "0.05", "0.5 mm"),
    ("a lesion located 2 cm from the eye", "other", "2", "2 cm"),
    ("an incision was made 3 mm above the lid margin", "other", "0.3", "3 mm"),
    ("A 3 mm punch biopsy was performed.", "other", "0.3", "3 mm"),
    ("Closest margin 1.5 mm.", "other", "0.15", "1.5 mm"),
    ("Tumor is 2 mm from the closest peripheral margin.", "other", "0.2", "2 mm"),
    ("The wound was undermined 1 cm on each side.", "other", "1", "1 cm"),
    ("measuring 2 cm", "other", "2", "2 cm"),
]


@pytest.mark.parametrize(("snippet", "kind", "value", "text"), KINDS, ids=[r[0] for r in KINDS])
def test_kinds(snippet, kind, value, text):
    p = only(snippet)
    assert (p.kind, p.value_cm, p.text) == (kind, D(value), text)
    assert p.label == LABELS[kind]


def test_a_whole_note_measures_each_thing_once():
    note = (
        "The lesion measured 0.6 x 0.4 cm and was marked with 2 mm margins, for an excised diameter "
        "of 1.0 cm. The ellipse was excised with a #15 blade and closed in layers with 4-0 Vicryl and "
        "5-0 nylon. Final wound length 3.2 cm. A 4 mm seborrheic keratosis was shaved. "
        "Basal cell carcinoma of the back, 1.2 x 0.8 cm, excised with 4 mm margins (excised diameter "
        "2.0 cm); the resulting defect of 8 sq cm was repaired with a rotation flap."
    )
    got = [(p.text, p.kind, str(p.value_cm)) for p in parse_measurements(note)]
    assert got == [
        ("0.6 x 0.4 cm", "lesion_size", "0.6"),
        ("2 mm", "margin", "0.2"),
        ("1.0 cm", "excised_diameter", "1.0"),
        ("3.2 cm", "wound_length", "3.2"),
        ("4 mm", "lesion_size", "0.4"),
        ("1.2 x 0.8 cm", "lesion_size", "1.2"),
        ("4 mm", "margin", "0.4"),
        ("2.0 cm", "excised_diameter", "2.0"),
        ("8 sq cm", "defect_area", "8"),
    ]
    for p in parse_measurements(note):
        assert note[p.start : p.end] == p.text


# Every cue in the rule file carries examples; each must classify with that very rule.
_RULES = load_measurement_rules()
CUE_EXAMPLES = [(cue.id, ex.text, ex.value_cm) for cue in _RULES.data.cues for ex in cue.examples]


@pytest.mark.parametrize(("rule_id", "snippet", "value"), CUE_EXAMPLES, ids=[f"{r}:{s[:30]}" for r, s, _ in CUE_EXAMPLES])
def test_rule_file_examples(rule_id, snippet, value):
    hits = [p for p in parse_measurements(snippet) if p.kind_rule == rule_id]
    assert hits, [(p.text, p.kind_rule) for p in parse_measurements(snippet)]
    if value is not None:
        assert any(p.value_cm == D(value) for p in hits)


def test_every_cue_has_an_example():
    assert [cue.id for cue in _RULES.data.cues if not cue.examples] == []


# --------------------------------------------------------------------------------------------
# Margins: per side unless the note says total
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("snippet", "per_side"),
    [
        ("excised with 2 mm margins", True),
        ("a margin of 2 mm all around", True),
        ("a 3 mm rim of normal skin", True),
        ("a total margin of 4 mm", False),
        ("4 mm total margin", False),
        ("a 4 mm nevus", False),  # not a margin at all
    ],
)
def test_per_side(snippet, per_side):
    assert only(snippet).per_side is per_side


# --------------------------------------------------------------------------------------------
# CPT size boundaries, in both units; exact Decimal values
# --------------------------------------------------------------------------------------------
BOUNDARIES = [
    ("0.5 cm", "0.5", False),
    ("5 mm", "0.5", False),
    ("5.5 mm", "0.55", True),
    ("0.55 cm", "0.55", True),
    ("0.6 cm", "0.6", False),
    ("6 mm", "0.6", False),
    ("1.0 cm", "1.0", False),
    ("10 mm", "1.0", False),
    ("10.5 mm", "1.05", True),
    ("1.1 cm", "1.1", False),
    ("2.0 cm", "2.0", False),
    ("20 mm", "2.0", False),
    ("21 mm", "2.1", False),
    ("3.0 cm", "3.0", False),
    ("30 mm", "3.0", False),
    ("3.1 cm", "3.1", False),
    ("4.0 cm", "4.0", False),
    ("40 mm", "4.0", False),
    ("4.1 cm", "4.1", False),
    ("41 mm", "4.1", False),
]


@pytest.mark.parametrize(("snippet", "value", "sub_mm"), BOUNDARIES, ids=[r[0] for r in BOUNDARIES])
def test_cpt_boundaries(snippet, value, sub_mm):
    p = only(f"a {snippet} nevus")
    assert p.value_cm == D(value)
    assert p.sub_mm is sub_mm
    assert to_measure(p).sub_mm is sub_mm
    # exact comparisons at the band edges: 5 mm is "<= 0.5", 30 mm is "<= 3.0", 41 mm is "> 4.0"
    assert (p.value_cm <= D("0.5")) == (D(value) <= D("0.5"))
    assert (p.value_cm <= D("3.0")) == (D(value) <= D("3.0"))


def test_decimal_arithmetic_is_exact():
    lesion = only("a 24 mm nevus").value_cm
    margin = only("excised with 3 mm margins").value_cm
    assert lesion + 2 * margin == D("3.0")  # with floats: 3.0000000000000004, the next CPT band
    assert lesion + 2 * margin <= D("3.0")
    tenth = only("1 mm margins").value_cm
    fifth = only("2 mm margins").value_cm
    assert tenth + 2 * fifth == D("0.5")
    assert (tenth, fifth) == (D("0.1"), D("0.2"))


# --------------------------------------------------------------------------------------------
# Sections and qualifiers
# --------------------------------------------------------------------------------------------
PATHOLOGY_NOTE = "PATHOLOGY: 2.1 x 0.8 x 0.4 cm. A 0.5 cm pigmented lesion is present.\nPLAN: 2 cm"


@pytest.mark.parametrize("extra", [(), (999,)], ids=["3-tuples", "4-tuples"])
def test_section_default_kind(extra):
    start = PATHOLOGY_NOTE.index("PLAN")
    sections = [("pathology", 0, start, *extra), ("plan", start, len(PATHOLOGY_NOTE), *extra)]
    got = parse_measurements(PATHOLOGY_NOTE, sections=sections)
    assert [(p.text, p.kind, p.section, p.kind_rule) for p in got] == [
        ("2.1 x 0.8 x 0.4 cm", "specimen_size", "pathology", "section.pathology"),
        ("0.5 cm", "lesion_size", "pathology", "kind.lesion_size.noun"),  # a cue beats the section
        ("2 cm", "other", "plan", "kind.default"),
    ]
    assert parse_measurements(PATHOLOGY_NOTE)[0].kind == "other"  # no sections: no default


@pytest.mark.parametrize(
    ("snippet", "qualifier"),
    [
        ("approximately 2 cm", "approximately"),
        ("approximately a 1 cm margin", "approximately"),
        ("about 5 mm", "approximately"),
        ("less than 5 mm", "less_than"),
        ("up to 3 cm", "at_most"),
        ("at least 2 to 3 cm", "at_least"),
        ("2 cm", None),
    ],
)
def test_qualifiers(snippet, qualifier):
    assert only(snippet).qualifier == qualifier


def test_cue_offsets_point_at_the_words():
    text = "The lesion was excised with 2 mm margins."
    p = only(text)
    assert text[p.cue_start : p.cue_end] == "margins"


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------
def test_to_measure():
    text = "a nevus measuring 12 x 8 mm"
    p = only(text)
    measure = to_measure(p)
    assert measure == Measure(
        value_cm=D("1.2"),
        span=m.TextSpan(p.start, p.end, "12 x 8 mm"),
        kind="lesion_size",
        dimensions=(D("1.2"), D("0.8")),
        unit="mm",
    )
    assert text[measure.span.start : measure.span.end] == measure.span.text


# --------------------------------------------------------------------------------------------
# Property: any "<n> mm" parses to n/10 exactly, wherever it sits
# --------------------------------------------------------------------------------------------
_words = st.sampled_from(["the", "a", "lesion", "was", "excised", "with", "nevus", "and", "left", "cheek", ","])


@settings(max_examples=150, deadline=None)
@given(
    whole=st.integers(min_value=0, max_value=999),
    frac=st.one_of(st.none(), st.integers(min_value=0, max_value=99)),
    unit=st.sampled_from(["mm", " mm", " millimeters", "-mm"]),
    before=st.lists(_words, max_size=4),
    after=st.lists(_words, max_size=4),
)
def test_property_mm_values_are_exact(whole, frac, unit, before, after):
    number = str(whole) if frac is None else f"{whole}.{frac:02d}"
    measurement = number + unit
    prefix = " ".join(before) + (" " if before else "")
    text = prefix + measurement + (" " + " ".join(after) if after else "")
    p = only(text)
    assert p.value_cm == Decimal(number) / 10
    assert (p.start, p.end, p.text) == (len(prefix), len(prefix) + len(measurement), measurement)
    assert p.unit_norm == "mm"


_pieces = st.sampled_from(
    ["1", "2.5", ".5", "0", "4-0", "1/2", "3-1/2", "twenty", "five", "one", "and", "a", "half", "an", "between",
     "-", "to", "x", "by", "cm", "mm", "in", "in.", '"', "sq", "cm2", "inches", "millimeters", "margin", "lesion",
     "of", "the", ",", ".", ":", "(", ")", "#", "%", "mmHg", "\n", "1.2x0.8cm", "12x8mm", "1-2mm"]
)


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(_pieces, max_size=14), glue=st.sampled_from([" ", ""]))
def test_property_never_raises_and_offsets_hold(pieces, glue):
    text = glue.join(pieces)
    previous_end = 0
    for p in parse_measurements(text):
        assert text[p.start : p.end] == p.text
        assert p.start >= previous_end  # in text order, never overlapping
        previous_end = p.end
        assert p.value_cm in p.dimensions
        assert p.value_cm == (min(p.dimensions) if p.kind == "margin" else max(p.dimensions))
        assert p.rule in GRAMMAR_RULES


@settings(max_examples=100, deadline=None)
@given(a=st.decimals(min_value=0, max_value=50, places=1), b=st.decimals(min_value=0, max_value=50, places=1))
def test_property_dimensions_take_the_greatest(a, b):
    text = f"measuring {a} x {b} cm"
    p = only(text)
    assert p.dimensions == (a, b)
    assert p.value_cm == max(a, b)
    assert text[p.start : p.end] == p.text


# --------------------------------------------------------------------------------------------
# Rule file validation: errors name the file and the rule
# --------------------------------------------------------------------------------------------
def _packaged() -> dict:
    return json.loads(m.resource_path(m.DEFAULT_RULES).read_text(encoding="utf-8"))


def _break_regex(d):
    d["cues"][0]["patterns"][0] = "margins?("


def _duplicate_id(d):
    d["cues"][1]["id"] = d["cues"][0]["id"]


def _unknown_kind(d):
    d["cues"][0]["kind"] = "diameter"


def _empty_pattern(d):
    d["cues"][0]["patterns"].append("(?:x)?")


def _per_side_on_lesion(d):
    next(c for c in d["cues"] if c["kind"] == "lesion_size")["per_side"] = False


def _unknown_key(d):
    d["cues"][0]["priorty"] = 3


def _bad_section_regex(d):
    d["sections"][0]["pattern"] = "patholog[y"


def _reserved_id(d):
    d["cues"][0]["id"] = "kind.area"


BAD_FILES = [
    (_break_regex, "kind.excised_diameter.phrase", "does not compile"),
    (_duplicate_id, "kind.excised_diameter.phrase", "duplicate id"),
    (_unknown_kind, "kind.excised_diameter.phrase", "kind"),
    (_empty_pattern, "kind.excised_diameter.phrase", "empty string"),
    (_per_side_on_lesion, "kind.lesion_size.size", "per_side"),
    (_unknown_key, "kind.excised_diameter.phrase", "priorty"),
    (_bad_section_regex, "section.pathology", "does not compile"),
    (_reserved_id, "kind.area", "reserved"),
]


@pytest.mark.parametrize(("mutate", "rule_id", "problem"), BAD_FILES, ids=[f[0].__name__ for f in BAD_FILES])
def test_bad_rule_file(tmp_path, mutate, rule_id, problem):
    data = copy.deepcopy(_packaged())
    mutate(data)
    path = tmp_path / "measurements.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(RuleFileError) as info:
        load_measurement_rules(path)
    assert info.value.rule_id == rule_id
    assert info.value.path == path
    assert problem in str(info.value)
    assert str(path) in str(info.value)


def test_rule_file_not_json(tmp_path):
    path = tmp_path / "measurements.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(RuleFileError, match="not valid JSON"):
        load_measurement_rules(path)


def test_rule_file_missing(tmp_path):
    with pytest.raises(RuleFileError, match="not found"):
        load_measurement_rules(tmp_path / "nope.json")


# --------------------------------------------------------------------------------------------
# spaCy component
# --------------------------------------------------------------------------------------------
NOTE = "The lesion measured 0.6 x 0.4cm and was excised with 2mm margins. Final wound length 3.2 cm. Defect 8 sq cm."


@pytest.fixture(scope="module")
def tagged():
    language = make_blank_pipeline()
    language.add_pipe("opnote_measurements")
    return language


def spans(doc, key="opnote_measurements"):
    return [(s.text, s.label_, s.id_, s._.opnote_value["value_cm"]) for s in doc.spans[key]]


def test_component_spans(tagged):
    doc = tagged(NOTE)
    assert spans(doc) == [
        ("0.6 x 0.4cm", "LESION_SIZE", "meas.dims_cm", "0.6"),
        ("2mm", "MARGIN", "meas.single_mm", "0.2"),
        ("3.2 cm", "WOUND_LENGTH", "meas.single_cm", "3.2"),
        ("8 sq cm", "DEFECT_AREA", "meas.area_cm2", "8"),
    ]
    value = doc.spans["opnote_measurements"][1]._.opnote_value
    assert value == {
        "value_cm": "0.2",
        "dimensions": ["0.2"],
        "unit": "mm",
        "unit_text": "mm",
        "kind": "margin",
        "per_side": True,
        "is_area": False,
        "is_range": False,
        "rule": "meas.single_mm",
        "kind_rule": "kind.margin.word",
        "qualifier": None,
    }
    json.dumps(value)  # JSON-safe: numbers are strings


def test_component_spans_align_with_stock_tokens():
    """``alignment_mode="expand"``: a span still covers its measurement on spaCy's own tokens."""
    language = spacy.blank("en")
    language.add_pipe("opnote_measurements")
    doc = language("a 1.2x0.8cm nevus")
    assert [s.text for s in doc.spans["opnote_measurements"]] == ["1.2x0.8cm"]


def test_component_reads_sections():
    if not Doc.has_extension("opnote_sections"):
        Doc.set_extension("opnote_sections", default=None)
    language = make_blank_pipeline()
    language.add_pipe("opnote_measurements")
    doc = language.make_doc(PATHOLOGY_NOTE)
    start = PATHOLOGY_NOTE.index("PLAN")
    doc._.opnote_sections = [("pathology", 0, start, 11), ("plan", start, len(PATHOLOGY_NOTE), start + 5)]
    doc = language.get_pipe("opnote_measurements")(doc)
    assert [s.label_ for s in doc.spans["opnote_measurements"]] == ["SPECIMEN_SIZE", "LESION_SIZE", "MEASUREMENT"]


def test_component_config(tmp_path):
    data = _packaged()
    for cue in data["cues"]:
        if cue["id"] == "kind.lesion_size.noun":
            cue["patterns"].append("blemish")
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    language = make_blank_pipeline()
    language.add_pipe("opnote_measurements", config={"rules_path": str(path), "spans_key": "sizes"})
    doc = language("a 4 mm blemish")
    assert spans(doc, "sizes") == [("4 mm", "LESION_SIZE", "meas.single_mm", "0.4")]
    assert "opnote_measurements" not in doc.spans


def test_component_round_trip_to_disk(tagged, tmp_path):
    tagged.to_disk(tmp_path / "pipe")
    assert (tmp_path / "pipe" / "opnote_measurements" / "measurements.json").exists()
    loaded = spacy.load(tmp_path / "pipe")
    assert spans(loaded(NOTE)) == spans(tagged(NOTE))
    assert loaded.get_pipe("opnote_measurements").rules.to_dict() == tagged.get_pipe("opnote_measurements").rules.to_dict()


def test_from_disk_uses_the_saved_rules(tagged, tmp_path):
    """The saved rule file, not the packaged one, decides after loading."""
    tagged.to_disk(tmp_path / "pipe")
    saved = tmp_path / "pipe" / "opnote_measurements" / "measurements.json"
    data = json.loads(saved.read_text(encoding="utf-8"))
    for cue in data["cues"]:
        if cue["id"] == "kind.lesion_size.noun":
            cue["patterns"].append("blemish")
    saved.write_text(json.dumps(data), encoding="utf-8")
    assert only("a 4 mm blemish").kind == "other"
    loaded = spacy.load(tmp_path / "pipe")
    assert spans(loaded("a 4 mm blemish")) == [("4 mm", "LESION_SIZE", "meas.single_mm", "0.4")]


def test_from_disk_rejects_a_bad_saved_file(tagged, tmp_path):
    tagged.to_disk(tmp_path / "pipe")
    saved = tmp_path / "pipe" / "opnote_measurements" / "measurements.json"
    data = json.loads(saved.read_text(encoding="utf-8"))
    data["cues"][0]["patterns"] = ["("]
    saved.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(RuleFileError) as info:
        spacy.load(tmp_path / "pipe")
    assert info.value.rule_id == data["cues"][0]["id"]


def test_component_round_trip_bytes(tagged):
    component = tagged.get_pipe("opnote_measurements")
    fresh = m.MeasurementTagger("copy", rules_path=None, spans_key="opnote_measurements")
    fresh.from_bytes(component.to_bytes())
    assert fresh.rules.to_dict() == component.rules.to_dict()
    doc = fresh(tagged.make_doc(NOTE))
    assert spans(doc) == spans(tagged(NOTE))

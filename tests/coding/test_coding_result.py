"""The shape of a CodingResult: ordering, units, rationale, evidence, confidence, queries."""

from __future__ import annotations

import re

import pytest

from nlp.coding import suggest_codes
from nlp.errors import InputError
from nlp.records import CodingResult, Diagnosis, Measure, Site, Span


def test_empty_input_gives_an_empty_result_with_the_rules_version() -> None:
    result = suggest_codes([])
    assert isinstance(result, CodingResult)
    assert (result.codes, result.queries, result.lesions) == ([], [], [])
    assert result.rules_version.startswith("2026.11.0+")


def test_cpt_lines_come_first_primary_excision_first_then_repairs_then_icd(make) -> None:
    lesions = [
        make(1, region="back", dx="melanocytic_nevus", size="0.3", margin="0.1", closure="intermediate", repair="3.0"),
        make(2, region="back", dx="bcc", size="1.5", margin="0.2", closure="complex", repair="4.0"),
        make(3, region="arm", laterality="left", dx="epidermoid_cyst", size="1.5", margin="0.2"),
    ]
    result = suggest_codes(lesions)
    assert [c.code for c in result.codes] == ["11602", "11402", "11400", "13101", "12032", "C44.519", "L72.0", "D22.5"]
    systems = [c.system for c in result.codes]
    assert systems == sorted(systems, key=lambda s: s != "CPT")


def test_malignant_before_benign_at_the_same_size(make) -> None:
    result = suggest_codes([make(1, region="back", dx="melanocytic_nevus"), make(2, region="back", dx="bcc")])
    assert [c.code for c in result.codes if c.system == "CPT"] == ["11600", "11400"]


def test_held_lines_follow_the_billable_ones(make) -> None:
    result = suggest_codes([make(1, region="back", dx="melanoma", source="preoperative", pending=True, size="4.0"), make(2, region="back")])
    assert [(c.code, c.status) for c in result.codes if c.system == "CPT"] == [("11400", "suggested"), ("11606", "held")]


def test_identical_lines_for_different_lesions_merge_into_units(make) -> None:
    result = suggest_codes([make(1, region="arm", laterality="left", size="0.6"), make(2, region="thigh", laterality="right", size="0.6")])
    line = result.codes[0]
    assert (line.code, line.units, line.lesions, line.lesion) == ("11401", 2, [1, 2], 1)
    assert line.diagnoses == ["D22.62", "D22.71"]
    assert line.rationale.startswith("exc.benign.trunk_arms_legs: lesion 1: 0.6 cm lesion")
    assert "; lesion 2: 0.6 cm lesion" in line.rationale and line.rationale.endswith("-> 11401 x2")
    assert {e.fact for e in line.evidence} >= {"site", "diagnosis", "lesion_size", "margin"}
    assert len([c for c in result.codes if c.system == "CPT"]) == 1


def test_held_and_suggested_lines_are_never_merged(make) -> None:
    result = suggest_codes([make(1, region="back"), make(2, region="back", dx="melanocytic_nevus", source="preoperative", certain=False, pending=True)])
    assert [(c.code, c.status, c.units) for c in result.codes if c.system == "CPT"] == [("11400", "suggested", 1), ("11400", "held", 1)]


def test_every_line_names_its_rule_and_numbers(make) -> None:
    result = suggest_codes([make(region="nose", dx="melanocytic_nevus", size="0.3", margin="0.1")])
    excision = result.codes[0]
    assert excision.rationale == (
        "exc.benign.face: 0.3 cm lesion + 2 x 0.1 cm margin = 0.5 cm excised diameter, nose, benign by pathology -> 11440"
    )
    result = suggest_codes([make(1, region="back", dx="bcc", size="1.0", margin="0.4", closure="intermediate", repair="5.5"), make(2, region="arm", dx="lipoma", source="preoperative")])
    for line in result.codes:
        assert line.rationale.startswith(line.rule + ":") or line.rationale.startswith(line.rule + ",")
        assert re.search(r"\d", line.rationale)
        assert line.rationale.rstrip().endswith(line.code) or f"-> {line.code}" in line.rationale
        assert line.description and line.rule


def test_evidence_cites_the_spans_each_line_rests_on(make) -> None:
    lesion = make(region="back", dx="bcc", size="1.0", margin="0.4", closure="intermediate", repair="5.5")
    result = suggest_codes([lesion])
    by_code = {c.code: c for c in result.codes}
    facts = {e.fact: e for e in by_code["11602"].evidence}
    assert set(facts) == {"site", "diagnosis", "lesion_size", "margin", "procedure"}
    assert (facts["margin"].start, facts["margin"].end, facts["margin"].text) == (lesion.margin.span.start, lesion.margin.span.end, "0.4")
    assert {e.fact for e in by_code["12032"].evidence} == {"site", "closure", "repair_length"}
    assert {e.fact for e in by_code["C44.519"].evidence} == {"site", "diagnosis"}
    explicit = suggest_codes([make(size=None, margin=None, excised="0.5")])
    assert "excised_diameter" in {e.fact for e in explicit.codes[0].evidence}


def test_confidence_starts_at_0_95_and_each_touching_check_subtracts_once(make) -> None:
    clean = suggest_codes([make()])
    assert [c.confidence for c in clean.codes] == [0.95, 0.95]
    # margin missing (0.15) + eyelid site check (0.05) on the excision; laterality (0.1) + part (0.1) on the ICD line
    messy = suggest_codes([make(region="eyelid", margin=None)])
    by_system = {c.system: c.confidence for c in messy.codes}
    assert by_system == {"CPT": 0.75, "ICD-10-CM": 0.75}
    for line in messy.codes:
        assert 0.0 <= line.confidence <= 1.0


def test_confidence_never_drops_below_the_floor(make) -> None:
    lesion = make(region="axilla", dx="keratoacanthoma", source="preoperative", size=None, margin=None, specimen="0.55")
    line = suggest_codes([lesion]).codes[0]
    assert line.confidence >= 0.05
    assert {"SIZE_FROM_PATHOLOGY", "BOUNDARY_ROUNDING", "UNVERIFIED_MAPPING"} <= set(line.flags)


def test_queries_carry_rule_flag_and_lesion_and_no_note_text(make) -> None:
    secret_site = Site(text="SECRET-SITE-TEXT", region="eyelid", span=Span(0, 16, "SECRET-SITE-TEXT"))
    secret_dx = Diagnosis(text="SECRET-DX", kind="melanoma", behaviour="malignant", source="preoperative", span=Span(20, 29, "SECRET-DX"), certain=False)
    lesion = make(margin=None, pending=True)
    lesion.site, lesion.diagnosis, lesion.diagnoses = secret_site, secret_dx, [secret_dx]
    result = suggest_codes([lesion])
    assert result.queries
    for query in result.queries:
        assert query.rule.startswith("query.") and query.flag and query.lesion == 1
        assert "SECRET" not in query.message and "{" not in query.message
    for line in result.codes:
        assert "SECRET" not in line.rationale and "SECRET" not in line.description


def test_queries_are_not_repeated(make) -> None:
    result = suggest_codes([make(region=None, closure="intermediate", repair="2.0")])
    assert [q.flag for q in result.queries].count("SITE_MISSING") == 1


def test_lesion_codings_echo_the_decisions(make) -> None:
    result = suggest_codes([make(1, region="neck", dx="bcc", size="1.0", margin="0.3"), make(2, region=None, size=None, margin=None)])
    first, second = result.lesions
    assert (first.lesion, first.site_group, first.behaviour) == (1, "scalp_neck_hands_feet_genitalia", "malignant")
    assert first.repair_groups == {"simple": "body", "intermediate": "neck_hands_feet_genitalia", "complex": "forehead_cheeks_chin_neck_hands_feet"}
    assert str(first.excised_diameter_cm) == "1.6"
    assert first.excised_diameter_formula == "1.0 cm lesion + 2 x 0.3 cm margin = 1.6 cm excised diameter"
    assert (second.site_group, second.repair_groups, second.excised_diameter_cm) == (None, {}, None)


def test_results_are_deterministic(make) -> None:
    lesions = [make(1, region="back", closure="intermediate", repair="2.0"), make(2, region="cheek", margin=None)]
    assert suggest_codes(lesions) == suggest_codes(lesions)
    assert suggest_codes(list(reversed(lesions))) == suggest_codes(lesions)


# --- input errors ---------------------------------------------------------------------------


def test_unknown_policy_is_an_input_error(make) -> None:
    with pytest.raises(InputError, match="unknown policy 'medicare'.*cpt, ncci"):
        suggest_codes([make()], policy="medicare")


def test_policy_is_keyword_only(make) -> None:
    with pytest.raises(TypeError):
        suggest_codes([make()], "ncci")  # type: ignore[misc]


@pytest.mark.parametrize("bad", ["not lesions", None, 3])
def test_lesions_must_be_a_sequence(bad) -> None:
    with pytest.raises(InputError):
        suggest_codes(bad)  # type: ignore[arg-type]


def test_items_must_be_lesions(make) -> None:
    with pytest.raises(InputError, match=r"lesions\[1\] is a dict"):
        suggest_codes([make(), {"index": 2}])  # type: ignore[list-item]


def test_duplicate_lesion_indexes_are_refused(make) -> None:
    with pytest.raises(InputError, match="appears twice"):
        suggest_codes([make(1), make(1)])


def test_float_sizes_are_refused_with_a_fix(make) -> None:
    lesion = make()
    lesion.margin = Measure(value_cm=0.1, span=Span(0, 4, "1 mm"), kind="margin")  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"lesion 1: margin.value_cm must be a decimal.Decimal.*Decimal\('0.5'\)"):
        suggest_codes([lesion])

"""Intermediate and complex repairs (coding-rules.md 4.1-4.4): groups, bands, sums, NCCI."""

from __future__ import annotations

import pytest

from nlp.coding import suggest_codes


def repairs(result, status: str | None = None) -> list[tuple[str, int, list[int]]]:
    return [
        (c.code, c.units, c.lesions)
        for c in result.codes
        if c.system == "CPT" and c.code[:2] in ("12", "13") and (status is None or c.status == status)
    ]


def line(result, code: str, status: str = "suggested"):
    return next(c for c in result.codes if c.code == code and c.status == status)


def flags(result) -> set[str]:
    return {q.flag for q in result.queries}


INTERMEDIATE = [
    # face group 12051-12057 (its own 2.6-5.0 / 5.1-7.5 split)
    ("nose", "2.5", "12051"), ("nose", "2.6", "12052"), ("lip", "5.0", "12052"), ("ear", "5.1", "12053"),
    ("eyelid", "7.5", "12053"), ("cheek", "7.6", "12054"), ("forehead", "12.5", "12054"), ("chin", "12.6", "12055"),
    ("temple", "20.0", "12055"), ("jaw", "20.1", "12056"), ("brow", "30.0", "12056"), ("face", "30.1", "12057"),
    ("mucosa", "1.0", "12051"),
    # scalp / axillae / trunk / limbs excluding hands and feet 12031-12037
    ("back", "2.5", "12031"), ("back", "2.6", "12032"), ("chest", "7.5", "12032"), ("abdomen", "7.6", "12034"),
    ("thigh", "12.6", "12035"), ("leg", "20.1", "12036"), ("arm", "30.1", "12037"), ("scalp", "1.0", "12031"),
    ("axilla", "1.0", "12031"), ("shoulder", "1.0", "12031"), ("wrist", "1.0", "12031"), ("ankle", "1.0", "12031"),
    # neck / hands / feet / external genitalia 12041-12047
    ("neck", "2.0", "12041"), ("hand", "3.0", "12042"), ("foot", "8.0", "12044"), ("genitalia", "13.0", "12045"),
    ("finger", "21.0", "12046"), ("toe", "31.0", "12047"),
]


@pytest.mark.parametrize("region, length, code", INTERMEDIATE)
def test_intermediate_repair_by_group_and_length_band(make, region: str, length: str, code: str) -> None:
    result = suggest_codes([make(region=region, laterality="left", eyelid_part="upper", closure="intermediate", repair=length)])
    assert repairs(result) == [(code, 1, [1])]


COMPLEX = [
    ("back", "2.0", ["13100"]), ("chest", "2.6", ["13101"]), ("abdomen", "7.5", ["13101"]),
    ("scalp", "2.0", ["13120"]), ("arm", "2.0", ["13120"]), ("leg", "5.0", ["13121"]), ("shoulder", "2.0", ["13120"]),
    ("forehead", "2.0", ["13131"]), ("cheek", "2.0", ["13131"]), ("chin", "2.6", ["13132"]), ("neck", "2.0", ["13131"]),
    ("hand", "2.0", ["13131"]), ("foot", "2.0", ["13131"]), ("axilla", "2.0", ["13131"]), ("genitalia", "2.0", ["13131"]),
    ("nose", "1.1", ["13151"]), ("eyelid", "2.5", ["13151"]), ("ear", "2.6", ["13152"]), ("lip", "7.5", ["13152"]),
]


@pytest.mark.parametrize("region, length, codes", COMPLEX)
def test_complex_repair_by_group_and_length_band(make, region: str, length: str, codes: list[str]) -> None:
    result = suggest_codes([make(region=region, laterality="right", eyelid_part="lower", dx="bcc", closure="complex", repair=length)])
    assert [code for code, _, _ in repairs(result)] == codes


@pytest.mark.parametrize(
    "length, addon_units",
    [("7.6", 1), ("12.5", 1), ("12.6", 2), ("13.0", 2), ("17.5", 2), ("17.6", 3)],
)
def test_complex_add_on_units_per_5_cm_or_part(make, length: str, addon_units: int) -> None:
    result = suggest_codes([make(region="back", dx="bcc", closure="complex", repair=length)])
    assert repairs(result) == [("13101", 1, [1]), ("13102", addon_units, [1])]


def test_13_cm_trunk_complex_repair_is_13101_plus_13102_x2(make) -> None:
    result = suggest_codes([make(region="back", dx="bcc", closure="complex", repair="13.0")])
    addon = line(result, "13102")
    assert addon.units == 2
    assert "ceil((13.0 - 7.5) / 5.0) = 2" in addon.rationale
    assert addon.rule == "repair.complex.trunk"


@pytest.mark.parametrize("region, length, code", [("lip", "1.0", "12051"), ("back", "0.5", "12031"), ("neck", "0.8", "12041")])
def test_complex_repair_of_1_cm_or_less_is_reported_as_intermediate(make, region: str, length: str, code: str) -> None:
    result = suggest_codes([make(region=region, dx="bcc", closure="complex", repair=length)])
    assert repairs(result) == [(code, 1, [1])]
    rationale = line(result, code).rationale
    assert "repair.complex.le_1cm" in rationale and "≤1.0 cm" in rationale


def test_same_class_same_group_lengths_are_summed_into_one_line(make) -> None:
    result = suggest_codes(
        [make(1, region="nose", dx="bcc", closure="intermediate", repair="1.2"), make(2, region="cheek", dx="bcc", closure="intermediate", repair="2.0")]
    )
    assert repairs(result) == [("12052", 1, [1, 2])]
    summed = line(result, "12052")
    assert summed.lesion == 1
    assert "1.2 cm (lesion 1, nose) + 2.0 cm (lesion 2, cheek) = 3.2 cm" in summed.rationale
    assert summed.diagnoses == ["C44.311", "C44.319"]


def test_summing_follows_the_repair_group_not_the_excision_group(make) -> None:
    # scalp (excision: scalp/neck group) and back (excision: trunk group) share intermediate group 12031-12037
    result = suggest_codes(
        [make(1, region="scalp", dx="bcc", closure="intermediate", repair="1.5"), make(2, region="back", dx="bcc", closure="intermediate", repair="2.0")]
    )
    assert repairs(result) == [("12032", 1, [1, 2])]


def test_never_summed_across_groups(make) -> None:
    result = suggest_codes(
        [make(1, region="nose", dx="bcc", closure="intermediate", repair="2.0"), make(2, region="back", dx="bcc", closure="intermediate", repair="2.0")]
    )
    assert sorted(repairs(result)) == [("12031", 1, [2]), ("12051", 1, [1])]


def test_never_summed_across_classes_and_most_complex_first(make) -> None:
    result = suggest_codes(
        [make(1, region="nose", dx="bcc", closure="intermediate", repair="2.0"), make(2, region="ear", dx="bcc", closure="complex", repair="2.0")]
    )
    assert repairs(result) == [("13151", 1, [2]), ("12051", 1, [1])]


def test_complex_lengths_are_summed_before_the_1_cm_test(make) -> None:
    result = suggest_codes(
        [make(1, region="nose", dx="bcc", closure="complex", repair="0.6"), make(2, region="ear", dx="bcc", closure="complex", repair="0.6")]
    )
    assert repairs(result) == [("13151", 1, [1, 2])]


def test_layered_closure_without_length_gives_no_repair_line_but_a_query(make) -> None:
    for closure in ("intermediate", "complex"):
        result = suggest_codes([make(dx="bcc", closure=closure, repair=None)])
        assert repairs(result) == []
        assert "REPAIR_LENGTH_MISSING" in flags(result)


def test_dermal_only_deep_layer_is_still_intermediate_with_lower_confidence(make) -> None:
    plain = line(suggest_codes([make(dx="bcc", closure="intermediate", repair="2.0")]), "12051")
    result = suggest_codes([make(dx="bcc", closure="intermediate", detail=("dermal_only",), repair="2.0")])
    dermal = line(result, "12051")
    assert dermal.confidence < plain.confidence
    assert "REPAIR_DEPTH_CHECK" in dermal.flags and "REPAIR_DEPTH_CHECK" in flags(result)


def test_sub_millimetre_repair_length_is_flagged(make) -> None:
    result = suggest_codes([make(region="back", dx="bcc", closure="intermediate", repair="2.55")])
    assert repairs(result) == [("12032", 1, [1])]
    assert "BOUNDARY_ROUNDING" in line(result, "12032").flags


def test_simple_closure_is_included_in_the_excision(make) -> None:
    assert repairs(suggest_codes([make(closure="simple", repair="2.0")])) == []


# --- NCCI bundling (payer policy) --------------------------------------------------------------


def test_cpt_policy_reports_the_repair_of_a_small_benign_excision_with_a_flag(make) -> None:
    result = suggest_codes([make(region="lip", dx="pyogenic_granuloma", closure="intermediate", repair="1.2")])
    repair = line(result, "12051")
    assert repair.status == "suggested"
    assert "NCCI_BUNDLING_POSSIBLE" in repair.flags


def test_ncci_policy_bundles_the_repair_into_a_small_benign_excision_and_keeps_it_visible(make) -> None:
    result = suggest_codes([make(region="lip", dx="pyogenic_granuloma", closure="intermediate", repair="1.2")], policy="ncci")
    repair = line(result, "12051", status="bundled")
    assert "NCCI_BUNDLED" in repair.flags
    assert "policy.ncci.repair_into_benign_le_0_5" in repair.rationale and "11440" in repair.rationale
    assert repairs(result, "suggested") == []


@pytest.mark.parametrize("closure, length, code", [("intermediate", "1.2", "12031"), ("complex", "2.0", "13100")])
@pytest.mark.parametrize("region, excision", [("back", "11400"), ("scalp", "11420"), ("nose", "11440")])
def test_ncci_bundles_both_repair_classes_into_all_three_benign_0_5_codes(make, closure, length, code, region, excision) -> None:
    result = suggest_codes([make(region=region, dx="melanocytic_nevus", closure=closure, repair=length)], policy="ncci")
    assert [c.code for c in result.codes if c.status == "suggested" and c.system == "CPT"] == [excision]
    assert len([c for c in result.codes if c.status == "bundled"]) == 1


@pytest.mark.parametrize(
    "kwargs",
    [
        {"dx": "bcc"},  # malignant <=0.5 cm: NCCI does not bundle
        {"dx": "melanocytic_nevus", "size": "0.4"},  # benign 0.6 cm: not the <=0.5 code
    ],
)
def test_ncci_does_not_bundle_other_excisions(make, kwargs) -> None:
    result = suggest_codes([make(closure="intermediate", repair="1.2", **kwargs)], policy="ncci")
    assert line(result, "12051").status == "suggested"
    assert "NCCI_BUNDLING_POSSIBLE" not in line(result, "12051").flags


def test_ncci_splits_a_summed_repair_so_only_the_bundled_lesion_is_bundled(make) -> None:
    lesions = [
        make(1, region="nose", dx="melanocytic_nevus", size="0.3", margin="0.1", closure="intermediate", repair="1.2"),
        make(2, region="cheek", dx="melanocytic_nevus", size="1.0", margin="0.1", closure="intermediate", repair="2.0"),
    ]
    cpt_policy = suggest_codes(lesions, policy="cpt")
    assert repairs(cpt_policy) == [("12052", 1, [1, 2])]
    ncci = suggest_codes(lesions, policy="ncci")
    assert repairs(ncci, "suggested") == [("12051", 1, [2])]
    assert repairs(ncci, "bundled") == [("12051", 1, [1])]


def test_held_small_excision_holds_its_repair_under_ncci_only(make) -> None:
    lesion = make(region="back", dx="melanoma", source="preoperative", certain=False, pending=True, closure="intermediate", repair="2.0")
    assert line(suggest_codes([lesion]), "12031").status == "suggested"
    assert line(suggest_codes([lesion], policy="ncci"), "12031", status="held").flags[0] == "PATHOLOGY_PENDING"


def test_repair_of_a_held_lesion_is_still_listed_under_cpt(make) -> None:
    lesion = make(region="back", dx="bcc", source="preoperative", pending=True, size="1.0", margin="0.4", closure="intermediate", repair="4.0")
    result = suggest_codes([lesion])
    assert line(result, "12032").status == "suggested"
    assert line(result, "11602", status="held")

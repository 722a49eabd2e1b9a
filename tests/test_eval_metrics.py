"""The evaluation harness's figures, each checked against counts worked out by hand."""

from __future__ import annotations

from collections import Counter

import pytest

from nlp.evaluation.agreement import kappa
from nlp.evaluation.automation import automation_curve
from nlp.evaluation.bootstrap import Statistic, bootstrap
from nlp.evaluation.codes import NO_CODE, NoteCodes, _primary, score_codes
from nlp.evaluation.entities import Span, match_note, score_entities
from nlp.evaluation.families import cpt_family
from nlp.evaluation.lesions import MISSING_LESION, align, diameter_bucket, site_group
from nlp.evaluation.matching import multiset_pairs, prf_table


def S(start: int, end: int, label: str, **flags: bool) -> Span:
    return Span(start, end, label, tuple(sorted(flags.items())))


# ---- entities -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("gold", "pred", "strict", "lenient"),
    [
        # exact match
        ([S(0, 4, "A")], [S(0, 4, "A")], {"A": (1, 0, 0)}, {"A": (1, 0, 0)}),
        # boundary off by one: strict fp+fn, lenient tp
        ([S(0, 4, "A")], [S(0, 3, "A")], {"A": (0, 1, 1)}, {"A": (1, 0, 0)}),
        # tie between labels: same offsets, other label = fn for A and fp for B in both modes
        ([S(0, 4, "A")], [S(0, 4, "B")], {"A": (0, 0, 1), "B": (0, 1, 0)}, {"A": (0, 0, 1), "B": (0, 1, 0)}),
        # one long prediction over two gold spans: lenient pairs it once
        ([S(0, 4, "A"), S(5, 9, "A")], [S(0, 9, "A")], {"A": (0, 1, 2)}, {"A": (1, 0, 1)}),
        # empty prediction
        ([S(0, 4, "A"), S(6, 8, "B")], [], {"A": (0, 0, 1), "B": (0, 0, 1)}, {"A": (0, 0, 1), "B": (0, 0, 1)}),
        # no gold, one prediction
        ([], [S(2, 3, "B")], {"A": (0, 0, 0), "B": (0, 1, 0)}, {"A": (0, 0, 0), "B": (0, 1, 0)}),
        # touching but not overlapping is no lenient match
        ([S(0, 4, "A")], [S(4, 6, "A")], {"A": (0, 1, 1)}, {"A": (0, 1, 1)}),
    ],
)
def test_strict_and_lenient_counts(gold, pred, strict, lenient) -> None:
    result = score_entities([match_note(gold, pred)], ["A", "B"])
    for mode, expected in (("strict", strict), ("lenient", lenient)):
        for label, (tp, fp, fn) in expected.items():
            row = result[mode]["labels"][label]
            assert (row["tp"], row["fp"], row["fn"]) == (tp, fp, fn), (mode, label)


def test_micro_and_macro_by_hand() -> None:
    # A: tp 1 fp 1 fn 1 -> P .5 R .5 F .5; B: tp 1 fp 1 fn 0 -> P .5 R 1 F 2/3
    gold = [S(0, 4, "A"), S(5, 9, "A"), S(10, 12, "B")]
    pred = [S(0, 4, "A"), S(5, 8, "A"), S(10, 12, "B"), S(13, 14, "B")]
    result = score_entities([match_note(gold, pred)], ["A", "B"])["strict"]
    assert result["labels"]["B"]["f1"] == pytest.approx(2 / 3)
    assert result["micro"] == pytest.approx({"tp": 2, "fp": 2, "fn": 1, "precision": 0.5, "recall": 2 / 3, "f1": 4 / 7})
    assert result["macro"] == pytest.approx({"precision": 0.5, "recall": 0.75, "f1": (0.5 + 2 / 3) / 2})


def test_micro_counts_are_summed_over_notes_not_averaged() -> None:
    notes = [match_note([S(0, 1, "A")], [S(0, 1, "A")]), match_note([S(0, 1, "A"), S(2, 3, "A"), S(4, 5, "A")], [])]
    assert score_entities(notes, ["A"])["strict"]["micro"]["recall"] == pytest.approx(1 / 4)


def test_flag_accuracy_is_measured_on_lenient_pairs() -> None:
    gold = [S(0, 4, "A", negated=True), S(5, 9, "A", historical=True), S(20, 25, "A")]
    pred = [S(0, 3, "A", negated=True), S(5, 9, "A"), S(30, 31, "A", negated=True)]
    flags = score_entities([match_note(gold, pred)], ["A"])["flags"]
    assert flags["negated"] == {"correct": 2, "total": 2, "accuracy": 1.0, "gold_true": 1, "predicted_true": 1}
    assert flags["historical"] == {"correct": 1, "total": 2, "accuracy": 0.5, "gold_true": 1, "predicted_true": 0}


# ---- codes ----------------------------------------------------------------------------------

def test_units_are_counted_in_per_code_scores() -> None:
    pairs = multiset_pairs(Counter({"13122": 2, "13121": 1}), Counter({"13122": 1, "13121": 1, "12032": 1}))
    table = prf_table(pairs, ["12032", "13121", "13122"])
    assert {k: (v["tp"], v["fp"], v["fn"]) for k, v in table["labels"].items()} == {"12032": (0, 1, 0), "13121": (1, 0, 0), "13122": (1, 0, 1)}
    assert table["micro"]["precision"] == pytest.approx(2 / 3) and table["micro"]["recall"] == pytest.approx(2 / 3)


def test_empty_tables_score_zero_not_nan() -> None:
    assert prf_table(multiset_pairs(Counter(), Counter()), ["11400"])["labels"]["11400"] == {"tp": 0, "fp": 0, "fn": 0, "precision": 0.0, "recall": 0.0, "f1": 0.0}


@pytest.mark.parametrize(
    ("ordered", "primary"),
    [
        ([(1, "11401"), (2, "11400"), (3, "11422")], "11401"),  # lowest lesion first
        ([(2, "11642"), (1, "11402"), (1, "12032")], "11402"),  # record order does not matter, lesion does
        ([(1, "12032"), (1, "11602")], "11602"),  # repairs are never primary while an excision exists
        ([(1, "12032")], "12032"),  # repair only (pending diagnosis)
        ([], NO_CODE),
    ],
)
def test_primary_code(ordered, primary) -> None:
    assert _primary(ordered) == primary


@pytest.mark.parametrize(
    ("code", "family"),
    [("11400", "benign_excision"), ("11471", "benign_excision"), ("11646", "malignant_excision"), ("12001", "repair"),
     ("13160", "repair"), ("11305", "shave"), ("11102", "biopsy"), ("11200", "skin_tag"), ("17311", "destruction_mohs"),
     ("14040", "tissue_transfer"), ("15260", "flap_graft"), ("10060", "incision_drainage"), ("99213", "other"), ("1140", "other")],
)
def test_cpt_family_from_numeric_range(code: str, family: str) -> None:
    assert cpt_family(code) == family


def _codes(gold: list[str], pred: list[str], gp: str, pp: str) -> NoteCodes:
    return NoteCodes(Counter(gold), Counter(pred), Counter(), Counter(), gp, pp)


def test_code_figures_by_hand() -> None:
    notes = [
        _codes(["11402"], ["11402"], "11402", "11402"),  # right
        _codes(["11603", "12032"], ["11603", "12031"], "11603", "11603"),  # repair size wrong: family still right
        _codes(["11401"], [], "11401", NO_CODE),  # empty prediction
        _codes(["11441"], ["11641"], "11441", "11641"),  # benign coded malignant
    ]
    result = score_codes(notes)
    assert result["exact_cpt"] == {"correct": 1, "total": 4, "accuracy": 0.25}
    assert result["primary_cpt"] == {"correct": 2, "total": 4, "accuracy": 0.5}
    assert result["family_set"] == {"correct": 2, "total": 4, "accuracy": 0.5}
    assert result["primary_family"] == {"correct": 2, "total": 4, "accuracy": 0.5}
    assert result["cpt"]["micro"]["tp"] == 2 and result["cpt"]["micro"]["fp"] == 2 and result["cpt"]["micro"]["fn"] == 3
    confusion = result["primary_confusion"]
    assert confusion["labels"] == ["11401", "11402", "11441", "11603", "11641", NO_CODE]
    row = confusion["labels"].index("11441")
    assert confusion["matrix"][row] == [0, 0, 0, 0, 1, 0]
    assert confusion["matrix"][confusion["labels"].index("11401")][-1] == 1


# ---- lesions --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("cm", "bucket"),
    [("0.5", "≤0.5 cm"), ("0.55", "0.6–1.0 cm"), ("1.0", "0.6–1.0 cm"), ("1.05", "1.1–2.0 cm"), ("2.0", "1.1–2.0 cm"),
     ("3.1", "3.1–4.0 cm"), ("4.0", "3.1–4.0 cm"), ("4.1", ">4.0 cm"), (None, "(not found)")],
)
def test_diameter_bucket_edges(cm, bucket) -> None:
    assert diameter_bucket(cm) == bucket


def test_site_group_from_the_coding_tables() -> None:
    assert (site_group("eyelid"), site_group("scalp"), site_group("thigh"), site_group("nowhere")) == (
        "face", "scalp_neck_hands_feet_genitalia", "trunk_arms_legs", "(not found)")


def test_alignment_follows_the_site_not_the_index() -> None:
    gold = [{"region": "back", "laterality": "left"}, {"region": "nose", "laterality": "midline"}]
    pred = [{"region": "nose", "laterality": "midline"}, {"region": "back", "laterality": "left"}]
    assert align(gold, pred) == [(0, 1), (1, 0)]


def test_equal_sites_pair_in_index_order_and_extra_gold_is_missing() -> None:
    gold = [{"region": "back", "laterality": "left"}] * 3
    pred = [{"region": "back", "laterality": "left"}] * 2
    assert align(gold, pred) == [(0, 0), (1, 1)]
    assert MISSING_LESION == "(missing lesion)"


# ---- bootstrap and automation -----------------------------------------------------------------

def test_bootstrap_is_seeded_and_brackets_the_value() -> None:
    stats = {"acc": Statistic("rate", [1, 0, 1, 1, 0, 1, 1, 1], [1] * 8)}
    first, second = bootstrap(stats, resamples=500, seed=7), bootstrap(stats, resamples=500, seed=7)
    assert first == second
    assert first["acc"]["value"] == pytest.approx(0.75)
    assert 0.25 <= first["acc"]["low"] <= 0.75 <= first["acc"]["high"] <= 1.0
    assert bootstrap(stats, resamples=500, seed=8)["acc"] != first["acc"]


def test_bootstrap_of_a_perfect_sample_is_a_point_and_f1_is_a_ratio_of_sums() -> None:
    result = bootstrap({"acc": Statistic("rate", [1, 1, 1], [1, 1, 1]), "f1": Statistic("f1", [2, 0, 0], [0, 1, 0], [1, 0, 0])}, resamples=200)
    assert (result["acc"]["low"], result["acc"]["high"]) == (1.0, 1.0)
    assert result["f1"]["value"] == pytest.approx(2 * 2 / (2 * 2 + 1 + 1))  # tp 2, fp 1, fn 1


def test_bootstrap_rejects_ragged_rows() -> None:
    with pytest.raises(ValueError, match="one row per note"):
        bootstrap({"a": Statistic("rate", [1], [1]), "b": Statistic("rate", [1, 0], [1, 1])})


def test_automation_curve_by_hand() -> None:
    curve = automation_curve([0.95, 0.95, 0.9, 0.8, 0.0], [True, True, True, False, False])
    assert [(p["threshold"], p["notes"], p["coverage"], p["accuracy"]) for p in curve["points"]] == [
        (0.95, 2, 0.4, 1.0), (0.9, 3, 0.6, 1.0), (0.8, 4, 0.8, 0.75), (0.0, 5, 1.0, 0.6)]
    assert curve["auto_accept"]["0.95"] == {"target": 0.95, "coverage": 0.6, "threshold": 0.9, "notes": 3}
    assert curve["auto_accept"]["0.98"]["coverage"] == 0.6


def test_automation_with_no_accurate_threshold_accepts_nothing() -> None:
    curve = automation_curve([0.9, 0.5], [False, True])
    assert curve["auto_accept"]["0.95"] == {"target": 0.95, "coverage": 0.0, "threshold": None, "notes": 0}


# ---- agreement --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        # po = .75, pe = .5*.25 + .5*.75 = .5 -> kappa .5
        (["p", "p", "a", "a"], ["p", "a", "a", "a"], 0.5),
        # po = 1
        (["x", "y", "z"], ["x", "y", "z"], 1.0),
        # po = 0, pe = .5 -> -1
        (["p", "a"], ["a", "p"], -1.0),
        # po = .5, pe = .5 -> 0
        (["p", "p", "a", "a"], ["p", "a", "p", "a"], 0.0),
    ],
)
def test_kappa_by_hand(a, b, expected) -> None:
    assert kappa(a, b)["kappa"] == pytest.approx(expected)


def test_kappa_with_one_category_is_undefined_not_nan() -> None:
    assert kappa(["p", "p"], ["p", "p"]) == {"kappa": None, "items": 2, "observed_agreement": 1.0}

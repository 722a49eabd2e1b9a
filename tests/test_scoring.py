"""The scorer, checked against counts worked out by hand."""

from __future__ import annotations

from collections import Counter

import pytest

from nlp.evaluation.metrics import PRF, code_multiset, strict_span_prf


def test_strict_span_counts_by_label() -> None:
    gold = [(0, 4, "A"), (5, 9, "A"), (10, 12, "B")]
    pred = [(0, 4, "A"), (5, 8, "A"), (10, 12, "B"), (13, 14, "B")]
    counts = strict_span_prf(gold, pred)
    assert (counts["A"].tp, counts["A"].fp, counts["A"].fn) == (1, 1, 1)
    assert (counts["B"].tp, counts["B"].fp, counts["B"].fn) == (1, 1, 0)
    assert counts["A"].f1 == pytest.approx(0.5)
    assert counts["B"].precision == pytest.approx(0.5) and counts["B"].recall == 1.0


def test_same_span_different_label_is_one_fp_and_one_fn() -> None:
    counts = strict_span_prf([(0, 4, "A")], [(0, 4, "B")])
    assert (counts["A"].tp, counts["A"].fn, counts["B"].fp) == (0, 1, 1)


def test_empty_prediction_scores_zero_not_nan() -> None:
    counts = strict_span_prf([(0, 4, "A")], [])
    assert counts["A"].as_dict() == {"tp": 0, "fp": 0, "fn": 1, "precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_prf_adds_counts_not_ratios() -> None:
    total = PRF(1, 0, 0)
    total += PRF(0, 3, 1)
    assert (total.tp, total.fp, total.fn) == (1, 3, 1)
    assert total.precision == pytest.approx(0.25) and total.recall == pytest.approx(0.5)


def test_units_expand_into_the_multiset() -> None:
    assert code_multiset([("13101", 1), ("13102", 2)]) == Counter({"13101": 1, "13102": 2})

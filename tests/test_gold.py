"""End to end on the gold notes: the figures the project reports.

The test split is for measurement only: no rule is tuned on it (annotations/README.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp.evaluation.gold import CORE_LABELS, load_gold
from nlp.evaluation.score import score

ANNOTATIONS = Path(__file__).resolve().parents[1] / "annotations"
EXACT_CPT_TARGET = 0.95
SPAN_F1_TARGET = 0.90


def _run(coder, split: str):
    notes = load_gold(ANNOTATIONS / f"{split}.jsonl")
    result = score(notes, coder.code_many((n.id, n.text) for n in notes))
    print(f"\n{split}: " + json.dumps(result.as_dict(), indent=1))  # shown with pytest -s / -rA
    return result


@pytest.fixture(scope="module")
def test_split(coder):
    return _run(coder, "test")


def test_exact_cpt_set_on_test_split(test_split) -> None:
    assert test_split.notes >= 30
    assert test_split.exact_cpt_rate >= EXACT_CPT_TARGET, test_split.misses


@pytest.mark.parametrize("label", CORE_LABELS)
def test_strict_span_f1_on_test_split(test_split, label: str) -> None:
    counts = test_split.spans[label]
    assert counts.tp + counts.fn > 0, f"no gold {label} spans in the test split"
    assert counts.f1 >= SPAN_F1_TARGET, counts.as_dict()


def test_dev_split_is_coded_as_well(coder) -> None:
    dev = _run(coder, "dev")
    assert dev.exact_cpt_rate >= EXACT_CPT_TARGET, dev.misses

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
# The neighbouring procedure families (notes *-301 on, added for issue 3; dev-520..559 are excision
# notes numbered in that range) reached the target on the test split on 2026-12-06, night (test
# families 28/28, whole test 71/71, whole dev 1307/1313 = 0.995 with dev-470..1519, whole-test span
# F1 0.90 or better per core label).  The floors guard against regressions: a family floor at the
# issue's target (one family note may slip), the whole test split with no note wrong, dev just under
# the measured figure.
FAMILIES_TEST_FLOOR = 0.95
WHOLE_TEST_FLOOR = 0.99
WHOLE_DEV_FLOOR = 0.99
WHOLE_SPAN_F1_FLOOR = 0.90


def _is_family_note(note) -> bool:
    return int(note.id.rsplit("-", 1)[1]) >= 301


def _run(coder, split: str, select=lambda note: True):
    notes = [n for n in load_gold(ANNOTATIONS / f"{split}.jsonl") if select(n)]
    result = score(notes, coder.code_many((n.id, n.text) for n in notes))
    print(f"\n{split}: " + json.dumps(result.as_dict(), indent=1))  # shown with pytest -s / -rA
    return result


@pytest.fixture(scope="module")
def test_split(coder):
    return _run(coder, "test")


@pytest.fixture(scope="module")
def test_excisions(coder):
    return _run(coder, "test", lambda note: not _is_family_note(note))


def test_exact_cpt_set_on_the_excision_notes_of_the_test_split(test_excisions) -> None:
    assert test_excisions.notes >= 30
    assert test_excisions.exact_cpt_rate >= EXACT_CPT_TARGET, test_excisions.misses


@pytest.mark.parametrize("label", CORE_LABELS)
def test_strict_span_f1_on_the_excision_notes_of_the_test_split(test_excisions, label: str) -> None:
    counts = test_excisions.spans[label]
    assert counts.tp + counts.fn > 0, f"no gold {label} spans in the test split"
    assert counts.f1 >= SPAN_F1_TARGET, counts.as_dict()


def test_whole_test_split_does_not_regress(coder, test_split) -> None:
    families = _run(coder, "test", _is_family_note)
    assert families.notes >= 28
    assert families.exact_cpt_rate >= FAMILIES_TEST_FLOOR, families.misses
    assert test_split.exact_cpt_rate >= WHOLE_TEST_FLOOR, test_split.misses
    for label in CORE_LABELS:
        assert test_split.spans[label].f1 >= WHOLE_SPAN_F1_FLOOR, (label, test_split.spans[label].as_dict())


def test_dev_split_is_coded_as_well(coder) -> None:
    dev = _run(coder, "dev", lambda note: not _is_family_note(note))
    assert dev.exact_cpt_rate >= EXACT_CPT_TARGET, dev.misses
    whole = _run(coder, "dev")
    assert whole.exact_cpt_rate >= WHOLE_DEV_FLOOR, whole.misses

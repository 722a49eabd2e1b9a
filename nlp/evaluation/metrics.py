"""Counters-first metrics: every ratio is reported next to the tp/fp/fn it comes from."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable


@dataclass
class PRF:
    """Precision, recall and F1 from raw counts (0/0 is reported as 0.0, with the counts)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __iadd__(self, other: "PRF") -> "PRF":
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        return self

    def as_dict(self) -> dict[str, float | int]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": self.precision, "recall": self.recall, "f1": self.f1}


def strict_span_prf(gold: Iterable[tuple[int, int, str]], predicted: Iterable[tuple[int, int, str]]) -> dict[str, PRF]:
    """Per-label counts for exact (start, end, label) matches of one note."""
    gold_set, pred_set = set(gold), set(predicted)
    out: dict[str, PRF] = {}
    for span in gold_set | pred_set:
        score = out.setdefault(span[2], PRF())
        if span in gold_set and span in pred_set:
            score.tp += 1
        elif span in gold_set:
            score.fn += 1
        else:
            score.fp += 1
    return out


def code_multiset(codes: Iterable[tuple[str, int]]) -> Counter[str]:
    """Expand (code, units) lines into a multiset, so 17003 x3 equals three 17003 lines."""
    counter: Counter[str] = Counter()
    for code, units in codes:
        counter[code] += max(1, units)
    return counter

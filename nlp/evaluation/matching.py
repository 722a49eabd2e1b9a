"""Pair gold and predicted items and turn the pairs into label vectors for scikit-learn.

Every P/R/F1 in the harness is computed the same way: matched items become a ``(label, label)``
pair, a gold item left alone becomes ``(label, NONE)`` and a predicted one ``(NONE, label)``.
``precision_recall_fscore_support`` over those vectors, restricted to the real labels, gives
exactly tp / (tp + fp) and tp / (tp + fn); ``multilabel_confusion_matrix`` gives the raw counts.
"""

from __future__ import annotations

import warnings
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterable, Sequence

NONE = "\u2205"  # the "nothing here" label; never a real label or code


@dataclass
class Pairs:
    """Aligned gold / predicted label vectors."""

    gold: list[str] = field(default_factory=list)
    pred: list[str] = field(default_factory=list)

    def add(self, gold: str, pred: str) -> None:
        self.gold.append(gold)
        self.pred.append(pred)

    def extend(self, other: "Pairs") -> None:
        self.gold.extend(other.gold)
        self.pred.extend(other.pred)


def multiset_pairs(gold: Counter[str], pred: Counter[str]) -> Pairs:
    """Pairs for two multisets: min(g, p) matches per item, the rest unmatched (units counted)."""
    pairs = Pairs()
    for item in sorted(set(gold) | set(pred)):
        g, p = gold[item], pred[item]
        for _ in range(min(g, p)):
            pairs.add(item, item)
        for _ in range(g - min(g, p)):
            pairs.add(item, NONE)
        for _ in range(p - min(g, p)):
            pairs.add(NONE, item)
    return pairs


def prf_table(pairs: Pairs, labels: Sequence[str]) -> dict:
    """Per-label and micro/macro precision, recall, F1 with raw tp/fp/fn (scikit-learn).

    A label with no gold and no predicted item scores 0.0 (``zero_division=0``) and shows zero
    counts; macro averages over ``labels`` as given.
    """
    from sklearn.metrics import multilabel_confusion_matrix, precision_recall_fscore_support

    labels = list(labels)
    out: dict = {"labels": {}, "micro": _empty(), "macro": {"precision": 0.0, "recall": 0.0, "f1": 0.0}}
    if not labels:
        return out
    y_true, y_pred = pairs.gold or [NONE], pairs.pred or [NONE]
    with quiet_sklearn():
        p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, labels=labels, average=None, zero_division=0)
        counts = multilabel_confusion_matrix(y_true, y_pred, labels=labels)
        mp, mr, mf, _ = precision_recall_fscore_support(y_true, y_pred, labels=labels, average="micro", zero_division=0)
        ap, ar, af, _ = precision_recall_fscore_support(y_true, y_pred, labels=labels, average="macro", zero_division=0)
    for i, label in enumerate(labels):
        (_tn, fp), (fn, tp) = counts[i]
        out["labels"][label] = {"tp": int(tp), "fp": int(fp), "fn": int(fn), "precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i])}
    tp_sum = sum(v["tp"] for v in out["labels"].values())
    fp_sum = sum(v["fp"] for v in out["labels"].values())
    fn_sum = sum(v["fn"] for v in out["labels"].values())
    out["micro"] = {"tp": tp_sum, "fp": fp_sum, "fn": fn_sum, "precision": float(mp), "recall": float(mr), "f1": float(mf)}
    out["macro"] = {"precision": float(ap), "recall": float(ar), "f1": float(af)}
    return out


@contextmanager
def quiet_sklearn():
    """Silence scikit-learn's "single label found" notice in this block only: one-code groups are normal."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="A single label was found", category=UserWarning)
        yield


def _empty() -> dict:
    return {"tp": 0, "fp": 0, "fn": 0, "precision": 0.0, "recall": 0.0, "f1": 0.0}


def accuracy(gold: Iterable[str], pred: Iterable[str]) -> dict:
    """Accuracy with its counts (scikit-learn ``accuracy_score``); no items gives 0.0 of 0."""
    from sklearn.metrics import accuracy_score

    g, p = list(gold), list(pred)
    if not g:
        return {"correct": 0, "total": 0, "accuracy": 0.0}
    with quiet_sklearn():
        return {"correct": int(round(accuracy_score(g, p, normalize=False))), "total": len(g), "accuracy": float(accuracy_score(g, p))}

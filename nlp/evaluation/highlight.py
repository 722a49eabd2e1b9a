"""Cut a note into highlighted segments: spans both sides agree on, missed ones, spurious ones."""

from __future__ import annotations

from typing import Sequence

MATCH, MISSED, SPURIOUS, BOTH = "match", "missed", "spurious", "clash"


def segments(text: str, gold: Sequence[tuple[int, int, str]], pred: Sequence[tuple[int, int, str]]) -> list[dict]:
    """Consecutive ``{text, kind, labels}`` pieces; ``kind`` None for plain text.

    A character inside an exact gold = predicted span is ``match``; inside only unmatched gold
    spans ``missed``; only unmatched predicted spans ``spurious``; both ``clash``.
    """
    gold_set, pred_set = set(gold), set(pred)
    marks = sorted({0, len(text)} | {p for s in gold_set | pred_set for p in s[:2] if 0 <= p <= len(text)})
    out: list[dict] = []
    for start, end in zip(marks, marks[1:], strict=False):
        if start >= end:
            continue
        matched = _covering(gold_set & pred_set, start, end)
        missed = _covering(gold_set - pred_set, start, end)
        spurious = _covering(pred_set - gold_set, start, end)
        if missed and spurious:
            kind = BOTH
        elif missed:
            kind = MISSED
        elif spurious:
            kind = SPURIOUS
        elif matched:
            kind = MATCH
        else:
            kind = None
        labels = [f"gold {s[2]}" for s in missed] + [f"predicted {s[2]}" for s in spurious] + [s[2] for s in matched]
        out.append({"text": text[start:end], "kind": kind, "labels": ", ".join(labels)})
    return out


def _covering(spans: set[tuple[int, int, str]], start: int, end: int) -> list[tuple[int, int, str]]:
    return sorted(s for s in spans if s[0] <= start and end <= s[1])

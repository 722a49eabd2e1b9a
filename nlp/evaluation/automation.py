"""The automation curve: how many notes could skip human review, and how accurate they'd be.

A note's confidence is the lowest confidence of any of its predicted CPT lines (whatever their
status: a held line means the coder itself was unsure); a note with no CPT line, a failed note
and a note with no prediction have confidence 0.  For each distinct confidence ``t`` the curve
gives the share of notes with confidence >= ``t`` (coverage) and the exact-CPT-set accuracy of
those notes.  The auto-accept share at a target accuracy is the largest coverage whose
accuracy meets the target (0 when none does).
"""

from __future__ import annotations

from typing import Sequence

from nlp.schema import ResultRecord

TARGETS = (0.95, 0.98)


def note_confidence(record: ResultRecord | None) -> float:
    """Minimum CPT-line confidence of a record (0.0 when there is none)."""
    if record is None or record.status != "ok":
        return 0.0
    values = [c.confidence for c in record.codes if c.system == "CPT"]
    return min(values) if values else 0.0


def automation_curve(confidences: Sequence[float], correct: Sequence[bool], targets: Sequence[float] = TARGETS) -> dict:
    """Coverage/accuracy points, highest threshold first, and the auto-accept share per target."""
    if len(confidences) != len(correct):
        raise ValueError("one confidence and one correctness flag per note are needed")
    n = len(confidences)
    points = []
    for threshold in sorted(set(confidences), reverse=True):
        chosen = [ok for conf, ok in zip(confidences, correct, strict=True) if conf >= threshold]
        points.append({
            "threshold": threshold, "notes": len(chosen), "coverage": len(chosen) / n,
            "correct": sum(chosen), "accuracy": sum(chosen) / len(chosen),
        })
    auto = {}
    for target in targets:
        ok = [p for p in points if p["accuracy"] >= target]
        best = max(ok, key=lambda p: (p["coverage"], p["threshold"])) if ok else None
        auto[f"{target:.2f}"] = {
            "target": target, "coverage": best["coverage"] if best else 0.0,
            "threshold": best["threshold"] if best else None, "notes": best["notes"] if best else 0,
        }
    return {"points": points, "auto_accept": auto}

"""Lesion facts: site region and group, behaviour, excised-diameter bucket, closure class.

Predicted lesions are aligned to gold lesions one-to-one by the best site match: each pair
scores 4 for the same region, 2 for the same laterality and 1 for the same excision site group,
less 0.01 per step of index distance (so equal sites pair in index order), and the pairing with
the highest total wins (``scipy.optimize.linear_sum_assignment``).  A gold lesion left without a
partner counts as wrong on every fact (predicted value ``(missing lesion)``); a predicted lesion
left over is counted as spurious.  Buckets and site groups come from the coding tables, so they
follow the same boundaries the coder uses (0.55 cm falls in 0.6-1.0 cm).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Sequence

from nlp.evaluation.matching import accuracy
from nlp.schema import LesionOut, ResultRecord

FACTS = ("region", "site_group", "behaviour", "diameter_bucket", "closure")
MISSING_LESION = "(missing lesion)"
NOT_FOUND = "(not found)"


@lru_cache(maxsize=1)
def _tables():
    from nlp.coding.tables import load_tables

    return load_tables()


def site_group(region: str | None) -> str:
    """Excision site group of a region (``sites.yaml``); unknown regions give ``(not found)``."""
    row = _tables().regions.get(region) if region else None
    return row.excision if row is not None else NOT_FOUND


def diameter_bucket(value: object) -> str:
    """The excised-diameter bucket label of a value in cm (``(not found)`` when absent)."""
    if value is None or value == "":
        return NOT_FOUND
    try:
        cm = Decimal(str(value))
    except InvalidOperation:
        return NOT_FOUND
    tables = _tables()
    bounds = tables.excision_bounds
    index = next((i for i, bound in enumerate(bounds) if cm <= bound), len(bounds))
    return tables.excision_band_label(index)


def gold_facts(lesion: dict) -> dict[str, str]:
    """The five facts of a gold lesion dict."""
    return {
        "region": str(lesion.get("region") or NOT_FOUND),
        "site_group": site_group(lesion.get("region")),
        "behaviour": str(lesion.get("behaviour") or NOT_FOUND),
        "diameter_bucket": diameter_bucket(lesion.get("excised_diameter_cm")),
        "closure": str(lesion.get("closure") or NOT_FOUND),
    }


def predicted_facts(lesion: LesionOut) -> dict[str, str]:
    """The five facts of a predicted lesion."""
    region = lesion.site.region if lesion.site else None
    return {
        "region": region or NOT_FOUND,
        "site_group": (lesion.site.group if lesion.site and lesion.site.group else site_group(region)),
        "behaviour": lesion.behaviour,
        "diameter_bucket": diameter_bucket(lesion.excised_diameter_cm),
        "closure": lesion.closure.closure_class if lesion.closure else NOT_FOUND,
    }


@dataclass
class NoteLesions:
    """Aligned facts of one note: one (gold, predicted) dict pair per gold lesion."""

    pairs: list[tuple[dict[str, str], dict[str, str]]] = field(default_factory=list)
    spurious: int = 0

    def correct(self, fact: str) -> tuple[int, int]:
        """(correct, total) for one fact in this note."""
        return sum(1 for g, p in self.pairs if g[fact] == p[fact]), len(self.pairs)


def _side(lesion: dict | LesionOut) -> tuple[str | None, str | None]:
    if isinstance(lesion, dict):
        return lesion.get("region"), lesion.get("laterality")
    return (lesion.site.region, lesion.site.laterality) if lesion.site else (None, None)


def align(gold: Sequence[dict], pred: Sequence[LesionOut | dict]) -> list[tuple[int, int]]:
    """Index pairs (gold, predicted) of the best site match (see the module docstring)."""
    if not gold or not pred:
        return []
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    score = np.zeros((len(gold), len(pred)))
    for i, g in enumerate(gold):
        g_region, g_side = _side(g)
        for j, p in enumerate(pred):
            p_region, p_side = _side(p)
            score[i, j] = (
                4 * (g_region is not None and g_region == p_region)
                + 2 * (g_side is not None and g_side == p_side)
                + 1 * (site_group(g_region) == site_group(p_region) != NOT_FOUND)
                - 0.01 * abs(i - j)
            )
    rows, cols = linear_sum_assignment(score, maximize=True)
    return sorted(zip((int(r) for r in rows), (int(c) for c in cols), strict=True))


def note_lesions(gold: Sequence[dict], record: ResultRecord | None) -> NoteLesions:
    """Align one note's lesions and collect their facts."""
    pred = list(record.lesions) if record is not None and record.status == "ok" else []
    pairs = dict(align(gold, pred))
    out = NoteLesions(spurious=len(pred) - len(pairs))
    for i, lesion in enumerate(gold):
        g = gold_facts(lesion)
        p = predicted_facts(pred[pairs[i]]) if i in pairs else {fact: MISSING_LESION for fact in FACTS}
        out.pairs.append((g, p))
    return out


def score_lesions(notes: Sequence[NoteLesions]) -> dict:
    """Accuracy with counts per fact, plus lesion counts."""
    pairs = [pair for note in notes for pair in note.pairs]
    out: dict = {
        "gold_lesions": len(pairs),
        "missing_lesions": sum(1 for _, p in pairs if p["region"] == MISSING_LESION),
        "spurious_lesions": sum(note.spurious for note in notes),
    }
    for fact in FACTS:
        out[fact] = accuracy((g[fact] for g, _ in pairs), (p[fact] for _, p in pairs))
    return out

"""Percentile bootstrap confidence intervals over notes (seeded, so reports reproduce).

Notes are the unit that was sampled, so notes are what we resample: each replicate draws ``n``
notes with replacement and recomputes the figure from the drawn notes' counts (a ratio of sums,
not a mean of per-note ratios).  The interval is the 2.5th and 97.5th percentile of the
replicates.  With ``n`` notes and ``resamples`` replicates this is one matrix product.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

DEFAULT_RESAMPLES = 1000
DEFAULT_SEED = 20240611
DEFAULT_LEVEL = 0.95


@dataclass(frozen=True)
class Statistic:
    """A figure as per-note counts.

    ``kind="rate"``: ``a`` = correct items, ``b`` = items per note; value sum(a) / sum(b).
    ``kind="f1"``: ``a`` = tp, ``b`` = fp, ``c`` = fn per note; value 2tp / (2tp + fp + fn).
    """

    kind: str
    a: Sequence[float]
    b: Sequence[float]
    c: Sequence[float] = ()

    def value(self, weights: np.ndarray | None = None) -> np.ndarray | float:
        """The figure on the full sample (``weights`` None) or per replicate (counts matrix)."""
        a, b = np.asarray(self.a, float), np.asarray(self.b, float)
        if weights is None:
            weights = np.ones((1, len(a)))
        sa, sb = weights @ a, weights @ b
        if self.kind == "rate":
            num, den = sa, sb
        elif self.kind == "f1":
            num, den = 2 * sa, 2 * sa + sb + weights @ np.asarray(self.c, float)
        else:
            raise ValueError(f"unknown statistic kind {self.kind!r}; use 'rate' or 'f1'")
        out = np.divide(num, den, out=np.zeros_like(num, dtype=float), where=den > 0)
        return float(out[0]) if out.shape == (1,) else out


def bootstrap(stats: dict[str, Statistic], *, resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED,
              level: float = DEFAULT_LEVEL) -> dict[str, dict[str, float]]:
    """Value and percentile interval of each statistic; every statistic sees the same replicates."""
    sizes = {len(s.a) for s in stats.values()}
    if len(sizes) > 1:
        raise ValueError(f"statistics cover different numbers of notes {sorted(sizes)}; pass one row per note")
    n = sizes.pop() if sizes else 0
    out = {}
    rng = np.random.default_rng(seed)
    weights = np.zeros((resamples, n))
    if n and resamples:
        draws = rng.integers(0, n, size=(resamples, n))
        np.add.at(weights, (np.repeat(np.arange(resamples), n), draws.ravel()), 1)
    tail = (1 - level) / 2 * 100
    for name, stat in stats.items():
        value = stat.value()
        if n and resamples:
            low, high = np.percentile(stat.value(weights), [tail, 100 - tail])
        else:
            low = high = value
        out[name] = {"value": float(value), "low": float(low), "high": float(high), "level": level, "resamples": resamples, "seed": seed}
    return out

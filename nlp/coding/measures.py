"""Exact size arithmetic: excised diameter, size buckets, add-on units.

Everything is :class:`~decimal.Decimal`.  A binary float turns a 24 mm lesion with 3 mm margins
into 3.0000000000000004 cm and moves an exactly-3.0 cm excision into the next code
(coding-rules.md section 1.2), so floats are refused at the door.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Literal

from nlp.errors import InputError
from nlp.records import Lesion, Measure

DiameterSource = Literal["explicit", "lesion_and_margin", "lesion_only", "specimen", "missing"]

_TENTH = Decimal("0.1")


def cm_value(measure: Measure, field: str, lesion: int) -> Decimal:
    """The measure's value, checked to be an exact, finite, non-negative ``Decimal``."""
    value = measure.value_cm
    if isinstance(value, bool) or not isinstance(value, Decimal):
        raise InputError(
            f"lesion {lesion}: {field}.value_cm must be a decimal.Decimal, got {type(value).__name__} {value!r}; "
            "build it with Decimal('0.5') (floats are not exact)"
        )
    if not value.is_finite() or value < 0:
        raise InputError(f"lesion {lesion}: {field}.value_cm must be a finite length >= 0 cm, got {value}")
    return value


def fmt_cm(value: Decimal) -> str:
    """Print a length the way a coder writes it: ``0.5``, ``3.0``, ``0.55`` (never ``5E-1``)."""
    normal = value.normalize()
    if normal == normal.to_integral_value():
        return f"{normal:.1f}"
    return format(normal, "f")


def whole_mm(value: Decimal) -> bool:
    """True when ``value`` cm is a whole number of millimetres (0.5 yes, 0.55 no)."""
    tenths = value * 10
    return tenths == tenths.to_integral_value()


def bucket(value: Decimal, upper_bounds: list[Decimal]) -> int:
    """Index of the first bucket whose inclusive upper bound holds ``value``.

    Returns ``len(upper_bounds)`` for a value above every bound (the open-ended top bucket).
    Contiguous intervals: 0.55 is above 0.5, so it lands in the 0.6-1.0 bucket.
    """
    for index, upper in enumerate(upper_bounds):
        if value <= upper:
            return index
    return len(upper_bounds)


def ceil_units(excess: Decimal, step: Decimal) -> int:
    """``ceil(excess / step)`` in exact arithmetic: add-on units "per 5 cm or part thereof"."""
    return int((excess / step).to_integral_value(rounding=ROUND_CEILING))


def band_label(index: int, upper_bounds: list[Decimal]) -> str:
    """Human label of a length band: ``≤2.5 cm``, ``2.6–7.5 cm``, ``>30.0 cm``."""
    if index == 0:
        return f"≤{fmt_cm(upper_bounds[0])} cm"
    if index >= len(upper_bounds):
        return f">{fmt_cm(upper_bounds[-1])} cm"
    return f"{fmt_cm(upper_bounds[index - 1] + _TENTH)}–{fmt_cm(upper_bounds[index])} cm"


@dataclass(frozen=True)
class Diameter:
    """The excised diameter of one lesion and how it was reached.

    ``used`` lists ``(fact, measure)`` pairs so the caller can cite their spans as evidence.
    """

    value: Decimal | None
    source: DiameterSource
    formula: str | None
    used: tuple[tuple[str, Measure], ...] = ()


def excised_diameter(lesion: Lesion) -> Diameter:
    """Greatest lesion dimension + 2 x narrowest margin, per coding-rules.md section 1.3.

    Precedence: an excised diameter stated in the note; else lesion size plus both margins;
    else lesion size alone (no margin documented: never impute one); else the pathology
    specimen size as a provisional value; else nothing.  The caller raises the matching
    documentation queries (MARGIN_MISSING, SIZE_FROM_PATHOLOGY, SIZE_MISSING).
    """
    n = lesion.index
    if lesion.excised_diameter is not None:
        value = cm_value(lesion.excised_diameter, "excised_diameter", n)
        return Diameter(
            value, "explicit", f"documented excised diameter {fmt_cm(value)} cm", (("excised_diameter", lesion.excised_diameter),)
        )
    if lesion.lesion_size is not None:
        size = cm_value(lesion.lesion_size, "lesion_size", n)
        if lesion.margin is not None:
            margin = cm_value(lesion.margin, "margin", n)
            value = size + 2 * margin
            formula = f"{fmt_cm(size)} cm lesion + 2 x {fmt_cm(margin)} cm margin = {fmt_cm(value)} cm excised diameter"
            return Diameter(value, "lesion_and_margin", formula, (("lesion_size", lesion.lesion_size), ("margin", lesion.margin)))
        formula = f"{fmt_cm(size)} cm lesion, no margin documented = {fmt_cm(size)} cm excised diameter"
        return Diameter(size, "lesion_only", formula, (("lesion_size", lesion.lesion_size),))
    if lesion.specimen_size is not None:
        value = cm_value(lesion.specimen_size, "specimen_size", n)
        formula = f"provisional {fmt_cm(value)} cm excised diameter from the pathology specimen size"
        return Diameter(value, "specimen", formula, (("specimen_size", lesion.specimen_size),))
    return Diameter(None, "missing", None)

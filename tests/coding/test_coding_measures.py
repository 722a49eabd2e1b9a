"""Exact size arithmetic (coding-rules.md 1.2-1.3): Decimal only, contiguous buckets."""

from __future__ import annotations

from decimal import Decimal

import pytest

from nlp.coding.measures import band_label, bucket, ceil_units, excised_diameter, fmt_cm, whole_mm
from nlp.errors import InputError
from nlp.records import Measure, Span

BOUNDS = [Decimal(x) for x in ("0.5", "1.0", "2.0", "3.0", "4.0")]


def test_float_arithmetic_would_miss_the_3_0_boundary_and_decimal_does_not() -> None:
    assert 24 * 0.1 + 2 * (3 * 0.1) > 3.0  # the trap the reference warns about
    exact = Decimal(24) / 10 + 2 * (Decimal(3) / 10)
    assert exact == Decimal("3.0")
    assert bucket(exact, BOUNDS) == 3


@pytest.mark.parametrize(
    "value, index",
    [("0.1", 0), ("0.5", 0), ("0.51", 1), ("0.55", 1), ("1.0", 1), ("1.01", 2), ("2.0", 2), ("2.1", 3),
     ("3.0", 3), ("3.1", 4), ("4.0", 4), ("4.01", 5), ("12.0", 5)],
)
def test_bucket_upper_bounds_are_inclusive(value: str, index: int) -> None:
    assert bucket(Decimal(value), BOUNDS) == index


@pytest.mark.parametrize("value, text", [("0.5", "0.5"), ("0.50", "0.5"), ("3", "3.0"), ("3.00", "3.0"), ("0.55", "0.55"), ("1E+1", "10.0")])
def test_fmt_cm(value: str, text: str) -> None:
    assert fmt_cm(Decimal(value)) == text


@pytest.mark.parametrize("value, whole", [("0.5", True), ("0.55", False), ("3.0", True), ("4.01", False), ("10", True)])
def test_whole_mm(value: str, whole: bool) -> None:
    assert whole_mm(Decimal(value)) is whole


@pytest.mark.parametrize("excess, units", [("0.1", 1), ("5.0", 1), ("5.1", 2), ("5.5", 2), ("10.0", 2), ("10.01", 3)])
def test_add_on_units_are_per_step_or_part_thereof(excess: str, units: int) -> None:
    assert ceil_units(Decimal(excess), Decimal("5.0")) == units


def test_band_labels() -> None:
    bounds = [Decimal("2.5"), Decimal("7.5")]
    assert [band_label(i, bounds) for i in range(3)] == ["≤2.5 cm", "2.6–7.5 cm", ">7.5 cm"]


def test_excised_diameter_precedence(make) -> None:
    explicit = excised_diameter(make(size="0.3", margin="0.1", excised="1.4"))
    assert (explicit.value, explicit.source) == (Decimal("1.4"), "explicit")
    computed = excised_diameter(make(size="1.0", margin="0.2"))
    assert (computed.value, computed.source) == (Decimal("1.4"), "lesion_and_margin")
    assert computed.formula == "1.0 cm lesion + 2 x 0.2 cm margin = 1.4 cm excised diameter"
    alone = excised_diameter(make(size="0.8", margin=None))
    assert (alone.value, alone.source) == (Decimal("0.8"), "lesion_only")
    specimen = excised_diameter(make(size=None, margin="0.2", specimen="2.1"))
    assert (specimen.value, specimen.source) == (Decimal("2.1"), "specimen")  # margins never added to a specimen
    missing = excised_diameter(make(size=None, margin=None))
    assert (missing.value, missing.source, missing.formula) == (None, "missing", None)


def test_narrowest_margin_is_what_the_record_carries(make) -> None:
    # 0.5 cm lesion, margins 0.7 and 1.7 cm: the extractor passes the narrowest (0.7).
    assert excised_diameter(make(size="0.5", margin="0.7")).value == Decimal("1.9")


def test_float_sizes_are_refused(make) -> None:
    lesion = make()
    lesion.lesion_size = Measure(value_cm=0.3, span=Span(0, 3, "3mm"), kind="lesion_size")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="decimal.Decimal"):
        excised_diameter(lesion)


def test_negative_sizes_are_refused(make) -> None:
    with pytest.raises(InputError, match=">= 0"):
        excised_diameter(make(margin="-0.1"))

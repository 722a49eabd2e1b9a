"""Builders for hand-made lesion records, so coding tests read like the reference examples.

``make(...)`` builds a :class:`~nlp.records.Lesion` from plain words and numbers::

    make(region="nose", dx="melanocytic_nevus", size="3 mm", margin="1 mm")

Sizes are strings in cm (``"0.3"``) or mm (``"3 mm"``), converted exactly with Decimal.  Every
fact gets its own fake span so evidence can be checked.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Callable

import pytest

from nlp.records import Closure, Diagnosis, Lesion, Measure, Procedure, Site, Span

MALIGNANT = {"bcc", "scc", "scc_in_situ", "melanoma", "melanoma_in_situ", "merkel_cell_carcinoma"}
UNKNOWN = {"neoplasm_unspecified", "skin_lesion_nos"}

_offsets = itertools.count(0, 10)


def span(text: str) -> Span:
    start = next(_offsets)
    return Span(start, start + len(text), text)


def cm(value: str) -> Decimal:
    """``"0.35"`` -> 0.35 cm; ``"3.5 mm"`` -> 0.35 cm (exact)."""
    value = value.strip()
    if value.endswith("mm"):
        return Decimal(value[:-2].strip()) / 10
    return Decimal(value.removesuffix("cm").strip())


def measure(value: str | None, kind: str) -> Measure | None:
    if value is None:
        return None
    return Measure(value_cm=cm(value), span=span(value), kind=kind)  # type: ignore[arg-type]


def behaviour_of(kind: str) -> str:
    if kind in MALIGNANT:
        return "malignant"
    if kind == "uncertain_behaviour_neoplasm":
        return "uncertain"
    if kind in UNKNOWN:
        return "unknown"
    return "benign"


def diagnosis(kind: str, *, source: str = "pathology", certain: bool = True, behaviour: str | None = None) -> Diagnosis:
    return Diagnosis(
        text=kind.replace("_", " "),
        kind=kind,
        behaviour=behaviour or behaviour_of(kind),  # type: ignore[arg-type]
        source=source,  # type: ignore[arg-type]
        span=span(kind),
        certain=certain,
    )


def make_lesion(
    index: int = 1,
    *,
    region: str | None = "nose",
    laterality: str | None = None,
    eyelid_part: str | None = None,
    involves: tuple[str, ...] = (),
    subsite: str | None = None,
    dx: str | None = "melanocytic_nevus",
    source: str = "pathology",
    certain: bool = True,
    behaviour: str | None = None,
    extra_dx: list[Diagnosis] | None = None,
    size: str | None = "0.3",
    margin: str | None = "0.1",
    excised: str | None = None,
    specimen: str | None = None,
    closure: str | None = "simple",
    detail: tuple[str, ...] = (),
    repair: str | None = None,
    procedure: str | None = "excision",
    pending: bool = False,
    prior_malignant: bool = False,
    count: int = 1,
    count_stated: bool = True,
    area: str | None = None,
    areas: tuple[str, ...] = (),
    mohs_stages: int | None = None,
    mohs_blocks: tuple[int, ...] = (),
    depth: str | None = None,
    complicated: bool = False,
    prior_excision_days: int | None = None,
) -> Lesion:
    """One lesion record; defaults are example 1 (3 mm nose nevus, 1 mm margins, simple closure)."""
    site = None
    if region is not None:
        site = Site(
            text=region,
            region=region,
            span=span(region),
            laterality=laterality,  # type: ignore[arg-type]
            eyelid_part=eyelid_part,  # type: ignore[arg-type]
            involves=involves,
            subsite=subsite,
        )
    primary = diagnosis(dx, source=source, certain=certain, behaviour=behaviour) if dx else None
    return Lesion(
        index=index,
        site=site,
        diagnosis=primary,
        diagnoses=([primary] if primary else []) + list(extra_dx or []),
        procedure=Procedure(procedure, procedure, span(procedure)) if procedure else None,  # type: ignore[arg-type]
        lesion_size=measure(size, "lesion_size"),
        margin=measure(margin, "margin"),
        excised_diameter=measure(excised, "excised_diameter"),
        specimen_size=measure(specimen, "specimen_size"),
        closure=Closure(closure, closure, span(closure), detail) if closure else None,  # type: ignore[arg-type]
        repair_length=measure(repair, "wound_length"),
        pathology_pending=pending,
        prior_malignant_biopsy=prior_malignant,
        count=count,
        count_stated=count_stated,
        defect_area=_area(area, areas),
        defect_parts=tuple(_measure_area(a) for a in areas),
        mohs_stages=mohs_stages,
        mohs_blocks=mohs_blocks,
        depth=depth,  # type: ignore[arg-type]
        complicated=complicated,
        prior_excision_days=prior_excision_days,
    )


def _measure_area(value: str) -> Measure:
    return Measure(value_cm=Decimal(value), span=span(value), kind="defect_area")


def _area(total: str | None, parts: tuple[str, ...]) -> Measure | None:
    """The defect area: ``total`` sq cm, or the sum of ``parts`` (primary + secondary defects)."""
    if total is None and not parts:
        return None
    value = Decimal(total) if total is not None else sum((Decimal(p) for p in parts), Decimal(0))
    return Measure(value_cm=value, span=span(str(value)), kind="defect_area")


@pytest.fixture
def make() -> Callable[..., Lesion]:
    """The lesion builder (see module docstring)."""
    return make_lesion


@pytest.fixture
def dx() -> Callable[..., Diagnosis]:
    """The diagnosis builder, for ``extra_dx``."""
    return diagnosis

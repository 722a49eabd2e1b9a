"""Documentation queries, review flags and the confidence scheme.

A *check* (``checks.yaml``) is raised for one lesion and *touches* some kinds of code line
(``excision``, ``repair``, ``icd``).  Query checks become :class:`DocumentationQuery` records;
every check adds its flag to the lines it touches.

Confidence scheme
-----------------
Each line starts at ``meta.base_confidence`` (0.95: a suggestion is never certain, a coder
still signs off).  Every distinct check that touches the line, for any lesion the line covers,
subtracts its ``penalty`` once (e.g. MARGIN_MISSING 0.15, PATHOLOGY_PENDING 0.3).  The result
is clamped at ``meta.min_confidence`` and rounded to two decimals.  Arithmetic is Decimal so
0.95 - 0.1 is 0.85, not 0.8499999.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterable, Literal

from nlp.coding.tables import Tables
from nlp.records import DocumentationQuery

LineKind = Literal["excision", "repair", "icd"]
EXCISION: frozenset[LineKind] = frozenset({"excision"})
REPAIR: frozenset[LineKind] = frozenset({"repair"})
ICD: frozenset[LineKind] = frozenset({"icd"})
NONE: frozenset[LineKind] = frozenset()
ALL: frozenset[LineKind] = frozenset({"excision", "repair", "icd"})


@dataclass(frozen=True)
class Raised:
    """One check raised for one lesion."""

    check_id: str
    lesion: int | None
    targets: frozenset[LineKind]
    params: tuple[tuple[str, str], ...] = ()
    family: str | None = None


@dataclass
class CheckLog:
    """Collects raised checks in order; one entry per (check, lesion)."""

    tables: Tables
    raised: list[Raised] = field(default_factory=list)

    def add(
        self, check_id: str, lesion: int | None, targets: Iterable[LineKind] = NONE, *, family: str | None = None, **params: object
    ) -> None:
        """Raise ``check_id`` for ``lesion``; raising it again widens the lines it touches.

        ``family`` is the lesion's procedure family: it picks the check's wording for that kind
        of procedure (``variants`` in ``checks.yaml``).
        """
        if check_id not in self.tables.checks:  # guarded at load time by ENGINE_CHECKS
            raise KeyError(f"unknown check {check_id!r}")
        new = frozenset(targets)
        for i, old in enumerate(self.raised):
            if old.check_id == check_id and old.lesion == lesion:
                self.raised[i] = Raised(check_id, lesion, old.targets | new, old.params, old.family)
                return
        self.raised.append(Raised(check_id, lesion, new, tuple((k, str(v)) for k, v in params.items()), family))

    def touching(self, kind: LineKind, lesions: Iterable[int]) -> list[Raised]:
        """Checks that touch a line of ``kind`` covering ``lesions``."""
        wanted = set(lesions)
        return [r for r in self.raised if kind in r.targets and r.lesion in wanted]

    def flags(self, kind: LineKind, lesions: Iterable[int]) -> list[str]:
        """Flags of the checks touching a line, in the order they were raised."""
        out: list[str] = []
        for raised in self.touching(kind, lesions):
            flag = self.tables.checks[raised.check_id].flag
            if flag not in out:
                out.append(flag)
        return out

    def confidence(self, kind: LineKind, lesions: Iterable[int]) -> float:
        """Line confidence per the scheme in the module docstring."""
        meta = self.tables.meta
        ids = {r.check_id for r in self.touching(kind, lesions)}
        value = meta.base_confidence - sum((self.tables.checks[i].penalty for i in ids), Decimal(0))
        return float(max(value, meta.min_confidence).quantize(Decimal("0.01")))

    def queries(self) -> list[DocumentationQuery]:
        """The query checks as records, ordered by lesion, then by when they were raised."""
        out = []
        order = sorted(range(len(self.raised)), key=lambda i: (self.raised[i].lesion or 0, i))
        for i in order:
            raised = self.raised[i]
            check = self.tables.checks[raised.check_id]
            if not check.query:
                continue
            message = " ".join(check.message_for(raised.family).format_map(_Params(raised)).split())
            out.append(DocumentationQuery(rule=check.id, message=message, lesion=raised.lesion, flag=check.flag))
        return out


class _Params(dict):
    """Fills message placeholders; any the raiser did not give become empty."""

    def __init__(self, raised: Raised) -> None:
        super().__init__(raised.params)
        self.setdefault("lesion", "" if raised.lesion is None else str(raised.lesion))

    def __missing__(self, key: str) -> str:
        return ""

"""``suggest_codes``: lesion records in, ordered code lines and documentation queries out.

Steps, per coding-rules.md section 0: for each lesion resolve site, behaviour and excised
diameter (never pooling lesions); draft its excision line, its repair piece and its ICD line;
then across lesions merge identical excision and ICD lines into units, sum repair pieces per
class and group, link each CPT line to its lesions' ICD codes, and sequence the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Iterable

from nlp.coding.checks import CheckLog
from nlp.coding.context import LesionContext, build_context
from nlp.coding.evidence import merge
from nlp.coding.excision import code_excision
from nlp.coding.icd import code_icd
from nlp.coding.lines import Draft
from nlp.coding.repairs import repair_drafts, repair_piece
from nlp.coding.tables import Tables, load_tables
from nlp.errors import InputError
from nlp.records import CodingResult, Lesion, LesionCoding

DEFAULT_POLICY = "cpt"


def suggest_codes(lesions: Sequence[Lesion], *, policy: str = DEFAULT_POLICY) -> CodingResult:
    """Suggest CPT and ICD-10-CM codes for the lesions of one note.

    ``policy`` is ``"cpt"`` (CPT rules) or ``"ncci"`` (also NCCI bundling of intermediate and
    complex repairs into benign excisions <=0.5 cm).  Raises :class:`~nlp.errors.InputError`
    for unusable input (unknown policy, non-Lesion items, duplicate indexes, float sizes).
    """
    tables = load_tables()
    ordered = _validated(lesions, policy, tables)
    log = CheckLog(tables)
    contexts = [build_context(lesion, tables, log) for lesion in ordered]

    excisions = [d for d in (code_excision(c, tables, log) for c in contexts) if d is not None]
    pieces = [p for p in (repair_piece(c, tables, log, policy) for c in contexts) if p is not None]
    repairs = repair_drafts(pieces, tables)
    icds = [d for d in (code_icd(c, tables, log) for c in contexts) if d is not None]

    by_index = {c.index: c for c in contexts}
    for draft in icds:
        by_index[draft.lesions[0]].icd_codes.append(draft.code)

    cpt = sorted(_merge(excisions), key=lambda d: d.rank) + sorted(repairs, key=lambda d: d.rank)
    for draft in cpt:
        draft.diagnoses = _unique(code for n in draft.lesions for code in by_index[n].icd_codes)
    icd = _order_icd(_merge(icds), cpt)

    return CodingResult(
        codes=[d.to_suggestion(log) for d in cpt + icd],
        queries=log.queries(),
        lesions=[_lesion_coding(c) for c in contexts],
        rules_version=tables.version,
    )


def _validated(lesions: Sequence[Lesion], policy: str, tables: Tables) -> list[Lesion]:
    if policy not in tables.policies:
        raise InputError(f"unknown policy {policy!r}; use one of {', '.join(sorted(tables.policies))}")
    if isinstance(lesions, (str, bytes)) or not isinstance(lesions, Iterable):
        raise InputError(f"lesions must be a sequence of nlp.records.Lesion, got {type(lesions).__name__}")
    items = list(lesions)
    seen: set[int] = set()
    for position, lesion in enumerate(items):
        if not isinstance(lesion, Lesion):
            raise InputError(f"lesions[{position}] is a {type(lesion).__name__}, expected nlp.records.Lesion")
        if isinstance(lesion.index, bool) or not isinstance(lesion.index, int) or lesion.index < 1:
            raise InputError(f"lesions[{position}].index must be an int >= 1 (1-based), got {lesion.index!r}")
        if lesion.index in seen:
            raise InputError(f"lesion index {lesion.index} appears twice; each lesion needs its own index")
        if isinstance(lesion.count, bool) or not isinstance(lesion.count, int) or lesion.count < 1:
            raise InputError(f"lesion {lesion.index}: count must be an int >= 1, got {lesion.count!r}")
        seen.add(lesion.index)
    return sorted(items, key=lambda lesion: lesion.index)


def _merge(drafts: list[Draft]) -> list[Draft]:
    """Merge lines with the same code and status into one line with units (one per lesion)."""
    merged: dict[tuple[str, str], list[Draft]] = {}
    for draft in drafts:
        merged.setdefault((draft.code, draft.status), []).append(draft)
    out = []
    for group in merged.values():
        first = group[0]
        if len(group) == 1:
            first.result = f"{first.code} x{first.units}{first.note}" if first.units > 1 else f"{first.code}{first.note}"
            out.append(first)
            continue
        units = sum(d.units for d in group) if first.system == "CPT" else 1
        first.parts = [f"lesion {d.lesions[0]}: {part}" for d in group for part in d.parts]
        first.lesions = [n for d in group for n in d.lesions]
        first.extra_rules = _unique(r for d in group for r in [d.rule] + d.extra_rules)
        first.evidence = merge(*(d.evidence for d in group))
        first.rank = min(d.rank for d in group)
        first.units = units
        first.result = (f"{first.code} x{units}" if units > 1 else first.code) + first.note
        out.append(first)
    return out


def _order_icd(icd: list[Draft], cpt: list[Draft]) -> list[Draft]:
    """ICD lines in the order the CPT lines point to them, then the rest by lesion."""
    position = {}
    for draft in cpt:
        for code in draft.diagnoses:
            position.setdefault(code, len(position))
    return sorted(icd, key=lambda d: (position.get(d.code, len(position)), d.rank))


def _unique(items: Iterable[str]) -> list[str]:
    out: list[str] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def _lesion_coding(ctx: LesionContext) -> LesionCoding:
    site = ctx.site
    return LesionCoding(
        lesion=ctx.index,
        site_group=site.row.excision if site else None,
        repair_groups={"simple": site.row.simple, "intermediate": site.row.intermediate, "complex": site.row.complex} if site else {},
        excised_diameter_cm=ctx.diameter.value,
        excised_diameter_formula=ctx.diameter.formula,
        behaviour=ctx.decision.family or "unknown",
    )

"""``suggest_codes``: lesion records in, ordered code lines and documentation queries out.

Steps, per coding-rules.md section 0: for each lesion resolve site, behaviour, excised diameter
and procedure family (never pooling lesions); draft its procedure line (excision, shave, Mohs,
malignant destruction, drainage, soft-tissue tumour), its tissue transfer, flap or graft, its
repair piece and its ICD line; count biopsies, skin tags and benign or premalignant destruction
across the note; then merge identical per-lesion lines into units, sum repair pieces per class
and group, apply the payer profile's modifiers, link each CPT line to its lesions' ICD codes,
and sequence the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Iterable

from nlp.coding.alternatives import alternative_drafts
from nlp.coding.checks import CheckLog
from nlp.coding.closures import closure_drafts
from nlp.coding.context import LesionContext, build_context
from nlp.coding.counted import counted_drafts
from nlp.coding.evidence import merge
from nlp.coding.excision import code_excision
from nlp.coding.icd import code_icd
from nlp.coding.lines import Draft
from nlp.coding.modifiers import apply_modifiers
from nlp.coding.procedures import code_procedure
from nlp.coding.repairs import repair_drafts, repair_piece
from nlp.coding.tables import Tables, load_tables
from nlp.errors import InputError
from nlp.records import CodingResult, Lesion, LesionCoding

DEFAULT_POLICY = "cpt"

FAMILY_ORDER = {
    "mohs": 0, "excision": 1, "soft_tissue": 1, "closure": 2, "repair": 3, "destruction_malignant": 4, "shave": 5,
    "biopsy": 6, "destruction_premalignant": 7, "destruction_benign": 8, "skin_tags": 9, "drainage": 10, "alternative": 11,
}
"""Sequence of CPT lines: the highest-valued kinds of procedure first (section 1.6)."""


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

    excisions: list[Draft] = []
    alternatives: list[Draft] = []
    for ctx in contexts:
        draft = code_excision(ctx, tables, log)
        if draft is not None:
            excisions.append(draft)
            alternatives += alternative_drafts(ctx, draft, tables)
    per_lesion = [d for c in contexts for d in code_procedure(c, tables, log)]
    closures = [d for c in contexts for d in closure_drafts(c, tables, log)]
    pieces = [p for p in (repair_piece(c, tables, log, policy) for c in contexts) if p is not None]
    repairs = repair_drafts(pieces, tables)
    icds = [d for d in (code_icd(c, tables, log) for c in contexts) if d is not None]

    by_index = {c.index: c for c in contexts}
    for draft in icds:
        by_index[draft.lesions[0]].icd_codes.append(draft.code)

    lines = _merge(excisions) + _merge(per_lesion) + closures + repairs + counted_drafts(contexts, tables, log) + alternatives
    cpt = sorted(apply_modifiers(lines, by_index, tables.policies[policy]), key=_sequence)
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


def _sequence(draft: Draft) -> tuple:
    return (draft.status == "alternative", FAMILY_ORDER.get(draft.family, len(FAMILY_ORDER)), draft.rank)


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

"""Modifiers from the payer profile (``policies.yaml``): 58, and 59/XS for distinct lesions.

* The same code for several distinct lesions is one line with units under CPT; a profile with
  ``same_code_lesions: separate_lines`` reports one line per lesion instead, the second and
  later ones with the profile's ``distinct_modifier`` (59 or XS) (coding-rules.md section 1.6).
* A biopsy of a lesion other than the ones excised, shaved or treated by Mohs at the same
  session carries the distinct modifier under such a profile (sections 2.4 and 3.3).
* A re-excision within the first excision's 10-day global period takes 58 (sections 1.7, 2.3).
Add-on codes never take 59/XS: they are reported as units of their primary code.
"""

from __future__ import annotations

import copy

from nlp.coding import schema
from nlp.coding.context import LesionContext
from nlp.coding.lines import Draft

ADDON_CODES = frozenset({"11103", "11105", "11107", "11201", "17003", "17312", "17314", "17315", "14302", "15101", "15121", "15201",
                         "15221", "15241", "15261", "13102", "13122", "13133", "13153"})
"""Add-on codes (reported with units, never split or given 59/XS)."""

PER_LESION_FAMILIES = frozenset({"excision", "soft_tissue", "shave", "destruction_malignant", "mohs", "drainage"})
REMOVAL_FAMILIES = frozenset({"excision", "soft_tissue", "shave", "mohs", "destruction_malignant"})


def apply_modifiers(cpt: list[Draft], contexts: dict[int, LesionContext], policy: schema.Policy) -> list[Draft]:
    """The CPT lines with the profile's modifiers applied (and split lines where it asks)."""
    out: list[Draft] = []
    for draft in cpt:
        if _splits(draft, policy):
            out += _split(draft, contexts, policy)
        else:
            out.append(draft)
    for draft in out:
        if draft.status == "alternative":
            continue
        if policy.staged_modifier and draft.family in ("excision", "soft_tissue") and any(_staged(contexts[n]) for n in draft.lesions):
            _add(draft, policy.staged_modifier, "re-excision within the 10-day global period of the first excision")
    if policy.distinct_modifier:
        treated = {n for d in out if d.family in REMOVAL_FAMILIES and d.status != "alternative" for n in d.lesions}
        for draft in out:
            if draft.family == "biopsy" and draft.code not in ADDON_CODES and treated and not set(draft.lesions) & treated:
                _add(draft, policy.distinct_modifier, "biopsy of a lesion distinct from those removed at this session")
    return out


def _splits(draft: Draft, policy: schema.Policy) -> bool:
    return (
        policy.same_code_lesions == "separate_lines"
        and draft.status != "alternative"
        and draft.family in PER_LESION_FAMILIES
        and draft.code not in ADDON_CODES
        and len(draft.lesions) > 1
    )


def _split(draft: Draft, contexts: dict[int, LesionContext], policy: schema.Policy) -> list[Draft]:
    """One line per lesion; the second and later carry the distinct-site modifier."""
    lines = []
    for position, lesion in enumerate(draft.lesions):
        line = copy.copy(draft)
        line.lesions, line.units, line.modifiers = [lesion], 1, list(draft.modifiers)
        line.parts = [p.removeprefix(f"lesion {lesion}: ") for p in draft.parts if p.startswith(f"lesion {lesion}:")] or list(draft.parts)
        line.result = draft.code + draft.note
        line.evidence = [e for e in draft.evidence if _belongs(e, contexts[lesion])] or list(draft.evidence)
        if position and policy.distinct_modifier:
            _add(line, policy.distinct_modifier, f"lesion {lesion} is a separate lesion at a separate site (payer profile '{policy.id}')")
        lines.append(line)
    return lines


def _staged(ctx: LesionContext) -> bool:
    lesion = ctx.lesion
    return (
        lesion.procedure is not None
        and lesion.procedure.kind == "re_excision"
        and lesion.prior_excision_days is not None
        and lesion.prior_excision_days <= 10
    )


def _add(draft: Draft, modifier: str, why: str) -> None:
    if modifier not in draft.modifiers:
        draft.modifiers.append(modifier)
        draft.parts = draft.parts + [f"modifier {modifier}: {why}"]
        draft.result += f"-{modifier}"


def _belongs(item, ctx: LesionContext) -> bool:
    lesion = ctx.lesion
    spans = [s.span for s in (lesion.site,) if s] + [d.span for d in lesion.diagnoses]
    spans += [m.span for m in (lesion.lesion_size, lesion.margin, lesion.excised_diameter) if m]
    if lesion.procedure:
        spans.append(lesion.procedure.span)
    return any(s.start == item.start and s.end == item.end for s in spans)

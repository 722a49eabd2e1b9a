"""Biopsies of sites that are not skin: their own code lines (coding-rules.md section 3.3).

The skin biopsy codes 11102-11107 are for skin.  A biopsy of the lip vermilion (40490), of the
oral vestibule mucosa (40808) or of eyelid skin including the lid margin (67810) takes the
site's code instead (``procedures.yaml`` ``biopsy.sites``).  Such a biopsy is not a skin biopsy,
so it is never the base code that 11103/11105/11107 add to: the skin biopsies of the visit keep
their own base and add-ons among themselves (:mod:`nlp.coding.counted`), and each site code is
its own line, with one unit per biopsy at that code.  A site code the reference leaves
unverified (69100, external ear) is only offered as an alternative beside the kept skin code.
"""

from __future__ import annotations

from nlp.coding.checks import EXCISION, CheckLog
from nlp.coding.context import LesionContext
from nlp.coding.evidence import merge
from nlp.coding.lines import Draft
from nlp.coding.tables import Tables

TECHNIQUE_WORDS = {"biopsy_tangential": "tangential (shave)", "biopsy_punch": "punch", "biopsy_incisional": "incisional"}


def site_biopsy_drafts(members: list[LesionContext], tables: Tables, log: CheckLog) -> list[Draft]:
    """Site-code lines (merged per code), alternatives and checks for the note's biopsies."""
    by_code: dict[str, list[LesionContext]] = {}
    out: list[Draft] = []
    for ctx in members:
        rule = ctx.site_biopsy
        if rule is None:
            continue
        if rule.code is None:
            if rule.check:
                log.add(rule.check, ctx.index, EXCISION, site=ctx.site_label, detail=rule.label)
            continue
        if rule.alternative:
            out.append(_alternative(ctx))
            continue
        by_code.setdefault(rule.code, []).append(ctx)
    for code, items in by_code.items():
        out.append(_site_line(code, items))
    return out


def _part(ctx: LesionContext) -> str:
    rule = ctx.site_biopsy
    assert rule is not None and ctx.lesion.procedure is not None
    technique = TECHNIQUE_WORDS.get(ctx.lesion.procedure.kind, "")
    count = max(1, ctx.lesion.count)
    times = f" x{count}" if count > 1 else ""
    return f"{technique} biopsy{times} of the {rule.label}, {ctx.site_label}: {rule.why}"


def _site_line(code: str, items: list[LesionContext]) -> Draft:
    first = items[0]
    rule = first.site_biopsy
    assert rule is not None
    units = sum(max(1, c.lesion.count) for c in items)
    rules = [c.site_biopsy.id for c in items if c.site_biopsy is not None]
    parts = [_part(c) for c in items]
    if len(items) > 1:
        parts = [f"lesion {c.index}: {p}" for c, p in zip(items, parts, strict=True)]
    return Draft(
        system="CPT", kind="excision", family="biopsy", code=code, description=f"biopsy of the {rule.label}",
        rule=rule.id, extra_rules=[r for r in dict.fromkeys(rules) if r != rule.id], lesions=[c.index for c in items],
        parts=parts, result=f"{code} x{units}" if units > 1 else code,
        evidence=merge(*(c.base_evidence() for c in items)), units=units, rank=(-1, first.index),
    )


def _alternative(ctx: LesionContext) -> Draft:
    rule = ctx.site_biopsy
    assert rule is not None and rule.code is not None
    return Draft(
        system="CPT", kind="excision", family="alternative", code=rule.code, description=f"biopsy of the {rule.label}",
        rule=rule.id, lesions=[ctx.index], parts=[_part(ctx)], result=rule.code, evidence=ctx.base_evidence(),
        status="alternative", units=max(1, ctx.lesion.count), rank=(1, ctx.index),
        extra_flags=["UNVERIFIED_CODE"] if rule.unverified else [],
    )

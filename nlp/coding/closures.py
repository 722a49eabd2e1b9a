"""Tissue transfer, pedicle flap and skin graft lines (coding-rules.md sections 4.5-4.7).

Adjacent tissue transfer is coded by site group and the defect area (primary plus secondary
defect, sq cm) and includes the excision of that lesion; above 30 sq cm any site takes
14301/+14302.  A pedicle flap is coded by recipient site group.  Grafts are coded by recipient
site group and area with add-ons per 20 sq cm (full thickness) or 100 sq cm (split thickness),
in addition to the excision.
"""

from __future__ import annotations

from decimal import Decimal

from nlp.coding import schema
from nlp.coding.checks import REPAIR, CheckLog
from nlp.coding.context import LesionContext
from nlp.coding.evidence import evidence, merge
from nlp.coding.lines import Draft
from nlp.coding.measures import bucket, ceil_units, cm_value, fmt_cm
from nlp.coding.tables import Tables
from nlp.records import Evidence

CLOSURE_FAMILIES = {"adjacent_tissue_transfer": "tissue_transfer", "flap": "pedicle_flap", "graft": "graft"}


def closure_drafts(ctx: LesionContext, tables: Tables, log: CheckLog) -> list[Draft]:
    """The tissue-transfer, flap or graft lines for one lesion's wound (none for other closures)."""
    closure = ctx.lesion.closure
    if closure is None or ctx.site is None or ctx.family not in ("excision", "mohs", "soft_tissue", "none"):
        return []
    proc = tables.procedures
    if closure.closure_class == "adjacent_tissue_transfer":
        return _by_area(ctx, proc.tissue_transfer, "adjacent tissue transfer", log)
    if closure.closure_class == "flap":
        row = next(r for r in proc.pedicle_flap.rows if getattr(ctx.site.row, proc.pedicle_flap.axis) in r.groups)
        return [
            Draft(
                system="CPT", kind="repair", family="closure", code=row.code,
                description=proc.pedicle_flap.description.format(group=row.label), rule=row.id, lesions=[ctx.index],
                parts=[f"pedicle flap to the {ctx.site_label} defect ({row.label})"], result=row.code,
                evidence=_evidence(ctx), rank=(0, ctx.index),
            )
        ]
    if closure.closure_class == "graft":
        if "split_thickness" in closure.detail:
            return _by_area(ctx, proc.graft_split_thickness, "split-thickness skin graft", log)
        if "full_thickness" in closure.detail:
            return _by_area(ctx, proc.graft_full_thickness, "full-thickness skin graft", log)
        log.add("query.flap_graft_not_coded", ctx.index, REPAIR, site=ctx.site_label, detail="skin graft")
    return []


def _evidence(ctx: LesionContext) -> list[Evidence]:
    lesion = ctx.lesion
    closure = lesion.closure
    return merge(
        evidence(ctx.site.site.span if ctx.site else None, "site"),
        evidence(closure.span if closure else None, "closure"),
        *(evidence(m.span, "defect_area") for m in lesion.defect_parts),
        evidence(lesion.defect_area.span if lesion.defect_area and not lesion.defect_parts else None, "defect_area"),
    )


def _area_words(ctx: LesionContext, area: Decimal) -> str:
    parts = ctx.lesion.defect_parts
    if len(parts) > 1:
        return " + ".join(f"{fmt_cm(m.value_cm)}" for m in parts) + f" = {fmt_cm(area)} sq cm defect area"
    return f"{fmt_cm(area)} sq cm defect area"


def _by_area(ctx: LesionContext, table: schema.AreaTable, what: str, log: CheckLog) -> list[Draft]:
    n, lesion = ctx.index, ctx.lesion
    assert ctx.site is not None
    if lesion.defect_area is None:
        log.add("query.defect_area_missing", n, REPAIR, site=ctx.site_label, detail=what)
        return []
    area = cm_value(lesion.defect_area, "defect_area", n)
    row = next(r for r in table.rows if getattr(ctx.site.row, table.axis) in r.groups)
    proof = _evidence(ctx)
    where = f"{what}, {ctx.site_label} ({row.label}), {_area_words(ctx, area)}"
    bounds = list(table.bands_sq_cm)

    def draft(code: str, rule: str, units: int, part: str, band: str, rank: int) -> Draft:
        return Draft(
            system="CPT", kind="repair", family="closure", code=code, description=table.description.format(group=row.label, band=band),
            rule=rule, lesions=[n], parts=[f"{where}{part}"], result=f"{code} x{units}" if units > 1 else code,
            evidence=proof, units=units, rank=(rank, n),
        )

    if row.unverified:
        log.add("flag.unverified_code", n, REPAIR)
    index = bucket(area, bounds)
    if index < len(bounds):
        low = "up to" if index == 0 else f"{fmt_cm(bounds[index - 1] + Decimal('0.1'))} to"
        return [draft(row.codes[index], row.id, 1, "", f"{low} {fmt_cm(bounds[index])} sq cm", 0)]
    top = bounds[-1]
    step = table.addon_step_sq_cm
    assert step is not None
    if table.large_code is not None and table.large_rule is not None and table.large_max_sq_cm is not None:
        drafts = [draft(table.large_code, table.large_rule, 1, f", over {fmt_cm(top)} sq cm: any site", f"{fmt_cm(top + Decimal('0.1'))} to {fmt_cm(table.large_max_sq_cm)} sq cm", 0)]
        if area > table.large_max_sq_cm and table.large_addon is not None:
            units = ceil_units(area - table.large_max_sq_cm, step)
            drafts.append(draft(table.large_addon, table.large_rule, units, f", {fmt_cm(area - table.large_max_sq_cm)} sq cm beyond {fmt_cm(table.large_max_sq_cm)}, each {fmt_cm(step)} sq cm or part", f"each further {fmt_cm(step)} sq cm", 1))
        return drafts
    assert row.addon is not None
    units = ceil_units(area - top, step)
    return [
        draft(row.codes[-1], row.id, 1, "", f"first {fmt_cm(top)} sq cm", 0),
        draft(row.addon, row.id, units, f", {fmt_cm(area - top)} sq cm beyond {fmt_cm(top)}, each {fmt_cm(step)} sq cm or part", f"each further {fmt_cm(step)} sq cm", 1),
    ]

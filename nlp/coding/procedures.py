"""Per-lesion lines for the procedures that are not skin excisions (``procedures.yaml``).

Shave removal and malignant destruction are chosen by site group and *lesion* diameter (no
margins, coding-rules.md sections 3.2 and 3.4); Mohs by site group, stages and blocks (2.4);
a lipoma by body region, depth and
size (1.8).  Each lesion gets its own draft; the engine merges identical lines into units.
"""

from __future__ import annotations

from decimal import Decimal

from nlp.coding import schema
from nlp.coding.checks import EXCISION, CheckLog
from nlp.coding.context import LesionContext
from nlp.coding.evidence import evidence, merge
from nlp.coding.lines import Draft
from nlp.coding.measures import bucket, cm_value, fmt_cm
from nlp.coding.tables import Tables
from nlp.records import Evidence

FAMILY_RANK = {"mohs": 0, "excision": 1, "soft_tissue": 1, "destruction_malignant": 2, "shave": 3}
"""Sequencing of per-lesion procedure lines (highest-valued families first)."""


def code_procedure(ctx: LesionContext, tables: Tables, log: CheckLog) -> list[Draft]:
    """The procedure drafts for one lesion whose family is coded per lesion."""
    if ctx.family == "shave":
        return _sized(ctx, tables.procedures.shave, "shave removal", tables, log)
    if ctx.family == "destruction_malignant":
        return _sized(ctx, tables.procedures.destruction_malignant, "destruction of a malignant lesion", tables, log)
    if ctx.family == "mohs":
        return _mohs(ctx, tables, log)
    if ctx.family == "soft_tissue":
        return _soft_tissue(ctx, tables, log)
    return []


def _lesion_diameter(ctx: LesionContext) -> tuple[Decimal, str, list[Evidence]] | None:
    """Lesion diameter only (margins are never added for shaves and destruction)."""
    lesion, n = ctx.lesion, ctx.index
    if lesion.lesion_size is not None:
        value = cm_value(lesion.lesion_size, "lesion_size", n)
        return value, f"{fmt_cm(value)} cm lesion diameter (margins not added)", evidence(lesion.lesion_size.span, "lesion_size")
    if lesion.excised_diameter is not None:
        value = cm_value(lesion.excised_diameter, "excised_diameter", n)
        return value, f"{fmt_cm(value)} cm documented diameter", evidence(lesion.excised_diameter.span, "excised_diameter")
    return None


def _group_row(rows: list, group: str):
    return next(row for row in rows if group in row.groups)


def _sized(ctx: LesionContext, table: schema.SizedTable, what: str, tables: Tables, log: CheckLog) -> list[Draft]:
    n = ctx.index
    if ctx.site is None:
        return []
    size = _lesion_diameter(ctx)
    if size is None:
        log.add("query.procedure_size_missing", n, EXCISION, site=ctx.site_label, detail=what)
        return []
    value, formula, size_evidence = size
    row = _group_row(table.rows, getattr(ctx.site.row, table.axis))
    index = bucket(value, list(table.bands_cm))
    code = row.codes[index]
    if row.unverified:
        log.add("flag.unverified_code", n, EXCISION)
    return [
        Draft(
            system="CPT",
            kind="excision",
            code=code,
            description=table.description.format(group=row.label, band=table.band_labels[index]),
            rule=row.id,
            lesions=[n],
            parts=[f"{what}, {formula}, {ctx.site_label} ({row.label})"],
            result=code,
            evidence=merge(ctx.base_evidence(), size_evidence),
            units=max(1, ctx.lesion.count),
            rank=(0, FAMILY_RANK[ctx.family], -index, n),
        )
    ]


def _mohs(ctx: LesionContext, tables: Tables, log: CheckLog) -> list[Draft]:
    n, lesion, mohs = ctx.index, ctx.lesion, tables.procedures.mohs
    if ctx.site is None:
        return []
    row = _group_row(mohs.rows, ctx.site.row.excision)
    stages = lesion.mohs_stages or (len(lesion.mohs_blocks) if lesion.mohs_blocks else None)
    if stages is None:
        log.add("query.mohs_stages_missing", n, EXCISION, site=ctx.site_label)
        stages = 1
    base = ctx.base_evidence()
    where = f"{ctx.site_label} ({row.label})"
    drafts = [
        Draft(
            system="CPT", kind="excision", code=row.first_stage,
            description=mohs.description.format(group=row.label, stage="first stage, up to 5 blocks"),
            rule=row.id, lesions=[n], parts=[f"Mohs surgery, {where}, stage 1 of {stages}"], result=row.first_stage,
            evidence=base, rank=(0, FAMILY_RANK["mohs"], 0, n),
        )
    ]
    if stages > 1:
        drafts.append(
            Draft(
                system="CPT", kind="excision", code=row.additional_stage,
                description=mohs.description.format(group=row.label, stage="each further stage, up to 5 blocks"),
                rule=row.id, lesions=[n], parts=[f"Mohs surgery, {where}, {stages} stages = first stage + {stages - 1} further"],
                result=f"{row.additional_stage} x{stages - 1}" if stages > 2 else row.additional_stage,
                evidence=base, units=stages - 1, rank=(0, FAMILY_RANK["mohs"], 1, n),
            )
        )
    extra = sum(max(0, blocks - mohs.blocks_per_stage) for blocks in lesion.mohs_blocks)
    if extra:
        per_stage = ", ".join(f"stage {i}: {b}" for i, b in enumerate(lesion.mohs_blocks, start=1))
        drafts.append(
            Draft(
                system="CPT", kind="excision", code=mohs.extra_block,
                description=mohs.description.format(group="any site", stage=f"each tissue block beyond {mohs.blocks_per_stage} in a stage"),
                rule=mohs.extra_block_rule, lesions=[n],
                parts=[f"blocks per stage ({per_stage}); {extra} beyond {mohs.blocks_per_stage} in a stage"],
                result=f"{mohs.extra_block} x{extra}" if extra > 1 else mohs.extra_block,
                evidence=base, units=extra, rank=(0, FAMILY_RANK["mohs"], 2, n),
            )
        )
    return drafts


def _soft_tissue(ctx: LesionContext, tables: Tables, log: CheckLog) -> list[Draft]:
    n, family = ctx.index, tables.procedures.soft_tissue
    if ctx.site is None:
        return []
    region = family.regions.get(ctx.site.row.region)
    if region is None:
        log.add("query.soft_tissue_region_missing", n, EXCISION, site=ctx.site_label)
        return []
    row = next(r for r in family.rows if r.region == region)
    depth = ctx.lesion.depth
    if depth is None:
        log.add("query.lipoma_depth", n, EXCISION, site=ctx.site_label)
        depth = "subcutaneous"
    diameter = ctx.diameter
    if diameter.value is None:
        log.add("query.procedure_size_missing", n, EXCISION, site=ctx.site_label, detail="soft-tissue tumour excision")
        return []
    codes = row.subcutaneous if depth == "subcutaneous" else row.subfascial
    split = row.subcutaneous_split_cm if depth == "subcutaneous" else row.subfascial_split_cm
    large = diameter.value >= split
    code = codes[1] if large else codes[0]
    band = f"{fmt_cm(split)} cm or more" if large else f"less than {fmt_cm(split)} cm"
    if row.unverified:
        log.add("flag.unverified_code", n, EXCISION)
    size_words = diameter.formula.replace("excised diameter", "tumour size") if diameter.formula else ""
    # A mass that is not clearly benign waits for pathology like a skin lesion (benign tumour
    # codes; a malignant one would take the radical-resection codes).
    status = "held" if ctx.decision.held else "suggested"
    return [
        Draft(
            system="CPT", kind="excision", code=code,
            description=family.description.format(depth=depth, group=row.label, band=band),
            rule=row.id, lesions=[n],
            parts=[f"{depth} soft-tissue tumour, {size_words}, {band}, {ctx.site_label} ({row.label})" + (f", {ctx.decision.basis}" if status == "held" else "")],
            result=code, status=status,
            evidence=merge(ctx.base_evidence(), *(evidence(m.span, fact) for fact, m in diameter.used)),
            rank=(0 if status == "suggested" else 2, FAMILY_RANK["soft_tissue"], 1 if large else 0, n),
        )
    ]

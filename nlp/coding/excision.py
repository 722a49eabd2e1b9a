"""One lesion -> its benign or malignant excision line (11400-11446, 11600-11646).

Site group x excised-diameter bucket picks the code (``excision.yaml``); the behaviour decision
picks the family, or holds the line for pathology.  Each lesion gets its own line; the engine
merges identical lines into units afterwards.
"""

from __future__ import annotations

from nlp.coding import schema
from nlp.coding.checks import EXCISION, CheckLog
from nlp.coding.context import LesionContext
from nlp.coding.evidence import evidence, merge
from nlp.coding.lines import Draft
from nlp.coding.measures import bucket, fmt_cm, whole_mm
from nlp.coding.tables import Tables

EYELID_STRUCTURES = ("lid margin", "tarsus", "conjunctiva")
"""``Site.involves`` words that point to an eyelid procedure code instead (section 3.6)."""

SPECIAL_STRUCTURES = ("vermilion", "mucosa", "cartilage")
"""``Site.involves`` words that point to a lip, mouth or ear procedure code (trap 17)."""

STATUS_RANK = {"suggested": 0, "bundled": 1, "held": 2, "alternative": 3}


def code_excision(ctx: LesionContext, tables: Tables, log: CheckLog) -> Draft | None:
    """The excision draft for one lesion, or ``None`` with the reason raised as a check."""
    lesion, n = ctx.lesion, ctx.index
    if not ctx.excision_like:
        return None
    if lesion.closure is not None and lesion.closure.closure_class == "adjacent_tissue_transfer":
        # Tissue transfer includes the excision (section 4.5): no 114xx/116xx for this lesion.
        log.add("query.att_not_coded", n, EXCISION, site=ctx.site_label)
        return None
    dx = ctx.decision.coded_dx or lesion.diagnosis
    kind = tables.kinds.get(dx.kind) if dx else None
    if kind is not None and kind.excision == "none":
        _raise_kind_checks(ctx, kind, log)
        return None
    if ctx.site is None:
        return None
    diameter = ctx.diameter
    if diameter.value is None:
        log.add("query.size_missing", n, EXCISION, site=ctx.site_label)
        return None

    family = ctx.decision.family or ctx.decision.would_be
    group = ctx.site.row.excision
    rule = tables.excision_rules[(family, group)]
    if not rule.codes:
        if rule.check:
            log.add(rule.check, n, EXCISION, site=ctx.site_label, diagnosis=ctx.dx_label(tables))
        return None
    index = bucket(diameter.value, tables.excision_bounds)
    code = rule.codes[index]
    status = "held" if ctx.decision.held else "suggested"
    ctx.excision_code, ctx.excision_bucket, ctx.excision_status = code, index, status

    _raise_size_checks(ctx, tables, log, code, index)
    _raise_site_checks(ctx, log)
    if kind is not None and not ctx.decision.held:
        _raise_kind_checks(ctx, kind, log)
    if lesion.procedure is not None and lesion.procedure.kind == "re_excision":
        log.add("flag.re_excision", n, EXCISION)

    part = f"{diameter.formula}, {ctx.site_label}, {ctx.decision.basis}"
    note = ""
    if ctx.decision.held:
        other = "malignant" if family == "benign" else "benign"
        other_rule = tables.excision_rules[(other, group)]
        other_code = other_rule.codes[index] if other_rule.codes else "no excision code"
        note = f" (held until pathology; {other_code} if {other})"
    description = tables.excision.descriptions[family].format(
        group=tables.excision_group_label(rule), band=tables.excision_band_label(index)
    )
    group_rank = next(g.rank for g in tables.excision.groups if g.id == group)
    proc = lesion.procedure
    return Draft(
        system="CPT",
        kind="excision",
        code=code,
        description=description,
        rule=rule.id,
        lesions=[n],
        parts=[part],
        result=code,
        note=note,
        evidence=merge(
            evidence(ctx.site.site.span, "site"),
            evidence(dx.span if dx else None, "diagnosis"),
            *(evidence(measure.span, fact) for fact, measure in diameter.used),
            evidence(proc.span if proc else None, "procedure"),
        ),
        status=status,
        units=max(1, lesion.count),
        rank=(STATUS_RANK[status], -index, 0 if family == "malignant" else 1, group_rank, n),
    )


def _raise_kind_checks(ctx: LesionContext, kind: schema.DiagnosisKind, log: CheckLog) -> None:
    for check in kind.checks:
        if "excision" in check.touches:
            log.add(check.id, ctx.index, EXCISION, site=ctx.site_label, diagnosis=kind.label)


def _raise_size_checks(ctx: LesionContext, tables: Tables, log: CheckLog, code: str, index: int) -> None:
    n, diameter = ctx.index, ctx.diameter
    assert diameter.value is not None
    value = fmt_cm(diameter.value)
    if diameter.source == "lesion_only":
        log.add("query.margin_missing", n, EXCISION, site=ctx.site_label, value=value)
    elif diameter.source == "specimen":
        log.add("query.size_from_pathology", n, EXCISION, site=ctx.site_label, value=value)
        log.add("flag.provisional_size", n, EXCISION)
    if not whole_mm(diameter.value):
        band = tables.excision_band_label(index)
        log.add("query.boundary_rounding.excision", n, EXCISION, site=ctx.site_label, value=value, band=band, code=code)


def _raise_site_checks(ctx: LesionContext, log: CheckLog) -> None:
    assert ctx.site is not None
    n, region, involves = ctx.index, ctx.site.row.region, ctx.site.site.involves
    if region == "eyelid":
        named = [s for s in involves if s in EYELID_STRUCTURES]
        detail = f", but the note mentions {' and '.join(named)}" if named else ""
        log.add("query.eyelid_site_check", n, EXCISION, site=ctx.site_label, detail=detail)
    else:
        named = [s for s in involves if s in SPECIAL_STRUCTURES]
        if named:
            log.add("query.site_specific_check", n, EXCISION, site=ctx.site_label, detail=" and ".join(named))
    if ctx.site.unverified("excision"):
        log.add("flag.unverified_mapping", n, EXCISION)

"""One lesion -> its ICD-10-CM line: histology x skin site x laterality (x upper/lower eyelid).

Only confirmed diagnoses are coded (coding-rules.md 5.1): the behaviour decision supplies the
diagnosis (pathology, a clearly benign stated diagnosis, or the biopsy-proven cancer of a
re-excision).  A lesion held for pathology is coded to the highest certainty, the sign code for
a skin lesion NOS (L98.9; D49.2 when the note itself says neoplasm NOS), never to the suspected
diagnosis and never D48.5 as a placeholder.  That line carries PATHOLOGY_PENDING and lower
confidence; it is what the repair line of a held lesion points to.  (Project decision, same as
``annotations/GUIDELINES.md``.)  A prior malignant biopsy of unstated type gets no ICD line.
Missing laterality or eyelid part falls back to the unspecified *leaf* code with a query; a
header code is never emitted (the loader guarantees the tables hold leaves only).
"""

from __future__ import annotations

from dataclasses import dataclass

from nlp.coding import schema
from nlp.coding.checks import ICD, CheckLog
from nlp.coding.context import LesionContext
from nlp.coding.evidence import evidence, merge
from nlp.coding.lines import Draft
from nlp.coding.tables import Tables
from nlp.records import Span


@dataclass(frozen=True)
class _Pick:
    code: str
    where: str


def code_icd(ctx: LesionContext, tables: Tables, log: CheckLog) -> Draft | None:
    """The ICD-10-CM draft for one lesion, or ``None`` when nothing confirmed can be coded."""
    n = ctx.index
    if ctx.decision.held:
        return _held_sign(ctx, tables, log)
    dx = ctx.decision.coded_dx
    if dx is None:
        return None
    kind = tables.kinds.get(dx.kind)
    if kind is None:
        log.add("query.diagnosis_unmapped", n, ICD, site=ctx.site_label, detail=dx.kind)
        return None
    if kind.icd is None:  # no code in the reference for this kind: ask for it (icd_query)
        log.add(kind.icd_query, n, ICD, site=ctx.site_label, diagnosis=kind.label)
        return None
    label = f"{kind.label} {ctx.decision.basis.removeprefix('benign ').removeprefix('malignant ')}"
    return _line(ctx, tables, log, tables.icd_rules[kind.icd], kind, label, dx.span)


def _held_sign(ctx: LesionContext, tables: Tables, log: CheckLog) -> Draft | None:
    """Sign code for a lesion whose diagnosis waits for pathology."""
    dx = ctx.lesion.diagnosis
    kind = tables.kinds.get(dx.kind) if dx else None
    if kind is not None and kind.sign_code and kind.icd is not None:
        rule = tables.icd_rules[kind.icd]
    else:
        rule = tables.icd_rules[tables.diagnoses.held_sign_rule]
    stated = ctx.dx_label(tables)
    label = f"diagnosis ({stated}) not confirmed by pathology yet, so coded to the sign code"
    return _line(ctx, tables, log, rule, kind, label, dx.span if dx else None)


def _line(
    ctx: LesionContext,
    tables: Tables,
    log: CheckLog,
    rule: schema.IcdRule,
    kind: schema.DiagnosisKind | None,
    label: str,
    dx_span: Span | None,
) -> Draft | None:
    n = ctx.index
    icd_site = tables.icd_sites[ctx.icd_site] if ctx.icd_site else None
    if icd_site is not None and icd_site.special is not None and rule.id not in icd_site.special.exempt:
        log.add(icd_site.special.check, n, ICD, site=ctx.site_label, diagnosis=kind.label if kind else "the lesion")
        if icd_site.special.suppress == "all" or rule.column is not None:
            return None
    pick = _pick(rule, icd_site, ctx, tables, log)
    if rule.unverified or (rule.column and tables.icd_columns[rule.column].unverified):
        log.add("flag.unverified_code", n, ICD)
    if ctx.site is not None and ctx.site.unverified("icd_site"):
        log.add("flag.unverified_mapping", n, ICD)
    for check in kind.checks if kind and not ctx.decision.held else []:
        if "icd" in check.touches:
            log.add(check.id, n, ICD, site=ctx.site_label, diagnosis=kind.label)
    description = f"{tables.icd_columns[rule.column].label}, {pick.where}" if rule.column else f"{rule.label}" + (
        f", {pick.where}" if rule.by_site else ""
    )
    where = pick.where if ctx.site is None or ctx.site_label in pick.where else f"{pick.where} ({ctx.site_label})"
    part = f"{label}, {where}"
    return Draft(
        system="ICD-10-CM",
        kind="icd",
        code=pick.code,
        description=description,
        rule=rule.id,
        lesions=[n],
        parts=[part],
        result=pick.code,
        evidence=merge(evidence(dx_span, "diagnosis"), evidence(ctx.site.site.span if ctx.site else None, "site")),
        rank=(n,),
    )


def _pick(rule: schema.IcdRule, site: schema.IcdSite | None, ctx: LesionContext, tables: Tables, log: CheckLog) -> _Pick:
    if rule.code is not None:
        return _Pick(rule.code, ctx.site_label)
    if site is None:  # SITE_MISSING already raised
        if rule.by_site is not None:
            value = rule.by_site["unspecified"]
            return _Pick(value if isinstance(value, str) else value.unspecified, "site unspecified")
        return _Pick(tables.icd_rows["unspecified"][rule.column], "site unspecified")  # type: ignore[index]
    if rule.by_site is not None:
        value = rule.by_site[site.id]
        if isinstance(value, str):
            return _Pick(value, site.label)
        side = _side(ctx)
        code = getattr(value, side or "unspecified")
        if side is None:
            _laterality_query(ctx, log, code)
        return _Pick(code, f"{side + ' ' if side else ''}{site.label}{'' if side else ', side unspecified'}")
    assert rule.column is not None
    row_id, where = _row(site, ctx, tables, log, rule.column)
    return _Pick(tables.icd_rows[row_id][rule.column], where)


def _side(ctx: LesionContext) -> str | None:
    lat = ctx.site.site.laterality if ctx.site else None
    return lat if lat in ("left", "right") else None


def _laterality_query(ctx: LesionContext, log: CheckLog, code: str) -> None:
    lat = ctx.site.site.laterality if ctx.site else None
    detail = "not documented" if lat is None else f"documented as {lat}"
    log.add("query.laterality_missing", ctx.index, ICD, site=ctx.site_label, detail=detail, code=code)


def _row(site: schema.IcdSite, ctx: LesionContext, tables: Tables, log: CheckLog, column: str) -> tuple[str, str]:
    """Site-table row for a sided/eyelid site, raising the laterality/eyelid-part queries."""
    if not site.sided:
        return site.id, site.label
    side = _side(ctx)
    unspecified_code = tables.icd_rows[site.id][column]
    if side is None:
        _laterality_query(ctx, log, unspecified_code)
        if site.eyelid_parts and ctx.site and ctx.site.site.eyelid_part is None:
            log.add("query.eyelid_part_missing", ctx.index, ICD, site=ctx.site_label, code=unspecified_code)
        return site.id, f"{site.label}, side unspecified"
    if not site.eyelid_parts:
        return f"{site.id}.{side}", f"{side} {site.label}"
    part = ctx.site.site.eyelid_part if ctx.site else None
    if part is None:
        log.add("query.eyelid_part_missing", ctx.index, ICD, site=ctx.site_label, code=unspecified_code)
        return site.id, f"{site.label}, upper/lower unspecified"
    return f"{site.id}.{side}.{part}", f"{side} {part} {site.label}"

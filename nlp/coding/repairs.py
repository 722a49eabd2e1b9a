"""Intermediate and complex repair lines (12031-12057, 13100-13153).

Simple closure is included in the excision, so only layered (intermediate) and complex closures
produce lines.  coding-rules.md section 4.3: wound lengths of the same class in the same repair
group are summed across lesions into one code; never across classes or groups.  A complex
total of 1.0 cm or less has no complex code and is reported as intermediate.  Under the NCCI
policy, the repair of a benign excision <=0.5 cm (11400/11420/11440) is bundled: its length is
split off into its own line with status ``bundled``, kept visible rather than dropped.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from nlp.coding import schema
from nlp.coding.checks import REPAIR, CheckLog
from nlp.coding.context import LesionContext
from nlp.coding.evidence import evidence, merge
from nlp.coding.lines import Draft
from nlp.coding.measures import band_label, bucket, ceil_units, cm_value, fmt_cm, whole_mm
from nlp.coding.tables import Tables
from nlp.records import Evidence, SuggestionStatus

RepairClass = Literal["intermediate", "complex"]
REPAIRED_FAMILIES = frozenset({"excision", "mohs", "soft_tissue"})
"""Families whose wounds are repaired and coded on top (Mohs excludes the repair, section 2.4)."""
STATUS_RANK = {"suggested": 0, "held": 1, "bundled": 2, "alternative": 3}
CLASS_WORDS = {"intermediate": "layered (intermediate)", "complex": "complex"}


@dataclass
class Piece:
    """One lesion's repair before summing: class, group, length and payer status."""

    lesion: int
    cls: RepairClass
    group: str
    intermediate_group: str
    length: Decimal
    site_label: str
    status: SuggestionStatus = "suggested"
    evidence: list[Evidence] = field(default_factory=list)
    bundled_into: tuple[str, str] | None = None  # (bundle rule id, excision code)
    bundle_possible: tuple[str, str] | None = None
    downgraded: bool = False


def repair_piece(ctx: LesionContext, tables: Tables, log: CheckLog, policy: str) -> Piece | None:
    """The repair of one lesion's wound, or ``None`` (with a query when something is missing)."""
    lesion, n = ctx.lesion, ctx.index
    closure = lesion.closure
    if closure is None or ctx.family not in REPAIRED_FAMILIES:
        return None
    if closure.closure_class not in ("intermediate", "complex") or ctx.site is None:
        return None
    if ctx.family == "soft_tissue" and closure.closure_class != "complex":
        return None  # the soft-tissue tumour codes include simple and intermediate repair
    cls: RepairClass = closure.closure_class  # type: ignore[assignment]
    if lesion.repair_length is None:
        log.add("query.repair_length_missing", n, REPAIR, site=ctx.site_label, detail=CLASS_WORDS[cls])
        return None
    length = cm_value(lesion.repair_length, "repair_length", n)
    if "dermal_only" in closure.detail:
        log.add("query.repair_depth_dermal_only", n, REPAIR, site=ctx.site_label)
    if not whole_mm(length):
        log.add("query.boundary_rounding.repair", n, REPAIR, site=ctx.site_label, value=fmt_cm(length))
    if ctx.site.unverified(cls):
        log.add("flag.unverified_mapping", n, REPAIR)
    piece = Piece(
        lesion=n,
        cls=cls,
        group=getattr(ctx.site.row, cls),
        intermediate_group=ctx.site.row.intermediate,
        length=length,
        site_label=ctx.site_label,
        evidence=merge(
            evidence(ctx.site.site.span, "site"),
            evidence(closure.span, "closure"),
            evidence(lesion.repair_length.span, "repair_length"),
        ),
    )
    _apply_bundling(piece, ctx, tables, log, policy)
    return piece


def _apply_bundling(piece: Piece, ctx: LesionContext, tables: Tables, log: CheckLog, policy: str) -> None:
    """NCCI: repair of a benign excision <=0.5 cm is bundled (or held while pathology decides)."""
    if ctx.excision_code is None or ctx.excision_bucket is None or ctx.site is None:
        return
    if ctx.decision.held:
        benign = tables.excision_rules[("benign", ctx.site.row.excision)]
        candidates = {benign.codes[ctx.excision_bucket]} if benign.codes else set()
    else:
        candidates = {ctx.excision_code}
    for owner, bundle in tables.all_bundles():
        if piece.cls not in bundle.repair_classes:
            continue
        hits = sorted(candidates & set(bundle.excision_codes))
        if not hits:
            continue
        if owner.id == policy:
            if ctx.decision.held:
                # Whether NCCI bundles depends on the pathology: hold the repair too.
                piece.status = "held"
                if ctx.decision.held_check:
                    log.add(ctx.decision.held_check, piece.lesion, REPAIR)
            else:
                piece.status = "bundled"
                piece.bundled_into = (bundle.id, hits[0])
                log.add("flag.ncci_bundled", piece.lesion, REPAIR)
        elif bundle.check_when_not_applied:
            piece.bundle_possible = (owner.id, hits[0])
            log.add(bundle.check_when_not_applied, piece.lesion, REPAIR)


def repair_drafts(pieces: list[Piece], tables: Tables) -> list[Draft]:
    """Sum pieces per (class, group, status) and choose the codes for each sum."""
    minimum = tables.repairs.complex.minimum_cm
    complex_sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for p in pieces:
        if p.cls == "complex":
            complex_sums[(p.group, p.status)] += p.length
    for p in pieces:
        if p.cls == "complex" and complex_sums[(p.group, p.status)] <= minimum:
            p.cls, p.group, p.downgraded = "intermediate", p.intermediate_group, True

    groups: dict[tuple[str, str, str], list[Piece]] = defaultdict(list)
    for p in pieces:
        groups[(p.cls, p.group, p.status)].append(p)
    drafts: list[Draft] = []
    for (cls, group, status), members in groups.items():
        members.sort(key=lambda p: p.lesion)
        if cls == "intermediate":
            drafts.append(_intermediate_draft(tables.intermediate_rules[group], members, status, tables))
        else:
            drafts += _complex_drafts(tables.complex_rules[group], members, status, tables)
    return drafts


def _sum_text(cls: str, members: list[Piece], group_label: str, tables: Tables) -> tuple[Decimal, str]:
    total = sum((p.length for p in members), Decimal(0))
    minimum = fmt_cm(tables.repairs.complex.minimum_cm)
    terms = []
    for p in members:
        term = f"{fmt_cm(p.length)} cm (lesion {p.lesion}, {p.site_label}"
        if p.downgraded:
            term += f"; complex repair, but complex totals ≤{minimum} cm have no complex code"
        terms.append(term + ")")
    text = f"{cls} repair " + " + ".join(terms)
    if len(members) > 1:
        text += f" = {fmt_cm(total)} cm"
    return total, f"{text}, {group_label} group"


def _bundle_text(members: list[Piece]) -> str:
    """Rationale tail saying what a payer policy did, or would do, with this repair."""
    for p in members:
        if p.bundled_into:
            return f"; bundled into {p.bundled_into[1]} (benign excision ≤0.5 cm) under the NCCI policy"
    for p in members:
        if p.bundle_possible:
            policy, code = p.bundle_possible
            return f"; {policy.upper()} payers would bundle lesion {p.lesion}'s repair into {code}"
    return ""


def _common(members: list[Piece], status: SuggestionStatus) -> dict:
    extra = [p.bundled_into[0] for p in members if p.bundled_into]
    return {
        "system": "CPT",
        "kind": "repair",
        "family": "repair",
        "lesions": [p.lesion for p in members],
        "evidence": merge(*(p.evidence for p in members)),
        "status": status,
        "extra_rules": sorted(set(extra)),
    }


def _intermediate_draft(rule: schema.IntermediateRule, members: list[Piece], status: SuggestionStatus, tables: Tables) -> Draft:
    total, text = _sum_text("intermediate", members, rule.label, tables)
    bounds = [b.max_cm for b in rule.bands]
    index = bucket(total, bounds)
    code = rule.bands[index].code if index < len(bounds) else rule.over_code
    common = _common(members, status)
    if any(p.downgraded for p in members):
        common["extra_rules"] = [tables.repairs.complex.downgrade_rule] + common["extra_rules"]
    return Draft(
        code=code,
        description=tables.repairs.descriptions["intermediate"].format(group=rule.label, band=band_label(index, bounds)),
        rule=rule.id,
        parts=[text + _bundle_text(members)],
        result=code,
        rank=(STATUS_RANK[status], 1, -total, members[0].lesion, 0),
        **common,
    )


def _complex_drafts(rule: schema.ComplexRule, members: list[Piece], status: SuggestionStatus, tables: Tables) -> list[Draft]:
    total, text = _sum_text("complex", members, rule.label, tables)
    bounds = [tables.repairs.complex.minimum_cm, rule.first.max_cm, rule.second.max_cm]
    code = rule.first.code if total <= rule.first.max_cm else rule.second.code
    index = 1 if code == rule.first.code else 2
    rank = (STATUS_RANK[status], 0, -total, members[0].lesion)
    drafts = [
        Draft(
            code=code,
            description=tables.repairs.descriptions["complex"].format(group=rule.label, band=band_label(index, bounds)),
            rule=rule.id,
            parts=[text + _bundle_text(members)],
            result=code,
            rank=rank + (0,),
            **_common(members, status),
        )
    ]
    if total > rule.second.max_cm:
        step, top = rule.addon.step_cm, rule.second.max_cm
        units = ceil_units(total - top, step)
        drafts.append(
            Draft(
                code=rule.addon.code,
                description=tables.repairs.descriptions["complex_addon"].format(group=rule.label, step=fmt_cm(step), band=""),
                rule=rule.id,
                parts=[
                    f"complex repair total {fmt_cm(total)} cm is over {fmt_cm(top)} cm; add-on units = "
                    f"ceil(({fmt_cm(total)} - {fmt_cm(top)}) / {fmt_cm(step)}) = {units}, reported with {code}"
                ],
                result=f"{rule.addon.code} x{units}",
                units=units,
                rank=rank + (1,),
                **_common(members, status),
            )
        )
    return drafts

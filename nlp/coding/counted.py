"""Lines counted across the lesions of a note: biopsies, skin tags, destruction, incision and drainage.

These families are not one code per lesion.  Biopsies take one base code per encounter, from the
highest-valued technique, and each further biopsy the add-on of its own technique
(coding-rules.md section 3.3); a biopsy of a site that is not skin takes its site code instead
(:mod:`nlp.coding.site_biopsies`).  Skin tags are counted in one line of 1-15 plus add-ons per 10
(3.1).  Destruction of premalignant lesions is 17000 for the first, +17003 for each of the 2nd to
14th, or 17004 alone for 15 or more; of benign lesions 17110 up to 14, 17111 for 15 or more (3.4).
Incision and drainage is one line per session: 10061 when complicated or multiple, else 10060
(3.5).  A lesion record may stand for several like lesions (``Lesion.count``).
"""

from __future__ import annotations

from nlp.coding import schema
from nlp.coding.checks import EXCISION, CheckLog
from nlp.coding.context import LesionContext
from nlp.coding.evidence import merge
from nlp.coding.lines import Draft
from nlp.coding.site_biopsies import site_biopsy_drafts
from nlp.coding.tables import Tables


def counted_drafts(contexts: list[LesionContext], tables: Tables, log: CheckLog) -> list[Draft]:
    """The biopsy, skin-tag and destruction lines of one note."""
    proc = tables.procedures
    biopsies = [c for c in contexts if c.family == "biopsy"]
    # A site-coded biopsy (lip vermilion, oral vestibule, lid margin) is its own line and never
    # the base the skin add-ons attach to: the skin biopsies are counted among themselves.
    drafts = site_biopsy_drafts(biopsies, tables, log) + _biopsies([c for c in biopsies if not c.site_coded_biopsy], proc.biopsy)
    for family, rule in (
        ("skin_tags", proc.skin_tags),
        ("destruction_premalignant", proc.destruction_premalignant),
        ("destruction_benign", proc.destruction_benign),
    ):
        members = [c for c in contexts if c.family == family]
        if members:
            drafts += _counted(members, rule, family, log)
    drainages = [c for c in contexts if c.family == "drainage"]
    if drainages:
        drafts.append(_drainage(drainages, tables))
    return drafts


def _drainage(members: list[LesionContext], tables: Tables) -> Draft:
    """One line per session: simple or single (10060), or complicated or multiple (10061)."""
    rule = tables.procedures.incision_drainage
    several = len(members) > 1 or any(c.lesion.count > 1 for c in members)
    complicated = any(c.lesion.complicated for c in members)
    code = rule.complicated if several or complicated else rule.simple
    if several:
        why = f"{sum(max(1, c.lesion.count) for c in members)} abscesses or cysts drained (multiple)"
    elif complicated:
        why = "complicated: packing, a drain or broken loculations documented"
    else:
        why = "simple, single"
    return Draft(
        system="CPT", kind="excision", family="drainage", code=code,
        description=rule.description.format(kind="complicated or multiple" if code == rule.complicated else "simple or single"),
        rule=rule.id, lesions=[c.index for c in members], parts=[f"incision and drainage, {why}, {', '.join(c.site_label for c in members)}"],
        result=code, evidence=merge(*(c.base_evidence() for c in members)), rank=(0, members[0].index),
    )


def _biopsies(members: list[LesionContext], family: schema.BiopsyFamily) -> list[Draft]:
    if not members:
        return []
    by_kind = {t.procedure: t for t in family.techniques}
    order = {t.procedure: i for i, t in enumerate(family.techniques)}
    # One biopsy per lesion record (times its count), highest-valued technique first.
    ordered = sorted(members, key=lambda c: (order[c.lesion.procedure.kind], c.index))  # type: ignore[union-attr]
    first = ordered[0]
    base = by_kind[first.lesion.procedure.kind]  # type: ignore[union-attr]
    drafts = [
        Draft(
            system="CPT", kind="excision", family="biopsy", code=base.base,
            description=family.description.format(technique=base.label), rule=base.id, lesions=[first.index],
            parts=[f"{base.label} biopsy, {first.site_label}; the encounter's one base code comes from its highest-valued technique"],
            result=base.base, evidence=first.base_evidence(), rank=(0, first.index),
        )
    ]
    addons: dict[str, list[tuple[LesionContext, int]]] = {}
    for position, ctx in enumerate(ordered):
        extra = max(1, ctx.lesion.count) - (1 if position == 0 else 0)
        if extra:
            addons.setdefault(ctx.lesion.procedure.kind, []).append((ctx, extra))  # type: ignore[union-attr]
    for kind, items in sorted(addons.items(), key=lambda item: order[item[0]]):
        technique = by_kind[kind]
        units = sum(extra for _, extra in items)
        drafts.append(
            Draft(
                system="CPT", kind="excision", family="biopsy", code=technique.addon,
                description=family.addon_description.format(technique=technique.label), rule=technique.id,
                lesions=[c.index for c, _ in items],
                parts=[f"{units} further {technique.label} {'biopsies' if units > 1 else 'biopsy'} ({', '.join(c.site_label for c, _ in items)}), "
                       f"each with the add-on of its own technique"],
                result=f"{technique.addon} x{units}" if units > 1 else technique.addon,
                evidence=merge(*(c.base_evidence() for c, _ in items)), units=units, rank=(1 + order[kind], items[0][0].index),
            )
        )
    return drafts


def _counted(members: list[LesionContext], rule: schema.CountedFamily, family: str, log: CheckLog) -> list[Draft]:
    total = sum(max(1, c.lesion.count) for c in members)
    lesions = [c.index for c in members]
    proof = merge(*(c.base_evidence() for c in members))
    for ctx in members:
        if ctx.lesion.count > 1 and not ctx.lesion.count_stated:
            log.add("query.lesion_count_missing", ctx.index, EXCISION, site=ctx.site_label, detail=rule.label, value=total)
    label = rule.label[:-1] if total == 1 and rule.label.endswith("s") else rule.label  # "1 skin tag"
    counted = f"{total} {label}" + (f" across {len(members)} described sites" if len(members) > 1 else "")

    def draft(code: str, units: int, part: str, rank: int) -> Draft:
        return Draft(
            system="CPT", kind="excision", family=family, code=code, description=rule.description, rule=rule.id,
            lesions=lesions, parts=[f"{counted}; {part}"], result=f"{code} x{units}" if units > 1 else code,
            evidence=proof, units=units, rank=(rank, lesions[0]),
        )

    if rule.many is not None and rule.many_from is not None and total >= rule.many_from:
        return [draft(rule.many, 1, f"{rule.many_from} or more are reported once with {rule.many}", 0)]
    drafts = [draft(rule.first, 1, f"{rule.first} covers up to {rule.first_max}", 0)]
    if total > rule.first_max and rule.addon is not None:
        extra = total - rule.first_max
        units = -(-extra // rule.step)  # ceil: "each additional N or part thereof"
        step = f"each further {rule.step}" + (" or part" if rule.step > 1 else "")
        drafts.append(draft(rule.addon, units, f"{extra} beyond {rule.first_max}, {step} -> {units} unit(s)", 1))
    return drafts

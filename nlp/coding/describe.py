"""``describe_rules``: every rule id, what it decides and which codes it can emit.

Feeds the ``opnote rules`` command and the reviewer page's rule index, straight from the
validated tables so the listing can never drift from what the engine does.
"""

from __future__ import annotations

from nlp.coding import schema
from nlp.coding.tables import Tables, load_tables


def describe_rules(tables: Tables | None = None) -> list[dict]:
    """One dict per rule: ``id``, ``type``, ``decides``, ``codes`` (may be empty), ``file``."""
    t = tables or load_tables()
    out: list[dict] = []

    def add(rule_id: str, type_: str, decides: str, codes: list[str], file_kind: str) -> None:
        out.append({"id": rule_id, "type": type_, "decides": decides, "codes": codes, "file": t.paths[file_kind].name})

    for rule in t.excision.rules:
        group = t.excision_group_label(rule)
        if rule.codes:
            decides = f"excision of a {rule.family} lesion, {group}: code by excised-diameter bucket"
        else:
            decides = f"excision of a {rule.family} lesion, {group}: no code here, raises {rule.check}"
        add(rule.id, "excision", decides, list(rule.codes), "excision")
    for rule in t.repairs.intermediate:
        codes = [b.code for b in rule.bands] + [rule.over_code]
        add(rule.id, "repair", f"intermediate repair, {rule.label}: code by summed wound length", codes, "repairs")
    for crule in t.repairs.complex.rules:
        codes = [crule.first.code, crule.second.code, crule.addon.code]
        add(crule.id, "repair", f"complex repair, {crule.label}: code by summed wound length, add-on per {crule.addon.step_cm} cm", codes, "repairs")
    add(
        t.repairs.complex.downgrade_rule,
        "repair",
        f"complex repair totalling ≤{t.repairs.complex.minimum_cm} cm is reported as intermediate",
        [],
        "repairs",
    )
    _describe_procedures(t, add)
    for policy in t.policies.values():
        modifiers = f"same code on several lesions as {policy.same_code_lesions.replace('_', ' ')}"
        if policy.distinct_modifier:
            modifiers += f", modifier {policy.distinct_modifier} on distinct lesions"
        if policy.staged_modifier:
            modifiers += f", modifier {policy.staged_modifier} on a re-excision in the global period"
        add(f"policy.{policy.id}", "policy", f"payer profile '{policy.id}': {policy.label}; {modifiers}", [], "policies")
        for bundle in policy.bundles:
            decides = f"policy '{policy.id}': {'/'.join(bundle.repair_classes)} repair bundled into {', '.join(bundle.excision_codes)}"
            add(bundle.id, "policy", decides, [], "policies")
    for region in t.regions.values():
        decides = (
            f"site region '{region.region}': excision {region.excision}, intermediate {region.intermediate}, "
            f"complex {region.complex}, ICD site {region.icd_site}"
        )
        add(region.id, "site", decides, [], "sites")
    for kind in t.kinds.values():
        cb = ", clearly benign without pathology" if kind.clearly_benign else ""
        add(kind.id, "diagnosis", f"diagnosis '{kind.kind}': {kind.family} family{cb}; ICD via {kind.icd or kind.icd_query}", [], "diagnoses")
    for irule in t.icd.rules:
        add(irule.id, "icd", _icd_decides(irule), _icd_codes(irule, t), "icd")
    for check in t.checks.values():
        type_ = "query" if check.query else "flag"
        add(check.id, type_, f"{check.flag}: {' '.join(check.message.split())}", [], "checks")
    return out


def _describe_procedures(t: Tables, add) -> None:  # noqa: ANN001 - the local adder above
    """The neighbouring procedure families of ``procedures.yaml``."""
    p = t.procedures
    for name, table in (("shave removal", p.shave), ("destruction of a malignant lesion", p.destruction_malignant)):
        for row in table.rows:
            add(row.id, "procedure", f"{name}, {row.label}: code by lesion diameter (margins not added)", list(row.codes), "procedures")
    for tech in p.biopsy.techniques:
        add(tech.id, "procedure", f"{tech.label} biopsy: base code when it is the encounter's highest-valued technique, else the add-on", [tech.base, tech.addon], "procedures")
    for bsite in p.biopsy.sites:
        when = f" involving the {' or '.join(bsite.when_involves)}" if bsite.when_involves else ""
        where = f" ({', '.join(bsite.subsites)})" if bsite.subsites else ""
        if bsite.code is None:
            decides = f"biopsy of the {bsite.label}: skin biopsy code kept, raises {bsite.check}"
        elif bsite.alternative:
            decides = f"biopsy at a {bsite.region} site{where}: skin biopsy code kept, {bsite.label} biopsy code offered as an alternative"
        else:
            decides = f"biopsy at a {bsite.region} site{where}{when}: {bsite.label} biopsy code, its own line (not a skin biopsy base)"
        add(bsite.id, "alternative" if bsite.alternative else "procedure", decides, [bsite.code] if bsite.code else [], "procedures")
    for counted in (p.skin_tags, p.destruction_premalignant, p.destruction_benign):
        codes = [c for c in (counted.first, counted.addon, counted.many) if c]
        rule = f"{counted.first} up to {counted.first_max}"
        if counted.addon:
            rule += f", +{counted.addon} per further {counted.step}"
        if counted.many:
            rule += f", {counted.many} alone for {counted.many_from} or more"
        add(counted.id, "procedure", f"{counted.description}: counted across the note ({rule})", codes, "procedures")
    for mrow in p.mohs.rows:
        add(mrow.id, "procedure", f"Mohs surgery, {mrow.label}: first stage, then each further stage", [mrow.first_stage, mrow.additional_stage], "procedures")
    add(p.mohs.extra_block_rule, "procedure", f"Mohs: each tissue block beyond {p.mohs.blocks_per_stage} in any stage", [p.mohs.extra_block], "procedures")
    add(p.incision_drainage.id, "procedure", "incision and drainage: simple or single, or complicated or multiple", [p.incision_drainage.simple, p.incision_drainage.complicated], "procedures")
    for name, area in (("adjacent tissue transfer (includes the excision)", p.tissue_transfer), ("full-thickness graft", p.graft_full_thickness), ("split-thickness graft", p.graft_split_thickness)):
        bands = ", ".join(f"≤{b} sq cm" for b in area.bands_sq_cm)
        for arow in area.rows:
            codes = list(arow.codes) + ([arow.addon] if arow.addon else [])
            add(arow.id, "closure", f"{name}, {arow.label}: code by defect area ({bands})", codes, "procedures")
        if area.large_rule and area.large_code and area.large_addon:
            add(area.large_rule, "closure", f"{name}, any site, over {area.bands_sq_cm[-1]} sq cm: add-on per {area.addon_step_sq_cm} sq cm beyond {area.large_max_sq_cm}", [area.large_code, area.large_addon], "procedures")
    for frow in p.pedicle_flap.rows:
        add(frow.id, "closure", f"pedicle flap, {frow.label}: coded with the excision", [frow.code], "procedures")
    for srow in p.soft_tissue.rows:
        add(srow.id, "procedure", f"soft-tissue tumour ({', '.join(p.soft_tissue.diagnoses)}), {srow.label}: subcutaneous split at {srow.subcutaneous_split_cm} cm, subfascial at {srow.subfascial_split_cm} cm",
            list(srow.subcutaneous) + list(srow.subfascial), "procedures")
    for alt in p.alternatives:
        when = f" involving {' or '.join(alt.when_involves)}" if alt.when_involves else ""
        how = "suggested, with the skin code as the alternative" if alt.preferred_when_involved else "offered as an alternative"
        add(alt.id, "alternative", f"{alt.region} lesion{when}: {alt.label}, {how}", [alt.code], "procedures")


def _icd_decides(rule: schema.IcdRule) -> str:
    if rule.column:
        return f"ICD-10-CM from site-table column '{rule.column}' by site, laterality and eyelid part"
    if rule.by_site:
        return f"ICD-10-CM {rule.label} by site and laterality"
    return f"ICD-10-CM {rule.label} (no site axis)"


def _icd_codes(rule: schema.IcdRule, t: Tables) -> list[str]:
    if rule.code:
        return [rule.code]
    if rule.column:
        return sorted({row[rule.column] for row in t.icd_rows.values()})
    codes: set[str] = set()
    for value in (rule.by_site or {}).values():
        codes |= {value} if isinstance(value, str) else {value.unspecified, value.right, value.left}
    return sorted(codes)

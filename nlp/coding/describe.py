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
    for policy in t.policies.values():
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
        add(kind.id, "diagnosis", f"diagnosis '{kind.kind}': {kind.family} family{cb}; ICD via {kind.icd}", [], "diagnoses")
    for irule in t.icd.rules:
        add(irule.id, "icd", _icd_decides(irule), _icd_codes(irule, t), "icd")
    for check in t.checks.values():
        type_ = "query" if check.query else "flag"
        add(check.id, type_, f"{check.flag}: {' '.join(check.message.split())}", [], "checks")
    return out


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

"""Load, validate and index the coding rule files (``nlp/resources/coding/*.yaml``).

The code tables are data, not Python, so a coder can review them and a change shows up in
``rules_version()``.  Loading happens once per process (cached) and fails loudly: every problem
raises :class:`~nlp.errors.RuleFileError` naming the file, the rule id and what to fix.  Three
layers of checks run, in order:

1. YAML syntax and a known top-level ``kind:``;
2. the shape of every item (:mod:`nlp.coding.schema`);
3. consistency: references between rules and files, band order, codes per band, leaf-only ICD
   codes, message placeholders, and the check ids the engine relies on.
"""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import yaml
from pydantic import BaseModel, ValidationError

from nlp.coding import schema
from nlp.errors import RuleFileError

RULES_DIR = Path(__file__).resolve().parent.parent / "resources" / "coding"
"""Where the packaged rule files live."""

MESSAGE_FIELDS = frozenset({"lesion", "site", "diagnosis", "value", "code", "band", "detail"})
"""Placeholders a check message may use (all filled by :mod:`nlp.coding.checks`)."""

ENGINE_CHECKS = frozenset(
    {
        "query.margin_missing",
        "query.size_from_pathology",
        "query.size_missing",
        "query.boundary_rounding.excision",
        "query.boundary_rounding.repair",
        "query.pathology_pending",
        "query.diagnosis_missing",
        "query.malignancy_type_missing",
        "query.diagnosis_unmapped",
        "query.site_missing",
        "query.site_unmapped",
        "query.laterality_missing",
        "query.eyelid_part_missing",
        "query.eyelid_site_check",
        "query.site_specific_check",
        "query.procedure_not_coded",
        "query.att_not_coded",
        "query.flap_graft_not_coded",
        "query.repair_length_missing",
        "query.repair_depth_dermal_only",
        "flag.unverified_mapping",
        "flag.unverified_code",
        "flag.ncci_bundled",
        "flag.provisional_size",
        "flag.re_excision",
        "query.procedure_size_missing",
        "query.defect_area_missing",
        "query.mohs_stages_missing",
        "query.soft_tissue_region_missing",
        "query.lesion_count_missing",
        "query.staged_global_period",
    }
)
"""Check ids the Python code raises by name; ``checks.yaml`` must define every one."""


# --------------------------------------------------------------------------------------------
# Indexed tables
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tables:
    """All rule files, validated, with the look-ups the engine needs."""

    directory: Path
    version: str
    paths: dict[str, Path]
    meta: schema.MetaFile
    excision: schema.ExcisionFile
    repairs: schema.RepairsFile
    policies: dict[str, schema.Policy]
    regions: dict[str, schema.Region]
    icd: schema.IcdFile
    diagnoses: schema.DiagnosesFile
    kinds: dict[str, schema.DiagnosisKind]
    checks: dict[str, schema.Check]
    procedures: schema.ProceduresFile
    excision_rules: dict[tuple[str, str], schema.ExcisionRule] = field(default_factory=dict)
    intermediate_rules: dict[str, schema.IntermediateRule] = field(default_factory=dict)
    complex_rules: dict[str, schema.ComplexRule] = field(default_factory=dict)
    icd_sites: dict[str, schema.IcdSite] = field(default_factory=dict)
    icd_rows: dict[str, dict[str, str]] = field(default_factory=dict)
    icd_columns: dict[str, schema.Column] = field(default_factory=dict)
    icd_rules: dict[str, schema.IcdRule] = field(default_factory=dict)

    @property
    def excision_bounds(self) -> list[Decimal]:
        """Inclusive upper bounds of the excised-diameter buckets, ascending."""
        return [band.max_cm for band in self.excision.bands]

    def excision_band_label(self, index: int) -> str:
        """Label of bucket ``index`` (``len(bands)`` is the open-ended top bucket)."""
        bands = self.excision.bands
        return bands[index].label if index < len(bands) else self.excision.over_label

    def excision_group_label(self, rule: schema.ExcisionRule) -> str:
        """Words for the site group in a code description (mucosa wording for the 11440 family)."""
        if rule.describe_group_as:
            return rule.describe_group_as
        return next(g.label for g in self.excision.groups if g.id == rule.group)

    def all_bundles(self) -> list[tuple[schema.Policy, schema.BundleRule]]:
        """Every bundling rule of every policy (used to flag what another payer would bundle)."""
        return [(policy, bundle) for policy in self.policies.values() for bundle in policy.bundles]


# --------------------------------------------------------------------------------------------
# Reading one file
# --------------------------------------------------------------------------------------------


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RuleFileError(path, None, "file not found") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise RuleFileError(path, None, f"YAML syntax error{where}: {problem}") from None


def _rule_id_at(data: Any, loc: Iterable[Any]) -> str | None:
    """Walk ``data`` along a pydantic error location; return the innermost item ``id`` seen."""
    found = None
    node = data
    for part in loc:
        if isinstance(node, dict) and isinstance(node.get("id"), str):
            found = node["id"]
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
    if isinstance(node, dict) and isinstance(node.get("id"), str):
        found = node["id"]
    return found


def _format_loc(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _validate(path: Path, data: Any, model: type[BaseModel]) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        first_rule = None
        problems = []
        for err in errors:
            loc = [part for part in err.get("loc", ()) if not (isinstance(part, str) and part.startswith("function-"))]
            rule = _rule_id_at(data, loc) or (_format_loc(loc[:2]) if loc else None)
            first_rule = first_rule or rule
            message = err.get("msg", "invalid").removeprefix("Value error, ")
            problems.append(f"{_format_loc(loc)}: {message}" + (f" (rule {rule})" if rule and len(errors) > 1 else ""))
        raise RuleFileError(path, first_rule, "; ".join(problems)) from None


def load_rule_file(path: str | Path) -> BaseModel:
    """Read and validate one rule file, including the checks that need only that file.

    The file's top-level ``kind:`` picks the model.  Used by :func:`load_tables` and by the
    tests that feed deliberately broken files (``tests/fixtures/rules_bad``).
    """
    path = Path(path)
    data = _read_yaml(path)
    if not isinstance(data, dict) or "kind" not in data:
        raise RuleFileError(path, None, f"missing top-level 'kind:'; use one of {', '.join(sorted(schema.FILE_MODELS))}")
    kind = data["kind"]
    model = schema.FILE_MODELS.get(kind) if isinstance(kind, str) else None
    if model is None:
        raise RuleFileError(path, None, f"unknown kind {kind!r}; use one of {', '.join(sorted(schema.FILE_MODELS))}")
    parsed = _validate(path, data, model)
    _FILE_CHECKS[kind](path, parsed)
    return parsed


# --------------------------------------------------------------------------------------------
# Checks within one file
# --------------------------------------------------------------------------------------------


def _unique(path: Path, ids: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise RuleFileError(path, item, f"duplicate {what} '{item}'; each must appear once")
        seen.add(item)


def _ascending(path: Path, rule_id: str, bounds: list[Decimal], what: str) -> None:
    for lower, upper in zip(bounds, bounds[1:], strict=False):
        if upper <= lower:
            raise RuleFileError(path, rule_id, f"{what} must increase: {upper} follows {lower}")
    if bounds and bounds[0] <= 0:
        raise RuleFileError(path, rule_id, f"{what} must be above 0, got {bounds[0]}")


def _check_meta(path: Path, meta: schema.MetaFile) -> None:
    if meta.min_confidence > meta.base_confidence:
        raise RuleFileError(path, None, "min_confidence is above base_confidence")


def _check_excision(path: Path, exc: schema.ExcisionFile) -> None:
    _ascending(path, "excision.bands", [b.max_cm for b in exc.bands], "band max_cm values")
    groups = {g.id for g in exc.groups}
    _unique(path, (g.id for g in exc.groups), "group")
    _unique(path, (r.id for r in exc.rules), "rule id")
    pairs: set[tuple[str, str]] = set()
    for rule in exc.rules:
        if rule.group not in groups:
            raise RuleFileError(path, rule.id, f"group '{rule.group}' is not declared under groups ({', '.join(sorted(groups))})")
        if (rule.family, rule.group) in pairs:
            raise RuleFileError(path, rule.id, f"a second rule for {rule.family} / {rule.group}; keep one")
        pairs.add((rule.family, rule.group))
        if rule.codes and len(rule.codes) != len(exc.bands) + 1:
            raise RuleFileError(
                path,
                rule.id,
                f"has {len(rule.codes)} codes but there are {len(exc.bands)} bands plus the 'over' bucket: "
                f"list {len(exc.bands) + 1} codes, one per bucket, smallest first",
            )
        _unique(path, rule.codes, f"code in {rule.id}:")
    for family, template in exc.descriptions.items():
        _placeholders(path, f"excision.descriptions.{family}", template, {"group", "band"})


def _check_repairs(path: Path, rep: schema.RepairsFile) -> None:
    _unique(path, (g.id for g in rep.simple_groups), "simple group")
    _unique(path, [r.id for r in rep.intermediate] + [r.id for r in rep.complex.rules], "rule id")
    _unique(path, (r.group for r in rep.intermediate), "intermediate group")
    _unique(path, (r.group for r in rep.complex.rules), "complex group")
    for rule in rep.intermediate:
        _ascending(path, rule.id, [b.max_cm for b in rule.bands], "band max_cm values")
    for rule in rep.complex.rules:
        if not rep.complex.minimum_cm < rule.first.max_cm < rule.second.max_cm:
            raise RuleFileError(
                path, rule.id, f"need minimum_cm < first.max_cm < second.max_cm, got {rep.complex.minimum_cm}, {rule.first.max_cm}, {rule.second.max_cm}"
            )
        if rule.addon.step_cm <= 0:
            raise RuleFileError(path, rule.id, "addon.step_cm must be above 0")
    for name, template in rep.descriptions.items():
        _placeholders(path, f"repairs.descriptions.{name}", template, {"group", "band", "step"})


def _check_policies(path: Path, pol: schema.PoliciesFile) -> None:
    _unique(path, (p.id for p in pol.policies), "policy")
    _unique(path, (b.id for p in pol.policies for b in p.bundles), "bundle rule id")
    if "cpt" not in {p.id for p in pol.policies}:
        raise RuleFileError(path, None, "the default policy 'cpt' must be defined")


def _check_sites(path: Path, sites: schema.SitesFile) -> None:
    _unique(path, (r.id for r in sites.regions), "rule id")
    _unique(path, (r.region for r in sites.regions), "region")


def _check_icd(path: Path, icd: schema.IcdFile) -> None:
    _unique(path, (s.id for s in icd.sites), "site")
    _unique(path, (c.id for c in icd.site_table.columns), "column")
    _unique(path, (r.id for r in icd.site_table.rows), "row")
    _unique(path, (r.id for r in icd.rules), "rule id")
    sites = {s.id: s for s in icd.sites}
    columns = {c.id for c in icd.site_table.columns}
    width = len(icd.site_table.columns)
    rows = {r.id for r in icd.site_table.rows}
    for row in icd.site_table.rows:
        if len(row.codes) != width:
            raise RuleFileError(path, row.id, f"row has {len(row.codes)} codes for {width} columns; give one code per column")
        base = row.id.split(".")[0]
        if base != "unspecified" and base not in sites:
            raise RuleFileError(path, row.id, f"row names site '{base}', which is not declared under sites")
    # Every table site needs its rows: side-unspecified plus right/left (and upper/lower).
    for site in icd.sites:
        if site.special is not None:  # genital/mucosa: not coded from the skin table
            continue
        needed = [site.id]
        if site.sided:
            sides = ["right", "left"]
            parts = ["upper", "lower"] if site.eyelid_parts else [None]
            needed += [f"{site.id}.{side}" + (f".{part}" if part else "") for side in sides for part in parts]
        for row_id in needed:
            if row_id not in rows:
                raise RuleFileError(path, row_id, f"site '{site.id}' needs a site_table row '{row_id}'")
    if "unspecified" not in rows:
        raise RuleFileError(path, "unspecified", "the site_table needs an 'unspecified' row for lesions without a site")
    # Leaf codes only.
    all_codes = _all_icd_codes(icd)
    headers = set(icd.known_headers)
    for owner, code in all_codes:
        if code in headers:
            raise RuleFileError(path, owner, f"{code} is a header (non-billable) code; use the billable leaf code below it")
        longer = next((other for _, other in all_codes if other != code and other.startswith(code)), None)
        if longer is not None:
            raise RuleFileError(path, owner, f"{code} is a prefix of {longer}, so it is a header code; emit only leaf codes")
    for rule in icd.rules:
        if rule.column is not None and rule.column not in columns:
            raise RuleFileError(path, rule.id, f"column '{rule.column}' is not in site_table.columns ({', '.join(sorted(columns))})")
        if rule.by_site is not None:
            for key, value in rule.by_site.items():
                if key != "unspecified" and key not in sites:
                    raise RuleFileError(path, rule.id, f"by_site key '{key}' is not a declared site")
                if isinstance(value, schema.Sided) and key in sites and not sites[key].sided:
                    raise RuleFileError(path, rule.id, f"by_site '{key}' gives right/left codes but site '{key}' is not sided")
            missing = [s.id for s in icd.sites if s.id not in rule.by_site and not (s.special and s.special.suppress == "all")]
            if "unspecified" not in rule.by_site:
                missing.append("unspecified")
            if missing:
                raise RuleFileError(path, rule.id, f"by_site has no code for: {', '.join(missing)}")


def _all_icd_codes(icd: schema.IcdFile) -> list[tuple[str, str]]:
    codes: list[tuple[str, str]] = []
    for row in icd.site_table.rows:
        codes += [(row.id, code) for code in row.codes]
    for rule in icd.rules:
        if rule.code:
            codes.append((rule.id, rule.code))
        for value in (rule.by_site or {}).values():
            if isinstance(value, schema.Sided):
                codes += [(rule.id, value.unspecified), (rule.id, value.right), (rule.id, value.left)]
            else:
                codes.append((rule.id, value))
    return codes


def _check_diagnoses(path: Path, dx: schema.DiagnosesFile) -> None:
    _unique(path, (k.id for k in dx.kinds), "rule id")
    _unique(path, (k.kind for k in dx.kinds), "diagnosis kind")
    for kind in dx.kinds:
        if kind.clearly_benign and kind.family != "benign":
            raise RuleFileError(path, kind.id, "clearly_benign is only allowed for the benign family")


def _placeholders(path: Path, rule_id: str, template: str, allowed: set[str] | frozenset[str]) -> None:
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:
        raise RuleFileError(path, rule_id, f"message template is malformed ({exc}); use {{name}} placeholders") from None
    unknown = sorted(n for n in names if n not in allowed)
    if unknown:
        raise RuleFileError(
            path, rule_id, f"unknown placeholder(s) {', '.join('{' + n + '}' for n in unknown)}; allowed: {', '.join(sorted(allowed))}"
        )


def _check_checks(path: Path, checks: schema.ChecksFile) -> None:
    _unique(path, (c.id for c in checks.checks), "rule id")
    for check in checks.checks:
        _placeholders(path, check.id, check.message, MESSAGE_FIELDS)
        for variant in check.variants:
            _placeholders(path, check.id, variant.message, MESSAGE_FIELDS)
        _unique(path, (f for v in check.variants for f in v.families), f"{check.id} variant family")
        if check.query and not check.id.startswith("query."):
            raise RuleFileError(path, check.id, "a check with query: true must have an id starting with 'query.'")
        if not check.query and not check.id.startswith("flag."):
            raise RuleFileError(path, check.id, "a check with query: false must have an id starting with 'flag.'")


def _check_procedures(path: Path, proc: schema.ProceduresFile) -> None:
    ids: list[str] = []
    for name in ("shave", "destruction_malignant"):
        table: schema.SizedTable = getattr(proc, name)
        _ascending(path, f"{name}.bands_cm", list(table.bands_cm), "bands_cm values")
        if len(table.band_labels) != len(table.bands_cm) + 1:
            raise RuleFileError(path, f"{name}.band_labels", f"give {len(table.bands_cm) + 1} labels: one per band plus the open-ended top")
        for row in table.rows:
            ids.append(row.id)
            if len(row.codes) != len(table.bands_cm) + 1:
                raise RuleFileError(path, row.id, f"has {len(row.codes)} codes; list {len(table.bands_cm) + 1}, one per band plus the top")
        _placeholders(path, f"{name}.description", table.description, {"group", "band"})
    for name in ("tissue_transfer", "graft_full_thickness", "graft_split_thickness"):
        area: schema.AreaTable = getattr(proc, name)
        _ascending(path, f"{name}.bands_sq_cm", list(area.bands_sq_cm), "bands_sq_cm values")
        for arow in area.rows:
            ids.append(arow.id)
            if len(arow.codes) != len(area.bands_sq_cm):
                raise RuleFileError(path, arow.id, f"has {len(arow.codes)} codes for {len(area.bands_sq_cm)} bands; give one per band")
            if area.large_code is None and (arow.addon is None or area.addon_step_sq_cm is None):
                raise RuleFileError(path, arow.id, "above the last band this table needs either large_code or a row addon with addon_step_sq_cm")
        if area.large_code is not None and (area.large_rule is None or area.large_max_sq_cm is None or area.large_addon is None or area.addon_step_sq_cm is None):
            raise RuleFileError(path, f"{name}.large_code", "large_code needs large_rule, large_max_sq_cm, large_addon and addon_step_sq_cm")
        if area.large_rule:
            ids.append(area.large_rule)
        _placeholders(path, f"{name}.description", area.description, {"group", "band"})
    ids += [t.id for t in proc.biopsy.techniques] + [b.id for b in proc.biopsy.sites]
    for site in proc.biopsy.sites:
        if site.code is None and site.check is None:
            raise RuleFileError(path, site.id, "a biopsy site row needs a code, or a check to raise when it keeps the skin code")
        if site.unverified and not site.alternative:
            raise RuleFileError(path, site.id, "an unverified site code may only be offered as an alternative (alternative: true)")
    _unique(path, (t.procedure for t in proc.biopsy.techniques), "biopsy procedure kind")
    for counted in (proc.skin_tags, proc.destruction_premalignant, proc.destruction_benign):
        ids.append(counted.id)
        if (counted.many is None) != (counted.many_from is None):
            raise RuleFileError(path, counted.id, "give both many and many_from, or neither")
        if counted.addon is None and counted.many is None:
            raise RuleFileError(path, counted.id, "a counted family needs an addon code or a many code above first_max")
    ids += [r.id for r in proc.mohs.rows] + [proc.mohs.extra_block_rule, proc.incision_drainage.id]
    ids += [r.id for r in proc.pedicle_flap.rows] + [r.id for r in proc.soft_tissue.rows] + [a.id for a in proc.alternatives]
    _unique(path, ids, "rule id")
    rows = {r.region for r in proc.soft_tissue.rows}
    for region, target in proc.soft_tissue.regions.items():
        if target not in rows:
            raise RuleFileError(path, f"soft_tissue.regions.{region}", f"'{target}' has no row under soft_tissue.rows")


_FILE_CHECKS = {
    "meta": _check_meta,
    "excision": _check_excision,
    "repairs": _check_repairs,
    "policies": _check_policies,
    "sites": _check_sites,
    "icd": _check_icd,
    "diagnoses": _check_diagnoses,
    "checks": _check_checks,
    "procedures": _check_procedures,
}


# --------------------------------------------------------------------------------------------
# Checks across files
# --------------------------------------------------------------------------------------------


def _cross_check(t: Tables) -> None:
    checks = t.checks

    def need_check(file_kind: str, owner: str, check_id: str | None) -> None:
        if check_id is not None and check_id not in checks:
            raise RuleFileError(t.paths[file_kind], owner, f"check '{check_id}' is not defined in {t.paths['checks'].name}")

    missing = sorted(ENGINE_CHECKS - checks.keys())
    if missing:
        raise RuleFileError(t.paths["checks"], missing[0], f"the coding engine raises this check but the file does not define it (missing: {', '.join(missing)})")
    for rule in t.excision.rules:
        need_check("excision", rule.id, rule.check)
    for policy in t.policies.values():
        for bundle in policy.bundles:
            need_check("policies", bundle.id, bundle.check_when_not_applied)
            for code in bundle.excision_codes:
                if not any(code in r.codes for r in t.excision.rules):
                    raise RuleFileError(t.paths["policies"], bundle.id, f"excision code {code} is not produced by any rule in {t.paths['excision'].name}")
    for site in t.icd.sites:
        if site.special:
            need_check("icd", site.id, site.special.check)
            for rule_id in site.special.exempt:
                if rule_id not in t.icd_rules:
                    raise RuleFileError(t.paths["icd"], site.id, f"exempt rule '{rule_id}' is not defined in {t.paths['icd'].name}")
    sign_rule = t.diagnoses.held_sign_rule
    if sign_rule not in t.icd_rules or t.icd_rules[sign_rule].code is None:
        raise RuleFileError(t.paths["diagnoses"], "held_sign_rule", f"'{sign_rule}' must be a fixed-code rule in {t.paths['icd'].name}")
    for kind in t.kinds.values():
        if kind.icd_query is not None:
            need_check("diagnoses", kind.id, kind.icd_query)
        elif kind.icd not in t.icd_rules:
            raise RuleFileError(t.paths["diagnoses"], kind.id, f"icd rule '{kind.icd}' is not defined in {t.paths['icd'].name}")
        for check in kind.checks:
            need_check("diagnoses", kind.id, check.id)
    simple = {g.id for g in t.repairs.simple_groups}
    groups = {
        "excision": {g.id for g in t.excision.groups},
        "simple": simple,
        "intermediate": set(t.intermediate_rules),
        "complex": set(t.complex_rules),
        "icd_site": set(t.icd_sites),
    }
    sources = {
        "excision": t.paths["excision"].name,
        "simple": t.paths["repairs"].name,
        "intermediate": t.paths["repairs"].name,
        "complex": t.paths["repairs"].name,
        "icd_site": t.paths["icd"].name,
    }
    for region in t.regions.values():
        for name, known in groups.items():
            value = getattr(region, name)
            if value not in known:
                raise RuleFileError(
                    t.paths["sites"], region.id, f"{name} group '{value}' is not defined in {sources[name]} (known: {', '.join(sorted(known))})"
                )
    _cross_check_procedures(t, groups)
    for bsite in t.procedures.biopsy.sites:
        need_check("procedures", bsite.id, bsite.check)
        if bsite.region not in t.regions:
            raise RuleFileError(t.paths["procedures"], bsite.id, f"region '{bsite.region}' is not in {t.paths['sites'].name}")
        if bsite.icd_site is not None and bsite.icd_site not in t.icd_sites:
            raise RuleFileError(t.paths["procedures"], bsite.id, f"icd_site '{bsite.icd_site}' is not a site in {t.paths['icd'].name}")
    for family in ("benign", "malignant"):
        for group in groups["excision"]:
            if (family, group) not in t.excision_rules:
                raise RuleFileError(t.paths["excision"], f"exc.{family}.{group}", f"no rule for {family} lesions in group '{group}'")


def _cross_check_procedures(t: Tables, groups: dict[str, set[str]]) -> None:
    """Every procedure table row names site groups that exist, and each group has one row."""
    path, proc = t.paths["procedures"], t.procedures
    tables: list[tuple[str, str, list[tuple[str, list[str]]]]] = [
        ("shave", proc.shave.axis, [(r.id, r.groups) for r in proc.shave.rows]),
        ("destruction_malignant", proc.destruction_malignant.axis, [(r.id, r.groups) for r in proc.destruction_malignant.rows]),
        ("mohs", "excision", [(r.id, r.groups) for r in proc.mohs.rows]),
        ("tissue_transfer", proc.tissue_transfer.axis, [(r.id, r.groups) for r in proc.tissue_transfer.rows]),
        ("pedicle_flap", proc.pedicle_flap.axis, [(r.id, r.groups) for r in proc.pedicle_flap.rows]),
        ("graft_full_thickness", proc.graft_full_thickness.axis, [(r.id, r.groups) for r in proc.graft_full_thickness.rows]),
        ("graft_split_thickness", proc.graft_split_thickness.axis, [(r.id, r.groups) for r in proc.graft_split_thickness.rows]),
    ]
    for name, axis, rows in tables:
        known = groups[axis]
        covered: dict[str, str] = {}
        for row_id, row_groups in rows:
            for group in row_groups:
                if group not in known:
                    raise RuleFileError(path, row_id, f"{axis} group '{group}' is not defined (known: {', '.join(sorted(known))})")
                if group in covered:
                    raise RuleFileError(path, row_id, f"group '{group}' already has a row in {name} ({covered[group]})")
                covered[group] = row_id
        missing = sorted(known - covered.keys())
        if missing:
            raise RuleFileError(path, name, f"no row for {axis} group(s) {', '.join(missing)}")
    for region in proc.soft_tissue.regions:
        if region not in t.regions:
            raise RuleFileError(path, f"soft_tissue.regions.{region}", f"'{region}' is not a region in {t.paths['sites'].name}")
    for kind in proc.soft_tissue.diagnoses:
        if kind not in t.kinds:
            raise RuleFileError(path, "soft_tissue.diagnoses", f"'{kind}' is not a diagnosis kind in {t.paths['diagnoses'].name}")
    for alt in proc.alternatives:
        if alt.region not in t.regions:
            raise RuleFileError(path, alt.id, f"region '{alt.region}' is not a region in {t.paths['sites'].name}")


# --------------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------------


def _fingerprint(directory: Path) -> str:
    """sha256 over every file in the rules folder, sorted by relative path."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(path.relative_to(directory).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _build(directory: Path) -> Tables:
    parsed: dict[str, BaseModel] = {}
    paths: dict[str, Path] = {}
    for path in sorted(directory.glob("*.yaml")):
        model = load_rule_file(path)
        kind = model.kind  # type: ignore[attr-defined]
        if kind in parsed:
            raise RuleFileError(path, None, f"a second file of kind '{kind}' (the first is {paths[kind].name}); keep one")
        parsed[kind] = model
        paths[kind] = path
    for kind in schema.FILE_MODELS:
        if kind not in parsed:
            raise RuleFileError(directory / f"{kind}.yaml", None, f"no rule file of kind '{kind}' in {directory}")
    meta: schema.MetaFile = parsed["meta"]  # type: ignore[assignment]
    excision: schema.ExcisionFile = parsed["excision"]  # type: ignore[assignment]
    repairs: schema.RepairsFile = parsed["repairs"]  # type: ignore[assignment]
    icd: schema.IcdFile = parsed["icd"]  # type: ignore[assignment]
    columns = [c.id for c in icd.site_table.columns]
    tables = Tables(
        directory=directory,
        version=f"{meta.release}+{_fingerprint(directory)[:10]}",
        paths=paths,
        meta=meta,
        excision=excision,
        repairs=repairs,
        policies={p.id: p for p in parsed["policies"].policies},  # type: ignore[attr-defined]
        regions={r.region: r for r in parsed["sites"].regions},  # type: ignore[attr-defined]
        icd=icd,
        diagnoses=parsed["diagnoses"],  # type: ignore[arg-type]
        kinds={k.kind: k for k in parsed["diagnoses"].kinds},  # type: ignore[attr-defined]
        checks={c.id: c for c in parsed["checks"].checks},  # type: ignore[attr-defined]
        procedures=parsed["procedures"],  # type: ignore[arg-type]
        excision_rules={(r.family, r.group): r for r in excision.rules},
        intermediate_rules={r.group: r for r in repairs.intermediate},
        complex_rules={r.group: r for r in repairs.complex.rules},
        icd_sites={s.id: s for s in icd.sites},
        icd_rows={row.id: dict(zip(columns, row.codes, strict=False)) for row in icd.site_table.rows},
        icd_columns={c.id: c for c in icd.site_table.columns},
        icd_rules={r.id: r for r in icd.rules},
    )
    _cross_check(tables)
    return tables


@lru_cache(maxsize=8)
def _load_cached(directory: str) -> Tables:
    return _build(Path(directory))


def load_tables(directory: str | Path | None = None) -> Tables:
    """Return the validated code tables, loading them on first use (cached per folder).

    ``directory`` defaults to the packaged rules; tests pass a copy to check broken files.
    """
    if directory is None:  # the hot path: no filesystem calls once loaded
        return _load_cached(str(RULES_DIR))
    return _load_cached(str(Path(directory).resolve()))


def rules_version(directory: str | Path | None = None) -> str:
    """``"<release>+<first 10 hex of sha256 over the rule files>"``, echoed in every result."""
    return load_tables(directory).version

"""Everything the rule modules need to know about one lesion, worked out once."""

from __future__ import annotations

from dataclasses import dataclass, field

from nlp.coding import schema
from nlp.coding.behaviour import BehaviourDecision, decide
from nlp.coding.checks import EXCISION, ICD, NONE, CheckLog
from nlp.coding.evidence import evidence, merge
from nlp.coding.measures import Diameter, excised_diameter
from nlp.coding.sites import ResolvedSite, resolve_site, site_words
from nlp.coding.tables import Tables
from nlp.records import Evidence, Lesion, SuggestionStatus

EXCISION_PROCEDURES = frozenset({"excision", "re_excision"})
"""Procedure kinds coded with 114xx/116xx (or, for a lipoma, the soft-tissue tumour codes)."""

NO_SPECIMEN_FAMILIES = frozenset({"skin_tags", "destruction_premalignant", "destruction_benign", "destruction_malignant", "drainage", "mohs"})
"""Families whose diagnosis waits for no separate pathology report, so a certain clinical
diagnosis is final: no tissue is sent, or (Mohs) the surgeon reads the frozen sections."""

BIOPSY_PROCEDURES = frozenset({"biopsy_tangential", "biopsy_punch", "biopsy_incisional"})

Family = str
"""The code family a lesion's procedure belongs to: ``excision``, ``soft_tissue``, ``shave``,
``biopsy``, ``skin_tags``, ``destruction_premalignant``, ``destruction_benign``,
``destruction_malignant``, ``mohs``, ``drainage``, or ``none`` (not coded)."""


@dataclass
class LesionContext:
    """One lesion with its resolved site, behaviour decision and excised diameter.

    ``excision_code``/``excision_bucket``/``excision_status`` are filled by the excision step
    (for a held lesion: the would-be code) and read by the repair step for NCCI bundling.
    """

    lesion: Lesion
    site: ResolvedSite | None
    decision: BehaviourDecision
    diameter: Diameter
    excision_like: bool
    family: Family = "excision"
    excision_code: str | None = None
    excision_bucket: int | None = None
    excision_status: SuggestionStatus | None = None
    icd_codes: list[str] = field(default_factory=list)
    site_biopsy: schema.BiopsySite | None = None

    @property
    def site_coded_biopsy(self) -> bool:
        """A biopsy whose site (vermilion, oral vestibule, lid margin) takes its own code, not 1110x."""
        rule = self.site_biopsy
        return rule is not None and rule.code is not None and not rule.alternative

    @property
    def icd_site(self) -> str | None:
        """The lesion's ICD-10-CM site key: the site biopsy row's, else the region's."""
        if self.site_coded_biopsy and self.site_biopsy is not None and self.site_biopsy.icd_site:
            return self.site_biopsy.icd_site
        return self.site.row.icd_site if self.site else None

    @property
    def index(self) -> int:
        return self.lesion.index

    @property
    def site_label(self) -> str:
        return site_words(self.site)

    def base_evidence(self) -> list[Evidence]:
        """Site, coded diagnosis and procedure spans: what every procedure line of the lesion cites."""
        lesion = self.lesion
        dx = self.decision.coded_dx or lesion.diagnosis
        return merge(
            evidence(self.site.site.span if self.site else None, "site"),
            evidence(dx.span if dx else None, "diagnosis"),
            evidence(lesion.procedure.span if lesion.procedure else None, "procedure"),
        )

    def dx_label(self, tables: Tables) -> str:
        """Normalised diagnosis words for messages (the lexicon label, never note text)."""
        dx = self.decision.coded_dx or self.lesion.diagnosis
        if dx is None:
            return "none documented"
        row = tables.kinds.get(dx.kind)
        label = row.label if row else dx.kind.replace("_", " ")
        return label if dx.certain else f"possible {label}"


def build_context(lesion: Lesion, tables: Tables, log: CheckLog) -> LesionContext:
    """Resolve site, behaviour and diameter for one lesion, raising the checks they imply."""
    site = resolve_site(lesion, tables, log)
    family = procedure_family(lesion, tables)
    decision = decide(lesion, tables, specimen=family not in NO_SPECIMEN_FAMILIES)
    context = LesionContext(lesion, site, decision, excised_diameter(lesion), family == "excision", family)
    if family == "biopsy":
        context.site_biopsy = site_biopsy_rule(lesion, tables)
    if family == "none":
        kind = lesion.procedure.kind if lesion.procedure else "none"
        log.add("query.procedure_not_coded", lesion.index, NONE, site=context.site_label, detail=kind.replace("_", " "))
    if decision.malignancy_type_missing:
        log.add("query.malignancy_type_missing", lesion.index, NONE, site=context.site_label)
    if decision.held and decision.held_check:
        log.add(decision.held_check, lesion.index, EXCISION | ICD, family=family, site=context.site_label, diagnosis=context.dx_label(tables))
    return context


def _site_code_preferred(lesion: Lesion, tables: Tables) -> bool:
    """Whether the lesion's site involves a structure whose site-specific code is preferred to
    the skin code (``procedures.yaml`` alternatives with ``preferred_when_involved``)."""
    site = lesion.site
    if site is None or not site.involves:
        return False
    return any(
        alt.preferred_when_involved and alt.region == site.region and set(site.involves) & set(alt.when_involves)
        for alt in tables.procedures.alternatives
    )


def procedure_family(lesion: Lesion, tables: Tables) -> Family:
    """Which code family the lesion's procedure belongs to (coding-rules.md sections 1.8, 3)."""
    kind = lesion.procedure.kind if lesion.procedure else "excision"
    dx = lesion.diagnosis
    dx_kind = dx.kind if dx else None
    if dx_kind == "skin_tag" and kind in EXCISION_PROCEDURES | {"shave", "destruction", "skin_tag_removal"}:
        return "skin_tags"  # any method (section 3.1)
    if kind in EXCISION_PROCEDURES:
        return "soft_tissue" if dx_kind in tables.procedures.soft_tissue.diagnoses else "excision"
    if kind in BIOPSY_PROCEDURES:
        return "biopsy"
    if kind == "shave" and _site_code_preferred(lesion, tables):
        # A lid-margin lesion shaved flush is removed whole from the lid: the eyelid excision code
        # (67840, no closure or simple closure, no size) names that better than a shave removal
        # (section 3.6), so the lesion takes the excision path and its site-specific line.
        return "excision"
    if kind == "destruction":
        row = tables.kinds.get(dx_kind) if dx_kind else None
        if row is None:
            return "destruction_benign"
        return f"destruction_{row.destruction or row.family}"
    return {"shave": "shave", "skin_tag_removal": "skin_tags", "mohs": "mohs", "incision_drainage": "drainage"}.get(kind, "none")


def site_biopsy_rule(lesion: Lesion, tables: Tables) -> schema.BiopsySite | None:
    """The first ``procedures.yaml`` biopsy site row the lesion's site matches (section 3.3)."""
    site = lesion.site
    if site is None:
        return None
    for rule in tables.procedures.biopsy.sites:
        if rule.region != site.region:
            continue
        if rule.when_involves and not set(rule.when_involves) & set(site.involves):
            continue
        if rule.subsites and site.subsite not in rule.subsites:
            continue
        if site.subsite is not None and site.subsite in rule.except_subsites:
            continue
        return rule
    return None

"""Everything the rule modules need to know about one lesion, worked out once."""

from __future__ import annotations

from dataclasses import dataclass, field

from nlp.coding.behaviour import BehaviourDecision, decide
from nlp.coding.checks import EXCISION, ICD, NONE, CheckLog
from nlp.coding.measures import Diameter, excised_diameter
from nlp.coding.sites import ResolvedSite, resolve_site, site_words
from nlp.coding.tables import Tables
from nlp.records import Lesion, SuggestionStatus

EXCISION_PROCEDURES = frozenset({"excision", "re_excision"})
"""Procedure kinds this version codes with 114xx/116xx (others belong to a later issue)."""


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
    excision_code: str | None = None
    excision_bucket: int | None = None
    excision_status: SuggestionStatus | None = None
    icd_codes: list[str] = field(default_factory=list)

    @property
    def index(self) -> int:
        return self.lesion.index

    @property
    def site_label(self) -> str:
        return site_words(self.site)

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
    decision = decide(lesion, tables)
    procedure = lesion.procedure
    excision_like = procedure is None or procedure.kind in EXCISION_PROCEDURES
    context = LesionContext(lesion, site, decision, excised_diameter(lesion), excision_like)
    if not excision_like:
        assert procedure is not None
        log.add("query.procedure_not_coded", lesion.index, NONE, site=context.site_label, detail=procedure.kind)
    if decision.malignancy_type_missing:
        log.add("query.malignancy_type_missing", lesion.index, NONE, site=context.site_label)
    if decision.held and decision.held_check:
        log.add(decision.held_check, lesion.index, EXCISION | ICD, site=context.site_label, diagnosis=context.dx_label(tables))
    return context

"""The result record: the one JSON shape every writer, view and evaluator speaks.

Field names follow ``design.md`` (they are binding); extra fields are additions.  Lengths are in
centimetres and serialised as JSON numbers; they are computed as exact decimals upstream.
``opnote schema`` prints :func:`result_json_schema`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from nlp.records import (
    CodeSuggestion,
    CodingResult,
    DocumentationQuery,
    Lesion,
    LesionCoding,
    Measure,
    Mention,
    NoteFacts,
)

Centimetres = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
_STRICT = ConfigDict(extra="forbid")


class EvidenceOut(BaseModel):
    model_config = _STRICT
    start: int
    end: int
    text: str
    fact: str | None = Field(None, description="Which fact the span supports: site, diagnosis, margin, ...")


class EntityOut(BaseModel):
    model_config = _STRICT
    label: str
    text: str
    start: int = Field(description="Character offset into the original note (inclusive).")
    end: int = Field(description="Character offset into the original note (exclusive).")
    section: str | None
    negated: bool
    uncertain: bool
    historical: bool
    family: bool
    hypothetical: bool
    value: dict[str, Any] | None = Field(description="Normalised value: centimetres, region, kind, closure class ...")
    rule: str | None = Field(None, description="Id of the lexicon entry or pattern that matched.")
    lesion: int | None = Field(None, description="Index of the lesion the mention was linked to.")


class SiteOut(BaseModel):
    model_config = _STRICT
    text: str
    region: str
    group: str | None = Field(None, description="Excision site group used for CPT.")
    repair_groups: dict[str, str] = Field(default_factory=dict)
    subsite: str | None
    laterality: str | None
    eyelid_part: str | None
    start: int
    end: int


class DiagnosisOut(BaseModel):
    model_config = _STRICT
    text: str
    kind: str
    behaviour: Literal["benign", "malignant", "uncertain", "unknown"]
    source: Literal["pathology", "postoperative", "preoperative", "clinical"]
    certain: bool
    start: int
    end: int


class ProcedureOut(BaseModel):
    model_config = _STRICT
    kind: str
    text: str
    start: int
    end: int


class ClosureOut(BaseModel):
    model_config = _STRICT
    closure_class: str
    text: str
    detail: list[str]
    start: int
    end: int


class LesionOut(BaseModel):
    model_config = _STRICT
    index: int
    site: SiteOut | None
    diagnosis: DiagnosisOut | None
    behaviour: Literal["benign", "malignant", "uncertain", "unknown"]
    procedure: ProcedureOut | None
    lesion_size_cm: Centimetres | None
    margin_cm: Centimetres | None
    excised_diameter_cm: Centimetres | None
    excised_diameter_formula: str | None
    specimen_size_cm: Centimetres | None
    closure: ClosureOut | None
    repair_length_cm: Centimetres | None
    pathology_pending: bool


class CodeOut(BaseModel):
    model_config = _STRICT
    system: Literal["CPT", "ICD-10-CM"]
    code: str
    description: str
    lesion: int | None
    lesions: list[int]
    units: int
    modifiers: list[str]
    rule: str
    rationale: str
    evidence: list[EvidenceOut]
    confidence: float = Field(ge=0.0, le=1.0)
    status: Literal["suggested", "bundled", "alternative", "held"]
    diagnoses: list[str]
    flags: list[str]


class QueryOut(BaseModel):
    model_config = _STRICT
    lesion: int | None
    rule: str
    message: str
    flag: str | None


class SectionOut(BaseModel):
    model_config = _STRICT
    name: str
    start: int
    end: int


class ResultRecord(BaseModel):
    """One note's result: ``status`` ``ok`` with the facts and codes, or ``error`` with a reason."""

    model_config = _STRICT
    id: str
    status: Literal["ok", "error"]
    error: str | None = None
    version: str
    rules_version: str = ""
    policy: str = "cpt"
    entities: list[EntityOut] = Field(default_factory=list)
    lesions: list[LesionOut] = Field(default_factory=list)
    codes: list[CodeOut] = Field(default_factory=list)
    queries: list[QueryOut] = Field(default_factory=list)
    sections: list[SectionOut] = Field(default_factory=list)


def result_json_schema() -> dict[str, Any]:
    """JSON Schema of :class:`ResultRecord` (what ``opnote schema`` prints)."""
    return ResultRecord.model_json_schema(mode="serialization")


# ---------------------------------------------------------------------------------------
# Assembly from the plain records
# ---------------------------------------------------------------------------------------


def _cm(measure: Measure | None) -> Decimal | None:
    return measure.value_cm if measure is not None else None


# The record is validated once, as one nested dict: pydantic validates the whole tree in one
# call into pydantic-core, about twice as fast as building each nested model with its own call.


def _entity(mention: Mention) -> dict[str, Any]:
    return {
        "label": mention.label, "text": mention.text, "start": mention.start, "end": mention.end, "section": mention.section,
        "negated": mention.negated, "uncertain": mention.uncertain, "historical": mention.historical, "family": mention.family,
        "hypothetical": mention.hypothetical, "value": mention.value, "rule": mention.rule, "lesion": mention.lesion,
    }


def _lesion(lesion: Lesion, coding: LesionCoding | None) -> dict[str, Any]:
    site = lesion.site
    dx = lesion.diagnosis
    procedure = lesion.procedure
    closure = lesion.closure
    return {
        "index": lesion.index,
        "site": {
            "text": site.text, "region": site.region, "group": coding.site_group if coding else None,
            "repair_groups": dict(coding.repair_groups) if coding else {}, "subsite": site.subsite,
            "laterality": site.laterality, "eyelid_part": site.eyelid_part, "start": site.span.start, "end": site.span.end,
        } if site else None,
        "diagnosis": {
            "text": dx.text, "kind": dx.kind, "behaviour": dx.behaviour, "source": dx.source, "certain": dx.certain,
            "start": dx.span.start, "end": dx.span.end,
        } if dx else None,
        "behaviour": coding.behaviour if coding else (dx.behaviour if dx else "unknown"),
        "procedure": {
            "kind": procedure.kind, "text": procedure.text, "start": procedure.span.start, "end": procedure.span.end,
        } if procedure else None,
        "lesion_size_cm": _cm(lesion.lesion_size),
        "margin_cm": _cm(lesion.margin),
        "excised_diameter_cm": (
            coding.excised_diameter_cm if coding and coding.excised_diameter_cm is not None else _cm(lesion.excised_diameter)
        ),
        "excised_diameter_formula": coding.excised_diameter_formula if coding else None,
        "specimen_size_cm": _cm(lesion.specimen_size),
        "closure": {
            "closure_class": closure.closure_class, "text": closure.text, "detail": list(closure.detail),
            "start": closure.span.start, "end": closure.span.end,
        } if closure else None,
        "repair_length_cm": _cm(lesion.repair_length),
        "pathology_pending": lesion.pathology_pending,
    }


def _code(code: CodeSuggestion) -> dict[str, Any]:
    return {
        "system": code.system, "code": code.code, "description": code.description, "lesion": code.lesion,
        "lesions": list(code.lesions or ([code.lesion] if code.lesion is not None else [])), "units": code.units,
        "modifiers": list(code.modifiers), "rule": code.rule, "rationale": code.rationale,
        "evidence": [{"start": e.start, "end": e.end, "text": e.text, "fact": e.fact} for e in code.evidence],
        "confidence": round(min(1.0, max(0.0, code.confidence)), 3), "status": code.status,
        "diagnoses": list(code.diagnoses), "flags": list(code.flags),
    }


def _query(query: DocumentationQuery) -> dict[str, Any]:
    return {"lesion": query.lesion, "rule": query.rule, "message": query.message, "flag": query.flag}


def build_result(note_id: str, facts: NoteFacts, coding: CodingResult, *, version: str, policy: str) -> ResultRecord:
    """Assemble the published record from the extraction and coding results."""
    by_lesion = {c.lesion: c for c in coding.lesions}
    return ResultRecord.model_validate({
        "id": note_id,
        "status": "ok",
        "version": version,
        "rules_version": coding.rules_version,
        "policy": policy,
        "entities": [_entity(m) for m in facts.mentions],
        "lesions": [_lesion(lesion, by_lesion.get(lesion.index)) for lesion in facts.lesions],
        "codes": [_code(c) for c in coding.codes],
        "queries": [_query(q) for q in coding.queries],
        "sections": [{"name": name, "start": start, "end": end} for name, start, end in facts.sections],
    })


def error_result(note_id: str, message: str, *, version: str, rules_version: str = "", policy: str = "cpt") -> ResultRecord:
    """A record for a note that could not be processed; ``message`` must not contain note text."""
    return ResultRecord(id=note_id, status="error", error=message, version=version, rules_version=rules_version, policy=policy)

"""Our result records as annotations: entities become spans, billable codes become the code lists.

Result records do not carry the note text, so the text comes from a notes/gold JSONL by id.
"""

from __future__ import annotations

from nlp.errors import InputError
from nlp.evaluation.automation import note_confidence
from nlp.evaluation.codes import billable
from nlp.evaluation.gold import SPAN_FLAGS, GoldNote, GoldSpan
from nlp.schema import ResultRecord


def record_to_note(record: ResultRecord, text: str) -> GoldNote:
    """A note in the gold shape from one record (lesions reduced to the gold lesion fields)."""
    spans = [GoldSpan(e.start, e.end, e.label, **{f: bool(getattr(e, f)) for f in SPAN_FLAGS}) for e in record.entities]
    lesions = []
    for lesion in record.lesions:
        lesions.append({
            "index": lesion.index,
            "region": lesion.site.region if lesion.site else None,
            "laterality": lesion.site.laterality if lesion.site else None,
            "behaviour": lesion.behaviour,
            "diagnosis": lesion.diagnosis.kind if lesion.diagnosis else None,
            "excised_diameter_cm": str(lesion.excised_diameter_cm) if lesion.excised_diameter_cm is not None else None,
            "closure": lesion.closure.closure_class if lesion.closure else None,
            "repair_length_cm": str(lesion.repair_length_cm) if lesion.repair_length_cm is not None else None,
            "cpt": [c.code for c in billable(record, "CPT") if c.lesion == lesion.index for _ in range(max(1, c.units))],
            "icd10": [c.code for c in billable(record, "ICD-10-CM") if c.lesion == lesion.index],
        })
    return GoldNote(
        id=record.id, text=text, spans=spans,
        cpt=[c.code for c in billable(record, "CPT") for _ in range(max(1, c.units))],
        icd10=[c.code for c in billable(record, "ICD-10-CM")], lesions=lesions,
        meta={"source": "prediction", "version": record.version, "rules_version": record.rules_version},
    )


def records_to_notes(records: list[ResultRecord], texts: dict[str, str]) -> tuple[list[GoldNote], list[dict]]:
    """Notes and Label Studio prediction headers; a record with no text or a failed record is an error."""
    notes, headers = [], []
    for record in records:
        if record.id not in texts:
            raise InputError(f"record {record.id!r} has no text in --notes; give the notes/gold JSONL the records were made from")
        if record.status != "ok":
            raise InputError(f"record {record.id!r} failed ({record.error}); re-run it or drop it before converting")
        notes.append(record_to_note(record, texts[record.id]))
        headers.append({"model_version": f"opnote-coder {record.version}", "score": note_confidence(record)})
    return notes, headers

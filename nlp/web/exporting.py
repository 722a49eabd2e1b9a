"""Reviewed notes out: gold annotations (the ``annotations/`` JSONL format) and a CSV of codes.

Gold records carry the pipeline's entity spans (the review pages do not edit spans yet) and the
reviewer's final codes: ``cpt`` is the multiset of CPT lines (a code once per unit), ``icd10`` the
set of ICD-10-CM codes, and each lesion lists its own lines, as ``annotations/README.md`` says.
Rejected notes have no final codes, so they are left out of the gold file but kept in the CSV.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Iterable

from nlp.schema import LesionOut
from nlp.web.store import Note

CSV_COLUMNS = ("note_id", "status", "system", "code", "units", "lesion", "modifiers", "reviewer", "reviewed_at", "comment")
_FLAGS = ("negated", "uncertain", "historical", "family", "hypothetical")


def _decimal_text(value: Any) -> str | None:
    """Centimetres as the exact decimal string the gold files use ("1.0"), None when missing."""
    return None if value is None else str(value)


def _cpt_lines(codes: Iterable[dict[str, Any]]) -> list[str]:
    return [c["code"] for c in codes if c["system"] == "CPT" for _ in range(int(c.get("units") or 1))]


def _icd_set(codes: Iterable[dict[str, Any]]) -> list[str]:
    return sorted({c["code"] for c in codes if c["system"] == "ICD-10-CM"})


def _gold_lesion(lesion: LesionOut, codes: list[dict[str, Any]]) -> dict[str, Any]:
    mine = [c for c in codes if c.get("lesion") == lesion.index]
    return {
        "index": lesion.index,
        "region": lesion.site.region if lesion.site else None,
        "laterality": lesion.site.laterality if lesion.site else None,
        "eyelid_part": lesion.site.eyelid_part if lesion.site else None,
        "behaviour": lesion.behaviour,
        "diagnosis": lesion.diagnosis.kind if lesion.diagnosis else None,
        "diagnosis_source": lesion.diagnosis.source if lesion.diagnosis else None,
        "procedure": lesion.procedure.kind if lesion.procedure else None,
        "lesion_size_cm": _decimal_text(lesion.lesion_size_cm),
        "margin_cm": _decimal_text(lesion.margin_cm),
        "excised_diameter_cm": _decimal_text(lesion.excised_diameter_cm),
        "closure": lesion.closure.closure_class if lesion.closure else None,
        "repair_length_cm": _decimal_text(lesion.repair_length_cm),
        "cpt": _cpt_lines(mine),
        "icd10": _icd_set(mine),
    }


def gold_record(note: Note) -> dict[str, Any]:
    """One note as a gold annotation record (see ``annotations/GUIDELINES.md``, "File format")."""
    codes = note.final_codes or []
    spans = []
    for entity in note.record.entities:
        span: dict[str, Any] = {"start": entity.start, "end": entity.end, "label": entity.label}
        span.update({flag: True for flag in _FLAGS if getattr(entity, flag)})
        spans.append(span)
    return {
        "id": note.note_id,
        "text": note.text,
        "spans": spans,
        "cpt": _cpt_lines(codes),
        "icd10": _icd_set(codes),
        "lesions": [_gold_lesion(lesion, codes) for lesion in note.record.lesions],
        "review": {"status": note.status, "reviewer": note.reviewer,
                   "reviewed_at": note.reviewed_at.isoformat() if note.reviewed_at else None, "comment": note.comment},
    }


def gold_jsonl(notes: Iterable[Note]) -> str:
    """Accepted and corrected notes as gold JSON Lines."""
    return "".join(json.dumps(gold_record(n), ensure_ascii=False) + "\n" for n in notes if n.status in {"accepted", "corrected"})


def codes_csv(notes: Iterable[Note]) -> str:
    """One row per final code line; a note without final codes (rejected) gets one row with no code."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for note in notes:
        common = {"note_id": note.note_id, "status": note.status, "reviewer": note.reviewer or "",
                  "reviewed_at": note.reviewed_at.isoformat() if note.reviewed_at else "", "comment": note.comment or ""}
        lines = note.final_codes or [{}]
        for line in lines:
            row = {**common, "system": line.get("system", ""), "code": line.get("code", ""), "units": line.get("units", ""),
                   "lesion": "" if line.get("lesion") is None else line["lesion"], "modifiers": " ".join(line.get("modifiers") or [])}
            writer.writerow([_csv_safe(str(row[c])) for c in CSV_COLUMNS])
    return buffer.getvalue()


def _csv_safe(value: str) -> str:
    """Defuse spreadsheet formulas in free text (a comment starting with = + - @)."""
    return "'" + value if value[:1] in {"=", "+", "-", "@"} else value

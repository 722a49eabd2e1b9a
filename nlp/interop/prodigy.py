"""Prodigy JSONL: ``{text, spans, meta, answer}`` per note.

Spans keep their ConText flags as extra keys (Prodigy keeps unknown span keys); the note id,
codes, lesions and other gold fields travel in ``meta``, which Prodigy shows and preserves.
"""

from __future__ import annotations

import json
from pathlib import Path

from nlp.errors import InputError
from nlp.evaluation.gold import GoldNote, gold_span


def to_prodigy(note: GoldNote) -> dict:
    """One Prodigy task."""
    meta = {k: v for k, v in note.as_dict().items() if k not in {"text", "spans"}}
    return {"text": note.text, "spans": [s.as_dict() for s in note.spans], "meta": meta, "answer": "accept"}


def from_prodigy(task: dict) -> GoldNote:
    """One gold note from a Prodigy task (id from ``meta.id``, else the task's ``id``)."""
    meta = dict(task.get("meta") or {})
    note_id = meta.pop("id", task.get("id"))
    if note_id is None:
        raise KeyError("meta.id")
    return GoldNote(
        id=str(note_id), text=task["text"],
        spans=[gold_span(s) for s in task.get("spans", [])],
        cpt=[str(c) for c in meta.pop("cpt", [])], icd10=[str(c) for c in meta.pop("icd10", [])],
        lesions=list(meta.pop("lesions", [])), meta=meta,
    )


def write_prodigy(notes: list[GoldNote], path: str | Path) -> None:
    Path(path).write_text("".join(json.dumps(to_prodigy(n), ensure_ascii=False) + "\n" for n in notes), encoding="utf-8")


def read_prodigy(path: str | Path) -> list[GoldNote]:
    """Read accepted Prodigy tasks (rejected and ignored answers are skipped)."""
    notes = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            task = json.loads(line)
            if task.get("answer", "accept") != "accept":
                continue
            notes.append(from_prodigy(task))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise InputError(f"{path}:{number}: not a Prodigy span task ({type(exc).__name__}: {exc}); needs text, spans and meta.id") from None
    return notes

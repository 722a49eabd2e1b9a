"""Read what ``opnote evaluate`` / ``agree`` are given: gold files or folders, and result records."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from nlp.errors import InputError
from nlp.evaluation.gold import GoldNote, load_gold
from nlp.schema import ResultRecord


def load_gold_path(path: str | Path) -> list[GoldNote]:
    """A gold JSONL file, or every ``*.jsonl`` of a folder (e.g. ``annotations/``), ids unique."""
    path = Path(path)
    if path.is_dir():
        files = sorted(path.glob("*.jsonl"))
        if not files:
            raise InputError(f"{path}: no *.jsonl gold files in this folder; give a gold file such as annotations/test.jsonl")
    elif path.is_file():
        files = [path]
    else:
        raise InputError(f"{path}: no such file or folder; give a gold JSONL file or a folder of them")
    notes: list[GoldNote] = []
    seen: set[str] = set()
    for file in files:
        for note in load_gold(file):
            if note.id in seen:
                raise InputError(f"{file}: note id {note.id!r} appears twice; gold ids must be unique")
            seen.add(note.id)
            notes.append(note)
    return notes


def load_records(path: str | Path) -> list[ResultRecord]:
    """Result records from JSONL (``opnote batch`` / ``code`` output); errors name file and line only."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file; give the JSONL of result records written by opnote batch")
    records: list[ResultRecord] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = ResultRecord.model_validate_json(line)
        except ValidationError as exc:
            # Only field locations and error types: the input values may contain note text.
            where = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'line'}: {e['type']}" for e in exc.errors()[:3])
            raise InputError(f"{path}:{number}: not a result record ({where}); see opnote schema") from None
        if record.id in seen:
            raise InputError(f"{path}:{number}: record id {record.id!r} appears twice; keep one record per note")
        seen.add(record.id)
        records.append(record)
    return records

"""Read the notes and result records that ``opnote render`` and ``opnote serve`` show.

Result records do not carry the note text, so both commands take the texts separately: plain
``.txt`` files (the id is the file stem), folders of them, or JSON Lines of ``{"id", "text"}``
(the ``annotations/`` files qualify).  Errors name the file and line and never quote a note.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Iterator

from pydantic import ValidationError

from nlp.errors import InputError
from nlp.inputs import decode_note
from nlp.schema import ResultRecord


def _jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{number}: not valid JSON ({exc.msg} at column {exc.colno}); write one JSON object per line") from None
            if not isinstance(row, dict):
                raise InputError(f"{path}:{number}: expected a JSON object, got {type(row).__name__}")
            yield number, row


def read_notes(paths: Iterable[str | Path]) -> list[tuple[str, str]]:
    """``(id, text)`` pairs from .txt files, folders of .txt files and .jsonl files, in order.

    Raises :class:`InputError` for a missing path, an unknown extension, a JSONL row without a
    string ``id``/``text``, or a repeated id (ids key the review database and the report anchors).
    """
    notes: list[tuple[str, str]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(path.glob("*.txt"))
            if not files:
                raise InputError(f"{path}: folder has no .txt notes; give .txt files, a folder of them or a .jsonl of {{id, text}}")
            notes += [(f.stem, decode_note(f.read_bytes())) for f in files]
        elif not path.is_file():
            raise InputError(f"{path}: no such file or folder")
        elif path.suffix == ".txt":
            notes.append((path.stem, decode_note(path.read_bytes())))
        elif path.suffix in {".jsonl", ".ndjson"}:
            for number, row in _jsonl(path):
                if not isinstance(row.get("id"), (str, int)) or not isinstance(row.get("text"), str):
                    raise InputError(f"{path}:{number}: each line needs an 'id' and a string 'text'")
                notes.append((str(row["id"]), row["text"]))
        else:
            raise InputError(f"{path}: unknown note input '{path.suffix}'; use .txt files, a folder of them or .jsonl of {{id, text}}")
    seen: set[str] = set()
    for note_id, _ in notes:
        if note_id in seen:
            raise InputError(f"note id {note_id!r} appears twice in the input; ids must be unique")
        seen.add(note_id)
    return notes


def read_results(path: str | Path) -> dict[str, ResultRecord]:
    """Result records by id from a JSONL file written by ``opnote code`` or a batch run."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such results file; write one with `opnote code NOTES... > results.jsonl`")
    out: dict[str, ResultRecord] = {}
    for number, row in _jsonl(path):
        try:
            record = ResultRecord.model_validate(row)
        except ValidationError as exc:
            raise InputError(f"{path}:{number}: not a result record ({exc.error_count()} problems, first at "
                             f"{'.'.join(map(str, exc.errors()[0]['loc']))}); check it against `opnote schema`") from None
        out[record.id] = record
    return out

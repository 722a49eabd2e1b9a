"""Turn raw input records into work items, catching the problems only a whole-batch view sees.

A missing id, an id that is not text, a repeated id and a record without note text become
a ``problem`` on the item; the worker then emits an ``error`` record for it instead of coding
it.  Duplicates: the **first** record with an id is coded; every later record with the same
id gets an error record naming the record that was coded.  Keeping the first is what a
re-export that appends corrections cannot silently override, and it means a row's result never
depends on rows that come after it, so streaming and ``--resume`` stay exact.
"""

from __future__ import annotations

from typing import Iterable, Iterator

from nlp.batch.readers import RawRecord

Item = tuple[str, object, "str | None"]
"""What a worker receives: ``(id, raw note, problem)``; a problem means "emit an error record"."""


def _id_text(value: object) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value
    return None


def check_ids(records: Iterable[RawRecord], *, id_col: str = "id", text_col: str = "text") -> Iterator[Item]:
    """Yield one work item per record, in order; the set of ids seen grows with the input."""
    first_seen: dict[str, int] = {}
    for record in records:
        note_id = _id_text(record.id)
        if record.problem is not None:
            yield note_id or "", None, record.problem
            continue
        if note_id is None:
            kind = "is missing or empty" if record.id is None or isinstance(record.id, str) else f"is a {type(record.id).__name__}"
            yield "", None, f"record {record.position}: the id ('{id_col}') {kind}; give every note a text or integer id"
            continue
        if note_id in first_seen:
            yield note_id, None, (f"record {record.position}: duplicate id; record {first_seen[note_id]} with the same id "
                                  "was coded and this one was not; give each note a unique id")
            continue
        first_seen[note_id] = record.position
        if record.text is None:
            yield note_id, None, f"record {record.position}: no note text ('{text_col}' is missing or null); add the note text"
            continue
        yield note_id, record.text, None

"""Turn raw input records into work items, catching the problems only a whole-batch view sees.

A missing id, an id that is not text, a repeated id and a record without note text become
a ``problem`` on the item; the worker then emits an ``error`` record for it instead of coding
it.  Duplicates: the **first** record with an id is coded; every later record with the same
id gets an error record naming the record that was coded.  Keeping the first is what a
re-export that appends corrections cannot silently override, and it means a row's result never
depends on rows that come after it, so streaming and ``--resume`` stay exact.

Everything but the duplicate check looks at one record alone (:func:`to_item`), so it can run
where the record is read, on a Dask worker say; the duplicate check needs every id seen so far
(:class:`SeenIds`), which stays flat in memory however long the input.
"""

from __future__ import annotations

import sqlite3
from typing import Iterable, Iterator

from nlp.batch.readers import RawRecord
from nlp.inputs import LONE_SURROGATE

Item = tuple[str, object, "str | None"]
"""What a worker receives: ``(id, raw note, problem)``; a problem means "emit an error record"."""

SPILL_AFTER = 100_000
"""Ids :class:`SeenIds` keeps in a dict (~130 bytes each: ~13 MB here) before it moves them to disk."""


def _id_text(value: object) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value
    return None


def to_item(record: RawRecord, *, id_col: str = "id", text_col: str = "text") -> tuple[Item, str | None]:
    """The work item for one record judged on its own, and the id it claims (None when it claims none).

    A record with a reader problem or without a usable id claims no id, so it can never make a
    later record a duplicate; a record without note text does claim its id.
    """
    note_id = _id_text(record.id)
    if record.problem is not None:
        return (note_id or "", None, record.problem), None
    if note_id is not None and LONE_SURROGATE.search(note_id):
        return ("", None, f"record {record.position}: the id ('{id_col}') holds an unpaired surrogate (an escape such as "
                          "\\udc80 in JSON), which cannot be written out; fix the id"), None
    if note_id is None:
        kind = "is missing or empty" if record.id is None or isinstance(record.id, str) else f"is a {type(record.id).__name__}"
        return ("", None, f"record {record.position}: the id ('{id_col}') {kind}; give every note a text or integer id"), None
    if record.text is None:
        return (note_id, None, f"record {record.position}: no note text ('{text_col}' is missing or null); add the note text"), note_id
    return (note_id, record.text, None), note_id


def duplicate_problem(position: int, first: int) -> str:
    return (f"record {position}: duplicate id; record {first} with the same id was coded and this one was not; "
            "give each note a unique id")


class SeenIds:
    """Every id seen so far, with the number of the record that first had it.

    Exact (whole ids are compared, never hashes), and flat in memory: the first ``spill_after``
    ids live in a dict; past that they move to a private temporary SQLite database, which keeps
    ~2 MB of pages in memory and the rest in a file under ``TMPDIR`` (~30 bytes per id) that
    SQLite deletes when it is closed.  A lookup there costs ~4 µs, against ~2 ms to code a note.
    """

    def __init__(self, spill_after: int = SPILL_AFTER) -> None:
        self.spill_after = spill_after
        self._memory: dict[str, int] = {}
        self._db: sqlite3.Connection | None = None

    def first(self, note_id: str, position: int) -> int | None:
        """The record number that first had ``note_id``; None if it is new (it is then recorded at ``position``)."""
        if self._db is not None:
            return self._first_on_disk(note_id, position)
        earlier = self._memory.setdefault(note_id, position)
        if earlier != position:
            return earlier
        if len(self._memory) > self.spill_after:
            self._spill()
        return None

    def _spill(self) -> None:
        # "" opens a private temporary database; check_same_thread: a generator may be resumed
        # from another thread, never from two at once.
        self._db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute("CREATE TABLE seen (id BLOB PRIMARY KEY, position INTEGER NOT NULL) WITHOUT ROWID")
        with self._db:
            self._db.executemany("INSERT INTO seen VALUES (?, ?)", ((_key(i), p) for i, p in self._memory.items()))
        self._memory = {}

    def _first_on_disk(self, note_id: str, position: int) -> int | None:
        assert self._db is not None
        key = _key(note_id)
        if self._db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (key, position)).rowcount:
            return None
        return self._db.execute("SELECT position FROM seen WHERE id = ?", (key,)).fetchone()[0]

    def __len__(self) -> int:
        if self._db is None:
            return len(self._memory)
        return self._db.execute("SELECT count(*) FROM seen").fetchone()[0]

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        self._memory = {}


def _key(note_id: str) -> bytes:
    # Bytes, not TEXT: SQLite cannot store a lone surrogate as text (to_item turns such ids away,
    # but the set must not depend on it); "surrogatepass" encodes every code point on its own, so
    # distinct ids stay distinct.
    return note_id.encode("utf-8", "surrogatepass")


def check_ids(records: Iterable[RawRecord], *, id_col: str = "id", text_col: str = "text",
              spill_after: int = SPILL_AFTER) -> Iterator[Item]:
    """Yield one work item per record, in order, with duplicates marked (see :class:`SeenIds`)."""
    seen = SeenIds(spill_after)
    try:
        for record in records:
            item, note_id = to_item(record, id_col=id_col, text_col=text_col)
            if note_id is not None:
                first = seen.first(note_id, record.position)
                if first is not None:
                    item = (note_id, None, duplicate_problem(record.position, first))
            yield item
    finally:
        seen.close()

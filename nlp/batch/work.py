"""What a worker runs: a chunk of ``(id, text, problem)`` items in, compact results out.

Workers receive plain tuples and return :class:`Coded` tuples holding the record as a JSON
string, so nothing heavier than strings crosses a process boundary (no spaCy ``Doc`` and no
pydantic model is ever pickled).  Each process (or Dask worker thread) builds its
:class:`~nlp.service.Coder` once and keeps it.  A Dask worker can also read its own partition
of the input (:func:`code_partition`): then it returns the ids it read next to the results,
for the client's duplicate check.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Sequence

from nlp.batch.ids import Item, to_item
from nlp.inputs import MAX_NOTE_CHARS

if TYPE_CHECKING:
    from nlp.batch.partitions import Partition
    from nlp.schema import ResultRecord
    from nlp.service import Coder


class Coded(NamedTuple):
    """One result: the record as one JSON line, whether it is ok, and its code families."""

    json: str
    ok: bool
    families: tuple[str, ...]


@dataclass(frozen=True)
class CoderSettings:
    """Everything needed to build the same :class:`Coder` in another process."""

    model: str | None = None
    policy: str = "cpt"
    max_chars: int = MAX_NOTE_CHARS

    def build(self) -> Coder:
        from nlp.service import Coder

        return Coder(model=Path(self.model) if self.model else None, policy=self.policy, max_chars=self.max_chars)


def code_family(system: str, code: str) -> str:
    """Group codes for the summary: CPT by its first three digits (``114xx``), ICD-10-CM by category (``D22``)."""
    if system == "CPT":
        return f"CPT {code[:3]}xx"
    return f"{system} {code.split('.')[0]}"


def to_coded(record: ResultRecord) -> Coded:
    return Coded(record.model_dump_json(), record.status == "ok", tuple(code_family(c.system, c.code) for c in record.codes))


def code_items(coder: Coder, items: Sequence[Item]) -> list[Coded]:
    """Code one chunk in order; items with a problem become error records without touching the pipeline."""
    coded = iter(coder.code_many([(note_id, text) for note_id, text, problem in items if problem is None]))
    out: list[Coded] = []
    for note_id, _text, problem in items:
        if problem is None:
            out.append(to_coded(next(coded)))
        else:
            out.append(to_coded(coder.error_record(note_id, problem)))
    return out


_local = threading.local()


def cached_coder(settings: CoderSettings) -> Coder:
    """The calling thread's Coder for ``settings``, built on first use.

    Per thread rather than per process because a Dask worker run with ``processes=False`` is a
    thread, and a spaCy pipeline is not meant to be shared between threads.
    """
    coders: dict[CoderSettings, Coder] = _local.__dict__.setdefault("coders", {})
    if settings not in coders:
        coders[settings] = settings.build()
    return coders[settings]


def code_items_cached(items: Sequence[Item], settings: CoderSettings) -> list[Coded]:
    """Task function for Dask and other remote executors: look up (or build) the Coder, then code."""
    return code_items(cached_coder(settings), items)


class PartResult(NamedTuple):
    """What :func:`code_partition` sends back: per record the id it claims (None: none) and its
    record number, and the results of the records after the first ``skip``."""

    ids: list[str | None]
    positions: list[int]
    coded: list[Coded]


def code_partition(part: Partition, settings: CoderSettings, skip: int = 0) -> PartResult:
    """Task function: read one partition of the input, check and code its records (all but the first ``skip``).

    The records skipped (already in the output of a resumed run) are read for their ids only.
    Duplicates are left to the caller, who sees every partition's ids in order: a record that
    turns out to repeat an id was coded for nothing, and its result is replaced.
    """
    from nlp.errors import InputError

    ids: list[str | None] = []
    positions: list[int] = []
    items: list[Item] = []
    for index, record in enumerate(part.records(ids_only=skip >= part.size)):
        item, note_id = to_item(record, id_col=part.id_col, text_col=part.text_col)
        ids.append(note_id)
        positions.append(record.position)
        if index >= skip:
            items.append(item)
    if len(ids) != part.size:
        raise InputError(f"{part.path}: records {part.first + 1}-{part.first + part.size} now read as {len(ids)} records; "
                         "the input changed during the run: rerun on a file that stays put")
    return PartResult(ids, positions, code_items_cached(items, settings) if items else [])


def error_coded(note_id: str, problem: str, *, rules_version: str, policy: str) -> Coded:
    """The error result a Coder with ``rules_version`` and ``policy`` would give, made without one."""
    from nlp import __version__
    from nlp.schema import error_result

    return to_coded(error_result(note_id, problem, version=__version__, rules_version=rules_version, policy=policy))

"""Partitions of a Parquet or JSON Lines file, for Dask workers to read themselves.

With ``--engine dask`` the client does not read these inputs: it plans partitions of about
one chunk of records each, and every task reads its own partition from the file, checks each
record on its own (:func:`nlp.batch.ids.to_item`), codes it and sends back the result records
with the ids it saw.  Only ids and results cross the network, never note text; the client
checks the ids for duplicates in input order (:mod:`nlp.batch.engines`).

- Parquet: a partition is a slice of rows of one row group, planned from the file's metadata.
  A worker reads a row group once however many slices it codes from it: it keeps a cursor
  (an open batch reader) per thread and moves it forward, so memory holds one record batch.
- JSON Lines (an uncompressed file): a partition is a byte range and owns the lines that
  *start* in it, so every line belongs to exactly one partition whatever the boundaries cut.
  Error messages give line numbers and ``--resume`` counts records, so a first cheap pass,
  also on the workers, counts the lines and records of each range (:func:`count_lines`);
  the client adds them up to give each partition its first line and record number.

The other inputs (CSV, whose quoted fields may span lines; a folder of .txt files; standard
input; gzip) are read on the client and sent to the workers in chunks.

Every partition knows ``first`` (records before it) and ``size`` (records in it), and its
:meth:`records` yield exactly what the whole-file reader yields for those records, with the
same record (line) numbers; the tests check that for arbitrary cuts.
"""

from __future__ import annotations

import itertools
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Protocol

from nlp.batch.readers import JsonLinesSource, ParquetSource, RawRecord, Source, parse_json_line
from nlp.errors import InputError

_PARQUET_BATCH = 1024
SPAN_BYTES = 64 * 1024 * 1024
"""Bytes of JSON Lines whose line counts one counting task returns (one entry per partition)."""
_SAMPLE_BYTES = 1024 * 1024
_SCAN_BYTES = 64 * 1024


class Partition(Protocol):
    path: str
    id_col: str
    text_col: str
    first: int
    """Records before this partition in the input."""
    size: int
    """Records in this partition."""

    def records(self, *, ids_only: bool = False) -> Iterator[RawRecord]: ...


class Pending(Protocol):
    def result(self) -> Any: ...


Submit = Callable[..., Pending]
"""Runs ``fn(*args)`` somewhere and returns something with ``.result()`` (a Dask future, say)."""


class Done:
    """An already computed result, for running a plan in-process (``submit=run_here``)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def result(self) -> Any:
        return self.value


def run_here(fn: Callable[..., Any], *args: Any) -> Done:
    return Done(fn(*args))


# --- Parquet ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParquetPart:
    """Rows ``start``..``stop`` of row group ``row_group``."""

    path: str
    row_group: int
    start: int
    stop: int
    first: int
    id_col: str
    text_col: str

    @property
    def size(self) -> int:
        return self.stop - self.start

    def records(self, *, ids_only: bool = False) -> Iterator[RawRecord]:
        columns = [self.id_col] if ids_only else [self.id_col, self.text_col]
        values = _cursor(self.path, self.row_group, columns, self.start).rows(self.start, self.stop)
        texts = values[1] if not ids_only else [None] * len(values[0])
        for offset, (note_id, text) in enumerate(zip(values[0], texts, strict=True)):
            yield RawRecord(self.first + offset + 1, note_id, text)


class _Cursor:
    """An open batch reader over one row group's columns, and the row its current batch starts at."""

    def __init__(self, key: tuple[str, int, tuple[str, ...]]) -> None:
        import pyarrow.parquet as pq

        self.key = key
        path, row_group, columns = key
        self.batches = pq.ParquetFile(path).iter_batches(batch_size=_PARQUET_BATCH, row_groups=[row_group],
                                                         columns=list(columns))
        self.batch: Any = None
        self.batch_start = 0

    def rows(self, start: int, stop: int) -> list[list[object]]:
        out: list[list[object]] = [[] for _ in self.key[2]]
        while start < stop:
            if self.batch is None or self.batch_start + self.batch.num_rows <= start:
                if self.batch is not None:
                    self.batch_start += self.batch.num_rows
                self.batch = next(self.batches, None)
                if self.batch is None:
                    raise InputError(f"{self.key[0]}: row group {self.key[1]} has fewer rows than its metadata says; "
                                     "was the file replaced during the run?")
                continue
            low, high = start - self.batch_start, min(stop - self.batch_start, self.batch.num_rows)
            for column, values in zip(self.key[2], out, strict=True):
                values.extend(self.batch.column(column).slice(low, high - low).to_pylist())
            start = self.batch_start + high
        return out


_cursors = threading.local()


def _cursor(path: str, row_group: int, columns: list[str], start: int) -> _Cursor:
    """This thread's cursor on the row group, reopened only when it is on another one or already past ``start``."""
    key = (path, row_group, tuple(columns))
    cursor: _Cursor | None = getattr(_cursors, "cursor", None)
    if cursor is None or cursor.key != key or cursor.batch_start > start:
        cursor = _cursors.cursor = _Cursor(key)
    return cursor


@dataclass(frozen=True)
class ParquetPlan:
    path: str
    id_col: str
    text_col: str
    rows: int

    def parts(self, submit: Submit = run_here) -> Iterator[ParquetPart]:
        import pyarrow.parquet as pq

        metadata = pq.ParquetFile(self.path).metadata
        first = 0
        for row_group in range(metadata.num_row_groups):
            count = metadata.row_group(row_group).num_rows
            for start in range(0, count, self.rows):
                stop = min(start + self.rows, count)
                yield ParquetPart(self.path, row_group, start, stop, first, self.id_col, self.text_col)
                first += stop - start


# --- JSON Lines -------------------------------------------------------------------------------


def _lines_starting_in(handle: Any, start: int, end: int) -> Iterator[bytes]:
    """The lines (with their line break) that start at a byte offset in ``start``..``end``.

    A line starts at offset 0 and after each line break.  The search for the first one reads no
    further than ``end``, so a line longer than many partitions is read once, by the partition
    it starts in, not once per partition it spans.
    """
    offset = start
    if start > 0:
        handle.seek(start - 1)
        offset = start - 1
        while True:  # find the first line break at or after start - 1
            block = handle.read(min(_SCAN_BYTES, end - offset))
            if not block:
                return  # no line starts in this range
            found = block.find(b"\n")
            if found >= 0:
                offset += found + 1
                break
            offset += len(block)
    handle.seek(offset)
    while offset < end:
        line = handle.readline()
        if not line:
            return
        yield line
        offset += len(line)


def count_lines(path: str, ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """For each byte range, the lines and the records (non-blank lines) that start in it."""
    counts = []
    with open(path, "rb") as handle:
        for start, end in ranges:
            lines = records = 0
            for line in _lines_starting_in(handle, start, end):
                lines += 1
                records += bool(line.strip())
            counts.append((lines, records))
    return counts


@dataclass(frozen=True)
class JsonlPart:
    """The lines that start in bytes ``start``..``end``; its first line is line ``first_line``."""

    path: str
    start: int
    end: int
    first_line: int
    first: int
    size: int
    id_col: str
    text_col: str

    def records(self, *, ids_only: bool = False) -> Iterator[RawRecord]:
        with open(self.path, "rb") as handle:
            for line_number, line in enumerate(_lines_starting_in(handle, self.start, self.end), start=self.first_line):
                if line.strip():
                    yield parse_json_line(line_number, line, self.id_col, self.text_col)


@dataclass(frozen=True)
class JsonlPlan:
    path: str
    id_col: str
    text_col: str
    partition_bytes: int

    def parts(self, submit: Submit = run_here) -> Iterator[JsonlPart]:
        """Partitions in order, each with its first line and record number (counting runs two spans ahead)."""
        size = os.path.getsize(self.path)
        per_span = max(1, SPAN_BYTES // self.partition_bytes)
        ranges = ((start, min(start + self.partition_bytes, size)) for start in range(0, size, self.partition_bytes))
        spans = iter(lambda: list(itertools.islice(ranges, per_span)), [])
        pending = [(span, submit(count_lines, self.path, span)) for span in itertools.islice(spans, 2)]
        lines = records = 0
        while pending:
            span, counted = pending.pop(0)
            pending.extend((s, submit(count_lines, self.path, s)) for s in itertools.islice(spans, 1))
            for (start, end), (span_lines, span_records) in zip(span, counted.result(), strict=True):
                if span_records:
                    yield JsonlPart(self.path, start, end, lines + 1, records, span_records, self.id_col, self.text_col)
                lines += span_lines
                records += span_records


def partition_bytes(path: str, records: int) -> int:
    """Bytes that hold about ``records`` lines, from the mean line length of the file's first MiB."""
    with open(path, "rb") as handle:
        sample = handle.read(_SAMPLE_BYTES)
    mean = len(sample) / max(1, sample.count(b"\n"))
    return max(1, round(mean * records))


Plan = ParquetPlan | JsonlPlan


def plan_partitions(source: Source, records: int) -> Plan | None:
    """Partitions of about ``records`` records for ``source``; None when the client must read it."""
    if isinstance(source, ParquetSource):
        return ParquetPlan(str(Path(source.path).resolve()), source.id_col, source.text_col, records)
    if isinstance(source, JsonLinesSource) and source.path is not None and not source.path.name.endswith(".gz"):
        path = str(source.path.resolve())
        return JsonlPlan(path, source.id_col, source.text_col, partition_bytes(path, records))
    return None


def file_size(path: str) -> int | None:
    """The size of ``path`` as this machine sees it (None: it cannot see it); run on each worker."""
    try:
        return os.path.getsize(path)
    except OSError:
        return None

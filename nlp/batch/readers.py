"""Stream input records from every supported format, one at a time, in input order.

A reader never stops on a bad record: it yields a :class:`RawRecord` whose ``problem`` says
what was wrong (a line that is not JSON, say), and the runner turns that into an ``error``
result.  Only problems with the input as a whole (no such file, a missing column, an unknown
format) raise :class:`~nlp.errors.InputError`, before any note is coded.

Formats (``.gz`` accepted for the text formats):

- a folder of ``.txt`` / ``.txt.gz`` files: id = file name without the extension, in name order;
- ``.jsonl`` / ``.ndjson`` / ``.json``: one JSON object per line; blank lines are skipped;
- ``.csv`` / ``.tsv``: a header row, quoted multi-line text, the dialect sniffed, a BOM dropped;
- ``.parquet``: read in record batches, only the id and text columns;
- ``-``: JSON Lines on standard input.

Messages name record numbers and columns, never note text (notes are PHI).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterator, Protocol

from nlp.errors import InputError

CSV_FIELD_LIMIT = 16 * 1024 * 1024
"""Largest CSV field the reader accepts (characters).  Python's default (128 KiB) is below the
note size limit; up to this one a long note gets an error record.  A longer field is almost
always an unclosed quote swallowing the rest of the file, and stops the run with a message."""

_SNIFF_BYTES = 64 * 1024
_PARQUET_BATCH = 1024


@dataclass(frozen=True)
class RawRecord:
    """One input record as read: ``id`` and ``text`` are None when absent."""

    position: int
    """1-based record number in the input (line number for JSON Lines)."""
    id: object
    text: object
    problem: str | None = None


class Source(Protocol):
    """An input that yields records in order; ``name`` identifies it in the resume journal."""

    name: str

    def records(self) -> Iterator[RawRecord]: ...

    def count(self) -> int | None: ...


def _strip_gz(name: str) -> tuple[str, bool]:
    return (name[:-3], True) if name.endswith(".gz") else (name, False)


def _open_text(path: Path) -> IO[str]:
    """Open a text file (gzip when it ends in .gz) as UTF-8, dropping a BOM.

    Bytes that are not UTF-8 become lone surrogates (``surrogateescape``) so that the record
    holding them can be reported on its own instead of aborting the file.
    """
    raw = gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")
    return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")


_NOT_UTF8 = re.compile("[\udc80-\udcff]")


def _undecodable(value: object) -> bool:
    return isinstance(value, str) and _NOT_UTF8.search(value) is not None


@dataclass
class FolderSource:
    """A folder of ``.txt`` (or ``.txt.gz``) notes; the id is the file name without extension."""

    folder: Path
    max_bytes: int
    name: str = ""

    def __post_init__(self) -> None:
        self.name = str(self.folder)

    def _files(self) -> list[Path]:
        files = [p for p in self.folder.iterdir() if p.is_file() and p.name.endswith((".txt", ".txt.gz"))]
        return sorted(files, key=lambda p: p.name)

    def count(self) -> int | None:
        return len(self._files())

    def records(self) -> Iterator[RawRecord]:
        for position, path in enumerate(self._files(), start=1):
            note_id = path.name.removesuffix(".gz").removesuffix(".txt")
            size = path.stat().st_size
            if size > self.max_bytes:
                # Not read at all: memory stays bounded whatever lands in the folder.
                yield RawRecord(position, note_id, None, f"note file has {size:,} bytes, over the size limit; "
                                "split it into single notes or raise --max-chars")
                continue
            try:
                raw = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
            except (OSError, EOFError) as exc:
                yield RawRecord(position, note_id, None, f"note file could not be read ({type(exc).__name__}); check the file")
                continue
            yield RawRecord(position, note_id, raw)


@dataclass
class JsonLinesSource:
    """JSON Lines from a file (``.gz`` accepted) or from standard input (``path`` None).

    Lines are read as bytes and decoded one by one, so a line that is not UTF-8 costs one
    error record, not the batch.
    """

    path: Path | None
    id_col: str
    text_col: str
    name: str = ""

    def __post_init__(self) -> None:
        self.name = str(self.path) if self.path is not None else "-"

    def _lines(self) -> IO[bytes]:
        if self.path is None:
            return sys.stdin.buffer
        return gzip.open(self.path, "rb") if self.path.name.endswith(".gz") else open(self.path, "rb")

    def count(self) -> int | None:
        if self.path is None:
            return None
        with self._lines() as lines:
            return sum(1 for line in lines if line.strip())

    def records(self) -> Iterator[RawRecord]:
        lines = self._lines()
        try:
            for line_number, raw in enumerate(lines, start=1):
                if not raw.strip():
                    continue
                yield self._parse(line_number, raw)
        finally:
            if self.path is not None:
                lines.close()

    def _parse(self, line_number: int, raw: bytes) -> RawRecord:
        return parse_json_line(line_number, raw, self.id_col, self.text_col)


def parse_json_line(line_number: int, raw: bytes, id_col: str, text_col: str) -> RawRecord:
    """One line of JSON Lines (``line_number`` counts from 1 and includes blank lines) as a record."""
    try:
        obj = json.loads(raw.decode("utf-8-sig" if line_number == 1 else "utf-8"))
    except UnicodeDecodeError as exc:
        return RawRecord(line_number, None, None,
                         f"line {line_number} is not valid UTF-8 (bad byte at offset {exc.start}); re-export the file as UTF-8")
    except json.JSONDecodeError as exc:
        return RawRecord(line_number, None, None,
                         f"line {line_number} is not valid JSON ({exc.msg} at column {exc.colno}); fix or remove the line")
    if not isinstance(obj, dict):
        return RawRecord(line_number, None, None,
                         f"line {line_number} is a JSON {type(obj).__name__}, not an object; "
                         f"write one object with '{id_col}' and '{text_col}' per line")
    return RawRecord(line_number, obj.get(id_col), obj.get(text_col))


@dataclass
class CsvSource:
    """CSV or TSV with a header row; quoted fields may span lines; the dialect is sniffed."""

    path: Path
    id_col: str
    text_col: str
    name: str = ""

    def __post_init__(self) -> None:
        self.name = str(self.path)
        with _open_text(self.path) as handle:
            sample = handle.read(_SNIFF_BYTES)
        self.dialect = _sniff_dialect(sample, tab=_strip_gz(self.path.name)[0].endswith(".tsv"))
        header = next(csv.reader(io.StringIO(sample), self.dialect), None)
        if header is None:
            raise InputError(f"{self.path}: the file is empty; expected a header row with '{self.id_col}' and '{self.text_col}'")
        if not {self.id_col, self.text_col} <= set(header):
            # The sniffer guesses from the data and can be fooled (one short row, say); the header
            # must hold both column names, so let it pick the delimiter.
            for delimiter in _DELIMITERS:
                dialect = _with_delimiter(delimiter)
                candidate = next(csv.reader(io.StringIO(sample), dialect), [])
                if {self.id_col, self.text_col} <= set(candidate):
                    self.dialect, header = dialect, candidate
                    break
        for column, option in ((self.id_col, "--id-col"), (self.text_col, "--text-col")):
            if column not in header:
                raise InputError(f"{self.path}: no column '{column}' in the header (columns: {', '.join(header)}); "
                                 f"name the right one with {option}")

    def _rows(self, handle: IO[str]) -> Iterator[dict[str, str | None]]:
        csv.field_size_limit(CSV_FIELD_LIMIT)
        return csv.DictReader(handle, dialect=self.dialect)

    def count(self) -> int | None:
        with _open_text(self.path) as handle:
            return sum(1 for _ in self._rows(handle))

    def records(self) -> Iterator[RawRecord]:
        self._read = 0
        try:
            yield from self._records()
        except csv.Error as exc:
            raise InputError(f"{self.path}: the CSV cannot be parsed after record {self._read} ({exc}); an unclosed "
                             "quote is the usual cause: fix the export, then rerun (--resume keeps what was done)") from None

    def _records(self) -> Iterator[RawRecord]:
        with _open_text(self.path) as handle:
            for position, row in enumerate(self._rows(handle), start=1):
                self._read = position
                note_id, text = row.get(self.id_col), row.get(self.text_col)
                if _undecodable(note_id) or _undecodable(text):
                    shown_id = note_id.encode("utf-8", "surrogateescape").decode("utf-8", "replace") if note_id else note_id
                    yield RawRecord(position, shown_id, None, f"record {position} is not valid UTF-8; re-export the file as UTF-8")
                    continue
                yield RawRecord(position, note_id, text)


_DELIMITERS = ",;\t|"


def _with_delimiter(delimiter: str) -> type[csv.Dialect]:
    return type("Delimited", (csv.excel,), {"delimiter": delimiter})


def _sniff_dialect(sample: str, *, tab: bool) -> type[csv.Dialect]:
    """Guess the delimiter from the first 64 KiB; quoting is always the standard ``"`` with ``""`` escapes.

    Only the delimiter is taken from :class:`csv.Sniffer`: its quote-character guess is easily
    fooled by apostrophes inside long notes, and every common exporter quotes with ``"``.
    """
    if tab:
        return csv.excel_tab
    # Cut the sample at the last line break so a half line does not confuse the sniffer.
    cut = sample[: sample.rfind("\n") + 1] or sample
    try:
        delimiter = csv.Sniffer().sniff(cut, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        delimiter = ","
    return _with_delimiter(delimiter)


@dataclass
class ParquetSource:
    """A Parquet file, read in record batches of the id and text columns only."""

    path: Path
    id_col: str
    text_col: str
    name: str = ""

    def __post_init__(self) -> None:
        import pyarrow.parquet as pq

        self.name = str(self.path)
        try:
            self._file = pq.ParquetFile(self.path)
        except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a bad file
            raise InputError(f"{self.path}: not a readable Parquet file ({type(exc).__name__}); check the file") from None
        columns = self._file.schema_arrow.names
        for column, option in ((self.id_col, "--id-col"), (self.text_col, "--text-col")):
            if column not in columns:
                raise InputError(f"{self.path}: no column '{column}' (columns: {', '.join(columns)}); "
                                 f"name the right one with {option}")

    def count(self) -> int | None:
        return self._file.metadata.num_rows

    def records(self) -> Iterator[RawRecord]:
        position = 0
        for batch in self._file.iter_batches(batch_size=_PARQUET_BATCH, columns=[self.id_col, self.text_col]):
            ids = batch.column(self.id_col).to_pylist()
            texts = batch.column(self.text_col).to_pylist()
            for note_id, text in zip(ids, texts, strict=True):
                position += 1
                yield RawRecord(position, note_id, text)


def open_source(location: str, *, id_col: str = "id", text_col: str = "text", max_bytes: int) -> Source:
    """Pick the reader for ``location`` (a path or ``-``) from its type and extension."""
    if location == "-":
        return JsonLinesSource(None, id_col, text_col)
    path = Path(location)
    if path.is_dir():
        return FolderSource(path, max_bytes)
    if not path.is_file():
        raise InputError(f"{location}: no such file or folder; give a folder of .txt notes, a .jsonl/.csv/.parquet file or -")
    name, gz = _strip_gz(path.name.lower())
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return JsonLinesSource(path, id_col, text_col)
    if name.endswith((".csv", ".tsv")):
        return CsvSource(path, id_col, text_col)
    if name.endswith(".parquet"):
        if gz:
            raise InputError(f"{location}: Parquet compresses its own pages; pass the .parquet file without gzip")
        return ParquetSource(path, id_col, text_col)
    raise InputError(f"{location}: unknown input format; use a folder of .txt, .jsonl, .csv, .tsv or .parquet (optionally .gz)")

"""Output writers: JSONL, CSV and Parquet, appended in fsynced chunks and renamed into place at the end.

Every writer works on a partial output next to the target and reports its *size* after each
chunk; the runner records that size in the journal (:mod:`nlp.batch.journal`).  Resuming cuts
the partial output back to the size of the last complete chunk, so output past it (a chunk
half-written when the process was killed) disappears and is written again.

- JSONL (``OUTPUT.partial``): one result record per line, exactly ``opnote code``'s JSON; size = bytes.
- CSV (``OUTPUT.partial``): one row per code line (note id, lesion, code, system, units,
  modifiers, rationale, ...), and one row with empty code columns for a note without codes
  or with an error; size = bytes.
- Parquet (``OUTPUT.partial.parts/``): a Parquet file cannot be appended to once its footer is
  written, and a killed writer leaves no footer.  So each chunk is written as its own small
  Parquet file (written, fsynced, then renamed, so a part either exists whole or not at all);
  size = number of parts.  At the end the parts are streamed, in order, into one file (one
  row group per chunk) that is then renamed into place.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path
from typing import Sequence

from nlp.batch.journal import fsync_dir
from nlp.batch.work import Coded
from nlp.errors import InputError

CSV_COLUMNS = ("id", "status", "error", "lesion", "system", "code", "description", "units", "modifiers",
               "code_status", "rule", "rationale", "confidence", "diagnoses")
"""CSV output columns; list-valued fields (modifiers, diagnoses) are joined with ``;``."""


def _append_durably(path: Path, data: bytes) -> int:
    with open(path, "ab") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
        return handle.tell()


def _finish_file(partial: Path, output: Path) -> None:
    os.replace(partial, output)
    fsync_dir(output.parent)


class JsonlWriter:
    """One result record per line."""

    format = "jsonl"

    def __init__(self, output: Path) -> None:
        self.output = output
        self.partial = output.with_name(output.name + ".partial")

    def exists(self) -> bool:
        return self.partial.exists()

    def preamble(self) -> bytes:
        return b""

    def start(self) -> int:
        self.partial.write_bytes(b"")
        return _append_durably(self.partial, self.preamble())

    def restore(self, size: int) -> None:
        """Cut the partial output back to ``size`` (0: start over)."""
        if not self.partial.exists():
            raise InputError(f"cannot resume: {self.partial} is missing; delete {self.partial}.journal to start over")
        if size == 0:
            self.start()
            return
        with open(self.partial, "r+b") as handle:
            handle.truncate(size)
            handle.flush()
            os.fsync(handle.fileno())

    def encode(self, coded: Sequence[Coded]) -> bytes:
        return "".join(c.json + "\n" for c in coded).encode("utf-8")

    def append(self, coded: Sequence[Coded]) -> int:
        return _append_durably(self.partial, self.encode(coded))

    def finish(self) -> None:
        _finish_file(self.partial, self.output)

    def cleanup(self) -> None:
        """Remove the partial output (after a finished run it is already gone)."""
        self.partial.unlink(missing_ok=True)


class CsvWriter(JsonlWriter):
    """One row per suggested code line; a note with no code line (or an error) gets one row."""

    format = "csv"

    def preamble(self) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer).writerow(CSV_COLUMNS)
        return buffer.getvalue().encode("utf-8")

    def encode(self, coded: Sequence[Coded]) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for item in coded:
            writer.writerows(csv_rows(json.loads(item.json)))
        return buffer.getvalue().encode("utf-8")


def csv_rows(record: dict) -> list[list[object]]:
    """The CSV rows of one result record (see :data:`CSV_COLUMNS`)."""
    head = [record["id"], record["status"], record["error"] or ""]
    if not record["codes"]:
        return [head + [""] * (len(CSV_COLUMNS) - len(head))]
    return [
        head + [
            "" if code["lesion"] is None else code["lesion"], code["system"], code["code"], code["description"], code["units"],
            ";".join(code["modifiers"]), code["status"], code["rule"], code["rationale"], code["confidence"],
            ";".join(code["diagnoses"]),
        ]
        for code in record["codes"]
    ]


class ParquetWriter:
    """Nested Parquet (schema from :mod:`nlp.batch.arrow`), one part file per chunk until the end."""

    format = "parquet"

    def __init__(self, output: Path) -> None:
        self.output = output
        self.partial = output.with_name(output.name + ".partial")
        self.parts = output.with_name(output.name + ".partial.parts")

    def exists(self) -> bool:
        return self.parts.exists() or self.partial.exists()

    def _part(self, index: int) -> Path:
        return self.parts / f"part-{index:06d}.parquet"

    def start(self) -> int:
        self.cleanup()
        self.parts.mkdir(parents=True)
        fsync_dir(self.parts.parent)
        return 0

    def restore(self, size: int) -> None:
        if not self.parts.is_dir():
            raise InputError(f"cannot resume: {self.parts} is missing; delete {self.partial}.journal to start over")
        self.partial.unlink(missing_ok=True)  # a merge that was cut short
        for path in self.parts.iterdir():
            keep = path.name.startswith("part-") and path.suffix == ".parquet" and int(path.stem[5:]) < size
            if not keep:
                path.unlink()
        missing = [i for i in range(size) if not self._part(i).exists()]
        if missing:
            raise InputError(f"cannot resume: part {missing[0]} of {self.parts} is missing; delete the partial output to start over")

    def append(self, coded: Sequence[Coded]) -> int:
        import pyarrow.parquet as pq

        from nlp.batch.arrow import records_table

        index = sum(1 for p in self.parts.iterdir() if p.suffix == ".parquet")
        target = self._part(index)
        tmp = target.with_suffix(".tmp")
        pq.write_table(records_table([json.loads(c.json) for c in coded]), tmp)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
        fsync_dir(self.parts)
        return index + 1

    def finish(self) -> None:
        import pyarrow.parquet as pq

        from nlp.batch.arrow import result_schema

        schema, _ = result_schema()
        parts = sorted(p for p in self.parts.iterdir() if p.suffix == ".parquet")
        with pq.ParquetWriter(self.partial, schema) as writer:
            for part in parts:  # one part in memory at a time
                writer.write_table(pq.read_table(part, schema=schema))
        with open(self.partial, "rb") as handle:
            os.fsync(handle.fileno())
        _finish_file(self.partial, self.output)
        shutil.rmtree(self.parts)

    def cleanup(self) -> None:
        self.partial.unlink(missing_ok=True)
        if self.parts.exists():
            shutil.rmtree(self.parts)


Writer = JsonlWriter | ParquetWriter

_WRITERS: dict[str, type[JsonlWriter] | type[ParquetWriter]] = {".jsonl": JsonlWriter, ".csv": CsvWriter, ".parquet": ParquetWriter}


def writer_for(output: Path) -> Writer:
    """Pick the writer from the output's extension."""
    kind = _WRITERS.get(output.suffix.lower())
    if kind is None:
        raise InputError(f"{output}: unknown output format; end the name in .jsonl, .csv or .parquet")
    if not output.parent.is_dir():
        raise InputError(f"{output}: the folder {output.parent} does not exist; create it first")
    return kind(output)

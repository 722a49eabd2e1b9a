"""The resume journal: a sidecar that says which chunks of the partial output are complete.

``OUTPUT.partial.journal`` is JSON Lines.  The first line is a header naming the input, the
output format, the chunk size and the options that change results; a resumed run must match
it.  After each chunk is written *and fsynced*, one line is appended (and fsynced) with the
cumulative record count, the size of the partial output (bytes for JSONL/CSV, number of part
files for Parquet) and the running ok/error/code-family counts.  A crash can leave at most a
torn last line (ignored) and output past the last entry (cut off on resume), so the entries
always describe output that is on disk in full.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nlp.errors import InputError

JOURNAL_VERSION = 1


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in ``path`` durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - Windows
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class Progress:
    """What the completed chunks hold: records, ok, errors, code lines by family, and output size."""

    chunks: int = 0
    records: int = 0
    ok: int = 0
    errors: int = 0
    size: int = 0
    families: dict[str, int] = field(default_factory=dict)

    def as_entry(self) -> dict[str, Any]:
        return {"chunks": self.chunks, "records": self.records, "ok": self.ok, "errors": self.errors,
                "size": self.size, "families": dict(sorted(self.families.items()))}


class Journal:
    """Append-only, fsynced record of completed chunks for one output."""

    def __init__(self, path: Path, header: dict[str, Any], entries: list[Progress]) -> None:
        self.path = path
        self.header = header
        self.entries = entries

    @classmethod
    def create(cls, path: Path, header: dict[str, Any]) -> Journal:
        full = {"opnote_batch_journal": JOURNAL_VERSION, **header}
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(full) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        fsync_dir(path.parent)
        return cls(path, full, [])

    @classmethod
    def load(cls, path: Path) -> Journal:
        lines = path.read_text(encoding="utf-8").split("\n")
        try:
            header = json.loads(lines[0])
        except (json.JSONDecodeError, IndexError):
            raise InputError(f"{path}: the resume journal is unreadable; delete it and the partial output to start over") from None
        entries: list[Progress] = []
        for line in lines[1:]:
            try:
                entries.append(Progress(**json.loads(line)))
            except (json.JSONDecodeError, TypeError):
                break  # a torn last line from a crash: everything before it is complete
        return cls(path, header, entries)

    @property
    def last(self) -> Progress:
        return self.entries[-1] if self.entries else Progress()

    def check_header(self, header: dict[str, Any]) -> None:
        """Refuse to resume a run made with a different input, format or options."""
        expected = {"opnote_batch_journal": JOURNAL_VERSION, **header}
        changed = [key for key in sorted(set(expected) | set(self.header)) if expected.get(key) != self.header.get(key)]
        if changed:
            raise InputError(
                f"cannot resume: the partial output was written with different {', '.join(changed)} "
                f"(journal {self.path}); rerun with the same options, or delete the partial output to start over"
            )

    def append(self, progress: Progress) -> None:
        """Record one more completed chunk, durably (call :meth:`repair` first when resuming)."""
        self.entries.append(progress)
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(progress.as_entry()) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def repair(self) -> None:
        """Rewrite the journal with only its complete entries (drops a torn last line before appending)."""
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(self.header) + "\n")
            for entry in self.entries:
                handle.write(json.dumps(entry.as_entry()) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)
        fsync_dir(self.path.parent)

"""Fixtures for the batch tests: a small set of real notes, written out in every input format.

Notes are the five shipped samples and the first dev notes (real formats, real lengths), so
every format and engine is checked on notes that produce codes, not on toy strings.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLES = sorted((REPO / "annotations" / "samples").glob("*.txt"))
DEV = REPO / "annotations" / "dev.jsonl"


def real_texts(count: int) -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in SAMPLES]
    with open(DEV, encoding="utf-8") as handle:
        texts += [json.loads(line)["text"] for line in handle if line.strip()]
    return texts[:count]


@pytest.fixture(scope="session")
def notes() -> list[tuple[str, str]]:
    """Eight (id, text) pairs of real notes; ids sort in input order."""
    return [(f"note-{i:02d}", text) for i, text in enumerate(real_texts(8))]


def write_jsonl(path: Path, rows: list[dict], *, gz: bool = False) -> Path:
    data = "".join(json.dumps(row) + "\n" for row in rows).encode("utf-8")
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def write_csv(path: Path, rows: list[dict], *, delimiter: str = ",", bom: bool = False, gz: bool = False,
              columns: tuple[str, str] = ("id", "text")) -> Path:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(columns[0]), row.get(columns[1])])
    data = (("\ufeff" if bom else "") + text.getvalue()).encode("utf-8")
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def write_parquet(path: Path, rows: list[dict], columns: tuple[str, str] = ("id", "text")) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({c: [row.get(c) for row in rows] for c in columns}), path, row_group_size=3)
    return path


def write_folder(path: Path, rows: list[dict]) -> Path:
    path.mkdir()
    for row in rows:
        (path / f"{row['id']}.txt").write_text(row["text"], encoding="utf-8")
    return path


Writer = Callable[[Path, list[dict]], Path]


@pytest.fixture()
def opnote_batch() -> Callable[..., subprocess.CompletedProcess[bytes]]:
    """Run ``opnote batch ...`` as a user would, in a subprocess."""

    def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([sys.executable, "-m", "nlp.cli", "batch", *args], input=stdin, capture_output=True,
                              timeout=180, cwd=REPO)

    return run

"""Dask workers read Parquet and JSON Lines partitions themselves: same records, same output, same resume.

The partition readers are checked against the whole-file readers for arbitrary cuts (no Dask
needed); the engine is checked end to end on one in-process cluster shared by the module.
"""

from __future__ import annotations

import json
import random
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import write_jsonl, write_parquet
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_batch_runner import ERROR_ROWS, Crash, crash_after, records

from nlp.batch import engines, partitions
from nlp.batch.partitions import JsonlPlan, ParquetPlan, count_lines, partition_bytes
from nlp.batch.readers import JsonLinesSource, ParquetSource
from nlp.batch.runner import run_batch

# --- the partition readers against the whole-file readers ------------------------------------

@contextmanager
def patched(module, name: str, value):
    """monkeypatch.setattr for a hypothesis example (the fixture would span all examples)."""
    saved = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, saved)


LINES = st.sampled_from([
    b'{"id": "a", "text": "note a"}', b'{"id": 7, "text": "seven"}', b'{"text": "no id"}', b"", b"   ", b"\r",
    b"not json", b"[1, 2]", b'{"id": "\xff", "text": "x"}', b'{"id": "long", "text": "' + b"x" * 40 + b'"}',
])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(LINES, max_size=14), newline=st.sampled_from([b"\n", b"\r\n"]), last_newline=st.booleans(),
       bom=st.booleans(), cut=st.integers(1, 60), scan=st.sampled_from([1, 3, 64 * 1024]))
def test_jsonl_partitions_hold_exactly_the_records_of_the_whole_file(lines, newline, last_newline, bom, cut, scan) -> None:
    data = (b"\xef\xbb\xbf" if bom else b"") + newline.join(lines) + (newline if last_newline and lines else b"")
    with tempfile.TemporaryDirectory() as tmp, patched(partitions, "_SCAN_BYTES", scan):
        path = Path(tmp) / "in.jsonl"
        path.write_bytes(data)
        expected = list(JsonLinesSource(path, "id", "text").records())
        parts = list(JsonlPlan(str(path), "id", "text", partition_bytes=cut).parts())
        got = [record for part in parts for record in part.records()]
        assert got == expected
        assert [part.first for part in parts] == [sum(p.size for p in parts[:i]) for i in range(len(parts))]
        assert all(part.size == len(list(part.records())) > 0 for part in parts)
        assert sum(lines for lines, _ in count_lines(str(path), [(0, len(data))])) == data.count(b"\n") + (not data.endswith(b"\n") and bool(data))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.integers(0, 30), row_group=st.integers(1, 7), slice_rows=st.integers(1, 8), seed=st.integers(0, 9),
       batch=st.sampled_from([1, 2, 1024]))
def test_parquet_slices_hold_exactly_the_records_of_the_whole_file_in_any_reading_order(rows, row_group, slice_rows, seed,
                                                                                      batch) -> None:
    with tempfile.TemporaryDirectory() as tmp, patched(partitions, "_PARQUET_BATCH", batch):
        path = Path(tmp) / "in.parquet"
        ids = [f"n{i}" if i % 5 else i for i in range(rows)]
        table = pa.table({"id": [str(i) for i in ids], "text": [None if i % 7 == 3 else f"text {i}" for i in range(rows)]})
        pq.write_table(table, path, row_group_size=row_group)
        expected = list(ParquetSource(path, "id", "text").records())
        parts = list(ParquetPlan(str(path), "id", "text", slice_rows).parts())
        assert [record for part in parts for record in part.records()] == expected
        shuffled = parts[:]
        random.Random(seed).shuffle(shuffled)  # a worker's cursor moves back and forth as tasks land on it
        by_part = {part: list(part.records()) for part in shuffled}
        assert [record for part in parts for record in by_part[part]] == expected
        ids_only = [(r.position, r.id) for part in shuffled for r in part.records(ids_only=True)]
        assert sorted(ids_only) == [(r.position, r.id) for r in expected]


def test_partition_bytes_aim_at_a_chunk_of_records(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [{"id": f"{i:03d}", "text": "x" * 70} for i in range(100)])
    line = len(path.read_bytes()) // 100
    assert partition_bytes(str(path), 256) == line * 256
    parts = list(JsonlPlan(str(path), "id", "text", partition_bytes(str(path), 8)).parts())
    assert [part.size for part in parts] == [8] * 12 + [4]


# --- the Dask engine: workers read, the client checks ids, output identical to the local engine ----------


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0") as running:
        yield running.scheduler_address


def forbid_client_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, fail if this process reads the input through the whole-file readers."""

    def refuse(self):
        raise AssertionError(f"the client read {self.name}")

    monkeypatch.setattr(JsonLinesSource, "records", refuse)
    monkeypatch.setattr(ParquetSource, "records", refuse)


@pytest.fixture()
def messy_rows(notes) -> list[dict]:
    """Good notes, a record without text, then duplicates of records partitions back, of the previous record
    (an integer id and the same id as text) and of the record without text, a missing id and an empty note."""
    rows = [{"id": note_id, "text": text} for note_id, text in notes]
    rows.insert(3, {"id": "no-text", "text": None})
    return rows + [{"id": "note-00", "text": "a duplicate far from the first"}, {"id": 42, "text": notes[1][1]},
                   {"id": "42", "text": "the same id as text"}, {"id": "no-text", "text": "a duplicate of a record without text"},
                   {"id": None, "text": notes[2][1]}, {"id": "empty", "text": ""}]


def write_source(folder: Path, name: str, rows: list[dict]) -> Path:
    if name.endswith(".jsonl"):
        return write_jsonl(folder / name, rows)
    return write_parquet(folder / name, [{**r, "id": None if r["id"] is None else str(r["id"])} for r in rows])


@pytest.mark.parametrize("source", ["in.jsonl", "in.parquet"])
def test_workers_read_the_partitions_and_write_what_the_local_engine_writes(
    tmp_path: Path, cluster, coder, messy_rows, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    path = write_source(tmp_path, source, messy_rows)
    local, dask = tmp_path / "local.jsonl", tmp_path / "dask.jsonl"
    run_batch(path, local, coder=coder, workers=1, chunk_size=2, progress=False)
    forbid_client_reads(monkeypatch)
    summary = run_batch(path, dask, engine="dask", scheduler=cluster, chunk_size=2, progress=False)
    assert dask.read_bytes() == local.read_bytes()
    results = records(dask)
    assert [r["id"] for r in results[-6:]] == ["note-00", "42", "42", "no-text", "", "empty"]
    for result, (record, first) in zip([results[-6], results[-4], results[-3]], [(10, 1), (12, 11), (13, 4)], strict=True):
        assert f"record {record}: duplicate id; record {first} with the same id was coded" in result["error"]
    assert (summary.records, summary.errors) == (len(messy_rows), 6)


def test_every_error_kind_from_jsonl_partitions_matches_the_local_engine(tmp_path: Path, cluster, coder, monkeypatch) -> None:
    lines = [json.dumps({"id": "first", "text": "A 4 mm nevus of the left arm was excised."}), ""]
    lines += [row for row, _, _ in ERROR_ROWS] + ["", "   ", json.dumps({"id": "first", "text": "again"})]
    path = tmp_path / "messy.jsonl"
    path.write_bytes(("\n".join(lines)).encode("utf-8") + b"\n\xff\xfe{}")  # not UTF-8, no final line break
    local, dask = tmp_path / "local.jsonl", tmp_path / "dask.jsonl"
    run_batch(path, local, coder=coder, workers=1, chunk_size=3, max_chars=2_000, progress=False)
    forbid_client_reads(monkeypatch)
    run_batch(path, dask, engine="dask", scheduler=cluster, chunk_size=3, max_chars=2_000, progress=False)
    assert dask.read_bytes() == local.read_bytes()
    assert "line 19 is not valid UTF-8" in records(dask)[-1]["error"]


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
@pytest.mark.parametrize(("crash_engine", "chunks_before_crash"), [("dask", 2), ("local", 3)])
def test_resume_with_workers_reading_partitions_ends_with_the_bytes_of_an_uninterrupted_run(
    tmp_path: Path, cluster, coder, messy_rows, monkeypatch: pytest.MonkeyPatch, suffix: str, crash_engine: str,
    chunks_before_crash: int
) -> None:
    path = write_source(tmp_path, f"in{suffix}", messy_rows)
    reference, out = tmp_path / "reference.parquet", tmp_path / "out.parquet"  # Parquet out: one row group per chunk
    run_batch(path, reference, coder=coder, workers=1, chunk_size=2, progress=False)
    engine = {"engine": "dask", "scheduler": cluster} if crash_engine == "dask" else {"coder": coder, "workers": 1}
    with monkeypatch.context() as patch:
        crash_after(patch, chunks_before_crash, torn_tail=b"")
        with pytest.raises(Crash):
            run_batch(path, out, chunk_size=2, progress=False, **engine)
    forbid_client_reads(monkeypatch)
    summary = run_batch(path, out, engine="dask", scheduler=cluster, chunk_size=2, resume=True, progress=False)
    assert summary.resumed_after == 2 * chunks_before_crash
    assert out.read_bytes() == reference.read_bytes()


def test_a_cluster_that_cannot_see_the_file_is_sent_the_records(tmp_path: Path, cluster, coder, messy_rows, monkeypatch, caplog) -> None:
    path = write_source(tmp_path, "in.jsonl", messy_rows)
    local, dask = tmp_path / "local.jsonl", tmp_path / "dask.jsonl"
    run_batch(path, local, coder=coder, workers=1, progress=False)
    monkeypatch.setattr(engines, "file_size", lambda _path: None)
    run_batch(path, dask, engine="dask", scheduler=cluster, chunk_size=4, progress=False)
    assert dask.read_bytes() == local.read_bytes()
    assert "cannot read" in caplog.text and "the client reads the input" in caplog.text


def test_resume_on_a_shorter_input_is_refused_with_workers_reading(tmp_path: Path, cluster, coder, messy_rows, monkeypatch) -> None:
    from nlp.errors import InputError

    path = write_source(tmp_path, "in.parquet", messy_rows)
    out = tmp_path / "out.jsonl"
    with monkeypatch.context() as patch:
        crash_after(patch, 4, torn_tail=b"")
        with pytest.raises(Crash):
            run_batch(path, out, coder=coder, workers=1, chunk_size=2, progress=False)
    write_source(tmp_path, "in.parquet", messy_rows[:5])
    with pytest.raises(InputError, match="has fewer records than the partial output"):
        run_batch(path, out, engine="dask", scheduler=cluster, chunk_size=2, resume=True, progress=False)

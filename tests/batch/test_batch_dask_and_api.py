"""The Dask engine and the library API give the same records as the local engine on the same notes."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import write_jsonl, write_parquet

from nlp.batch.api import RESULT_COLUMNS, SPARK_SCHEMA, code_dask_frame, code_frame, code_notes, result_arrow_types
from nlp.batch.runner import run_batch
from nlp.batch.work import CoderSettings, cached_coder


@pytest.fixture(scope="module")
def rows(notes) -> list[dict]:
    extra = [{"id": "note-00", "text": "a duplicate"}, {"id": "empty", "text": ""}, {"text": "no id"}]
    return [{"id": i, "text": t} for i, t in notes] + extra


@pytest.fixture(scope="module")
def local_jsonl(tmp_path_factory, rows, coder) -> Path:
    folder = tmp_path_factory.mktemp("local")
    out = folder / "local.jsonl"
    run_batch(write_jsonl(folder / "in.jsonl", rows), out, coder=coder, workers=1, progress=False)
    return out


@pytest.mark.parametrize("source", ["in.jsonl", "in.parquet"])
def test_dask_engine_writes_the_same_bytes_as_the_local_engine(tmp_path: Path, rows, local_jsonl: Path, source: str) -> None:
    path = write_jsonl(tmp_path / source, rows) if source.endswith(".jsonl") else write_parquet(tmp_path / source, rows)
    out = tmp_path / "dask.jsonl"
    summary = run_batch(path, out, engine="dask", workers=2, dask_processes=False, chunk_size=3, progress=False)
    assert out.read_bytes() == local_jsonl.read_bytes()
    assert (summary.records, summary.errors) == (len(rows), 3)


def test_dask_engine_uses_a_running_scheduler(tmp_path: Path, rows, local_jsonl: Path) -> None:
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster:
        out = tmp_path / "dask.jsonl"
        run_batch(write_jsonl(tmp_path / "in.jsonl", rows), out, scheduler=cluster.scheduler_address, engine="dask",
                  chunk_size=4, progress=False)
        assert len(cluster.scheduler.workers) == 1  # the run used this cluster and left it running
    assert out.read_bytes() == local_jsonl.read_bytes()


def test_code_notes_streams_records_in_order_with_the_batch_id_checks(rows, local_jsonl: Path, coder) -> None:
    results = list(code_notes(((r.get("id"), r["text"]) for r in rows), coder=coder, chunk_size=4))
    assert results == [json.loads(line) for line in local_jsonl.read_text().splitlines()]


def test_code_notes_with_two_workers_matches_one(rows, coder) -> None:
    pairs = [(r.get("id"), r["text"]) for r in rows]
    assert list(code_notes(pairs, coder=coder, workers=2, chunk_size=2)) == list(code_notes(pairs, coder=coder))


def test_code_frame_gives_one_row_per_input_row_with_codes_and_the_record(rows, local_jsonl: Path, coder) -> None:
    cached_coder(CoderSettings())  # the per-thread coder code_frame uses; built once here, reused below
    frame = pd.DataFrame(rows, index=pd.RangeIndex(10, 10 + len(rows)))
    result = code_frame(frame)
    assert list(result.columns) == list(RESULT_COLUMNS) and list(result.index) == list(frame.index)
    expected = [json.loads(line) for line in local_jsonl.read_text().splitlines()]
    assert [json.loads(r) for r in result["record"]] == expected
    first = expected[0]
    assert result["cpt"].iloc[0] == [c["code"] for c in first["codes"] if c["system"] == "CPT" and c["status"] == "suggested"]
    assert result["icd10"].iloc[0] == [c["code"] for c in first["codes"] if c["system"] == "ICD-10-CM" and c["status"] == "suggested"]
    assert result["status"].tolist()[-3:] == ["error", "error", "error"]
    assert [name.split()[0] for name in SPARK_SCHEMA.split(", ")] == list(RESULT_COLUMNS)


def test_code_dask_frame_applies_code_frame_per_partition(tmp_path: Path, rows) -> None:
    import dask
    import dask.dataframe as dd
    import pyarrow.parquet as pq

    # Ids unique across partitions (duplicates are caught within a partition only), one empty note.
    frame = pd.DataFrame([r for r in rows if r["text"] != "a duplicate" and "id" in r])
    lazy = code_dask_frame(dd.from_pandas(frame, npartitions=3))
    result = lazy.compute(scheduler="sync")
    assert result.reset_index(drop=True).equals(code_frame(frame).reset_index(drop=True))
    with dask.config.set(scheduler="sync"):  # the README's example: results straight to Parquet
        lazy.to_parquet(tmp_path / "results", schema=result_arrow_types())
    written = pq.read_table(tmp_path / "results", columns=["id", "cpt"]).to_pydict()
    assert written == {"id": result["id"].tolist(), "cpt": result["cpt"].tolist()}

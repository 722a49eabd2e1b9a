"""``opnote batch`` end to end, as a user runs it: formats, stdin, exit codes, PHI, and kill -9 then --resume."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import REPO, real_texts, write_csv, write_folder, write_jsonl, write_parquet

from nlp.batch.runner import journal_path, run_batch


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return [{"id": f"n{i}", "text": text} for i, text in enumerate(real_texts(6))]


@pytest.mark.parametrize(
    ("name", "write"),
    [("in.csv", write_csv), ("in.parquet", write_parquet), ("notes", write_folder)],
)
def test_batch_reads_each_format_and_writes_jsonl(tmp_path: Path, opnote_batch, rows, name, write) -> None:
    out = tmp_path / "out.jsonl"
    run = opnote_batch(str(write(tmp_path / name, rows)), "-o", str(out), "--workers", "1")
    assert run.returncode == 0, run.stderr.decode()
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in records] == [r["id"] for r in rows]
    assert all(r["status"] == "ok" for r in records)
    summary = run.stderr.decode()
    assert f"6 records -> {out}: 6 ok, 0 errors" in summary and "notes/s" in summary and "code lines by family: CPT 1" in summary


def test_batch_reads_jsonl_from_stdin_and_writes_csv_and_parquet(tmp_path: Path, opnote_batch, rows) -> None:
    data = "".join(json.dumps(r) + "\n" for r in rows).encode()
    run = opnote_batch("-", "-o", str(tmp_path / "out.csv"), "--workers", "1", stdin=data)
    assert run.returncode == 0, run.stderr.decode()
    assert (tmp_path / "out.csv").read_text().startswith("id,status,error,lesion,system,code,")
    run = opnote_batch("-", "-o", str(tmp_path / "out.parquet"), "--workers", "1", stdin=data)
    assert run.returncode == 0
    assert pq.read_table(tmp_path / "out.parquet", columns=["id"]).column("id").to_pylist() == [r["id"] for r in rows]


def test_error_records_exit_1_and_never_put_note_text_on_stderr(tmp_path: Path, opnote_batch) -> None:
    secret = "Quenyaplixor"
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "ok", "text": f"{secret} had a 4 mm nevus of the left arm excised."},
                                                {"id": "ok", "text": secret}, {"id": "empty", "text": " "}])
    run = opnote_batch(str(source), "-o", str(tmp_path / "out.jsonl"), "--workers", "1", "-vv")
    assert run.returncode == 1
    assert secret.encode() not in run.stderr and b"Traceback" not in run.stderr
    assert b"3 records" in run.stderr and b"1 ok, 2 errors" in run.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [(["missing.jsonl"], b"no such file or folder"), (["in.csv", "--text-col", "body"], b"--text-col"),
     (["in.csv", "--chunk-size", "0"], b"chunk size must be at least 1")],
)
def test_bad_input_exits_2_with_a_message(tmp_path: Path, rows, args, message) -> None:
    write_csv(tmp_path / "in.csv", rows)
    run = subprocess.run([sys.executable, "-m", "nlp.cli", "batch", *args, "-o", "out.jsonl", "--workers", "1"],
                         capture_output=True, cwd=tmp_path, timeout=180)
    assert run.returncode == 2 and message in run.stderr and b"Traceback" not in run.stderr


def test_dask_engine_from_the_command_line_matches_local(tmp_path: Path, opnote_batch, rows) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", rows + [{"id": "n0", "text": "dup"}])
    local, dask = tmp_path / "local.jsonl", tmp_path / "dask.jsonl"
    assert opnote_batch(str(source), "-o", str(local), "--workers", "1").returncode == 1
    run = opnote_batch(str(source), "-o", str(dask), "--engine", "dask", "--workers", "1", "--chunk-size", "2")
    assert run.returncode == 1, run.stderr.decode()
    assert dask.read_bytes() == local.read_bytes()


def test_code_command_does_not_import_the_batch_stack() -> None:
    probe = ("import sys, nlp.cli; heavy = [m for m in ('dask', 'distributed', 'pyarrow', 'pandas', 'nlp.batch') "
             "if m in sys.modules]; print(heavy)")
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert run.stdout.strip() == "[]"


# --- kill -9 mid-run, then --resume ------------------------------------------------------------------


@pytest.fixture(scope="module")
def many_notes(tmp_path_factory) -> Path:
    """Enough notes that a run with small chunks lasts a second or two after start-up."""
    texts = real_texts(20)
    path = tmp_path_factory.mktemp("kill") / "many.jsonl"
    rows = [{"id": f"k{i:04d}", "text": texts[i % len(texts)]} for i in range(200)]
    rows[37] = {"id": "k0001", "text": "a duplicate id"}
    rows[150] = {"id": "k0150", "text": ""}
    return write_jsonl(path, rows)


@pytest.fixture(scope="module")
def references(many_notes: Path, tmp_path_factory, coder) -> dict[str, Path]:
    """The uninterrupted outputs, written in-process (the CLI must produce the same bytes)."""
    folder = tmp_path_factory.mktemp("reference")
    out = {}
    for suffix in (".jsonl", ".csv", ".parquet"):
        out[suffix] = folder / f"ref{suffix}"
        run_batch(many_notes, out[suffix], coder=coder, workers=1, chunk_size=5, progress=False)
    return out


@pytest.mark.parametrize(
    ("suffix", "workers", "kill_after_chunks"),
    [(".jsonl", "2", 3), (".csv", "1", 11), (".parquet", "1", 6)],
)
def test_killed_run_resumes_to_the_same_bytes(tmp_path: Path, many_notes: Path, references, suffix, workers, kill_after_chunks) -> None:
    out = tmp_path / f"out{suffix}"
    args = [sys.executable, "-m", "nlp.cli", "batch", str(many_notes), "-o", str(out), "--workers", workers, "--chunk-size", "5"]
    proc = subprocess.Popen(args, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    journal = journal_path(out)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if journal.exists() and journal.read_text().count("\n") > kill_after_chunks:
                break
            time.sleep(0.005)
        time.sleep(random.Random(kill_after_chunks).uniform(0, 0.02))  # somewhere inside a later chunk
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # forked workers, if any outlived their parent
        except ProcessLookupError:
            pass
    assert not out.exists() and journal.exists(), "the run finished before it could be killed"

    resumed = subprocess.run(args + ["--resume"], cwd=REPO, capture_output=True, timeout=180)
    assert resumed.returncode == 1, resumed.stderr.decode()  # two error records in the input
    assert b"200 records" in resumed.stderr and b"198 ok, 2 errors, resumed after" in resumed.stderr
    assert out.read_bytes() == references[suffix].read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]


@pytest.mark.parametrize(("flag", "shown"), [("--progress", True), (None, False)])
def test_progress_bar_only_when_asked_or_on_a_terminal(tmp_path: Path, rows, flag, shown) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    args = [sys.executable, "-m", "nlp.cli", "batch", str(source), "-o", str(tmp_path / "out.jsonl"), "--workers", "1"]
    run = subprocess.run(args + ([flag] if flag else []), capture_output=True, cwd=REPO, timeout=180)
    assert run.returncode == 0
    bar = b"coding" in run.stderr and b"6/6" in run.stderr and b"ETA" in run.stderr
    assert bar is shown

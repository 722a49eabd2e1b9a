"""run_batch: one record per input record, in order, every error kind reported, durable and resumable.

These run in-process on the session's pipeline (one worker, or forked workers sharing it);
the CLI tests run the same thing as a user would, in a subprocess.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import write_jsonl

from nlp.batch import runner as runner_module
from nlp.batch.runner import journal_path, run_batch
from nlp.batch.writers import CSV_COLUMNS
from nlp.errors import InputError
from nlp.schema import ResultRecord

# One row per error kind, between good notes, with the reason each error record must give.
ERROR_ROWS = [
    ('{"text": "A 4 mm nevus of the left arm was excised."}', "", "the id ('id') is missing or empty"),
    ('{"id": "", "text": "A 4 mm nevus."}', "", "the id ('id') is missing or empty"),
    ('{"id": [1], "text": "A 4 mm nevus."}', "", "the id ('id') is a list"),
    ('{"id": "note-00", "text": "again"}', "note-00", "duplicate id; record 1 with the same id was coded"),
    ('{"id": "no-text"}', "no-text", "no note text ('text' is missing or null)"),
    ('{"id": "null-text", "text": null}', "null-text", "no note text"),
    ('{"id": "number", "text": 42}', "number", "note must be text, got int"),
    ('{"id": "blank", "text": "  \\n "}', "blank", "note is empty or only whitespace"),
    ('{"id": "huge", "text": "' + "a " * 1_500 + '"}', "huge", "over the limit of 2,000"),
    ('{"id": "binary", "text": "' + "\\u0001\\u0002" * 200 + '"}', "binary", "looks like binary data"),
    ("this is not json", "", "line 12 is not valid JSON"),
    ('{"id": "\\udc80", "text": "A 4 mm nevus."}', "", "the id ('id') holds an unpaired surrogate"),
    ('{"id": "lone", "text": "A 4 mm nevus \\ud800 of the arm."}', "lone", "note holds an unpaired surrogate"),
]


@pytest.fixture()
def messy_input(tmp_path: Path, notes) -> Path:
    """Good notes first and last, every error kind in between (line numbers matter for the messages)."""
    lines = [json.dumps({"id": i, "text": t}) for i, t in notes[:1]]
    lines += [row for row, _, _ in ERROR_ROWS]
    lines += [json.dumps({"id": i, "text": t}) for i, t in notes[1:3]]
    path = tmp_path / "messy.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_every_record_gets_one_result_in_order_and_errors_say_why(tmp_path: Path, messy_input: Path, coder) -> None:
    out = tmp_path / "out.jsonl"
    summary = run_batch(messy_input, out, coder=coder, workers=1, max_chars=2_000, chunk_size=4, progress=False)
    results = records(out)
    assert [r["id"] for r in results] == ["note-00"] + [expected_id for _, expected_id, _ in ERROR_ROWS] + ["note-01", "note-02"]
    for result, (_, _, reason) in zip(results[1:-2], ERROR_ROWS, strict=True):
        assert result["status"] == "error" and reason in result["error"], result["error"]
    assert all(r["status"] == "ok" and r["codes"] for r in (results[0], *results[-2:]))
    assert (summary.records, summary.ok, summary.errors) == (len(ERROR_ROWS) + 3, 3, len(ERROR_ROWS))
    for result in results:
        ResultRecord.model_validate(result)


def test_error_messages_never_quote_the_note(tmp_path: Path, coder) -> None:
    secret = "Quenyaplixor"
    rows = [{"id": "a", "text": f"{secret} " * 2_000}, {"id": "a", "text": secret}, {"text": secret}]
    out = tmp_path / "out.jsonl"
    run_batch(write_jsonl(tmp_path / "in.jsonl", rows), out, coder=coder, workers=1, max_chars=1_000, progress=False)
    assert secret not in "".join(r["error"] for r in records(out))


def test_duplicate_ids_keep_the_first_record_and_flag_the_later_ones(tmp_path: Path, notes, coder) -> None:
    rows = [{"id": "same", "text": notes[0][1]}, {"id": "other", "text": notes[1][1]}, {"id": "same", "text": notes[2][1]}]
    out = tmp_path / "out.jsonl"
    run_batch(write_jsonl(tmp_path / "in.jsonl", rows), out, coder=coder, workers=1, progress=False)
    first, _, later = records(out)
    assert first["status"] == "ok" and first["codes"]
    assert later["status"] == "error" and "record 3: duplicate id; record 1" in later["error"]


def test_two_forked_workers_write_the_same_bytes_as_one(tmp_path: Path, messy_input: Path, coder) -> None:
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    run_batch(messy_input, one, coder=coder, workers=1, chunk_size=3, max_chars=2_000, progress=False)
    run_batch(messy_input, two, coder=coder, workers=2, chunk_size=3, max_chars=2_000, progress=False)
    assert two.read_bytes() == one.read_bytes()


def test_csv_has_one_row_per_code_line_and_one_row_for_a_note_without_codes(tmp_path: Path, messy_input: Path, coder) -> None:
    jsonl, table = tmp_path / "out.jsonl", tmp_path / "out.csv"
    run_batch(messy_input, jsonl, coder=coder, workers=1, max_chars=2_000, progress=False)
    run_batch(messy_input, table, coder=coder, workers=1, max_chars=2_000, progress=False)
    with open(table, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == CSV_COLUMNS
    expected = []
    for record in records(jsonl):
        for code in record["codes"] or [None]:
            expected.append((record["id"], record["status"], code and code["code"], code and code["system"],
                             code and str(code["units"]), code and code["rationale"]))
    assert [(r["id"], r["status"], r["code"] or None, r["system"] or None, r["units"] or None, r["rationale"] or None)
            for r in rows] == expected
    assert [r["error"] for r in rows if r["status"] == "error"] == [r["error"] for r in records(jsonl) if r["status"] == "error"]


def test_parquet_is_nested_and_holds_the_same_records(tmp_path: Path, messy_input: Path, coder) -> None:
    jsonl, parquet = tmp_path / "out.jsonl", tmp_path / "out.parquet"
    run_batch(messy_input, jsonl, coder=coder, workers=1, max_chars=2_000, chunk_size=5, progress=False)
    run_batch(messy_input, parquet, coder=coder, workers=1, max_chars=2_000, chunk_size=5, progress=False)
    assert pq.ParquetFile(parquet).num_row_groups == -(-(len(ERROR_ROWS) + 3) // 5)  # one row group per chunk of 5
    rows = pq.read_table(parquet).to_pylist()
    for row, record in zip(rows, records(jsonl), strict=True):
        for entity in row["entities"]:
            entity["value"] = json.loads(entity["value"]) if entity["value"] is not None else None
        for lesion in row["lesions"]:
            if lesion["site"] is not None:
                lesion["site"]["repair_groups"] = dict(lesion["site"]["repair_groups"])
        assert row == record


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_empty_input_gives_an_empty_but_valid_output(tmp_path: Path, suffix: str, coder) -> None:
    source = tmp_path / "empty.jsonl"
    source.write_text("\n")
    out = tmp_path / f"out{suffix}"
    summary = run_batch(source, out, coder=coder, workers=1, progress=False)
    assert summary.records == 0
    if suffix == ".parquet":
        assert pq.read_table(out).num_rows == 0
    else:
        assert out.read_bytes() == (b"" if suffix == ".jsonl" else ",".join(CSV_COLUMNS).encode() + b"\r\n")


# --- crash safety, in-process: the run "dies" inside the journal write after k chunks -----------------


class Crash(Exception):
    pass


def crash_after(monkeypatch: pytest.MonkeyPatch, chunks: int, torn_tail: bytes) -> None:
    """Make the (chunks+1)-th journal entry fail after its chunk reached the disk, leaving torn bytes."""
    real_append = runner_module.Journal.append
    calls = {"n": 0}

    def append(self, progress) -> None:
        calls["n"] += 1
        if calls["n"] > chunks:
            partial = self.path.with_name(self.path.name.removesuffix(".journal"))
            if partial.is_file():
                with open(partial, "ab") as handle:
                    handle.write(torn_tail)
            with open(self.path, "a") as handle:
                handle.write('{"chunks": 99, "records"')  # a torn journal line too
            raise Crash
        real_append(self, progress)

    monkeypatch.setattr(runner_module.Journal, "append", append)


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
@pytest.mark.parametrize("chunks_before_crash", [0, 2])
def test_resume_after_a_crash_ends_with_the_bytes_of_an_uninterrupted_run(
    tmp_path: Path, messy_input: Path, coder, monkeypatch: pytest.MonkeyPatch, suffix: str, chunks_before_crash: int
) -> None:
    options = {"coder": coder, "workers": 1, "chunk_size": 3, "max_chars": 2_000, "progress": False}
    reference = tmp_path / f"reference{suffix}"
    run_batch(messy_input, reference, **options)
    out = tmp_path / f"out{suffix}"
    with monkeypatch.context() as patch:
        crash_after(patch, chunks_before_crash, torn_tail=b'{"id": "half a rec')
        with pytest.raises(Crash):
            run_batch(messy_input, out, **options)
    assert not out.exists() and journal_path(out).exists()
    summary = run_batch(messy_input, out, resume=True, **options)
    assert out.read_bytes() == reference.read_bytes()
    assert summary.resumed_after == 3 * chunks_before_crash
    assert (summary.records, summary.errors) == (len(ERROR_ROWS) + 3, len(ERROR_ROWS))
    assert not journal_path(out).exists() and list(tmp_path.glob("out*")) == [out]


def test_leftover_partial_output_needs_resume(tmp_path: Path, messy_input: Path, coder, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out.jsonl"
    with monkeypatch.context() as patch:
        crash_after(patch, 1, torn_tail=b"")
        with pytest.raises(Crash):
            run_batch(messy_input, out, coder=coder, workers=1, chunk_size=3, progress=False)
    with pytest.raises(InputError, match="pass --resume to continue it, or delete it to start over"):
        run_batch(messy_input, out, coder=coder, workers=1, chunk_size=3, progress=False)
    with pytest.raises(InputError, match="cannot resume: the partial output was written with different chunk_size, policy"):
        run_batch(messy_input, out, coder=coder, workers=1, chunk_size=4, policy="ncci", resume=True, progress=False)
    shorter = write_jsonl(tmp_path / "shorter.jsonl", [{"id": "x", "text": "y"}])
    shorter.replace(messy_input)
    with pytest.raises(InputError, match="has fewer records than the partial output"):
        run_batch(messy_input, out, coder=coder, workers=1, chunk_size=3, resume=True, progress=False)


def test_resume_without_a_partial_output_is_a_fresh_run(tmp_path: Path, messy_input: Path, coder) -> None:
    out = tmp_path / "out.jsonl"
    summary = run_batch(messy_input, out, coder=coder, workers=1, resume=True, progress=False)
    assert summary.resumed_after == 0 and len(records(out)) == summary.records == len(ERROR_ROWS) + 3


@pytest.mark.parametrize(("output", "message"), [("out.xlsx", "unknown output format"), ("nope/out.jsonl", "does not exist"),
                                               ("messy.jsonl", "the output would replace the input")])
def test_unusable_output_is_refused_before_coding(tmp_path: Path, messy_input: Path, coder, output: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        run_batch(messy_input, tmp_path / output, coder=coder, workers=1, progress=False)


def _kill_worker_on_marker(monkeypatch: pytest.MonkeyPatch) -> None:
    """A forked worker that meets the note "KILLS THE WORKER" exits on the spot (a crash in native code).

    Forked workers inherit the patch; the parent process codes normally.
    """
    import os

    from nlp.batch import engines

    parent = os.getpid()
    real_code_items = engines.code_items

    def code_items(the_coder, items):
        if os.getpid() != parent and any(text == "KILLS THE WORKER" for _, text, _ in items):
            os._exit(7)
        return real_code_items(the_coder, items)

    monkeypatch.setattr(engines, "code_items", code_items)


def test_a_note_that_kills_its_worker_costs_one_error_record(tmp_path: Path, notes, coder, monkeypatch: pytest.MonkeyPatch) -> None:
    """Simulates a crash in native code: the forked worker that meets the note exits on the spot."""
    _kill_worker_on_marker(monkeypatch)
    rows = [{"id": i, "text": t} for i, t in notes]
    rows.insert(5, {"id": "killer", "text": "KILLS THE WORKER"})
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    crashed, reference = tmp_path / "crashed.jsonl", tmp_path / "reference.jsonl"
    summary = run_batch(source, crashed, coder=coder, workers=2, chunk_size=2, progress=False)
    run_batch(source, reference, coder=coder, workers=1, chunk_size=2, progress=False)
    got, expected = records(crashed), records(reference)
    assert [r["id"] for r in got] == [r["id"] for r in rows]
    assert got[5]["status"] == "error" and "worker process died while coding this note" in got[5]["error"]
    assert got[:5] + got[6:] == expected[:5] + expected[6:]
    assert (summary.records, summary.errors) == (len(rows), 1)


def test_a_worker_that_dies_before_the_next_chunk_is_submitted_costs_one_error_record(notes, coder, monkeypatch) -> None:
    """The race the test above can hit: the pool is already broken when the next chunk is submitted."""
    import time

    from nlp.batch import engines
    from nlp.batch.work import CoderSettings

    _kill_worker_on_marker(monkeypatch)
    items = [(i, t, None) for i, t in notes[:4]]
    with engines.LocalEngine(CoderSettings(), 2, coder=coder) as engine:

        def chunks():
            yield [("killer", "KILLS THE WORKER", None)]
            deadline = time.monotonic() + 30
            while not engine._pool._broken and time.monotonic() < deadline:  # wait for the pool to notice
                time.sleep(0.01)
            yield items[:2]
            yield items[2:]

        coded = [json.loads(c.json) for chunk in engine.map(chunks()) for c in chunk]
    assert [(r["id"], r["status"]) for r in coded] == [("killer", "error")] + [(i, "ok") for i, _, _ in items]


def test_a_pipeline_exception_costs_one_error_record(tmp_path: Path, notes, coder) -> None:
    import copy

    class Failing:
        """The real pipeline, except that it raises on one note (as a bug in a component would)."""

        def __init__(self, real) -> None:
            self.real = real

        def __call__(self, text: str):
            if "TRIPS A BUG" in text:
                raise ZeroDivisionError
            return self.real(text)

        def pipe(self, texts):
            return [self(text) for text in texts]

    failing = copy.copy(coder)
    failing.pipeline = Failing(coder.pipeline)
    rows = [{"id": i, "text": t} for i, t in notes[:3]]
    rows.insert(1, {"id": "bug", "text": "This note TRIPS A BUG in a component."})
    out = tmp_path / "out.jsonl"
    run_batch(write_jsonl(tmp_path / "in.jsonl", rows), out, coder=failing, workers=1, progress=False)
    results = records(out)
    assert [(r["id"], r["status"]) for r in results] == [("note-00", "ok"), ("bug", "error"), ("note-01", "ok"), ("note-02", "ok")]
    assert results[1]["error"] == "pipeline failed (ZeroDivisionError); report this with the note id"

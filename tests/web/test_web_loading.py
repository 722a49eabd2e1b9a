"""Filling the review database from --notes and --results, and keeping decisions on reload."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SAMPLES

from nlp.errors import InputError
from nlp.views.sources import read_notes, read_results
from nlp.web.loading import load_inputs
from nlp.web.server import database_url


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_results_are_used_as_given_and_notes_without_one_are_coded(store, coder, tmp_path: Path) -> None:
    notes = write_jsonl(tmp_path / "notes.jsonl", [{"id": p.stem, "text": p.read_text()} for p in SAMPLES[:3]])
    given = coder.code(SAMPLES[0].read_text(), SAMPLES[0].stem)
    given.codes[0].rationale = "from the batch file"
    orphan = coder.code(SAMPLES[4].read_text(), "no-text-for-this-one")
    results = tmp_path / "results.jsonl"
    results.write_text(given.model_dump_json() + "\n" + orphan.model_dump_json() + "\n")
    built = []
    report = load_inputs(store, [notes], results, lambda: built.append(1) or coder)
    assert (report.added, report.coded, report.results_without_text, report.failed) == (3, 2, 1, 0)
    assert built == [1]
    stored = {row["note_id"]: store.get(row["key"]) for row in store.summaries()}
    assert stored[SAMPLES[0].stem].record.codes[0].rationale == "from the batch file"
    assert stored[SAMPLES[0].stem].source == "results" and stored[SAMPLES[1].stem].source == "coded"
    assert "no-text-for-this-one" not in stored


def test_loading_again_keeps_every_decision(store, coder, tmp_path: Path) -> None:
    load_inputs(store, [SAMPLES[0], SAMPLES[1]], None, lambda: coder)
    key = store.summaries()[0]["key"]
    store.decide(key, "reject", "ann", comment="dup")
    report = load_inputs(store, [SAMPLES[0], SAMPLES[1]], None, lambda: pytest.fail("nothing new to code"))
    assert (report.added, report.kept) == (0, 2)
    assert store.get(key).status == "rejected" and len(store.history(key)) == 1


def test_notes_that_cannot_be_coded_are_counted_not_stored(store, coder, tmp_path: Path) -> None:
    notes = write_jsonl(tmp_path / "n.jsonl", [{"id": "empty", "text": "   "}, {"id": "ok", "text": SAMPLES[0].read_text()}])
    report = load_inputs(store, [notes], None, lambda: coder)
    assert (report.added, report.failed) == (1, 1)
    assert [r["note_id"] for r in store.summaries()] == ["ok"]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        ('{"id": "a"}\n', "n.jsonl", "needs an 'id' and a string 'text'"),
        ("not json\n", "n.jsonl", "not valid JSON"),
        ('{"id": "a", "text": "x"}\n{"id": "a", "text": "y"}\n', "n.jsonl", "appears twice"),
        ("id,text\n", "n.csv", "unknown note input '.csv'"),
    ],
)
def test_bad_note_inputs_say_what_is_wrong(tmp_path: Path, content: str, name: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        read_notes([path])


def test_bad_results_file_names_the_line_without_quoting_it(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "r.jsonl", [{"id": "a", "status": "ok", "version": "x", "secret": "Quenyaplixor"}])
    with pytest.raises(InputError, match=r"r.jsonl:1: not a result record") as caught:
        read_results(path)
    assert "Quenyaplixor" not in str(caught.value)


def test_database_option_takes_a_path_or_a_url(tmp_path: Path) -> None:
    assert database_url(str(tmp_path / "r.sqlite")) == f"sqlite:///{tmp_path / 'r.sqlite'}"
    assert database_url("postgresql+psycopg://u@db/review") == "postgresql+psycopg://u@db/review"


def test_code_command_does_not_import_the_web_stack() -> None:
    probe = "import sys, nlp.cli; print(sorted(m for m in ('fastapi', 'sqlalchemy', 'uvicorn', 'jinja2') if m in sys.modules))"
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert run.stdout.strip() == "[]", run.stderr

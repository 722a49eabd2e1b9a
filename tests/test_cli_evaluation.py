"""`opnote evaluate`, `convert` and `agree` end to end (subprocess), and the harness's figures on
the test split checked against the foundation's scorer (tests/test_gold.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nlp.evaluation.gold import CORE_LABELS, load_gold, write_gold
from nlp.evaluation.harness import evaluate
from nlp.evaluation.score import score

ANNOTATIONS = Path(__file__).resolve().parents[1] / "annotations"
TEST_SPLIT = ANNOTATIONS / "test.jsonl"


def opnote(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nlp.cli", *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def test_records(coder):
    notes = load_gold(TEST_SPLIT)
    return notes, list(coder.code_many((n.id, n.text) for n in notes))


@pytest.fixture(scope="module")
def predictions(tmp_path_factory, test_records) -> Path:
    path = tmp_path_factory.mktemp("pred") / "results.jsonl"
    path.write_text("".join(r.model_dump_json() + "\n" for r in test_records[1]))
    return path


def test_harness_agrees_with_the_foundation_scorer_on_the_test_split(test_records) -> None:
    notes, records = test_records
    ours, theirs = evaluate(notes, records, resamples=50), score(notes, records)
    assert ours["codes"]["exact_cpt"]["correct"] == theirs.exact_cpt and ours["codes"]["exact_cpt"]["total"] == theirs.notes
    for label in CORE_LABELS:
        row, base = ours["entities"]["strict"]["labels"][label], theirs.spans[label]
        assert (row["tp"], row["fp"], row["fn"]) == (base.tp, base.fp, base.fn), label
        assert row["f1"] == pytest.approx(base.f1)
    assert ours["headline"]["exact_cpt"]["value"] == pytest.approx(theirs.exact_cpt_rate)
    assert sorted(e["id"] for e in ours["errors"] if not e["exact_cpt"]) == sorted(m[0] for m in theirs.misses)


def test_evaluate_with_predictions_writes_json_and_a_self_contained_report(tmp_path: Path, predictions: Path, test_records) -> None:
    notes, records = test_records
    run = opnote("evaluate", str(TEST_SPLIT), "--pred", str(predictions), "--by", "style", "-o", str(tmp_path), "--resamples", "200")
    assert run.returncode == 0, run.stderr
    figures = json.loads((tmp_path / "evaluation.json").read_text())
    base = score(notes, records)
    assert figures["codes"]["exact_cpt"]["correct"] == base.exact_cpt
    assert f"{base.exact_cpt}/{base.notes}" in run.stdout
    assert set(figures["by"]["style"]) == {n.meta["style"] for n in notes}
    assert sum(g["notes"] for g in figures["by"]["style"].values()) == len(notes)
    headline = figures["headline"]["exact_cpt"]
    assert headline["low"] <= headline["value"] <= headline["high"] and headline["resamples"] == 200
    html = (tmp_path / "report.html").read_text()
    assert html.count('src="data:image/svg+xml;base64,') == 3
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html and "<script" not in html
    for miss in base.misses:
        assert f'id="{miss[0]}"' in html


def test_evaluate_runs_the_pipeline_and_reports_missing_predictions(tmp_path: Path, test_records) -> None:
    notes, records = test_records
    partial = tmp_path / "partial.jsonl"
    partial.write_text("".join(r.model_dump_json() + "\n" for r in records[1:]))
    run = opnote("evaluate", str(TEST_SPLIT), "--pred", str(partial), "-o", str(tmp_path / "a"), "--resamples", "50")
    figures = json.loads((tmp_path / "a" / "evaluation.json").read_text())
    assert figures["missing_predictions"] == [notes[0].id]
    assert figures["errors"][0]["id"] == notes[0].id and figures["errors"][0]["predicted_cpt"] == []
    assert "no prediction for 1 notes" in run.stdout
    # no --pred: the pipeline codes the gold text and gives the same figures as the saved records
    run = opnote("evaluate", str(TEST_SPLIT), "-o", str(tmp_path / "b"), "--resamples", "50")
    assert run.returncode == 0, run.stderr
    again = json.loads((tmp_path / "b" / "evaluation.json").read_text())
    assert again["codes"]["exact_cpt"] == {"correct": score(notes, records).exact_cpt, "total": len(notes),
                                           "accuracy": score(notes, records).exact_cpt_rate}


def test_evaluate_bad_predictions_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "test-001", "status": "maybe", "text": "SECRET NOTE TEXT"}\n')
    run = opnote("evaluate", str(TEST_SPLIT), "--pred", str(bad), "-o", str(tmp_path))
    assert run.returncode == 2
    assert "bad.jsonl:1" in run.stderr and "SECRET" not in run.stderr and "Traceback" not in run.stderr


def test_convert_and_agree_end_to_end(tmp_path: Path) -> None:
    gold = load_gold(TEST_SPLIT)
    lesions = sum(len(n.lesions) for n in gold)
    run = opnote("convert", str(TEST_SPLIT), str(tmp_path / "brat"))
    assert run.returncode == 0, run.stderr
    assert len(list((tmp_path / "brat").glob("*.ann"))) == len(gold)
    run = opnote("convert", str(tmp_path / "brat"), str(tmp_path / "back.jsonl"), "--to", "gold")
    assert run.returncode == 0, run.stderr
    # a second annotator who disagrees on one note's behaviour and codes
    notes = load_gold(tmp_path / "back.jsonl")
    changed = next(n for n in notes if n.id == "test-002")
    changed.cpt, changed.lesions[0]["behaviour"], changed.lesions[0]["cpt"] = ["11602"], "malignant", ["11602"]
    write_gold(notes, tmp_path / "b.jsonl")
    run = opnote("agree", str(TEST_SPLIT), str(tmp_path / "b.jsonl"), "--json", str(tmp_path / "agree.json"))
    assert run.returncode == 0, run.stderr
    result = json.loads((tmp_path / "agree.json").read_text())
    assert result["notes"] == len(gold)
    assert result["primary_cpt"]["observed_agreement"] == pytest.approx((len(gold) - 1) / len(gold))
    assert result["lesion_behaviour"]["observed_agreement"] == pytest.approx((lesions - 1) / lesions)
    assert 0 < result["lesion_behaviour"]["kappa"] < 1
    assert result["spans"]["strict"]["micro"] == 1.0


def test_convert_without_a_known_format_says_what_to_do(tmp_path: Path) -> None:
    run = opnote("convert", str(TEST_SPLIT), str(tmp_path / "out.jsonl"))
    assert run.returncode == 2 and "--to" in run.stderr

"""The body of ``opnote evaluate``: load, predict if asked, score, write, summarise."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from nlp.evaluation.harness import evaluate
from nlp.evaluation.inputs import load_gold_path, load_records
from nlp.evaluation.report import print_summary, write_html, write_json


def run_evaluate(gold_path: Path, pred_path: Path | None, *, by: Sequence[str], out: Path, resamples: int, seed: int,
                 policy: str = "cpt") -> dict:
    """Evaluate and write ``out/evaluation.json`` and ``out/report.html``; returns the figures."""
    gold = load_gold_path(gold_path)
    if pred_path is not None:
        records = load_records(pred_path)
    else:
        from nlp.service import Coder

        records = list(Coder(policy=policy).code_many((n.id, n.text) for n in gold))
    report = evaluate(gold, records, by=by, resamples=resamples, seed=seed)
    report["source"] = {"gold": str(gold_path), "predictions": str(pred_path) if pred_path else "pipeline", "policy": policy}
    json_path = write_json(report, out / "evaluation.json")
    html_path = write_html(report, gold, records, out / "report.html")
    print_summary(report)
    from rich.console import Console

    Console().print(f"wrote {json_path} and {html_path}")
    return report

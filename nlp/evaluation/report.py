"""Write the evaluation report: JSON (every figure), self-contained HTML, and a terminal summary.

The HTML is one file: CSS inline, plots as SVG ``data:`` URIs, no scripts and no links, so it
opens offline and can be mailed.  Jinja2 autoescaping escapes note text and every label.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

from jinja2 import Environment, PackageLoader, select_autoescape

from nlp.evaluation import plots
from nlp.evaluation.gold import GoldNote
from nlp.evaluation.harness import HEADLINES, gold_spans, predicted_spans
from nlp.evaluation.highlight import segments
from nlp.schema import ResultRecord

TEMPLATE = "report.html.j2"


def write_json(report: dict, path: str | Path) -> Path:
    """Write the figures as indented JSON."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def render_html(report: dict, gold: Sequence[GoldNote], records: Sequence[ResultRecord], *, title: str = "opnote-coder evaluation") -> str:
    """The HTML report as a string."""
    labels = report["entities"]["labels"]
    notes = {n.id: n for n in gold}
    by_id = {r.id: r for r in records}
    errors = []
    for error in report["errors"]:
        note = notes[error["id"]]
        g = [(s.start, s.end, s.label) for s in gold_spans(note, labels)]
        p = [(s.start, s.end, s.label) for s in predicted_spans(by_id.get(note.id), labels)]
        errors.append({**error, "segments": segments(note.text, g, p)})
    codes = report["codes"]
    figures = {
        "confusion": plots.confusion_heatmap(codes["primary_confusion"]["labels"], codes["primary_confusion"]["matrix"]),
        "per_code": plots.per_code_f1(codes["cpt"]),
        "automation": plots.automation_plot(report["automation"]),
    }
    env = Environment(loader=PackageLoader("nlp.evaluation", "templates"), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    return env.get_template(TEMPLATE).render(title=title, report=report, headlines=HEADLINES, errors=errors, plots=figures)


def write_html(report: dict, gold: Sequence[GoldNote], records: Sequence[ResultRecord], path: str | Path) -> Path:
    """Write the HTML report."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report, gold, records), encoding="utf-8")
    return path


def _ci(figure: dict) -> str:
    return f"{figure['value']:.3f}  [{figure['low']:.3f}, {figure['high']:.3f}]"


def print_summary(report: dict, console=None) -> None:
    """A short rich summary: headline figures with intervals, per-label strict F1, code counts."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    codes = report["codes"]
    table = Table(title=f"{report['notes']} notes: headline figures (95% bootstrap CI)")
    table.add_column("figure")
    table.add_column("value [CI]", justify="right")
    table.add_column("counts", justify="right")
    counts = {
        "exact_cpt": f"{codes['exact_cpt']['correct']}/{codes['exact_cpt']['total']}",
        "primary_cpt": f"{codes['primary_cpt']['correct']}/{codes['primary_cpt']['total']}",
        "cpt_micro_f1": "tp {tp} fp {fp} fn {fn}".format(**codes["cpt"]["micro"]),
        "entity_strict_micro_f1": "tp {tp} fp {fp} fn {fn}".format(**report["entities"]["strict"]["micro"]),
        "entity_lenient_micro_f1": "tp {tp} fp {fp} fn {fn}".format(**report["entities"]["lenient"]["micro"]),
    }
    for name in HEADLINES:
        table.add_row(name, _ci(report["headline"][name]), counts[name])
    for name, figure in report["headline"].items():
        if name.startswith("lesion_"):
            fact = report["lesions"][name.removeprefix("lesion_")]
            table.add_row(name, _ci(figure), f"{fact['correct']}/{fact['total']}")
    console.print(table)
    spans = Table(title="Entities per label (strict)")
    for column in ("label", "tp", "fp", "fn", "precision", "recall", "F1", "lenient F1"):
        spans.add_column(column, justify="left" if column == "label" else "right")
    for label, row in report["entities"]["strict"]["labels"].items():
        lenient = report["entities"]["lenient"]["labels"][label]
        spans.add_row(label, str(row["tp"]), str(row["fp"]), str(row["fn"]), f"{row['precision']:.3f}", f"{row['recall']:.3f}",
                      f"{row['f1']:.3f}", f"{lenient['f1']:.3f}")
    console.print(spans)
    auto = ", ".join(f"{a['coverage']:.0%} of notes at {key} accuracy" for key, a in report["automation"]["auto_accept"].items())
    console.print(f"auto-accept: {auto}")
    if report["missing_predictions"] or report["failed_predictions"]:
        console.print(f"[yellow]no prediction for {len(report['missing_predictions'])} notes, failed for "
                      f"{len(report['failed_predictions'])} (scored as empty): see the JSON report[/yellow]")
    console.print(f"{len(report['errors'])} notes with an error (codes, spans or lesion facts): see the HTML report")

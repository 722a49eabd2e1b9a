"""Agreement between two annotators' gold files (``opnote agree A B``).

- **codes (present/absent)**: one item per (note, code) for every code either annotator used
  anywhere in the shared notes; each annotator says present or absent; Cohen's kappa over the
  items (CPT and ICD-10-CM separately).  Counting every code in the union, not only the note's
  own, gives the "both absent" cells kappa needs.
- **primary CPT code**: one item per note (see :mod:`nlp.evaluation.codes`).
- **lesion behaviour**: lesions aligned by best site match (:mod:`nlp.evaluation.lesions`); a
  lesion only one annotator recorded is ``(missing lesion)`` for the other.
- **spans**: A as reference, B as prediction, strict and lenient F1 per label (F1 is symmetric
  in A and B, precision and recall swap).

Kappa is scikit-learn's ``cohen_kappa_score``; when both annotators use one single category
throughout, kappa is undefined and reported as ``null``.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

from nlp.evaluation.codes import gold_primary
from nlp.evaluation.entities import match_note, score_entities
from nlp.evaluation.gold import GoldNote
from nlp.evaluation.harness import default_labels, gold_spans
from nlp.evaluation.inputs import load_gold_path
from nlp.evaluation.lesions import MISSING_LESION, align
from nlp.evaluation.matching import quiet_sklearn


def kappa(a: list[str], b: list[str]) -> dict:
    """Cohen's kappa with the item count and raw agreement."""
    from sklearn.exceptions import UndefinedMetricWarning
    from sklearn.metrics import cohen_kappa_score

    if not a:
        return {"kappa": None, "items": 0, "observed_agreement": None}
    with quiet_sklearn(), warnings.catch_warnings():
        # 0/0 when both annotators use one category: reported as null, not as a warning.
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        value = float(cohen_kappa_score(a, b))
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / len(a)
    return {"kappa": None if math.isnan(value) else value, "items": len(a), "observed_agreement": observed}


def _presence(first: list[GoldNote], second: list[GoldNote], attr: str) -> tuple[list[str], list[str]]:
    codes = sorted({c for note in first + second for c in getattr(note, attr)})
    a, b = [], []
    for x, y in zip(first, second, strict=True):
        for code in codes:
            a.append("present" if code in getattr(x, attr) else "absent")
            b.append("present" if code in getattr(y, attr) else "absent")
    return a, b


def agreement(first: list[GoldNote], second: list[GoldNote]) -> dict:
    """Every agreement figure over the notes both files contain (matched by id)."""
    by_id = {n.id: n for n in second}
    shared = [n for n in first if n.id in by_id]
    a_notes, b_notes = shared, [by_id[n.id] for n in shared]
    behaviour_a, behaviour_b = [], []
    for x, y in zip(a_notes, b_notes, strict=True):
        pairs = dict(align(x.lesions, y.lesions))
        for i, lesion in enumerate(x.lesions):
            behaviour_a.append(str(lesion.get("behaviour")))
            behaviour_b.append(str(y.lesions[pairs[i]].get("behaviour")) if i in pairs else MISSING_LESION)
        for j in sorted(set(range(len(y.lesions))) - set(pairs.values())):
            behaviour_a.append(MISSING_LESION)
            behaviour_b.append(str(y.lesions[j].get("behaviour")))
    labels = default_labels(a_notes + b_notes)
    spans = score_entities([match_note(gold_spans(x, labels), gold_spans(y, labels)) for x, y in zip(a_notes, b_notes, strict=True)], labels)
    return {
        "notes": len(shared),
        "only_in_a": sorted(n.id for n in first if n.id not in by_id),
        "only_in_b": sorted(n.id for n in second if n.id not in {m.id for m in first}),
        "cpt_presence": kappa(*_presence(a_notes, b_notes, "cpt")),
        "icd10_presence": kappa(*_presence(a_notes, b_notes, "icd10")),
        "primary_cpt": kappa([gold_primary(n) for n in a_notes], [gold_primary(n) for n in b_notes]),
        "lesion_behaviour": kappa(behaviour_a, behaviour_b),
        "spans": {
            mode: {label: spans[mode]["labels"][label]["f1"] for label in labels} | {"micro": spans[mode]["micro"]["f1"]}
            for mode in ("strict", "lenient")
        },
    }


def run_agreement(first: Path, second: Path, json_out: Path | None = None) -> dict:
    """Load both files, compute, and write the JSON when asked."""
    result = agreement(load_gold_path(first), load_gold_path(second))
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return result


def print_agreement(result: dict) -> None:
    """Rich tables of the kappas and the span F1s."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"Agreement over {result['notes']} shared notes (Cohen's kappa)")
    for column in ("item", "kappa", "raw agreement", "items"):
        table.add_column(column, justify="left" if column == "item" else "right")
    for name in ("cpt_presence", "icd10_presence", "primary_cpt", "lesion_behaviour"):
        k = result[name]
        table.add_row(name, "n/a" if k["kappa"] is None else f"{k['kappa']:.3f}",
                      "n/a" if k["observed_agreement"] is None else f"{k['observed_agreement']:.3f}", str(k["items"]))
    console.print(table)
    spans = Table(title="Span F1 per label (A as reference)")
    for column in ("label", "strict F1", "lenient F1"):
        spans.add_column(column, justify="left" if column == "label" else "right")
    for label, value in result["spans"]["strict"].items():
        spans.add_row(label, f"{value:.3f}", f"{result['spans']['lenient'][label]:.3f}")
    console.print(spans)
    if result["only_in_a"] or result["only_in_b"]:
        console.print(f"[yellow]{len(result['only_in_a'])} notes only in A, {len(result['only_in_b'])} only in B (not scored)[/yellow]")

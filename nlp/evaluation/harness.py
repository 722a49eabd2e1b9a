"""``evaluate()``: every figure of the accuracy report from gold notes and result records.

The figures live in the submodules (entities, lesions, codes, automation, bootstrap); this
module pairs notes with records, runs them, breaks the result down by a gold field, and lists
the notes with errors.  It returns plain data (the JSON report) and never prints.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Sequence

from nlp.evaluation import automation, bootstrap
from nlp.evaluation.codes import NoteCodes, note_codes, score_codes
from nlp.evaluation.entities import NoteEntities, Span, match_note, score_entities
from nlp.evaluation.gold import SPAN_FLAGS, GoldNote
from nlp.evaluation.lesions import FACTS, NoteLesions, note_lesions, score_lesions
from nlp.schema import ResultRecord

NO_VALUE = "(none)"
HEADLINES = ("exact_cpt", "primary_cpt", "cpt_micro_f1", "entity_strict_micro_f1", "entity_lenient_micro_f1")


@dataclass
class Case:
    """One gold note, its prediction (None when there was none) and the per-note results."""

    gold: GoldNote
    record: ResultRecord | None
    entities: NoteEntities
    codes: NoteCodes
    lesions: NoteLesions
    confidence: float

    @property
    def status(self) -> str:
        return "missing" if self.record is None else self.record.status


def gold_spans(note: GoldNote, labels: Sequence[str]) -> list[Span]:
    return [Span(s.start, s.end, s.label, tuple(s.flags().items())) for s in note.spans if s.label in labels]


def predicted_spans(record: ResultRecord | None, labels: Sequence[str]) -> list[Span]:
    if record is None or record.status != "ok":
        return []
    return [Span(e.start, e.end, e.label, tuple((f, bool(getattr(e, f))) for f in SPAN_FLAGS)) for e in record.entities if e.label in labels]


def build_cases(gold: Sequence[GoldNote], records: Iterable[ResultRecord], labels: Sequence[str]) -> tuple[list[Case], list[str]]:
    """Pair notes with records by id; returns the cases and the ids of records with no gold note."""
    by_id = {r.id: r for r in records}
    cases = []
    for note in gold:
        record = by_id.pop(note.id, None)
        cases.append(Case(
            gold=note, record=record,
            entities=match_note(gold_spans(note, labels), predicted_spans(record, labels)),
            codes=note_codes(note, record), lesions=note_lesions(note.lesions, record),
            confidence=automation.note_confidence(record),
        ))
    return cases, sorted(by_id)


def default_labels(gold: Sequence[GoldNote]) -> list[str]:
    """The labels the gold annotates (predicted labels the gold never uses are not scored)."""
    return sorted({s.label for note in gold for s in note.spans})


def _f1(rows: Sequence[tuple[int, int, int]]) -> bootstrap.Statistic:
    """An F1 statistic from per-note (tp, fp, fn) rows."""
    return bootstrap.Statistic("f1", [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])


def figures(cases: Sequence[Case], labels: Sequence[str], *, resamples: int, seed: int) -> dict:
    """Every figure over a set of cases (no error list, no breakdown)."""
    entities = score_entities([c.entities for c in cases], labels)
    codes = score_codes([c.codes for c in cases])
    lesions = score_lesions([c.lesions for c in cases])
    curve = automation.automation_curve([c.confidence for c in cases], [c.codes.exact for c in cases])
    ones = [1] * len(cases)
    strict = [c.entities.counts(labels, "strict") for c in cases]
    lenient = [c.entities.counts(labels, "lenient") for c in cases]
    cpt = [c.codes.counts() for c in cases]
    stats = {
        "exact_cpt": bootstrap.Statistic("rate", [int(c.codes.exact) for c in cases], ones),
        "primary_cpt": bootstrap.Statistic("rate", [int(c.codes.primary_correct) for c in cases], ones),
        "cpt_micro_f1": _f1(cpt),
        "entity_strict_micro_f1": _f1(strict),
        "entity_lenient_micro_f1": _f1(lenient),
    }
    for fact in FACTS:
        rows = [c.lesions.correct(fact) for c in cases]
        stats[f"lesion_{fact}"] = bootstrap.Statistic("rate", [r[0] for r in rows], [r[1] for r in rows])
    return {
        "notes": len(cases),
        "headline": bootstrap.bootstrap(stats, resamples=resamples, seed=seed),
        "entities": entities,
        "lesions": lesions,
        "codes": codes,
        "automation": curve,
    }


def _values(note: GoldNote, field: str) -> list[str]:
    value = note.id if field == "id" else note.meta.get(field)
    if value is None or value == [] or value == "":
        return [NO_VALUE]
    if isinstance(value, (list, tuple, set)):
        return sorted({str(v) for v in value})
    return [str(value)]


def error_list(cases: Sequence[Case]) -> list[dict]:
    """Notes with any error: codes, spans or lesion facts, or no usable prediction."""
    out = []
    for c in cases:
        lesion_errors = [
            {"lesion": i + 1, "fact": fact, "gold": g[fact], "predicted": p[fact]}
            for i, (g, p) in enumerate(c.lesions.pairs) for fact in FACTS if g[fact] != p[fact]
        ]
        if c.status == "ok" and c.codes.exact and c.codes.exact_icd and not c.entities.missed and not c.entities.spurious and not lesion_errors:
            continue
        out.append({
            "id": c.gold.id,
            "status": c.status,
            "error": c.record.error if c.record is not None else "no prediction for this note",
            "gold_cpt": sorted(c.codes.gold_cpt.elements()), "predicted_cpt": sorted(c.codes.pred_cpt.elements()),
            "gold_icd10": sorted(c.codes.gold_icd.elements()), "predicted_icd10": sorted(c.codes.pred_icd.elements()),
            "gold_primary": c.codes.gold_primary, "predicted_primary": c.codes.pred_primary,
            "exact_cpt": c.codes.exact, "confidence": c.confidence,
            "missed_spans": [[s.start, s.end, s.label] for s in c.entities.missed],
            "spurious_spans": [[s.start, s.end, s.label] for s in c.entities.spurious],
            "lesion_errors": lesion_errors,
        })
    return out


def evaluate(gold: Sequence[GoldNote], records: Iterable[ResultRecord], *, labels: Sequence[str] | None = None,
             by: Sequence[str] = (), resamples: int = bootstrap.DEFAULT_RESAMPLES, seed: int = bootstrap.DEFAULT_SEED) -> dict:
    """The full report as plain data (what ``opnote evaluate`` writes as JSON).

    A gold note with no record is scored as an empty prediction and listed under
    ``missing_predictions``; records whose id is not in the gold are listed, not scored.
    Note text is not included (the error list carries offsets, the HTML report shows the text).
    """
    labels = list(labels) if labels is not None else default_labels(gold)
    cases, unmatched = build_cases(gold, records, labels)
    report = figures(cases, labels, resamples=resamples, seed=seed)
    report.update({
        "missing_predictions": [c.gold.id for c in cases if c.status == "missing"],
        "failed_predictions": [c.gold.id for c in cases if c.status == "error"],
        "unmatched_predictions": unmatched,
        "errors": error_list(cases),
        "by": {},
    })
    for field in by:
        groups: dict[str, list[Case]] = defaultdict(list)
        for c in cases:
            for value in _values(c.gold, field):
                groups[value].append(c)
        report["by"][field] = {value: figures(group, labels, resamples=resamples, seed=seed) for value, group in sorted(groups.items())}
    return report

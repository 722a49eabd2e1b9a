"""Score result records against gold notes: strict span P/R/F1 per label and exact CPT sets.

These are the two headline figures of the foundation: the fuller harness (bootstrap intervals,
confusion matrices, reports) builds on the same counters.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from nlp.evaluation.gold import CORE_LABELS, GoldNote
from nlp.evaluation.metrics import PRF, code_multiset, strict_span_prf
from nlp.schema import ResultRecord

BILLABLE = frozenset({"suggested"})


@dataclass
class Score:
    notes: int = 0
    exact_cpt: int = 0
    spans: dict[str, PRF] = field(default_factory=dict)
    misses: list[tuple[str, list[str], list[str]]] = field(default_factory=list)

    @property
    def exact_cpt_rate(self) -> float:
        return self.exact_cpt / self.notes if self.notes else 0.0

    def as_dict(self) -> dict:
        return {
            "notes": self.notes,
            "exact_cpt": self.exact_cpt,
            "exact_cpt_rate": self.exact_cpt_rate,
            "spans": {label: prf.as_dict() for label, prf in sorted(self.spans.items())},
            "cpt_misses": [{"id": i, "gold": g, "predicted": p} for i, g, p in self.misses],
        }


def predicted_cpt(record: ResultRecord) -> Counter[str]:
    """The billable CPT lines of a record as a multiset (units expanded)."""
    return code_multiset((c.code, c.units) for c in record.codes if c.system == "CPT" and c.status in BILLABLE)


def score(gold: Sequence[GoldNote], records: Iterable[ResultRecord], labels: Sequence[str] = CORE_LABELS) -> Score:
    """Compare records to gold notes (matched by id)."""
    by_id = {r.id: r for r in records}
    result = Score(spans={label: PRF() for label in labels})
    for note in gold:
        record = by_id.get(note.id)
        result.notes += 1
        predicted = predicted_cpt(record) if record is not None and record.status == "ok" else Counter()
        expected = Counter(note.cpt)
        if predicted == expected:
            result.exact_cpt += 1
        else:
            result.misses.append((note.id, sorted(expected.elements()), sorted(predicted.elements())))
        gold_spans = [(s.start, s.end, s.label) for s in note.spans if s.label in labels]
        pred_spans = [(e.start, e.end, e.label) for e in (record.entities if record else []) if e.label in labels]
        for label, counts in strict_span_prf(gold_spans, pred_spans).items():
            result.spans[label] += counts
    return result

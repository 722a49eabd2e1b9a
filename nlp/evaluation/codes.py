"""Code scoring: exact sets, the primary code, per-code P/R/F1 (units counted), families.

Definitions (also in the README, "Evaluating accuracy"):

- **codes of a note**: the CPT (or ICD-10-CM) lines a coder would bill: gold ``cpt``/``icd10``
  lists as written (a repeated code is a second unit); predicted lines with status
  ``suggested``, each expanded by ``units`` (held, bundled and alternative lines are not billed).
- **exact set**: the two multisets are equal.
- **primary code**: the first non-repair CPT code of the lowest-numbered lesion (gold: the
  ``cpt`` list of ``lesions`` in index order, falling back to the note's ``cpt`` list; predicted:
  billable lines ordered by their ``lesion`` index, then record order); a note whose codes are
  all repairs has its first repair as primary; no codes gives ``(none)``.
- **family**: :func:`nlp.evaluation.families.cpt_family`; family accuracy compares the
  multisets of families per note, and the primary code's family.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Sequence

from nlp.evaluation.families import cpt_family
from nlp.evaluation.gold import GoldNote
from nlp.evaluation.matching import NONE, Pairs, accuracy, multiset_pairs, prf_table, quiet_sklearn
from nlp.evaluation.metrics import code_multiset
from nlp.evaluation.score import BILLABLE
from nlp.schema import ResultRecord

NO_CODE = "(none)"
REPAIR = "repair"


@dataclass
class NoteCodes:
    """One note's gold and predicted codes, and what the per-note figures need."""

    gold_cpt: Counter[str]
    pred_cpt: Counter[str]
    gold_icd: Counter[str]
    pred_icd: Counter[str]
    gold_primary: str
    pred_primary: str

    @property
    def exact(self) -> bool:
        return self.gold_cpt == self.pred_cpt

    @property
    def exact_icd(self) -> bool:
        return self.gold_icd == self.pred_icd

    @property
    def primary_correct(self) -> bool:
        return self.gold_primary == self.pred_primary

    @property
    def families_correct(self) -> bool:
        return _families(self.gold_cpt) == _families(self.pred_cpt)

    def counts(self) -> tuple[int, int, int]:
        """Micro (tp, fp, fn) of CPT units (what the bootstrap resamples)."""
        tp = sum((self.gold_cpt & self.pred_cpt).values())
        return tp, sum(self.pred_cpt.values()) - tp, sum(self.gold_cpt.values()) - tp


def _families(codes: Counter[str]) -> Counter[str]:
    out: Counter[str] = Counter()
    for code, n in codes.items():
        out[cpt_family(code)] += n
    return out


def _primary(ordered: Sequence[tuple[int, str]]) -> str:
    """First non-repair code by (lesion, position); the first repair if all are repairs."""
    if not ordered:
        return NO_CODE
    ranked = sorted(enumerate(ordered), key=lambda item: (item[1][0], item[0]))
    for _, (_lesion, code) in ranked:
        if cpt_family(code) != REPAIR:
            return code
    return ranked[0][1][1]


def gold_primary(note: GoldNote) -> str:
    """Primary CPT code of a gold note (see the module docstring)."""
    ordered = [(int(lesion.get("index", i + 1)), str(code)) for i, lesion in enumerate(note.lesions) for code in lesion.get("cpt", [])]
    if not ordered:
        ordered = [(0, code) for code in note.cpt]
    return _primary(ordered)


def billable(record: ResultRecord | None, system: str) -> list:
    """The billable lines of one system; none for a missing or failed record."""
    if record is None or record.status != "ok":
        return []
    return [c for c in record.codes if c.system == system and c.status in BILLABLE]


def predicted_primary(record: ResultRecord | None) -> str:
    """Primary CPT code of a result record (see the module docstring)."""
    lines = billable(record, "CPT")
    return _primary([(line.lesion if line.lesion is not None else 10**6, line.code) for line in lines])


def note_codes(note: GoldNote, record: ResultRecord | None) -> NoteCodes:
    """Gold and predicted codes of one note."""
    return NoteCodes(
        gold_cpt=Counter(note.cpt),
        pred_cpt=code_multiset((c.code, c.units) for c in billable(record, "CPT")),
        gold_icd=Counter(note.icd10),
        pred_icd=code_multiset((c.code, c.units) for c in billable(record, "ICD-10-CM")),
        gold_primary=gold_primary(note),
        pred_primary=predicted_primary(record),
    )


def score_codes(notes: Sequence[NoteCodes]) -> dict:
    """Every code figure over a set of notes."""
    from sklearn.metrics import confusion_matrix

    cpt, icd, family = Pairs(), Pairs(), Pairs()
    for n in notes:
        cpt.extend(multiset_pairs(n.gold_cpt, n.pred_cpt))
        icd.extend(multiset_pairs(n.gold_icd, n.pred_icd))
        family.extend(multiset_pairs(_families(n.gold_cpt), _families(n.pred_cpt)))
    cpt_codes = sorted({c for c in cpt.gold + cpt.pred if c != NONE})
    icd_codes = sorted({c for c in icd.gold + icd.pred if c != NONE})
    families = sorted({c for c in family.gold + family.pred if c != NONE})
    primary_labels = sorted({n.gold_primary for n in notes} | {n.pred_primary for n in notes}, key=lambda c: (c == NO_CODE, c))
    with quiet_sklearn():
        matrix = confusion_matrix([n.gold_primary for n in notes], [n.pred_primary for n in notes], labels=primary_labels) if notes else []
    return {
        "notes": len(notes),
        "exact_cpt": _rate(sum(n.exact for n in notes), len(notes)),
        "exact_icd10": _rate(sum(n.exact_icd for n in notes), len(notes)),
        "primary_cpt": accuracy((n.gold_primary for n in notes), (n.pred_primary for n in notes)),
        "primary_family": accuracy((cpt_family(n.gold_primary) for n in notes), (cpt_family(n.pred_primary) for n in notes)),
        "family_set": _rate(sum(n.families_correct for n in notes), len(notes)),
        "cpt": prf_table(cpt, cpt_codes),
        "icd10": prf_table(icd, icd_codes),
        "families": prf_table(family, families),
        "primary_confusion": {"labels": primary_labels, "matrix": [[int(v) for v in row] for row in matrix]},
    }


def _rate(correct: int, total: int) -> dict:
    return {"correct": correct, "total": total, "accuracy": correct / total if total else 0.0}

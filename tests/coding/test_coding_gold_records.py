"""Agreement with the gold notes: gold lesion records in, gold CPT/ICD codes out.

``annotations/{dev,test}.jsonl`` give, per lesion, the facts the extractor should find and the
codes they lead to (``annotations/GUIDELINES.md``).  Feeding those facts to the coding layer
must reproduce the gold codes exactly, so a disagreement between the rule tables and the
annotators shows up here, separately from extraction errors.  Skipped when the files are absent.
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from nlp.coding import suggest_codes
from nlp.records import Closure, Diagnosis, Lesion, Measure, Procedure, Site, Span

ANNOTATIONS = Path(__file__).resolve().parents[2] / "annotations"
NOTES = [json.loads(line) for name in ("dev.jsonl", "test.jsonl") if (ANNOTATIONS / name).exists()
         for line in (ANNOTATIONS / name).read_text(encoding="utf-8").splitlines() if line.strip()]
MALIGNANT = {"bcc", "scc", "scc_in_situ", "melanoma", "melanoma_in_situ", "merkel_cell_carcinoma"}
SPAN = Span(0, 1, "x")


def _measure(value: str | None, kind: str) -> Measure | None:
    return Measure(Decimal(value), SPAN, kind) if value is not None else None  # type: ignore[arg-type]


def lesion_from_gold(gold: dict) -> Lesion:
    """The lesion record the extractor should produce for one gold lesion.

    Gold records state the decided behaviour, not the raw flags, so two flags are inferred:
    a malignant lesion without pathology in the note was biopsy-proven before; any lesion
    without pathology in the note has its pathology pending.
    """
    kind, source = gold["diagnosis"], gold.get("diagnosis_source") or "preoperative"
    dx = Diagnosis(kind, kind, "malignant" if kind in MALIGNANT else "benign", source, SPAN) if kind else None
    size = _measure(gold["lesion_size_cm"], "lesion_size")
    return Lesion(
        index=gold["index"],
        site=Site(gold["region"], gold["region"], SPAN, laterality=gold["laterality"], eyelid_part=gold["eyelid_part"]) if gold["region"] else None,
        diagnosis=dx,
        diagnoses=[dx] if dx else [],
        procedure=Procedure(gold["procedure"], gold["procedure"], SPAN) if gold["procedure"] else None,
        lesion_size=size,
        margin=_measure(gold["margin_cm"], "margin"),
        excised_diameter=_measure(gold["excised_diameter_cm"], "excised_diameter") if size is None else None,
        closure=Closure(gold["closure"], gold["closure"], SPAN) if gold["closure"] else None,
        repair_length=_measure(gold["repair_length_cm"], "wound_length"),
        pathology_pending=source != "pathology",
        prior_malignant_biopsy=gold["behaviour"] == "malignant" and source != "pathology",
    )


@pytest.mark.skipif(not NOTES, reason="no gold annotations in this checkout")
@pytest.mark.parametrize("note", NOTES, ids=[n["id"] for n in NOTES])
def test_gold_lesion_records_give_the_gold_codes(note: dict) -> None:
    result = suggest_codes([lesion_from_gold(g) for g in note["lesions"]])
    cpt = Counter(c.code for c in result.codes if c.system == "CPT" and c.status == "suggested" for _ in range(c.units))
    assert cpt == Counter(note["cpt"])
    assert {c.code for c in result.codes if c.system == "ICD-10-CM"} == set(note["icd10"])

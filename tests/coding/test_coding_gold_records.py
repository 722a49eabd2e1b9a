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


CLOSURES = {"pedicle_flap": ("flap", ()), "ftsg": ("graft", ("full_thickness",)), "stsg": ("graft", ("split_thickness",))}
"""Gold closure values that the extractor writes as a closure class plus detail."""
PROCEDURES = {"soft_tissue_excision": "excision"}  # the coding layer tells a lipoma excision by its diagnosis
DIAGNOSES = {"acrochordon": "skin_tag"}
SUBSITES = {"mucosa": "oral vestibule"}
"""The gold writes every mucosal biopsy it codes 40808 as region ``mucosa``; all of them are oral vestibule."""
INVOLVED = {"vermilion": "vermilion", "lid_margin": "lid margin"}
"""Gold ``subsite`` values (a biopsy's structure, GUIDELINES twentieth set) as the extractor's involved structures."""
PROVISIONAL_ICD_TAG = "mucosal_icd_provisional"
"""Notes whose gold ICD-10-CM codes the annotators marked provisional (no reference code for the site)."""


def _involves(gold: dict, tags: tuple[str, ...]) -> tuple[str, ...]:
    if gold.get("subsite") in INVOLVED:
        return (INVOLVED[gold["subsite"]],)
    return ("lid margin",) if "eyelid_margin" in tags and gold["region"] == "eyelid" else ()


def lesion_from_gold(gold: dict, tags: tuple[str, ...] = ()) -> Lesion:
    """The lesion record the extractor should produce for one gold lesion.

    Gold records state the decided behaviour, not the raw flags, so two flags are inferred:
    a malignant lesion without pathology in the note was biopsy-proven before; any lesion
    without pathology in the note has its pathology pending.
    """
    kind, source = DIAGNOSES.get(gold["diagnosis"], gold["diagnosis"]), gold.get("diagnosis_source") or "preoperative"
    dx = Diagnosis(kind, kind, "malignant" if kind in MALIGNANT else "benign", source, SPAN) if kind else None
    size = _measure(gold["lesion_size_cm"], "lesion_size")
    return Lesion(
        index=gold["index"],
        site=Site(gold["region"], gold["region"], SPAN, subsite=SUBSITES.get(gold["region"]), laterality=gold["laterality"],
                  eyelid_part=gold["eyelid_part"], involves=_involves(gold, tags)) if gold["region"] else None,
        diagnosis=dx,
        diagnoses=[dx] if dx else [],
        procedure=Procedure(PROCEDURES.get(gold["procedure"], gold["procedure"]), gold["procedure"], SPAN) if gold["procedure"] else None,
        lesion_size=size,
        margin=_measure(gold["margin_cm"], "margin"),
        excised_diameter=_measure(gold["excised_diameter_cm"], "excised_diameter") if size is None else None,
        closure=_closure(gold["closure"]),
        repair_length=_measure(gold["repair_length_cm"], "wound_length"),
        pathology_pending=source != "pathology",
        prior_malignant_biopsy=gold["behaviour"] == "malignant" and source != "pathology",
        count=gold.get("lesion_count") or 1,
        count_stated=True,
        mohs_stages=gold.get("mohs_stages"),
        mohs_blocks=tuple(gold.get("mohs_blocks") or ()),
        defect_area=_measure(gold.get("defect_area_sq_cm"), "defect_area"),
        depth=gold.get("depth"),
        complicated=bool(gold.get("complicated")),
    )


def _closure(value: str | None) -> Closure | None:
    if not value:
        return None
    cls, detail = CLOSURES.get(value, (value, ()))
    return Closure(cls, value, SPAN, detail)  # type: ignore[arg-type]


@pytest.mark.skipif(not NOTES, reason="no gold annotations in this checkout")
@pytest.mark.parametrize("note", NOTES, ids=[n["id"] for n in NOTES])
def test_gold_lesion_records_give_the_gold_codes(note: dict) -> None:
    result = suggest_codes([lesion_from_gold(g, tuple(note.get("tags") or ())) for g in note["lesions"]])
    cpt = Counter(c.code for c in result.codes if c.system == "CPT" and c.status == "suggested" for _ in range(c.units))
    assert cpt == Counter(note["cpt"])
    if PROVISIONAL_ICD_TAG not in (note.get("tags") or ()):
        assert {c.code for c in result.codes if c.system == "ICD-10-CM"} == set(note["icd10"])

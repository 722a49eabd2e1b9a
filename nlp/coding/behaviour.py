"""Decide benign vs malignant for the excision family, or hold the lesion for pathology.

coding-rules.md section 2.2: the final pathology decides.  Without it, a clearly benign lesion
(cyst, lipoma, seborrheic keratosis, nevus stated without doubt) may be coded benign at
surgery and a lesion whose malignancy a prior biopsy proved may be coded malignant; anything
else waits ("held").  Uncertain-behaviour lesions use the benign family; in-situ carcinoma and
melanoma in situ the malignant one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from nlp.coding.tables import Tables
from nlp.records import Diagnosis, Lesion

Family = Literal["benign", "malignant"]

SOURCE_ORDER = ("pathology", "postoperative", "preoperative", "clinical")
"""Precedence of diagnosis sources (the extractor uses the same order for ``diagnosis``)."""


@dataclass(frozen=True)
class BehaviourDecision:
    """What the coding layer decided about one lesion's behaviour.

    ``family`` is the excision family to code, or ``None`` when held.  ``would_be`` is the
    family of the held line (the diagnosis' own family, else benign).  ``coded_dx`` is the
    confirmed diagnosis to code in ICD-10-CM (``None``: nothing confirmed to code).  ``basis``
    is a short phrase for rationales ("by pathology", "by prior biopsy", ...).
    """

    family: Family | None
    would_be: Family
    basis: str
    coded_dx: Diagnosis | None
    held_check: str | None = None
    malignancy_type_missing: bool = False

    @property
    def held(self) -> bool:
        return self.family is None


def family_of(dx: Diagnosis, tables: Tables) -> Family | None:
    """The excision family a diagnosis implies, from its kind or the lexicon's behaviour."""
    row = tables.kinds.get(dx.kind)
    if dx.behaviour == "malignant" or (row is not None and row.family == "malignant"):
        return "malignant"
    if row is not None or dx.behaviour in ("benign", "uncertain"):
        return "benign"
    return None


def _clearly_benign(dx: Diagnosis, tables: Tables) -> bool:
    row = tables.kinds.get(dx.kind)
    return bool(row and row.clearly_benign and dx.certain and dx.behaviour == "benign")


def _malignancy_in_question(lesion: Lesion, dx: Diagnosis, tables: Tables) -> bool:
    """Whether the lesion's diagnoses also hold a malignancy in doubt, from a source as authoritative as ``dx``'s.

    "Irregular pigmented lesion, rule out melanoma" in the preoperative diagnosis, beside "a flat
    mole had grown" in the history: a lesion excised to rule out a cancer is not clearly benign,
    so its excision waits for pathology (GUIDELINES v1 pending rule; twenty-eighth set, decision
    4).  A postoperative "nevus" after a preoperative "r/o melanoma" is the surgeon's later word.
    """
    rank = SOURCE_ORDER.index(dx.source) if dx.source in SOURCE_ORDER else len(SOURCE_ORDER)
    return any(
        not other.certain and family_of(other, tables) == "malignant"
        and (SOURCE_ORDER.index(other.source) if other.source in SOURCE_ORDER else len(SOURCE_ORDER)) <= rank
        for other in lesion.diagnoses
    )


def _known_malignancy(lesion: Lesion, tables: Tables) -> Diagnosis | None:
    """The most authoritative certain malignant diagnosis on the lesion (for re-excisions)."""
    candidates = ([lesion.diagnosis] if lesion.diagnosis else []) + list(lesion.diagnoses)
    malignant = [dx for dx in candidates if dx.certain and family_of(dx, tables) == "malignant"]
    malignant.sort(key=lambda dx: SOURCE_ORDER.index(dx.source) if dx.source in SOURCE_ORDER else len(SOURCE_ORDER))
    return malignant[0] if malignant else None


def decide(lesion: Lesion, tables: Tables, *, specimen: bool = True) -> BehaviourDecision:
    """Apply the pathology-timing rule to one lesion (no side effects; the caller raises checks).

    ``specimen`` is False for procedures that send no tissue to pathology (destruction, skin-tag
    removal, incision and drainage): the treating clinician's certain diagnosis is then final.
    """
    dx = lesion.diagnosis
    family = family_of(dx, tables) if dx else None
    by_pathology = dx is not None and dx.source == "pathology" and dx.certain and family is not None

    if lesion.prior_malignant_biopsy and not (by_pathology and family == "malignant"):
        # Re-excision of a biopsy-proven cancer stays malignant even if no tumour remains
        # (section 2.3, example 7); the ICD code is the cancer's, not "scar".
        known = _known_malignancy(lesion, tables)
        return BehaviourDecision("malignant", "malignant", "malignant by prior biopsy", known, malignancy_type_missing=known is None)
    if by_pathology:
        assert dx is not None and family is not None
        return BehaviourDecision(family, family, f"{family} by pathology", dx)
    if dx is not None and not specimen and dx.certain and family is not None:
        return BehaviourDecision(family, family, f"{family} by {dx.source} diagnosis (no separate pathology report for this procedure)", dx)
    if dx is not None and _clearly_benign(dx, tables) and not _malignancy_in_question(lesion, dx, tables):
        return BehaviourDecision("benign", "benign", f"clearly benign by {dx.source} diagnosis", dx)
    would_be: Family = family or "benign"
    if dx is None:
        return BehaviourDecision(None, would_be, "held: no diagnosis documented", None, "query.diagnosis_missing")
    reason = "not clearly benign" if dx.certain else "diagnosis uncertain"
    return BehaviourDecision(None, would_be, f"held: {reason}, no pathology yet", None, "query.pathology_pending")

"""Read gold notes in the ``annotations/`` format (Prodigy-style spans plus codes)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from nlp.errors import InputError

CORE_LABELS = ("ANATOMIC_SITE", "LESION_DIAGNOSIS", "EXCISED_DIAMETER", "CLOSURE_TYPE")


@dataclass(frozen=True)
class GoldSpan:
    start: int
    end: int
    label: str


@dataclass
class GoldNote:
    id: str
    text: str
    spans: list[GoldSpan]
    cpt: list[str]
    icd10: list[str]
    lesions: list[dict] = field(default_factory=list)
    meta: dict = field(default_factory=dict)


def load_gold(path: str | Path) -> list[GoldNote]:
    """Load a gold JSONL file; a malformed line raises InputError naming the file and line."""
    path = Path(path)
    notes = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            notes.append(
                GoldNote(
                    id=str(raw["id"]),
                    text=raw["text"],
                    spans=[GoldSpan(int(s["start"]), int(s["end"]), s["label"]) for s in raw.get("spans", [])],
                    cpt=[str(c) for c in raw.get("cpt", [])],
                    icd10=[str(c) for c in raw.get("icd10", [])],
                    lesions=list(raw.get("lesions", [])),
                    meta={k: v for k, v in raw.items() if k not in {"id", "text", "spans", "cpt", "icd10", "lesions"}},
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise InputError(f"{path}:{number}: not a gold note ({type(exc).__name__}: {exc}); see annotations/GUIDELINES.md") from None
    return notes

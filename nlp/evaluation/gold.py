"""Read gold notes in the ``annotations/`` format (Prodigy-style spans plus codes)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from nlp.errors import InputError

CORE_LABELS = ("ANATOMIC_SITE", "LESION_DIAGNOSIS", "EXCISED_DIAMETER", "CLOSURE_TYPE")
# ConText flags a gold span may carry (annotations/GUIDELINES.md); absent means False.
SPAN_FLAGS = ("negated", "uncertain", "historical", "family", "hypothetical")


@dataclass(frozen=True)
class GoldSpan:
    start: int
    end: int
    label: str
    negated: bool = False
    uncertain: bool = False
    historical: bool = False
    family: bool = False
    hypothetical: bool = False

    def flags(self) -> dict[str, bool]:
        """The ConText flags as a dict (all five, so two spans compare flag by flag)."""
        return {name: getattr(self, name) for name in SPAN_FLAGS}

    def as_dict(self) -> dict:
        """The Prodigy-style span of the gold format: flags written only when True."""
        out: dict = {"start": self.start, "end": self.end, "label": self.label}
        out.update({name: True for name, value in self.flags().items() if value})
        return out


@dataclass
class GoldNote:
    id: str
    text: str
    spans: list[GoldSpan]
    cpt: list[str]
    icd10: list[str]
    lesions: list[dict] = field(default_factory=list)
    meta: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        """The note as one gold JSONL object (inverse of :func:`load_gold`)."""
        out: dict = {"id": self.id, "text": self.text}
        out.update(self.meta)
        out.update({
            "spans": [s.as_dict() for s in self.spans], "cpt": list(self.cpt), "icd10": list(self.icd10),
            "lesions": [dict(lesion) for lesion in self.lesions],
        })
        return out


def gold_span(raw: dict) -> GoldSpan:
    """One span of the gold format, flags included."""
    return GoldSpan(int(raw["start"]), int(raw["end"]), str(raw["label"]), **{f: bool(raw.get(f, False)) for f in SPAN_FLAGS})


def note_from_dict(raw: dict) -> GoldNote:
    """A gold note from one parsed JSONL object (KeyError/TypeError/ValueError when malformed)."""
    return GoldNote(
        id=str(raw["id"]),
        text=raw["text"],
        spans=[gold_span(s) for s in raw.get("spans", [])],
        cpt=[str(c) for c in raw.get("cpt", [])],
        icd10=[str(c) for c in raw.get("icd10", [])],
        lesions=list(raw.get("lesions", [])),
        meta={k: v for k, v in raw.items() if k not in {"id", "text", "spans", "cpt", "icd10", "lesions"}},
    )


def write_gold(notes: list[GoldNote], path: str | Path) -> None:
    """Write notes as gold JSONL (one object per line, UTF-8)."""
    lines = [json.dumps(note.as_dict(), ensure_ascii=False) for note in notes]
    Path(path).write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def load_gold(path: str | Path) -> list[GoldNote]:
    """Load a gold JSONL file; a malformed line raises InputError naming the file and line."""
    path = Path(path)
    notes = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            notes.append(note_from_dict(json.loads(line)))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise InputError(f"{path}:{number}: not a gold note ({type(exc).__name__}: {exc}); see annotations/GUIDELINES.md") from None
    return notes

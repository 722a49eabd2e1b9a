"""Entity scoring: strict and lenient span P/R/F1 per label, and ConText flag accuracy.

- **strict**: a predicted span counts only if start, end and label all equal a gold span's
  (the foundation's rule, :func:`nlp.evaluation.metrics.strict_span_prf`).
- **lenient**: same label and any character overlap, one-to-one: each gold span is paired with
  the unused predicted span of its label that overlaps it most (ties: the earlier one), so one
  long prediction cannot match two gold spans.  A span with the right offsets but another label
  is, in both modes, one false positive for its label and one false negative for the gold label.
- **flags** (negated, uncertain, historical, family, hypothetical) are compared on the
  lenient pairs, since a flag on a half-right span is still a right or wrong flag.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from nlp.evaluation.gold import SPAN_FLAGS
from nlp.evaluation.matching import NONE, Pairs, accuracy, prf_table


@dataclass(frozen=True)
class Span:
    """A span on either side, with its ConText flags."""

    start: int
    end: int
    label: str
    flags: tuple[tuple[str, bool], ...] = ()

    def flag(self, name: str) -> bool:
        return dict(self.flags).get(name, False)


@dataclass
class NoteEntities:
    """One note's matching result: the label pairs per mode and the lenient span pairs."""

    strict: Pairs = field(default_factory=Pairs)
    lenient: Pairs = field(default_factory=Pairs)
    matched: list[tuple[Span, Span]] = field(default_factory=list)
    missed: list[Span] = field(default_factory=list)  # gold spans with no strict match
    spurious: list[Span] = field(default_factory=list)  # predicted spans with no strict match

    def counts(self, labels: Sequence[str], mode: str = "strict") -> tuple[int, int, int]:
        """Micro (tp, fp, fn) of this note over ``labels`` (what the bootstrap resamples)."""
        pairs = self.strict if mode == "strict" else self.lenient
        wanted = set(labels)
        tp = sum(1 for g, p in zip(pairs.gold, pairs.pred, strict=True) if g == p and g in wanted)
        fp = sum(1 for g, p in zip(pairs.gold, pairs.pred, strict=True) if p in wanted and g != p)
        fn = sum(1 for g, p in zip(pairs.gold, pairs.pred, strict=True) if g in wanted and g != p)
        return tp, fp, fn


def match_note(gold: Sequence[Span], pred: Sequence[Span]) -> NoteEntities:
    """Match one note's spans in both modes."""
    out = NoteEntities()
    gold_keys = {(s.start, s.end, s.label) for s in gold}
    pred_keys = {(s.start, s.end, s.label) for s in pred}
    for key in sorted(gold_keys | pred_keys):
        if key in gold_keys and key in pred_keys:
            out.strict.add(key[2], key[2])
        elif key in gold_keys:
            out.strict.add(key[2], NONE)
        else:
            out.strict.add(NONE, key[2])
    out.missed = [s for s in gold if (s.start, s.end, s.label) not in pred_keys]
    out.spurious = [s for s in pred if (s.start, s.end, s.label) not in gold_keys]

    used: set[int] = set()
    for g in sorted(gold, key=lambda s: (s.start, s.end, s.label)):
        candidates = [
            (min(g.end, p.end) - max(g.start, p.start), -p.start, -p.end, i)
            for i, p in enumerate(pred) if i not in used and p.label == g.label
        ]
        candidates = [c for c in candidates if c[0] > 0]
        best = max(candidates)[3] if candidates else None
        if best is None:
            out.lenient.add(g.label, NONE)
        else:
            used.add(best)
            out.lenient.add(g.label, g.label)
            out.matched.append((g, pred[best]))
    for i, p in enumerate(pred):
        if i not in used:
            out.lenient.add(NONE, p.label)
    return out


def score_entities(notes: Sequence[NoteEntities], labels: Sequence[str]) -> dict:
    """Strict and lenient tables (per label, micro, macro) and flag accuracy over all notes."""
    strict, lenient = Pairs(), Pairs()
    for note in notes:
        strict.extend(note.strict)
        lenient.extend(note.lenient)
    wanted = set(labels)
    flags = {}
    for name in SPAN_FLAGS:
        pairs = [(g, p) for note in notes for g, p in note.matched if g.label in wanted]
        result = accuracy((str(g.flag(name)) for g, _ in pairs), (str(p.flag(name)) for _, p in pairs))
        result["gold_true"] = sum(1 for g, _ in pairs if g.flag(name))
        result["predicted_true"] = sum(1 for _, p in pairs if p.flag(name))
        flags[name] = result
    return {"labels": list(labels), "strict": prf_table(strict, labels), "lenient": prf_table(lenient, labels), "flags": flags}

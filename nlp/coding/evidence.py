"""Turn the spans on a lesion record into :class:`Evidence` for a code line.

Every code line cites the note text it rests on, so the reviewer page can highlight it; the
``fact`` names which input it supports (site, diagnosis, lesion_size, margin, ...).
"""

from __future__ import annotations

from typing import Iterable

from nlp.records import Evidence, Span


def evidence(span: Span | None, fact: str) -> list[Evidence]:
    """One evidence item, or none when the fact has no span."""
    if span is None:
        return []
    return [Evidence(span.start, span.end, span.text, fact)]


def merge(*groups: Iterable[Evidence]) -> list[Evidence]:
    """Concatenate evidence lists, dropping exact repeats and keeping first-seen order."""
    out: list[Evidence] = []
    for group in groups:
        for item in group:
            if item not in out:
                out.append(item)
    return out

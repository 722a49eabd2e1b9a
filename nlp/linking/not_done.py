"""Lesions a numbered diagnosis list says were not treated: "POSTOPERATIVE DIAGNOSES: 2. Not treated."

A transcribed note lists its procedures under PROCEDURES PERFORMED before it says what happened;
when a listed procedure was not done (the patient changed her mind before any anaesthetic), the
postoperative diagnosis list often says so in the lesion's own numbered item, which then names no
diagnosis at all ("2. Not treated.", "2. Procedure not performed."). Such a lesion gets no record
(sixteenth set, decision 2), however its procedure was listed. The item must say nothing else:
"2. SK, not treated" is ConText's NOT_TREATED cue on the diagnosis, handled where it is read.
"""

from __future__ import annotations

from collections.abc import Callable

from nlp.cues import default_cues
from nlp.linking.facts import DIAGNOSIS_HEADER_SECTIONS, Fact

# The whole item after its number: "Not treated.", "Procedure not performed", "Not done today",
# "Declined." (resources/linking_cues.json, ``not_done.item``).
_NOT_DONE_ITEM = default_cues().regex("not_done.item")


def listed_not_done(
    text: str, facts: list[Fact], segments: list[tuple[int, int, int]], segment_of: Callable[[int], int | None],
    sections: list[tuple[str, int, int, int]],
) -> set[int]:
    """The lesions whose numbered diagnosis item says only that they were not treated."""
    numbers = set()
    for number, start, end in segments:
        if _NOT_DONE_ITEM.match(text[start:end]) and any(
            name in DIAGNOSIS_HEADER_SECTIONS and s <= start < e for name, s, e, *_ in sections
        ):
            numbers.add(number)
    if not numbers:
        return set()
    return {f.lesion for f in facts if f.lesion is not None and segment_of(f.mention.start) in numbers}

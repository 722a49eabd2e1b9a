"""Lesions the next sentence leaves alone by pronoun: "two tags on the eyelid; he asked me to leave them".

ConText's NOT_TREATED cues ("reassured", "left alone") reach only the mentions of their own
sentence, and a semicolon or full stop ends one.  A patient's wish to keep some lesions is often
written after them, with a pronoun for the lesions ("... right lower eyelid; those do not worry
him and he asked me to leave them", "Tags on the eyelids too. She prefers to leave those."): the
diagnoses of the sentence just before such a sentence are lesions left alone, so they take no share
of the visit's destruction or skin-tag removal (:func:`nlp.linking.sharing.share_counted_procedure`).
"""

from __future__ import annotations

from nlp.cues import default_cues
from nlp.linking.facts import Fact

NOT_TREATED = "NOT_TREATED"
# The cue patterns are data (resources/linking_cues.json, ``left_alone.*``); read once, at import.
_CUES = default_cues()
# "he asked me to leave them", "she would rather leave those", "leave them alone", "they were left alone"
_LEAVE_THEM = _CUES.regex("left_alone.leave_them")
# A cheap prefilter for ``_LEAVE_THEM``: every match of it contains "leave <pronoun>", "left/leave
# <pronoun> ..." or "left alone/untreated/in place", so a note without one of these cannot match,
# and this literal-led search is ten times faster than the full pattern over a whole note.
_LEAVE_CUE = _CUES.regex("left_alone.leave_cue")
# What may stand between the lesions' sentence and the wish: the rest of a line, never a new line.
_SAME_PASSAGE = _CUES.regex("left_alone.same_passage")


def mark_left_alone(text: str, facts: list[Fact]) -> None:
    """Mark ``NOT_TREATED`` on the diagnoses of the sentence just before a "leave them" sentence.

    The wish's own sentence must name no diagnosis (then its pronoun may mean that one, and
    ConText decides), and the two sentences must sit on one line, with only words between them
    that name nothing.
    """
    if not _LEAVE_CUE.search(text) or not _LEAVE_THEM.search(text):
        return
    spans = sorted({f.sentence_span for f in facts if f.sentence_span is not None})
    for match in _LEAVE_THEM.finditer(text):
        cue = match.start()
        if any(f.label == "LESION_DIAGNOSIS" and f.sentence_span and f.sentence_span[0] <= cue < f.sentence_span[1] for f in facts):
            continue
        before = [span for span in spans if span[1] <= cue]
        if not before:
            continue
        previous = before[-1]
        if not _SAME_PASSAGE.fullmatch(text, previous[1], cue):
            continue
        if any(f.sentence_span is not None and previous[1] <= f.mention.start < cue for f in facts):
            continue  # a fact between them: the pronoun may mean it
        for fact in facts:
            if fact.sentence_span == previous and fact.label == "LESION_DIAGNOSIS":
                fact.modifiers = fact.modifiers | {NOT_TREATED}

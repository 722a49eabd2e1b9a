"""Lesions the next sentence leaves alone by pronoun: "two tags on the eyelid; he asked me to leave them".

ConText's NOT_TREATED cues ("reassured", "left alone") reach only the mentions of their own
sentence, and a semicolon or full stop ends one.  A patient's wish to keep some lesions is often
written after them, with a pronoun for the lesions ("... right lower eyelid; those do not worry
him and he asked me to leave them", "Tags on the eyelids too. She prefers to leave those."): the
diagnoses of the sentence just before such a sentence are lesions left alone, so they take no share
of the visit's destruction or skin-tag removal (:func:`nlp.linking.sharing.share_counted_procedure`).
The same holds for the clause before a semicolon that closes its sentence with nothing but a
leave-alone cue ("SKs of the chest; benign, no treatment wanted"), which ConText's cue cannot reach.
A sentence that leaves its own lesions alone or for a later visit ("about ten more in the groin that
she would like to leave alone") marks its sites too: ConText's cues mark diagnoses, and such a
sentence often names the lesions by a count and a site alone.
"""

from __future__ import annotations

from collections.abc import Callable

from nlp.casefold_scan import case_sensitive, lowered_ascii
from nlp.cues import default_cues
from nlp.linking.facts import Fact, usable

NOT_TREATED = "NOT_TREATED"
# The cue patterns are data (resources/linking_cues.json, ``left_alone.*``); read once, at import.
_CUES = default_cues()
# "he asked me to leave them", "she would rather leave those", "leave them alone", "they were left alone"
_LEAVE_THEM = _CUES.regex("left_alone.leave_them")
# A cheap prefilter for ``_LEAVE_THEM``: every match of it contains "leave <pronoun>", "left/leave
# <pronoun> ..." or "left alone/untreated/in place", so a note without one of these cannot match,
# and this literal-led search is ten times faster than the full pattern over a whole note.
_LEAVE_CUE = _CUES.regex("left_alone.leave_cue")
# "SKs of the chest; benign, no treatment wanted": a clause after a semicolon that is nothing but a
# leave-alone cue, closing its sentence. ConText's "no treatment" cue cannot reach back over the
# semicolon (a TERMINATE), so the lesions before it are marked here.
_CLAUSE_LEFT_ALONE = _CUES.regex("left_alone.clause_left_alone")
# "Tags: pt asked ... insurance ... Not done.": a line labelled with the lesions that closes with a
# sentence saying only that nothing was done (the label is checked to name a diagnosis).
_LINE_NOT_DONE = _CUES.regex("left_alone.line_not_done", groups=("label",))
# "2. Skin tags - discussed ... Not removed.": a numbered item that is the whole labelled line.
_ITEM_LINE = _CUES.regex("left_alone.item_line")
# "about ten more in the groin that she would like to leave alone", "the groin tags will be addressed
# at the next visit": words that leave the lesions of their own sentence alone.
_WISH_IN_SENTENCE = _CUES.regex("left_alone.wish_in_sentence")
_WISH_IN_SENTENCE_CASED = case_sensitive(_WISH_IN_SENTENCE)  # for a lower-cased ASCII note (nlp.casefold_scan)
# What may stand between the lesions' sentence and the wish: the rest of a line, never a new line.
_SAME_PASSAGE = _CUES.regex("left_alone.same_passage")


def mark_left_alone(text: str, facts: list[Fact], segment_of: Callable[[int], int | None] = lambda _: None) -> None:
    """Mark ``NOT_TREATED`` on the diagnoses of the sentence just before a "leave them" sentence.

    The wish's own sentence must name no diagnosis (then its pronoun may mean that one, and
    ConText decides), and the two sentences must sit on one line, with only words between them
    that name nothing.
    """
    _mark_clause_left_alone(text, facts, segment_of)
    _mark_line_not_done(text, facts, segment_of)
    _mark_sentence_left_alone(text, facts, segment_of)
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


def _mark_clause_left_alone(text: str, facts: list[Fact], segment_of: Callable[[int], int | None]) -> None:
    """Mark ``NOT_TREATED`` on the diagnoses and sites of the clause just before a "; no treatment wanted" clause.

    Only the clause the cue closes (back to the line start or an earlier semicolon) is left alone:
    "LN2 to the AKs of the scalp; SKs of the chest; no treatment" leaves only the SKs.  Inside a
    numbered lesion item (``segment_of``) the clause is left to the item: its facts join the
    item's treated lesion, which the mark would make one left alone.
    """
    if ";" not in text:
        return
    for match in _CLAUSE_LEFT_ALONE.finditer(text):
        cue = match.start()
        if segment_of(cue) is not None:
            continue
        start = max(text.rfind(";", 0, cue), text.rfind("\n", 0, cue), text.rfind(".", 0, cue)) + 1
        for fact in facts:
            if fact.label in ("LESION_DIAGNOSIS", "ANATOMIC_SITE") and start <= fact.mention.start < cue:
                fact.modifiers = fact.modifiers | {NOT_TREATED}


def _mark_line_not_done(text: str, facts: list[Fact], segment_of: Callable[[int], int | None]) -> None:
    """Mark ``NOT_TREATED`` on the facts of a line labelled with a diagnosis that closes with "Not done."

    "Tags: pt asked. Explained his insurance treats tag removal as cosmetic. Not done.": the tags
    are left alone, and the removal the line names is no procedure done to them (nineteenth set,
    decision 12).  Inside a numbered lesion item the line is left to the item, as above, unless
    the line opens the item ("2. Skin tags - not covered by her plan. Not removed."): then the
    item's lesion is the one left alone (twenty-first set).
    """
    lowered = text.lower()
    if "not " not in lowered and "declined" not in lowered:
        return
    for match in _LINE_NOT_DONE.finditer(text):
        start, end = match.start(), match.end()
        if segment_of(start) is not None and not _ITEM_LINE.match(text, start):
            continue  # a line inside a lesion's item; an item of its own line is left alone whole
        on_line = [f for f in facts if start <= f.mention.start < end]
        if not any(f.label == "LESION_DIAGNOSIS" and f.mention.start < match.end("label") for f in on_line):
            continue
        for fact in on_line:
            if fact.label in ("LESION_DIAGNOSIS", "ANATOMIC_SITE", "PROCEDURE"):
                fact.modifiers = fact.modifiers | {NOT_TREATED}


def _mark_sentence_left_alone(text: str, facts: list[Fact], segment_of: Callable[[int], int | None]) -> None:
    """Mark ``NOT_TREATED`` on the sites and diagnoses of a sentence that leaves its lesions alone.

    "Twenty tags on the neck were snipped. She has about ten more in the groin that she would like
    to leave alone": the groin is named with a count but no diagnosis, so ConText's cues (which
    mark diagnoses) leave it a lesion that takes a share of the snip removal.  A sentence that also
    tells a procedure as done ("15 were removed today, and the rest will be addressed at the next
    visit") is about the treated lesions, and an item of a numbered list is left to the item, as above.
    """
    spans = {f.sentence_span for f in facts if f.sentence_span is not None and f.label in ("ANATOMIC_SITE", "LESION_DIAGNOSIS")}
    lower = lowered_ascii(text)
    wish, scanned = (_WISH_IN_SENTENCE_CASED, lower) if lower is not None else (_WISH_IN_SENTENCE, text)
    for span in spans:
        if segment_of(span[0]) is not None or not wish.search(scanned, span[0], span[1]):
            continue
        in_sentence = [f for f in facts if f.sentence_span == span]
        if any(f.label == "PROCEDURE" and usable(f) for f in in_sentence):
            continue
        for fact in in_sentence:
            if fact.label in ("LESION_DIAGNOSIS", "ANATOMIC_SITE"):
                fact.modifiers = fact.modifiers | {NOT_TREATED}

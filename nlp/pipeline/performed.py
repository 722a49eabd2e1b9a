"""Whether a plan section tells a procedure as done at this visit.

Clinic notes (family practice, urgent care, pediatrics) often have no procedure header: the
"Plan:" paragraph narrates what was done ("Each tag was lifted and snipped at its base", "Six (6)
removed", "Cantharidin applied to the molluscum"). A plan section's mentions are hypothetical by
default (:mod:`nlp.extract`), unless ConText's PERFORMED cue marks them ("I froze it once"); these
past-tense accounts carry no such cue phrase. A procedure told by its past participle ("snipped",
"removed", "curetted"), or a treatment followed by one ("Cantharidin applied"), with no word before
it in its sentence that puts it in the future or in a condition ("will be snipped", "can be removed
if they bother her", "to be excised"), was done; so was a treatment told without a verb but with
its freeze-thaw cycles ("Liquid nitrogen to the warts, two freeze-thaw cycles each") and no
schedule after it ("every 3 weeks", "next visit"). ConText's own hypothetical and negation cues still
apply on top (``is_hypothetical`` is read first).
"""

from __future__ import annotations

from nlp.cues import default_cues

# The cue patterns are data (resources/linking_cues.json, ``performed.*``); read once, at import.
_CUES = default_cues()
# A word of the mention is a past participle of a procedure verb: "snipped (at the base)", "removed", "frozen".
_PARTICIPLE = _CUES.regex("performed.participle")
# A treatment noun followed by its participle: "Cantharidin applied", "LN2 used".
_PARTICIPLE_AFTER = _CUES.regex("performed.participle_after")
# Words before the mention in its sentence that make the act planned, wished, conditional or past.
_NOT_TODAY = _CUES.regex("performed.not_today_before")
# A treatment told without a verb but with its freeze-thaw cycles: an act carried out.
_CYCLES_AFTER = _CUES.regex("performed.cycles_after")
# After the mention: words that make the account a schedule or a plan ("every 3 weeks", "next visit").
_NOT_TODAY_AFTER = _CUES.regex("performed.not_today_after")


def told_as_done(text: str, start: int, end: int, sentence_start: int, sentence_end: int) -> bool:
    """Whether the procedure mention ``text[start:end]`` is told in the past tense as done."""
    if _NOT_TODAY.search(text, sentence_start, start) is not None:
        return False
    if _PARTICIPLE.search(text, start, end) or _PARTICIPLE_AFTER.match(text, end, min(len(text), end + 20)):
        return True
    return _CYCLES_AFTER.search(text, end, sentence_end) is not None and _NOT_TODAY_AFTER.search(text, end, sentence_end) is None

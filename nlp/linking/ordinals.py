"""The lesion a clause names by its place in the note's order: "a 3 mm punch from the first".

A note that describes two or more lesions often goes on to name them by their order alone: "I
favored a dermatofibroma for the first and a nevus for the second", "a 3 mm punch from the
first ...; then a 6 mm punch from the second", "the latter was frozen", or with a lesion word:
"through the edge of the first lesion a wedge was cut", "at the second site a punch was taken",
"the 2nd lesion was shaved", "the first one was shaved, the second punched".  Such a clause
names no site, so without this it would fall to whichever lesion was named last.  An ordinal
in running prose refers back; it opens no segment (only a label such as "Second lesion:" does,
:mod:`nlp.linking.markers`).

The order is the note's numbered list when it has one ("the second lesion" is item 2), else
that of the latest earlier sentence naming at least two lesions (by their sites, in text order),
else the order in which the lesions were first named before the clause.  "The former" is the
first, "the latter" the last.  "The first stage", "for the first time" and "the first and second
layers" are no such references: a bare ordinal must stand alone, before a clause boundary, a
verb or a participle ("the second punched"), and one with a noun must have a lesion noun.
"""

from __future__ import annotations

import re

from nlp.linking.facts import Fact
from nlp.linking.listed import stated_count

_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "former": 1, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5,
}
# Nouns that name a lesion after an ordinal ("the second site", "the first one"); "stage", "layer",
# "time" and "cycle" do not.
_LESION_NOUN = r"(?:lesion|site|spot|one|specimen|excision|growth|area|papule|nodule|plaque|macule|cyst|mole|nevus|tumou?r)\b"
_ORDINAL_WORD = r"(?:first|second|third|fourth|fifth|1st|2nd|3rd|4th|5th)"
_ORDINAL_REFERENCE = re.compile(
    # "lesion two", "site 2" ("lesion 2 mm" is a size)
    r"\b(?:lesion|site|specimen|spot)\s*(?:\#|no\.?|number)?\s*(?P<k>one|two|three|four|five|[1-5])\b(?!\s*(?:mm|cm|x\b|\.\d|-))"
    # "the second site", "2nd lesion" (not "the first and second lesions")
    r"|(?<!&\s)(?<!\band\s)(?<!\bor\s)(?<!\bto\s)\b(?P<m>" + _ORDINAL_WORD + r")\s+" + _LESION_NOUN +
    # "the first", "the latter", standing alone before a clause boundary, a verb or a participle
    r"|\bthe\s+(?P<n>" + _ORDINAL_WORD + r"|former|latter)\b"
    r"(?!\s+(?:and|or|&|to)\s+(?:the\s+)?(?:" + _ORDINAL_WORD + r"|last|final)\b)"
    r"(?=\s*(?:[,;:.)]|$)"
    r"|\s+(?:and|or|but|which|that|with|was|were|is|had|has|then|using|under|by|showed|proved)\b"
    r"|\s+[a-z]+ed\b(?=\s*(?:[,;.)]|$)|\s+(?:and|but|with|by|using|under)\b))",
    re.IGNORECASE,
)
# Where one clause ends and the next begins (as in assignment: "for the first and ... for the second").
_CLAUSE_BREAK = re.compile(r";|\b(?:and|but|whereas|while)\b", re.IGNORECASE)


class OrdinalReferents:
    """Places a fact by an ordinal in its clause, against the note's list or the order lesions were named in."""

    def __init__(self, text: str, anchors: list[Fact], listed: frozenset[int] = frozenset()) -> None:
        self.text = text
        self.listed = sorted(listed) if len(listed) >= 2 else []
        self._found: dict[tuple[int, int], list[re.Match[str]]] = {}  # sentence span -> its ordinal references
        # (offset, lesion) of each anchor site, in text order: the order lesions were first named
        self.named = sorted((f.mention.start, f.lesion) for f in anchors if f.lesion is not None)
        # sentence -> its lesions in the order their sites are written (only sentences with two or more)
        by_sentence: dict[int, list[tuple[int, int]]] = {}
        for fact in anchors:
            if fact.lesion is not None:
                by_sentence.setdefault(fact.sentence, []).append((fact.mention.start, fact.lesion))
        self.lists: list[tuple[int, list[int]]] = []
        for sentence, placed in sorted(by_sentence.items()):
            order = _unique(lesion for _, lesion in sorted(placed))
            if len(order) >= 2:
                self.lists.append((sentence, order))

    def _order(self, fact: Fact, start: int) -> list[int]:
        """The lesions an ordinal before ``fact`` counts, first to last (empty when fewer than two)."""
        if self.listed:
            return self.listed
        order = next((order for sentence, order in reversed(self.lists) if sentence < fact.sentence), None)
        if order is None:
            order = _unique(lesion for offset, lesion in self.named if offset < start)
        return order if len(order) >= 2 else []

    def lesion_of(self, fact: Fact) -> int | None:
        """The lesion an ordinal in ``fact``'s clause names, if any (None when fewer than two lesions precede it)."""
        if fact.sentence_span is None:
            return None
        start, end = fact.sentence_span
        # The ordinals of the sentence, found once per sentence; with none the answer is None
        # whatever the checks below say, so they are skipped (speed only).
        found = self._found.get(fact.sentence_span)
        if found is None:
            found = self._found[fact.sentence_span] = list(_ORDINAL_REFERENCE.finditer(self.text, start, end))
        if not found:
            return None
        # "Shave x2, bx of the first": a fact that counts two or more lesions is no one lesion's
        count = stated_count(self.text, fact)
        if count is not None and count >= 2:
            return None
        order = self._order(fact, start)
        if not order:
            return None
        def between(m: re.Match[str]) -> str:
            return self.text[min(m.end(), fact.mention.end) : max(m.start(), fact.mention.start)]

        own = [m for m in found if not _CLAUSE_BREAK.search(between(m))]
        # "the first one was shaved, the second punched": an ordinal with no comma between wins
        tight = [m for m in own if "," not in between(m)]
        if own:
            match = min(tight or own, key=lambda m: abs(m.start() - fact.mention.start))
        elif len(found) == 1:
            match = found[0]
        else:
            return None
        word = (match.group("n") or match.group("m") or match.group("k")).lower()
        if word == "latter":
            return order[-1]
        place = _ORDINALS[word]
        if self.listed:  # "the second lesion" is item 2 of the list, whatever items the list skips
            return place if place in self.listed else None
        return order[place - 1] if place <= len(order) else None


def _unique(lesions) -> list[int]:
    """The lesions in the order given, each once."""
    order: list[int] = []
    for lesion in lesions:
        if lesion not in order:
            order.append(lesion)
    return order

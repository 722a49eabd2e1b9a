"""The lesion a clause names by its place in a list: "a 3 mm punch from the first".

A note that introduces two or more lesions in one sentence ("On the right upper arm a 6 mm
papule, and on the left thigh an 8 mm papule") often goes on to name them by their order alone:
"I favored a dermatofibroma for the first and a nevus for the second", "a 3 mm punch from the
first ...; then a 6 mm punch from the second, which I closed".  Such a clause names no site, so
without this it would fall to whichever lesion was named last.  "the former" is the first, "the
latter" the last.  The order is that of the latest earlier sentence naming at least two lesions
(by their sites, in text order).  "The first stage", "for the first time" and "the first and
second layers" are no such references: the ordinal must stand alone, before a clause boundary or
a verb.
"""

from __future__ import annotations

import re

from nlp.linking.facts import Fact

_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "former": 1}
_ORDINAL_REFERENCE = re.compile(
    r"\bthe\s+(?P<n>first|second|third|fourth|fifth|former|latter)\b"
    r"(?!\s+(?:and|or|&|to)\s+(?:the\s+)?(?:second|third|fourth|fifth|last|final)\b)"
    r"(?=\s*(?:[,;:.)]|$)|\s+(?:and|or|but|which|that|with|was|were|is|had|has|then|using|under|by|showed|proved)\b)",
    re.IGNORECASE,
)
# Where one clause ends and the next begins (as in assignment: "for the first and ... for the second").
_CLAUSE_BREAK = re.compile(r";|\b(?:and|but|whereas|while)\b", re.IGNORECASE)


class OrdinalReferents:
    """Places a fact by an ordinal in its clause, against the lesion order of the latest list sentence."""

    def __init__(self, text: str, anchors: list[Fact]) -> None:
        self.text = text
        # sentence -> its lesions in the order their sites are written (only sentences with two or more)
        by_sentence: dict[int, list[tuple[int, int]]] = {}
        for fact in anchors:
            if fact.lesion is not None:
                by_sentence.setdefault(fact.sentence, []).append((fact.mention.start, fact.lesion))
        self.lists: list[tuple[int, list[int]]] = []
        for sentence, placed in sorted(by_sentence.items()):
            order: list[int] = []
            for _, lesion in sorted(placed):
                if lesion not in order:
                    order.append(lesion)
            if len(order) >= 2:
                self.lists.append((sentence, order))

    def lesion_of(self, fact: Fact) -> int | None:
        """The lesion an ordinal in ``fact``'s clause names, if any (None when there is no list before it)."""
        if not self.lists or fact.sentence_span is None:
            return None
        order = next((order for sentence, order in reversed(self.lists) if sentence < fact.sentence), None)
        if order is None:
            return None
        start, end = fact.sentence_span
        found = list(_ORDINAL_REFERENCE.finditer(self.text, start, end))
        if not found:
            return None
        own = [m for m in found if not _CLAUSE_BREAK.search(self.text, min(m.end(), fact.mention.end), max(m.start(), fact.mention.start))]
        if own:
            match = min(own, key=lambda m: abs(m.start() - fact.mention.start))
        elif len(found) == 1:
            match = found[0]
        else:
            return None
        word = match.group("n").lower()
        place = len(order) if word == "latter" else _ORDINALS[word]
        return order[place - 1] if place <= len(order) else None

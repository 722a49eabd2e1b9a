"""The lesion a sentence names by a word alone ("The 1.5 cm cyst was removed").

A sentence with no site or marker may still be about one lesion: the one that word ("cyst",
"nodule", "BCC", or a diagnosis of the same kind) was used for before.  :class:`Referents`
learns those words in note order as facts are placed, for the assignment step.  When no such
word places a sentence, the words that described one lesion only ("scaly pink papule ... the scaly
spot was sampled") do.  In a run-on exam that names several lesions' sites in one sentence ("skin
tags x4 neck, scaly pink papule L shoulder, ? AK vs SCC"), a word belongs to the one lesion whose
site its comma clause names; a clause that names none (or several) leaves it to them all.
"""

from __future__ import annotations

import re

from nlp.casefold_scan import case_sensitive, lowered_ascii
from nlp.linking.facts import Fact, sentence_text, usable

_LESION_NOUN = re.compile(r"\b(nodule|papule|plaque|bump|macule|patch|cyst|nevus|mole|tag|keratos[ie]s|ak|bcc|scc|tumou?r)(?:e?s)?\b", re.IGNORECASE)
# How a lesion looked, for a sentence that calls it by its look alone ("the scaly spot was sampled").
_DESCRIPTOR = re.compile(
    r"(?<!-)\b(scaly|crust(?:ed|y)|pink|red|erythematous|pigmented|brown|tan|black|blue|pearly|waxy|ulcerated|bleeding|"
    r"hyperkeratotic|keratotic|verrucous|rough|gritty|shiny|translucent|irritated|inflamed|tender|itchy|changing|dark|"
    r"pedunculated|fleshy|firm|rolled)\b",
    re.IGNORECASE,
)
_CLAUSE_EDGE = re.compile(r"[,;]")
# The same two patterns for a lower-cased ASCII text (nlp.casefold_scan; speed only).
_LESION_NOUN_CASED = case_sensitive(_LESION_NOUN)
_DESCRIPTOR_CASED = case_sensitive(_DESCRIPTOR)
# "The tumor was excised": a word for a skin cancer names the lesion a malignant diagnosis was given
# for ("biopsy-proven BCC of the left upper back ... the tumor excised with 4 mm margins"), also
# when the diagnosis sentence never said "tumor" (a second, benign lesion sampled in between).
_TUMOR = "tumor"


def _finditer(pattern: re.Pattern[str], cased: re.Pattern[str], text: str, lower: str | None, start: int, end: int) -> list[re.Match[str]]:
    """``pattern``'s matches in ``text[start:end]``, found by ``cased`` in ``lower`` (the ASCII text lower-cased) when given."""
    return list(cased.finditer(lower, start, end) if lower is not None else pattern.finditer(text, start, end))


def _in_sentence(pattern: re.Pattern[str], cased: re.Pattern[str], sentence: str) -> list[re.Match[str]]:
    """``pattern``'s matches in a sentence's text."""
    return _finditer(pattern, cased, sentence, lowered_ascii(sentence), 0, len(sentence))


def _word(match: re.Match[str]) -> str:
    if match.re is _DESCRIPTOR or match.re is _DESCRIPTOR_CASED:
        return "look:" + match.group(1).lower()
    return match.group(1).lower().replace("keratoses", "keratosis").replace("tumour", "tumor")


def _kind_key(fact: Fact) -> str:
    return "kind:" + str(fact.value.get("kind") or "")


def _procedure_key(fact: Fact) -> str:
    return "procedure:" + str(fact.value.get("kind") or "")


class Referents:
    """The words each lesion has been called so far, to place a sentence that names no site.

    A sentence is placed only when every such word in it was used for one and the same lesion
    (the words are learnt from sentences whose site or diagnosis is placed, in note order).
    """

    def __init__(self, text: str, facts: list[Fact]) -> None:
        self.text = text
        self.lower = lowered_ascii(text)  # for the case-sensitive patterns (speed only)
        self.words: dict[str, set[int]] = {}
        self.by_sentence: dict[int, list[Fact]] = {}
        for fact in facts:
            self.by_sentence.setdefault(fact.sentence, []).append(fact)
        self.decided: dict[int, int | None] = {}
        # The lesions each procedure kind was done on so far ("2. Shave removal, right mid back").
        self.kinds: dict[str, set[int]] = {}
        self.listed: set[int] = set()  # the lesions the procedure list names

    def _sentence_words(self, sentence: int) -> set[str]:
        facts = self.by_sentence.get(sentence, [])
        if not facts:
            return set()
        words = {_word(m) for m in _in_sentence(_LESION_NOUN, _LESION_NOUN_CASED, sentence_text(self.text, facts[0])[:400])}
        # A diagnosis names its lesion whatever the wording: "basal cell carcinoma" and "BCC" are one kind.
        return words | {_kind_key(f) for f in facts if f.label == "LESION_DIAGNOSIS" and usable(f)}

    def _sentence_looks(self, sentence: int) -> set[str]:
        facts = self.by_sentence.get(sentence, [])
        return {_word(m) for m in _in_sentence(_DESCRIPTOR, _DESCRIPTOR_CASED, sentence_text(self.text, facts[0])[:400])} if facts else set()

    def learn(self, fact: Fact) -> None:
        if fact.lesion is None or not usable(fact):
            return
        m = fact.mention
        if fact.label == "PROCEDURE":
            # the PROCEDURES PERFORMED list; a weak word ("Removal of skin tags") names no kind
            if m.section == "procedure" and fact.value.get("kind") and not fact.value.get("weak"):
                self.kinds.setdefault(_procedure_key(fact), set()).add(fact.lesion)
            if m.section == "procedure":
                self.listed.add(fact.lesion)
            return
        if fact.label == "LESION_DIAGNOSIS":
            span = (m.start, m.end)  # "Epidermoid cyst", "ACTINIC KERATOSES"
        elif fact.label == "ANATOMIC_SITE":
            span = (max(m.start - 25, 0), m.end + 25)  # "nodule of the vertex scalp"
            if fact.sentence_span is not None:
                span = (max(span[0], fact.sentence_span[0]), min(span[1], fact.sentence_span[1]))
        else:
            return
        # A word used in a sentence naming several lesions' sites is used for each of them, unless
        # its comma clause names the site of one of them only ("skin tags x4 neck, scaly papule L shoulder").
        matches = [
            *_finditer(_LESION_NOUN, _LESION_NOUN_CASED, self.text, self.lower, *span),
            *_finditer(_DESCRIPTOR, _DESCRIPTOR_CASED, self.text, self.lower, *span),
        ]
        if not matches and fact.label != "LESION_DIAGNOSIS":
            return  # nothing to learn: the sentence's sites are not looked up (speed only)
        sites = [f for f in self.by_sentence.get(fact.sentence, []) if f.label == "ANATOMIC_SITE" and f.lesion is not None]
        lesions = {f.lesion for f in sites} | {fact.lesion}
        for match in matches:
            self.words.setdefault(_word(match), set()).update(self._owners(fact, sites, lesions, match.start(), match.end()))
        if fact.label == "LESION_DIAGNOSIS":
            self.words.setdefault(_kind_key(fact), set()).update(self._owners(fact, sites, lesions, m.start, m.end))
            if fact.value.get("behaviour") == "malignant":
                self.words.setdefault(_TUMOR, set()).add(fact.lesion)

    def _owners(self, fact: Fact, sites: list[Fact], lesions: set[int], start: int, end: int) -> set[int]:
        """The lesions a word at ``start:end`` of the fact's sentence was used for."""
        if len(lesions) < 2:
            return lesions
        low, high = fact.sentence_span or (max(0, start - 200), min(len(self.text), end + 200))
        edges = [e.end() for e in _CLAUSE_EDGE.finditer(self.text, low, start)]
        after = _CLAUSE_EDGE.search(self.text, end, high)
        first, last = (edges[-1] if edges else low), (after.start() if after else high)
        own = {f.lesion for f in sites if first <= f.mention.start < last}
        return own if len(own) == 1 else lesions

    def lesion_of(self, sentence: int) -> int | None:
        if sentence not in self.decided:
            found: set[int] = set()
            for word in self._sentence_words(sentence):
                found |= self.words.get(word, set())
            if len(found) != 1:
                found = self._by_procedure(sentence, found)
            if not found:
                for word in self._sentence_looks(sentence):
                    found |= self.words.get(word, set())
            self.decided[sentence] = next(iter(found)) if len(found) == 1 else None
        return self.decided[sentence]

    def _by_procedure(self, sentence: int, named: set[int]) -> set[int]:
        """The lesions the sentence's procedure kinds were done on, among those its words name.

        In a visit with several families ("1. Removal of skin tags, neck. 2. Shave removal, right
        mid back. 3. Cryotherapy, chest."), "The inflamed lesion was ... shaved off" is the one
        lesion listed for a shave, and "Four seborrheic keratoses were then frozen" the one listed
        for destruction among the keratoses (sixteenth set, decision 1). Only a tie-breaker: a
        sentence whose words name one lesion keeps it.
        """
        if len(self.listed) < 2:
            return named
        keys = {_procedure_key(f) for f in self.by_sentence.get(sentence, []) if f.label == "PROCEDURE" and usable(f) and f.value.get("kind")}
        done: set[int] = set()
        for key in keys:
            done |= self.kinds.get(key, set())
        if not done or done == self.listed:
            return named  # one family: its kind sets no lesion apart
        return done & named if named else done

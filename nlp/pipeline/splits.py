"""Lexicon words split by OCR ("ac rochordons", "ne ck"): matched back together, text untouched.

Scanned and faxed forms read by OCR break words with stray spaces, so no lexicon term is found.
The note is never rewritten: the joins only feed a second run of the entity matcher over a
*joined* copy of the words, and each match is mapped back to the original tokens, so a mention
spans the split text as written ("ac rochordons", one span; GUIDELINES, nineteenth set, 7).

A join is two or three adjacent alphabetic tokens, separated by one space each, whose
concatenation is a word of a lexicon term (or a hand-listed misspelling of one), while no fragment
is a word in its own right there: a common word (``split_words.not_fragments`` in ``typos.json``),
a word that is a term alone or a site position word, or a word the matcher already found as part
of a term in that place.  "SK in" never becomes "skin", "a cne" never "acne", "fore arm" keeps
its "arm"; "seb" (a word only of "seb k") may start "seb orrheic".  A note is read as OCR-damaged, and joined
at all, only when at least ``min_joins`` distinct joins are found; a clean note with one
accidental pair is left as it is.  The test is one pass over the token ids with a set look-up
per token (a token and the next must be pieces of one lexicon word), so ordinary notes pay little.
"""

from typing import Callable, Iterable

from spacy.strings import get_string_id
from spacy.tokens import Doc

from nlp.pipeline.lexicons import SplitWords

Match = tuple[int, int, int]
MAX_PARTS = 3


class SplitJoiner:
    """Finds OCR-split lexicon words in a Doc and matches a phrase matcher across them."""

    def __init__(self, words: set[str], alone: set[str], misspellings: dict[str, str], config: SplitWords) -> None:
        targets = {w for w in words if w.isalpha() and len(w) >= config.min_length}
        # A join may make a lexicon word or a hand-listed misspelling of one ("n ek"; its NORM is the
        # word meant).  The generated one-edit misspellings are left out: a split *and* a typo in one
        # word is rare, and their tens of thousands of prefixes would make every note pay.
        self.targets: dict[str, str] = {w: w for w in targets}
        self.targets.update((wrong, meant) for wrong, meant in misspellings.items() if meant in targets)
        blocked = alone | {w.lower() for w in config.not_fragments}
        self.blocked_ids = frozenset(get_string_id(w) for w in blocked)
        # The only tokens a join can start with (a proper prefix of a target word), and go on with
        # (a piece of one after its first letter), neither blocked: two set look-ups per token.
        pieces = {(w[:i], w[i:j]) for w in self.targets for i in range(1, len(w)) for j in range(i + 1, len(w) + 1)}
        self.first_ids = frozenset(get_string_id(a) for a, _ in pieces if a not in blocked)
        self.next_ids = frozenset(get_string_id(b) for _, b in pieces if b not in blocked)
        self.min_joins = config.min_joins

    def joins(self, doc: Doc, lower: list[int], matches: Iterable[tuple] = ()) -> list[tuple[int, int, str]]:
        """``(start, end, word meant)`` for each join, or [] when the note does not look OCR-damaged.

        ``matches`` are the matcher's ``(start, end, ...)`` on the note as written: their tokens
        are words of a term in that place, never fragments.
        """
        first_ids, next_ids = self.first_ids, self.next_ids
        if first_ids.isdisjoint(lower):
            return []  # no token starts a lexicon word: the usual case, checked in C
        found: list[tuple[int, int, str]] = []
        matched: set[int] | None = None
        i, n = 0, len(lower) - 1
        while i < n:
            if lower[i] in first_ids and lower[i + 1] in next_ids:
                join = self._join_at(doc, lower, i)
                if join is not None and matched is None:
                    matched = {t for m in matches for t in range(m[0], m[1])}
                if join is not None and matched.isdisjoint(range(join[0], join[1])):
                    found.append(join)
                    i = join[1]
                    continue
            i += 1
        return found if len(found) >= self.min_joins else []

    def _join_at(self, doc: Doc, lower: list[int], start: int) -> tuple[int, int, str] | None:
        """The longest join starting at ``start`` (three tokens before two)."""
        text = doc[start].lower_
        best = None
        for end in range(start + 1, min(start + MAX_PARTS, len(lower))):
            previous = doc[end - 1]
            if previous.whitespace_ != " " or lower[end] in self.blocked_ids:
                break
            token = doc[end]
            if not token.is_alpha:
                break
            text += token.lower_
            meant = self.targets.get(text)
            if meant is not None:
                best = (start, end + 1, meant)
        return best

    @staticmethod
    def matches(doc: Doc, joins: list[tuple[int, int, str]], matchers: Iterable[Callable[[Doc], list[Match]]]) -> list[Match]:
        """The matchers' matches over the joined words that use a join, in the Doc's token offsets."""
        words, spaces, norms, starts, ends = [], [], [], [], []
        joined_at = {start: (end, meant) for start, end, meant in joins}
        i = 0
        while i < len(doc):
            end, meant = joined_at.get(i, (i + 1, None))
            words.append(meant or doc[i].lower_)
            spaces.append(bool(doc[end - 1].whitespace_))
            norms.append(meant or doc[i].norm_)
            starts.append(i)
            ends.append(end)
            i = end
        joined = Doc(doc.vocab, words=words, spaces=spaces)
        for token, norm in zip(joined, norms, strict=True):
            token.norm_ = norm
        is_join = [end - start > 1 for start, end in zip(starts, ends, strict=True)]
        out = []
        for matcher in matchers:
            for match_id, start, end in matcher(joined):
                if any(is_join[start:end]):
                    out.append((match_id, starts[start], ends[end - 1]))
        return out

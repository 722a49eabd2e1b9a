"""Fast rule-based sentence boundaries that respect line breaks, lists and section headers.

PyRuSH (medspaCy's default splitter) costs most of ``medspacy.load()``'s time on a short note.
Operative notes mostly need four cues: terminal punctuation followed by a new word, a line
break (with or without punctuation before it), a section header, and the ``.,`` junction of run-on exports (``Lipoma.,POSTOPERATIVE``).
A "?" standing apart from the word before it ("scaly papule, ? BCC") is shorthand for a
suspected diagnosis, not the end of a question.
The cues are found with one regular-expression pass over the text and written to the Doc in
one array call, so the cost does not grow with a Python loop over tokens.

:func:`sentence_table` gives later components the sentence of every token without touching
``Span.sent`` (which re-scans the Doc on every call).
"""

import bisect
import re

import numpy
from spacy.attrs import IDX, IS_SPACE, LENGTH, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from nlp.pipeline.doctext import doc_text

# "L. cheek", "Rt. upper back": side abbreviations too, before a lower-case word.
ABBREVIATIONS = frozenset("dr mr mrs ms st vs approx e.g i.e etc no pt pts fig dx hx ca l r lt rt".split())
# A boundary: terminal punctuation then whitespace, a run-on ".," junction, or a line break.
_BOUNDARY = re.compile(r"[.!?;],?[ \t\r\n]+|\.,[ \t\r\n]*|\n[ \t\r\n]*")
_WORD_BEFORE = re.compile(r"([A-Za-z.]+)\.$")
_OPENERS = frozenset("([#\"'")
# A "?" after one of these does not close a question: it is the clinician's "query" ("? BCC").
_QUERY_BEFORE = frozenset(" \t\n,;:(-")
_TABLE_KEY = "opnote_sentence_table"


def boundary_offsets(text: str, header_starts: frozenset[int] = frozenset()) -> list[int]:
    """Character offsets where a new sentence starts (always including 0 for non-empty text)."""
    offsets = [0]
    size = len(text)
    for match in _BOUNDARY.finditer(text):
        nxt = match.end()
        if nxt >= size:
            break
        first = text[nxt]
        matched = match.group(0)
        punct = matched[0]
        if punct != "\n" and "\n" in matched:
            # "bandage.\n- AKs: forehead x4": a line break is a boundary whatever starts the next
            # line (a bullet, a dash), as it is without the full stop before it.
            offsets.append(nxt)
            continue
        if punct == "." and not first.isupper():  # an abbreviation only joins a lower-case continuation
            word = _WORD_BEFORE.search(text, max(0, match.start() - 12), match.start() + 1)
            if word and word.group(1).lower().rstrip(".") in ABBREVIATIONS:
                continue
        if punct in ".!?;" and not (first.isalnum() or first in _OPENERS):
            continue
        if punct == "?" and (match.start() == 0 or text[match.start() - 1] in _QUERY_BEFORE):
            continue  # "pink scaly papule, ? BCC": a question mark after a space asks about the next word
        offsets.append(nxt)
    if header_starts:
        offsets.extend(header_starts)
    return offsets


class OpnoteSentences:
    """spaCy component: sets ``token.is_sent_start`` for every token."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        n = len(doc)
        if n == 0:
            return doc
        sections = doc._.opnote_sections if Doc.has_extension("opnote_sections") else None
        headers = frozenset(start for _, start, _, _ in sections) if sections else frozenset()
        columns = doc.to_array([IDX, IS_SPACE, LENGTH])
        idx = columns[:, 0].tolist()
        is_space = columns[:, 1].tolist()
        starts = {0}
        for offset in boundary_offsets(doc_text(doc), headers):
            token = bisect.bisect_left(idx, offset)  # the token that starts at or after the offset
            if token < n:
                starts.add(token)
        # A whitespace token never starts a sentence: hand its start to the next word.
        for i in sorted(starts):
            j = i
            while j < n - 1 and is_space[j]:
                j += 1
            if j != i:
                if i:
                    starts.discard(i)
                starts.add(j)
        firsts = sorted(starts)
        flags = numpy.full(n, -1, dtype="int64")
        flags[firsts] = 1
        doc.from_array([SENT_START], flags.reshape(-1, 1).astype("uint64"))
        # The boundaries just set, as sentence_table would read them back from the Doc.
        doc.user_data[_TABLE_KEY] = _table(firsts, n, idx, columns[:, 2].tolist())
        return doc


def _table(firsts: list[int], n: int, idx: list[int], length: list[int]) -> tuple[list[int], list[tuple[int, int]], list[tuple[int, int]]]:
    """The sentence table for sentences starting at tokens ``firsts`` (sorted, with 0)."""
    ends = firsts[1:] + [n]  # exclusive end token of each sentence
    spans = [(idx[first], idx[end - 1] + length[end - 1]) for first, end in zip(firsts, ends, strict=True)]
    bounds = list(zip(firsts, ends, strict=True))
    ids: list[int] = []
    for k, (first, end) in enumerate(bounds):
        ids.extend([k] * (end - first))
    return ids, spans, bounds


def sentence_table(doc: Doc) -> tuple[list[int], list[tuple[int, int]], list[tuple[int, int]]]:
    """Sentence of every token, without ``Span.sent`` (which re-scans the Doc on each call).

    Returns ``(sentence id of each token, [(start_char, end_char)], [(start_token, end_token)])``,
    cached in ``doc.user_data`` until :func:`drop_sentence_table` (the sentence component stores
    it as it sets the boundaries).
    """
    cached = doc.user_data.get(_TABLE_KEY)
    if cached is not None:
        return cached
    if len(doc) == 0:
        table: tuple[list[int], list[tuple[int, int]], list[tuple[int, int]]] = ([], [], [])
    else:
        columns = doc.to_array([SENT_START, IDX, LENGTH]).astype("int64")
        starts = columns[:, 0] == 1
        starts[0] = True
        table = _table(numpy.nonzero(starts)[0].tolist(), len(doc), columns[:, 1].tolist(), columns[:, 2].tolist())
    doc.user_data[_TABLE_KEY] = table
    return table


def drop_sentence_table(doc: Doc) -> None:
    """Remove the cached table (it should not be serialised with the Doc)."""
    doc.user_data.pop(_TABLE_KEY, None)


@Language.factory("opnote_sentences", requires=["doc._.opnote_sections"], assigns=["token.is_sent_start"])
def make_sentences(nlp: Language, name: str) -> OpnoteSentences:  # spaCy requires the parameter names nlp and name
    return OpnoteSentences(name)

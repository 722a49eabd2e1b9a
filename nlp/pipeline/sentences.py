"""Fast rule-based sentence boundaries that respect line breaks, lists and section headers.

PyRuSH (medspaCy's default splitter) costs most of ``medspacy.load()``'s time on a short note;
operative notes mostly need three cues, which one pass over the tokens can apply:
terminal punctuation followed by a new word, a line break, and a section header or list
marker (``1.``, ``#2``, ``(A)``, ``Lesion 2:``).  Run-on exports (``Lipoma.,POSTOPERATIVE``)
are split at the ``.,`` junction.
"""


from spacy.language import Language
from spacy.tokens import Doc

TERMINALS = frozenset({".", "!", "?", ".,", ";"})
ABBREVIATIONS = frozenset("dr mr mrs ms st vs approx e.g i.e etc no pt pts cm mm x fig dx hx".split())


class OpnoteSentences:
    """spaCy component: sets ``token.is_sent_start`` for every token."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        header_starts = set()
        sections = doc._.opnote_sections if Doc.has_extension("opnote_sections") else None
        if sections:
            header_starts = {start for _, start, _, _ in sections}
        n = len(doc)
        if n == 0:
            return doc
        starts = [False] * n
        starts[0] = True
        pending = False  # a boundary seen just before a whitespace token moves to the next word
        for i in range(1, n):
            prev = doc[i - 1]
            tok = doc[i]
            if tok.is_space:
                pending = pending or (prev.text in TERMINALS) or "\n" in tok.text
                continue
            if pending:
                starts[i] = True
                pending = False
            elif tok.idx in header_starts:
                starts[i] = True
            elif "\n" in prev.whitespace_ or (prev.is_space and "\n" in prev.text):
                starts[i] = True
            elif prev.text in TERMINALS or (prev.text == "," and i >= 2 and doc[i - 2].text == "."):
                # a full stop after an abbreviation or inside a number is not a boundary
                if prev.text == "." and i >= 2 and doc[i - 2].lower_.rstrip(".") in ABBREVIATIONS and not tok.is_title:
                    continue
                if tok.is_punct and tok.text not in "([#":
                    continue
                starts[i] = True
        for i, token in enumerate(doc):
            token.is_sent_start = starts[i]
        return doc


@Language.factory("opnote_sentences", requires=["doc._.opnote_sections"], assigns=["token.is_sent_start"])
def make_sentences(nlp: Language, name: str) -> OpnoteSentences:  # spaCy requires the parameter names nlp and name
    return OpnoteSentences(name)

"""The note text of a Doc, built once.

``Doc.text`` joins every token on each access (about 0.05-0.1 ms for a 300-token note); the
components each need the text, so the first call stores it in ``doc.user_data`` and the last
component removes it.  A caller that still holds the text the Doc was made from can store it
up front with :func:`remember_text` (spaCy's tokenizer keeps every character, so
``doc.text`` is that text).
"""

from spacy.tokens import Doc

_KEY = "opnote_text"


def doc_text(doc: Doc) -> str:
    text = doc.user_data.get(_KEY)
    if text is None:
        text = doc.text
        doc.user_data[_KEY] = text
    return text


def remember_text(doc: Doc, text: str) -> Doc:
    """Store ``text``, the string ``doc`` was tokenized from, so :func:`doc_text` need not rebuild it."""
    doc.user_data[_KEY] = text
    return doc


def forget_text(doc: Doc) -> None:
    doc.user_data.pop(_KEY, None)

"""The note text of a Doc, built once.

``Doc.text`` joins every token on each access (about 0.2 ms for a 300-token note); the
components each need the text, so the first call stores it in ``doc.user_data`` and the last
component removes it.
"""

from spacy.tokens import Doc

_KEY = "opnote_text"


def doc_text(doc: Doc) -> str:
    text = doc.user_data.get(_KEY)
    if text is None:
        text = doc.text
        doc.user_data[_KEY] = text
    return text


def forget_text(doc: Doc) -> None:
    doc.user_data.pop(_KEY, None)

"""spaCy DocBin (``.spacy``): one Doc per note, ready for ``spacy train``.

Spans go to ``doc.spans["sc"]`` (token-aligned, expanded to whole tokens, for training) and,
when they do not overlap, to ``doc.ents``.  Because token alignment can move a character
offset, the exact gold record (character offsets, flags, codes, lesions) is kept in
``doc.user_data["opnote"]`` and read back from there; a DocBin from elsewhere is read from its
``sc`` spans (or entities) with no flags or codes.
"""

from __future__ import annotations

from pathlib import Path

from nlp.errors import InputError
from nlp.evaluation.gold import GoldNote, GoldSpan, note_from_dict

SPAN_KEY = "sc"
USER_KEY = "opnote"


def write_docbin(notes: list[GoldNote], path: str | Path) -> None:
    """Write the notes with a blank English tokenizer."""
    import spacy
    from spacy.tokens import DocBin
    from spacy.util import filter_spans

    pipeline = spacy.blank("en")
    store = DocBin(store_user_data=True)
    for note in notes:
        doc = pipeline.make_doc(note.text)
        spans = [doc.char_span(s.start, s.end, label=s.label, alignment_mode="expand") for s in note.spans]
        spans = [s for s in spans if s is not None]
        doc.spans[SPAN_KEY] = spans
        doc.ents = filter_spans(spans)
        doc.user_data[USER_KEY] = note.as_dict()
        store.add(doc)
    store.to_disk(path)


def read_docbin(path: str | Path) -> list[GoldNote]:
    """Read a DocBin written here (exact) or elsewhere (spans from ``sc`` or the entities)."""
    import spacy
    from spacy.tokens import DocBin

    try:
        store = DocBin().from_disk(path)
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a spaCy DocBin ({type(exc).__name__}); write it with DocBin.to_disk") from None
    notes = []
    for number, doc in enumerate(store.get_docs(spacy.blank("en").vocab), start=1):
        if USER_KEY in doc.user_data:
            notes.append(note_from_dict(doc.user_data[USER_KEY]))
            continue
        spans = doc.spans[SPAN_KEY] if SPAN_KEY in doc.spans else doc.ents
        notes.append(GoldNote(id=f"doc-{number}", text=doc.text, spans=[GoldSpan(s.start_char, s.end_char, s.label_) for s in spans], cpt=[], icd10=[]))
    return notes

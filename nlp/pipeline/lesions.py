"""spaCy component that links a Doc's facts into lesion records (``doc._.opnote_facts``)."""

from spacy.language import Language
from spacy.tokens import Doc

from nlp.extract import doc_to_facts


class OpnoteLesions:
    """Runs :func:`nlp.extract.doc_to_facts` and keeps the result on the Doc."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        doc._.opnote_facts = doc_to_facts(doc)
        return doc


@Language.factory("opnote_lesions", requires=["doc.ents", "doc._.opnote_sections"], assigns=["doc._.opnote_facts"])
def make_lesions(nlp: Language, name: str) -> OpnoteLesions:  # spaCy requires the names nlp and name
    if not Doc.has_extension("opnote_facts"):
        Doc.set_extension("opnote_facts", default=None)
    return OpnoteLesions(name)

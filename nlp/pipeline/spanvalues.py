"""Read and write span extension values in bulk.

``span._.name`` goes through spaCy's ``Underscore`` object, about 1.6 µs per access; a note has
dozens of mentions with several attributes each, which made attribute access the largest cost
of linking.  spaCy stores a span's extension values in ``doc.user_data`` under
``("._.", name, span.start_char, span.end_char)`` (``spacy/tokens/underscore.py``); these helpers
use that same storage directly, so ``span._.name`` still reads what they write and vice versa
(``tests/pipeline/test_spanvalues.py`` pins the equivalence).
"""

from spacy.tokens import Doc, Span

_PREFIX = "._."


def set_span_value(doc: Doc, span: Span, name: str, value: object) -> None:
    """Same as ``span._.<name> = value`` (the extension must be registered)."""
    doc.user_data[(_PREFIX, name, span.start_char, span.end_char)] = value


def get_span_value(doc: Doc, span: Span, name: str, default: object = None) -> object:
    """Same as ``span._.<name>`` for an extension with a plain default (no getter)."""
    return doc.user_data.get((_PREFIX, name, span.start_char, span.end_char), default)


def span_values(doc: Doc) -> dict[tuple[int, int], dict[str, object]]:
    """Every span extension value set on the Doc, by ``(start_char, end_char)``."""
    values: dict[tuple[int, int], dict[str, object]] = {}
    for key, value in doc.user_data.items():
        if isinstance(key, tuple) and len(key) == 4 and key[0] == _PREFIX and key[3] is not None:
            values.setdefault((key[2], key[3]), {})[key[1]] = value
    return values


def set_span_values(doc: Doc, span: Span, values: dict[str, object]) -> None:
    """Same as ``span._.<name> = value`` for each item, reading the span's offsets once."""
    start, end, user_data = span.start_char, span.end_char, doc.user_data
    for name, value in values.items():
        user_data[(_PREFIX, name, start, end)] = value

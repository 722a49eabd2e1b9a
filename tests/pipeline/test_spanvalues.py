"""The bulk span-value helpers read and write exactly what ``span._`` does."""

from __future__ import annotations

import spacy
from spacy.tokens import Span

from nlp.pipeline.spanvalues import get_span_value, set_span_value, set_span_values, span_values


def test_bulk_values_match_underscore_access() -> None:
    if not Span.has_extension("spanvalues_probe"):
        Span.set_extension("spanvalues_probe", default=None)
    doc = spacy.blank("en")("a nevus of the left cheek")
    first, second = doc[1:2], doc[4:6]
    set_span_value(doc, first, "spanvalues_probe", {"kind": "nevus"})
    second._.spanvalues_probe = "cheek"
    assert first._.spanvalues_probe == {"kind": "nevus"}
    assert get_span_value(doc, second, "spanvalues_probe") == "cheek"
    assert get_span_value(doc, doc[0:1], "spanvalues_probe") is None
    values = span_values(doc)
    assert values[(first.start_char, first.end_char)]["spanvalues_probe"] == {"kind": "nevus"}
    assert values[(second.start_char, second.end_char)]["spanvalues_probe"] == "cheek"


def test_several_values_at_once_match_underscore_access() -> None:
    for name in ("spanvalues_rule", "spanvalues_value"):
        if not Span.has_extension(name):
            Span.set_extension(name, default=None)
    doc = spacy.blank("en")("a nevus of the left cheek")
    span = doc[4:6]
    set_span_values(doc, span, {"spanvalues_rule": "site.cheek", "spanvalues_value": {"region": "cheek"}})
    assert span._.spanvalues_rule == "site.cheek"
    assert doc[4:6]._.spanvalues_value == {"region": "cheek"}

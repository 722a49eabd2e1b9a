"""Sentence boundaries, and the sentence table the sentence component stores is the one read back from the Doc."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp.pipeline.sentences import boundary_offsets, drop_sentence_table, sentence_table

GOLD = Path(__file__).resolve().parents[2] / "annotations" / "dev.jsonl"


def test_stored_table_is_the_docs_boundaries(pipeline) -> None:
    texts = [json.loads(line)["text"] for line in GOLD.read_text().splitlines()[:40]]
    texts += ["One.  Two\n\n  three.\n", "  \n", "x"]
    with pipeline.select_pipes(enable=["opnote_sections", "opnote_sentences"]):
        for doc in pipeline.pipe(texts):
            stored = sentence_table(doc)
            drop_sentence_table(doc)
            read_back = sentence_table(doc)
            assert stored == read_back
            ids, spans, bounds = read_back
            assert [t.i for t in doc if t.is_sent_start] == [first for first, _ in bounds]
            assert [(s.start_char, s.end_char) for s in doc.sents] == spans
            assert ids == [next(k for k, (a, b) in enumerate(bounds) if a <= t.i < b) for t in doc]


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        # a "?" after a space or comma is the clinician's "query", not the end of a question
        ("R temple: pink pearly papule, ? BCC. Biopsy offered.", ["R temple: pink pearly papule, ? BCC. ", "Biopsy offered."]),
        ("Dx: ?SCC vs KA. Shave biopsy done.", ["Dx: ?SCC vs KA. ", "Shave biopsy done."]),
        ("Scaly plaque (? AK) on the scalp. LN2 today.", ["Scaly plaque (? AK) on the scalp. ", "LN2 today."]),
        ("Pink scaly papule, ? BCC. Photo taken.", ["Pink scaly papule, ? BCC. ", "Photo taken."]),
        ("Nodule (? SCC) of the scalp.", ["Nodule (? SCC) of the scalp."]),
        # a question mark after a word still ends the sentence
        ("Any bleeding? None since the visit.", ["Any bleeding? ", "None since the visit."]),
    ],
)
def test_query_marks_and_question_marks(text: str, sentences: list[str]) -> None:
    offsets = boundary_offsets(text) + [len(text)]
    assert [text[a:b] for a, b in zip(offsets, offsets[1:], strict=False)] == sentences


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        # a line break after a full stop is a boundary whatever opens the next line (a dash bullet)
        ("- R hand: shave bx, AlCl3.\n- AKs: nose x2. LN2.", ["- R hand: shave bx, AlCl3.\n", "- AKs: nose x2. ", "LN2."]),
        ("Bandage applied.\n* Forehead AK x3, LN2.", ["Bandage applied.\n", "* Forehead AK x3, LN2."]),
        ("Dressing on.\n(2) L arm nevus excised.", ["Dressing on.\n", "(2) L arm nevus excised."]),
        # without a line break the same punctuation before a dash still joins
        ("Sutured. - then dressed.", ["Sutured. - then dressed."]),
    ],
)
def test_line_breaks_after_punctuation(text: str, sentences: list[str]) -> None:
    offsets = boundary_offsets(text) + [len(text)]
    assert [text[a:b] for a, b in zip(offsets, offsets[1:], strict=False)] == sentences

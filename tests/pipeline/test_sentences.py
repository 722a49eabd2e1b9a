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
        # a detached "?" is shorthand for a suspected diagnosis, not the end of a question
        ("Pink scaly papule, ? BCC. Photo taken.", ["Pink scaly papule, ? BCC. ", "Photo taken."]),
        ("Nodule (? SCC) of the scalp.", ["Nodule (? SCC) of the scalp."]),
        ("Is it growing? She thinks so.", ["Is it growing? ", "She thinks so."]),
    ],
)
def test_sentence_boundaries(text: str, sentences: list[str]) -> None:
    offsets = boundary_offsets(text) + [len(text)]
    assert [text[a:b] for a, b in zip(offsets, offsets[1:], strict=False)] == sentences

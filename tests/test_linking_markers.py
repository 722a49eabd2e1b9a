"""find_markers tries the marker patterns only where a marker keyword starts: same matches as finditer."""

from __future__ import annotations

import random

import pytest

from nlp.linking import markers

PIECES = [
    "lesion", "Lesion", "specimen", "site", "sites", "part", "apart", "first", "second", "third", "fourth", "fifth",
    " ", "#", "no.", "number", "1", "2", "a", "b", "e", "one", "two", "x", "\n", ".", "excision", "1st", "prefirst", "(", "B)",
]


def _spans(matches) -> list[tuple]:
    return [(m.span(), m.groupdict()) for m in matches]


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("pattern", [markers._MARKER_WORD_LOWER, markers._MARKER_ORDINAL_LOWER], ids=["word", "ordinal"])
def test_keyword_offsets_give_finditer_matches(pattern, seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(300):
        lower = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 40))).lower()
        found = markers._finditer_at(pattern, lower, markers._keyword_starts(lower))
        assert _spans(found) == _spans(pattern.finditer(lower)), lower



@pytest.mark.parametrize("seed", range(10))
def test_list_items_are_finditers(seed: int) -> None:
    assert markers._MARKER_ITEM_INNER is not None
    rng = random.Random(seed)
    pieces = ["\n", ":", ";", ",", ".", " ", "\t", "#", "1", "2", "(", ")", "A", "B", "e", "x", "Lesion", "a"]
    for _ in range(1000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        assert _spans(markers._marker_items(text)) == _spans(markers._MARKER_ITEM.finditer(text)), text


@pytest.mark.parametrize("pattern", [markers._MARKER_WORD_LOWER, markers._MARKER_ORDINAL_LOWER], ids=["word", "ordinal"])
def test_every_marker_match_starts_with_a_keyword(pattern) -> None:
    """_finditer_at only tries offsets where a _MARKER_KEYWORDS word starts: a new marker word
    must be added there too."""
    from nlp.pipeline.measurements import _prefixes

    heads = _prefixes(pattern.pattern, 4)
    assert heads, "the pattern's first characters could not be read"
    assert all(any(word.startswith(head) or head.startswith(word) for word in markers._MARKER_KEYWORDS) for head in heads), heads

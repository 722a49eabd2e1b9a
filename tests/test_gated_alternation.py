"""The gated scan of the count totals finds exactly what the plain alternation finds.

``GatedAlternation`` (speed only) skips the branches of ``_TOTAL`` and ``_MORE_TOTALS`` whose
literal words a note lacks; any difference from ``pattern.finditer`` would change a skin-tag or
destruction count, so the two are compared on count wordings and on random word salads of them.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.procedure_details import _MORE_TOTALS_CASED, _MORE_TOTALS_GATED, _TOTAL_CASED, _TOTAL_GATED

_PAIRS = [(_TOTAL_CASED, _TOTAL_GATED), (_MORE_TOTALS_CASED, _MORE_TOTALS_GATED)]


def _spans(matches) -> list[tuple[int, int, tuple]]:
    return [(m.start(), m.end(), m.groups()) for m in matches]


@pytest.mark.parametrize(
    "text",
    [
        "a total of 31 skin tags were removed.",
        "9 + 4 + 3 = 16 tags.",
        "i counted sixteen; all 20 tags were snipped.",
        "qty: 26. (n=26) removed 40 today, in all, nineteen were taken.",
        "number removed: 27. tot 15. aks x14 treated: 9, with the hyfrecator.",
        "sponge count correct. no lesions were counted.",
        "",
    ],
)
def test_gated_scan_matches_the_plain_alternation_on_count_wordings(text: str) -> None:
    for plain, gated in _PAIRS:
        assert _spans(gated.finditer(text)) == _spans(plain.finditer(text))


_WORDS = st.sampled_from(
    ["total", "of", "in", "all", ",", "counted", "qty", ":", "=", "n", "+", "removed", "snipped", "treated", "tags",
     "aks", "x", "#", "(", ")", "12", "7", "twenty", "a", "dozen", "were", "them", "number", "tot", ".", "\n"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_WORDS, max_size=30))
def test_gated_scan_matches_the_plain_alternation_on_word_salads(words: list[str]) -> None:
    text = " ".join(words)
    for plain, gated in _PAIRS:
        assert _spans(gated.finditer(text)) == _spans(plain.finditer(text))

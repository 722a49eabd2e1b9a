"""An ordinal standing alone ("from the first", "the latter") names a lesion of the list sentence before it."""

from __future__ import annotations

import pytest

from nlp.linking.facts import Fact
from nlp.linking.ordinals import OrdinalReferents
from nlp.records import Mention

LIST_SENTENCE = "A papule on the right arm, a macule on the left leg and a nodule on the back."


def _site(text: str, word: str, lesion: int) -> Fact:
    start = text.index(word)
    return Fact(Mention("ANATOMIC_SITE", start, start + len(word), word), sentence=0, lesion=lesion, sentence_span=(0, len(LIST_SENTENCE)))


def _placed(sentence: str, target: str) -> int | None:
    text = LIST_SENTENCE + " " + sentence
    anchors = [_site(text, "right arm", 1), _site(text, "left leg", 2), _site(text, "back", 3)]
    start = text.index(target, len(LIST_SENTENCE))
    fact = Fact(Mention("PROCEDURE", start, start + len(target), target), sentence=1, sentence_span=(len(LIST_SENTENCE) + 1, len(text)))
    return OrdinalReferents(text, anchors).lesion_of(fact)


@pytest.mark.parametrize(
    ("sentence", "target", "lesion"),
    [
        ("I took a punch from the first and shaved the second.", "punch", 1),
        ("I took a punch from the first and shaved the second.", "shaved", 2),
        ("The third was frozen.", "frozen", 3),
        ("The latter was frozen.", "frozen", 3),
        ("The former, a 5 mm papule, was shaved.", "shaved", 1),
        # ordinals that name no lesion of the list: a stage, a time, a pair of layers, a number past the list
        ("The first stage was excised.", "excised", None),
        ("Excised for the first time.", "Excised", None),
        ("The first and second layers were closed.", "closed", None),
        ("The fifth was frozen.", "frozen", None),
        ("No ordinal here: it was frozen.", "frozen", None),
    ],
)
def test_an_ordinal_names_a_lesion_of_the_list(sentence: str, target: str, lesion: int | None) -> None:
    assert _placed(sentence, target) == lesion


def test_no_list_sentence_before_places_nothing() -> None:
    text = "A papule on the right arm. I shaved the first."
    anchor = Fact(Mention("ANATOMIC_SITE", 15, 24, "right arm"), sentence=0, lesion=1, sentence_span=(0, 26))
    fact = Fact(Mention("PROCEDURE", 29, 35, "shaved"), sentence=1, sentence_span=(27, len(text)))
    assert OrdinalReferents(text, [anchor]).lesion_of(fact) is None

"""An ordinal ("from the first", "the latter", "the second site", "lesion two") names a lesion by the note's order."""

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
        # with a lesion noun: "the first lesion", "the second site", "the first one", "2nd lesion", "lesion two"
        ("Through the edge of the first lesion a wedge was cut.", "wedge", 1),
        ("At the second site a 4 mm punch was taken.", "punch", 2),
        ("The 2nd lesion was shaved.", "shaved", 2),
        ("The third spot was frozen.", "frozen", 3),
        ("Lesion two was frozen.", "frozen", 2),
        ("Site 3 was frozen.", "frozen", 3),
        # "the first one was shaved, the second punched": each verb goes with the ordinal no comma parts it from
        ("The first one was shaved, the second punched.", "shaved", 1),
        ("The first one was shaved, the second punched.", "punched", 2),
        # ordinals that name no lesion of the list: a stage, a time, a pair of layers, a number past the list
        ("The first stage was excised.", "excised", None),
        ("Excised for the first time.", "Excised", None),
        ("The first and second layers were closed.", "closed", None),
        ("The fifth was frozen.", "frozen", None),
        ("No ordinal here: it was frozen.", "frozen", None),
        ("The first layer was closed.", "closed", None),
        ("The first red papule was frozen.", "frozen", None),
        ("The first and second lesions were closed.", "closed", None),
        ("A lesion 2 mm across was frozen.", "frozen", None),
        # a procedure that counts two or more lesions is no single ordinal's
        ("Shave x2, bx of the first.", "Shave", None),
        ("Shave x2, bx of the first.", "bx", 1),
        ("Two punch biopsies, the first sutured.", "punch", None),
    ],
)
def test_an_ordinal_names_a_lesion_of_the_list(sentence: str, target: str, lesion: int | None) -> None:
    assert _placed(sentence, target) == lesion


def test_no_list_sentence_before_places_nothing() -> None:
    text = "A papule on the right arm. I shaved the first."
    anchor = Fact(Mention("ANATOMIC_SITE", 15, 24, "right arm"), sentence=0, lesion=1, sentence_span=(0, 26))
    fact = Fact(Mention("PROCEDURE", 29, 35, "shaved"), sentence=1, sentence_span=(27, len(text)))
    assert OrdinalReferents(text, [anchor]).lesion_of(fact) is None


def _one_per_sentence(sentence: str, target: str, listed: frozenset[int] = frozenset()) -> int | None:
    """Two lesions described in a sentence each, the right calf's first, then ``sentence``."""
    first, second = "A papule on the right calf. ", "A macule on the left arm. "
    text = first + second + sentence
    anchors = [
        Fact(Mention("ANATOMIC_SITE", 16, 26, "right calf"), sentence=0, lesion=2, sentence_span=(0, len(first))),
        Fact(Mention("ANATOMIC_SITE", len(first) + 16, len(first) + 24, "left arm"), sentence=1, lesion=1, sentence_span=(len(first), len(first + second))),
    ]
    start = text.index(target, len(first + second))
    fact = Fact(Mention("PROCEDURE", start, start + len(target), target), sentence=2, sentence_span=(len(first + second), len(text)))
    return OrdinalReferents(text, anchors, listed).lesion_of(fact)


@pytest.mark.parametrize(
    ("sentence", "target", "listed", "lesion"),
    [
        # no sentence names both: the order they were first described in (the calf, lesion 2, first)
        ("The first lesion was shaved.", "shaved", frozenset(), 2),
        ("At the second site a punch was taken.", "punch", frozenset(), 1),
        ("The latter was frozen.", "frozen", frozenset(), 1),
        # a numbered list counts by its own numbers
        ("The first lesion was shaved.", "shaved", frozenset({1, 2}), 1),
        ("The latter was frozen.", "frozen", frozenset({1, 2}), 2),
        ("The third lesion was frozen.", "frozen", frozenset({1, 2}), None),
    ],
)
def test_an_ordinal_counts_by_the_list_else_by_the_order_described(sentence: str, target: str, listed: frozenset[int], lesion: int | None) -> None:
    assert _one_per_sentence(sentence, target, listed) == lesion

"""Weak skin-tag removal words that are no removal.

"clipped" and "cut off" remove skin tags ("ACs clipped w/ Gradle scissors", "cut off with
Westcott scissors at the base"; GUIDELINES twenty-fourth set, decision 3), but the same words
prepare a field ("hair clipped, prepped and draped") or trim a suture.  Such a weak word is a
removal only when its sentence names the instrument or the stalk (``procedure.tag_instrument`` in
resources/linking_cues.json) or the skin tags themselves ("Clipped 12 skin tags"); otherwise its
fact is left out of linking altogether, so it neither names a lesion's procedure nor marks its
sentence as a treatment.
"""

from __future__ import annotations

from nlp.cues import default_cues
from nlp.linking.facts import Fact, sentence_text

_TAG_INSTRUMENT = default_cues().regex("procedure.tag_instrument")


def prep_not_removal(text: str, fact: Fact, tag_sentences: set[int] | frozenset[int] = frozenset()) -> bool:
    """Whether ``fact`` is a weak skin-tag word ("clipped") whose sentence names no scissors, stalk or
    skin tag (``tag_sentences``: the sentences that name a skin-tag diagnosis)."""
    value = fact.value
    return (
        fact.label == "PROCEDURE"
        and bool(value.get("weak"))
        and value.get("kind") == "skin_tag_removal"
        and fact.sentence not in tag_sentences
        and not _TAG_INSTRUMENT.search(sentence_text(text, fact))
    )

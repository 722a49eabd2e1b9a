"""An excision the note documents only by its parts.

A template that fills "Lesion / Size / Margin / Repair" fields and names no procedure word at all
(beyond the earlier biopsy that proved the diagnosis) still documents an excision: a margin of
normal skin is taken only when the lesion is cut out, and the repair closes the wound it left.
When the note has no other procedure mention of any kind (not even a planned or declined one) yet
names a margin and a closure that are not hypothetical, each margin stands for a weak excision
word of its lesion, so linking treats the lesion as excised.
"""

from __future__ import annotations

from dataclasses import replace

from nlp.linking.facts import Fact, usable


def implied_excision(facts: list[Fact]) -> list[Fact]:
    """A weak excision fact at each margin when no procedure is named but a margin and a closure are."""
    if any(f.label == "PROCEDURE" and not (f.mention.historical and not f.mention.hypothetical) for f in facts):
        return []
    margins = [f for f in facts if f.label == "MARGIN" and usable(f)]
    if not margins or not any(f.label == "CLOSURE_TYPE" and usable(f) for f in facts):
        return []
    return [
        replace(
            margin,
            mention=replace(margin.mention, label="PROCEDURE", value={"kind": "excision", "weak": True}, rule="implied.excision.margin_and_repair"),
        )
        for margin in margins
    ]

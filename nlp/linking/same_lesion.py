"""A numbered item that names "the same lesion" is the lesion of the item before it.

"1. Tangential biopsy, right forearm. 2. Excision of the same lesion, right forearm, with simple
closure": the second item is a further procedure on the first item's lesion, not a second lesion
at the same site (GUIDELINES twenty-eighth set, decision 2: a biopsy and then an excision of the
same lesion at one sitting is one excision record).  Its segment takes the previous item's
number, so the item's procedure is that lesion's own (titled) procedure and precedence picks the
excision over the biopsy.  When one lesion number is all that is left, the list numbers no
lesions and its segments are dropped, as :func:`nlp.linking.markers.lesion_segments` does.
"""

from __future__ import annotations

import re

# "Excision of the same lesion", "re-excision of the same site", "same lesion excised": within the
# head of the item (before any other sentence), so a later passing "the same" does not count.
_SAME_LESION = re.compile(r"\b(?:the\s+)?same\s+(?:lesion|site|spot|mole|nevus|growth|area)\b", re.IGNORECASE)
_HEAD = 80
# The item's own number or letter ("2.", "(b)", "#3:") and the end of its first sentence.
_MARKER = re.compile(r"[\s,:;]*(?:#?\(?[0-9A-Za-z]{1,2}[.):]+)?")
_SENTENCE_END = re.compile(r"[.;\n](?!\d)")


def same_lesion_items(text: str, segments: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Renumber each item that names "the same lesion" as the item just before it in its list."""
    out: list[tuple[int, int, int]] = []
    changed = False
    for number, start, end in segments:
        if out and out[-1][2] == start and out[-1][0] != number:
            head = text[start : min(end, start + _HEAD)]
            head = head[_MARKER.match(head).end() :]  # type: ignore[union-attr]
            stop = _SENTENCE_END.search(head)  # the item's own first sentence
            head = head[: stop.start()] if stop else head
            if _SAME_LESION.search(head):
                number, changed = out[-1][0], True
        out.append((number, start, end))
    if not changed:
        return segments
    return out if len({number for number, _, _ in out}) >= 2 else []

"""A top-level alternation scanned branch by branch, skipping the branches a text lacks a word for (speed only).

``finditer`` of a long alternation (the note's count totals: ``a|b|c|...``) tries every branch at
every offset of the note.  A branch that needs a word the text lacks ("counted", "qty", "+") can match
nowhere, so it need not be tried.  :meth:`GatedAlternation.finditer` finds where the next match
starts as the earliest start among the branches still possible (the alternation matches at an
offset exactly when one of its branches does; ``pos`` makes no word boundary or look-behind of its
own), then takes the whole alternation's match there, so the matches, spans and groups, are those
of ``pattern.finditer``.  An empty match (none of the patterns here has one) falls back to it.
"""

from __future__ import annotations

import re

from nlp.regex_branches import top_level_branches


class GatedAlternation:
    """``pattern`` with a gate per top-level branch: every tuple of words in it must have one word in the text.

    Each gate must hold wherever its branch matches (a word the branch spells out literally); the
    text given to :meth:`finditer` is matched as ``pattern`` would match it, case-sensitively.
    """

    def __init__(self, pattern: re.Pattern[str], gates: list[tuple[tuple[str, ...], ...]]) -> None:
        branches = top_level_branches(pattern.pattern)
        if branches is None:
            raise ValueError(f"cannot split {pattern.pattern!r} into its top-level branches")
        if len(branches) != len(gates):
            raise ValueError(f"{len(branches)} branches, {len(gates)} gates")
        self.pattern = pattern
        self.branches = [(re.compile(branch, pattern.flags), gate) for branch, gate in zip(branches, gates, strict=True)]

    def finditer(self, text: str) -> list[re.Match[str]]:
        """The matches of ``pattern.finditer(text)``, trying only the branches whose gates ``text`` passes."""
        active = [rx for rx, gate in self.branches if all(any(word in text for word in words) for words in gate)]
        upcoming = [rx.search(text) for rx in active]  # each branch's next match (None: no more)
        out: list[re.Match[str]] = []
        pos = 0
        while True:
            first = None
            for i, found in enumerate(upcoming):
                if found is not None and found.start() < pos:
                    found = upcoming[i] = active[i].search(text, pos)
                if found is not None and (first is None or found.start() < first):
                    first = found.start()
            if first is None:
                return out
            match = self.pattern.match(text, first)
            if match is None or match.end() == match.start():
                return list(self.pattern.finditer(text))
            out.append(match)
            pos = match.end()

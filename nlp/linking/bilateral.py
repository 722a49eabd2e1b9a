"""A "bilat" site with one lesion on each side is two lesions, in the order the note gives.

"Shave bx x2, bilat cheeks (R then L)", "bilat dorsal forearms (one rt, one lt) - 3 mm punch
each", "bilat shins, rt (F) and lt (G)": one site span names two lesions, one per side, each with
its own procedure line and ICD side (GUIDELINES.md, eighteenth set, decision 12).  The site fact is
made two, right and left (or left and right) as written, so that clustering makes a lesion of each
side and the result lines that name a side ("rt forearm: SCC") join theirs.  A bilateral site with
no per-side wording ("bilateral axillae, 6 tags") stays one lesion.
"""

from __future__ import annotations

import re
from dataclasses import replace

from nlp.linking.facts import Fact

_RIGHT = r"(?:r|rt|right)"
_LEFT = r"(?:l|lt|left)"
_LABEL = r"(?:\s*\([A-Za-z0-9]{1,2}\))?"  # a specimen letter or number after the side: "rt (F)"
_JOIN = r"\s*(?:,|/|;|\bthen\b|\band\b|&)\s*(?:then\s+|and\s+)?"


def _sides(first: str, second: str) -> str:
    return (
        rf"(?:\s*\(\s*(?:one\s+)?{first}{_LABEL}{_JOIN}(?:one\s+)?{second}{_LABEL}\s*\)"  # "(R then L)", "(one rt, one lt)"
        rf"|\s*,?\s*{first}{_LABEL}{_JOIN}{second}{_LABEL}(?![\w-]))"  # ", rt (F) and lt (G)"
    )


# What follows a bilateral site that says there is one lesion on each side, and in which order.
_PER_SIDE = {
    ("right", "left"): re.compile(_sides(_RIGHT, _LEFT), re.IGNORECASE),
    ("left", "right"): re.compile(_sides(_LEFT, _RIGHT), re.IGNORECASE),
}


def split_bilateral_sites(text: str, facts: list[Fact]) -> list[Fact]:
    """``facts`` with each bilateral site fact followed by a per-side wording made two, one per side."""
    out: list[Fact] = []
    for fact in facts:
        value = fact.value
        if fact.label == "ANATOMIC_SITE" and value.get("laterality") == "bilateral":
            order = next((sides for sides, pattern in _PER_SIDE.items() if pattern.match(text, fact.mention.end)), None)
            if order is not None:
                first, second = order
                fact.mention.value = {**value, "laterality": first}
                twin = replace(fact, mention=replace(fact.mention, value={**value, "laterality": second}))
                out.extend((fact, twin))
                continue
        out.append(fact)
    return out

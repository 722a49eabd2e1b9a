"""The top-level branches of a regular expression and the characters each one needs.

Why: the measurement windows' boundary pattern has branches that need a colon (a ``Label:``
heading) and start at any word, so ``re`` tries them at almost every character of every window.
A branch that needs a character absent from the text cannot match anywhere in it, so the same
matches come from the pattern without that branch (``finditer`` gives the same chain).  These
helpers find the branches and what they need; :class:`nlp.pipeline.measurements._Boundary` uses
them, and so does :class:`nlp.gated_alternation.GatedAlternation` for the count totals of the
linking layer (this module imports no spaCy, so both layers can use it).  Anything they cannot
read plainly is reported as None (no split, no requirement).
"""

import re
from re import _constants as _c  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]


def top_level_branches(pattern: str) -> list[str] | None:
    """``pattern`` split at its top-level ``|``; None when it has no inline flags-free split."""
    branches, depth, start, i, n = [], 0, 0, 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":  # a class: ']' right after '[' or '[^' is a literal
            i += 1
            if i < n and pattern[i] == "^":
                i += 1
            if i < n and pattern[i] == "]":
                i += 1
            while i < n and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            branches.append(pattern[start:i])
            start = i + 1
        i += 1
    branches.append(pattern[start:])
    try:
        parsed = _parser.parse(pattern, 0)
        if parsed.state.flags & ~re.UNICODE.value:
            return None  # inline global flags
        items = list(parsed)
        count = len(items[0][1][1]) if len(items) == 1 and items[0][0] is _c.BRANCH else 1
        for branch in branches:
            re.compile(branch)
    except (re.error, RecursionError, IndexError, TypeError):
        return None
    return branches if count == len(branches) else None


def required_chars(branch: str) -> tuple[frozenset[str], ...]:
    """Sets of characters of which the text must hold at least one each for ``branch`` to match.

    Only case-sensitive literals and classes of literals in the branch's main sequence (inside
    groups, lookaheads and repeats of at least one) count; anything else is skipped.
    """
    try:
        parsed = _parser.parse(branch, 0)
    except (re.error, RecursionError):
        return ()
    if parsed.state.flags & ~re.UNICODE.value:
        return ()
    out: list[frozenset[str]] = []
    _walk(list(parsed), out)
    return tuple(out)


def _walk(items: list, out: list[frozenset[str]]) -> None:
    for op, av in items:
        if op is _c.LITERAL:
            out.append(frozenset(chr(av)))
        elif op is _c.IN and av and all(o is _c.LITERAL for o, _ in av):
            out.append(frozenset(chr(v) for _, v in av))
        elif op is _c.ASSERT and av[0] == 1:  # lookahead: matched inside the same text
            _walk(list(av[1]), out)
        elif op is _c.SUBPATTERN and not (av[1] & re.IGNORECASE.value):
            _walk(list(av[3]), out)
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT) and av[0] >= 1:
            _walk(list(av[2]), out)

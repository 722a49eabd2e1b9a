"""Import medspaCy without its process-wide side effects.

``medspacy.common.medspacy_matcher`` calls ``warnings.filterwarnings("ignore")`` at import
time, which would silence every warning in the host program (including pytest's
``filterwarnings = error``).  Importing it inside ``warnings.catch_warnings()`` restores the
caller's filters afterwards.  PyRuSH, which medspaCy imports eagerly, logs whole tokens through
loguru at DEBUG level; note text is PHI, so that logger is disabled here, once, by name.
"""

from __future__ import annotations

import warnings
from typing import Callable

from spacy.tokens import Doc

with warnings.catch_warnings():
    from medspacy.context import ConText, ConTextModifier, ConTextRule
    from medspacy.context.context_graph import ConTextGraph
    from medspacy.target_matcher import TargetMatcher, TargetRule

try:  # PyRuSH is optional for us but medspaCy pulls it in; silence its token-level logging.
    from loguru import logger as _loguru_logger

    _loguru_logger.disable("PyRuSH")
    _loguru_logger.disable("medspacy")
except ImportError:  # pragma: no cover - loguru is a medspaCy dependency
    pass

__all__ = [
    "ConText", "ConTextGraph", "ConTextModifier", "ConTextRule", "RuleMatcher", "TargetMatcher", "TargetRule",
]


class RuleMatcher:
    """The rule matches of a medspaCy ``TargetMatcher`` or ``ConText``, without their per-Doc work.

    Calling those components builds a ``Span`` and writes a ``span._`` extension for every
    match; our components only need ``(rule, start, end)``.  This calls the component's own
    ``MedspacyMatcher`` (so the matches, their order and the overlap pruning are medspaCy's)
    and maps each match id to its rule with one dict lookup.  When the component holds only
    phrase rules, as ours do, only spaCy's PhraseMatcher runs: the empty token Matcher would
    just raise spaCy's W036 warning.  medspaCy is pinned to 1.3.x (``pyproject.toml``), whose
    private attribute names this reads; ``tests/pipeline`` fails if they change.
    """

    def __init__(self, component: TargetMatcher | ConText) -> None:
        owner = "ConText" if isinstance(component, ConText) else "TargetMatcher"
        inner = getattr(component, f"_{owner}__matcher")
        strings = inner.nlp.vocab.strings
        self.rules = {strings[key]: rule for key, rule in inner.rule_map.items()}
        self._phrase_matcher = inner._MedspacyMatcher__phrase_matcher
        self._prune = inner._prune
        phrases_only = len(inner._MedspacyMatcher__matcher) == 0 and not inner._MedspacyMatcher__regex_matcher._patterns
        self._matcher: Callable[[Doc], list] | None = None if phrases_only else inner

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        """``(match id, start token, end token)`` as the medspaCy matcher returns them."""
        if self._matcher is not None:
            with warnings.catch_warnings():
                # spaCy warns (W036) when the token Matcher inside is empty (regular expressions only).
                warnings.filterwarnings("ignore", message=r"\[W036\]")
                return self._matcher(doc)
        matches = self._phrase_matcher(doc)
        return prune_longest(matches) if self._prune else matches


def _start_end(match: tuple[int, int, int]) -> tuple[int, int]:
    return match[1], match[2]


def prune_longest(matches: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """medspaCy's ``prune_overlapping_matches`` (strategy "longest"), without its per-pair calls.

    The same passes: sort by (start, end); walk the matches in pairs, keeping the longer of two
    overlapping neighbours (the earlier on a tie) and moving past both, else keeping the current
    one; repeat until a pass drops nothing.  medspaCy pops from the front of a list and calls
    ``overlaps``, ``tuple_overlaps`` and two key functions per step, and recurses per pass.
    ``tests/pipeline/test_medspacy_glue.py`` checks the results are the same.
    """
    if not matches:
        return matches
    current = matches
    while True:
        ordered = sorted(current, key=_start_end)
        n = len(ordered)
        pruned = []
        here = ordered[0]
        i = 1
        while i < n:
            following = ordered[i]
            i += 1
            a_start, a_end, b_start, b_end = here[1], here[2], following[1], following[2]
            if a_start <= b_start < a_end or a_start < b_end <= a_end:
                pruned.append(following if b_end - b_start > a_end - a_start else here)
                if i >= n:
                    break
                here = ordered[i]
                i += 1
            else:
                pruned.append(here)
                here = following
        else:
            pruned.append(here)
        if len(pruned) == n:
            return pruned
        current = pruned

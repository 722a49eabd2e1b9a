"""Text rules: regular expressions on the text beside a mention, ConText's cheap complement.

ConText's token rules are phrases with a scope counted in tokens; a text rule is a regular
expression on characters, for cues a phrase cannot say ("a year within a few words after the
finding", "'offered' up to three words before the procedure").  Where a rule is matched:

* ``after`` (the default): the rest of the mention's sentence; the pattern starts with ``^``.
* ``before``: the part of the sentence before the mention, at most the rule's ``window`` of
  characters back (``DEFAULT_WINDOW``, cut at a word start); the pattern ends with ``$``.  Each
  such rule reads a cue and a few words after it, so nothing it needs lies further back, and the
  window keeps a mention late in a long sentence from paying for the whole sentence once per
  rule.  The consent risk list, whose cue ("risks including") may open a long list, has a longer
  window.
* ``following``: the rest of the sentence and the whole next one, for an acceptance of an offer
  (category ACCEPTED, see :mod:`nlp.pipeline.acceptance`); it sets no flag itself.

Matching is kept cheap, and no shortcut changes a match (``tests/pipeline/test_context.py``
checks them on the dev notes):

* an ASCII note is lower-cased once, and each rule whose pattern names no capital letter runs
  case-sensitively on it, which Python's ``re`` does up to three times faster than with
  ``IGNORECASE`` (the case-blind alternations gain most);
* a rule does not run on a stretch that lacks what every match of it holds: a digit (the year
  rules), or one of a few words (its cue: "offered", "which", "mother" or "risk"), found with a
  substring test, which costs a fraction of a regex scan.  Both are read from the pattern, so a
  rule file cannot get them wrong; when unsure, the rule runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from spacy.tokens import Doc, Span

from nlp.pipeline.rulefiles import check_regex
from nlp.pipeline.spanvalues import set_span_value

CATEGORY_ATTRIBUTES = {
    "NEGATED_EXISTENCE": "is_negated", "POSSIBLE_EXISTENCE": "is_uncertain", "HISTORICAL": "is_historical",
    "HYPOTHETICAL": "is_hypothetical", "FAMILY": "is_family",
}
ACCEPTED = "ACCEPTED"
# How far before a mention (characters) a ``before`` rule's match may start, unless the rule says.
DEFAULT_WINDOW = 150


class TextRuleModel(BaseModel):
    """One text rule of ``context_rules.json`` (see the module docstring for ``position``)."""

    model_config = ConfigDict(extra="forbid")
    id: str
    category: Literal["HISTORICAL", "NEGATED_EXISTENCE", "POSSIBLE_EXISTENCE", "HYPOTHETICAL", "FAMILY", "ACCEPTED"]
    literal: str
    pattern: str
    allowed_types: list[str]
    position: Literal["after", "before", "following"] = "after"
    window: int | None = Field(None, ge=20)
    # ACCEPTED rules only: the hypothetical cues (context rule literals, text rule ids) an acceptance undoes.
    cancels: list[str] = Field(default_factory=list)

    _check = field_validator("pattern")(classmethod(lambda cls, v: check_regex(v)))

    @model_validator(mode="after")
    def _consistent(self) -> "TextRuleModel":
        if self.window is not None and self.position != "before":
            raise ValueError("window: only a rule with position 'before' has one")
        if (self.category == ACCEPTED) != bool(self.cancels):
            raise ValueError("cancels: an ACCEPTED rule names the hypothetical cues it undoes, and only it does")
        if (self.category == ACCEPTED) != (self.position == "following"):
            raise ValueError("position: an ACCEPTED rule, and only it, is matched on the 'following' text")
        return self


@dataclass(frozen=True)
class TextRule:
    """A compiled text rule."""

    id: str
    regex: re.Pattern[str]
    lower_regex: re.Pattern[str] | None  # the pattern without IGNORECASE, for lower-cased ASCII text
    category: str
    allowed: frozenset[str]
    before: bool
    window: int
    needs_digit: bool
    words: tuple[str, ...] | None  # one of them is in every match (lower case)
    cancels: frozenset[str]


def compile_rule(model: TextRuleModel) -> TextRule:
    before = model.position == "before"
    return TextRule(
        id=model.id, regex=re.compile(model.pattern, re.IGNORECASE),
        lower_regex=re.compile(model.pattern) if _case_free(model.pattern) else None, category=model.category,
        allowed=frozenset(model.allowed_types), before=before, window=model.window or DEFAULT_WINDOW,
        needs_digit=_needs_digit(model.pattern), words=_required_words(model.pattern),
        cancels=frozenset(name.lower() for name in model.cancels),
    )


def apply_text_rules(
    doc: Doc, text: str, spans: list[Span], rules: list[TextRule], sentence_ids: list[int],
    sentence_spans: list[tuple[int, int]], record_hypothetical: bool,
) -> dict[tuple[int, int], set[str]]:
    """Match each flag-setting rule beside each entity of an allowed type and set its flag.

    Returns, when ``record_hypothetical``, the ids of the HYPOTHETICAL rules that matched each
    entity (by character offsets), which an acceptance may undo.
    """
    fired: dict[tuple[int, int], set[str]] = {}
    lower = text.lower() if text.isascii() else None
    plans = _note_plans(rules, text, lower)
    for span in spans:
        plan = plans.get(span.label_)
        if not plan:
            continue
        start, end = span.start_char, span.end_char
        sentence_start, sentence_end = sentence_spans[sentence_ids[span.start]]
        # The text after the mention, per text read (the note, its lower-cased copy), and whether
        # it has a digit: read once per mention, shared by its ``after`` rules.
        after_lower = after_text = None
        digit_lower = digit_text = None
        for rule, regex, source, is_lower, words in plan:
            if rule.before:
                low = start - rule.window
                if low <= sentence_start:
                    low = sentence_start
                else:
                    while low < start and source[low - 1].isalnum():
                        low += 1  # no cut word: "grandmother" never reads as "mother"
                stretch = source[low:start]
                if words is not None and not any(map(stretch.__contains__, words)):
                    continue
                if rule.needs_digit and _DIGIT.search(stretch) is None:
                    continue
            elif is_lower:
                if after_lower is None:
                    after_lower = source[end:sentence_end]
                stretch = after_lower
                if rule.needs_digit:  # first: this test is read once per mention
                    if digit_lower is None:
                        digit_lower = _DIGIT.search(stretch) is not None
                    if not digit_lower:
                        continue
                if words is not None and not any(map(stretch.__contains__, words)):
                    continue
            else:
                if after_text is None:
                    after_text = source[end:sentence_end]
                stretch = after_text
                if rule.needs_digit:
                    if digit_text is None:
                        digit_text = _DIGIT.search(stretch) is not None
                    if not digit_text:
                        continue
            if regex.search(stretch) is not None:
                set_span_value(doc, span, CATEGORY_ATTRIBUTES[rule.category], True)
                if record_hypothetical and rule.category == "HYPOTHETICAL":
                    fired.setdefault((start, end), set()).add(rule.id)
    return fired


def _note_plans(
    rules: list[TextRule], text: str, lower: str | None,
) -> dict[str, list[tuple[TextRule, re.Pattern[str], str, bool, tuple[str, ...] | None]]]:
    """Per entity label, the rules allowed for it (in rule order): the rule, its regex, the text
    it reads, whether that is the lower-cased note, and the words of its prefilter (None: none).

    Built once per note, so a mention does not walk the rules of other labels.  A rule that
    cannot match anywhere in the note is left out: every stretch a rule reads is a part of the
    text it reads, so a required word missing from the whole lower-cased note, or a required
    digit missing from the whole note, is missing from each stretch, where the per-stretch
    prefilter would skip the rule anyway.
    """
    has_digit: dict[bool, bool] = {}
    plans: dict[str, list[tuple[TextRule, re.Pattern[str], str, bool, tuple[str, ...] | None]]] = {}
    for rule in rules:
        regex, source = _regex_and_text(rule, text, lower)
        is_lower = source is lower
        words = rule.words if is_lower else None  # the word prefilter reads lower-cased text only
        if rule.needs_digit:
            digit = has_digit.get(is_lower)
            if digit is None:
                digit = has_digit[is_lower] = _DIGIT.search(source) is not None
            if not digit:
                continue
        for label in rule.allowed:
            plans.setdefault(label, []).append((rule, regex, source, is_lower, words))
    return plans


def _regex_and_text(rule: TextRule, text: str, lower: str | None) -> tuple[re.Pattern[str], str]:
    """The rule's case-sensitive regex and the lower-cased note when both exist, else its own."""
    if lower is not None and rule.lower_regex is not None:
        return rule.lower_regex, lower
    return rule.regex, text


_DIGIT = re.compile(r"\d")


def _parsed(pattern: str) -> tuple[object, list] | None:
    try:
        from re import _constants as sre  # the parser ``re.compile`` itself uses
        from re import _parser

        return sre, list(_parser.parse(pattern, 0))
    except (ImportError, re.error):  # pragma: no cover - a Python without it: no prefilter
        return None


def _needs_digit(pattern: str) -> bool:
    """Whether every match of ``pattern`` holds a digit: a ``\\d`` or a digit outside any
    group, repeat or alternative.  False when unsure (then the rule always runs)."""
    parsed = _parsed(pattern)
    if parsed is None:  # pragma: no cover
        return False
    sre, items = parsed
    for op, value in items:
        if op is sre.IN and value and all(item == (sre.CATEGORY, sre.CATEGORY_DIGIT) for item in value):  # type: ignore[attr-defined]
            return True
        if op is sre.LITERAL and _DIGIT.match(chr(value)):  # type: ignore[attr-defined]
            return True
    return False


def _required_words(pattern: str) -> tuple[str, ...] | None:
    """Words (lower case) one of which every match of ``pattern`` holds, or None when unsure.

    Read from the pattern's top-level sequence, every item of which a match holds: a run of
    literal characters, or a group of alternatives that each start with one
    (``\\b(?:mother|father|...)``).  Of several such items, the one whose shortest word is
    longest (the rarest in a note).
    """
    parsed = _parsed(pattern)
    if parsed is None:  # pragma: no cover
        return None
    sre, items = parsed
    best: tuple[str, ...] | None = None
    for i, (op, value) in enumerate(items):
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            found = _words_at_start(sre, list(value[2])) if value[0] >= 1 else None
        elif op in (sre.LITERAL, sre.BRANCH, sre.SUBPATTERN):
            found = _words_at_start(sre, items[i:])
        else:
            continue  # zero width (\\b, ^, look-arounds) or a class: no word here
        if found and all(found) and (best is None or min(map(len, found)) > min(map(len, best))):
            best = found
    return best


def _words_at_start(sre, items) -> tuple[str, ...] | None:  # noqa: ANN001 - re's private parser types
    """The words one of which a match of ``items`` starts with, or None."""
    for i, (op, value) in enumerate(items):
        if op is sre.AT and value is sre.AT_BOUNDARY:
            continue  # zero width
        if op is sre.LITERAL:
            word = []
            for later_op, later_value in items[i:]:
                if later_op is not sre.LITERAL:
                    break
                word.append(chr(later_value).lower())
            return ("".join(word),)
        if op is sre.BRANCH:
            words: list[str] = []
            for alternative in value[1]:
                found = _words_at_start(sre, list(alternative))
                if found is None:
                    return None
                words.extend(found)
            return tuple(dict.fromkeys(words))
        if op is sre.SUBPATTERN:
            _, add_flags, del_flags, inner = value
            return None if add_flags or del_flags else _words_at_start(sre, list(inner))
        return None
    return None


def _case_free(pattern: str) -> bool:
    """Whether ``pattern`` without IGNORECASE finds on lower-cased ASCII text exactly what it
    finds with IGNORECASE on the text: no capital letter as a literal or in a class range, and no
    inline flags.  False when unsure."""
    parsed = _parsed(pattern)
    return parsed is not None and _no_capitals(parsed[0], parsed[1])


def _no_capitals(sre, items) -> bool:  # noqa: ANN001 - re's private parser types
    for op, value in items:
        if op in (sre.LITERAL, sre.NOT_LITERAL):
            if chr(value) != chr(value).lower():
                return False
        elif op is sre.IN:
            for item_op, item in value:
                if item_op is sre.LITERAL and chr(item) != chr(item).lower():
                    return False
                if item_op is sre.RANGE and item[0] <= ord("Z") and item[1] >= ord("A"):
                    return False
                if item_op not in (sre.LITERAL, sre.RANGE, sre.CATEGORY, sre.NEGATE):
                    return False
        elif op is sre.BRANCH:
            if not all(_no_capitals(sre, alternative) for alternative in value[1]):
                return False
        elif op is sre.SUBPATTERN:
            if value[1] or value[2] or not _no_capitals(sre, value[3]):
                return False
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            if not _no_capitals(sre, value[2]):
                return False
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            if not _no_capitals(sre, value[1]):
                return False
        elif op not in (sre.AT, sre.ANY, sre.CATEGORY, sre.GROUPREF):
            return False  # anything else: unsure
    return True

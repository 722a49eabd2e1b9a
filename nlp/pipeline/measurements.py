"""Lengths and areas in operative notes: one regular-expression pass, exact Decimal values.

Two layers:

* :func:`parse_measurements` is plain Python.  One compiled grammar finds every length or area
  (``0.5 cm``, ``.5cm``, ``five millimeters``, ``1.2 x 0.8 cm``, ``1-2 mm``, ``3 sq cm``,
  ``1/2 inch``) with its exact character offsets, converts it to centimetres with
  :class:`~decimal.Decimal` arithmetic only, and classifies it (lesion size, margin, excised
  diameter, wound length, specimen size, defect area or other) from the words around it.  The
  trigger words are data: ``nlp/resources/measurements.json``, each rule with a stable id.
* The ``opnote_measurements`` spaCy component runs the parser on ``doc.text`` and stores the
  results as labelled spans in ``doc.spans["opnote_measurements"]`` with their values in
  ``span._.opnote_value``.

Grammar rule ids (``ParsedMeasurement.rule``) are ``meas.<shape>_<unit>``: shape ``single``
(``2 mm``), ``words`` (``two millimeters``), ``dims`` (``1.2 x 0.8 cm``), ``range`` (``1-2 mm``)
or ``area`` (``3 sq cm``, single or range); unit ``cm``, ``mm``, ``in`` (``cm2``, ``mm2``,
``in2`` for areas) or ``mixed`` when the numbers carry different units (``1 cm to 12 mm``).

Not measurements, by construction: suture sizes (``4-0``), percentages, blade numbers, counts
(``x 2``), volumes and doses (``mL``, ``cc``, ``mg``), pressures (``mmHg``), dates and times.

Speed (about 0.11 ms per 250-word note; the plain statement below took 0.36 ms).  The results
are exactly those of the plain statement of the rules -- the grammar's ``finditer`` over the
note, one ``finditer``/``search`` per cue and window, one ``search`` per qualifier -- which
stays in the code (``_GRAMMAR``, ``_classify_reference``, ``MeasurementRules.cues``) as the
reference and the fallback.  What changes is where ``re`` spends its time:

* ``re`` only skips ahead fast (in C) to a character of a fixed set, and only rejects a branch
  after one test when it starts with a case-sensitive literal.  So the text is lower-cased once
  (:func:`_fold_lower`) and case-sensitive copies of the patterns run on it: the grammar
  (``_GRAMMAR_FOLDED``), and for ASCII windows the cue and qualifier patterns
  (:func:`_lower_pattern`, which refuses any pattern it cannot prove equivalent).
* The grammar runs only where a measurement can start (``_CANDIDATES``), not at each character.
* All cues of one direction run as one expression per window (:class:`_CueScanner`), dispatched
  on the first two characters of their patterns (:func:`_prefixes`, :func:`_dispatch`); the
  boundary and the qualifiers likewise (:class:`_Boundary`, :class:`_AnyOf`).
* The component writes ``span._.opnote_value`` straight into ``doc.user_data``, where
  ``span._`` keeps it.

``tests/pipeline/test_measurements_speed.py`` sets each fast path against the plain one;
``tests/pipeline/test_measurements_golden.py`` pins the whole output on every real note.
"""

import bisect
import re
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Iterable, Literal, Sequence

import srsly
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from spacy.language import Language
from spacy.tokens import Doc, Span

from nlp.errors import RuleFileError
from nlp.pipeline.doctext import doc_text
from nlp.pipeline.rulefiles import check_regex, read_json, resource_path
from nlp.pipeline.spanvalues import set_span_value
from nlp.records import Measure, MeasureKind
from nlp.records import Span as TextSpan
from nlp.regex_branches import required_chars, top_level_branches

__all__ = [
    "DEFAULT_RULES",
    "GRAMMAR_RULES",
    "LABELS",
    "SPANS_KEY",
    "MeasurementRules",
    "MeasurementTagger",
    "ParsedMeasurement",
    "load_measurement_rules",
    "make_measurements",
    "parse_measurements",
    "to_measure",
]

DEFAULT_RULES = "measurements.json"
RULES_FILE = "measurements.json"  # name inside a saved pipeline's component directory
SPANS_KEY = "opnote_measurements"
VALUE_EXTENSION = "opnote_value"

#: Span label for each measurement kind.
LABELS: dict[str, str] = {
    "lesion_size": "LESION_SIZE",
    "margin": "MARGIN",
    "excised_diameter": "EXCISED_DIAMETER",
    "wound_length": "WOUND_LENGTH",
    "specimen_size": "SPECIMEN_SIZE",
    "defect_area": "DEFECT_AREA",
    "other": "MEASUREMENT",
}

#: ``kind_rule`` of an area (always ``defect_area``) and of a length with no cue nearby.
AREA_RULE = "kind.area"
DEFAULT_RULE = "kind.default"
#: ``kind_rule`` of a length with no cue of its own that continues a list after a classified one.
LIST_RULE = "kind.list"

UnitNorm = Literal["cm", "mm", "in", "cm2", "mm2", "in2"]
Qualifier = Literal["approximately", "less_than", "at_most", "more_than", "at_least"]

# --------------------------------------------------------------------------------------------
# The grammar.  Built once at import (plain strings, no side effects), compiled once.
# --------------------------------------------------------------------------------------------

_CM = r"centimet(?:er|re)s?|cms?"
_MM = r"millimet(?:er|re)s?|mms?"
_IN = r"inch(?:es)?"
#: Length units.  Bare ``in`` counts only as ``in.`` or before punctuation, end of text or a
#: dimension sign ("2 in x 3 in"), never in "2 in the", "1 in 10"; a ``"`` only right after a digit.
_LENGTH_UNIT = (
    rf"(?:{_CM}|{_MM}|{_IN}|in\.(?!\w)|in(?=[ \t]*(?:[,;:)\]\n]|$|(?:[x×]|by)\s*\.?\d))"
    r"|(?<=\d)(?:\"|''|”))"
)
_AREA_UNIT = (
    rf"(?:sq\.?\s*(?:{_CM}|{_MM}|{_IN}|in\b)"
    rf"|square\s+(?:{_CM}|{_MM}|{_IN})"
    r"|(?:cm|mm|in)(?:\^?2|²)"
    r"|(?:cm|mm)\.?\s*sq\b"
    rf"|(?:{_CM}|{_MM}|{_IN})\s+squared)"
)
_SMALL_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS_WORDS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}
_WORD_VALUES: dict[str, int] = {w: i for i, w in enumerate(_SMALL_WORDS)} | _TENS_WORDS
_DIGIT_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine)"
_WORD_INT = (
    r"(?:(?:twenty|thirty|forty|fifty)(?:[-\s]" + _DIGIT_WORD + r"\b)?"
    # longest first, so "fourteen" is not read as "four"
    + "".join("|" + w for w in sorted(_SMALL_WORDS, key=len, reverse=True))
    + r")\b"
)
_FULL_UNIT_AHEAD = r"(?=[-\s]+(?:centimet|millimet|inch))"
_WORD_NUMBER = (
    rf"(?:(?:{_WORD_INT}|\d+)\s+and\s+(?:a|one)[-\s]half\b"  # one and a half, 2 and a half
    r"|(?:one|a)[-\s]half(?:\s+(?:of\s+)?an?\b)?"  # one-half, a half, one half of a
    r"|half\s+(?:of\s+)?an?\b"  # half a, half an
    rf"|half{_FULL_UNIT_AHEAD}"  # half centimeter, half-inch
    rf"|an?{_FULL_UNIT_AHEAD}"  # a centimeter
    rf"|{_WORD_INT})"
)
#: Digits: mixed fractions (3-1/2, 2 1/2), fractions with power-of-two denominators (exact in
#: Decimal), decimals with or without a leading zero.
_DIGIT_NUMBER = (
    r"(?:\d+(?:\s*-\s*|\s+)[1-9]\d?/(?:16|2|4|8)(?![\d/])"
    r"|[1-9]\d?/(?:16|2|4|8)(?![\d/])"
    r"|\d+(?:\.\d+)?(?![\d/])"
    r"|\.\d+)"
)
_NUMBER = rf"(?:{_DIGIT_NUMBER}|{_WORD_NUMBER})"
_JOIN = r"(?:[ \t]?-[ \t]?|\s*)"  # 2 mm, 2mm, 2-mm, two-millimeter
_DIM_SEP = r"(?:\s*[x×*]\s*|\s+by\s+)"
_RANGE_SEP = r"(?:\s*[-–—]\s*|\s+to\s+|\s+and\s+)"  # "and" only after "between" (checked in _find)
_END = r"(?![^\W_])(?!\s*(?:hg|h2o)\b)"  # not glued to a word (cm2 is an area, mmHg a pressure)
_START = r"(?<![\w.#/:])(?<!\d,)(?<!\d[-–])"  # not inside a word, number, date, ratio or range
#: Cheap test that a number can start here, so most words are rejected before the grammar runs.
_NUMBER_AHEAD = (
    r"(?=\d|\.\d|(?:" + "|".join(sorted(set(_WORD_VALUES) | {"half", "an", "a"}, key=len, reverse=True)) + r")\b)"
)


def _part(name: str, units: str, *, unit_required: bool) -> str:
    unit = rf"{_JOIN}(?P<{name}u>{units})"
    return rf"(?P<{name}n>{_NUMBER})" + (unit if unit_required else rf"(?:{unit}\.?)?")


_GRAMMAR = re.compile(
    _START
    + _NUMBER_AHEAD
    + r"(?:"
    # three dimensions, then two, then a range, then a single value: first that fits wins
    + rf"(?P<dims3>{_part('a1', _LENGTH_UNIT, unit_required=False)}{_DIM_SEP}"
    + rf"{_part('a2', _LENGTH_UNIT, unit_required=False)}{_DIM_SEP}"
    + rf"{_part('a3', _LENGTH_UNIT, unit_required=True)}){_END}"
    + rf"|(?P<dims2>{_part('b1', _LENGTH_UNIT, unit_required=False)}{_DIM_SEP}"
    + rf"{_part('b2', _LENGTH_UNIT, unit_required=True)}){_END}"
    + rf"|(?P<range>{_part('c1', _AREA_UNIT + '|' + _LENGTH_UNIT, unit_required=False)}{_RANGE_SEP}"
    + rf"{_part('c2', _AREA_UNIT + '|' + _LENGTH_UNIT, unit_required=True)}){_END}"
    + rf"|(?P<single>{_part('e1', _AREA_UNIT + '|' + _LENGTH_UNIT, unit_required=True)}){_END}"
    + r")",
    re.IGNORECASE,
)
_SHAPES = {"dims3": ("a1", "a2", "a3"), "dims2": ("b1", "b2"), "range": ("c1", "c2"), "single": ("e1",)}


#: Case-sensitive copy of the grammar for the folded text (:func:`_fold_lower`): there a literal
#: that does not match the first character is skipped in one test, which ``re`` cannot do for
#: case-insensitive literals, so the grammar runs about twice as fast.  The grammar is written
#: in lower case (upper-case letters only in escapes such as ``\W``), so the pattern is the same.
_GRAMMAR_FOLDED = re.compile(_GRAMMAR.pattern)
#: What must come next after the number a measurement starts with (after its digits, or after a
#: number word and ``\b``), past any spaces and dashes (joins, range dashes): a unit (c, m, i, s,
#: quotes), a dimension sign, "by", "to", "and", or the next number (a digit, ``.digit``, a number
#: word, "a", "half").  Rejects "4 weeks", "two-layer", "1% lidocaine", "2. Excision" at once.
_NEXT_AFTER_NUMBER = r"(?=[-\s–—]*(?:[cmis\"'”x×*\dzotfenhab]|\.\d))"


def _trie(words: Iterable[str]) -> str:
    """The words as a trie, ``t(?:en|w(?:o|elve))``: at each character the branches start with
    different literals, so ``re`` rejects all but one after one test each."""
    words = set(words)
    by_first: dict[str, set[str]] = {}
    for word in words:
        if word:
            by_first.setdefault(word[0], set()).add(word[1:])
    branches = []
    for first, rests in sorted(by_first.items()):
        sub = _trie(rests)
        if not sub:
            branches.append(first)
        elif "" in rests:
            branches.append(f"{first}(?:{sub})?")
        else:
            branches.append(f"{first}(?:{sub})" if "|" in sub else first + sub)
    return "|".join(branches)


def _number_start(words: Iterable[str]) -> str:
    """A pattern for where a measurement can start (on folded text): a trie of literals."""
    # all of the digits at once (possessive): the number ends there or at a space or dash
    return (
        r"(?:\d(?:\d|[./]\d)*+" + _NEXT_AFTER_NUMBER
        + r"|\.\d(?:\d|[./]\d)*+" + _NEXT_AFTER_NUMBER
        + r"|(?:" + _trie(words) + r")\b" + _NEXT_AFTER_NUMBER
        + r"|an?(?=[-\s]+(?:half|centimet|millimet|inch)))"  # a half, a centimeter
    )


#: Where the grammar can start, found without running it at every character: ``_START`` holds
#: (after a character not in ``[\w.#/:]``, or at offset 0) and a number starts (a digit,
#: ``.digit`` or a number word; "a"/"an" only before "half" or a unit spelt out) and is followed
#: by :data:`_NEXT_AFTER_NUMBER`.  It runs on the folded text, so every branch starts with a
#: case-sensitive literal, and ``re`` jumps from one non-word character to the next in C.  It
#: may accept more than the grammar (which is then tried there), never less:
#: ``tests/pipeline/test_measurements_speed.py`` checks that.
_NUMBER_START = _number_start(set(_WORD_VALUES) | {"half"})
_CANDIDATES_ASCII = re.compile(r"[^a-z0-9_.#/:](?=" + _NUMBER_START + r")(?<!\d,)(?<!\d[-–])")
_CANDIDATES = re.compile(r"[^\w.#/:](?=" + _NUMBER_START + r")(?<!\d,)(?<!\d[-–])")
_CANDIDATE_AT_0 = re.compile(_NUMBER_START)
#: The non-ASCII characters ``re.IGNORECASE`` matches to an ASCII letter, folded to that letter
#: before lower-casing (``str.lower`` leaves ı and ſ, and makes İ two characters).
_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


def _fold_lower(text: str) -> str | None:
    """``text`` lower-cased so that the case-insensitive grammar matches ``text`` exactly where
    the case-sensitive one matches the result (same offsets).

    None when folding would move offsets (never seen: only U+0130 lower-cases to two
    characters, and it is folded first).
    """
    if text.isascii():
        return text.lower()
    folded = text.translate(_FOLD).lower()
    return folded if len(folded) == len(text) else None


def _grammar_matches(text: str) -> list[re.Match[str]]:
    """The grammar's matches in ``text``: the spans and groups of ``_GRAMMAR.finditer(text)``.

    The matches may be on the folded text: take the strings from ``text`` by their spans.
    """
    low = _fold_lower(text)
    if low is None:  # pragma: no cover - see _fold_lower
        return list(_GRAMMAR.finditer(text))
    match = _GRAMMAR_FOLDED.match
    out: list[re.Match[str]] = []
    pos = 0
    if _CANDIDATE_AT_0.match(low) is not None:
        first = match(low, 0)
        if first is not None:
            out.append(first)
            pos = first.end()
    candidates = _CANDIDATES_ASCII if low.isascii() else _CANDIDATES
    for candidate in candidates.finditer(low):
        start = candidate.end()
        if start < pos:  # inside the previous measurement
            continue
        found = match(low, start)
        if found is not None:
            out.append(found)
            pos = found.end()
    return out


_UNIT_FACTORS: dict[str, Decimal] = {"in": Decimal("2.54"), "in2": Decimal("6.4516")}

#: Every grammar rule id :func:`parse_measurements` can emit.
GRAMMAR_RULES: tuple[str, ...] = tuple(
    [f"meas.{shape}_{unit}" for shape in ("single", "words", "dims", "range") for unit in ("cm", "mm", "in", "mixed")]
    + [f"meas.area_{unit}" for unit in ("cm2", "mm2", "in2", "mixed")]
)


@lru_cache(maxsize=1024)
def _unit_norm(written: str) -> UnitNorm:
    """Normalise a unit as written (``Millimeters``, ``sq. cm``, ``"``) to cm/mm/in(+2)."""
    u = written.lower()
    area = bool(re.search(r"sq|square|2|²", u))
    if "mm" in u or "milli" in u:
        base = "mm"
    elif "cm" in u or "centi" in u:
        base = "cm"
    else:
        base = "in"
    return (base + "2" if area else base)  # type: ignore[return-value]


def _to_cm(value: Decimal, unit: UnitNorm) -> Decimal:
    """Convert to centimetres (square centimetres for areas) exactly, without rounding."""
    if unit == "mm":
        return value.scaleb(-1)  # move the decimal point: 24 mm -> 2.4 cm exactly
    if unit == "mm2":
        return value.scaleb(-2)
    if unit in ("cm", "cm2"):
        return value
    product = value * _UNIT_FACTORS[unit]  # exact: 2.54 and 6.4516 are finite decimals
    return product.quantize(Decimal(1)) if product == product.to_integral_value() else product.normalize()


def _word_value(words: str) -> Decimal:
    w = " ".join(words.lower().replace("-", " ").split())
    if w.endswith("half") and " and " in w:
        head = w.split(" and ")[0]
        whole = Decimal(head) if head.isdigit() else _word_value(head)
        return whole + Decimal("0.5")
    if "half" in w:
        return Decimal("0.5")
    if w in ("a", "an"):
        return Decimal(1)
    parts = w.split()
    total = 0
    for part in parts:
        total += _WORD_VALUES[part]
    return Decimal(total)


def _number_value(raw: str) -> tuple[Decimal, bool]:
    """Exact value of a number as written, and whether it was written in words."""
    s = raw.strip()
    if s[0].isdigit() or s[0] == ".":
        if " and " in s.lower():
            return _word_value(s), True
        if "/" in s:
            mixed = re.fullmatch(r"(\d+)(?:\s*-\s*|\s+)(\d+)/(\d+)", s)
            if mixed:
                whole, num, den = mixed.groups()
                return Decimal(whole) + Decimal(num) / Decimal(den), False
            num, den = s.split("/")
            return Decimal(num) / Decimal(den), False
        return Decimal(s), False
    return _word_value(s), True


# --------------------------------------------------------------------------------------------
# The trigger-word rules (data), validated at load.
# --------------------------------------------------------------------------------------------

_RULE_ID = r"^[a-z_]+(\.[a-z0-9_]+)+$"


class CueExample(BaseModel):
    """A snippet that must classify as its rule says; the test-suite checks every one."""

    model_config = ConfigDict(extra="forbid")
    text: str
    value_cm: str | None = None


class CueRule(BaseModel):
    """Words near a measurement that say what it measures."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=_RULE_ID)
    kind: MeasureKind
    literal: str
    position: Literal["before", "after", "either"]
    priority: int = Field(ge=0, le=20)
    max_distance: int = Field(default=6, ge=0, le=20)
    max_distance_after: int | None = Field(default=None, ge=0, le=20)
    #: The cue only counts for a measurement written with at least this many numbers: 2 for
    #: "final defect 1.8 x 1.5 cm", an area, where "final defect 1.8 cm" is a length.
    min_dimensions: int = Field(default=1, ge=1, le=3)
    per_side: bool = True
    sections: str | None = None
    patterns: list[str] = Field(min_length=1)
    examples: list[CueExample] = Field(default_factory=list)

    @field_validator("patterns")
    @classmethod
    def _patterns_compile(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            check_regex(pattern)
            if re.fullmatch(pattern, "", re.IGNORECASE):
                raise ValueError(f"pattern {pattern!r} matches the empty string; it would fire everywhere")
        return patterns

    @field_validator("sections")
    @classmethod
    def _sections_compile(cls, pattern: str | None) -> str | None:
        return None if pattern is None else check_regex(pattern)


class SectionRule(BaseModel):
    """The kind of an un-cued measurement inside a section whose name matches ``pattern``."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=_RULE_ID)
    kind: MeasureKind
    literal: str
    pattern: str

    _check = field_validator("pattern")(classmethod(lambda cls, v: check_regex(v)))


class QualifierRule(BaseModel):
    """Words just before a measurement that qualify it ("approximately", "less than")."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=_RULE_ID)
    qualifier: Qualifier
    patterns: list[str] = Field(min_length=1)

    _check = field_validator("patterns")(classmethod(lambda cls, v: [check_regex(p) for p in v]))


class Settings(BaseModel):
    """How far the context windows reach; the values live only in the rule file."""

    model_config = ConfigDict(extra="forbid")
    before_chars: int = Field(ge=0, le=400)
    after_chars: int = Field(ge=0, le=400)
    punctuation_cost: int = Field(ge=0, le=10)
    boundary: str

    _check = field_validator("boundary")(classmethod(lambda cls, v: check_regex(v)))


class MeasurementRuleFile(BaseModel):
    """Schema of ``nlp/resources/measurements.json``."""

    model_config = ConfigDict(extra="forbid")
    version: str
    description: str = ""
    settings: Settings
    cues: list[CueRule]
    sections: list[SectionRule] = Field(default_factory=list)
    qualifiers: list[QualifierRule] = Field(default_factory=list)


def _validate(data: object, path: Path | str) -> MeasurementRuleFile:
    """Validate a rule file; errors name the file, the rule id and the field."""
    try:
        rules = MeasurementRuleFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = first.get("loc", ())
        rule_id = None
        if len(loc) >= 2 and isinstance(loc[1], int) and isinstance(data, dict):
            try:
                rule_id = data[loc[0]][loc[1]].get("id") or f"{loc[0]}#{loc[1]}"
            except (IndexError, KeyError, AttributeError, TypeError):
                rule_id = f"{loc[0]}#{loc[1]}"
        field = ".".join(str(part) for part in loc)
        raise RuleFileError(path, rule_id, f"{field}: {first.get('msg')}") from None
    seen: set[str] = set()
    for rule in [*rules.cues, *rules.sections, *rules.qualifiers]:
        if rule.id in seen:
            raise RuleFileError(path, rule.id, "duplicate id; every rule needs its own stable id")
        seen.add(rule.id)
        if rule.id in (AREA_RULE, DEFAULT_RULE, LIST_RULE):
            raise RuleFileError(path, rule.id, "this id is reserved for built-in decisions; rename the rule")
    for cue in rules.cues:
        if not cue.per_side and cue.kind != "margin":
            raise RuleFileError(path, cue.id, "per_side is only meaningful for kind 'margin'; remove it")
    return rules


@dataclass(frozen=True, slots=True)
class _Cue:
    rule: CueRule
    regex: re.Pattern[str]
    section_regex: re.Pattern[str] | None
    order: int


# --------------------------------------------------------------------------------------------
# Fast matching of the rule patterns.  Every structure here gives exactly what the plain
# per-rule regular expressions give (``_classify_reference`` keeps that plain loop; the tests run
# both); rule files whose patterns these cannot take keep the plain path.
# --------------------------------------------------------------------------------------------

#: The non-ASCII characters ``re.IGNORECASE`` matches to an ASCII letter (İ ı ſ and the Kelvin sign).
_CASE_SPECIAL = frozenset("\u0130\u0131\u017f\u212a")
_CLASS_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "a": "\a", "b": "\b"}


def _range_is_case_safe(lo: str, hi: str) -> bool:
    """Whether a class range means the same lower-cased as under IGNORECASE, on ASCII text."""
    if any(lo <= ch <= hi for ch in _CASE_SPECIAL):
        return False
    if "a" <= lo <= hi <= "z" or "A" <= lo <= hi <= "Z":
        return True
    return not any(lo <= chr(c) <= hi for c in (*range(65, 91), *range(97, 123)))


def _lower_pattern(pattern: str) -> str | None:
    """``pattern`` for lower-cased ASCII text without ``re.IGNORECASE``, or None when unsure.

    On ASCII text a case-insensitive pattern matches exactly where its source, with literal
    letters lower-cased, matches the lower-cased text case-sensitively.  ``re`` matches
    case-sensitive literals much faster (it rejects a branch on its first character in one
    test).  Patterns that name characters by code (``\\x41``, ``\\N{...}``), set flags inline,
    use groups, or have a class range mixing letters with other characters (``[A-z]``) are
    left alone (None).
    """
    if _CASE_SPECIAL.intersection(pattern):
        return None
    out: list[str] = []
    i, n = 0, len(pattern)

    def atom(j: int) -> tuple[str | None, str, int]:
        """(character or None for a class escape, source, next index) of one class item."""
        if pattern[j] == "\\":
            esc = pattern[j + 1 : j + 2]
            if not esc or esc in "xuUNg0123456789":
                raise ValueError(esc)
            if esc.isascii() and esc.isalpha():
                return _CLASS_ESCAPES.get(esc), pattern[j : j + 2], j + 2
            return esc, pattern[j : j + 2], j + 2
        return pattern[j], pattern[j].lower() if pattern[j].isascii() else pattern[j], j + 1

    try:
        while i < n:
            ch = pattern[i]
            if ch == "\\":
                atom(i)  # raises on escapes that name characters by code
                out.append(pattern[i : i + 2])
                i += 2
            elif ch == "(" and pattern.startswith("(?", i) and pattern[i + 2 : i + 3] not in (":", "=", "!", "<", ">", "#"):
                return None  # inline flags, named groups, conditionals
            elif ch == "(" and pattern.startswith("(?<", i) and pattern[i + 3 : i + 4] not in ("=", "!"):
                return None  # (?<name>...) in newer Pythons
            elif ch == "[":
                out.append("[")
                i += 1
                if pattern.startswith("^", i):
                    out.append("^")
                    i += 1
                first = True
                while i < n and (pattern[i] != "]" or first):
                    first = False
                    lo, source, i = atom(i)
                    if i + 1 < n and pattern[i] == "-" and pattern[i + 1] != "]":
                        hi, hi_source, i = atom(i + 1)
                        if lo is None or hi is None or not _range_is_case_safe(lo, hi):
                            return None
                        out.append(f"{source}-{hi_source}")
                    else:
                        out.append(source)
                if i >= n:
                    return None
                out.append("]")
                i += 1
            else:
                out.append(ch.lower() if ch.isascii() else ch)
                i += 1
    except (ValueError, IndexError):
        return None
    lowered = "".join(out)
    try:
        if re.compile(lowered).groups or re.compile(pattern).groups:
            return None
    except re.error:
        return None
    return lowered


def _prefixes(pattern: str, n: int, limit: int = 512) -> frozenset[str] | None:
    """The strings of ``n`` characters that any match of ``pattern`` (compiled without flags)
    starts with, when they are few and plain to see; else None (also when a match can be
    shorter than ``n``).  A superset: lookarounds and anchors are ignored."""
    try:
        from re import _constants as sre  # the parser ``re.compile`` itself uses
        from re import _parser
    except ImportError:  # pragma: no cover - a Python without it: no shortcuts, same results
        return None
    repeats = tuple(op for op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)) if op)
    groups = tuple(op for op in (sre.SUBPATTERN, getattr(sre, "ATOMIC_GROUP", None)) if op)

    def chars_of(op, av) -> set[str]:
        if op is sre.LITERAL:
            return {chr(av)}
        chars: set[str] = set()
        for item_op, item in av:  # IN
            if item_op is sre.LITERAL:
                chars.add(chr(item))
            elif item_op is sre.RANGE and item[1] - item[0] < 64:
                chars.update(chr(c) for c in range(item[0], item[1] + 1))
            else:  # a negated class, a category (\d, \w), a wide range
                raise ValueError(item_op)
        return chars

    def walk(items: list, heads: set[str]) -> set[str]:
        """The prefixes of matches of ``items`` continuing each of ``heads`` (shorter than n)."""
        done: set[str] = set()
        for i, (op, av) in enumerate(items):
            if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
                continue  # zero width
            rest = items[i + 1 :]
            if op in (sre.LITERAL, sre.IN):
                chars = chars_of(op, av)
                heads = {h + c for h in heads for c in chars}
            elif op is sre.BRANCH:
                return done.union(*(walk(list(branch) + rest, heads) for branch in av[1]))
            elif op in groups:
                if op is sre.SUBPATTERN and (av[1] or av[2]):
                    raise ValueError("inline flags")
                return done | walk(list(av[-1] if op is sre.SUBPATTERN else av) + rest, heads)
            elif op in repeats:
                low, high, sub = av
                if low > n + 1:
                    raise ValueError("long repeat")
                return done.union(*(walk(list(sub) * k + rest, heads) for k in range(low, min(high, low + n) + 1)))
            else:  # any character, a group reference, a conditional ...
                raise ValueError(op)
            done |= {h for h in heads if len(h) >= n}
            heads = {h for h in heads if len(h) < n}
            if len(done) + len(heads) > limit:
                raise ValueError("too many")
            if not heads:
                return done
        if heads:
            raise ValueError("a match can be shorter than n")
        return done

    try:
        parsed = _parser.parse(pattern, 0)
        if parsed.state.flags & ~re.UNICODE.value:
            return None  # inline global flags
        found = walk(list(parsed), {""})
    except (ValueError, re.error, RecursionError):
        return None
    return frozenset(found) if found else None


def _char(c: str) -> str:
    """``c`` as a pattern (escaped by code, valid inside and outside a class)."""
    return f"\\U{ord(c):08x}"


def _dispatch(bodies: dict[str, str], n: int) -> str:
    """An alternation that tries ``bodies[prefix]`` where the text continues with ``prefix``.

    Written as a trie of case-sensitive literals, ``a(?:b...|c...)|d(?:...)``: ``re`` rejects a
    branch after one test of the character it starts with (only for such literals), so each
    position costs a few tests.  A body runs after the ``n`` prefix characters; it steps back
    with a lookbehind ``(?<=...[\\s\\S]{n})`` to look at the text from the prefix's start.
    """
    by_first: dict[str, dict[str, str]] = {}
    for prefix, body in bodies.items():
        by_first.setdefault(prefix[0], {})[prefix[1:]] = body
    branches = []
    for first, rests in sorted(by_first.items()):
        if n == 1:
            branches.append(_char(first) + rests[""])
        else:
            branches.append(_char(first) + "(?:" + _dispatch(rests, n - 1) + ")")
    return "|".join(branches)


class _Boundary:
    """The sentence-ish boundary of the context windows: the last one before a measurement and
    the first one after it, as ``finditer``/``search`` of the boundary pattern give them.

    The pattern starts with lookbehinds, so ``re`` would run them at every character; ``fast``
    jumps (in C) to the characters a boundary can start with and captures the boundary there.
    """

    def __init__(self, pattern: str, *, split: bool = True) -> None:
        self.regex = re.compile(pattern)
        self.fast: re.Pattern[str] | None = None
        first = _prefixes(pattern, 1)
        if first is not None and not self.regex.groups:
            try:
                chars = "[" + "".join(_char(c) for c in sorted(first)) + "]"
                self.fast = re.compile(chars + r"(?<=(?=(" + pattern + r"))[\s\S])")
            except re.error:  # pragma: no cover - e.g. a lookbehind re cannot nest
                self.fast = None
        # A branch needing a character the window lacks cannot match in it: such windows are
        # scanned by the pattern without those branches (same matches, fewer tries per character).
        self._branches = top_level_branches(pattern) if split and not self.regex.groups else None
        self._needs = [required_chars(b) for b in self._branches] if self._branches else []
        needed = sorted(set().union(*(chars for needs in self._needs for chars in needs)))
        self._needed = re.compile("[" + "".join(_char(c) for c in needed) + "]") if needed else None
        # which needed characters a window holds -> the boundary for it (a handful of keys)
        self._by_chars: dict[frozenset[str], _Boundary | None] = {}

    def _for(self, window: str) -> "_Boundary | None":
        """The boundary for ``window``: this one, or the one made of the branches that can match
        in it (None when none can)."""
        if self._needed is None:
            return self
        present = frozenset(self._needed.findall(window))
        try:
            return self._by_chars[present]
        except KeyError:
            pass
        able = tuple(k for k, needs in enumerate(self._needs) if all(not chars.isdisjoint(present) for chars in needs))
        if len(able) == len(self._needs):
            boundary: _Boundary | None = self
        elif not able:
            boundary = None
        else:
            boundary = _Boundary("|".join(self._branches[k] for k in able), split=False)  # type: ignore[index]
        self._by_chars[present] = boundary
        return boundary

    def last_end(self, window: str) -> int:
        """End of the last boundary in ``window`` (0 without one)."""
        boundary = self._for(window)
        if boundary is None:
            return 0
        return boundary._last_end(window)

    def first_start(self, window: str) -> int | None:
        """Start of the first boundary in ``window`` (None without one)."""
        boundary = self._for(window)
        if boundary is None:
            return None
        b = (boundary.fast or boundary.regex).search(window)
        return None if b is None else b.start()

    def _last_end(self, window: str) -> int:
        if self.fast is None:
            cut = 0
            for b in self.regex.finditer(window):
                cut = b.end()
            return cut
        cut = free = 0  # finditer resumes at a boundary's end: skip those starting inside it
        for b in self.fast.finditer(window):
            start, end = b.span(1)
            if start >= free:
                cut = free = end
        return cut


def _alternation(patterns: Iterable[str]) -> str:
    return "|".join(f"(?:{p})" for p in patterns)


class _CueScanner:
    """Every cue of one direction in one regular expression, run once per context window.

    A cue's own regular expression is ``(?<!\\w)(?:patterns)(?!\\w)``.  Here, at each position
    where at least one cue matches, a lookahead per cue captures what that cue matches there
    (``(?:(?=(patterns)(?!\\w))|)``, nothing when it does not).  So one pass gives every position
    where each cue matches: the cue's ``search`` is the first, its ``finditer`` the chain of
    non-overlapping ones from the left.

    ``regex`` takes any text.  ``lowered`` takes ASCII windows, lower-cased (:func:`_lower_pattern`),
    and is built for speed with :func:`_dispatch`: per two-character prefix (one when some
    pattern's prefixes are unclear) it holds only the cues and patterns that can start so, each
    (prefix, cue) with its own group, and it fails the position (``(?(g)|...(?!))``) when none
    matched there.
    """

    def __init__(self, cues: Sequence[_Cue]) -> None:
        self.cues = tuple(cues)
        patterns = [list(c.rule.patterns) for c in self.cues]
        self._every = tuple((k + 1, k) for k in range(len(self.cues)))  # (group, cue index)
        self.lowered: re.Pattern[str] | None = None
        self._width = 0  # prefix length of ``lowered``
        self._step = False
        self._groups: dict[str, tuple[tuple[int, int], ...]] = {}  # prefix -> (group, cue index)
        lowered = [[_lower_pattern(p) for p in ps] for ps in patterns]
        if not self.cues or not all(p is not None for ps in lowered for p in ps):
            return
        for n in (2, 1):
            prefixes = [[_prefixes(p, n) for p in ps] for ps in lowered]  # type: ignore[arg-type]
            if all(prefix_set for sets in prefixes for prefix_set in sets):
                break
        else:
            return
        bodies: dict[str, str] = {}
        group = 0
        for prefix in sorted(set().union(*(s for sets in prefixes for s in sets))):  # type: ignore[arg-type]
            captures, groups = [], []
            for k, (ps, sets) in enumerate(zip(lowered, prefixes, strict=False)):
                here = [p for p, prefix_set in zip(ps, sets, strict=False) if prefix in prefix_set]  # type: ignore[operator]
                if here:
                    group += 1
                    captures.append(rf"(?:(?=({_alternation(here)})(?!\w))|)")  # type: ignore[arg-type]
                    groups.append((group, k))
            none_matched = "(?!)"
            for g, _ in reversed(groups):
                none_matched = f"(?({g})|{none_matched})"
            bodies[prefix] = "(?<=" + "".join(captures) + rf"[\s\S]{{{n}}})" + none_matched
            self._groups[prefix] = tuple(groups)
        try:
            self.lowered = re.compile(r"(?<!\w)(?:" + _dispatch(bodies, n) + ")")
            self._width = n
        except (re.error, RecursionError, OverflowError):  # pragma: no cover - too large for re
            self.lowered = None
        # A hit consumes its prefix, and ``finditer`` goes on after it: fine while a cue can only
        # start after a non-word character, as no prefix starts with one.  Else step one by one.
        self._step = any(not (prefix[0].isalnum() or prefix[0] == "_") for prefix in bodies)

    @cached_property
    def regex(self) -> re.Pattern[str]:
        """The scanner for any window (only needed for non-ASCII ones, so built on first use)."""
        patterns = [list(c.rule.patterns) for c in self.cues]
        return re.compile(
            r"(?<!\w)(?=" + "|".join(f"(?:{_alternation(ps)})(?!\\w)" for ps in patterns) + ")"
            + "".join(rf"(?:(?=({_alternation(ps)})(?!\w))|)" for ps in patterns),
            re.IGNORECASE,
        )

    def _hits(self, window: str) -> list[tuple[re.Match[str], tuple[tuple[int, int], ...]]]:
        """Each position where a cue matches: the match, and (group, cue) for the cues that may."""
        if not self.cues:
            return []
        if self.lowered is not None and window.isascii():
            low = window.lower()
            groups, n = self._groups, self._width
            if not self._step:
                return [(hit, groups[low[hit.start() : hit.start() + n]]) for hit in self.lowered.finditer(low)]
            out, search, pos = [], self.lowered.search, 0
            while (hit := search(low, pos)) is not None:
                pos = hit.start()
                out.append((hit, groups[low[pos : pos + n]]))
                pos += 1
            return out
        every = self._every
        return [(hit, every) for hit in self.regex.finditer(window)]

    def first(self, window: str) -> dict[int, tuple[int, int]] | None:
        """Cue index -> span of the cue's first match in ``window``; None if a match is empty."""
        out: dict[int, tuple[int, int]] = {}
        for hit, cues in self._hits(window):
            span = hit.span
            for g, k in cues:
                if k not in out:
                    start, end = span(g)
                    if start >= 0:
                        if start == end:
                            return None
                        out[k] = (start, end)
        return out

    def last(self, window: str) -> dict[int, tuple[int, int]] | None:
        """Cue index -> span of the last match ``finditer`` gives for the cue; None if one is empty."""
        out: dict[int, tuple[int, int]] = {}
        for hit, cues in self._hits(window):
            span = hit.span
            for g, k in cues:
                start, end = span(g)
                if start >= 0:
                    if start == end:
                        return None
                    previous = out.get(k)
                    if previous is None or start >= previous[1]:  # finditer resumes at the end
                        out[k] = (start, end)
        return out


class _AnyOf:
    """Whether any of some case-insensitive regular expressions matches: the plain alternation,
    and for ASCII windows a lower-cased one dispatched on first characters (:func:`_dispatch`)."""

    def __init__(self, patterns: Sequence[str], head: str, tail: str) -> None:
        self.source = "|".join(f"(?:{head}(?:{p}){tail})" for p in patterns) or "(?!)"
        self.lowered: re.Pattern[str] | None = None
        lowered = [_lower_pattern(p) for p in patterns]
        firsts = [None if p is None else _prefixes(p, 1) for p in lowered]
        if patterns and all(firsts) and _lower_pattern(head + tail) is not None:
            bodies = {
                c: "(?<=(?=" + "|".join(f"(?:{p}){tail}" for p, f in zip(lowered, firsts, strict=False) if c in f) + r")[\s\S])"  # type: ignore[operator]
                for c in sorted(set().union(*firsts))  # type: ignore[arg-type]
            }
            try:
                self.lowered = re.compile(head + "(?:" + _dispatch(bodies, 1) + ")")
            except (re.error, RecursionError, OverflowError):  # pragma: no cover - too large for re
                self.lowered = None

    @cached_property
    def regex(self) -> re.Pattern[str]:
        return re.compile(self.source, re.IGNORECASE)

    def search(self, window: str) -> bool:
        if self.lowered is not None and window.isascii():
            return self.lowered.search(window.lower()) is not None
        return self.regex.search(window) is not None


class MeasurementRules:
    """A validated rule file with every pattern compiled once.  Build with :func:`load_measurement_rules`."""

    def __init__(self, data: MeasurementRuleFile, source: str = "<memory>") -> None:
        self.data = data
        self.source = source
        self.settings = data.settings
        flags = re.IGNORECASE
        self.cues = tuple(
            _Cue(
                rule=cue,
                regex=re.compile(r"(?<!\w)(?:" + "|".join(f"(?:{p})" for p in cue.patterns) + r")(?!\w)", flags),
                section_regex=re.compile(cue.sections, flags) if cue.sections else None,
                order=i,
            )
            for i, cue in enumerate(data.cues)
        )
        self.sections = tuple((rule, re.compile(rule.pattern, flags)) for rule in data.sections)
        self.qualifiers = tuple(
            (rule, re.compile(r"(?<!\w)(?:" + "|".join(f"(?:{p})" for p in rule.patterns) + r")(?:\s+(?:a|an|the))?\W*$", flags))
            for rule in data.qualifiers
        )
        self.boundary = re.compile(data.settings.boundary)

    # The same rules for the fast paths (one pass per window), built on first use: a rule file
    # that is only validated or saved does not pay for them.
    @cached_property
    def _boundary(self) -> "_Boundary":
        return _Boundary(self.data.settings.boundary)

    @cached_property
    def _before(self) -> "_CueScanner":
        return _CueScanner([c for c in self.cues if c.rule.position != "after"])

    @cached_property
    def _after(self) -> "_CueScanner":
        return _CueScanner([c for c in self.cues if c.rule.position != "before"])

    @cached_property
    def _any_qualifier(self) -> "_AnyOf":
        patterns = [_alternation(rule.patterns) for rule in self.data.qualifiers]
        return _AnyOf(patterns, r"(?<!\w)", r"(?:\s+(?:a|an|the))?\W*$")

    @classmethod
    def from_dict(cls, data: object, source: str | Path = "<memory>") -> "MeasurementRules":
        return cls(_validate(data, source), str(source))

    def to_dict(self) -> dict:
        return self.data.model_dump(mode="json")


def load_measurement_rules(path: str | Path | None = None) -> MeasurementRules:
    """Load and validate a measurement rule file (``None``: the one shipped in the package).

    Raises:
        RuleFileError: the file is missing, not JSON, or a rule is invalid (names file + rule).
    """
    if path is None:
        return _packaged_rules()
    path = Path(path)
    return MeasurementRules(_validate(read_json(path), path), str(path))


@lru_cache(maxsize=1)
def _packaged_rules() -> MeasurementRules:
    path = resource_path(DEFAULT_RULES)
    return MeasurementRules(_validate(read_json(path), path), str(path))


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParsedMeasurement:
    """One length or area found in a note.

    ``value_cm`` is the value that matters for coding: the greatest dimension, or for a margin
    the narrowest number given (``margins of 1-2 mm`` -> 0.1).  Areas are in square centimetres,
    including a defect or graft written as two dimensions (``defect 1.8 x 1.5 cm`` -> 2.70, with
    ``unit_norm`` cm2 and ``is_area`` false, as it was not written as an area).
    ``dimensions`` keeps every number in centimetres, in the order written (both ends of a range).
    ``unit`` is the final unit as written ("millimeters", "sq cm"); ``unit_norm`` is cm, mm, in,
    cm2, mm2 or in2.  ``rule`` is the grammar rule id (``meas.dims_cm``); ``kind_rule`` the id of
    the cue, section rule or built-in decision (``kind.area``, ``kind.default``) that chose
    ``kind``, and ``cue_start``/``cue_end`` the offsets of the cue words (None without a cue).
    ``per_side`` is True for a margin unless the note says it is a total ("total margin 4 mm").
    """

    start: int
    end: int
    text: str
    kind: MeasureKind
    value_cm: Decimal
    dimensions: tuple[Decimal, ...]
    unit: str
    unit_norm: UnitNorm
    is_area: bool
    is_range: bool
    rule: str
    kind_rule: str
    per_side: bool = False
    cue_start: int | None = None
    cue_end: int | None = None
    section: str | None = None
    qualifier: Qualifier | None = None
    in_words: bool = False

    @property
    def sub_mm(self) -> bool:
        """True when the value is not a whole number of millimetres (5.5 mm): a boundary query."""
        tenths = self.value_cm * 10
        return tenths != tenths.to_integral_value()

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    def as_value(self) -> dict:
        """The JSON-safe dict stored in ``span._.opnote_value`` (numbers as strings, for exactness)."""
        return {
            "value_cm": str(self.value_cm),
            "dimensions": [str(d) for d in self.dimensions],
            "unit": self.unit_norm,
            "unit_text": self.unit,
            "kind": self.kind,
            "per_side": self.per_side,
            "is_area": self.is_area,
            "is_range": self.is_range,
            "rule": self.rule,
            "kind_rule": self.kind_rule,
            "qualifier": self.qualifier,
        }


@dataclass(slots=True)
class _Found:
    start: int
    end: int
    numbers: tuple[Decimal, ...]  # centimetres (square centimetres for areas)
    units: tuple[UnitNorm, ...]
    unit_text: str
    shape: str  # single | dims | range
    is_area: bool
    in_words: bool


#: Per shape: the group numbers of each part's number and unit.
_PART_GROUPS = {
    shape: tuple((_GRAMMAR.groupindex[p + "n"], _GRAMMAR.groupindex[p + "u"]) for p in parts)
    for shape, parts in _SHAPES.items()
}


def _find(text: str) -> list[_Found]:
    found: list[_Found] = []
    for match in _grammar_matches(text):
        regs = match.regs  # the strings come from ``text``: the match may be on the folded text
        shape = match.lastgroup  # the shape group closes last (``_END`` has no groups)
        start, end = regs[0]
        parts = _PART_GROUPS[shape]
        unit_start, unit_end = regs[parts[-1][1]]
        final_unit = text[unit_start:unit_end]
        if shape == "single":  # most measurements: one number, one unit
            number_start, number_end = regs[parts[0][0]]
            raws = [text[number_start:number_end]]
            units = [_unit_norm(final_unit)]
        else:
            raws = [text[regs[n][0] : regs[n][1]] for n, _ in parts]
            # a number without its own unit takes the final one ("2 x 3 cm")
            units = [_unit_norm(final_unit if regs[u][0] < 0 else text[regs[u][0] : regs[u][1]]) for _, u in parts]
        if shape == "range":
            glued = match.start("c1u") < 0  # no unit between the two numbers
            separator = text[match.end("c1u" if not glued else "c1n") : match.start("c2n")]
            if glued and _is_suture_size(raws, separator):
                continue
            if glued and _is_one_number(raws[0], separator, raws[1]):
                # "26-1/4 inches", "twenty-five", "one and a half": one number, not a range
                shape, raws, units = "single", [raws[0] + separator + raws[1]], units[-1:]
            elif separator.strip(" \t\n.").lower() == "and" and not _BETWEEN.search(text, 0, start):
                # "1 and 2 mm" without "between" is two things; keep the one with the unit
                shape, raws, units, start = "single", raws[1:], units[1:], match.start("c2n")
        try:
            values = [_number_value(raw) for raw in raws]
        except (ArithmeticError, KeyError, ValueError):  # pragma: no cover - grammar and parser disagree
            continue  # never fail a note over one unreadable number
        unit_norm = units[-1]
        is_area = unit_norm.endswith("2")
        if is_area:
            units = [u if u.endswith("2") else unit_norm for u in units]
        if len(values) == 1:
            value, in_words = values[0]
            if is_area and shape == "single":
                # "9 + 6.5 sq cm": areas added up, the unit written once after the last one
                addends = _AREA_ADDENDS.search(text, max(0, start - 40), start)
                if addends is not None:
                    value += sum((Decimal(n) for n in re.findall(r"\d+(?:\.\d+)?", addends.group(0))), Decimal(0))
                    start = addends.start()
            numbers: tuple[Decimal, ...] = (_to_cm(value, unit_norm),)
        else:
            numbers = tuple([_to_cm(v, u) for (v, _), u in zip(values, units, strict=False)])
            in_words = any([words for _, words in values])
        found.append(
            _Found(start, end, numbers, tuple(units), final_unit, "dims" if shape.startswith("dims") else shape, is_area, in_words)
        )
    return found


_BETWEEN = re.compile(r"\bbetween\s+$", re.IGNORECASE)
#: What stands between two lengths of one list: "Closed lengths: A 4.0 cm, B 3.0 cm", "margins of
#: 2 mm, 3 mm" (a separator, then perhaps the next item's letter or number).  Each
#: measurement's cue window stops at its neighbour, so only the first one sees the cue; the others,
#: with no cue of their own, take its kind (``LIST_RULE``).  Case-sensitive: "a" is an article.
_LIST_GAP = re.compile(r"[ \t]*(?:,|;|/|&|and|AND)[ \t]*(?:(?:and|AND)[ \t]+)?(?:(?:[A-E]|#?[1-9]|\(?[a-e1-9]\))[ \t]*:?[ \t]*)?")
#: Bare numbers added to the area after them: "9 + 6.5 sq cm", "4 plus 3 + 2 sq cm".
_AREA_ADDENDS = re.compile(r"(?<![\w.#/:,])(?:\d+(?:\.\d+)?\s*(?:\+|\bplus\b)\s*)+$", re.IGNORECASE)


def _is_suture_size(raws: list[str], separator: str | None) -> bool:
    """``4-0 mm`` never occurs, but ``N-0`` next to a unit must still not read as a range."""
    return separator == "-" and raws[1].strip() == "0" and raws[0].strip().isdigit()


def _is_one_number(first: str, separator: str, second: str) -> bool:
    """Two range parts that are really one number: ``26-1/4``, ``twenty-five``, ``one and a half``."""
    first_l, second_l = first.lower(), " ".join(second.lower().replace("-", " ").split())
    if separator.strip().lower() == "and":
        return second_l.startswith(("a half", "one half"))
    if separator != "-":
        return False
    if first.isdigit() and re.fullmatch(r"[1-9]\d?/\d+", second):
        return True
    if first_l in ("one", "a") and second_l.startswith("half"):
        return True
    return first_l in _TENS_WORDS and _WORD_VALUES.get(second_l, 10) < 10


def _rule_id(found: _Found) -> str:
    units = set(found.units)
    unit = found.units[0] if len(units) == 1 else "mixed"
    if found.is_area:
        return f"meas.area_{unit}"
    shape = "words" if found.shape == "single" and found.in_words else found.shape
    return f"meas.{shape}_{unit}"


def _section_at(sections: Sequence[tuple], starts: list[int], offset: int) -> str | None:
    i = bisect.bisect_right(starts, offset) - 1
    while i >= 0:
        name, start, end = sections[i][0], sections[i][1], sections[i][2]
        if start <= offset < end:
            return name
        i -= 1
    return None


_WORD_RUN = re.compile(r"[^\W_]+")
_CLAUSE_MARK = re.compile(r"[,:;()\[\]]")


def _distance(gap: str, punctuation_cost: int) -> int:
    """Words between a cue and the measurement, plus a cost for each clause mark crossed."""
    if not gap or gap.isspace():  # the cue is next to the measurement
        return 0
    return len(_WORD_RUN.findall(gap)) + punctuation_cost * len(_CLAUSE_MARK.findall(gap))


def _decision(best: tuple | None, section: str | None, rules: MeasurementRules) -> tuple[MeasureKind, str, bool, int | None, int | None]:
    """The kind a classifier settles on: the best-scoring cue, else the section's default kind,
    else ``other``."""
    if best is not None:
        _, rule, cue_start, cue_end = best
        return rule.kind, rule.id, rule.kind == "margin" and rule.per_side, cue_start, cue_end
    if section:
        for section_rule, regex in rules.sections:
            if regex.search(section):
                return section_rule.kind, section_rule.id, False, None, None
    return "other", DEFAULT_RULE, False, None, None


def _window_bounds(found: list[_Found], i: int, settings: Settings, text_length: int) -> tuple[int, int]:
    """The context windows of ``found[i]`` stop at the neighbouring measurements (and, later, at
    sentence-ish boundaries)."""
    m = found[i]
    lo = max(m.start - settings.before_chars, found[i - 1].end if i > 0 else 0)
    hi = min(m.end + settings.after_chars, found[i + 1].start if i + 1 < len(found) else text_length)
    return lo, hi


def _classify(
    text: str,
    found: list[_Found],
    i: int,
    rules: MeasurementRules,
    section: str | None,
) -> tuple[MeasureKind, str, bool, int | None, int | None]:
    """Return (kind, kind_rule, per_side, cue_start, cue_end) for ``found[i]``.

    Each cue counts with its last match in the window before the measurement (as ``finditer``
    gives them) and its first match in the window after it; the best score wins.
    """
    m = found[i]
    if m.is_area:
        return "defect_area", AREA_RULE, False, None, None
    settings = rules.settings
    lo, hi = _window_bounds(found, i, settings, len(text))
    before = text[lo : m.start]
    cut = rules._boundary.last_end(before)
    if cut:
        before = before[cut:]
    before_offset = lo + cut
    after = text[m.end : hi]
    stop = rules._boundary.first_start(after)
    if stop is not None:
        after = after[:stop]
    last = rules._before.last(before) if before else {}
    first = rules._after.first(after) if after else {}
    if last is None or first is None:
        return _classify_reference(text, found, i, rules, section)

    cost = settings.punctuation_cost
    dims = len(m.numbers)
    best: tuple | None = None
    cues = rules._before.cues
    for k, (start, end) in last.items():
        cue = cues[k]
        rule = cue.rule
        if best is not None and rule.priority < best[0][0]:
            continue  # its score is at most its priority: it cannot win
        if cue.section_regex is not None and not (section and cue.section_regex.search(section)):
            continue
        if rule.min_dimensions > dims:
            continue
        dist = _distance(before[end:], cost)
        if dist <= rule.max_distance:
            key = (rule.priority - dist, -dist, rule.priority, 1, -cue.order)
            if best is None or key > best[0]:
                best = (key, rule, before_offset + start, before_offset + end)
    cues = rules._after.cues
    for k, (start, end) in first.items():
        cue = cues[k]
        rule = cue.rule
        if best is not None and rule.priority < best[0][0]:
            continue
        if cue.section_regex is not None and not (section and cue.section_regex.search(section)):
            continue
        if rule.min_dimensions > dims:
            continue
        dist = _distance(after[:start], cost)
        limit = rule.max_distance if rule.max_distance_after is None else rule.max_distance_after
        if dist <= limit:
            key = (rule.priority - dist, -dist, rule.priority, 0, -cue.order)
            if best is None or key > best[0]:
                best = (key, rule, m.end + start, m.end + end)
    return _decision(best, section, rules)


def _classify_reference(
    text: str,
    found: list[_Found],
    i: int,
    rules: MeasurementRules,
    section: str | None,
) -> tuple[MeasureKind, str, bool, int | None, int | None]:
    """:func:`_classify` with one regular-expression call per cue and window: the plain
    statement of the rules, used when a cue matches the empty string (the one-pass scanners
    cannot mimic ``finditer`` there) and by the tests as the reference."""
    m = found[i]
    if m.is_area:
        return "defect_area", AREA_RULE, False, None, None
    settings = rules.settings
    lo, hi = _window_bounds(found, i, settings, len(text))
    before = text[lo : m.start]
    cut = 0
    for b in rules.boundary.finditer(before):
        cut = b.end()
    before, before_offset = before[cut:], lo + cut
    after = text[m.end : hi]
    b = rules.boundary.search(after)
    if b is not None:
        after = after[: b.start()]

    best: tuple | None = None
    for cue in rules.cues:
        rule = cue.rule
        if cue.section_regex is not None and not (section and cue.section_regex.search(section)):
            continue
        if rule.min_dimensions > len(m.numbers):
            continue
        if rule.position != "after":
            last = None
            for last in cue.regex.finditer(before):  # noqa: B007 - the loop keeps the last match
                pass
            if last is not None:
                dist = _distance(before[last.end() :], settings.punctuation_cost)
                if dist <= rule.max_distance:
                    key = (rule.priority - dist, -dist, rule.priority, 1, -cue.order)
                    if best is None or key > best[0]:
                        best = (key, rule, before_offset + last.start(), before_offset + last.end())
        if rule.position != "before":
            hit = cue.regex.search(after)
            if hit is not None:
                dist = _distance(after[: hit.start()], settings.punctuation_cost)
                limit = rule.max_distance if rule.max_distance_after is None else rule.max_distance_after
                if dist <= limit:
                    key = (rule.priority - dist, -dist, rule.priority, 0, -cue.order)
                    if best is None or key > best[0]:
                        best = (key, rule, m.end + hit.start(), m.end + hit.end())
    return _decision(best, section, rules)


def _qualifier(text: str, start: int, rules: MeasurementRules) -> Qualifier | None:
    window = text[max(0, start - 24) : start]
    if not rules._any_qualifier.search(window):  # most measurements have none: one search first
        return None
    for rule, regex in rules.qualifiers:
        if regex.search(window):
            return rule.qualifier
    return None


def parse_measurements(
    text: str,
    *,
    sections: Sequence[tuple] = (),
    rules: MeasurementRules | None = None,
) -> list[ParsedMeasurement]:
    """Find every length and area measurement in ``text``, in text order.

    Args:
        text (str): the note, unchanged; offsets in the result index it.
        sections (Sequence[tuple]): ``(name, start, end, ...)`` per section (extra items, such
            as the body start of ``doc._.opnote_sections``, are ignored).  A measurement inside
            a section whose name matches a section rule (pathology, specimen, gross) defaults to
            that rule's kind when no cue words are near it.
        rules (MeasurementRules | None): trigger-word rules; None means the packaged ones.

    Returns:
        list[ParsedMeasurement]: one per measurement.
    """
    rules = rules or _packaged_rules()
    found = _find(text)
    if not found:
        return []
    ordered_sections = sorted((s for s in sections if s and s[0] is not None), key=lambda s: s[1])
    starts = [s[1] for s in ordered_sections]
    out: list[ParsedMeasurement] = []
    previous: tuple[MeasureKind, str, bool, int | None, int | None] | None = None
    for i, m in enumerate(found):
        section = _section_at(ordered_sections, starts, m.start) if ordered_sections else None
        kind, kind_rule, per_side, cue_start, cue_end = _classify(text, found, i, rules, section)
        if kind_rule == DEFAULT_RULE and previous is not None and not m.is_area and _LIST_GAP.fullmatch(text, found[i - 1].end, m.start):
            kind, _, per_side, cue_start, cue_end = previous
            kind_rule = LIST_RULE
        previous = (kind, kind_rule, per_side, cue_start, cue_end) if kind_rule not in (DEFAULT_RULE, AREA_RULE) else None
        value = min(m.numbers) if kind == "margin" else max(m.numbers)
        unit_norm = m.units[-1]
        if kind == "defect_area" and not m.is_area and m.shape == "dims":
            # "defect 1.8 x 1.5 cm": length x width, in square centimetres like a stated area
            value = m.numbers[0] * m.numbers[1]
            unit_norm = unit_norm + "2"  # type: ignore[assignment]
        out.append(
            ParsedMeasurement(
                start=m.start,
                end=m.end,
                text=text[m.start : m.end],
                kind=kind,
                value_cm=value,
                dimensions=m.numbers,
                unit=m.unit_text,
                unit_norm=unit_norm,
                is_area=m.is_area,
                is_range=m.shape == "range",
                rule=_rule_id(m),
                kind_rule=kind_rule,
                per_side=per_side,
                cue_start=cue_start,
                cue_end=cue_end,
                section=section,
                qualifier=_qualifier(text, m.start, rules),
                in_words=m.in_words,
            )
        )
    return out


def to_measure(p: ParsedMeasurement) -> Measure:
    """The coding layer's record for a parsed measurement (unit normalised: cm, mm, in, cm2 ...)."""
    return Measure(
        value_cm=p.value_cm,
        span=TextSpan(p.start, p.end, p.text),
        kind=p.kind,
        dimensions=p.dimensions,
        unit=p.unit_norm,
    )


# --------------------------------------------------------------------------------------------
# spaCy component
# --------------------------------------------------------------------------------------------


def _plain_value_extension() -> bool:
    """Whether ``span._.opnote_value = v`` only stores ``v`` (no getter, setter or method), so
    :func:`~nlp.pipeline.spanvalues.set_span_value` does the same without an ``Underscore``."""
    extension = Span.get_extension(VALUE_EXTENSION)
    return extension is not None and all(part is None for part in extension[1:])


@lru_cache(maxsize=1)
def _typo_corrections() -> dict[str, str]:
    from nlp.pipeline.lexicons import packaged_lexicons

    return packaged_lexicons().typos.corrections()


_LONG_WORD = re.compile(r"[A-Za-z]{5,}")
#: :data:`_LONG_WORD` on lower-cased ASCII text (see :meth:`_TypoFix.of`).
_LONG_WORD_LOWER = re.compile(r"[a-z]{5,}")


def _same_case(word: str, meant: str) -> str:
    """``meant`` written as ``word`` is ("EXCISON" -> "EXCISION"): the boundary rules read capitals."""
    if word.isupper():
        return meant.upper()
    return meant.capitalize() if word[0].isupper() else meant


class _TypoFix:
    """The note with forgiven misspellings (``targets/typos.json``, as the entity matcher forgives
    them) replaced by the word meant, so that cue words such as "incison" classify a measurement
    as "incision" does; offsets are mapped back to the note."""

    def __init__(self, text: str, edits: list[tuple[int, int, str]]) -> None:
        parts: list[str] = []
        self.edits: list[tuple[int, int, int, int]] = []  # (note start, note end, fixed start, fixed end)
        last = length = 0
        for start, end, meant in edits:
            length += start - last
            self.edits.append((start, end, length, length + len(meant)))
            parts += [text[last:start], meant]
            length += len(meant)
            last = end
        parts.append(text[last:])
        self.text = "".join(parts)

    @classmethod
    def of(cls, text: str) -> "_TypoFix | None":
        corrections = _typo_corrections()
        # Most notes have no forgiven misspelling: for ASCII text the long words of the lower-cased
        # text are exactly the lower-cased long words (same offsets), so one findall and a set test
        # in C rule that out without a Python step per word.
        if text.isascii() and corrections.keys().isdisjoint(_LONG_WORD_LOWER.findall(text.lower())):
            return None
        edits = [(m.start(), m.end(), _same_case(m.group(), corrections[w])) for m in _LONG_WORD.finditer(text) if (w := m.group().lower()) in corrections]
        return cls(text, edits) if edits else None

    def to_fixed(self, offset: int) -> int:
        return self._map(offset, ((start, end, fixed_start, fixed_end) for start, end, fixed_start, fixed_end in self.edits))

    def to_note(self, offset: int) -> int:
        return self._map(offset, ((fixed_start, fixed_end, start, end) for start, end, fixed_start, fixed_end in self.edits))

    @staticmethod
    def _map(offset: int, edits) -> int:
        """An offset in one text as an offset in the other; ``edits`` are (from start, from end, to start, to end).

        An offset inside an edited word maps to the start of its replacement.
        """
        shift = 0
        for start, end, to_start, to_end in edits:
            if offset < end:
                return to_start if offset > start else offset + shift
            shift = to_end - end
        return offset + shift

    def section(self, section: tuple) -> tuple:
        if not section or section[0] is None:
            return section
        return (section[0], *(self.to_fixed(x) if isinstance(x, int) else x for x in section[1:]))

    def back_to_note(self, p: ParsedMeasurement, text: str) -> ParsedMeasurement:
        start, end = self.to_note(p.start), self.to_note(p.end)
        cue_start = None if p.cue_start is None else self.to_note(p.cue_start)
        cue_end = None if p.cue_end is None else self.to_note(p.cue_end)
        return replace(p, start=start, end=end, text=text[start:end], cue_start=cue_start, cue_end=cue_end)


class MeasurementTagger:
    """spaCy component: measurement spans in ``doc.spans[spans_key]``, values in ``span._.opnote_value``."""

    def __init__(self, name: str, *, rules_path: str | None, spans_key: str) -> None:
        self.name = name
        self.spans_key = spans_key
        self.rules = load_measurement_rules(rules_path)

    def __call__(self, doc: Doc) -> Doc:
        sections = ()
        if Doc.has_extension("opnote_sections"):
            sections = doc._.opnote_sections or ()
        spans = []
        text = doc_text(doc)
        fixed = _TypoFix.of(text)
        if fixed is None:
            found = parse_measurements(text, sections=sections, rules=self.rules)
        else:  # "3 cm incison": the cue words are read as the word meant, offsets stay the note's
            found = [
                fixed.back_to_note(p, text)
                for p in parse_measurements(fixed.text, sections=[fixed.section(s) for s in sections], rules=self.rules)
            ]
        if found:
            direct = _plain_value_extension()
            for p in found:
                span = doc.char_span(p.start, p.end, label=p.label, alignment_mode="expand", span_id=p.rule)
                if span is None:  # pragma: no cover - "expand" only fails on an empty range
                    continue
                if direct:  # what span._.set does, without building an Underscore per span
                    set_span_value(doc, span, VALUE_EXTENSION, p.as_value())
                else:
                    span._.set(VALUE_EXTENSION, p.as_value())
                spans.append(span)
        doc.spans[self.spans_key] = spans
        return doc

    # -- serialisation: a saved pipeline carries its rules (as spaCy's SpanRuler does) --------
    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return srsly.json_dumps(self.rules.to_dict()).encode("utf-8")

    def from_bytes(self, bytes_data: bytes, *, exclude: Iterable[str] = ()) -> "MeasurementTagger":
        self.rules = MeasurementRules.from_dict(srsly.json_loads(bytes_data), f"<{self.name} bytes>")
        return self

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / RULES_FILE, self.rules.to_dict())

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "MeasurementTagger":
        self.rules = load_measurement_rules(Path(path) / RULES_FILE)
        return self


DEFAULT_CONFIG = {"rules_path": None, "spans_key": SPANS_KEY}


@Language.factory(
    "opnote_measurements",
    default_config=DEFAULT_CONFIG,
    assigns=["doc.spans"],
)
def make_measurements(nlp: Language, name: str, *, rules_path: str | None, spans_key: str) -> MeasurementTagger:  # noqa: ARG001
    """Build the measurement component.

    spaCy requires the first parameter to be called ``nlp``; it is not used (and shadows the
    package name only inside this function).

    Args:
        rules_path (str | None): a measurement rule file; None means the one in the package.
        spans_key (str): the ``doc.spans`` key to write.
    """
    if not Span.has_extension(VALUE_EXTENSION):
        Span.set_extension(VALUE_EXTENSION, default=None)
    return MeasurementTagger(name, rules_path=rules_path, spans_key=spans_key)

"""The fast paths of ``nlp.pipeline.measurements`` give exactly what the plain ones give.

The parser is tuned for speed (see the module's "Fast matching" section): the grammar is only
tried at candidate positions of a case-folded copy of the text, all cues of one direction run as
one regular expression per window, dispatched on the first characters of their patterns, and
the component writes ``span._.opnote_value`` without an ``Underscore`` per span.  Each test here
sets a fast path against the plain statement of the same thing:

* ``_grammar_matches(text)`` against ``_GRAMMAR.finditer(text)`` (spans of every group);
* ``_classify`` against ``_classify_reference`` (one regular expression per cue and window), for
  the packaged rules and for rule files with awkward patterns (upper case, classes, escapes,
  inline flags, lookarounds, non-ASCII, patterns that match the empty string);
* ``_Boundary``, ``_AnyOf`` and ``_lower_pattern`` against the patterns they stand for;
* the component's values against ``span._.set``.

``test_measurements_golden.py`` pins the whole output on the real notes.
"""

from __future__ import annotations

import copy
import json
import re
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlp.pipeline import measurements as m
from nlp.pipeline.measurements import MeasurementRules, load_measurement_rules

PACKAGED = load_measurement_rules()

# --------------------------------------------------------------------------------------------
# Text generators: measurement pieces, cue words, punctuation, case changes, odd characters.
# --------------------------------------------------------------------------------------------
_NUMBERS = [
    "0", "1", "2", "4", "12", "0.5", ".5", "1.25", "1/2", "3/4", "1/3", "3-1/2", "2 1/2", "4-0", "5-0",
    "10/12/2020", "1,5", "#2", ":3", "/4", "x2", "٣", "３", "one", "ONE", "Two", "twenty", "twenty-five",
    "thirty three", "fourteen", "nineteen", "half", "a", "an", "A", "one and a half", "2 and a half",
    "half a", "half an", "one-half", "a half", "between", "fıve", "ſix",
]
_UNITS = [
    "cm", "CM", "Cm", "mm", "MM", "cms", "mms", "centimeters", "Centimetre", "millimeter", "MILLIMETRES",
    "inch", "inches", "in", "in.", "IN", '"', "''", "”", "sq cm", "sq. mm", "square centimeters", "cm2",
    "mm²", "cm^2", "cm squared", "mmHg", "mL", "cc", "mg", "%",
]
_SEPARATORS = ["x", "X", "×", "*", "by", "-", "–", "—", "to", "and", "of"]
_CUE_WORDS = sorted(
    {
        word
        for cue in PACKAGED.data.cues
        for example in cue.examples
        for word in re.findall(r"[\w'-]+|[^\w\s]", example.text)
    }
    | {"approximately", "approx.", "up to", "at least", "<", "≤", "~", "about", "over", "ca.", "Dr.", "no."}
)
_GLUE = [" ", " ", " ", "", "-", ", ", ". ", "; ", "\n", "\n\n", ": ", "(", ")", "  "]
_ODD = ["İ", "ı", "ſ", "K", "é", "Ω", "µ", "_", "\t", "\u00a0", "PATHOLOGY:", "Diagnosis:", "GROSS:"]

_piece = st.one_of(
    st.sampled_from(_NUMBERS), st.sampled_from(_UNITS), st.sampled_from(_SEPARATORS),
    st.sampled_from(_CUE_WORDS), st.sampled_from(_ODD),
)
_texts = st.builds(
    lambda pieces, glue, upper: (str.upper if upper else str)("".join(p + g for p, g in zip(pieces, glue, strict=False))),
    st.lists(_piece, min_size=1, max_size=30),
    st.lists(st.sampled_from(_GLUE), min_size=30, max_size=30),
    st.booleans(),
)


def _regs(matches) -> list[tuple]:
    return [(match.regs, match.lastgroup) for match in matches]


# --------------------------------------------------------------------------------------------
# The grammar: candidates and folded text
# --------------------------------------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(text=_texts)
def test_grammar_matches_equal_finditer(text):
    assert _regs(m._grammar_matches(text)) == _regs(m._GRAMMAR.finditer(text))


def test_grammar_matches_equal_finditer_on_the_notes():
    for source in ("annotations/dev.jsonl", "annotations/test.jsonl"):
        for line in open(m.Path(__file__).resolve().parents[2] / source, encoding="utf-8"):
            if line.strip():
                text = json.loads(line)["text"]
                for start in range(0, len(text), 97):  # many starts and ends
                    piece = text[start : start + 500]
                    assert _regs(m._grammar_matches(piece)) == _regs(m._GRAMMAR.finditer(piece))


def test_folding_keeps_offsets_and_word_classes_for_every_character():
    """``_fold_lower`` maps each character to one character of the same kind (word, digit,
    space), and every character ``re.IGNORECASE`` takes for an ASCII letter to that letter."""
    every = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000)
    folded = m._fold_lower(every)
    assert folded is not None and len(folded) == len(every)
    for category in (r"\w", r"\d", r"\s"):  # \b, \w, \d and \s see the same text
        pattern = re.compile(category)
        assert [x.start() for x in pattern.finditer(every)] == [x.start() for x in pattern.finditer(folded)]
    for match in re.finditer("[a-z]", every, re.IGNORECASE):  # A-Z, a-z and four others
        letter = folded[match.start()]
        assert letter in "abcdefghijklmnopqrstuvwxyz" and re.fullmatch(letter, match.group(), re.IGNORECASE)
    letters = [x.start() for x in re.finditer("[a-z]", every, re.IGNORECASE)]
    assert [x.start() for x in re.finditer("[a-z]", folded)] == letters


# --------------------------------------------------------------------------------------------
# Cue scanning: one pass per window against one search per cue
# --------------------------------------------------------------------------------------------


def _windows(text: str, rules: MeasurementRules):
    """(fast, plain) classification of every measurement in ``text``, in and out of sections."""
    found = m._find(text)
    for i in range(len(found)):
        for section in (None, "pathology", "diagnosis"):
            yield (
                m._classify(text, found, i, rules, section),
                m._classify_reference(text, found, i, rules, section),
            )


@settings(max_examples=400, deadline=None)
@given(text=_texts)
def test_classify_equals_reference_with_packaged_rules(text):
    for fast, plain in _windows(text, PACKAGED):
        assert fast == plain


def test_classify_equals_reference_on_the_notes():
    for source in ("annotations/dev.jsonl", "annotations/test.jsonl"):
        for line in open(m.Path(__file__).resolve().parents[2] / source, encoding="utf-8"):
            if line.strip():
                text = json.loads(line)["text"]
                for fast, plain in _windows(text, PACKAGED):
                    assert fast == plain


#: Cue patterns that the fast paths must either take exactly or leave to the plain path.
_AWKWARD = [
    r"\(left\)",  # starts with a non-word character: hits one character apart
    r"[A-Z]{2}s?", r"[a-f]+ed", r"[A-z]+ish", r"[!-a]x", r"(?-i:ABC)", r"(?i:Mixed)", r"\x41bc", r"\N{LATIN SMALL LETTER A}bc",
    r"x?yz", r"\w+ness", r"[^a-z]ok", r"\d+\s*fold", r"ſize", "\u212a\\w", r"é+toile", r"(?<=-)", r"(?=\s)",
    r"ab|a", r"lesion(?=\s+size)", r"(?<!lid )margins?", r"\bdeep\b", r"(?:total\s+)?ex+cis(?:ed|ion)",
    r"Ω", r"(?>atom)ic", r"it(?=\s+was\b)", r"q", r"\.\s*dot",
]


def _rules_with(patterns: list[list[str]]) -> MeasurementRules:
    data = copy.deepcopy(PACKAGED.to_dict())
    for i, pats in enumerate(patterns):
        data["cues"].append(
            {
                "id": f"kind.other.test{i}",
                "kind": "other",
                "literal": "test",
                "position": ["before", "after", "either"][i % 3],
                "priority": 20,
                "max_distance": 20,
                "patterns": pats,
            }
        )
    return MeasurementRules.from_dict(data)


_awkward_words = sorted({w for p in _AWKWARD for w in re.findall(r"[A-Za-z]{2,}", p)} | {"(left)", "-", "abc", "ABC", "yz", "xyz"})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    patterns=st.lists(st.lists(st.sampled_from(_AWKWARD), min_size=1, max_size=3), min_size=1, max_size=4),
    pieces=st.lists(st.one_of(st.sampled_from(_awkward_words), _piece), min_size=1, max_size=25),
    glue=st.lists(st.sampled_from(_GLUE), min_size=25, max_size=25),
)
def test_classify_equals_reference_with_awkward_cues(patterns, pieces, glue):
    try:
        rules = _rules_with(patterns)
    except Exception:  # noqa: BLE001 - the rule file refuses the pattern: nothing to compare
        return
    text = "".join(p + g for p, g in zip(pieces, glue, strict=False))
    for fast, plain in _windows(text, rules):
        assert fast == plain


def test_awkward_cues_take_the_fast_path_when_they_can():
    plain_only = _rules_with([[r"[A-z]+ish"]])
    assert plain_only._before.lowered is None  # [A-z] is not the same lower-cased
    dispatched = _rules_with([[r"\(left\)", r"[A-Z]{2}s?"]])
    assert dispatched._before.lowered is not None and dispatched._before._step
    assert PACKAGED._before._width == 2 and PACKAGED._after._width == 2 and not PACKAGED._before._step


# --------------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------------

_LOWERABLE = [r"[A-Z]{2}s?", r"Margins?", r"[a-f]+ed", r"(?<!lid )margins?", r"\bdeep\b", r"\(left\)", r"[^A-Z]ok", r"[0-9A-Fa-f]x"]
_NOT_LOWERABLE = [r"[A-z]+ish", r"[!-a]x", r"(?-i:ABC)", r"\x41bc", r"ſize", "\u212a\\w", r"(a)b", r"(?P<n>a)"]


@pytest.mark.parametrize("pattern", _NOT_LOWERABLE)
def test_lower_pattern_refuses_what_it_cannot_prove(pattern):
    assert m._lower_pattern(pattern) is None


@settings(max_examples=300, deadline=None)
@given(pattern=st.sampled_from(_LOWERABLE), text=st.text(alphabet="abcdefxyzABCDEFXYZ ()-ok", max_size=30))
def test_lower_pattern_matches_like_ignorecase_on_ascii(pattern, text):
    lowered = m._lower_pattern(pattern)
    assert lowered is not None
    assert [x.span() for x in re.finditer(pattern, text, re.IGNORECASE)] == [x.span() for x in re.finditer(lowered, text.lower())]


@settings(max_examples=300, deadline=None)
@given(pattern=st.sampled_from(_LOWERABLE + [r"ab|a", r"x?yz", r"(?:total\s+)?exc", r"a{0,3}bc", r"(?>ab)c"]), text=st.text(alphabet="abcdefxyzot l()-k", max_size=30))
def test_prefixes_cover_every_match(pattern, text):
    lowered = m._lower_pattern(pattern)
    for n in (1, 2):
        prefixes = m._prefixes(lowered, n)
        if prefixes is None:
            continue
        for start in range(len(text) + 1):
            found = re.compile(lowered).match(text, start)
            if found:
                assert text[start : start + n] in prefixes


def test_prefixes_are_refused_when_unclear():
    assert m._prefixes(r"\w+", 1) is None  # a category
    assert m._prefixes(r"a?", 1) is None  # can match nothing
    assert m._prefixes(r"ab|c", 2) is None  # "c" is shorter than two
    assert m._prefixes(r"(?i)ab", 1) is None  # inline flags
    assert m._prefixes(r"ab|cd", 2) == frozenset({"ab", "cd"})


def _assert_boundary_agrees_with_its_regex(boundary, text: str) -> None:
    """The fast boundary scanner finds the last end and the first start its regex finds."""
    cut = 0
    for b in boundary.regex.finditer(text):
        cut = b.end()
    first = boundary.regex.search(text)
    assert boundary.last_end(text) == cut
    assert boundary.first_start(text) == (first.start() if first else None)


@settings(max_examples=300, deadline=None)
@given(text=_texts)
def test_boundary_equals_its_pattern(text):
    boundary = PACKAGED._boundary
    assert boundary.fast is not None
    _assert_boundary_agrees_with_its_regex(boundary, text)


@pytest.mark.parametrize("pattern", [r"\n\n|\.(?=\s)", r"(?<!Dr)\.|;", r"\s\s+", r"(?i)x\.", r"[.;]+"])
def test_other_boundaries_equal_their_pattern(pattern):
    boundary = m._Boundary(pattern)
    for text in ["a. b;; c\n\nd", "Dr. x. y", "  a  b", "X. x.", "...;;.", ""]:
        _assert_boundary_agrees_with_its_regex(boundary, text)


@pytest.mark.parametrize(
    "pattern", [r"\.(?=\s)|,(?=[ ]*[A-Z]+:)|(?:^|\b\w+)[ \t]+(?=[A-Z]\w*:[ ])", r"a|(b)|c", r"[|]x|\|y|(?:p|q):"]
)
def test_split_boundaries_equal_their_pattern(pattern):
    """Windows lacking a branch's needed character are scanned without that branch: same results."""
    boundary = m._Boundary(pattern)
    for text in ["a. b, NOTE: c", "Size: 2 mm", "no colon here. yes", "x|y p: q", "a b c", "", "Lesion Site: x"]:
        _assert_boundary_agrees_with_its_regex(boundary, text)


def test_packaged_boundary_is_split_by_needed_characters():
    from nlp.regex_branches import required_chars, top_level_branches

    boundary = PACKAGED._boundary
    assert boundary._needed is not None  # the split is in use for the shipped rules
    assert top_level_branches(r"a(b|c)|[|]|\|") == ["a(b|c)", "[|]", "\\|"]
    assert top_level_branches(r"(?i)a|b") is None
    assert required_chars(r",(?=[ ]*[A-Z]+:)") == (frozenset(","), frozenset(":"))  # not "[ ]*", not a range


@settings(max_examples=300, deadline=None)
@given(text=_texts)
def test_any_qualifier_equals_the_qualifier_rules(text):
    window = text[-24:]
    plain = any(regex.search(window) for _, regex in PACKAGED.qualifiers)
    assert PACKAGED._any_qualifier.lowered is not None
    assert PACKAGED._any_qualifier.search(window) == plain


# --------------------------------------------------------------------------------------------
# The component
# --------------------------------------------------------------------------------------------


def test_component_values_equal_underscore_set(pipeline, monkeypatch):
    texts = [
        "Lesion 1.2 x 0.8 cm excised with 2 mm margins; wound length 3 cm. Approximately 4 mm deep.",
        "PATHOLOGY: 2.1 x 0.8 x 0.4 cm. A centimeter. Total margin 4 mm.",
    ]
    fast = [pipeline(t) for t in texts]
    monkeypatch.setattr(m, "_plain_value_extension", lambda: False)  # span._.set for every span
    slow = [pipeline(t) for t in texts]
    for a, b in zip(fast, slow, strict=False):
        spans_a, spans_b = list(a.spans[m.SPANS_KEY]), list(b.spans[m.SPANS_KEY])
        assert [(s.start_char, s.end_char, s.label_, s.id_) for s in spans_a] == [
            (s.start_char, s.end_char, s.label_, s.id_) for s in spans_b
        ]
        assert [s._.opnote_value for s in spans_a] == [s._.opnote_value for s in spans_b]
        assert spans_a and all(s._.opnote_value for s in spans_a)
        assert {k: v for k, v in a.user_data.items() if k[:2] == ("._.", m.VALUE_EXTENSION)} == {
            k: v for k, v in b.user_data.items() if k[:2] == ("._.", m.VALUE_EXTENSION)
        }

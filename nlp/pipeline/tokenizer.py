"""Tokenizer rules for operative notes: measurements, suture sizes and run-on headers.

spaCy's English tokenizer already splits ``0.5cm`` and ``5mm``, but it leaves ``2x3``,
``1.2x0.8`` and ``3.0cm2`` whole, splits the suture size ``4-0`` into three tokens (as if it were
the range ``4 - 0``) and keeps the comma of run-on export headers (``Lipoma.,POSTOPERATIVE``) on
the next word.  :func:`customize_tokenizer` fixes that by editing only the tokenizer's prefix,
suffix and infix regular expressions, which spaCy serialises with the pipeline: a pipeline saved
with ``Language.to_disk`` loads with ``spacy.load`` and tokenizes the same way without importing
this module.

Token offsets (``token.idx``) always index the original text; the tokenizer never rewrites it.
"""

from __future__ import annotations

import spacy
from spacy.lang.char_classes import ALPHA
from spacy.language import Language
from spacy.symbols import ORTH
from spacy.util import compile_infix_regex, compile_suffix_regex

__all__ = [
    "EXTRA_INFIXES",
    "EXTRA_SUFFIXES",
    "NUMERIC_OPERATOR_INFIX",
    "customize_tokenizer",
    "make_blank_pipeline",
]

#: spaCy's own infix for arithmetic between digits.  It splits ``4-0`` into ``4 - 0``.
STOCK_NUMERIC_OPERATOR_INFIX = r"(?<=[0-9])[+\-\*^](?=[0-9-])"

#: Our replacement: the same split, except for a hyphen followed by a lone ``0`` (``4-0``,
#: ``5-0``, ``10-0``).  A number range never ends in zero, so ``N-0`` is always a suture size.
NUMERIC_OPERATOR_INFIX = r"(?<=[0-9])(?:[+*^]|-(?!0(?![0-9.])))(?=[0-9-])"

_LENGTH_UNIT = r"(?:cm|mm)"

#: Infixes added after spaCy's English ones.
EXTRA_INFIXES: tuple[str, ...] = (
    # ``2x3``, ``1.2x0.8``, ``12x.8``: a dimension sign between numbers.
    r"(?<=[0-9])[xX×](?=\.?[0-9])",
    # ``1.2cmx0.8`` / ``1cm-2``: a unit glued to the dimension sign or range hyphen that follows it ...
    r"(?<=[0-9])" + _LENGTH_UNIT + r"(?=[xX×\-–]\.?[0-9])",
    # ... and that sign itself.
    r"(?<=[0-9]cm|[0-9]mm)[xX×\-–](?=\.?[0-9])",
    # Run-on export headers: ``Lipoma.,POSTOPERATIVE`` and ``DIAGNOSIS:,Lipoma``.
    r"(?<=[{a}0-9])[.:;](?=[,;])".format(a=ALPHA),
    r"(?<=[.:;)\]])[,;](?=[{a}0-9(\"'])".format(a=ALPHA),
)

#: Suffixes added before spaCy's English ones: ``3.0cm2``, ``3cm^2``, ``4mm²``, ``10mL``, ``5cc``,
#: and the full stop after an ampersand abbreviation (``ED&C.``, ``I&D.``), which spaCy keeps on a
#: capital letter (its "U.S." rule), so a sentence ending in the procedure hid the procedure word.
EXTRA_SUFFIXES: tuple[str, ...] = (
    r"(?<=[0-9])" + _LENGTH_UNIT + r"(?:\^?2|²)",
    r"(?<=[0-9])(?:mL|ml|cc)",
    r"(?<=&[A-Za-z])\.",
)


#: Clinical abbreviations with an inner slash that the default rules would split.
SPECIAL_CASES: tuple[str, ...] = tuple(
    form for abbreviation in ("b/l", "r/o", "h/o", "s/p", "f/u", "w/o")
    for form in (abbreviation, abbreviation.upper(), abbreviation.capitalize())
) + ("w/", "W/")


def customize_tokenizer(language: Language) -> None:
    """Make ``language``'s tokenizer split measurements and run-on headers cleanly.

    Only regular expressions change, so the result survives ``to_disk``/``spacy.load`` without
    this module.  Calling it twice is harmless: the rules are rebuilt from the language defaults.

    Args:
        language (Language): a pipeline whose tokenizer is spaCy's rule-based ``Tokenizer``
            (``spacy.blank("en")`` or a trained English pipeline).

    Raises:
        ValueError: the language defaults no longer contain spaCy's numeric-operator infix, so
            suture sizes such as ``4-0`` could not be kept whole.
    """
    defaults = language.Defaults
    infixes = list(defaults.infixes or ())
    if STOCK_NUMERIC_OPERATOR_INFIX not in infixes:
        raise ValueError(
            "customize_tokenizer: spaCy's numeric infix "
            f"{STOCK_NUMERIC_OPERATOR_INFIX!r} is missing from {language.lang!r} defaults; "
            "update NUMERIC_OPERATOR_INFIX in nlp/pipeline/tokenizer.py for this spaCy version"
        )
    infixes = [NUMERIC_OPERATOR_INFIX if p == STOCK_NUMERIC_OPERATOR_INFIX else p for p in infixes]
    infixes.extend(EXTRA_INFIXES)
    suffixes = list(EXTRA_SUFFIXES) + list(defaults.suffixes or ())

    tokenizer = language.tokenizer
    tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    tokenizer.suffix_search = compile_suffix_regex(suffixes).search
    # Abbreviations that must stay one token (special cases are saved with the tokenizer too).
    # One assignment reloads the special cases once (add_special_case reloads on every call).
    rules = {**(tokenizer.rules or {}), **{text: [{ORTH: text}] for text in SPECIAL_CASES}}
    tokenizer.rules = {text: tokens for text, tokens in rules.items() if not _is_plain_whitespace_rule(text, tokens)}


def _is_plain_whitespace_rule(text: str, tokens: list[dict]) -> bool:
    """A special case that only says "this whitespace is one token" (``"\\n"``, ``"\\t"``, ``" "``).

    The affix rules already make any whitespace chunk one token with the same attributes, so
    these rules change no token.  They do cost time: spaCy's tokenizer stops caching a note's
    words after the first special case it meets in that note (``has_special`` in
    ``spacy/tokenizer.pyx``), and ``"\\n"`` is met in the first line of nearly every note, so
    without them most words come from the cache instead of the prefix, suffix and infix
    regular expressions.  Whitespace rules that set more than the text (``"\\xa0"`` sets a
    NORM) are kept.
    """
    return text.isspace() and tokens == [{ORTH: text}]


def make_blank_pipeline() -> Language:
    """``spacy.blank("en")`` with :func:`customize_tokenizer` applied."""
    language = spacy.blank("en")
    customize_tokenizer(language)
    return language

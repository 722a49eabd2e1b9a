"""Tokenizer rules: text -> the tokens the rest of the pipeline must see.

Every row also checks that offsets stay exact (``doc.text`` is the input and every token's
text is ``text[token.idx : token.idx + len(token)]``).
"""

from __future__ import annotations

import pytest
import spacy
from spacy.tokenizer import Tokenizer

from nlp.pipeline.tokenizer import customize_tokenizer, make_blank_pipeline


@pytest.fixture(scope="module")
def language():
    return make_blank_pipeline()


@pytest.fixture(scope="module")
def stock():
    return spacy.blank("en")


def tokens(language, text: str) -> list[str]:
    return [t.text for t in language.make_doc(text)]


# text -> tokens, with spaCy's stock English tokens where they differ (None: same as ours).
SPLITS = [
    # the full stop after an ampersand abbreviation ends the sentence (spaCy keeps it on a capital)
    ("ED&C.", ["ED&C", "."], ["ED&C."]),
    ("I&D.", ["I&D", "."], ["I&D."]),
    # lengths glued to their unit
    ("0.5cm", ["0.5", "cm"], None),
    ("5mm", ["5", "mm"], None),
    (".5 cm", [".5", "cm"], None),
    ("2cm.", ["2", "cm", "."], None),
    ("2.5cm,", ["2.5", "cm", ","], None),
    ("1.5in", ["1.5", "in"], None),
    ('2"', ["2", '"'], None),
    ("2-mm margin", ["2", "-", "mm", "margin"], None),
    # dimensions
    ("2x3", ["2", "x", "3"], ["2x3"]),
    ("1.2 x 0.8 cm", ["1.2", "x", "0.8", "cm"], None),
    ("1.2x0.8cm", ["1.2", "x", "0.8", "cm"], ["1.2x0.8", "cm"]),
    ("12x8mm", ["12", "x", "8", "mm"], ["12x8", "mm"]),
    ("1.2cmx0.8cm", ["1.2", "cm", "x", "0.8", "cm"], ["1.2cmx0.8", "cm"]),
    ("2.1x0.8x0.4cm", ["2.1", "x", "0.8", "x", "0.4", "cm"], ["2.1x0.8x0.4", "cm"]),
    ("(1.2x0.8cm)", ["(", "1.2", "x", "0.8", "cm", ")"], ["(", "1.2x0.8", "cm", ")"]),
    ("1.5 X 2.0 CM", ["1.5", "X", "2.0", "CM"], None),
    ("1.2x.8 cm", ["1.2", "x", ".8", "cm"], ["1.2x.8", "cm"]),
    # ranges
    ("1-2 mm", ["1", "-", "2", "mm"], None),
    ("1-2mm", ["1", "-", "2", "mm"], None),
    ("1.5-2.0cm", ["1.5", "-", "2.0", "cm"], None),
    ("1cm-2cm", ["1", "cm", "-", "2", "cm"], ["1cm-2", "cm"]),
    ("1 to 2mm", ["1", "to", "2", "mm"], None),
    # areas
    ("3.0cm2", ["3.0", "cm2"], ["3.0cm2"]),
    ("3cm^2", ["3", "cm^2"], ["3cm^2"]),
    ("4mm²", ["4", "mm²"], None),  # spaCy's units already include mm²
    ("3.0 sq cm", ["3.0", "sq", "cm"], None),
    ("3 cm2", ["3", "cm2"], None),
    # volumes glued to their unit
    ("10mL", ["10", "mL"], ["10mL"]),
    ("5cc", ["5", "cc"], ["5cc"]),
    # list markers and numbering
    ("#1", ["#", "1"], None),
    ("#15 blade", ["#", "15", "blade"], None),
    ("(A)", ["(", "A", ")"], None),
    ("1)", ["1", ")"], None),
    # run-on export headers
    ("DIAGNOSIS:,", ["DIAGNOSIS", ":", ","], None),
    ("Lipoma.,POSTOPERATIVE", ["Lipoma", ".", ",", "POSTOPERATIVE"], ["Lipoma", ".", ",POSTOPERATIVE"]),
    ("DIAGNOSIS:,Lipoma", ["DIAGNOSIS", ":", ",", "Lipoma"], ["DIAGNOSIS:,Lipoma"]),
    ("None.,ESTIMATED BLOOD LOSS", ["None", ".", ",", "ESTIMATED", "BLOOD", "LOSS"], ["None", ".", ",ESTIMATED", "BLOOD", "LOSS"]),
    ("2.9 cm,POSTOP SIZE:", ["2.9", "cm", ",", "POSTOP", "SIZE", ":"], None),
]

# Negative rows: our rules must leave these alone (suture sizes are not ranges; words with x
# stay whole; counts, percentages, dates, times and ratios keep spaCy's tokens).
KEPT = [
    ("4-0", ["4-0"], ["4", "-", "0"]),
    ("5-0 nylon", ["5-0", "nylon"], ["5", "-", "0", "nylon"]),
    ("6-0.", ["6-0", "."], ["6", "-", "0", "."]),
    ("(4-0)", ["(", "4-0", ")"], ["(", "4", "-", "0", ")"]),
    ("4-0,", ["4-0", ","], ["4", "-", "0", ","]),
    ("10-0", ["10-0"], ["10", "-", "0"]),
    ("4-0-Vicryl", ["4-0", "-", "Vicryl"], ["4", "-", "0", "-", "Vicryl"]),
    ("1.0-0.5", ["1.0", "-", "0.5"], None),  # a range that ends in a decimal still splits
    ("3-4", ["3", "-", "4"], None),
    ("excision", ["excision"], None),
    ("xanthoma", ["xanthoma"], None),
    ("x-ray", ["x", "-", "ray"], None),  # spaCy splits every hyphenated word; we do not change that
    ("6x", ["6x"], None),
    ("x2", ["x2"], None),
    ("x 2", ["x", "2"], None),
    ("1%", ["1", "%"], None),
    ("12/08/2019", ["12/08/2019"], None),
    ("3:30", ["3:30"], None),
    ("1:100,000", ["1:100,000"], None),
    ("cm2", ["cm2"], None),
    ("e.g.,", ["e.g.", ","], None),
]


@pytest.mark.parametrize(("text", "expected", "stock_tokens"), SPLITS + KEPT, ids=[r[0] for r in SPLITS + KEPT])
def test_tokens(language, stock, text, expected, stock_tokens):
    doc = language.make_doc(text)
    assert [t.text for t in doc] == expected
    assert doc.text == text
    for token in doc:
        assert text[token.idx : token.idx + len(token)] == token.text
    # the row documents what changed from spaCy's own English tokenizer
    assert tokens(stock, text) == (stock_tokens if stock_tokens is not None else expected)


def test_offsets_in_a_note(language):
    text = (
        "PREOPERATIVE DIAGNOSIS: , Lipoma.,POSTOPERATIVE DIAGNOSIS:,  Lipoma, 1.2x0.8cm.\n"
        "The lesion (#1) was excised with 2mm margins; closed with 4-0 nylon and 5-0 Monocryl."
    )
    doc = language.make_doc(text)
    assert doc.text == text
    by_idx = {t.idx: t.text for t in doc}
    # (anchor, offset into the anchor, expected token at that character)
    expected = [
        ("Lipoma.,POST", 6, "."),
        ("Lipoma.,POST", 7, ","),
        ("Lipoma.,POST", 8, "POSTOPERATIVE"),
        ("1.2x0.8cm", 0, "1.2"),
        ("1.2x0.8cm", 3, "x"),
        ("1.2x0.8cm", 4, "0.8"),
        ("1.2x0.8cm", 7, "cm"),
        ("(#1)", 1, "#"),
        ("(#1)", 2, "1"),
        ("2mm margins", 0, "2"),
        ("2mm margins", 1, "mm"),
        ("4-0 nylon", 0, "4-0"),
        ("5-0 Monocryl", 0, "5-0"),
    ]
    for anchor, offset, token in expected:
        assert by_idx.get(text.index(anchor) + offset) == token, (anchor, offset)


def test_customize_is_idempotent():
    once = make_blank_pipeline()
    twice = make_blank_pipeline()
    customize_tokenizer(twice)
    text = "1.2x0.8cm lesion, 4-0 nylon, Lipoma.,POSTOPERATIVE 3.0cm2"
    assert tokens(once, text) == tokens(twice, text)


def test_rules_travel_with_the_tokenizer_bytes(language):
    """A stock tokenizer that loads our bytes splits like ours: no custom Python class needed."""
    stock = spacy.blank("en")
    assert isinstance(stock.tokenizer, Tokenizer)
    stock.tokenizer.from_bytes(language.tokenizer.to_bytes())
    text = "a 1.2x0.8cm nevus closed with 4-0 nylon; 3.0cm2 defect"
    assert tokens(stock, text) == tokens(language, text)


def test_saved_pipeline_reloads_with_the_same_tokens(language, tmp_path):
    language.to_disk(tmp_path / "pipe")
    loaded = spacy.load(tmp_path / "pipe")
    text = "Lipoma.,POSTOPERATIVE: 12x8mm, 1-2mm margins, 4-0 Vicryl"
    assert tokens(loaded, text) == tokens(language, text)
    assert "4-0" in tokens(loaded, text)


# Whitespace runs, alone and next to punctuation and special cases; "\xa0" keeps its NORM rule.
WHITESPACE_TEXTS = [
    "PROCEDURE:\nExcision.\n\nCLOSURE:\tlayered",
    "a  b \n c\t\td \r\n e\n",
    "Dr. Smith\n\ne.g. 4-0\tnylon  :)\n",
    " \n\t ",
    "nevus\xa0of the\xa0 cheek",
]


@pytest.mark.parametrize("text", WHITESPACE_TEXTS)
def test_whitespace_rules_change_no_token(language, text):
    """Dropping the plain whitespace special cases changes no token or attribute."""
    from spacy.attrs import IDX, IS_SPACE, LOWER, NORM, ORTH, SHAPE, SPACY

    with_rules = make_blank_pipeline()
    stock_rules = spacy.blank("en").tokenizer.rules
    with_rules.tokenizer.rules = {**language.tokenizer.rules, **{w: stock_rules[w] for w in ("\n", "\t", " ")}}
    attrs = [ORTH, NORM, LOWER, SHAPE, IS_SPACE, SPACY, IDX]
    ours = language.make_doc(text)
    assert ours.to_array(attrs).tolist() == with_rules.make_doc(text).to_array(attrs).tolist()
    assert ours.text == text


def test_no_plain_whitespace_special_cases(language):
    """spaCy stops caching a note's words after its first special case; "\\n" must not be one."""
    rules = language.tokenizer.rules
    assert not {"\n", "\t", " "} & set(rules)
    assert "\xa0" in rules  # sets a NORM, so it stays

"""find_markers tries the marker patterns only where a marker keyword starts (same matches as finditer); letter references."""

from __future__ import annotations

import random

import pytest

from nlp.linking import markers

PIECES = [
    "lesion", "Lesion", "specimen", "site", "sites", "part", "apart", "first", "second", "third", "fourth", "fifth",
    " ", "#", "no.", "number", "1", "2", "a", "b", "e", "one", "two", "x", "\n", ".", "excision", "1st", "prefirst", "(", "B)",
    "biopsy", "Biopsy", "bx", "bxs", ":", "-", "weeks", "path", "Pathology", "histopath", "histo", "apath", ")", " - ",
]


def _spans(matches) -> list[tuple]:
    return [(m.span(), m.groupdict()) for m in matches]


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize(
    "pattern",
    [markers._MARKER_WORD_LOWER, markers._MARKER_BIOPSY_LOWER, markers._MARKER_ORDINAL_LOWER, markers._MARKER_PATH_LOWER],
    ids=["word", "biopsy", "ordinal", "path"],
)
def test_keyword_offsets_give_finditer_matches(pattern, seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(300):
        lower = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 40))).lower()
        found = markers._finditer_at(pattern, lower, markers._keyword_starts(lower))
        assert _spans(found) == _spans(pattern.finditer(lower)), lower



@pytest.mark.parametrize("seed", range(10))
def test_list_items_are_finditers(seed: int) -> None:
    assert markers._MARKER_ITEM_INNER is not None
    rng = random.Random(seed)
    pieces = ["\n", ":", ";", ",", ".", " ", "\t", "#", "1", "2", "(", ")", "A", "B", "e", "x", "Lesion", "a"]
    for _ in range(1000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        assert _spans(markers._marker_items(text)) == _spans(markers._MARKER_ITEM.finditer(text)), text


@pytest.mark.parametrize(
    "pattern",
    [markers._MARKER_WORD_LOWER, markers._MARKER_BIOPSY_LOWER, markers._MARKER_ORDINAL_LOWER, markers._MARKER_PATH_LOWER],
    ids=["word", "biopsy", "ordinal", "path"],
)
def test_every_marker_match_starts_with_a_keyword(pattern) -> None:
    """_finditer_at only tries offsets where a _MARKER_KEYWORDS word starts: a new marker word
    must be added there too."""
    from nlp.pipeline.measurements import _prefixes

    heads = _prefixes(pattern.pattern, 2)  # two characters: the shortest keyword is "bx"
    assert heads, "the pattern's first characters could not be read"
    assert all(any(word.startswith(head) or head.startswith(word) for word in markers._MARKER_KEYWORDS) for head in heads), heads


# -- letter_references: after a lettered list, a capital letter alone names its item ---------------
_LIST = "A. Excision, left arm\nB. Excision, right leg\nC. Cryotherapy, scalp\n"


@pytest.mark.parametrize(
    ("narrative", "references"),
    [
        ("A was excised with 4 mm margins and B with 2 mm margins.", [(1, "A was excised with 4 mm margins and "), (2, "B with 2 mm margins")]),
        ("Closed lengths: A 4.0 cm, B 3.0 cm.", [(1, "A 4.0 cm, "), (2, "B 3.0 cm")]),
        ("Consent obtained. C: LN2 spray, two cycles.", [(3, "C: LN2 spray, two cycles")]),
        # the article: before a noun, or before a size with no other letter beside it
        ("A lesion was excised. A 4 mm punch was used.", []),
        # a letter the list does not use, or one inside a word or after a word
        ("Vitamin D was started; Hepatitis B, remote.", []),
        # a pathology line that names each specimen by its letter, sentence by sentence
        ("Dermpath: A compound nevus. B lentigo, margins free.", [(1, "A compound nevus"), (2, "B lentigo, margins free")]),
        # the article opening two sentences on one line names no item
        ("A small papule was excised. A broad scar remains.", []),
    ],
)
def test_letter_references(narrative: str, references: list[tuple[int, str]]) -> None:
    text = _LIST + "NARRATIVE: " + narrative
    items = [(1, 0, 21), (2, 21, 44), (3, 44, len(_LIST))]
    added = [segment for segment in markers.letter_references(text, items) if segment not in items]
    assert [(number, text[start:end]) for number, start, end in added] == references


def test_a_specimen_list_headed_with_a_dash_is_lettered() -> None:
    listing = "Specimen A \u2014 R arm: 4 mm papule.\nSpecimen B \u2014 L leg: 5 mm macule.\n"
    text = listing + "Dermpath: A compound nevus. B lentigo."
    items = [(1, 0, 33), (2, 33, len(listing))]
    added = [segment for segment in markers.letter_references(text, items) if segment not in items]
    assert [(number, text[start:end]) for number, start, end in added] == [(1, "A compound nevus"), (2, "B lentigo")]


def test_the_last_lettered_item_ends_at_a_blank_line_before_letter_references() -> None:
    """With no heading after the list, its last item would run to the note's end and hide the letters named after it."""
    items_text = "(A) left cheek papule\n(B) right arm macule\n(C) left knee papule.\n"
    text = items_text + "\nA and C were shaved. B was punched.\n"
    items = [(1, 0, 21), (2, 21, 42), (3, 42, len(text))]
    out = markers.letter_references(text, items)
    assert (3, 42, len(items_text) - 1) in out
    added = [(number, text[start:end]) for number, start, end in out if start >= len(items_text)]
    assert added == [(1, "A and "), (3, "C were shaved"), (2, "B was punched")]


def test_a_last_item_paragraph_that_names_no_other_item_stays_in_it() -> None:
    text = "(A) left cheek papule\n(B) right arm macule:\n\nshaved flat with a blade, AlCl3, then B was dressed.\n"
    items = [(1, 0, 21), (2, 21, len(text))]
    assert markers.letter_references(text, items) == items


def test_no_letter_references_without_a_lettered_list() -> None:
    text = "1. Excision, left arm\n2. Excision, right leg\nA was excised and B was frozen."
    items = [(1, 0, 21), (2, 21, 44)]
    assert markers.letter_references(text, items) == items


# -- a lower-case "a" after a marker word is the article, a capital one a label ----------------------
@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        # prose twice over: "lesion a" is the article, and an ordinal in running text opens no segment
        ("Through the first lesion a wedge was cut. At the second site a 4 mm punch was taken.", []),
        ("LESION A FUSIFORM ELLIPSE, 2 MM MARGINS. LESION B SHAVED.", [1, 2]),
        ("Specimen A: nevus. Specimen B: SK.", [1, 2]),
    ],
)
def test_the_article_after_a_marker_word_is_no_label(text: str, numbers: list[int]) -> None:
    assert [number for number, _, _ in markers.find_markers(text, [])] == numbers


# -- an ordinal heads a block only as a label; in running prose it refers back (nlp.linking.ordinals) --
@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        # labels: at the start of a line (after a bullet or a field name), or before a colon, dash or bracket
        ("First lesion: 6 mm papule, left arm.\nSecond lesion: 4 mm papule, right leg.", [1, 2]),
        ("Second site - right cheek: punch.\nFirst site - left cheek: shave.", [2, 1]),
        ("- First lesion (left arm) shaved\n- Second lesion (right leg) punched", [1, 2]),
        ("SPECIMENS: First specimen to pathology.\nDISCARDED: Second specimen.", [1, 2]),
        ("Both were numbed. First lesion: shaved. Second lesion: punched.", [1, 2]),
        # ... or after a rule drawn round a heading ("=== LESION 2 OF 3 ===", "**Second site**")
        ("=== LESION 1 OF 2 ===\nLocation: left arm\n=== LESION 2 OF 2 ===\nLocation: right leg", [1, 2]),
        ("**First site**\nleft arm, shaved\n**Second site**\nright leg, punched", [1, 2]),
        # running prose: a reference to a lesion already described, not a segment
        ("Through the edge of the first lesion a wedge was cut. At the second site a 4 mm punch was taken.", []),
        ("The first one was shaved and the second one was frozen.", []),
        ("He will return for excision of the first lesion; the 2nd lesion needs nothing.", []),
        # "lesion one ... lesion two" in prose, with no list or label in the note: references too
        ("Lesion one was shaved. Lesion two was punched.", []),
        ("Lesion one: shaved.\nLesion two: punched.", [1, 2]),
        # ... but beside a label the note numbers its lesions by, a prose "Lesion #2" is that lesion's marker
        ("Lesion #1 on the arm. Lesion #2 on the leg.", [1, 2]),
    ],
)
def test_an_ordinal_marker_heads_a_block_only_as_a_label(text: str, numbers: list[int]) -> None:
    assert [number for number, _, _ in markers.find_markers(text, [])] == numbers


# -- an item's one-line fields ("Repair: ...") are part of the item, not the end of it ---------------
def _line_sections(text: str, headers: dict[str, str]) -> list[tuple[str, int, int, int]]:
    """One-line sections as the section detector gives them: (name, start, end of line, end of header)."""
    out = []
    for header, name in headers.items():
        start = text.find(header)
        while start != -1:
            out.append((name, start, text.find("\n", start), start + len(header)))
            start = text.find(header, start + 1)
    return sorted(out, key=lambda section: section[1])


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        # each site's "Repair:" line is the site's; a plan line after the list is not the last site's
        (
            "Site 1: left helix, BCC.\nRepair: FTSG.\nSite 2: right cheek, BCC.\nRepair: layered.\nPlan: recheck.\n",
            [(1, "Site 1: left helix, BCC.\nRepair: FTSG.\n"), (2, "Site 2: right cheek, BCC.\nRepair: layered.\n")],
        ),
        # one closure line after the whole list is not the last item's field
        (
            "Lesion 1: left helix, BCC.\nLesion 2: right cheek, BCC.\nClosure: layered for both.\n",
            [(1, "Lesion 1: left helix, BCC.\n"), (2, "Lesion 2: right cheek, BCC.\n")],
        ),
        # after one-line items, a line opened by a label the section finder does not know is no longer the last item's
        (
            "Lesion 1: R back, ? BCC - shave bx.\nLesion 2: L shin, ? SCC - punch.\nAlso: tags x3 axilla snipped.\n",
            [(1, "Lesion 1: R back, ? BCC - shave bx.\n"), (2, "Lesion 2: L shin, ? SCC - punch.\n")],
        ),
        # items that ran over several lines keep such a line
        (
            "Lesion 1: R back, BCC.\nshave bx done.\nLesion 2: L shin, SCC.\npunch done.\nNote: sutured.\n",
            [(1, "Lesion 1: R back, BCC.\nshave bx done.\n"), (2, "Lesion 2: L shin, SCC.\npunch done.\nNote: sutured.\n")],
        ),
    ],
)
def test_an_items_field_lines_stay_in_its_segment(text: str, segments: list[tuple[int, str]]) -> None:
    sections = _line_sections(text, {"Repair:": "closure", "Closure:": "closure", "Plan:": "plan"})
    found = markers.find_markers(text, sections)
    assert [(number, text[start:end]) for number, start, end in found] == segments


def test_a_field_inside_the_line_an_item_opens_stays_in_the_item() -> None:
    # "Closure:" in the middle of lesion 1's paragraph is lesion 1's, though lesion 2 follows in no list section
    text = "Lesion 1: BCC of the left helix, excised to fat. Closure: layered; length 3.0 cm.\nLesion 2: SCC of the right cheek, shaved.\n"
    sections = [("procedure", 0, 49, 0), *_line_sections(text, {"Closure:": "closure"})]
    found = markers.find_markers(text, sections)
    assert [(number, text[start:end]) for number, start, end in found] == [
        (1, "Lesion 1: BCC of the left helix, excised to fat. Closure: layered; length 3.0 cm.\n"),
        (2, "Lesion 2: SCC of the right cheek, shaved.\n"),
    ]


def test_a_note_run_together_on_one_line_keeps_its_headers_as_item_ends() -> None:
    # every header of a one-line note sits inside that line: only a line the marker opens holds its fields
    text = "ASSESSMENT: ,1. BCC, left helix.,2. SK, right cheek.,PLAN: , Recheck in 3 months.\n"
    plan = text.index("PLAN:")
    sections = [("diagnosis", 0, plan, 11), ("plan", plan, len(text) - 1, plan + 5)]
    found = markers.find_markers(text, sections)
    assert [(number, text[start:end]) for number, start, end in found] == [(1, "1. BCC, left helix.,"), (2, "2. SK, right cheek.,")]


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        # each heading holds the "Key: value" lines under it, up to the blank line
        (
            "Lesion 1\nSite: left helix\nDiagnosis: BCC\nSize: 6 mm; margin 3 mm\nRepair: layered, 2.0 cm\n\n"
            "Lesion 2\nSite: right cheek\nDiagnosis: SCC in situ\nSize: 9 mm; margin 4 mm\nRepair: simple\n\n"
            "Total layered repair: 2.0 cm\n",
            [
                (1, "Lesion 1\nSite: left helix\nDiagnosis: BCC\nSize: 6 mm; margin 3 mm\nRepair: layered, 2.0 cm\n"),
                (2, "Lesion 2\nSite: right cheek\nDiagnosis: SCC in situ\nSize: 9 mm; margin 4 mm\nRepair: simple\n"),
            ],
        ),
        # indented fields: a line back at the heading's indentation ends the block
        (
            "Biopsy 1\n  Site: left cheek\n  Diagnosis: r/o BCC\nBiopsy 2\n  Site: right thigh\n  Diagnosis: r/o DF\n"
            "Anesthesia: lidocaine 1%\n",
            [(1, "Biopsy 1\n  Site: left cheek\n  Diagnosis: r/o BCC\n"), (2, "Biopsy 2\n  Site: right thigh\n  Diagnosis: r/o DF\n")],
        ),
    ],
)
def test_a_marker_heading_its_own_line_holds_the_field_lines_under_it(text: str, segments: list[tuple[int, str]]) -> None:
    # the section finder joins "Diagnosis:" with the unknown "Size:" line after it into one section
    sections = []
    for header, name in (("Diagnosis:", "diagnosis"), ("Repair:", "closure"), ("Anesthesia:", "anesthesia")):
        start = text.find(header)
        while start != -1:
            end = text.find("\n", start)
            if header == "Diagnosis:" and text.startswith("Size:", end + 1):
                end = text.find("\n", end + 1) + 1
            sections.append((name, start, end, start + len(header)))
            start = text.find(header, start + 1)
    found = markers.find_markers(text, sorted(sections, key=lambda s: s[1]))
    assert [(number, text[start:end]) for number, start, end in found] == segments


# -- rows of a lettered log: a capital, then a column gap; a run that starts at A and B --------------
@pytest.mark.parametrize(
    ("text", "rows"),
    [
        ("A  L cheek  shave\nB  R cheek  shave\n", [(1, "A"), (2, "B")]),
        ("A\tL cheek\tshave\nB\tR cheek\tpunch\n", [(1, "A"), (2, "B")]),
        # past E, and "F/G" for one row written for two lesions (the row is the first letter's)
        ("A  nose  shave\nB  chin  shave\nF/G  bilat shins  punch each\nH  back  punch", [(1, "A"), (2, "B"), (6, "F"), (8, "H")]),
        # prose capitals: one space after them, a letter inside a line, or no "A" and "B" rows
        ("A 5 mm papule was shaved.\nB 12 level normal.\nI  shaved it.", []),
        ("Vitamin D  low.\nA  L cheek  shave", []),
        ("C  scalp  shave\nD  L arm  punch", []),
    ],
)
def test_lettered_log_rows(text: str, rows: list[tuple[int, str]]) -> None:
    assert [(number, text[start]) for number, start in markers._row_items(text)] == rows


# -- a numbered list run on in one line: items "1) ... 2) ... 3)" in order, each after a space -----------
@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("Procedure: Shave removal, 3 lesions. 1) R cheek IDN 5 mm 2) L neck SK 8 mm 3) chest SK 12 mm.", [1, 2, 3]),
        ("Shave bx x2: 1) L arm pink papule 2) R shin scaly plaque.", [1, 2]),
        # out of order, alone, or inside a bracket: no list
        ("Tags (x 2) snipped from the neck.", []),
        ("Seen 2) weeks ago for a 3 mm papule of the nose.", []),
    ],
)
def test_an_inline_numbered_list_is_a_list(text: str, numbers: list[int]) -> None:
    assert [number for number, _, _ in markers.find_markers(text, [])] == numbers


# -- a number before a section heading ("1) Preoperative diagnosis:") numbers the heading, no lesion ----
def test_numbered_headings_are_no_lesion_markers() -> None:
    from nlp.pipeline.sections import SectionFinder, load_section_rules

    text = (
        "1) Preoperative diagnosis: Skin tags, neck and chest.\n2) Procedure: Excision of 20 skin tags.\n"
        "3) Findings: Neck 12; chest 8.\n4) Disposition: Home."
    )
    assert markers.find_markers(text, SectionFinder(load_section_rules()).find(text)) == []

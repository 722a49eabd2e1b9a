"""Step 1: lesion markers, and the text segments they open.

"Lesion #2", "Specimen B", "Second lesion:", "Path A:", numbered or lettered list items and the
rows of a lettered log ("A  R forehead   papule   shave") each open a segment that belongs to one lesion until the next marker or section (an item's own
one-line fields, "Repair: FTSG" under "Site 1:" or "Closure: ..." inside the line the item
opens, stay in it); a "Procedure 1:" template block holds all its field lines, and a marker
heading a line of its own ("Lesion 2") the "Key: value" lines under it.  The marker patterns are
tried only where a marker keyword starts (a speed-up tests/test_linking_markers.py checks), a
list that is only steps on one lesion is merged back into it, an item that only closes a wound
takes the number of the item that excised at its site, and a list that counts the lesions in
another order (or around step items) than the procedure list is renumbered to match it.  An
ordinal in running prose ("at the second site a punch was taken") is a reference, not a marker
(see ``_LINE_HEAD``).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable

from nlp.linking.clusters import Cluster, site_key
from nlp.linking.facts import GENERIC_LESION, Fact, is_anchor

_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
# Lesion markers, as three patterns with literal-ish starts (one alternation of all three made
# the regex engine try every position of the note): "Lesion #2", "specimen B", "site 3";
# "second lesion"; and list items "1.", "#2", "(B)", "B)" at the start of a line or clause (an item
# may open with its size: "2. 4 MM DARK BROWN PAPULE").  "#11 blade" and "#15 scalpel" name a
# blade, not item 1: a "#" item number is one digit with no digit after it.  A word marker's letter
# runs to H ("Specimen F - L shin", "Path G:"): biopsy logs letter seven or eight specimens.
_NUMBER = r"(?P<n>[1-9]|[A-Ha-h](?![a-z])|one|two|three|four|five)"
# "lesion 9 mm" is a size, not lesion number 9.
_MARKER_WORD = re.compile(
    r"\b(?:lesion|specimen|site|part)\s*(?:\#|no\.?|number)?\s*" + _NUMBER + r"\b(?!\s*(?:mm|cm|millim|centim|in\b|inch|x\s*\d|\.\d))",
    re.IGNORECASE,
)
# The number of a block heading, standing as a label: "#2", "no. 2", "number 2", then a colon, a
# bracket, a dash, a comma, a full stop, or the line end.  Shared by the biopsy and procedure blocks.
_LABEL_NUMBER = r"\s*(?:\#|no\.?|number)?\s*"
_LABEL_END = r"(?=[ \t]*(?:[:)(\-–,]|\.(?!\d)|\n|$))"
# "Biopsy 1" / "Bx #2:" / "Biopsy B -" heading a per-biopsy block or row: the number must stand as a
# label (a colon, a bracket, a dash, a full stop, the line end after it), so "biopsy 2 weeks ago"
# and "we will biopsy a lesion" are no markers.
_MARKER_BIOPSY = re.compile(r"\b(?:biopsy|bx)" + _LABEL_NUMBER + r"(?P<n>[1-9]|[A-Ha-h])" + _LABEL_END, re.IGNORECASE)
# "Procedure 1: ED&C / Site: L upper arm ... Procedure 2: Skin biopsy / Site: R nasal ala": a template
# block per procedure, labelled like a biopsy block ("procedure 2, final" in a pathology line names
# it too).  Unlike "Biopsy 2:" it is not a lesion by its label alone (see :func:`lesion_segments`):
# "Procedure 2: Intermediate repair, 3.1 cm" is the next step on lesion 1, so only a block that
# names a site or a diagnosis stands for a lesion.
_MARKER_PROCEDURE = re.compile(r"\b(?:procedure|proc)" + _LABEL_NUMBER + r"(?P<n>[1-9])" + _LABEL_END, re.IGNORECASE)
# "Through the edge of the first lesion a wedge was cut", "at the second site a 4 mm punch": a
# lower-case "a" after a marker word, before a word or a number, is the article, not the letter
# label A (read on the note's own text: "Lesion A:" and an ALL-CAPS "LESION A FUSIFORM" stay labels).
_ARTICLE_AFTER_WORD = re.compile(r"a[ \t]+[a-z0-9]")
# A bare ordinal heading a line as its label ("First, the right forehead: ...", "Second: left neck")
# is the same marker; in prose ("First, the area was prepped") it is no label (``_heads_block``).
_MARKER_ORDINAL = re.compile(
    r"\b(?P<n>first|second|third|fourth|fifth)(?:\s+(?:lesion|specimen|site|excision|one)\b|(?=,[ \t]+(?:the|on|at)\b|:))", re.IGNORECASE
)
# An ordinal marker heads a block only as a label: followed by a colon, a dash or a bracket ("First
# lesion:", "Second site - right cheek:"), or at the start of its line (after a bullet, a rule such as
# "=== " or a "Specimens:" field name at most) unless a verb follows it ("Second lesion was shaved").  In running
# prose ("through the edge of the first lesion", "at the second site a punch was taken") it refers
# back to a lesion already described and opens no segment: the assignment step places its clause
# (:mod:`nlp.linking.ordinals`).  As a segment it would run to the next marker and take every site
# after it ("Path: thigh, SCC; forearm, DF") into one lesion.  "Lesion one", "lesion 2" written in
# prose are references the same way when nothing in the note is a label or list item (else they
# name the note's own numbering and stay markers).
_LINE_HEAD = re.compile(r"[ \t#*•=\-–\d.()]*(?:[A-Za-z][A-Za-z /&-]{0,40}:[ \t]*)?")
_LABEL_AFTER = re.compile(r"[ \t]*[:)\-–—]")
# A sentence that opens a line with the marker as its subject is prose all the same: "Lesion one was shaved."
_VERB_AFTER = re.compile(r"[ \t]+(?:was|were|is|are|had|has|measured|showed|then)\b", re.IGNORECASE)
# A pathology result headed by the lesion's number or letter: "Path A: compound nevus", "Path (1):
# intradermal nevus", "Pathology #2 - BCC".  The colon or spaced dash is required: "sent to path 2
# weeks ago" and "path 2-3 wks" are not results.
_MARKER_PATH = re.compile(
    r"\b(?:(?:histo)?path(?:ology)?|histo(?:logy)?)[ \t]*(?:\#[ \t]*)?\(?[ \t]*(?P<n>[1-9]|[A-Ha-h](?![a-z]))[ \t]*\)?[ \t]*(?=:|[-–][ \t])",
    re.IGNORECASE,
)
# The delimiter before a list item is consumed rather than looked behind for: a lookbehind
# alternative makes the engine test every position of the note (four times slower).
_MARKER_ITEM = re.compile(r"(?:^|[\n:;,.])[ \t]*(?:\#\s*(?P<a>[1-9])(?!\d)|\(?(?P<b>[1-9]|[A-E])\)|(?P<c>[1-9]|[A-E])\.(?=[ \t]+(?:[A-Za-z]|\d+(?:\.\d+)?[ \t]*[mMcC][mM]\b)))")
# A row of a lettered log or table: "A  R forehead   papule   shave", "F<TAB>L shin<TAB>punch", "F/G  bilat
# shins ...": a capital letter alone at the start of a line, then a tab or two or more spaces (a
# column gap), with no "." or ")" after it; a log may run past E ("F", "G", "H").  Prose never puts a
# column gap after a capital ("A 5 mm papule", "I shaved it"), and rows count only as a run that
# starts at A and B (:func:`_row_items`).  "F/G" heads one row written for two lesions: the row is
# the first letter's.
_MARKER_ROW = re.compile(r"^[ \t]*(?P<n>[A-H])(?:/[A-H])?(?=\t|[ \t]{2,}\S)", re.MULTILINE)
# _MARKER_ITEM without its "^" alternative, for offsets after 0 (where "^" never matches): re can
# then jump from one delimiter to the next; the "^" made it try the pattern at every character.
_MARKER_ITEM_INNER = (
    re.compile("(?:" + _MARKER_ITEM.pattern.removeprefix("(?:^|"), _MARKER_ITEM.flags)
    if _MARKER_ITEM.pattern.startswith("(?:^|") and not _MARKER_ITEM.flags & re.MULTILINE
    else None
)
# A field whose key names the lesion as one part of a dotted or underscored path, as flattened
# records and structured exports write them: "exam.l1.site = L temple", "path.l1 = SK",
# "les2_desc: 5 mm papule", "l3.plan = observe".  The field is that line only: the next line may be
# a field of another record ("proc.1 = ...").
_MARKER_KEY = re.compile(
    r"^[ \t]*(?P<key>(?:[A-Za-z]+[._])*(?:l|les|L|LES)(?P<n>[1-9])(?:[._][A-Za-z]+)*)[ \t]*(?:=|:(?!\d))",
    re.MULTILINE,
)
# A word marker that is a heading on a line of its own ("Lesion 2", "Biopsy 3:", "Site #1"), and
# a "Key: value" field line under it ("  Lesion size: 6 mm; margin 3 mm").  Templates decorate
# such headings with rule characters and a total ("=== LESION 3 OF 6 ===", "*** Biopsy 2 ***",
# "-- Site 1 of 4 --"): the heading is the same.
_RULE = r"(?:[=*~_#-]{2,}[ \t]*)?"
_HEADING_LINE = re.compile(
    r"[ \t]*" + _RULE + r"(?:lesion|specimen|site|part|biopsy|bx)[ \t]*(?:\#|no\.?|number)?[ \t]*(?:[1-9]|[A-Ha-h])"
    r"(?:[ \t]+of[ \t]+[1-9][0-9]?)?[ \t]*[:.)-]?[ \t]*" + _RULE,
    re.IGNORECASE,
)
_FIELD_LINE = re.compile(r"([ \t]*)[A-Za-z][A-Za-z /()&#+-]{0,40}:(?!\d)")
# A line opened by a label of its own ("Also: tags x5 neck snipped", "Note: ...", a SOAP "P:"), which the section
# finder may not know: after a list of one-line items it starts something other than the last item.
_LABEL_LINE = re.compile(r"\n[ \t]*[A-Z][A-Za-z]{0,20}(?:[ \t]+[A-Za-z]+){0,2}[ \t]*:(?!\d)")
_MARKER_WORD_LOWER = re.compile(_MARKER_WORD.pattern)
_MARKER_BIOPSY_LOWER = re.compile(_MARKER_BIOPSY.pattern)
_MARKER_ORDINAL_LOWER = re.compile(_MARKER_ORDINAL.pattern)
_MARKER_PATH_LOWER = re.compile(_MARKER_PATH.pattern)
_MARKER_PROCEDURE_LOWER = re.compile(_MARKER_PROCEDURE.pattern)
_MARKER_KEYWORDS = ("lesion", "specimen", "site", "part", "first", "second", "third", "fourth", "fifth", "biopsy", "bx", "path", "histo", "proc")


def _word_marker_at(head: str) -> bool:
    """Whether ``head`` opens with a word marker ("Lesion 2", "Biopsy 3:", "Path B:")."""
    return bool(_MARKER_WORD.match(head) or _MARKER_BIOPSY.match(head) or _MARKER_PATH.match(head))


def _heads_block(text: str, start: int, end: int) -> bool:
    """Whether a marker ("second lesion", "lesion two") at ``start:end`` is a block label, not prose (see ``_LINE_HEAD``)."""
    line_start = text.rfind("\n", 0, start) + 1
    if _LABEL_AFTER.match(text, end):
        return True
    return bool(_LINE_HEAD.fullmatch(text, line_start, start)) and not _VERB_AFTER.match(text, end)


def _marker_number(raw: str) -> int:
    raw = raw.lower()
    if raw.isdigit():
        return int(raw)
    if raw in _WORD_NUMBERS:
        return _WORD_NUMBERS[raw]
    return ord(raw) - ord("a") + 1


def _keyword_starts(lower: str) -> list[int]:
    """Offsets in ``lower`` where one of ``_MARKER_KEYWORDS`` starts, in order."""
    starts = set()
    for word in _MARKER_KEYWORDS:
        i = lower.find(word)
        while i != -1:
            starts.add(i)
            i = lower.find(word, i + 1)
    return sorted(starts)


def _finditer_at(pattern: re.Pattern[str], lower: str, starts: list[int]) -> list[re.Match[str]]:
    """``pattern.finditer(lower)`` for a lower-case marker pattern, tried only at ``starts`` (:func:`_keyword_starts`).

    Every match of the marker patterns starts with one of ``_MARKER_KEYWORDS`` (``find_markers``
    relies on that already); ``re`` cannot skip ahead to them (the patterns start with ``\\b``),
    so ``finditer`` tries the whole pattern at every character.  ``match`` at an offset sees the
    text before it as ``finditer`` does (for ``\\b``), so the matches are the same.
    """
    out, end = [], 0
    for start in starts:
        if start < end:  # inside the previous match: finditer goes on after it
            continue
        match = pattern.match(lower, start)
        if match is not None:
            out.append(match)
            end = match.end()
    return out


def _numbers_a_heading(item: re.Match[str], header_starts: set[int]) -> bool:
    """Whether a list item's number numbers a section heading ("1) Preoperative diagnosis:",
    "7) Description:"): a dictation template's numbered headings are no lesions."""
    end = item.end()
    return any(end <= start <= end + 3 for start in header_starts)


def _marker_items(text: str) -> list[re.Match[str]]:
    """``_MARKER_ITEM.finditer(text)``: the full pattern at offset 0, the one without "^" after it."""
    if _MARKER_ITEM_INNER is None:
        return list(_MARKER_ITEM.finditer(text))
    first = _MARKER_ITEM.match(text)
    if first is None:
        return list(_MARKER_ITEM_INNER.finditer(text))
    return [first, *_MARKER_ITEM_INNER.finditer(text, first.end())]


# A bracketed item number inside a line ("... 5 mm 2) L neck SK"): not after a word character or an
# opening bracket, and with a word after it.
_INLINE_ITEM = re.compile(r"(?<![\w(])(?P<n>[1-9])\)[ \t]+(?=[A-Za-z])")


def _inline_items(text: str) -> list[tuple[int, int]]:
    """The items of a numbered list run on in one line ("Shave removal, 3 lesions. 1) R cheek IDN
    5 mm 2) L neck SK 8 mm 3) chest SK 12 mm") as ``(number, start)``.

    ``_MARKER_ITEM`` wants a line start or a delimiter before an item; written inline, only a space
    stands before "2)".  Taken only as a run "1) ... 2) ..." in order on one line, so a stray
    "2)" in prose is no item.
    """
    if "1)" not in text or "2)" not in text:
        return []
    out: list[tuple[int, int]] = []
    line_start = 0
    for line in text.split("\n"):
        run: list[tuple[int, int]] = []
        for match in _INLINE_ITEM.finditer(line):
            number = int(match.group("n"))
            if number == len(run) + 1:
                run.append((number, line_start + match.start()))
        if len(run) >= 2:
            out.extend(run)
        line_start += len(line) + 1
    return out


def _row_items(text: str) -> list[tuple[int, int]]:
    """The rows of lettered logs (``_MARKER_ROW``) as ``(number, start)``: only when rows A and B both occur.

    A capital followed by a column gap may be a stray in a pasted table; a log letters its rows
    from A, so rows count only when the note has an "A" row and a "B" row.  A procedure log's
    numbered rows (:func:`_numbered_rows`) count the same way.
    """
    numbered = _numbered_rows(text)
    if numbered:
        return numbered
    if "  " not in text and "\t" not in text:
        return []
    rows = [(_marker_number(m.group("n")), m.start("n")) for m in _MARKER_ROW.finditer(text)]
    numbers = {number for number, _ in rows}
    return rows if {1, 2} <= numbers else []


# A row of a procedure-log export numbered in its first column: "01 | 10:02 | L lateral neck |
# acrochordon | snip". Each row is one lesion (twenty-fifth set, decision 5), however many rows
# name the same site.
_NUMBERED_ROW = re.compile(r"^[ \t]*\|?[ \t]*(?P<n>\d{1,2})[ \t]*\|(?=[^\n]*\|[^\n]*\|)", re.MULTILINE)


def _numbered_rows(text: str) -> list[tuple[int, int]]:
    """The rows of a numbered pipe table as ``(number, start)``: only a run numbered 1, 2, 3 ... in order."""
    if "|" not in text:
        return []
    rows = [(int(m.group("n")), m.start("n")) for m in _NUMBERED_ROW.finditer(text)]
    if len(rows) < 2 or [n for n, _ in rows] != list(range(1, len(rows) + 1)):
        return []
    return rows


def find_markers(
    text: str, sections: list[tuple[str, int, int, int]], lower: str | None = None
) -> list[tuple[int, int, int]]:
    """Return ``(number, start, end)`` segments opened by lesion markers.

    List-item markers ("1.", "(A)") only count when at least two distinct numbers occur in the
    same section, so a lone "1." in a one-lesion note does not split anything.  A segment ends at
    the next marker or section, except at a one-line field inside its item: "Site 1: right helix
    ... Repair: full-thickness skin graft ... Site 2: ..." keeps the repair with site 1 when the
    list goes on after it, and the list's last item keeps the same kind of field line after it
    ("Repair:" under each site); a field written inside the line the marker opens is the item's
    (:func:`_fields_on_marker_line`), and a marker alone on its line holds the field lines under
    it (:func:`_heading_block_end`).  A "Procedure 1:" block holds every field line up to the next
    such block, whatever the section finder made of them ("Diagnosis: ...\nLesion size: 1.0 cm" is
    one section to it), and the last block the kinds of section the blocks before it held
    (:func:`_block_end`).  ``lower`` is ``text.lower()`` when the caller already has it.
    """
    raw: list[tuple[int, int, bool]] = []  # (number, start, is_list_item)
    blocks: set[int] = set()  # starts of "Procedure 1:" block markers
    prose: set[int] = set()  # starts of word markers written in running prose ("lesion two was punched")
    lower = text.lower() if lower is None else lower
    if any(word in lower for word in _MARKER_KEYWORDS):
        # Case-blind matching is several times slower than matching the lower-cased text, which
        # keeps the offsets whenever lower-casing does not change the length (it can, for a few
        # non-ASCII letters).
        same_offsets = len(lower) == len(text)
        patterns = (
            (_MARKER_WORD_LOWER, _MARKER_BIOPSY_LOWER, _MARKER_ORDINAL_LOWER, _MARKER_PATH_LOWER, _MARKER_PROCEDURE_LOWER)
            if same_offsets
            else (_MARKER_WORD, _MARKER_BIOPSY, _MARKER_ORDINAL, _MARKER_PATH, _MARKER_PROCEDURE)
        )
        starts = _keyword_starts(lower) if same_offsets else []
        for pattern in patterns:
            found = _finditer_at(pattern, lower, starts) if same_offsets else pattern.finditer(text)
            for match in found:
                if pattern.pattern == _MARKER_WORD.pattern and _ARTICLE_AFTER_WORD.match(text, match.start("n")):
                    continue
                if pattern.pattern == _MARKER_ORDINAL.pattern and not _heads_block(text, match.start(), match.end()):
                    continue
                if pattern.pattern == _MARKER_WORD.pattern and not _heads_block(text, match.start(), match.end()):
                    prose.add(match.start())
                raw.append((_marker_number(match.group("n")), match.start(), False))
                if pattern.pattern == _MARKER_PROCEDURE.pattern:
                    blocks.add(match.start())
    header_starts = {s[1] for s in sections}
    for match in _marker_items(text):
        start = match.start() + (1 if match.start() > 0 or text[:1] in "\n:;,." else 0)
        if _numbers_a_heading(match, header_starts):
            continue
        raw.append((_marker_number(match.group("a") or match.group("b") or match.group("c")), start, True))
    raw.extend((number, start, True) for number, start in _row_items(text))
    listed = {start for _, start, item in raw if item}
    raw.extend((number, start, True) for number, start in _inline_items(text) if not listed & set(range(start - 2, start + 1)))
    key_fields = _key_fields(text)
    raw.extend((number, start, False) for number, start, _ in key_fields)
    field_end = {start: end for _, start, end in key_fields}
    raw.sort(key=lambda item: item[1])
    if not raw:
        return []
    bounds = sorted({s[1] for s in sections} | {s[2] for s in sections} | {len(text)})

    def section_of(offset: int) -> int:
        for i, (_, start, end, _) in enumerate(sections):
            if start <= offset < end:
                return i
        return -1

    by_section: dict[int, set[int]] = {}
    for number, start, _ in raw:
        by_section.setdefault(section_of(start), set()).add(number)
    kept = [(n, s) for n, s, item in raw if not item or len(by_section.get(section_of(s), ())) >= 2]
    if all(s in prose for _, s in kept):
        # With no list or label in the note, "lesion one ... lesion two" in prose counts the lesions
        # in the order the note described them: references for the assignment step, not segments.
        return []
    # Explicit markers ("lesion 2") count even alone only when some other marker shows a second lesion.
    if len({n for n, _ in kept}) < 2:
        return []
    fields = _field_bounds(text, sections)
    inline = _inline_field_bounds(text, sections, fields)
    absorbed: dict[int, set[str]] = {}  # per list (its section), the field kinds its items hold
    segments = []
    for i, (number, start) in enumerate(kept):
        next_marker = kept[i + 1][1] if i + 1 < len(kept) else len(text)
        if start in blocks:
            segments.append((number, start, _block_end(sections, start, next_marker, blocks)))
            continue
        own_list = section_of(start)
        if i + 1 < len(kept) and section_of(next_marker) == own_list:
            held = None  # every field line before the list's next item is this item's
        else:
            held = absorbed.get(own_list, set())  # the last item holds the kinds its list's items held
        on_line = _fields_on_marker_line(text, start, inline)
        end = next((b for b in bounds if b > start and b not in on_line and not _held_field(fields.get(b), held)), len(text))
        end = min(next_marker, max(end, _heading_block_end(text, start)), field_end.get(start, len(text)))
        if held is not None:
            end = _end_after_one_line_items(text, segments, start, end, section_of)
        absorbed.setdefault(own_list, set()).update(name for b, name in fields.items() if start < b < end)
        segments.append((number, start, end))
    return segments


# Section kinds of the field lines that describe one procedure block's lesion.
_BLOCK_FIELDS = frozenset({"findings", "diagnosis", "anesthesia", "description", "closure", "specimen"})


def _end_after_one_line_items(
    text: str, segments: list[tuple[int, int, int]], start: int, end: int, section_of: Callable[[int], int]
) -> int:
    """Where a list's last item ends when every item before it took one line: at a labelled line.

    "Lesion 1: L chest ... tang bx.\nLesion 2: L upper arm ... 3mm p.\nAlso: skin tags neck x5
    snipped.\nConsent: ...": the items' own text fits on their lines, so a line opened by a label
    (known to the section finder or not) is no longer the last item's; the known ones already end
    it (the earlier items held no field lines).  Items that ran over several lines keep theirs.
    """
    earlier = [(s, e) for _, s, e in segments if section_of(s) == section_of(start)]
    if not earlier or any("\n" in text[s:e].rstrip() for s, e in earlier):
        return end
    label = _LABEL_LINE.search(text, start, end)
    return label.start() + 1 if label else end


def _block_end(sections: list[tuple[str, int, int, int]], start: int, next_marker: int, blocks: set[int]) -> int:
    """Where a "Procedure 1:" block ends: at the next marker while another block follows it.

    The last block (no block marker after it) keeps the sections of the kinds the blocks before
    it held ("Detail:" under each procedure), and the one-lesion fields every block may hold
    (``_BLOCK_FIELDS``: "LOCATION:", "CLINICAL DX:", "TECHNIQUE:", "CLOSURE:", "SPECIMEN:" under a
    block whose fellow names its sites "LOCATION 1a:"), and ends at the first section of another
    kind ("Pathology:", "Plan:") or where a section ends with nothing after it.
    """
    if any(b > start for b in blocks):
        return next_marker
    held = {name for name, s, _, *_ in sections if min(blocks) <= s < start} | _BLOCK_FIELDS
    starts = {s: name for name, s, _, *_ in sections}
    for bound in sorted({s for _, s, _, *_ in sections} | {e for _, _, e, *_ in sections}):
        if start < bound < next_marker and starts.get(bound) not in held:
            return bound
    return next_marker


def _key_fields(text: str) -> list[tuple[int, int, int]]:
    """The key fields that name a lesion ("exam.l1.site = L temple"), as ``(number, start, line end)``.

    Only keys that are a path (a "." or "_" in them) count: a bare "L1:" may be a vertebra or a
    line label of another kind.
    """
    if "=" not in text and ":" not in text:
        return []
    out = []
    for match in _MARKER_KEY.finditer(text):
        if "." not in match.group("key") and "_" not in match.group("key"):
            continue
        line_end = text.find("\n", match.end())
        out.append((int(match.group("n")), match.start("key"), line_end if line_end != -1 else len(text)))
    return out


def _field_bounds(text: str, sections: list[tuple[str, int, int, int]]) -> dict[int, str]:
    """The bounds that only a one-line field ("Repair: FTSG ...", "Path: SK") makes, by its section name.

    "Site 1: right helix ... Repair: full-thickness skin graft ... Site 2: right shoulder ...": a
    list item's own field lines are part of the item, not the end of it (see :func:`find_markers`).
    """
    fields: dict[int, str] = {}
    hard: set[int] = {len(text)}
    for name, start, end, *_ in sections:
        if "\n" in text[start:end].rstrip("\n"):
            hard.update((start, end))
        else:
            fields[start] = fields[end] = name
    return {b: name for b, name in fields.items() if b not in hard}


def _inline_field_bounds(text: str, sections: list[tuple[str, int, int, int]], fields: dict[int, str]) -> set[int]:
    """The bounds of one-line fields written inside a line of prose, which no item ends at.

    "Lesion 1: ... fusiform excision to the fat. Undermined. Closure: deep dermal 4-0 Monocryl ...;
    final length 4.0 cm.\nLesion 2: ...": a "Closure:" label in the middle of the item's paragraph
    is part of that item, whatever list it belongs to.
    """
    inline: set[int] = set()
    for _, start, end, *_ in sections:
        line_start = text.rfind("\n", 0, start) + 1
        if "\n" not in text[start:end].rstrip("\n") and text[line_start:start].strip():
            # its start, where the section before it also ends; its end unless another section starts there
            inline.update(b for b in (start, end) if b == start or b in fields)
    return inline


def _fields_on_marker_line(text: str, start: int, inline: set[int]) -> set[int]:
    """The inline field bounds on the line a marker opens (none when text comes before the marker on its line).

    A note run together on one line ("ASSESSMENT: ,1. Actinic keratosis ...,PROCEDURE: , ...")
    has every header inside a line: there only a line the marker opens holds its inline fields.
    """
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].strip():
        return set()
    line_end = text.find("\n", start)
    if line_end == -1:
        return set()  # a note with no line break after the marker: its headers end items as before
    return {b for b in inline if start < b <= line_end}


def _heading_block_end(text: str, start: int) -> int:
    """Where the field lines under a marker heading its own line end (``start`` when it heads none).

    "Lesion 1\nSite: right nasal sidewall\nDiagnosis: BCC\nLesion size: 6 mm; margin 3 mm\nRepair:
    intermediate, 2.0 cm\n\nLesion 2 ...": a marker alone on its line heads the "Key: value" lines
    right under it (at one indentation), however the section finder split or joined them; the
    block ends at the first line of another form (a blank line, a paragraph) or indentation.
    """
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    if line_end == -1 or not _HEADING_LINE.fullmatch(text[line_start:line_end]):
        return start
    end, indent = start, None
    while line_end != -1:
        next_end = text.find("\n", line_end + 1)
        line = text[line_end + 1 : next_end if next_end != -1 else len(text)]
        field = _FIELD_LINE.match(line)
        if field is None or (indent is not None and field.group(1) != indent):
            break
        indent = field.group(1)
        end = next_end + 1 if next_end != -1 else len(text)
        line_end = next_end
    return end


def _held_field(name: str | None, held: set[str] | None) -> bool:
    """Whether a bound is a field line the current item holds (``held`` None: any field)."""
    return name is not None and (held is None or name in held)


def segment_lookup(segments: list[tuple[int, int, int]]) -> Callable[[int], int | None]:
    """``segment_of(offset)``: the lesion number of the marker segment at ``offset``, else None."""

    def segment_of(offset: int) -> int | None:
        for number, start, end in segments:
            if start <= offset < end:
                return number
        return None

    return segment_of


def lesion_segments(text: str, segments: list[tuple[int, int, int]], facts: list[Fact]) -> list[tuple[int, int, int]]:
    """Keep the marker segments that stand for a lesion.

    A number stands for a lesion when some segment with that number is a word marker ("Lesion
    2", "the second lesion", "Specimen B") or names a site or a diagnosis; then every segment
    with that number counts ("#2: excised with 2 mm margins").  "2. Intermediate repair,
    11.0 cm" in a numbered procedure list, with no site anywhere under number 2, is the second
    procedure on the first lesion, not a second lesion.
    """
    # Where the note's sites and diagnoses start, sorted once: a segment names one when any start
    # falls inside it (a bisection instead of a scan of every fact per segment; speed only).
    named_starts = sorted(f.mention.start for f in facts if f.label in ("ANATOMIC_SITE", "LESION_DIAGNOSIS"))

    def names_a_lesion(segment: tuple[int, int, int]) -> bool:
        head = text[segment[1] : segment[1] + 40]
        if _word_marker_at(head.lstrip(" \t\n:;,.")) or _MARKER_ORDINAL.search(head):
            return True
        at = bisect_left(named_starts, segment[1])
        return at < len(named_starts) and named_starts[at] < segment[2]

    segments = _bind_repair_items(segments, facts)
    lesion_numbers = {segment[0] for segment in segments if names_a_lesion(segment)}
    segments = _merge_step_items(text, segments, facts, names_a_lesion)
    kept = [segment for segment in segments if segment[0] in lesion_numbers]
    return kept if len(lesion_numbers) >= 2 else []


def align_list_numbers(
    segments: list[tuple[int, int, int]], facts: list[Fact], sections: list[tuple[str, int, int, int]]
) -> list[tuple[int, int, int]]:
    """Renumber a list whose items name the procedure list's lesions in another order.

    "DIAGNOSES: 1. Cyst, right lower back. 2. Nevus, left upper back. PROCEDURES: A. Excision
    of nevus, left upper back. B. Excision of cyst, right lower back": each list counts its
    own way, so diagnosis 1 is procedure B's lesion.  The procedure list (with the narrative
    and pathology items that follow its numbering) is the reference; another list is renumbered
    only when every item's sites match exactly one reference item and no two items match the
    same one.  An item named with the very words of one reference item matches that one, not
    another whose site words contain it ("Left chest" is "left chest", not "left chest medial").
    Failing that, two lists with as many lesion items pair in order when no pair's sites
    disagree: "1. Excision, left chest. 2. Two-layer closure. 3. Excision, left chest medial.
    4. Excision, left shoulder" numbers the lesions of "1. ..., 2. ..., 3. ..." as 1, 3 and 4.
    """
    def section_name(offset: int) -> str:
        return next((name for name, start, end, *_ in sections if start <= offset < end), "")

    runs: list[list[tuple[int, int, int]]] = []
    for segment in segments:
        if runs and runs[-1][-1][2] == segment[1] and section_name(segment[1]) == section_name(runs[-1][-1][1]):
            runs[-1].append(segment)
        else:
            runs.append([segment])
    anchors = [f for f in facts if is_anchor(f)]

    def sites(run: list[tuple[int, int, int]]) -> dict[int, list[tuple[str, str | None, frozenset[str]]]]:
        out: dict[int, list[tuple[str, str | None, frozenset[str]]]] = {}
        for number, start, end in run:  # an item's first site is its lesion's; later ones may be passing mentions
            first = next((f for f in anchors if start <= f.mention.start < end), None)
            out.setdefault(number, []).extend([site_key(first.mention)] if first is not None else [])
        return out

    reference = next((run for run in runs if section_name(run[0][1]).startswith("procedure")), None)
    if reference is None:
        return segments
    ref_sites = sites(reference)
    if len([n for n, keys in ref_sites.items() if keys]) < 2:
        return segments

    def matches(a: tuple[str, str | None, frozenset[str]], b: tuple[str, str | None, frozenset[str]]) -> bool:
        return Cluster(*b).accepts(*a)

    def by_sites(run_sites: dict[int, list[tuple[str, str | None, frozenset[str]]]]) -> dict[int, int]:
        mapping: dict[int, int] = {}
        for number, keys in run_sites.items():
            found = {m for m, ref_keys in ref_sites.items() if any(a == b for a in keys for b in ref_keys)}
            found = found or {m for m, ref_keys in ref_sites.items() if any(matches(a, b) for a in keys for b in ref_keys)}
            if len(found) != 1:
                return {}
            mapping[number] = found.pop()
        return mapping

    def in_order(run_sites: dict[int, list[tuple[str, str | None, frozenset[str]]]]) -> dict[int, int]:
        if len(run_sites) != len(ref_sites):
            return {}
        pairs = list(zip(run_sites.items(), ref_sites.items(), strict=True))
        if any(keys and ref_keys and not any(matches(a, b) for a in keys for b in ref_keys) for (_, keys), (_, ref_keys) in pairs):
            return {}
        return {number: ref_number for (number, _), (ref_number, _) in pairs}

    renumbered: dict[tuple[int, int, int], int] = {}
    for run in runs:
        if run is reference:
            continue
        run_sites = sites(run)
        mapping = by_sites(run_sites) or in_order(run_sites)
        if len(mapping) < 2 or len(set(mapping.values())) != len(mapping) or all(k == v for k, v in mapping.items()):
            continue
        for segment in run:
            renumbered[segment] = mapping[segment[0]]
    if not renumbered:
        return segments
    return [(renumbered.get(segment, segment[0]), segment[1], segment[2]) for segment in segments]


_REPAIR_ITEM_LABELS = frozenset({"ANATOMIC_SITE", "CLOSURE_TYPE", "WOUND_LENGTH", "DEFECT_AREA", "PROCEDURE"})


def _bind_repair_items(segments: list[tuple[int, int, int]], facts: list[Fact]) -> list[tuple[int, int, int]]:
    """A list item that only closes a wound at a site takes the number of the item that excised there.

    "1. Excision of BCC, right cheek. 2. Excision of BCC, left cheek. 3. Closure complex ...
    advancement flap, right cheek. 4. Closure ... left cheek ...": items 3 and 4 are the
    closures of lesions 1 and 2, not lesions 3 and 4.  The item names a closure and a site and
    nothing of a lesion (no diagnosis, size or strong procedure word); its site must fit exactly
    one earlier item of its list that names a lesion there (the same words first, see
    :func:`align_list_numbers`).
    """
    anchors = [f for f in facts if is_anchor(f)]
    out: list[tuple[int, int, int]] = []
    run: list[tuple[int, int, int]] = []  # the items of the current list so far, as numbered here
    for segment in segments:
        if not (run and run[-1][2] == segment[1]):
            run = []
        number, start, end = segment
        inside = [f for f in facts if start <= f.mention.start < end]
        labels = {f.label for f in inside}
        site = next((f for f in anchors if start <= f.mention.start < end), None)
        repair_only = (
            site is not None and "CLOSURE_TYPE" in labels and labels <= _REPAIR_ITEM_LABELS
            and not any(f.label == "PROCEDURE" and not f.value.get("weak") for f in inside)
        )
        if repair_only:
            key = site_key(site.mention)  # type: ignore[union-attr]
            excised = [(n, site_key(f.mention)) for n, s, e in run for f in anchors if s <= f.mention.start < e and _names_lesion_facts(facts, s, e)]
            found = {n for n, other in excised if other == key} or {n for n, other in excised if Cluster(*other).accepts(*key)}
            if len(found) == 1 and number not in found:
                segment = (found.pop(), start, end)
        run.append(segment)
        out.append(segment)
    return out


def _names_lesion_facts(facts: list[Fact], start: int, end: int) -> bool:
    """Whether a list item names a lesion by a diagnosis, a size or a strong procedure word."""
    return any(
        start <= f.mention.start < end
        and (f.label in ("LESION_DIAGNOSIS", "LESION_SIZE") or (f.label == "PROCEDURE" and not f.value.get("weak")))
        for f in facts
    )


def _merge_step_items(
    text: str, segments: list[tuple[int, int, int]], facts: list[Fact], names_a_lesion
) -> list[tuple[int, int, int]]:
    """A list item that is a further step on the lesion of the item before it joins that item.

    "PROCEDURES: 1. Mohs surgery, left arm. 2. Intermediate repair, 5.2 cm. 3. Shave biopsy,
    right cheek": item 2 names no site, diagnosis or procedure of its own while its list
    names lesions item by item, so it is the repair of item 1's lesion, not of the lesion
    that happens to be number 2 in the diagnosis list.  Items of one list are the segments
    that follow each other without a gap (segments stop at section bounds).
    """
    def own_lesion_or_procedure(segment: tuple[int, int, int]) -> bool:
        # An item that sizes or names a lesion of its own ("2. 5 mm inflamed papule", "3. Gritty
        # scaly papules") describes a lesion, not a further step (a repair item sizes a wound).
        return (
            names_a_lesion(segment)
            or any(
                (f.label == "LESION_SIZE" or (f.label == "PROCEDURE" and not f.value.get("weak")))
                and segment[1] <= f.mention.start < segment[2]
                for f in facts
            )
            or bool(GENERIC_LESION.search(text, segment[1], min(segment[2], segment[1] + 200)))
        )

    def word_marker(segment: tuple[int, int, int]) -> bool:
        head = text[segment[1] : segment[1] + 40].lstrip(" \t\n:;,.")
        # "Path B: pending" reports on lesion B even when it names no diagnosis
        return bool(_word_marker_at(head) or _MARKER_ORDINAL.search(head))

    runs: list[list[tuple[int, int, int]]] = []
    for segment in segments:
        if runs and runs[-1][-1][2] == segment[1]:
            runs[-1].append(segment)
        else:
            runs.append([segment])
    out: list[tuple[int, int, int]] = []
    for run in runs:
        if len(run) < 2 or not any(names_a_lesion(s) for s in run):
            out.extend(run)
            continue
        merged: list[tuple[int, int, int]] = []
        for segment in run:
            if merged and not word_marker(segment) and not own_lesion_or_procedure(segment):
                number, start, _ = merged[-1]
                merged[-1] = (number, start, segment[2])
            else:
                merged.append(segment)
        out.extend(merged)
    return out


# A lettered list item: "A. Excision ...", "(B) ...", "C) ...".
# "Site A, right upper back: ..." names its lesion by the letter as a lettered item does.
_LETTER_ITEM = re.compile(r"[\s:;,.]*(?:(?:[Ss]ite|SITE|[Ll]esion|LESION|[Ss]pecimen|SPECIMEN)[ \t]+)?\(?(?P<n>[A-E])(?:[.)]|(?<=[A-E])(?=[,:]|[ \t]+[—–-][ \t]))")
# A letter alone that names an item of a lettered list: "A was excised with 4 mm margins and B with
# 2 mm margins", "Closed lengths: A 4.0 cm, B 3.0 cm", "C: LN2 spray".  Capital, at the start of a
# line, clause or list ("and B", ": A", ", B") and followed by what an item's name is followed by (a
# verb, a preposition, a colon or comma, a measurement), never by a noun: "A lesion was excised"
# is the article.
_LETTER_REFERENCE = re.compile(
    r"(?:^|(?<=[\n.;:,(])|(?<=\band)|(?<=\bthen)|(?<=\bwhile)|(?<=\bwhereas))[ \t]*(?P<n>[A-E])"
    r"(?=[ \t]*[:,]|[ \t]+(?:was|were|is|had|has|measured|measuring|with|and|then|to)\b|[ \t]+(?P<digit>\d))",
    re.MULTILINE,
)
# A letter alone before a word, at the start of a line or after a colon or semicolon ("Pathology: A
# dysplastic nevus, clear; B compound nevus, clear"), or after a sentence's full stop ("Dermpath: A
# intradermal nevus. B dysplastic nevus"): the article "A" as often as a label, so it counts only
# beside another letter of the list written the same way on its line.
_LETTER_PAIRED = re.compile(r"(?:^|(?<=[\n:;])|(?<=[a-z]\.))[ \t]*(?P<n>[A-E])(?=[ \t]+[a-z])", re.MULTILINE)
_PAIR_END = re.compile(r"\n")
# Where a letter's reference ends when no other letter follows: the end of its sentence or line.
_REFERENCE_END = re.compile(r"\n|[.;](?!\d)")
# A paragraph break: a line with nothing but spaces on it.
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def letter_references(text: str, segments: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Add a segment for each letter that names an item of the note's lettered list outside it.

    A note that lists its lesions as "A.", "B.", "C." often goes on to name them by the letter
    alone ("A was excised with 4 mm margins and B with 2 mm margins. Closed lengths: A 4.0 cm,
    B 3.0 cm. C: LN2 spray"); each such reference opens a segment for that lesion until the next
    reference or the end of its sentence.  Only letters the list uses count, only outside the
    list's own items (the last of which ends at a blank line when the text after it names two of
    the letters, :func:`_end_last_item_at_paragraph`), and a capital "A" before a number only
    beside another reference in its sentence ("A 4 mm punch was used" is the article).
    """
    items = [segment for segment in segments if (m := _LETTER_ITEM.match(text, segment[1])) and _marker_number(m.group("n")) == segment[0]]
    letters = {number for number, _, _ in items}
    if len(letters) < 2:
        return segments
    segments = _end_last_item_at_paragraph(text, segments, max(items, key=lambda segment: segment[1]), letters)
    inside = [(start, end) for _, start, end in segments]
    found: list[tuple[int, int, bool]] = []  # (number, start, before a digit)
    for match in _LETTER_REFERENCE.finditer(text):
        start = match.start("n")
        number = _marker_number(match.group("n"))
        if number in letters and not any(s <= start < e for s, e in inside):
            found.append((number, start, match.group("digit") is not None))
    found = sorted({*found, *_paired_letters(text, letters, inside)}, key=lambda item: item[1])
    added: list[tuple[int, int, int]] = []
    for i, (number, start, before_digit) in enumerate(found):
        stop = _REFERENCE_END.search(text, start)
        sentence_end = stop.start() if stop else len(text)
        next_start = found[i + 1][1] if i + 1 < len(found) else len(text)
        others = [n for n, s, _ in found if n != number and _same_sentence(text, start, s)]
        if number == 1 and before_digit and not others:
            continue
        added.append((number, start, min(sentence_end, next_start)))
    return sorted(segments + added, key=lambda segment: segment[1])


def _end_last_item_at_paragraph(
    text: str, segments: list[tuple[int, int, int]], last: tuple[int, int, int], letters: set[int]
) -> list[tuple[int, int, int]]:
    """End the lettered list's last item at a blank line when the paragraphs after it name the items by letter.

    With no section heading after the list, its last item runs to the end of the note; a letter or
    narrative note ("(C) ... right knee.  <blank line>  A and C were shave biopsies. B was a 4 mm
    punch ...") then goes on about the items by letter.  References to two or more of the list's
    letters after the blank line show the list has ended there (one item's own later paragraph
    would not name another item), so the last item stops at it and the references are read.
    """
    number, start, end = last
    blank = _BLANK_LINE.search(text, start, end)
    if blank is None:
        return segments
    named = {_marker_number(m.group("n")) for m in _LETTER_REFERENCE.finditer(text, blank.end(), end)} & letters
    if len(named) < 2:
        return segments
    return [(number, start, blank.start()) if segment == last else segment for segment in segments]


def _paired_letters(text: str, letters: set[int], inside: list[tuple[int, int]]) -> list[tuple[int, int, bool]]:
    """The list's letters written alone before a word (``_LETTER_PAIRED``), kept only where another
    of its letters is written so in the same sentence or line."""
    bare = [
        (_marker_number(m.group("n")), m.start("n"))
        for m in _LETTER_PAIRED.finditer(text)
        if _marker_number(m.group("n")) in letters and not any(s <= m.start("n") < e for s, e in inside)
    ]
    return [
        (number, start, False)
        for number, start in bare
        if any(other != number and _PAIR_END.search(text, min(start, at), max(start, at)) is None for other, at in bare)
    ]


def _same_sentence(text: str, a: int, b: int) -> bool:
    low, high = min(a, b), max(a, b)
    return _REFERENCE_END.search(text, low, high) is None

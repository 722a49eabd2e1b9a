"""Lesion linking: group a note's facts into one record per treated lesion.

Pure Python over :class:`~nlp.records.Mention` objects (no spaCy), so it can be tested with
hand-made mentions.  The steps, each a small function below:

1. **Markers** — "Lesion #2", "Specimen B", "(2)", "second lesion", numbered or lettered list
   items — open a segment that belongs to that lesion until the next marker or section.
2. **Site clusters** — asserted site mentions are grouped by region, laterality and position
   words; a cluster seen inside a marker segment takes that marker's lesion number.
3. **Assignment** — every other fact goes to the lesion of its marker segment, else of the nearest
   site in its sentence, else of the last lesion named in its section, else (one lesion) to it.
4. **Records** — per lesion, the diagnosis by precedence pathology > postoperative >
   preoperative, the largest operative lesion size, the narrowest margin, the most complex
   closure, and so on.  Negated, historical, family and hypothetical mentions never create a
   fact; uncertain diagnoses are kept but marked not certain.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from nlp import procedure_details as details
from nlp.records import Closure, Diagnosis, Lesion, Measure, Mention, Procedure, Site, Span

PATHOLOGY_SECTIONS = frozenset({"pathology", "addendum"})
DIAGNOSIS_HEADER_SECTIONS = frozenset({"preoperative_diagnosis", "postoperative_diagnosis", "diagnosis"})
POSTOP_SECTIONS = frozenset({"postoperative_diagnosis"})
PREOP_SECTIONS = frozenset({"preoperative_diagnosis", "diagnosis", "indications", "history", "physical_exam"})
# Where the note tells the lesion's story; a removal word there ("drained", "removed") is history.
NARRATIVE_SECTIONS = frozenset({"indications", "history", "physical_exam"})
OPERATIVE_SECTIONS = frozenset({"procedure", "description", "findings", "closure", "specimen", None})
IGNORED_SECTIONS = frozenset(
    {"past_history", "family_history", "social_history", "medications", "allergies", "plan", "anesthesia", "other", "complications"}
)
# A plan section's facts count when ConText marks them done at this visit ("I froze it once").
PERFORMED_IN_SECTIONS = frozenset({"plan"})
PERFORMED = "PERFORMED"
MEASURE_FIELDS = {
    "LESION_SIZE": "lesion_size",
    "MARGIN": "margin",
    "EXCISED_DIAMETER": "excised_diameter",
    "WOUND_LENGTH": "repair_length",
    "SPECIMEN_SIZE": "specimen_size",
    "DEFECT_AREA": "defect_area",
}
CLOSURE_RANK = {
    "adjacent_tissue_transfer": 7, "flap": 7, "graft": 6, "complex": 5, "intermediate": 4, "simple": 3,
    "secondary_intention": 2, "adhesive_strips": 1, "none": 0,
}
# When a lesion has several procedure words, the first kind here that occurs wins: Mohs
# includes the excision; an excision outranks the biopsy that preceded it.
PROCEDURE_PRECEDENCE = ("mohs", "re_excision", "excision")
EXCISION_KINDS = ("re_excision", "excision")
# Mohs was done (not just offered) when the note speaks of its stages, layers or blocks.
_MOHS_DONE = re.compile(
    r"\b(?:stage|stg)\s*(?:[1-9]|i{1,3}|one|two|three)\b|\b[1-9]\s+(?:tissue\s+)?(?:blocks?|blks?)\b|\bmohs\s+(?:stage|layer|defect|map)"
    r"|\b(?:micrographic|mohs)\s+(?:surgery\s+|procedure\s+|excision\s+)?(?:was|were)\s+(?:performed|done|completed|carried\s+out)"
    r"|\bsurgeon\s+and\s+(?:the\s+)?(?:dermato)?pathologist\b"
    r"|\b(?:[1-9]|one|two|three|four|five)\s+(?:mohs\s+)?(?:stages|layers)\b"
    r"|\b(?:first|second|third|final|each|every)\s+(?:surgical\s+|mohs\s+)?(?:stage|layer)\b"
    r"|\b(?:using|with|by)\s+the\s+mohs\s+(?:\w+\s+){0,2}?technique\b|\bmicroscopically[- ]controlled\s+surgery\b",
    re.IGNORECASE,
)

_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
# Lesion markers, as three patterns with literal-ish starts (one alternation of all three made
# the regex engine try every position of the note): "Lesion #2", "specimen B", "site 3";
# "second lesion"; and list items "1.", "#2", "(B)", "B)" at the start of a line or clause (an item
# may open with its size: "2. 4 MM DARK BROWN PAPULE").
_NUMBER = r"(?P<n>[1-9]|[A-Ea-e](?![a-z])|one|two|three|four|five)"
# "lesion 9 mm" is a size, not lesion number 9.
_MARKER_WORD = re.compile(
    r"\b(?:lesion|specimen|site|part)\s*(?:\#|no\.?|number)?\s*" + _NUMBER + r"\b(?!\s*(?:mm|cm|millim|centim|in\b|inch|x\s*\d|\.\d))",
    re.IGNORECASE,
)
_MARKER_ORDINAL = re.compile(r"\b(?P<n>first|second|third|fourth|fifth)\s+(?:lesion|specimen|site|excision|one)\b", re.IGNORECASE)
# The delimiter before a list item is consumed rather than looked behind for: a lookbehind
# alternative makes the engine test every position of the note (four times slower).
_MARKER_ITEM = re.compile(r"(?:^|[\n:;,.])[ \t]*(?:\#\s*(?P<a>[1-9])|\(?(?P<b>[1-9]|[A-E])\)|(?P<c>[1-9]|[A-E])\.(?=[ \t]+(?:[A-Za-z]|\d+(?:\.\d+)?[ \t]*[mMcC][mM]\b)))")
# _MARKER_ITEM without its "^" alternative, for offsets after 0 (where "^" never matches): re can
# then jump from one delimiter to the next; the "^" made it try the pattern at every character.
_MARKER_ITEM_INNER = (
    re.compile("(?:" + _MARKER_ITEM.pattern.removeprefix("(?:^|"), _MARKER_ITEM.flags)
    if _MARKER_ITEM.pattern.startswith("(?:^|") and not _MARKER_ITEM.flags & re.MULTILINE
    else None
)
_MARKER_WORD_LOWER = re.compile(_MARKER_WORD.pattern)
_MARKER_ORDINAL_LOWER = re.compile(_MARKER_ORDINAL.pattern)
_MARKER_KEYWORDS = ("lesion", "specimen", "site", "part", "first", "second", "third", "fourth", "fifth")
_PENDING = re.compile(
    r"\b(?:path(?:ology)?\s+(?:is\s+|was\s+|results?\s+(?:are\s+|is\s+)?)?pending|pending\s+(?:final\s+)?path(?:ology)?|await(?:ing|s)?\s+(?:final\s+)?path(?:ology)?|path(?:ology)?\s+(?:results?\s+)?(?:not\s+yet\s+(?:available|back|returned)|to\s+follow))",
    re.IGNORECASE,
)
_PATHOLOGY_CUE = re.compile(r"\b(?:path(?:ology)?|histolog\w*|dermatopatholog\w*|frozen\s+section)\b[^.;]{0,40}?\b(?P<verb>show|reveal|return|confirm|demonstrat|report|came\s+back|consistent|diagnos|read|was|is|:)", re.IGNORECASE)
# The same words naming what pathology is asked to do or has yet to do, not a result: "submitted to
# pathology for confirmation of its histology", "pending pathology report", "pathology is pending".
_PATHOLOGY_PENDING_BEFORE = re.compile(r"\b(?:pending|awaiting|await|awaits)\s+(?:(?:the|a|final|formal)\s+)*$", re.IGNORECASE)
_PATHOLOGY_PURPOSE = re.compile(r"\bfor\s+(?:(?:a|an|the|its|further|formal|final|histologic(?:al)?)\s+)*$", re.IGNORECASE)
_PATHOLOGY_PENDING_AFTER = re.compile(r"^\w*\s+(?:(?:is|was|are|were|remains?)\s+)?(?:still\s+)?(?:pending|awaited|to\s+follow|not\s+yet)", re.IGNORECASE)
# A biopsy result reported before this excision: "biopsy on 3/4 showed", "biopsy-proven", "biopsy
# confirmed"; and a wide or re-excision of a named cancer, which is only done once it is proven.
_PRIOR_BIOPSY = re.compile(
    r"\b(?:biops(?:y|ies|ied)|bx)\b[^;]{0,80}?\b(?:show|reveal|demonstrat|confirm|prov|positive|consistent|diagnos|return|came\s+back|c/w)"
    r"|\b(?:biopsy|bx)[- ]prov"
    r"|\b(?:wide\s+(?:local\s+)?|re-?)exc(?:ision|ised)?\.?\s+(?:of\s+)?(?:(?:the|a|his|her|known|residual)\s+)*$"
    # "Wide local excision, left dorsal forearm melanoma": the site may stand between
    r"|\bwide\s+(?:local\s+)?excision,?\s+(?:of\s+)?(?:(?:the|a|his|her)\s+)?(?:[a-z]+\s+){1,4}$"
    # "returns 10 days after excision of a squamous cell carcinoma": an earlier excision's result
    r"|\b(?:after|following|since)\s+(?:(?:an?|the|his|her|prior|previous|recent|initial)\s+)*(?:excision|removal|mohs)\s+of\s+(?:(?:an?|the|his|her)\s+)*$"
    # "previously radiated squamous cell carcinoma": a cancer already treated was proven first
    r"|\b(?:previously|already)\s+(?:radiated|irradiated|treated|biopsied)\s+(?:\w+\s+){0,2}$",
    re.IGNORECASE,
)
# The same evidence written after the diagnosis: "MIS L cheek dx'd on shave bx", "BCC (biopsy proven)".
_PRIOR_BIOPSY_AFTER = re.compile(
    r"^[^.;]{0,40}?(?:\b(?:dx'?d|diagnosed|confirmed|proven|proved)\s+(?:on|by|with|via)\s+(?:(?:a|prior|previous|recent)\s+)*"
    r"(?:(?:shave|punch|incisional|tangential)\s+)?(?:biopsy|bx)|\(?\s*(?:biopsy|bx)[- ]prov"
    r"|\b(?:(?:previous|prior|recent)\s+)?(?:positive\s+)(?:(?:shave|punch)\s+)?(?:biopsy|bx)"
    r"|\b(?:previous|prior|recent)\s+(?:(?:shave|punch)\s+)?(?:biopsy|bx)\s+(?:positive|proven|confirmed)"
    # "MIS L forearm, shave biopsy 3 weeks ago": a dated biopsy named with the diagnosis made it
    r"|\b(?:(?:shave|punch|incisional|tangential|saucerization)\s+)?(?:biops(?:y|ied)|bx)\s+(?:(?:done|performed|taken|obtained)\s+)?"
    r"(?:(?:\d+|one|two|three|four|five|six|a\s+few|several)\s+(?:days?|weeks?|wks?|months?|mos?)\s+ago|(?:on|dated)\s+\d{1,2}/\d{1,2}\b|last\s+(?:week|month)))"
    # "... that was diagnosed in the office after two biopsies"
    r"|^[^.;]{0,120}?\b(?:dx'?d|diagnosed|confirmed|proven|proved)\b[^.;]{0,30}?\b(?:after|by|on|with|via|following|at)\s+"
    r"(?:(?:a|an|the|two|three|several|multiple|repeat|\d|prior|previous|recent|shave|punch|incisional|tangential|skin)\s+)*(?:biops(?:y|ies)|bx)\b"
    # "squamous cell carcinoma ... which had previous radiation": treated, so proven before
    r"|^[^.;]{0,80}?\b(?:which|that|and)\s+(?:had|has|was|were|underwent|received)\s+(?:been\s+)?(?:(?:previous|prior|recent)\s+)?"
    r"(?:radiation|radiotherapy|irradiation|xrt|radiated|irradiated|treated\s+with\s+radiation)\b"
    # "Malignant melanoma, left dorsal forearm, Breslow depth 0.9 mm, status post excisional biopsy"
    r"|^(?:[^.;]|\.\d){0,80}?\b(?:status\s+post|s/p)\s+(?:(?:an?|the|excisional|shave|punch|incisional|tangential|prior|previous|recent)\s+)*(?:biops(?:y|ies)|bx|excision)\b",
    re.IGNORECASE,
)
_PENDING_CUES = ("pending", "await", "not yet", "to follow")
_ALL_LESIONS = re.compile(r"\b(?:both|all|each)\s+(?:of\s+the\s+)?(?:wounds?|defects?|sites?|lesions?|incisions?|excisions?)\b", re.IGNORECASE)
# Facts that describe the lesion itself (a closure or a wound can sit next to any body part).
_DESCRIBING_LABELS = frozenset({"LESION_DIAGNOSIS", "PROCEDURE", "LESION_SIZE", "MARGIN", "EXCISED_DIAMETER"})
# The generic words a note uses for a lesion it does not diagnose: "worrisome skin lesion", "nodule",
# "ear tag".  Not a diagnosis (the coding layer holds the lesion and asks for one), but with a
# performed procedure at a skin site it makes the lesion a treated one.  "Mass", "lump" and "tumor"
# only count with a word that puts them in the skin or under it ("subcutaneous mass", "soft tissue
# mass", "skin lump"): a bare "mass" at a body site is as often a breast, node, bone or organ mass.
_GENERIC_LESION = re.compile(
    r"\b(?<!no )(?<!without )(?:lesions?|growths?|nodules?|papules?|plaques?|bumps?|tags?|neoplasms?"
    r"|(?:(?P<qualifier>skin|cutaneous|subcutaneous|subdermal|dermal|soft[- ]tissue|subfascial|intramuscular|fatty)\s+(?:\w+\s+)?)"
    r"(?:mass(?:es)?|lumps?|tumou?rs?))\b",
    re.IGNORECASE,
)
# The qualifiers that put a mass under the skin: a soft-tissue tumour (coding-rules.md 1.8).
_SOFT_TISSUE_QUALIFIER = re.compile(r"subcutaneous|subdermal|soft[- ]tissue|subfascial|intramuscular|fatty", re.IGNORECASE)
# Procedure words that only name skin procedures ("punch biopsy", "shave biopsy", "cryotherapy"); a
# bare "biopsy" or "excision" may be of an artery, a lymph node or the breast.
SOFT_TISSUE_KINDS = frozenset({"lipoma", "soft_tissue_mass"})
SKIN_TECHNIQUES = frozenset({"biopsy_punch", "biopsy_tangential", "shave", "destruction", "mohs", "skin_tag_removal"})
# Marks a site mention from a wish or plan that stands in for the site (see _is_wished_site).
WISHED_SITE = "WISHED_SITE"
_POSITION_WORDS = frozenset(
    "upper lower mid middle central medial lateral anterior posterior dorsal ventral volar proximal distal inferior superior plantar palmar".split()
)


@dataclass
class Fact:
    """A mention plus what linking needs to know about where it sits."""

    mention: Mention
    sentence: int
    modifiers: frozenset[str] = frozenset()
    lesion: int | None = None
    sentence_span: tuple[int, int] | None = None

    @property
    def label(self) -> str:
        return self.mention.label

    @property
    def value(self) -> dict:
        return self.mention.value or {}


@dataclass
class _Cluster:
    region: str
    laterality: str | None
    positions: frozenset[str]
    facts: list[Fact] = field(default_factory=list)
    lesion: int | None = None

    def accepts(self, region: str, laterality: str | None, positions: frozenset[str]) -> bool:
        if region != self.region:
            return False
        if laterality and self.laterality and laterality != self.laterality:
            return False
        if positions and self.positions and not (positions <= self.positions or self.positions <= positions):
            return False  # "right upper arm" and "right posterior upper arm" are one site; "upper" and "lower" are not
        return True

    def fit(self, laterality: str | None, positions: frozenset[str]) -> int:
        """How much of a mention this cluster matches beyond accepting it: "mid back" fits
        "right mid back" better than "left back"."""
        return (bool(positions) and positions == self.positions) + (bool(laterality) and laterality == self.laterality)


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


def _marker_items(text: str) -> list[re.Match[str]]:
    """``_MARKER_ITEM.finditer(text)``: the full pattern at offset 0, the one without "^" after it."""
    if _MARKER_ITEM_INNER is None:
        return list(_MARKER_ITEM.finditer(text))
    first = _MARKER_ITEM.match(text)
    if first is None:
        return list(_MARKER_ITEM_INNER.finditer(text))
    return [first, *_MARKER_ITEM_INNER.finditer(text, first.end())]


def find_markers(
    text: str, sections: list[tuple[str, int, int, int]], lower: str | None = None
) -> list[tuple[int, int, int]]:
    """Return ``(number, start, end)`` segments opened by lesion markers.

    List-item markers ("1.", "(A)") only count when at least two distinct numbers occur in the
    same section, so a lone "1." in a one-lesion note does not split anything.  ``lower`` is
    ``text.lower()`` when the caller already has it.
    """
    raw: list[tuple[int, int, bool]] = []  # (number, start, is_list_item)
    lower = text.lower() if lower is None else lower
    if any(word in lower for word in _MARKER_KEYWORDS):
        # Case-blind matching is several times slower than matching the lower-cased text, which
        # keeps the offsets whenever lower-casing does not change the length (it can, for a few
        # non-ASCII letters).
        same_offsets = len(lower) == len(text)
        patterns = (_MARKER_WORD_LOWER, _MARKER_ORDINAL_LOWER) if same_offsets else (_MARKER_WORD, _MARKER_ORDINAL)
        starts = _keyword_starts(lower) if same_offsets else []
        for pattern in patterns:
            found = _finditer_at(pattern, lower, starts) if same_offsets else pattern.finditer(text)
            for match in found:
                raw.append((_marker_number(match.group("n")), match.start(), False))
    for match in _marker_items(text):
        start = match.start() + (1 if match.start() > 0 or text[:1] in "\n:;,." else 0)
        raw.append((_marker_number(match.group("a") or match.group("b") or match.group("c")), start, True))
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
    # Explicit markers ("lesion 2") count even alone only when some other marker shows a second lesion.
    if len({n for n, _ in kept}) < 2:
        return []
    segments = []
    for i, (number, start) in enumerate(kept):
        next_marker = kept[i + 1][1] if i + 1 < len(kept) else len(text)
        next_bound = next((b for b in bounds if b > start), len(text))
        segments.append((number, start, min(next_marker, next_bound)))
    return segments


def _lesion_segments(text: str, segments: list[tuple[int, int, int]], facts: list[Fact]) -> list[tuple[int, int, int]]:
    """Keep the marker segments that stand for a lesion.

    A number stands for a lesion when some segment with that number is a word marker ("Lesion
    2", "the second lesion", "Specimen B") or names a site or a diagnosis; then every segment
    with that number counts ("#2: excised with 2 mm margins").  "2. Intermediate repair,
    11.0 cm" in a numbered procedure list, with no site anywhere under number 2, is the second
    procedure on the first lesion, not a second lesion.
    """
    def names_a_lesion(segment: tuple[int, int, int]) -> bool:
        head = text[segment[1] : segment[1] + 40]
        return bool(_MARKER_WORD.match(head.lstrip(" \t\n:;,.")) or _MARKER_ORDINAL.search(head)) or any(
            f.label in ("ANATOMIC_SITE", "LESION_DIAGNOSIS") and segment[1] <= f.mention.start < segment[2] for f in facts
        )

    lesion_numbers = {segment[0] for segment in segments if names_a_lesion(segment)}
    segments = _merge_step_items(text, segments, facts, names_a_lesion)
    kept = [segment for segment in segments if segment[0] in lesion_numbers]
    return kept if len(lesion_numbers) >= 2 else []


def _align_list_numbers(
    segments: list[tuple[int, int, int]], facts: list[Fact], sections: list[tuple[str, int, int, int]]
) -> list[tuple[int, int, int]]:
    """Renumber a list whose items name the procedure list's lesions in another order.

    "DIAGNOSES: 1. Cyst, right lower back. 2. Nevus, left upper back. PROCEDURES: A. Excision
    of nevus, left upper back. B. Excision of cyst, right lower back": each list counts its
    own way, so diagnosis 1 is procedure B's lesion.  The procedure list (with the narrative
    and pathology items that follow its numbering) is the reference; another list is renumbered
    only when every item's sites match exactly one reference item and no two items match the
    same one.
    """
    def section_name(offset: int) -> str:
        return next((name for name, start, end, *_ in sections if start <= offset < end), "")

    runs: list[list[tuple[int, int, int]]] = []
    for segment in segments:
        if runs and runs[-1][-1][2] == segment[1] and section_name(segment[1]) == section_name(runs[-1][-1][1]):
            runs[-1].append(segment)
        else:
            runs.append([segment])
    anchors = [f for f in facts if _is_anchor(f)]

    def sites(run: list[tuple[int, int, int]]) -> dict[int, list[tuple[str, str | None, frozenset[str]]]]:
        out: dict[int, list[tuple[str, str | None, frozenset[str]]]] = {}
        for number, start, end in run:  # an item's first site is its lesion's; later ones may be passing mentions
            first = next((f for f in anchors if start <= f.mention.start < end), None)
            out.setdefault(number, []).extend([_site_key(first.mention)] if first is not None else [])
        return out

    reference = next((run for run in runs if section_name(run[0][1]).startswith("procedure")), None)
    if reference is None:
        return segments
    ref_sites = sites(reference)
    if len([n for n, keys in ref_sites.items() if keys]) < 2:
        return segments

    def matches(a: tuple[str, str | None, frozenset[str]], b: tuple[str, str | None, frozenset[str]]) -> bool:
        return _Cluster(*b).accepts(*a)

    renumbered: dict[tuple[int, int, int], int] = {}
    for run in runs:
        if run is reference:
            continue
        run_sites = sites(run)
        mapping: dict[int, int] = {}
        for number, keys in run_sites.items():
            found = {m for m, ref_keys in ref_sites.items() if any(matches(a, b) for a in keys for b in ref_keys)}
            if len(found) != 1:
                mapping = {}
                break
            mapping[number] = found.pop()
        if len(mapping) < 2 or len(set(mapping.values())) != len(mapping) or all(k == v for k, v in mapping.items()):
            continue
        for segment in run:
            renumbered[segment] = mapping[segment[0]]
    if not renumbered:
        return segments
    return [(renumbered.get(segment, segment[0]), segment[1], segment[2]) for segment in segments]


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
            or bool(_GENERIC_LESION.search(text, segment[1], min(segment[2], segment[1] + 200)))
        )

    def word_marker(segment: tuple[int, int, int]) -> bool:
        head = text[segment[1] : segment[1] + 40].lstrip(" \t\n:;,.")
        return bool(_MARKER_WORD.match(head) or _MARKER_ORDINAL.search(head))

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


def _site_key(mention: Mention) -> tuple[str, str | None, frozenset[str]]:
    value = mention.value or {}
    words = frozenset(w for w in re.findall(r"[a-z]+", mention.text.lower()) if w in _POSITION_WORDS)
    return value.get("region") or "", value.get("laterality"), words


def _ignored_section(fact: Fact) -> bool:
    section = fact.mention.section
    return section in IGNORED_SECTIONS and not (section in PERFORMED_IN_SECTIONS and PERFORMED in fact.modifiers)


def _is_anchor(fact: Fact) -> bool:
    m = fact.mention
    return (
        m.label == "ANATOMIC_SITE"
        and not (m.negated or m.historical or m.family or m.hypothetical)
        and not _ignored_section(fact)
    )


def _is_wished_site(fact: Fact) -> bool:
    """A site named only inside a wish or plan ("would like the mole on his chin removed").

    Where a note names no site outright, such a mention still says where the lesion is.
    """
    m = fact.mention
    return (
        m.label == "ANATOMIC_SITE"
        and m.hypothetical
        and not (m.negated or m.historical or m.family)
        and m.section not in IGNORED_SECTIONS
    )


def _usable(fact: Fact) -> bool:
    m = fact.mention
    if WISHED_SITE in fact.modifiers:
        return True  # marked only on sites _is_wished_site accepted
    if m.negated or m.family or m.hypothetical or _ignored_section(fact):
        return False
    if m.historical and "PRIOR_BIOPSY" not in fact.modifiers:
        return False
    return True


_SITE_OF = re.compile(r",?\s*(?:of|on|at|in|over)\s+(?:(?:the|his|her|a|an)\s+)?$", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_TREATED_BEFORE = re.compile(r"\b(?:previously|already)\s+(?:radiated|irradiated|treated|biopsied)\s+(?:\w+\s+){0,2}$", re.IGNORECASE)


_SITE_FIELD = re.compile(
    r"(?:^|\n)[ \t]*(?:(?:anatomic(?:al)?|lesion|tumou?r|biopsy|treatment)\s+)?(?:location|site)s?[ \t]*:[ \t]*$", re.IGNORECASE
)


def _site_field(text: str, fact: Fact) -> bool:
    """Whether a site mention is the value of a "Location:" / "Site:" field on its own line."""
    start = fact.mention.start
    window = text[max(0, start - 40) : start]
    newline = window.rfind("\n")
    if newline == -1 and start > 40:
        return False
    if not _SITE_FIELD.search("\n" + window[newline + 1 :]):
        return False
    line_end = text.find("\n", fact.mention.end)
    rest = text[fact.mention.end : line_end if line_end != -1 else len(text)]
    return len(rest.strip(" \t.,;")) == 0


_LESION_NOUN = re.compile(r"\b(nodule|papule|plaque|bump|macule|patch|cyst|nevus|mole|tag|keratos[ie]s|ak|bcc|scc)(?:e?s)?\b", re.IGNORECASE)


def _kind_key(fact: Fact) -> str:
    return "kind:" + str(fact.value.get("kind") or "")


class _Referents:
    """The words each lesion has been called so far, to place a sentence that names no site.

    A sentence is placed only when every such word in it was used for one and the same lesion
    (the words are learnt from sentences whose site or diagnosis is placed, in note order).
    """

    def __init__(self, text: str, facts: list[Fact]) -> None:
        self.text = text
        self.words: dict[str, set[int]] = {}
        self.by_sentence: dict[int, list[Fact]] = {}
        for fact in facts:
            self.by_sentence.setdefault(fact.sentence, []).append(fact)
        self.decided: dict[int, int | None] = {}

    def _sentence_words(self, sentence: int) -> set[str]:
        facts = self.by_sentence.get(sentence, [])
        if not facts:
            return set()
        words = {m.group(1).lower().replace("keratoses", "keratosis") for m in _LESION_NOUN.finditer(_sentence_text(self.text, facts[0])[:400])}
        # A diagnosis names its lesion whatever the wording: "basal cell carcinoma" and "BCC" are one kind.
        return words | {_kind_key(f) for f in facts if f.label == "LESION_DIAGNOSIS" and _usable(f)}

    def learn(self, fact: Fact) -> None:
        if fact.lesion is None or not _usable(fact):
            return
        m = fact.mention
        if fact.label == "LESION_DIAGNOSIS":
            span = (m.start, m.end)  # "Epidermoid cyst", "ACTINIC KERATOSES"
        elif fact.label == "ANATOMIC_SITE":
            span = (max(m.start - 25, 0), m.end + 25)  # "nodule of the vertex scalp"
            if fact.sentence_span is not None:
                span = (max(span[0], fact.sentence_span[0]), min(span[1], fact.sentence_span[1]))
        else:
            return
        # A word used in a sentence naming several lesions' sites is used for each of them.
        lesions = {f.lesion for f in self.by_sentence.get(fact.sentence, []) if f.label == "ANATOMIC_SITE" and f.lesion is not None}
        for match in _LESION_NOUN.finditer(self.text, *span):
            word = match.group(1).lower().replace("keratoses", "keratosis")
            self.words.setdefault(word, set()).update(lesions | {fact.lesion})
        if fact.label == "LESION_DIAGNOSIS":
            self.words.setdefault(_kind_key(fact), set()).update(lesions | {fact.lesion})

    def lesion_of(self, sentence: int) -> int | None:
        if sentence not in self.decided:
            found: set[int] = set()
            for word in self._sentence_words(sentence):
                found |= self.words.get(word, set())
            self.decided[sentence] = next(iter(found)) if len(found) == 1 else None
        return self.decided[sentence]


def _proven_history(text: str, fact: Fact) -> bool:
    """A cancer written as history but proven for this operation: "a history of squamous cell
    carcinoma ... that was diagnosed in the office after two biopsies", "previously radiated
    squamous cell carcinoma".  It is the lesion treated now (coding-rules 2.2), as "history of
    biopsy-proven BCC" already is by the ConText rules; a dated mention stays history."""
    m = fact.mention
    if m.label != "LESION_DIAGNOSIS" or not m.historical or "PRIOR_BIOPSY" in fact.modifiers:
        return False
    if (m.value or {}).get("behaviour") != "malignant" or m.negated or m.family or m.hypothetical:
        return False
    if _YEAR.search(_sentence_text(text, fact)):
        return False
    return bool(_PRIOR_BIOPSY_AFTER.search(_text_after(text, fact)) or _TREATED_BEFORE.search(_text_before(text, fact)))


def link_lesions(text: str, facts: list[Fact], sections: list[tuple[str, int, int, int]]) -> list[Lesion]:
    """Assign ``fact.lesion`` for every fact and return the lesion records."""
    lower = text.lower()
    segments = _lesion_segments(text, find_markers(text, sections, lower), facts)
    segments = _align_list_numbers(segments, facts, sections)
    for i, fact in enumerate(facts):
        if _proven_history(text, fact):
            fact.modifiers = fact.modifiers | {"PRIOR_BIOPSY"}
            for site in facts[i + 1 : i + 4]:  # its own site phrase: "... carcinoma of the right forearm"
                if site.label == "ANATOMIC_SITE" and site.mention.historical and _SITE_OF.match(text, fact.mention.end, site.mention.start):
                    site.modifiers = site.modifiers | {"PRIOR_BIOPSY"}

    def segment_of(offset: int) -> int | None:
        for number, start, end in segments:
            if start <= offset < end:
                return number
        return None

    # 1-2: clusters of asserted site mentions, bound to markers where they sit inside one.
    # "L shin: flat scaly patch, pt declined bx today": a site whose sentence names a procedure
    # only as declined, negated or planned is a lesion left untreated, not a treated one's site.
    # Inside a numbered item such a site would otherwise join the item's lesion, unless the item
    # does something to it elsewhere ("(1) L upper back: EIC, never I&D. Exc'd intact.").
    untreated = _untreated_sentences(facts) if segments else set()
    treated_items = {
        segment_of(f.mention.start) for f in facts if f.label == "PROCEDURE" and f.sentence not in untreated and _usable(f)
    } - {None}
    passing = {
        id(f)
        for f in facts
        if f.label == "ANATOMIC_SITE" and f.sentence in untreated and segment_of(f.mention.start) not in treated_items | {None}
    }
    anchors = [f for f in facts if _is_anchor(f) and id(f) not in passing]
    if not anchors:
        anchors = [f for f in facts if _is_wished_site(f)]
        for fact in anchors:
            fact.modifiers = fact.modifiers | {WISHED_SITE}
    clusters: list[_Cluster] = []
    for fact in anchors:
        region, laterality, positions = _site_key(fact.mention)
        marker = segment_of(fact.mention.start)
        candidates = [c for c in clusters if c.accepts(region, laterality, positions)]
        if marker is not None:
            bound = [c for c in candidates if c.lesion == marker]
            cluster = bound[0] if bound else next((c for c in candidates if c.lesion is None), None)
        else:
            cluster = max(candidates, key=lambda c: c.fit(laterality, positions), default=None)
        if cluster is None:
            cluster = _Cluster(region, laterality, positions)
            clusters.append(cluster)
        if marker is not None and cluster.lesion is None:
            cluster.lesion = marker
        cluster.laterality = cluster.laterality or laterality
        cluster.positions = cluster.positions or positions
        cluster.facts.append(fact)

    numbers = sorted({n for n, _, _ in segments})
    next_number = (max(numbers) if numbers else 0) + 1
    for cluster in clusters:
        if cluster.lesion is None:
            if len(clusters) == 1 and len(numbers) == 1:
                cluster.lesion = numbers[0]
            else:
                cluster.lesion = next_number
                next_number += 1
        for fact in cluster.facts:
            fact.lesion = segment_of(fact.mention.start) or cluster.lesion
    lesion_ids = sorted({c.lesion for c in clusters if c.lesion is not None} | set(numbers))
    if not lesion_ids:
        lesion_ids = [1]

    # 3: assign every other fact.
    last_in_section: dict[str | None, int] = {}
    site_by_sentence: dict[int, list[Fact]] = {}
    # Sentences that say something about a lesion itself; a closure or wound beside a body part
    # ("a pedicle across her forehead", "the donor site was closed") does not.
    lesion_fact_sentences = {f.sentence for f in facts if f.label in _DESCRIBING_LABELS and _usable(f)}
    # A site given as a field of its own ("Location: right nasal tip") is where the lesion is.
    field_sites = [f for f in anchors if f.lesion is not None and _site_field(text, f)]
    lesion_fact_sentences |= {f.sentence for f in field_sites}
    # When exactly one lesion is named in the diagnosis headers (else the procedure header), a fact that no
    # marker, site or earlier mention places belongs to it (the others are passing mentions).
    # A site whose sentences name only non-skin operations ("1. Right inguinal hernia repair with
    # mesh") is that operation's, not a skin lesion heading the note.
    kinds_by_sentence: dict[int, set[str]] = {}
    for fact in facts:
        if fact.label == "PROCEDURE" and _usable(fact):
            kinds_by_sentence.setdefault(fact.sentence, set()).add(fact.value.get("kind") or "other")
    skin_clusters = [
        c for c in clusters if set().union(*(kinds_by_sentence.get(f.sentence, set()) for f in c.facts)) != {"other"}
    ]
    headed = {c.lesion for c in skin_clusters if any(f.mention.section in DIAGNOSIS_HEADER_SECTIONS for f in c.facts)} or {
        c.lesion for c in skin_clusters if any(f.mention.section == "procedure" for f in c.facts)
    }
    if len(headed) != 1 and len({f.lesion for f in field_sites}) == 1:
        headed = {field_sites[0].lesion}
    if len(headed) != 1:
        # Else the one lesion whose site shares a sentence with its diagnosis, procedure or size:
        # "lower lip" in "to avoid distorting the lower lip" and a flap's donor site are passing mentions.
        headed = {c.lesion for c in skin_clusters if any(f.sentence in lesion_fact_sentences for f in c.facts)}
    primary = next(iter(headed)) if len(headed) == 1 else None
    for fact in facts:
        if fact.label == "ANATOMIC_SITE" and fact.lesion is not None:
            site_by_sentence.setdefault(fact.sentence, []).append(fact)
    # "The 1.5 cm cyst was removed ...", "THE NODULE WAS EXCISED ...": a sentence with no site or
    # marker that names its lesion by a word used before for exactly one lesion is about that lesion.
    referents = _Referents(text, facts) if len(lesion_ids) > 1 else None
    # "A flat tan macule on the right cheek is a solar lentigo and was left alone": a lesion the
    # note leaves untreated does not become the current one for the procedure sentences after it.
    left_alone = {f.sentence for f in facts if "NOT_TREATED" in f.modifiers}
    for fact in facts:
        if id(fact) in passing:
            continue
        if fact.lesion is None:
            marker = segment_of(fact.mention.start)
            if marker is not None:
                fact.lesion = marker
            elif fact.sentence in site_by_sentence:
                fact.lesion = _nearest_site(text, site_by_sentence[fact.sentence], fact).lesion
            elif len(lesion_ids) == 1:
                fact.lesion = lesion_ids[0]
            elif referents is not None and (named := referents.lesion_of(fact.sentence)) is not None:
                fact.lesion = named
                last_in_section[fact.mention.section] = named
            else:
                fact.lesion = last_in_section.get(fact.mention.section, primary)
        if referents is not None:
            referents.learn(fact)
        # A site mention makes its lesion the current one only when its sentence says something
        # about a lesion: "The left arm was extended on a hand table" must not capture the facts
        # that follow it.
        if fact.lesion is not None and (
            (
                fact.label == "ANATOMIC_SITE"
                and fact.sentence not in left_alone
                and (fact.sentence in lesion_fact_sentences or _ATTENTION_TO.search(_text_before(text, fact)))
            )
            or segment_of(fact.mention.start) is not None
        ):
            last_in_section[fact.mention.section] = fact.lesion

    # 4: build the records.
    pending = any(cue in lower for cue in _PENDING_CUES) and bool(_PENDING.search(text))
    # Mohs named outright or by what defines it ("the surgeon acted as both surgeon and pathologist").
    mohs_named = "mohs" in lower or any(f.label == "PROCEDURE" and f.value.get("kind") == "mohs" and _usable(f) for f in facts)
    mohs_done = mohs_named and bool(_MOHS_DONE.search(text))
    collected, shared, built = _collect_and_build(text, facts, lesion_ids, segments, segment_of, pending, mohs_done)
    if _stranded_facts_to_the_one_lesion(facts, built):
        collected, shared, built = _collect_and_build(text, facts, lesion_ids, segments, segment_of, pending, mohs_done)
    _share_counted_procedure(built, collected, [f for f in shared if _usable(f)], text)
    generic = _generic_evidence(text, facts)
    for index, lesion in built.items():
        _add_generic_diagnosis(lesion, generic.get(index, []))
    non_skin = _non_skin_titled(facts, sections)
    treated = {index for index, lesion in built.items() if _is_treated(lesion) and index not in non_skin}
    named = [built[index].site for index in treated if built[index].site is not None]
    for index, lesion in built.items():
        # A lesion named only generically at the site of a lesion already treated is that lesion
        # again (a numbered title list, "the skin lesion" in the narrative), not a second one.
        if index not in treated and index not in non_skin and _is_generic_treated(lesion, collected[index], generic.get(index, [])):
            if not any(_same_site(lesion.site, site) for site in named):  # type: ignore[arg-type]
                treated.add(index)
    out = [_with_details(text, lesion, segments) for index, lesion in built.items() if index in treated]
    out = details.add_counts(text, out)
    # Renumber so lesion indexes are 1..n in order of appearance.
    renumber = {lesion.index: i + 1 for i, lesion in enumerate(out)}
    for fact in facts:
        fact.lesion = renumber.get(fact.lesion) if fact.lesion is not None else None
    return [replace(lesion, index=renumber[lesion.index]) for lesion in out]


def _collect_and_build(
    text: str,
    facts: list[Fact],
    lesion_ids: list[int],
    segments: list[tuple[int, int, int]],
    segment_of: Callable[[int], int | None],
    pending: bool,
    mohs_done: bool,
) -> tuple[dict[int, "_Collected"], list[Fact], dict[int, Lesion]]:
    """Collect every fact into its lesion's state and build one record per lesion.

    ``segment_of`` gives the lesion number of the marker segment at an offset (a procedure named
    in the lesion's own numbered item is its title).
    """
    collected = {i: _Collected() for i in lesion_ids}
    shared: list[Fact] = []
    for fact in facts:
        if fact.lesion is None:
            shared.append(fact)
            continue
        if fact.label == "WOUND_LENGTH" and _REPAIR_TOTAL.search(_text_before(text, fact)[-60:]):
            # "Total layered repair 6.2 cm": a sum over the lesions, which the lesion's own length beats
            _collect(collected[fact.lesion], fact, text, total=True)
            continue
        _collect(collected[fact.lesion], fact, text)
        if fact.label == "PROCEDURE" and not fact.value.get("weak") and _usable(fact) and segment_of(fact.mention.start) == fact.lesion:
            collected[fact.lesion].titled.add(fact.value.get("kind") or "other")
    for fact in shared:  # facts that speak for every lesion ("both wounds were closed in layers")
        if fact.label == "CLOSURE_TYPE" and _ALL_LESIONS.search(_sentence_text(text, fact)):
            for state in collected.values():
                _collect(state, fact, text)
    _share_heading_procedure(collected, shared, segments, text)
    if mohs_done:
        _share_mohs_title(collected, facts, shared, text)
    if len(collected) >= 2:
        for fact in facts:  # "Pathology: both basal cell carcinoma"
            if fact.label == "LESION_DIAGNOSIS" and _SHARED_DIAGNOSIS.search(_text_before(text, fact)[-40:]):
                for index, state in collected.items():
                    if index != fact.lesion:
                        _collect(state, fact, text)
        for fact, others in _done_to_several(text, facts):
            for index in others:
                _collect(collected[index], fact, text)
    return collected, shared, {index: _build(index, state, pending, mohs_done) for index, state in collected.items()}


# A repair length stated for all the lesions together: "Total layered repair 6.2 cm", "combined length of closure 8 cm".
_REPAIR_TOTAL = re.compile(r"\b(?:total|totaling|totalling|combined|summed|sum\s+of)\b[^.;:]{0,40}$", re.IGNORECASE)
# "Next, attention was turned to the mid back": the narrative moves to the lesion at that site.
_ATTENTION_TO = re.compile(r"\battention\s+(?:was\s+|is\s+)?(?:then\s+|next\s+|now\s+|first\s+|again\s+)?(?:drawn|turned|directed|brought|paid|focused|moved)\s+to\s+(?:the\s+)?(?:\w+\s+){0,3}$", re.IGNORECASE)
# What a treated lesion may take over from a bare body part, by the record field it would fill.
_STRANDED_FIELDS = {
    "CLOSURE_TYPE": "closure", "LESION_SIZE": "lesion_size", "EXCISED_DIAMETER": "excised_diameter",
    "MARGIN": "margin", "WOUND_LENGTH": "repair_length",
}


# A diagnosis said of every lesion at once: "both basal cell carcinoma", "both biopsy-proven basal
# cell carcinomas", "all three: seborrheic keratosis" (the words just before the diagnosis).  A bare
# number is not enough: "the two seborrheic keratoses on the back" counts one lesion's items.
_SHARED_DIAGNOSIS = re.compile(
    r"\b(?:both|each|all(?:\s+(?:two|three|four|\d))?)\b(?:\s+(?:of\s+(?:the\s+)?)?(?:lesions?|specimens?|sites?|were|are|showed?|(?:biopsy|bx)[- ]proven)|\s*[:,])*\s*$",
    re.IGNORECASE,
)
# One verb for the lesions a sentence lists: "a 7 mm nevus on the left forearm and a 5 mm nevus on
# the right shin were excised with 2 mm margins".
_PLURAL_DONE = re.compile(
    r"\b(?:were|both|each|all)\s+(?:(?:then|also|completely|sharply|separately|individually|each)\s+)?"
    r"(?:excised|removed|shaved|destroyed|treated|biopsied|curetted|frozen|cauterized|snipped)\b",
    re.IGNORECASE,
)
_DONE_TO_SEVERAL_LABELS = frozenset({"PROCEDURE", "MARGIN"})


# Sites listed together: "in the left calf and left thigh", "scalp, forehead and both cheeks".
_COORDINATION = re.compile(r"\s*(?:,\s*(?:and\s+)?|and\s+|&\s*|as\s+well\s+as\s+)(?:the\s+|his\s+|her\s+|both\s+)?", re.IGNORECASE)


def _share_mohs_title(collected: dict[int, "_Collected"], facts: list[Fact], shared: list[Fact], text: str) -> None:
    """A Mohs title no lesion took ("Mohs surgery report.") goes to the lesion the Mohs work was done on.

    That lesion has a procedure word in a sentence that describes a Mohs stage or its blocks ("the
    first stage excised with a 2 mm margin, then cut into six blocks"); another lesion of the note
    (a biopsy while the patient waits) keeps its own procedure.
    """
    titles = [f for f in shared if f.label == "PROCEDURE" and f.value.get("kind") == "mohs" and _usable(f)]
    if not titles:
        return
    cues = [m.start() for m in _MOHS_DONE.finditer(text)]
    owners = {
        f.lesion for f in facts
        if f.label == "PROCEDURE" and f.lesion in collected and f.sentence_span is not None and _usable(f)
        and any(f.sentence_span[0] <= cue < f.sentence_span[1] for cue in cues)
    }
    for index in owners:
        for fact in titles:
            _collect(collected[index], fact, text)  # type: ignore[index]


def _done_to_several(text: str, facts: list[Fact]) -> list[tuple[Fact, set[int]]]:
    """Procedure and margin facts said once for several lesions, with the other lesions.

    Either a plural verb after the lesions ("... and a 5 mm nevus on the right shin were excised
    with 2 mm margins"), or one procedure at sites listed together ("A 3 mm punch biopsy was
    performed in the left calf and left thigh": two biopsies).
    """
    sites_by_sentence: dict[int, list[Fact]] = {}
    for fact in facts:
        if fact.label == "ANATOMIC_SITE" and fact.lesion is not None and _usable(fact):
            sites_by_sentence.setdefault(fact.sentence, []).append(fact)
    out = []
    for fact in facts:
        sites = sites_by_sentence.get(fact.sentence, [])
        named = {site.lesion for site in sites}
        if fact.label not in _DONE_TO_SEVERAL_LABELS or len(named) < 2 or fact.lesion not in named:
            continue
        cue = _PLURAL_DONE.search(_sentence_text(text, fact))
        if cue is not None and (fact.sentence_span is None or fact.sentence_span[0] + cue.start() <= fact.mention.start):
            out.append((fact, named - {fact.lesion}))  # type: ignore[operator]
        elif fact.label == "PROCEDURE":
            listed = _listed_with(text, sites, fact.lesion)
            if listed:
                out.append((fact, listed))
    return out


def _listed_with(text: str, sites: list[Fact], lesion: int | None) -> set[int]:
    """The other lesions whose sites stand in one list with a site of ``lesion`` ("X and Y", "X, Y and Z")."""
    ordered = sorted(sites, key=lambda site: site.mention.start)
    groups: list[list[Fact]] = [[ordered[0]]]
    for previous, site in zip(ordered, ordered[1:], strict=False):
        between = text[previous.mention.end : site.mention.start]
        if _COORDINATION.fullmatch(between):
            groups[-1].append(site)
        else:
            groups.append([site])
    for group in groups:
        lesions = {site.lesion for site in group}
        if lesion in lesions and len(lesions) >= 2:
            return lesions - {lesion}  # type: ignore[return-value]
    return set()


# Where one clause of a sentence ends and the next, about another lesion, begins: "one on the
# left nasal sidewall measuring 7 mm and one on the right cheek measuring 5 mm".
_CLAUSE_BREAK = re.compile(r";|\b(?:and|but|whereas|while)\b", re.IGNORECASE)


def _nearest_site(text: str, sites: list[Fact], fact: Fact) -> Fact:
    """The site in the fact's sentence that the fact belongs to.

    A site in the fact's own clause wins; among several (or none), the nearest (fewest characters
    between the two).
    """
    def same_clause(site: Fact) -> bool:
        # the text between the two mentions (entity spans never overlap)
        start = min(site.mention.end, fact.mention.end)
        end = max(site.mention.start, fact.mention.start)
        return start >= end or not _CLAUSE_BREAK.search(text, start, end)

    own = [site for site in sites if same_clause(site)]
    return min(own or sites, key=lambda site: _gap(site.mention, fact.mention))


def _stranded_facts_to_the_one_lesion(facts: list[Fact], built: dict[int, Lesion]) -> bool:
    """Give facts that landed on a body part which is no lesion to the one treated lesion.

    "... a melolabial interpolation flap ..., leaving the pedicle bridging the cheek" and "a
    1.8 cm nodule that is tender when she rests her arm on the desk": the cheek and the arm
    are no lesions (nothing names, treats or diagnoses anything there), so the flap and the size
    are the treated lesion's.  Only a field the lesion lacks is filled (a flap named beside the
    closure actually used, "a forehead flap ... she declined", stays where it is), and with several
    treated lesions the owner is not known, so nothing moves.  Returns whether a fact moved (the
    records must then be built again).
    """
    treated = [index for index, lesion in built.items() if _is_treated(lesion)]
    if len(treated) != 1:
        return False
    owner = built[treated[0]]
    bare = {index for index, lesion in built.items() if index != treated[0] and lesion.procedure is None and not lesion.diagnoses}
    moved = False
    for fact in facts:
        field_name = _STRANDED_FIELDS.get(fact.label)
        if field_name and fact.lesion in bare and getattr(owner, field_name) is None and _usable(fact):
            fact.lesion = treated[0]
            moved = True
    return moved
def _untreated_sentences(facts: list[Fact]) -> set[int]:
    """Sentences whose procedure mentions are all declined, negated or planned (and not a wish)."""
    treated: set[int] = set()
    untreated: set[int] = set()
    for fact in facts:
        if fact.label != "PROCEDURE" or fact.mention.section in IGNORED_SECTIONS:
            continue
        m = fact.mention
        if _usable(fact):
            treated.add(fact.sentence)
        elif m.negated or m.hypothetical:
            untreated.add(fact.sentence)
    return untreated - treated


def _share_heading_procedure(collected: dict[int, "_Collected"], shared: list[Fact], segments: list[tuple[int, int, int]], text: str) -> None:
    """A procedure named above a numbered list of lesions is each listed lesion's procedure.

    "Shave bx x2. 1) R nasal ala ... 2) L dorsal hand ...": the heading names what was done to
    every numbered lesion.  A lesion that names its own procedure keeps it; a bare "shaved" or a
    removal word ("removed") under the heading is the heading's procedure in other words.
    """
    if not segments:
        return
    first = min(start for _, start, _ in segments)
    heading = [
        f for f in shared
        if f.label == "PROCEDURE" and f.mention.end <= first and not f.value.get("weak") and _usable(f)
    ]
    if not heading:
        return
    for number in {n for n, _, _ in segments}:
        state = collected.get(number)
        if state is None:
            continue
        own = [p for weak, p in state.procedures if not weak]
        if all(p.kind == "shave" and len(p.text.split()) == 1 for p in own):
            for fact in heading:
                _collect(state, fact, text)

def _gap(a: Mention, b: Mention) -> int:
    """Characters between two mentions ("a BCC of the cheek, and an SCC of the scalp": the SCC's site is the scalp)."""
    return max(a.start - b.end, b.start - a.end, 0)



def _share_counted_procedure(built: dict[int, Lesion], collected: dict[int, _Collected], shared: list[Fact], text: str) -> None:
    """Sites listed for one destruction or skin-tag removal share its procedure and diagnosis.

    "Cryotherapy to AKs of the scalp (10) and forehead (6)": the procedure and diagnosis sit
    with one site (or none), yet every listed site is a treated lesion of the same kind.
    """
    loose = _Collected()
    for fact in shared:
        if fact.label in ("PROCEDURE", "LESION_DIAGNOSIS"):
            _collect(loose, fact, text)
    states = list(collected.values()) + [loose]
    kinds = details.COUNTED_KINDS
    diagnoses = [d for state in states for _, d in state.diagnoses if d.certain]
    if diagnoses and all(d.kind == "skin_tag" for d in diagnoses):
        kinds = kinds | {"excision"}  # "Removal of skin tags by scissor excision": the removal is the tags'
    named = [(weak, p) for state in states for weak, p in state.procedures if p.kind in kinds]
    # A weak word ("the pus was expressed") stands for the procedure when no stronger one names it.
    counted = [p for weak, p in named if not weak] or [p for _, p in named]
    if not counted:
        return
    donors = [lesion for lesion in built.values() if lesion.procedure is not None and lesion.procedure.kind in details.COUNTED_KINDS]
    diagnosis = next((lesion.diagnosis for lesion in donors if lesion.diagnosis), None) or next(
        (d for state in states for _, d in state.diagnoses if d.certain), None
    )
    for index, lesion in built.items():
        if lesion.site is None or (lesion.procedure is not None and lesion.procedure.kind not in details.COUNTED_KINDS | {"excision"}):
            continue
        own = lesion.procedure is not None and any(not weak and p is lesion.procedure for weak, p in collected[index].procedures)
        if not own and collected[index].untreated:
            continue  # "SKs - reassurance only, no tx today": not one of the destroyed lesions
        if not own:
            lesion.procedure = counted[0]  # else a procedure named outright at that site ("Excision") stays
        if diagnosis is not None and not lesion.diagnoses and lesion.procedure.kind in kinds:
            lesion.diagnosis, lesion.diagnoses = diagnosis, [diagnosis]


def _with_details(text: str, lesion: Lesion, segments: list[tuple[int, int, int]]) -> Lesion:
    """Add the procedure details the coding layer needs (see :mod:`nlp.procedure_details`)."""
    own = [(start, end) for number, start, end in segments if number == lesion.index]
    scope = "".join(text[start:end] for start, end in own) if own else text
    kind = lesion.procedure.kind if lesion.procedure else None
    if kind == "mohs":
        lesion.mohs_stages, lesion.mohs_blocks = details.mohs_details(scope)
    if kind == "incision_drainage":
        lesion.complicated = details.drainage_complicated(scope)
    if kind == "re_excision":
        lesion.prior_excision_days = details.prior_excision_days(scope)
    if lesion.site is not None:
        involves = details.involved_structures(scope, lesion.site.region)
        if involves:
            lesion.site = replace(lesion.site, involves=involves)
    if lesion.diagnosis is not None and lesion.diagnosis.kind in SOFT_TISSUE_KINDS:
        lesion.depth = details.depth_of(scope)  # type: ignore[assignment]
    return lesion


def _reports_pathology(sentence: str) -> bool:
    """Whether the sentence reports a pathology result, not a request or a wait for one."""
    for match in _PATHOLOGY_CUE.finditer(sentence):
        if _PATHOLOGY_PENDING_BEFORE.search(sentence, max(0, match.start() - 30), match.start()):
            continue  # "pending pathology report"
        if _PATHOLOGY_PURPOSE.search(sentence, match.start(), match.start("verb")):
            continue  # "submitted to pathology for confirmation"
        if _PATHOLOGY_PENDING_AFTER.search(sentence[match.end() : match.end() + 40]):
            continue  # "pathology report is pending"
        return True
    return False


def _sentence_text(text: str, fact: Fact) -> str:
    if fact.sentence_span is not None:
        return text[fact.sentence_span[0] : fact.sentence_span[1]]
    start = text.rfind(". ", 0, fact.mention.start) + 1
    end = text.find(". ", fact.mention.end)
    return text[start : end if end != -1 else len(text)]


def _text_after(text: str, fact: Fact) -> str:
    """The part of the fact's sentence that comes after it."""
    end = fact.sentence_span[1] if fact.sentence_span is not None else min(len(text), fact.mention.end + 200)
    return text[fact.mention.end : end]


def _text_before(text: str, fact: Fact) -> str:
    """The part of the fact's sentence that comes before it."""
    start = fact.sentence_span[0] if fact.sentence_span is not None else max(0, fact.mention.start - 200)
    return text[start : fact.mention.start]


# ---------------------------------------------------------------------------------------
# Per-lesion accumulation
# ---------------------------------------------------------------------------------------


@dataclass
class _Collected:
    """Everything linked to one lesion, before the record picks its facts by precedence."""

    diagnoses: list[tuple[int, Diagnosis]] = field(default_factory=list)
    sizes: list[tuple[tuple[int, bool], Measure]] = field(default_factory=list)  # ((section rank, not explicit), size)
    margins: list[Measure] = field(default_factory=list)
    diameters: list[Measure] = field(default_factory=list)
    wounds: list[Measure] = field(default_factory=list)
    total_wounds: list[Measure] = field(default_factory=list)  # "total repair 6.2 cm": used only when no own length is given
    specimens: list[Measure] = field(default_factory=list)
    areas: list[Measure] = field(default_factory=list)
    defects: list[Measure] = field(default_factory=list)  # defect or graft written as length x width
    closures: list[Closure] = field(default_factory=list)
    procedures: list[tuple[bool, Procedure]] = field(default_factory=list)  # (weak, procedure)
    titled: set[str] = field(default_factory=set)  # kinds named in the lesion's own numbered item
    sites: list[Site] = field(default_factory=list)
    prior_biopsy: bool = False
    untreated: bool = False  # a diagnosis the note leaves alone ("SKs - reassurance only, no tx today")


def _diagnosis_source(fact: Fact, text: str) -> str:
    section = fact.mention.section
    if section in PATHOLOGY_SECTIONS:
        return "pathology"
    if _reports_pathology(_sentence_text(text, fact)):
        return "pathology"
    if section in POSTOP_SECTIONS:
        return "postoperative"
    if section in PREOP_SECTIONS:
        return "preoperative"
    return "clinical"


_FINAL_DX = re.compile(r"\bfinal\s+(?:pathologic(?:al)?\s+)?(?:diagnosis|dx|path(?:ology)?)\b", re.IGNORECASE)
_SOURCE_RANK = {"pathology": 0, "postoperative": 1, "clinical": 2, "preoperative": 3}
# "The lesion measured 1 cm in diameter": an explicit statement of the lesion's size, which beats a
# size from a title or list item in the same rank of section ("Excision of plantar ulceration 3 cm x
# 1 cm in size", where 3 cm is the ellipse).
_MEASURED_LESION = re.compile(
    r"\b(?:(?:the|this|that|her|his|its)\s+(?:[\w-]+\s+){0,3}?(?:lesions?|tumou?rs?|mass|masses|nev(?:us|i)|naev(?:us|i)|moles?|cysts?"
    r"|lipomas?|growths?|nodules?|papules?|plaques?|carcinomas?|melanomas?|keratos[ie]s|granulomas?|ulcers?|ulcerations?)|it)"
    r"\s+(?:itself\s+)?(?:(?:was|is)\s+)?(?:clinically\s+)?(?:measured|measures|measuring|measure|was|is)"
    r"\s+(?:(?:approximately|about|roughly|at|to\s+be|up\s+to|~)\s+)*$",
    re.IGNORECASE,
)
_SIZE_SECTION_RANK = {"description": 0, "procedure": 0, "findings": 0, "closure": 0, None: 0}


def _collect(state: _Collected, fact: Fact, text: str, *, total: bool = False) -> None:
    if not _usable(fact):
        m = fact.mention
        if (
            m.label == "PROCEDURE" and m.negated and not _ignored_section(fact)
            and (m.value or {}).get("kind") in details.COUNTED_KINDS
        ):
            # "SKs on the back: pt declined cryo": the lesion's own destruction was declined, so it
            # does not share the visit's destruction of other lesions.
            state.untreated = True
        return
    if "NOT_TREATED" in fact.modifiers and fact.label == "ANATOMIC_SITE":
        state.untreated = True  # "Not treated: 2 faint pink macules on the nose"
    m = fact.mention
    value = m.value or {}
    span = Span(m.start, m.end, m.text)
    if m.label == "ANATOMIC_SITE":
        state.sites.append(
            Site(
                text=m.text, region=value.get("region") or "", span=span, subsite=value.get("subsite"),
                laterality=value.get("laterality"), eyelid_part=value.get("eyelid_part"),
            )
        )
    elif m.label == "LESION_DIAGNOSIS":
        source = _diagnosis_source(fact, text)
        prior = "PRIOR_BIOPSY" in fact.modifiers or (
            source != "pathology"
            and bool(_PRIOR_BIOPSY.search(_text_before(text, fact)) or _PRIOR_BIOPSY_AFTER.search(_text_after(text, fact)))
        )
        if prior and value.get("behaviour") == "malignant":
            state.prior_biopsy = True
        if "NOT_TREATED" in fact.modifiers:
            state.untreated = True
        diagnosis = Diagnosis(
            text=m.text, kind=value.get("kind") or "skin_lesion_nos", behaviour=value.get("behaviour") or "unknown",
            source=source, span=span, certain=not m.uncertain,
        )
        rank = _SOURCE_RANK[source]
        if source == "pathology" and (m.section == "addendum" or _FINAL_DX.search(_text_before(text, fact))):
            rank = -1  # an addendum or a "Final diagnosis" revises the preliminary report
        state.diagnoses.append((rank, diagnosis))
    elif m.label == "PROCEDURE":
        if value.get("weak") and m.section in NARRATIVE_SECTIONS:
            return  # "it drained foul material twice last winter": the story, not today's procedure
        state.procedures.append((bool(value.get("weak")), Procedure(kind=value.get("kind") or "other", text=m.text, span=span)))
    elif m.label == "CLOSURE_TYPE":
        state.closures.append(
            Closure(closure_class=value.get("closure_class") or "simple", text=m.text, span=span, detail=tuple(value.get("detail") or ()))
        )
    elif m.label in MEASURE_FIELDS:
        measure = _measure(m)
        if measure is None:
            return
        name = MEASURE_FIELDS[m.label]
        if name == "margin" and m.section in PATHOLOGY_SECTIONS:
            return  # "margins negative (closest 1.5 mm)": histologic clearance, not the surgical margin
        if name == "lesion_size":
            explicit = bool(_MEASURED_LESION.search(_text_before(text, fact)))
            state.sizes.append(((_SIZE_SECTION_RANK.get(m.section, 2), not explicit), measure))
        elif name == "margin":
            state.margins.append(measure)
        elif name == "excised_diameter":
            state.diameters.append(measure)
        elif name == "repair_length":
            (state.total_wounds if total else state.wounds).append(measure)
        elif name == "specimen_size":
            state.specimens.append(measure)
        elif not value.get("is_area", True) and len(measure.dimensions) >= 2:
            state.defects.append(measure)
        else:
            state.areas.append(measure)


_MEASURE_KINDS = {
    "LESION_SIZE": "lesion_size", "MARGIN": "margin", "EXCISED_DIAMETER": "excised_diameter",
    "WOUND_LENGTH": "wound_length", "SPECIMEN_SIZE": "specimen_size", "DEFECT_AREA": "defect_area",
}


def _measure(m: Mention) -> Measure | None:
    value = m.value or {}
    try:
        cm = Decimal(str(value["value_cm"]))
    except (KeyError, ArithmeticError, ValueError):
        return None
    dims = tuple(Decimal(str(d)) for d in value.get("dimensions") or ())
    kind = _MEASURE_KINDS[m.label]
    return Measure(value_cm=cm, span=Span(m.start, m.end, m.text), kind=kind, dimensions=dims, unit=value.get("unit") or "cm")


def _build(index: int, state: _Collected, pathology_pending: bool, mohs_done: bool) -> Lesion:
    lesion = Lesion(index=index)
    if state.sites:
        # The most informative mention: with laterality and subsite if any mention has them.
        best = max(state.sites, key=lambda s: (s.laterality is not None, s.subsite is not None, s.eyelid_part is not None, len(s.text)))
        laterality = best.laterality or next((s.laterality for s in state.sites if s.laterality), None)
        part = best.eyelid_part or next((s.eyelid_part for s in state.sites if s.eyelid_part), None)
        lesion.site = replace(best, laterality=laterality, eyelid_part=part)
    if state.diagnoses:
        ordered = sorted(state.diagnoses, key=lambda item: (not item[1].certain, item[0]))
        lesion.diagnosis = ordered[0][1]
        lesion.diagnoses = [d for _, d in sorted(state.diagnoses, key=lambda item: item[0])]
    if state.procedures:
        # Weak words ("removed", "delivered intact") stand for the procedure only when nothing
        # stronger names it.
        strong = [p for weak, p in state.procedures if not weak] or [p for _, p in state.procedures]
        kinds = [p.kind for p in strong]
        if "mohs" in kinds and not mohs_done and any(k != "mohs" for k in kinds):
            # "She preferred excision to Mohs surgery", "a shave biopsy was done; we talked about
            # Mohs if this proves to be a BCC": Mohs named as the road not taken (or the next
            # step), while no stage, layer or block says it was done today.
            kinds = [k for k in kinds if k != "mohs"]
        if "shave" in kinds and "biopsy_tangential" in kinds:
            # A shave named as a removal ("Shave removal ... by deep shave (saucerization)") is one;
            # a bare "shave" beside a biopsy word ("shave, saucerization for dx") is a tangential biopsy.
            removal = any(p.kind == "shave" and len(p.text.split()) > 1 for p in strong)
            kinds = [k for k in kinds if k != ("biopsy_tangential" if removal else "shave")]
        if state.titled and not state.titled & {"mohs", *EXCISION_KINDS} and any(k in EXCISION_KINDS for k in kinds):
            # "3. Shave excision of the right nasal ala" names what was done to that lesion; an
            # "excision" elsewhere ("These required standard excision, the smaller lesion ... a
            # shave") does not outrank it, unless it says the excision went full thickness.
            full = any(p.kind in EXCISION_KINDS and "full" in p.text.lower() for p in strong)
            if not full and any(k in state.titled for k in kinds):
                kinds = [k for k in kinds if k not in EXCISION_KINDS]
        kinds = [k for k in kinds if k != "other"] or kinds  # a non-skin procedure word names no skin procedure
        chosen = next((k for k in PROCEDURE_PRECEDENCE if k in kinds), kinds[0])
        lesion.procedure = next(p for p in strong if p.kind == chosen)
    if state.sizes:
        best_rank = min(rank for rank, _ in state.sizes)
        lesion.lesion_size = max((m for rank, m in state.sizes if rank == best_rank), key=lambda m: m.value_cm)
    if state.margins:
        lesion.margin = min(state.margins, key=lambda m: m.value_cm)
    if state.diameters:
        lesion.excised_diameter = max(state.diameters, key=lambda m: m.value_cm)
    wounds = state.wounds or state.total_wounds
    if wounds:
        lesion.repair_length = max(wounds, key=lambda m: m.value_cm)
    if state.specimens:
        lesion.specimen_size = max(state.specimens, key=lambda m: m.value_cm)
    if state.closures:
        lesion.closure = max(state.closures, key=lambda c: CLOSURE_RANK.get(c.closure_class, 0))
    if lesion.closure is not None and lesion.closure.closure_class in ("adjacent_tissue_transfer", "flap", "graft"):
        lesion.defect_area, lesion.defect_parts = details.defect_area(
            wounds + state.defects, state.areas, add_stated=lesion.closure.closure_class == "adjacent_tissue_transfer"
        )
    elif state.areas:
        lesion.defect_area = max(state.areas, key=lambda m: m.value_cm)
    # A re-excision is done because an earlier excision showed the named cancer ("returns after his
    # dermatologist excised it; the report showed melanoma in situ ... here for re-excision"): the
    # cancer is proven even when today's pathology finds no residual tumour (coding-rules 2.3).
    re_excised_cancer = (
        lesion.procedure is not None
        and lesion.procedure.kind == "re_excision"
        and any(d.behaviour == "malignant" and d.certain for d in lesion.diagnoses)
    )
    lesion.prior_malignant_biopsy = state.prior_biopsy or re_excised_cancer
    has_pathology = any(d.source == "pathology" and d.certain for d in lesion.diagnoses)
    lesion.pathology_pending = pathology_pending and not has_pathology
    return lesion


def _generic_evidence(text: str, facts: list[Fact]) -> dict[int, list[re.Match[str]]]:
    """Per lesion, the generic lesion words in the sentences of its asserted site and procedure facts."""
    sentences: dict[int, dict[int, tuple[int, int]]] = {}
    for fact in facts:
        if fact.lesion is None or fact.label not in ("ANATOMIC_SITE", "PROCEDURE") or not _usable(fact):
            continue
        span = fact.sentence_span or (max(0, fact.mention.start - 200), min(len(text), fact.mention.end + 200))
        sentences.setdefault(fact.lesion, {})[fact.sentence] = span
    return {
        lesion: [m for start, end in spans.values() for m in _GENERIC_LESION.finditer(text, start, end)]
        for lesion, spans in sentences.items()
    }


def _add_generic_diagnosis(lesion: Lesion, words: list[re.Match[str]]) -> None:
    """A "subcutaneous mass" with no named diagnosis is a soft-tissue mass (a sign, never a neoplasm)."""
    if lesion.diagnoses or lesion.site is None or lesion.procedure is None or lesion.procedure.kind not in EXCISION_KINDS:
        return
    for match in words:
        qualifier = match.group("qualifier")
        if qualifier and _SOFT_TISSUE_QUALIFIER.fullmatch(qualifier):
            span = Span(match.start(), match.end(), match.group())
            dx = Diagnosis(text=match.group(), kind="soft_tissue_mass", behaviour="unknown", source="clinical", span=span)
            lesion.diagnosis, lesion.diagnoses = dx, [dx]
            return


def _is_generic_treated(lesion: Lesion, state: _Collected, words: list[re.Match[str]]) -> bool:
    """A performed procedure at an asserted skin site on a lesion the note names only generically.

    "Punch biopsy of right upper chest skin lesion", "Excision of mass, left second toe": no
    diagnosis and no size, yet a treated lesion; the coding layer codes what needs neither (biopsy)
    and holds or queries the rest.  Needs a site, and either a skin-only technique named outright
    (a strong "punch biopsy", not a bare "biopsy") or a generic lesion word beside the site or the
    procedure.
    """
    if lesion.procedure is None or lesion.site is None or lesion.procedure.kind == "other":
        return False
    strong = {p.kind for weak, p in state.procedures if not weak}
    return bool(words) or lesion.procedure.kind in strong & SKIN_TECHNIQUES


def _non_skin_titled(facts: list[Fact], sections: list[tuple[str, int, int, int]]) -> set[int]:
    """Lesions whose procedure words in the note's procedure title are all non-skin procedures.

    "PROCEDURE: Excision of penile skin bridges", "OPERATION: Radical hemivulvectomy", "Excisional
    breast biopsy with needle localization": what the body then calls "excised" or "removed" is
    that operation, not a skin lesion's.  A lesion with a skin procedure in the title keeps it.
    """
    title = next(((start, end) for name, start, end, _ in sections if name == "procedure"), None)
    if title is None:
        return set()
    kinds: dict[int, set[str]] = {}
    for fact in facts:
        if fact.label == "PROCEDURE" and fact.lesion is not None and title[0] <= fact.mention.start < title[1] and _usable(fact):
            kinds.setdefault(fact.lesion, set()).add(fact.value.get("kind") or "other")
    return {lesion for lesion, found in kinds.items() if found == {"other"}}


def _same_site(a: Site, b: Site) -> bool:
    return a.region == b.region and (a.laterality is None or b.laterality is None or a.laterality == b.laterality)


def _is_treated(lesion: Lesion) -> bool:
    """A lesion counts when a performed procedure is linked to it and it is a skin lesion.

    "Skin lesion" means the note names what it is (a diagnosis, even an uncertain one) or
    measures it; an excised lymph node or a bone in an arthroplasty note has neither.
    """
    if lesion.procedure is None or lesion.procedure.kind == "other":
        return False  # no procedure, or only a non-skin one (a D&C, a lymph node biopsy)
    return bool(lesion.diagnoses or lesion.lesion_size or lesion.margin or lesion.excised_diameter)

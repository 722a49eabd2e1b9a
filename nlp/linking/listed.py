"""A procedure written once for several lesions of a list.

"Shave bx x4 (...): 1. ... 2. ...", "Biopsies #1-#3: tangential ... Biopsies #4-#5: 4 mm punch",
"A, B and C were each shaved", "Shave bx x2: L upper arm ...; R upper arm ...": one procedure
word stands for each lesion it names or counts, and each such lesion is its own record (a biopsy
count is never a lesion count).  Three readings, the most explicit first:

1. **Items named** (:func:`named_items`): a sentence that opens with list labels ("Biopsies
   #1-#3:", "A, B and C were each shaved") gives its procedure and closure words to exactly
   those numbered lesions.
2. **Heading**: a procedure above a numbered list goes to the listed lesions, to the first N of
   them when it states a count ("Tangential biopsies x3" above four items); a heading that names
   biopsies ("Skin check with biopsies, 5 sites", "Bx x2, shave", "Bx visit, 3 lesions, all shave")
   makes a bare "shave" in an item or after its biopsy word the tangential technique of that biopsy;
   a heading that names the whole area ("BIOPSY MAP - trunk") heads the list though the area word
   took it; a weak removal word heads it only when no stronger word does ("Two moles removed.").
3. **Counted heading without a list**: "Shave bx x2: <lesion>; <lesion>" goes to the lesions
   described after it in its section, up to the count (the first is usually its own already).
4. **Unplaced**: a procedure no lesion took ("PROCEDURES: Punch biopsies x2", "a punch biopsy was
   taken from each lesion") goes to every described lesion when its count matches them or it
   says "each lesion" ("from each nodule", "both papules").

A lesion that names a procedure of its own keeps it (a bare "shaved" under a heading is the
heading's procedure in other words), and a lesion the note leaves alone ("not sampled", "pt
declined cryo") takes none.
"""

from __future__ import annotations

import re
from dataclasses import replace

from nlp.linking.build import Collected, collect
from nlp.linking.facts import Fact, sentence_text, usable

# Kinds for which "x3" counts separate lesions (a destruction or skin-tag count is one record's).
PER_LESION_KINDS = frozenset({"biopsy_tangential", "biopsy_punch", "biopsy_incisional", "shave"})
BIOPSY_KINDS = frozenset({"biopsy_tangential", "biopsy_punch", "biopsy_incisional"})
_LABEL = r"\(?\#?\s*(?:[1-9]|[A-H])\)?(?![\w.])"
# "#1-#3", "A-C", "1 through 3"; "A, B and C", "#4 & #5"; "F/G", a log row written for two lesions
_ITEM_LIST = (
    rf"{_LABEL}\s*(?:-|–|to|through|thru)\s*{_LABEL}|{_LABEL}(?:\s*,\s*{_LABEL})*\s*,?\s*(?:and|AND|&)\s*{_LABEL}"
    rf"|[A-H]/[A-H](?![\w/])"
)
_NAMED_ITEMS = re.compile(
    r"[ \t]*(?:[A-Za-z][A-Za-z /]{0,30}:[ \t]*)?"  # a field header ("TECHNIQUE:")
    r"(?:(?i:(?:skin\s+)?(?:biops(?:y|ies)|bxs?|lesions?|sites?|specimens?|items?))\s+)?"
    rf"(?P<items>{_ITEM_LIST})"
    r"(?=\s*[:–-]|\s+(?i:were|was|are|each|both|all)\b|\t|[ \t]{2,}\S)"  # or a log row's column gap ("F/G  bilat shins")
)
_LABEL_VALUE = re.compile(r"[1-9]|[A-H]")
# "Shave bx x2", "TANGENTIAL BIOPSIES X3", "punch biopsy (x2)"; "two shave biopsies", "3 punch biopsies",
# also with the instrument's size between ("Two 3 mm punch bx", "two 4-mm punches")
_COUNT_AFTER = re.compile(r"\s*\(?\s*[x×]\s*(?P<n>[2-9])\b(?!\s*(?:mm|cm|\.\d))", re.IGNORECASE)
_COUNT_BEFORE = re.compile(
    r"\b(?P<n>two|three|four|five|six|seven|eight|nine|[2-9])\s+(?:(?:separate|additional|more)\s+)?(?:\d(?:\.\d)?\s*-?\s*mm\s+)?$", re.IGNORECASE
)
_WORD_COUNTS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}


def _label_number(raw: str) -> int:
    return int(raw) if raw.isdigit() else ord(raw.lower()) - ord("a") + 1


def named_items(text: str, fact: Fact) -> set[int]:
    """The list items a sentence names at its start, when ``fact`` comes after them ("Biopsies #1-#3: tangential")."""
    start, end = fact.sentence_span if fact.sentence_span is not None else (fact.mention.start, fact.mention.start)
    match = _NAMED_ITEMS.match(text, start, end)
    if match is None or match.end("items") > fact.mention.start:
        return set()
    items = match.group("items")
    labels = [_label_number(m.group()) for m in _LABEL_VALUE.finditer(items)]
    if re.search(r"-|–|to|through|thru", items) and len(labels) == 2 and labels[0] < labels[1]:
        return set(range(labels[0], labels[1] + 1))
    return set(labels)


def stated_count(text: str, fact: Fact) -> int | None:
    """How many lesions a procedure word counts: "Shave bx x2", "three punch biopsies"."""
    after = _COUNT_AFTER.match(text, fact.mention.end, min(len(text), fact.mention.end + 12))
    if after is not None:
        return int(after.group("n"))
    before = _COUNT_BEFORE.search(text, max(0, fact.mention.start - 24), fact.mention.start)
    if before is not None:
        word = before.group("n").lower()
        return int(word) if word.isdigit() else _WORD_COUNTS[word]
    return None


def _takes_listed(state: Collected) -> bool:
    """Whether a lesion takes a procedure written for its list: it names none of its own and is not left alone."""
    own = [p for weak, p in state.procedures if not weak]
    return not state.untreated and all(p.kind == "shave" and len(p.text.split()) == 1 for p in own)


def share_listed_procedures(
    collected: dict[int, Collected], facts: list[Fact], shared: list[Fact], segments: list[tuple[int, int, int]], text: str
) -> None:
    """Give each lesion of a list the procedure written once for the list (see the module docstring)."""
    numbers = {n for n, _, _ in segments}
    # Decided before any sharing: a lesion that takes one listed word takes the others too.
    takers = {index for index, state in collected.items() if _takes_listed(state)}
    named: set[int] = set()  # ids of the facts placed by the items they name
    if numbers:
        for fact in facts:
            if fact.label not in ("PROCEDURE", "CLOSURE_TYPE") or not usable(fact):
                continue
            if fact.label == "PROCEDURE" and fact.value.get("weak"):
                continue  # "Biopsies #1-#3: ..." is the line's label, not its technique
            items = named_items(text, fact) & numbers
            if not items:
                continue
            named.add(id(fact))
            for number in sorted(items - {fact.lesion}):
                if number in collected and (fact.label != "PROCEDURE" or number in takers):
                    collect(collected[number], fact, text)
        first = min(start for _, start, _ in segments)
        # "BIOPSY MAP - trunk (5 sites ...)": a heading that names the whole area took that area's
        # lesion, which the note never describes; the heading is still the list's.
        area_headings = [
            f for f in facts
            if f.label == "PROCEDURE" and f.lesion is not None and f.lesion not in numbers and f.mention.end <= first
            and f.lesion in collected and not (collected[f.lesion].diagnoses or collected[f.lesion].sizes)
        ]
        _share_heading(collected, takers, [f for f in shared if id(f) not in named] + area_headings, segments, text)
    else:
        _share_counted_heading(collected, takers, facts, text)
    _share_unplaced(collected, takers, [f for f in shared if id(f) not in named], text)


# "a punch biopsy was taken from the center of each lesion", "both sites were shaved", "a 4 mm punch
# from each nodule" (the lesion words a note describes its lesions by)
_EVERY_LESION = re.compile(
    r"\b(?:each|both|all|every)\s+(?:of\s+)?(?:the\s+)?(?:(?:two|three|four|five|[2-9])\s+)?"
    r"(?:lesions?|sites?|areas?|spots?|specimens?|nodules?|papules?|plaques?|macules?|growths?|moles?|bumps?|tumou?rs?)\b"
    r"|\b(?:each|both|all)\s+of\s+them\b",
    re.IGNORECASE,
)


def _share_unplaced(collected: dict[int, Collected], takers: set[int], shared: list[Fact], text: str) -> None:
    """A procedure no lesion took, written once for all of them, is each described lesion's.

    "PROCEDURES: Punch biopsies x2" beside two numbered diagnoses, "A 4 mm punch biopsy was taken
    from the center of each lesion": the word names no site, so assignment leaves it with no
    lesion, yet its count (equal to the lesions that name no procedure of their own) or its "each
    lesion" says it was done to every one of them.  A count that differs from those lesions leaves
    the word where it is (which lesions it names is not known).
    """
    described = sorted(index for index in takers if collected[index].diagnoses or collected[index].sizes)
    if len(described) < 2:
        return
    for fact in shared:
        if fact.label != "PROCEDURE" or fact.value.get("weak") or not usable(fact) or fact.value.get("kind") not in PER_LESION_KINDS:
            continue
        every = _EVERY_LESION.search(sentence_text(text, fact)) is not None
        if every or stated_count(text, fact) == len(described):
            for index in described:
                collect(collected[index], fact, text)


def _share_heading(
    collected: dict[int, Collected], takers: set[int], shared: list[Fact], segments: list[tuple[int, int, int]], text: str
) -> None:
    """A procedure named above a numbered list is each listed lesion's, up to a stated count.

    "Shave bx x2. 1) R nasal ala ... 2) L dorsal hand ...": the heading names what was done to
    every numbered lesion; "Tangential biopsies x3" above four items, the fourth "not sampled",
    names the first three that take it.
    """
    first = min(start for _, start, _ in segments)
    above = [f for f in shared if f.label == "PROCEDURE" and (f.mention.end <= first or _heads_a_list(text, f, segments)) and usable(f)]
    # A removal word heads the list when no stronger word does ("Two moles removed. 1) ... 2) ...").
    heading = [f for f in above if not f.value.get("weak")] or [f for f in above if f.value.get("kind") == "excision"]
    order = sorted({n for n, _, _ in segments}, key=lambda n: min(start for m, start, _ in segments if m == n))
    listed = [n for n in order if n in takers]
    for fact in heading:
        count = stated_count(text, fact)
        for number in listed[:count] if count else listed:
            collect(collected[number], fact, text)
    biopsies = [f for f in above if f.value.get("kind") in BIOPSY_KINDS]
    shaves = [f for f in heading if f.value.get("kind") == "shave"]
    if biopsies and all(_names_the_technique(f, biopsies) for f in shaves):
        for number in listed:
            _bare_shave_is_biopsy(collected[number])


def _names_the_technique(shave: Fact, biopsies: list[Fact]) -> bool:
    """Whether a heading's shave word is the technique of a biopsy the heading names ("Bx x2,
    shave.", "Biopsies (shave) x3:", "Bx visit, 3 lesions, all shave"): a bare "shave" shortly after
    a biopsy word of its sentence, not a removal ("Shave removal x2", "Shave x2, bx of the first")."""
    return len(shave.mention.text.split()) == 1 and any(
        b.sentence == shave.sentence and 0 <= shave.mention.start - b.mention.end <= _TECHNIQUE_GAP for b in biopsies
    )


_TECHNIQUE_GAP = 40  # characters: "Bx x2, shave", "Biopsies (x3) - shave", "Bx visit, 3 lesions, all shave"


# What may stand between a heading's procedure word and the first item of the list it heads: a
# count, a remark in brackets, a colon ("Shave biopsies: 1. ...", "Punch bx x2 (4 mm):\n1) ...").
_HEADING_GAP = re.compile(r"[ \t]*(?:\(?[x×]\s*[2-9]\)?[ \t]*)?(?:\([^()\n]{0,40}\)[ \t]*)?[:,\-–]?[ \t]*\n?[ \t]*")


def _heads_a_list(text: str, fact: Fact, segments: list[tuple[int, int, int]]) -> bool:
    """Whether a procedure word opens the numbered list right after it, though an earlier list came first.

    "PREOPERATIVE DIAGNOSIS: 1. ... 2. ... PROCEDURE PERFORMED: Shave biopsies: 1. R upper chest.
    2. L lower abdomen.": the diagnosis list numbers the same lesions, so the procedure heading of
    the second list is above the lesions as much as one above the first would be.
    """
    after = [start for _, start, _ in segments if start >= fact.mention.end]
    return bool(after) and _HEADING_GAP.fullmatch(text, fact.mention.end, min(after)) is not None


def _bare_shave_is_biopsy(state: Collected) -> None:
    """"Skin check with biopsies, 5 sites ... 1. R forehead - 6 mm pink papule - shave": under a
    heading that names the list's procedures as biopsies, a bare "shave" in an item is the
    technique of that biopsy (tangential), as "4 mm punch" is in the next item, not a shave removal."""
    state.procedures = [
        (weak, replace(p, kind="biopsy_tangential") if p.kind == "shave" and len(p.text.split()) == 1 else p)
        for weak, p in state.procedures
    ]


def _share_counted_heading(collected: dict[int, Collected], takers: set[int], facts: list[Fact], text: str) -> None:
    """"Shave bx x2 (...): L upper arm ...; R upper arm ...": the count names the lesions described after it."""
    first_site: dict[int, Fact] = {}
    for fact in facts:
        if fact.label == "ANATOMIC_SITE" and fact.lesion is not None and usable(fact) and fact.lesion not in first_site:
            first_site[fact.lesion] = fact
    for fact in facts:
        if fact.label != "PROCEDURE" or fact.value.get("weak") or not usable(fact) or fact.value.get("kind") not in PER_LESION_KINDS:
            continue
        count = stated_count(text, fact)
        if not count:
            continue
        wanted = count - 1 if fact.lesion is not None else count
        later = sorted(
            (site.mention.start, index)
            for index, site in first_site.items()
            if index != fact.lesion and site.mention.start > fact.mention.start and site.mention.section == fact.mention.section
            and index in takers and (collected[index].diagnoses or collected[index].sizes)
        )
        for _, index in later[:wanted]:
            collect(collected[index], fact, text)


"""Step 3: every fact the sites left unplaced goes to one lesion.

A fact goes to the lesion of its marker segment, else of the nearest site in its sentence (its
own clause first), else to the only lesion, else to the lesion an ordinal in its clause names
("a punch from the second", :mod:`nlp.linking.ordinals`), else to the lesion its sentence's lesion
words name (:mod:`nlp.linking.referents`), else to the lesion last made current in its section, else
to the note's primary lesion, else (a pathology result) to the one lesion that sent a specimen
since the last result (:mod:`nlp.linking.path_lines`); a procedure word that names a wound ("Vaseline to the shave site")
goes to the lesion whose procedure made it.  Only a site in a sentence that describes a lesion (or a site the
narrative turns its attention to) makes its lesion the current one.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from nlp.linking.clusters import Cluster
from nlp.linking.facts import DIAGNOSIS_HEADER_SECTIONS, Fact, text_before, usable
from nlp.linking.ordinals import OrdinalReferents
from nlp.linking.path_lines import PathLines
from nlp.linking.referents import Referents
from nlp.records import Mention

# A repair field with no site of its own ("REPAIR: layered closure, 6.5 cm" after the Mohs stages)
# closes the wound of the lesion last described before it, whatever section that was in.
_REPAIR_LABELS = frozenset({"CLOSURE_TYPE", "WOUND_LENGTH"})
# Facts that describe the lesion itself (a closure or a wound can sit next to any body part).
_DESCRIBING_LABELS = frozenset({"LESION_DIAGNOSIS", "PROCEDURE", "LESION_SIZE", "MARGIN", "EXCISED_DIAMETER"})
# "Next, attention was turned to the mid back": the narrative moves to the lesion at that site.
_ATTENTION_TO = re.compile(r"\battention\s+(?:was\s+|is\s+)?(?:then\s+|next\s+|now\s+|first\s+|again\s+)?(?:drawn|turned|directed|brought|paid|focused|moved)\s+to\s+(?:the\s+)?(?:\w+\s+){0,3}$", re.IGNORECASE)
# Where one clause of a sentence ends and the next, about another lesion, begins: "one on the
# left nasal sidewall measuring 7 mm and one on the right cheek measuring 5 mm".
_CLAUSE_BREAK = re.compile(r";|\b(?:and|but|whereas|while)\b", re.IGNORECASE)
# "He asked about a scaly spot on the right forehead": a lesion word just before the site says the
# sentence turns to a lesion there, though it names no diagnosis, size or procedure.
_LESION_AT_SITE = re.compile(
    r"\b(?:lesions?|spots?|growths?|nodules?|papules?|plaques?|bumps?|macules?|patch(?:es)?|moles?|lumps?)"
    r"\s+(?:on|of|at|over|in)\s+(?:the\s+|his\s+|her\s+)?$",
    re.IGNORECASE,
)
# "Vaseline to the shave site", "keep the biopsy sites dry", "the excision wound": a procedure word
# naming a wound already made is aftercare of that lesion, not a procedure for the lesion last named.
_WOUND_AFTER = re.compile(r"[ \t]*(?:sites?|wounds?|beds?|defects?)\b", re.IGNORECASE)
_SITE_FIELD = re.compile(
    r"(?:^|\n)[ \t]*(?:(?:anatomic(?:al)?|lesion|tumou?r|biopsy|treatment)\s+)?(?:location|site)s?[ \t]*:[ \t]*$", re.IGNORECASE
)


def assign_facts(
    text: str,
    facts: list[Fact],
    anchors: list[Fact],
    passing: set[int],
    clusters: list[Cluster],
    lesion_ids: list[int],
    segment_of: Callable[[int], int | None],
    listed: frozenset[int] = frozenset(),
) -> None:
    """Set ``fact.lesion`` on every fact that is not a passing site (see the module docstring).

    ``listed`` holds the lesion numbers of the note's marker list, which an ordinal counts by.
    """
    last_in_section: dict[str | None, int] = {}
    site_by_sentence: dict[int, list[Fact]] = {}
    # Sentences that say something about a lesion itself; a closure or wound beside a body part
    # ("a pedicle across her forehead", "the donor site was closed") does not.
    lesion_fact_sentences = {f.sentence for f in facts if f.label in _DESCRIBING_LABELS and usable(f)}
    # A site given as a field of its own ("Location: right nasal tip") is where the lesion is.
    field_sites = [f for f in anchors if f.lesion is not None and _site_field(text, f)]
    lesion_fact_sentences |= {f.sentence for f in field_sites}
    # "A flat tan macule on the right cheek is a solar lentigo and was left alone": a lesion the
    # note leaves untreated does not become the current one for the procedure sentences after it,
    # nor the note's primary lesion.
    left_alone = {f.sentence for f in facts if "NOT_TREATED" in f.modifiers}
    primary = _primary_lesion(facts, clusters, field_sites, lesion_fact_sentences - left_alone, left_alone)
    for fact in facts:
        if fact.label == "ANATOMIC_SITE" and fact.lesion is not None:
            site_by_sentence.setdefault(fact.sentence, []).append(fact)
    # "The 1.5 cm cyst was removed ...", "THE NODULE WAS EXCISED ...": a sentence with no site or
    # marker that names its lesion by a word used before for exactly one lesion is about that lesion.
    referents = Referents(text, facts) if len(lesion_ids) > 1 else None
    ordinals = OrdinalReferents(text, anchors, listed) if len(lesion_ids) > 1 else None
    introduced = {f.sentence for f in anchors if _LESION_AT_SITE.search(text_before(text, f)[-40:])}
    treated_by_kind: dict[str | None, int] = {}  # the last lesion given a usable procedure, by kind (None: any kind)
    last_any: int | None = None
    path_lines = PathLines()  # "... excised, simple closure. Path: dermatofibroma." (no site of its own)
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
            elif ordinals is not None and (placed := ordinals.lesion_of(fact)) is not None:
                fact.lesion = placed
                last_in_section[fact.mention.section] = placed
            elif referents is not None and (named := referents.lesion_of(fact.sentence)) is not None:
                fact.lesion = named
                last_in_section[fact.mention.section] = named
            elif fact.label == "PROCEDURE" and treated_by_kind and _WOUND_AFTER.match(text, fact.mention.end):
                fact.lesion = treated_by_kind.get(fact.value.get("kind"), treated_by_kind[None])
            else:
                fact.lesion = last_in_section.get(fact.mention.section, primary)
                if fact.lesion is None:
                    fact.lesion = path_lines.lesion_of(fact)
                if fact.lesion is None and fact.label in _REPAIR_LABELS:
                    fact.lesion = last_any  # "REPAIR: LAYERED CLOSURE, 6.5 CM." under the Mohs it closes
                if fact.lesion is None and fact.label == "PROCEDURE" and fact.value.get("kind") == "mohs":
                    fact.lesion = _first_lesion_after(anchors, fact)  # "Mohs Surgery Record" titling its tumour
        path_lines.saw(fact)
        if fact.label == "PROCEDURE" and fact.lesion is not None and usable(fact):
            treated_by_kind[fact.value.get("kind")] = treated_by_kind[None] = fact.lesion
        if referents is not None:
            referents.learn(fact)
        # A site mention makes its lesion the current one only when its sentence says something
        # about a lesion: "The left arm was extended on a hand table" must not capture the facts
        # that follow it.
        if fact.lesion is not None and (
            (
                fact.label == "ANATOMIC_SITE"
                and fact.sentence not in left_alone
                and (fact.sentence in lesion_fact_sentences or fact.sentence in introduced or _ATTENTION_TO.search(text_before(text, fact)))
            )
            or segment_of(fact.mention.start) is not None
        ):
            last_in_section[fact.mention.section] = fact.lesion
            last_any = fact.lesion


def _first_lesion_after(anchors: list[Fact], fact: Fact) -> int | None:
    """The lesion of the first site written after ``fact``: a Mohs record's title ("Mohs Surgery Record",
    "MOHS + ADD-ON PROCEDURE") names the operation of the tumour it then describes, when the note
    also records another lesion and so has no single primary lesion."""
    after = [a for a in anchors if a.lesion is not None and a.mention.start >= fact.mention.end]
    return min(after, key=lambda a: a.mention.start).lesion if after else None


def _primary_lesion(
    facts: list[Fact], clusters: list[Cluster], field_sites: list[Fact], lesion_fact_sentences: set[int],
    left_alone: set[int] = frozenset(),  # type: ignore[assignment]
) -> int | None:
    """The lesion a fact belongs to when no marker, site or earlier mention places it, if there is one.

    When exactly one lesion is named in the diagnosis headers (else the procedure header), a fact
    that no marker, site or earlier mention places belongs to it (the others are passing mentions).
    A site whose sentences name only non-skin operations ("1. Right inguinal hernia repair with
    mesh") is that operation's, not a skin lesion heading the note.
    """
    kinds_by_sentence: dict[int, set[str]] = {}
    for fact in facts:
        if fact.label == "PROCEDURE" and usable(fact):
            kinds_by_sentence.setdefault(fact.sentence, set()).add(fact.value.get("kind") or "other")
    skin_clusters = [
        c for c in clusters if set().union(*(kinds_by_sentence.get(f.sentence, set()) for f in c.facts)) != {"other"}
    ]
    headed = {c.lesion for c in skin_clusters if any(f.mention.section in DIAGNOSIS_HEADER_SECTIONS for f in c.facts)} or {
        c.lesion for c in skin_clusters if any(f.mention.section == "procedure" for f in c.facts)
    }
    headed = _without_left_alone(headed, skin_clusters, left_alone)
    if len(headed) != 1 and len({f.lesion for f in field_sites}) == 1:
        headed = {field_sites[0].lesion}
    if len(headed) != 1:
        # Else the one lesion whose site shares a sentence with its diagnosis, procedure or size:
        # "lower lip" in "to avoid distorting the lower lip" and a flap's donor site are passing mentions,
        # and the caller leaves out the sentences of lesions left alone ("NOT TREATED: ... L temple,
        # clinically SK" under "DX: ACTINIC KERATOSES ... SITES: SCALP X8, ...").
        headed = {c.lesion for c in skin_clusters if any(f.sentence in lesion_fact_sentences for f in c.facts)}
    return next(iter(headed)) if len(headed) == 1 else None


def _without_left_alone(headed: set[int], clusters: list[Cluster], left_alone: set[int]) -> set[int]:
    """The headed lesions less those the note leaves alone, when that leaves exactly one.

    "PREOP DX: 1. Irritated SK, left neck. 2. Skin tags, right axilla. POSTOP DX: ... 2. Skin
    tags, right axilla, not treated": both are headed, but the tags are named where they are left
    alone, so "A crusted 5 mm lesion that bleeds" (no site, no word of the tags) is the keratosis.
    """
    if len(headed) < 2:
        return headed
    alone = {c.lesion for c in clusters if any(f.sentence in left_alone for f in c.facts)}
    kept = headed - alone
    return kept if len(kept) == 1 else headed


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


def _gap(a: Mention, b: Mention) -> int:
    """Characters between two mentions ("a BCC of the cheek, and an SCC of the scalp": the SCC's site is the scalp)."""
    return max(a.start - b.end, b.start - a.end, 0)

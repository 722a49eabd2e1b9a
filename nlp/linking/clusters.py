"""Step 2: the sites that make lesions, grouped into one cluster per lesion.

Asserted site mentions are grouped by region, laterality and position words ("right upper arm"
and "right posterior upper arm" are one site; "upper" and "lower" back are two; "medially" and
"plantolateral" are position words too, and a finger or toe is also told by its digit, whatever
it is called); a mention joins a lesion when its words fit any of the lesion's namings, and of
several that fit, the one named with the very same words; a cluster seen
inside a marker segment takes that marker's lesion number, the others are numbered after the
markers.  A site whose sentence only declines or plans a procedure is a passing mention, not
a lesion.  A list item that counts like lesions at several sites gives each counted site a
lesion of its own (:func:`split_counted_items`).  Sites that fit are still two lesions when
each one's sentence does another procedure to another diagnosis ("drained a cyst on the posterior
neck ... snipped 5 skin tags from the L neck", :func:`sentence_statements`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from nlp import procedure_details as details
from nlp.linking.facts import IGNORED_SECTIONS, PATHOLOGY_SECTIONS, WISHED_SITE, Fact, is_anchor, is_wished_site, usable
from nlp.records import Mention

_POSITION_WORDS = frozenset(
    "upper lower mid middle central medial lateral anterior posterior dorsal ventral volar proximal distal inferior superior plantar palmar".split()
)
# The first half of a compound position word: "plantolateral" is plantar and lateral, "anteromedial"
# anterior and medial.
_COMBINING_FORMS = {
    "antero": "anterior", "postero": "posterior", "supero": "superior", "infero": "inferior", "dorso": "dorsal",
    "planto": "plantar", "ventro": "ventral", "medio": "medial", "latero": "lateral", "proximo": "proximal", "disto": "distal",
}
_COMPOUND = re.compile(r"(" + "|".join(_COMBINING_FORMS) + r")([a-z]+)")


def position_words(word: str) -> frozenset[str]:
    """The position words one word of a site phrase stands for.

    "medial" is medial; the adverb "medially" ("the left chest medially") is the same position; a
    compound ("plantolateral", "plantolaterally") is both of its halves.
    """
    if word.endswith("ly") and word[:-2] not in ("", "on"):
        word = word[:-2]
    if word in _POSITION_WORDS:
        return frozenset({word})
    compound = _COMPOUND.fullmatch(word)
    if compound and compound.group(2) in _POSITION_WORDS:
        return frozenset({_COMBINING_FORMS[compound.group(1)], compound.group(2)})
    return frozenset()


@dataclass
class Cluster:
    """The site mentions taken for one lesion's site: a region, a side and position words.

    ``named`` holds the position words of each mention taken that has any: one lesion may be
    named with more or fewer of them ("left lower cheek neck", "left lower cheek upper neck",
    "left upper neck lesion"), so a mention joins when its words fit any one naming.
    """

    region: str
    laterality: str | None
    positions: frozenset[str]
    facts: list[Fact] = field(default_factory=list)
    lesion: int | None = None
    named: list[frozenset[str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.positions and not self.named:
            self.named = [self.positions]

    def accepts(self, region: str, laterality: str | None, positions: frozenset[str]) -> bool:
        if region != self.region:
            return False
        if laterality and self.laterality and laterality != self.laterality:
            return False
        if positions and self.named and not any(positions <= named or named <= positions for named in self.named):
            return False  # "right upper arm" and "right posterior upper arm" are one site; "upper" and "lower" are not
        return True

    def fit(self, laterality: str | None, positions: frozenset[str]) -> int:
        """How much of a mention this cluster matches beyond accepting it: "mid back" fits
        "right mid back" better than "left back", and "left chest" fits a lesion named "left
        chest" better than one named "left medial chest"."""
        same_words = positions in self.named if positions else not self.named
        return same_words + (bool(laterality) and laterality == self.laterality)

    def take(self, fact: Fact, laterality: str | None, positions: frozenset[str]) -> None:
        """Add a mention the cluster accepted."""
        self.laterality = self.laterality or laterality
        self.positions = self.positions or positions
        if positions and positions not in self.named:
            self.named.append(positions)
        self.facts.append(fact)


# Which digit a finger or toe is, by its names: "middle finger" and "third finger" are one digit
# ("middle" names the digit there, not a position), "index" and "third" are two.
_DIGITS = {
    "thumb": 1, "first": 1, "1st": 1, "great": 1, "big": 1, "hallux": 1,
    "index": 2, "second": 2, "2nd": 2,
    "middle": 3, "long": 3, "third": 3, "3rd": 3,
    "ring": 4, "fourth": 4, "4th": 4,
    "little": 5, "small": 5, "pinky": 5, "fifth": 5, "5th": 5,
}
_DIGIT_REGIONS = frozenset({"finger", "toe"})


# Parts of a region that lie at one of its positions: the shin and the calf are the lower leg, so
# "right anterior shin" and "the lower leg" name one site, while "upper leg" stays another.
_IMPLIED_POSITIONS = {"shin": "lower", "shins": "lower", "calf": "lower", "calves": "lower"}


def site_key(mention: Mention) -> tuple[str, str | None, frozenset[str]]:
    """A site mention's region, side and position words (a finger or toe also by its digit, as "digit3")."""
    value = mention.value or {}
    region = value.get("region") or ""
    found = re.findall(r"[a-z0-9]+", mention.text.lower())
    digits = {_DIGITS[w] for w in found if w in _DIGITS} if region in _DIGIT_REGIONS else set()
    words = frozenset().union(*(position_words(w) for w in found if not (digits and w in _DIGITS)))
    words |= {_IMPLIED_POSITIONS[w] for w in found if w in _IMPLIED_POSITIONS}
    return region, value.get("laterality"), words | {f"digit{d}" for d in digits}


def lesion_anchors(
    facts: list[Fact], segments: list[tuple[int, int, int]], segment_of: Callable[[int], int | None]
) -> tuple[list[Fact], set[int]]:
    """The site facts that make lesions, and the ids of the site facts that are only passing mentions.

    "L shin: flat scaly patch, pt declined bx today": a site whose sentence names a procedure
    only as declined, negated or planned is a lesion left untreated, not a treated one's site.
    Inside a numbered item such a site would otherwise join the item's lesion, unless the item
    does something to it elsewhere ("(1) L upper back: EIC, never I&D. Exc'd intact."); the same
    site named earlier in a sentence that does nothing to it is that lesion again, and passing too.
    Where the note asserts no site at all, a site named in a wish or plan stands in (marked
    ``WISHED_SITE``).
    """
    untreated = untreated_sentences(facts) if segments else set()
    treated_items = {
        segment_of(f.mention.start) for f in facts if f.label == "PROCEDURE" and f.sentence not in untreated and usable(f)
    } - {None}
    passing = {
        id(f)
        for f in facts
        if f.label == "ANATOMIC_SITE" and f.sentence in untreated and segment_of(f.mention.start) not in treated_items | {None}
    }
    # "O: R upper back: irregular macule ... A/P: 2. R upper back: punch bx recommended, at next visit":
    # the same site named earlier where nothing is done is that lesion again, left for another day.
    declined = [Cluster(*site_key(f.mention)) for f in facts if id(f) in passing]
    done_sentences = {f.sentence for f in facts if f.label == "PROCEDURE" and usable(f)}
    passing |= {
        id(f)
        for f in facts
        if f.label == "ANATOMIC_SITE" and f.sentence not in done_sentences and segment_of(f.mention.start) not in treated_items
        and any(c.accepts(*site_key(f.mention)) for c in declined)
    }
    anchors = [f for f in facts if is_anchor(f) and id(f) not in passing]
    if not anchors:
        anchors = [f for f in facts if is_wished_site(f)]
        for fact in anchors:
            fact.modifiers = fact.modifiers | {WISHED_SITE}
    return anchors, passing


def sentence_statements(facts: list[Fact]) -> dict[int, tuple[frozenset[str], frozenset[str]]]:
    """Per sentence outside a pathology report: the skin-procedure kinds it asserts and the
    diagnosis kinds it names without a hedge (only sentences that have both)."""
    procedures: dict[int, set[str]] = {}
    diagnoses: dict[int, set[str]] = {}
    for fact in facts:
        if fact.mention.section in PATHOLOGY_SECTIONS or not usable(fact):
            continue
        kind = (fact.mention.value or {}).get("kind")
        if fact.label == "PROCEDURE" and kind and kind != "other":
            procedures.setdefault(fact.sentence, set()).add(kind)
        elif fact.label == "LESION_DIAGNOSIS" and kind and not fact.mention.uncertain:
            diagnoses.setdefault(fact.sentence, set()).add(kind)
    return {n: (frozenset(procedures[n]), frozenset(diagnoses[n])) for n in procedures.keys() & diagnoses.keys()}


def _another_lesion_said(cluster: Cluster, fact: Fact, said: dict[int, tuple[frozenset[str], frozenset[str]]]) -> bool:
    """"Drained a sebaceous cyst on the posterior neck. Then snipped 5 skin tags from the L neck":
    a site whose sentence does another procedure to another diagnosis than every sentence of the
    cluster's sites is another lesion, though the sites fit."""
    own = said.get(fact.sentence)
    others = [said[f.sentence] for f in cluster.facts if f.sentence != fact.sentence and f.sentence in said]
    if own is None or not others or any(f.sentence == fact.sentence for f in cluster.facts):
        return False
    return all(own[0].isdisjoint(procs) and own[1].isdisjoint(dxs) for procs, dxs in others)


def cluster_sites(
    anchors: list[Fact],
    segments: list[tuple[int, int, int]],
    segment_of: Callable[[int], int | None],
    text: str = "",
    said: dict[int, tuple[frozenset[str], frozenset[str]]] | None = None,
) -> tuple[list[Cluster], list[int]]:
    """Group the anchor sites into clusters, one per lesion, and number the lesions.

    A cluster with a site inside a marker segment takes that marker's number; the others are
    numbered after the markers in note order (a lone cluster beside a lone marker number takes
    that number).  A structure written right after a site of its region is part of that site's
    lesion (:func:`_part_of_previous`).  Sets ``fact.lesion`` on every anchor; returns the clusters
    and every lesion number (at least ``[1]``).
    """
    clusters: list[Cluster] = []
    previous: tuple[Fact, Cluster] | None = None
    for fact in anchors:
        region, laterality, positions = site_key(fact.mention)
        marker = segment_of(fact.mention.start)
        candidates = [c for c in clusters if c.accepts(region, laterality, positions)]
        if said and marker is None:
            candidates = [c for c in candidates if not _another_lesion_said(c, fact, said)]
        if previous is not None and text and _part_of_previous(text, fact, *previous):
            candidates = [previous[1]]
        if marker is not None:
            bound = [c for c in candidates if c.lesion == marker]
            cluster = bound[0] if bound else next((c for c in candidates if c.lesion is None), None)
        else:
            cluster = max(candidates, key=lambda c: c.fit(laterality, positions), default=None)
        if cluster is None:
            cluster = Cluster(region, laterality, positions)
            clusters.append(cluster)
        if marker is not None and cluster.lesion is None:
            cluster.lesion = marker
        cluster.take(fact, laterality, positions)
        previous = (fact, cluster)

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
    return clusters, lesion_ids


# Position words that tell an upper lid or lip from a lower one; the others ("central", "medial")
# place a lesion along a structure such as the lid margin.
_VERTICAL = ({"upper", "superior"}, {"lower", "inferior"})
# What may stand between a site and the structure that refines it: a comma, "at the", "incl.".
_APPOSITION_GAP = re.compile(
    r"[ \t]*[,:(–-]?[ \t]*(?:(?:at|on|along|involving|including|incl\.?|with|near)[ \t]+)?(?:the[ \t]+)?", re.IGNORECASE
)


def _part_of_previous(text: str, fact: Fact, previous: Fact, cluster: Cluster) -> bool:
    """Whether a structure site refines the site named just before it: "left upper eyelid, central
    lid margin", "L lower lip, vermilion", "right ala at the alar rim".

    A structure (lid margin, vermilion, alar or helical rim) written right after a site of its
    region names the part of that site the lesion is on, so it is that lesion, though its own
    position words ("central" along the lid) fit no naming of the site.  Not when the sides or
    the lids ("upper eyelid, lower lid margin") disagree.
    """
    value = fact.mention.value or {}
    if not value.get("structure") or fact.sentence != previous.sentence or fact.mention.start < previous.mention.end:
        return False
    region, laterality, positions = site_key(fact.mention)
    if region != cluster.region or (laterality and cluster.laterality and laterality != cluster.laterality):
        return False
    named = set().union(*cluster.named) if cluster.named else set()
    if any(positions & side and named & other for side, other in (_VERTICAL, _VERTICAL[::-1])):
        return False
    return _APPOSITION_GAP.fullmatch(text, previous.mention.end, fact.mention.start) is not None


def split_counted_items(
    text: str, facts: list[Fact], clusters: list[Cluster], segment_of: Callable[[int], int | None], lesion_ids: list[int]
) -> tuple[list[int], dict[int, int]]:
    """A list item that counts like lesions at several sites is one lesion per counted site.

    "1. Actinic keratoses, forehead x3 and nasal dorsum x1. LN2 ...", "(1) Snip removal of skin
    tags: neck 12, R axilla 8": every site with a count of its own is a record of its own (one
    record per site phrase), as it would be outside a list.  The first keeps the item's number and
    facts; the others take new numbers, and the sharing step gives them the item's procedure and
    diagnosis.  Only in an item that destroys or removes lesions today (a destruction, a skin-tag
    removal, or skin tags named).  Returns every lesion number, and the item each new lesion came from.
    """
    counted_items = {
        segment_of(f.mention.start)
        for f in facts
        if usable(f) and (
            (f.label == "PROCEDURE" and f.value.get("kind") in details.COUNTED_KINDS)
            or (f.label == "LESION_DIAGNOSIS" and f.value.get("kind") == "skin_tag")
        )
    } - {None}
    next_number = max(lesion_ids) + 1
    origins: dict[int, int] = {}
    for item in sorted(counted_items):  # type: ignore[type-var]
        counted = []
        for cluster in clusters:
            if cluster.lesion != item:
                continue
            starts = [
                f.mention.start for f in cluster.facts
                if segment_of(f.mention.start) == item and details.site_count(text, f.mention.start, f.mention.end)
            ]
            if starts:
                counted.append((min(starts), cluster))
        counted.sort(key=lambda pair: pair[0])
        for _, cluster in counted[1:] if len(counted) >= 2 else []:
            cluster.lesion = next_number
            for fact in cluster.facts:
                if segment_of(fact.mention.start) in (None, item):
                    fact.lesion = next_number
            origins[next_number] = item
            next_number += 1
    return sorted([*lesion_ids, *origins]), origins


def untreated_sentences(facts: list[Fact]) -> set[int]:
    """Sentences whose procedure mentions are all declined, negated or planned (and not a wish)."""
    treated: set[int] = set()
    untreated: set[int] = set()
    for fact in facts:
        if fact.label != "PROCEDURE" or fact.mention.section in IGNORED_SECTIONS:
            continue
        m = fact.mention
        if usable(fact):
            treated.add(fact.sentence)
        elif m.negated or m.hypothetical:
            untreated.add(fact.sentence)
    return untreated - treated

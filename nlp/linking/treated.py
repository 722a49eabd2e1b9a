"""Step 5: which built records are treated lesions, and so become lesion records.

"Treated" has two definitions; both need a performed procedure linked to the lesion that is not
a non-skin one (a D&C, a lymph node biopsy), and in :func:`treated_lesions` neither keeps a
lesion whose procedure words in the note's procedure title are all non-skin:

- :func:`described_and_treated`: the note describes the lesion, by a diagnosis (even an
  uncertain one) or a measurement (size, margin, excised diameter).  Stranded facts move only
  to such a lesion (:func:`nlp.linking.sharing.stranded_facts_to_the_one_lesion`).
- :func:`_generic_and_treated`: the note names the lesion only generically ("skin lesion",
  "mass") at an asserted site, or names a skin-only technique ("punch biopsy").  Checked second,
  and kept only when no described treated lesion has the same site (it is that lesion again).

A counted lesion named only by a word for a whole area ("rough spots on face") is dropped when
counted lesions inside that area have records of their own (:func:`_umbrella_lesions`), and once
counted, a lesion with no site that names like lesions counted at their sites (no count of its
own, or their sum) is dropped too (:func:`summed_lesions`).

They stay two functions because neither can serve both callers with the same output: the
generic one needs the lesion's collected facts and the generic words of its sentences, and
letting the stranded-facts step count a generically named lesion as well moves facts the
current rules keep where they are (checked on the dev and real notes: 1 of 491 records
changes; deciding with either test alone changes 5 or 167).
"""

from __future__ import annotations

import re

from nlp import procedure_details as details
from nlp.linking.build import EXCISION_KINDS, Collected
from nlp.linking.facts import Fact, generic_lesion_words, usable
from nlp.records import Diagnosis, Lesion, Site, Span

# The qualifiers that put a mass under the skin: a soft-tissue tumour (coding-rules.md 1.8).
_SOFT_TISSUE_QUALIFIER = re.compile(r"subcutaneous|subdermal|soft[- ]tissue|subfascial|intramuscular|fatty", re.IGNORECASE)
# Procedure words that only name skin procedures ("punch biopsy", "shave biopsy", "cryotherapy"); a
# bare "biopsy" or "excision" may be of an artery, a lymph node or the breast.
SKIN_TECHNIQUES = frozenset({"biopsy_punch", "biopsy_tangential", "shave", "destruction", "mohs", "skin_tag_removal"})


def treated_lesions(
    text: str, facts: list[Fact], sections: list[tuple[str, int, int, int]], built: dict[int, Lesion], collected: dict[int, Collected]
) -> set[int]:
    """The indexes of the built records that are treated lesions.

    Gives a generically named soft-tissue mass its diagnosis first (the records are changed in place).
    """
    generic = _generic_evidence(text, facts)
    for index, lesion in built.items():
        _add_generic_diagnosis(lesion, generic.get(index, []))
    non_skin = _non_skin_titled(facts, sections)
    treated = {index for index, lesion in built.items() if described_and_treated(lesion) and index not in non_skin}
    named = [built[index].site for index in treated if built[index].site is not None]
    for index, lesion in built.items():
        # A lesion named only generically at the site of a lesion already treated is that lesion
        # again (a numbered title list, "the skin lesion" in the narrative), not a second one.
        if index not in treated and index not in non_skin and _generic_and_treated(lesion, collected[index], generic.get(index, [])):
            if not any(_same_site(lesion.site, site) for site in named):  # type: ignore[arg-type]
                treated.add(index)
    return treated - _umbrella_lesions(text, facts, built, treated)


def _umbrella_lesions(text: str, facts: list[Fact], built: dict[int, Lesion], treated: set[int]) -> set[int]:
    """Counted lesions named only by a word for a whole area whose parts are counted lesions of their own.

    "Chief complaint: rough spots on face ... AKs: L cheek x4, R cheek x3, forehead x5": the face
    is where the cheek and forehead lesions are, not a thirteenth lesion.  A count at the area's
    own mention ("face x6") makes it a lesion of its own.
    """
    counted = [index for index in treated if details.is_counted(built[index])]
    out = set()
    for index in counted:
        sites = [f for f in facts if f.lesion == index and f.label == "ANATOMIC_SITE" and usable(f)]
        if not sites or not all(f.value.get("covers") for f in sites):
            continue  # no site, or also named by a region of its own
        if any(details.site_count(text, f.mention.start, f.mention.end) for f in sites):
            continue
        covers = {region for f in sites for region in f.value["covers"]}
        parts = [built[other].site for other in counted if other != index and built[other].site is not None]
        if any(site.region in covers for site in parts):  # type: ignore[union-attr]
            out.add(index)
    return out


def summed_lesions(lesions: list[Lesion]) -> list[Lesion]:
    """Drop a counted lesion without a site that names like lesions counted at their sites.

    "Back: 11 inflamed papules. Inframammary folds: 4 similar. A: irritated SKs, 15 total": the
    fifteen are the back's eleven and the folds' four, not fifteen more; "Skin tags: snip removal"
    under "neck x5, L axilla x4" are those nine.  Like lesions share the procedure kind and the
    diagnosis; a count of its own that is not their sum ("5 more elsewhere") is lesions of its own.
    A total at a site that covers the others ("17 tags, bilateral axillae ... 9 in the right axilla
    and 8 in the left") is the same when its count is their sum: a breakdown after a total is
    the same tags, not more of them.
    """
    out = []
    for lesion in lesions:
        if details.is_counted(lesion) and lesion.diagnosis is not None and (lesion.site is None or lesion.count_stated):
            like = [
                other for other in lesions
                if other is not lesion and other.site is not None and other.count_stated and other.procedure is not None
                and lesion.procedure is not None
                and other.procedure.kind == lesion.procedure.kind
                and other.diagnosis is not None and other.diagnosis.kind == lesion.diagnosis.kind
                and (lesion.site is None or _covers(lesion.site, other.site))
            ]
            if lesion.site is None and like and (not lesion.count_stated or sum(other.count for other in like) == lesion.count):
                continue
            if lesion.site is not None and len(like) > 1 and sum(other.count for other in like) == lesion.count:
                continue
        out.append(lesion)
    return out


def _covers(whole: Site, part: Site) -> bool:
    """Whether a site names an area a more particular site lies in: "bilateral axillae" holds "right axilla"."""
    return whole.region == part.region and whole.laterality in (None, "bilateral") and part.laterality != whole.laterality


def _generic_evidence(text: str, facts: list[Fact]) -> dict[int, list[re.Match[str]]]:
    """Per lesion, the generic lesion words in the sentences of its asserted site and procedure facts."""
    sentences: dict[int, dict[int, tuple[int, int]]] = {}
    for fact in facts:
        if fact.lesion is None or fact.label not in ("ANATOMIC_SITE", "PROCEDURE") or not usable(fact):
            continue
        span = fact.sentence_span or (max(0, fact.mention.start - 200), min(len(text), fact.mention.end + 200))
        sentences.setdefault(fact.lesion, {})[fact.sentence] = span
    found: dict[tuple[int, int], list[re.Match[str]]] = {}  # lesions often share a sentence: scan it once

    def words_in(span: tuple[int, int]) -> list[re.Match[str]]:
        if span not in found:
            found[span] = generic_lesion_words(text, span[0], span[1])
        return found[span]

    return {lesion: [m for span in spans.values() for m in words_in(span)] for lesion, spans in sentences.items()}


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


def described_and_treated(lesion: Lesion) -> bool:
    """Treated, first definition: a performed skin procedure on a lesion the note describes.

    A lesion counts when a performed procedure is linked to it and it is a skin lesion.  "Skin
    lesion" means the note names what it is (a diagnosis, even an uncertain one) or measures it;
    an excised lymph node or a bone in an arthroplasty note has neither.  Needs nothing but the
    record, so stranded facts are placed by it before the records are final.
    """
    if lesion.procedure is None or lesion.procedure.kind == "other":
        return False  # no procedure, or only a non-skin one (a D&C, a lymph node biopsy)
    return bool(lesion.diagnoses or lesion.lesion_size or lesion.margin or lesion.excised_diameter)


def _generic_and_treated(lesion: Lesion, state: Collected, words: list[re.Match[str]]) -> bool:
    """Treated, second definition: a performed procedure at an asserted skin site on a lesion the note names only generically.

    Asked only of a lesion :func:`described_and_treated` rejected.  "Punch biopsy of right upper chest skin lesion", "Excision of mass, left second toe": no
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
        if fact.label == "PROCEDURE" and fact.lesion is not None and title[0] <= fact.mention.start < title[1] and usable(fact):
            kinds.setdefault(fact.lesion, set()).add(fact.value.get("kind") or "other")
    return {lesion for lesion, found in kinds.items() if found == {"other"}}


def _same_site(a: Site, b: Site) -> bool:
    return a.region == b.region and (a.laterality is None or b.laterality is None or a.laterality == b.laterality)

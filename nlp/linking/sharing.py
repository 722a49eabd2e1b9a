"""Facts said once for several lesions, handed to each of them.

Collection gives every fact to the one lesion it was assigned; some facts speak for more:
"both wounds were closed in layers", "Pathology: both basal cell carcinoma", a Mohs title, a
procedure written once for a list (:mod:`nlp.linking.listed`), one destruction for sites listed
together (only to sites that have a lesion), one verb after several lesions ("... were excised
with 2 mm margins"), one diagnosis and size for sites listed together ("BCC, right and left
cheek").  And a closure or size that landed on a body part which is no lesion belongs to the one
treated lesion.
:func:`collect_and_build` runs collection with these hand-overs and builds the records.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from nlp import procedure_details as details
from nlp.linking.build import CLASS_ONLY_KINDS, MOHS_DONE, Collected, build_lesion, collect
from nlp.linking.clusters import untreated_sentences
from nlp.linking.facts import GENERIC_LESION, Fact, in_site_field, sentence_text, text_before, usable
from nlp.linking.listed import share_listed_procedures
from nlp.linking.treated import described_and_treated
from nlp.records import Lesion, Procedure

# A repair length stated for all the lesions together: "Total layered repair 6.2 cm", "combined length of closure 8 cm",
# also as a labelled line ("Total intermediate repair, trunk: 7.2 cm"; the colon only as the label's end).
_REPAIR_TOTAL = re.compile(r"\b(?:total|totaling|totalling|combined|summed|sum\s+of)\b[^.;:]{0,40}(?::[ \t]*)?$", re.IGNORECASE)
_ALL_LESIONS = re.compile(r"\b(?:both|all|each)\s+(?:of\s+the\s+)?(?:wounds?|defects?|sites?|lesions?|incisions?|excisions?)\b", re.IGNORECASE)
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
# "Two biopsy-proven basal cell carcinomas were treated today": a count of proven cancers that opens
# the sentence names every lesion of the note when it is their number.
_SEVERAL = ("two", "three", "four")
_PROVEN_SEVERAL = re.compile(
    r"(?:^|[.:\n]\s*)(two|three|four)\s+(?:(?:biopsy|bx|pathology|path)[- ](?:proven|proved|confirmed)\s+)(?:[a-z-]+\s+)?$",
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
# What sites listed together share ("a 1.2 cm cyst of the left and right upper back was excised",
# "BCC, right and left cheek"); a diagnosis or size only goes to a listed lesion with none of its own.
_LISTED_LABELS = _DONE_TO_SEVERAL_LABELS | {"LESION_DIAGNOSIS", "LESION_SIZE"}
_OWN_ONLY = {"LESION_DIAGNOSIS": "diagnoses", "LESION_SIZE": "sizes"}
# Where the sentence of a site ends: a full stop before a space or the end, or a line break.
_SENTENCE_END = re.compile(r"\.(?=\s|$)|\n")
# A procedure its own sentence limits to one lesion ("cryotherapy ... to the R upper back lesion
# only", "only the left cheek spot was frozen") is that lesion's, never shared with the others.
_ONE_LESION_ONLY = re.compile(
    r"\b(?:lesion|spot|site|one|area|papule|plaque|growth)\s+only\b"
    r"|\bonly\s+(?:to\s+|on\s+|at\s+)?(?:the|this|that)\s+(?:[\w-]+\s+){0,4}?(?:lesion|spot|site|one|area|papule|plaque|growth)\b",
    re.IGNORECASE,
)
# Sites listed together: "in the left calf and left thigh", "scalp, forehead and both cheeks".
# A count may close each listed site: "AKs: scalp x9 and forehead x6", "neck (20) and axillae (16)",
# "neck 10, R axilla 6", "tags of the neck (20) and of the left axilla (15)" (twenty-fourth set:
# the counted sites are still one list).
_LISTED_COUNT = r"(?:[ \t]*(?:[x×#][ \t]*\d{1,3}|\([ \t]*\d{1,3}[ \t]*\)|\d{1,3}))?"
_COORDINATION = re.compile(
    _LISTED_COUNT + r"\s*(?:,\s*(?:and\s+)?|and\s+(?:of\s+)?|&\s*|as\s+well\s+as\s+)(?:the\s+|his\s+|her\s+|both\s+)?", re.IGNORECASE
)


def collect_and_build(
    text: str,
    facts: list[Fact],
    lesion_ids: list[int],
    segments: list[tuple[int, int, int]],
    segment_of: Callable[[int], int | None],
    pending: bool,
    mohs_done: bool,
) -> tuple[dict[int, Collected], list[Fact], dict[int, Lesion]]:
    """Collect every fact into its lesion's state and build one record per lesion.

    ``segment_of`` gives the lesion number of the marker segment at an offset (a procedure named
    in the lesion's own numbered item is its title).
    """
    collected = {i: Collected() for i in lesion_ids}
    shared: list[Fact] = []
    waiting = untreated_sentences(facts)
    for fact in facts:
        if fact.lesion is None:
            shared.append(fact)
            continue
        if fact.label == "WOUND_LENGTH" and _REPAIR_TOTAL.search(text_before(text, fact)[-60:]):
            # "Total layered repair 6.2 cm": a sum over the lesions, which the lesion's own length beats
            collect(collected[fact.lesion], fact, text, total=True)
            continue
        in_item = segment_of(fact.mention.start) == fact.lesion
        collect(collected[fact.lesion], fact, text, in_item=in_item)
        if fact.label == "LESION_DIAGNOSIS" and fact.sentence in waiting:
            collected[fact.lesion].waiting_diagnoses.add(fact.mention.start)
        if fact.label == "PROCEDURE" and not fact.value.get("weak") and usable(fact) and in_item:
            collected[fact.lesion].titled.add(fact.value.get("kind") or "other")
    for fact in shared:  # facts that speak for every lesion ("both wounds were closed in layers")
        if fact.label == "CLOSURE_TYPE" and _ALL_LESIONS.search(sentence_text(text, fact)):
            for state in collected.values():
                collect(state, fact, text)
    for fact, others in _closure_for_all_in_a_segment(text, facts, collected):
        for index in others:
            collect(collected[index], fact, text)
    share_listed_procedures(collected, facts, shared, segments, text)
    if mohs_done:
        _share_mohs_title(collected, facts, shared, text)
    if len(collected) >= 2:
        for fact in facts:  # "Pathology: both basal cell carcinoma"
            if (
                fact.label == "LESION_DIAGNOSIS"
                and _SHARED_DIAGNOSIS.search(text_before(text, fact)[-40:])
                and not _counts_several(text, collected.get(fact.lesion))  # type: ignore[arg-type]
            ):
                for index, state in collected.items():
                    if index != fact.lesion:
                        collect(state, fact, text)
        for fact in facts:  # "Two biopsy-confirmed basal cell carcinomas were treated today."
            counted = _PROVEN_SEVERAL.search(text_before(text, fact)[-60:]) if fact.label == "LESION_DIAGNOSIS" else None
            if counted and _SEVERAL.index(counted.group(1).lower()) + 2 == len(collected):
                for index, state in collected.items():
                    if index != fact.lesion and not state.diagnoses:
                        collect(state, fact, text)
        for fact, others in _done_to_several(text, facts):
            for index in others:
                if fact.label in _OWN_ONLY and getattr(collected[index], _OWN_ONLY[fact.label]):
                    continue
                collect(collected[index], fact, text)
        for fact, index in _more_of_the_same(text, facts, collected):
            collect(collected[index], fact, text)
    return collected, shared, {index: build_lesion(index, state, pending, mohs_done) for index, state in collected.items()}


# "A further six in the groin", "another 4 on the chest", "three more from the back": a count of more
# of the lesions just named, with the site's preposition between
_MORE_OF_THEM = (
    re.compile(r"\b(?:further|another|additional)\s+([\w-]+)\s+(?:\w+\s+){0,3}?$", re.IGNORECASE),
    re.compile(r"\b([\w-]+)\s+(?:more|further|additional)\s+(?:\w+\s+){0,3}?$", re.IGNORECASE),
)
_MORE_REACH = 300
"""How far back (characters) the lesions a "further six" adds to may be named."""


def _more_of_the_same(text: str, facts: list[Fact], collected: dict[int, Collected]) -> list[tuple[Fact, int]]:
    """Diagnoses for sites counted as more of the lesions named just before ("A further six in the groin").

    "The skin tags on her neck were removed, eleven in all. A further six in the groin were
    removed with cautery": the six are more skin tags, though their sentence names no diagnosis.
    The site's lesion, with no diagnosis of its own, takes the diagnosis written last before it.
    """
    diagnoses = sorted(
        (f for f in facts if f.label == "LESION_DIAGNOSIS" and f.lesion is not None and usable(f)), key=lambda f: f.mention.start
    )
    out = []
    for fact in facts:
        if fact.label != "ANATOMIC_SITE" or fact.lesion not in collected or collected[fact.lesion].diagnoses or not usable(fact):
            continue
        clause = max(text.rfind(".", 0, fact.mention.start), text.rfind("\n", 0, fact.mention.start)) + 1
        found = (pattern.search(text, max(clause, fact.mention.start - 50), fact.mention.start) for pattern in _MORE_OF_THEM)
        match = next((m for m in found if m is not None and details.number(m.group(1)) is not None), None)
        if match is None:
            continue
        before = [f for f in diagnoses if fact.mention.start - _MORE_REACH <= f.mention.end <= match.start() and f.lesion != fact.lesion]
        if before:
            out.append((before[-1], fact.lesion))
    return out


def _counts_several(text: str, state: Collected | None) -> bool:
    """Whether a lesion's own words count several lesions ("AKs x2", "R hand: 2 scaly papules").

    Then "both" or "all" before its diagnosis ("LN2 to both AKs") are that lesion's own, not every
    lesion of the note: the seborrheic keratoses of the back are not actinic keratoses because the
    two of the hand are.
    """
    if state is None:
        return False
    counts = [details.site_count(text, site.span.start, site.span.end) for site in state.sites]
    counts += [details.diagnosis_count(text, d.span.start, d.span.end) for _, d in state.diagnoses]
    return any(count and count >= 2 for count in counts)


def _share_mohs_title(collected: dict[int, Collected], facts: list[Fact], shared: list[Fact], text: str) -> None:
    """A Mohs title no lesion took ("Mohs surgery report.") goes to the lesion the Mohs work was done on.

    That lesion has a procedure word in a sentence that describes a Mohs stage or its blocks ("the
    first stage excised with a 2 mm margin, then cut into six blocks"); another lesion of the note
    (a biopsy while the patient waits) keeps its own procedure.
    """
    titles = [f for f in shared if f.label == "PROCEDURE" and f.value.get("kind") == "mohs" and usable(f)]
    if not titles:
        return
    cues = [m.start() for m in MOHS_DONE.finditer(text)]
    owners = {
        f.lesion for f in facts
        if f.label == "PROCEDURE" and f.lesion in collected and f.sentence_span is not None and usable(f)
        and any(f.sentence_span[0] <= cue < f.sentence_span[1] for cue in cues)
    }
    for index in owners:
        for fact in titles:
            collect(collected[index], fact, text)  # type: ignore[index]


def _closure_for_all_in_a_segment(text: str, facts: list[Fact], collected: dict[int, Collected]) -> list[tuple[Fact, set[int]]]:
    """A closure said of every wound in a sentence that names no site, which the last lesion's
    segment took ("First, ...: 2.0 cm. Second, ...: 2.4 cm. Both wounds closed in layers."): the
    other lesions' closure too."""
    sited = {f.sentence for f in facts if f.label == "ANATOMIC_SITE" and usable(f)}
    return [
        (fact, set(collected) - {fact.lesion})
        for fact in facts
        if fact.label == "CLOSURE_TYPE" and fact.lesion is not None and usable(fact) and fact.sentence not in sited
        and len(collected) >= 2 and _ALL_LESIONS.search(sentence_text(text, fact))
    ]


def _done_to_several(text: str, facts: list[Fact]) -> list[tuple[Fact, set[int]]]:
    """Facts said once for several lesions, with the other lesions.

    Either a procedure or margin with a plural verb after the lesions ("... and a 5 mm nevus on
    the right shin were excised with 2 mm margins"), or a procedure, margin, diagnosis or size at
    sites listed together ("A 3 mm punch biopsy was performed in the left calf and left thigh":
    two biopsies; "a 1.2 cm cyst of the left and right upper back was excised": two cysts).
    """
    sites_by_sentence: dict[int, list[Fact]] = {}
    for fact in facts:
        if fact.label == "ANATOMIC_SITE" and fact.lesion is not None and usable(fact):
            sites_by_sentence.setdefault(fact.sentence, []).append(fact)
    out = []
    for fact in facts:
        if fact.label not in _LISTED_LABELS:
            continue
        sites = sites_by_sentence.get(fact.sentence, [])
        named = {site.lesion for site in sites}
        if len(named) < 2 or fact.lesion not in named:
            continue
        cue = _PLURAL_DONE.search(sentence_text(text, fact)) if fact.label in _DONE_TO_SEVERAL_LABELS else None
        if cue is not None and (fact.sentence_span is None or fact.sentence_span[0] + cue.start() <= fact.mention.start):
            out.append((fact, named - {fact.lesion}))  # type: ignore[operator]
        else:
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
        if _COORDINATION.fullmatch(between) or _counted_coordination(between):
            groups[-1].append(site)
        else:
            groups.append([site])
    for group in groups:
        lesions = {site.lesion for site in group}
        if lesion in lesions and len(lesions) >= 2:
            return lesions - {lesion}  # type: ignore[return-value]
    return set()


# A count written after each site of a list ("right groin seven, left groin six", "right axilla
# x 4, left axilla x 3", "neck (9), chest (4)"): the sites still stand in one list.
_SITE_COUNT = re.compile(
    r"\s*(?::\s*)?(?:(?:x|×)\s*\d{1,2}|\(\s*\d{1,2}\s*\)|\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty)(?=[\s,;&]|and\b)",
    re.IGNORECASE,
)


def _counted_coordination(between: str) -> bool:
    """Whether the text between two sites is a count of the first, then the words that list them."""
    count = _SITE_COUNT.match(between)
    return count is not None and _COORDINATION.fullmatch(between, count.end()) is not None


def stranded_facts_to_the_one_lesion(facts: list[Fact], built: dict[int, Lesion]) -> bool:
    """Give facts that landed on a body part which is no lesion to the one treated lesion.

    "... a melolabial interpolation flap ..., leaving the pedicle bridging the cheek" and "a
    1.8 cm nodule that is tender when she rests her arm on the desk": the cheek and the arm
    are no lesions (nothing names, treats or diagnoses anything there), so the flap and the size
    are the treated lesion's.  Only a field the lesion lacks is filled (a flap named beside the
    closure actually used, "a forehead flap ... she declined", stays where it is), and with several
    treated lesions the owner is not known, so nothing moves.  Returns whether a fact moved (the
    records must then be built again).
    """
    treated = [index for index, lesion in built.items() if described_and_treated(lesion)]
    if len(treated) != 1:
        return False
    owner = built[treated[0]]
    bare = {index for index, lesion in built.items() if index != treated[0] and lesion.procedure is None and not lesion.diagnoses}
    moved = False
    for fact in facts:
        field_name = _STRANDED_FIELDS.get(fact.label)
        if field_name and fact.lesion in bare and getattr(owner, field_name) is None and usable(fact):
            fact.lesion = treated[0]
            moved = True
    return moved


def site_for_the_siteless_lesion(facts: list[Fact], built: dict[int, Lesion], collected: dict[int, Collected]) -> bool:
    """Give a measured site that nothing is done to the one treated lesion that has no site.

    "Ext: R lower lid: 4 mm papule at the lash line. Neck: 8 skin tags. Proc 1: shave bx of the
    margin lesion. Proc 2: all 8 tags snipped": the procedure item names no site, and the exam
    measured one lesion at a site yet diagnoses and treats nothing there, so that site is the
    biopsied lesion's.  Only when each side is alone (one treated, measured lesion without a
    site that is no counted tag or destruction, one measured site without a diagnosis or a
    procedure, named before it and neither left alone nor deferred): with more, which goes with
    which is not known.  Returns whether facts moved (the records must then be built again).
    """
    siteless = [
        index for index, lesion in built.items()
        if lesion.site is None and described_and_treated(lesion) and not details.is_counted(lesion)
    ]
    bare = [
        index for index, lesion in built.items()
        if lesion.site is not None and lesion.procedure is None and not lesion.diagnoses and lesion.lesion_size is not None
        and not collected[index].untreated and not collected[index].deferred
    ]
    if len(siteless) != 1 or len(bare) != 1:
        return False
    owner, site = built[siteless[0]], built[bare[0]].site
    assert owner.procedure is not None and site is not None
    if site.span.start > owner.procedure.span.start:
        return False
    for fact in facts:
        if fact.lesion == bare[0]:
            fact.lesion = siteless[0]
    return True


def share_counted_procedure(
    built: dict[int, Lesion], collected: dict[int, Collected], shared: list[Fact], text: str, split_from: dict[int, int] | None = None
) -> None:
    """Sites listed for one destruction or skin-tag removal share its procedure and diagnosis.

    "Cryotherapy to AKs of the scalp (10) and forehead (6)": the procedure and diagnosis sit
    with one site (or none), yet every listed site is a treated lesion of the same kind.  Only a
    site the note says has a lesion takes a share (:func:`_names_a_lesion`): "runny nose", "Neck
    is supple" or "a pillow between the knees" name body parts, never one more lesion.  A
    lesion split from a list item (``split_from``, see
    :func:`nlp.linking.clusters.split_counted_items`) takes its item's procedure and diagnosis.  A
    destruction of a cancer and one of benign or premalignant lesions are different procedures
    (coded by the cancer's diameter, or by count): "SCCIS, L hand - ED&C" does not treat the
    seborrheic keratoses of the back, nor "LN2 to the AKs" a BCC left for another day.  A
    procedure its sentence limits to one lesion ("cryotherapy to the R upper back lesion only")
    is never shared: the skin tags described beside it were not treated.
    """
    for index, item in (split_from or {}).items():
        lesion, origin = built.get(index), built.get(item)
        if lesion is None or origin is None or origin.procedure is None or origin.procedure.kind not in details.COUNTED_KINDS | {"excision"}:
            continue
        if lesion.procedure is None:
            lesion.procedure = origin.procedure
        if not lesion.diagnoses and origin.diagnosis is not None:
            lesion.diagnosis, lesion.diagnoses = origin.diagnosis, [origin.diagnosis]
    # The diagnosis of a lesion the note leaves alone ("scattered SKs on the back, reassured") says
    # nothing about what the removal or destruction was done to.
    loose = Collected()
    for fact in shared:
        if fact.label == "PROCEDURE" or (fact.label == "LESION_DIAGNOSIS" and "NOT_TREATED" not in fact.modifiers):
            collect(loose, fact, text)
    owned = [(built[index], state) for index, state in collected.items()] + [(None, loose)]
    kinds = details.COUNTED_KINDS
    diagnosed = [state for _, state in owned if not state.untreated]
    diagnoses = [d for state in diagnosed for _, d in state.diagnoses if d.certain]
    if diagnoses and all(d.kind == "skin_tag" for d in diagnoses):
        kinds = kinds | {"excision"}  # "Removal of skin tags by scissor excision": the removal is the tags'
    # (weak, procedure, whether the lesion it was named for is a cancer: None when unknown)
    # An excision named for a lesion that is no skin tag ("Excision of epidermoid cyst, posterior
    # neck" beside "a few skin tags on the lateral neck") is that lesion's, never a tag removal.
    named = [
        (weak, p, details.malignant(owner), {d.kind for _, d in state.diagnoses})
        for owner, state in owned
        for weak, p in state.procedures
        if p.kind in kinds and (p.kind != "excision" or not _other_diagnosis(owner))
    ]
    # A weak word ("the pus was expressed") stands for the procedure when no stronger one names it.
    counted = [(p, malignant, dx) for weak, p, malignant, dx in named if not weak] or [(p, malignant, dx) for _, p, malignant, dx in named]
    counted = [(p, malignant, dx) for p, malignant, dx in counted if not _one_lesion_only(text, p)]
    if not counted:
        return
    # When every diagnosis is a skin tag, a removal the note calls an excision counts tags too: "Skin tags
    # were removed from the neck (10) and chest (8)" gives the chest the tags the sentence names first.
    donors = [lesion for lesion in built.values() if lesion.procedure is not None and lesion.procedure.kind in kinds]
    # A lesion biopsied or excised at the same visit is not one of the destroyed lesions, so its
    # diagnosis ("Shave bx ... Path: SCC" beside "AKs: forehead x4, L cheek x2. LN2") is not theirs.
    bystanders = [state for owner, state in owned if not state.untreated and not _other_family(owner, kinds)]
    # A diagnosis that names only the class ("destruction of premalignant lesions") gives way to one
    # the note names ("Diagnosis: Actinic keratoses").
    candidates = [lesion.diagnosis for lesion in donors if lesion.diagnosis] + [d for state in bystanders for _, d in state.diagnoses if d.certain]
    diagnosis = next((d for d in candidates if d.kind not in CLASS_ONLY_KINDS), None) or next(iter(candidates), None)
    left_kinds = _kinds_left_alone(built, collected, shared)
    for index, lesion in built.items():
        if lesion.site is None or (lesion.procedure is not None and lesion.procedure.kind not in details.COUNTED_KINDS | {"excision"}):
            continue
        own = lesion.procedure is not None and any(
            p is lesion.procedure and (not weak or _excised_for_itself(lesion, p)) for weak, p in collected[index].procedures
        )
        if not own and (collected[index].untreated or (collected[index].deferred and lesion.procedure is None)):
            continue  # "SKs - reassurance only, no tx today", "biopsy at the next visit": not one of the destroyed lesions
        if not own and lesion.diagnoses and all(d.kind in left_kinds for d in lesion.diagnoses):
            continue  # "skin tags on the neck ... 2. Skin tags - declined. Not removed.": the plan leaves them alone
        if not own and not _names_a_lesion(text, collected[index]):
            continue  # "it feels like it is in his chest", "Neck is supple": a body part, not one of the destroyed lesions
        malignant = details.malignant(lesion)
        if not own:
            # else a procedure named outright at that site ("Excision") stays
            kind = lesion.diagnosis.kind if lesion.diagnosis is not None else None
            fitting = [(p, dx) for p, owner, dx in counted if owner is None or malignant is None or owner == malignant]
            if not fitting:
                continue
            # Two counted procedures at one visit ("tags snipped ... cryotherapy of AKs of the scalp and
            # forehead"): a lesion takes the one named with its own kind of diagnosis, if any.
            lesion.procedure = next((p for p, dx in fitting if kind in dx), fitting[0][0])
        if diagnosis is None or lesion.procedure.kind not in kinds:
            continue
        if not lesion.diagnoses:
            lesion.diagnosis, lesion.diagnoses = diagnosis, [diagnosis]
        elif all(d.kind in CLASS_ONLY_KINDS for d in lesion.diagnoses) and diagnosis.kind not in CLASS_ONLY_KINDS:
            lesion.diagnosis, lesion.diagnoses = diagnosis, [diagnosis, *lesion.diagnoses]


def _kinds_left_alone(built: dict[int, Lesion], collected: dict[int, Collected], shared: list[Fact]) -> set[str]:
    """Diagnosis kinds a plan says were left alone without naming a site ("2. Skin tags - not covered. Not removed.").

    The exam describes the lesions at their site; the plan item, naming only their diagnosis, says
    they were not treated. That item is a lesion of no site (or joins none), so its mark would not
    reach the described lesions; by its kind it keeps them from a share of another lesion's
    destruction (twenty-first set).
    """
    kinds = {
        d.kind for index, lesion in built.items() if lesion.site is None and collected[index].untreated for d in lesion.diagnoses
    }
    kinds |= {
        (f.mention.value or {}).get("kind") or "" for f in shared
        if f.label == "LESION_DIAGNOSIS" and f.lesion is None and "NOT_TREATED" in f.modifiers
    }
    return kinds - {""}


def _one_lesion_only(text: str, procedure: Procedure) -> bool:
    """Whether the procedure's sentence limits it to one lesion (see ``_ONE_LESION_ONLY``)."""
    start = max(text.rfind(". ", 0, procedure.span.start) + 1, text.rfind("\n", 0, procedure.span.start) + 1)
    end = _SENTENCE_END.search(text, procedure.span.end)
    return bool(_ONE_LESION_ONLY.search(text, start, end.start() if end else len(text)))


def _names_a_lesion(text: str, state: Collected) -> bool:
    """Whether the note says there is a lesion at this site: a diagnosis, a size, a count written
    at the site ("forehead x3"), a generic lesion word in its sentence ("a scaly papule on the nose")
    or a template field that lists the sites treated ("Sites: neck, bilateral axillae").

    A body part named in a review of systems, an exam line or the story ("runny nose", "Neck is
    supple", "the cough is in his chest") is none, and takes no share of the visit's destruction.
    """
    if state.diagnoses or state.sizes:
        return True
    for site in state.sites:
        if details.site_count(text, site.span.start, site.span.end) or in_site_field(text, site.span.start):
            return True
        start = max(text.rfind(". ", 0, site.span.start) + 1, text.rfind("\n", 0, site.span.start) + 1)
        end = _SENTENCE_END.search(text, site.span.end)
        if GENERIC_LESION.search(text, start, end.start() if end else len(text)):
            return True
    return False


# Lesions a clinic destroys or snips by count; a weak removal word beside one of these may be theirs.
_COUNTED_DIAGNOSES = frozenset({
    "actinic_keratosis", "seborrheic_keratosis", "irritated_seborrheic_keratosis", "wart", "common_wart", "plantar_wart",
    "molluscum_contagiosum", "skin_tag", "hemangioma",
})


def _excised_for_itself(lesion: Lesion, procedure: Procedure) -> bool:
    """Whether a weak excision word is the lesion's own: "epidermoid cyst ... sac dissected out whole" beside
    "6 skin tags, clipped at the stalk" is the cyst's excision, not one more tag removal."""
    return procedure.kind == "excision" and bool(lesion.diagnoses) and all(d.kind not in _COUNTED_DIAGNOSES for d in lesion.diagnoses)


def _other_diagnosis(lesion: Lesion | None) -> bool:
    """Whether a lesion is diagnosed as something other than a skin tag (its excision is its own)."""
    return lesion is not None and bool(lesion.diagnoses) and all(d.kind != "skin_tag" for d in lesion.diagnoses)


def _other_family(lesion: Lesion | None, counted: frozenset[str] = details.COUNTED_KINDS) -> bool:
    """Whether a lesion has a procedure of its own that is no destruction or removal counted by lesions (``counted`` kinds)."""
    return lesion is not None and lesion.procedure is not None and lesion.procedure.kind not in counted | {"other"}

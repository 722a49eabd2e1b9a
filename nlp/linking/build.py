"""Step 4: one record per lesion from the facts linked to it.

:class:`Collected` gathers everything linked to one lesion; :func:`build_lesion` then picks by
precedence: the diagnosis by source (pathology > postoperative > clinical > preoperative; the
patient's own quoted word last),
the procedure by kind (Mohs > re-excision > excision), the largest operative lesion size, the
narrowest margin, the most complex closure.  :func:`with_details` adds what the coding layer
needs beyond that (:mod:`nlp.procedure_details`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from nlp import procedure_details as details
from nlp.casefold_scan import case_sensitive
from nlp.cues import default_cues
from nlp.linking.facts import NARRATIVE_SECTIONS, PATHOLOGY_SECTIONS, Fact, ignored_section, sentence_text, text_before, usable
from nlp.linking.intent import names_the_biopsy, sampling_purpose, saucerization_removes
from nlp.linking.pathology import diagnosis_source, prior_biopsy_named
from nlp.records import Closure, Diagnosis, Lesion, Measure, Mention, Procedure, Site, Span

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
# Mohs was done (not just offered) when the note speaks of its stages, layers or blocks
# (resources/linking_cues.json, ``mohs.done``).
MOHS_DONE = default_cues().regex("mohs.done")
_MOHS_DONE_CASED = case_sensitive(MOHS_DONE)
# A lesion "removed" / "taken off" with a blade held flat, or flush with the skin, was shaved off,
# not excised; scissors in the sentence make it a snip (resources/linking_cues.json, ``procedure.*``).
_FLAT_BLADE = default_cues().regex("procedure.flat_blade")
_SCISSORS = default_cues().regex("procedure.scissors")
# The plain removal words a flat blade can turn into a shave ("delivered", "enucleated" cannot).
_PLAIN_REMOVAL = re.compile(r"(?:removal|removed|took\s+off|taken\s+off|take\s+off|taking\s+off)", re.IGNORECASE)
# Excision words that name only the shape of the cut ("an ellipse through the dermis", "removed in
# an elliptical fashion"): beside an incisional biopsy they are the shape of the wedge it took.
_SHAPE_ONLY = re.compile(r"(?:removed\s+in\s+an\s+)?(?:el+ipses?|el+iptical\s+fashion)", re.IGNORECASE)
SOFT_TISSUE_KINDS = frozenset({"lipoma", "soft_tissue_mass"})
# The closure details that say which kind of skin graft was used (targets/closures.json).
GRAFT_THICKNESS = frozenset({"full_thickness", "split_thickness"})
# The note's procedure title ("PROCEDURES PERFORMED: 1. ... 2. ..."): it lists what the visit was for.
TITLE_SECTIONS = frozenset({"procedure"})
# The account of the work under a title ("DESCRIPTION OF PROCEDURE"): where a listed procedure is
# said not to have been done.  A pathology or plan line ("No re-exc needed") speaks of the next step.
ACCOUNT_SECTIONS = frozenset({"description"})
# ConText's cue for a procedure done to sample a lesion for a diagnosis ("shaved it for pathology").
DIAGNOSTIC_INTENT = "DIAGNOSTIC_INTENT"


def mohs_performed(text: str, lower: str, facts: Iterable[Fact]) -> bool:
    """Whether the note did Mohs today rather than offer it (``lower`` is ``text.lower()``).

    Mohs must be named, outright or by what defines it ("the surgeon acted as both surgeon and
    pathologist"), and its stages, layers or blocks described (``MOHS_DONE``).
    """
    mohs_named = "mohs" in lower or any(f.label == "PROCEDURE" and f.value.get("kind") == "mohs" and usable(f) for f in facts)
    if mohs_named and text.isascii() and len(lower) == len(text):
        return bool(_MOHS_DONE_CASED.search(lower))  # the same answer, found faster (nlp.casefold_scan)
    return mohs_named and bool(MOHS_DONE.search(text))


@dataclass
class Collected:
    """Everything linked to one lesion, before the record picks its facts by precedence."""

    diagnoses: list[tuple[float, Diagnosis]] = field(default_factory=list)
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
    # a diagnosis the note leaves alone ("SKs - reassurance only, no tx today"), or a procedure it
    # declines or puts off for this lesion ("Bx offered, pt declined")
    untreated: bool = False
    # a procedure of another family only planned or declined ("punch biopsy recommended ... bx at next
    # visit"): the lesion waits for it, so it does not share the visit's destruction or skin-tag removal
    deferred: bool = False
    # a procedure sentence gives a diagnostic purpose ("deep saucerization for dx"): see nlp.linking.intent
    sampled: bool = False
    # a plain biopsy word ("bx x2 (shave)") names what was done to the lesion: see nlp.linking.intent
    biopsy_named: bool = False
    # procedure kinds the body says were not done to the lesion ("so the punch biopsy was not done"),
    # and the kinds it asserts outside the procedure title: see build_lesion
    undone: set[str] = field(default_factory=set)
    done_in_body: set[str] = field(default_factory=set)
    # the sentences that name the lesion's site, and the sentence of each diagnosis (by its start):
    # among diagnoses of one rank, the one written with the site describes the lesion ("R upper back:
    # 1.1 cm ... irritated SK"), not a word of the visit's story ("also asks about the tags")
    site_sentences: set[tuple[int, int]] = field(default_factory=set)
    diagnosis_sentences: dict[int, tuple[int, int] | None] = field(default_factory=dict)
    # diagnoses (by start) named in a sentence whose procedures are all planned or declined ("Tags:
    # we talked about snip removal"): a lesion left for later, so the last choice among clinical words
    waiting_diagnoses: set[int] = field(default_factory=set)


_FINAL_DX = re.compile(r"\bfinal\s+(?:pathologic(?:al)?\s+)?(?:diagnosis|dx|path(?:ology)?)\b", re.IGNORECASE)
_SOURCE_RANK = {"pathology": 0, "postoperative": 1, "clinical": 2, "preoperative": 3}
_ITEM_RANK = 1.5  # a clinical or preoperative diagnosis in the lesion's own list item: after postoperative, before the rest
# A diagnosis word inside quotation marks is the patient's own ("CC: \"a mole by my scar\""): it names
# the lesion only when no clinician's diagnosis does, even a doubtful one ("r/o dysplastic nevus").
_QUOTED_RANK = 10
_QUOTES = re.compile(r'["\u201c\u201d]')
# Diagnoses that name only a class of lesion ("destruction of premalignant lesions"): any named
# diagnosis of the lesion ("actinic keratoses") says more, whatever its source.
CLASS_ONLY_KINDS = frozenset({"premalignant_lesion"})


def _quoted(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` stands between an opening and a closing quotation mark of its line."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    before = len(_QUOTES.findall(text, line_start, start))
    return before % 2 == 1 and _QUOTES.search(text, end, line_end if line_end != -1 else len(text)) is not None


# "The lesion measured 1 cm in diameter", "the lesion is a 1.0 cm pink patch": an explicit statement
# of the lesion's size, which beats a size from a title or list item in the same rank of section
# ("Excision of plantar ulceration 3 cm x 1 cm in size", where 3 cm is the ellipse) and a wound's
# size read as one ("the wound, now about 1.6 cm across").
_MEASURED_LESION = re.compile(
    r"\b(?:(?:the|this|that|her|his|its)\s+(?:[\w-]+\s+){0,3}?(?:lesions?|tumou?rs?|mass|masses|nev(?:us|i)|naev(?:us|i)|moles?|cysts?"
    r"|lipomas?|growths?|nodules?|papules?|plaques?|carcinomas?|melanomas?|keratos[ie]s|granulomas?|ulcers?|ulcerations?)|it)"
    r"\s+(?:itself\s+)?(?:(?:was|is)\s+)?(?:clinically\s+)?(?:measured|measures|measuring|measure|was|is)"
    r"\s+(?:(?:approximately|about|roughly|at|to\s+be|up\s+to|~|an?)\s+)*$",
    re.IGNORECASE,
)
_SIZE_SECTION_RANK = {"description": 0, "procedure": 0, "findings": 0, "closure": 0, None: 0}


def collect(state: Collected, fact: Fact, text: str, *, total: bool = False, in_item: bool = False) -> None:
    """Add one fact to its lesion's ``state``; ``total`` marks a repair length stated for all the
    lesions together, ``in_item`` a fact in the lesion's own numbered or lettered item."""
    if not usable(fact):
        m = fact.mention
        if m.label == "PROCEDURE" and (m.negated or m.hypothetical) and not (m.historical or m.family or ignored_section(fact)):
            # A procedure declined or put off for this lesion says it is not one of the lesions the
            # visit destroyed or removed, so it does not share their procedure: its own destruction
            # ("SKs on the back: pt declined cryo") leaves it alone; another family's ("? BCC. Bx
            # offered, pt declined", "punch bx at next visit") leaves it waiting for that one.
            if (m.value or {}).get("kind") in details.COUNTED_KINDS:
                state.untreated = True
            else:
                state.deferred = True
            if m.negated and m.section in ACCOUNT_SECTIONS:
                state.undone.add((m.value or {}).get("kind") or "other")
        return
    if "NOT_TREATED" in fact.modifiers and fact.label == "PROCEDURE":
        # only linking marks a procedure so ("Tags: ... tag removal is cosmetic. Not done.",
        # nlp.linking.left_alone): named, not done to this lesion
        state.untreated = True
        return
    if "NOT_TREATED" in fact.modifiers and fact.label == "ANATOMIC_SITE":
        state.untreated = True  # "Not treated: 2 faint pink macules on the nose"
    m = fact.mention
    value = m.value or {}
    span = Span(m.start, m.end, m.text)
    if m.label == "ANATOMIC_SITE":
        if fact.sentence_span is not None:
            state.site_sentences.add(fact.sentence_span)
        state.sites.append(
            Site(
                text=m.text, region=value.get("region") or "", span=span, subsite=value.get("subsite"),
                laterality=value.get("laterality"), eyelid_part=value.get("eyelid_part"),
            )
        )
    elif m.label == "LESION_DIAGNOSIS":
        source = diagnosis_source(fact, text)
        prior = "PRIOR_BIOPSY" in fact.modifiers or (source != "pathology" and prior_biopsy_named(text, fact))
        if prior and value.get("behaviour") == "malignant":
            state.prior_biopsy = True
        if "NOT_TREATED" in fact.modifiers:
            state.untreated = True
        diagnosis = Diagnosis(
            text=m.text, kind=value.get("kind") or "skin_lesion_nos", behaviour=value.get("behaviour") or "unknown",
            source=source, span=span, certain=not m.uncertain,
        )
        rank: float = _SOURCE_RANK[source]
        if source == "pathology" and (m.section == "addendum" or _FINAL_DX.search(text_before(text, fact))):
            rank = -1  # an addendum or a "Final diagnosis" revises the preliminary report
        elif in_item and source in ("clinical", "preoperative"):
            # "2. SCCIS, L dorsal hand - ED&C": what the lesion's own item calls it beats a story
            # sentence that names it beside another lesion ("here for cyst removal and tx of SCCIS L hand")
            rank = _ITEM_RANK + _SOURCE_RANK[source] / 10  # among the item's own: clinical, then preoperative
        if source in ("clinical", "preoperative") and _quoted(text, m.start, m.end):
            rank = _QUOTED_RANK
        state.diagnoses.append((rank, diagnosis))
        state.diagnosis_sentences[m.start] = fact.sentence_span
    elif m.label == "PROCEDURE":
        if value.get("weak") and m.section in NARRATIVE_SECTIONS:
            return  # "it drained foul material twice last winter": the story, not today's procedure
        kind = value.get("kind") or "other"
        # "PATHOLOGY: A) SKIN, CHIN, SHAVE BIOPSY: INTRADERMAL NEVUS": the report's heading names the
        # specimen, not what was done (a cosmetic shave removal is reported under "SHAVE BIOPSY"), so
        # it stands for the procedure only when nothing else names it (GUIDELINES 18th set, 5).
        from_report = m.section in PATHOLOGY_SECTIONS
        if kind == "shave" and DIAGNOSTIC_INTENT in fact.modifiers and len(m.text.split()) == 1:
            # "shaved it for pathology", "shaved for diagnosis": sampled for a diagnosis, so a
            # tangential biopsy, not a shave removal (coding-rules 3.2: by intent).  A removal word
            # ("shave removal", "shaved off") names its own intent.
            kind = "biopsy_tangential"
        if value.get("weak") and kind == "excision" and _PLAIN_REMOVAL.fullmatch(m.text.strip()):
            sentence = sentence_text(text, fact)
            if _FLAT_BLADE.search(sentence) and not _SCISSORS.search(sentence):
                # "removed flush with the skin with a flexible razor blade": a shave removal (a
                # biopsy word for the lesion still makes it a tangential biopsy, below)
                kind = "shave"
        state.procedures.append((bool(value.get("weak")) or from_report, Procedure(kind=kind, text=m.text, span=span)))
        if m.section not in TITLE_SECTIONS:
            state.done_in_body.add(value.get("kind") or "other")
        if value.get("weak") and kind == "biopsy_tangential" and not from_report and names_the_biopsy(text_before(text, fact)):
            state.biopsy_named = True
        if kind in ("shave", "biopsy_tangential") and sampling_purpose(sentence_text(text, fact)):
            state.sampled = True
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
            explicit = bool(_MEASURED_LESION.search(text_before(text, fact)))
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


def _with_site(state: Collected, diagnosis: Diagnosis) -> bool:
    """Whether a diagnosis is written in a sentence that names its lesion's site."""
    return state.diagnosis_sentences.get(diagnosis.span.start) in state.site_sentences


def _waiting(state: Collected, diagnosis: Diagnosis) -> bool:
    """Whether a clinical or preoperative diagnosis names a lesion only planned or declined for treatment."""
    return diagnosis.source in ("clinical", "preoperative") and diagnosis.span.start in state.waiting_diagnoses


def build_lesion(index: int, state: Collected, pathology_pending: bool, mohs_done: bool) -> Lesion:
    """The record of lesion ``index``: each field picked from ``state`` by precedence."""
    lesion = Lesion(index=index)
    if state.sites:
        # The most informative mention: with laterality and subsite if any mention has them.  One side
        # beats "bilateral": "bilat shins, rt (F) and lt (G)" names the pair, "F (rt shin)" this lesion's side.
        best = max(
            state.sites,
            key=lambda s: (s.laterality is not None, s.laterality != "bilateral", s.subsite is not None, s.eyelid_part is not None, len(s.text)),
        )
        laterality = best.laterality or next((s.laterality for s in state.sites if s.laterality), None)
        part = best.eyelid_part or next((s.eyelid_part for s in state.sites if s.eyelid_part), None)
        lesion.site = replace(best, laterality=laterality, eyelid_part=part)
    if state.diagnoses:
        # The patient's own word ("a mole by my scar") names the lesion only when the clinician does not.
        ordered = sorted(
            state.diagnoses,
            key=lambda item: (
                item[0] >= _QUOTED_RANK, item[1].kind in CLASS_ONLY_KINDS, not item[1].certain, _waiting(state, item[1]), item[0],
                not _with_site(state, item[1]),
            ),
        )
        lesion.diagnosis = ordered[0][1]
        lesion.diagnoses = [d for _, d in sorted(state.diagnoses, key=lambda item: item[0])]
    if state.procedures and not _listed_not_done(state):
        # Weak words ("removed", "delivered intact") stand for the procedure only when nothing
        # stronger names it.
        strong = [p for weak, p in state.procedures if not weak] or [p for _, p in state.procedures]
        sampled = state.sampled or any(not d.certain for _, d in state.diagnoses)
        if saucerization_removes(state.procedures, sampled):
            # "removed by a saucerization shave at the level of the surrounding skin": a shave removal
            strong = [replace(p, kind="shave") if p.kind == "biopsy_tangential" else p for p in strong]
        kinds = [p.kind for p in strong]
        if "mohs" in kinds and not mohs_done and any(k != "mohs" for k in kinds):
            # "She preferred excision to Mohs surgery", "a shave biopsy was done; we talked about
            # Mohs if this proves to be a BCC": Mohs named as the road not taken (or the next
            # step), while no stage, layer or block says it was done today.
            kinds = [k for k in kinds if k != "mohs"]
        if "shave" in kinds and state.biopsy_named and not any(p.kind == "shave" and len(p.text.split()) > 1 for p in strong):
            # "bx x2 (shave)": a bare "shave" is the technique of the biopsy a plain biopsy word names
            strong = [replace(p, kind="biopsy_tangential") if p.kind == "shave" else p for p in strong]
            kinds = ["biopsy_tangential" if k == "shave" else k for k in kinds]
        if "shave" in kinds and "biopsy_tangential" in kinds:
            # A shave named as a removal ("Shave removal ... by deep shave (saucerization)") is one;
            # a bare "shave" beside a biopsy word ("shave, saucerization for dx") is a tangential biopsy.
            removal = any(p.kind == "shave" and len(p.text.split()) > 1 for p in strong)
            kinds = [k for k in kinds if k != ("biopsy_tangential" if removal else "shave")]
        if "biopsy_punch" in kinds and "biopsy_incisional" in kinds and not any(
            p.kind == "biopsy_incisional" and "wedge" in p.text.lower() for p in strong
        ):
            # "Incisional biopsy (6 mm punch)": the instrument decides the technique, not the heading;
            # only a wedge taken with a blade is an incisional biopsy beside a punch.
            kinds = [k for k in kinds if k != "biopsy_incisional"]
        if "biopsy_incisional" in kinds and all(_SHAPE_ONLY.fullmatch(p.text.strip()) for p in strong if p.kind == "excision"):
            # "incisional bx w/ #15 blade, ellipse thru dermis into fat at the edge of the plaque": the
            # ellipse is the shape of the biopsy, not an excision of the lesion (coding-rules 3.3)
            kinds = [k for k in kinds if k != "excision"]
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
        lesion.closure = max(state.closures, key=_closure_rank)
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


def _listed_not_done(state: Collected) -> bool:
    """A lesion whose every procedure the title lists and the body says was not done.

    "PROCEDURES PERFORMED: 2. Punch biopsy, left medial calf ... he asked us to stop, so the punch
    biopsy was not done": the title lists what was planned for the visit; a procedure the body
    negates and never asserts (outside the title) was not done, and a bare "the biopsy" beside it
    does not stand in for it (GUIDELINES, sixteenth set, decision 2).
    """
    strong = {p.kind for weak, p in state.procedures if not weak}
    return bool(strong) and strong <= state.undone and not strong & state.done_in_body


def _closure_rank(closure: Closure) -> tuple[int, bool]:
    """The most complex closure wins; of two graft mentions, the one that names the graft's thickness.

    A title's "with skin graft" (or a misspelt "full thicknes skin graft" read as "skin graft")
    and the narrative's "a full-thickness skin graft was harvested" are one graft: the coding
    layer needs the thickness to choose between the 152xx and 151xx codes.
    """
    return CLOSURE_RANK.get(closure.closure_class, 0), bool(GRAFT_THICKNESS.intersection(closure.detail))


def with_details(text: str, lesion: Lesion, segments: list[tuple[int, int, int]], *, item_names_site: bool = True) -> Lesion:
    """Add the procedure details the coding layer needs (see :mod:`nlp.procedure_details`).

    ``item_names_site`` says whether the lesion's own numbered items name a site of it; when they
    do not, the sentence that names its site is searched for involved structures as well.
    """
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
        described = "" if item_names_site else _site_sentence(text, lesion.site.span, own)
        involves = details.involved_structures(scope + described, lesion.site.region)
        if involves:
            lesion.site = replace(lesion.site, involves=involves)
    if lesion.diagnosis is not None and lesion.diagnosis.kind in SOFT_TISSUE_KINDS:
        lesion.depth = details.depth_of(scope)  # type: ignore[assignment]
    return lesion


_SENTENCE_EDGE = re.compile(r"(?<=[.;!?])\s|\n")


def _site_sentence(text: str, span: Span, own: list[tuple[int, int]]) -> str:
    """The sentence that names the lesion's site, when it lies outside the lesion's own items.

    "Ext: R lower lid: 4 mm papule straddling the lid margin. ... Proc 1: shave bx of the margin
    lesion": the structures a lesion takes in are written where it is described, which may be
    before the numbered item that treats it and names no site (the item alone is searched
    otherwise: an item that names its own site speaks for the lesion).
    """
    if not own or any(start <= span.start < end for start, end in own):
        return ""
    starts = [m.end() for m in _SENTENCE_EDGE.finditer(text, 0, span.start)]
    end = _SENTENCE_EDGE.search(text, span.end)
    return "\n" + text[starts[-1] if starts else 0 : end.start() if end else len(text)]

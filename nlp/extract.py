"""Turn a processed spaCy Doc into plain records (:class:`~nlp.records.NoteFacts`).

This is the one place where spaCy objects become data: after it, nothing needs a model.
"""

from __future__ import annotations

import re

from spacy.tokens import Doc

from nlp.cues import default_cues
from nlp.linking import Fact, link_lesions
from nlp.pipeline.doctext import doc_text, forget_text
from nlp.pipeline.performed import told_as_done
from nlp.pipeline.sections import section_at
from nlp.pipeline.sentences import drop_sentence_table, sentence_table
from nlp.pipeline.spanvalues import span_values
from nlp.pipeline.targets import ENTITY_GROUP, entity_spans, forget_entity_spans
from nlp.records import Mention, NoteFacts

HYPOTHETICAL_SECTIONS = frozenset({"plan"})
# ConText's PERFORMED cue ("I froze it once", "was treated with cryotherapy today"): a procedure
# the plan section records as done at this visit, not planned.
PERFORMED = "PERFORMED"
# Headers that make the note a discharge summary: the procedures it names were done during the
# stay and are coded from their own operative notes.
STAY_REPORT_SECTIONS = frozenset({"discharge_diagnosis", "hospital_course"})
# ... unless the summary says it is the only record of the procedure (resources/linking_cues.json,
# ``stay_report.own_record``): then it is that record, as a clinician's own account elsewhere is.
_OWN_RECORD = default_cues().regex("stay_report.own_record")
HISTORICAL_SECTIONS = frozenset({"past_history"})
FAMILY_SECTIONS = frozenset({"family_history"})
NO_MODIFIERS: frozenset[str] = frozenset()
HYPOTHETICAL = "HYPOTHETICAL"


def _done_under_plan_label(doc: Doc, found_modifiers: tuple) -> bool:
    """A procedure a "Plan:" label opens and a PERFORMED cue says was done today.

    "Plan: Shave biopsy done in the office today": ConText reads the label's "plan" as a
    hypothetical cue, but the label only names the section, and a plan section's procedure done
    at this visit counts (:data:`HYPOTHETICAL_SECTIONS`).  Any other hypothetical cue ("Plan: will
    excise if it grows") keeps the mention planned.
    """
    return any(m.category == PERFORMED for m in found_modifiers) and _only_the_plan_label(doc, found_modifiers)


def _only_the_plan_label(doc: Doc, found_modifiers: tuple | None) -> bool:
    """Whether every hypothetical cue of a mention is a section label: "Plan:", "Plan/Procedure:".

    The label names the section; whether its sentence tells the procedure as done is then the
    plan section's own question (:func:`_sentences_told_as_done`), as for a sentence after it.
    """
    cues = [m for m in found_modifiers or () if m.category == HYPOTHETICAL]
    return bool(cues) and all(m.rule.literal.lower() == "plan" and _label_colon(doc, m.modifier_span[1]) for m in cues)


def _label_end(doc: Doc, found_modifiers: tuple | None) -> int:
    """The character offset just after the last "Plan:" label cue's colon (0 if none)."""
    ends = [0]
    for m in found_modifiers or ():
        if m.category == HYPOTHETICAL and _label_colon(doc, m.modifier_span[1]):
            colon = m.modifier_span[1] + (0 if doc[m.modifier_span[1]].text == ":" else 2)
            ends.append(doc[colon].idx + 1)
    return max(ends)


def _label_colon(doc: Doc, index: int) -> bool:
    """Whether the token at ``index`` closes a label: ":", or "/ Procedure :" after "Plan"."""
    if index < len(doc) and doc[index].text == ":":
        return True
    return index + 2 < len(doc) and doc[index].text in ("/", "&") and doc[index + 1].lower_ in ("procedure", "procedures") and doc[index + 2].text == ":"


def doc_to_facts(doc: Doc) -> NoteFacts:
    """Collect mentions (with ConText flags and sections) and link them into lesions."""
    text = doc_text(doc)
    sections = list(doc._.opnote_sections or [])
    section_starts = [s[1] for s in sections]
    sentence_ids, sentence_spans, _ = sentence_table(doc)
    extensions = span_values(doc)
    stay_report = _is_stay_report(text, sections)
    facts: list[Fact] = []
    no_values: dict = {}
    done_sentences = _sentences_told_as_done(doc, text, sections, section_starts, sentence_ids, sentence_spans, extensions)
    for ent in entity_spans(doc) if ENTITY_GROUP in doc.spans else ():
        start, end = ent.start_char, ent.end_char
        sentence = int(sentence_ids[ent.start])
        get = extensions.get((start, end), no_values).get
        section = section_at(sections, start, section_starts)
        negated = bool(get("is_negated", False))
        label = ent.label_
        if label == "ANATOMIC_SITE" and negated:
            if not _negation_names_a_nearer_structure(ent, get("modifiers"), extensions, text):
                # "lid margin not involved", "away from the vermilion border": a structure the
                # lesion spared, not where it was.
                continue
            negated = False
        found_modifiers = get("modifiers")
        modifiers = frozenset([mod.category for mod in found_modifiers]) if found_modifiers else NO_MODIFIERS
        if section in HYPOTHETICAL_SECTIONS and PERFORMED not in modifiers and sentence in done_sentences:
            # "Plan: ... each tag was lifted and snipped", "Cantharidin applied to the molluscum x 12"
            modifiers = modifiers | {PERFORMED}
        mention = Mention(
            label=label,
            start=start,
            end=end,
            text=text[start:end],
            section=section,
            value=dict(get("opnote_value") or {}),
            rule=get("opnote_rule"),
            negated=negated,
            uncertain=bool(get("is_uncertain", False)),
            historical=bool(get("is_historical", False)) or section in HISTORICAL_SECTIONS or (stay_report and label == "PROCEDURE"),
            family=bool(get("is_family", False)) or section in FAMILY_SECTIONS,
            hypothetical=(
                bool(get("is_hypothetical", False))
                and not (
                    found_modifiers
                    and (_done_under_plan_label(doc, found_modifiers) or (sentence in done_sentences and _only_the_plan_label(doc, found_modifiers)))
                )
            )
            or (section in HYPOTHETICAL_SECTIONS and PERFORMED not in modifiers),
        )
        facts.append(Fact(mention=mention, sentence=sentence, modifiers=modifiers, sentence_span=sentence_spans[sentence]))
    drop_sentence_table(doc)
    forget_text(doc)
    forget_entity_spans(doc)
    lesions = link_lesions(text, facts, sections)
    for fact in facts:
        fact.mention.lesion = fact.lesion
    mentions = [fact.mention for fact in facts]
    return NoteFacts(
        text=text,
        mentions=mentions,
        lesions=lesions,
        sections=[(name, start, end) for name, start, end, _ in sections],
    )


def _is_stay_report(text: str, sections: list) -> bool:
    """A discharge summary whose procedures are reported elsewhere, so its procedure words are history.

    "No separate procedure note was written; this summary is the record of that procedure": the
    summary is the documentation of the bedside removal and is coded like a procedure note.
    """
    return any(s[0] in STAY_REPORT_SECTIONS for s in sections) and _OWN_RECORD.search(text) is None


NEGATED_EXISTENCE = "NEGATED_EXISTENCE"
_COORDINATION = re.compile(r"\b(?:and|or|nor)\b|&|/", re.IGNORECASE)


def _negation_names_a_nearer_structure(ent, found_modifiers, extensions, text: str) -> bool:
    """True when every negation cue of a site names a structure standing between them.

    "left lower eyelid, lid margin not involved": the cue's scope reaches back over the eyelid,
    but what it says was not involved is the lid margin right before it (a structure entry of
    the site lexicon), so the eyelid stays the lesion's site.  A site joined to the structure
    by a coordination ("the helix and the helical rim were spared") is negated with it.
    """
    cues = [m for m in found_modifiers or () if m.category == NEGATED_EXISTENCE]
    if not cues:
        return False
    for cue in cues:
        cue_start, cue_end = cue.modifier_span
        if cue_start >= ent.end:
            low, high = ent.end, cue_start
        elif cue_end <= ent.start:
            low, high = cue_end, ent.start
        else:
            return False
        structures = [
            t for t in cue._targets
            if t is not ent and low <= t.start and t.end <= high
            and ((extensions.get((t.start_char, t.end_char)) or {}).get("opnote_value") or {}).get("structure")
        ]
        if not structures:
            return False
        nearest = min(structures, key=lambda t: t.start) if cue_start >= ent.end else max(structures, key=lambda t: t.end)
        gap = text[ent.end_char : nearest.start_char] if cue_start >= ent.end else text[nearest.end_char : ent.start_char]
        if _COORDINATION.search(gap):
            return False
    return True


def _sentences_told_as_done(doc, text, sections, section_starts, sentence_ids, sentence_spans, extensions) -> set[int]:
    """Plan-section sentences that tell a procedure as done today (:mod:`nlp.pipeline.performed`).

    The whole sentence counts as performed, as ConText's PERFORMED cue marks every mention in its
    scope: "Cantharidin applied to the molluscum x 12" treats the molluscum, and its count is theirs.
    """
    done: set[int] = set()
    for ent in entity_spans(doc) if ENTITY_GROUP in doc.spans else ():
        if ent.label_ != "PROCEDURE" or section_at(sections, ent.start_char, section_starts) not in HYPOTHETICAL_SECTIONS:
            continue
        values = extensions.get((ent.start_char, ent.end_char), {})
        if values.get("is_hypothetical") and not _only_the_plan_label(doc, values.get("modifiers")):
            continue
        if values.get("is_negated") or values.get("is_historical"):
            continue
        sentence = int(sentence_ids[ent.start])
        start, end = sentence_spans[sentence]
        if values.get("is_hypothetical"):
            start = max(start, _label_end(doc, values.get("modifiers")))  # the label's "plan" is no plan word
        if told_as_done(text, ent.start_char, ent.end_char, start, end):
            done.add(sentence)
    return done

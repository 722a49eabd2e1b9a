"""Turn a processed spaCy Doc into plain records (:class:`~nlp.records.NoteFacts`).

This is the one place where spaCy objects become data: after it, nothing needs a model.
"""

from __future__ import annotations

from spacy.tokens import Doc

from nlp.linking import Fact, link_lesions
from nlp.pipeline.sections import section_at
from nlp.pipeline.sentences import drop_sentence_table, sentence_table
from nlp.records import Mention, NoteFacts

CONTEXT_FLAGS = (
    ("negated", "is_negated"),
    ("uncertain", "is_uncertain"),
    ("historical", "is_historical"),
    ("family", "is_family"),
    ("hypothetical", "is_hypothetical"),
)
HYPOTHETICAL_SECTIONS = frozenset({"plan"})
HISTORICAL_SECTIONS = frozenset({"past_history"})
FAMILY_SECTIONS = frozenset({"family_history"})


def doc_to_facts(doc: Doc) -> NoteFacts:
    """Collect mentions (with ConText flags and sections) and link them into lesions."""
    sections = list(doc._.opnote_sections or [])
    sentence_ids, sentence_spans, _ = sentence_table(doc)
    facts: list[Fact] = []
    for ent in doc.ents:
        section = section_at(sections, ent.start_char)
        flags = {name: bool(getattr(ent._, attr, False)) for name, attr in CONTEXT_FLAGS if ent.has_extension(attr)}
        flags["hypothetical"] = flags.get("hypothetical", False) or section in HYPOTHETICAL_SECTIONS
        flags["historical"] = flags.get("historical", False) or section in HISTORICAL_SECTIONS
        flags["family"] = flags.get("family", False) or section in FAMILY_SECTIONS
        if ent.label_ == "ANATOMIC_SITE" and flags.get("negated"):
            # "lid margin not involved", "away from the vermilion border": a structure the
            # lesion spared, not where it was.
            continue
        modifiers = frozenset(mod.category for mod in (ent._.modifiers or ())) if ent.has_extension("modifiers") else frozenset()
        mention = Mention(
            label=ent.label_,
            start=ent.start_char,
            end=ent.end_char,
            text=ent.text,
            section=section,
            value=dict(ent._.opnote_value or {}),
            rule=ent._.opnote_rule if ent.has_extension("opnote_rule") else None,
            **flags,
        )
        sentence = int(sentence_ids[ent.start])
        facts.append(Fact(mention=mention, sentence=sentence, modifiers=modifiers, sentence_span=sentence_spans[sentence]))
    drop_sentence_table(doc)
    lesions = link_lesions(doc.text, facts, sections)
    mentions = [_with_lesion(f) for f in facts]
    return NoteFacts(
        text=doc.text,
        mentions=mentions,
        lesions=lesions,
        sections=[(name, start, end) for name, start, end, _ in sections],
    )


def _with_lesion(fact: Fact) -> Mention:
    from dataclasses import replace

    return replace(fact.mention, lesion=fact.lesion)

"""Lesion linking: group a note's facts into one record per treated lesion.

Pure Python over :class:`~nlp.records.Mention` objects (no spaCy), so it can be tested with
hand-made mentions.  :func:`link_lesions` runs the steps, each in a module of its own (after
dropping the weak skin-tag words that only prepare a field, "hair clipped": :mod:`.tag_words`):

1. **Markers** (:mod:`.markers`) — "Lesion #2", "Specimen B", "(2)", "Second lesion:", numbered
   or lettered list items — open a segment that belongs to that lesion until the next marker or
   section (an item's own one-line fields, "Repair: FTSG" under "Site 1:", stay in it); after a
   lettered list, a letter alone ("A was excised with 4 mm margins and B with 2 mm margins")
   opens one until the next such letter or the end of its sentence (the list's last item ends at
   a blank line when the paragraphs after it name two of its letters).  A list item that only
   closes a wound at a site ("3. Closure ... advancement flap, right cheek") takes the number of
   the item that excised there.
2. **Site clusters** (:mod:`.clusters`, after :mod:`.bilateral` has made a "bilat cheeks (R then
   L)" site two, one per side) — asserted site mentions are grouped by region,
   laterality and position words (a mention joins when its words fit any naming of the lesion:
   "left lower cheek upper neck" and "left upper neck", "plantolateral aspect of the left fifth
   digit" and "left fifth digit plantolaterally"); a cluster seen inside a marker segment takes that marker's
   lesion number, unless the item counts lesions at several sites ("forehead x3 and nasal dorsum
   x1"): each counted site is then a lesion of its own.
3. **Assignment** (:mod:`.assignment`, :mod:`.referents`) — every other fact goes to the lesion
   of its marker segment, else of the nearest site in its sentence, else (one lesion) to it,
   else to the lesion an ordinal in its clause names ("a punch from the second", "at the second
   site", by the note's list, else the order the lesions were described in: :mod:`.ordinals`),
   else to the lesion its lesion words name, else of the last lesion named in its section, else
   to the note's primary lesion.
4. **Records** (:mod:`.build`, :mod:`.sharing`, :mod:`.listed`, :mod:`.pathology`) — per lesion, the diagnosis by
   precedence pathology > postoperative > preoperative (within a rank, the one written with the
   lesion's site; a clinical word in a sentence whose procedure is only planned or declined comes
   last), the largest operative lesion size, the narrowest margin, the most complex closure, and
   so on; facts said once for several lesions go to each ("Shave bx x2: ...", "Biopsies #1-#3:
   tangential", "A, B and C were each shaved").
   Negated, historical, family and hypothetical mentions never create a fact (:mod:`.facts`);
   uncertain diagnoses are kept but marked not certain.  Lesions a later sentence leaves alone by
   pronoun ("... eyelid; he asked me to leave them"), or a sentence of their own ("ten more in the
   groin that she would like to leave alone"), take no shared procedure (:mod:`.left_alone`).
   A procedure the note refers the patient for is planned (:mod:`.referrals`), unless it is the
   Mohs the note documents.
   An exam site measured but neither diagnosed nor treated is the site of the one treated lesion
   that has none ("Ext: R lower lid: 4 mm papule ... Proc 1: shave bx of the lesion"); when a
   lesion's numbered items name no site of it, the structures its site's sentence names (lid
   margin, vermilion) are its own (:func:`.build.with_details`).
5. **Treated lesions** (:mod:`.treated`) — only records with a performed skin procedure on a
   described or generically named lesion are returned, renumbered 1..n; a counted lesion named
   only by a word for a whole area ("spots on face") beside counted lesions inside it is dropped.
   A single skin tag that pathology calls something else becomes a shave removal
   (:func:`.pathology.tag_proven_other`).  Once counted, a lesion with no site that names like
   lesions counted at their sites is those lesions (:func:`.treated.summed_lesions`), and so is a total
   at a site that covers them ("bilateral axillae") when it is their sum.  Two lesions a procedure
   sentence names together at one site ("two skin tags and a 5 mm SK on the neck") are two records
   (:mod:`.coordinated`).
"""

from __future__ import annotations

from dataclasses import replace

from nlp import procedure_details as details
from nlp.linking.assignment import assign_facts
from nlp.linking.bilateral import split_bilateral_sites
from nlp.linking.build import mohs_performed, with_details
from nlp.linking.clusters import cluster_sites, lesion_anchors, sentence_statements, split_counted_items
from nlp.linking.coordinated import split_coordinated
from nlp.linking.facts import Fact, usable
from nlp.linking.implied import implied_excision
from nlp.linking.left_alone import mark_left_alone
from nlp.linking.markers import align_list_numbers, find_markers, lesion_segments, letter_references, segment_lookup
from nlp.linking.not_done import listed_not_done
from nlp.linking.pathology import mark_proven_history, pathology_pending, tag_proven_other
from nlp.linking.referrals import mark_referred
from nlp.linking.same_lesion import same_lesion_items
from nlp.linking.sharing import (
    collect_and_build,
    share_counted_procedure,
    site_for_the_siteless_lesion,
    stranded_facts_to_the_one_lesion,
)
from nlp.linking.tag_words import prep_not_removal
from nlp.linking.treated import summed_lesions, treated_lesions
from nlp.records import Lesion

__all__ = ["Fact", "find_markers", "link_lesions"]


def link_lesions(text: str, facts: list[Fact], sections: list[tuple[str, int, int, int]]) -> list[Lesion]:
    """Assign ``fact.lesion`` for every fact and return the lesion records."""
    lower = text.lower()
    # A "bilat" site with one lesion per side is two site facts (the caller's list keeps the one).
    facts = split_bilateral_sites(text, facts)
    # "Lesion: ... Margin: 1 mm / Repair: intermediate, 1.5 cm" with no procedure word: an excision.
    facts = facts + implied_excision(facts)
    # "hair clipped, prepped": a weak tag word with no scissors is the prep, not a removal.
    tag_sentences = {f.sentence for f in facts if f.label == "LESION_DIAGNOSIS" and f.value.get("kind") == "skin_tag"}
    facts = [fact for fact in facts if not prep_not_removal(text, fact, tag_sentences)]
    mark_referred(text, facts)
    # 1: marker segments.
    segments = lesion_segments(text, find_markers(text, sections, lower), facts)
    segments = letter_references(text, same_lesion_items(text, align_list_numbers(segments, facts, sections)))
    mark_proven_history(text, facts)
    segment_of = segment_lookup(segments)
    mark_left_alone(text, facts, segment_of)
    # 2: clusters of asserted site mentions, bound to markers where they sit inside one.
    anchors, passing = lesion_anchors(facts, segments, segment_of)
    clusters, lesion_ids = cluster_sites(anchors, segments, segment_of, text, sentence_statements(facts))
    lesion_ids, split_from = split_counted_items(text, facts, clusters, segment_of, lesion_ids)
    # 3: assign every other fact.
    assign_facts(text, facts, anchors, passing, clusters, lesion_ids, segment_of, frozenset(n for n, _, _ in segments))
    # 4: build the records.
    pending = pathology_pending(text, lower)
    mohs_done = mohs_performed(text, lower, facts)
    collected, shared, built = collect_and_build(text, facts, lesion_ids, segments, segment_of, pending, mohs_done)
    if stranded_facts_to_the_one_lesion(facts, built) | site_for_the_siteless_lesion(facts, built, collected):
        collected, shared, built = collect_and_build(text, facts, lesion_ids, segments, segment_of, pending, mohs_done)
    share_counted_procedure(built, collected, [f for f in shared if usable(f)], text, split_from)
    # 5: keep the treated lesions.
    treated = treated_lesions(text, facts, sections, built, collected) - listed_not_done(text, facts, segments, segment_of, sections)
    # Lesions whose own numbered item names a site of theirs (else the site's sentence tells its structures).
    item_sites = {f.lesion for f in facts if f.label == "ANATOMIC_SITE" and f.lesion is not None and segment_of(f.mention.start) == f.lesion}
    out = [
        with_details(text, lesion, segments, item_names_site=index in item_sites) for index, lesion in built.items() if index in treated
    ]
    out = split_coordinated(text, out, facts)
    done_sentences = {f.sentence for f in facts if f.label == "PROCEDURE" and usable(f)}
    site_mentions: dict[int, list[tuple[int, int, bool]]] = {}
    for fact in facts:
        if fact.label == "ANATOMIC_SITE" and fact.lesion is not None and usable(fact):
            site_mentions.setdefault(fact.lesion, []).append((fact.mention.start, fact.mention.end, fact.sentence in done_sentences))
    out = [tag_proven_other(lesion) for lesion in summed_lesions(details.add_counts(text, out, site_mentions))]
    # Renumber so lesion indexes are 1..n in order of appearance.
    renumber = {lesion.index: i + 1 for i, lesion in enumerate(out)}
    for fact in facts:
        fact.lesion = renumber.get(fact.lesion) if fact.lesion is not None else None
    return [replace(lesion, index=renumber[lesion.index]) for lesion in out]

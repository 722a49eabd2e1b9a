"""Entity rules: medspaCy's TargetMatcher over our lexicons, then span edges made to measure.

The matcher finds the core term ("ala", "nevus", "layered closure"); small, named expansion
steps then add the words that belong to the mention (laterality and position words for sites,
subtype words for diagnoses) and drop mentions that are not lesion facts (a body part used for
positioning, a suture description next to a named closure).  Every resulting span carries the
id of the lexicon entry that produced it (``span._.opnote_rule``) and its normalised value
(``span._.opnote_value``).
"""

import re
from pathlib import Path
from typing import Iterable, NamedTuple

import srsly
from spacy.attrs import LOWER
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from nlp.pipeline._medspacy import RuleMatcher, TargetMatcher, TargetRule
from nlp.pipeline.doctext import doc_text
from nlp.pipeline.lexicons import Lexicons, load_lexicons, packaged_lexicons
from nlp.pipeline.sections import section_at
from nlp.pipeline.sentences import sentence_table
from nlp.pipeline.spanvalues import get_span_value, set_span_value, set_span_values
from nlp.pipeline.splits import SplitJoiner

SITE, DIAGNOSIS, CLOSURE, PROCEDURE = "ANATOMIC_SITE", "LESION_DIAGNOSIS", "CLOSURE_TYPE", "PROCEDURE"
ENTITY_GROUP = "opnote_entities"
_ENTITY_LIST_KEY = "opnote_entity_list"
# "an ellipse was drawn ..., measuring 4.0 x 1.9 cm": the thing measured is not the lesion.
NOT_THE_LESION = re.compile(r"\b(?:ellipse|elliptical|incision|defect|wound|specimen|closure|repair|flap|graft)\b", re.IGNORECASE)
# "Melanoma in situ, R upper back, bx-proven; 0.8 cm.": a size standing alone after a semicolon
# finishes the clause before it (the sentence splitter cut it off there).
LONE_AFTER_SEMICOLON = re.compile(r";[ \t]*$")
LONE_CLAUSE_END = re.compile(r"[ \t]*(?:[.!?](?:\s|$)|$)")
MEASURED_BEFORE = re.compile(r"\bmeasur\w*\s+(?:approximately\s+|about\s+|roughly\s+|approx\.?\s+)?$", re.IGNORECASE)
# "acrochordons of the left groin were clipped off with curved scissors": "clipped" and "shaved"
# prepare a field ("hair clipped", "the back was shaved") but also remove skin tags and lesions;
# with a removal word after them, scissors, a tag or counted "ones" named nearby ("four small ones
# were clipped at the posterior neck") they remove, and the site stays.
REMOVAL_NOT_PREP = re.compile(r"\b(?:clipped|shaved)\s+(?:off|flush)\b|\bscissors\b|\b(?:skin\s+)?tags\b|\bones\b|\bacrochord\w*", re.IGNORECASE)
DEFAULT_KIND_RULE = "kind.default"
LESION_SENTENCE_RULE = "kind.lesion_size.lesion_sentence"
MEASUREMENT_LABELS = ("LESION_SIZE", "MARGIN", "EXCISED_DIAMETER", "WOUND_LENGTH", "SPECIMEN_SIZE", "DEFECT_AREA")

# Words that head an "X of the <site>" phrase ("dorsum of the left hand").
OF_HEADS = frozenset(
    "dorsum tip side bridge ala base root lobe crown back bottom top palm sole angle corner edge rim "
    "surface aspect portion part area region skin web border margin apex".split()
)
# "your" and "my": a letter to the patient or the patient's own words ("the back of your right shoulder").
POSSESSIVES = frozenset("his her their the its your my".split())
# Determiners of the body part a positioning verb moves ("supine with both arms abducted", "the
# arms out"): "both" places the limbs as "the" does; kept apart from POSSESSIVES, which also
# widen a site phrase ("dorsum of the hand").
POSITIONED_DETERMINERS = POSSESSIVES | {"both"}
# A site after one of these is where something is ("on the mid back"), whatever came before.
# Words after an orientation cue that say where a lesion sits, not how an ellipse runs: "along her
# bra line on the mid back", "three more along the rim of the left ear".
LOCATING_PREPOSITIONS = frozenset("on at over rim rims".split())
_WORD = re.compile(r"[a-z]+")


def _rules_from(lexicons: Lexicons, *, exact: bool, typos: dict[str, str] | None = None) -> list[TargetRule]:
    """Phrase rules for the lower-cased terms, or (``exact``) for the case-sensitive ones.

    Only phrase rules: a token pattern would make spaCy's Matcher test every token of every
    note, which costs more than all the phrase matching together.  The lower-cased terms are
    matched on NORM, so their words are normalised with ``typos`` as the note's words are
    (see OpnoteTargets._mark_typos): "seborhheic keratosis" and "seborrheic keratosis" are then
    the same pattern, and a term keeps matching whatever the typo table says.
    """
    rules: list[TargetRule] = []
    fix = typos or {}

    def add(label: str, entry, value: dict) -> None:
        meta = {"id": entry.id, "weak": entry.weak, "value": value, "sections": list(getattr(entry, "only_in_sections", []))}
        for term in entry.exact_terms if exact else entry.terms:
            literal = term if exact else _WORD.sub(lambda m: fix.get(m.group(), m.group()), term.lower())
            rules.append(TargetRule(literal=literal, category=label, metadata=meta))

    for entry in lexicons.sites.sites:
        value = {"region": entry.region, "subsite": entry.subsite, "structure": entry.structure}
        if entry.covers:
            value["covers"] = list(entry.covers)
        add(SITE, entry, value)
    for entry in lexicons.diagnoses.diagnoses:
        add(DIAGNOSIS, entry, {"kind": entry.kind, "behaviour": entry.behaviour})
    for entry in lexicons.closures.closures:
        add(CLOSURE, entry, {"closure_class": entry.closure_class, "detail": list(entry.detail)})
    for entry in lexicons.procedures.procedures:
        add(PROCEDURE, entry, {"kind": entry.kind, **({"needs_diagnosis": list(entry.needs_diagnosis)} if entry.needs_diagnosis else {})})
    return rules


def _term_words(lexicons: Lexicons, typos: dict[str, str]) -> tuple[set[str], set[str]]:
    """The words of the lower-cased lexicon terms (as the matcher normalises them), and the words
    that stand alone: one-word terms and site laterality and position words ("arm", "sk", "upper")."""
    words = {w.lower() for w in lexicons.sites.modifiers.position} | {w.lower() for w in lexicons.sites.modifiers.laterality}
    alone = set(words)
    for entries in (lexicons.sites.sites, lexicons.diagnoses.diagnoses, lexicons.closures.closures, lexicons.procedures.procedures):
        for entry in entries:
            for term in entry.terms:
                found = [typos.get(w, w) for w in _WORD.findall(term.lower())]
                words.update(found)
                if len(found) == 1:
                    alone.update(found)
    return words, alone


def ascii_word_finder(words: Iterable[str]) -> re.Pattern[str] | None:
    """``\\b(?:w1|w2|...)\\b`` for lower-cased ASCII text; None when a word is not ASCII.

    For ASCII text, ``finder.search(text.lower())`` finds a match exactly when the same
    pattern compiled with ``re.IGNORECASE`` finds one in ``text``; case-blind matching of an
    alternation costs ``re`` about four times as much per character.
    """
    words = [w.lower() for w in words]
    if not words or not all(w.isascii() for w in words):
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b")


def filter_matches(matches: list[tuple[int, int, TargetRule]]) -> list[tuple[int, int, TargetRule]]:
    """``spacy.util.filter_spans`` for ``(start, end, rule)`` tuples: the same spans, in the same order.

    The longest match wins an overlap (the first one listed among equals); the result is sorted
    by start.  Working on tuples saves building a ``Span`` for every match that loses.
    """
    ranked = sorted(matches, key=lambda m: (m[1] - m[0], -m[0]), reverse=True)
    kept, seen = [], set()
    for match in ranked:
        start, end = match[0], match[1]
        if start not in seen and end - 1 not in seen:
            kept.append(match)
            seen.update(range(start, end))
    return sorted(kept, key=lambda m: m[0])


# A side word right before an operator-grip phrase: "the left thumb and index finger" is the patient's.
_SIDE_BEFORE = re.compile(r"\b(?:left|right|l|r|lt|rt|bilateral|bilat)\.?\s+(?:the\s+)?$", re.IGNORECASE)


class Found(NamedTuple):
    """A mention being built: its span, the id of the lexicon entry, its normalised value."""

    span: Span
    rule: str | None
    value: dict


class OpnoteTargets:
    """spaCy component: finds site, diagnosis, closure and procedure mentions into ``doc.ents``.

    Measurement spans found earlier (``doc.spans["opnote_measurements"]``) are merged into
    ``doc.ents`` too, so ConText sees every fact of the note in one place.
    """

    def __init__(self, language: Language, name: str, lexicon_dir: str | None) -> None:
        self.language = language
        self.name = name
        self._set_lexicons(load_lexicons(lexicon_dir) if lexicon_dir else packaged_lexicons())

    def _set_lexicons(self, lexicons: Lexicons) -> None:
        self.lexicons = lexicons
        # NORM is the lower-cased word, or for a forgiven misspelling the word meant (see _mark_typos).
        self.typos = lexicons.typos.corrections()
        self.matcher = TargetMatcher(self.language, name=f"{self.name}_matcher", result_type=None, phrase_matcher_attr="NORM")
        self.matcher.add(_rules_from(lexicons, exact=False, typos=self.typos))
        self.exact_matcher = TargetMatcher(
            self.language, name=f"{self.name}_exact_matcher", result_type=None, phrase_matcher_attr="ORTH"
        )
        self.exact_matcher.add(_rules_from(lexicons, exact=True))
        self.rule_matchers = (RuleMatcher(self.matcher), RuleMatcher(self.exact_matcher))
        misspellings = {k.lower(): v.lower() for k, v in lexicons.typos.misspellings.items()}
        self.splits = SplitJoiner(*_term_words(lexicons, self.typos), misspellings, lexicons.typos.split_words)
        sites = lexicons.sites.modifiers
        self.laterality = {k.lower(): v for k, v in sites.laterality.items()}
        self.position_verb_regex = re.compile(
            r"\b(?:" + "|".join(re.escape(w) for w in lexicons.sites.filters.position_verbs) + r")\b", re.IGNORECASE
        )
        self.position_verb_ascii = ascii_word_finder(lexicons.sites.filters.position_verbs)
        self.non_site_followers = frozenset(w.lower() for w in lexicons.sites.filters.non_site_followers)
        self.non_site_preceders = frozenset(w.lower() for w in lexicons.sites.filters.non_site_preceders)
        self.orientation_cues = frozenset(w.lower() for w in lexicons.sites.filters.orientation_cues)
        self.equipment_followers = frozenset(w.lower() for w in lexicons.sites.filters.equipment_followers)
        grips = lexicons.sites.filters.operator_grips
        self.grip_words = frozenset(w.lower() for g in grips for w in g.split())
        self.operator_grip_regex = (
            re.compile(r"\b(?:" + "|".join(r"\s+".join(map(re.escape, g.split())) for g in grips) + r")\b", re.IGNORECASE) if grips else None
        )
        self.landmark_cues = frozenset(w.lower() for w in lexicons.sites.filters.landmark_cues)
        self.site_modifiers = frozenset(self.laterality) | {p.lower() for p in sites.position}
        self.kind_by_modifier = {
            (rule.kind, word.lower()): rule.becomes for rule in lexicons.diagnoses.kind_by_modifier for word in rule.modifiers
        }
        self.dx_modifiers = frozenset(m.lower() for m in lexicons.diagnoses.modifiers)
        self.subtype_followers = frozenset(w.lower() for w in lexicons.diagnoses.subtype_followers)
        self.summary_preceders = frozenset(w.lower() for w in lexicons.closures.summary_preceders)
        filters = lexicons.sites.filters
        self.strong_procedure_terms = {
            term.lower(): entry for entry in lexicons.procedures.procedures if not entry.weak for term in entry.terms
        }
        # The same word sets as hashes of the token's LOWER attribute: the component reads every
        # token's lower-case form from one array (doc.to_array) instead of a Token per look.
        strings = self.language.vocab.strings

        def ids(words: Iterable[str]) -> frozenset[int]:
            return frozenset(strings[w] for w in words)

        self._ids = {
            "non_site_followers": ids(self.non_site_followers), "non_site_preceders": ids(self.non_site_preceders),
            "orientation_cues": ids(self.orientation_cues), "equipment_followers": ids(self.equipment_followers),
            "landmark_cues": ids(self.landmark_cues), "site_modifiers": ids(self.site_modifiers),
            "dx_modifiers": ids(self.dx_modifiers), "subtype_followers": ids(self.subtype_followers),
            "summary_preceders": ids(self.summary_preceders),
            "donor_site_words": ids(w.lower() for w in lexicons.closures.donor_site_words), "possessives": ids(POSSESSIVES),
            "positioned_determiners": ids(POSITIONED_DETERMINERS), "of_heads": ids(OF_HEADS),
            "origin_verbs": ids(w.lower() for w in filters.origin_verbs), "donor_cues": ids(w.lower() for w in filters.donor_cues),
            "donor_cue_exceptions": ids(w.lower() for w in filters.donor_cue_exceptions),
            "graft_cues": ids(w.lower() for w in filters.donor_cues if w.lower() not in ("taken", "harvested", "harvest")),
            "flap_words": ids(w.lower() for w in filters.flap_words), "relative_cues": ids(w.lower() for w in filters.relative_cues),
            "organ_followers": ids(w.lower() for w in filters.organ_followers + filters.object_followers),
            "locating": ids(LOCATING_PREPOSITIONS), "lesion_nouns": ids(w.lower() for w in filters.lesion_nouns),
            "removal_prepositions": ids(w.lower() for w in filters.removal_prepositions),
            "donor_in_cues": ids(w.lower() for w in filters.donor_in_cues),
            "counted_removal_verbs": ids(w.lower() for w in filters.counted_removal_verbs),
            "count_fillers": ids(w.lower() for w in filters.count_fillers),
            "margin_position_sites": ids(w.lower() for w in filters.margin_position_sites),
            "margin_position_nouns": ids(w.lower() for w in filters.margin_position_nouns),
            "margin_position_links": ids(["and", "or", ",", "/", "&", "-"]),
            "clause_breaks": ids([".", ";", "and", "or"]),
            "landmark_distance": ids(w.lower() for w in filters.landmark_distance_words),
            "trailing_position": ids(w.lower() for w in sites.trailing_position),
            "relative_links": ids(["to", "of", "from", "than"]),
            "side_coordinators": ids(w.lower() for w in sites.side_coordinators),
        }
        # Non-skin phrases as tuples of lower-case ids, by first word (see _names_non_skin).
        self._non_skin: dict[int, list[tuple[int, ...]]] = {}
        for phrase in filters.non_skin_structures:
            key = tuple(strings.add(t.lower_) for t in self.language.make_doc(phrase))
            self._non_skin.setdefault(key[0], []).append(key)
        self._clause_breaks = ids([".", ";", ",", "and", "with", "then", "but"])
        self._comma_id = strings.add(",")
        self._adverb_uses = {strings.add(site.lower()): ids(w.lower() for w in words) for site, words in filters.adverb_uses.items()}
        self._adverb_followers = {strings.add(site.lower()): ids(w.lower() for w in words) for site, words in filters.adverb_followers.items()}
        # Words that place a site word before an adverb follower: "on his back for years", "to the back today".
        self._placing = ids([*POSSESSIVES, *LOCATING_PREPOSITIONS, "of", "to", "and", "or", "across", "along", "entire", "whole", "a", "my", "your"])
        self._of_id, self._dash_id, self._from_id = strings["of"], strings["-"], strings["from"]
        self._attention_id, self._for_id = strings.add("attention"), strings.add("for")
        self._in_id = strings.add("in")
        self._joiners = frozenset({self._dash_id, strings.add("'s"), strings.add("’s")})
        self._lesion_places = ids([*LOCATING_PREPOSITIONS, "in", "of", "along", "across"])
        self._open_id, self._close_id, self._dot_id = strings["("], strings[")"], strings["."]
        self._side_abbreviation_ids = ids(["l", "r", "lt", "rt"])
        self._typos_by_id = {strings.add(wrong): meant for wrong, meant in self.typos.items()}
        self._kind_by_modifier_id = {(kind, strings[word]): becomes for (kind, word), becomes in self.kind_by_modifier.items()}

    # -- the component ---------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        sentence_ids, sentence_chars, sentence_tokens = sentence_table(doc)
        sections = doc._.opnote_sections or [] if Doc.has_extension("opnote_sections") else []
        section_starts = [s[1] for s in sections]
        words = _Words(doc, sentence_ids)
        self._mark_typos(doc, words)
        ids = self._ids
        matches = []
        for matcher in self.rule_matchers:
            rules = matcher.rules
            matches.extend((start, end, rules[match_id]) for match_id, start, end in matcher(doc))
        joins = self.splits.joins(doc, words.lower, matches)
        if joins:  # an OCR-damaged note: terms across its split words too (see splits.py)
            rules = self.rule_matchers[0].rules
            matches.extend((start, end, rules[match_id]) for match_id, start, end in self.splits.matches(doc, joins, self.rule_matchers[:1]))
        found: list[Found] = []
        previous_site: tuple[int, int] | None = None
        filtered = filter_matches(matches)
        site_starts = {start for start, _, rule in filtered if rule.category == SITE}
        diagnosis_ends: set[int] = set()
        for start, end, rule in filtered:
            meta = rule.metadata or {}
            label = rule.category
            if meta.get("sections") and section_at(sections, doc[start].idx, section_starts) not in meta["sections"]:
                continue
            if label == SITE:
                start = self._expand_site(words, start)
                end = self._expand_right(words, end, site_starts)
                sentence = int(sentence_ids[start])
                on_lesion = self._placed_on_lesion(words, start, sentence_tokens[sentence], diagnosis_ends)
                if self._is_not_a_lesion_site(doc, words, start, end, sentence_tokens[sentence], meta, on_lesion=on_lesion):
                    continue
                if self._locates_previous_site(words, previous_site, start):
                    continue
                if previous_site is not None and self._measured_from_landmark(words, start, sentence_tokens[sentence]):
                    continue
                previous_site = (start, end)
            elif label == DIAGNOSIS:
                if end < words.length and words.lower[end] in ids["subtype_followers"]:
                    continue  # "(lentigo maligna type)": the subtype of the diagnosis before it
                start = self._expand_left(words, start, ids["dx_modifiers"])
                diagnosis_ends.add(end)
            elif label == CLOSURE and start > 0 and words.lower[start - 1] in ids["summary_preceders"]:
                continue  # "Total intermediate repair (sites 1 and 2)": a sum, restated
            elif label == CLOSURE and self._closes_donor_site(words, start, end, sentence_tokens[int(sentence_ids[start])], meta):
                continue  # "the donor site was closed primarily": not the lesion wound (GUIDELINES)
            elif label == PROCEDURE and meta.get("weak"):
                start, meta = self._technique_before_aside(words, start, end, meta)
            value = dict(meta.get("value") or {})
            if label == SITE:
                value.update(self._site_attributes(words.texts(start, end), value))
            elif label == DIAGNOSIS and self.kind_by_modifier:
                for word in words.lower[start:end]:
                    becomes = self._kind_by_modifier_id.get((value.get("kind"), word))
                    if becomes:
                        value["kind"] = becomes
            if meta.get("weak"):
                value["weak"] = True
            if label == SITE:
                found.extend(self._coordinated_side(doc, words, start, meta.get("id"), value))
            found.append(Found(Span(doc, start, end, label=label), meta.get("id"), value))
        found = self._merge_adjacent_sites(doc, words, found)
        # No non-skin phrase anywhere in the note: _non_skin_phrases finds nothing in any window,
        # so _drop_non_skin would keep every mention as it is (the usual case, checked once).
        if self._non_skin and self._has_non_skin_phrase(words.lower):
            found = self._drop_non_skin(words, found, sentence_ids, sentence_tokens)
        found = self._drop_weak_closures(found, sentence_ids)
        found = self._drop_unneeded_procedures(found, sentence_ids)
        for item in found:
            set_span_values(doc, item.span, {"opnote_rule": item.rule, "opnote_value": item.value})
        spans = [item.span for item in found]
        entities = filter_spans(spans + self._measurements(doc, spans, sentence_ids, sentence_chars))
        # The span group is what later components read: Doc.ents re-scans every token on each
        # access. doc.ents is still set, for displaCy and other spaCy tools (set_ents is what the
        # doc.ents setter calls, minus a copy of every Span).
        doc.spans[ENTITY_GROUP] = entities
        doc.user_data[_ENTITY_LIST_KEY] = (doc.spans[ENTITY_GROUP], entities)
        doc.set_ents(entities)
        return doc

    @staticmethod
    def _measurements(doc: Doc, targets: list[Span], sentence_ids, sentence_chars) -> list[Span]:
        """Measurement spans for ``doc.ents``.

        A size the measurement rules could not explain (``kind.default``) in a sentence that names
        the lesion ("Nevus, R 2nd toe, dorsal, 3.5 mm"), or alone after a semicolon that ends such a
        sentence ("bx-proven; 0.8 cm."), or right after "measures", is taken as the lesion's size (wound, margin and specimen sizes have their own cues).
        """
        if "opnote_measurements" not in doc.spans:
            return []
        lesion_sentences = {sentence_ids[t.start] for t in targets if t.label_ in (SITE, DIAGNOSIS)}
        text = doc_text(doc)
        out = []
        for span in doc.spans["opnote_measurements"]:
            value = get_span_value(doc, span, "opnote_value") or {}
            if span.label_ in MEASUREMENT_LABELS:
                out.append(span)
            elif value.get("kind_rule") == DEFAULT_KIND_RULE and not value.get("is_area") and (
                sentence_ids[span.start] in lesion_sentences
                or (
                    sentence_ids[span.start] - 1 in lesion_sentences
                    and LONE_AFTER_SEMICOLON.search(text, max(0, span.start_char - 4), span.start_char)
                    and LONE_CLAUSE_END.match(text, span.end_char)
                )
                or (
                    MEASURED_BEFORE.search(text, max(0, span.start_char - 40), span.start_char)
                    and not NOT_THE_LESION.search(text, sentence_chars[sentence_ids[span.start]][0], span.start_char)
                )
            ):
                relabelled = Span(doc, span.start, span.end, label="LESION_SIZE")
                set_span_value(doc, relabelled, "opnote_value", {**value, "kind": "lesion_size", "kind_rule": LESION_SENTENCE_RULE})
                set_span_value(doc, relabelled, "opnote_rule", value.get("rule"))
                out.append(relabelled)
        return out

    def _mark_typos(self, doc: Doc, words: "_Words") -> None:
        """Give a forgiven misspelling ("Excison") the NORM of the word meant, for the matcher."""
        typos = self._typos_by_id
        if typos.keys().isdisjoint(words.lower):
            return  # the usual case, checked in C
        for i, word in enumerate(words.lower):
            meant = typos.get(word)
            if meant is not None:
                doc[i].norm_ = meant

    # -- expansion and filtering -----------------------------------------------------------
    def _technique_before_aside(self, words: "_Words", start: int, end: int, meta: dict) -> tuple[int, dict]:
        """"Incisional (wedge) biopsy": the technique word before a bracketed aside still names it.

        A weak procedure word ("biopsy") right after a short parenthesis takes the lexicon
        entry of the word before the parenthesis plus itself, when that phrase is a term.
        """
        lower = words.lower
        close = start - 1
        if close < 2 or lower[close] != self._close_id:
            return start, meta
        # index 0 is never tried: the technique word must come before the parenthesis.
        open_ = next((i for i in range(close - 1, max(close - 6, 0), -1) if lower[i] == self._open_id), None)
        if open_ is None:
            return start, meta
        term = " ".join(words.texts(open_ - 1, open_) + words.texts(start, end))
        entry = self.strong_procedure_terms.get(term)
        if entry is None:
            return start, meta
        return open_ - 1, {**meta, "id": entry.id, "weak": False, "value": {"kind": entry.kind}}

    def _expand_left(self, words: "_Words", start: int, modifiers: frozenset[int]) -> int:
        """Start of the mention once the modifier words right before ``start`` are added."""
        lower = words.lower
        first = start
        while first > 0 and not words.sentence_start(first) and lower[first - 1] in modifiers:
            first -= 1
        if first < start and lower[first] == self._dash_id:
            first += 1
        return first

    def _coordinated_side(self, doc: Doc, words: "_Words", start: int, rule: str | None, value: dict) -> list["Found"]:
        """"Right and left cheek": the side written first names the same site on that side.

        The site mention starts at its own side word ("left cheek"); a different side word joined
        to it by a coordinator ("right and", "left &") is a second mention of the site, on that side,
        spanning the side word alone.  "Right and left cheek" names two lesions as "right cheek
        and left cheek" would.
        """
        lower = words.lower
        if start < 2 or words.sentence_start(start) or words.sentence_start(start - 1):
            return []
        if lower[start - 1] not in self._ids["side_coordinators"]:
            return []
        side = self.laterality.get(doc[start - 2].lower_)
        if side is None or side in ("bilateral", "midline") or side == value.get("laterality"):
            return []
        if self.laterality.get(doc[start].lower_) is None:
            return []
        return [Found(Span(doc, start - 2, start - 1, label=SITE), rule, {**value, "laterality": side})]

    def _expand_right(self, words: "_Words", end: int, site_starts: set[int]) -> int:
        """End of a site mention once the position words written after it are added.

        "Left chest medial actinic keratosis", "ulceration of the left fifth digit plantolaterally":
        the words name where on the site.  "Lateral to the elbow" places the lesion from a landmark,
        and "left arm, lateral elbow" names the next site: both stay out.
        """
        lower, trailing = words.lower, self._ids["trailing_position"]
        last = end
        while last < words.length and not words.sentence_start(last) and lower[last] in trailing:
            last += 1
        if last == end or last in site_starts or (last < words.length and lower[last] in self._ids["relative_links"]):
            return end
        return last

    def _expand_site(self, words: "_Words", start: int) -> int:
        start = self._expand_left(words, start, self._ids["site_modifiers"])
        lower = words.lower
        if start > 1 and lower[start - 1] == self._dot_id and lower[start - 2] in self._side_abbreviation_ids:
            start = self._expand_left(words, start - 2, self._ids["site_modifiers"])  # "Rt. upper back"
        # "<head> of (the) <site>": "dorsum of the left hand", "lateral aspect of the right thigh"
        i = start - 1
        if i >= 1 and lower[i] in self._ids["possessives"]:
            i -= 1
        if i >= 1 and lower[i] == self._of_id and lower[i - 1] in self._ids["of_heads"]:
            start = self._expand_left(words, i - 1, self._ids["site_modifiers"])
        return start

    def _site_attributes(self, words: list[str], value: dict) -> dict:
        """Laterality and eyelid part from the mention's lower-case words."""
        laterality = next((self.laterality[w] for w in words if w in self.laterality), None)
        # "L" / "R" only count as laterality when they stand at the front of the phrase.
        if laterality and words[0] not in self.laterality and any(w in ("l", "r", "l.", "r.") for w in words):
            laterality = next((self.laterality[w] for w in words if w in self.laterality and len(w) > 2), None)
        part = None
        if value.get("region") == "eyelid":
            part = "upper" if "upper" in words else "lower" if "lower" in words else None
        return {"laterality": laterality, "eyelid_part": part}

    def _placed_on_lesion(self, words: "_Words", start: int, sentence: tuple[int, int], diagnosis_ends: set[int]) -> bool:
        """"The nevus on the back", "tags on her neck", "the cyst over her back", "an SK in the groin",
        "the SK off the left cheek": the site a locating or removal preposition (``removal_prepositions``)
        places a diagnosis or a lesion noun (``lesion_nouns``) on, just before it; a prep or positioning
        verb near such a site acts on the lesion, not the area."""
        lower, ids = words.lower, self._ids
        i = start - 1
        if i > sentence[0] and lower[i] in ids["positioned_determiners"]:
            i -= 1  # "tags on both axillae" as "tags on her neck"
        if i <= sentence[0] or (lower[i] not in self._lesion_places and lower[i] not in ids["removal_prepositions"]):
            return False
        return i in diagnosis_ends or lower[i - 1] in ids["lesion_nouns"]

    def _is_not_a_lesion_site(
        self, doc: Doc, words: "_Words", start: int, end: int, sentence: tuple[int, int], meta: dict, *, on_lesion: bool = False
    ) -> bool:
        """An 'arm board', a 'back-cut', a 'dog ear', 'placed prone with his back ...', an ellipse
        'parallel to the long axis of the thigh', a landmark 'just above the vermilion border' (but a
        lesion 'arising from the lid margin' is on it), 'the lip of the cervix', a flap's name ('groin
        pedicle flap'), or a graft's donor site 'FTSG from L upper arm'."""
        lower, ids = words.lower, self._ids
        after = lower[end : min(sentence[1], end + 3)]
        if after[:1] and after[0] in ids["non_site_followers"]:
            return True
        if after[:1] == [self._dash_id] and len(after) > 1 and after[1] in ids["non_site_followers"]:
            return True  # "a back-cut", "a neck-roll": a hyphenated compound, not the body part
        if start > 0 and lower[start - 1] in ids["non_site_preceders"]:
            return True
        if start > 1 and lower[start - 1] in self._joiners and lower[start - 2] in ids["non_site_preceders"]:
            return True  # "crow's-foot line", "crow's feet", "dog-ear": a compound surface or surgical term
        if start > 0 and end - start == 1 and lower[start - 1] in self._adverb_uses.get(lower[start], ()):
            return True  # "once the diagnosis is back"
        if (
            end - start == 1 and after[:1] and after[0] in self._adverb_followers.get(lower[start], ())
            and (start == sentence[0] or lower[start - 1] not in self._placing)
        ):
            return True  # "snowbird, back for FBSE" (but "spots on his back for years")
        if after[:1] == [self._of_id] and any(w in ids["organ_followers"] for w in after[1:3]):
            return True  # "the posterior lip of the cervix", "the arm of her glasses"
        if not ids["equipment_followers"].isdisjoint(lower[end : max(end, min(sentence[1], end + 4))]):
            return True
        if not ids["flap_words"].isdisjoint(after[:2]):
            return True  # "a groin pedicle flap", "a forehead flap": the flap's name, not a lesion site
        if self._operator_grip(doc, start, end):
            return True  # "a blade bowed between thumb and finger": the operator's hand
        window = lower[max(sentence[0], start - 6) : start]
        if not ids["orientation_cues"].isdisjoint(window):
            cue = max(i for i, w in enumerate(window) if w in ids["orientation_cues"])
            if ids["locating"].isdisjoint(window[cue + 1 :]) and lower[start] not in ids["locating"]:
                return True  # "oriented along the long axis of the thigh" (but "along her bra line on the mid back", "along the rim of the ear")
        if (meta.get("value") or {}).get("structure"):
            cues = [i for i in range(max(0, len(window) - 3), len(window)) if window[i] in ids["landmark_cues"]]
            arising = bool(cues) and window[cues[-1]] == self._from_id and cues[-1] > 0 and window[cues[-1] - 1] in ids["origin_verbs"]
            if cues and not arising:
                return True
        # "FTSG from L inner upper arm", "a graft taken from the postauricular skin behind the right ear":
        # a site a few words after "from", with a graft or harvest word just before it, is the donor site.
        reach_start = max(sentence[0], start - 9)
        if self._from_id in lower[reach_start:start]:
            at = next(i for i in range(start - 1, reach_start - 1, -1) if lower[i] == self._from_id)
            before = lower[max(sentence[0], at - 5) : at]
            # "a punch biopsy was taken from the left forearm": the biopsy's own site when the site is
            # what "from" names (not "from the edge of the thigh nodule", a lesion named before).
            names_a_lesion = end < sentence[1] and lower[end] in ids["lesion_nouns"]  # "the thigh nodule"
            sampled = (  # "from the right thigh and left calf": a list of sites is still what "from" names
                ids["lesion_nouns"].isdisjoint(lower[at + 1 : start]) and self._of_id not in lower[at + 1 : start] and not names_a_lesion
                and not ids["donor_cue_exceptions"].isdisjoint(lower[max(sentence[0], at - 9) : at])
            )
            if not ids["donor_cues"].isdisjoint(before) and not on_lesion and (not ids["graft_cues"].isdisjoint(before) or not sampled):
                return True
        # "skin graft closure in the left supraclavicular region": the same with "in", a graft or
        # flap noun at most two words before it and the site right after ("in the").
        near = lower[max(sentence[0], start - 3) : start]
        if self._in_id in near:
            at = max(sentence[0], start - 3) + len(near) - 1 - near[::-1].index(self._in_id)
            if not ids["donor_in_cues"].isdisjoint(lower[max(sentence[0], at - 2) : at]):
                return True
        if end - start == 1 and lower[start] in ids["margin_position_sites"]:
            # "the nasal and temporal margins of the lesion": sides of the wound, not the nose
            j, limit = end, min(sentence[1], end + 6)
            directions = ids["margin_position_links"] | ids["site_modifiers"] | ids["margin_position_sites"]
            while j < limit and lower[j] in directions:
                j += 1
            if j < limit and lower[j] in ids["margin_position_nouns"]:
                return True
        if ids["positioned_determiners"].isdisjoint(window[-3:]) or self._attention_id in window:
            return False  # "attention was turned to the mid back": the next lesion, not positioning
        if on_lesion:
            return False  # "the SK on his back was shaved flush": the lesion's site, whatever the verb
        if len(window) >= 2 and window[-2] == self._for_id:
            return False  # "seated for the cheek, where a 5 mm papule was excised": positioned for that site's lesion
        if self._counted_removal(words, start, sentence):
            return False  # "three more were clipped from the left thigh": lesions taken off the site
        # A positioning verb near the site ("placed prone with his back up", "her back was prepped"),
        # not anywhere in a long sentence ("on the right upper back, is a cyst that turned red").
        first, last = doc[max(sentence[0], start - 6)], doc[min(sentence[1], end + 6) - 1]
        nearby = doc_text(doc)[first.idx : last.idx + len(last)]
        if self.position_verb_ascii is not None and nearby.isascii():
            positioned = self.position_verb_ascii.search(nearby.lower()) is not None
        else:
            positioned = bool(self.position_verb_regex.search(nearby))
        return positioned and not REMOVAL_NOT_PREP.search(nearby)

    def _counted_removal(self, words: "_Words", start: int, sentence: tuple[int, int]) -> bool:
        """Whether a count stands right before a removing positioning verb ahead of the site at ``start``.

        "Then three more were clipped from the left thigh", "12 snipped off the neck": the number is
        the lesions the verb took off the site (hair is clipped, not counted), so the site is the
        lesions' (``counted_removal_verbs`` and ``count_fillers`` in sites.json).
        """
        ids, doc = self._ids, words.doc
        for i in range(max(sentence[0], start - 7), start):
            if words.lower[i] in ids["counted_removal_verbs"]:
                j = i - 1
                while j >= sentence[0] and words.lower[j] in ids["count_fillers"]:
                    j -= 1
                if j >= sentence[0] and doc[j].like_num:
                    return True
        return False

    def _operator_grip(self, doc: Doc, start: int, end: int) -> bool:
        """Whether tokens ``start:end`` lie in an operator's grip phrase ("between thumb and forefinger")
        with no side word before it (``operator_grips`` in sites.json)."""
        if self.operator_grip_regex is None or not any(doc[i].lower_ in self.grip_words for i in range(start, end)):
            return False
        text = doc_text(doc)
        first, last = doc[start].idx, doc[end - 1].idx + len(doc[end - 1])
        for match in self.operator_grip_regex.finditer(text, max(0, first - 40), min(len(text), last + 40)):
            if match.start() <= first and last <= match.end():
                return _SIDE_BEFORE.search(text, max(0, match.start() - 16), match.start()) is None
        return False

    def _drop_non_skin(self, words: "_Words", found: list["Found"], sentence_ids, sentence_tokens) -> list["Found"]:
        """Drop the site and diagnosis words of a non-skin structure; mark its procedure words kind ``other``.

        The procedure word stays (as a non-skin procedure, like a D&C) so that linking knows the
        lesion's operation was not a skin one ("Excision of penile skin bridges").
        """
        sites = [(f.span.start, f.span.end) for f in found if f.span.label_ == SITE]
        out = []
        for item in found:
            if item.span.label_ == PROCEDURE and item.value.get("kind") == "other":
                out.append(item)
            elif self._names_non_skin(words, item, sentence_tokens[int(sentence_ids[item.span.start])], sites):
                if item.span.label_ == PROCEDURE:
                    out.append(Found(item.span, item.rule, {**item.value, "kind": "other", "not_skin": True}))
            else:
                out.append(item)
        return out

    def _has_non_skin_phrase(self, lower: list[int]) -> bool:
        """Whether a non-skin phrase occurs anywhere in the note (what _non_skin_phrases looks for)."""
        non_skin = self._non_skin
        for word in non_skin.keys() & set(lower):  # the first words present, found in C
            phrases, i = non_skin[word], -1
            while True:
                try:
                    i = lower.index(word, i + 1)
                except ValueError:
                    break
                for phrase in phrases:
                    if tuple(lower[i : i + len(phrase)]) == phrase:
                        return True
        return False

    def _non_skin_phrases(self, lower: list[int], start: int, end: int, sites: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """``(start, end)`` token ranges of the non-skin phrases that start inside ``start:end``.

        A phrase inside a site mention is the site's own word ("bridge of the nose"), not an organ.
        """
        out = []
        for i in range(start, end):
            for phrase in self._non_skin.get(lower[i], ()):
                e = i + len(phrase)
                if tuple(lower[i:e]) == phrase and not any(s <= i and e <= t for s, t in sites):
                    out.append((i, e))
        return out

    def _names_non_skin(self, words: "_Words", item: "Found", sentence: tuple[int, int], sites: list[tuple[int, int]]) -> bool:
        """A procedure or diagnosis word in a clause about a non-skin structure, or a site word inside such a phrase.

        "Left axillary lymph node excisional biopsy", "The lymph node was excised", "Excision of
        infected pilonidal cyst", "Excisional breast biopsy": not skin-lesion facts.  The clause is
        a few words either side, cut at a comma, "and", "with" or the sentence end, so "wide excision
        of the melanoma and sentinel lymph node biopsy" keeps its excision.
        """
        label, start, end = item.span.label_, item.span.start, item.span.end
        lower = words.lower
        if label == SITE:
            phrases = self._non_skin_phrases(lower, max(sentence[0], start - 3), end, [(start, end)])
            return any(s <= start < e or start <= s < end for s, e in phrases)
        if label not in (PROCEDURE, DIAGNOSIS):
            return False
        left = start
        while left > max(sentence[0], start - 6) and lower[left - 1] not in self._clause_breaks:
            left -= 1
        right = end
        while right < min(sentence[1], end + 8) and lower[right] not in self._clause_breaks:
            right += 1
        if right == end and right < sentence[1] and lower[right] == self._comma_id:
            # A title item "Excisional biopsy, left posterior cervical lymph node.": the words after
            # the comma name what the procedure was done to.
            right += 1
            while right < min(sentence[1], end + 9) and lower[right] not in self._clause_breaks:
                right += 1
        return bool(self._non_skin_phrases(lower, left, right, sites))

    def _closes_donor_site(self, words: "_Words", start: int, end: int, sentence: tuple[int, int], meta: dict) -> bool:
        """"The donor site was closed primarily", "adjacent tissue transfer closure of the left
        supraclavicular grafting site": a closure (not the graft or flap itself) a few words from a
        donor-site word in its sentence closes the donor site."""
        if (meta.get("value") or {}).get("closure_class") in ("graft", "flap"):
            return False
        near = words.lower[max(sentence[0], start - 6) : min(sentence[1], end + 7)]
        return not self._ids["donor_site_words"].isdisjoint(near)

    def _locates_previous_site(self, words: "_Words", previous: tuple[int, int] | None, start: int) -> bool:
        """"on the left cheek just in front of the ear": a landmark that places the site just named."""
        if previous is None or not 0 < start - previous[1] <= 6:
            return False
        between = set(words.lower[previous[1] : start])
        return bool(between & self._ids["relative_cues"]) and not between & self._ids["clause_breaks"]

    def _measured_from_landmark(self, words: "_Words", start: int, sentence: tuple[int, int]) -> bool:
        """"lay about 1 cm below the lower lid", "just lateral to the tail of the brow": a landmark.

        A relative cue at most five words before the site, itself after a distance or "just"
        within three words, places a lesion already named; it is not where a second lesion is.
        """
        ids = self._ids
        lower = words.lower
        first = max(sentence[0], start - 6)
        cues = [i for i in range(first, start) if lower[i] in ids["relative_cues"]]
        if not cues or not ids["clause_breaks"].isdisjoint(lower[cues[-1] : start]):
            return False
        return not ids["landmark_distance"].isdisjoint(lower[max(sentence[0], cues[-1] - 3) : cues[-1]])

    def _merge_adjacent_sites(self, doc: Doc, words: "_Words", found: list["Found"]) -> list["Found"]:
        """'scalp vertex', 'left scapular back': two site words in a row are one mention."""
        out: list[Found] = []
        for item in sorted(found, key=lambda f: (f.span.start, -f.span.end)):
            prev = out[-1] if out else None
            if prev is not None and item.span.label_ == SITE and prev.span.label_ == SITE and prev.span.end == item.span.start:
                merged = Span(doc, prev.span.start, item.span.end, label=SITE)
                value = dict(item.value)
                value["subsite"] = value.get("subsite") or prev.value.get("subsite")
                value.update(self._site_attributes(words.texts(merged.start, merged.end), value))
                out[-1] = Found(merged, item.rule, value)
            else:
                out.append(item)
        return out

    @staticmethod
    def _drop_weak_closures(found: list["Found"], sentence_ids) -> list["Found"]:
        """Keep a suture description only when no named closure phrase is in or next to its sentence."""
        closures = [f for f in found if f.span.label_ == CLOSURE]
        strong_sents = {int(sentence_ids[f.span.start]) for f in closures if not f.value.get("weak")}
        layered_sents = {int(sentence_ids[f.span.start]) for f in closures if f.value.get("closure_class") != "simple"}
        kept = []
        for item in found:
            if item.span.label_ == CLOSURE and item.value.get("weak"):
                here = int(sentence_ids[item.span.start])
                neighbours = {here - 1, here, here + 1}
                if neighbours & strong_sents:
                    continue
                if item.value.get("closure_class") == "simple" and neighbours & layered_sents:
                    continue
            kept.append(item)
        return kept

    @staticmethod
    def _drop_unneeded_procedures(found: list["Found"], sentence_ids) -> list["Found"]:
        """Drop a procedure word that names the procedure only beside certain diagnoses
        (``needs_diagnosis``: "Clipped 12 skin tags") when its sentence names none of them
        ("the hair was clipped")."""
        if not any(f.span.label_ == PROCEDURE and f.value.get("needs_diagnosis") for f in found):
            return found
        kinds_in: dict[int, set] = {}
        for f in found:
            if f.span.label_ == DIAGNOSIS:
                kinds_in.setdefault(int(sentence_ids[f.span.start]), set()).add(f.value.get("kind"))
        return [
            f for f in found
            if not (f.span.label_ == PROCEDURE and f.value.get("needs_diagnosis"))
            or not kinds_in.get(int(sentence_ids[f.span.start]), set()).isdisjoint(f.value["needs_diagnosis"])
        ]

    # -- serialisation: a saved pipeline carries its lexicons ----------------------------
    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        for key in ("sites", "diagnoses", "closures", "procedures", "typos"):
            srsly.write_json(path / f"{key}.json", getattr(self.lexicons, key).model_dump())

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "OpnoteTargets":
        self._set_lexicons(load_lexicons(path))
        return self


def entity_spans(doc: Doc) -> list[Span]:
    """The spans of the entity group, as ``list(doc.spans[ENTITY_GROUP])`` gives them.

    Iterating a span group builds a new ``Span`` (three Tokens) per entity each time; the later
    components read the entities several times, so the list the entity component made is kept in
    ``doc.user_data`` and reused while the group is the same object of the same length.
    :func:`forget_entity_spans` drops it (the last component does).
    """
    group = doc.spans[ENTITY_GROUP]
    kept = doc.user_data.get(_ENTITY_LIST_KEY)
    if kept is not None and kept[0] is group and len(kept[1]) == len(group):
        return kept[1]
    spans = list(group)
    doc.user_data[_ENTITY_LIST_KEY] = (group, spans)
    return spans


def forget_entity_spans(doc: Doc) -> None:
    """Drop the list kept by :func:`entity_spans` (Spans cannot be serialised with the Doc)."""
    doc.user_data.pop(_ENTITY_LIST_KEY, None)


class _Words:
    """A Doc's tokens as the component reads them: lower-case ids and sentence starts, from arrays."""

    __slots__ = ("doc", "length", "lower", "_sentence_ids")

    def __init__(self, doc: Doc, sentence_ids) -> None:
        self.doc = doc
        self.length = len(doc)
        self.lower: list[int] = doc.to_array(LOWER).tolist()
        self._sentence_ids = sentence_ids

    def sentence_start(self, i: int) -> bool:
        """``doc[i].is_sent_start`` for ``i > 0`` (every token has a boundary flag by now)."""
        return self._sentence_ids[i] != self._sentence_ids[i - 1]

    def texts(self, start: int, end: int) -> list[str]:
        """Lower-case forms of the tokens ``start:end``."""
        strings = self.doc.vocab.strings
        return [strings[w] for w in self.lower[start:end]]


@Language.factory("opnote_targets", default_config={"lexicon_dir": None}, requires=["token.is_sent_start"], assigns=["doc.ents", "doc.spans"])
def make_targets(nlp: Language, name: str, lexicon_dir: str | None) -> OpnoteTargets:
    """Build the entity matcher; ``lexicon_dir`` None means the lexicons shipped in the package."""
    for attr in ("opnote_rule", "opnote_value"):
        if not Span.has_extension(attr):
            Span.set_extension(attr, default=None)
    return OpnoteTargets(nlp, name, lexicon_dir)

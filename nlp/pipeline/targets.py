"""Entity rules: medspaCy's TargetMatcher over our lexicons, then span edges made to measure.

The matcher finds the core term ("ala", "nevus", "layered closure"); small, named expansion
steps then add the words that belong to the mention (laterality and position words for sites,
subtype words for diagnoses) and drop mentions that are not lesion facts (a body part used for
positioning, a suture description next to a named closure).  Every resulting span carries the
id of the lexicon entry that produced it (``span._.opnote_rule``) and its normalised value
(``span._.opnote_value``).
"""

import re
import warnings
from pathlib import Path
from typing import Iterable, NamedTuple

import srsly
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from nlp.pipeline._medspacy import TargetMatcher, TargetRule
from nlp.pipeline.doctext import doc_text
from nlp.pipeline.lexicons import Lexicons, load_lexicons, packaged_lexicons
from nlp.pipeline.sections import section_at
from nlp.pipeline.sentences import sentence_table
from nlp.pipeline.spanvalues import get_span_value, set_span_value

SITE, DIAGNOSIS, CLOSURE, PROCEDURE = "ANATOMIC_SITE", "LESION_DIAGNOSIS", "CLOSURE_TYPE", "PROCEDURE"
ENTITY_GROUP = "opnote_entities"
# "an ellipse was drawn ..., measuring 4.0 x 1.9 cm": the thing measured is not the lesion.
NOT_THE_LESION = re.compile(r"\b(?:ellipse|elliptical|incision|defect|wound|specimen|closure|repair|flap|graft)\b", re.IGNORECASE)
MEASURED_BEFORE = re.compile(r"\bmeasur\w*\s+(?:approximately\s+|about\s+|roughly\s+|approx\.?\s+)?$", re.IGNORECASE)
DEFAULT_KIND_RULE = "kind.default"
LESION_SENTENCE_RULE = "kind.lesion_size.lesion_sentence"
MEASUREMENT_LABELS = ("LESION_SIZE", "MARGIN", "EXCISED_DIAMETER", "WOUND_LENGTH", "SPECIMEN_SIZE", "DEFECT_AREA")

_WORD = re.compile(r"[a-z]+")
# Words that head an "X of the <site>" phrase ("dorsum of the left hand").
OF_HEADS = frozenset(
    "dorsum tip side bridge ala base root lobe crown back bottom top palm sole angle corner edge rim "
    "surface aspect portion part area region skin web border margin apex".split()
)
POSSESSIVES = frozenset("his her their the its".split())
# A site after one of these is where something is ("on the mid back"), whatever came before.
LOCATING_PREPOSITIONS = frozenset("on at over".split())


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
        add(SITE, entry, {"region": entry.region, "subsite": entry.subsite, "structure": entry.structure})
    for entry in lexicons.diagnoses.diagnoses:
        add(DIAGNOSIS, entry, {"kind": entry.kind, "behaviour": entry.behaviour})
    for entry in lexicons.closures.closures:
        add(CLOSURE, entry, {"closure_class": entry.closure_class, "detail": list(entry.detail)})
    for entry in lexicons.procedures.procedures:
        add(PROCEDURE, entry, {"kind": entry.kind})
    return rules


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
        self.matcher = TargetMatcher(self.language, name=f"{self.name}_matcher", result_type=None, phrase_matcher_attr="NORM")
        self.typos = lexicons.typos.corrections()
        self.matcher.add(_rules_from(lexicons, exact=False, typos=self.typos))
        self.exact_matcher = TargetMatcher(
            self.language, name=f"{self.name}_exact_matcher", result_type=None, phrase_matcher_attr="ORTH"
        )
        self.exact_matcher.add(_rules_from(lexicons, exact=True))
        sites = lexicons.sites.modifiers
        self.laterality = {k.lower(): v for k, v in sites.laterality.items()}
        self.position_verb_regex = re.compile(
            r"\b(?:" + "|".join(re.escape(w) for w in lexicons.sites.filters.position_verbs) + r")\b", re.IGNORECASE
        )
        self.non_site_followers = frozenset(w.lower() for w in lexicons.sites.filters.non_site_followers)
        self.non_site_preceders = frozenset(w.lower() for w in lexicons.sites.filters.non_site_preceders)
        self.orientation_cues = frozenset(w.lower() for w in lexicons.sites.filters.orientation_cues)
        self.equipment_followers = frozenset(w.lower() for w in lexicons.sites.filters.equipment_followers)
        self.landmark_cues = frozenset(w.lower() for w in lexicons.sites.filters.landmark_cues)
        self.origin_verbs = frozenset(w.lower() for w in lexicons.sites.filters.origin_verbs)
        self.donor_cues = frozenset(w.lower() for w in lexicons.sites.filters.donor_cues)
        self.flap_words = frozenset(w.lower() for w in lexicons.sites.filters.flap_words)
        self.relative_cues = frozenset(w.lower() for w in lexicons.sites.filters.relative_cues)
        self.organ_followers = frozenset(w.lower() for w in lexicons.sites.filters.organ_followers)
        self.adverb_uses = {site.lower(): frozenset(w.lower() for w in words) for site, words in lexicons.sites.filters.adverb_uses.items()}
        self.site_modifiers = frozenset(self.laterality) | {p.lower() for p in sites.position}
        self.kind_by_modifier = {
            (rule.kind, word.lower()): rule.becomes for rule in lexicons.diagnoses.kind_by_modifier for word in rule.modifiers
        }
        self.dx_modifiers = frozenset(m.lower() for m in lexicons.diagnoses.modifiers)
        self.subtype_followers = frozenset(w.lower() for w in lexicons.diagnoses.subtype_followers)
        self.summary_preceders = frozenset(w.lower() for w in lexicons.closures.summary_preceders)
        self.strong_procedure_terms = {
            term.lower(): entry for entry in lexicons.procedures.procedures if not entry.weak for term in entry.terms
        }

    # -- the component ---------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        self._mark_typos(doc)
        sentence_ids, sentence_chars, sentence_tokens = sentence_table(doc)
        sections = doc._.opnote_sections or [] if Doc.has_extension("opnote_sections") else []
        section_starts = [s[1] for s in sections]
        with warnings.catch_warnings():
            # spaCy warns (W036) that the token Matcher inside medspaCy's matcher is empty: it
            # is, on purpose (see _rules_from).
            warnings.filterwarnings("ignore", message=r"\[W036\]")
            matches = filter_spans(self.matcher(doc) + self.exact_matcher(doc))
        found: list[Found] = []
        previous_site: Span | None = None
        for span in matches:
            meta = get_span_value(doc, span, "target_rule").metadata or {}
            label = span.label_
            if meta.get("sections") and section_at(sections, span.start_char, section_starts) not in meta["sections"]:
                continue
            if label == SITE:
                span = self._expand_site(doc, span)
                if self._is_not_a_lesion_site(doc, span, sentence_tokens[sentence_ids[span.start]], meta):
                    continue
                if self._locates_previous_site(doc, previous_site, span):
                    continue
                previous_site = span
            elif label == DIAGNOSIS:
                if span.end < len(doc) and doc[span.end].lower_ in self.subtype_followers:
                    continue  # "(lentigo maligna type)": the subtype of the diagnosis before it
                span = self._expand_left(doc, span, self.dx_modifiers)
            elif label == CLOSURE and span.start > 0 and doc[span.start - 1].lower_ in self.summary_preceders:
                continue  # "Total intermediate repair (sites 1 and 2)": a sum, restated
            elif label == PROCEDURE and meta.get("weak"):
                span, meta = self._technique_before_aside(doc, span, meta)
            value = dict(meta.get("value") or {})
            if label == SITE:
                value.update(self._site_attributes(span, value))
            elif label == DIAGNOSIS and self.kind_by_modifier:
                for token in span:
                    becomes = self.kind_by_modifier.get((value.get("kind"), token.lower_))
                    if becomes:
                        value["kind"] = becomes
            if meta.get("weak"):
                value["weak"] = True
            found.append(Found(Span(doc, span.start, span.end, label=label), meta.get("id"), value))
        found = self._merge_adjacent_sites(doc, found)
        found = self._drop_weak_closures(found, sentence_ids)
        for item in found:
            set_span_value(doc, item.span, "opnote_rule", item.rule)
            set_span_value(doc, item.span, "opnote_value", item.value)
        spans = [item.span for item in found]
        entities = filter_spans(spans + self._measurements(doc, spans, sentence_ids, sentence_chars))
        # The span group is what later components read: Doc.ents re-scans every token on each
        # access. doc.ents is still set, for displaCy and other spaCy tools.
        doc.spans[ENTITY_GROUP] = entities
        doc.ents = entities
        return doc

    @staticmethod
    def _measurements(doc: Doc, targets: list[Span], sentence_ids, sentence_chars) -> list[Span]:
        """Measurement spans for ``doc.ents``.

        A size the measurement rules could not explain (``kind.default``) in a sentence that names
        the lesion ("Nevus, R 2nd toe, dorsal, 3.5 mm"), or right after "measures", is taken as
        the lesion's size (wound, margin and specimen sizes have their own cues).
        """
        if "opnote_measurements" not in doc.spans:
            return []
        lesion_sentences = {sentence_ids[t.start] for t in targets if t.label_ in (SITE, DIAGNOSIS)}
        text = doc_text(doc)
        out = []
        for span in doc.spans["opnote_measurements"]:
            value = span._.opnote_value or {}
            if span.label_ in MEASUREMENT_LABELS:
                out.append(span)
            elif value.get("kind_rule") == DEFAULT_KIND_RULE and not value.get("is_area") and (
                sentence_ids[span.start] in lesion_sentences
                or (
                    MEASURED_BEFORE.search(text, max(0, span.start_char - 40), span.start_char)
                    and not NOT_THE_LESION.search(text, sentence_chars[sentence_ids[span.start]][0], span.start_char)
                )
            ):
                relabelled = Span(doc, span.start, span.end, label="LESION_SIZE")
                relabelled._.opnote_value = {**value, "kind": "lesion_size", "kind_rule": LESION_SENTENCE_RULE}
                relabelled._.opnote_rule = value.get("rule")
                out.append(relabelled)
        return out

    def _mark_typos(self, doc: Doc) -> None:
        """Give a forgiven misspelling ("Excison") the NORM of the word meant, for the matcher."""
        typos = self.typos
        for token in doc:
            meant = typos.get(token.lower_)
            if meant is not None:
                token.norm_ = meant

    # -- expansion and filtering -----------------------------------------------------------
    def _technique_before_aside(self, doc: Doc, span: Span, meta: dict) -> tuple[Span, dict]:
        """"Incisional (wedge) biopsy": the technique word before a bracketed aside still names it.

        A weak procedure word ("biopsy") right after a short parenthesis takes the lexicon
        entry of the word before the parenthesis plus itself, when that phrase is a term.
        """
        close = span.start - 1
        if close < 2 or doc[close].text != ")":
            return span, meta
        # index 0 is never tried: the technique word must come before the parenthesis.
        open_ = next((i for i in range(close - 1, max(close - 6, 0), -1) if doc[i].text == "("), None)
        if open_ is None:
            return span, meta
        entry = self.strong_procedure_terms.get(f"{doc[open_ - 1].lower_} {span.text.lower()}")
        if entry is None:
            return span, meta
        value = {"kind": entry.kind}
        return Span(doc, open_ - 1, span.end, label=span.label_), {**meta, "id": entry.id, "weak": False, "value": value}

    def _expand_left(self, doc: Doc, span: Span, words: frozenset[str]) -> Span:
        start = span.start
        while start > 0 and not doc[start].is_sent_start and doc[start - 1].lower_ in words:
            start -= 1
        if start < span.start and doc[start].lower_ == "-":
            start += 1
        return doc[start : span.end] if start != span.start else span

    def _expand_site(self, doc: Doc, span: Span) -> Span:
        span = self._expand_left(doc, span, self.site_modifiers)
        start = span.start
        # "<head> of (the) <site>": "dorsum of the left hand", "lateral aspect of the right thigh"
        i = start - 1
        if i >= 1 and doc[i].lower_ in POSSESSIVES:
            i -= 1
        if i >= 1 and doc[i].lower_ == "of" and doc[i - 1].lower_ in OF_HEADS:
            head = self._expand_left(doc, doc[i - 1 : i], self.site_modifiers)
            start = head.start
        return doc[start : span.end] if start != span.start else span

    def _site_attributes(self, span: Span, value: dict) -> dict:
        words = [t.lower_ for t in span]
        laterality = next((self.laterality[w] for w in words if w in self.laterality), None)
        # "L" / "R" only count as laterality when they stand at the front of the phrase.
        if laterality and words[0] not in self.laterality and any(w in ("l", "r", "l.", "r.") for w in words):
            laterality = next((self.laterality[w] for w in words if w in self.laterality and len(w) > 2), None)
        part = None
        if value.get("region") == "eyelid":
            part = "upper" if "upper" in words else "lower" if "lower" in words else None
        return {"laterality": laterality, "eyelid_part": part}

    def _is_not_a_lesion_site(self, doc: Doc, span: Span, sentence: tuple[int, int], meta: dict) -> bool:
        """An 'arm board', a 'back-cut', a 'dog ear', 'placed prone with his back ...', an ellipse 'parallel to
        the long axis of the thigh', a landmark 'just above the vermilion border' (but a lesion
        'arising from the lid margin' is on it), or a graft's donor site 'FTSG from L upper arm'."""
        if span.end < len(doc) and doc[span.end].lower_ in self.non_site_followers:
            return True
        if span.end + 1 < len(doc) and doc[span.end].text == "-" and doc[span.end + 1].lower_ in self.non_site_followers:
            return True  # "a back-cut", "a neck-roll": a hyphenated compound, not the body part
        if span.start > 0 and doc[span.start - 1].lower_ in self.non_site_preceders:
            return True
        if span.start > 0 and doc[span.start - 1].lower_ in self.adverb_uses.get(span.text.lower(), ()):
            return True  # "once the diagnosis is back"
        after = [t.lower_ for t in doc[span.end : min(sentence[1], span.end + 3)]]
        if after[:1] == ["of"] and any(w in self.organ_followers for w in after[1:3]):
            return True  # "the posterior lip of the cervix"
        if any(t.lower_ in self.equipment_followers for t in doc[span.end : min(sentence[1], span.end + 4)]):
            return True
        window = [t.lower_ for t in doc[max(sentence[0], span.start - 6) : span.start]]
        cue = max((i for i, w in enumerate(window) if w in self.orientation_cues), default=None)
        if cue is not None and not any(w in LOCATING_PREPOSITIONS for w in window[cue + 1 :]):
            return True  # "oriented along the long axis of the thigh" (but "along her bra line on the mid back")
        if any(t.lower_ in self.flap_words for t in doc[span.end : min(sentence[1], span.end + 2)]):
            return True  # "a groin pedicle flap", "a forehead flap": the flap's name, not a lesion site
        if (meta.get("value") or {}).get("structure"):
            cues = [i for i in range(max(0, len(window) - 3), len(window)) if window[i] in self.landmark_cues]
            arising = bool(cues) and window[cues[-1]] == "from" and cues[-1] > 0 and window[cues[-1] - 1] in self.origin_verbs
            if cues and not arising:
                return True
        # "FTSG from L inner upper arm", "a graft taken from the postauricular skin behind the right ear":
        # a site a few words after "from", with a graft or harvest word just before it, is the donor site.
        reach = [t.lower_ for t in doc[max(sentence[0], span.start - 9) : span.start]]
        if "from" in reach:
            at = len(reach) - 1 - reach[::-1].index("from")
            before_from = [t.lower_ for t in doc[max(sentence[0], span.start - len(reach) + at - 5) : span.start - len(reach) + at]]
            if any(w in self.donor_cues for w in before_from):
                return True
        if not any(w in POSSESSIVES for w in window[-3:]):
            return False
        # A positioning verb near the site ("placed prone with his back up", "her back was prepped"),
        # not anywhere in a long sentence ("on the right upper back, is a cyst that turned red").
        first, last = doc[max(sentence[0], span.start - 6)], doc[min(sentence[1], span.end + 6) - 1]
        nearby = doc_text(doc)[first.idx : last.idx + len(last)]
        return bool(self.position_verb_regex.search(nearby))

    def _locates_previous_site(self, doc: Doc, previous: Span | None, span: Span) -> bool:
        """"on the left cheek just in front of the ear": a landmark that places the site just named."""
        if previous is None or not 0 < span.start - previous.end <= 6:
            return False
        between = {t.lower_ for t in doc[previous.end : span.start]}
        return bool(between & self.relative_cues) and not between & {".", ";", "and", "or"}

    def _merge_adjacent_sites(self, doc: Doc, found: list["Found"]) -> list["Found"]:
        """'scalp vertex', 'left scapular back': two site words in a row are one mention."""
        out: list[Found] = []
        for item in sorted(found, key=lambda f: (f.span.start, -f.span.end)):
            prev = out[-1] if out else None
            if prev is not None and item.span.label_ == SITE and prev.span.label_ == SITE and prev.span.end == item.span.start:
                merged = Span(doc, prev.span.start, item.span.end, label=SITE)
                value = dict(item.value)
                value["subsite"] = value.get("subsite") or prev.value.get("subsite")
                value.update(self._site_attributes(merged, value))
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

    # -- serialisation: a saved pipeline carries its lexicons ----------------------------
    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        for key in ("sites", "diagnoses", "closures", "procedures", "typos"):
            srsly.write_json(path / f"{key}.json", getattr(self.lexicons, key).model_dump())

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "OpnoteTargets":
        self._set_lexicons(load_lexicons(path))
        return self


@Language.factory("opnote_targets", default_config={"lexicon_dir": None}, requires=["token.is_sent_start"], assigns=["doc.ents", "doc.spans"])
def make_targets(nlp: Language, name: str, lexicon_dir: str | None) -> OpnoteTargets:
    """Build the entity matcher; ``lexicon_dir`` None means the lexicons shipped in the package."""
    for attr in ("opnote_rule", "opnote_value"):
        if not Span.has_extension(attr):
            Span.set_extension(attr, default=None)
    return OpnoteTargets(nlp, name, lexicon_dir)

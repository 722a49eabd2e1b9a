"""medspaCy ConText with rules tuned for skin-lesion notes.

Wraps medspaCy's component so the rules come from ``nlp/resources/context_rules.json`` (validated
by medspaCy's own key whitelist plus ours) and travel with a saved pipeline.
"""

import warnings
from pathlib import Path
from typing import Iterable

import srsly
from pydantic import BaseModel, ConfigDict, model_validator
from spacy.language import Language
from spacy.tokens import Doc

from nlp.errors import RuleFileError
from nlp.pipeline._medspacy import ConText, ConTextGraph, ConTextModifier, ConTextRule, RuleMatcher
from nlp.pipeline.acceptance import accept_offers
from nlp.pipeline.doctext import doc_text
from nlp.pipeline.rulefiles import load_rule_file, resource_path, validate
from nlp.pipeline.sentences import sentence_table
from nlp.pipeline.spanvalues import get_span_value, set_span_value
from nlp.pipeline.targets import ENTITY_GROUP, entity_spans
from nlp.pipeline.textrules import ACCEPTED, TextRuleModel, apply_text_rules, compile_rule

RULES_FILE = "context_rules.json"
CATEGORIES = frozenset(
    {
        "NEGATED_EXISTENCE", "POSSIBLE_EXISTENCE", "HISTORICAL", "FAMILY", "HYPOTHETICAL", "PRIOR_BIOPSY", "PERFORMED", "NOT_TREATED",
        "DIAGNOSTIC_INTENT", "REFERRED", "PSEUDO", "TERMINATE",
    }
)


class ContextRuleModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    literal: str
    category: str
    direction: str = "BIDIRECTIONAL"
    pattern: list[dict] | str | None = None
    allowed_types: list[str] | None = None
    excluded_types: list[str] | None = None
    max_scope: int | None = None
    max_targets: int | None = None


class ContextRules(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str
    description: str = ""
    context_rules: list[ContextRuleModel]
    text_rules: list[TextRuleModel] = []

    @model_validator(mode="after")
    def _cancelled_cues_exist(self) -> "ContextRules":
        """An acceptance may only undo hypothetical cues the file has (a renamed cue fails here)."""
        cues = {r.literal.lower() for r in self.context_rules if r.category == "HYPOTHETICAL"}
        cues |= {r.id.lower() for r in self.text_rules if r.category == "HYPOTHETICAL"}
        for rule in self.text_rules:
            unknown = [name for name in rule.cancels if name.lower() not in cues]
            if unknown:
                raise ValueError(f"text rule {rule.id}: cancels {unknown}, which are no HYPOTHETICAL rule literal or text rule id")
        return self


def _to_medspacy(rules: ContextRules, path: Path | str) -> list[ConTextRule]:
    out = []
    for i, rule in enumerate(rules.context_rules):
        if rule.category not in CATEGORIES:
            raise RuleFileError(path, rule.literal, f"unknown category {rule.category!r}; use one of {sorted(CATEGORIES)}")
        kwargs = rule.model_dump(exclude_none=True)
        for key in ("allowed_types", "excluded_types"):
            if key in kwargs:
                kwargs[key] = set(kwargs[key])
        try:
            out.append(ConTextRule(**kwargs))
        except (ValueError, TypeError) as exc:
            raise RuleFileError(path, f"#{i} {rule.literal!r}", str(exc)) from None
    return out


class OpnoteContext:
    """spaCy component: runs ConText over the entity span group with our rules."""

    def __init__(self, language: Language, name: str, rules_path: str | None) -> None:
        self.language = language
        self.name = name
        path = Path(rules_path) if rules_path else resource_path(RULES_FILE)
        self._set_rules(load_rule_file(path, ContextRules, rules_key="context_rules"), path)

    def _set_rules(self, rules: ContextRules, path: Path | str) -> None:
        self.rules = rules
        compiled = [compile_rule(rule) for rule in rules.text_rules]
        self.text_rules = [rule for rule in compiled if rule.category != ACCEPTED]
        self.acceptances = [rule for rule in compiled if rule.category == ACCEPTED]
        self.context = ConText(
            self.language, name=f"{self.name}_context", rules=None, max_scope=None,
            input_span_type="group", span_group_name=ENTITY_GROUP,
        )
        self.context.add(_to_medspacy(rules, path))
        self.matcher = RuleMatcher(self.context)
        # The sentence-scoped algorithm below is medspaCy's; other settings take medspaCy's own path.
        self.sentence_scoped = (
            self.context.max_scope is None
            and not self.context.prune_on_target_overlap
            and all(rule.on_modifies is None and rule.max_targets is None for rule in self.matcher.rules.values())
        )

    def __call__(self, doc: Doc) -> Doc:
        if not self.sentence_scoped:
            with warnings.catch_warnings():
                # spaCy warns (W036) when the token Matcher inside medspaCy's matcher is empty, which
                # it is on purpose: token patterns cost a pass over every token.
                warnings.filterwarnings("ignore", message=r"\[W036\]")
                doc = self.context(doc)
        else:
            self._context(doc)
        if (self.text_rules or self.acceptances) and ENTITY_GROUP in doc.spans:
            self._apply_text_rules(doc)
        return doc

    def _context(self, doc: Doc) -> None:
        """medspaCy's ``ConText.__call__`` for sentence scopes, on plain tuples.

        The same steps in the same order as ``ConText.__call__``, ``ConTextModifier`` and
        ``ConTextGraph`` (medspaCy 1.3): a modifier's scope is its sentence in its rule's
        direction, cut to the rule's ``max_scope``; every pair of modifiers then limits each
        other's scope (``limit_scope``); a modifier modifies a target of an allowed type that
        overlaps its scope and not itself.  medspaCy does this with a property call per field and
        ``Token.sent`` (a scan of the Doc) per modifier; here the sentences come from
        :func:`~nlp.pipeline.sentences.sentence_table`.  The results are medspaCy's objects:
        ``span._.modifiers``, the ``is_*`` flags and ``doc._.context_graph``.
        """
        group = doc.spans[ENTITY_GROUP]
        targets = entity_spans(doc)
        sentence_ids, _, sentence_tokens = sentence_table(doc)
        rules = self.matcher.rules
        found = []  # [rule, start, end, scope start, scope end, targets]
        for match_id, start, end in self.matcher(doc):
            rule = rules[match_id]
            sent_start, sent_end = sentence_tokens[sentence_ids[start]]
            direction, max_scope = rule.direction, rule.max_scope
            if direction == "FORWARD":
                low, high = end, sent_end
                if max_scope is not None and high - low > max_scope:
                    high = end + max_scope
            elif direction == "BACKWARD":
                low, high = sent_start, start
                if max_scope is not None and high - low > max_scope:
                    low = start - max_scope
            else:
                low, high = sent_start, sent_end
                if max_scope is not None and start - low > max_scope:
                    low = start - max_scope
                if max_scope is not None and high - end > max_scope:
                    high = end + max_scope
            found.append([rule, start, end, low, high, []])
        # ``_limit_scope`` returns at once unless the two scopes overlap; that first test is made
        # here on the current scopes, so most pairs cost no call.
        for i in range(len(found) - 1):
            first = found[i]
            for j in range(i + 1, len(found)):
                second = found[j]
                low, high, other_low, other_high = first[3], first[4], second[3], second[4]
                if low <= other_low < high or low < other_high <= high:
                    _limit_scope(first, second)
                    low, high = first[3], first[4]
                if other_low <= low < other_high or other_low < high <= other_high:
                    _limit_scope(second, first)
        # A modifier modifies a target when (all of): the target overlaps the modifier's scope,
        # is not (part of) the modifier, has an allowed type and the modifier is not a
        # TERMINATE or PSEUDO one.  The tests have no side effects, so the cheapest goes first;
        # each modifier's targets stay in target order, as medspaCy appends them.
        spans = [(target.start, target.end, target.label_.upper(), target) for target in targets]
        for rule, start, end, low, high, modified in found:
            if rule.direction in ("TERMINATE", "PSEUDO"):
                continue
            allowed, excluded = rule.allowed_types, rule.excluded_types
            for t_start, t_end, label, target in spans:
                if not (low <= t_start < high or low < t_end <= high):
                    continue
                if start <= t_start < end or start < t_end <= end:
                    continue  # the target is (part of) the modifier
                if allowed is not None:
                    if label not in allowed:
                        continue
                elif excluded is not None and label in excluded:
                    continue
                modified.append(target)
        modifiers, edges = [], []
        mapping = self.context.context_attributes_mapping or {}
        for rule, start, end, low, high, modified in found:
            modifier = ConTextModifier(rule, start, end, None, scope_start=low, scope_end=high)
            modifier._targets = modified
            modifier._num_targets = len(modified)
            modifiers.append(modifier)
            for target in modified:
                edges.append((target, modifier))
                set_span_value(doc, target, "modifiers", get_span_value(doc, target, "modifiers", ()) + (modifier,))
        for target, modifier in edges:
            for attribute, value in mapping.get(modifier.category, {}).items():
                set_span_value(doc, target, attribute, value)
        graph = ConTextGraph(prune_on_modifier_overlap=self.context.prune_on_target_overlap)
        graph.targets, graph.modifiers, graph.edges = group, modifiers, edges
        doc._.context_graph = graph

    def _apply_text_rules(self, doc: Doc) -> None:
        """The text rules beside each entity (:mod:`nlp.pipeline.textrules`), then the
        acceptances of offers (:mod:`nlp.pipeline.acceptance`)."""
        text = doc_text(doc)
        sentence_ids, sentence_spans, _ = sentence_table(doc)
        spans = entity_spans(doc)
        fired = apply_text_rules(doc, text, spans, self.text_rules, sentence_ids, sentence_spans, bool(self.acceptances))
        if self.acceptances:
            accept_offers(doc, text, spans, self.acceptances, fired, sentence_ids, sentence_spans)

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / RULES_FILE, self.rules.model_dump(exclude_none=True))

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "OpnoteContext":
        file = Path(path) / RULES_FILE
        self._set_rules(validate(srsly.read_json(file), ContextRules, file, "context_rules"), file)
        return self


def _limit_scope(modifier: list, other: list) -> None:
    """medspaCy's ``ConTextModifier.limit_scope(other)`` on ``[rule, start, end, low, high, ...]``."""
    low, high = modifier[3], modifier[4]
    if not (low <= other[3] < high or low < other[4] <= high):
        return
    rule, other_rule = modifier[0], other[0]
    if rule.direction == "TERMINATE":
        return
    if other_rule.direction != "TERMINATE" and other_rule.category not in rule.terminated_by and other_rule.category != rule.category:
        return
    if rule.category == other_rule.category and (
        rule.allowed_types != other_rule.allowed_types or rule.excluded_types != other_rule.excluded_types
    ):
        return
    if rule.direction in ("FORWARD", "BIDIRECTIONAL") and other[1] > modifier[1]:
        modifier[4] = min(high, other[1])
    if rule.direction in ("BACKWARD", "BIDIRECTIONAL") and other[2] < modifier[2]:
        modifier[3] = max(low, other[2])


@Language.factory("opnote_context", default_config={"rules_path": None}, requires=["doc.spans"])
def make_context(nlp: Language, name: str, rules_path: str | None) -> OpnoteContext:  # spaCy requires the names nlp and name
    return OpnoteContext(nlp, name, rules_path)

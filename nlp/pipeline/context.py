"""medspaCy ConText with rules tuned for skin-lesion notes.

Wraps medspaCy's component so the rules come from ``nlp/resources/context_rules.json`` (validated
by medspaCy's own key whitelist plus ours) and travel with a saved pipeline.
"""

import re
import warnings
from pathlib import Path
from typing import Iterable, Literal

import srsly
from pydantic import BaseModel, ConfigDict, field_validator
from spacy.language import Language
from spacy.tokens import Doc

from nlp.errors import RuleFileError
from nlp.pipeline._medspacy import ConText, ConTextRule
from nlp.pipeline.doctext import doc_text
from nlp.pipeline.rulefiles import check_regex, load_rule_file, resource_path, validate
from nlp.pipeline.sentences import sentence_table
from nlp.pipeline.targets import ENTITY_GROUP

RULES_FILE = "context_rules.json"
CATEGORY_ATTRIBUTES = {
    "NEGATED_EXISTENCE": "is_negated", "POSSIBLE_EXISTENCE": "is_uncertain", "HISTORICAL": "is_historical",
    "HYPOTHETICAL": "is_hypothetical", "FAMILY": "is_family",
}
CATEGORIES = frozenset(
    {"NEGATED_EXISTENCE", "POSSIBLE_EXISTENCE", "HISTORICAL", "FAMILY", "HYPOTHETICAL", "PRIOR_BIOPSY", "PSEUDO", "TERMINATE"}
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


class TextRuleModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    category: Literal["HISTORICAL", "NEGATED_EXISTENCE", "POSSIBLE_EXISTENCE", "HYPOTHETICAL", "FAMILY"]
    literal: str
    pattern: str
    allowed_types: list[str]

    _check = field_validator("pattern")(classmethod(lambda cls, v: check_regex(v)))


class ContextRules(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str
    description: str = ""
    context_rules: list[ContextRuleModel]
    text_rules: list[TextRuleModel] = []


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
        self.text_rules = [
            (re.compile(rule.pattern, re.IGNORECASE), CATEGORY_ATTRIBUTES[rule.category], frozenset(rule.allowed_types))
            for rule in rules.text_rules
        ]
        self.context = ConText(
            self.language, name=f"{self.name}_context", rules=None, max_scope=None,
            input_span_type="group", span_group_name=ENTITY_GROUP,
        )
        self.context.add(_to_medspacy(rules, path))

    def __call__(self, doc: Doc) -> Doc:
        with warnings.catch_warnings():
            # spaCy warns (W036) when the token Matcher inside medspaCy's matcher is empty, which
            # it is on purpose: token patterns cost a pass over every token.
            warnings.filterwarnings("ignore", message=r"\[W036\]")
            doc = self.context(doc)
        if self.text_rules and ENTITY_GROUP in doc.spans:
            self._apply_text_rules(doc)
        return doc

    def _apply_text_rules(self, doc: Doc) -> None:
        text = doc_text(doc)
        sentence_ids, sentence_spans, _ = sentence_table(doc)
        for span in doc.spans[ENTITY_GROUP]:
            sentence_end = sentence_spans[sentence_ids[span.start]][1]
            after = text[span.end_char : sentence_end]
            for regex, attribute, allowed in self.text_rules:
                if span.label_ in allowed and regex.search(after):
                    setattr(span._, attribute, True)

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / RULES_FILE, self.rules.model_dump(exclude_none=True))

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "OpnoteContext":
        file = Path(path) / RULES_FILE
        self._set_rules(validate(srsly.read_json(file), ContextRules, file, "context_rules"), file)
        return self


@Language.factory("opnote_context", default_config={"rules_path": None}, requires=["doc.spans"])
def make_context(nlp: Language, name: str, rules_path: str | None) -> OpnoteContext:  # spaCy requires the names nlp and name
    return OpnoteContext(nlp, name, rules_path)

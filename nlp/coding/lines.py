"""Draft code lines: what the rule modules produce before merging, linking and ordering.

A draft knows which lesions it covers and which kind of line it is, so the engine can merge
identical lines into units, attach the linked ICD-10-CM codes, compute confidence from the
checks that touch it, and sort.  Only the engine turns drafts into
:class:`~nlp.records.CodeSuggestion`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nlp.coding.checks import CheckLog, LineKind
from nlp.records import CodeSuggestion, CodeSystem, Evidence, SuggestionStatus


@dataclass
class Draft:
    """One code line in the making.

    ``parts`` are per-lesion rationale fragments (without rule id or result); ``result`` is the
    closing "-> code" phrase.  ``family`` groups lines for sequencing (see the engine) and
    ``rank`` sorts lines within a family (smaller first).
    """

    system: CodeSystem
    kind: LineKind
    code: str
    description: str
    rule: str
    lesions: list[int]
    parts: list[str]
    result: str
    evidence: list[Evidence] = field(default_factory=list)
    status: SuggestionStatus = "suggested"
    units: int = 1
    rank: tuple = ()
    family: str = "excision"
    modifiers: list[str] = field(default_factory=list)
    extra_rules: list[str] = field(default_factory=list)
    extra_flags: list[str] = field(default_factory=list)
    diagnoses: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def rationale(self) -> str:
        """One sentence: rule id(s), the numbers used, and the result."""
        rules = ", ".join([self.rule] + [r for r in self.extra_rules if r != self.rule])
        return f"{rules}: {'; '.join(self.parts)} -> {self.result}"

    def to_suggestion(self, log: CheckLog) -> CodeSuggestion:
        """The published line, with flags and confidence from the checks that touch it."""
        flags = log.flags(self.kind, self.lesions)
        flags += [f for f in self.extra_flags if f not in flags]
        return CodeSuggestion(
            system=self.system,
            code=self.code,
            description=self.description,
            rule=self.rule,
            rationale=self.rationale,
            lesion=self.lesions[0] if self.lesions else None,
            units=self.units,
            modifiers=list(self.modifiers),
            evidence=list(self.evidence),
            confidence=log.confidence(self.kind, self.lesions),
            status=self.status,
            diagnoses=list(self.diagnoses),
            lesions=list(self.lesions),
            flags=flags,
        )

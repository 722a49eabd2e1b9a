"""Section detection for operative notes: one regular-expression pass over the text.

medspaCy's Sectionizer runs token matchers; operative-note headers are short, colon-terminated
phrases, often run together on one line by exports (``Lipoma.,POSTOPERATIVE DIAGNOSIS:``), so a
single compiled alternation over the raw text is both faster and closer to how they are written.
Form templates that join a label to its value with a dotted leader ("Final path ..... BCC") give
one-line sections too.  Notes without headers get no sections, and every fact then has
``section=None``.
"""

import bisect
import re
from pathlib import Path
from typing import Iterable

import srsly
from pydantic import BaseModel, ConfigDict, field_validator
from spacy.language import Language
from spacy.tokens import Doc

from nlp.pipeline.doctext import doc_text
from nlp.pipeline.rulefiles import check_regex, load_rule_file, resource_path, validate

DEFAULT_RULES = "sections.json"
RULES_FILE = "sections.json"
MAX_HEADER_CHARS = 60
# A "Diagnosis:" field right inside one of these is part of the report, not the clinical diagnosis.
REPORT_SECTIONS = frozenset({"pathology", "addendum"})
SHORT_HEADER_CHARS = 6  # "Dx:", "Path:", "Proc:" (with the colon)
# Where a header run on after the previous field's value can start: a capital after a space and a
# word ending in a lower-case letter or digit ("... undermined Closure:", "12 mL Procedure detail:").
# Not after an ALL-CAPS word: "CONDITION AT THE END OF THE PROCEDURE:" is one header of its own.
# A header numbered with a bracket ("1) Preoperative diagnosis:", "(7) Description:"), as dictation
# templates number their headings; "1. PREOPERATIVE DIAGNOSIS:" needs nothing, the full stop
# already ends the stretch before the header.
_HEADING_NUMBER = r"(?:\(?\d{1,2}\)[ \t]*)?"
# Where a carried-forward block with no closing line ends.
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_RUN_ON_START = re.compile(r"(?:(?<=[a-z0-9])|(?<=[a-z][A-Z]))[ \t]+([A-Z])")
# A form line whose label is joined to its value by a dotted leader: "Final path ..... compound nevus".
_LEADER = re.compile(r"^[ \t]*(?P<label>[A-Za-z][A-Za-z /&+-]{0,40}?)[ \t]*\.{3,}[ \t]*", re.MULTILINE)
# When a header is dated or timed after a comma ("Addendum, 5 days later:", "Pathology, 4/12:",
# "Addendum, next day:") the qualifier belongs to the header before the comma, not a header itself.
_HEADER_QUALIFIER = re.compile(
    r"[ \t]*(?:\d{1,2}/\d{1,2}(?:/\d{2,4})?|(?:\d{1,2}|one|two|three|four|five|six|seven|ten|fourteen)\s+(?:days?|weeks?)\s+later"
    r"|(?:the\s+)?(?:next|following)\s+(?:day|week)|day\s+\d{1,2})[ \t]*",
    re.IGNORECASE,
)


class SectionRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    category: str
    literal: str
    pattern: str
    one_line: bool = False

    _check = field_validator("pattern")(classmethod(lambda cls, v: check_regex(v)))


class CarriedForwardRule(BaseModel):
    """Text copied forward from an earlier visit: from the line that says so (``opens``) to the
    line that ends it (``closes``), or else to the next blank line, it is one section of
    ``category`` whatever headers it holds ("PROCEDURE (03/04/2026): Shave biopsy ..." documents
    that visit, not today's)."""

    model_config = ConfigDict(extra="forbid")
    category: str
    opens: str
    closes: str

    _check = field_validator("opens", "closes")(classmethod(lambda cls, v: check_regex(v)))


class SectionRules(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str
    description: str = ""
    sections: list[SectionRule]
    carried_forward: CarriedForwardRule | None = None
    # Sections whose own sub-headers ("HEENT:", "LEFT CHEEK:") an unknown ALL-CAPS header may be.
    keeps_subheaders: list[str] = []
    # Words that make an unknown ALL-CAPS header a lesion or specimen label, not a new section.
    subheader_words: list[str] = []


class SectionFinder:
    """Find section headers in raw text; pure Python so linking code can use it without a Doc."""

    def __init__(self, rules: SectionRules) -> None:
        self.rules = rules
        ordered = sorted(rules.sections, key=lambda r: len(r.pattern), reverse=True)
        self._by_group = {f"r{i}": rule for i, rule in enumerate(ordered)}
        alternation = "|".join(f"(?P<r{i}>{rule.pattern})" for i, rule in enumerate(ordered))
        # A header is the whole stretch between a line start or sentence punctuation and a colon.
        self._header = re.compile(r"[ \t,]*" + _HEADING_NUMBER + r"(?P<header>(?:" + alternation + r")(?:\s*\([^)\n]{0,40}\))?)[ \t]*", re.IGNORECASE)
        self._rule_indices = [(self._header.groupindex[name], rule) for name, rule in self._by_group.items()]
        self._keeps_subheaders = frozenset(rules.keeps_subheaders)
        self._subheader_words = frozenset(w.lower() for w in rules.subheader_words)
        carried = rules.carried_forward
        self._carried = (
            (carried.category, re.compile(carried.opens, re.IGNORECASE), re.compile(carried.closes, re.IGNORECASE)) if carried else None
        )

    def find(self, text: str) -> list[tuple[str, int, int, int]]:
        """Return ``(category, start, end, body_start)`` for each section, in text order.

        Scans colons rather than every character: notes have a few dozen colons, and only the
        short stretch before each can be a header.
        """
        hits: dict[int, tuple[SectionRule, int]] = {}
        closers: list[int] = []  # starts of ALL-CAPS headers no rule knows
        colon = text.find(":")
        while colon != -1:
            stop = colon
            head = text[max(0, colon - MAX_HEADER_CHARS) : colon].rstrip()
            if head.endswith(")"):  # "ADDENDUM (pathology, day 5):" -- skip the parenthetical
                opening = text.rfind("(", 0, colon)
                stop = opening if opening != -1 else colon
            left = max(text.rfind("\n", 0, stop), text.rfind("\r", 0, stop), text.rfind(".", 0, stop),
                       text.rfind(",", 0, stop), text.rfind(";", 0, stop))
            header_end = colon
            if left > 0 and text[left] == "," and _HEADER_QUALIFIER.fullmatch(text, left + 1, stop):
                stop = header_end = left
                left = max(text.rfind("\n", 0, stop), text.rfind("\r", 0, stop), text.rfind(".", 0, stop),
                           text.rfind(",", 0, stop), text.rfind(";", 0, stop))
            match = None
            if colon - left <= MAX_HEADER_CHARS:
                match = self._header.fullmatch(text, left + 1, header_end)
                if match is None and self._unknown_header(text[left + 1 : colon]):
                    closers.append(left + 1)
            match = match or self._run_on_header(text, max(left + 1, colon - MAX_HEADER_CHARS), colon)
            if match:
                hits[match.start("header")] = (self._rule_of(match), colon + 1)
            colon = text.find(":", colon + 1)
        self._comma_headers(text, hits)
        leaders = self._leader_headers(text, hits)
        line_start = 0
        for line in text.splitlines(keepends=True):
            stripped = line.strip()
            if stripped and len(stripped) <= MAX_HEADER_CHARS and stripped.isupper():
                match = self._header.fullmatch(line.rstrip("\r\n"))
                if match and line_start + match.start("header") not in hits:
                    hits[line_start + match.start("header")] = (self._rule_of(match), line_start + match.end())
            line_start += len(line)
        starts = sorted(hits)
        sections = []
        for i, start in enumerate(starts):
            rule, body_start = hits[start]
            end = starts[i + 1] if i + 1 < len(starts) else len(text)
            inline = start > 0 and text[text.rfind("\n", 0, start) + 1 : start].strip(" \t,") != ""
            line_end = text.find("\n", body_start)
            short_field = (
                body_start - start <= SHORT_HEADER_CHARS and text[body_start : line_end if line_end != -1 else None].strip() != ""
            )
            if rule.one_line or inline or short_field or start in leaders:
                # A one-line field, a header written mid-line ("Dx: SK R cheek. PMH: BCC."), or a
                # short field label with its value on the same line ("Dx: SK R cheek") ends with
                # its line; the next line belongs to no section until a header.
                newline = text.find("\n", body_start, end)
                end = newline if newline != -1 else end
                if rule.one_line:
                    # run-on exports put every field on one line: the field ends at its ".,"
                    run_on = text.find(".,", body_start, end)
                    end = run_on + 1 if run_on != -1 else end
            category = rule.category
            if closers and category not in self._keeps_subheaders:
                # "PATHOLOGY: Pending.\nHEMOSTASIS: ..." -- an unknown header ends the section
                # rather than extending it; the text after it belongs to no section.
                k = bisect.bisect_right(closers, body_start)
                if k < len(closers) and closers[k] < end:
                    end = closers[k]
            if category == "diagnosis" and sections and sections[-1][0] in REPORT_SECTIONS and sections[-1][2] == start:
                # "PATHOLOGY: Skin ellipse 1.3 cm ... Diagnosis: compound nevus": the report's own field
                category = sections[-1][0]
            sections.append((category, start, end, body_start))
        return self._with_carried_forward(text, sections)

    def _with_carried_forward(self, text: str, sections: list[tuple[str, int, int, int]]) -> list[tuple[str, int, int, int]]:
        """Sections with each block copied forward from an earlier visit made one section of its
        own (:class:`CarriedForwardRule`); a section cut by the block keeps the part outside it."""
        if self._carried is None:
            return sections
        category, opens, closes = self._carried
        for opener in opens.finditer(text):
            start = text.rfind("\n", 0, opener.start()) + 1
            if any(c == category and s <= start < e for c, s, e, _ in sections):
                continue  # inside a block already made
            closer = closes.search(text, opener.end())
            blank = _BLANK_LINE.search(text, opener.end())
            if closer is not None:
                line_end = text.find("\n", closer.end())
                end = line_end if line_end != -1 else len(text)
            else:
                end = blank.start() if blank is not None else len(text)
            kept = []
            for c, s, e, b in sections:
                if e <= start or s >= end:
                    kept.append((c, s, e, b))
                elif s < start:
                    kept.append((c, s, start, min(b, start)))
                # a section starting inside the block is the block's
            kept.append((category, start, end, start))
            sections = sorted(kept, key=lambda section: section[1])
        return sections

    def _leader_headers(self, text: str, hits: dict[int, tuple[SectionRule, int]]) -> set[int]:
        """Known headers joined to their value by a dotted leader, as form templates print them.

        "Procedure ...... incisional biopsy", "Final path ..... compound nevus": each is a one-line
        field (its value ends with the line).  Only a line that opens with the label is looked at.
        Returns the starts of the headers found.
        """
        found: set[int] = set()
        if "..." not in text:
            return found
        for leader in _LEADER.finditer(text):
            match = self._header.fullmatch(text, leader.start("label"), leader.end("label"))
            if match and match.start("header") not in hits:
                hits[match.start("header")] = (self._rule_of(match), leader.end())
                found.add(match.start("header"))
        return found

    def _comma_headers(self, text: str, hits: dict[int, tuple[SectionRule, int]]) -> None:
        """Known ALL-CAPS headers that end with a comma instead of a colon, as exports write them.

        "PREOPERATIVE DIAGNOSES,1.  Basal cell carcinoma", "...ptosis.,PROCEDURE,1.  Excision":
        only at the start of a line or after a run-on ".,", and only a header a rule knows, so an
        ALL-CAPS phrase in the text ("BCC, left cheek") is never one.  Only commas right after a
        capital letter or ")" are looked at.
        """
        comma = text.find(",")
        while comma != -1:
            if comma > 0 and (text[comma - 1].isupper() or text[comma - 1] == ")"):
                left = max(text.rfind("\n", 0, comma), text.rfind(".", 0, comma), text.rfind(",", 0, comma),
                           text.rfind(";", 0, comma), text.rfind(":", 0, comma))
                head = text[left + 1 : comma]
                if (
                    comma - left <= MAX_HEADER_CHARS
                    and head.isupper()
                    and (left == -1 or text[left] == "\n" or (text[left] == "," and text[left - 1 : left] in (".", ":")))
                ):
                    match = self._header.fullmatch(text, left + 1, comma)
                    if match and match.start("header") not in hits:
                        hits[match.start("header")] = (self._rule_of(match), comma + 1)
            comma = text.find(",", comma + 1)

    def _run_on_header(self, text: str, start: int, colon: int) -> re.Match[str] | None:
        """A known header written with a capital right after the previous field's value, as
        exports that lost their line breaks write them ("... wound edges undermined Closure:
        layered ...", "Dermatologic Surgery Procedure: Wide local excision").

        Only a capitalised word after a space and a word ending in a lower-case letter or digit
        can start it (``_RUN_ON_START``), so a lower-case word before a colon ("we reviewed the
        plan: ...") and the tail of an ALL-CAPS header are never one.
        """
        for word in _RUN_ON_START.finditer(text, start, colon):
            match = self._header.fullmatch(text, word.start(1), colon)
            if match:
                return match
        return None

    def _unknown_header(self, head: str) -> bool:
        """An ALL-CAPS field label no rule knows ("HEMOSTASIS", "GROSS FINDINGS") that is not a
        lesion or specimen label ("LESION 2", "WIDE EXCISION", "STAGE 1")."""
        head = head.strip(" \t,")
        if len(head) < 3 or not head.isupper() or any(ch.isdigit() for ch in head):
            return False
        words = re.findall(r"[A-Za-z]+", head)
        return bool(words) and not any(w.lower() in self._subheader_words for w in words)

    def _rule_of(self, match: re.Match[str]) -> SectionRule:
        # The first rule group that took part in the match, as ``match.group(name) is not None``
        # says, read from the match's spans by group number (no method call per rule).
        regs = match.regs
        for index, rule in self._rule_indices:
            if regs[index][0] != -1:
                return rule
        raise AssertionError("a header matched without a rule group")  # pragma: no cover


def section_at(sections: list[tuple[str, int, int, int]], offset: int, starts: list[int] | None = None) -> str | None:
    """Category of the section containing ``offset`` (None before the first header).

    Pass ``starts`` (the sections' start offsets) when calling many times on one note.
    """
    if starts is None:
        starts = [s[1] for s in sections]
    i = bisect.bisect_right(starts, offset) - 1
    if i < 0:
        return None
    category, start, end, _ = sections[i]
    return category if start <= offset < end else None


def load_section_rules(path: str | Path | None = None) -> SectionRules:
    return load_rule_file(path or resource_path(DEFAULT_RULES), SectionRules, rules_key="sections")


class OpnoteSections:
    """spaCy component: sets ``doc._.opnote_sections`` to ``[(category, start, end, body_start)]``."""

    def __init__(self, name: str, rules_path: str | None) -> None:
        self.name = name
        self.finder = SectionFinder(load_section_rules(rules_path))

    def __call__(self, doc: Doc) -> Doc:
        doc._.opnote_sections = self.finder.find(doc_text(doc))
        return doc

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / RULES_FILE, self.finder.rules.model_dump())

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "OpnoteSections":
        file = Path(path) / RULES_FILE
        self.finder = SectionFinder(validate(srsly.read_json(file), SectionRules, file, "sections"))
        return self


@Language.factory("opnote_sections", default_config={"rules_path": None})
def make_sections(nlp: Language, name: str, rules_path: str | None) -> OpnoteSections:  # noqa: ARG001 - spaCy signature
    """Build the section detector; ``rules_path`` None means the rules shipped in the package."""
    if not Doc.has_extension("opnote_sections"):
        Doc.set_extension("opnote_sections", default=None)
    return OpnoteSections(name, rules_path)

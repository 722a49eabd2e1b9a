"""Cue patterns of the linking and detail steps, read from ``resources/linking_cues.json``.

Rules are data (the project's standard): the regular expressions that decide whether a plan
sentence tells a procedure as done, whether a later sentence leaves lesions alone, whether a
numbered item says "not treated", how a Mohs log gives its stages and blocks, and which
special structures (lid margin, vermilion, lip mucosa) a lesion takes in live in one
validated file, one entry per cue with a stable ``id`` and a short ``why``, like the extraction
rules.  Plain Python and pydantic, no spaCy: the linking layer reads it.

The file is read, validated and compiled once, when the first module that needs it is imported
(:func:`default_cues`); a module takes its patterns at import time (:meth:`Cues.regex`), so a
bad entry, or a cue or named group the code needs but the file lacks, stops start-up with a
:class:`~nlp.errors.RuleFileError` naming the file, the id and what is wrong.

An entry gives its pattern as a string, or as a list of parts joined without separator (JSON has
no multi-line strings), or as ``words``: regular-expression alternatives compiled as
``\\b(?:w1|w2|...)\\b``.  ``{{name}}`` inserts one of the file's ``fragments`` (shared pieces such
as the pronouns a "leave them" cue accepts) or, when the entry lists ``name`` under ``supplied``,
a piece the reading code passes in (the count-number grammar of :mod:`nlp.procedure_details`,
which its other count patterns share), so nothing is written twice.  Such an entry is checked at
load with each supplied piece as an empty group and compiled in full when the code asks for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from nlp.errors import RuleFileError
from nlp.rulefiles import check_regex, load_rule_file, resource_path

CUES_FILE = "linking_cues.json"
_FLAGS = {"IGNORECASE": re.IGNORECASE, "MULTILINE": re.MULTILINE}
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


class CueModel(BaseModel):
    """One entry of ``linking_cues.json``."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z_]+(\.[a-z0-9_]+)+$")
    why: str = Field(min_length=1)
    pattern: str | list[str] | None = None
    words: list[str] | None = Field(None, min_length=1)
    flags: list[Literal["IGNORECASE", "MULTILINE"]] = []
    supplied: list[str] = []

    @model_validator(mode="after")
    def _one_form(self) -> CueModel:
        if (self.pattern is None) == (self.words is None):
            raise ValueError("give exactly one of 'pattern' and 'words'")
        return self

    def source(self) -> str:
        """The pattern text before fragments are inserted."""
        if self.words is not None:
            return r"\b(?:" + "|".join(self.words) + r")\b"
        return self.pattern if isinstance(self.pattern, str) else "".join(self.pattern)


class CueFile(BaseModel):
    """The whole file: shared fragments and the cues."""

    model_config = ConfigDict(extra="forbid")
    version: str
    description: str = ""
    fragments: dict[str, str] = {}
    cues: list[CueModel]


@dataclass(frozen=True)
class _Cue:
    source: str  # file fragments inserted; supplied placeholders left in
    flags: int
    supplied: frozenset[str]
    regex: re.Pattern[str] | None  # None while supplied pieces are missing


class Cues:
    """The validated cues of one file, compiled; hands each module the patterns it reads."""

    def __init__(self, path: Path, cues: dict[str, _Cue]) -> None:
        self.path = path
        self._cues = cues

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._cues)

    def regex(self, cue_id: str, *, groups: tuple[str, ...] = (), **supplied: str) -> re.Pattern[str]:
        """The compiled pattern of ``cue_id``; ``groups`` are the named groups the caller reads."""
        cue = self._cues.get(cue_id)
        if cue is None:
            raise RuleFileError(self.path, cue_id, "no cue with this id, and the code reads it; add the entry")
        if set(supplied) != cue.supplied:
            raise RuleFileError(
                self.path, cue_id,
                f"supplied: the entry lists {sorted(cue.supplied)} but the code passes {sorted(supplied)}; make them the same",
            )
        regex = cue.regex
        if regex is None:
            source = _PLACEHOLDER.sub(lambda m: supplied[m.group(1)], cue.source)
            regex = _compile(self.path, cue_id, source, cue.flags)
        missing = [name for name in groups if name not in regex.groupindex]
        if missing:
            raise RuleFileError(self.path, cue_id, f"pattern has no named group {missing[0]!r}, which the code reads; add (?P<{missing[0]}>...)")
        return regex


def load_cues(path: str | Path) -> Cues:
    """Read, validate and compile a cue file; every error names the file and the cue id."""
    path = Path(path)
    data = load_rule_file(path, CueFile, rules_key="cues")
    for name, fragment in data.fragments.items():
        if _PLACEHOLDER.search(fragment):
            raise RuleFileError(path, None, f"fragments.{name}: a fragment may not use another fragment")
    cues: dict[str, _Cue] = {}
    used: set[str] = set()
    for model in data.cues:
        if model.id in cues:
            raise RuleFileError(path, model.id, "duplicate id: each cue id must appear once")
        source = model.source()
        names = set(_PLACEHOLDER.findall(source))
        supplied = set(model.supplied)
        for name in sorted((names - supplied) - set(data.fragments)):
            raise RuleFileError(path, model.id, f"pattern uses {{{{{name}}}}}, which is neither a fragment nor listed under 'supplied'")
        for name in sorted(supplied - names):
            raise RuleFileError(path, model.id, f"supplied: {name!r} is listed but the pattern never uses {{{{{name}}}}}")
        for name in sorted(supplied & set(data.fragments)):
            raise RuleFileError(path, model.id, f"supplied: {name!r} is also a fragment; rename one of them")
        used |= names
        source = _PLACEHOLDER.sub(lambda m: data.fragments.get(m.group(1), m.group(0)), source)
        flags = 0
        for flag in model.flags:
            flags |= _FLAGS[flag]
        if supplied:
            _compile(path, model.id, _PLACEHOLDER.sub("(?:)", source), flags)  # checked now, compiled when supplied
            regex = None
        else:
            regex = _compile(path, model.id, source, flags)
        cues[model.id] = _Cue(source=source, flags=flags, supplied=frozenset(supplied), regex=regex)
    for name in sorted(set(data.fragments) - used):
        raise RuleFileError(path, None, f"fragments.{name}: no cue uses it; remove it")
    return Cues(path, cues)


def _compile(path: Path, cue_id: str, source: str, flags: int) -> re.Pattern[str]:
    try:
        check_regex(source)
    except ValueError as exc:
        raise RuleFileError(path, cue_id, str(exc)) from None
    return re.compile(source, flags)


@cache
def default_cues() -> Cues:
    """The packaged cue file, loaded once per process."""
    return load_cues(resource_path(CUES_FILE))

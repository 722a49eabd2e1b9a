"""The few exceptions opnote-coder raises on purpose.

Every error the package raises deliberately derives from :class:`OpnoteError`, so a caller (the
batch runner, the CLI) can tell "this note or rule file is wrong" from a programming bug with one
``except`` clause, and report it instead of silently dropping a row.
"""

from __future__ import annotations

from pathlib import Path


class OpnoteError(Exception):
    """Base class: something the user can fix (a rule file, an input record, an option)."""


class RuleFileError(OpnoteError):
    """A rule or code-table file failed validation.

    The message always names the file, the stable id of the rule that is wrong (``None`` when
    the problem is the file as a whole, e.g. a syntax error) and what to change, because the
    person reading it is editing YAML or JSON, not Python.
    """

    def __init__(self, path: str | Path, rule_id: str | None, problem: str) -> None:
        self.path = Path(path)
        self.rule_id = rule_id
        self.problem = problem
        where = f"rule '{rule_id}'" if rule_id else "whole file"
        super().__init__(f"{self.path}: {where}: {problem}")

    def __reduce__(self) -> tuple[type[RuleFileError], tuple[Path, str | None, str]]:
        # Keep the three fields when pickled to a Dask worker and back.
        return (type(self), (self.path, self.rule_id, self.problem))


class InputError(OpnoteError):
    """An input record or option is unusable (wrong type, impossible value, unknown option)."""

"""Load the JSON rule files under ``nlp/resources`` and validate them with pydantic.

Every rule file is checked when a component is built (or, for the linking cues, when the module
that reads them is imported), so a typo in a pattern fails at start-up with the file, the rule id
and the problem, never half-way through a batch of notes.  Plain Python and pydantic, no spaCy:
the spaCy components (:mod:`nlp.pipeline`) and the spaCy-free linking layer (:mod:`nlp.cues`)
share these helpers.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from nlp.errors import RuleFileError

RESOURCES = Path(__file__).resolve().parent / "resources"

ModelT = TypeVar("ModelT", bound=BaseModel)


def resource_path(name: str) -> Path:
    """Path of a rule file shipped inside the package."""
    return RESOURCES / name


def read_json(path: Path) -> object:
    """Read a JSON file, turning syntax errors into a :class:`RuleFileError`."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RuleFileError(path, None, "file not found; reinstall the package or pass a valid path") from None
    except json.JSONDecodeError as exc:
        raise RuleFileError(path, None, f"not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None


def validate(data: object, model: type[ModelT], path: Path | str, rules_key: str | None = None) -> ModelT:
    """Validate ``data`` against ``model``; name the offending rule's id in the error."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = first.get("loc", ())
        rule_id = None
        if rules_key and len(loc) >= 2 and loc[0] == rules_key and isinstance(loc[1], int) and isinstance(data, dict):
            try:
                rule_id = data[rules_key][loc[1]].get("id") or f"#{loc[1]}"
            except (IndexError, AttributeError, KeyError):
                rule_id = f"#{loc[1]}"
        field = ".".join(str(part) for part in loc)
        raise RuleFileError(path, rule_id, f"{field}: {first.get('msg')}") from None


def load_rule_file(path: Path | str, model: type[ModelT], rules_key: str | None = None) -> ModelT:
    """Read and validate one rule file."""
    path = Path(path)
    return validate(read_json(path), model, path, rules_key)


def check_regex(pattern: str) -> str:
    """Pydantic validator helper: the pattern must compile."""
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"pattern does not compile ({exc}); escape special characters with a backslash") from None
    return pattern

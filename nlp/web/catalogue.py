"""Which codes a reviewer may enter: every code the packaged code tables can emit.

Built from :func:`nlp.coding.describe_rules`, so it follows the tables as procedure families are
added: a rule of type ``icd`` emits ICD-10-CM codes, any other rule with codes emits CPT codes.
The rule ``type`` (excision, repair, icd, ...) is the code's *family* in the queue filter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nlp.coding import describe_rules, load_tables

SYSTEMS = ("CPT", "ICD-10-CM")
_MODIFIER = re.compile(r"^[A-Z0-9]{2}$")


@dataclass(frozen=True)
class CodeInfo:
    """One code in the tables: its system, the rule that emits it and that rule's family."""

    system: str
    code: str
    rule: str
    family: str
    decides: str


@dataclass
class CodeCatalogue:
    """Code look-up and validation for the review pages."""

    codes: dict[tuple[str, str], CodeInfo] = field(default_factory=dict)
    rule_family: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_tables(cls) -> CodeCatalogue:
        """Index the packaged tables (validated and cached by :func:`load_tables`)."""
        catalogue = cls()
        for rule in describe_rules(load_tables()):
            catalogue.rule_family[rule["id"]] = rule["type"]
            system = "ICD-10-CM" if rule["type"] == "icd" else "CPT"
            for code in rule["codes"]:
                catalogue.codes.setdefault((system, code), CodeInfo(system, code, rule["id"], rule["type"], rule["decides"]))
        return catalogue

    def family_of_rule(self, rule: str) -> str:
        """Family of a suggested line's rule id; unknown ids fall back to their first dotted part."""
        return self.rule_family.get(rule, rule.split(".", 1)[0] or "other")

    def families(self) -> list[str]:
        """Every family that has codes, sorted."""
        return sorted({info.family for info in self.codes.values()})

    def lookup(self, system: str, code: str) -> CodeInfo | None:
        return self.codes.get((system, code.strip().upper()))

    def check(self, system: str, code: str, *, units: int, modifiers: list[str], also_allowed: set[tuple[str, str]]) -> str | None:
        """Why an edited code line is not acceptable, or None when it is.

        ``also_allowed`` holds the (system, code) pairs the pipeline itself suggested for the note,
        which are kept acceptable even if a table changed since the note was coded.
        """
        code = code.strip().upper()
        if system not in SYSTEMS:
            return f"system must be one of {', '.join(SYSTEMS)}, not {system!r}"
        if not code:
            return "code is empty; type a code or tick 'remove'"
        if (system, code) not in self.codes and (system, code) not in also_allowed:
            other = "ICD-10-CM" if system == "CPT" else "CPT"
            if (other, code) in self.codes:
                return f"{code} is a {other} code, not {system}; change the system"
            return f"{system} {code} is not in the code tables; check the code (see the rules listing for valid codes)"
        if not 1 <= units <= 99:
            return f"units for {code} must be between 1 and 99"
        bad = [m for m in modifiers if not _MODIFIER.match(m)]
        if bad:
            return f"modifier {bad[0]!r} on {code} is not two letters or digits (e.g. 59, XS)"
        return None

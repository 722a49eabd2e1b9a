"""The coding layer: lesion records in, suggested CPT / ICD-10-CM codes and queries out.

Plain Python over :mod:`nlp.records`; it never imports spaCy, so it can be tested, reused and
run on a Dask worker without a model.  Code tables and rules are data files under
``nlp/resources/coding/``, validated once at first use.

Public API::

    suggest_codes(lesions, *, policy="cpt") -> CodingResult
    rules_version() -> str
    load_tables() -> Tables
    describe_rules() -> list[dict]
"""

from nlp.coding.describe import describe_rules
from nlp.coding.engine import DEFAULT_POLICY, suggest_codes
from nlp.coding.tables import Tables, load_rule_file, load_tables, rules_version

__all__ = [
    "DEFAULT_POLICY",
    "Tables",
    "describe_rules",
    "load_rule_file",
    "load_tables",
    "rules_version",
    "suggest_codes",
]

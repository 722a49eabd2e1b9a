"""The rule-file helpers, under the name the spaCy components import them by.

They live in :mod:`nlp.rulefiles`, outside the spaCy package, so that the linking layer can
validate its cue file with the same helpers without importing spaCy.
"""

from nlp.rulefiles import RESOURCES, check_regex, load_rule_file, read_json, resource_path, validate

__all__ = ["RESOURCES", "check_regex", "load_rule_file", "read_json", "resource_path", "validate"]

"""The rule files are data: they load, validate, and a broken file says exactly what is wrong.

Each file in ``tests/fixtures/rules_bad/`` holds one error and states what the error message
must name in its header comments (``# expect-rule:``, ``# expect-problem:``, and
``# expect-scope: directory`` for errors only visible across files).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from nlp.coding import load_rule_file, load_tables, rules_version
from nlp.coding.tables import RULES_DIR
from nlp.errors import OpnoteError, RuleFileError

BAD = Path(__file__).resolve().parent.parent / "fixtures" / "rules_bad"
FIXTURES = sorted(BAD.glob("*.yaml"))


def _expectations(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"#\s*expect-(\w+):\s*(.*)", line)
        if match:
            out[match.group(1)] = match.group(2).strip()
    return out


def _copy_rules(tmp_path: Path) -> Path:
    target = tmp_path / "coding"
    shutil.copytree(RULES_DIR, target)
    return target


def test_there_is_one_fixture_per_error_and_each_says_what_to_expect() -> None:
    assert len(FIXTURES) >= 15
    for path in FIXTURES:
        expected = _expectations(path)
        assert "rule" in expected and "problem" in expected, path.name


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_bad_rule_file_names_file_rule_and_problem(path: Path, tmp_path: Path) -> None:
    expected = _expectations(path)
    if expected.get("scope") == "directory":
        rules = _copy_rules(tmp_path)
        kind = yaml.safe_load(path.read_text(encoding="utf-8"))["kind"]
        for existing in rules.glob("*.yaml"):
            if yaml.safe_load(existing.read_text(encoding="utf-8"))["kind"] == kind:
                existing.unlink()
        shutil.copy(path, rules / path.name)
        with pytest.raises(RuleFileError) as caught:
            load_tables(rules)
    else:
        with pytest.raises(RuleFileError) as caught:
            load_rule_file(path)
    error = caught.value
    message = str(error)
    expected_rule = None if expected["rule"] == "none" else expected["rule"]
    assert error.rule_id == expected_rule
    assert error.path.name in message
    if expected_rule:
        assert f"rule '{expected_rule}'" in message
    else:
        assert "whole file" in message
    assert expected["problem"] in message
    assert isinstance(error, OpnoteError)


def test_packaged_rule_files_all_load() -> None:
    tables = load_tables()
    assert set(tables.paths) == {"meta", "excision", "repairs", "policies", "sites", "icd", "diagnoses", "checks", "procedures"}
    for path in RULES_DIR.glob("*.yaml"):
        load_rule_file(path)


def test_tables_are_loaded_once_and_cached() -> None:
    assert load_tables() is load_tables()


def test_a_missing_rule_file_is_reported(tmp_path: Path) -> None:
    rules = _copy_rules(tmp_path)
    (rules / "policies.yaml").unlink()
    with pytest.raises(RuleFileError, match="no rule file of kind 'policies'"):
        load_tables(rules)


def test_a_special_site_may_only_exempt_a_defined_diagnosis_rule(tmp_path: Path) -> None:
    rules = _copy_rules(tmp_path)
    text = (rules / "icd.yaml").read_text(encoding="utf-8")
    assert "exempt: [icd.skin_tag]" in text
    (rules / "icd.yaml").write_text(text.replace("exempt: [icd.skin_tag]", "exempt: [icd.skin_tags]"), encoding="utf-8")
    with pytest.raises(RuleFileError, match="exempt rule 'icd.skin_tags' is not defined") as caught:
        load_tables(rules)
    assert caught.value.rule_id == "genital"


def test_rule_file_error_survives_pickling() -> None:
    import pickle

    error = RuleFileError("x.yaml", "exc.benign.face", "bad")
    again = pickle.loads(pickle.dumps(error))
    assert (str(again), again.rule_id, again.problem) == (str(error), "exc.benign.face", "bad")


# --- rules_version ------------------------------------------------------------------------------


def test_rules_version_is_release_plus_hash_and_stable() -> None:
    version = rules_version()
    assert re.fullmatch(r"2026\.11\.0\+[0-9a-f]{10}", version)
    assert rules_version() == version
    assert load_tables().version == version


def test_rules_version_changes_when_any_rule_file_changes(tmp_path: Path) -> None:
    rules = _copy_rules(tmp_path)
    before = rules_version(rules)
    assert before == rules_version()  # same content, same hash, whatever the folder
    other = _copy_rules(tmp_path / "b")
    text = (other / "checks.yaml").read_text(encoding="utf-8")
    (other / "checks.yaml").write_text(text + "\n# reviewed\n", encoding="utf-8")
    assert rules_version(other) != before
    assert rules_version(other).split("+")[0] == before.split("+")[0]

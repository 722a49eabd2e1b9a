"""The coding layer stands alone: no spaCy (nor in the linking layer), a stable public API, and house style."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import nlp.coding
from nlp.coding import describe_rules, load_tables

PACKAGE = Path(nlp.coding.__file__).resolve().parent
# The spaCy layer's lexicons, read as plain JSON (no spaCy): every region and diagnosis kind they
# can emit must have a row in the coding tables.
_TARGETS = Path(__file__).resolve().parents[2] / "nlp" / "resources" / "targets"
REGIONS = json.loads((_TARGETS / "sites.json").read_text())["regions"]
KINDS = sorted({entry["kind"] for entry in json.loads((_TARGETS / "diagnoses.json").read_text())["diagnoses"]})


# What each spaCy-free layer runs in a fresh interpreter: the coding layer end to end, and the
# linking layer with the cue patterns it reads from resources/linking_cues.json (nlp.cues).
SPACY_FREE_LAYERS = {
    "coding": (
        "from nlp.coding import suggest_codes, rules_version, load_tables, describe_rules\n"
        "from nlp.records import Lesion\n"
        "suggest_codes([Lesion(index=1)]); describe_rules(); rules_version()\n"
    ),
    "linking": "import nlp.linking, nlp.procedure_details, nlp.cues\n",
}


@pytest.mark.parametrize("layer", sorted(SPACY_FREE_LAYERS))
def test_layer_never_imports_spacy(layer: str) -> None:
    code = (
        "import sys\n"
        + SPACY_FREE_LAYERS[layer]
        + "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'spacy', 'medspacy', 'thinc'} or m.startswith('nlp.pipeline'))\n"
        "assert not bad, bad\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr


def test_public_api() -> None:
    for name in ("suggest_codes", "rules_version", "load_tables", "describe_rules"):
        assert callable(getattr(nlp.coding, name))


def test_every_lexicon_region_and_diagnosis_kind_is_in_the_tables() -> None:
    tables = load_tables()
    assert sorted(REGIONS) == sorted(tables.regions)
    assert set(KINDS) <= set(tables.kinds), set(KINDS) - set(tables.kinds)


def test_site_mappings_the_reference_calls_out() -> None:
    regions = load_tables().regions
    assert (regions["shoulder"].excision, regions["shoulder"].complex, regions["shoulder"].icd_site) == ("trunk_arms_legs", "scalp_arms_legs", "upper_limb")
    assert regions["hip"].icd_site == "lower_limb"
    assert (regions["neck"].intermediate, regions["neck"].complex) == ("neck_hands_feet_genitalia", "forehead_cheeks_chin_neck_hands_feet")
    assert (regions["scalp"].intermediate, regions["scalp"].complex) == ("scalp_trunk_limbs", "scalp_arms_legs")
    assert (regions["forehead"].complex, regions["nose"].complex) == ("forehead_cheeks_chin_neck_hands_feet", "eyelids_nose_ears_lips")
    assert regions["axilla"].intermediate == "scalp_trunk_limbs" and regions["axilla"].complex == "forehead_cheeks_chin_neck_hands_feet"
    for region in ("axilla", "groin", "perianal"):
        assert "excision" in regions[region].unverified
    for region in ("temple", "jaw"):
        assert "complex" in regions[region].unverified
    assert (regions["hand"].icd_site, regions["foot"].icd_site, regions["neck"].icd_site) == ("upper_limb", "lower_limb", "scalp_neck")


def test_describe_rules_lists_every_rule_once_with_its_codes() -> None:
    rules = describe_rules()
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    by_id = {r["id"]: r for r in rules}
    assert by_id["exc.benign.face"]["codes"] == ["11440", "11441", "11442", "11443", "11444", "11446"]
    assert by_id["exc.malignant.mucous_membrane"]["codes"] == []
    assert by_id["repair.complex.trunk"]["codes"] == ["13100", "13101", "13102"]
    assert "C44.1192" in by_id["icd.bcc"]["codes"]
    assert by_id["query.margin_missing"]["type"] == "query"
    for rule in rules:
        assert set(rule) == {"id", "type", "decides", "codes", "file"} and rule["decides"]


def test_no_excision_code_has_digit_5() -> None:
    for rule in load_tables().excision.rules:
        assert not any(code.endswith("5") for code in rule.codes), rule.id


def _modules() -> list[Path]:
    return sorted(PACKAGE.glob("*.py"))


def test_no_variable_named_nlp_and_no_float_literals_in_the_package() -> None:
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                assert node.id != "nlp", f"{path.name}:{node.lineno} uses a variable named nlp"
            if isinstance(node, ast.arg):
                assert node.arg != "nlp", f"{path.name}:{node.lineno} has a parameter named nlp"
            if isinstance(node, ast.Constant):
                assert not isinstance(node.value, float), f"{path.name}:{node.lineno} has a float literal"


def test_every_module_has_a_docstring_and_every_public_function_hints() -> None:
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), path.name
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                assert node.returns is not None, f"{path.name}:{node.name} has no return hint"

"""End-to-end tests of each `opnote` verb, run as a user would run them (a subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nlp.schema import ResultRecord

SAMPLES = sorted((Path(__file__).resolve().parents[1] / "annotations" / "samples").glob("*.txt"))
NOTE = (
    "PREOPERATIVE DIAGNOSIS: Changing nevus, left cheek.\n"
    "PROCEDURE: Excision. The 3 mm lesion was excised with 1 mm margins; simple closure.\n"
    "PATHOLOGY: Compound nevus, margins clear.\n"
)


def opnote(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "nlp.cli", *args], input=stdin, capture_output=True, timeout=120)


@pytest.fixture()
def note_file(tmp_path: Path) -> Path:
    path = tmp_path / "case-17.txt"
    path.write_text(NOTE)
    return path


def test_code_prints_one_result_record(note_file: Path) -> None:
    run = opnote("code", str(note_file))
    assert run.returncode == 0, run.stderr.decode()
    record = ResultRecord.model_validate_json(run.stdout)
    assert record.id == "case-17" and record.status == "ok"
    assert [(c.system, c.code) for c in record.codes] == [("CPT", "11440"), ("ICD-10-CM", "D22.39")]
    assert "0.3 cm lesion + 2 x 0.1 cm margin = 0.5 cm" in record.codes[0].rationale


def test_code_reads_standard_input() -> None:
    run = opnote("code", "-", "--id", "from-stdin", "--indent", "0", stdin=NOTE.encode())
    assert run.returncode == 0
    assert json.loads(run.stdout)["id"] == "from-stdin"


def test_code_several_files_prints_json_lines(tmp_path: Path) -> None:
    paths = []
    for i in range(3):
        path = tmp_path / f"n{i}.txt"
        path.write_text(NOTE)
        paths.append(str(path))
    run = opnote("code", *paths)
    lines = run.stdout.decode().splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["n0", "n1", "n2"]


def test_code_policy_switch_changes_repair_status(tmp_path: Path) -> None:
    path = tmp_path / "lip.txt"
    path.write_text(
        "Upper lip cutaneous 3 mm papule excised with 1 mm margins; layered closure, final wound 1.2 cm. "
        "Pathology: pyogenic granuloma."
    )
    cpt = {c["code"]: c["status"] for c in json.loads(opnote("code", str(path)).stdout)["codes"] if c["system"] == "CPT"}
    ncci = {c["code"]: c["status"] for c in json.loads(opnote("code", str(path), "--policy", "ncci").stdout)["codes"] if c["system"] == "CPT"}
    assert cpt == {"11440": "suggested", "12051": "suggested"}
    assert ncci == {"11440": "suggested", "12051": "bundled"}


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"   \n ", "empty"), (b"\xff\xfe\x00\x01junk", "UTF-8"), (b"\x00\x01\x02\x03" * 300, "binary")],
)
def test_bad_input_is_a_clear_error_not_a_traceback(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    run = opnote("code", str(path))
    assert run.returncode == 1
    assert b"Traceback" not in run.stderr
    assert message in run.stderr.decode()
    assert json.loads(run.stdout)["status"] == "error"


def test_one_megabyte_note_is_refused_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text((NOTE * 20_000)[:1_048_576])
    run = opnote("code", str(path))
    assert run.returncode == 1 and b"Traceback" not in run.stderr and b"limit" in run.stderr


def test_missing_file_exits_2(tmp_path: Path) -> None:
    run = opnote("code", str(tmp_path / "nope.txt"))
    assert run.returncode == 2 and b"no such file" in run.stderr


@pytest.mark.parametrize("verbosity", [[], ["-v"], ["-vv"]])
def test_note_text_never_reaches_stderr(tmp_path: Path, verbosity: list[str]) -> None:
    unique = "Quenyaplixor"
    path = tmp_path / "phi.txt"
    path.write_text(f"Patient {unique} had a 4 mm nevus of the left arm excised with 1 mm margins. {unique} tolerated it.")
    run = opnote("code", str(path), *verbosity)
    assert run.returncode == 0
    assert unique.encode() not in run.stderr
    if verbosity:  # the logs do say something at -v / -vv: ids and counts, never text
        assert b"note phi" in run.stderr


def test_show_renders_note_codes_and_queries(note_file: Path) -> None:
    run = opnote("show", str(note_file))
    out = run.stdout.decode()
    assert run.returncode == 0
    assert "PATHOLOGY: Compound nevus" in out and "11440" in out and "D22.39" in out and "legend" in out


def test_show_runs_on_every_bundled_sample() -> None:
    assert len(SAMPLES) >= 5
    run = opnote("show", *map(str, SAMPLES))
    assert run.returncode == 0, run.stderr.decode()
    assert run.stdout.decode().count("Suggested codes") == len(SAMPLES)


def test_schema_is_the_result_record_json_schema() -> None:
    schema = json.loads(opnote("schema").stdout)
    assert schema["title"] == "ResultRecord"
    for field in ("id", "status", "error", "version", "entities", "lesions", "codes", "queries"):
        assert field in schema["properties"]


def test_version_flag() -> None:
    run = opnote("--version")
    assert run.returncode == 0 and run.stdout.startswith(b"opnote-coder ")


def test_build_model_writes_a_loadable_pipeline(tmp_path: Path) -> None:
    import spacy

    run = opnote("build-model", "-o", str(tmp_path / "m"))
    assert run.returncode == 0
    assert "opnote_targets" in spacy.load(tmp_path / "m").pipe_names


TWO_NEVI = (
    "PROCEDURE: Excision of two nevi.\n"
    "Lesion 1: left upper back, 6 mm nevus excised with 2 mm margins; simple closure.\n"
    "Lesion 2: right forearm, 5 mm nevus excised with 2.5 mm margins; simple closure.\n"
    "PATHOLOGY: Both compound nevi, margins clear.\n"
)


@pytest.mark.parametrize(
    "policy, lines",
    [
        ("cpt", [("11401", 2, [])]),
        ("ncci", [("11401", 1, []), ("11401", 1, ["XS"])]),
        ("commercial_59", [("11401", 1, []), ("11401", 1, ["59"])]),
    ],
)
def test_code_policy_switch_changes_how_distinct_lesions_are_reported(tmp_path: Path, policy: str, lines) -> None:
    note = tmp_path / "two-nevi.txt"
    note.write_text(TWO_NEVI)
    run = opnote("code", str(note), "--policy", policy)
    assert run.returncode == 0, run.stderr.decode()
    record = ResultRecord.model_validate_json(run.stdout)
    assert record.policy == policy
    assert [(c.code, c.units, c.modifiers) for c in record.codes if c.system == "CPT"] == lines


def test_code_rejects_an_unknown_policy(note_file: Path) -> None:
    run = opnote("code", str(note_file), "--policy", "medicaid_x")
    assert run.returncode == 2
    assert "medicaid_x" in run.stderr.decode()


def test_rules_lists_every_rule_with_what_it_decides_and_its_codes() -> None:
    run = opnote("rules", "--json")
    assert run.returncode == 0, run.stderr.decode()
    rules = {r["id"]: r for r in json.loads(run.stdout)}
    assert rules["mohs.extra_blocks"]["codes"] == ["17315"] and "beyond 5" in rules["mohs.extra_blocks"]["decides"]
    assert rules["exc.benign.face"]["codes"][0] == "11440"
    assert {"11200", "11201"} <= set(rules["tags.count"]["codes"])
    assert "XS" in rules["policy.ncci"]["decides"] and "59" in rules["policy.commercial_59"]["decides"]
    assert all(r["file"].endswith(".yaml") for r in rules.values())


def test_rules_filters_by_type() -> None:
    rules = json.loads(opnote("rules", "--json", "--type", "closure").stdout)
    assert "att.trunk" in [r["id"] for r in rules] and {r["type"] for r in rules} == {"closure"}


def test_rules_filters_by_code() -> None:
    rules = json.loads(opnote("rules", "--json", "--code", "67840").stdout)
    assert [r["id"] for r in rules] == ["alt.eyelid_67840"]


@pytest.mark.parametrize(
    "code, rule_id, words",
    [
        ("40490", "biopsy.site.lip_vermilion", "lip vermilion"),
        ("67810", "biopsy.site.eyelid_margin", "lid margin"),
        ("69100", "biopsy.site.external_ear", "alternative"),
    ],
)
def test_rules_lists_the_site_biopsy_codes(code: str, rule_id: str, words: str) -> None:
    rules = json.loads(opnote("rules", "--json", "--code", code).stdout)
    assert [r["id"] for r in rules] == [rule_id]
    assert words in rules[0]["decides"] and rules[0]["file"] == "procedures.yaml"


def test_rules_lists_both_oral_vestibule_biopsy_rows() -> None:
    rules = json.loads(opnote("rules", "--json", "--code", "40808").stdout)
    assert [r["id"] for r in rules] == ["biopsy.site.lip_mucosa", "biopsy.site.oral_vestibule"]


def test_rules_with_no_match_says_so() -> None:
    run = opnote("rules", "--code", "99999")
    assert run.returncode == 2 and "no rule matches" in run.stderr.decode()


def test_rules_table_is_printed_for_people() -> None:
    run = opnote("rules", "--type", "policy")
    assert run.returncode == 0
    assert "policy.ncci" in run.stdout.decode() and "policies.yaml" in run.stdout.decode()

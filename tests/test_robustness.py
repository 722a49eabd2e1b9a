"""Odd notes: a clear error or an empty result, never a traceback, and never note text on stderr.

``test_service.py`` and ``test_cli.py`` hold the first cases (empty, whitespace, not UTF-8,
binary, over the limit); this file adds the rest of the list (a NUL byte, a number alone, one
long token, ...), a property test over arbitrary text and bytes, and the PHI check on stderr
across every verbosity, loguru level and warnings filter.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlp.inputs import MAX_NOTE_CHARS
from nlp.schema import ResultRecord

NOTE = (
    "PREOPERATIVE DIAGNOSIS: Changing nevus, left cheek.\n"
    "PROCEDURE: Excision. The 3 mm lesion was excised with 1 mm margins; simple closure.\n"
    "PATHOLOGY: Compound nevus, margins clear.\n"
)
# Reasons a valid note may still get an error record; anything else (a "pipeline failed" or
# "coding failed" record) is an exception the service swallowed, i.e. a bug.
INPUT_REASONS = ("empty", "UTF-8", "binary", "limit", "must be text")

# (name, raw note, expected status, a word the error must contain)
ODD_NOTES = [
    ("empty", b"", "error", "empty"),
    ("whitespace", b" \t\r\n\n   \n", "error", "empty"),
    ("nul_alone", b"\x00", "error", "binary"),
    ("nul_inside", NOTE.encode() + b"\x00" + NOTE.encode(), "error", "binary"),
    ("nul_after_4k", (NOTE * 40).encode() + b"\x00 tail", "ok", None),
    ("not_utf8", b"Nevus of the left cheek \xe9\xe8 excised", "error", "UTF-8"),
    ("lone_surrogate", b"nevus \xed\xa0\x80 cheek", "error", "UTF-8"),
    ("binary_junk", random.Random(7).randbytes(4096), "error", "UTF-8"),
    ("binary_control", bytes(range(1, 32)) * 100, "error", "binary"),
    ("one_megabyte", (NOTE * 6000)[:1_048_576].encode(), "error", "limit"),
    ("number_only", b"42", "ok", None),
    ("decimal_only", b"3.5\n", "ok", None),
    ("long_number", b"1" * 5000, "ok", None),
    ("measurement_only", b"4 mm", "ok", None),
    ("punctuation_only", b".,;:!?-()[]{}", "ok", None),
    ("header_only", b"PROCEDURE:", "ok", None),
    ("one_long_token", b"x" * (MAX_NOTE_CHARS - 1), "ok", None),
    ("bom_only", b"\xef\xbb\xbf", "error", "empty"),
    ("crlf", NOTE.replace("\n", "\r\n").encode(), "ok", None),
    ("unicode", "Nävus 🙂 der linken Wange, 3\u00a0mm, Exzision \u202eRTL\u202c mit 1 mm Rand.".encode(), "ok", None),
]


@pytest.mark.parametrize(("raw", "status", "reason"), [case[1:] for case in ODD_NOTES], ids=[case[0] for case in ODD_NOTES])
def test_odd_note_gets_a_clear_error_or_a_result(coder, raw: bytes, status: str, reason: str | None) -> None:
    record = coder.code(raw, "odd")
    assert record.status == status, record.error
    if status == "error":
        assert reason in record.error
        assert record.codes == [] and record.entities == []
    ResultRecord.model_validate_json(record.model_dump_json())


def test_number_only_note_has_an_empty_result(coder) -> None:
    record = coder.code("42", "n")
    assert (record.status, record.codes, record.lesions) == ("ok", [], [])


def test_odd_notes_through_the_command_line(tmp_path: Path) -> None:
    paths = []
    for name, raw, _, _ in ODD_NOTES:
        path = tmp_path / f"{name}.txt"
        path.write_bytes(raw)
        paths.append(str(path))
    run = subprocess.run([sys.executable, "-m", "nlp.cli", "code", *paths, "-vv"], capture_output=True, timeout=300)
    assert b"Traceback" not in run.stderr, run.stderr.decode(errors="replace")[-2000:]
    assert run.returncode == 1  # some notes are errors
    records = [json.loads(line) for line in run.stdout.decode().splitlines()]
    assert [(r["id"], r["status"]) for r in records] == [(name, status) for name, _, status, _ in ODD_NOTES]
    for record, (_, _, _, reason) in zip(records, ODD_NOTES, strict=True):
        if reason:
            assert reason in record["error"]
            assert f"error: note {record['id']}: ".encode() in run.stderr


_clinical = st.sampled_from([
    "PREOPERATIVE DIAGNOSIS:", "Lesion #2:", "left cheek", "4 mm", "1.2 x 0.8 cm", "margins of 2 mm",
    "nevus", "basal cell carcinoma", "no evidence of", "layered closure", "wound length 3 cm", "Specimen B",
    "\n", " ", ".", ",", "x", "0", "-", "(", ")", "4-0", "mm", "cm", "\t", ":", "#", "\x0b", "\u2028",
])
_texts = st.one_of(
    st.text(max_size=600),
    st.lists(st.one_of(_clinical, st.text(max_size=8)), max_size=60).map("".join),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=_texts)
def test_coder_never_fails_on_arbitrary_text(coder, text: str) -> None:
    record = coder.code(text, "prop")
    if record.status == "error":
        assert any(reason in record.error for reason in INPUT_REASONS), record.error
        return
    for entity in record.entities:
        assert 0 <= entity.start < entity.end <= len(text)
        assert text[entity.start:entity.end] == entity.text
    ResultRecord.model_validate_json(record.model_dump_json())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.one_of(st.binary(max_size=600), st.text(max_size=300).map(lambda s: s.encode("utf-8", "surrogatepass"))))
def test_coder_never_fails_on_arbitrary_bytes(coder, raw: bytes) -> None:
    record = coder.code(raw, "bytes")
    assert record.status == "ok" or any(reason in record.error for reason in INPUT_REASONS), record.error


# --- note text never on stderr ------------------------------------------------------------

SECRET = "Quenyaplixor"
PHI_NOTES = {
    "as_site": f"A 4 mm nevus of the {SECRET} was excised with 1 mm margins; simple closure.",
    "as_diagnosis": f"PREOPERATIVE DIAGNOSIS: {SECRET} of the left cheek.\nPROCEDURE: excision, 3 mm lesion, 2 mm margins.",
    "as_header": f"{SECRET.upper()}: left arm\nPROCEDURE: Excision of 5 mm {SECRET} nevus, layered closure 2.1 cm.",
    "in_measurement": f"Lesion #1 {SECRET}: 4{SECRET}mm, margins 1 {SECRET} mm. Specimen {SECRET}.",
    "binary_with_name": (SECRET + "\x00\x01\x02") * 300,
    "over_limit": (f"Patient {SECRET} nevus left arm. ") * 7000,
    "not_utf8": None,  # written as bytes below
}


@pytest.fixture(scope="module")
def phi_files(tmp_path_factory) -> list[str]:
    folder = tmp_path_factory.mktemp("phi")
    paths = []
    for name, text in PHI_NOTES.items():
        path = folder / f"{name}.txt"
        path.write_bytes(text.encode() if text is not None else f"Patient {SECRET} \xe9t\xe9".encode("latin-1"))
        paths.append(str(path))
    return paths


@pytest.mark.parametrize(
    ("flags", "env"),
    [
        ([], {}),
        (["-vvv"], {"LOGURU_LEVEL": "TRACE"}),
        (["-vv"], {"PYTHONWARNINGS": "always", "LOGURU_LEVEL": "TRACE"}),
        (["-vv", "--model", "models/opnote_core"], {"PYTHONWARNINGS": "always", "LOGURU_LEVEL": "TRACE"}),
    ],
    ids=["quiet", "vvv-loguru-trace", "vv-all-warnings", "saved-model-all-warnings"],
)
def test_note_text_never_reaches_stderr_at_any_verbosity(phi_files: list[str], flags: list[str], env: dict[str, str]) -> None:
    repo = Path(__file__).resolve().parents[1]
    run = subprocess.run([sys.executable, "-m", "nlp.cli", "code", *phi_files, *flags], capture_output=True, timeout=300,
                         cwd=repo, env={**os.environ, **env})
    assert b"Traceback" not in run.stderr
    assert run.returncode == 1  # the binary, over-limit and latin-1 notes are errors
    assert SECRET.encode() not in run.stderr and SECRET.upper().encode() not in run.stderr
    assert SECRET.lower().encode() not in run.stderr.lower()
    assert len(run.stdout.decode().splitlines()) == len(PHI_NOTES)

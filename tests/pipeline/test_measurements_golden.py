"""Golden output of the measurement parser: every field of every measurement in every real note.

``tests/fixtures/measurements_golden.json`` holds what :func:`parse_measurements` returned, field
by field (Decimals as their exact strings, so ``1.0`` and ``1`` differ), for each note text in
``annotations/dev.jsonl``, ``annotations/test.jsonl`` and ``../shared/realnotes/mtsamples_skin.jsonl``,
each read four ways:

* ``full``: the whole note, no sections;
* ``sections``: the whole note with the sections the section finder gave when the fixture was made
  (stored in the fixture, so a change to the section rules does not move this test);
* ``cut``: the note cut to its first 250 words, as the benchmark reads it;
* ``win@<offset>``: overlapping 300-character windows, so measurements meet the start and the
  end of the text and their neighbours in many different ways.

The fixture stores a SHA-256 of each text, not the text (the MTSamples notes are not ours to
copy); a note whose source file is missing is skipped.  The tests here guard speed work on the
parser: its output must not move by one character.

When the measurement rules or grammar change ON PURPOSE, review the differences, then regenerate
the fixture with::

    cd /work/main && /work/venv/bin/python tests/pipeline/test_measurements_golden.py --regenerate

(``--check`` lists the cases whose output differs, with the stored sections, without writing
anything; ``--regenerate`` takes the sections from the current section rules.)
"""

from __future__ import annotations

import hashlib
import json
import sys
from decimal import Decimal
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # when run as a script
    sys.path.insert(0, str(REPO))

from nlp.pipeline.measurements import ParsedMeasurement, parse_measurements  # noqa: E402

FIXTURE = REPO / "tests" / "fixtures" / "measurements_golden.json"
SOURCES = {
    "dev": REPO / "annotations" / "dev.jsonl",
    "test": REPO / "annotations" / "test.jsonl",
    "mtsamples": REPO.parent / "shared" / "realnotes" / "mtsamples_skin.jsonl",
}
CUT_WORDS = 250
WINDOW = 300
STRIDE = 137
FIELDS = tuple(ParsedMeasurement.__dataclass_fields__)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _cut(text: str, words: int) -> str:
    """The first ``words`` words, cut on a space (as ``nlp.benchmark.load_notes`` cuts)."""
    kept, n = [], 0
    for token in text.split(" "):
        kept.append(token)
        n += bool(token.strip())
        if n >= words:
            break
    return " ".join(kept)


def _notes(source: Path) -> list[tuple[str, str]]:
    notes = []
    for line in source.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            notes.append((record["id"], record["text"]))
    return notes


def _cases(source: Path, sections_of) -> list[tuple[str, str, list]]:
    """``(case id, text, sections)`` for every reading of every note in ``source``.

    ``sections_of(note_id, text)`` returns the sections of a whole note.
    """
    cases = []
    for note_id, text in _notes(source):
        cases.append((f"{note_id}:full", text, []))
        cases.append((f"{note_id}:sections", text, sections_of(note_id, text)))
        cases.append((f"{note_id}:cut", _cut(text, CUT_WORDS), []))
        for offset in range(0, max(1, len(text) - WINDOW // 2), STRIDE):
            cases.append((f"{note_id}:win@{offset}", text[offset : offset + WINDOW], []))
    return cases


def _dump(p: ParsedMeasurement) -> dict:
    out = {}
    for name in FIELDS:
        value = getattr(p, name)
        if isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, tuple):
            value = [str(v) for v in value]
        out[name] = value
    return out


def _run(text: str, sections: list) -> list[dict]:
    return [_dump(p) for p in parse_measurements(text, sections=[tuple(s) for s in sections])]


# --------------------------------------------------------------------------------------------
# Regeneration (documented in the module docstring)
# --------------------------------------------------------------------------------------------


def regenerate(stored: dict | None = None) -> dict:
    """The fixture as the parser makes it now.  Sections come from the section finder, or with
    ``stored`` (a fixture) from there, so that only the measurement parser is compared."""
    from nlp.pipeline.sections import SectionFinder, load_section_rules

    finder = SectionFinder(load_section_rules())
    fixture: dict = {
        "about": "Golden output of nlp.pipeline.measurements.parse_measurements; regenerate only "
        "when the rules change on purpose: see tests/pipeline/test_measurements_golden.py",
        "sources": {},
    }
    for name, source in SOURCES.items():
        if not source.exists():
            raise SystemExit(f"{source} is missing: the golden fixture needs every source")
        old = (stored or {}).get("sources", {}).get(name, {})

        def sections_of(note_id: str, text: str, old: dict = old) -> list:
            if stored is not None and f"{note_id}:sections" in old:
                return old[f"{note_id}:sections"].get("sections", [])
            return [list(s) for s in finder.find(text)]

        cases = {}
        for case_id, text, sections in _cases(source, sections_of):
            case = {"sha256": _sha(text), "measurements": _run(text, sections)}
            if case_id.endswith(":sections"):
                case["sections"] = sections
            cases[case_id] = case
        fixture["sources"][name] = cases
    return fixture


def _main(argv: list[str]) -> int:
    if argv not in (["--regenerate"], ["--check"]):
        print(__doc__)
        return 2
    if argv == ["--check"]:
        old = json.loads(FIXTURE.read_text(encoding="utf-8"))
        fresh = regenerate(stored=old)
        changed = [
            f"{name} {case_id}"
            for name, cases in fresh["sources"].items()
            for case_id, case in cases.items()
            if old["sources"].get(name, {}).get(case_id) != case
        ]
        print(f"{len(changed)} case(s) differ", *changed[:50], sep="\n")
        return 1 if changed else 0
    fresh = regenerate()
    FIXTURE.write_text(json.dumps(fresh, indent=None, separators=(",", ":"), ensure_ascii=False) + "\n", encoding="utf-8")
    total = sum(len(c["measurements"]) for cases in fresh["sources"].values() for c in cases.values())
    print(f"wrote {FIXTURE} ({sum(len(c) for c in fresh['sources'].values())} cases, {total} measurements)")
    return 0


# --------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def golden() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", list(SOURCES))
def test_parser_reproduces_golden_output(golden, name):
    """Every stored case, parsed again, gives the stored measurements, field for field.

    A note added to a source since the fixture was made is not covered until the next
    regeneration; a note whose text changed, or that is gone, fails (regenerate the fixture).
    """
    source = SOURCES[name]
    if not source.exists():
        pytest.skip(f"{source} not available")
    expected_cases = golden["sources"][name]
    stored_sections = {case_id: case.get("sections", []) for case_id, case in expected_cases.items()}
    cases = _cases(source, lambda note_id, _text: stored_sections.get(f"{note_id}:sections", []))
    stale = sorted(set(expected_cases) - {case_id for case_id, _, _ in cases})
    mismatches = []
    for case_id, text, sections in cases:
        expected = expected_cases.get(case_id)
        if expected is None:  # a new note, or a new window of a longer note
            continue
        if _sha(text) != expected["sha256"]:
            stale.append(case_id)
            continue
        got = _run(text, sections)
        if got != expected["measurements"]:
            mismatches.append((case_id, got, expected["measurements"]))
    assert not stale, f"{name}: source notes changed or gone ({stale[:5]}...); regenerate the fixture (see the docstring)"
    assert not mismatches, f"{len(mismatches)} case(s) differ; first: {mismatches[0]}"


def test_golden_fixture_is_not_trivial(golden):
    """The fixture covers every grammar shape and many kinds, so it guards the whole parser."""
    found = [m for cases in golden["sources"].values() for c in cases.values() for m in c["measurements"]]
    assert len(found) > 1000
    assert len({m["kind_rule"] for m in found}) >= 15
    assert len({m["rule"] for m in found}) >= 8
    assert any(m["section"] for m in found) and any(m["qualifier"] for m in found)


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))

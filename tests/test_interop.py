"""Annotation interop: gold -> each format -> gold gives back the same notes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp.errors import InputError
from nlp.evaluation.gold import GoldNote, GoldSpan, load_gold, write_gold
from nlp.interop.convert import convert, infer_input, infer_output

TEST_SPLIT = Path(__file__).resolve().parents[1] / "annotations" / "test.jsonl"
# format, output name, what survives the trip besides text, spans and flags
FORMATS = [
    ("brat", "brat_folder", "codes, lesions and other fields via opnote_meta.jsonl"),
    ("prodigy", "tasks.jsonl", "codes, lesions and other fields in meta"),
    ("labelstudio", "tasks.json", "codes as textarea results; lesions and other fields in data"),
    ("docbin", "notes.spacy", "everything in doc.user_data"),
]


@pytest.mark.parametrize(("fmt", "name", "_carries"), FORMATS)
def test_round_trip_gives_identical_notes(tmp_path: Path, fmt: str, name: str, _carries: str) -> None:
    middle, back = tmp_path / name, tmp_path / "back.jsonl"
    count, _, written = convert(TEST_SPLIT, middle, to_format=fmt)
    assert (count, written) == (len(load_gold(TEST_SPLIT)), fmt)
    convert(middle, back, from_format=fmt, to_format="gold")
    original, returned = load_gold(TEST_SPLIT), load_gold(back)
    assert [n.id for n in returned] == [n.id for n in original]  # test ids sort as written, so brat's file order agrees
    by_id = {n.id: n for n in returned}
    for note in original:
        other = by_id[note.id]
        assert other.text == note.text
        assert sorted(other.spans, key=lambda s: (s.start, s.end)) == sorted(note.spans, key=lambda s: (s.start, s.end))
        assert (other.cpt, other.icd10, other.lesions, other.meta) == (note.cpt, note.icd10, note.lesions, note.meta)


def test_flags_survive_every_format(tmp_path: Path) -> None:
    note = GoldNote("n1", "No melanoma. History of BCC of the nose.", [
        GoldSpan(3, 11, "LESION_DIAGNOSIS", negated=True), GoldSpan(24, 27, "LESION_DIAGNOSIS", historical=True),
        GoldSpan(35, 39, "ANATOMIC_SITE", historical=True, uncertain=True)], ["11440"], ["D22.39"])
    source = tmp_path / "one.jsonl"
    write_gold([note], source)
    for fmt, name, _ in FORMATS:
        convert(source, tmp_path / name, to_format=fmt)
        convert(tmp_path / name, tmp_path / f"back-{fmt}.jsonl", from_format=fmt, to_format="gold")
        assert load_gold(tmp_path / f"back-{fmt}.jsonl")[0].spans == note.spans, fmt


def test_brat_files_are_standoff(tmp_path: Path) -> None:
    note = GoldNote("n1", "No melanoma here.", [GoldSpan(3, 11, "LESION_DIAGNOSIS", negated=True)], [], [])
    write_gold([note], tmp_path / "g.jsonl")
    convert(tmp_path / "g.jsonl", tmp_path / "brat", to_format="brat")
    assert (tmp_path / "brat" / "n1.ann").read_text() == "T1\tLESION_DIAGNOSIS 3 11\tmelanoma\nA1\tnegated T1\n"
    assert "[attributes]" in (tmp_path / "brat" / "annotation.conf").read_text()


def test_brat_span_text_must_match_the_txt(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("No melanoma here.")
    (tmp_path / "a.ann").write_text("T1\tLESION_DIAGNOSIS 0 8\tmelanoma\n")
    with pytest.raises(InputError, match="does not match"):
        convert(tmp_path, tmp_path / "out.jsonl", from_format="brat", to_format="gold")


def test_results_become_label_studio_pre_annotations(tmp_path: Path, coder) -> None:
    notes = load_gold(TEST_SPLIT)[:3]
    records = tmp_path / "results.jsonl"
    records.write_text("".join(r.model_dump_json() + "\n" for r in coder.code_many((n.id, n.text) for n in notes)))
    write_gold(notes, tmp_path / "notes.jsonl")
    convert(records, tmp_path / "tasks.json", notes=tmp_path / "notes.jsonl")
    tasks = json.loads((tmp_path / "tasks.json").read_text())
    assert [t["data"]["note_id"] for t in tasks] == [n.id for n in notes]
    assert all("predictions" in t and "annotations" not in t for t in tasks)
    cpt = next(r for r in tasks[0]["predictions"][0]["result"] if r["from_name"] == "cpt")
    assert cpt["value"]["text"] == notes[0].cpt  # test-001 is coded right
    assert 0 < tasks[0]["predictions"][0]["score"] <= 1
    assert "<Labels" in (tmp_path / "tasks.config.xml").read_text()


def test_results_without_text_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "r.jsonl").write_text('{"id": "x", "status": "ok", "version": "0", "entities": []}\n')
    with pytest.raises(InputError, match="--notes"):
        convert(tmp_path / "r.jsonl", tmp_path / "t.json")


@pytest.mark.parametrize(("name", "fmt"), [("x.spacy", "docbin"), ("x.json", "labelstudio"), ("folder", "brat")])
def test_output_format_from_extension(tmp_path: Path, name: str, fmt: str) -> None:
    assert infer_output(tmp_path / name) == fmt


def test_jsonl_output_is_ambiguous(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--to"):
        infer_output(tmp_path / "x.jsonl")


@pytest.mark.parametrize(
    ("line", "fmt"),
    [('{"id": "a", "text": "t", "spans": [], "cpt": []}', "gold"), ('{"text": "t", "spans": [], "meta": {"id": "a"}}', "prodigy"),
     ('{"id": "a", "status": "ok", "entities": []}', "results")],
)
def test_jsonl_input_is_sniffed(tmp_path: Path, line: str, fmt: str) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(line + "\n")
    assert infer_input(path) == fmt

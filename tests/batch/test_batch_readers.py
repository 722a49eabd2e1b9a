"""Readers: every input format yields the same (id, text) records, in order; bad records become problems."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import write_csv, write_folder, write_jsonl, write_parquet
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.batch.readers import open_source
from nlp.errors import InputError

TRICKY = [
    {"id": "a1", "text": 'Line one, with a comma;\nline two "quoted"\n\tand a tab|pipe.'},
    {"id": "b2", "text": "PREOP DX: nevus, L cheek.\r\nPROCEDURE: excision 4 mm, 1 mm margins."},
    {"id": "c3", "text": "Ünïcode — café ½ cm; 日本語"},
]


def read(location: Path | str, **options: str) -> list[tuple[object, object]]:
    source = open_source(str(location), max_bytes=1_000_000, **options)
    return [(r.id, r.text if not isinstance(r.text, bytes) else r.text.decode("utf-8")) for r in source.records()]


@pytest.mark.parametrize(
    ("name", "write"),
    [
        ("notes.jsonl", lambda p, rows: write_jsonl(p, rows)),
        ("notes.jsonl.gz", lambda p, rows: write_jsonl(p, rows, gz=True)),
        ("notes.csv", lambda p, rows: write_csv(p, rows)),
        ("notes-semicolon-bom.csv", lambda p, rows: write_csv(p, rows, delimiter=";", bom=True)),
        ("notes-pipe.csv", lambda p, rows: write_csv(p, rows, delimiter="|")),
        ("notes.tsv", lambda p, rows: write_csv(p, rows, delimiter="\t")),
        ("notes.csv.gz", lambda p, rows: write_csv(p, rows, gz=True)),
        ("notes.parquet", lambda p, rows: write_parquet(p, rows)),
        ("notes", lambda p, rows: write_folder(p, rows)),
    ],
)
def test_every_format_yields_the_same_records_in_order(tmp_path: Path, name: str, write) -> None:
    path = write(tmp_path / name, TRICKY)
    assert read(path) == [(row["id"], row["text"]) for row in TRICKY]


def test_folder_ids_are_file_names_without_extension_in_name_order(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "b.txt").write_text("second")
    (folder / "a.txt").write_text("first")
    (folder / "skip.md").write_text("not a note")
    import gzip

    (folder / "c.txt.gz").write_bytes(gzip.compress(b"third"))
    assert read(folder) == [("a", "first"), ("b", "second"), ("c", "third")]


@pytest.mark.parametrize(
    ("name", "write"),
    [
        ("n.jsonl", lambda p, rows: write_jsonl(p, rows)),
        ("n.csv", lambda p, rows: write_csv(p, rows, columns=("note_id", "body"))),
        ("n.parquet", lambda p, rows: write_parquet(p, rows, columns=("note_id", "body"))),
    ],
)
def test_id_and_text_columns_can_be_renamed(tmp_path: Path, name: str, write) -> None:
    rows = [{"note_id": "x", "body": "text x"}, {"note_id": "y", "body": "text y"}]
    assert read(write(tmp_path / name, rows), id_col="note_id", text_col="body") == [("x", "text x"), ("y", "text y")]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        (b"{not json}", "line 2 is not valid JSON"),
        (b"[1, 2]", "line 2 is a JSON list, not an object"),
        (b'{"id": "z", "text": "caf\xe9"}', "line 2 is not valid UTF-8"),
    ],
)
def test_bad_jsonl_line_is_a_problem_record_and_reading_goes_on(tmp_path: Path, line: bytes, problem: str) -> None:
    path = tmp_path / "n.jsonl"
    path.write_bytes(b'{"id": "a", "text": "ok"}\n' + line + b'\n\n{"id": "b", "text": "ok too"}\n')
    records = list(open_source(str(path), max_bytes=10_000).records())
    assert [(r.position, r.id) for r in records] == [(1, "a"), (2, None), (4, "b")]
    assert records[1].problem.startswith(problem)
    assert records[0].problem is None and records[2].problem is None


def test_csv_bytes_that_are_not_utf8_spoil_only_their_record(tmp_path: Path) -> None:
    path = tmp_path / "n.csv"
    path.write_bytes(b'id,text\na,fine\nb,"caf\xe9 au lait"\nc,also fine\n')
    records = list(open_source(str(path), max_bytes=10_000).records())
    assert [(r.id, r.text, r.problem) for r in records] == [
        ("a", "fine", None), ("b", None, "record 2 is not valid UTF-8; re-export the file as UTF-8"), ("c", "also fine", None)]


def test_csv_short_row_has_no_text_and_a_long_note_does_not_abort_the_file(tmp_path: Path) -> None:
    path = tmp_path / "n.csv"
    long_note = "word " * 60_000  # over Python's default CSV field limit of 128 KiB
    write_csv(path, [{"id": "long", "text": long_note}])
    with open(path, "a") as handle:
        handle.write("short-row\n")
    assert [(i, len(t) if t else t) for i, t in read(path)] == [("long", len(long_note)), ("short-row", None)]


def test_oversized_file_in_a_folder_is_not_read(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "notes", [{"id": "big", "text": "x" * 5000}, {"id": "ok", "text": "fine"}])
    records = list(open_source(str(folder), max_bytes=1000).records())
    assert records[0].text is None and "over the size limit" in records[0].problem
    assert (records[1].id, records[1].text) == ("ok", b"fine")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.jsonl", None, "no such file or folder"),
        ("n.xlsx", b"x", "unknown input format"),
        ("n.csv", b"note_id,body\n1,x\n", "no column 'id' in the header (columns: note_id, body); name the right one with --id-col"),
        ("n.csv", b"", "the file is empty"),
        ("n.parquet", b"not parquet", "not a readable Parquet file"),
        ("n.parquet.gz", b"x", "Parquet compresses its own pages"),
    ],
)
def test_unusable_input_raises_before_anything_is_coded(tmp_path: Path, name: str, content: bytes | None, message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        open_source(str(path), max_bytes=1000)


def test_parquet_missing_text_column_names_the_option(tmp_path: Path) -> None:
    path = write_parquet(tmp_path / "n.parquet", [{"id": "a", "body": "x"}], columns=("id", "body"))
    with pytest.raises(InputError, match="no column 'text'.*--text-col"):
        open_source(str(path), max_bytes=1000)


def test_counts_match_records(tmp_path: Path) -> None:
    rows = TRICKY * 3
    for path in (write_jsonl(tmp_path / "n.jsonl", rows), write_csv(tmp_path / "n.csv", rows), write_parquet(tmp_path / "n.parquet", rows)):
        source = open_source(str(path), max_bytes=10_000)
        assert source.count() == len(list(source.records())) == 9


texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=60)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(st.from_regex(r"[A-Za-z0-9_-]{1,8}", fullmatch=True), texts), min_size=1, max_size=6),
       delimiter=st.sampled_from([",", ";", "\t", "|"]), bom=st.booleans())
def test_csv_round_trips_any_text_in_any_common_dialect(tmp_path_factory, rows, delimiter, bom) -> None:
    path = tmp_path_factory.mktemp("csv") / "n.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(["id", "text"])
    writer.writerows(rows)
    path.write_bytes((("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8"))
    # Python's csv turns a bare \r inside an unquoted field into a line break, as Excel does;
    # the writer quotes such fields, so every text must come back exactly.
    assert read(path) == [(i, t) for i, t in rows]


def test_jsonl_from_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    data = "".join(json.dumps(row) + "\n" for row in TRICKY).encode("utf-8")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert read("-") == [(row["id"], row["text"]) for row in TRICKY]


def test_apostrophes_in_notes_do_not_change_the_quoting(tmp_path: Path) -> None:
    rows = [{"id": f"n{i}", "text": "Pt's lesion, 'atypical', excised; pt's wife's 'concern', noted."} for i in range(3)]
    assert read(write_csv(tmp_path / "n.csv", rows)) == [(r["id"], r["text"]) for r in rows]


def test_csv_broken_beyond_repair_stops_with_the_record_number(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("nlp.batch.readers.CSV_FIELD_LIMIT", 1_000)  # as if this field were over 16 MB
    path = tmp_path / "n.csv"
    path.write_text('id,text\na,fine\nb,"an unclosed quote\n' + "c,more text\n" * 200)
    records = open_source(str(path), max_bytes=10_000).records()
    assert next(records).id == "a"
    with pytest.raises(InputError, match=r"cannot be parsed after record 1 \(field larger than field limit"):
        next(records)

"""Property: whatever the records, one result per record, in order, with the documented id rules."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlp.batch.api import code_notes
from nlp.batch.ids import SeenIds, check_ids
from nlp.batch.readers import RawRecord

NOTES = ["A 4 mm nevus of the left arm was excised with 1 mm margins.", "Shave of a 5 mm SK, right cheek. Path: SK."]

ids = st.sampled_from([None, "", "  ", "a", "b", "c", 1, 2, True, 2.5])
texts = st.sampled_from([None, "", " \n", 7, b"bytes note", *NOTES])


def expected(records: list[tuple[object, object]]) -> list[tuple[str, str, str | None]]:
    """An independent statement of the rules: (id written, status, a word the error must contain)."""
    seen: set[str] = set()
    out = []
    for note_id, text in records:
        valid = (isinstance(note_id, int) and not isinstance(note_id, bool)) or (isinstance(note_id, str) and note_id.strip())
        if not valid:
            out.append(("", "error", "id"))
            continue
        key = str(note_id)
        if key in seen:
            out.append((key, "error", "duplicate id"))
            continue
        seen.add(key)
        if text is None:
            out.append((key, "error", "no note text"))
        elif isinstance(text, int):
            out.append((key, "error", "must be text"))
        elif not text.strip():
            out.append((key, "error", "empty"))
        else:
            out.append((key, "ok", None))
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=st.lists(st.tuples(ids, texts), max_size=12), chunk_size=st.integers(1, 5))
def test_one_result_per_record_in_order_with_the_id_rules(coder, records, chunk_size) -> None:
    results = list(code_notes(records, coder=coder, chunk_size=chunk_size))
    assert len(results) == len(records)
    for result, (note_id, status, word) in zip(results, expected(records), strict=True):
        assert (result["id"], result["status"]) == (note_id, status)
        if word is not None:
            assert word in result["error"]


@settings(max_examples=60, deadline=None)
@given(records=st.lists(st.tuples(ids, texts), max_size=12), spill_after=st.sampled_from([0, 1, 3, 1_000]))
def test_the_id_rules_hold_whether_the_seen_ids_are_in_memory_or_spilled_to_disk(records, spill_after) -> None:
    items = list(check_ids((RawRecord(p, i, t) for p, (i, t) in enumerate(records, start=1)), spill_after=spill_after))
    for (note_id, text, problem), (expected_id, _status, word) in zip(items, expected(records), strict=True):
        assert note_id == expected_id
        if word in ("id", "duplicate id", "no note text"):
            assert word in problem
        else:  # the note itself is judged by the worker
            assert problem is None and text is not None


@given(keys=st.lists(st.text(max_size=4), max_size=30), spill_after=st.sampled_from([0, 2, 1_000]))
def test_seen_ids_name_the_first_record_with_each_id_on_disk_as_in_memory(keys, spill_after) -> None:
    seen, first = SeenIds(spill_after), {}
    for position, key in enumerate(keys, start=1):
        assert seen.first(key, position) == first.get(key)
        first.setdefault(key, position)
    assert len(seen) == len(first)
    seen.close()


def test_seen_ids_tell_apart_ids_that_differ_only_in_lone_surrogates_once_spilled() -> None:
    seen = SeenIds(spill_after=0)
    keys = ["\udc80", "\udc81", "\ud83d\ude00", "\U0001f600", "a\x00b", "a"]
    assert [seen.first(k, p) for p, k in enumerate(keys, start=1)] == [None] * len(keys)
    assert [seen.first(k, 10 + p) for p, k in enumerate(keys, start=1)] == list(range(1, len(keys) + 1))
    seen.close()

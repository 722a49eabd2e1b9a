"""Property: whatever the records, one result per record, in order, with the documented id rules."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlp.batch.api import code_notes

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

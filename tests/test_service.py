"""Bad input never becomes a traceback: every note gets exactly one record, ok or error."""

from __future__ import annotations

import pytest

from nlp.inputs import MAX_NOTE_CHARS
from nlp.schema import ResultRecord

GOOD = "Lesion #1: left cheek, 4 mm nevus excised with 1 mm margins, simple closure. Pathology: compound nevus."


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("   \n\t  \n", "empty"),
        (b"\xff\xfe\xfa not utf-8", "UTF-8"),
        ("\x00\x01\x02\x03" * 200, "binary"),
        (bytes(range(256)) * 8, "UTF-8"),
        ("x" * (MAX_NOTE_CHARS + 1), "limit"),
        (12345, "text"),
        (None, "text"),
    ],
)
def test_bad_notes_get_an_error_record(coder, raw, reason: str) -> None:
    record = coder.code(raw, "bad")
    assert record.status == "error"
    assert reason in record.error
    assert record.codes == [] and record.entities == []


def test_one_megabyte_note_is_refused_with_a_reason(coder) -> None:
    record = coder.code(GOOD * (1_048_576 // len(GOOD)), "big")
    assert record.status == "error" and "limit" in record.error


def test_large_but_allowed_note_is_coded(coder) -> None:
    record = coder.code((GOOD + "\n") * 200, "long")
    assert record.status == "ok"


def test_batch_keeps_order_and_one_record_per_note(coder) -> None:
    notes = [("a", GOOD), ("b", ""), ("c", b"\xff"), ("d", GOOD)]
    records = list(coder.code_many(notes, batch_size=2))
    assert [r.id for r in records] == ["a", "b", "c", "d"]
    assert [r.status for r in records] == ["ok", "error", "error", "ok"]


def test_bytes_with_bom_are_decoded(coder) -> None:
    record = coder.code(("\ufeff" + GOOD).encode("utf-8"), "bom")
    assert record.status == "ok"
    assert record.entities[0].start >= 0


def test_error_messages_never_quote_the_note(coder) -> None:
    secret = "Zyxwvutsrqponm"
    for raw in (secret + "\x00" * 500, (secret + " ") * 50_000):
        record = coder.code(raw, "phi")
        assert record.status == "error"
        assert secret not in record.error


def test_record_round_trips_through_json(coder) -> None:
    record = coder.code(GOOD, "rt")
    again = ResultRecord.model_validate_json(record.model_dump_json())
    assert again == record


def test_pipeline_failure_becomes_an_error_record(pipeline, monkeypatch) -> None:
    from nlp.service import Coder

    coder = Coder(pipeline=pipeline)

    def explode(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(coder, "pipeline", type("P", (), {"pipe": explode, "__call__": explode, "meta": {}})())
    record = coder.code(GOOD, "x")
    assert record.status == "error" and "pipeline failed" in record.error


def _notes_with_unseen_words(count: int) -> list[str]:
    """GOOD with a footer of words no other note has, as real notes carry names and numbers."""
    return [f"{GOOD}\nDictated by: Dr. Qx{i:04d}vorn  MRN: {48_000_000 + i}  Job #{700_000 + i}" for i in range(count)]


def test_components_add_no_strings_per_note(coder) -> None:
    # spaCy keeps every new token string for the life of the pipeline; the tokenizer's share is
    # bounded by Coder's rebuild, but a component must not add its own per note (an f-string
    # label, a value as span id ...), or the vocabulary would grow even on known words.
    vocab = coder.pipeline.vocab
    coder.code(GOOD)  # labels and rule ids are added on first use
    added = 0
    for text in _notes_with_unseen_words(20):
        coder.pipeline.tokenizer(text)
        before = len(vocab.strings)
        coder.code(text)
        added += len(vocab.strings) - before
    assert added == 0


def test_pipeline_is_rebuilt_once_its_vocabulary_has_grown(coder) -> None:
    import gc
    import weakref

    from nlp.service import Coder

    recycling = Coder(recycle_strings=100)
    first = weakref.ref(recycling.pipeline)
    texts = _notes_with_unseen_words(40)  # ~5 new strings each
    records = [recycling.code(text, f"n{i}") for i, text in enumerate(texts)]
    assert recycling.recycled >= 1
    assert len(recycling.pipeline.vocab.strings) - recycling._loaded_strings <= 100 + 10
    gc.collect()
    assert first() is None, "the replaced pipeline must be freed (gc.freeze keeps cycles otherwise)"
    assert [r.model_dump() for r in records] == [coder.code(text, f"n{i}").model_dump() for i, text in enumerate(texts)]


def test_a_pipeline_passed_in_is_never_rebuilt(pipeline) -> None:
    from nlp.service import Coder

    shared = Coder(pipeline=pipeline, recycle_strings=0, freeze_gc=False)
    for text in _notes_with_unseen_words(3):
        shared.code(text)
    assert shared.pipeline is pipeline and shared.recycled == 0


def test_with_options_shares_the_pipeline_and_leaves_the_original_alone(coder) -> None:
    strict = coder.with_options(policy="ncci", max_chars=50)
    assert strict.pipeline is coder.pipeline and (strict.policy, strict.max_chars) == ("ncci", 50)
    assert (coder.policy, coder.max_chars) == ("cpt", MAX_NOTE_CHARS)
    assert strict.code(GOOD, "long").error.startswith("note has")
    assert coder.with_options().code(GOOD, "same") == coder.code(GOOD, "same")


def test_error_record_is_stamped_like_a_coded_record(coder) -> None:
    coded, error = coder.code(GOOD, "a"), coder.with_options(policy="ncci").error_record("a", "duplicate id")
    assert (error.status, error.error, error.policy) == ("error", "duplicate id", "ncci")
    assert (error.version, error.rules_version) == (coded.version, coded.rules_version)
    assert error.codes == [] and error.entities == []

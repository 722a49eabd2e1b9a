"""Fixtures for the review app: a fresh SQLite store per test, filled with the sample notes."""

from __future__ import annotations

from pathlib import Path

import pytest

SAMPLES = sorted((Path(__file__).resolve().parents[2] / "annotations" / "samples").glob("*.txt"))

PAYLOAD_ID = "payload-note"
PAYLOAD_TEXT = (
    "PREOPERATIVE DIAGNOSIS: Nevus, left cheek. <script>window.__xss = 1; alert('xss')</script>\n"
    "PROCEDURE: Excision. The 3 mm lesion <img src=x onerror=\"alert('img')\"> was excised with 1 mm margins; simple closure.\n"
    "PATHOLOGY: Compound nevus, margins clear. \" onmouseover=\"alert(2)\n"
)
"""A note whose text carries markup: it must always render as text, never run."""


@pytest.fixture(scope="session")
def catalogue():
    from nlp.web.catalogue import CodeCatalogue

    return CodeCatalogue.from_tables()


@pytest.fixture()
def store(tmp_path: Path, catalogue):
    from nlp.web.store import Store

    return Store(f"sqlite:///{tmp_path / 'review.sqlite'}", family_of_rule=catalogue.family_of_rule)


@pytest.fixture()
def loaded_store(store, coder):
    """The five sample notes plus the payload note, coded, in that order (keys 1-6)."""
    notes = [(p.stem, p.read_text()) for p in SAMPLES] + [(PAYLOAD_ID, PAYLOAD_TEXT)]
    for record, (note_id, text) in zip(coder.code_many(notes), notes, strict=True):
        assert record.status == "ok", record.error
        store.add_note(note_id, text, record, source="coded")
    return store


@pytest.fixture()
def make_client(coder, catalogue):
    from fastapi.testclient import TestClient

    from nlp.web.app import create_app

    def make(store, **options):
        return TestClient(create_app(store, coder=coder, catalogue=catalogue, reviewer="tester", **options))

    return make


@pytest.fixture()
def client(loaded_store, make_client):
    return make_client(loaded_store)

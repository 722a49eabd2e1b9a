"""Fill the review database from the command line's inputs.

``--notes`` gives the texts (.txt files, folders, JSONL of ``{id, text}``); ``--results`` the
result records a batch run wrote.  A note with a record is stored with it as is; a note without
one is coded here.  A record without a text is skipped (its evidence cannot be shown) and
counted.  Notes already in the database are kept with their decisions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlp.views.sources import read_notes, read_results
from nlp.web.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadReport:
    added: int
    kept: int
    coded: int
    results_without_text: int
    failed: int


def load_inputs(store: Store, notes: list[Path], results: Path | None, coder_factory: Any) -> LoadReport:
    """Store every note from ``notes`` with its record (from ``results`` or coded now)."""
    pairs = read_notes(notes) if notes else []
    records = read_results(results) if results else {}
    texts = dict(pairs)
    added = kept = coded = failed = 0
    to_code = [(note_id, text) for note_id, text in pairs if note_id not in records and not store.has_note(note_id)]
    fresh = {}
    if to_code:
        coder = coder_factory()
        fresh = {record.id: record for record in coder.code_many(to_code)}
        coded = len(fresh)
    for note_id, text in pairs:
        record = records.get(note_id) or fresh.get(note_id)
        if record is None:  # already stored earlier
            kept += 1
            continue
        if record.status != "ok":
            failed += 1
            log.warning("note %s not stored: %s", note_id, record.error)
            continue
        _, created = store.add_note(note_id, text, record, source="results" if note_id in records else "coded")
        added += created
        kept += not created
    missing = sum(1 for note_id in records if note_id not in texts)
    if missing:
        log.warning("%d result records have no note text in --notes and were skipped", missing)
    return LoadReport(added, kept, coded, missing, failed)

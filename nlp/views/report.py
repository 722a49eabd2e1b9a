"""``opnote render``: code a set of notes (or reuse their result records) into one HTML file."""

from __future__ import annotations

from pathlib import Path

from nlp.schema import ResultRecord
from nlp.views.html import render_report
from nlp.views.sources import read_notes, read_results


def build_report(inputs: list[Path], output: Path, *, results: Path | None = None, policy: str = "cpt",
                 model: Path | None = None) -> tuple[int, int]:
    """Write the report; returns ``(notes written, notes that could not be coded)``.

    Notes with a record in ``results`` are not re-coded; the others are coded with one Coder.
    Notes that fail still appear in the report, with their error reason instead of the text.
    """
    notes = read_notes(inputs)
    known = read_results(results) if results else {}
    missing = [(note_id, text) for note_id, text in notes if note_id not in known]
    coded: dict[str, ResultRecord] = {}
    if missing:
        from nlp.service import Coder

        coded = {r.id: r for r in Coder(model=model, policy=policy).code_many(missing)}
    items = [(text, known.get(note_id) or coded[note_id]) for note_id, text in notes]
    output.write_text(render_report(items, title=f"opnote-coder: {len(items)} notes"), encoding="utf-8")
    return len(items), sum(1 for _, record in items if record.status != "ok")

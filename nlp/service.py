"""The library entry point: text in, :class:`~nlp.schema.ResultRecord` out.

``Coder`` builds (or loads) the spaCy pipeline once and reuses it for every note.  It never
raises for a bad note: the note gets an ``error`` record with a reason instead, so a batch never
loses a row.
"""

from __future__ import annotations

import copy
import gc
import logging
import time
from pathlib import Path
from typing import Iterable, Iterator

from spacy.language import Language

from nlp import __version__
from nlp.coding import rules_version as coding_rules_version
from nlp.coding import suggest_codes
from nlp.errors import InputError, OpnoteError
from nlp.inputs import MAX_NOTE_CHARS, validate_note
from nlp.pipeline.build import load_pipeline
from nlp.schema import ResultRecord, build_result, error_result

log = logging.getLogger(__name__)


class Coder:
    """Codes notes with one pipeline instance.

    Args:
        model: a saved pipeline directory (``models/opnote_core``); None builds from the packaged rules.
        policy: payer policy for the coding layer: ``"cpt"`` (default) or ``"ncci"``.
        max_chars: longest note accepted.
        pipeline: an already built pipeline to reuse (tests, servers holding one per process).
        freeze_gc: move the objects alive after loading into the permanent GC generation
            (``gc.freeze()``); leave it on unless the process keeps building pipelines.
    """

    def __init__(self, *, model: str | Path | None = None, policy: str = "cpt", max_chars: int = MAX_NOTE_CHARS,
                 pipeline: Language | None = None, freeze_gc: bool = True) -> None:
        started = time.perf_counter()
        self.pipeline = pipeline if pipeline is not None else load_pipeline(model)
        log.debug("pipeline ready in %.2f s (%s)", time.perf_counter() - started, ", ".join(self.pipeline.pipe_names))
        self.policy = policy
        self.max_chars = max_chars
        if freeze_gc:
            # The pipeline's lexicons, matchers and rule objects live as long as the process;
            # moving them out of the collector's generations saves ~10% per note, because every
            # garbage collection would otherwise re-scan them.
            gc.freeze()
        pipeline_rules = self.pipeline.meta.get("opnote_rules_hash", "unknown")
        self.rules_version = f"{coding_rules_version()};pipeline.{pipeline_rules}"

    def with_options(self, *, policy: str | None = None, max_chars: int | None = None) -> Coder:
        """A Coder that shares this one's pipeline but codes with other options (nothing is rebuilt)."""
        other = copy.copy(self)
        other.policy = self.policy if policy is None else policy
        other.max_chars = self.max_chars if max_chars is None else max_chars
        return other

    def error_record(self, note_id: str, message: str) -> ResultRecord:
        """The ``error`` record for a note this Coder does not code, stamped with its version, rules and policy.

        ``message`` says why and what to do; it must never contain note text.
        """
        return error_result(note_id, message, version=__version__, rules_version=self.rules_version, policy=self.policy)

    def code(self, text: object, note_id: str = "note") -> ResultRecord:
        """Code one note; bad input or an internal failure yields an ``error`` record."""
        return next(self.code_many([(note_id, text)]))

    def code_many(self, notes: Iterable[tuple[str, object]], *, batch_size: int = 64) -> Iterator[ResultRecord]:
        """Code ``(id, text)`` pairs in order, streaming through ``pipeline.pipe``."""
        batch: list[tuple[str, object]] = []
        for item in notes:
            batch.append(item)
            if len(batch) >= batch_size:
                yield from self._code_batch(batch)
                batch = []
        if batch:
            yield from self._code_batch(batch)

    def _code_batch(self, batch: list[tuple[str, object]]) -> Iterator[ResultRecord]:
        checked: list[tuple[str, str | None, str | None]] = []
        for note_id, raw in batch:
            try:
                checked.append((note_id, validate_note(raw, max_chars=self.max_chars), None))
            except InputError as exc:
                checked.append((note_id, None, str(exc)))
        texts = [text for _, text, _ in checked if text is not None]
        docs = iter(self._safe_pipe(texts))
        for note_id, _text, problem in checked:
            if problem is not None:
                yield self._error(note_id, problem)
                continue
            doc = next(docs)
            if isinstance(doc, Exception):
                yield self._error(note_id, f"pipeline failed ({type(doc).__name__}); report this with the note id")
                continue
            try:
                facts = doc._.opnote_facts
                coding = suggest_codes(facts.lesions, policy=self.policy)
                record = build_result(note_id, facts, coding, version=__version__, policy=self.policy)
                record.rules_version = self.rules_version
                log.info("note %s: %d lesions, %d code lines, %d queries", note_id, len(record.lesions), len(record.codes), len(record.queries))
                yield record
            except OpnoteError as exc:
                yield self._error(note_id, str(exc))
            except Exception as exc:  # noqa: BLE001 - one note must not stop a batch
                log.error("coding failed for note %s (%s)", note_id, type(exc).__name__)
                yield self._error(note_id, f"coding failed ({type(exc).__name__}); report this with the note id")

    def _safe_pipe(self, texts: list[str]) -> list[object]:
        """Run the pipeline; if the batch fails, retry note by note so one bad note costs one row."""
        try:
            return list(self.pipeline.pipe(texts))
        except Exception:  # noqa: BLE001
            out: list[object] = []
            for text in texts:
                try:
                    out.append(self.pipeline(text))
                except Exception as exc:  # noqa: BLE001
                    log.error("pipeline failed on a note (%s)", type(exc).__name__)
                    out.append(exc)
            return out

    def _error(self, note_id: str, message: str) -> ResultRecord:
        log.info("note %s: error: %s", note_id, message)
        return self.error_record(note_id, message)


def code_text(text: str, note_id: str = "note", *, policy: str = "cpt") -> ResultRecord:
    """One-off convenience: build a :class:`Coder` and code one note (slow; reuse a Coder for many)."""
    return Coder(policy=policy).code(text, note_id)

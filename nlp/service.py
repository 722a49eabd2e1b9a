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
from spacy.tokens import Doc

from nlp import __version__
from nlp.coding import rules_version as coding_rules_version
from nlp.coding import suggest_codes
from nlp.errors import InputError, OpnoteError
from nlp.inputs import MAX_NOTE_CHARS, validate_note
from nlp.pipeline.build import load_pipeline
from nlp.pipeline.doctext import remember_text
from nlp.schema import ResultRecord, build_result, error_result

log = logging.getLogger(__name__)

# Strings a pipeline may add to its vocabulary before Coder rebuilds it: ~100 MB of growth;
# a rebuild takes ~2 s and comes every ~50,000 notes that each carry a few unseen words.
RECYCLE_STRINGS = 250_000


class Coder:
    """Codes notes with one pipeline instance.

    Args:
        model: a saved pipeline directory (``models/opnote_core``); None builds from the packaged rules.
        policy: payer policy for the coding layer: ``"cpt"`` (default) or ``"ncci"``.
        max_chars: longest note accepted.
        pipeline: an already built pipeline to reuse (tests, servers holding one per process).
        freeze_gc: move the objects alive after loading into the permanent GC generation
            (``gc.freeze()``); leave it on unless the process keeps building pipelines.
        recycle_strings: rebuild the pipeline once its vocabulary holds this many more strings
            than after loading (None: never).  spaCy keeps every new token string (names, MRNs,
            dates) for the life of the pipeline, about 400 bytes each with its lexeme; rebuilding
            bounds that growth.  A pipeline passed in is never rebuilt.
    """

    def __init__(self, *, model: str | Path | None = None, policy: str = "cpt", max_chars: int = MAX_NOTE_CHARS,
                 pipeline: Language | None = None, freeze_gc: bool = True,
                 recycle_strings: int | None = RECYCLE_STRINGS) -> None:
        started = time.perf_counter()
        self.pipeline = pipeline if pipeline is not None else load_pipeline(model)
        log.debug("pipeline ready in %.2f s (%s)", time.perf_counter() - started, ", ".join(self.pipeline.pipe_names))
        self.policy = policy
        self.max_chars = max_chars
        self.model = model
        self.freeze_gc = freeze_gc
        self.recycle_strings = recycle_strings if pipeline is None else None
        self.recycled = 0
        self._loaded_strings = len(self.pipeline.vocab.strings)
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
        self._recycle_if_grown()
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

    def _recycle_if_grown(self) -> None:
        """Swap in a freshly built pipeline once the vocabulary has grown past ``recycle_strings``.

        spaCy (3.7 here on Python 3.11; 3.8's ``memory_zone`` costs ~20% throughput) never forgets
        a token string, so a long run over real notes, each with its own names and numbers,
        grows by a few KB per note.  The rules are stateless, so a new pipeline codes the same.
        """
        if self.recycle_strings is None:
            return
        grown = len(self.pipeline.vocab.strings) - self._loaded_strings
        if grown <= self.recycle_strings:
            return
        started = time.perf_counter()
        if self.freeze_gc:
            gc.unfreeze()  # the old pipeline was frozen: unfrozen, its reference cycles can be collected
        self.pipeline = load_pipeline(self.model)
        gc.collect()
        if self.freeze_gc:
            gc.freeze()
        self._loaded_strings = len(self.pipeline.vocab.strings)
        self.recycled += 1
        log.info("pipeline rebuilt after its vocabulary grew by %d strings (%.2f s)", grown, time.perf_counter() - started)

    def _make_doc(self, text: str) -> Doc | str:
        """Tokenize ``text``; the components then read the note text from it instead of rebuilding it.

        A stand-in pipeline that is not a spaCy ``Language`` (a test double) gets the text itself.
        """
        if not isinstance(self.pipeline, Language):
            return text
        return remember_text(self.pipeline.make_doc(text), text)

    def _safe_pipe(self, texts: list[str]) -> list[object]:
        """Run the pipeline; if the batch fails, retry note by note so one bad note costs one row."""
        try:
            return list(self.pipeline.pipe([self._make_doc(text) for text in texts]))
        except Exception:  # noqa: BLE001
            out: list[object] = []
            for text in texts:
                try:
                    out.append(self.pipeline(self._make_doc(text)))
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

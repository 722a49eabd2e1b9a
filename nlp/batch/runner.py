"""``run_batch``: read, check ids, code in chunks on an engine, write durably, resume on request.

The flow for one run::

    source records ─► check_ids ─► skip what the journal says is done ─► chunks of N items
        ─► engine (in order, ≤ 2 x workers chunks in flight) ─► writer.append + fsync
        ─► journal entry + fsync ─► ... ─► writer.finish (rename into place), journal removed

With the Dask engine and a Parquet or JSON Lines file, the workers read the input instead
(:mod:`nlp.batch.partitions`): each task reads, checks and codes one partition, and the client
checks the ids it sends back for duplicates, in order, before the results are chunked and
written as above.

Memory is bounded by the chunk size and the number of chunks in flight; the ids seen (needed to
catch duplicates) move to a temporary file past 100,000 (:class:`~nlp.batch.ids.SeenIds`).
Every input record yields exactly one output record, in input order, so a resumed run skips
exactly the records the journal counts and ends with the same bytes as a run that was never
interrupted (records carry no timing or run-dependent field; the rules and package versions
are fixed for an installation).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Iterable, Iterator, Literal

from rich.console import Console

from nlp.batch.engines import DaskEngine, LocalEngine, available_cores
from nlp.batch.ids import Item, check_ids
from nlp.batch.journal import Journal, Progress
from nlp.batch.readers import open_source
from nlp.batch.report import BatchProgress, BatchSummary
from nlp.batch.work import CoderSettings
from nlp.batch.writers import writer_for
from nlp.errors import InputError
from nlp.inputs import MAX_NOTE_CHARS

DEFAULT_CHUNK_SIZE = 256
"""Notes per chunk: large enough that pickling and fsync cost little per note (~0.5 s of work
per chunk per core), small enough that a kill loses little and memory stays small."""

Engine = Literal["local", "dask"]


def batched(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    """Consecutive lists of ``size`` items (the last may be shorter)."""
    chunk: list[Item] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def journal_path(output: Path) -> Path:
    return output.with_name(output.name + ".partial.journal")


def run_batch(
    source: str | Path,
    output: str | Path,
    *,
    id_col: str = "id",
    text_col: str = "text",
    workers: int | None = None,
    engine: Engine = "local",
    scheduler: str | None = None,
    resume: bool = False,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    policy: str = "cpt",
    model: str | Path | None = None,
    max_chars: int = MAX_NOTE_CHARS,
    coder: Any = None,
    dask_processes: bool = True,
    progress: bool | None = None,
) -> BatchSummary:
    """Code every record of ``source`` into ``output`` (format by extension); see the module docstring.

    Args:
        source: a folder of .txt, a .jsonl/.csv/.tsv/.parquet file (.gz for text formats) or ``-`` (JSONL on stdin).
        output: ``.jsonl``, ``.csv`` or ``.parquet``; written as ``OUTPUT.partial`` and renamed when complete.
        workers: processes (local) or LocalCluster workers (dask); None uses the cores available.
        resume: continue from the partial output and journal of a killed run with the same options.
        chunk_size: notes per chunk, the unit of parallel work, of fsync and of resume.
        coder: an existing :class:`~nlp.service.Coder` whose pipeline to use (local engine; forked workers
            share it); ``policy`` and ``max_chars`` still come from these arguments.
        dask_processes: Dask LocalCluster workers as processes (default) or threads (tests).
        progress: show the progress bar; None shows it when stderr is a terminal.

    Raises:
        InputError: the input, output or options are unusable (nothing is coded), or ``--resume``
            does not match the partial output.
    """
    started = time.perf_counter()
    if chunk_size < 1:
        raise InputError(f"chunk size must be at least 1, got {chunk_size}")
    settings = CoderSettings(model=str(model) if model else None, policy=policy, max_chars=max_chars)
    if coder is not None:
        coder = coder.with_options(policy=policy, max_chars=max_chars)  # the same pipeline, this run's options
    reader = open_source(str(source), id_col=id_col, text_col=text_col, max_bytes=4 * max_chars + 4)
    out = Path(output)
    if str(source) != "-" and out.resolve() == Path(source).resolve():
        raise InputError(f"{out}: the output would replace the input; write the results to another file")
    writer = writer_for(out)
    header = {"input": reader.name, "output_format": writer.format, "chunk_size": chunk_size, "id_col": id_col,
              "text_col": text_col, "policy": policy, "model": settings.model, "max_chars": max_chars}
    journal = _open_output(writer, journal_path(out), header, resume)
    state = journal.last
    summary = BatchSummary(output=out, resumed_after=state.records)
    workers = workers or available_cores()

    runner: LocalEngine | DaskEngine
    if engine == "dask":
        runner = DaskEngine(settings, workers, scheduler=scheduler, processes=dask_processes)
    else:
        items = check_ids(reader.records(), id_col=id_col, text_col=text_col)
        _skip(items, state.records, reader.name)
        runner = LocalEngine(settings, workers, coder=coder)
    show = Console(stderr=True).is_terminal if progress is None else progress
    total = reader.count() if show else None  # a quick pass, only when someone watches the ETA
    with runner, BatchProgress(total=total, done=state.records, enabled=show) as bar:
        summary.startup_seconds = time.perf_counter() - started
        chunks: Iterator[list[Any]]
        if isinstance(runner, LocalEngine):
            chunks = runner.map(batched(items, chunk_size))
        elif (plan := runner.plan(reader, chunk_size)) is not None:  # the workers read the partitions
            chunks = batched(runner.code_partitions(plan, skip=state.records), chunk_size)
        else:  # this process reads the input and sends it in chunks
            items = check_ids(reader.records(), id_col=id_col, text_col=text_col)
            _skip(items, state.records, reader.name)
            chunks = runner.map(batched(items, chunk_size))
        for coded in chunks:
            size = writer.append(coded)
            state = _advance(state, coded, size)
            journal.append(state)
            bar.advance(len(coded))
    writer.finish()
    journal.path.unlink(missing_ok=True)
    summary.records, summary.ok, summary.errors, summary.families = state.records, state.ok, state.errors, state.families
    summary.seconds = time.perf_counter() - started
    return summary


def _open_output(writer: Any, path: Path, header: dict[str, Any], resume: bool) -> Journal:
    """Start a fresh partial output, or reopen the one a killed run left (``resume``)."""
    leftover = path.exists() or writer.exists()
    if leftover and not resume:
        raise InputError(f"{writer.output}: an earlier run left a partial output ({writer.partial}); "
                         "pass --resume to continue it, or delete it to start over")
    if resume and path.exists():
        journal = Journal.load(path)
        journal.check_header(header)
        journal.repair()
        if journal.entries:
            writer.restore(journal.last.size)
        else:
            writer.start()
        return journal
    if leftover:
        raise InputError(f"cannot resume: {writer.partial} has no journal ({path}); delete the partial output to start over")
    journal = Journal.create(path, header)
    writer.start()
    return journal


def _skip(items: Iterator[Item], count: int, name: str) -> None:
    """Consume the items already written (their ids still enter the duplicate check)."""
    for _ in range(count):
        if next(items, None) is None:
            raise InputError(f"cannot resume: {name} has fewer records than the partial output; "
                             "resume with the same input, or delete the partial output to start over")


def _advance(state: Progress, coded: list[Any], size: int) -> Progress:
    families = dict(state.families)
    ok = 0
    for item in coded:
        ok += item.ok
        for family in item.families:
            families[family] = families.get(family, 0) + 1
    return Progress(chunks=state.chunks + 1, records=state.records + len(coded), ok=state.ok + ok,
                    errors=state.errors + len(coded) - ok, size=size, families=families)

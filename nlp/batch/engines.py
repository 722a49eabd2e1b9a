"""Engines: code chunks of items in parallel and hand results back in input order, bounded.

Both engines take an iterator of chunks and yield the coded chunks in the same order, with at
most ``2 x workers`` chunks in flight, so memory does not grow with the input however fast it
is read.

- :class:`LocalEngine`: in-process for one worker; otherwise a process pool forked *after*
  the pipeline is built, so every worker shares the loaded pipeline copy-on-write instead of
  building its own (``gc.freeze`` in :class:`~nlp.service.Coder` keeps those pages shared).
  Where ``fork`` is unavailable (macOS, Windows) each worker builds the pipeline once.
- :class:`DaskEngine`: a ``LocalCluster`` (or an existing scheduler); each worker builds its
  Coder once, when the engine starts, and keeps it (:func:`nlp.batch.work.cached_coder`).
  Parquet and JSON Lines files are read by the workers, a partition per task
  (:mod:`nlp.batch.partitions`); the client sees only ids and results, checks the ids for
  duplicates in input order and turns a repeated id's result into its error record.  Other
  inputs are read by the client and sent in chunks (:meth:`DaskEngine.map`).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Iterable, Iterator, Sequence, TypeVar

from nlp.batch.ids import Item, SeenIds, duplicate_problem
from nlp.batch.partitions import Partition, Plan, file_size, plan_partitions
from nlp.batch.readers import Source
from nlp.batch.work import Coded, CoderSettings, PartResult, code_items, code_partition, error_coded
from nlp.errors import InputError

log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")
W = TypeVar("W")
Chunk = Sequence[Item]


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity; a cgroup CPU quota is not seen)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def ordered_bounded(submit: Callable[[W], T], collect: Callable[[T], R], chunks: Iterable[W], limit: int) -> Iterator[R]:
    """Submit chunks while fewer than ``limit`` are pending; yield results in submission order."""
    pending: deque[T] = deque()
    for chunk in chunks:
        pending.append(submit(chunk))
        if len(pending) >= limit:
            yield collect(pending.popleft())
    while pending:
        yield collect(pending.popleft())


# The Coder a forked worker inherits from its parent (set in the parent just before forking).
_forked_coder: Any = None


def _exit_with_parent(parent: int) -> None:
    """Worker initializer: exit when the parent dies.

    A parent killed with SIGKILL cannot shut its pool down, and idle workers would wait on
    their queue forever; a daemon thread polling the parent id ends them within a second.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(3)

    threading.Thread(target=watch, name="opnote-parent-watch", daemon=True).start()


def _init_spawned(settings: CoderSettings, parent: int) -> None:
    global _forked_coder
    _exit_with_parent(parent)
    _forked_coder = settings.build()


def _code_in_worker(items: Chunk) -> list[Coded]:
    return code_items(_forked_coder, items)


def _ready() -> bool:
    return True


class LocalEngine:
    """Code on this machine: in-process for one worker, a forked process pool for more.

    If a worker process dies (a crash in native code, the kernel's OOM killer), the pool is
    restarted, the chunk it was coding is retried one note per task, and the note that kills a
    worker again gets an ``error`` record; the chunks in flight are resubmitted.  One bad note
    costs one row, never the batch.
    """

    def __init__(self, settings: CoderSettings, workers: int, *, coder: Any = None) -> None:
        self.settings = settings
        self.workers = max(1, workers)
        self.coder = coder
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> LocalEngine:
        global _forked_coder
        if self.workers == 1:
            self.coder = self.coder or self.settings.build()
            return self
        if "fork" in multiprocessing.get_all_start_methods():
            _forked_coder = self.coder = self.coder or self.settings.build()
        self._pool = self._start_pool()
        return self

    def _start_pool(self) -> ProcessPoolExecutor:
        if _forked_coder is not None:
            pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("fork"),
                                       initializer=_exit_with_parent, initargs=(os.getpid(),))
        else:  # pragma: no cover - exercised on macOS / Windows only
            pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                       initializer=_init_spawned, initargs=(self.settings, os.getpid()))
        # Start the workers now, before the caller starts threads (progress bars) that a fork would copy.
        pool.submit(_ready).result()
        return pool

    def _restart(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = self._start_pool()

    def map(self, chunks: Iterable[Chunk]) -> Iterator[list[Coded]]:
        if self._pool is None:
            return (code_items(self.coder, chunk) for chunk in chunks)
        return self._map_pool(chunks)

    def _map_pool(self, chunks: Iterable[Chunk]) -> Iterator[list[Coded]]:
        pending: deque[tuple[Chunk, Future]] = deque()

        def collect() -> list[Coded]:
            chunk, future = pending.popleft()
            try:
                return future.result()
            except BrokenProcessPool:
                log.error("a worker process died; restarting the pool and retrying %d notes one by one", len(chunk))
                self._restart()
                result = self._isolate(chunk)
                rest = [c for c, _ in pending]
                pending.clear()
                pending.extend((c, self._submit(c)) for c in rest)
                return result

        for chunk in chunks:
            pending.append((chunk, self._submit(chunk)))
            if len(pending) >= 2 * self.workers:
                yield collect()
        while pending:
            yield collect()

    def _submit(self, chunk: Chunk) -> Future:
        assert self._pool is not None
        try:
            return self._pool.submit(_code_in_worker, chunk)
        except BrokenProcessPool as exc:
            # A worker died since the last result was collected: fail this chunk's future, so that
            # collecting it, in order, restarts the pool and resubmits (a raise here would end the run).
            failed: Future = Future()
            failed.set_exception(exc)
            return failed

    def _isolate(self, chunk: Chunk) -> list[Coded]:
        """Code a chunk one note per task; a note that kills its worker gets an error record."""
        out: list[Coded] = []
        for note_id, text, problem in chunk:
            try:
                out.extend(self._submit([(note_id, text, problem)]).result())
            except BrokenProcessPool:
                log.error("note %s: the worker process died while coding it", note_id)
                self._restart()
                message = "pipeline failure: the worker process died while coding this note; report this with the note id"
                out.extend(code_items(self.coder or self.settings.build(), [(note_id, None, message)]))
        return out

    def __exit__(self, *exc: object) -> None:
        global _forked_coder
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            _forked_coder = None


class DaskEngine:
    """Code on a Dask cluster: a ``LocalCluster`` of ``workers`` processes, or ``scheduler``'s cluster."""

    def __init__(self, settings: CoderSettings, workers: int, *, scheduler: str | None = None, processes: bool = True) -> None:
        self.settings = settings
        self.workers = max(1, workers)
        self.scheduler = scheduler
        self.processes = processes
        self._client: Any = None
        self._cluster: Any = None
        self.rules_version = ""

    def __enter__(self) -> DaskEngine:
        from distributed import Client, LocalCluster

        # Dask logs every worker start and stop at INFO; follow the command's own verbosity instead.
        logging.getLogger("distributed").setLevel(max(logging.WARNING, logging.getLogger().getEffectiveLevel()))
        if self.scheduler:
            self._client = Client(self.scheduler)
        else:
            self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=self.processes,
                                         dashboard_address=":0")  # any free port: never clash with another cluster
            self._client = Client(self._cluster)
        try:
            self._warm_up()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _warm_up(self) -> None:
        """Build each worker's pipeline now, in the thread that will run its tasks, so the first
        chunks do not wait on it and start-up time is reported as start-up."""
        from nlp import __version__

        workers = list(self._client.scheduler_info()["workers"])
        versions = {tuple(found) for found in self._client.gather([
            self._client.submit(_warm_dask_worker, self.settings, key=f"opnote-warm-{i}-{w}", workers=[w],
                                allow_other_workers=False, pure=False) for i, w in enumerate(workers)])}
        if len(versions) > 1 or next(iter(versions))[0] != __version__:
            found = ", ".join(sorted(f"{version} ({rules})" for version, rules in versions))
            raise InputError(f"the Dask workers run opnote-coder {found}, this client {__version__}; "
                             "install the same version and rules everywhere")
        self.rules_version = next(iter(versions))[1]

    def plan(self, source: Source, records: int) -> Plan | None:
        """Partitions of ``source`` for the workers to read, or None: the client reads it (:meth:`map`).

        None too when a worker cannot see the file at the same path with the same size (a
        remote cluster without the shared file system), so the run still works, through the client.
        """
        plan = plan_partitions(source, records)
        if plan is None:
            return None
        size = os.path.getsize(plan.path)
        blind = sorted(worker for worker, seen in self._client.run(file_size, plan.path).items() if seen != size)
        if blind:
            log.warning("%d Dask worker(s) cannot read %s (e.g. %s); the client reads the input and sends it to them",
                        len(blind), plan.path, blind[0])
            return None
        return plan

    def code_partitions(self, plan: Plan, *, skip: int = 0) -> Iterator[Coded]:
        """Every record's result in input order, after the first ``skip`` (whose ids still count), the workers reading.

        Raises:
            InputError: the input has fewer than ``skip`` records (a resume on another input).
        """
        client = self._client
        limit = 2 * max(1, sum(client.nthreads().values()))

        def submit(part: Partition) -> tuple[int, Any]:
            part_skip = min(part.size, max(0, skip - part.first))  # records already in the output
            return part_skip, client.submit(code_partition, part, self.settings, part_skip, pure=False)

        def collect(pending: tuple[int, Any]) -> tuple[int, PartResult]:
            part_skip, future = pending
            return part_skip, future.result()

        def count_on_workers(fn: Callable[..., Any], *args: Any) -> Any:
            return client.submit(fn, *args, pure=False, priority=1)  # ahead of the queued coding tasks

        seen = SeenIds()
        records = 0
        try:
            for part_skip, result in ordered_bounded(submit, collect, plan.parts(count_on_workers), limit):
                yield from self._check_duplicates(result, part_skip, seen)
                records += len(result.ids)
        finally:
            seen.close()
        if records < skip:
            raise InputError(f"cannot resume: {plan.path} has fewer records than the partial output; "
                             "resume with the same input, or delete the partial output to start over")

    def _check_duplicates(self, result: PartResult, skip: int, seen: SeenIds) -> Iterator[Coded]:
        for index, (note_id, position) in enumerate(zip(result.ids, result.positions, strict=True)):
            first = seen.first(note_id, position) if note_id is not None else None
            if index < skip:
                continue
            if first is None:
                yield result.coded[index - skip]
            else:
                yield error_coded(note_id, duplicate_problem(position, first), rules_version=self.rules_version,
                                  policy=self.settings.policy)

    def map(self, chunks: Iterable[Chunk]) -> Iterator[list[Coded]]:
        client = self._client
        limit = 2 * max(1, sum(client.nthreads().values()))

        def submit(chunk: Chunk) -> Any:
            return client.submit(_code_on_dask_worker, list(chunk), self.settings, pure=False)

        return ordered_bounded(submit, lambda future: future.result(), chunks, limit)

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def _warm_dask_worker(settings: CoderSettings) -> tuple[str, str]:
    """Build this worker's Coder; its package and rules versions, which must be the same on every worker."""
    from nlp import __version__
    from nlp.batch.work import cached_coder

    return __version__, cached_coder(settings).rules_version


def _code_on_dask_worker(items: Chunk, settings: CoderSettings) -> list[Coded]:
    from nlp.batch.work import code_items_cached

    return code_items_cached(items, settings)

"""Batch benchmark: notes/s for 1 and 2 local workers and the Dask engine; peak memory at 10k vs 100k notes.

Run from the repository root::

    .venv/bin/python benchmarks/batch.py                       # the defaults below (~6 minutes on 2 cores)
    .venv/bin/python benchmarks/batch.py --throughput-notes 2000 --memory-notes 2000 20000   # quicker

Notes are synthesised by cycling the texts of ``annotations/samples/*.txt`` and
``annotations/dev.jsonl`` with unique ids, written as JSON Lines.  Each configuration runs
``opnote batch`` as its own process, as a user would, so start-up and memory are real:

- throughput: the same notes through ``--workers 1``, ``--workers 2`` and ``--engine dask
  --workers 2``; notes/s is reported for the coding phase (the summary's figure, start-up
  excluded) and end to end (wall clock, start-up included);
- CPU: user + system seconds of every process of the run, per note; equal figures for 1 and
  2 workers mean the parallel run wastes nothing, so its speed-up is bounded by the free cores;
- memory: the largest resident set of any one process of the run (``ru_maxrss`` of the
  process tree, what matters for OOM), and the peak of the sum over the tree sampled every
  0.2 s with psutil (an over-estimate: pages the forked workers share are counted once per
  worker).

The Dask engine reads this JSON Lines input on its workers, a partition per task (see
``nlp/batch/partitions.py``).

Figures are printed, never asserted (the project keeps timings out of unit tests).  The
machine's load average is printed too: on a shared machine other jobs skew the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

_RUN_AND_MEASURE = """
import resource, subprocess, sys
run = subprocess.run(sys.argv[1:], capture_output=True, text=True)
sys.stderr.write(run.stderr)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(usage.ru_maxrss, usage.ru_utime + usage.ru_stime)
sys.exit(run.returncode)
"""


def source_texts() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((REPO / "annotations" / "samples").glob("*.txt"))]
    with open(REPO / "annotations" / "dev.jsonl", encoding="utf-8") as handle:
        texts += [json.loads(line)["text"] for line in handle if line.strip()]
    return texts


def write_notes(path: Path, count: int) -> Path:
    """``count`` notes with unique ids, cycling the sample and dev texts."""
    texts = source_texts()
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(count):
            handle.write(json.dumps({"id": f"bench-{i:07d}", "text": texts[i % len(texts)]}) + "\n")
    return path


@dataclass
class Run:
    label: str
    notes: int
    wall: float
    coding_rate: float
    startup: float
    max_rss_mb: float
    tree_rss_mb: float
    cpu_seconds: float
    load: float
    """The 1-minute load average when the run ended (this run's own processes included)."""

    def row(self) -> str:
        return (f"| {self.label} | {self.notes:,} | {self.coding_rate:,.0f} | {self.notes / self.wall:,.0f} | "
                f"{self.startup:.1f} | {self.wall:.1f} | {1000 * self.cpu_seconds / self.notes:.2f} | "
                f"{self.max_rss_mb:,.0f} | {self.tree_rss_mb:,.0f} | {self.load:.2f} |")


def _sample_tree(pid: int, stop: threading.Event, peak: list[float]) -> None:
    import psutil

    try:
        root = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return
    while not stop.is_set():
        total = 0
        try:
            for proc in [root, *root.children(recursive=True)]:
                try:
                    total += proc.memory_info().rss
                except psutil.NoSuchProcess:
                    pass
        except psutil.NoSuchProcess:
            return
        peak[0] = max(peak[0], total / 2**20)
        stop.wait(0.2)


def run_batch(label: str, notes: Path, count: int, workdir: Path, *options: str) -> Run:
    output = workdir / f"out-{label.replace(' ', '_')}.jsonl"
    output.unlink(missing_ok=True)
    command = [sys.executable, "-c", _RUN_AND_MEASURE, sys.executable, "-m", "nlp.cli", "batch", str(notes),
               "-o", str(output), "--no-progress", *options]
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stop, peak = threading.Event(), [0.0]
    sampler = threading.Thread(target=_sample_tree, args=(proc.pid, stop, peak), daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - started
    stop.set()
    sampler.join()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{label}: opnote batch failed (exit {proc.returncode}):\n{err}")
    timing = re.search(r"time ([\d.]+) s \(start-up ([\d.]+) s\), ([\d,.]+) notes/s", err)
    if timing is None:
        raise SystemExit(f"{label}: no summary in the output:\n{err}")
    output.unlink(missing_ok=True)
    max_rss_kb, cpu = out.split()[-2:]
    return Run(label, count, wall, float(timing.group(3).replace(",", "")), float(timing.group(2)),
               int(max_rss_kb) / 1024, peak[0], float(cpu), os.getloadavg()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--throughput-notes", type=int, default=10_000, help="Notes for the 1 / 2 worker / Dask comparison.")
    parser.add_argument("--memory-notes", type=int, nargs="*", default=[10_000, 100_000],
                        help="Note counts for the memory runs (none: skip them).")
    parser.add_argument("--memory-workers", type=int, default=2, help="Workers for the memory runs.")
    parser.add_argument("--memory-dask", action="store_true", help="Memory runs with the Dask engine too.")
    parser.add_argument("--skip-dask", action="store_true", help="Leave out the Dask engine.")
    parser.add_argument("--repeats", type=int, default=1, help="Throughput runs per configuration (interleaved); the best is kept.")
    args = parser.parse_args()

    print(f"machine: {os.cpu_count()} cores; load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    header = ("| run | notes | notes/s coding | notes/s wall | start-up s | wall s | CPU ms/note (all processes) "
              "| max RSS MB (one process) | peak RSS MB (sum over tree) | load 1 min at end |\n"
              "|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="opnote-bench-") as tmp:
        workdir = Path(tmp)
        notes = write_notes(workdir / "notes.jsonl", args.throughput_notes)
        configs = [("local, 1 worker", ("--workers", "1")), ("local, 2 workers", ("--workers", "2"))]
        if not args.skip_dask:
            configs.append(("dask LocalCluster, 2 workers", ("--engine", "dask", "--workers", "2")))
        print(f"\nthroughput (best of {args.repeats}, configurations interleaved)\n" + header)
        best: dict[str, Run] = {}
        rounds: list[list[Run]] = []
        for _ in range(args.repeats):
            rounds.append([])
            for label, options in configs:
                run = run_batch(label, notes, args.throughput_notes, workdir, *options)
                print(run.row(), flush=True)
                rounds[-1].append(run)
                if label not in best or run.coding_rate > best[label].coding_rate:
                    best[label] = run
        runs = [best[label] for label, _ in configs]
        if args.repeats > 1:
            print("best:")
            for run in runs:
                print(run.row())
        print(f"speed-up, 2 workers / 1 worker (coding), best against best: {runs[1].coding_rate / runs[0].coding_rate:.2f}x")
        print(f"speed-up, 2 workers / 1 worker (wall), best against best:   {runs[0].wall / runs[1].wall:.2f}x")
        print("run for run (coding / wall): " + ", ".join(
            f"{two.coding_rate / one.coding_rate:.2f}x / {one.wall / two.wall:.2f}x" for one, two, *_ in rounds))

        if args.memory_notes:
            print(f"\nmemory ({args.memory_workers} workers)\n" + header)
        for count in args.memory_notes:
            notes = write_notes(workdir / f"notes-{count}.jsonl", count)
            print(run_batch(f"local, {args.memory_workers} workers", notes, count, workdir,
                            "--workers", str(args.memory_workers)).row(), flush=True)
            if args.memory_dask:
                print(run_batch(f"dask LocalCluster, {args.memory_workers} workers", notes, count, workdir, "--engine", "dask",
                                "--workers", str(args.memory_workers)).row(), flush=True)
            notes.unlink()
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

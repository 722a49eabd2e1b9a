"""Memory benchmark: peak RSS of loading the pipeline and of coding 1,000 and 10,000 notes in one process.

Run from the repository root::

    .venv/bin/python benchmarks/memory.py                      # the defaults (~1 minute on 2 cores)
    .venv/bin/python benchmarks/memory.py --notes 1000 10000 100000 --every 10000

Every figure comes from a fresh process (this script run again with ``--child``), so a peak
(``ru_maxrss``) belongs to one phase:

- ``load``: import opnote-coder and build the pipeline (``Coder()``), nothing coded;
- ``N notes``: the same, then ``Coder.code`` on N notes one after another, each record
  serialised to JSON as ``opnote code`` does; every ``--every`` notes the process prints its
  current RSS and the sizes of spaCy's ``StringStore`` and lexeme table, so growth per note
  shows directly.

Two note streams, both cycling the 58 MTSamples notes in ``../shared/realnotes/`` and the
gold notes in ``annotations/`` (dev, test, samples):

- ``cycled``: the texts as they are.  After the first pass every word is known, which is
  the best case.
- ``unique``: each note gets a last line with a made-up surname, an MRN and a job number
  that no other note has.  Real notes carry names and numbers like these, and spaCy adds every
  new token string to the vocabulary's ``StringStore`` for good, so this stream shows what a
  long run over real notes costs.

``Coder`` rebuilds its pipeline once the vocabulary holds ``RECYCLE_STRINGS`` more strings
than after loading (``--recycle-strings`` sets another threshold; 0 never rebuilds), so the
``unique`` stream grows up to that bound and then starts again from the loaded size.

A last child checks whether the pipeline itself adds strings per document: it tokenizes each
note of the ``unique`` stream first (the tokenizer adds the note's new words), then codes it,
and counts the strings the components added on top.

Figures are printed, never asserted.  The load average is printed too: other jobs on a shared
machine move the timings, though not the memory.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import string
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCES = (
    REPO.parent / "shared" / "realnotes" / "mtsamples_skin.jsonl",
    REPO / "annotations" / "dev.jsonl",
    REPO / "annotations" / "test.jsonl",
)
PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20


def source_texts() -> list[str]:
    texts: list[str] = []
    for source in SOURCES:
        if source.exists():
            with open(source, encoding="utf-8") as handle:
                texts += [json.loads(line)["text"] for line in handle if line.strip()]
    texts += [p.read_text(encoding="utf-8") for p in sorted((REPO / "annotations" / "samples").glob("*.txt"))]
    if not texts:
        raise SystemExit("no notes found under annotations/ or ../shared/realnotes/")
    return texts


def note_stream(texts: list[str], count: int, *, unique: bool):
    """``count`` (id, text) pairs cycling ``texts``; with ``unique``, a footer of words no other note has."""
    rnd = random.Random(20261126)
    for i in range(count):
        text = texts[i % len(texts)]
        if unique:
            surname = "".join(rnd.choice(string.ascii_lowercase) for _ in range(8)).title()
            text = f"{text}\nDictated by: Dr. {surname}  MRN: {rnd.randrange(10**7, 10**8)}  Job #{rnd.randrange(10**6, 10**7)}\n"
        yield f"note-{i}", text


def current_rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * PAGE_MB


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def child(args: argparse.Namespace) -> None:
    """One measurement in this process; JSON lines on stdout."""
    def emit(**row) -> None:
        print(json.dumps(row), flush=True)

    started = time.perf_counter()
    from nlp.service import Coder

    texts = source_texts()
    coder = Coder() if args.recycle_strings is None else Coder(recycle_strings=args.recycle_strings or None)
    vocab = coder.pipeline.vocab
    emit(kind="loaded", rss=current_rss_mb(), peak=peak_rss_mb(), strings=len(vocab.strings), lexemes=len(vocab),
         seconds=time.perf_counter() - started)
    if args.child == "pipeline-strings":
        tokenizer = coder.pipeline.tokenizer
        for _, text in note_stream(texts, len(texts), unique=False):  # learn the corpus words first
            coder.code(text)
        by_tokenizer = by_components = 0
        for _, text in note_stream(texts, args.count, unique=True):
            before = len(vocab.strings)
            tokenizer(text)
            middle = len(vocab.strings)
            coder.code(text)
            by_tokenizer += middle - before
            by_components += len(vocab.strings) - middle
        emit(kind="pipeline-strings", notes=args.count, by_tokenizer=by_tokenizer, by_components=by_components)
        return
    if args.count:
        coding_started = time.perf_counter()
        for i, (note_id, text) in enumerate(note_stream(texts, args.count, unique=args.child == "unique"), 1):
            record = coder.code(text, note_id)
            record.model_dump_json()
            if record.status != "ok":
                raise SystemExit(f"note {note_id}: {record.error}")
            if i % args.every == 0 or i == args.count:
                vocab = coder.pipeline.vocab  # a new one after a rebuild
                emit(kind="checkpoint", notes=i, rss=current_rss_mb(), strings=len(vocab.strings), lexemes=len(vocab),
                     seconds=time.perf_counter() - coding_started)
    emit(kind="done", peak=peak_rss_mb(), rss=current_rss_mb(), rebuilds=coder.recycled)


def run_child(mode: str, count: int, every: int, recycle: int | None = None) -> list[dict]:
    command = [sys.executable, __file__, "--child", mode, "--count", str(count), "--every", str(every)]
    if recycle is not None:
        command += ["--recycle-strings", str(recycle)]
    run = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    if run.returncode:
        sys.stderr.write(run.stderr)
        raise SystemExit(f"{mode} {count}: exit {run.returncode}")
    return [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notes", type=int, nargs="+", default=[1000, 10000], help="note counts, one process each")
    parser.add_argument("--every", type=int, default=1000, help="checkpoint interval (notes)")
    parser.add_argument("--streams", nargs="+", choices=("cycled", "unique"), default=["cycled", "unique"])
    parser.add_argument("--recycle-strings", type=int, default=None,
                        help="Coder's rebuild threshold (default: Coder's own; 0 never rebuilds)")
    parser.add_argument("--child", choices=("load", "cycled", "unique", "pipeline-strings"), help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    import spacy

    print(f"Python {sys.version.split()[0]}, spaCy {spacy.__version__}; {os.cpu_count()} cores; "
          f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{len(source_texts())} source texts, cycled\n")

    load = run_child("load", 0, 1)
    loaded, done = load[0], load[-1]
    print(f"load: {loaded['seconds']:.1f} s, RSS {loaded['rss']:.0f} MB, peak {done['peak']:.0f} MB, "
          f"{loaded['strings']:,} strings, {loaded['lexemes']:,} lexemes\n")

    print("| Stream | notes | peak RSS | RSS after loading | RSS at the end | vocabulary growth (strings) | pipeline rebuilds | notes/s |")
    print("|---|---|---|---|---|---|---|---|")
    curves = {}
    for stream in args.streams:
        for count in args.notes:
            rows = run_child(stream, count, args.every, args.recycle_strings)
            first, checkpoints, done = rows[0], [r for r in rows if r["kind"] == "checkpoint"], rows[-1]
            last = checkpoints[-1]
            print(f"| {stream} | {count:,} | {done['peak']:.0f} MB | {first['rss']:.0f} MB | {done['rss']:.0f} MB | "
                  f"{last['strings'] - first['strings']:,} | {done['rebuilds']} | {count / last['seconds']:,.0f} |")
            curves[(stream, count)] = (first, checkpoints)

    for (stream, count), (first, checkpoints) in curves.items():
        if count != max(args.notes):
            continue
        print(f"\n{stream}, {count:,} notes: RSS / strings / lexemes every {args.every:,} notes")
        print("  loaded: " + f"{first['rss']:.1f} MB / {first['strings']:,} / {first['lexemes']:,}")
        for row in checkpoints:
            print(f"  {row['notes']:>7,}: {row['rss']:.1f} MB / {row['strings']:,} / {row['lexemes']:,}")
        if len(checkpoints) >= 2:
            a, b = checkpoints[0], checkpoints[-1]
            notes = b["notes"] - a["notes"]
            print(f"  from {a['notes']:,} to {b['notes']:,}: {(b['rss'] - a['rss']) * 2**20 / notes:+,.0f} bytes RSS and "
                  f"{(b['strings'] - a['strings']) / notes:+.2f} strings per note")

    check = run_child("pipeline-strings", 2000, 2000)[-1]
    print(f"\nstrings added over {check['notes']:,} unique-stream notes: by the tokenizer {check['by_tokenizer']:,}, "
          f"by the pipeline's components on top {check['by_components']:,}")
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

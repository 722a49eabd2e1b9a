"""Throughput benchmark: our pipeline with coding against its two references, on the same notes.

Run ``opnote benchmark`` (or ``python -m nlp.benchmark``).  It times, in one process and one run:

1. the bare spaCy tokenizer (``spacy.blank("en").tokenizer``) — the floor any spaCy pipeline pays;
2. stock ``medspacy.load()`` (PyRuSH sentences, TargetMatcher, ConText with default rules);
3. opnote-coder end to end (our pipeline, lesion linking, coding, result records);

and prints notes/s for each and the ratios the project tracks (ours / medspaCy, ours / tokenizer).
Figures are printed, not asserted: speed targets live here, not in unit tests.
"""

from __future__ import annotations

import gc
import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SOURCES = (
    REPO.parent / "shared" / "realnotes" / "mtsamples_skin.jsonl",
    REPO / "annotations" / "dev.jsonl",
    REPO / "annotations" / "test.jsonl",
)


@dataclass
class Timing:
    name: str
    notes: int
    seconds: float

    @property
    def notes_per_second(self) -> float:
        return self.notes / self.seconds if self.seconds else float("inf")


def load_notes(sources: Sequence[Path], words: int, count: int, min_fraction: float = 0.9) -> list[str]:
    """Notes of about ``words`` words: real texts cut to that length.

    Notes shorter than ``min_fraction`` of ``words`` are skipped; the default 0.9 keeps every
    timed note within 10% of the length the targets are stated for.  The ratio to the bare
    tokenizer depends on the mix: a pipeline's per-note overhead weighs more on short notes, so
    ``--min-fraction 0.6`` (notes of 150 words and up) gives a lower figure.
    """
    texts: list[str] = []
    for source in sources:
        if not source.exists():
            continue
        for line in source.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(json.loads(line)["text"])
    if not texts:
        raise SystemExit("no notes found: pass --notes FILE.jsonl with a 'text' field")
    cut = []
    for text in texts:
        tokens = text.split(" ")
        if len(text.split()) >= words * min_fraction:
            # cut on a space so the note keeps its original punctuation and line breaks
            kept, n = [], 0
            for token in tokens:
                kept.append(token)
                n += bool(token.strip())
                if n >= words:
                    break
            cut.append(" ".join(kept))
    cut = cut or texts
    out = []
    while len(out) < count:
        out.extend(cut)
    return out[:count]


def _time(name: str, run: Callable[[list[str]], None], notes: list[str], repeats: int) -> Timing:
    run(notes[: min(20, len(notes))])  # warm-up: caches, lazy imports
    best = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        run(notes)
        best.append(time.perf_counter() - start)
    return Timing(name, len(notes), statistics.median(best))


def run_benchmark(notes: list[str], *, repeats: int = 3, medspacy_notes: int = 200) -> list[Timing]:
    """Time the three systems on ``notes`` (medspaCy on the first ``medspacy_notes``: it is slow)."""
    import medspacy
    import spacy

    from nlp.pipeline import _medspacy  # noqa: F401  (silences PyRuSH's token logging)
    from nlp.service import Coder

    tokenizer = spacy.blank("en").tokenizer
    stock = medspacy.load()
    coder = Coder()

    def run_tokenizer(batch: list[str]) -> None:
        for text in batch:
            tokenizer(text)

    def run_medspacy(batch: list[str]) -> None:
        for _ in stock.pipe(batch):
            pass

    def run_ours(batch: list[str]) -> None:
        for record in coder.code_many((str(i), text) for i, text in enumerate(batch)):
            if record.status != "ok":
                raise RuntimeError(f"note {record.id} failed: {record.error}")

    return [
        _time("spaCy tokenizer (bare)", run_tokenizer, notes, repeats),
        _time("medspacy.load() (stock)", run_medspacy, notes[:medspacy_notes], 1),
        _time("opnote-coder (pipeline + coding)", run_ours, notes, repeats),
    ]


def report(timings: list[Timing], words: float, distinct: int | None = None) -> str:
    tokenizer, stock, ours = timings
    repeated = f" ({distinct} distinct notes, cycled)" if distinct else ""
    lines = [f"notes of ~{words:.0f} words{repeated}", f"{'system':36} {'notes':>7} {'seconds':>9} {'notes/s':>10}"]
    for t in timings:
        lines.append(f"{t.name:36} {t.notes:7d} {t.seconds:9.3f} {t.notes_per_second:10.1f}")
    lines.append(f"ours / medspacy.load():  {ours.notes_per_second / stock.notes_per_second:6.1f}x  (target >= 10x)")
    lines.append(f"ours / bare tokenizer:   {ours.notes_per_second / tokenizer.notes_per_second:6.1%}  (target >= 40%)")
    return "\n".join(lines)


def main(notes_file: Path | None = None, words: int = 250, count: int = 1000, repeats: int = 3, min_fraction: float = 0.9) -> str:
    sources = (notes_file,) if notes_file else DEFAULT_SOURCES
    notes = load_notes(sources, words, count, min_fraction)
    mean_words = statistics.mean(len(n.split()) for n in notes)
    figures = report(run_benchmark(notes, repeats=repeats), mean_words, len(set(notes)))
    print(figures)  # noqa: T201 - a benchmark script prints its figures
    return figures


if __name__ == "__main__":  # pragma: no cover
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=Path, default=None, help="JSON Lines file with a 'text' field")
    parser.add_argument("--words", type=int, default=250)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--min-fraction", type=float, default=0.9)
    args = parser.parse_args()
    main(args.notes, args.words, args.count, args.repeats, args.min_fraction)

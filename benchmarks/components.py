"""Where opnote-coder's time goes: CPU time per note for each pipeline component, coding and the record.

Run from the repository root::

    .venv/bin/python benchmarks/components.py            # the notes `opnote benchmark` uses
    .venv/bin/python benchmarks/components.py --repeats 5

Each note is tokenized by the bare spaCy tokenizer (the reference of ``opnote benchmark``),
then by our tokenizer, then passed through each component in turn, then coded and turned into a
result record, every step timed on its own. Times are CPU time of this thread
(``time.thread_time``), so other jobs on a shared machine slow the figures less than wall clock
does; each step also pays a timer call (~1 us). The figure per step is the median over the
repeats, in ms per note. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict


def measure(repeats: int = 3, count: int = 1000, words: int = 250) -> dict[str, list[float]]:
    import spacy

    from nlp import __version__
    from nlp.benchmark import DEFAULT_SOURCES, load_notes
    from nlp.coding import suggest_codes
    from nlp.pipeline.doctext import remember_text
    from nlp.schema import build_result
    from nlp.service import Coder

    notes = load_notes(DEFAULT_SOURCES, words, count)
    language = Coder().pipeline
    bare = spacy.blank("en").tokenizer
    clock = time.thread_time

    def one_pass(totals: dict[str, float]) -> None:
        for text in notes:
            t0 = clock()
            bare(text)
            t1 = clock()
            doc = remember_text(language.make_doc(text), text)  # what Coder does
            t2 = clock()
            totals["bare spaCy tokenizer"] += t1 - t0
            totals["our tokenizer"] += t2 - t1
            for name, component in language.pipeline:
                t0 = clock()
                doc = component(doc)
                totals[name] += clock() - t0
            t0 = clock()
            facts = doc._.opnote_facts
            coding = suggest_codes(facts.lesions, policy="cpt")
            t1 = clock()
            build_result("note", facts, coding, version=__version__, policy="cpt")
            t2 = clock()
            totals["coding"] += t1 - t0
            totals["result record"] += t2 - t1

    one_pass(defaultdict(float))  # warm-up: caches, lazy imports
    figures: dict[str, list[float]] = defaultdict(list)
    for _ in range(repeats):
        totals: dict[str, float] = defaultdict(float)
        one_pass(totals)
        for name, seconds in totals.items():
            figures[name].append(seconds * 1000 / len(notes))
    return figures


def report(figures: dict[str, list[float]]) -> str:
    lines = [f"{'step':26} {'ms/note':>8}"]
    ours = 0.0
    for name, values in figures.items():
        median = statistics.median(values)
        ours += median if name != "bare spaCy tokenizer" else 0.0
        lines.append(f"{name:26} {median:8.3f}")
    bare = statistics.median(figures["bare spaCy tokenizer"])
    lines.append(f"{'opnote-coder, sum':26} {ours:8.3f}   ({bare / ours:.1%} of the bare tokenizer's notes/s)")
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    print(report(measure(args.repeats, args.count)))  # noqa: T201 - a benchmark script prints its figures

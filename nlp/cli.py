"""The ``opnote`` command line: a thin layer over :mod:`nlp.service` and friends.

Each verb parses its options, calls a function that returns data, and prints it.  Exit codes:
0 success, 1 a note could not be coded (the record says why), 2 bad usage or input file.
Nothing here writes note text to stderr or to logs: only ids, counts and error reasons.
"""

from __future__ import annotations

import json
import logging
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from nlp import __version__

app = typer.Typer(
    name="opnote",
    help="Read skin-lesion operative notes and suggest CPT / ICD-10-CM codes with evidence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class Policy(str, Enum):
    cpt = "cpt"
    ncci = "ncci"


def _configure_logging(verbose: int) -> None:
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


def _read_note(path: str) -> tuple[str, bytes]:
    """Read a note file or standard input as bytes; the id is the file stem (``stdin`` for -)."""
    if path == "-":
        return "stdin", sys.stdin.buffer.read()
    file = Path(path)
    if not file.is_file():
        typer.echo(f"error: {path}: no such file; give a note file or - for standard input", err=True)
        raise typer.Exit(2)
    return file.stem, file.read_bytes()


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"opnote-coder {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Optional[bool] = typer.Option(None, "--version", callback=_version_callback, is_eager=True, help="Print the version and exit."),
) -> None:
    """opnote-coder command line."""


@app.command("code")
def code_cmd(
    files: list[str] = typer.Argument(..., help="Note text files, or - to read one note from standard input."),
    note_id: Optional[str] = typer.Option(None, "--id", help="Id for the result record (default: the file name); one note only."),
    policy: Policy = typer.Option(Policy.cpt, help="Payer policy: cpt (default) or ncci (bundles repairs into benign excisions of 0.5 cm or less)."),
    model: Optional[Path] = typer.Option(None, help="A saved pipeline directory (default: build from the packaged rules)."),
    indent: int = typer.Option(2, help="JSON indent for one note; 0 prints one line. Several notes print JSON Lines."),
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="More log output on stderr (never note text)."),
) -> None:
    """Code notes and print each result record as JSON (one per line for several notes).

    Exits 1 when any note could not be coded; its record says why.
    """
    _configure_logging(verbose)
    from nlp.service import Coder

    if note_id and len(files) > 1:
        typer.echo("error: --id names one note; drop it to use the file names", err=True)
        raise typer.Exit(2)
    notes = [_read_note(path) for path in files]
    coder = Coder(model=model, policy=policy.value)
    failed = 0
    for record in coder.code_many((note_id or stem, raw) for stem, raw in notes):
        typer.echo(record.model_dump_json(indent=(indent or None) if len(notes) == 1 else None))
        if record.status != "ok":
            failed += 1
            typer.echo(f"error: note {record.id}: {record.error}", err=True)
    if failed:
        raise typer.Exit(1)


class Engine(str, Enum):
    local = "local"
    dask = "dask"


@app.command("batch")
def batch_cmd(
    source: str = typer.Argument(..., metavar="INPUT", help="Folder of .txt notes, .jsonl, .csv/.tsv or .parquet (.gz accepted for text formats), or - for JSON Lines on stdin."),
    output: Path = typer.Option(..., "--output", "-o", help="Output file: .jsonl (result records), .csv (one row per code) or .parquet (nested)."),
    id_col: str = typer.Option("id", "--id-col", help="Column / field holding the note id."),
    text_col: str = typer.Option("text", "--text-col", help="Column / field holding the note text."),
    workers: int = typer.Option(0, "--workers", "-w", help="Worker processes (local) or LocalCluster workers (dask); 0 = the cores available."),
    engine: Engine = typer.Option(Engine.local, help="local (process pool) or dask (LocalCluster, or --scheduler)."),
    scheduler: Optional[str] = typer.Option(None, help="Address of a running Dask scheduler (implies --engine dask)."),
    resume: bool = typer.Option(False, "--resume", help="Continue a killed run from its partial output; ends with the same output as an uninterrupted run."),
    chunk_size: int = typer.Option(256, "--chunk-size", help="Notes per chunk: the unit of parallel work, of fsync and of resume."),
    policy: Policy = typer.Option(Policy.cpt, help="Payer policy: cpt or ncci."),
    model: Optional[Path] = typer.Option(None, help="A saved pipeline directory (default: build from the packaged rules)."),
    max_chars: int = typer.Option(200_000, "--max-chars", help="Longest note accepted; longer notes get an error record."),
    progress: Optional[bool] = typer.Option(None, "--progress/--no-progress", help="Progress bar on stderr (default: only when stderr is a terminal)."),
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="More log output on stderr (never note text)."),
) -> None:
    """Code every note of INPUT into OUTPUT: one result per input record, in order, resumable.

    Exits 0 when every note was coded, 1 when some records are errors (each says why), 2 for an
    unusable input, output or option, 3 when the run stopped part-way (rerun with --resume).
    """
    _configure_logging(verbose)
    from nlp.batch.cli import run_from_cli

    run_from_cli(source, output, id_col=id_col, text_col=text_col, workers=workers or None,
                 engine="dask" if scheduler else engine.value, scheduler=scheduler, resume=resume, chunk_size=chunk_size,
                 policy=policy.value, model=model, max_chars=max_chars, progress=progress)


@app.command("show")
def show_cmd(
    files: list[str] = typer.Argument(..., help="Note text files, or - for standard input."),
    policy: Policy = typer.Option(Policy.cpt, help="Payer policy: cpt or ncci."),
    model: Optional[Path] = typer.Option(None, help="A saved pipeline directory."),
) -> None:
    """Print each note with its facts highlighted, then its codes, rationales and queries."""
    from nlp.inputs import validate_note
    from nlp.service import Coder
    from nlp.views.terminal import render_record

    notes = [_read_note(path) for path in files]
    coder = Coder(model=model, policy=policy.value)
    failed = 0
    for (_stem, raw), record in zip(notes, coder.code_many(notes), strict=False):
        if record.status != "ok":
            failed += 1
            typer.echo(f"error: note {record.id}: {record.error}", err=True)
            continue
        render_record(validate_note(raw), record)
    if failed:
        raise typer.Exit(1)


@app.command("schema")
def schema_cmd() -> None:
    """Print the JSON Schema of the result record."""
    from nlp.schema import result_json_schema

    typer.echo(json.dumps(result_json_schema(), indent=2))


@app.command("build-model")
def build_model_cmd(
    output: Path = typer.Option(Path("models/opnote_core"), "--output", "-o", help="Directory to write the pipeline to."),
) -> None:
    """Build the pipeline from the packaged rules and save it (loadable with spacy.load)."""
    from nlp.pipeline.package import save_model

    path = save_model(output)
    typer.echo(f"saved pipeline to {path}")


@app.command("benchmark")
def benchmark_cmd(
    notes: Optional[Path] = typer.Option(None, help="JSON Lines file of notes with a 'text' field (default: the real and gold notes)."),
    words: int = typer.Option(250, help="Cut each note to about this many words."),
    count: int = typer.Option(1000, help="How many notes to time."),
    repeats: int = typer.Option(3, help="Timed runs per system; the median is reported."),
) -> None:
    """Time the bare tokenizer, stock medspacy.load() and opnote-coder on the same notes."""
    from nlp.benchmark import main as run

    run(notes, words, count, repeats)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()

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


def _policy_choices() -> dict[str, str]:
    """Payer profile ids from the validated ``policies.yaml`` (a bad file stops the CLI with its error)."""
    from nlp.coding.tables import load_tables

    return {policy_id: policy_id for policy_id in load_tables().policies}


Policy = Enum("Policy", _policy_choices(), type=str)  # type: ignore[misc]
"""The payer profiles a command may select (``nlp/resources/coding/policies.yaml``)."""
POLICY_HELP = "Payer profile from policies.yaml: cpt (default), ncci (NCCI bundling, XS), commercial_59; see `opnote rules --type policy`."


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
    policy: Policy = typer.Option(Policy.cpt, help=POLICY_HELP),
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
    engine: Engine = typer.Option(Engine.local, help="local (process pool) or dask (LocalCluster, or --scheduler; its workers read .parquet and .jsonl inputs themselves)."),
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
    policy: Policy = typer.Option(Policy.cpt, help=POLICY_HELP),
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


@app.command("render")
def render_cmd(
    inputs: list[Path] = typer.Argument(..., help="Note .txt files, folders of them, or .jsonl of {id, text}."),
    output: Path = typer.Option(Path("report.html"), "--output", "-o", help="HTML file to write."),
    results: Optional[Path] = typer.Option(None, help="JSONL of result records to show instead of re-coding those notes."),
    policy: Policy = typer.Option(Policy.cpt, help="Payer policy: cpt or ncci."),
    model: Optional[Path] = typer.Option(None, help="A saved pipeline directory."),
) -> None:
    """Write one self-contained HTML file with every note highlighted and its codes beside it."""
    from nlp.errors import InputError
    from nlp.views.report import build_report

    try:
        count, failed = build_report(inputs, output, results=results, policy=policy.value, model=model)
    except InputError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"wrote {output} ({count} notes, {failed} not coded)")
    if failed:
        raise typer.Exit(1)


@app.command("serve")
def serve_cmd(
    notes: list[Path] = typer.Option([], "--notes", help="Note texts: .txt files, folders, or .jsonl of {id, text}; repeatable."),
    results: Optional[Path] = typer.Option(None, help="JSONL of result records for those notes (others are coded at start)."),
    db: str = typer.Option("review.sqlite", help="SQLite file, or a SQLAlchemy database URL (postgresql+psycopg://...)."),
    host: str = typer.Option("127.0.0.1", help="Address to bind; anything but loopback needs a token."),
    port: int = typer.Option(8765, help="Port to listen on."),
    token: Optional[str] = typer.Option(None, envvar="OPNOTE_TOKEN", help="Access token required on every request (or OPNOTE_TOKEN)."),
    reviewer: Optional[str] = typer.Option(None, help="Default reviewer name in the audit trail (default: your user name)."),
    policy: Policy = typer.Option(Policy.cpt, help="Payer policy for notes coded by the server."),
    access_log: bool = typer.Option(False, "--access-log", help="Turn on uvicorn's access log (paths only; off by default)."),
) -> None:
    """Serve the review web app: queue, highlighted notes, accept / correct / reject, exports."""
    import getpass

    from nlp.errors import InputError
    from nlp.web.server import serve

    _configure_logging(0)
    try:
        serve(notes=notes, results=results, db=db, host=host, port=port, token=token, policy=policy.value,
              reviewer=reviewer or getpass.getuser(), access_log=access_log)
    except (InputError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


@app.command("schema")
def schema_cmd() -> None:
    """Print the JSON Schema of the result record."""
    from nlp.schema import result_json_schema

    typer.echo(json.dumps(result_json_schema(), indent=2))


@app.command("rules")
def rules_cmd(
    rule_type: Optional[str] = typer.Option(None, "--type", help="Only rules of this type (excision, repair, procedure, closure, alternative, policy, site, diagnosis, icd, query, flag)."),
    code: Optional[str] = typer.Option(None, "--code", help="Only rules that can emit this code."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List every coding rule: its id, what it decides, the codes it can emit and its file."""
    from nlp.coding import describe_rules

    rules = [r for r in describe_rules() if (rule_type is None or r["type"] == rule_type) and (code is None or code in r["codes"])]
    if not rules:
        typer.echo("error: no rule matches; see `opnote rules` for the full list", err=True)
        raise typer.Exit(2)
    if as_json:
        typer.echo(json.dumps(rules, indent=2, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"opnote-coder rules ({len(rules)})", show_lines=False)
    for column in ("id", "type", "decides", "codes", "file"):
        table.add_column(column, overflow="fold")
    for rule in rules:
        table.add_row(rule["id"], rule["type"], rule["decides"], " ".join(rule["codes"]), rule["file"])
    Console(width=200).print(table)


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
    min_fraction: float = typer.Option(0.9, help="Skip notes shorter than this fraction of --words (0.6 admits 150-word notes)."),
) -> None:
    """Time the bare tokenizer, stock medspacy.load() and opnote-coder on the same notes."""
    from nlp.benchmark import main as run

    run(notes, words, count, repeats, min_fraction)


@app.command("evaluate")
def evaluate_cmd(
    gold: Path = typer.Argument(..., help="Gold JSONL file (annotations/test.jsonl) or a folder of them (annotations/)."),
    pred: Optional[Path] = typer.Option(None, "--pred", help="JSONL of result records keyed by id (default: run the pipeline on the gold text)."),
    by: list[str] = typer.Option([], "--by", help="Break every figure down by a gold field, e.g. style or tags (repeatable)."),
    out: Path = typer.Option(Path("evaluation"), "--out", "-o", help="Folder for evaluation.json and report.html."),
    resamples: int = typer.Option(1000, help="Bootstrap resamples for the 95% intervals."),
    seed: int = typer.Option(20240611, help="Bootstrap seed (same seed, same intervals)."),
    policy: Policy = typer.Option(Policy.cpt, help="Payer policy when running the pipeline."),
) -> None:
    """Score predictions against gold notes: entities, lesion facts, codes, intervals, automation curve."""
    from nlp.errors import InputError
    from nlp.evaluation.cli import run_evaluate

    try:
        run_evaluate(gold, pred, by=by, out=out, resamples=resamples, seed=seed, policy=policy.value)
    except InputError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


@app.command("convert")
def convert_cmd(
    source: Path = typer.Argument(..., help="Input file or folder."),
    target: Path = typer.Argument(..., help="Output file or folder."),
    from_format: Optional[str] = typer.Option(None, "--from", help="gold, results, prodigy, brat, labelstudio or docbin (default: from the input)."),
    to_format: Optional[str] = typer.Option(None, "--to", help="gold, prodigy, brat, labelstudio or docbin (default: from the extension)."),
    notes: Optional[Path] = typer.Option(None, "--notes", help="Gold/notes JSONL giving the text when converting from results."),
) -> None:
    """Convert annotations between our gold format and brat, Prodigy, Label Studio and spaCy DocBin."""
    from nlp.errors import InputError
    from nlp.interop.convert import convert

    try:
        count, src, dst = convert(source, target, from_format=from_format, to_format=to_format, notes=notes)
    except InputError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"converted {count} notes from {src} to {dst}: {target}")


@app.command("agree")
def agree_cmd(
    first: Path = typer.Argument(..., help="Annotator A: gold-format JSONL."),
    second: Path = typer.Argument(..., help="Annotator B: gold-format JSONL."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Also write every figure to this JSON file."),
) -> None:
    """Agreement between two annotators: Cohen's kappa on codes and lesion behaviour, span F1 per label."""
    from nlp.errors import InputError
    from nlp.evaluation.agreement import print_agreement, run_agreement

    try:
        result = run_agreement(first, second, json_out)
    except InputError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    print_agreement(result)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()

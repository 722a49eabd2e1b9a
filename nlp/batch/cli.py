"""The ``opnote batch`` verb's body: run the batch, print the summary, map outcomes to exit codes.

Kept out of :mod:`nlp.cli` so that ``opnote code`` never imports the batch machinery.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import typer

from nlp.errors import InputError

log = logging.getLogger(__name__)


def run_from_cli(source: str, output: Path, **options: Any) -> None:
    """Run :func:`nlp.batch.runner.run_batch` and exit 0 (all ok), 1 (error records), 2 (bad input) or 3 (stopped)."""
    from nlp.batch.runner import run_batch

    try:
        summary = run_batch(source, output, **options)
    except InputError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        typer.echo("interrupted: the partial output is kept; rerun with --resume to continue", err=True)
        raise typer.Exit(3) from None
    except Exception as exc:  # noqa: BLE001 - a worker crash, a full disk: say what and how to go on
        log.debug("batch stopped", exc_info=True)
        typer.echo(f"error: the run stopped ({type(exc).__name__}: {_safe(exc)}); the partial output is kept: "
                   "fix the cause and rerun with --resume", err=True)
        raise typer.Exit(3) from None
    for line in summary.lines():
        typer.echo(line, err=True)
    if summary.errors:
        raise typer.Exit(1)


def _safe(exc: Exception) -> str:
    """An exception message short enough that it cannot carry a note (notes are PHI)."""
    message = str(exc).splitlines()[0] if str(exc) else ""
    return message[:160]

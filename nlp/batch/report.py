"""What a person watching a batch sees: a rich progress bar (notes/s, ETA) and the final summary.

The bar is drawn on stderr only when stderr is a terminal, so logs and CI output stay clean.
Neither ever shows note text: only counts, rates, ids of nothing, and code families.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text


@dataclass
class BatchSummary:
    """The outcome of a run (counts include records written before a ``--resume``)."""

    output: Path
    records: int = 0
    ok: int = 0
    errors: int = 0
    families: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    startup_seconds: float = 0.0
    """Of ``seconds``, the time before coding started (pipeline build, worker start)."""
    resumed_after: int = 0
    """Records that were already in the partial output when this run started."""

    @property
    def coded_this_run(self) -> int:
        return self.records - self.resumed_after

    @property
    def notes_per_second(self) -> float:
        """Notes coded per second of coding (start-up excluded)."""
        coding = self.seconds - self.startup_seconds
        return self.coded_this_run / coding if coding > 0 else 0.0

    def lines(self) -> list[str]:
        """The summary as plain lines for stderr."""
        resumed = f", resumed after {self.resumed_after:,}" if self.resumed_after else ""
        out = [
            f"{self.records:,} records -> {self.output}: {self.ok:,} ok, {self.errors:,} errors{resumed}",
            f"time {self.seconds:.1f} s (start-up {self.startup_seconds:.1f} s), {self.notes_per_second:,.1f} notes/s",
        ]
        if self.families:
            out.append("code lines by family: " + ", ".join(f"{name} {count:,}" for name, count in sorted(self.families.items())))
        else:
            out.append("code lines by family: none")
        return out


class RateColumn(ProgressColumn):
    """Notes per second over rich's recent window."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} notes/s" if speed else "-- notes/s", style="progress.data.speed")


class BatchProgress:
    """A progress bar over notes, shown only when stderr is a terminal (or when forced)."""

    def __init__(self, *, total: int | None, done: int, enabled: bool | None = None, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.enabled = self.console.is_terminal if enabled is None else enabled
        self.progress = Progress(
            TextColumn("coding"), BarColumn(), MofNCompleteColumn(), RateColumn(),
            TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
            console=self.console, disable=not self.enabled, transient=False,
        )
        self.task = self.progress.add_task("notes", total=total, completed=done)

    def __enter__(self) -> BatchProgress:
        self.progress.start()
        return self

    def advance(self, count: int) -> None:
        self.progress.advance(self.task, count)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.progress.stop()

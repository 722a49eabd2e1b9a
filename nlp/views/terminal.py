"""``opnote show``: the note with its facts highlighted, and the codes beneath it (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from nlp.schema import ResultRecord

LABEL_STYLES = {
    "ANATOMIC_SITE": "bold cyan",
    "LESION_DIAGNOSIS": "bold magenta",
    "EXCISED_DIAMETER": "bold green",
    "CLOSURE_TYPE": "bold yellow",
    "PROCEDURE": "bold blue",
    "LESION_SIZE": "green",
    "MARGIN": "green",
    "WOUND_LENGTH": "yellow",
    "SPECIMEN_SIZE": "dim green",
    "DEFECT_AREA": "yellow",
}
#: Mentions that do not state a current fact are struck through and dimmed.
NOT_ASSERTED_STYLE = "dim strike"


def highlighted_text(text: str, record: ResultRecord) -> Text:
    """The note as rich Text with every entity styled by label (non-asserted ones struck)."""
    out = Text(text)
    for entity in record.entities:
        style = LABEL_STYLES.get(entity.label, "bold")
        if entity.negated or entity.historical or entity.family or entity.hypothetical:
            style = NOT_ASSERTED_STYLE
        elif entity.uncertain:
            style += " italic"
        out.stylize(style, entity.start, entity.end)
    return out


def render_record(text: str, record: ResultRecord, console: Console | None = None) -> None:
    """Print the highlighted note, a legend, the code lines with rationales and the queries."""
    console = console or Console()
    console.rule(f"note {record.id}")
    console.print(highlighted_text(text, record))
    legend = Text("legend: ")
    for label, style in LABEL_STYLES.items():
        legend.append(label, style=style)
        legend.append("  ")
    legend.append("not asserted", style=NOT_ASSERTED_STYLE)
    console.print(legend)

    table = Table(title="Suggested codes", show_lines=True, expand=True)
    for column in ("system", "code", "units", "lesion", "status", "conf."):
        table.add_column(column, no_wrap=True)
    table.add_column("rationale", overflow="fold", ratio=1)
    for code in record.codes:
        table.add_row(
            code.system, code.code, str(code.units), ",".join(map(str, code.lesions)) or "-", code.status,
            f"{code.confidence:.2f}", code.rationale,
        )
    console.print(table)
    if record.queries:
        console.print(Text("Documentation queries", style="bold underline"))
        for query in record.queries:
            where = f"lesion {query.lesion}" if query.lesion is not None else "note"
            console.print(Text(f"  [{query.rule}] ({where}) {query.message}"))
    console.print(Text(f"rules {record.rules_version} · policy {record.policy} · opnote-coder {record.version}", style="dim"))

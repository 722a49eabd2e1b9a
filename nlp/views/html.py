"""The highlighted note as HTML: shared by ``opnote render`` (static report) and the review server.

The note is cut at every entity and evidence boundary into segments; each segment becomes one
``<span>`` that carries its label class, the ConText attributes and the indexes of the code lines
whose evidence covers it.  The page's script only toggles classes on those spans, so the same
markup serves the static report and the server pages.  Every piece of note text passes through
:func:`markupsafe.escape`: a note that contains ``<script>`` renders as text, never as markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from nlp.schema import CodeOut, EntityOut, ResultRecord

LABELS = (
    "ANATOMIC_SITE",
    "LESION_DIAGNOSIS",
    "EXCISED_DIAMETER",
    "CLOSURE_TYPE",
    "PROCEDURE",
    "LESION_SIZE",
    "MARGIN",
    "WOUND_LENGTH",
    "SPECIMEN_SIZE",
    "DEFECT_AREA",
)
"""Labels with their own colour in ``review.css``; any other label gets the generic style."""

ATTRIBUTES = ("negated", "uncertain", "historical", "family", "hypothetical")
"""ConText attributes shown on hover; any of them but ``uncertain`` means "not a current fact"."""

STATIC_DIR = Path(__file__).resolve().parent / "static"
"""CSS and JS shared with the review server (served as files there, inlined in the report)."""


@dataclass(frozen=True)
class Segment:
    """A run of note text with the same entities and evidence over all of it."""

    start: int
    end: int
    entities: tuple[EntityOut, ...]
    codes: tuple[int, ...]


def label_class(label: str) -> str:
    """CSS class for an entity label (``ent-ANATOMIC_SITE``); unknown labels share ``ent-OTHER``."""
    return f"ent-{label}" if label in LABELS else "ent-OTHER"


def entity_flags(entity: EntityOut) -> list[str]:
    """The ConText attributes that are set on ``entity``, in a fixed order."""
    return [name for name in ATTRIBUTES if getattr(entity, name)]


def segments(text: str, entities: list[EntityOut], codes: list[CodeOut]) -> list[Segment]:
    """Cut ``text`` at every entity and evidence boundary (offsets clipped to the text)."""
    size = len(text)
    cuts = {0, size}
    spans: list[tuple[int, int]] = []
    for entity in entities:
        spans.append((max(0, min(entity.start, size)), max(0, min(entity.end, size))))
    for code in codes:
        for ev in code.evidence:
            spans.append((max(0, min(ev.start, size)), max(0, min(ev.end, size))))
    for start, end in spans:
        cuts.update((start, end))
    bounds = sorted(cuts)
    out: list[Segment] = []
    for start, end in zip(bounds, bounds[1:], strict=False):
        if start >= end:
            continue
        covering = tuple(e for e in entities if e.start <= start and end <= e.end)
        evidence = tuple(i for i, c in enumerate(codes) if any(ev.start <= start and end <= ev.end for ev in c.evidence))
        out.append(Segment(start, end, covering, evidence))
    return out


def _tooltip(entities: tuple[EntityOut, ...]) -> str:
    parts = []
    for entity in entities:
        flags = entity_flags(entity)
        line = f"{entity.label} · section: {entity.section or 'none'}"
        line += " · " + (", ".join(flags) if flags else "asserted")
        if entity.lesion is not None:
            line += f" · lesion {entity.lesion}"
        parts.append(line)
    return "\n".join(parts)


def highlight_note(text: str, record: ResultRecord) -> Markup:
    """The note as escaped HTML with one ``<span>`` per highlighted segment.

    The innermost (shortest) entity over a segment gives its colour; the tooltip lists all of
    them.  Mentions that are negated, historical, family or hypothetical get ``not-asserted``
    (struck through), uncertain ones ``uncertain`` (dashed underline).
    """
    html: list[str] = []
    for seg in segments(text, record.entities, record.codes):
        piece = escape(text[seg.start:seg.end])
        if not seg.entities and not seg.codes:
            html.append(str(piece))
            continue
        classes = ["seg"]
        attrs = []
        if seg.entities:
            inner = min(seg.entities, key=lambda e: e.end - e.start)
            classes += ["ent", label_class(inner.label)]
            flags = set().union(*(entity_flags(e) for e in seg.entities))
            if flags & {"negated", "historical", "family", "hypothetical"}:
                classes.append("not-asserted")
            if "uncertain" in flags:
                classes.append("uncertain")
            attrs.append(f'title="{escape(_tooltip(seg.entities))}"')
            attrs.append(f'data-label="{escape(inner.label)}"')
        if seg.codes:
            attrs.append(f'data-codes="{" ".join(map(str, seg.codes))}"')
        html.append(f'<span class="{" ".join(classes)}" {" ".join(attrs)}>{piece}</span>')
    return Markup("".join(html))


def legend() -> list[tuple[str, str]]:
    """``(label, css class)`` pairs for the legend, in display order."""
    return [(label, label_class(label)) for label in LABELS]


def template_environment() -> Environment:
    """Jinja2 environment over ``nlp/views/templates`` with autoescaping on for HTML."""
    env = Environment(loader=PackageLoader("nlp.views", "templates"), autoescape=select_autoescape(["html"]))
    env.globals.update(legend=legend, highlight_note=highlight_note, entity_flags=entity_flags)
    return env


def render_report(items: list[tuple[str, ResultRecord]], *, title: str = "opnote-coder report") -> str:
    """One self-contained HTML page for ``(text, record)`` pairs: CSS and JS inlined, no links out.

    The static report has no server, so the stylesheet and script are embedded; they are our own
    files (no note data inside them), and every note-derived string is escaped by the template.
    """
    env = template_environment()
    css = (STATIC_DIR / "review.css").read_text(encoding="utf-8")
    js = (STATIC_DIR / "review.js").read_text(encoding="utf-8")
    return env.get_template("report.html").render(
        title=title, items=items, inline_css=Markup(css), inline_js=Markup(js.replace("</", "<\\/"))
    )

"""The report's three plots, drawn with matplotlib and returned as self-contained SVG data URIs.

Figures are built with ``matplotlib.figure.Figure`` (no pyplot, so no global figure state and
no GUI backend): this is the object-oriented, Agg-family path matplotlib recommends for servers.
Each SVG is embedded as a ``data:`` URI, so the HTML needs no network and plot ids cannot clash.
"""

from __future__ import annotations

import base64
import io
from typing import Sequence

from matplotlib import rc_context
from matplotlib.figure import Figure

_RC = {"svg.hashsalt": "opnote", "svg.fonttype": "path", "font.size": 9}


def _uri(figure: Figure) -> str:
    buffer = io.BytesIO()
    with rc_context(_RC):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def confusion_heatmap(labels: Sequence[str], matrix: Sequence[Sequence[int]], title: str = "Primary CPT code: gold (rows) vs predicted") -> str:
    """Heat map of the primary-code confusion matrix, counts written in the cells."""
    n = max(1, len(labels))
    with rc_context(_RC):
        figure = Figure(figsize=(min(2 + 0.42 * n, 14), min(1.6 + 0.38 * n, 13)))
        ax = figure.add_subplot()
        data = [list(row) for row in matrix] or [[0]]
        image = ax.imshow(data, cmap="Blues", aspect="auto")
        ax.set_xticks(range(len(labels)), labels, rotation=90)
        ax.set_yticks(range(len(labels)), labels)
        ax.set_xlabel("predicted")
        ax.set_ylabel("gold")
        ax.set_title(title)
        top = max((max(row) for row in data), default=0)
        for i, row in enumerate(data):
            for j, value in enumerate(row):
                if value:
                    ax.text(j, i, str(value), ha="center", va="center", color="white" if value > top / 2 else "black")
        figure.colorbar(image, ax=ax, fraction=0.04)
    return _uri(figure)


def per_code_f1(table: dict, title: str = "CPT per-code F1 (support = gold units)") -> str:
    """Horizontal bars of per-code F1, with the gold unit count beside each bar."""
    rows = sorted(table.get("labels", {}).items())
    with rc_context(_RC):
        figure = Figure(figsize=(7, 1.2 + 0.28 * max(1, len(rows))))
        ax = figure.add_subplot()
        names = [code for code, _ in rows]
        values = [v["f1"] for _, v in rows]
        ax.barh(range(len(rows)), values, color="#3b75af")
        ax.set_yticks(range(len(rows)), names)
        ax.invert_yaxis()
        ax.set_xlim(0, 1.12)
        ax.set_xlabel("F1")
        ax.set_title(title)
        for i, (_, v) in enumerate(rows):
            ax.text(min(v["f1"], 1.0) + 0.01, i, f"{v['f1']:.2f} (n={v['tp'] + v['fn']})", va="center", fontsize=7)
    return _uri(figure)


def automation_plot(curve: dict, title: str = "Automation curve") -> str:
    """Accuracy of the auto-accepted notes against the share auto-accepted, with the targets."""
    points = curve.get("points", [])
    with rc_context(_RC):
        figure = Figure(figsize=(6, 4))
        ax = figure.add_subplot()
        ax.plot([p["coverage"] for p in points], [p["accuracy"] for p in points], marker="o", color="#3b75af")
        for p in points:
            ax.annotate(f"\u2265{p['threshold']:.2f}", (p["coverage"], p["accuracy"]), fontsize=7, textcoords="offset points", xytext=(3, 4))
        for key, auto in curve.get("auto_accept", {}).items():
            ax.axhline(auto["target"], linestyle="--", color="#999999", linewidth=0.8)
            ax.text(0.01, auto["target"], f"target {key}: {auto['coverage']:.0%} of notes", fontsize=7, va="bottom")
        ax.set_xlim(0, 1.02)
        low = min([p["accuracy"] for p in points] + [0.9])
        ax.set_ylim(max(0.0, low - 0.05), 1.01)
        ax.set_xlabel("share of notes auto-accepted (confidence \u2265 threshold)")
        ax.set_ylabel("exact CPT-set accuracy of those notes")
        ax.set_title(title)
        ax.grid(alpha=0.3)
    return _uri(figure)

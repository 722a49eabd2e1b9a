"""`opnote render`: one self-contained HTML file of highlighted notes and their codes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

SAMPLES_DIR = Path(__file__).resolve().parents[1] / "annotations" / "samples"
PAYLOAD = "Nevus, left cheek <script>alert('x')</script> 3 mm excised with 1 mm margins <img src=x onerror=alert(1)>; simple closure."


def opnote(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nlp.cli", *args], capture_output=True, text=True, timeout=120)


def test_render_folder_writes_one_self_contained_page(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    run = opnote("render", str(SAMPLES_DIR), "-o", str(out))
    assert run.returncode == 0, run.stderr
    page = out.read_text()
    for sample in sorted(SAMPLES_DIR.glob("*.txt")):
        assert f"<h2>{sample.stem}</h2>" in page
    assert page.count('<section class="note-view"') == 5
    assert "ent-ANATOMIC_SITE" in page and "data-codes=" in page and "11401" in page and "query.margin_missing" in page
    assert not re.search(r'(src|href)="(?!#)', page), "no external resources: everything is inline"
    assert "<style>" in page and "showEvidence" in page


def test_render_jsonl_escapes_markup_in_notes(tmp_path: Path) -> None:
    notes = tmp_path / "notes.jsonl"
    notes.write_text(json.dumps({"id": "p1", "text": PAYLOAD}) + "\n")
    out = tmp_path / "r.html"
    assert opnote("render", str(notes), "-o", str(out)).returncode == 0
    page = out.read_text()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page


def test_render_reuses_given_result_records(tmp_path: Path) -> None:
    sample = sorted(SAMPLES_DIR.glob("*.txt"))[0]
    record = json.loads(opnote("code", str(sample), "--indent", "0").stdout)
    record["codes"][0]["rationale"] = "rationale from the batch results"
    results = tmp_path / "results.jsonl"
    results.write_text(json.dumps(record) + "\n")
    out = tmp_path / "r.html"
    assert opnote("render", str(sample), "--results", str(results), "-o", str(out)).returncode == 0
    assert "rationale from the batch results" in out.read_text()


def test_render_refuses_a_missing_input(tmp_path: Path) -> None:
    run = opnote("render", str(tmp_path / "nope.txt"), "-o", str(tmp_path / "r.html"))
    assert run.returncode == 2 and "no such file" in run.stderr and "Traceback" not in run.stderr


def _entity(label: str, start: int, end: int, text: str, **flags: bool):
    from nlp.schema import EntityOut

    base = {name: False for name in ("negated", "uncertain", "historical", "family", "hypothetical")}
    return EntityOut(label=label, text=text[start:end], start=start, end=end, section="procedure", value=None, **{**base, **flags})


def test_nested_mentions_take_the_inner_colour_and_list_both_on_hover() -> None:
    from nlp.schema import ResultRecord
    from nlp.views.html import highlight_note

    text = "No basal cell carcinoma of the left cheek."
    outer = _entity("LESION_DIAGNOSIS", 3, 41, text, negated=True)
    inner = _entity("ANATOMIC_SITE", 31, 41, text)
    record = ResultRecord(id="n", status="ok", version="0", entities=[outer, inner])
    html = str(highlight_note(text, record))
    assert html.startswith("No ") and html.endswith("</span>.")
    assert 'class="seg ent ent-LESION_DIAGNOSIS not-asserted"' in html
    inner_span = html[html.index("ent-ANATOMIC_SITE"):]
    assert "LESION_DIAGNOSIS · section: procedure · negated" in inner_span and "ANATOMIC_SITE · section: procedure · asserted" in inner_span
    assert inner_span.split(">", 1)[1].startswith("left cheek</span>")


def test_offsets_past_the_end_of_the_text_are_clipped() -> None:
    from nlp.schema import ResultRecord
    from nlp.views.html import segments

    text = "Nevus, arm."
    entity = _entity("ANATOMIC_SITE", 7, 10, text)
    entity.end = 99
    pieces = segments(text, ResultRecord(id="n", status="ok", version="0", entities=[entity]).entities, [])
    assert [(s.start, s.end) for s in pieces] == [(0, 7), (7, 11)]

"""The review server's routes, driven through FastAPI's TestClient (no browser, no network)."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from pathlib import Path

import pytest
from conftest import PAYLOAD_ID, PAYLOAD_TEXT

from nlp.evaluation.gold import load_gold
from nlp.web.store import suggested_codes


def key_of(store, note_id: str) -> int:
    return next(row["key"] for row in store.summaries() if row["note_id"] == note_id)


def edit_form(rows: list[dict], **extra: str) -> dict[str, str]:
    """The fields the note page's edit form posts for ``rows``."""
    form = {"rows": str(len(rows)), **extra}
    for i, row in enumerate(rows):
        form[f"row-{i}-system"] = row["system"]
        form[f"row-{i}-code"] = row["code"]
        form[f"row-{i}-units"] = str(row.get("units", 1))
        form[f"row-{i}-lesion"] = "" if row.get("lesion") is None else str(row["lesion"])
        form[f"row-{i}-modifiers"] = " ".join(row.get("modifiers", []))
        if row.get("remove"):
            form[f"row-{i}-remove"] = "1"
    return form


# -- queue ----------------------------------------------------------------------------------------


def test_queue_lists_every_note_to_review_with_counts(client, loaded_store) -> None:
    page = client.get("/")
    assert page.status_code == 200
    rows = re.findall(r'data-note-row="(\d+)"', page.text)
    assert len(rows) == 6
    assert 'data-count="to_review">to review: 6<' in page.text
    assert 'data-count="accepted">accepted: 0<' in page.text
    for row in loaded_store.summaries():
        assert f'href="/notes/{row["key"]}">{row["note_id"]}</a>' in page.text


def test_queue_filters_by_code_family_queries_confidence_and_status(client, loaded_store) -> None:
    notes = {row["key"]: loaded_store.get(row["key"]).record for row in loaded_store.summaries()}

    def shown(query: str) -> set[int]:
        page = client.get("/?" + query)
        assert page.status_code == 200
        return {int(k) for k in re.findall(r'data-note-row="(\d+)"', page.text)}

    with_11401 = {k for k, r in notes.items() if any(c.code == "11401" for c in r.codes)}
    assert 0 < len(with_11401) < len(notes)
    assert shown("code=11401") == with_11401
    repairs = {k for k, r in notes.items() if any(c.rule.startswith("repair.") for c in r.codes)}
    assert 0 < len(repairs) < len(notes)
    assert shown("family=repair") == repairs
    queried = {k for k, r in notes.items() if r.queries}
    assert 0 < len(queried) < len(notes)
    assert shown("queries=yes") == queried
    assert shown("queries=no") == set(notes) - queried
    low = {k for k, r in notes.items() if min(c.confidence for c in r.codes) < 0.9}
    assert 0 < len(low) < len(notes)
    assert shown("below=0.9") == low
    first = min(notes)
    client.post(f"/notes/{first}/accept")
    assert shown("status=accepted") == {first}
    assert shown("status=to_review") == set(notes) - {first}


def test_queue_refuses_a_bad_threshold_with_a_reason(client) -> None:
    page = client.get("/?below=lots")
    assert page.status_code == 422
    assert "confidence threshold must be a number" in page.text
    assert client.get("/api/notes?status=done").status_code == 422


def test_api_queue_is_json_without_note_text(client) -> None:
    data = client.get("/api/notes").json()
    assert data["counts"]["all"] == 6 and data["counts"]["to_review"] == 6
    assert [n["note_id"] for n in data["notes"]][-1] == PAYLOAD_ID
    assert "text" not in data["notes"][0]
    assert "<script>" not in json.dumps(data)


# -- note page ----------------------------------------------------------------------------------


def test_note_page_highlights_every_entity_with_label_and_attributes(client, loaded_store) -> None:
    key = key_of(loaded_store, "04_two_lesions_multi")
    note = loaded_store.get(key)
    page = client.get(f"/notes/{key}")
    assert page.status_code == 200
    for entity in note.record.entities:
        assert f"ent-{entity.label}" in page.text
    assert page.text.count('class="seg ent') >= len({(e.start, e.end) for e in note.record.entities})
    assert "title=\"ANATOMIC_SITE · section: preoperative_diagnosis · asserted" in page.text
    assert 'aria-label="legend"' in page.text and "not-asserted" in page.text
    for code in note.record.codes:
        assert f'<strong class="code-value">{code.code}</strong>' in page.text
        assert str(code.rationale.split(":")[0]) in page.text
    assert "query.margin_missing" in page.text
    assert "Keys:" in page.text and "<kbd>a</kbd> accept all" in page.text


def test_note_page_marks_each_codes_evidence_spans(client, loaded_store) -> None:
    key = key_of(loaded_store, "01_nevus_back_template")
    note = loaded_store.get(key)
    page = client.get(f"/notes/{key}").text
    spans = re.findall(r'<span class="([^"]*)"[^>]*data-codes="([\d ]+)">([^<]*)</span>', page)
    for index, code in enumerate(note.record.codes):
        marked = "".join(text for _, codes, text in spans if str(index) in codes.split())
        for ev in code.evidence:
            assert ev.text in marked, (code.code, ev.text)


def test_not_asserted_mentions_are_set_apart(client, store, coder) -> None:
    text = "Excision of a 4 mm nevus, left arm, 1 mm margins, simple closure. History of melanoma of the back. No basal cell carcinoma."
    record = coder.code(text, "hist")
    flagged = [e for e in record.entities if e.negated or e.historical]
    assert flagged, "the example needs a negated or historical mention"
    key, _ = store.add_note("hist", text, record, source="coded")
    from fastapi.testclient import TestClient

    from nlp.web.app import create_app

    page = TestClient(create_app(store, coder=coder)).get(f"/notes/{key}").text
    for entity in flagged:
        assert re.search(r'class="seg ent ent-\w+ not-asserted"[^>]*>' + re.escape(text[entity.start:entity.end]), page)


def test_unknown_note_is_404_with_a_hint(client) -> None:
    page = client.get("/notes/999")
    assert page.status_code == 404 and "open the queue" in page.json()["detail"]


def test_note_text_is_escaped_never_markup(client, loaded_store) -> None:
    page = client.get(f"/notes/{key_of(loaded_store, PAYLOAD_ID)}").text
    assert "<script>window.__xss" not in page and "<img src=x" not in page
    assert "&lt;script&gt;window.__xss = 1; alert(&#39;xss&#39;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&#34;alert(&#39;img&#39;)&#34;&gt;" in page
    assert '" onmouseover="' not in page


def test_pages_have_no_inline_script_style_or_handlers(client, loaded_store) -> None:
    for path in ("/", f"/notes/{key_of(loaded_store, PAYLOAD_ID)}", "/new"):
        page = client.get(path).text
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
        assert " style=" not in page and not re.search(r"<[^>]+\son\w+=", page)
        assert "http://" not in page and "https://" not in page


def test_api_note_returns_record_state_and_history(client, loaded_store) -> None:
    key = key_of(loaded_store, "03_sk_forearm_terse")
    client.post(f"/notes/{key}/accept")
    data = client.get(f"/api/notes/{key}").json()
    assert data["id"] == "03_sk_forearm_terse" and data["status"] == "accepted"
    assert [h["action"] for h in data["history"]] == ["accept"]
    assert data["record"]["codes"][0]["code"] == data["final_codes"][0]["code"]


# -- actions --------------------------------------------------------------------------------------


def test_accept_keeps_suggested_codes_and_writes_an_audit_row(client, loaded_store) -> None:
    key = key_of(loaded_store, "02_bcc_nose_dictation")
    answer = client.post(f"/notes/{key}/accept", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == f"/notes/{key}"
    note = loaded_store.get(key)
    assert note.status == "accepted" and note.reviewer == "tester"
    assert note.final_codes == suggested_codes(note.record)
    assert [c["code"] for c in note.final_codes] == [c.code for c in note.record.codes if c.status == "suggested"]
    [decision] = loaded_store.history(key)
    assert (decision.action, decision.reviewer) == ("accept", "tester")
    assert decision.before == {"status": "to_review", "codes": None, "comment": None}
    assert decision.after["status"] == "accepted" and decision.after["codes"] == note.final_codes
    page = client.get(f"/notes/{key}").text
    assert 'data-status>accepted<' in page and "data-audit" in page


def test_edit_changes_adds_and_removes_codes_as_a_correction(client, loaded_store) -> None:
    key = key_of(loaded_store, "01_nevus_back_template")
    rows = [dict(r) for r in suggested_codes(loaded_store.get(key).record)]
    cpt = next(r for r in rows if r["system"] == "CPT")
    cpt["code"] = "11402"  # change the size band
    rows.append({"system": "CPT", "code": "12032", "units": 1, "lesion": 1})  # add a repair
    rows.append({"system": "ICD-10-CM", "code": rows[1]["code"], "remove": True})  # a removed line
    answer = client.post(f"/notes/{key}/codes", data=edit_form(rows, comment="size per path report"), follow_redirects=False)
    assert answer.status_code == 303
    note = loaded_store.get(key)
    assert note.status == "corrected" and note.comment == "size per path report"
    assert sorted(c["code"] for c in note.final_codes) == sorted(["11402", "12032", rows[1]["code"]])
    decision = loaded_store.history(key)[-1]
    assert decision.action == "edit" and decision.before["codes"] is None
    assert {c["code"] for c in decision.after["codes"]} == {"11402", "12032", rows[1]["code"]}


def test_edit_back_to_the_suggestions_counts_as_accepted(client, loaded_store) -> None:
    key = key_of(loaded_store, "03_sk_forearm_terse")
    client.post(f"/notes/{key}/codes", data=edit_form(suggested_codes(loaded_store.get(key).record)))
    assert loaded_store.get(key).status == "accepted"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"system": "CPT", "code": "99999"}, "CPT 99999 is not in the code tables"),
        ({"system": "CPT", "code": "D22.5"}, "D22.5 is a ICD-10-CM code, not CPT"),
        ({"system": "CPT", "code": "11401", "units": 0}, "units for 11401 must be between 1 and 99"),
        ({"system": "CPT", "code": "11401", "lesion": 7}, "lesion 7 for 11401 does not exist"),
        ({"system": "CPT", "code": "11401", "modifiers": ["LONG"]}, "modifier 'LONG' on 11401"),
        ({"system": "HCPCS", "code": "11401"}, "system must be one of CPT, ICD-10-CM"),
    ],
)
def test_edit_refuses_codes_the_tables_do_not_know(client, loaded_store, row: dict, message: str) -> None:
    key = key_of(loaded_store, "01_nevus_back_template")
    answer = client.post(f"/notes/{key}/codes", data=edit_form([row]))
    assert answer.status_code == 422
    assert message in html.unescape(answer.text)
    assert loaded_store.get(key).status == "to_review" and loaded_store.history(key) == []


def test_reject_clears_final_codes_and_keeps_the_reason(client, loaded_store) -> None:
    key = key_of(loaded_store, "05_melanoma_arm_caps")
    client.post(f"/notes/{key}/reject", data={"comment": "wrong patient"})
    note = loaded_store.get(key)
    assert (note.status, note.final_codes, note.comment) == ("rejected", [], "wrong patient")
    assert loaded_store.history(key)[-1].action == "reject"


def test_comment_keeps_the_status_and_refuses_empty_text(client, loaded_store) -> None:
    key = key_of(loaded_store, "05_melanoma_arm_caps")
    client.post(f"/notes/{key}/comment", data={"comment": "ask about depth"})
    note = loaded_store.get(key)
    assert (note.status, note.comment) == ("to_review", "ask about depth")
    assert client.post(f"/notes/{key}/comment", data={"comment": "  "}).status_code == 422
    assert [d.action for d in loaded_store.history(key)] == ["comment"]
    assert "ask about depth" in client.get(f"/notes/{key}").text


def test_reviewer_name_is_recorded_with_each_decision(client, loaded_store) -> None:
    assert client.post("/reviewer", data={"reviewer": "Dana K"}, follow_redirects=False).status_code == 303
    key = key_of(loaded_store, "01_nevus_back_template")
    client.post(f"/notes/{key}/accept")
    assert loaded_store.history(key)[-1].reviewer == "Dana K"
    assert client.post("/reviewer", data={"reviewer": "<b>x</b>"}).status_code == 422


def test_actions_on_a_missing_note_are_404(client) -> None:
    for action in ("accept", "reject", "codes", "comment"):
        assert client.post(f"/notes/999/{action}", data={"comment": "x", "rows": "0"}).status_code == 404


# -- new notes -----------------------------------------------------------------------------------


def test_pasted_note_is_coded_at_once_and_opened(client, loaded_store) -> None:
    answer = client.post("/new", data={"note_id": "fresh-1", "text": PAYLOAD_TEXT.replace("cheek", "ear")}, follow_redirects=False)
    assert answer.status_code == 303
    key = int(answer.headers["location"].rsplit("/", 1)[1])
    note = loaded_store.get(key)
    assert (note.note_id, note.source, note.status) == ("fresh-1", "pasted", "to_review")
    assert note.record.codes and note.record.entities
    page = client.get(answer.headers["location"]).text
    assert "fresh-1" in page and "class=\"seg ent" in page


def test_uploaded_file_is_coded(client, loaded_store) -> None:
    text = Path(__file__).resolve().parents[2].joinpath("annotations", "samples", "03_sk_forearm_terse.txt").read_bytes()
    answer = client.post("/new", data={"note_id": "up-1"}, files={"file": ("n.txt", text, "text/plain")}, follow_redirects=False)
    assert answer.status_code == 303
    assert loaded_store.get(int(answer.headers["location"].rsplit("/", 1)[1])).text == text.decode()


def test_pasted_note_without_an_id_gets_one(client, loaded_store) -> None:
    answer = client.post("/new", data={"text": "Excision of a 4 mm nevus, left arm, 1 mm margins, simple closure."}, follow_redirects=False)
    assert answer.status_code == 303
    assert loaded_store.get(int(answer.headers["location"].rsplit("/", 1)[1])).note_id.startswith("pasted-")


@pytest.mark.parametrize(
    ("fields", "files", "message"),
    [
        ({"note_id": "e1", "text": "   "}, None, "note is empty"),
        ({"note_id": "01_nevus_back_template", "text": "Nevus excised."}, None, "already stored"),
        ({"note_id": "bad id/..", "text": "Nevus excised."}, None, "note id: 1-128 letters"),
        ({"note_id": "bin"}, {"file": ("b.txt", b"\xff\xfe\x00\x01" * 50, "text/plain")}, "not valid UTF-8"),
    ],
)
def test_bad_new_notes_are_refused_with_a_reason(client, loaded_store, fields, files, message) -> None:
    answer = client.post("/new", data=fields, files=files)
    assert answer.status_code == 422 and message in html.unescape(answer.text)
    assert loaded_store.counts()["all"] == 6


def test_new_note_form_is_served(client) -> None:
    page = client.get("/new")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text and 'name="text"' in page.text


# -- export ---------------------------------------------------------------------------------------


def test_gold_export_is_loadable_and_carries_the_final_codes(client, loaded_store, tmp_path: Path) -> None:
    accepted = key_of(loaded_store, "02_bcc_nose_dictation")
    corrected = key_of(loaded_store, "01_nevus_back_template")
    rejected = key_of(loaded_store, "05_melanoma_arm_caps")
    client.post(f"/notes/{accepted}/accept")
    client.post(f"/notes/{corrected}/codes", data=edit_form([{"system": "CPT", "code": "11402", "units": 2, "lesion": 1},
                                                            {"system": "ICD-10-CM", "code": "D22.5", "lesion": 1}]))
    client.post(f"/notes/{rejected}/reject", data={"comment": "duplicate"})
    answer = client.get("/export/gold.jsonl")
    assert answer.status_code == 200 and "attachment" in answer.headers["content-disposition"]
    path = tmp_path / "gold.jsonl"
    path.write_text(answer.text)
    gold = {note.id: note for note in load_gold(path)}
    assert set(gold) == {"02_bcc_nose_dictation", "01_nevus_back_template"}
    fixed = gold["01_nevus_back_template"]
    assert fixed.cpt == ["11402", "11402"] and fixed.icd10 == ["D22.5"]
    assert fixed.lesions[0]["cpt"] == ["11402", "11402"] and fixed.lesions[0]["region"] == "back"
    assert fixed.meta["review"]["status"] == "corrected"
    for span in fixed.spans:
        assert fixed.text[span.start:span.end].strip()
    assert sorted(gold["02_bcc_nose_dictation"].cpt) == ["11642", "12052"]


def test_csv_export_has_one_row_per_final_code(client, loaded_store) -> None:
    accepted = key_of(loaded_store, "02_bcc_nose_dictation")
    rejected = key_of(loaded_store, "05_melanoma_arm_caps")
    client.post(f"/notes/{accepted}/accept")
    client.post(f"/notes/{rejected}/reject", data={"comment": "=HYPERLINK(\"x\")"})
    answer = client.get("/export/codes.csv")
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    mine = [(r["note_id"], r["status"], r["code"]) for r in rows]
    codes = [c["code"] for c in loaded_store.get(accepted).final_codes]
    assert mine == [("02_bcc_nose_dictation", "accepted", c) for c in codes] + [("05_melanoma_arm_caps", "rejected", "")]
    assert rows[-1]["comment"].startswith("'=")  # a spreadsheet will not run it
    assert all(r["reviewer"] == "tester" for r in rows)

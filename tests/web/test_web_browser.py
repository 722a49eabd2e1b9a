"""The review pages in a real browser: headless Chromium driven by Playwright against `opnote serve`.

The server runs as a subprocess on a free localhost port, exactly as a user starts it.  When
Chromium or Playwright is missing these tests skip on a developer machine, but fail under CI
(the ``CI`` environment variable), so CI can never pass by skipping them.  Set
``OPNOTE_SCREENSHOT_DIR`` to save the note-view screenshot used in the README.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import PAYLOAD_ID, PAYLOAD_TEXT, SAMPLES

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


def _chromium() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return found or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the browser tests (install Debian's chromium, see .ci/run)")
    pytest.skip(f"{reason}; install chromium (apt-get install chromium) to run the browser tests")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`opnote serve` over the samples and the payload note; yields its base URL and log file."""
    folder = tmp_path_factory.mktemp("serve")
    notes = folder / "notes.jsonl"
    notes.write_text("".join(json.dumps({"id": p.stem, "text": p.read_text()}) + "\n" for p in SAMPLES)
                     + json.dumps({"id": PAYLOAD_ID, "text": PAYLOAD_TEXT}) + "\n")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = folder / "server.log"
    env = {k: v for k, v in os.environ.items() if k != "OPNOTE_TOKEN"}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "nlp.cli", "serve", "--notes", str(notes), "--db", str(folder / "review.sqlite"),
             "--port", str(port), "--reviewer", "browser-test"],
            stdout=sink, stderr=subprocess.STDOUT, env=env,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(base + "/api/notes", timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"opnote serve did not start (exit {process.poll()}): {log.read_text()[-2000:]}")
        time.sleep(0.3)
    yield base, log
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="module")
def browser():
    chromium = _chromium()
    if chromium is None:
        _missing("chromium is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)  # Playwright gives each launch a fresh profile
        yield launched
        launched.close()


@pytest.fixture()
def page(browser, server):
    """A fresh page that records dialogs and console errors (a CSP violation is a console error)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    tab = context.new_page()
    tab.dialogs = []
    tab.console_errors = []

    def on_dialog(dialog):
        tab.dialogs.append(dialog.message)
        dialog.dismiss()

    tab.on("dialog", on_dialog)
    tab.on("console", lambda message: message.type == "error" and tab.console_errors.append(message.text))
    yield tab
    context.close()


def note_key(page, base: str, note_id: str) -> int:
    page.goto(base + "/")
    href = page.get_by_role("link", name=note_id, exact=True).get_attribute("href")
    return int(href.rsplit("/", 1)[1])


def test_queue_opens_a_note_with_its_facts_highlighted(page, server) -> None:
    base, _ = server
    page.goto(base + "/")
    assert page.locator("tr[data-note-row]").count() == 6
    assert page.locator('[data-count="to_review"]').inner_text() == "to review: 6"
    page.get_by_role("link", name="04_two_lesions_multi", exact=True).click()
    page.wait_for_url("**/notes/*")
    highlights = page.locator(".note-text .seg.ent")
    assert highlights.count() >= 10
    assert page.locator(".note-text .ent-ANATOMIC_SITE").first.inner_text() == "left dorsal hand"
    assert "ANATOMIC_SITE · section: preoperative_diagnosis" in page.locator(".note-text .ent-ANATOMIC_SITE").first.get_attribute("title")
    assert page.locator(".legend").is_visible()
    assert page.locator(".codes .code").count() == 5
    assert "margin" in page.locator(".queries").inner_text()
    assert page.console_errors == []


def test_clicking_a_code_marks_and_scrolls_to_its_evidence(page, server) -> None:
    base, _ = server
    key = note_key(page, base, "04_two_lesions_multi")
    page.goto(f"{base}/notes/{key}")
    assert page.locator(".seg.evidence-on").count() == 0
    repair = page.locator(".code", has=page.locator(".code-value", has_text="12042"))
    repair.click()
    marked = page.locator(".seg.evidence-on")
    assert marked.count() >= 3
    texts = marked.all_inner_texts()
    assert "3.5 cm" in texts and "intermediate repair" in texts
    assert "Epidermoid cyst" not in texts  # the other lesion's diagnosis is not this line's evidence
    assert page.evaluate(
        "() => { const r = document.querySelector('.seg.evidence-on').getBoundingClientRect();"
        " const box = document.querySelector('.note-text').getBoundingClientRect();"
        " return r.top >= box.top && r.bottom <= box.bottom && r.top >= 0 && r.bottom <= window.innerHeight; }"
    )
    assert "selected" in repair.get_attribute("class")
    if os.environ.get("OPNOTE_SCREENSHOT_DIR"):
        target = Path(os.environ["OPNOTE_SCREENSHOT_DIR"])
        target.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(target / "review-note.png"))
    cyst = page.locator(".code", has=page.locator(".code-value", has_text="L72.0"))
    cyst.click()
    assert "Epidermoid cyst" in page.locator(".seg.evidence-on").all_inner_texts()
    assert "3.5 cm" not in page.locator(".seg.evidence-on").all_inner_texts()


def test_evidence_far_down_a_long_note_is_scrolled_into_view(page, server) -> None:
    base, _ = server
    filler = "".join(f"Line {i}: the patient was comfortable and vital signs were stable.\n" for i in range(150))
    page.goto(base + "/new")
    page.locator('input[name="note_id"]').fill("long-note")
    page.locator("#new-text").fill(filler + SAMPLES[0].read_text())
    page.get_by_role("button", name="Code it").click()
    page.wait_for_url("**/notes/*")
    in_view = (
        "() => { const r = document.querySelector('.seg[data-codes~=\"0\"]').getBoundingClientRect();"
        " const box = document.querySelector('.note-text').getBoundingClientRect();"
        " return r.top >= box.top && r.bottom <= box.bottom; }"
    )
    assert page.evaluate(in_view) is False  # the evidence starts below the visible part of the note
    page.locator(".codes .code").first.click()
    assert page.evaluate(in_view) is True
    assert page.locator(".seg.evidence-on").count() >= 2


def test_accept_with_the_keyboard_is_kept_after_reload(page, server) -> None:
    base, _ = server
    key = note_key(page, base, SAMPLES[0].stem)
    page.goto(f"{base}/notes/{key}")
    assert page.locator("[data-status]").inner_text() == "to review"
    page.keyboard.press("a")
    page.wait_for_load_state()
    page.locator("[data-status]", has_text="accepted").wait_for()
    page.reload()
    assert page.locator("[data-status]").inner_text() == "accepted"
    assert page.locator("[data-final-codes]").inner_text().split()[:2] == ["CPT", "11401"]
    assert "browser-test" in page.locator("[data-audit]").inner_text()
    page.goto(base + "/?status=accepted")
    assert page.locator("tr[data-note-row]").count() == 1


def test_edit_and_navigation_shortcuts(page, server) -> None:
    base, _ = server
    key = note_key(page, base, SAMPLES[2].stem)
    page.goto(f"{base}/notes/{key}")
    page.keyboard.press("e")
    focused = page.evaluate("() => document.activeElement.name")
    assert focused == "row-0-code"
    page.keyboard.type("11402")
    page.locator("#edit-form button[type=submit]").click()
    page.locator("[data-status]", has_text="corrected").wait_for()
    assert "11402" in page.locator("[data-final-codes]").inner_text()
    page.locator("html[data-keys=ready]").wait_for(state="attached")  # the reloaded page's shortcuts
    page.keyboard.press("n")
    page.wait_for_url(f"**/notes/{key + 1}")
    page.locator("html[data-keys=ready]").wait_for(state="attached")
    page.keyboard.press("p")
    page.wait_for_url(f"**/notes/{key}")


def test_invalid_code_is_refused_on_the_page(page, server) -> None:
    base, _ = server
    key = note_key(page, base, SAMPLES[1].stem)
    page.goto(f"{base}/notes/{key}")
    page.get_by_role("button", name="Edit codes (e)").click()
    page.locator('input[name="row-0-code"]').fill("99999")
    page.locator("#edit-form button[type=submit]").click()
    assert "not in the code tables" in page.locator("[data-error]").inner_text()
    assert page.locator("[data-status]").inner_text() == "to review"


def test_script_payload_in_a_note_stays_inert_text(page, server) -> None:
    base, _ = server
    key = note_key(page, base, PAYLOAD_ID)
    page.goto(f"{base}/notes/{key}")
    for span in page.locator(".note-text .seg").all():
        span.hover()
    page.locator(".codes .code").first.click()
    text = page.locator(".note-text").inner_text()
    assert "<script>window.__xss = 1; alert('xss')</script>" in text
    assert "<img src=x onerror=\"alert('img')\">" in text
    assert page.locator(".note-text script, .note-text img, .note-text [onmouseover]").count() == 0
    assert page.evaluate("() => window.__xss") is None
    assert page.dialogs == []


def test_pasted_note_is_coded_at_once_and_stays_inert(page, server) -> None:
    base, _ = server
    page.goto(base + "/new")
    page.locator('input[name="note_id"]').fill("pasted-browser")
    page.locator("#new-text").fill(PAYLOAD_TEXT.replace("cheek", "nose"))
    page.get_by_role("button", name="Code it").click()
    page.wait_for_url("**/notes/*")
    assert page.locator("h2", has_text="pasted-browser").count() == 1
    assert page.locator(".codes .code").count() >= 1 and page.locator(".note-text .seg.ent").count() >= 3
    assert page.dialogs == [] and page.evaluate("() => window.__xss") is None
    assert page.console_errors == []


def test_server_log_has_no_note_text(page, server) -> None:
    base, log = server
    page.goto(base + "/")
    page.get_by_role("link", name=SAMPLES[3].stem, exact=True).click()
    page.wait_for_url("**/notes/*")
    written = log.read_text()
    assert "Application startup complete" in written  # the log is being captured
    for path in SAMPLES:
        assert path.stem not in written
        first_line = path.read_text().strip().splitlines()[0]
        assert first_line not in written
    assert "__xss" not in written and "GET /notes/" not in written  # access log off


@pytest.mark.parametrize(("ci", "outcome"), [("true", pytest.fail.Exception), (None, pytest.skip.Exception)])
def test_missing_browser_skips_locally_but_fails_under_ci(monkeypatch, ci, outcome) -> None:
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="chromium is not installed"):
        _missing("chromium is not installed")

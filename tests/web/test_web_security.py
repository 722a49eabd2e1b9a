"""PHI rules of the review server: bind and token, headers, body limit, origin checks, no text in logs."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from nlp.web.security import CSP, SESSION_COOKIE, check_bind, is_loopback, session_value

TOKEN = "s3cret-token-for-tests"


@pytest.fixture()
def guarded(loaded_store, make_client):
    return make_client(loaded_store, token=TOKEN)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_loopback_hosts_need_no_token(host: str) -> None:
    assert is_loopback(host)
    check_bind(host, None)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.5", "::", "review.example.org"])
def test_any_other_host_requires_a_token(host: str) -> None:
    assert not is_loopback(host)
    with pytest.raises(ValueError, match="set a token with --token or the OPNOTE_TOKEN"):
        check_bind(host, None)
    check_bind(host, TOKEN)


def test_serve_on_all_interfaces_without_token_exits_with_the_reason(tmp_path) -> None:
    run = subprocess.run([sys.executable, "-m", "nlp.cli", "serve", "--host", "0.0.0.0", "--db", str(tmp_path / "r.sqlite")],
                         capture_output=True, timeout=120, env={"PATH": "/usr/bin:/bin"})
    assert run.returncode == 2
    assert b"exposes notes (PHI)" in run.stderr and b"Traceback" not in run.stderr
    assert not (tmp_path / "r.sqlite").exists()


@pytest.mark.parametrize("path", ["/", "/api/notes", "/notes/1", "/api/notes/1", "/new", "/export/gold.jsonl", "/export/codes.csv"])
def test_every_page_needs_the_token(guarded, path: str) -> None:
    answer = guarded.get(path, headers={"accept": "application/json"})
    assert answer.status_code == 401 and "token required" in answer.json()["detail"]
    assert guarded.get(path, headers={"authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert guarded.get(path, headers={"x-opnote-token": TOKEN}).status_code == 200
    assert guarded.get(path, headers={"authorization": "Bearer wrong"}).status_code == 401


@pytest.mark.parametrize("path", ["/notes/1/accept", "/notes/1/reject", "/notes/1/codes", "/notes/1/comment", "/new", "/reviewer"])
def test_every_action_needs_the_token(guarded, loaded_store, path: str) -> None:
    assert guarded.post(path, data={"comment": "x", "rows": "0", "text": "nevus", "reviewer": "x"}).status_code == 401
    assert loaded_store.history() == [] and loaded_store.counts()["all"] == 6


def test_browser_without_token_is_sent_to_login_then_gets_a_session_cookie(guarded) -> None:
    answer = guarded.get("/", headers={"accept": "text/html"}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    assert 'name="token"' in guarded.get("/login").text
    assert guarded.post("/login", data={"token": "nope"}).status_code == 401
    login = guarded.post("/login", data={"token": TOKEN}, follow_redirects=False)
    assert login.status_code == 303
    cookie = login.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}={session_value(TOKEN)}") and TOKEN not in cookie
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    assert guarded.get("/").status_code == 200  # the client now sends the cookie
    guarded.post("/logout")
    assert guarded.get("/", headers={"accept": "application/json"}).status_code == 401


def test_forged_session_cookie_is_refused(guarded) -> None:
    guarded.cookies.set(SESSION_COOKIE, session_value("another-token"))
    assert guarded.get("/", headers={"accept": "application/json"}).status_code == 401


def test_login_is_skipped_when_no_token_is_set(client) -> None:
    assert client.get("/login", follow_redirects=False).headers["location"] == "/"
    assert client.post("/login", data={"token": "x"}, follow_redirects=False).headers["location"] == "/"


def test_static_files_are_public_and_carry_no_note_data(guarded) -> None:
    for path in ("/static/review.css", "/static/review.js", "/static/app/keys.js"):
        answer = guarded.get(path)
        assert answer.status_code == 200 and answer.headers["content-security-policy"] == CSP


@pytest.mark.parametrize("path", ["/", "/notes/1", "/static/review.js", "/login", "/notes/999"])
def test_security_headers_on_every_response(client, path: str) -> None:
    headers = client.get(path).headers
    assert headers["content-security-policy"] == CSP
    assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP
    assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin" and headers["cache-control"] == "no-store"


def test_headers_are_also_on_refusals(guarded) -> None:
    assert guarded.get("/api/notes").headers["content-security-policy"] == CSP


def test_cross_origin_posts_are_refused(client, loaded_store) -> None:
    assert client.post("/notes/1/accept", headers={"origin": "http://evil.example"}).status_code == 403
    assert client.post("/notes/1/accept", headers={"sec-fetch-site": "cross-site"}).status_code == 403
    assert loaded_store.history() == []
    assert client.post("/notes/1/accept", headers={"origin": "http://testserver"}, follow_redirects=False).status_code == 303


def test_request_body_over_the_limit_is_refused(loaded_store, make_client) -> None:
    small = make_client(loaded_store, max_body=2000)
    answer = small.post("/new", data={"note_id": "big", "text": "nevus excised. " * 400})
    assert answer.status_code == 413 and "limit" in answer.json()["detail"]
    assert not loaded_store.has_note("big")


def test_chunked_body_over_the_limit_is_refused(loaded_store, make_client) -> None:
    small = make_client(loaded_store, max_body=2000)

    def chunks():
        for _ in range(10):
            yield b"text=" + b"a" * 500

    answer = small.post("/new", content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 413


def test_note_text_never_reaches_the_logs(client, caplog) -> None:
    unique = "Zorvaquintel"
    with caplog.at_level(logging.DEBUG):
        client.post("/new", data={"note_id": "log-1", "text": f"Patient {unique}: 4 mm nevus left arm excised with 1 mm margins."})
        client.post("/new", data={"note_id": "log-2", "text": f"{unique}\x00\x01\x02" * 30})
        client.get("/notes/1")
        client.post("/notes/1/comment", data={"comment": "fine"})
    assert caplog.records, "the server should log something (ids and counts)"
    assert unique not in caplog.text


def test_urls_carry_note_keys_not_note_ids(client, loaded_store) -> None:
    page = client.get("/").text
    for row in loaded_store.summaries():
        assert f'href="/notes/{row["key"]}"' in page
        assert f"/notes/{row['note_id']}" not in page

"""Pages and actions of the review app.  URLs carry integer note keys, never note ids or text.

Every action is a plain HTML form POST answered with a redirect (303), so the pages work without
JavaScript; the scripts only add evidence marking and keyboard shortcuts.
"""

from __future__ import annotations

import hmac
import logging
import re
import uuid
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from nlp.errors import InputError
from nlp.inputs import validate_note
from nlp.web.app import ReviewContext
from nlp.web.catalogue import SYSTEMS
from nlp.web.exporting import codes_csv, gold_jsonl
from nlp.web.security import SESSION_COOKIE, session_value
from nlp.web.store import STATUSES, Filters, Note

log = logging.getLogger(__name__)
router = APIRouter()

REVIEWER_COOKIE = "opnote_reviewer"
EDIT_BLANK_ROWS = 3
_REVIEWER = re.compile(r"^[\w .@'-]{1,64}$")
_NOTE_ID = re.compile(r"^[\w.-]{1,128}$")


def _ctx(request: Request) -> ReviewContext:
    return request.app.state.review


def _reviewer(request: Request) -> str:
    name = request.cookies.get(REVIEWER_COOKIE, "")
    return name if _REVIEWER.match(name) else _ctx(request).default_reviewer


def _page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    ctx = _ctx(request)
    context.update(counts=ctx.store.counts(), reviewer=_reviewer(request), token_required=bool(ctx.token))
    return ctx.templates.TemplateResponse(request, name, context, status_code=status_code)


def _note_or_404(request: Request, key: int) -> Note:
    note = _ctx(request).store.get(key)
    if note is None:
        raise HTTPException(404, f"no note with key {key}; open the queue to pick one")
    return note


def _back_to(key: int) -> RedirectResponse:
    return RedirectResponse(f"/notes/{key}", status_code=303)


def _filters(status: str, code: str, family: str, queries: str, below: str) -> tuple[Filters, list[str]]:
    problems = []
    if status and status not in STATUSES:
        problems.append(f"status must be one of {', '.join(STATUSES)}")
        status = ""
    threshold = None
    if below.strip():
        try:
            threshold = float(below)
        except ValueError:
            problems.append("confidence threshold must be a number between 0 and 1, e.g. 0.8")
    has_queries = {"yes": True, "no": False}.get(queries)
    return Filters(status or None, code.strip() or None, family or None, has_queries, threshold), problems


# -- queue --------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def queue(request: Request, status: str = "", code: str = "", family: str = "", queries: str = "", below: str = "") -> HTMLResponse:
    """The queue: every note with its status, filtered, with counts per status."""
    ctx = _ctx(request)
    filters, problems = _filters(status, code, family, queries, below)
    rows = ctx.store.summaries(filters)
    return _page(request, "queue.html", rows=rows, filters=filters, form={"status": status, "code": code, "family": family,
                 "queries": queries, "below": below}, families=ctx.catalogue.families(), statuses=STATUSES, problems=problems,
                 status_code=200 if not problems else 422)


@router.get("/api/notes")
def api_notes(request: Request, status: str = "", code: str = "", family: str = "", queries: str = "", below: str = "") -> JSONResponse:
    """The queue as JSON (no note text)."""
    filters, problems = _filters(status, code, family, queries, below)
    if problems:
        return JSONResponse({"detail": problems}, status_code=422)
    return JSONResponse({"counts": _ctx(request).store.counts(), "notes": _ctx(request).store.summaries(filters)})


@router.post("/reviewer")
async def set_reviewer(request: Request) -> Response:
    """Remember the reviewer's name (a cookie); every decision records it."""
    name = str((await request.form()).get("reviewer", "")).strip()
    if not _REVIEWER.match(name):
        raise HTTPException(422, "reviewer name: 1-64 letters, digits, spaces or . @ ' -")
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(REVIEWER_COOKIE, name, httponly=True, samesite="strict", max_age=30 * 86400)
    return response


# -- one note -------------------------------------------------------------------------------------


def _note_page(request: Request, note: Note, *, errors: list[str] | None = None, edit_rows: list[dict] | None = None,
               status_code: int = 200) -> HTMLResponse:
    ctx = _ctx(request)
    previous, following = ctx.store.neighbours(note.key)
    rows = edit_rows if edit_rows is not None else [dict(c) for c in note.codes_for_edit]
    rows = rows + [{"system": "CPT", "code": "", "units": 1, "lesion": None, "modifiers": []} for _ in range(EDIT_BLANK_ROWS)]
    return _page(request, "note.html", status_code=status_code, note=note, record=note.record, previous=previous,
                 following=following, history=ctx.store.history(note.key), edit_rows=rows, systems=SYSTEMS, errors=errors or [],
                 lesions=[lesion.index for lesion in note.record.lesions])


@router.get("/notes/{key}", response_class=HTMLResponse)
def note_page(request: Request, key: int) -> HTMLResponse:
    """The highlighted note, its codes with evidence, queries, actions and audit trail."""
    return _note_page(request, _note_or_404(request, key))


@router.get("/api/notes/{key}")
def api_note(request: Request, key: int) -> JSONResponse:
    """One note's record, review state and audit trail as JSON."""
    note = _note_or_404(request, key)
    return JSONResponse({
        "key": note.key, "id": note.note_id, "status": note.status, "final_codes": note.final_codes, "comment": note.comment,
        "reviewer": note.reviewer, "record": note.record.model_dump(mode="json"),
        "history": [{"reviewer": d.reviewer, "at": d.at.isoformat(), "action": d.action, "before": d.before, "after": d.after}
                    for d in _ctx(request).store.history(key)],
    })


async def _comment(request: Request) -> str | None:
    comment = str((await request.form()).get("comment", "")).strip()
    return comment[:2000] or None


@router.post("/notes/{key}/accept")
async def accept(request: Request, key: int) -> Response:
    """Accept every suggested code line as final."""
    _note_or_404(request, key)
    _ctx(request).store.decide(key, "accept", _reviewer(request), comment=await _comment(request))
    return _back_to(key)


@router.post("/notes/{key}/reject")
async def reject(request: Request, key: int) -> Response:
    """Reject the suggestions (no final codes); the comment says why."""
    _note_or_404(request, key)
    _ctx(request).store.decide(key, "reject", _reviewer(request), comment=await _comment(request))
    return _back_to(key)


@router.post("/notes/{key}/comment")
async def comment(request: Request, key: int) -> Response:
    """Keep a comment without changing the status."""
    _note_or_404(request, key)
    text = await _comment(request)
    if not text:
        raise HTTPException(422, "the comment is empty; type a comment first")
    _ctx(request).store.decide(key, "comment", _reviewer(request), comment=text)
    return _back_to(key)


def _int(value: str, default: int | None) -> int | None:
    value = value.strip()
    if not value:
        return default
    return int(value) if value.isdigit() else -1


@router.post("/notes/{key}/codes")
async def edit_codes(request: Request, key: int) -> Response:
    """Replace the final codes with the edited rows (add, remove, change), each checked against the tables."""
    note = _note_or_404(request, key)
    ctx = _ctx(request)
    form = await request.form()
    try:
        count = min(int(str(form.get("rows", "0"))), 200)
    except ValueError:
        raise HTTPException(422, "the form is missing its row count; reload the page") from None
    suggested = {(c.system, c.code) for c in note.record.codes}
    lesions = {lesion.index for lesion in note.record.lesions}
    codes: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    errors: list[str] = []
    for i in range(count):
        fields = {name: str(form.get(f"row-{i}-{name}", "")) for name in ("system", "code", "units", "lesion", "modifiers", "remove")}
        system, code = fields["system"], fields["code"].strip().upper()
        units, lesion = _int(fields["units"], 1), _int(fields["lesion"], None)
        modifiers = [m.strip().upper() for m in fields["modifiers"].replace(",", " ").split() if m.strip()]
        row = {"system": system, "code": code, "units": units, "lesion": lesion, "modifiers": modifiers}
        if fields["remove"] or not code:
            continue
        rows.append(row)
        problem = ctx.catalogue.check(system, code, units=units or 0, modifiers=modifiers, also_allowed=suggested)
        if problem is None and lesion is not None and lesion not in lesions:
            problem = f"lesion {lesion} for {code} does not exist in this note (lesions: {', '.join(map(str, sorted(lesions))) or 'none'})"
        if problem:
            errors.append(f"row {i + 1}: {problem}")
        codes.append(row)
    if errors:
        return _note_page(request, note, errors=errors, edit_rows=rows, status_code=422)
    ctx.store.decide(key, "edit", _reviewer(request), codes=codes, comment=str(form.get("comment", "")).strip()[:2000] or None)
    return _back_to(key)


# -- new notes ----------------------------------------------------------------------------------


@router.get("/new", response_class=HTMLResponse)
def new_note_form(request: Request) -> HTMLResponse:
    """Paste or upload a note to code it at once."""
    return _page(request, "new.html", errors=[], note_id="")


@router.post("/new")
async def new_note(request: Request) -> Response:
    """Code a pasted or uploaded note, store it and open it."""
    ctx = _ctx(request)
    form = await request.form()
    note_id = str(form.get("note_id", "")).strip() or f"pasted-{uuid.uuid4().hex[:8]}"
    upload = form.get("file")
    raw: str | bytes = str(form.get("text", ""))
    if isinstance(upload, UploadFile) and upload.filename:
        raw = await upload.read()
    errors = []
    if not _NOTE_ID.match(note_id):
        errors.append("note id: 1-128 letters, digits, '.', '_' or '-'")
    elif ctx.store.has_note(note_id):
        errors.append(f"a note with id {note_id} is already stored; choose another id")
    text = None
    if not errors:
        try:
            text = validate_note(raw)
        except InputError as exc:
            errors.append(str(exc))
    if errors or text is None:
        return _page(request, "new.html", status_code=422, errors=errors, note_id=note_id)
    record = await run_in_threadpool(ctx.code, note_id, text)
    if record.status != "ok":
        return _page(request, "new.html", status_code=422, errors=[f"the note could not be coded: {record.error}"], note_id=note_id)
    key, _ = ctx.store.add_note(note_id, text, record, source="pasted")
    log.info("note key %d added from the page (%d codes)", key, len(record.codes))
    return _back_to(key)


# -- export -------------------------------------------------------------------------------------


@router.get("/export/gold.jsonl")
def export_gold(request: Request) -> Response:
    """Accepted and corrected notes as gold annotations (annotations/ JSONL format)."""
    body = gold_jsonl(_ctx(request).store.reviewed())
    return Response(body, media_type="application/x-ndjson", headers={"content-disposition": 'attachment; filename="reviewed-gold.jsonl"'})


@router.get("/export/codes.csv")
def export_csv(request: Request) -> Response:
    """Final codes of every reviewed note, one row per code line."""
    body = codes_csv(_ctx(request).store.reviewed())
    return Response(body, media_type="text/csv", headers={"content-disposition": 'attachment; filename="reviewed-codes.csv"'})


# -- login ----------------------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    """Token login page (only useful when the server was started with a token)."""
    if not _ctx(request).token:
        return RedirectResponse("/", status_code=303)
    return _ctx(request).templates.TemplateResponse(request, "login.html", {"error": None, "token_required": True})


@router.post("/login")
async def login(request: Request) -> Response:
    """Check the token and set the session cookie (an HMAC of the token, HttpOnly, SameSite=Strict)."""
    ctx = _ctx(request)
    if not ctx.token:
        return RedirectResponse("/", status_code=303)
    given = str((await request.form()).get("token", ""))
    if not hmac.compare_digest(given.encode(), ctx.token.encode()):
        log.warning("failed token login")
        return ctx.templates.TemplateResponse(request, "login.html", {"error": "wrong token", "token_required": True}, status_code=401)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(SESSION_COOKIE, session_value(ctx.token), httponly=True, samesite="strict")
    return response


@router.post("/logout")
def logout() -> Response:
    """Drop the session cookie."""
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response

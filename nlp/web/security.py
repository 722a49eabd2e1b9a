"""PHI guards for the review server: bind rules, token check, security headers, body size limit.

- :func:`check_bind`: any host other than loopback needs a token (notes are PHI).
- :class:`TokenMiddleware`: with a token set, every request but the login page and the static
  files must carry it (``Authorization: Bearer``, ``X-Opnote-Token``, or the session cookie set by
  the login form; the cookie holds an HMAC of the token, never the token).  Unsafe methods from
  another origin are refused, and the cookie is ``SameSite=Strict``, against cross-site posts.
- :class:`SecurityHeadersMiddleware`: a Content-Security-Policy without inline script, no framing,
  no referrer to other sites, no caching of pages that show notes.
- :class:`BodyLimitMiddleware`: refuses request bodies over the limit with 413, whether or not the
  client sent a Content-Length.
Pure ASGI middlewares, so they also guard the static files and error pages.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
from http.cookies import SimpleCookie
from typing import Any, Awaitable, Callable
from urllib.parse import urlsplit

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SESSION_COOKIE = "opnote_session"
TOKEN_HEADER = "x-opnote-token"
TOKEN_ENV = "OPNOTE_TOKEN"
DEFAULT_MAX_BODY = 1_048_576
"""1 MiB: a note is limited to 200,000 characters; uploads and forms stay well under this."""

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
PUBLIC_PREFIXES = ("/static/", "/login")


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Raise ValueError when ``host`` is reachable from other machines and no token is set."""
    if not is_loopback(host) and not token:
        raise ValueError(
            f"binding to {host} exposes notes (PHI) to the network; set a token with --token or the "
            f"{TOKEN_ENV} environment variable, or bind to 127.0.0.1"
        )


def session_value(token: str) -> str:
    """The cookie value for a token: an HMAC, so the cookie never holds the token itself."""
    return hmac.new(token.encode(), b"opnote-review-session", hashlib.sha256).hexdigest()


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


async def _respond(send: Send, status: int, body: dict[str, Any] | None = None, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    payload = json.dumps(body or {}).encode()
    base = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": base + (headers or [])})
    await send({"type": "http.response.body", "body": payload})


class TokenMiddleware:
    """Require the token on every request (when one is configured) and same-origin unsafe requests."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token
        self.cookie = session_value(token) if token else None

    def authorised(self, headers: dict[str, str]) -> bool:
        if not self.token:
            return True
        given = headers.get(TOKEN_HEADER) or ""
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            given = given or auth[7:].strip()
        if given and hmac.compare_digest(given.encode(), self.token.encode()):
            return True
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # noqa: BLE001 - a malformed cookie header is just "not logged in"
            return False
        value = cookie[SESSION_COOKIE].value if SESSION_COOKIE in cookie else ""
        return bool(value) and hmac.compare_digest(value.encode(), (self.cookie or "").encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        if scope["method"] not in {"GET", "HEAD", "OPTIONS"} and not _same_origin(headers):
            await _respond(send, 403, {"detail": "cross-origin request refused; submit the form from the review pages"})
            return
        path = scope["path"]
        if self.authorised(headers) or path.startswith(PUBLIC_PREFIXES):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "GET" and "text/html" in headers.get("accept", ""):
            await send({"type": "http.response.start", "status": 303, "headers": [(b"location", b"/login"), (b"content-length", b"0")]})
            await send({"type": "http.response.body", "body": b""})
            return
        await _respond(send, 401, {"detail": "token required: send 'Authorization: Bearer <token>' or log in at /login"},
                       [(b"www-authenticate", b"Bearer")])


def _same_origin(headers: dict[str, str]) -> bool:
    """False for a request a browser marks as cross-site, or whose Origin is not this server."""
    if headers.get("sec-fetch-site", "same-origin") not in {"same-origin", "none"}:
        return False
    origin = headers.get("origin")
    if not origin:
        return True  # not from a browser page (curl, scripts): the token check still applies
    return urlsplit(origin).netloc.lower() == headers.get("host", "").lower()


class SecurityHeadersMiddleware:
    """Add the CSP and the other protective headers to every response."""

    HEADERS = [
        (b"content-security-policy", CSP.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),  # "no-referrer" makes browsers send Origin: null on form posts
        (b"cache-control", b"no-store"),
    ]

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in self.HEADERS}
                message["headers"] = [h for h in message.get("headers", []) if h[0].lower() not in names] + self.HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimitMiddleware:
    """Refuse request bodies larger than ``max_bytes`` with 413 before the app sees them."""

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_big = {"detail": f"request body over the {self.max_bytes:,}-byte limit; send a smaller note or file"}
        length = _headers(scope).get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await _respond(send, 413, too_big)
            return
        # Read the whole (bounded) body first, so a chunked upload cannot stream past the limit.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                await _respond(send, 413, too_big)
                return
            more = message.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

"""Build the review app: FastAPI with server-rendered pages, local static files and PHI guards."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape

from nlp.schema import ResultRecord
from nlp.views import html
from nlp.web.catalogue import CodeCatalogue
from nlp.web.security import DEFAULT_MAX_BODY, BodyLimitMiddleware, SecurityHeadersMiddleware, TokenMiddleware
from nlp.web.store import Store

WEB_STATIC = Path(__file__).resolve().parent / "static"


@dataclass
class ReviewContext:
    """What the routes share: storage, code catalogue, templates and one Coder (built on first use)."""

    store: Store
    catalogue: CodeCatalogue
    templates: Jinja2Templates
    coder_factory: Callable[[], Any]
    default_reviewer: str
    token: str | None
    _coder: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def code(self, note_id: str, text: str | bytes) -> ResultRecord:
        """Code one note now; one note at a time, since a spaCy pipeline is not shared across threads."""
        with self._lock:
            if self._coder is None:
                self._coder = self.coder_factory()
            return self._coder.code(text, note_id)


def _environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader([PackageLoader("nlp.web", "templates"), PackageLoader("nlp.views", "templates")]),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
    )
    env.globals.update(legend=html.legend, highlight_note=html.highlight_note, entity_flags=html.entity_flags)
    return env


def create_app(store: Store, *, coder: Any = None, coder_factory: Callable[[], Any] | None = None, token: str | None = None,
               max_body: int = DEFAULT_MAX_BODY, reviewer: str = "reviewer", catalogue: CodeCatalogue | None = None) -> FastAPI:
    """The review app over ``store``.

    Args:
        store: where notes and decisions live.
        coder: a ready :class:`nlp.service.Coder` for pasted notes; else ``coder_factory`` or a default Coder is built
            the first time a note is pasted.
        token: when set, every request must carry it (see :mod:`nlp.web.security`).
        max_body: largest request body accepted, in bytes.
        reviewer: name recorded for decisions until the reviewer sets their own on the queue page.
    """
    from nlp.web.routes import router

    def default_factory() -> Any:
        from nlp.service import Coder

        return Coder(freeze_gc=False)

    app = FastAPI(title="opnote-coder review", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.review = ReviewContext(
        store=store,
        catalogue=catalogue or CodeCatalogue.from_tables(),
        templates=Jinja2Templates(env=_environment()),
        coder_factory=(lambda: coder) if coder is not None else (coder_factory or default_factory),
        default_reviewer=reviewer,
        token=token,
    )
    app.include_router(router)
    app.mount("/static/app", StaticFiles(directory=WEB_STATIC), name="static-app")
    app.mount("/static", StaticFiles(directory=html.STATIC_DIR), name="static")
    # The last added runs first: headers go on every response (401 and 413 included), the token is
    # checked before any body is read, and the size limit applies before the routes parse forms.
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_body)
    app.add_middleware(TokenMiddleware, token=token)
    app.add_middleware(SecurityHeadersMiddleware)
    return app

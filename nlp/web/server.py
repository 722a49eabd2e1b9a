"""``opnote serve``: check the bind rules, fill the database, then run uvicorn.

uvicorn's access log is off by default: URLs carry only integer note keys and filter values,
but a log of who opened which note is itself sensitive; ``access_log=True`` turns it on.
"""

from __future__ import annotations

import logging
from pathlib import Path

from nlp.web.app import create_app
from nlp.web.catalogue import CodeCatalogue
from nlp.web.loading import LoadReport, load_inputs
from nlp.web.security import DEFAULT_MAX_BODY, check_bind
from nlp.web.store import Store

log = logging.getLogger(__name__)


def database_url(db: str) -> str:
    """A SQLAlchemy URL as given (``postgresql+psycopg://...``), or a SQLite file path made into one."""
    return db if "://" in db else f"sqlite:///{Path(db).expanduser().resolve()}"


def serve(*, notes: list[Path], results: Path | None, db: str, host: str, port: int, token: str | None, reviewer: str,
          policy: str = "cpt", max_body: int = DEFAULT_MAX_BODY, access_log: bool = False) -> LoadReport:
    """Load the inputs into ``db`` and serve the review app until interrupted."""
    import uvicorn

    check_bind(host, token)
    catalogue = CodeCatalogue.from_tables()
    store = Store(database_url(db), family_of_rule=catalogue.family_of_rule)
    coder = None

    def coder_factory():  # one Coder for loading and for pasted notes
        nonlocal coder
        if coder is None:
            from nlp.service import Coder

            coder = Coder(policy=policy, freeze_gc=False)
        return coder

    report = load_inputs(store, notes, results, coder_factory)
    log.warning("review database ready: %d notes added, %d kept, %d coded now, %d failed, %d records without text",
                report.added, report.kept, report.coded, report.failed, report.results_without_text)
    app = create_app(store, coder_factory=coder_factory, token=token, max_body=max_body, reviewer=reviewer, catalogue=catalogue)
    uvicorn.run(app, host=host, port=port, access_log=access_log, log_level="info", server_header=False)
    return report

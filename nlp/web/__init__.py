"""The review web app (``opnote serve``): coders check, accept or correct suggested codes.

Modules, one job each: :mod:`~nlp.web.app` builds the FastAPI app, :mod:`~nlp.web.routes` holds
the pages and actions, :mod:`~nlp.web.store` keeps notes and the audit trail (SQLAlchemy),
:mod:`~nlp.web.catalogue` validates edited codes against the code tables,
:mod:`~nlp.web.exporting` writes gold JSONL and CSV, :mod:`~nlp.web.security` guards PHI.
Importing this package pulls in FastAPI and SQLAlchemy, so the CLI imports it lazily.
"""

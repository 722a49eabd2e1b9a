"""Notes, their review state and the audit trail, in SQLite by default (any SQLAlchemy URL works).

Two tables: ``notes`` (text, result record, current status and final codes, plus a few derived
columns the queue filters on) and ``decisions`` (one row per action: who, when, what, the state
before and after).  Rows in ``decisions`` are only ever inserted.  Notes keep an integer ``key``
that the pages use in URLs, so note ids (which may be record numbers) never appear in paths or
logs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterator

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, Text, create_engine, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from nlp.schema import ResultRecord

STATUSES = ("to_review", "accepted", "corrected", "rejected")
"""A note's review status; every note starts ``to_review``."""

ACTIONS = ("accept", "edit", "reject", "comment")


class Base(DeclarativeBase):
    pass


class NoteRow(Base):
    __tablename__ = "notes"

    key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    note_id: Mapped[str] = mapped_column(String(255), unique=True, index=True)
    text: Mapped[str] = mapped_column(Text)
    record: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="to_review", index=True)
    final_codes: Mapped[str | None] = mapped_column(Text, nullable=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    reviewer: Mapped[str | None] = mapped_column(String(255), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Derived from the record for the queue filters.
    code_index: Mapped[str] = mapped_column(Text, default="")
    family_index: Mapped[str] = mapped_column(Text, default="")
    min_confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    query_count: Mapped[int] = mapped_column(Integer, default=0)


class DecisionRow(Base):
    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    note_key: Mapped[int] = mapped_column(ForeignKey("notes.key"), index=True)
    reviewer: Mapped[str] = mapped_column(String(255))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    action: Mapped[str] = mapped_column(String(16))
    before: Mapped[str] = mapped_column(Text)
    after: Mapped[str] = mapped_column(Text)


@dataclass(frozen=True)
class Note:
    """A note as the pages see it (a detached snapshot of its row)."""

    key: int
    note_id: str
    text: str
    record: ResultRecord
    source: str
    status: str
    final_codes: list[dict[str, Any]] | None
    comment: str | None
    reviewer: str | None
    reviewed_at: datetime | None

    @property
    def codes_for_edit(self) -> list[dict[str, Any]]:
        """The reviewer's codes if any, else the pipeline's billable suggestions."""
        return self.final_codes if self.final_codes is not None else suggested_codes(self.record)


@dataclass(frozen=True)
class Decision:
    """One audit row."""

    id: int
    note_key: int
    reviewer: str
    at: datetime
    action: str
    before: dict[str, Any]
    after: dict[str, Any]


@dataclass(frozen=True)
class Filters:
    """Queue filters; None means "any"."""

    status: str | None = None
    code: str | None = None
    family: str | None = None
    has_queries: bool | None = None
    confidence_below: float | None = None


def suggested_codes(record: ResultRecord) -> list[dict[str, Any]]:
    """The code lines a reviewer accepts with "accept all": those with status ``suggested``.

    Bundled, held and alternative lines are shown but not billed unless the reviewer adds them.
    """
    return [
        {"system": c.system, "code": c.code, "units": c.units, "lesion": c.lesion, "modifiers": list(c.modifiers)}
        for c in record.codes
        if c.status == "suggested"
    ]


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _derived(record: ResultRecord, family_of_rule: Any) -> dict[str, Any]:
    return {
        "code_index": " " + " ".join(sorted({c.code for c in record.codes})) + " ",
        "family_index": " " + " ".join(sorted({family_of_rule(c.rule) for c in record.codes})) + " ",
        "min_confidence": min((c.confidence for c in record.codes), default=None),
        "query_count": len(record.queries),
    }


class Store:
    """Review storage over one SQLAlchemy engine; safe to share between request threads."""

    def __init__(self, url: str, *, family_of_rule: Any = None) -> None:
        connect_args = {"check_same_thread": False} if url.startswith("sqlite") else {}
        self.engine: Engine = create_engine(url, connect_args=connect_args)
        Base.metadata.create_all(self.engine)
        self._session = sessionmaker(self.engine, expire_on_commit=False)
        self._family_of_rule = family_of_rule or (lambda rule: rule.split(".", 1)[0])

    # -- notes --------------------------------------------------------------------------------

    def add_note(self, note_id: str, text: str, record: ResultRecord, *, source: str) -> tuple[int, bool]:
        """Store a note unless its id is already there; returns ``(key, created)``.

        Loading the same input twice therefore keeps every decision already made.
        """
        with self._session.begin() as session:
            existing = session.scalar(select(NoteRow.key).where(NoteRow.note_id == note_id))
            if existing is not None:
                return existing, False
            row = NoteRow(
                note_id=note_id, text=text, record=record.model_dump_json(), source=source, status="to_review",
                **_derived(record, self._family_of_rule),
            )
            session.add(row)
            session.flush()
            return row.key, True

    def has_note(self, note_id: str) -> bool:
        with self._session() as session:
            return session.scalar(select(NoteRow.key).where(NoteRow.note_id == note_id)) is not None

    def get(self, key: int) -> Note | None:
        with self._session() as session:
            row = session.get(NoteRow, key)
            return self._note(row) if row else None

    def keys(self, filters: Filters | None = None) -> list[int]:
        """Note keys matching ``filters``, in the order they were added."""
        return list(self._keys_query(filters or Filters()))

    def _keys_query(self, f: Filters) -> Iterator[int]:
        query = select(NoteRow.key).order_by(NoteRow.key)
        if f.status:
            query = query.where(NoteRow.status == f.status)
        if f.code:
            query = query.where(NoteRow.code_index.contains(f" {f.code.strip().upper()} ", autoescape=True))
        if f.family:
            query = query.where(NoteRow.family_index.contains(f" {f.family.strip()} ", autoescape=True))
        if f.has_queries is True:
            query = query.where(NoteRow.query_count > 0)
        elif f.has_queries is False:
            query = query.where(NoteRow.query_count == 0)
        if f.confidence_below is not None:
            query = query.where(NoteRow.min_confidence < f.confidence_below)
        with self._session() as session:
            yield from session.scalars(query)

    def summaries(self, filters: Filters | None = None) -> list[dict[str, Any]]:
        """Queue rows (no note text): key, id, status, codes, lowest confidence, query count."""
        keys = self.keys(filters)
        if not keys:
            return []
        with self._session() as session:
            rows = session.scalars(select(NoteRow).where(NoteRow.key.in_(keys)).order_by(NoteRow.key))
            return [
                {
                    "key": row.key, "note_id": row.note_id, "status": row.status, "codes": row.code_index.split(),
                    "final": [c["code"] for c in json.loads(row.final_codes)] if row.final_codes else None,
                    "min_confidence": row.min_confidence, "queries": row.query_count, "reviewer": row.reviewer,
                    "source": row.source,
                }
                for row in rows
            ]

    def counts(self) -> dict[str, int]:
        """Notes per status (every status present, zero when none) plus ``all``."""
        with self._session() as session:
            found = dict(session.execute(select(NoteRow.status, func.count()).group_by(NoteRow.status)).all())
        out = {status: int(found.get(status, 0)) for status in STATUSES}
        out["all"] = sum(out.values())
        return out

    def neighbours(self, key: int, filters: Filters | None = None) -> tuple[int | None, int | None]:
        """The previous and next note keys around ``key``."""
        keys = self.keys(filters)
        before = [k for k in keys if k < key]
        after = [k for k in keys if k > key]
        return (before[-1] if before else None, after[0] if after else None)

    def reviewed(self) -> list[Note]:
        """Every note with a decision (status other than ``to_review``), in order."""
        with self._session() as session:
            rows = session.scalars(select(NoteRow).where(NoteRow.status != "to_review").order_by(NoteRow.key))
            return [self._note(row) for row in rows]

    # -- decisions ----------------------------------------------------------------------------

    def decide(self, key: int, action: str, reviewer: str, *, codes: list[dict[str, Any]] | None = None,
               comment: str | None = None) -> Note:
        """Apply one reviewer action and write its audit row in the same transaction.

        ``accept`` takes the pipeline's suggested codes; ``edit`` stores ``codes`` (status
        ``corrected``, or ``accepted`` when they equal the suggestions); ``reject`` clears the final
        codes; ``comment`` only changes the comment.  A non-empty ``comment`` is kept with any action.
        """
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}; use one of {', '.join(ACTIONS)}")
        with self._session.begin() as session:
            row = session.get(NoteRow, key)
            if row is None:
                raise KeyError(key)
            before = self._state(row)
            record = ResultRecord.model_validate_json(row.record)
            if action == "accept":
                row.status, row.final_codes = "accepted", json.dumps(suggested_codes(record))
            elif action == "edit":
                if codes is None:
                    raise ValueError("an edit needs the new code list")
                same = _code_key(codes) == _code_key(suggested_codes(record))
                row.status, row.final_codes = ("accepted" if same else "corrected"), json.dumps(codes)
            elif action == "reject":
                row.status, row.final_codes = "rejected", json.dumps([])
            if comment is not None and comment.strip():
                row.comment = comment.strip()
            if action != "comment":
                row.reviewer, row.reviewed_at = reviewer, _now()
            session.add(DecisionRow(note_key=key, reviewer=reviewer, at=_now(), action=action,
                                    before=json.dumps(before), after=json.dumps(self._state(row))))
            session.flush()
            return self._note(row)

    def history(self, key: int | None = None) -> list[Decision]:
        """Audit rows, oldest first, for one note or for all."""
        query = select(DecisionRow).order_by(DecisionRow.id)
        if key is not None:
            query = query.where(DecisionRow.note_key == key)
        with self._session() as session:
            return [
                Decision(r.id, r.note_key, r.reviewer, r.at, r.action, json.loads(r.before), json.loads(r.after))
                for r in session.scalars(query)
            ]

    # -- helpers ------------------------------------------------------------------------------

    @staticmethod
    def _state(row: NoteRow) -> dict[str, Any]:
        return {"status": row.status, "codes": json.loads(row.final_codes) if row.final_codes else None, "comment": row.comment}

    @staticmethod
    def _note(row: NoteRow) -> Note:
        return Note(
            key=row.key, note_id=row.note_id, text=row.text, record=ResultRecord.model_validate_json(row.record),
            source=row.source, status=row.status, final_codes=json.loads(row.final_codes) if row.final_codes else None,
            comment=row.comment, reviewer=row.reviewer, reviewed_at=row.reviewed_at,
        )


def _code_key(codes: list[dict[str, Any]]) -> list[tuple]:
    """Order-free comparison key of a code list (a missing lesion sorts as -1, never beside an int)."""
    return sorted(
        (c["system"], c["code"], int(c.get("units") or 1), -1 if c.get("lesion") is None else int(c["lesion"]), tuple(c.get("modifiers") or ()))
        for c in codes
    )

"""The database: tables, one pooled engine per process, and sessions (PostgreSQL or SQLite, same code).

Status and timing are read back from here by anyone, at any time: the database, not the broker, is the
source of truth. The schema is created on first use.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

from credit_ocr.config import get_settings
from credit_ocr.state import events

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    """Now, timezone-aware UTC with microseconds: the only clock the kit writes."""
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


class UTCDateTime(TypeDecorator):
    """Timestamps stored as UTC and always read back timezone-aware, on PostgreSQL and SQLite alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# BIGINT primary keys do not autoincrement on SQLite; INTEGER does.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    pass


class Document(Base):
    """One uploaded credit document and its current status."""

    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    filename: Mapped[str] = mapped_column(String(255))  # display only, sanitized
    content_sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    mime_type: Mapped[str] = mapped_column(String(64))
    blob_key: Mapped[str] = mapped_column(String(128))  # derived from id, never from filename
    document_type: Mapped[str] = mapped_column(String(64), default="loan_application")
    status: Mapped[str] = mapped_column(String(16), index=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    batch_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class StatusEvent(Base):
    """Append-only log: one row per transition (and per retry or reconcile), committed with it."""

    __tablename__ = "status_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16), default="transition")  # transition|retry|reconcile
    from_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    task_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    worker: Mapped[str | None] = mapped_column(String(128), nullable=True)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (Index("ix_status_events_document_at", "document_id", "at"),)


class OcrPage(Base):
    """The OCR result of one page; a redelivered task overwrites it (unique per document and page)."""

    __tablename__ = "ocr_pages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    page: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    mean_confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    source: Mapped[str] = mapped_column(String(16), default="ocr")  # ocr | text-layer
    words: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("document_id", "page", name="uq_ocr_pages_document_page"),)


class Extraction(Base):
    """The 21 fields extracted from one document; a redelivered task overwrites it."""

    __tablename__ = "extractions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), unique=True)
    extractor: Mapped[str] = mapped_column(String(128))
    fields: Mapped[dict] = mapped_column(JSON)
    valid: Mapped[dict] = mapped_column(JSON, default=dict)
    confidence: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FieldReview(Base):
    """A field the extractor asks a person to look at, with why; replaced with its extraction."""

    __tablename__ = "field_reviews"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)


class FieldCorrection(Base):
    """A reviewer's value for a field: who, when, the extractor's value and the new one (append-only)."""

    __tablename__ = "field_corrections"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(64))
    old_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    new_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    by: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --------------------------------------------------------------------------------------------
# the engine: one per process and URL

_lock = threading.Lock()
_engine: Engine | None = None
_engine_key: tuple[int, str] | None = None
_sessionmaker: sessionmaker[Session] | None = None


READ_ONLY = "credit_ocr_read_only"  # the execution option of a connection that only reads (session_scope)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A transaction that writes takes the write lock up front (workers share one file: a deferred one
        # that reads, then writes, fails at once instead of waiting). A read takes none: in WAL mode it
        # never blocks a writer, and one holding the lock kept every worker waiting behind a dashboard.
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


#: Connections one process keeps and may add: a threads worker runs 16 tasks at once, and with a pool of 5
#: every burst closed and reopened (a server process each time) the connections above 5.
POOL_SIZE = 20
POOL_OVERFLOW = 10


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _configure_sqlite(engine)
    else:
        engine = create_engine(
            url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, pool_recycle=1800, pool_timeout=30,
            pool_pre_ping=True,  # a connection the server closed (a restart) is replaced, not used
        )  # fmt: skip
    return engine


def create_schema(engine: Engine) -> None:
    """Create the tables when missing; tolerate another process doing the same at the same moment."""
    for attempt in range(3):
        try:
            Base.metadata.create_all(engine, checkfirst=True)
            return
        except (IntegrityError, ProgrammingError, OperationalError) as exc:  # concurrent CREATE
            if attempt == 2:
                raise
            log.debug("schema creation raced another process (%s); retrying", exc.__class__.__name__)


def get_engine() -> Engine:
    """The process's engine for the configured database (schema created on first use): one per process
    and URL, made again after a fork (Celery's prefork children never share the parent's sockets)."""
    global _engine, _engine_key, _sessionmaker
    key = (os.getpid(), get_settings().db_url)
    if _engine_key != key:
        with _lock:
            if _engine_key != key:
                if _engine is not None and _engine_key and _engine_key[0] != os.getpid():
                    _engine.dispose(close=False)  # inherited through fork: leave the parent's sockets alone
                elif _engine is not None:
                    _engine.dispose()
                _engine = _make_engine(key[1])
                create_schema(_engine)
                reader = _engine.execution_options(**{READ_ONLY: True})  # session_scope's: it only reads
                _sessionmaker = sessionmaker(reader, expire_on_commit=False)
                _engine_key = key
    assert _engine is not None
    return _engine


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session to read the stored state in. Writes belong in :func:`transaction`: on SQLite this session
    begins without the write lock, and a concurrent writer can make its first write fail."""
    get_engine()
    assert _sessionmaker is not None
    with _sessionmaker() as session, session.begin():
        yield session


#: Where :func:`transaction` keeps the events to publish once it has committed (``Connection.info``).
_OUTBOX = "credit_ocr.outbox"


class NotInTransaction(RuntimeError):
    """An event was written on a connection that :func:`transaction` did not open."""


@contextmanager
def transaction() -> Iterator[Connection]:
    """A Core connection in one transaction, committed on success, rolled back on error.

    The events written in it (:func:`publish_after_commit`) are published on Redis once it has
    committed, never before: a watcher never hears of a change that could still roll back.
    """
    with get_engine().begin() as conn:
        outbox: list[dict] = []
        conn.info[_OUTBOX] = outbox
        try:
            yield conn
        finally:
            del conn.info[_OUTBOX]  # the info dict outlives this checkout (it is the pooled connection's)
    events.publish_many(outbox)


def publish_after_commit(conn: Connection, message: dict) -> None:
    """Queue an event message to publish when ``conn``'s :func:`transaction` commits."""
    outbox = conn.info.get(_OUTBOX)
    if outbox is None:
        raise NotInTransaction(
            "Events are written in a credit_ocr.state.db.transaction() block (it publishes them after "
            "the commit): open the connection with it."
        )
    outbox.append(message)

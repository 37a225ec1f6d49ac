"""The database layer: one engine per process (a new one after fork), schema on first use, UTC microseconds."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from credit_ocr.config import Settings, override_settings, reset_settings
from credit_ocr.pipeline.stages import _store_pages
from credit_ocr.reading.ocr import OcrPageResult, OcrResult
from credit_ocr.state import db
from credit_ocr.state.db import Document, OcrPage, get_engine, session_scope, transaction

BOTH_DBS = pytest.mark.parametrize(
    "any_db", [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
TABLES = {"documents", "status_events", "ocr_pages", "extractions"}


def _document(**overrides: object) -> Document:
    values = dict(
        id=db.new_id(), filename="a.pdf", content_sha256="0" * 64, size_bytes=1, mime_type="application/pdf",
        blob_key="documents/x.pdf", status="pending",
    )  # fmt: skip
    values.update(overrides)
    return Document(**values)


def test_schema_is_created_on_first_use(kit: Settings) -> None:
    database = kit.home_dir / "credit_ocr.db"
    assert not database.exists()
    engine = get_engine()
    assert database.exists()
    assert set(sa.inspect(engine).get_table_names()) >= TABLES


@BOTH_DBS
def test_one_engine_per_process(any_db: Settings) -> None:
    first = get_engine()
    assert get_engine() is first
    with session_scope() as session:
        assert session.get_bind().pool is first.pool  # the engine with a read-only option: its connections
    reset_settings()  # the same settings read again: the same engine
    assert get_engine() is first
    with override_settings(home=any_db.home_dir / "other", database_url=None):
        assert get_engine() is not first  # another database: an engine of its own


@BOTH_DBS
def test_a_forked_child_gets_its_own_engine(any_db: Settings) -> None:
    parent = get_engine()
    with parent.connect() as conn:  # a pooled connection the child must not reuse
        conn.execute(sa.text("SELECT 1"))
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through its exit code
        code = 1
        try:
            child = get_engine()
            with child.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            code = 0 if (child is not parent and get_engine() is child) else 2
        finally:
            os._exit(code)
    os.close(write)
    os.close(read)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert get_engine() is parent
    with parent.connect() as conn:  # the parent's sockets survived the child
        assert conn.execute(sa.text("SELECT 1")).scalar() == 1


@BOTH_DBS
def test_timestamps_keep_microseconds_and_come_back_utc(any_db: Settings) -> None:
    written = datetime(2024, 5, 17, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
    naive = datetime(2024, 5, 17, 9, 30, 15, 654321)  # naive values are taken as UTC
    a, b = _document(created_at=written), _document(created_at=naive)
    with session_scope() as session:
        session.add_all([a, b])
    with session_scope() as session:
        read_a = session.get(Document, a.id).created_at
        read_b = session.get(Document, b.id).created_at
    assert read_a == written and read_a.microsecond == 123456 and read_a.utcoffset() == timedelta(0)
    assert read_b == naive.replace(tzinfo=UTC) and read_b.tzinfo is not None


@BOTH_DBS
def test_session_scope_rolls_back_on_error(any_db: Settings) -> None:
    doc = _document()
    with pytest.raises(RuntimeError), session_scope() as session:
        session.add(doc)
        session.flush()
        raise RuntimeError("boom")
    with session_scope() as session:
        assert session.get(Document, doc.id) is None


@BOTH_DBS
def test_a_reader_never_holds_up_a_writer(any_db: Settings) -> None:
    """A dashboard's query in progress must not hold up a worker's transition: on SQLite a reading
    session takes no write lock (before, the writer waited until the reader's session ended)."""
    doc = _document()
    with transaction() as conn:
        values = {c.key: getattr(doc, c.key) for c in Document.__table__.columns}
        conn.execute(sa.insert(Document).values({k: v for k, v in values.items() if v is not None}))
    written = threading.Event()

    def write() -> None:
        with transaction() as conn:
            conn.execute(sa.update(Document).where(Document.id == doc.id).values(status="ocr_running"))
        written.set()

    with session_scope() as session:
        assert session.get(Document, doc.id).status == "pending"
        writer = threading.Thread(target=write)
        writer.start()
        assert written.wait(10), "the write waited for the reading session to end"
    writer.join()
    with session_scope() as session:
        assert session.get(Document, doc.id).status == "ocr_running"


@BOTH_DBS
def test_stored_pages_are_replaced_instead_of_duplicated(any_db: Settings) -> None:
    doc = _document()
    with session_scope() as session:
        session.add(doc)
    for text in ("first", "second"):  # a redelivered OCR task writes its page again
        with transaction() as conn:
            _store_pages(
                conn, doc.id, OcrResult([OcrPageResult(1, text, [text], [], None, "ocr", 1, 1)], "ocr", 0.1)
            )
    with session_scope() as session:
        pages = session.scalars(sa.select(OcrPage).where(OcrPage.document_id == doc.id)).all()
        assert [(p.page, p.text) for p in pages] == [(1, "second")]


@BOTH_DBS
def test_pipeline_upserts_store_all_pages_and_overwrite(any_db: Settings) -> None:
    """The stages' stored upserts: every page in one statement, and a redelivery overwrites the pages
    and the fields instead of duplicating them."""
    from credit_ocr.pipeline import stages as pipeline
    from credit_ocr.reading import ocr
    from credit_ocr.reading.extraction import ExtractionResult
    from credit_ocr.state.db import Extraction, transaction

    doc = _document()
    with session_scope() as session:
        session.add(doc)

    def page(n: int, text: str) -> ocr.OcrPageResult:
        words = [{"text": text, "conf": 90.0}]
        return ocr.OcrPageResult(n, text, [text], words, 90.0, "ocr", 10, 10)

    for run in ("first", "second"):
        result = ocr.OcrResult(pages=[page(1, f"{run} one"), page(2, f"{run} two")], path="ocr", seconds=0.1)
        fields = ExtractionResult(extractor=run, fields={"name": run}, valid={"name": True}, confidence={})
        with transaction() as conn:
            pipeline._store_pages(conn, doc.id, result)
            pipeline._store_extraction(conn, doc.id, fields)
    with session_scope() as session:
        pages = session.scalars(
            sa.select(OcrPage).where(OcrPage.document_id == doc.id).order_by(OcrPage.page)
        )
        assert [(p.page, p.text, p.words[0]["text"]) for p in pages] == [
            (1, "second one", "second one"), (2, "second two", "second two"),
        ]  # fmt: skip
        rows = session.scalars(sa.select(Extraction).where(Extraction.document_id == doc.id)).all()
        assert [(r.extractor, r.fields, r.valid) for r in rows] == [
            ("second", {"name": "second"}, {"name": True})
        ]
    assert pipeline.document_pages(doc.id)[0] == "second one\n\nsecond two"


def test_utcnow_is_aware_with_microseconds() -> None:
    now = db.utcnow()
    assert now.tzinfo is UTC
    assert abs((datetime.now(UTC) - now).total_seconds()) < 5


@pytest.mark.postgres
def test_a_pooled_connection_killed_by_the_server_is_replaced(pg_kit: Settings) -> None:
    """``pool_pre_ping``: a pooled connection the server closed (a restart) is pinged, found dead and
    replaced on checkout, instead of failing the next statement."""
    engine = get_engine()
    with engine.connect() as conn:
        pid = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar()
    admin = sa.create_engine(pg_kit.db_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()
    with engine.connect() as conn:  # the pooled connection is dead: the ping finds out, a new one answers
        assert conn.execute(sa.text("SELECT pg_backend_pid()")).scalar() != pid


@pytest.mark.postgres
@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "postgresql+psycopg2", "postgresql+psycopg"])
def test_every_usual_postgresql_url_works(kit: Settings, postgres_database: str, scheme: str) -> None:
    """The forms Heroku, Docker and SQLAlchemy's own examples use: psycopg2 (the default driver of
    ``postgresql://``) and psycopg 3 are both installed."""
    url = sa.engine.make_url(postgres_database).set(drivername=scheme).render_as_string(hide_password=False)
    with override_settings(database_url=url) as settings:
        assert settings.db_url.startswith("postgresql")
        engine = get_engine()
        assert engine.dialect.name == "postgresql"
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT 1")).scalar() == 1
        driver = engine.dialect.driver
    assert driver == ("psycopg" if scheme == "postgresql+psycopg" else "psycopg2")

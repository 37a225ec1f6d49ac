"""The pipeline's stages as plain functions of a document id: used by the Celery tasks AND the sync path.

Nothing here knows about Celery. Each stage is safe to run twice (a redelivered message): transitions
are conditional, OCR pages and extractions are upserts, and a stage that finds its document further
along does nothing.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import JSON, Table, bindparam, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import TextClause

from credit_ocr.reading import ocr
from credit_ocr.reading.extraction import ExtractionResult, extract
from credit_ocr.state import documents
from credit_ocr.state.db import Extraction, OcrPage, is_postgres, session_scope, utcnow
from credit_ocr.state.status import (
    IllegalTransition,
    PgAlso,
    StageStart,
    Status,
    current_status,
    record_event,
    start_stage,
    transition,
)
from credit_ocr.state.storage import get_blob_store

log = logging.getLogger(__name__)

#: A page with fewer readable characters than this is taken as blank.
MIN_TEXT_CHARS = 20


class PipelineError(RuntimeError):
    """A stage failed for a reason that retrying will not change."""

    permanent = True


class NoTextFound(PipelineError):
    def __init__(self, pages: int) -> None:
        super().__init__(
            f"No text found on {pages} page(s): the document is blank or the scan is unreadable. "
            "Scan it again at 200-300 dpi, or upload the original PDF."
        )


#: When True (bench only), OCR and extraction are replaced by no-ops: what the bookkeeping costs.
#: Worker processes take it from ``CREDIT_OCR_BENCH_NOOP=1`` in their environment.
NOOP_WORK = False


def noop_work() -> bool:
    """True when the stages should do no work (``NOOP_WORK`` here, or the bench's environment switch)."""
    return NOOP_WORK or os.environ.get("CREDIT_OCR_BENCH_NOOP") == "1"


@dataclass
class StageResult:
    """What a stage did: ``skipped`` when the document was already past it (a redelivery)."""

    document_id: str
    stage: str
    skipped: bool = False
    seconds: float = 0.0
    detail: str = ""
    extras: dict = field(default_factory=dict)


#: The upserts by table, built once: ``text()`` is cached by SQLAlchemy, whereas a dialect's
#: ``insert().on_conflict_do_update()`` is not (it would be compiled again at every execution).
_UPSERTS: dict[str, TextClause] = {}
_UPSERT_KEYS = {"ocr_pages": ["document_id", "page"], "extractions": ["document_id"]}


def _upsert_sql(table: Table, values: str) -> str:
    """``INSERT INTO table (every column but the id) <values> ON CONFLICT (its key) DO UPDATE`` every
    other column: a redelivery overwrites. ``values`` is ``VALUES (...)`` or a ``SELECT``."""
    keys = _UPSERT_KEYS[table.name]
    names = [c.name for c in table.columns if c.name != "id"]
    return (
        f"INSERT INTO {table.name} ({', '.join(names)}) {values} "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
        + ", ".join(f"{n} = excluded.{n}" for n in names if n not in keys)
    )


def _upsert(table: Table) -> TextClause:
    """The upsert of ``table``, the same SQL on PostgreSQL and SQLite; the parameters carry the columns'
    types, so that JSON and timestamps are converted as for the table itself."""
    stmt = _UPSERTS.get(table.name)
    if stmt is None:
        columns = [c for c in table.columns if c.name != "id"]
        sql = _upsert_sql(table, f"VALUES ({', '.join(':' + c.name for c in columns)})")
        stmt = _UPSERTS[table.name] = text(sql).bindparams(
            *(bindparam(c.name, type_=c.type) for c in columns)
        )
    return stmt


def _store_pages(conn: Connection, document_id: str, result: ocr.OcrResult) -> None:
    """All pages in one statement (executemany)."""
    if not result.pages:
        return
    now = utcnow()
    rows = [
        {
            "document_id": document_id,
            "page": page.page,
            "text": page.text,
            "mean_confidence": page.mean_confidence,
            "source": page.source,
            "words": page.words,
            "created_at": now,
        }
        for page in result.pages
    ]
    conn.execute(_upsert(OcrPage.__table__), rows)


def _extraction_row(document_id: str, result: ExtractionResult) -> dict:
    return {
        "document_id": document_id,
        "extractor": result.extractor,
        "fields": result.fields,
        "valid": result.valid,
        "confidence": result.confidence,
        "created_at": utcnow(),
    }


def _store_extraction(conn: Connection, document_id: str, result: ExtractionResult) -> None:
    conn.execute(_upsert(Extraction.__table__), _extraction_row(document_id, result))


def _pg_extraction_cte() -> str:
    """The extraction's upsert as a part of the ``done`` transition's CTE (see
    :class:`~credit_ocr.state.status.PgAlso`): the same SQL as :func:`_upsert`, its values selected from
    ``moved`` (written exactly when the document moved), JSON columns sent as text and cast."""
    table = Extraction.__table__
    values = ", ".join(
        f"%(x_{c.name})s" + ("::json" if isinstance(c.type, JSON) else "")
        for c in table.columns
        if c.name != "id"
    )
    return f"ext AS ({_upsert_sql(table, f'SELECT {values} FROM moved')})"


_PG_EXTRACTION_CTE = _pg_extraction_cte()


def _pg_extraction(document_id: str, result: ExtractionResult) -> PgAlso:
    """:func:`_store_extraction` as a CTE part, so that ``done`` and its fields are one autocommitted
    statement on PostgreSQL."""
    json_columns = {c.name for c in Extraction.__table__.columns if isinstance(c.type, JSON)}
    row = _extraction_row(document_id, result)
    params = {f"x_{k}": json.dumps(v) if k in json_columns else v for k, v in row.items()}
    return PgAlso(_PG_EXTRACTION_CTE, params)


def run_ocr(document_id: str, *, task_id: str | None = None, start: StageStart | None = None) -> StageResult:
    """``pending → ocr_running``, read the blob once, OCR it, store the pages (upsert).

    ``start`` is what the task's :func:`~credit_ocr.state.status.start_stage` already did (one transaction
    for the attempt, the transition and the row); without it the stage starts itself the same way.
    """
    start = start or start_stage(document_id, Status.OCR_RUNNING, task_id=task_id, count_attempt=False)
    if start.current is not Status.OCR_RUNNING:
        return StageResult(document_id, "ocr", skipped=True, detail=f"already {start.current.value}")
    started = time.perf_counter()
    data = get_blob_store().get(start.blob_key)
    if noop_work():
        result = ocr.OcrResult(pages=[], path="ocr", seconds=0.0)
    else:
        result = ocr.ocr_bytes(data, start.mime_type)
        if sum(len(p.text.strip()) for p in result.pages) < MIN_TEXT_CHARS:
            raise NoTextFound(len(result.pages))
    seconds = time.perf_counter() - started
    detail = f"ocr finished: {len(result.pages)} page(s) via {result.path} in {seconds:.2f}s"
    # the pages are stored with their event, in one transaction; with none to store (the bench's
    # no-op stage) the event alone is one statement on PostgreSQL
    store = (lambda conn: _store_pages(conn, document_id, result)) if result.pages else None
    record_event(document_id, "ocr_done", detail, task_id=task_id, also=store)
    return StageResult(document_id, "ocr", seconds=seconds, detail=detail, extras={"path": result.path})


def document_text(document_id: str) -> str:
    """The OCR text of all pages of a document, in page order."""
    with session_scope() as session:
        texts = session.scalars(
            select(OcrPage.text).where(OcrPage.document_id == document_id).order_by(OcrPage.page)
        )
        return "\n\n".join(texts)


def run_extraction(
    document_id: str,
    *,
    task_id: str | None = None,
    extractor: str | None = None,
    start: StageStart | None = None,
) -> StageResult:
    """``ocr_running → llm_running``, extract the 21 fields, then store them WITH ``done`` (one transaction;
    on PostgreSQL one statement)."""
    start = start or start_stage(document_id, Status.LLM_RUNNING, task_id=task_id, count_attempt=False)
    if start.current is not Status.LLM_RUNNING:
        return StageResult(document_id, "extract", skipped=True, detail=f"already {start.current.value}")
    started = time.perf_counter()
    if noop_work():
        result = ExtractionResult(extractor="noop", fields={}, valid={}, confidence={})
    else:
        result = extract(document_text(document_id), extractor)
    seconds = time.perf_counter() - started
    valid = sum(1 for v in result.valid.values() if v)
    detail = f"{result.extractor}: {valid}/{len(result.fields)} fields valid in {seconds:.2f}s"
    transition(
        document_id,
        Status.DONE,
        task_id=task_id,
        detail=detail,
        also=lambda s: _store_extraction(s, document_id, result),
        also_pg=_pg_extraction(document_id, result) if is_postgres() else None,
    )
    return StageResult(document_id, "extract", seconds=seconds, detail=detail)


def fail(document_id: str, error: str, *, task_id: str | None = None, detail: str | None = None) -> bool:
    """Move a document to ``failed`` with a message a student can act on; False if already terminal."""
    current = current_status(document_id)
    if current in (Status.DONE, Status.FAILED):
        return False
    try:
        transition(document_id, Status.FAILED, task_id=task_id, error=error, detail=detail or error)
    except IllegalTransition:  # it became terminal meanwhile (a duplicate delivery finished it)
        return False
    return True


def process_sync(
    source: str | Path | bytes, filename: str | None = None, *, extractor: str | None = None
) -> str:
    """Upload, OCR and extract one document in this process: the synchronous baseline (no broker)."""
    info = documents.upload(source, filename)
    try:
        run_ocr(info.id)
        run_extraction(info.id, extractor=extractor)
    except Exception as exc:
        fail(info.id, str(exc))
        raise
    return info.id

"""The pipeline's stages as plain functions of a document id: used by the Celery tasks AND the sync path.

Nothing here knows about Celery. Each stage is safe to run twice (a redelivered message): moves are
conditional, OCR pages and extractions are replaced (never duplicated), and a stage that finds its
document further along does nothing. Each stage writes its result with its event in ONE transaction.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from credit_ocr.reading import ocr
from credit_ocr.reading.extraction import ExtractionResult, extract
from credit_ocr.reading.lines import LineWords, layout_text, line_words, readable_chars
from credit_ocr.state import documents, reviews
from credit_ocr.state.db import Extraction, OcrPage, session_scope, transaction, utcnow
from credit_ocr.state.status import IllegalTransition, Status, TransitionResult, move, note
from credit_ocr.state.storage import get_blob_store

log = logging.getLogger(__name__)

#: A page with fewer readable characters than this is taken as blank.
MIN_TEXT_CHARS = 20
#: The stage that runs in each running state (its name in events and log lines).
STAGE_OF = {Status.OCR_RUNNING: "ocr", Status.LLM_RUNNING: "extract"}


class PipelineError(RuntimeError):
    """A stage failed for a reason that retrying will not change."""


class NoTextFound(PipelineError):
    def __init__(self, pages: int) -> None:
        super().__init__(
            f"No text found on {pages} page(s): the document is blank or the scan is unreadable. "
            "Scan it again at 200-300 dpi, or upload the original PDF."
        )


class TooManyDeliveries(PipelineError):
    """The stage was delivered more than ``CREDIT_OCR_MAX_ATTEMPTS`` times: a poison message."""

    def __init__(self, deliveries: int, max_attempts: int | None) -> None:
        super().__init__(
            f"Gave up after {deliveries} deliveries of this document (CREDIT_OCR_MAX_ATTEMPTS="
            f"{max_attempts}): its worker died or timed out each time. Check the worker log."
        )


@dataclass
class StageResult:
    """What a stage did: ``skipped`` when the document was already past it (a redelivery)."""

    document_id: str
    stage: str
    skipped: bool = False
    seconds: float = 0.0
    detail: str = ""


def start_stage(
    document_id: str,
    running: Status,
    *,
    task_id: str | None = None,
    count_attempt: bool = False,
    max_attempts: int | None = None,
) -> TransitionResult:
    """Count this delivery and move the document into ``running``, in one transaction.

    A redelivery (already ``running``) is recorded as a ``redelivery`` event; a document elsewhere
    (further along, or failed) is left as it is and the caller skips. Past ``max_attempts`` the count
    is committed, then :class:`TooManyDeliveries` is raised (the caller fails the document).
    """
    with transaction() as conn:
        try:
            start = move(
                conn, document_id, running, task_id=task_id, count_attempt=count_attempt,
                max_attempts=max_attempts,
            )  # fmt: skip
        except IllegalTransition as exc:
            return TransitionResult(document_id, exc.current, exc.current, changed=False)
        if count_attempt and not start.changed and not start.over_limit:
            detail = f"{STAGE_OF[running]} delivered again (attempt {start.attempts})"
            note(conn, document_id, "redelivery", detail, task_id=task_id)
            log.warning("event=redelivery attempts=%d", start.attempts)
    if start.over_limit:
        raise TooManyDeliveries(start.attempts - 1, max_attempts)
    return start


def _store_pages(conn: Connection, document_id: str, result: ocr.OcrResult) -> None:
    """Replace the document's pages (a redelivery overwrites, never duplicates): all in one INSERT."""
    conn.execute(delete(OcrPage).where(OcrPage.document_id == document_id))
    if not result.pages:
        return
    now = utcnow()
    rows = [
        {"document_id": document_id, "page": page.page, "text": page.text, "mean_confidence": page.mean_confidence,
         "source": page.source, "words": page.words, "created_at": now}
        for page in result.pages
    ]  # fmt: skip
    conn.execute(insert(OcrPage), rows)


def _store_extraction(conn: Connection, document_id: str, result: ExtractionResult) -> None:
    """Replace the document's extraction (a redelivery overwrites, never duplicates)."""
    conn.execute(delete(Extraction).where(Extraction.document_id == document_id))
    conn.execute(
        insert(Extraction).values(
            document_id=document_id,
            extractor=result.extractor,
            fields=result.fields,
            valid=result.valid,
            confidence=result.confidence,
            created_at=utcnow(),
        )  # fmt: skip
    )
    reviews.replace_review(conn, document_id, result.review)


def run_ocr(
    document_id: str,
    *,
    task_id: str | None = None,
    count_attempt: bool = False,
    max_attempts: int | None = None,
) -> StageResult:
    """``pending → ocr_running``, read the blob, OCR it, store the pages WITH ``ocr_done`` (one transaction)."""
    start = start_stage(
        document_id,
        Status.OCR_RUNNING,
        task_id=task_id,
        count_attempt=count_attempt,
        max_attempts=max_attempts,
    )
    if start.current is not Status.OCR_RUNNING:
        return StageResult(document_id, "ocr", skipped=True, detail=f"already {start.current.value}")
    started = time.perf_counter()
    result = ocr.ocr_bytes(get_blob_store().get(start.blob_key), start.mime_type)
    if sum(readable_chars(p) for p in result.pages) < MIN_TEXT_CHARS:
        raise NoTextFound(len(result.pages))
    seconds = time.perf_counter() - started
    detail = f"ocr finished: {len(result.pages)} page(s) via {result.path} in {seconds:.2f}s"
    with transaction() as conn:
        _store_pages(conn, document_id, result)
        note(conn, document_id, "ocr_done", detail, task_id=task_id)
    return StageResult(document_id, "ocr", seconds=seconds, detail=detail)


def document_pages(document_id: str) -> tuple[str, LineWords | None, str | None]:
    """The OCR text of all pages, in page order, each line's words with tesseract's confidences, and
    the text with its columns kept (what the LLM extractor reads)."""
    with session_scope() as session:
        rows = session.execute(
            select(OcrPage.text, OcrPage.words)
            .where(OcrPage.document_id == document_id)
            .order_by(OcrPage.page)
        ).all()
    pages = [(text, words or []) for text, words in rows]
    return "\n\n".join(text for text, _ in pages), line_words(pages), layout_text(pages)


def run_extraction(
    document_id: str,
    *,
    task_id: str | None = None,
    extractor: str | None = None,
    count_attempt: bool = False,
    max_attempts: int | None = None,
) -> StageResult:
    """``ocr_running → llm_running``, extract the 21 fields, store them WITH ``done`` (one transaction)."""
    start = start_stage(
        document_id,
        Status.LLM_RUNNING,
        task_id=task_id,
        count_attempt=count_attempt,
        max_attempts=max_attempts,
    )
    if start.current is not Status.LLM_RUNNING:
        return StageResult(document_id, "extract", skipped=True, detail=f"already {start.current.value}")
    started = time.perf_counter()
    text, words, layout = document_pages(document_id)
    result = extract(text, extractor, words, layout)
    seconds = time.perf_counter() - started
    valid = sum(1 for v in result.valid.values() if v)
    detail = f"{result.extractor}: {valid}/{len(result.fields)} fields valid in {seconds:.2f}s"
    with transaction() as conn:
        if move(conn, document_id, Status.DONE, task_id=task_id, detail=detail).changed:
            _store_extraction(conn, document_id, result)  # a duplicate's done writes nothing
    return StageResult(document_id, "extract", seconds=seconds, detail=detail)


def fail(
    document_id: str,
    error: str,
    *,
    task_id: str | None = None,
    detail: str | None = None,
    expected: Status | None = None,
) -> bool:
    """Move a document to ``failed`` with a message a student can act on; False if already terminal.

    ``expected`` is the state it is most likely in (the failing stage's running state): one UPDATE.
    """
    try:
        with transaction() as conn:
            moved = move(
                conn, document_id, Status.FAILED, expected=expected, task_id=task_id, error=error,
                detail=detail or error,
            )  # fmt: skip
    except IllegalTransition:  # done meanwhile (a duplicate delivery finished it)
        return False
    return moved.changed


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

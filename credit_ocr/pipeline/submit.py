"""Submitting documents: the orchestration face of the pipeline.

``submit()`` returns document ids at once: it uploads (commit first), then enqueues; a document whose
enqueue is lost stays ``pending`` in the database, where the reconciler finds it. Waiting for them is
:func:`credit_ocr.watching.wait.wait_for`, fed by the live feed.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path

from credit_ocr.pipeline.celery_app import get_app
from credit_ocr.pipeline.tasks import enqueue
from credit_ocr.state import documents
from credit_ocr.state.status import Status, record_event, resubmit

log = logging.getLogger(__name__)


def new_batch_id() -> str:
    return f"batch-{uuid.uuid4().hex[:10]}"


#: The event of a document stored but not sent (the broker was away): the reconciler sends it at once.
NOT_ENQUEUED = "not_enqueued"


def _enqueue_or_warn(document_id: str, priority: int, start: Status = Status.PENDING) -> bool:
    try:
        enqueue(document_id, priority=priority, start=start)
        return True
    except Exception as exc:  # noqa: BLE001 - the document is safe in the database
        reason = f"stored but not enqueued ({exc.__class__.__name__}: the broker is away)"
        log.warning(
            "document %s %s; `credit-ocr reconcile` enqueues it once the broker answers", document_id, reason
        )
        try:
            record_event(document_id, NOT_ENQUEUED, reason)
        except Exception:  # noqa: BLE001 - then it is found after CREDIT_OCR_RECONCILE_AFTER, as any stuck one
            log.warning("document %s: the not-enqueued mark was not recorded either", document_id)
        return False


#: Files uploaded per transaction by :func:`submit` (and held in memory at once).
SUBMIT_CHUNK = 100


def _enqueue_all(document_ids: Sequence[str], priority: int) -> None:
    """Enqueue each document's chain through ONE producer (one broker connection for the lot); a
    document whose enqueue fails stays ``pending`` for the reconciler, as with a single one."""
    if len(document_ids) == 1:
        _enqueue_or_warn(document_ids[0], priority)
        return
    pending = list(document_ids)
    try:
        with get_app().producer_or_acquire() as producer:
            while pending:
                enqueue(pending[0], priority=priority, producer=producer)
                pending.pop(0)
    except Exception:  # noqa: BLE001 - the broker went away: the rest one by one (logged each)
        for document_id in pending:
            _enqueue_or_warn(document_id, priority)


def submit(
    sources: Iterable[str | Path | bytes] | str | Path | bytes,
    *,
    priority: int = 0,
    batch_id: str | None = None,
    filenames: Sequence[str] | None = None,
) -> list[str]:
    """Upload each file as a ``pending`` document and enqueue its chain; returns the ids at once.

    ``priority`` 0-9, 9 most urgent. Files go in chunks of :data:`SUBMIT_CHUNK`: each chunk is checked,
    committed in one transaction, then enqueued through one broker connection. A file the checks refuse
    (empty, too large, not a document) gets an id too, already ``failed`` with the reason, and is not sent.
    """
    if isinstance(sources, str | Path | bytes):
        sources = [sources]
    sources = list(sources)
    ids: list[str] = []
    for start in range(0, len(sources), SUBMIT_CHUNK):
        chunk = sources[start : start + SUBMIT_CHUNK]
        names = list(filenames[start : start + len(chunk)]) if filenames else None
        infos = documents.upload_many(chunk, names, priority=priority, batch_id=batch_id)
        _enqueue_all([info.id for info in infos if info.status == Status.PENDING], priority)
        ids += [info.id for info in infos]
    return ids


def retry(document_id: str) -> str:
    """Put a failed document back to ``pending`` and enqueue it again (the dead-letter way back)."""
    info = documents.get_document(document_id)
    if not info.blob_key:
        raise documents.UploadError(
            f"{info.filename} was {info.error}; nothing of it was stored, so submit a fixed file."
        )
    resubmit(document_id, detail="resubmitted by user")
    _enqueue_or_warn(document_id, info.priority)
    return document_id

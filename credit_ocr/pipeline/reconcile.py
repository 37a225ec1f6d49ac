"""The reconciler: the database, not the broker, is the source of truth.

A document left in a non-terminal state past a deadline (a lost message, a broker restart that emptied
the queues, a publish lost after the commit) is re-enqueued from the stage it is in. Re-enqueueing is
safe because every stage is idempotent: at worst a document is read twice, never booked twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import exists, or_, select

from credit_ocr.config import get_settings
from credit_ocr.pipeline.celery_app import TASK_RECONCILE, app
from credit_ocr.pipeline.submit import NOT_ENQUEUED
from credit_ocr.pipeline.tasks import enqueue
from credit_ocr.state.db import Document, StatusEvent, session_scope, utcnow
from credit_ocr.state.status import ACTIVE, Status, record_event

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pickup:
    document_id: str
    status: str
    idle_seconds: float
    enqueued: bool


def stuck_documents(older_than: float | None = None) -> list[tuple[str, str, float, int]]:
    """(id, status, idle seconds, priority) of non-terminal documents untouched for ``older_than`` seconds, and of
    those whose last word is that they were stored but not sent (``submit`` met no broker): at once."""
    older_than = get_settings().reconcile_after if older_than is None else older_than
    now = utcnow()
    cutoff = now - timedelta(seconds=older_than)
    never_sent = exists().where(
        StatusEvent.document_id == Document.id,
        StatusEvent.kind == NOT_ENQUEUED,
        StatusEvent.at >= Document.updated_at,  # nothing happened to it since
    )
    with session_scope() as session:
        rows = session.execute(
            select(Document.id, Document.status, Document.updated_at, Document.priority)
            .where(
                Document.status.in_([s.value for s in ACTIVE]), or_(Document.updated_at <= cutoff, never_sent)
            )
            .order_by(Document.updated_at)
        ).all()
    return [(r.id, r.status, (now - r.updated_at).total_seconds(), r.priority) for r in rows]


def reconcile(older_than: float | None = None) -> list[Pickup]:
    """Re-enqueue every stuck document from its current stage; each pickup is recorded as an event."""
    pickups = []
    for doc_id, status, idle, priority in stuck_documents(older_than):
        record_event(doc_id, "reconcile", f"re-enqueued after {idle:.0f}s idle in {status}")
        try:
            enqueue(doc_id, priority=priority, start=Status(status))
            enqueued = True
        except Exception as exc:  # noqa: BLE001 - broker still away: the next run tries again
            log.warning("reconcile could not enqueue %s: %s", doc_id, exc.__class__.__name__)
            enqueued = False
        pickups.append(Pickup(doc_id, status, idle, enqueued))
    return pickups


@app.task(name=TASK_RECONCILE)
def reconcile_task() -> int:
    """Periodic reconciler (celery beat): re-enqueue documents stuck past the deadline."""
    return len(reconcile())

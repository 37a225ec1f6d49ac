"""A batch's event log written to a timeline of the test's choosing, for the checks that read event logs.

The exercises' checks read when documents waited, ran and finished. Their passing path runs through real
workers in the solution notebooks (strict nbval); the tests of their hints need batches of a known shape
(two documents in OCR at once, one urgent document overtaking three), which a loaded machine cannot be
trusted to produce. So the documents are uploaded and moved by the kit's own ``transition()`` and
``note()``, then each event is put at its planned second.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from credit_ocr.pipeline.submit import new_batch_id
from credit_ocr.state import documents
from credit_ocr.state.db import Document, StatusEvent, session_scope, transaction
from credit_ocr.state.status import Status, note, transition

PDF = b"%PDF-1.4 made for an event log\n"


@dataclass(frozen=True)
class Plan:
    """One document's seconds from the batch's start: uploaded, OCR from ``start`` to ``end``, done."""

    start: float
    end: float
    pending: float = 0.0
    priority: int = 0
    extract_wait: float = 0.01
    extraction: float = 0.01


def made_batch(plans: list[Plan], worker: str = "ocr@eventlog") -> tuple[str, list[str]]:
    """The batch id and its documents' ids, each walked to ``done`` with its events at the planned times."""
    batch = new_batch_id()
    t0 = datetime.now(UTC) - timedelta(hours=1)
    at = lambda seconds: t0 + timedelta(seconds=seconds)  # noqa: E731
    ids = []
    for i, plan in enumerate(plans):
        doc = documents.upload(
            PDF + str(i).encode(), f"planned_{i}.pdf", batch_id=batch, priority=plan.priority
        )
        transition(doc.id, Status.OCR_RUNNING, worker=worker)
        with transaction() as conn:
            note(conn, doc.id, "ocr_done", "planned", worker=worker)
        transition(doc.id, Status.LLM_RUNNING, worker="llm@eventlog")
        transition(doc.id, Status.DONE, worker="llm@eventlog")
        llm = plan.end + plan.extract_wait
        times = {
            ("transition", "pending"): plan.pending,
            ("transition", "ocr_running"): plan.start,
            ("ocr_done", "ocr_running"): plan.end,
            ("transition", "llm_running"): llm,
            ("transition", "done"): llm + plan.extraction,
        }
        with session_scope() as session:
            for (kind, to), seconds in times.items():
                session.execute(
                    update(StatusEvent)
                    .where(
                        StatusEvent.document_id == doc.id,
                        StatusEvent.kind == kind,
                        StatusEvent.to_status == to,
                    )
                    .values(at=at(seconds))
                )
            session.execute(
                update(Document)
                .where(Document.id == doc.id)
                .values(created_at=at(plan.pending), updated_at=at(llm + plan.extraction))
            )
        ids.append(doc.id)
    return batch, ids

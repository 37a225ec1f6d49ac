"""The reconciler re-enqueues what is stuck, from the stage it is in, and only that."""

from __future__ import annotations

import pytest

from credit_ocr.pipeline import workers
from credit_ocr.pipeline.reconcile import reconcile, stuck_documents
from credit_ocr.state import documents
from credit_ocr.state.status import Status, transition

pytestmark = [pytest.mark.services]


def test_only_non_terminal_documents_past_the_deadline_are_picked_up(kit) -> None:
    pending = documents.upload(b"%PDF-1.4 a", "a.pdf").id
    running = documents.upload(b"%PDF-1.4 b", "b.pdf").id
    transition(running, Status.OCR_RUNNING)
    transition(running, Status.LLM_RUNNING)
    finished = documents.upload(b"%PDF-1.4 c", "c.pdf").id
    transition(finished, Status.FAILED, error="x")
    assert stuck_documents(older_than=3600) == []
    stuck = {doc_id: status for doc_id, status, *_ in stuck_documents(older_than=0)}
    assert stuck == {pending: "pending", running: "llm_running"}

    pickups = reconcile(older_than=0)
    assert {p.document_id for p in pickups} == {pending, running}
    assert workers.queue_lengths() == {"ocr": 1, "llm": 1}, (
        "pending restarts at OCR, llm_running at extraction"
    )
    kinds = [e["kind"] for e in documents.document_events(pending)]
    assert kinds[-1] == "reconcile"
    # a pickup touches the document: it is not picked up again before the deadline passes anew
    assert reconcile(older_than=60) == []

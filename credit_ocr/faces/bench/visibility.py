"""How fast does a viewer see a commit? Milliseconds from a transition's commit to the dashboard model.

A benchmark of the live feed (:mod:`credit_ocr.watching.live`): it makes real transitions on throwaway
documents and times how long each one takes to reach a :class:`~credit_ocr.watching.dashboard.DashboardModel`
running on an asyncio loop, through the same thread-to-loop hand-off the notebook dashboard uses.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
import time

import numpy as np
from sqlalchemy import delete, select

from credit_ocr.config import ConfigurationError
from credit_ocr.state import documents
from credit_ocr.state.db import Document, StatusEvent, session_scope
from credit_ocr.state.status import Status, transition
from credit_ocr.state.storage import get_blob_store
from credit_ocr.watching.dashboard import DashboardModel
from credit_ocr.watching.live import LiveFeed, TransitionEvent

STEPS = (Status.OCR_RUNNING, Status.LLM_RUNNING, Status.DONE)


def measure_visibility(
    n: int = 200, *, pace: float = 0.01, cleanup: bool = True, timeout: float = 60.0
) -> dict:
    """Time from commit to the dashboard model seeing it, over ``n`` transitions: ``{n, median_ms, p95_ms, max_ms}``.

    Uses the configured database and broker. Transitions are made by ``status.transition()`` (what
    workers call) on throwaway documents, one every ``pace`` seconds; the feed hands each event to a
    :class:`~credit_ocr.watching.dashboard.DashboardModel` on an asyncio loop of its own via
    ``call_soon_threadsafe``, the same hand-off the notebook dashboard uses. The clock starts at the
    event's ``at`` (taken inside the transaction, just before COMMIT), so the figure includes the
    commit itself, the publish, Redis, the feed thread and the loop hand-off.
    """
    n_docs = max(1, math.ceil(n / len(STEPS)))
    batch = f"visibility-{time.time_ns()}"
    ids = [
        documents.upload(b"%PDF-1.4 visibility probe\n", "probe.pdf", batch_id=batch).id
        for _ in range(n_docs)
    ]
    loop = asyncio.new_event_loop()
    loop_thread = threading.Thread(target=loop.run_forever, name="visibility-loop", daemon=True)
    loop_thread.start()
    model = DashboardModel(ids=ids)
    seen: dict[tuple, float] = {}
    done = threading.Event()

    def on_change(ev: TransitionEvent | None) -> None:
        if ev is not None and ev.is_transition and ev.from_status is not None and ev.key not in seen:
            seen[ev.key] = time.time()
            if len(seen) >= n_docs * len(STEPS):
                done.set()

    model.subscribe(on_change)
    feed = LiveFeed(
        ids=ids, on_event=model.apply, on_snapshot=model.reconcile, dispatch=loop.call_soon_threadsafe
    )
    try:
        _drive(feed.start(), ids, pace)
        done.wait(timeout)
        committed = {ev.key: ev.at.timestamp() for ev in model.all_events() if ev.key in seen}
        samples = np.array(sorted((seen[k] - at) * 1000.0 for k, at in committed.items()))
    finally:
        feed.stop()
        loop.call_soon_threadsafe(loop.stop)
        loop_thread.join(5)
        loop.close()
        if cleanup:
            _delete_documents(ids)
    if not len(samples):
        return {"n": 0, "median_ms": math.nan, "p95_ms": math.nan, "max_ms": math.nan}
    return {
        "n": len(samples),
        "median_ms": round(float(np.median(samples)), 2),
        "p95_ms": round(float(np.percentile(samples, 95)), 2),
        "max_ms": round(float(samples.max()), 2),
    }


def _drive(feed: LiveFeed, ids: list[str], pace: float) -> None:
    """Walk every probe document through the pipeline, one transition every ``pace`` seconds."""
    if not feed.wait_connected(10):
        raise ConfigurationError(
            "measure_visibility needs Redis: start it with `credit-ocr services up` or set CREDIT_OCR_BROKER_URL."
        )
    for step in STEPS:
        for doc_id in ids:
            transition(doc_id, step, worker="visibility-probe")
            time.sleep(pace)


def _delete_documents(ids: list[str]) -> None:
    """Remove throwaway probe documents (rows, events, blobs) so that they do not clutter real views."""
    with session_scope() as session:
        keys = list(session.scalars(select(Document.blob_key).where(Document.id.in_(ids))))
        session.execute(delete(StatusEvent).where(StatusEvent.document_id.in_(ids)))
        session.execute(delete(Document).where(Document.id.in_(ids)))
    store = get_blob_store()
    for key in keys:
        with contextlib.suppress(Exception):
            store.delete(key)

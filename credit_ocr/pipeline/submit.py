"""Submitting documents and waiting for them: the orchestration face of the pipeline.

``submit()`` returns document ids at once: it uploads (commit first), then enqueues; a document whose
enqueue is lost stays ``pending`` in the database, where the reconciler finds it. ``wait()`` returns when
every document is terminal, fed by the ``credit_ocr:events`` channel, not by a sleep loop.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path

import redis

from credit_ocr.config import EVENTS_CHANNEL
from credit_ocr.state import documents
from credit_ocr.state.status import TERMINAL, Status, resubmit

log = logging.getLogger(__name__)


class WaitTimeout(TimeoutError):
    """Not every document was terminal in time; ``statuses`` holds where each one was."""

    def __init__(self, statuses: dict[str, str], timeout: float) -> None:
        open_ = {k: v for k, v in statuses.items() if v not in {s.value for s in TERMINAL}}
        super().__init__(
            f"{len(open_)} of {len(statuses)} document(s) not finished after {timeout:.0f}s "
            f"(e.g. {next(iter(open_.items()), ('', ''))}). Is a worker running for each queue? "
            "Check with `credit-ocr doctor`."
        )
        self.statuses = statuses


def new_batch_id() -> str:
    return f"batch-{uuid.uuid4().hex[:10]}"


def _enqueue_or_warn(document_id: str, priority: int, start: Status = Status.PENDING) -> bool:
    from credit_ocr.pipeline.tasks import enqueue

    try:
        enqueue(document_id, priority=priority, start=start)
        return True
    except Exception as exc:  # noqa: BLE001 - the document is safe in the database
        log.warning(
            "document %s stored but not enqueued (%s); `credit-ocr reconcile` will enqueue it",
            document_id,
            exc.__class__.__name__,
        )
        return False


#: Files uploaded per transaction by :func:`submit` (and held in memory at once).
SUBMIT_CHUNK = 100


def _enqueue_all(document_ids: Sequence[str], priority: int) -> None:
    """Enqueue each document's chain through ONE producer (one broker connection for the lot); a
    document whose enqueue fails stays ``pending`` for the reconciler, as with a single one."""
    if len(document_ids) == 1:
        _enqueue_or_warn(document_ids[0], priority)
        return
    from credit_ocr.pipeline.celery_app import get_app
    from credit_ocr.pipeline.tasks import enqueue

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

    ``priority`` 0-9, 9 most urgent. Files go in chunks of :data:`SUBMIT_CHUNK`: each chunk is checked
    (bad files raise the upload's named error before anything of the chunk is stored), committed in one
    transaction, then enqueued through one broker connection.
    """
    if isinstance(sources, str | Path | bytes):
        sources = [sources]
    sources = list(sources)
    ids: list[str] = []
    for start in range(0, len(sources), SUBMIT_CHUNK):
        chunk = sources[start : start + SUBMIT_CHUNK]
        names = list(filenames[start : start + len(chunk)]) if filenames else None
        infos = documents.upload_many(chunk, names, priority=priority, batch_id=batch_id)
        _enqueue_all([info.id for info in infos], priority)
        ids += [info.id for info in infos]
    return ids


def retry(document_id: str) -> str:
    """Put a failed document back to ``pending`` and enqueue it again (the dead-letter way back)."""
    info = documents.get_document(document_id)
    resubmit(document_id, detail="resubmitted by user")
    _enqueue_or_warn(document_id, info.priority)
    return document_id


def _statuses(ids: list[str]) -> dict[str, str]:
    found = {d.id: d.status for d in documents.list_documents(ids)}
    missing = set(ids) - set(found)
    if missing:
        from credit_ocr.state.status import DocumentNotFound

        raise DocumentNotFound(sorted(missing)[0])
    return found


def wait(
    ids: Sequence[str], timeout: float = 300.0, *, progress: bool = True, raise_on_timeout: bool = True
) -> dict[str, str]:
    """Block until every document is ``done`` or ``failed``; returns id → status.

    Subscribes first, then reads the database (so no transition falls between the two), then follows
    the event channel; the database is read again whenever the channel is quiet or lost.
    """
    from tqdm.auto import tqdm

    from credit_ocr.state.events import redis_client

    ids = list(ids)
    terminal = {s.value for s in TERMINAL}
    deadline = time.monotonic() + timeout
    pubsub = None
    try:
        pubsub = redis_client().pubsub(ignore_subscribe_messages=True)
        pubsub.subscribe(EVENTS_CHANNEL)
    except redis.RedisError:
        pubsub = None
    statuses = _statuses(ids)
    wanted = set(ids)
    bar = tqdm(total=len(ids), desc="documents", unit="doc", disable=not progress, leave=True)
    done_count = sum(1 for s in statuses.values() if s in terminal)
    bar.update(done_count)
    last_db_read = time.monotonic()
    try:
        while done_count < len(ids):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if raise_on_timeout:
                    raise WaitTimeout(statuses, timeout)
                break
            message = None
            if pubsub is not None:
                try:
                    message = pubsub.get_message(timeout=min(remaining, 1.0))
                except redis.RedisError:
                    with contextlib.suppress(redis.RedisError):
                        pubsub.close()
                    pubsub = None
            else:
                time.sleep(min(remaining, 0.5))  # Redis lost: fall back to reading the database
            if message and message.get("type") == "message":
                ev = json.loads(message["data"])
                doc_id = ev.get("document_id")
                if doc_id in wanted and ev.get("kind") == "transition":
                    # counted as it changes: a recount per message is O(documents) (every event of
                    # every worker passes here)
                    was, now = statuses[doc_id] in terminal, ev["to_status"] in terminal
                    statuses[doc_id] = ev["to_status"]
                    new_count = done_count + (now - was)
                else:
                    new_count = done_count
            elif time.monotonic() - last_db_read > 2.0:
                statuses = _statuses(ids)
                last_db_read = time.monotonic()
                new_count = sum(1 for s in statuses.values() if s in terminal)
            else:
                new_count = done_count
            if new_count != done_count:
                bar.update(new_count - done_count)
                done_count = new_count
        # confirm from the database, the source of truth
        return _statuses(ids)
    finally:
        bar.close()
        if pubsub is not None:
            with contextlib.suppress(redis.RedisError):
                pubsub.close()

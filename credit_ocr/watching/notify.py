"""Telling someone when documents are finished: a Python callback, or a JSON POST to a URL.

- :func:`on_complete` calls back in this process when a document, some documents or a batch are all
  ``done``/``failed`` (fed by the live feed, so it also fires for documents finished before the call).
- :func:`notify_terminal` is called by the Celery ``notify`` task after each terminal transition: with
  ``CREDIT_OCR_NOTIFY_URL`` set it POSTs one JSON per finished document and, when the batch's last
  document turns terminal, one JSON for the batch. A batch is posted once even when tasks are
  redelivered or its last two documents finish at the same moment (a Redis ``SET NX`` claim). Calls
  are short (3 s timeout, 3 tries inside); a receiver that stays down raises
  :class:`NotifyUnavailable`, which the task retries later on its own queue, so the pipeline never waits.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
from tenacity import (
    RetryError,
    retry,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from credit_ocr.config import get_settings
from credit_ocr.pipeline.celery_app import TASK_NOTIFY, app
from credit_ocr.state.events import redis_client
from credit_ocr.state.status import TERMINAL

if TYPE_CHECKING:
    from credit_ocr.watching.dashboard import DashboardModel

# Every worker imports this module (a task of it is registered); the tables (pandas) and the live wait
# (matplotlib's colours through the dashboard) are imported where used: a second of start-up less each.

log = logging.getLogger(__name__)

_TERMINAL = {s.value for s in TERMINAL}
#: How long one POST may take, seconds, and how many tries inside one call.
TIMEOUT = 3.0
ATTEMPTS = 3
#: How long a "posted" mark is kept in Redis (dedupe window), seconds.
DEDUPE_TTL = 30 * 24 * 3600
_KEY = "credit_ocr:notified:"


class NotifyError(RuntimeError):
    """A completion notification could not be delivered."""

    transient = False


class NotifyUnavailable(NotifyError):
    """The receiver did not answer, timed out or said 429/5xx, even after retries: try again later."""

    transient = True


class NotifyRejected(NotifyError):
    """The receiver refused the POST (4xx other than 429): fix the URL or the receiver; not retried."""


@dataclass
class NotifyResult:
    """What :func:`notify_terminal` did."""

    document_id: str
    document_posted: bool = False
    batch_posted: bool = False
    skipped: str | None = None  # why nothing was posted


def document_payload(document_id: str) -> dict | None:
    """The JSON for one finished document (None while it is not terminal)."""
    from credit_ocr.watching import tables as monitor  # pandas: not at a worker's start-up

    table = monitor.status_table([document_id])
    if table.empty or table.loc[0, "status"] not in _TERMINAL:
        return None
    row = table.iloc[0]
    return {
        "type": "document",
        "document_id": document_id,
        "filename": row["filename"],
        "status": row["status"],
        "error": row["error"],
        "batch_id": row["batch_id"],
        "attempts": int(row["attempts"]),
        "created_at": monitor.jsonable(row["created_at"]),
        "finished_at": monitor.jsonable(row["finished_at"]),
        "seconds": {s: monitor.jsonable(row[f"{s}_s"]) for s in (*monitor.STAGES, "total")},
    }


def batch_payload(batch_id: str) -> dict | None:
    """The JSON for a finished batch (None while any of its documents is not terminal)."""
    from credit_ocr.watching import tables as monitor  # pandas: not at a worker's start-up

    docs = monitor.documents_frame(batch_id=batch_id)
    if docs.empty or not docs["status"].isin(_TERMINAL).all():
        return None
    started, finished = docs["created_at"].min(), docs["updated_at"].max()
    return {
        "type": "batch",
        "batch_id": batch_id,
        "documents": len(docs),
        "done": int((docs["status"] == "done").sum()),
        "failed": int((docs["status"] == "failed").sum()),
        "document_ids": docs["document_id"].tolist(),
        "statuses": dict(zip(docs["document_id"], docs["status"], strict=True)),
        "started_at": monitor.jsonable(started),
        "finished_at": monitor.jsonable(finished),
        "seconds": (finished - started).total_seconds(),
    }


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, httpx.TransportError):
        return True
    return isinstance(exc, httpx.HTTPStatusError) and (
        exc.response.status_code == 429 or exc.response.status_code >= 500
    )


def post_json(url: str, payload: dict, *, key: str) -> int:
    """POST one JSON (with an ``Idempotency-Key`` header); retried briefly; returns the HTTP status."""

    @retry(
        retry=retry_if_exception(_retryable),
        stop=stop_after_attempt(ATTEMPTS),
        wait=wait_exponential(multiplier=0.2, max=2.0),
        reraise=False,
    )
    def attempt() -> int:
        with httpx.Client(timeout=TIMEOUT) as client:
            response = client.post(url, json=payload, headers={"Idempotency-Key": key})
            response.raise_for_status()
            return response.status_code

    try:
        return attempt()
    except RetryError as exc:
        last = exc.last_attempt.exception()
        raise NotifyUnavailable(
            f"{url} did not take the {payload['type']} notification after {ATTEMPTS} tries ({last}); "
            "it will be retried. Check that the receiver runs, or unset CREDIT_OCR_NOTIFY_URL."
        ) from last
    except httpx.HTTPStatusError as exc:
        raise NotifyRejected(
            f"{url} refused the {payload['type']} notification with HTTP {exc.response.status_code}: "
            "check CREDIT_OCR_NOTIFY_URL and what the receiver expects."
        ) from exc


def _post_once(url: str, key: str, payload: dict) -> bool:
    """Post unless already posted (or being posted) under ``key``; False when skipped as a duplicate."""
    client = redis_client()
    full = _KEY + key
    if not client.set(full, "sending", nx=True, ex=120):
        return False
    try:
        post_json(url, payload, key=key)
    except BaseException:
        client.delete(full)  # let the retry try again
        raise
    client.set(full, "sent", ex=DEDUPE_TTL)
    return True


@app.task(
    name=TASK_NOTIFY,
    autoretry_for=(NotifyUnavailable,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=6,
    acks_late=True,
)
def notify(document_id: str) -> None:
    """The Celery task queued after each terminal transition (on the ``llm`` queue): a receiver that is
    away is retried with Celery's backoff; one that refuses is logged and dropped."""
    try:
        notify_terminal(document_id)
    except NotifyRejected as exc:
        log.warning("event=notify_dropped doc=%s reason=%r", document_id, str(exc))


def notify_terminal(document_id: str, url: str | None = None) -> NotifyResult:
    """POST the finished document, and its batch when it was the batch's last (see the module doc).

    Does nothing without ``CREDIT_OCR_NOTIFY_URL``. Raises :class:`NotifyUnavailable` (retry later)
    or :class:`NotifyRejected` (do not).
    """
    url = url or get_settings().notify_url
    result = NotifyResult(document_id)
    if not url:
        result.skipped = "CREDIT_OCR_NOTIFY_URL is not set"
        return result
    payload = document_payload(document_id)
    if payload is None:
        result.skipped = "not terminal"
        return result
    # One post per document and cycle: a resubmitted document that finishes again is posted again.
    result.document_posted = _post_once(url, f"doc:{document_id}:{payload['finished_at']}", payload)
    batch_id = payload["batch_id"]
    if batch_id:
        batch = batch_payload(batch_id)
        if batch is not None:
            result.batch_posted = _post_once(url, f"batch:{batch_id}", batch)
    if not result.document_posted:
        result.skipped = "already posted"
    return result


# --------------------------------------------------------------------------------------------
# In Python: a callback when documents are finished


@dataclass
class CompletionReport:
    """The documents watched, each with its final status."""

    statuses: dict[str, str]
    batch_id: str | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def done(self) -> int:
        return sum(1 for s in self.statuses.values() if s == "done")

    @property
    def failed(self) -> int:
        return sum(1 for s in self.statuses.values() if s == "failed")


class Completion:
    """A running :func:`on_complete` watch: ``wait()`` for its report, ``stop()`` to give up.

    A :class:`~credit_ocr.watching.wait.Follower` on a thread of its own: the same live wait as
    :func:`~credit_ocr.watching.wait.wait_for`, without blocking the caller.
    """

    def __init__(
        self,
        callback: Callable[[CompletionReport], Any],
        ids: Iterable[str] | None,
        batch_id: str | None,
        on_document: Callable[[str, str], Any] | None,
    ) -> None:
        if ids is None and batch_id is None:
            raise ValueError("on_complete needs ids=[...] or batch_id=...: which documents to wait for?")
        from credit_ocr.watching.wait import Follower  # matplotlib's colours: not at a worker's start-up

        self.follower = Follower(ids, batch_id)
        self.feed = self.follower.feed
        self.callback, self.on_document, self.batch_id = callback, on_document, batch_id
        self.report: CompletionReport | None = None
        self._reported: set[str] = set()
        self._fired = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="credit-ocr-on-complete", daemon=True)

    def start(self) -> Completion:
        self._thread.start()
        return self

    def _changed(self, model: DashboardModel) -> None:
        for doc in model.ordered():
            if doc.terminal and doc.document_id not in self._reported:
                self._reported.add(doc.document_id)
                if self.on_document is not None:
                    self.on_document(doc.document_id, doc.status)

    def _run(self) -> None:
        if not self.follower.run(None, on_change=self._changed, stop=self._stop):
            return  # stopped
        self._changed(self.follower.model)
        docs = self.follower.model.ordered()
        self.report = CompletionReport(
            statuses={d.document_id: d.status for d in docs},
            batch_id=self.batch_id,
            errors={d.document_id: d.error for d in docs if d.error},
        )
        self._fired.set()
        self.callback(self.report)

    def wait(self, timeout: float | None = None) -> CompletionReport | None:
        """The report once every document is finished (None if not within ``timeout``)."""
        self._fired.wait(timeout)
        return self.report

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(5)

    def __enter__(self) -> Completion:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def on_complete(
    callback: Callable[[CompletionReport], Any],
    ids: Iterable[str] | str | None = None,
    batch_id: str | None = None,
    *,
    on_document: Callable[[str, str], Any] | None = None,
) -> Completion:
    """Call ``callback(report)`` once, when every one of ``ids`` (or of the batch) is done or failed.

    ``on_document(id, status)`` is called as each one finishes. Returns at once; the callbacks run on
    the watch's own thread (keep them short, or hand work elsewhere).
    """
    if isinstance(ids, str):
        ids = [ids]
    return Completion(callback, ids, batch_id, on_document).start()

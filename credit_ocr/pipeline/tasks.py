"""Celery tasks: thin wrappers that run a pipeline stage and decide what an error means.

- A transient error (broker, database or blob store away, LLM timeout, 429, 5xx) is retried with
  exponential backoff and full jitter, up to ``CREDIT_OCR_TASK_MAX_RETRIES``; each retry is recorded as
  an event with its reason.
- A permanent error (bad input, invalid LLM output) moves the document to ``failed`` at once, with a
  message a student can act on; the traceback goes to the log and the event's detail, not the message.
- Every delivery is counted (``documents.attempts``); past ``CREDIT_OCR_MAX_ATTEMPTS`` the document fails
  instead of looping (a poison message that kills its worker every time).
"""

from __future__ import annotations

import contextlib
import logging
import random
import traceback
from collections.abc import Callable

from celery import chain
from celery.exceptions import Retry, SoftTimeLimitExceeded
from celery.result import AsyncResult

from credit_ocr.config import get_settings
from credit_ocr.pipeline import stages as pipeline
from credit_ocr.pipeline.celery_app import (
    TASK_EXTRACT,
    TASK_NOOP,
    TASK_NOTIFY,
    TASK_OCR,
    TASK_RECONCILE,
    app,
    broker_priority,
)
from credit_ocr.pipeline.worker_setup import task_context
from credit_ocr.state.status import Status, record_event, reset_worker, set_worker, start_stage

log = logging.getLogger("credit_ocr.pipeline.tasks")


class DocumentFailed(Exception):
    """Raised (and expected) after a document was moved to ``failed``: it stops the chain, no traceback."""


def is_transient(exc: BaseException) -> bool:
    """True for errors that a later attempt may not meet: services away, timeouts, rate limits."""
    import kombu.exceptions
    import redis.exceptions
    import sqlalchemy.exc

    from credit_ocr.reading.extraction import ExtractionError
    from credit_ocr.state.storage import StorageUnavailable

    if isinstance(exc, ExtractionError):
        return bool(getattr(exc, "transient", False))
    if isinstance(exc, sqlalchemy.exc.DBAPIError):
        return isinstance(exc, sqlalchemy.exc.OperationalError | sqlalchemy.exc.InterfaceError) or bool(
            exc.connection_invalidated
        )
    transient_types: tuple[type[BaseException], ...] = (
        redis.exceptions.ConnectionError,
        redis.exceptions.TimeoutError,
        redis.exceptions.BusyLoadingError,
        kombu.exceptions.OperationalError,
        StorageUnavailable,
        ConnectionError,
        TimeoutError,
    )
    if isinstance(exc, transient_types):
        return True
    return bool(getattr(exc, "transient", False))


def backoff_seconds(retries: int) -> float:
    """Exponential backoff with full jitter: spreads a burst of retries after an outage."""
    settings = get_settings()
    cap = min(settings.retry_backoff_max, 2 ** (retries + 1))
    return random.uniform(cap / 2, cap)


def student_message(exc: BaseException) -> str:
    """The one-line message a student sees: the error's own text, never a traceback."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    return text[:500]


_RUNNING = {"ocr": Status.OCR_RUNNING, "extract": Status.LLM_RUNNING}
#: The states in which a stage has work to do (in any other, a delivery is a duplicate).
_STAGE_FROM = {
    "ocr": (Status.PENDING, Status.OCR_RUNNING),
    "extract": (Status.OCR_RUNNING, Status.LLM_RUNNING),
}
#: A stage that hits its soft time limit is tried this many more times before the document fails.
TIME_LIMIT_RETRIES = 1


def _run_stage(task: app.Task, document_id: str, stage: str, fn: Callable[..., pipeline.StageResult]) -> dict:
    settings = get_settings()
    request = task.request
    token = task_context.set({"doc": document_id, "task": request.id or "-", "stage": stage})
    worker_token = set_worker(request.hostname)  # events name the worker node, for timeline lanes
    try:
        try:
            # One transaction: count this delivery, move into the stage, read what the stage needs.
            # A Celery retry is not a new delivery (retries have their own cap): only first deliveries
            # and redeliveries count towards CREDIT_OCR_MAX_ATTEMPTS, which stops poison messages.
            start = start_stage(
                document_id,
                _RUNNING[stage],
                task_id=request.id,
                count_attempt=request.retries == 0,
                max_attempts=settings.max_attempts,
            )
            attempts = start.attempts
            if start.over_limit and start.previous not in _STAGE_FROM[stage]:
                # a duplicate of a stage the document has left (a reconciler pickup, a redelivery):
                # nothing to do, and nothing to fail
                log.info("event=skip detail=%r", f"already {start.previous.value}")
                return {"document_id": document_id, "stage": stage, "skipped": True,
                        "detail": f"already {start.previous.value}"}  # fmt: skip
            if start.over_limit:
                message = (
                    f"Gave up after {attempts - 1} deliveries of this document (CREDIT_OCR_MAX_ATTEMPTS="
                    f"{settings.max_attempts}): its worker died or timed out each time. Check the worker log."
                )
                log.error("event=attempts_exceeded attempts=%d", attempts)
                pipeline.fail(document_id, message, task_id=request.id)
                raise DocumentFailed(message)
            if request.retries == 0 and start.previous is _RUNNING[stage]:
                record_event(
                    document_id,
                    "redelivery",
                    f"{stage} delivered again (attempt {attempts})",
                    task_id=request.id,
                )
                log.warning("event=redelivery attempts=%d", attempts)
            # one INFO line per task (Celery logs its receipt): the start only at DEBUG
            log.debug("event=start attempts=%d retries=%d", attempts, request.retries)
            result = fn(document_id, task_id=request.id, start=start)
            log.info(
                "event=%s attempts=%d retries=%d seconds=%.3f detail=%r",
                "skip" if result.skipped else "finish",
                attempts,
                request.retries,
                result.seconds,
                result.detail,
            )
            return {
                "document_id": document_id,
                "stage": stage,
                "skipped": result.skipped,
                "detail": result.detail,
            }
        except (DocumentFailed, Retry):
            raise
        except SoftTimeLimitExceeded:
            if request.retries < TIME_LIMIT_RETRIES:
                # A loaded machine or a service that hung can make a good document slow once; twice
                # in a row is the document. The retry is recorded like any other.
                reason = f"soft time limit of {settings.soft_time_limit}s exceeded"
                log.warning("event=retry n=%d countdown=1.0 reason=%r", request.retries + 1, reason)
                with contextlib.suppress(Exception):
                    record_event(document_id, "retry", f"retry of {stage}: {reason}", task_id=request.id)
                raise task.retry(countdown=1, max_retries=settings.task_max_retries) from None
            message = (
                f"The {stage} stage took longer than {settings.soft_time_limit}s (CREDIT_OCR_SOFT_TIME_LIMIT): "
                "the document is too large or too hard to read; split it or raise the limit."
            )
            log.error("event=time_limit")
            pipeline.fail(document_id, message, task_id=request.id)
            raise DocumentFailed(message) from None
        except Exception as exc:  # noqa: BLE001 - every error is classified below
            if is_transient(exc):
                reason = f"{exc.__class__.__name__}: {student_message(exc)}"
                if request.retries >= settings.task_max_retries:
                    message = (
                        f"Gave up after {request.retries} retries of the {stage} stage; last error: {reason}. "
                        "Check that the service named there is up, then resubmit with `credit-ocr submit --retry ID`."
                    )
                    log.error("event=retries_exhausted reason=%r", reason)
                    _fail_quietly(document_id, message, request.id)
                    raise DocumentFailed(message) from None
                countdown = getattr(exc, "retry_after", None) or backoff_seconds(request.retries)
                countdown = min(float(countdown), float(settings.retry_backoff_max))
                log.warning(
                    "event=retry n=%d countdown=%.1f reason=%r", request.retries + 1, countdown, reason
                )
                try:
                    record_event(
                        document_id,
                        "retry",
                        f"retry {request.retries + 1}/{settings.task_max_retries} of {stage} in {countdown:.1f}s: {reason}",
                        task_id=request.id,
                    )
                except Exception as record_exc:  # noqa: BLE001 - the database itself may be the outage
                    log.warning("event=retry_not_recorded reason=%r", student_message(record_exc))
                raise task.retry(
                    exc=exc, countdown=countdown, max_retries=settings.task_max_retries
                ) from None
            message = student_message(exc)
            trace = traceback.format_exc()
            log.error("event=failed permanent=1 error=%r\n%s", message, trace)
            _fail_quietly(document_id, message, request.id, detail=f"{message}\n\n{trace}")
            raise DocumentFailed(message) from None
    finally:
        task_context.reset(token)
        reset_worker(worker_token)


def _fail_quietly(document_id: str, message: str, task_id: str | None, detail: str | None = None) -> None:
    try:
        pipeline.fail(document_id, message, task_id=task_id, detail=detail)
    except Exception:  # noqa: BLE001 - the reconciler will find it
        log.exception("event=fail_not_recorded")


def _after_terminal(document_id: str) -> None:
    """Queue the completion notification (only when a notify URL is set; never blocks the pipeline)."""
    if get_settings().notify_url:
        app.send_task(TASK_NOTIFY, args=[document_id])  # by name: the task lives in watching.notify


@app.task(name=TASK_OCR, bind=True, throws=(DocumentFailed,))
def ocr(self: app.Task, document_id: str) -> dict:
    """Read the pages of a document (queue ``ocr``: CPU-bound, prefork)."""
    try:
        return _run_stage(self, document_id, "ocr", pipeline.run_ocr)
    except DocumentFailed:
        _after_terminal(document_id)
        raise


@app.task(name=TASK_EXTRACT, bind=True, throws=(DocumentFailed,))
def extract(self: app.Task, document_id: str) -> dict:
    """Fill the 21 fields of a document (queue ``llm``: I/O-bound with an LLM, threads)."""
    try:
        result = _run_stage(self, document_id, "extract", pipeline.run_extraction)
    except DocumentFailed:
        _after_terminal(document_id)
        raise
    if not result["skipped"]:
        _after_terminal(document_id)
    return result


@app.task(name=TASK_RECONCILE)
def reconcile_task() -> int:
    """Periodic reconciler (celery beat): re-enqueue documents stuck past the deadline."""
    from credit_ocr.pipeline.reconcile import reconcile

    return len(reconcile())


@app.task(name=TASK_NOOP)
def noop(value: str) -> str:
    """A task that does nothing: the bench's bare-Celery baseline."""
    return value


def enqueue(
    document_id: str, *, priority: int = 0, start: Status = Status.PENDING, producer: object = None
) -> AsyncResult:
    """Send a document's remaining stages as a chain: OCR on ``ocr``, then extraction on ``llm``.

    ``producer`` (from ``app.producer_or_acquire()``) lets a caller sending many chains use one broker
    connection for all of them instead of taking one from the pool per message.
    """
    from credit_ocr.pipeline.celery_app import get_app

    get_app()
    # Explicit None time limits: the WORKER's CREDIT_OCR_(SOFT_)TIME_LIMIT apply. Without them Celery
    # copies the sending process's limits into each message (cached at its first send), and those win.
    opts = {"priority": broker_priority(priority), "time_limit": None, "soft_time_limit": None}
    if start in (Status.PENDING, Status.OCR_RUNNING):
        sig = chain(ocr.si(document_id).set(**opts), extract.si(document_id).set(**opts))
    elif start is Status.LLM_RUNNING:
        sig = extract.si(document_id).set(**opts)
    else:
        raise ValueError(f"Nothing to enqueue for a document that is {start.value}.")
    return sig.apply_async(producer=producer) if producer is not None else sig.apply_async()

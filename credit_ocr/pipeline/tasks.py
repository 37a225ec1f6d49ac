"""Celery tasks: each runs one pipeline stage; Celery's own retry options decide what an error means.

- A transient error (:data:`TRANSIENT_ERRORS`: broker, database or blob store away, the OCR engine not
  started, the LLM's timeouts, 429s and 5xx) is retried by Celery (``autoretry_for``) with exponential
  backoff and full jitter, up to ``CREDIT_OCR_TASK_MAX_RETRIES`` times; each retry is recorded as an
  event with its reason (:meth:`StageTask.on_retry`). An LLM 429 that says when to come back is
  retried then.
- Any other error is permanent (bad input, invalid LLM output): the task fails at once and
  :meth:`StageTask.on_failure` moves the document to ``failed`` with a one-line message a student can
  act on; the traceback goes to the event's detail and the log, not the message.
- A stage that hits its soft time limit is retried once; the second time the document fails.
- Every delivery is counted (``documents.attempts``); past ``CREDIT_OCR_MAX_ATTEMPTS`` the document
  fails instead of looping (a poison message that kills its worker every time).
"""

from __future__ import annotations

import logging

import kombu.exceptions
import redis.exceptions
import sqlalchemy.exc
from billiard.einfo import ExceptionInfo
from celery import Task, chain
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from celery.result import AsyncResult

from credit_ocr.config import get_settings
from credit_ocr.pipeline import stages
from credit_ocr.pipeline.celery_app import (
    TASK_EXTRACT,
    TASK_NOTIFY,
    TASK_OCR,
    app,
    broker_priority,
    get_app,
)
from credit_ocr.pipeline.worker_setup import student_message, task_context
from credit_ocr.reading.extraction import LLMTransientError
from credit_ocr.reading.ocr import OcrUnavailable
from credit_ocr.state.status import Status, record_event, set_worker
from credit_ocr.state.storage import StorageUnavailable

log = logging.getLogger("credit_ocr.pipeline.tasks")

#: The errors a later attempt may not meet: services away, timeouts, rate limits. Celery retries these.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    kombu.exceptions.OperationalError,
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    StorageUnavailable,
    OcrUnavailable,
    LLMTransientError,
    ConnectionError,
    TimeoutError,
)
#: A stage that hits its soft time limit is tried this many more times before the document fails.
TIME_LIMIT_RETRIES = 1


def is_transient(exc: BaseException) -> bool:
    """True for the errors the stage tasks retry (:data:`TRANSIENT_ERRORS`)."""
    return isinstance(exc, TRANSIENT_ERRORS)


def failure_message(exc: BaseException, stage: str, retries: int) -> str:
    """What a failed document says, by what failed it: a time limit, retries run out, or the error itself."""
    settings = get_settings()
    if isinstance(exc, TimeLimitExceeded):  # the worker's parent killed the process at the hard limit
        return (
            f"The {stage} stage was stopped at the hard time limit of {settings.time_limit}s "
            "(CREDIT_OCR_TIME_LIMIT): the document is too large or too hard to read; split it or raise the limit."
        )
    if isinstance(exc, SoftTimeLimitExceeded):
        return (
            f"The {stage} stage took longer than {settings.soft_time_limit}s (CREDIT_OCR_SOFT_TIME_LIMIT): "
            "the document is too large or too hard to read; split it or raise the limit."
        )
    if is_transient(exc):
        return (
            f"Gave up after {retries} retries of the {stage} stage; last error: {retry_reason(exc).rstrip('.')}. "
            "Check that the service named there is up, then resubmit with `credit-ocr submit --retry ID`."
        )
    return student_message(exc)


def retry_reason(exc: BaseException) -> str:
    if isinstance(exc, SoftTimeLimitExceeded):
        return f"soft time limit of {get_settings().soft_time_limit}s exceeded"
    return f"{exc.__class__.__name__}: {student_message(exc)}"


def notify_when_terminal(document_id: str) -> None:
    """Queue the completion notification (only when a notify URL is set; never blocks the pipeline)."""
    if get_settings().notify_url:
        app.send_task(TASK_NOTIFY, args=[document_id])  # by name: the task lives in watching.notify


class StageTask(Task):
    """The base of the stage tasks: Celery's retry options, and the document's bookkeeping in its hooks.

    The retry policy is read from the settings when the worker imports this module.
    """

    autoretry_for = TRANSIENT_ERRORS
    retry_backoff = 1  # seconds: the first retry waits up to 1 s, then 2, 4, 8 ... (doubling)
    retry_backoff_max = get_settings().retry_backoff_max  # ... but never more than this
    retry_jitter = True  # full jitter: the retries of a burst after an outage are spread out
    max_retries = get_settings().task_max_retries
    acks_late = True  # a worker killed mid-task leaves the message to be delivered again
    reject_on_worker_lost = True
    stage = ""  # "ocr" or "extract", set by each task

    @property
    def running_status(self) -> Status:
        """The status a document is in while this task's stage runs."""
        return Status.OCR_RUNNING if self.stage == "ocr" else Status.LLM_RUNNING

    def before_start(self, task_id: str, args: tuple, kwargs: dict) -> None:
        """Name the document, task and stage on every log line, and the worker on every event."""
        task_context.set({"doc": args[0], "task": task_id, "stage": self.stage})
        set_worker(self.request.hostname)

    def after_return(
        self, status: str, retval: object, task_id: str, args: tuple, kwargs: dict, einfo: object
    ) -> None:
        task_context.set(None)
        set_worker(None)

    def delivery(self) -> dict:
        """What the stage needs to know of this delivery: a Celery retry is not a new delivery (retries have
        their own cap); first deliveries and redeliveries count towards ``CREDIT_OCR_MAX_ATTEMPTS``."""
        request = self.request
        return {
            "task_id": request.id,
            "count_attempt": request.retries == 0,
            "max_attempts": get_settings().max_attempts,
        }

    def report(self, result: stages.StageResult) -> dict:
        """The one INFO line per task (Celery logs its receipt), and the task's return value."""
        log.info(
            "event=%s retries=%d seconds=%.3f detail=%r",
            "skip" if result.skipped else "finish", self.request.retries, result.seconds, result.detail,
        )  # fmt: skip
        return {"document_id": result.document_id, "stage": result.stage, "skipped": result.skipped,
                "detail": result.detail}  # fmt: skip

    def on_retry(
        self, exc: BaseException, task_id: str, args: tuple, kwargs: dict, einfo: ExceptionInfo
    ) -> None:
        """Record the retry as an event with its reason (best effort: the database may be the outage)."""
        retry = getattr(einfo.exception, "exc", einfo.exception)  # billiard wraps it with its traceback
        when = getattr(retry, "when", None)  # the Retry's countdown
        wait = f" in {when:.1f}s" if isinstance(when, int | float) else ""
        n, reason = self.request.retries + 1, retry_reason(exc)
        log.warning("event=retry n=%d countdown=%s reason=%r", n, when, reason)
        try:
            detail = f"retry {n}/{self.max_retries} of {self.stage}{wait}: {reason}"
            # the retried task may already have run (jitter can make the countdown 0): name this stage
            record_event(args[0], "retry", detail, task_id=task_id, status=self.running_status)
        except Exception as record_exc:  # noqa: BLE001 - never let the bookkeeping stop the retry
            log.warning("event=retry_not_recorded reason=%r", student_message(record_exc))

    def on_failure(
        self, exc: BaseException, task_id: str, args: tuple, kwargs: dict, einfo: ExceptionInfo
    ) -> None:
        """Move the document to ``failed``: the student's one line as its error, the traceback in the event."""
        document_id = args[0]
        if is_transient(exc) and self.request.retries < self.max_retries:
            # Not the body's error (autoretry_for re-raises those only once the retries ran out): Celery
            # failed after the body, e.g. publishing the chain's next task while Redis restarts. What the
            # stage did is committed; the reconciler sends the document on, as for a lost message.
            log.warning("event=left_for_reconciler reason=%r", retry_reason(exc))
            return
        message = failure_message(exc, self.stage, self.request.retries)
        log.error("event=failed error=%r", message)
        running = self.running_status
        try:
            failed = stages.fail(
                document_id,
                message,
                task_id=task_id,
                detail=f"{message}\n\n{einfo.traceback}",
                expected=running,
            )
        except Exception:  # noqa: BLE001 - the database may be the outage: the reconciler will find it
            log.exception("event=fail_not_recorded")
            return
        if failed:
            notify_when_terminal(document_id)


@app.task(name=TASK_OCR, base=StageTask, bind=True, stage="ocr")
def ocr(self: StageTask, document_id: str) -> dict:
    """Read the pages of a document (queue ``ocr``: CPU-bound, prefork)."""
    try:
        result = stages.run_ocr(document_id, **self.delivery())
    except SoftTimeLimitExceeded as exc:
        if self.request.retries >= TIME_LIMIT_RETRIES:
            raise  # on_failure: the time-limit message
        raise self.retry(exc=exc, countdown=1) from None
    return self.report(result)


@app.task(name=TASK_EXTRACT, base=StageTask, bind=True, stage="extract")
def extract(self: StageTask, document_id: str) -> dict:
    """Fill the 21 fields of a document (queue ``llm``: I/O-bound with an LLM, threads)."""
    try:
        result = stages.run_extraction(document_id, **self.delivery())
    except SoftTimeLimitExceeded as exc:
        if self.request.retries >= TIME_LIMIT_RETRIES:
            raise
        raise self.retry(exc=exc, countdown=1) from None
    except LLMTransientError as exc:
        if exc.retry_after is None:
            raise  # Celery's backoff (autoretry_for)
        raise self.retry(exc=exc, countdown=min(exc.retry_after, self.retry_backoff_max)) from None
    if not result.skipped:
        notify_when_terminal(document_id)
    return self.report(result)


def enqueue(
    document_id: str, *, priority: int = 0, start: Status = Status.PENDING, producer: object = None
) -> AsyncResult:
    """Send a document's remaining stages as a chain: OCR on ``ocr``, then extraction on ``llm``.

    ``producer`` (from ``app.producer_or_acquire()``) lets a caller sending many chains use one broker
    connection for all of them instead of taking one from the pool per message.
    """
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

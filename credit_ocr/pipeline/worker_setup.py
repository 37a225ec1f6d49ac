"""Setting up a worker process: its log format, and what it opens before the first task.

Connected to Celery's signals: ``setup_logging`` (one structured line per event), ``worker_process_init``
(each prefork pool process opens its own connections: they are never shared across a fork; an OCR pool
process also loads tesseract once and takes its address-space limit) and
``worker_ready`` (a threads or solo worker runs its tasks in the main process).
"""

from __future__ import annotations

import contextvars
import logging
import sys

from celery import signals

from credit_ocr.config import Settings, get_settings
from credit_ocr.pipeline.celery_app import app
from credit_ocr.reading import ocr
from credit_ocr.state import db, events
from credit_ocr.state.storage import get_blob_store

log = logging.getLogger(__name__)

#: The document, task and stage of the task running in this thread, for the log lines.
task_context: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "credit_ocr_task", default=None
)


class TaskContextFilter(logging.Filter):
    """Puts the document id, task id and stage of the running task on every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        ctx = task_context.get() or {}
        record.doc = ctx.get("doc", "-")
        record.task = ctx.get("task", "-")
        record.stage = ctx.get("stage", "-")
        return True


LOG_FORMAT = "%(asctime)s %(levelname)s %(processName)s doc=%(doc)s task=%(task)s stage=%(stage)s %(name)s: %(message)s"


@signals.setup_logging.connect
def _setup_logging(loglevel: int | str | None = None, **_: object) -> None:
    """One structured line per event, on stderr (the worker's log file when started by workers.py)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(TaskContextFilter())
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(loglevel or logging.INFO)
    for noisy in ("httpx", "openai", "azure", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def warm_up() -> None:
    """Open what every task uses (the engine and one pooled connection, the event publisher, the blob
    store) before the first task, so that the first document does not pay the worker's start-up
    (importing the driver, creating the engine and the schema check: ~0.2 s per process). Never fatal:
    a database that is not up yet is met again, and retried, by the first task."""
    try:
        with db.get_engine().connect():
            pass
        events.warm_publisher()
        get_blob_store()
    except Exception as exc:  # noqa: BLE001 - a warm-up must never stop a worker
        log.warning("event=warm_up_skipped reason=%r", student_message(exc))


def prepare_ocr_process(settings: Settings | None = None) -> None:
    """An OCR pool process loads tesseract once (~0.1 s, kept for every page it reads), then caps its
    address space at that size plus ``ocr_memory_mb``: a page that needs more fails by name
    (``OcrResourceLimit``) and the process, its neighbours and the machine carry on. A model that cannot
    load is not fatal here: the first page meets it again, as ``OcrUnavailable`` (retried)."""
    settings = settings or get_settings()
    try:
        if settings.ocr_engine == "tesserocr":
            ocr.engine(settings)
    except ocr.OcrError as exc:
        log.warning("event=ocr_engine_not_loaded reason=%r", student_message(exc))
    try:
        limit = ocr.limit_memory(settings)
    except (OSError, ValueError) as exc:  # not Linux, or a hard limit already below: run without
        log.warning("event=ocr_memory_limit_not_set reason=%r", student_message(exc))
        return
    log.info("event=ocr_process_ready engine=%s address_space_limit_mb=%d", settings.ocr_engine, limit >> 20)


def student_message(exc: BaseException) -> str:
    """The one-line message a student sees: the error's own text, never a traceback."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    return text[:500]


def _consumes_ocr() -> bool:
    """True in a worker that takes the ``ocr`` queue (the queues chosen with -Q, before the pool forked)."""
    try:
        return "ocr" in app.amqp.queues.consume_from
    except Exception:  # noqa: BLE001 - no worker configuration: nothing to decide from
        return False


@signals.worker_process_init.connect
def _warm_pool_process(**_: object) -> None:
    """Each prefork pool process warms its own engine (connections are never shared across a fork), and
    in an OCR worker loads its tesseract and takes its memory limit (tasks run in the process's main thread)."""
    warm_up()
    if _consumes_ocr():
        prepare_ocr_process()


@signals.worker_ready.connect
def _warm_worker(sender: object = None, **_: object) -> None:
    """A threads/solo worker runs tasks in its main process: warm that (a prefork parent runs none)."""
    from celery.concurrency.prefork import TaskPool as PreforkPool

    if not isinstance(getattr(sender, "pool", None), PreforkPool):
        warm_up()

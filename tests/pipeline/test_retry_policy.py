"""The stage tasks' retry policy as Celery sees it, and their hooks run against the real database.

Which errors Celery retries, how long it waits (its own ``get_exponential_backoff_interval``), and
what :meth:`StageTask.on_retry` / :meth:`StageTask.on_failure` write, on SQLite and PostgreSQL. The
end-to-end runs with real workers are in ``test_tasks.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys

import kombu.exceptions
import pytest
import redis.exceptions
import sqlalchemy.exc
from billiard.einfo import ExceptionInfo
from celery import Task
from celery.exceptions import Retry, SoftTimeLimitExceeded, TimeLimitExceeded
from celery.utils.time import get_exponential_backoff_interval
from sqlalchemy import select

from credit_ocr.config import Settings, override_settings, settings_env
from credit_ocr.pipeline import tasks
from credit_ocr.pipeline.stages import NoTextFound, TooManyDeliveries
from credit_ocr.reading.extraction.llm import LLMPermanentError, LLMTransientError
from credit_ocr.reading.ocr import CorruptDocument, OcrUnavailable
from credit_ocr.state import documents
from credit_ocr.state.db import StatusEvent, session_scope
from credit_ocr.state.status import IllegalTransition, Status, transition
from credit_ocr.state.storage import StorageUnavailable

BOTH_DBS = pytest.mark.parametrize(
    "any_db", [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
PDF = b"%PDF-1.4\n%%EOF\n"

TRANSIENT = [
    redis.exceptions.ConnectionError("Error 111 connecting"),
    redis.exceptions.TimeoutError("Timeout reading"),
    kombu.exceptions.OperationalError("broker away"),
    sqlalchemy.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection")),
    sqlalchemy.exc.InterfaceError("SELECT 1", {}, Exception("connection already closed")),
    StorageUnavailable("Azure Blob Storage did not answer"),
    OcrUnavailable("The OCR engine did not start"),
    LLMTransientError("LLM endpoint answered HTTP 503", status=503),
]
PERMANENT = [
    NoTextFound(2),
    TooManyDeliveries(8, 8),
    LLMPermanentError("the answer is not the JSON object asked for"),
    CorruptDocument("The PDF is truncated"),
    IllegalTransition("d", Status.DONE, Status.LLM_RUNNING),
    ValueError("Unknown extractor 'x'"),
    SoftTimeLimitExceeded(),  # retried once by the task body, never by autoretry
]


@pytest.mark.parametrize("exc", TRANSIENT, ids=lambda e: type(e).__name__)
def test_transient_errors_are_retried_by_celery(exc: BaseException) -> None:
    assert tasks.is_transient(exc) and isinstance(exc, tasks.ocr.autoretry_for)


@pytest.mark.parametrize("exc", PERMANENT, ids=lambda e: type(e).__name__)
def test_permanent_errors_fail_at_once(exc: BaseException) -> None:
    assert not tasks.is_transient(exc) and not isinstance(exc, tasks.extract.autoretry_for)


@pytest.mark.parametrize("task", [tasks.ocr, tasks.extract], ids=["ocr", "extract"])
def test_the_stage_tasks_use_celerys_retry_options(task: Task) -> None:
    assert isinstance(task, tasks.StageTask) and task.stage in ("ocr", "extract")
    assert task.autoretry_for == tasks.TRANSIENT_ERRORS
    assert hasattr(task, "_orig_run"), "Celery wrapped run() with its autoretry behaviour"
    assert task.retry_backoff and task.retry_jitter and task.acks_late and task.reject_on_worker_lost
    assert task.max_retries == tasks.StageTask.max_retries >= 1


def test_the_retry_policy_comes_from_the_settings_of_the_worker_process() -> None:
    with override_settings(task_max_retries=3, retry_backoff_max=7):
        env = settings_env()
    code = (
        "import json; from credit_ocr.pipeline import tasks as t; "
        "print(json.dumps([t.ocr.max_retries, t.ocr.retry_backoff_max, t.extract.max_retries]))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout) == [3, 7, 3]


@pytest.mark.parametrize("retries", range(12))
def test_backoff_doubles_with_full_jitter_up_to_the_cap(retries: int) -> None:
    """The waits Celery's autoretry computes from the task's options: in [0, min(cap, 2**retries)]."""
    task = tasks.ocr
    bound = min(task.retry_backoff_max, int(task.retry_backoff) * 2**retries)
    waits = {
        get_exponential_backoff_interval(
            factor=int(task.retry_backoff), retries=retries, maximum=task.retry_backoff_max, full_jitter=True
        )
        for _ in range(300)
    }
    assert min(waits) >= 0 and max(waits) <= bound
    assert len(waits) > 1 or bound == 0  # jittered, not one fixed wait


# --------------------------------------------------------------------------------------------
# the hooks, called as Celery calls them, against the real database


def _einfo(exc: BaseException) -> ExceptionInfo:
    try:
        raise exc
    except BaseException:  # noqa: BLE001 - captured with its traceback, as Celery does
        return ExceptionInfo()


def _events(doc_id: str) -> list[StatusEvent]:
    with session_scope() as session:
        return list(
            session.scalars(
                select(StatusEvent).where(StatusEvent.document_id == doc_id).order_by(StatusEvent.id)
            )
        )


def _call(
    task: Task, hook: str, exc: BaseException, doc_id: str, einfo: ExceptionInfo, retries: int = 0
) -> None:
    task.push_request(id="task-1", retries=retries, hostname="w@host", args=[doc_id])
    try:
        getattr(task, hook)(exc, "task-1", (doc_id,), {}, einfo)
    finally:
        task.pop_request()


def _document_in(*steps: Status) -> str:
    doc_id = documents.upload(PDF, "a.pdf").id
    for step in steps:
        transition(doc_id, step)
    return doc_id


@BOTH_DBS
def test_on_retry_records_the_retry_with_its_reason_and_wait(any_db: Settings) -> None:
    doc_id = _document_in(Status.OCR_RUNNING, Status.LLM_RUNNING)
    exc = LLMTransientError("LLM endpoint answered HTTP 429: slow down", status=429, retry_after=4)
    _call(tasks.extract, "on_retry", exc, doc_id, _einfo(Retry(exc=exc, when=4)), retries=1)
    last = _events(doc_id)[-1]
    assert (last.kind, last.from_status, last.to_status, last.task_id) == (
        "retry", "llm_running", "llm_running", "task-1",
    )  # fmt: skip
    assert last.detail == (
        f"retry 2/{tasks.extract.max_retries} of extract in 4.0s: "
        "LLMTransientError: LLM endpoint answered HTTP 429: slow down"
    )
    assert documents.get_document(doc_id).status == "llm_running"


@BOTH_DBS
def test_a_retry_recorded_after_its_retried_task_finished_names_its_stage_not_done(any_db: Settings) -> None:
    """Jitter can make a retry's countdown 0: the retried task may finish before ``on_retry`` commits."""
    doc_id = _document_in(Status.OCR_RUNNING, Status.LLM_RUNNING, Status.DONE)
    exc = LLMTransientError("LLM endpoint answered HTTP 503", status=503)
    _call(tasks.extract, "on_retry", exc, doc_id, _einfo(Retry(exc=exc, when=0)))
    last = _events(doc_id)[-1]
    assert (last.kind, last.from_status, last.to_status) == ("retry", "llm_running", "llm_running")
    assert [e.to_status for e in _events(doc_id) if e.to_status == "done"] == ["done"]  # one done, still
    assert documents.get_document(doc_id).status == "done"


def test_on_retry_never_raises_when_the_database_is_the_outage(kit: Settings) -> None:
    exc = sqlalchemy.exc.OperationalError("x", {}, Exception("gone"))
    _call(tasks.ocr, "on_retry", exc, "no-such-document", _einfo(Retry(exc=exc, when=1)))


@BOTH_DBS
def test_on_failure_of_a_permanent_error_fails_with_one_line_and_the_traceback_in_the_event(
    any_db: Settings,
) -> None:
    doc_id = _document_in(Status.OCR_RUNNING)
    exc = NoTextFound(2)
    _call(tasks.ocr, "on_failure", exc, doc_id, _einfo(exc))
    doc = documents.get_document(doc_id)
    assert doc.status == "failed" and doc.error == str(exc) and "Traceback" not in doc.error
    last = _events(doc_id)[-1]
    assert (last.from_status, last.to_status, last.task_id) == ("ocr_running", "failed", "task-1")
    assert last.detail.startswith(str(exc)) and "Traceback" in last.detail and "NoTextFound" in last.detail


@BOTH_DBS
def test_on_failure_after_the_last_retry_says_what_to_check(any_db: Settings) -> None:
    doc_id = _document_in(Status.OCR_RUNNING, Status.LLM_RUNNING)
    exc = LLMTransientError("LLM endpoint answered HTTP 503", status=503)
    retries = tasks.extract.max_retries  # autoretry_for hands the error to on_failure only then
    _call(tasks.extract, "on_failure", exc, doc_id, _einfo(exc), retries=retries)
    error = documents.get_document(doc_id).error
    assert error.startswith(
        f"Gave up after {retries} retries of the extract stage; last error: LLMTransientError"
    )
    assert "credit-ocr submit --retry" in error and "Traceback" not in error


@BOTH_DBS
def test_a_timeout_that_failed_for_good_reads_as_one_sentence(any_db: Settings) -> None:
    """The timeout's own message must not promise a retry once the retries are spent, nor end in '..'."""
    import openai

    from credit_ocr.config import get_settings
    from credit_ocr.reading.extraction.llm import _classify

    doc_id = _document_in(Status.OCR_RUNNING, Status.LLM_RUNNING)
    exc = _classify(openai.APITimeoutError(request=None), get_settings())
    _call(tasks.extract, "on_failure", exc, doc_id, _einfo(exc), retries=tasks.extract.max_retries)
    error = documents.get_document(doc_id).error
    assert "CREDIT_OCR_LLM_TIMEOUT" in error and "Will retry" not in error and ".." not in error, error


@BOTH_DBS
def test_a_transient_error_after_the_body_leaves_the_document_to_the_reconciler(any_db: Settings) -> None:
    """E.g. Celery could not publish the chain's next task while Redis restarted: the stage's work is
    committed, the document is not failed (the reconciler sends it on)."""
    doc_id = _document_in(Status.OCR_RUNNING)
    exc = kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    _call(tasks.ocr, "on_failure", exc, doc_id, _einfo(exc), retries=0)
    assert documents.get_document(doc_id).status == "ocr_running"


@BOTH_DBS
def test_on_failure_of_a_time_limit_and_of_a_poison_message(any_db: Settings) -> None:
    slow = _document_in(Status.OCR_RUNNING)
    _call(tasks.ocr, "on_failure", SoftTimeLimitExceeded(), slow, _einfo(SoftTimeLimitExceeded()), retries=1)
    assert "CREDIT_OCR_SOFT_TIME_LIMIT" in documents.get_document(slow).error
    killed = _document_in(Status.OCR_RUNNING)  # the hard limit: the worker's parent reports it
    _call(tasks.ocr, "on_failure", TimeLimitExceeded(300), killed, _einfo(TimeLimitExceeded(300)))
    assert "CREDIT_OCR_TIME_LIMIT" in documents.get_document(killed).error
    poison = _document_in()  # the cap was hit before the first move: still pending
    exc = TooManyDeliveries(8, 8)
    _call(tasks.ocr, "on_failure", exc, poison, _einfo(exc))
    doc = documents.get_document(poison)
    assert doc.status == "failed" and "CREDIT_OCR_MAX_ATTEMPTS=8" in doc.error


@BOTH_DBS
def test_on_failure_leaves_a_finished_or_missing_document_alone(any_db: Settings) -> None:
    done = _document_in(Status.OCR_RUNNING, Status.LLM_RUNNING, Status.DONE)
    before = len(_events(done))
    exc = IllegalTransition(done, Status.DONE, Status.LLM_RUNNING)
    _call(tasks.extract, "on_failure", exc, done, _einfo(exc))
    assert documents.get_document(done).status == "done" and len(_events(done)) == before
    _call(tasks.extract, "on_failure", exc, "no-such-document", _einfo(exc))  # logged, never raised

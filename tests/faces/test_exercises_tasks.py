"""Exercises 08.1 and 08.2: the student's task module on a real worker against the stand-in LLM."""

from __future__ import annotations

import pytest

from credit_ocr.faces import exercises
from credit_ocr.faces.exercises.core import verdict
from credit_ocr.faces.standin import start_llm_server_process

pytestmark = [pytest.mark.slow, pytest.mark.services]

HEAD = """
from celery import Celery

from credit_ocr.config import get_settings
from credit_ocr.reading.extraction import LLMTransientError
from credit_ocr.reading.extraction.llm import extract_llm

app = Celery("my_tasks")
app.config_from_object("celeryconfig")

"""
BODY = """
def read_fields(self, text, llm_url):
    settings = get_settings().model_copy(update={"llm_base_url": llm_url})
    return extract_llm(text, settings).fields
"""
SOLUTION = (
    HEAD
    + (
        "@app.task(bind=True, autoretry_for=(LLMTransientError,), retry_backoff=1, retry_backoff_max=1,"
        " retry_jitter=True, max_retries=5)"
    )
    + BODY
)
RETRIES_EVERYTHING = (
    HEAD + "@app.task(bind=True, autoretry_for=(Exception,), default_retry_delay=0, max_retries=2)" + BODY
)
TEXT = "Company Name  Weser Kontor GmbH\nLoan Amount  EUR 2,500,000\n"


def _run(path, source: str, llm) -> tuple[object, object, int]:
    """Write the module, run a flaky call and a malformed one on a worker; (flaky, malformed, retries)."""
    path.write_text(source)
    with exercises.task_worker(path) as run:
        llm.configure(fail_rate=0.5, malformed_next=0, seed=3)  # the first call fails, then it answers
        flaky = run.send("read_fields", TEXT, llm.url)
        run.wait(flaky)
        llm.configure(fail_rate=0.0, malformed_next=2)
        malformed = run.send("read_fields", TEXT, llm.url)
        run.wait(malformed)
    assert "my_tasks.read_fields" in run.registered
    events = run.events(flaky)
    return flaky, malformed, int((events["type"] == "task-retried").sum())


def test_08_a_task_that_retries_transient_errors_only(kit) -> None:
    llm = start_llm_server_process(seed=7)
    try:
        path = exercises.task_module_path()
        assert not path.is_absolute() and path.parent.joinpath("celeryconfig.py").exists()
        flaky, malformed, retries = _run(path, SOLUTION, llm)
        assert retries >= 1
        passed = verdict("08.1", {"task": flaky, "retries": retries})
        assert passed.passed, passed.message
        assert "count the task-retried events" in verdict("08.1", {"task": flaky, "retries": 0}).message
        gives_up = verdict("08.2", malformed)
        assert gives_up.passed, gives_up.message
        assert "that call succeeded" in verdict("08.2", flaky.id).message

        flaky, malformed, retries = _run(path, RETRIES_EVERYTHING, llm)
        assert "retried a permanent error 1 time(s)" in verdict("08.2", malformed).message
        assert "retries came at once" in verdict("08.1", {"task": flaky, "retries": retries}).message
    finally:
        llm.stop()
    assert "no Celery event of that task" in verdict("08.2", "not-a-task-id").message

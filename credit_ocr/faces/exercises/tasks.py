"""Exercises of lesson 08: a task of the student's own that retries a transient error, and only that.

The checks read the Celery events that :mod:`.taskworker` recorded for the task ids the student names,
and the task's own options (its app is the module the worker ran).
"""

from __future__ import annotations

from typing import Any

from credit_ocr.faces.exercises.core import NotYet, exercise
from credit_ocr.faces.exercises.taskworker import recorded

__all__: list[str] = []


def _option(options: str, name: str) -> str:
    """One option's value in the worker's ``registered`` line ('retry_backoff=1 max_retries=5')."""
    for part in options.split(" "):
        key, _, value = part.partition("=")
        if key == name:
            return value
    return ""


def _kinds(events: list[dict], kind: str) -> list[dict]:
    return [e for e in events if e.get("type") == kind]


@exercise(
    "08.1",
    "A task that retries a transient error with backoff",
    "Set `answer` to {'task': <the AsyncResult of a call that met transient errors>, 'retries': <how many "
    "times it was retried, counted from run.events(...)>}.",
)
def _retries(answer: Any) -> str:
    if not isinstance(answer, dict) or not {"task", "retries"} <= set(answer):
        raise NotYet("expected a dict with the keys 'task' and 'retries'.")
    events, run = recorded(answer["task"])
    retried, failed = _kinds(events, "task-retried"), _kinds(events, "task-failed")
    if not retried:
        if failed:
            raise NotYet(
                f"the task failed without a retry ({failed[-1].get('exception', '')[:90]}): make Celery retry "
                "LLMTransientError (autoretry_for)."
            )
        raise NotYet(
            "that call never met an error: make the stand-in flaky first (llm.configure(fail_rate=...))."
        )
    if failed:
        raise NotYet(f"after {len(retried)} retries it still failed: allow more retries (max_retries).")
    if answer["retries"] != len(retried):
        raise NotYet(
            f"you counted {answer['retries']!r} retries; count the task-retried events of that task."
        )
    name = next((e.get("name") for e in events if e.get("name")), "")
    if _option(run.registered.get(name, ""), "retry_backoff") in ("", "False", "0"):
        raise NotYet(
            "the retries came at once: add retry_backoff (and retry_jitter), so a struggling endpoint gets air."
        )
    return (
        "the task met transient errors, was retried with backoff and then succeeded: each retry is a "
        "task-retried event (the same ones Flower shows), and the caller got one result."
    )


@exercise(
    "08.2",
    "The same task gives up on a permanent error",
    "Set `answer` to the AsyncResult (or id) of a call that met a permanent error (a malformed answer).",
)
def _gives_up(answer: Any) -> str:
    events, _run = recorded(answer)
    failed = _kinds(events, "task-failed")
    retried = [e for e in _kinds(events, "task-retried") if "LLMPermanentError" in str(e.get("exception"))]
    if retried:
        raise NotYet(
            f"your task retried a permanent error {len(retried)} time(s): autoretry_for should name "
            "LLMTransientError only, since the same prompt gets the same bad answer."
        )
    if not failed:
        raise NotYet(
            "that call succeeded: make the stand-in answer non-JSON (llm.configure(malformed_next=2))."
        )
    error = str(failed[-1].get("exception", ""))
    if "LLMPermanentError" not in error:
        raise NotYet(f"it failed with {error[:90]}: the permanent case is an LLMPermanentError.")
    return (
        "the permanent error failed the task at once, with no retry: a retry would only get the same answer."
    )

"""Lesson 08's exercises run the student's own task on a real worker: this module starts it and records its events.

The student writes a module (``%%writefile``) with a plain Celery app and one task; :func:`task_worker`
starts a real ``celery worker`` process on that module, the way any project runs its tasks, and records
the Celery task events the worker sends (received, started, retried, succeeded, failed: what Flower
shows). The notebook sends the task *by name* (``run.send("read_fields", ...)``), as a web front end
that does not import the workers' code would: the worker alone imports the module, so an edited module
takes effect at the next start, and nothing stale stays in the kernel. The app's broker is the kit's
Redis in a database of its own (``celeryconfig.py``, written beside the module), so the kit's workers
and queues never see the student's tasks.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pandas as pd
from celery import Celery
from celery.result import AsyncResult

from credit_ocr.config import get_settings
from credit_ocr.faces.exercises.core import NotYet
from credit_ocr.pipeline.workers import worker_env
from credit_ocr.runtime.processes import ChildProcess, ServiceError, python_module
from credit_ocr.runtime.waiting import ConditionTimeout, wait_until

__all__ = [
    "TASK_MODULE",
    "TaskModuleError",
    "TaskRun",
    "events_frame",
    "recorded",
    "task_module_path",
    "task_worker",
]

#: The module name of the student's tasks (``my_tasks.py``), as the worker imports it.
TASK_MODULE = "my_tasks"
FINAL = ("task-succeeded", "task-failed")
#: The task options a check reads from the running worker (``inspect().registered(...)``).
OPTIONS = ("autoretry_for", "retry_backoff", "retry_jitter", "max_retries")


class TaskModuleError(RuntimeError):
    """The student's task module cannot be run; the message says what to fix."""


def _own_database(url: str) -> str:
    """The broker URL with another Redis database number (1, or 2 when the kit's is 1)."""
    parts = urlsplit(url)
    current = parts.path.strip("/") or "0"
    return urlunsplit(parts._replace(path="/2" if current == "1" else "/1"))


def _config() -> dict[str, Any]:
    return {
        "broker_url": _own_database(get_settings().broker),
        "task_serializer": "json",
        "accept_content": ["json"],
        "task_acks_late": True,
        "worker_prefetch_multiplier": 1,
        "worker_send_task_events": True,
        "task_send_sent_event": True,
    }


def _folder() -> Path:
    return get_settings().home_dir / "exercises" / "tasks"


def task_module_path() -> Path:
    """Where ``%%writefile`` puts your module: a fresh ``my_tasks.py`` in ``<home>/exercises/tasks``,
    beside the ``celeryconfig.py`` written here (a path relative to this notebook's folder)."""
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"{key} = {value!r}" for key, value in _config().items()]
    note = "# Celery settings of exercise 08 (credit_ocr.faces.exercises): the kit's Redis, a database of its own"
    (folder / "celeryconfig.py").write_text("\n".join([note, *lines]) + "\n")
    module = folder / f"{TASK_MODULE}.py"
    module.unlink(missing_ok=True)  # so %%writefile says "Writing", each time
    return Path(os.path.relpath(module))


class EventRecorder:
    """Celery's task and worker events of one broker, received on a thread and kept in a list."""

    def __init__(self, app: Celery) -> None:
        self.app = app
        self.events: list[dict] = []
        self._receiver: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> EventRecorder:
        self._thread = threading.Thread(target=self._run, name="exercise-events", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        with self.app.connection_for_read() as connection:
            self._receiver = self.app.events.Receiver(connection, handlers={"*": self.events.append})
            with contextlib.suppress(Exception):  # the broker went away: nothing more to record
                self._receiver.capture(limit=None, timeout=None, wakeup=False)

    def saw(self, kinds: tuple[str, ...], **fields: str) -> bool:
        return any(
            e.get("type") in kinds and all(e.get(k) == v for k, v in fields.items()) for e in self.events
        )

    def stop(self) -> None:
        if self._receiver is not None:
            self._receiver.should_stop = True
        if self._thread is not None:
            self._thread.join(5)


@dataclass
class _Worker(ChildProcess):
    """A ``celery worker`` on the student's module: ready when its events reach the recorder."""

    recorder: EventRecorder | None = None

    @property
    def hostname(self) -> str:
        return f"{self.name}@{socket.gethostname()}"

    def ready(self) -> bool:
        return self.recorder is not None and self.recorder.saw(
            ("worker-online", "worker-heartbeat"), hostname=self.hostname
        )

    def not_ready(self, exc: Exception) -> Exception:
        return TaskModuleError(f"The worker on {TASK_MODULE}.py did not start: {exc}")


@dataclass
class TaskRun:
    """A running worker on the student's module, and the Celery events it sent (see :func:`task_worker`)."""

    app: Celery  # a client of the exercise's broker: sends by name, receives the events
    worker: _Worker
    recorder: EventRecorder
    registered: dict[str, str] = field(default_factory=dict)  # task name → its options, as the worker said
    _stopped: bool = field(default=False, repr=False)

    def send(self, task: str, *args: Any) -> AsyncResult:
        """Send ``my_tasks.<task>`` with ``args`` (JSON); its result handle (``.id``)."""
        name = task if "." in task else f"{TASK_MODULE}.{task}"
        if name not in self.registered:
            known = ", ".join(sorted(self.registered)) or "none"
            raise TaskModuleError(f"The worker has no task {name!r} (it runs: {known}).")
        return self.app.send_task(name, args=list(args))

    def wait(self, result: Any, timeout: float = 60.0) -> str:
        """Block until the task has succeeded or failed for good; its last event type."""
        task_id = _task_id(result)
        wait_until(lambda: self.recorder.saw(FINAL, uuid=task_id), timeout, what=f"task {task_id} finished")
        return [e["type"] for e in self.recorder.events if e.get("uuid") == task_id][-1]

    def events(self, result: Any = None) -> pd.DataFrame:
        """The task events recorded (of one task when given): type, task id, retries, exception, time."""
        return events_frame(self.recorder.events, None if result is None else _task_id(result))

    def stop(self) -> None:
        if not self._stopped:
            self.worker.stop()
            self.recorder.stop()
            self._stopped = True


#: Every run of this process, so that a check finds the events of a task id wherever they were recorded.
_RUNS: list[TaskRun] = []


def _registered(app: Celery, hostname: str) -> dict[str, str]:
    """The worker's tasks (of the student's module) with their retry options, as the worker reports them.

    Asked until the worker answers: its online event can come before its control queue listens.
    """

    def answer() -> tuple[list[str]] | None:
        replies = app.control.inspect(destination=[hostname], timeout=1).registered(*OPTIONS) or {}
        return (replies[hostname],) if hostname in replies else None

    try:
        (lines,) = wait_until(answer, 30, what=f"{hostname} to list its tasks")
    except ConditionTimeout as exc:
        raise TaskModuleError(f"The worker on {TASK_MODULE}.py does not answer: {exc}") from exc
    out = {}
    for line in lines:
        name, _, options = line.partition(" ")
        if name.startswith(f"{TASK_MODULE}."):
            out[name] = options.strip("[]")
    return out


@contextlib.contextmanager
def task_worker(path: str | Path, concurrency: int = 4) -> Iterator[TaskRun]:
    """``with task_worker(path) as run:`` a real worker (threads) on your module, stopped at the end.

    The queue of the exercise's broker is emptied first: messages of an earlier run are not delivered.
    """
    folder = Path(path).resolve().parent
    app = Celery("exercise-08-client", set_as_current=False)
    app.conf.update(_config())
    app.control.purge()
    recorder = EventRecorder(app).start()
    name = f"exercise-{uuid.uuid4().hex[:6]}"
    argv = python_module(
        "celery", "-A", TASK_MODULE, "worker", "--pool", "threads", "--concurrency", str(concurrency),
        "--hostname", f"{name}@%h", "--loglevel", "INFO", "--without-mingle", "--without-gossip", "--task-events",
    )  # fmt: skip
    env = worker_env(omp_thread_limit=False, extra={"PYTHONPATH": str(folder)})
    worker = _Worker(name, argv, get_settings().log_dir / f"worker-{name}.log", env, recorder=recorder)
    try:
        worker.start(60.0)
        run = TaskRun(app, worker, recorder, _registered(app, worker.hostname))
    except (ServiceError, TaskModuleError):
        worker.kill()
        recorder.stop()
        raise
    _RUNS.append(run)
    try:
        yield run
    finally:
        run.stop()


def _task_id(result: Any) -> str:
    task_id = getattr(result, "id", result)
    if not isinstance(task_id, str):
        raise NotYet(
            f"expected a task id or the AsyncResult that run.send() returned, got {type(result).__name__}."
        )
    return task_id


def events_frame(events: list[dict], task_id: str | None = None) -> pd.DataFrame:
    """Task events as a table, in the order they arrived."""
    rows = [
        {
            "type": e.get("type"),
            "task_id": e.get("uuid"),
            "name": e.get("name"),
            "retries": e.get("retries"),
            "exception": e.get("exception"),
            "timestamp": pd.to_datetime(e.get("timestamp"), unit="s", utc=True),
        }
        for e in events
        if str(e.get("type", "")).startswith("task-") and (task_id is None or e.get("uuid") == task_id)
    ]
    return pd.DataFrame(rows, columns=["type", "task_id", "name", "retries", "exception", "timestamp"])


def recorded(answer: Any) -> tuple[list[dict], TaskRun]:
    """The events of the task the answer names, and the run that recorded them; the hint if none."""
    task_id = _task_id(answer)
    for run in reversed(_RUNS):
        events = [e for e in run.recorder.events if e.get("uuid") == task_id]
        if events:
            if not any(e.get("type") in FINAL for e in events):
                raise NotYet("that task has not finished yet: run.wait(result) before reading its events.")
            return events, run
    raise NotYet(
        "no Celery event of that task was recorded: send it inside `with exercises.task_worker(path) as run:`."
    )

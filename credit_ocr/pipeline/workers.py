"""Start and stop real ``celery worker`` processes from Python or a notebook, and ask them questions.

``start_worker()`` returns once the worker answers a ping, so the next cell can submit. Each worker logs
to ``CREDIT_OCR_HOME/logs/worker-<name>.log`` and runs in its own process group: ``stop()`` is a warm
shutdown (running tasks finish) and ``kill()`` is a crash (SIGKILL to every process of the worker).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from credit_ocr.config import cpu_count, get_settings
from credit_ocr.pipeline.celery_app import QUEUES, get_app


class WorkerError(RuntimeError):
    """A worker did not start or answer; the message points at its log."""


@dataclass(frozen=True)
class Preset:
    queues: tuple[str, ...]
    pool: str
    concurrency: int
    omp_thread_limit: bool = True


def presets() -> dict[str, Preset]:
    """Worker layouts: ``ocr`` (CPU-bound: prefork, one process per core), ``llm`` (I/O-bound: 16
    threads), ``both`` (the original course's single worker: prefork, concurrency 2, both queues)."""
    return {
        "ocr": Preset(("ocr",), "prefork", cpu_count()),
        "llm": Preset(("llm",), "threads", 16),
        "both": Preset(("ocr", "llm"), "prefork", 2),
    }


@dataclass
class WorkerHandle:
    """A running worker process: its node name, pid and log, and the means to stop it."""

    name: str
    queues: tuple[str, ...]
    pool: str
    concurrency: int
    log_path: Path
    process: subprocess.Popen = field(repr=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def hostname(self) -> str:
        return f"{self.name}@{socket.gethostname()}"

    def alive(self) -> bool:
        return self.process.poll() is None

    def ping(self, timeout: float = 1.0) -> bool:
        return self.hostname in ping_workers(timeout=timeout, destination=[self.hostname])

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Block until the worker answers a ping (or fail with the tail of its log)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise WorkerError(
                    f"Worker {self.name} exited (code {self.process.returncode}):\n{self.log_tail()}"
                )
            if self.ping(timeout=0.5):
                return
        raise WorkerError(
            f"Worker {self.name} did not answer a ping within {timeout:.0f}s:\n{self.log_tail()}"
        )

    def log_tail(self, chars: int = 2000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return "(no log)"

    def children(self) -> list[int]:
        """Pids of the worker's pool processes (prefork), for fault experiments."""
        import psutil

        try:
            return [c.pid for c in psutil.Process(self.pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def stop(self, timeout: float = 30.0) -> None:
        """Warm shutdown: running tasks finish, then the worker exits; SIGKILL after ``timeout``."""
        if not self.alive():
            self._kill_group()  # pool processes may outlive a main process that died
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        self._kill_group()

    def kill(self) -> None:
        """A crash: SIGKILL to the worker and its pool processes (their messages stay unacknowledged)."""
        self._kill_group()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)

    def _kill_group(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)

    def __enter__(self) -> WorkerHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def worker_command(
    queues: Sequence[str],
    concurrency: int,
    pool: str,
    name: str,
    *,
    loglevel: str = "INFO",
    beat: bool = False,
) -> list[str]:
    """The ``celery worker`` command line the kit runs (also shown in notebooks)."""
    argv = [
        sys.executable, "-m", "celery", "-A", "credit_ocr.pipeline.celery_app:app", "worker",
        "--queues", ",".join(queues), "--concurrency", str(concurrency), "--pool", pool,
        "--hostname", f"{name}@%h", "--loglevel", loglevel, "--without-mingle", "--without-gossip",
        "--task-events",
    ]  # fmt: skip
    if beat:
        argv.append("--beat")
    return argv


def _worker_env(omp_thread_limit: bool, extra: dict[str, str] | None) -> dict[str, str]:
    settings = get_settings()
    env = dict(os.environ)
    env["CREDIT_OCR_HOME"] = str(settings.home_dir)  # the child finds the same state folder
    env.setdefault("CREDIT_OCR_BROKER_URL", settings.broker)
    if omp_thread_limit:
        env["OMP_THREAD_LIMIT"] = "1"  # tesseract's threads cost 3-5x throughput when processes share cores
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def start_worker(
    queues: Sequence[str] | None = None,
    concurrency: int | None = None,
    pool: str | None = None,
    *,
    preset: str | None = None,
    name: str | None = None,
    wait: bool = True,
    timeout: float = 60.0,
    env: dict[str, str] | None = None,
    beat: bool = False,
    loglevel: str = "INFO",
) -> WorkerHandle:
    """Start a real Celery worker with the kit's settings; by default wait until it answers a ping."""
    chosen = presets()[preset] if preset else presets()["both"]
    queues = tuple(queues or chosen.queues)
    unknown = set(queues) - set(QUEUES)
    if unknown:
        raise WorkerError(f"Unknown queue(s) {sorted(unknown)}: the kit's queues are {', '.join(QUEUES)}.")
    pool = pool or chosen.pool
    concurrency = concurrency or chosen.concurrency
    name = name or f"{preset or '-'.join(queues)}-{uuid.uuid4().hex[:6]}"
    log_path = get_settings().log_dir / f"worker-{name}.log"
    log = open(log_path, "ab")  # noqa: SIM115 - handed to the child
    process = subprocess.Popen(
        worker_command(queues, concurrency, pool, name, beat=beat, loglevel=loglevel),
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=_worker_env(chosen.omp_thread_limit and "ocr" in queues, env),
        start_new_session=True,  # its own process group: kill() takes the pool children too
    )
    log.close()
    handle = WorkerHandle(name, queues, pool, concurrency, log_path, process)
    if wait:
        try:
            handle.wait_ready(timeout)
        except WorkerError:
            handle.kill()
            raise
    return handle


@contextlib.contextmanager
def running_workers(*specs: dict) -> Iterator[list[WorkerHandle]]:
    """``with running_workers({"preset": "ocr"}, {"preset": "llm"}) as ws:`` — stopped on exit."""
    handles: list[WorkerHandle] = []
    try:
        for spec in specs:
            handles.append(start_worker(**spec))
        yield handles
    finally:
        for h in handles:
            h.stop()


def ping_workers(timeout: float = 1.0, destination: list[str] | None = None) -> list[str]:
    """Node names of the workers that answer a ping within ``timeout``."""
    replies = get_app().control.ping(timeout=timeout, destination=destination) or []
    return sorted(name for reply in replies for name in reply)


def queue_lengths() -> dict[str, int]:
    """Messages waiting in each queue (all priority levels), read from Redis."""
    from credit_ocr.pipeline.celery_app import PRIORITY_LEVELS
    from credit_ocr.state.events import redis_client

    client = redis_client()
    out = {}
    for q in QUEUES:
        keys = [q] + [f"{q}:{i}" for i in range(1, PRIORITY_LEVELS)]
        out[q] = int(sum(client.llen(k) for k in keys))
    return out

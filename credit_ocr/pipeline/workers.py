"""Start and stop real ``celery worker`` processes from Python or a notebook, and ask them questions.

``start_worker()`` returns once the worker answers a ping, so the next cell can submit. Each worker logs
to ``CREDIT_OCR_HOME/logs/worker-<name>.log`` and runs in its own process group: ``stop()`` is a warm
shutdown (running tasks finish) and ``kill()`` is a crash (SIGKILL to every process of the worker).
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import psutil
from kombu.exceptions import OperationalError

from credit_ocr.config import Settings, cpu_count, get_settings
from credit_ocr.pipeline.celery_app import PRIORITY_LEVELS, QUEUES, get_app
from credit_ocr.runtime.processes import ChildProcess, child_env, python_module
from credit_ocr.state.events import redis_client


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
class WorkerHandle(ChildProcess):
    """A running ``celery worker``: a :class:`~credit_ocr.runtime.processes.ChildProcess` that is ready
    when it answers Celery's ``ping`` (its own readiness), with its node name and queues."""

    queues: tuple[str, ...] = ()
    pool: str = "prefork"
    concurrency: int = 1

    @property
    def hostname(self) -> str:
        return f"{self.name}@{socket.gethostname()}"

    def ping(self, timeout: float = 1.0) -> bool:
        return self.hostname in ping_workers(timeout=timeout, destination=[self.hostname])

    def ready(self) -> bool:
        try:
            return self.ping(timeout=1.0)  # a loaded machine answers a broadcast late
        except (OSError, OperationalError):  # the broker is restarting: not ready yet
            return False

    def not_ready(self, exc: Exception) -> Exception:
        return WorkerError(f"Worker {self.name} did not start: {exc}")

    def children(self) -> list[int]:
        """Pids of the worker's pool processes (prefork), for fault experiments."""
        try:
            return [c.pid for c in psutil.Process(self.pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def stop(self, timeout: float = 30.0) -> None:
        """Warm shutdown: running tasks finish, then the worker exits; SIGKILL after ``timeout``."""
        super().stop(timeout)


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
    argv = python_module(
        "celery", "-A", "credit_ocr.pipeline.celery_app:app", "worker",
        "--queues", ",".join(queues), "--concurrency", str(concurrency), "--pool", pool,
        "--hostname", f"{name}@%h", "--loglevel", loglevel, "--without-mingle", "--without-gossip",
        "--task-events",
    )  # fmt: skip
    if beat:
        argv.append("--beat")
    return argv


def worker_env(
    settings: Settings | None = None, *, omp_thread_limit: bool = True, extra: dict[str, str] | None = None
) -> dict[str, str]:
    """The environment of a worker: the settings in force (passed, not inherited) and its tuning."""
    settings = settings or get_settings()
    settings.broker  # noqa: B018 - no broker: the ConfigurationError says how to start one, before any start
    env = child_env(settings, PYTHONUNBUFFERED="1")
    if omp_thread_limit:
        env["OMP_THREAD_LIMIT"] = "1"  # tesseract's threads cost 3-5x throughput when processes share cores
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
    settings: Settings | None = None,
    beat: bool = False,
) -> WorkerHandle:
    """Start a real Celery worker with the settings in force; by default wait until it answers a ping.

    ``env``: extra variables for the worker (not settings: those come from ``settings``); ``beat``: it also
    runs the periodic reconciler (one beat per deployment).
    """
    settings = settings or get_settings()
    chosen = presets()[preset] if preset else presets()["both"]
    queues = tuple(queues or chosen.queues)
    unknown = set(queues) - set(QUEUES)
    if unknown:
        raise WorkerError(f"Unknown queue(s) {sorted(unknown)}: the kit's queues are {', '.join(QUEUES)}.")
    pool = pool or chosen.pool
    concurrency = concurrency or chosen.concurrency
    name = name or f"{preset or '-'.join(queues)}-{uuid.uuid4().hex[:6]}"
    handle = WorkerHandle(
        name=name,
        argv=worker_command(queues, concurrency, pool, name, beat=beat),
        log_path=settings.log_dir / f"worker-{name}.log",
        env=worker_env(settings, omp_thread_limit=chosen.omp_thread_limit and "ocr" in queues, extra=env),
        queues=queues,
        pool=pool,
        concurrency=concurrency,
    )
    handle.launch()
    if wait:
        handle.wait_ready(timeout)
    return handle


def ping_workers(timeout: float = 1.0, destination: list[str] | None = None) -> list[str]:
    """Node names of the workers that answer a ping within ``timeout``."""
    app = get_app()
    with app.connection_for_write() as connection:  # a connection of its own: never a pooled one gone stale
        replies = app.control.ping(timeout=timeout, destination=destination, connection=connection) or []
    return sorted(name for reply in replies for name in reply)


def consumers(timeout: float = 1.0) -> dict[str, list[str]]:
    """The workers that consume each of the kit's queues, as they answer Celery's ``active_queues``."""
    app = get_app()
    with app.connection_for_write() as connection:
        replies = app.control.inspect(timeout=timeout, connection=connection).active_queues() or {}
    listening: dict[str, list[str]] = {name: [] for name in QUEUES}
    for worker, queues in replies.items():
        for queue in queues:
            listening.setdefault(queue["name"], []).append(worker)
    return listening


def queue_lengths() -> dict[str, int]:
    """Messages waiting in each queue (all priority levels), read from Redis."""
    client = redis_client()
    out = {}
    for q in QUEUES:
        keys = [q] + [f"{q}:{i}" for i in range(1, PRIORITY_LEVELS)]
        out[q] = int(sum(client.llen(k) for k in keys))
    return out

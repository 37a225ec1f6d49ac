"""The soak-and-chaos run: documents flow through real workers while workers and services fail under them.

Why it exists: "nothing is lost, nothing is booked twice" is a claim about failures, so it is measured
under failures. :func:`run_chaos` starts everything it will hurt in a temporary folder, on free ports
(its own redis-server, its own PostgreSQL cluster through ``initdb``/``pg_ctl``, its own Azurite, the
LLM stand-in failing 20% of calls, an OCR and an LLM worker), feeds generated documents at a steady
pace, and meanwhile:

- SIGKILLs a worker (OCR and LLM in turn) every few seconds and starts it again;
- restarts its Redis once (queues and unacknowledged messages are gone: the reconciler must find them),
  its PostgreSQL once (an immediate shutdown: the pool must recover) and its Azurite once;
- runs the reconciler every few seconds with a short deadline.

At the end it reads the database (the source of truth) and reports done / failed / lost, documents
with two ``done`` events, retries, redeliveries, reconciler pickups, faults and wall time. It never
touches a service it did not start (not 127.0.0.1:6379, not 127.0.0.1:5432).
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol

from sqlalchemy import func, select

from credit_ocr.config import cpu_count, override_settings
from credit_ocr.faces.standin import start_llm_server_process
from credit_ocr.pipeline import submit, workers
from credit_ocr.pipeline.reconcile import reconcile
from credit_ocr.reading.samples import _plan, make_document
from credit_ocr.runtime import services
from credit_ocr.runtime.waiting import ConditionTimeout, wait_until
from credit_ocr.state.db import Document, StatusEvent, session_scope
from credit_ocr.state.status import TERMINAL

log = logging.getLogger(__name__)

__all__ = ["ChaosError", "ChaosReport", "chaos_documents", "run_chaos"]

_TERMINAL = {s.value for s in TERMINAL}
#: Each service restarts once, when this share of the documents is terminal.
RESTARTS = ((0.2, "redis"), (0.45, "postgres"), (0.7, "azurite"))
#: How often the fault thread looks at the progress (workers are killed every ``kill_every`` seconds).
PROGRESS_EVERY = 0.5


class RestartableDatabase(Protocol):
    """A PostgreSQL the run may crash and restart (the tests' throwaway cluster is one)."""

    url: str

    def restart(self, down_for: float = 0.0) -> None: ...


class ChaosError(RuntimeError):
    """The chaos run could not set itself up (a service would not start); the message says which."""


@dataclass
class ChaosReport:
    """What a chaos run measured. ``ok`` is the verdict: 0 lost, 0 duplicated, 0 good documents failed."""

    docs: int
    submitted: int = 0
    done: int = 0
    failed: int = 0
    failed_good: int = 0  # every document of the run is a good one: a failure is the kit's fault
    lost: int = 0  # not terminal at the end
    duplicated: int = 0  # documents with two `done` events
    retries: int = 0  # `retry` events (transient errors retried with backoff)
    redeliveries: int = 0  # `redelivery` events (a message delivered again after its worker died)
    reconciler_pickups: int = 0  # `reconcile` events (re-enqueued from the database)
    faults: dict[str, int] = field(default_factory=dict)
    wall_seconds: float = 0.0
    database: str = ""
    blob_store: str = ""
    extractor: str = "llm"
    llm_calls: int = 0
    llm_failures_injected: int = 0
    errors: dict[str, int] = field(default_factory=dict)  # failed documents' errors, counted
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.duplicated == 0 and self.failed_good == 0

    def as_dict(self) -> dict:
        return {**asdict(self), "ok": self.ok}

    def lines(self) -> list[tuple[str, str]]:
        """The report as (label, value) rows for a table."""
        faults = ", ".join(f"{k} {v}" for k, v in sorted(self.faults.items())) or "none"
        return [
            ("documents (submitted)", f"{self.docs} ({self.submitted})"),
            ("done", str(self.done)),
            ("failed (good documents)", f"{self.failed} ({self.failed_good})"),
            ("lost (not terminal at the end)", str(self.lost)),
            ("finished twice (two `done` events)", str(self.duplicated)),
            ("retries", str(self.retries)),
            ("redeliveries", str(self.redeliveries)),
            ("reconciler pickups", str(self.reconciler_pickups)),
            ("faults injected", faults),
            ("LLM calls (failures injected)", f"{self.llm_calls} ({self.llm_failures_injected})"),
            ("database / blobs", f"{self.database} / {self.blob_store}"),
            ("wall time", f"{self.wall_seconds:.1f} s"),
            ("verdict", "OK" if self.ok else "FAILED"),
        ]


def chaos_documents(count: int, seed: int = 7, pool: int = 12) -> Iterator[tuple[bytes, str]]:
    """``count`` small documents (one page; text-layer and scanned PDFs in turn) as (bytes, name).

    A pool of ``pool`` distinct documents is made once and cycled: each upload is still its own document.
    """
    made: list[tuple[bytes, str]] = []
    index = 0
    while len(made) < min(pool, count):
        layer, _layout, _font, pages, _fmt = _plan(index)
        if layer in ("text", "scan") and pages == 1:
            data, name, _truth, _variant = make_document(seed, index)
            made.append((data, name))
        index += 1
    for i in range(count):
        data, name = made[i % len(made)]
        yield data, f"chaos_{i + 1:04d}_{name}"


class _Run:
    """The moving parts of one run, and the threads that feed, hurt and reconcile."""

    def __init__(self, docs: int, *, seed: int, kill_every: float, reconcile_every: float,
                 reconcile_deadline: float, max_in_flight: int, say: Callable[[str], None]) -> None:  # fmt: skip
        self.docs = docs
        self.seed = seed
        self.kill_every = kill_every
        self.reconcile_every = reconcile_every
        self.reconcile_deadline = reconcile_deadline
        self.max_in_flight = max_in_flight
        self.say = say
        self.ids: list[str] = []
        self.terminal = 0
        self.faults: Counter[str] = Counter()
        self.stop = threading.Event()
        self.fed = threading.Event()
        self.workers: dict[str, object] = {}
        self.redis: services.RedisServer | None = None
        self.postgres: RestartableDatabase | None = None
        self.azurite: services.AzuriteServer | None = None
        self.errors: list[str] = []
        self.restarts = list(RESTARTS)  # still to do: the run does not end before every one is done

    # --- the database view ---------------------------------------------------------------
    def count_terminal(self) -> None:
        ids = list(self.ids)
        if not ids:
            return
        try:
            with session_scope() as session:
                n = session.execute(
                    select(func.count()).where(Document.id.in_(ids), Document.status.in_(_TERMINAL))
                ).scalar_one()
            self.terminal = int(n)
        except Exception:  # noqa: BLE001 - the database may be the outage of the moment
            pass

    # --- feeding ---------------------------------------------------------------------------
    def feed(self) -> None:
        batch = submit.new_batch_id()
        try:
            for data, name in chaos_documents(self.docs, self.seed):
                with contextlib.suppress(ConditionTimeout):  # stopped
                    wait_until(self._room, None, interval=0.2, stop=self.stop)

                def upload(data: bytes = data, name: str = name) -> bool:
                    self.ids.extend(submit.submit([data], filenames=[name], batch_id=batch))
                    return True

                try:  # a client's duty: an upload refused during an outage is sent again
                    wait_until(
                        upload,
                        120,
                        what=f"upload of {name}",
                        interval=0.5,
                        ignore=(Exception,),
                        stop=self.stop,
                    )
                except ConditionTimeout as exc:
                    if not self.stop.is_set():
                        self.errors.append(str(exc)[:300])
                if self.stop.is_set():
                    return
        finally:
            self.fed.set()

    def _room(self) -> bool:
        return len(self.ids) - self.terminal < self.max_in_flight

    # --- reconciling -----------------------------------------------------------------------
    def reconcile_loop(self) -> None:
        while not self.stop.wait(self.reconcile_every):
            try:
                reconcile(older_than=self.reconcile_deadline)
            except Exception as exc:  # noqa: BLE001 - an outage: the next round tries again
                log.info("chaos: reconcile round skipped (%s)", exc.__class__.__name__)

    # --- hurting ---------------------------------------------------------------------------
    def start_worker(self, kind: str) -> None:
        """Start (or restart) a worker and wait for its ping, tolerating a broker that is restarting."""
        spec = {"ocr": {"preset": "ocr"}, "llm": {"preset": "llm", "concurrency": 8}}[kind]

        def started() -> bool:
            handle = workers.start_worker(**spec, name=f"chaos-{kind}", wait=False)
            self.workers[kind] = handle  # registered at once: whatever happens next, it is stopped at the end
            handle.wait_ready(60)
            return True

        try:
            wait_until(started, 90, what=f"the {kind} worker answering", ignore=(workers.WorkerError,))
        except ConditionTimeout as exc:
            raise ChaosError(str(exc)) from exc

    def kill_worker(self, kind: str) -> None:
        handle = self.workers[kind]
        handle.kill()  # type: ignore[attr-defined]
        self.faults[f"sigkill {kind} worker"] += 1
        self.start_worker(kind)

    def restart_service(self, name: str) -> None:
        self.say(f"restarting {name}")
        if name == "redis" and self.redis is not None:
            self.redis.restart(down_for=1.0)
        elif name == "postgres" and self.postgres is not None:
            self.postgres.restart(down_for=2.0)
        elif name == "azurite" and self.azurite is not None:
            self.azurite.stop()  # a clean stop: Azurite (not Azure) loses recent writes on SIGKILL
            time.sleep(1.0)  # the outage itself
            self.azurite.start(timeout=30)
        else:
            return
        self.faults[f"restart {name}"] += 1

    def fault_loop(self) -> None:
        """Restart each service when its share of the documents is terminal (the progress is read every
        ``PROGRESS_EVERY`` s, so a fast run cannot slip past one), kill a worker every ``kill_every`` s."""
        turn, next_kill = 0, time.monotonic() + self.kill_every
        while not self.stop.wait(PROGRESS_EVERY):
            progress = self.terminal / max(1, self.docs)
            try:
                while self.restarts and progress >= self.restarts[0][0]:
                    self.restart_service(self.restarts.pop(0)[1])
                if self.stop.is_set() or time.monotonic() < next_kill:
                    continue
                self.kill_worker(("ocr", "llm")[turn % 2])
                turn += 1
                next_kill = time.monotonic() + self.kill_every
            except Exception as exc:  # noqa: BLE001 - a fault that could not be injected is reported
                self.errors.append(f"fault injection failed: {exc}")
                log.exception("chaos: fault injection failed")


def _count_events(ids: list[str]) -> tuple[Counter[str], int, Counter[str], dict[str, int]]:
    """Events by kind, documents with >1 `done`, statuses, and failed documents' errors."""
    kinds: Counter[str] = Counter()
    done_per_doc: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        with session_scope() as session:
            for kind, to_status, doc_id in session.execute(
                select(StatusEvent.kind, StatusEvent.to_status, StatusEvent.document_id).where(
                    StatusEvent.document_id.in_(chunk)
                )
            ):
                kinds[kind] += 1
                if kind == "transition" and to_status == "done":
                    done_per_doc[doc_id] += 1
            for status, error in session.execute(
                select(Document.status, Document.error).where(Document.id.in_(chunk))
            ):
                statuses[status] += 1
                if status == "failed":
                    errors[(error or "")[:160]] += 1
    duplicated = sum(1 for n in done_per_doc.values() if n > 1)
    return kinds, duplicated, statuses, dict(errors)


def _own_services(run: _Run, root: Path, report: ChaosReport, postgres: RestartableDatabase | None) -> None:
    """Start the run's own Redis and Azurite; use ``postgres`` (restarted once) when given, else SQLite."""
    try:
        run.redis = services.start_redis(folder=root / "redis", name="chaos-redis")
        run.azurite = services.start_azurite(folder=root / "azurite")
    except services.ServiceError as exc:
        raise ChaosError(f"The chaos run could not start its own services: {exc}") from exc
    run.postgres = postgres
    if postgres is not None:
        report.database = "postgresql (own cluster, restarted once)"
    else:
        report.database = "sqlite (no database restart)"
        report.notes.append("no PostgreSQL cluster given (run_chaos(postgres=...)): SQLite used instead")
    report.blob_store = "azurite (own, restarted once)"


def _run_settings(run: _Run, root: Path, llm_url: str) -> dict:
    """The settings of the run, put in force with ``override_settings`` (workers get them passed)."""
    assert run.redis is not None and run.azurite is not None
    return {
        "home": root / "var",
        "broker_url": run.redis.url,
        "result_backend": None,
        "database_url": run.postgres.url if run.postgres is not None else None,
        "azure_connection_string": run.azurite.connection_string,
        "azure_container": "chaos",
        "extractor": "llm",
        "llm_base_url": llm_url,
        "llm_timeout": 10,
        # a killed worker's message comes back after the visibility timeout (above the hard limit)
        "soft_time_limit": 30,
        "time_limit": 40,
        "visibility_timeout": 45,
        "retry_backoff_max": 8,
        "notify_url": None,
    }


def _drive(run: _Run, started: float, limit: float, report: ChaosReport) -> None:
    """Feed, hurt and reconcile until every submitted document is terminal (or ``limit`` seconds)."""
    run.start_worker("ocr")
    run.start_worker("llm")
    run.say(f"feeding {run.docs} documents; a worker is killed every {run.kill_every:g}s")
    threads = [
        threading.Thread(target=run.feed, name="chaos-feed", daemon=True),
        threading.Thread(target=run.reconcile_loop, name="chaos-reconcile", daemon=True),
        threading.Thread(target=run.fault_loop, name="chaos-faults", daemon=True),
    ]
    for t in threads:
        t.start()
    said = [time.monotonic()]

    def all_terminal() -> bool:
        run.count_terminal()
        if time.monotonic() - said[0] > 15:
            run.say(f"{run.terminal}/{run.docs} terminal, faults so far: {dict(run.faults)}")
            said[0] = time.monotonic()
        return run.fed.is_set() and run.terminal >= len(run.ids) and not run.restarts

    try:
        wait_until(all_terminal, max(0.0, limit - (time.monotonic() - started)), interval=0.5)
    except ConditionTimeout:
        report.notes.append(f"stopped after {limit:.0f}s with documents still open")
    run.stop.set()
    for t in threads:
        t.join(timeout=90)


def run_chaos(
    docs: int = 200,
    *,
    seed: int = 7,
    kill_every: float = 5.0,
    reconcile_every: float = 4.0,
    reconcile_deadline: float = 30.0,
    llm_fail_rate: float = 0.2,
    timeout: float | None = None,
    workdir: Path | None = None,
    keep: bool = False,
    say: Callable[[str], None] | None = None,
    postgres: RestartableDatabase | None = None,
) -> ChaosReport:
    """Run ``docs`` documents through OCR and LLM workers under a fault schedule; report what happened.

    Needs redis-server, tesseract and Azurite. ``postgres``: a PostgreSQL the run may crash and restart
    (its ``url``, ``restart(down_for)``); without one the run uses SQLite (noted in the report).
    ``keep`` leaves the temporary folder (logs, database) for reading afterwards.
    """
    say = say or (lambda message: log.info("chaos: %s", message))
    started = time.monotonic()
    own_folder = workdir is None
    root = Path(workdir or tempfile.mkdtemp(prefix="credit-ocr-chaos-"))
    root.mkdir(parents=True, exist_ok=True)
    report = ChaosReport(docs=docs)
    run = _Run(
        docs, seed=seed, kill_every=kill_every, reconcile_every=reconcile_every,
        reconcile_deadline=reconcile_deadline, max_in_flight=max(8, 6 * cpu_count()), say=say,
    )  # fmt: skip
    llm = None
    try:
        say(f"starting its own services in {root}")
        _own_services(run, root, report, postgres)
        llm = start_llm_server_process(fail_rate=llm_fail_rate, seed=seed)
        with override_settings(**_run_settings(run, root, llm.url)):
            _drive(run, started, timeout if timeout is not None else max(240.0, 4.0 * docs), report)
            report.wall_seconds = round(time.monotonic() - started, 1)
            _tally(report, run)
            stats = llm.stats()
            report.llm_calls, report.llm_failures_injected = stats.calls, stats.failures_injected
            for handle in run.workers.values():
                handle.stop(timeout=20)
        if keep:
            report.notes.append(f"kept {root} (worker logs in var/logs)")
        return report
    finally:
        run.stop.set()
        for handle in run.workers.values():
            with contextlib.suppress(Exception):
                handle.kill()
        for server in (llm, run.azurite, run.redis):
            if server is not None:
                with contextlib.suppress(Exception):
                    server.stop()
        if own_folder and not keep:
            shutil.rmtree(root, ignore_errors=True)


def _tally(report: ChaosReport, run: _Run) -> None:
    """Fill the report from the database, the source of truth."""
    kinds, duplicated, statuses, errors = _count_events(list(run.ids))
    report.done = statuses.get("done", 0)
    report.failed = report.failed_good = statuses.get("failed", 0)
    report.submitted = len(run.ids)
    report.lost = report.docs - report.done - report.failed  # a document never submitted counts as lost
    report.duplicated = duplicated
    report.retries = kinds.get("retry", 0)
    report.redeliveries = kinds.get("redelivery", 0)
    report.reconciler_pickups = kinds.get("reconcile", 0)
    report.faults = dict(run.faults)
    report.errors = errors
    report.notes.extend(run.errors)

"""What every experiment shares: the result types, an isolated lab, the documents, and the meters.

A *lab* is one experiment's private world: a temporary ``CREDIT_OCR_HOME``, its own ``redis-server``
and, per configuration, a fresh database (SQLite in the home, or a scratch PostgreSQL database that is
dropped afterwards), so that two configurations, or two runs, never see each other's documents.
"""

from __future__ import annotations

import contextlib
import math
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import psutil
import redis

from credit_ocr.config import Settings, cpu_count, override_settings
from credit_ocr.pipeline.celery_app import get_app
from credit_ocr.runtime import services
from credit_ocr.state.db import get_engine

#: Settings that decide where state lives: the lab sets each of them, whatever the user's .env says.

#: Where a scratch PostgreSQL database is made when nothing else is said (the kit's test server).
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


class BenchError(RuntimeError):
    """An experiment could not run; the message says what to start or set."""


# --------------------------------------------------------------------------------------------
# results


@dataclass
class ConfigResult:
    """One configuration of an experiment, measured in the same invocation as its baseline."""

    name: str
    docs: int = 0
    done: int = 0
    failed: int = 0
    makespan_s: float = math.nan
    docs_per_min: float = math.nan
    latency_median_s: float = math.nan
    latency_p95_s: float = math.nan
    queue_wait_s: float = math.nan  # medians per document
    ocr_s: float = math.nan
    extract_wait_s: float = math.nan
    extraction_s: float = math.nan
    cpu_seconds: float = math.nan
    cpu_util: float = math.nan  # cpu_seconds / (makespan * cores)
    other_cpu_util: float = math.nan  # what the REST of the machine used meanwhile: the run's noise
    peak_rss_mb: dict[str, float] = field(default_factory=dict)  # per worker (process tree)
    ratio: float = math.nan  # of ratio_metric, to the experiment's baseline
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def cpu_per_doc_s(self) -> float:
        """The measured processes' CPU seconds per document done (``overhead``'s ratio is taken of it)."""
        return self.cpu_seconds / self.done if self.done else math.nan

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in out.items()}


@dataclass
class ExperimentResult:
    """An experiment's configurations side by side; ``ratio`` of each is computed from this very run.

    ``ratio_metric`` names the column the ratio is taken of: ``docs_per_min`` (configuration /
    baseline: above 1 is faster) or, for visibility, ``latency_median_s`` (baseline / configuration).
    """

    name: str
    title: str
    baseline: str
    ratio_metric: str
    configs: list[ConfigResult]
    docs: int
    cores: int
    started_at: str
    seconds: float
    target: str = ""
    verdict: str = ""
    notes: list[str] = field(default_factory=list)

    def config(self, name: str) -> ConfigResult:
        for c in self.configs:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no configuration {name!r}: {[c.name for c in self.configs]}")

    def compute_ratios(self) -> None:
        """Fill each configuration's ratio from the baseline measured in the same run."""
        base = getattr(self.config(self.baseline), self.ratio_metric)
        for c in self.configs:
            value = getattr(c, self.ratio_metric)
            if self.ratio_metric == "latency_median_s":
                c.ratio = base / value if value and not math.isnan(value) else math.nan
            else:
                c.ratio = value / base if base and not math.isnan(base) else math.nan

    def table(self):  # noqa: ANN201 - a pandas DataFrame (pandas imported lazily)
        """One row per configuration, the columns of the printed table."""
        import pandas as pd

        rows = []
        for c in self.configs:
            row = c.to_dict()
            row.pop("extra")
            rss = row.pop("peak_rss_mb") or {}
            row["peak_rss_mb_max"] = max(rss.values()) if rss else None
            row["peak_rss_mb_per_worker"] = ", ".join(f"{k} {v:.0f}" for k, v in rss.items())
            rows.append(row)
        return pd.DataFrame(rows).set_index("name")

    def to_dict(self) -> dict[str, Any]:
        return {
            "experiment": self.name,
            "title": self.title,
            "baseline": self.baseline,
            "ratio_metric": self.ratio_metric,
            "docs": self.docs,
            "cores": self.cores,
            "started_at": self.started_at,
            "seconds": round(self.seconds, 2),
            "target": self.target,
            "verdict": self.verdict,
            "notes": self.notes,
            "configs": [c.to_dict() for c in self.configs],
        }

    def plot(self):  # noqa: ANN201 - a matplotlib Figure
        from credit_ocr.faces.bench.report import plot_experiment  # report imports this module: a cycle

        return plot_experiment(self)


# --------------------------------------------------------------------------------------------
# documents


@dataclass(frozen=True)
class BenchDoc:
    data: bytes
    filename: str
    layer: str  # text | scan | image
    pages: int


@lru_cache(maxsize=256)
def _sample(seed: int, index: int) -> BenchDoc:
    from credit_ocr.reading.samples import make_document  # deferred: reportlab and numpy for bench --help

    data, name, _truth, variant = make_document(seed, index)
    return BenchDoc(data, name, variant["layer"], int(variant["pages"]))


def corpus(
    n: int, kinds: tuple[str, ...] = ("scan", "image"), seed: int = 7, max_pages: int = 2
) -> list[BenchDoc]:
    """The first ``n`` generated sample documents of the given kinds (the same ones in every run).

    ``scan`` and ``image`` documents are OCR-bound; ``text`` PDFs are read from their text layer.
    """
    out: list[BenchDoc] = []
    index = 0
    while len(out) < n:
        doc = _sample(seed, index)
        if doc.layer in kinds and doc.pages <= max_pages:
            out.append(doc)
        index += 1
        if index > 100 * (n + 10):
            raise BenchError(f"No sample documents of kinds {kinds}.")
    return out


# --------------------------------------------------------------------------------------------
# meters: CPU seconds and peak memory of process trees


def _cpu_total(proc: psutil.Process) -> float:
    t = proc.cpu_times()
    return t.user + t.system + t.children_user + t.children_system


class ResourceMeter:
    """Samples process trees in a thread: CPU seconds used between start() and stop(), peak RSS.

    CPU is a snapshot over every process of each tree at start and at stop, each process counted with
    its reaped children (``children_user``/``children_system``): a tesseract that ran and exited in
    between is in its parent's figure exactly once, one still running is counted by itself, never
    both. RSS is the sum over the whole tree, tesseract included, at each sample.
    """

    def __init__(self, roots: dict[str, int], interval: float = 0.2, list_every: float = 1.0) -> None:
        """``list_every``: seconds between two listings of each tree's processes. Listing reads every
        process of the machine (~1 ms a root, 5 times a second was 1% of a 2-core machine, charged to the
        row measured), so the samples between reuse the last listing: a worker's pool is steady. A row of
        short-lived processes (a program per page) lists at every sample (0)."""
        self.roots = roots
        self.interval = interval
        self.list_every = list_every
        self._listed: list[tuple[str, psutil.Process, list[psutil.Process]]] = []
        self._listed_at = -math.inf
        self.peak_rss: dict[str, float] = {name: 0.0 for name in roots}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._cpu_start = 0.0
        self._busy_start = 0.0
        self.machine_busy = math.nan
        self.others = math.nan

    def _tracked(self) -> list[tuple[str, psutil.Process, list[psutil.Process]]]:
        out = []
        for name, pid in self.roots.items():
            try:
                root = psutil.Process(pid)
                out.append((name, root, root.children(recursive=True)))
            except psutil.NoSuchProcess:
                continue
        return out

    def _tree_cpu(self) -> float:
        total = 0.0
        for _name, root, tree in self._tracked():
            for proc in (root, *tree):
                try:
                    total += _cpu_total(proc)
                except psutil.Error:
                    continue
        return total

    def _sample(self) -> None:
        if time.monotonic() - self._listed_at >= self.list_every:
            self._listed, self._listed_at = self._tracked(), time.monotonic()
        for name, root, tree in self._listed:
            rss = 0
            for proc in (root, *tree):
                try:
                    rss += proc.memory_info().rss
                except psutil.Error:
                    continue
            self.peak_rss[name] = max(self.peak_rss[name], rss / 2**20)

    @staticmethod
    def _machine_busy() -> float:
        t = psutil.cpu_times()
        idle = t.idle + getattr(t, "iowait", 0.0)
        guests = getattr(t, "guest", 0.0) + getattr(t, "guest_nice", 0.0)  # already inside user
        return sum(t) - idle - guests

    def start(self) -> ResourceMeter:
        self._busy_start = self._machine_busy()
        self._cpu_start = self._tree_cpu()
        self._sample()
        self._thread = threading.Thread(target=self._run, name="bench-meter", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def stop(self) -> float:
        """Stop sampling; the CPU seconds the trees used since start()."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        self._sample()
        ours = max(0.0, self._tree_cpu() - self._cpu_start)
        self.machine_busy = self._machine_busy() - self._busy_start
        self.others = max(0.0, self.machine_busy - ours)
        return ours


# --------------------------------------------------------------------------------------------
# the lab


class Lab:
    """One experiment's isolated world: temporary home, its own redis-server, fresh databases."""

    def __init__(self, name: str, *, postgres_url: str | None = None) -> None:
        self.name = name
        self.postgres_url = postgres_url
        self.root = Path(tempfile.mkdtemp(prefix=f"credit-ocr-bench-{name}-"))
        self.redis: services.RedisServer | None = None
        self._scratch_dbs: list[str] = []
        self.cores = cpu_count()

    def __enter__(self) -> Lab:
        try:
            self.redis = services.start_redis(folder=self.root / "redis", name=f"bench-{self.name}")
        except Exception:
            shutil.rmtree(self.root, ignore_errors=True)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self.redis is not None:
            self.redis.stop()
        for db in self._scratch_dbs:
            with contextlib.suppress(Exception):
                _drop_database(self.postgres_url or DEFAULT_POSTGRES_URL, db)
        shutil.rmtree(self.root, ignore_errors=True)

    @contextlib.contextmanager
    def config(
        self, label: str, *, database: str = "sqlite", env: dict[str, str] | None = None
    ) -> Iterator[Path]:
        """Settings for one configuration: a fresh home and database, an empty Redis, the settings of
        ``env`` (``CREDIT_OCR_*`` names) on top, in force through ``override_settings``; worker
        processes started inside get them passed (``settings_env``). Other variables of ``env`` are
        for the workers only (the runners hand them to ``start_worker``)."""
        assert self.redis is not None
        home = self.root / f"{label.replace(' ', '_').replace('/', '_')}-{uuid.uuid4().hex[:4]}"
        home.mkdir(parents=True)
        url = self._scratch_database() if database == "postgres" else f"sqlite:///{home / 'credit_ocr.db'}"
        changes: dict[str, Any] = {
            "home": home,
            "database_url": url,
            "broker_url": self.redis.url,
            "result_backend": self.redis.url,
            "azure_connection_string": None,
            "notify_url": None,
            "extractor": "rules",
        }
        fields = set(Settings.model_fields)
        for key, value in (env or {}).items():
            name = key.removeprefix("CREDIT_OCR_").lower()
            if key.startswith("CREDIT_OCR_") and name in fields:
                changes[name] = value
        redis.Redis.from_url(self.redis.url).flushall()
        with override_settings(**changes):
            get_app()
            get_engine()  # schema created before any worker races for it
            yield home

    def _scratch_database(self) -> str:
        server = self.postgres_url or DEFAULT_POSTGRES_URL
        name = f"credit_ocr_bench_{uuid.uuid4().hex[:10]}"
        _create_database(server, name)
        self._scratch_dbs.append(name)
        return _with_database(server, name)


def _with_database(url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _admin_engine(url: str):  # noqa: ANN202
    from sqlalchemy import create_engine

    return create_engine(url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)


def postgres_available(url: str) -> str | None:
    """None when a scratch database can be made on ``url``'s server, else the reason."""
    from sqlalchemy import text

    try:
        engine = _admin_engine(url)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means: not available
        return f"{exc.__class__.__name__}: {str(exc).splitlines()[0][:160]}"


def _create_database(url: str, name: str) -> None:
    from sqlalchemy import text

    engine = _admin_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        raise BenchError(
            f"Cannot create a scratch database on {url.split('@')[-1]} ({exc.__class__.__name__}): "
            "the bench needs a PostgreSQL role with CREATEDB "
            "(pass --database-url postgresql+psycopg://user@host:5432/postgres)."
        ) from exc
    finally:
        engine.dispose()


def _drop_database(url: str, name: str) -> None:
    from sqlalchemy import text

    engine = _admin_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


# --------------------------------------------------------------------------------------------
# small helpers


def percentile(values: list[float], q: float) -> float:
    import numpy as np

    clean = [v for v in values if v is not None and not math.isnan(v)]
    return float(np.percentile(clean, q)) if clean else math.nan


def median(values: list[float]) -> float:
    return percentile(values, 50)


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")

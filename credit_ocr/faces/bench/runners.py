"""How one configuration is run and measured: the pipeline with workers, the sync loop, bare tesseract,
the OCR library in a process pool, and a bare Celery chain of no-op tasks.

Every runner returns a :class:`ConfigResult` filled from what it measured; makespans run from the first
submit to the last document terminal (worker start-up is not counted), latencies and stage times come
from the database's event log (``monitor.stage_durations``), CPU and memory from :class:`ResourceMeter`.
"""

from __future__ import annotations

import math
import os
import subprocess
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from credit_ocr.config import get_settings
from credit_ocr.faces.bench.core import BenchDoc, ConfigResult, Lab, ResourceMeter, median, percentile


def _fill(
    result: ConfigResult, makespan: float, cpu: float, cores: int, meter: ResourceMeter
) -> ConfigResult:
    rss = meter.peak_rss
    result.other_cpu_util = meter.others / (makespan * cores) if makespan > 0 else math.nan
    result.makespan_s = makespan
    result.docs_per_min = 60.0 * result.done / makespan if makespan > 0 else math.nan
    result.cpu_seconds = cpu
    result.cpu_util = cpu / (makespan * cores) if makespan > 0 else math.nan
    result.peak_rss_mb = {k: round(v, 1) for k, v in rss.items()}
    return result


def _stages(result: ConfigResult, ids: Sequence[str]) -> None:
    """Latency and stage medians of these documents, from their events."""
    from credit_ocr.watching.tables import stage_durations

    df = stage_durations(list(ids))
    if df.empty:
        return
    total = df["total_s"].dropna().tolist()
    result.latency_median_s = median(total)
    result.latency_p95_s = percentile(total, 95)
    for col in ("queue_wait_s", "ocr_s", "extract_wait_s", "extraction_s"):
        setattr(result, col, median(df[col].dropna().tolist()))
    result.done = int((df["end_status"] == "done").sum())
    result.failed = int((df["end_status"] == "failed").sum())


def _first_errors(ids: Sequence[str], n: int = 2) -> str:
    from credit_ocr.state.documents import list_documents

    errors = [d.error for d in list_documents(list(ids)) if d.error]
    return "; ".join(e[:160] for e in errors[:n])


# --------------------------------------------------------------------------------------------
# the pipeline with real workers


def start_workers(specs: Sequence[dict], env: dict[str, str] | None = None) -> list:
    """Start every worker at once, then wait until each answers (start-up is not part of a run)."""
    from credit_ocr.pipeline.workers import start_worker

    handles = [start_worker(**{"env": env, **spec, "wait": False}) for spec in specs]
    try:
        for h in handles:
            h.wait_ready(120)
    except Exception:
        for h in handles:
            h.kill()
        raise
    return handles


def stop_workers(handles: Sequence) -> None:
    """Stop all workers at once, by SIGKILL to each process group: every document is terminal by now,
    so nothing is lost, and a warm (~3 s) or cold (~2 s) shutdown per configuration buys nothing."""
    for h in handles:
        h.kill()  # SIGKILL to the worker's process group, then wait for it


def run_pipeline(
    lab: Lab,
    name: str,
    docs: Sequence[BenchDoc],
    workers: Sequence[dict],
    *,
    env: dict[str, str] | None = None,
    database: str = "sqlite",
    timeout: float = 600.0,
    clients: int = 1,
) -> ConfigResult:
    """Start ``workers`` (``start_worker`` keyword dicts), submit ``docs`` at once, wait for all.

    ``clients`` threads upload at the same time (as many users would), each a share of the documents.
    """
    from credit_ocr.pipeline.submit import new_batch_id, submit
    from credit_ocr.watching.wait import wait_for as wait

    result = ConfigResult(name=name, docs=len(docs))
    with lab.config(name, database=database, env=env):
        handles = []
        try:
            handles = start_workers(workers, env)
            meter = ResourceMeter({h.name.rsplit("-", 1)[0]: h.pid for h in handles}).start()
            batch = new_batch_id()
            shares = [list(docs[i::clients]) for i in range(clients)]
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=clients) as pool:
                parts = pool.map(
                    lambda share: submit(
                        [d.data for d in share], filenames=[d.filename for d in share], batch_id=batch
                    ),
                    shares,
                )
                ids = [i for part in parts for i in part]
            result.extra["submit_s"] = round(time.perf_counter() - started, 3)
            wait(ids, timeout=timeout, progress=False)
            makespan = time.perf_counter() - started
            cpu = meter.stop()
        finally:
            stop_workers(handles)
        _stages(result, ids)
        if result.failed:
            result.note = f"{result.failed} failed: {_first_errors(ids)}"
    return _fill(result, makespan, cpu, lab.cores, meter)


# --------------------------------------------------------------------------------------------
# the synchronous loop: one process, upload + OCR + extraction, one document after the other


def run_sync(
    lab: Lab, name: str, docs: Sequence[BenchDoc], *, env: dict[str, str] | None = None
) -> ConfigResult:
    from credit_ocr.pipeline.stages import process_sync
    from credit_ocr.reading import tesseract

    result = ConfigResult(name=name, docs=len(docs))
    with lab.config(name, env=env):
        tesseract.warm(get_settings())  # as the workers do before their first task: start-up is not timed
        meter = ResourceMeter({"sync loop": os.getpid()}).start()
        started = time.perf_counter()
        ids = []
        for doc in docs:
            try:
                ids.append(process_sync(doc.data, doc.filename))
            except Exception:  # noqa: BLE001 - a failed document is counted, not fatal
                continue
        makespan = time.perf_counter() - started
        cpu = meter.stop()
        _stages(result, ids)
        result.failed = len(docs) - result.done
    return _fill(result, makespan, cpu, lab.cores, meter)


# --------------------------------------------------------------------------------------------
# the machine's OCR limit: bare tesseract on the pages the pipeline reads


def prepare_pages(docs: Sequence[BenchDoc], folder: Path) -> list[list[Path]]:
    """Each document's pages exactly as the pipeline hands them to tesseract (deskewed, rules erased),
    saved as uncompressed PGM, the format the pipeline hands over too (untimed)."""
    from credit_ocr.reading import ocr

    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i, doc in enumerate(docs):
        paths = []
        for p, page in enumerate(ocr.load_pages(doc.data)):
            path = folder / f"doc{i:03d}-p{p}.pgm"
            ocr.remove_rules(page).save(path, format="PPM")
            paths.append(path)
        out.append(paths)
    return out


def run_bare_tesseract(
    lab: Lab, name: str, pages: list[list[Path]], *, threads: str = "1", engine: str = "cli"
) -> ConfigResult:
    """``cores`` tesseracts at a time, each one thread, over every page: nothing else.

    ``engine="cli"`` starts the ``tesseract`` program for every page (model loaded each time);
    ``engine="library"`` feeds the pages to one :class:`~credit_ocr.reading.tesseract.TesseractEngine` per core,
    each loaded once, as the workers do.
    """
    from PIL import Image

    from credit_ocr.reading import tesseract

    settings = get_settings()
    result = ConfigResult(name=name, docs=len(pages))
    env = {**os.environ, "OMP_THREAD_LIMIT": threads}
    work = [(d, path) for d, paths in enumerate(pages) for path in paths]
    images = {path: Image.open(path).convert("L") for _, path in work} if engine == "library" else {}
    finished: dict[int, float] = {}
    remaining = {d: len(paths) for d, paths in enumerate(pages)}
    previous_limit = os.environ.get("OMP_THREAD_LIMIT")
    os.environ["OMP_THREAD_LIMIT"] = threads  # inherited by the engines this runner starts

    def one(item: tuple[int, Path]) -> tuple[int, bool]:
        d, path = item
        if engine == "library":
            try:
                tesseract._thread_engine(settings).recognize(images[path], settings)
            except Exception:  # noqa: BLE001 - counted as a failed document
                return d, False
            return d, True
        proc = subprocess.run(tesseract.cli_argv(path, settings, limited=False), env=env, capture_output=True)
        return d, proc.returncode == 0

    try:
        meter = ResourceMeter({"tesseract x cores": os.getpid()}).start()
        started = time.perf_counter()
        failed = set()
        with ThreadPoolExecutor(max_workers=lab.cores) as pool:
            for d, ok in pool.map(one, work):
                if not ok:
                    failed.add(d)
                remaining[d] -= 1
                if remaining[d] == 0:
                    finished[d] = time.perf_counter() - started
            makespan = time.perf_counter() - started
            cpu = meter.stop()
    finally:
        tesseract.close_engines()
        if previous_limit is None:
            os.environ.pop("OMP_THREAD_LIMIT", None)
        else:
            os.environ["OMP_THREAD_LIMIT"] = previous_limit
    result.done = len(pages) - len(failed)
    result.failed = len(failed)
    lat = list(finished.values())
    result.latency_median_s, result.latency_p95_s = median(lat), percentile(lat, 95)
    result.ocr_s = median(lat)
    result.extra["pages"] = len(work)
    return _fill(result, makespan, cpu, lab.cores, meter)


def _ocr_one(data: bytes) -> float:
    from credit_ocr.reading import ocr

    started = time.perf_counter()
    ocr.ocr_bytes(data)
    return time.perf_counter() - started


def run_ocr_pool(lab: Lab, name: str, docs: Sequence[BenchDoc]) -> ConfigResult:
    """``ocr_bytes`` (rasterize, clean, tesseract, rebuild lines) in ``cores`` processes: no queue, no DB."""
    import multiprocessing

    result = ConfigResult(name=name, docs=len(docs))
    with lab.config(name):
        meter = ResourceMeter({"ocr_bytes pool": os.getpid()}).start()
        started = time.perf_counter()
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(lab.cores) as pool:
            seconds = pool.map(_ocr_one, [d.data for d in docs], chunksize=1)
            makespan = time.perf_counter() - started
            cpu = meter.stop()  # while the pool's processes (and their engines) are still there to count
            pool.close()
            pool.join()
    result.done = len(docs)
    result.ocr_s = median(seconds)
    return _fill(result, makespan, cpu, lab.cores, meter)


# --------------------------------------------------------------------------------------------
# a bare Celery chain of two no-op tasks: what the broker and Celery cost without the kit


def run_bare_chain(
    lab: Lab, name: str, n: int, workers: Sequence[dict], *, timeout: float = 300.0, clients: int = 1
) -> ConfigResult:
    import redis
    from celery import chain

    from credit_ocr.pipeline.tasks import noop

    result = ConfigResult(name=name, docs=n)
    with lab.config(name):
        handles = []
        try:
            handles = start_workers(workers)
            client = redis.Redis.from_url(get_settings().broker)
            meter = ResourceMeter({h.name.rsplit("-", 1)[0]: h.pid for h in handles}).start()
            started = time.perf_counter()
            sent: dict[str, float] = {}

            def send(share: list[int]) -> None:
                for i in share:
                    res = chain(
                        noop.si(str(i)).set(queue="ocr"),
                        noop.si(str(i)).set(queue="llm", ignore_result=False),
                    ).apply_async()
                    sent[res.id] = time.perf_counter()

            with ThreadPoolExecutor(max_workers=clients) as pool:
                list(pool.map(send, [list(range(n))[c::clients] for c in range(clients)]))
            result.extra["submit_s"] = round(time.perf_counter() - started, 3)
            latencies: list[float] = []
            pending = list(sent)
            deadline = started + timeout
            while pending and time.perf_counter() < deadline:
                values = client.mget([f"celery-task-meta-{i}" for i in pending])
                now = time.perf_counter()
                still = []
                for task_id, value in zip(pending, values, strict=True):
                    if value is None:
                        still.append(task_id)
                    else:
                        latencies.append(now - sent[task_id])
                pending = still
                if pending:
                    time.sleep(0.01)
            makespan = time.perf_counter() - started
            cpu = meter.stop()
        finally:
            stop_workers(handles)
    result.done = n - len(pending)
    result.failed = len(pending)
    result.latency_median_s, result.latency_p95_s = median(latencies), percentile(latencies, 95)
    return _fill(result, makespan, cpu, lab.cores, meter)


# --------------------------------------------------------------------------------------------
# visibility: commit to dashboard model


def run_visibility(lab: Lab, name: str, n: int, *, database: str = "sqlite") -> ConfigResult:
    from credit_ocr.watching.live import measure_visibility

    result = ConfigResult(name=name, docs=n)
    with lab.config(name, database=database):
        meter = ResourceMeter({"bench (feed + writer)": os.getpid()}).start()
        started = time.perf_counter()
        vis = measure_visibility(n)
        makespan = time.perf_counter() - started
        cpu = meter.stop()
    result.done = int(vis.get("n") or 0)
    result.failed = n - result.done if result.done < n else 0
    result.latency_median_s = (vis.get("median_ms") or math.nan) / 1000.0
    result.latency_p95_s = (vis.get("p95_ms") or math.nan) / 1000.0
    result.extra = {k: vis[k] for k in vis}
    return _fill(result, makespan, cpu, lab.cores, meter)

"""How one configuration is run and measured: the pipeline with workers, the sync loop, bare tesseract,
and the OCR library in a process pool.

Every runner returns a :class:`ConfigResult` filled from what it measured; makespans run from the first
submit to the last document terminal (worker start-up is not counted), latencies and stage times come
from the database's event log (``monitor.stage_durations``), CPU and memory from :class:`ResourceMeter`.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytesseract
from PIL import Image

from credit_ocr.config import get_settings
from credit_ocr.faces.bench.core import BenchDoc, ConfigResult, Lab, ResourceMeter, median, percentile
from credit_ocr.faces.bench.visibility import measure_visibility
from credit_ocr.pipeline.stages import process_sync
from credit_ocr.pipeline.submit import new_batch_id, submit
from credit_ocr.pipeline.workers import start_worker
from credit_ocr.reading import ocr
from credit_ocr.state.documents import list_documents
from credit_ocr.watching.tables import stage_durations
from credit_ocr.watching.wait import wait_for


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
    errors = [d.error for d in list_documents(list(ids)) if d.error]
    return "; ".join(e[:160] for e in errors[:n])


# --------------------------------------------------------------------------------------------
# the pipeline with real workers


def start_workers(specs: Sequence[dict], env: dict[str, str] | None = None) -> list:
    """Start every worker at once, then wait until each answers (start-up is not part of a run)."""
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
            wait_for(ids, timeout=timeout, progress=False)
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
    """The documents one after the other in this process; each one's seconds kept in ``extra["doc_seconds"]``
    (what :func:`~credit_ocr.faces.bench.conclusions.tail_bound` spreads over the cores)."""
    result = ConfigResult(name=name, docs=len(docs))
    with lab.config(name, env=env):
        ocr.engine(get_settings())  # as the workers do before their first task: start-up is not timed
        meter = ResourceMeter({"sync loop": os.getpid()}).start()
        started = time.perf_counter()
        ids, seconds = [], []
        for doc in docs:
            began = time.perf_counter()
            try:
                ids.append(process_sync(doc.data, doc.filename))
            except Exception:  # noqa: BLE001 - a failed document is counted, not fatal
                continue
            finally:
                seconds.append(time.perf_counter() - began)
        makespan = time.perf_counter() - started
        cpu = meter.stop()
        _stages(result, ids)
        result.failed = len(docs) - result.done
        result.extra["doc_seconds"] = [round(s, 4) for s in seconds]  # in submit order: the tail bound
    return _fill(result, makespan, cpu, lab.cores, meter)


# --------------------------------------------------------------------------------------------
# the machine's OCR limit: bare tesseract on the pages the pipeline reads


def prepare_pages(docs: Sequence[BenchDoc], folder: Path) -> list[list[Path]]:
    """Each document's pages exactly as the pipeline hands them to tesseract (prepared, rules erased),
    saved as uncompressed PGM, which the program reads without decoding work (untimed)."""
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
    lab: Lab, name: str, pages: list[list[Path]], *, threads: str = "1", engine: str = "program"
) -> ConfigResult:
    """``cores`` tesseracts at a time, each one thread, over every page: nothing else.

    ``engine="program"`` starts the ``tesseract`` program for every page through pytesseract (model
    loaded each time); ``engine="tesserocr"`` reads the pages with one tesserocr API per core (a thread
    each: recognition releases the GIL), each loaded once, as the workers' pool processes do.
    """
    settings = get_settings()
    result = ConfigResult(name=name, docs=len(pages))
    work = [(d, path) for d, paths in enumerate(pages) for path in paths]
    images = {path: Image.open(path).convert("L") for _, path in work} if engine == "tesserocr" else {}
    finished: dict[int, float] = {}
    remaining = {d: len(paths) for d, paths in enumerate(pages)}
    previous_limit = os.environ.get("OMP_THREAD_LIMIT")
    os.environ["OMP_THREAD_LIMIT"] = threads  # inherited by the programs this runner starts
    pytesseract.pytesseract.tesseract_cmd = settings.tesseract_program
    config = f"--psm {settings.ocr_psm}"

    def one(item: tuple[int, Path]) -> tuple[int, bool]:
        d, path = item
        try:
            if engine == "tesserocr":
                ocr.words(images[path], settings)  # this thread's engine, loaded on its first page
            else:
                pytesseract.image_to_data(str(path), lang=settings.ocr_lang, config=config)
        except Exception:  # noqa: BLE001 - counted as a failed document
            return d, False
        return d, True

    try:
        listing = 0.0 if engine == "program" else 1.0  # a program per page: its tesseracts live half a second
        meter = ResourceMeter({"tesseract x cores": os.getpid()}, list_every=listing).start()
        started = time.perf_counter()
        failed = set()
        # tesserocr: a load per thread (~0.07 s) is timed
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
    started = time.perf_counter()
    ocr.ocr_bytes(data)
    return time.perf_counter() - started


def _limit_one(data: bytes) -> float:
    """The least any reader must do: open the document, its pages at ``ocr_dpi`` as they came, tesseract."""
    started = time.perf_counter()
    for page in ocr.load_pages(data, prepare=False):
        ocr.words(page)
    return time.perf_counter() - started


def _load_engine(everyone: multiprocessing.synchronize.Barrier) -> None:
    """A pool process's start, as a worker's: tesseract's model loaded, then wait until every process has
    (so that no process is still loading when the clock starts)."""
    ocr.engine()
    everyone.wait()


def run_ocr_pool(lab: Lab, name: str, docs: Sequence[BenchDoc], *, bare: bool = False) -> ConfigResult:
    """``ocr_bytes`` (rasterize, prepare, tesseract, rebuild lines) in ``cores`` processes: no queue, no
    DB; ``bare``: only the pages at ``ocr_dpi`` as they came and tesseract (the machine's OCR limit).
    Like the workers' start-up, the processes' start and model loading are not timed."""
    result = ConfigResult(name=name, docs=len(docs))
    with lab.config(name):
        ctx = multiprocessing.get_context("fork")
        everyone = ctx.Barrier(lab.cores + 1)
        with ctx.Pool(lab.cores, initializer=_load_engine, initargs=(everyone,)) as pool:
            everyone.wait()  # every process has its model
            meter = ResourceMeter({"ocr_bytes pool": os.getpid()}).start()
            started = time.perf_counter()
            seconds = pool.map(_limit_one if bare else _ocr_one, [d.data for d in docs], chunksize=1)
            makespan = time.perf_counter() - started
            cpu = meter.stop()  # while the pool's processes (and their engines) are still there to count
            pool.close()
            pool.join()
    result.done = len(docs)
    result.ocr_s = median(seconds)
    return _fill(result, makespan, cpu, lab.cores, meter)


# --------------------------------------------------------------------------------------------
# visibility: commit to dashboard model


def run_visibility(lab: Lab, name: str, n: int, *, database: str = "sqlite") -> ConfigResult:
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

"""The seven experiments: each runs its configurations side by side on the same documents in one lab.

Default sizes finish in about a minute each on a 2-core machine; ``docs`` makes a run bigger (for
``overhead`` it is the number of text-layer documents, for ``visibility`` the number of transitions).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from credit_ocr.config import cpu_count, get_settings
from credit_ocr.faces.bench import runners
from credit_ocr.faces.bench.conclusions import EFFICIENCY, sync_async_bound, tail_bound
from credit_ocr.faces.bench.core import (
    DEFAULT_POSTGRES_URL,
    BenchError,
    ConfigResult,
    ExperimentResult,
    Lab,
    corpus,
    now_iso,
    postgres_available,
)
from credit_ocr.faces.bench.report import save_plot
from credit_ocr.faces.standin import start_llm_server_process


@dataclass(frozen=True)
class Experiment:
    """One experiment: its configurations are what ``run`` measures in a lab of ``docs`` documents."""

    name: str
    title: str
    default_docs: int
    tiny_docs: int
    target: str
    run: Callable[
        [Lab, int], tuple[list[ConfigResult], str, str, list[str]]
    ]  # configs, baseline, metric, notes


#: The kit's default deployment: an OCR worker (prefork x cores) and an LLM worker (threads).
SPLIT = [{"preset": "ocr"}, {"preset": "llm"}]


def _pages(docs: list) -> int:
    return sum(d.pages for d in docs)


# --------------------------------------------------------------------------------------------


#: The OCR limit the pipeline is measured against (issue 15): tesseract's library loaded once per core,
#: reading the same documents at the pipeline's own resolution, nothing prepared.
LIMIT_BASELINE = "tesserocr x cores, pages as they came (the limit)"


def _limit(lab: Lab, n: int) -> tuple[list[ConfigResult], str, str, list[str]]:
    docs = corpus(n)
    pages = runners.prepare_pages(docs, lab.root / "pages")
    configs = [
        runners.run_ocr_pool(lab, LIMIT_BASELINE, docs, bare=True),
        runners.run_bare_tesseract(lab, "bare tesseract x cores", pages),
        runners.run_bare_tesseract(lab, "tesserocr x cores (loaded once)", pages, engine="tesserocr"),
        runners.run_ocr_pool(lab, "ocr_bytes x cores (no queue, no db)", docs),
        runners.run_pipeline(lab, "pipeline (ocr x cores + llm threads)", docs, SPLIT),
    ]
    notes = [
        f"{len(docs)} OCR-bound documents, {_pages(docs)} pages; tesseract runs one thread each "
        f"(OMP_THREAD_LIMIT=1), {lab.cores} at a time, on the pages the pipeline reads (same dpi, deskewed, "
        "rules removed, uncompressed PGM).",
        "bare tesseract starts the program for every page through pytesseract (its model loaded each "
        "time); the tesserocr row is tesseract loaded once per core, as the workers run it: the pure OCR "
        "limit.",
        "ocr_bytes adds rasterizing, deskewing, rule removal and line rebuilding; the pipeline adds "
        "upload, queues, status, events and the rules extractor on the same cores.",
        f"baseline, first row: tesserocr loaded once per core (a process each) opening the same documents, "
        f"their pages as they came at the pipeline's resolution ({get_settings().ocr_dpi} dpi), nothing "
        "prepared: the least any reader must do, the machine's OCR limit.",
    ]
    return configs, LIMIT_BASELINE, "docs_per_min", notes


def _sync_vs_async(lab: Lab, n: int) -> tuple[list[ConfigResult], str, str, list[str]]:
    docs = corpus(n)
    configs = [
        runners.run_sync(lab, "sync loop (1 process)", docs),
        runners.run_pipeline(lab, "async (ocr x cores + llm threads)", docs, SPLIT),
    ]
    bound = tail_bound(configs[0].extra.get("doc_seconds") or [], lab.cores)
    notes = [
        f"{len(docs)} OCR-bound documents, {_pages(docs)} pages; rules extractor in both.",
        f"Tail bound: each document's time in the sync loop, {lab.cores} at a time in submit order (as the "
        f"workers take them), the last ones alone: at most {bound:.2f}x on {lab.cores} cores at this size.",
    ]
    return configs, configs[0].name, "docs_per_min", notes


def _workers(lab: Lab, n: int) -> tuple[list[ConfigResult], str, str, list[str]]:
    docs = corpus(n)
    llm = {"preset": "llm"}
    configs = []
    for pool, conc in (("prefork", 1), ("prefork", 2), ("prefork", 4), ("threads", 2), ("threads", 4)):
        ocr = {"preset": "ocr", "pool": pool, "concurrency": conc}
        configs.append(runners.run_pipeline(lab, f"ocr {pool} x{conc}", docs, [ocr, llm]))
    notes = [
        f"{len(docs)} OCR-bound documents, {_pages(docs)} pages; the llm queue has its own threads worker.",
        "threads: tesserocr releases the GIL while it recognizes, so threads run it in parallel too; the "
        "GIL only serializes the Python parts (rasterizing, rule removal, line rebuilding).",
    ]
    return configs, configs[0].name, "docs_per_min", notes


def _queues(lab: Lab, n: int) -> tuple[list[ConfigResult], str, str, list[str]]:
    docs = corpus(n, kinds=("text", "scan", "image"))
    server = start_llm_server_process(latency=1.0, seed=7)
    env = {"CREDIT_OCR_EXTRACTOR": "llm", "CREDIT_OCR_LLM_BASE_URL": server.url}
    try:
        configs = [
            runners.run_pipeline(lab, "both (prefork x2, one worker)", docs, [{"preset": "both"}], env=env),
            runners.run_pipeline(lab, "split (ocr prefork x cores + llm threads x16)", docs, SPLIT, env=env),
        ]
    finally:
        server.stop()
    ocr_s = configs[1].ocr_s
    notes = [
        f"{len(docs)} documents of the sample mix (text-layer PDFs, scans, images), {_pages(docs)} pages; "
        "stand-in LLM at 1 s per call.",
        "Bound: the shared worker spends (OCR + 1 s) of a process per document, the split one only OCR, so "
        f"the ratio cannot exceed (t_ocr + 1) / t_ocr; with this run's median OCR of {ocr_s:.2f} s that is "
        f"{(ocr_s + 1) / ocr_s:.2f}x."
        if ocr_s and not math.isnan(ocr_s)
        else "",
    ]
    return configs, configs[0].name, "docs_per_min", [x for x in notes if x]


def _omp(lab: Lab, n: int) -> tuple[list[ConfigResult], str, str, list[str]]:
    docs = corpus(n)
    ocr = {"preset": "ocr", "pool": "prefork", "concurrency": 2}
    llm = {"preset": "llm"}
    # The program per page (pytesseract): the tesserocr wheel's libtesseract has no OpenMP at all, the
    # distribution's program starts a thread per core unless the variable says otherwise.
    program = {"CREDIT_OCR_OCR_ENGINE": "pytesseract"}
    configs = [
        runners.run_pipeline(
            lab, "OMP_THREAD_LIMIT=1", docs, [ocr, llm], env={**program, "OMP_THREAD_LIMIT": "1"}
        ),
        # The kit turns an unset variable into 1, so "unset" is OpenMP's own default: no limit
        # (libgomp's thread-limit is unbounded; tesseract asks for up to 10 threads).
        runners.run_pipeline(
            lab, "OMP_THREAD_LIMIT unset", docs, [ocr, llm], env={**program, "OMP_THREAD_LIMIT": "1024"}
        ),
    ]
    notes = [
        f"{len(docs)} OCR-bound documents, {_pages(docs)} pages; two OCR processes (prefork x2) running the "
        "tesseract program per page (CREDIT_OCR_OCR_ENGINE=pytesseract): the pipeline's tesserocr is one "
        "thread whatever the variable says."
    ]
    return configs, configs[0].name, "docs_per_min", notes


def _postgres_url(lab: Lab) -> tuple[str | None, str]:
    url = lab.postgres_url or DEFAULT_POSTGRES_URL
    reason = postgres_available(url)
    return (None, f"PostgreSQL row skipped ({reason}); pass --database-url.") if reason else (url, "")


#: Client threads that submit at the same time in ``overhead`` (uploads wait on commits, not on CPU).
OVERHEAD_CLIENTS = 4


def _overhead(lab: Lab, n: int) -> tuple[list[ConfigResult], str, str, list[str]]:
    """What the kit's bookkeeping costs against what it organises: the workers' CPU per text-layer
    document (no OCR: the text layer is read) next to their CPU per scanned document (OCR), one run."""
    scans = corpus(max(2, min(6, n // 25)), kinds=("scan",))
    texts = (corpus(3, kinds=("text",)) * (n // 3 + 1))[:n]
    workers = SPLIT
    configs = [
        runners.run_pipeline(lab, "scanned PDFs (OCR)", scans, workers),
        runners.run_pipeline(lab, "text-layer PDFs (no OCR)", texts, workers, clients=OVERHEAD_CLIENTS),
    ]
    for c in configs:
        c.extra["cpu_per_doc_s"] = round(c.cpu_per_doc_s, 4)
    notes = [
        f"{len(texts)} text-layer PDFs ({OVERHEAD_CLIENTS} client threads) and {len(scans)} scanned PDFs through "
        "the same workers (ocr prefork, llm threads); CPU is the workers' process trees (psutil) while the "
        "documents ran, divided by the documents done (cpu_per_doc_s in --json).",
        "A text-layer document costs what the kit adds around OCR (upload, two queues, the transitions "
        "with their events, publishing them, storing pages and fields) plus reading the text layer and "
        "the rules extractor: an upper bound of the bookkeeping. Its ratio is its share of a scanned "
        "document's CPU.",
    ]
    return configs, configs[0].name, "cpu_per_doc_s", notes


def _visibility(lab: Lab, n: int) -> tuple[list[ConfigResult], str, str, list[str]]:
    configs = [runners.run_visibility(lab, "live feed, SQLite", n)]
    notes = [
        "Milliseconds from a transition's commit (its event time) to the dashboard model applying it, "
        "through Redis pub/sub, the feed thread and the event-loop hand-off. The original course polled "
        "every 7 s: 3.5 s on average.",
    ]
    url, why = _postgres_url(lab)
    if url:
        lab.postgres_url = url
        configs.append(runners.run_visibility(lab, "live feed, PostgreSQL", n, database="postgres"))
    else:
        notes.append(why)
    return configs, configs[0].name, "latency_median_s", notes


def _io_pool(lab: Lab, n: int, latency: float = 0.5) -> tuple[list[ConfigResult], str, str, list[str]]:
    """The extraction stage on prefork x cores vs threads x16, the stand-in LLM answering in ``latency`` s."""
    docs = corpus(n, kinds=("text",))
    server = start_llm_server_process(latency=latency, seed=7)
    env = {"CREDIT_OCR_EXTRACTOR": "llm", "CREDIT_OCR_LLM_BASE_URL": server.url}
    prefork = {"preset": "llm", "pool": "prefork", "concurrency": lab.cores}
    try:
        configs = [
            runners.run_pipeline(lab, f"llm prefork x{lab.cores}", docs, [SPLIT[0], prefork], env=env),
            runners.run_pipeline(lab, "llm threads x16", docs, SPLIT, env=env),
        ]
    finally:
        server.stop()
    notes = [f"{n} text-layer documents (OCR is cheap); stand-in LLM at {latency:g} s per call."]
    return configs, configs[0].name, "docs_per_min", notes


def io_pool(latency: float = 0.5) -> Experiment:
    """The lesson's experiment on the I/O-bound stage's pool (not one of ``credit-ocr bench``'s)."""
    return Experiment(
        "io-pool",
        f"Extraction stage (LLM at {latency:g} s): prefork x cores vs threads x16",
        6,
        2,
        "threads well above prefork: the stage waits, it does not compute",
        partial(_io_pool, latency=latency),
    )


EXPERIMENTS: dict[str, Experiment] = {
    e.name: e
    for e in (
        Experiment("limit", "The machine's OCR limit: bare tesseract vs the pipeline", 32, 1,
                   "pipeline >= 0.90 of tesserocr loaded once per core", _limit),
        Experiment("sync-vs-async", "One process in a loop vs the pipeline with workers", 64, 2,
                   "async >= 90% of the tail bound of the sync loop's times (1.8x on 2 cores)", _sync_vs_async),
        Experiment("workers", "OCR queue: concurrency 1, 2, 4, prefork vs threads", 6, 1,
                   "(none: the lesson is where it stops scaling)", _workers),
        Experiment("queues", "One `both` worker vs split queues, LLM at 1 s", 36, 3,
                   "split >= 2.3x both", _queues),
        Experiment("omp", "OMP_THREAD_LIMIT unset vs 1, two OCR processes", 6, 1,
                   "(none: limit 1 should win)", _omp),
        Experiment("overhead", "Bookkeeping CPU per document vs a scanned document's OCR", 200, 6,
                   "bookkeeping <= 5% of the CPU a document's OCR costs", _overhead),
        Experiment("visibility", "Commit-to-dashboard latency of transitions", 201, 30,
                   "median < 50 ms, p95 < 200 ms", _visibility),
    )
}  # fmt: skip


def _verdict(name: str, result: ExperimentResult) -> str:
    """Each target checked against this run's numbers (reported, never asserted)."""
    c = result.configs
    try:
        if name == "limit":
            r = result.config(c[-1].name).ratio
            program = result.config("bare tesseract x cores").docs_per_min
            vs_program = c[-1].docs_per_min / program if program else math.nan
            cpu = c[0].cpu_per_doc_s / c[-1].cpu_per_doc_s  # the same ratio, by CPU: less noisy when shared
            return (
                f"pipeline at {r:.2f} of tesserocr loaded once per core on the pages as they came: "
                f"{'met' if r >= 0.90 else 'NOT met'} (>= 0.90); by CPU per document {cpu:.2f}; "
                f"{vs_program:.2f} of the tesseract program"
            )
        if name == "sync-vs-async":
            r, bound = c[-1].ratio, sync_async_bound(result)
            met = "met" if r >= EFFICIENCY * bound else "NOT met"
            share = f"{r / bound:.0%} of the {bound:.2f}x these documents allow"
            return f"async {r:.2f}x sync, {share}: {met} (>= {EFFICIENCY:.0%})"
        if name == "queues":
            r = c[-1].ratio
            return f"split {r:.2f}x both: {'met' if r >= 2.3 else 'NOT met'} (>= 2.3x)"
        if name == "overhead":
            scan, text = c[0], c[1]
            return (
                f"bookkeeping {text.cpu_per_doc_s * 1000:.0f} ms CPU per document = {text.ratio:.1%} of a "
                f"scanned document's {scan.cpu_per_doc_s:.2f} s: {'met' if text.ratio <= 0.05 else 'NOT met'} "
                "(<= 5%)"
            )
        if name == "visibility":
            parts = []
            for cfg in c:
                ok = cfg.latency_median_s < 0.050 and cfg.latency_p95_s < 0.200
                parts.append(
                    f"{cfg.name}: median {cfg.latency_median_s * 1000:.1f} ms, p95 {cfg.latency_p95_s * 1000:.1f} ms "
                    f"({'met' if ok else 'NOT met'})"
                )
            return "; ".join(parts)
        if name == "workers":
            best = max(c, key=lambda x: x.docs_per_min)
            return f"best: {best.name} at {best.ratio:.2f}x concurrency 1"
        if name == "omp":
            return f"unset at {c[-1].ratio:.2f}x of limit 1"
        if name == "io-pool":
            return f"{c[1].name} at {c[1].ratio:.2f}x {c[0].name}"
    except (TypeError, ValueError, ZeroDivisionError, KeyError, IndexError):
        pass
    return ""


def run_experiment(
    name: str | Experiment, docs: int | None = None, *, tiny: bool = False, database_url: str | None = None
) -> ExperimentResult:
    """Run one experiment in its own lab; every ratio comes from this run's own baseline.

    ``docs`` overrides the default size; ``tiny`` uses the smallest size that still shows each
    configuration (for tests); ``database_url`` names the PostgreSQL server for the PostgreSQL rows.
    """
    if isinstance(name, Experiment):
        exp, name = name, name.name
    elif name in EXPERIMENTS:
        exp = EXPERIMENTS[name]
    else:
        raise BenchError(f"Unknown experiment {name!r}: choose from {', '.join(EXPERIMENTS)} or all.")
    n = docs or (exp.tiny_docs if tiny else exp.default_docs)
    if n < 1:
        raise BenchError("--docs must be at least 1.")
    started_at, started = now_iso(), time.perf_counter()
    with Lab(name, postgres_url=database_url) as lab:
        configs, baseline, metric, notes = exp.run(lab, n)
    result = ExperimentResult(
        name=name, title=exp.title, baseline=baseline, ratio_metric=metric, configs=configs, docs=n,
        cores=cpu_count(), started_at=started_at, seconds=time.perf_counter() - started, target=exp.target,
        notes=notes,
    )  # fmt: skip
    result.compute_ratios()
    result.verdict = _verdict(name, result)
    others = [c.other_cpu_util for c in configs if not math.isnan(c.other_cpu_util)]
    if others:
        result.notes.append(
            f"The rest of the machine (other programs, and the Redis/PostgreSQL/LLM servers these rows use) "
            f"kept {min(others):.0%}-{max(others):.0%} of the {result.cores} cores busy during the rows"
            + (": a shared machine, so the ratios are noisy." if max(others) > 0.15 else ".")
        )
    return result


def run_all(
    docs: int | None = None,
    *,
    names: list[str] | None = None,
    database_url: str | None = None,
    on_result: Callable[[ExperimentResult], None] | None = None,
    plot_dir: Path | None = None,
) -> list[ExperimentResult]:
    """Every experiment in turn (or ``names``); ``on_result`` sees each one as soon as it is done."""
    results = []
    for name in names or list(EXPERIMENTS):
        result = run_experiment(name, docs, database_url=database_url)
        if plot_dir is not None:
            save_plot(result, plot_dir)
        if on_result is not None:
            on_result(result)
        results.append(result)
    return results

"""`credit-ocr demo` (`make demo`): the whole kit in one run on the embedded default.

Starts what is not running (the kit's redis-server), an OCR and an LLM worker, submits the committed
samples as one batch, shows live progress, prints the status table, the stage timings and the accuracy
against the ground truth, writes a timeline under ``CREDIT_OCR_HOME/report``, and stops what it started.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from credit_ocr.config import get_settings, redacted, reset_settings
from credit_ocr.faces.lessons import SAMPLES_DIR, sample_paths, start_services
from credit_ocr.pipeline import submit, workers
from credit_ocr.reading.extraction import fields as fieldspec
from credit_ocr.reading.samples import SampleError
from credit_ocr.state import documents
from credit_ocr.watching import plots
from credit_ocr.watching import tables as monitor
from credit_ocr.watching.wait import wait_for


@dataclass
class DemoResult:
    """What a demo run did: the documents, their final statuses, the field accuracy and the time."""

    ids: list[str]
    statuses: dict[str, str]
    accuracy: float | None
    seconds: float
    report_dir: Path | None


def accuracy(ids: list[str], paths: list[Path]) -> tuple[float | None, dict[str, float]]:
    """Share of fields equal to the ground truth (overall, and per document), by the reference's rule."""
    per_doc: dict[str, float] = {}
    hits = total = 0
    for doc_id, path in zip(ids, paths, strict=True):
        found = documents.get_fields(doc_id)
        if found is None:
            continue
        truth = json.loads(path.with_suffix(".json").read_text())
        ok = sum(
            fieldspec.values_match(n, truth.get(n), found["fields"].get(n)) for n in fieldspec.FIELD_NAMES
        )
        per_doc[doc_id] = ok / len(fieldspec.FIELD_NAMES)
        hits += ok
        total += len(fieldspec.FIELD_NAMES)
    return (hits / total if total else None), per_doc


def _print_tables(console: Console, ids: list[str], paths: list[Path], per_doc: dict[str, float]) -> None:
    table = Table(title="Documents", show_lines=False)
    table.add_column("file", no_wrap=True)
    for col in ("status", "queue wait s", "ocr s", "extraction s", "total s", "fields ok", "error"):
        table.add_column(col, overflow="fold")
    durations = monitor.stage_durations(ids).set_index("document_id")
    for doc_id, path in zip(ids, paths, strict=True):
        doc = documents.get_document(doc_id)
        row = durations.loc[doc_id] if doc_id in durations.index else None

        def cell(name: str, row=row) -> str:
            if row is None or name not in row or row[name] != row[name]:
                return "-"
            return f"{float(row[name]):.2f}"

        acc = per_doc.get(doc_id)
        table.add_row(
            path.name, doc.status, cell("queue_wait_s"), cell("ocr_s"), cell("extraction_s"), cell("total_s"),
            f"{acc:.0%}" if acc is not None else "-", (doc.error or "")[:60],
        )  # fmt: skip
    console.print(table)

    summary = monitor.summary(ids)
    stages = Table(title="Stage timings (seconds)")
    for col in ("stage", "count", "median", "p95", "max"):
        stages.add_column(col)
    for stage in summary.stages.itertuples():
        stages.add_row(
            str(stage.stage),
            str(int(stage.count)),
            f"{stage.median:.2f}",
            f"{stage.p95:.2f}",
            f"{stage.max:.2f}",
        )
    console.print(stages)
    console.print(f"throughput: {summary.throughput_per_minute:.1f} documents/minute")


def run_demo(
    *, samples: Path = SAMPLES_DIR, timeout: float = 240.0, console: Console | None = None
) -> DemoResult:
    """Run the demo; everything it started is stopped again, also on error or Ctrl-C."""
    if console is None:
        probe = Console()
        console = probe if probe.is_terminal else Console(width=140)  # logs and CI: no wrapping of names
    try:
        paths = sample_paths(directory=samples)
    except SampleError:
        paths = []
    if not paths:  # before anything is started
        raise SystemExit(f"No samples in {samples}: run `credit-ocr samples` first.")
    console.rule("[bold]credit-ocr demo")
    started = start_services()  # the kit's redis-server, unless a broker is configured
    reset_settings()
    if not get_settings().broker_url:
        note = " (started)" if "redis" in started.names else ""
        console.print(f"broker: the kit's own redis-server at {get_settings().broker}{note}")
    console.print(f"database: {redacted(get_settings().db_url)}")
    handles: list[workers.WorkerHandle] = []
    try:
        console.print(
            "starting an OCR worker (prefork, one process per core) and an LLM worker (16 threads)..."
        )
        handles.append(workers.start_worker(preset="ocr"))
        handles.append(workers.start_worker(preset="llm"))
        return _run_batch(console, paths, timeout)
    finally:
        for h in handles:
            h.stop()
        started.stop()
        console.print("stopped what the demo started.")


def _run_batch(console: Console, paths: list[Path], timeout: float) -> DemoResult:
    """Submit the samples as one batch, follow them, then print the tables and write the report."""
    t0 = time.perf_counter()
    batch = submit.new_batch_id()
    ids = submit.submit(paths, batch_id=batch)
    console.print(f"submitted {len(ids)} documents as {batch}; watching the event channel:")
    statuses = wait_for(ids, timeout=timeout, progress=True, raise_on_timeout=False)
    seconds = time.perf_counter() - t0
    acc, per_doc = accuracy(ids, paths)
    _print_tables(console, ids, paths, per_doc)
    report_dir = get_settings().home_dir / "report"
    plots.save_report(report_dir, ids=ids)
    console.print(f"timeline and plots written to {report_dir}")
    counts = {s: list(statuses.values()).count(s) for s in sorted(set(statuses.values()))}
    summary = f"[bold]{counts}[/bold] in {seconds:.1f}s"
    console.print(summary + (f"; field accuracy {acc:.1%}" if acc is not None else ""))
    return DemoResult(ids, statuses, acc, seconds, report_dir)


def main() -> None:
    """``credit-ocr demo``: exit code 1 when a sample did not end ``done``."""
    result = run_demo()
    if any(s != "done" for s in result.statuses.values()):
        sys.exit(1)

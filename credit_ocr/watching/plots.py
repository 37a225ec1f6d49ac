"""Pictures of a run: a timeline of documents by stage with worker lanes, status counts, latencies.

Every function returns a matplotlib ``Figure`` (made without pyplot, so nothing is shown twice in a
notebook and nothing leaks in a long-running process); :func:`save_report` writes them as PNG with a
small HTML page around them.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from credit_ocr.watching import tables as monitor

STAGE_COLOURS = {
    "queue_wait": "#c7c7c7",
    "ocr": "#1f77b4",
    "extract_wait": "#ffbb78",
    "extraction": "#9467bd",
}
STATUS_COLOURS = {
    "pending": "#9e9e9e",
    "ocr_running": "#1f77b4",
    "llm_running": "#9467bd",
    "done": "#2ca02c",
    "failed": "#d62728",
}


def _label(doc_id: str, filename: str | None) -> str:
    return f"{doc_id[:8]} {filename or ''}".strip()


def timeline(
    ids: Iterable[str] | str | None = None,
    batch_id: str | None = None,
    *,
    max_documents: int = 60,
) -> Figure:
    """A Gantt chart: one row per document with one bar per stage, and below it one lane per worker.

    Top: each document's queue wait, OCR, wait before extraction and extraction, coloured by stage.
    Bottom: the same OCR and extraction bars placed on the lane of the worker that ran them, so that
    idle workers and queueing show at a glance. Times are seconds since the first upload.
    """
    spans = monitor.stage_spans(ids, batch_id)
    docs = monitor.documents_frame(ids, batch_id)
    names = dict(zip(docs["document_id"], docs["filename"], strict=True))
    order = [d for d in docs["document_id"] if d in set(spans["document_id"])][:max_documents]
    spans = spans[spans["document_id"].isin(order)]
    n_lanes = max(
        1, len(_pack_lanes(spans[spans["stage"].isin(["ocr", "extraction"]) & spans["worker"].notna()])[1])
    )
    fig = Figure(figsize=(11, 2.2 + 0.28 * len(order) + 0.3 * n_lanes), layout="constrained")
    ax, lanes = fig.subplots(2, 1, sharex=True, height_ratios=[max(2, len(order)), max(1.2, 0.6 * n_lanes)])
    if spans.empty:
        ax.set_title("No finished stages yet")
        return fig
    t0 = spans["start"].min()
    row = {doc: i for i, doc in enumerate(order)}
    for stage, colour in STAGE_COLOURS.items():
        part = spans[spans["stage"] == stage]
        if part.empty:
            continue
        left = (part["start"] - t0).dt.total_seconds().to_numpy()
        bars = ax.barh(
            [row[d] for d in part["document_id"]], part["seconds"].to_numpy(), left=left, height=0.7,
            color=colour, edgecolor="white", linewidth=0.4, label=monitor.STAGE_LABELS[stage],
        )  # fmt: skip
        for rect, doc in zip(bars.patches, part["document_id"], strict=True):
            rect.set_gid(f"{doc}:{stage}")
    ax.set_yticks(range(len(order)), [_label(d, names.get(d)) for d in order], fontsize=7)
    ax.invert_yaxis()
    ax.set_ylabel("document")
    fig.suptitle(f"Timeline of {len(order)} documents by stage; below, what each worker ran")
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), fontsize=8, ncols=4, frameon=False)
    ax.grid(axis="x", alpha=0.3)
    _draw_worker_lanes(lanes, spans, t0)
    return fig


def _draw_worker_lanes(lanes: Axes, spans: pd.DataFrame, t0: pd.Timestamp) -> None:
    """The OCR and extraction bars again, each on the lane of the worker that ran it."""
    worked = spans[spans["stage"].isin(["ocr", "extraction"]) & spans["worker"].notna()]
    lane_of, lane_names = _pack_lanes(worked)
    for stage in ("ocr", "extraction"):
        part = worked[worked["stage"] == stage]
        if part.empty:
            continue
        left = (part["start"] - t0).dt.total_seconds().to_numpy()
        lanes.barh(
            [lane_of[i] for i in part.index], part["seconds"].to_numpy(), left=left, height=0.7,
            color=STAGE_COLOURS[stage], edgecolor="black", linewidth=0.3,
        )  # fmt: skip
    lanes.set_yticks(range(len(lane_names)), lane_names, fontsize=7)
    lanes.invert_yaxis()
    lanes.set_ylabel("worker")
    lanes.set_xlabel("seconds since the first upload")
    lanes.grid(axis="x", alpha=0.3)


def status_counts(ids: Iterable[str] | str | None = None, batch_id: str | None = None) -> Figure:
    """How many documents were in each status over time (a step chart per status)."""
    counts = monitor.status_counts_over_time(ids, batch_id)
    fig = Figure(figsize=(9, 3.6), layout="constrained")
    ax = fig.subplots()
    if counts.empty:
        ax.set_title("No transitions yet")
        return fig
    t = (counts["at"] - counts["at"].min()).dt.total_seconds().to_numpy()
    for status, colour in STATUS_COLOURS.items():
        ax.step(t, counts[status].to_numpy(), where="post", color=colour, label=status, linewidth=1.8)
    ax.set_xlabel("seconds since the first upload")
    ax.set_ylabel("documents")
    ax.set_title("Documents per status over time")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.grid(alpha=0.3)
    return fig


def latency_histogram(
    ids: Iterable[str] | str | None = None, batch_id: str | None = None, *, bins: int = 20
) -> Figure:
    """Distribution of total time (upload to done/failed), with median, p95 and the SLA marked."""
    durations = monitor.stage_durations(ids, batch_id)
    total = durations["total_s"].dropna().to_numpy(dtype=float)
    fig = Figure(figsize=(8, 3.6), layout="constrained")
    ax = fig.subplots()
    if len(total) == 0:
        ax.set_title("No finished documents yet")
        return fig
    ax.hist(total, bins=bins, color="#1f77b4", alpha=0.8, edgecolor="white")
    median, p95 = float(np.median(total)), float(np.percentile(total, 95))
    ax.axvline(median, color="black", linestyle="--", label=f"median {median:.2f}s")
    ax.axvline(p95, color="#ff7f0e", linestyle="--", label=f"p95 {p95:.2f}s")
    sla = monitor.sla_seconds()
    if sla <= total.max() * 1.5:
        ax.axvline(sla, color="#d62728", label=f"SLA {sla:.0f}s")
    ax.set_xlabel("seconds from upload to done/failed")
    ax.set_ylabel("documents")
    ax.set_title(f"Latency of {len(total)} documents")
    ax.legend(fontsize=8)
    return fig


def _pack_lanes(spans: pd.DataFrame) -> tuple[dict, list[str]]:
    """Give each span a lane of its worker such that bars on one lane never overlap (one lane per slot)."""
    lane_of: dict = {}
    names: list[str] = []
    for worker, part in sorted(spans.groupby("worker"), key=lambda kv: kv[0]):
        ends: list[pd.Timestamp] = []  # when each slot of this worker frees up
        first = len(names)
        for idx, r in part.sort_values("start").iterrows():
            slot = next((i for i, end in enumerate(ends) if end <= r["start"]), None)
            if slot is None:
                slot = len(ends)
                ends.append(r["end"])
                names.append(f"{worker} #{slot + 1}")
            ends[slot] = r["end"]
            lane_of[idx] = first + slot
    return lane_of, names


def save_report(
    directory: str | Path,
    ids: Iterable[str] | str | None = None,
    batch_id: str | None = None,
    *,
    dpi: int = 110,
) -> Path:
    """Write timeline.png, status_counts.png, latency.png and an index.html with the tables; returns the page."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    ids = monitor._ids(ids)  # noqa: SLF001 - a generator must be read once only
    figures = {
        "timeline.png": timeline(ids, batch_id),
        "status_counts.png": status_counts(ids, batch_id),
        "latency.png": latency_histogram(ids, batch_id),
    }
    for name, fig in figures.items():
        fig.savefig(out / name, dpi=dpi)
    summ = monitor.summary(ids, batch_id)
    table = monitor.status_table(ids, batch_id)
    shown = table[
        ["document_id", "filename", "status", "error", "attempts", *monitor.DURATION_COLUMNS, "sla_breached"]
    ]
    page = out / "index.html"
    page.write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>credit-ocr run report</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;font-size:12px}"
        "td,th{padding:2px 8px;border-bottom:1px solid #ddd}</style></head><body>"
        "<h1>credit-ocr run report</h1>"
        f"<p>{html.escape(str(summ).splitlines()[0])}</p>"
        "<h2>Stage durations (seconds)</h2>" + summ.stages.round(3).to_html(index=False) +
        "<h2>Timeline</h2><img src='timeline.png' style='max-width:100%'>"
        "<h2>Status counts</h2><img src='status_counts.png' style='max-width:100%'>"
        "<h2>Latency</h2><img src='latency.png' style='max-width:100%'>"
        "<h2>Documents</h2>" + shown.round(3).to_html(index=False, na_rep="") + "</body></html>",
        encoding="utf-8",
    )  # fmt: skip
    return page

"""Figures of a run: one timeline bar per document and stage, worker lanes, a report folder."""

from __future__ import annotations

import threading

import pytest
from PIL import Image

from credit_ocr.state import documents
from credit_ocr.state.status import Status, record_event, transition
from credit_ocr.watching import plots
from credit_ocr.watching import tables as monitor

pytestmark = [pytest.mark.redis, pytest.mark.services]


def run_batch(n: int, batch_id: str) -> list[str]:
    ids = [documents.upload(b"%PDF-1.4 plot\n", f"p{i}.pdf", batch_id=batch_id).id for i in range(n)]

    def one(i: int, doc_id: str) -> None:
        transition(doc_id, Status.OCR_RUNNING, worker=f"ocr@host{i % 2}")
        record_event(doc_id, "ocr_done", "ocr finished")
        transition(doc_id, Status.LLM_RUNNING, worker="llm@host")
        if i == n - 1:
            transition(doc_id, Status.FAILED, error="no text")
        else:
            transition(doc_id, Status.DONE)

    threads = [threading.Thread(target=one, args=(i, d)) for i, d in enumerate(ids)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return ids


def test_timeline_has_one_bar_per_document_and_stage(kit) -> None:
    ids = run_batch(6, "plot")
    fig = plots.timeline(batch_id="plot")
    doc_ax, lane_ax = fig.axes
    gids = [p.get_gid() for p in doc_ax.patches if p.get_gid()]
    expected = {f"{d}:{s}" for d in ids for s in monitor.STAGES}
    assert sorted(gids) == sorted(expected)  # each exactly once
    # the worker lanes name the workers that ran OCR and extraction
    lanes = {t.get_text().split(" #")[0] for t in lane_ax.get_yticklabels()}
    assert lanes == {"ocr@host0", "ocr@host1", "llm@host"}
    assert len(lane_ax.patches) == 2 * len(ids)
    # bars do not overlap on one lane
    by_lane: dict[float, list] = {}
    for p in lane_ax.patches:
        by_lane.setdefault(p.get_y(), []).append((p.get_x(), p.get_x() + p.get_width()))
    for spans in by_lane.values():
        spans.sort()
        assert all(a[1] <= b[0] + 1e-9 for a, b in zip(spans, spans[1:], strict=False))


def test_status_counts_and_latency_figures(kit) -> None:
    run_batch(4, "fig")
    counts = plots.status_counts(batch_id="fig")
    labels = {line.get_label() for line in counts.axes[0].get_lines()}
    assert {"pending", "done", "failed"} <= labels
    hist = plots.latency_histogram(batch_id="fig")
    assert sum(p.get_height() for p in hist.axes[0].patches) == 4  # every finished document counted


def test_save_report_writes_pngs_and_a_page(kit, tmp_path) -> None:
    run_batch(3, "rep")
    page = plots.save_report(tmp_path / "report", batch_id="rep")
    html = page.read_text()
    for name in ("timeline.png", "status_counts.png", "latency.png"):
        assert name in html
        with Image.open(tmp_path / "report" / name) as img:
            assert img.width > 400 and img.height > 200
    assert "2 done, 1 failed" in html


def test_empty_selection_draws_an_empty_figure(kit) -> None:
    assert plots.timeline(ids=[]).axes[0].get_title() == "No finished stages yet"

"""The dashboard: its model (no browser), its widgets updated on one thread, its buttons, real workers."""

from __future__ import annotations

import shutil
import threading
from datetime import UTC, datetime, timedelta

import pytest
from conftest import sample_files

from credit_ocr.faces.widgets import Dashboard, render_table
from credit_ocr.pipeline import submit
from credit_ocr.runtime.waiting import wait_until
from credit_ocr.state import documents
from credit_ocr.state.status import Status, record_event, transition
from credit_ocr.watching.dashboard import DashboardModel
from credit_ocr.watching.live import DocumentRow, TransitionEvent

HAPPY = [
    (None, "pending"),
    ("pending", "ocr_running"),
    ("ocr_running", "llm_running"),
    ("llm_running", "done"),
]
T0 = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


def ev(
    doc: str, frm: str | None, to: str, sec: float, kind: str = "transition", detail: str | None = None
) -> TransitionEvent:
    return TransitionEvent(doc, kind, frm, to, T0 + timedelta(seconds=sec), worker="w", detail=detail)


def row(doc: str, status: str, sec: float, error: str | None = None) -> DocumentRow:
    return DocumentRow(doc, f"{doc}.pdf", status, error, 1, None, T0, T0 + timedelta(seconds=sec))


def test_model_keeps_commit_order_and_ignores_duplicates() -> None:
    model = DashboardModel(ids=["a"], sla_seconds=60, clock=lambda: T0 + timedelta(seconds=10))
    events = [ev("a", None, "pending", 0), ev("a", "pending", "ocr_running", 1),
              ev("a", "ocr_running", "llm_running", 2), ev("a", "llm_running", "done", 3)]  # fmt: skip
    for e in [events[2], events[0], events[3], events[1], events[3]]:  # shuffled, one twice
        model.apply(e)
    doc = model.documents["a"]
    assert doc.transitions() == HAPPY
    assert model.applied == 4
    assert doc.status == "done" and doc.elapsed(T0 + timedelta(seconds=99)) == 3.0
    assert model.all_terminal() and model.progress() == 1.0


def test_reconcile_rows_win_when_fresher_and_not_otherwise() -> None:
    model = DashboardModel(ids=["a", "b"], sla_seconds=60)
    model.apply(ev("a", "pending", "ocr_running", 5))
    model.reconcile([row("a", "pending", 1), row("b", "llm_running", 4)])
    assert model.documents["a"].status == "ocr_running"  # the event is newer than the row
    assert model.documents["b"].status == "llm_running" and model.documents["b"].filename == "b.pdf"
    model.reconcile([row("a", "failed", 9, error="tesseract died")])
    assert model.documents["a"].status == "failed" and model.latest_errors()[0][2] == "tesseract died"
    assert model.counts() == {"pending": 0, "ocr_running": 0, "llm_running": 1, "done": 0, "failed": 1}


def test_sla_flag_and_table() -> None:
    now = T0 + timedelta(seconds=200)
    model = DashboardModel(ids=["slow", "fast"], sla_seconds=120, clock=lambda: now)
    model.apply(ev("slow", None, "pending", 0))
    model.apply(ev("fast", None, "pending", 150))
    assert model.sla_breached() == ["slow"]
    html = render_table(model)
    assert html.count("LATE") == 1 and "waiting for OCR" in html


def test_retries_are_counted_and_shown() -> None:
    model = DashboardModel(ids=["a"])
    model.apply(ev("a", "ocr_running", "ocr_running", 1, kind="retry", detail="broker away"))
    model.apply(ev("a", "ocr_running", "ocr_running", 2, kind="retry", detail="broker away"))
    assert model.rows()[0]["retries"] == 2


@pytest.mark.redis
@pytest.mark.services
def test_dashboard_widgets_follow_ten_documents_on_one_thread(any_db) -> None:
    batch = submit.new_batch_id()
    ids = [documents.upload(b"%PDF-1.4 dash\n", f"d{i}.pdf", batch_id=batch).id for i in range(10)]
    dash = Dashboard(batch_id=batch)  # no kernel here: updates queue until pump()
    try:
        assert dash.feed.wait_connected(10)

        def drive() -> None:
            for doc_id in ids:
                transition(doc_id, Status.OCR_RUNNING)
                record_event(doc_id, "ocr_done", "ocr finished")
                transition(doc_id, Status.LLM_RUNNING)
                transition(
                    doc_id, Status.DONE if doc_id != ids[-1] else Status.FAILED, error="unreadable scan"
                )

        t = threading.Thread(target=drive)
        t.start()
        assert dash.wait(30)
        t.join()
    finally:
        dash.close()
    assert dash.foreign_writes == 0
    assert dash.bars["done"].value == 9 and dash.bars["failed"].value == 1 and dash.bars["pending"].value == 0
    assert dash.progress.value == dash.progress.max == 10
    assert "9 done, 1 failed" in dash.progress_label.value
    assert all(d[:8] in dash.table.value for d in ids)
    assert "unreadable scan" in dash.errors.value
    for doc_id in ids[:-1]:
        assert dash.model.documents[doc_id].transitions() == HAPPY


@pytest.mark.slow
@pytest.mark.tesseract
@pytest.mark.redis
@pytest.mark.services
def test_buttons_start_a_worker_submit_samples_and_every_transition_is_seen(kit, tmp_path) -> None:
    """Real worker, real Redis: start and submit by button.click(), cut the feed mid-run, all done in order."""
    samples = tmp_path / "samples"
    samples.mkdir()
    text_samples = sample_files("text")
    for i in range(10):
        shutil.copy(text_samples[i % len(text_samples)], samples / f"loan_{i:02d}.pdf")
    dash = Dashboard(batch_id=submit.new_batch_id(), samples_dir=samples)
    try:
        assert dash.feed.wait_connected(10)
        dash.start_button.click()
        assert dash.controller.worker is not None and dash.controller.worker.alive(), dash.message.value
        dash.submit_button.click()
        assert len(dash.controller.submitted) == 10, dash.message.value
        wait_until(lambda: dash.pump(0.1) >= 0 and dash.model.counts()["done"] >= 3, 120, what="3 done")
        dash.feed.disconnect()  # cut the subscriber mid-run: it reconnects and reconciles
        assert dash.wait(240), dash.model.counts()
        dash.stop_button.click()
        assert dash.controller.worker is None
    finally:
        dash.close()
    assert dash.feed.stats.disconnects >= 1
    assert dash.model.counts()["done"] == 10
    for doc_id in dash.controller.submitted:
        assert dash.model.documents[doc_id].transitions() == HAPPY
        # the file and deliveries come with the live events, not only with a reconcile
        shown = dash.model.documents[doc_id]
        assert shown.filename.startswith("loan_") and shown.attempts == 1, (shown.filename, shown.attempts)
    assert dash.foreign_writes == 0


def test_a_closed_dashboard_keeps_its_last_view_and_refuses_clicks(kit, tmp_path) -> None:
    """After the notebook's cleanup the dashboard is a snapshot: no click submits, starts or stops
    anything, the buttons are disabled, and the header says it is closed (not "Redis unreachable")."""
    samples = tmp_path / "samples"
    samples.mkdir()
    shutil.copy(sample_files("text")[0], samples / "loan_00.pdf")
    dash = Dashboard(samples_dir=samples)
    assert dash.feed.wait_connected(10)
    dash.close()
    assert all(b.disabled for b in (dash.start_button, dash.stop_button, dash.submit_button))
    dash.submit_button.click()
    dash.start_button.click()
    assert dash.controller.submitted == [] and dash.controller.worker is None
    assert "closed" in dash.message.value
    assert "closed" in dash.title.value and "unreachable" not in dash.title.value


def test_shown_it_also_opens_a_side_panel_that_the_next_dashboard_takes_over(kit) -> None:
    """Run All scrolls the notebook: a second view of the dashboard goes to JupyterLab's side panel
    (sidecar), as an output of the panel, so no other front end shows it twice."""
    first, second = Dashboard(start=False), Dashboard(start=False)
    hidden = Dashboard(start=False, beside=False)
    try:
        first._ipython_display_()
        panel = first.panel
        assert panel is not None and panel.title == "credit-ocr dashboard"
        (shown,) = panel.outputs
        assert shown["data"]["application/vnd.jupyter.widget-view+json"]["model_id"] == first.widget.model_id
        first._ipython_display_()  # shown again: the same panel
        assert first.panel is panel and len(panel.outputs) == 1
        second._ipython_display_()  # the next dashboard: its own panel, the first one is closed
        assert second.panel is not panel and panel.comm is None
        hidden._ipython_display_()
        assert hidden.panel is None
    finally:
        for dash in (first, second, hidden):
            dash.close()
    assert second.panel.comm is not None  # closing the dashboard keeps its last view in the panel

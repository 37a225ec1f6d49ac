"""Tables of status and timing, read back from SQLite and PostgreSQL: stages add up, SLA flags, summary."""

from __future__ import annotations

import math
import threading
from datetime import timedelta

import pytest
from sqlalchemy import event

from credit_ocr.state import documents
from credit_ocr.state.db import get_engine, utcnow
from credit_ocr.state.status import Status, record_event, resubmit, transition
from credit_ocr.watching import tables as monitor

pytestmark = [pytest.mark.redis, pytest.mark.services]


def make_docs(n: int, batch_id: str | None = None) -> list[str]:
    return [documents.upload(b"%PDF-1.4 monitor\n", f"m{i}.pdf", batch_id=batch_id).id for i in range(n)]


def happy(doc_id: str, *, ocr_done: bool = True, worker: str = "w1") -> None:
    transition(doc_id, Status.OCR_RUNNING, worker=f"ocr-{worker}")
    if ocr_done:
        record_event(doc_id, "ocr_done", "ocr finished")
    transition(doc_id, Status.LLM_RUNNING, worker=f"llm-{worker}")
    transition(doc_id, Status.DONE)


def test_stage_durations_add_up_to_the_total_for_every_document(any_db) -> None:
    ids = make_docs(10, batch_id="b1")
    threads = [
        threading.Thread(target=happy, args=(d,), kwargs={"ocr_done": i % 3 != 0}) for i, d in enumerate(ids)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    dur = monitor.stage_durations(ids).set_index("document_id")
    assert set(dur.index) == set(ids)
    for doc_id, row in dur.iterrows():
        parts = sum(row[f"{s}_s"] for s in monitor.STAGES)
        assert row["total_s"] > 0
        assert parts == pytest.approx(row["total_s"], abs=1e-6), doc_id
        assert row["ocr_worker"] == "ocr-w1" and row["llm_worker"] == "llm-w1"
    # without an ocr_done mark the wait before extraction is 0 (OCR ends where extraction starts)
    assert (dur.loc[[ids[0], ids[3], ids[6], ids[9]], "extract_wait_s"] == 0).all()
    assert (monitor.stage_spans(ids).groupby("document_id").size() >= 3).all()


def test_a_failed_then_resubmitted_document_is_timed_on_its_last_cycle(any_db) -> None:
    (doc_id,) = make_docs(1)
    transition(doc_id, Status.OCR_RUNNING)
    transition(doc_id, Status.FAILED, error="broker lost")
    failed = monitor.stage_durations(doc_id).iloc[0]
    assert failed["queue_wait_s"] + failed["ocr_s"] == pytest.approx(failed["total_s"])
    assert math.isnan(failed["extraction_s"])
    resubmit(doc_id)
    happy(doc_id)
    row = monitor.stage_durations(doc_id).iloc[0]
    second_pending = monitor.events(doc_id).query("to_status == 'pending'")["at"].max()
    assert row["pending_at"] == second_pending
    assert row["cycles"] == 2
    assert sum(row[f"{s}_s"] for s in monitor.STAGES) == pytest.approx(row["total_s"])


def test_a_document_refused_at_upload_is_finished_with_no_stage(any_db) -> None:
    refused = documents.upload(b"", "empty.pdf", batch_id="b2").id
    row = monitor.stage_durations(refused).iloc[0]
    assert row["end_status"] == "failed" and row["finished_at"] is not None and row["cycles"] == 0
    assert all(math.isnan(row[f"{s}_s"]) for s in monitor.STAGES)
    table = monitor.status_table(batch_id="b2").iloc[0]
    assert table["status"] == "failed" and table["error"].startswith("refused at upload: empty.pdf is empty")
    assert not table["sla_breached"]


def test_status_table_flags_documents_past_the_sla(any_db, configure) -> None:
    configure(sla_seconds=30)
    stuck, running, finished = make_docs(3)
    transition(running, Status.OCR_RUNNING)
    happy(finished)
    later = utcnow() + timedelta(seconds=60)
    table = monitor.status_table([stuck, running, finished], now=later).set_index("document_id")
    assert table.loc[stuck, "sla_breached"] and table.loc[running, "sla_breached"]
    assert not table.loc[finished, "sla_breached"]  # finished documents are never late
    assert table.loc[stuck, "elapsed_s"] > 30
    assert not monitor.status_table([stuck], now=utcnow())["sla_breached"].any()
    assert monitor.summary([stuck, running, finished]).active == 2


def test_tables_read_one_query_per_table_whatever_the_number_of_documents(any_db) -> None:
    ids = make_docs(12)
    for d in ids:
        happy(d)
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", count)
    try:
        table = monitor.status_table(ids)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(table) == 12 and len(statements) == 2


def test_summary_counts_medians_and_throughput(any_db) -> None:
    ids = make_docs(4, batch_id="sum")
    for d in ids[:3]:
        happy(d)
    transition(ids[3], Status.FAILED, error="bad scan")
    summ = monitor.summary(batch_id="sum")
    stages = summ.stages.set_index("stage")
    assert (summ.documents, summ.done, summ.failed, summ.active) == (4, 3, 1, 0)
    assert stages.loc["total", "count"] == 4 and stages.loc["extraction", "count"] == 3
    assert stages.loc["total", "median"] <= stages.loc["total", "p95"] <= stages.loc["total", "max"]
    assert summ.throughput_per_minute > 0
    data = summ.to_dict()
    assert data["stages"]["ocr"]["count"] == 3 and "3 done, 1 failed" in str(summ)


def test_events_and_counts_over_time(kit) -> None:
    ids = make_docs(2)
    happy(ids[0])
    ev = monitor.events(ids)
    assert list(ev.query("kind == 'transition'")["to_status"]) == [
        "pending",
        "pending",
        "ocr_running",
        "llm_running",
        "done",
    ]
    assert ev["at"].is_monotonic_increasing
    counts = monitor.status_counts_over_time(ids)
    assert counts.iloc[-1][["pending", "done"]].tolist() == [1, 1]
    assert (counts[["pending", "ocr_running", "llm_running", "done", "failed"]].sum(axis=1) >= 1).all()

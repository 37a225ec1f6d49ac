"""Documents as plain data for the CLI's ``--json``: statuses, stage timings, events, the failing stage."""

from __future__ import annotations

import json

import pytest

from credit_ocr.state import documents
from credit_ocr.state.status import Status, record_event, transition
from credit_ocr.watching import tables as monitor
from credit_ocr.watching.reporting import describe

pytestmark = [pytest.mark.redis, pytest.mark.services]


def make_docs(n: int) -> list[str]:
    return [documents.upload(b"%PDF-1.4 reporting\n", f"r{i}.pdf").id for i in range(n)]


def test_describe_gives_timings_that_add_up_and_json_safe_values(any_db) -> None:
    done, waiting = make_docs(2)
    transition(done, Status.OCR_RUNNING, worker="ocr@test")
    record_event(done, "ocr_done", "ocr finished")
    transition(done, Status.LLM_RUNNING, worker="llm@test")
    transition(done, Status.DONE)
    rows = {r["id"]: r for r in describe([done, waiting])}
    json.dumps(list(rows.values()))  # plain data: no NaN objects, no timestamps
    timings = rows[done]["timings"]
    assert rows[done]["status"] == "done" and rows[waiting]["status"] == "pending"
    parts = sum(timings[f"{s}_s"] for s in monitor.STAGES)
    assert timings["total_s"] > 0 and parts == pytest.approx(timings["total_s"], abs=1e-3)
    assert rows[waiting]["timings"]["ocr_s"] is None  # not reached: None, not NaN
    assert [e["to_status"] for e in rows[done]["events"] if e["kind"] == "transition"] == [
        "pending",
        "ocr_running",
        "llm_running",
        "done",
    ]
    assert rows[done]["sla_breached"] is False


def test_failed_only_names_the_stage_that_failed(any_db) -> None:
    ok, bad = make_docs(2)
    transition(bad, Status.OCR_RUNNING)
    transition(bad, Status.FAILED, error="tesseract crashed")
    (row,) = describe([ok, bad], failed_only=True)
    assert row["id"] == bad and row["error"] == "tesseract crashed"
    assert row["failed_stage"] == "ocr_running" and row["events"]


def test_describe_without_events_and_of_nothing(any_db) -> None:
    (doc_id,) = make_docs(1)
    (row,) = describe([doc_id], with_events=False)
    assert "events" not in row and row["attempts"] == 0
    assert describe(["no-such-document"]) == []

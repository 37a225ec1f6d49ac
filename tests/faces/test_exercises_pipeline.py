"""Exercises 05.1, 06.1 and 06.2 on one batch through real workers: hint, then ✓ (one batch for the three)."""

from __future__ import annotations

import pandas as pd
import pytest
from running import running_workers

from credit_ocr.faces.exercises.core import verdict
from credit_ocr.faces.lessons import sample_paths
from credit_ocr.pipeline import submit
from credit_ocr.watching import tables as monitor
from credit_ocr.watching.wait import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.services, pytest.mark.tesseract]


def test_05_1_urgent_overtakes_then_06_stage_times_from_the_log(kit) -> None:
    batch = submit.new_batch_id()
    with running_workers({"preset": "ocr"}, {"preset": "llm", "concurrency": 4}):
        # 05.1's solution: a backlog of scans, then one urgent document
        backlog = submit.submit(sample_paths("scan", limit=6), batch_id=batch)
        urgent = submit.submit(sample_paths("text", limit=1), priority=9, batch_id=batch)
        ids = backlog + urgent
        assert set(wait_for(ids, timeout=300, progress=False).values()) == {"done"}
    log = monitor.events(ids)
    starts = log[(log["kind"] == "transition") & (log["to_status"] == "ocr_running")].sort_values("at")
    order = starts["document_id"].tolist()
    with_marks = log[log["to_status"] == "ocr_running"].sort_values("at")["document_id"].tolist()
    assert "keep the transitions only" in verdict("05.1", with_marks).message
    passed = verdict("05.1", order)
    assert passed.passed, passed.message
    assert "not the order" in verdict("05.1", list(reversed(order))).message
    no_urgent = [i for i in order if i in backlog]  # in their order, all of one priority
    assert "ONE document with a higher priority" in verdict("05.1", no_urgent).message

    # 06.1's solution: pending → ocr_running per document, from the same log
    moves = log[log["kind"] == "transition"].groupby(["document_id", "to_status"])["at"].first().unstack()
    waits = (moves["ocr_running"] - moves["pending"]).dt.total_seconds()
    passed = verdict("06.1", waits)
    assert passed.passed, passed.message
    totals = (moves["done"] - moves["pending"]).dt.total_seconds()
    assert "(that is its total time)" in verdict("06.1", totals).message
    assert "missing from your answer" in verdict("06.1", waits.iloc[:-1]).message

    # 06.2's solution: each stage summed over the documents, the largest
    ends = log[log["kind"] == "ocr_done"].groupby("document_id")["at"].first()
    stages = pd.DataFrame(
        {
            "queue_wait": moves["ocr_running"] - moves["pending"],
            "ocr": ends - moves["ocr_running"],
            "extract_wait": moves["llm_running"] - ends,
            "extraction": moves["done"] - moves["llm_running"],
        }
    )
    slowest = stages.sum().idxmax()
    passed = verdict("06.2", {"batch": batch, "slowest": slowest})
    assert passed.passed, passed.message
    other = next(s for s in stages.columns if s != slowest)
    assert "more time in another stage" in verdict("06.2", {"batch": batch, "slowest": other}).message
    assert "not a stage" in verdict("06.2", {"batch": batch, "slowest": "lunch"}).message

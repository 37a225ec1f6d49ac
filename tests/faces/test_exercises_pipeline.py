"""Exercises 05.1, 06.1 and 06.2 on one batch: hints, then ✓ (one batch for the three).

The solutions themselves run through real workers in notebooks/solutions/05_* and 06_* under strict
nbval (their ✓ is compared). Here the batch is an event log written to a plan
(``eventlog.made_batch``), so that every hint is checked on the shape it needs: a backlog of six scans on
two OCR processes, an urgent document submitted after them that overtakes the four still queued but the
one a process had already taken.
"""

from __future__ import annotations

import pandas as pd
from eventlog import Plan, made_batch

from credit_ocr.faces.exercises.core import verdict
from credit_ocr.watching import tables as monitor

#: Two OCR processes: b0 and b1 at once, then b2 (already taken) and the urgent one, then b3, b4, b5.
BACKLOG = [Plan(0.1, 1.0), Plan(0.11, 1.0), Plan(1.0, 2.0), Plan(1.2, 2.2), Plan(2.0, 3.0), Plan(2.2, 3.2)]
URGENT = Plan(1.001, 1.2, pending=0.5, priority=9)


def test_05_1_urgent_overtakes_then_06_stage_times_from_the_log(kit) -> None:
    batch, ids = made_batch([*BACKLOG, URGENT])
    backlog = ids[:-1]
    # 05.1's solution: their ocr_running transitions in time order
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

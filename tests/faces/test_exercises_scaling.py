"""Exercise 07.1: one batch per OCR concurrency through real workers; the check reads their event logs."""

from __future__ import annotations

import pytest
from running import running_workers

from credit_ocr.config import cpu_count
from credit_ocr.faces.exercises import scaling
from credit_ocr.faces.exercises.core import verdict
from credit_ocr.faces.exercises.pipeline import ocr_at_once
from credit_ocr.faces.lessons import sample_paths
from credit_ocr.pipeline import submit
from credit_ocr.watching import tables as monitor
from credit_ocr.watching.wait import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.services, pytest.mark.tesseract]


def test_07_1_the_fastest_measured_concurrency_bound_by_the_cores(kit) -> None:
    levels = (1, cpu_count(), cpu_count() + 1)
    batches = {}
    for level in levels:  # the solution: one worker per concurrency, alone on both queues, a batch of scans
        batch = batches[level] = submit.new_batch_id()
        with running_workers({"queues": ["ocr", "llm"], "concurrency": level}):
            wait_for(
                submit.submit(sample_paths("scan", limit=2), batch_id=batch), timeout=300, progress=False
            )
    assert ocr_at_once(batch_id=batches[1]) == 1 and ocr_at_once(batch_id=batches[levels[1]]) == 2
    rates = {level: monitor.summary(batch_id=b).throughput_per_minute for level, b in batches.items()}
    best = max(rates, key=rates.get)
    passed = verdict("07.1", {"batches": batches, "best": best, "bound_by": "the CPU cores"})
    assert passed.passed, passed.message

    slowest = min(rates, key=rates.get)
    if rates[slowest] < scaling.NEAR_BEST * rates[best]:
        slow = verdict("07.1", {"batches": batches, "best": slowest, "bound_by": "cores"})
        assert f"x{best} was clearly faster than x{slowest}" in slow.message
    gil = verdict("07.1", {"batches": batches, "best": best, "bound_by": "the GIL"})
    assert "their own interpreter and GIL" in gil.message
    claims_more = {**batches, levels[1]: batches[1]}  # the batch of x1 passed off as x2
    assert (
        "never had two documents in OCR at once"
        in verdict("07.1", {"batches": claims_more, "best": best, "bound_by": "cores"}).message
    )
    claims_less = {**batches, 1: batches[levels[1]]}  # the batch of x2 passed off as x1
    assert (
        "more than 1 process(es) served it"
        in verdict("07.1", {"batches": claims_less, "best": best, "bound_by": "cores"}).message
    )
    below = {level: b for level, b in batches.items() if level <= cpu_count()}
    assert "at least three" in verdict("07.1", {"batches": below, "best": 1, "bound_by": "cores"}).message

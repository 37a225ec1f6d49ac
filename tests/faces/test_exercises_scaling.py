"""Exercise 07.1's check on batches of a known shape: the fastest concurrency, bound by the cores.

The solution itself, one batch per concurrency through real workers, runs in
notebooks/solutions/07_scaling_experiments_solutions.ipynb under strict nbval (its ✓ is compared). Here
each hint is checked on event logs written to a plan (``eventlog.made_batch``): a loaded machine cannot
be trusted to make x1 clearly slower than x2, and every hint must be seen.
"""

from __future__ import annotations

from eventlog import Plan, made_batch

from credit_ocr.config import cpu_count
from credit_ocr.faces.exercises import scaling
from credit_ocr.faces.exercises.core import verdict
from credit_ocr.faces.exercises.pipeline import ocr_at_once
from credit_ocr.watching import tables as monitor


def _batches() -> dict[int, str]:
    """x1: two scans one after the other (2 s); x-cores: both at once (1 s); one above: both at once, slower."""
    at_once = max(2, cpu_count())
    plans = {
        1: [Plan(0.0, 1.0), Plan(1.0, 2.0)],
        at_once: [Plan(0.0, 1.0) for _ in range(at_once)],
        at_once + 1: [Plan(0.0, 1.5) for _ in range(at_once)],
    }
    return {level: made_batch(p, worker=f"ocr-x{level}@eventlog")[0] for level, p in plans.items()}


def test_07_1_the_fastest_measured_concurrency_bound_by_the_cores(kit) -> None:
    batches = _batches()
    levels = sorted(batches)
    assert [ocr_at_once(batch_id=batches[level]) for level in levels] == [1, levels[1], levels[1]]
    rates = {level: monitor.summary(batch_id=b).throughput_per_minute for level, b in batches.items()}
    best, slowest = levels[1], 1
    assert max(rates, key=rates.get) == best and rates[slowest] < scaling.NEAR_BEST * rates[best]
    passed = verdict("07.1", {"batches": batches, "best": best, "bound_by": "the CPU cores"})
    assert passed.passed, passed.message

    slow = verdict("07.1", {"batches": batches, "best": slowest, "bound_by": "cores"})
    assert f"x{best} was clearly faster than x{slowest}" in slow.message
    gil = verdict("07.1", {"batches": batches, "best": best, "bound_by": "the GIL"})
    assert "their own interpreter and GIL" in gil.message
    claims_more = {**batches, best: batches[1]}  # the batch of x1 passed off as x2
    assert (
        "never had two documents in OCR at once"
        in verdict("07.1", {"batches": claims_more, "best": best, "bound_by": "cores"}).message
    )
    claims_less = {**batches, 1: batches[best]}  # the batch of x2 passed off as x1
    assert (
        "more than 1 process(es) served it"
        in verdict("07.1", {"batches": claims_less, "best": best, "bound_by": "cores"}).message
    )
    below = {level: b for level, b in batches.items() if level <= cpu_count()}
    assert "at least three" in verdict("07.1", {"batches": below, "best": 1, "bound_by": "cores"}).message

"""Exercise 07.1 reads the student's measurement: which concurrencies ran, which was fastest, and why.

The measurement itself (a bench lab with real workers) runs in the solution notebook under nbval; here
the check is given results of known shape, so that every hint is reached in milliseconds.
"""

from __future__ import annotations

from credit_ocr.faces.bench.core import ConfigResult, ExperimentResult
from credit_ocr.faces.exercises.core import verdict


def _result(rates: dict[int, float], cores: int = 2, done: int = 4) -> ExperimentResult:
    configs = [ConfigResult(f"ocr prefork x{c}", docs=4, done=done, docs_per_min=r) for c, r in rates.items()]
    return ExperimentResult(
        "ocr-concurrency", "OCR processes", configs[0].name, "docs_per_min", configs, 4, cores, "", 1.0
    )


def test_07_1_the_fastest_measured_concurrency_bound_by_the_cores() -> None:
    result = _result({1: 60.0, 2: 110.0, 3: 104.0})
    passed = verdict("07.1", {"result": result, "best": 2, "bound_by": "the CPU cores"})
    assert passed.passed, passed.message
    # noise: within 10% of the fastest counts as the fastest
    assert verdict("07.1", {"result": result, "best": 3, "bound_by": "cores"}).passed


def test_07_1_hints() -> None:
    result = _result({1: 60.0, 2: 110.0, 3: 104.0})
    slow = verdict("07.1", {"result": result, "best": 1, "bound_by": "cores"})
    assert "x2 is clearly faster than x1" in slow.message
    gil = verdict("07.1", {"result": result, "best": 2, "bound_by": "the GIL"})
    assert "their own interpreter and GIL" in gil.message
    below = verdict("07.1", {"result": _result({1: 60.0, 2: 110.0}), "best": 2, "bound_by": "cores"})
    assert "at least three concurrencies" in below.message
    not_above = _result({1: 60.0, 2: 110.0, 3: 120.0}, cores=4)
    assert "and above them" in verdict("07.1", {"result": not_above, "best": 3, "bound_by": "cores"}).message
    failed = verdict(
        "07.1", {"result": _result({1: 1.0, 2: 2.0, 3: 2.0}, done=3), "best": 2, "bound_by": "cores"}
    )
    assert "3 of 4 documents finished" in failed.message
    assert (
        "what run_experiment returned"
        in verdict("07.1", {"result": {}, "best": 2, "bound_by": "cores"}).message
    )

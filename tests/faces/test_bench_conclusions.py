"""Notebook 07's conclusions follow the run's numbers: the lesson when shown, the noise when not."""

from __future__ import annotations

import math

import pytest

from credit_ocr.faces.bench import ConfigResult, ExperimentResult, conclude, conclusions
from credit_ocr.faces.bench.conclusions import tail_bound


def _result(name: str, rates: dict[str, float], others: float, docs: int = 12) -> ExperimentResult:
    configs = [
        ConfigResult(n, docs=docs, done=docs, docs_per_min=r, other_cpu_util=others) for n, r in rates.items()
    ]
    result = ExperimentResult(name=name, title=name, baseline=configs[0].name, ratio_metric="docs_per_min",
                              configs=configs, docs=docs, cores=2, started_at="-", seconds=1.0)  # fmt: skip
    result.compute_ratios()
    return result


QUEUES = {"both (prefork x2, one worker)": 60.0}


def test_a_run_that_shows_the_lesson_says_so() -> None:
    c = conclude(_result("queues", {**QUEUES, "split": 150.0}, others=0.02))
    assert c.shown and "2.50x" in c.text and "shown." in c.text and str(c).startswith("✓")


def test_a_busy_run_that_misses_blames_the_noise_it_measured() -> None:
    c = conclude(_result("sync-vs-async", {"sync loop": 100.0, "async": 166.0}, others=0.60))
    assert not c.shown and str(c).startswith("✗")
    assert (
        "1.66x" in c.text and "NOT shown" in c.text and "60% of the 2 cores" in c.text and "noise" in c.text
    )


def test_a_quiet_run_that_misses_says_the_size_is_too_small() -> None:
    c = conclude(_result("queues", {**QUEUES, "split": 98.0}, others=0.03, docs=6))
    assert not c.shown and "1.63x" in c.text and "quiet" in c.text and "at 6 documents" in c.text


def test_the_tail_bound_spreads_the_sync_times_over_the_cores_in_submit_order() -> None:
    assert tail_bound([1.0] * 12, 2) == 2.0  # an even batch: nothing runs alone
    assert tail_bound([1.0] * 3, 2) == 1.5  # the third document runs alone
    assert tail_bound([2.0, 1.0, 1.0], 2) == 2.0  # the two short ones fill the long one's time
    assert tail_bound([1.0, 1.0, 1.0, 3.0], 2) == 1.5  # a long last document: 6 s of work, 4 s long
    assert tail_bound([1.0] * 5, 1) == 1.0 and math.isnan(tail_bound([], 2))


def _sync_async(ratio: float, doc_seconds: list[float], others: float = 0.02) -> ExperimentResult:
    result = _result("sync-vs-async", {"sync loop": 100.0, "async": 100.0 * ratio}, others=others)
    result.configs[0].extra["doc_seconds"] = doc_seconds
    return result


#: Twelve documents whose last one runs alone: 13 s of work, 7 s on two cores at best (1.86x).
TWELVE = [1.0] * 11 + [2.0]


def test_sync_vs_async_is_judged_against_what_its_documents_allow() -> None:
    assert round(tail_bound(TWELVE, 2), 2) == 1.86
    c = conclude(_sync_async(1.75, TWELVE))  # under 1.8x, but 94% of what 12 documents allow on 2 cores
    assert c.shown and "1.75x" in c.text and "94% of the 1.86x these 12 documents allow" in c.text
    c = conclude(_sync_async(1.60, TWELVE))  # 86%: the pipeline's own costs, on a quiet machine
    assert not c.shown and "quiet" in c.text and "pipeline's own cost" in c.text
    c = conclude(_sync_async(1.75, [1.0] * 12))  # an even batch allows 2x: 1.75x is 88% of it
    assert not c.shown and "88% of the 2.00x" in c.text


def test_workers_lesson_needs_gain_up_to_the_cores_and_none_beyond() -> None:
    rates = {
        "ocr prefork x1": 100.0,
        "ocr prefork x2": 190.0,
        "ocr prefork x4": 192.0,
        "ocr threads x4": 200.0,
    }
    assert conclude(_result("workers", rates, others=0.0)).shown
    rates["ocr prefork x4"] = 260.0  # still gaining past 2 cores: not what the lesson says
    assert not conclude(_result("workers", rates, others=0.0)).shown


def test_unmeasured_load_is_said_not_guessed() -> None:
    c = conclude(_result("io-pool", {"llm prefork x2": 100.0, "llm threads x16": 110.0}, others=math.nan))
    assert not c.shown and "not measured" in c.text


def test_every_lesson_experiment_is_judged_and_others_refused() -> None:
    results = [_result("io-pool", {"llm prefork x2": 100.0, "llm threads x16": 240.0}, others=0.0)]
    assert [c.experiment for c in conclusions(results)] == ["io-pool"]
    with pytest.raises(ValueError, match="No lesson"):
        conclude(_result("omp", {"a": 1.0, "b": 1.0}, others=0.0))

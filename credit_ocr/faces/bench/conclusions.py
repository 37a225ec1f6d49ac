"""Conclusions written from a run's own numbers: the lesson where the run shows it, the noise where not.

A notebook that states "split queues win" after measuring a tie teaches the wrong habit. Each function
here reads one experiment's result, compares it with what the lesson predicts, and says which of three
things happened: the run shows the lesson; it does not, and the rest of the machine was busy (the gap
is at least partly noise: run again on a quiet machine); or it does not on a quiet machine (then the
size is too small to show it, or the lesson does not hold here: both worth knowing).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass

from credit_ocr.faces.bench.core import ExperimentResult

#: The rest of the machine using more than this share of the cores makes a run "busy".
BUSY = 0.15
#: The share of the most the cores allow that counts as "close to one document per core at once"
#: (1.8x on 2 cores for a batch large enough that its last document hardly matters).
EFFICIENCY = 0.9


def tail_bound(seconds: Sequence[float], cores: int) -> float:
    """The most ``cores`` processes can gain over one on these documents, each taking its ``seconds``.

    Workers that fetch one message at a time take the documents in submit order, each as soon as one of
    them is free; the batch ends with its last document, while the other processes have nothing left to
    do. The bound is the one-process time over that schedule's makespan: ``cores`` for a large batch,
    less for a small one (notebook 07's 12 documents on 2 cores: about 1.95x).
    """
    if not seconds or cores < 1:
        return math.nan
    free = [0.0] * cores
    for s in seconds:
        heapq.heappush(free, heapq.heappop(free) + s)
    return sum(seconds) / max(free) if max(free) > 0 else math.nan


def sync_async_bound(result: ExperimentResult) -> float:
    """``tail_bound`` of the sync loop's own document times in this run; the cores when unmeasured."""
    seconds = result.config(result.baseline).extra.get("doc_seconds") or []
    bound = tail_bound(seconds, result.cores)
    return result.cores if math.isnan(bound) else min(bound, result.cores)


@dataclass(frozen=True)
class Conclusion:
    """What one experiment showed in this run."""

    experiment: str
    shown: bool
    text: str

    def __str__(self) -> str:
        return f"{'✓' if self.shown else '✗'} {self.text}"


def noise(result: ExperimentResult) -> float:
    """The largest share of the cores the rest of the machine used during any configuration."""
    others = [c.other_cpu_util for c in result.configs if not math.isnan(c.other_cpu_util)]
    return max(others, default=math.nan)


#: Why a quiet run misses, by default: the fixed costs of a small run.
SMALL_RUN = (
    "start-up and the last documents, which run alone, weigh more in a small run. Raise the size "
    "(`credit-ocr bench` uses more) and compare."
)
#: Why a quiet run misses sync-vs-async, whose bound already counts the last documents.
OVERHEAD = (
    "the documents' tail is in the bound already, so what is missing is the pipeline's own cost (upload, "
    "queues, events, the extraction worker on the same cores): `credit-ocr bench overhead` measures it."
)


def _why_not(result: ExperimentResult, quiet_reason: str = SMALL_RUN) -> str:
    busy = noise(result)
    if math.isnan(busy):
        return "the machine's load was not measured, so this run cannot say why."
    if busy > BUSY:
        return (
            f"the rest of the machine kept {busy:.0%} of the {result.cores} cores busy meanwhile, so the gap is "
            "at least partly noise, not the lesson failing: run the cell again when the machine is quiet."
        )
    return (
        f"the machine was quiet (others used {busy:.0%} of the cores), so at {result.docs} documents the "
        f"gap is real: {quiet_reason}"
    )


def _judge(result: ExperimentResult, shown: bool, claim: str, quiet_reason: str = SMALL_RUN) -> Conclusion:
    text = (
        f"{claim}: shown." if shown else f"{claim}: NOT shown in this run; {_why_not(result, quiet_reason)}"
    )
    return Conclusion(result.name, shown, text)


def conclude(result: ExperimentResult) -> Conclusion:
    """The lesson of one experiment (sync-vs-async, workers, io-pool, queues), judged on this run."""
    c = result.configs
    if result.name == "sync-vs-async":
        r, bound = c[-1].ratio, sync_async_bound(result)
        claim = (
            f"the pipeline ran {r:.2f}x a sync loop on {result.cores} cores, {r / bound:.0%} of the {bound:.2f}x "
            f"these {result.docs} documents allow (their sync times, {result.cores} at a time, the last alone) "
            f"(the lesson: close to one document per core at once, >= {EFFICIENCY:.0%} of that bound; "
            f"{EFFICIENCY * result.cores:.1f}x as the batch grows)"
        )
        return _judge(result, r >= EFFICIENCY * bound, claim, OVERHEAD)
    if result.name == "workers":
        rate = {cfg.name: cfg.docs_per_min for cfg in c}
        up = rate["ocr prefork x2"] / rate["ocr prefork x1"]
        beyond = rate["ocr prefork x4"] / rate["ocr prefork x2"]
        return _judge(result, up >= 1.5 and beyond < 1.15,
                      f"two OCR processes gave {up:.2f}x one, four gave {beyond:.2f}x two (the lesson: "
                      f"processes help up to the {result.cores} cores, then stop)")  # fmt: skip
    if result.name == "io-pool":
        r = c[-1].ratio
        return _judge(result, r >= 1.5, f"threads ran the waiting stage {r:.2f}x faster than "
                                        f"{c[0].name} (the lesson: a stage that waits wants threads)")  # fmt: skip
    if result.name == "queues":
        r = c[-1].ratio
        return _judge(result, r >= 2.3, f"split queues ran {r:.2f}x one shared worker (the lesson: OCR "
                                        "keeps the cores while threads wait on the LLM, >= 2.3x)")  # fmt: skip
    raise ValueError(f"No lesson is written for experiment {result.name!r}.")


def conclusions(results: list[ExperimentResult]) -> list[Conclusion]:
    """One conclusion per experiment, in the order run."""
    return [conclude(r) for r in results]

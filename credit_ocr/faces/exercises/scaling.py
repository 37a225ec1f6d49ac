"""Exercise of lesson 07: the OCR concurrency that maximises throughput on this machine, and why.

The check reads the student's own measurement (an :class:`ExperimentResult` from a bench lab with real
workers): which concurrencies ran, whether every document finished, and which one was fastest.
"""

from __future__ import annotations

import math
import re
from typing import Any

from credit_ocr.faces.bench.core import ExperimentResult
from credit_ocr.faces.exercises.core import NotYet, exercise

__all__ = ["NEAR_BEST"]

#: A pick within this share of the fastest measured rate counts as the fastest (runs are noisy).
NEAR_BEST = 0.9
_LEVEL = re.compile(r"x(\d+)\b")
_WRONG_BOUNDS = {
    "gil": "prefork processes each have their own interpreter and GIL; and tesseract runs outside the GIL.",
    "memory": "each OCR process holds a few hundred MB: memory limits how many fit, not how fast they go.",
    "ram": "each OCR process holds a few hundred MB: memory limits how many fit, not how fast they go.",
    "disk": "the pages are read once and held in memory: the disk is not what they wait for.",
    "network": "OCR waits on no network: the LLM stage does, and it has its own threads worker.",
    "redis": "the broker hands out a message in well under a millisecond: it is not what OCR waits for.",
}


def _levels(result: ExperimentResult) -> dict[int, float]:
    """Concurrency → documents per minute, from configurations named like ``ocr prefork x2``."""
    rates: dict[int, float] = {}
    for config in result.configs:
        found = _LEVEL.search(config.name)
        if not found:
            raise NotYet(f"name each configuration with its concurrency ('ocr prefork x2'): {config.name!r}.")
        if config.done != config.docs or not config.docs:
            raise NotYet(f"{config.name}: {config.done} of {config.docs} documents finished ({config.note}).")
        rates[int(found.group(1))] = config.docs_per_min
    return rates


@exercise(
    "07.1",
    "The best OCR concurrency on this machine, and why",
    "Set `answer` to {'result': <your ExperimentResult>, 'best': <the concurrency you pick, an int>, "
    "'bound_by': <what sets that number, in a word>}.",
)
def _best_concurrency(answer: Any) -> str:
    if not isinstance(answer, dict) or not {"result", "best", "bound_by"} <= set(answer):
        raise NotYet("expected a dict with the keys 'result', 'best' and 'bound_by'.")
    result = answer["result"]
    if not isinstance(result, ExperimentResult):
        raise NotYet(f"'result' should be what run_experiment returned, got {type(result).__name__}.")
    rates = _levels(result)
    if len(rates) < 3:
        raise NotYet(f"measure at least three concurrencies; your run has {sorted(rates)}.")
    if min(rates) > result.cores or max(rates) <= result.cores:
        raise NotYet(
            f"measure at or below this machine's {result.cores} cores and above them, to see where it stops."
        )
    best = answer["best"]
    if isinstance(best, bool) or not isinstance(best, int) or best not in rates:
        raise NotYet(f"'best' should be one of the concurrencies you measured: {sorted(rates)}.")
    fastest = max(rates, key=lambda level: rates[level] if not math.isnan(rates[level]) else -1.0)
    if not rates[best] >= NEAR_BEST * rates[fastest]:
        raise NotYet(f"your own table says x{fastest} is clearly faster than x{best}: read it again.")
    bound = str(answer["bound_by"]).lower()
    if "core" not in bound and "cpu" not in bound:
        why = next((text for word, text in _WRONG_BOUNDS.items() if word in bound), "")
        raise NotYet(
            f"{answer['bound_by']!r} is not what limits OCR. {why} What does tesseract use up?".strip()
        )
    return (
        "your pick is the fastest concurrency you measured (within 10%), and the cores bound it: OCR is "
        "CPU-bound, so processes beyond the cores only take turns on them (and each holds its own tesseract)."
    )

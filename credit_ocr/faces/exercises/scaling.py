"""Exercise of lesson 07: the OCR concurrency that maximises throughput on this machine, and why.

The student runs one batch per concurrency through real workers; the check reads each batch's event
log: every document done, how many documents were in OCR at once (never more than the concurrency the
answer claims, and more than one when it claims more than one), and its throughput over the makespan.
"""

from __future__ import annotations

import math
from typing import Any

from credit_ocr.config import cpu_count
from credit_ocr.faces.exercises.core import NotYet, exercise
from credit_ocr.faces.exercises.pipeline import ocr_at_once
from credit_ocr.watching import tables as monitor

__all__ = ["NEAR_BEST"]

#: A pick within this share of the fastest measured rate counts as the fastest (runs are noisy).
NEAR_BEST = 0.9
_WRONG_BOUNDS = {
    "gil": "prefork processes each have their own interpreter and GIL; and tesseract runs outside the GIL.",
    "memory": "each OCR process holds a few hundred MB: memory limits how many fit, not how fast they go.",
    "ram": "each OCR process holds a few hundred MB: memory limits how many fit, not how fast they go.",
    "disk": "the pages are read once and held in memory: the disk is not what they wait for.",
    "network": "OCR waits on no network: the LLM stage does, and it has its own threads worker.",
    "redis": "the broker hands out a message in well under a millisecond: it is not what OCR waits for.",
}


def _rates(batches: Any) -> dict[int, float]:
    """Concurrency → documents per minute of its batch, after checking each batch in the database."""
    if not isinstance(batches, dict) or not batches:
        raise NotYet("'batches' should be a dict {concurrency: batch id}.")
    rates: dict[int, float] = {}
    for level, batch in batches.items():
        if isinstance(level, bool) or not isinstance(level, int) or not isinstance(batch, str):
            raise NotYet(f"expected {{concurrency (int): batch id (str)}}, got {level!r}: {batch!r}.")
        summary = monitor.summary(batch_id=batch)
        if not summary.documents:
            raise NotYet(f"batch {batch!r} has no documents in this database.")
        if summary.done != summary.documents:
            raise NotYet(f"x{level}: {summary.done} of the batch's {summary.documents} documents are done.")
        seen = ocr_at_once(batch_id=batch)
        if seen > level:
            raise NotYet(
                f"the batch of x{level} had {seen} documents in OCR at once: more than {level} process(es) "
                "served it (another OCR worker on the queue?)."
            )
        if level > 1 and seen < 2:
            raise NotYet(
                f"the batch of x{level} never had two documents in OCR at once: was its OCR worker really at "
                f"concurrency {level}?"
            )
        rates[level] = summary.throughput_per_minute
    return rates


@exercise(
    "07.1",
    "The best OCR concurrency on this machine, and why",
    "Set `answer` to {'batches': {concurrency: batch id, ...}, 'best': <the concurrency you pick>, "
    "'bound_by': <what sets that number, in a word>}, one batch per concurrency.",
)
def _best_concurrency(answer: Any) -> str:
    if not isinstance(answer, dict) or not {"batches", "best", "bound_by"} <= set(answer):
        raise NotYet("expected a dict with the keys 'batches', 'best' and 'bound_by'.")
    rates = _rates(answer["batches"])
    cores = cpu_count()
    if len(rates) < 3:
        raise NotYet(f"measure at least three concurrencies; you have {sorted(rates)}.")
    if min(rates) > cores or max(rates) <= cores:
        raise NotYet(
            f"measure at or below this machine's {cores} cores and above them, to see where it stops."
        )
    best = answer["best"]
    if isinstance(best, bool) or not isinstance(best, int) or best not in rates:
        raise NotYet(f"'best' should be one of the concurrencies you measured: {sorted(rates)}.")
    fastest = max(rates, key=lambda level: rates[level] if not math.isnan(rates[level]) else -1.0)
    if not rates[best] >= NEAR_BEST * rates[fastest]:
        raise NotYet(f"by the event log x{fastest} was clearly faster than x{best}: read your numbers again.")
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

"""Exercises of lessons 05 and 06: an urgent document overtaking a backlog, and stage times from the log.

The checks read the ``documents`` rows and the event log of the documents the student's answer names,
and compare with what the workers really did.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from credit_ocr.faces.exercises.core import NotYet, exercise
from credit_ocr.watching import tables as monitor

__all__ = ["ocr_at_once"]

_STAGES = tuple(monitor.STAGES)


def _ids(answer: Any, what: str) -> list[str]:
    if isinstance(answer, pd.Series | pd.Index):
        answer = answer.tolist()
    if isinstance(answer, str) or not isinstance(answer, Iterable):
        raise NotYet(f"expected {what}, got {type(answer).__name__}.")
    ids = list(answer)
    if not ids or not all(isinstance(i, str) for i in ids):
        raise NotYet(f"expected {what}: a list of document ids (str).")
    return ids


def _short(document_id: str) -> str:
    return document_id[:8]


# --------------------------------------------------------------------------------------------
# 05.1: priorities


def _ocr_starts(ids: list[str]) -> tuple[pd.Series, pd.Series, pd.DataFrame]:
    """When each document was uploaded (its pending event) and first started OCR, and the rows."""
    log = monitor.events(ids).query("kind == 'transition'")
    pending = log[log["to_status"] == "pending"].groupby("document_id")["at"].first()
    started = log[log["to_status"] == "ocr_running"].groupby("document_id")["at"].first()
    return pending, started, monitor.documents_frame(ids).set_index("document_id")


@exercise(
    "05.1",
    "An urgent document overtakes the backlog",
    "Submit a backlog of scans, then one urgent document with a higher priority, wait for all of them, and "
    "set `answer` to their ids in the order they started OCR, read from the event log.",
)
def _priorities(answer: Any) -> str:
    ids = _ids(answer, "the document ids in the order they started OCR")
    pending, started, docs = _ocr_starts(ids)
    unknown = [i for i in ids if i not in docs.index]
    if unknown:
        raise NotYet(
            f"{len(unknown)} of these ids are not documents of this database ({_short(unknown[0])}…)."
        )
    if len(set(ids)) != len(ids):
        raise NotYet(
            "some documents are there twice: keep the transitions only (kind == 'transition'); the ocr_done "
            "mark goes from ocr_running to ocr_running too."
        )
    if len(ids) < 4:
        raise NotYet("expected a backlog of several documents plus the urgent one.")
    unfinished = docs[docs["status"] != "done"]
    if len(unfinished):
        raise NotYet(f"{len(unfinished)} of them are not done yet (wait_for(...) first, then read the log).")
    order = started.sort_values(kind="stable").index.tolist()
    if ids != order:
        raise NotYet(
            "that is not the order in which they started OCR: sort their ocr_running events by `at`."
        )
    top = docs["priority"].max()
    urgent = docs.index[docs["priority"] == top].tolist()
    if len(urgent) != 1 or top == docs["priority"].min():
        raise NotYet("expected ONE document with a higher priority than the rest (submit(..., priority=9)).")
    urgent_id = urgent[0]
    if pending[urgent_id] != pending.max():
        raise NotYet("submit the urgent document *after* the backlog: it should have to overtake it.")
    waiting = [i for i in ids if i != urgent_id and started[i] > pending[urgent_id]]
    overtaken = [i for i in waiting if started[i] > started[urgent_id]]
    if len(overtaken) < 2:
        raise NotYet(
            f"the urgent document overtook {len(overtaken)} document(s) submitted before it: submit a bigger "
            "backlog (six scans or more) first, and give the urgent one a higher number (0-9, 9 most urgent)."
        )
    handed = ocr_at_once(ids)  # a worker holds one message per process: those go first
    if len(waiting) - len(overtaken) > handed:
        raise NotYet(
            f"{len(waiting) - len(overtaken)} documents that were still waiting when the urgent one arrived "
            f"started OCR before it, more than the {handed} a worker had already taken: is its priority higher?"
        )
    return (
        "submitted last, the urgent document started OCR before the documents still queued when it arrived: "
        "the broker hands out the most urgent message first (those a worker process had already taken go first)."
    )


def ocr_at_once(ids: list[str] | None = None, batch_id: str | None = None) -> int:
    """The most of these documents that were in OCR at the same moment, from the event log."""
    spans = monitor.stage_spans(ids, batch_id).query("stage == 'ocr'")
    marks = sorted([(t, 1) for t in spans["start"]] + [(t, -1) for t in spans["end"]])  # ends first on ties
    running = most = 0
    for _at, step in marks:
        running += step
        most = max(most, running)
    return most


# --------------------------------------------------------------------------------------------
# 06.1 and 06.2: stage times from the event log


def _one_batch(ids: list[str]) -> str:
    docs = monitor.documents_frame(ids)
    if len(docs) != len(set(ids)):
        raise NotYet("some of these ids are not documents of this database.")
    batches = set(docs["batch_id"].dropna())
    if len(batches) != 1 or docs["batch_id"].isna().any():
        raise NotYet("expected the documents of one batch (monitor.events(batch_id=batch)).")
    batch = batches.pop()
    missing = len(monitor.documents_frame(batch_id=batch)) - len(docs)
    if missing:
        raise NotYet(f"{missing} document(s) of the batch are missing from your answer.")
    return batch


def _seconds(answer: Any) -> pd.Series:
    series = pd.Series(answer) if isinstance(answer, dict) else answer
    if not isinstance(series, pd.Series):
        raise NotYet(f"expected a pandas Series (document id → seconds), got {type(answer).__name__}.")
    if pd.api.types.is_timedelta64_dtype(series):
        series = series.dt.total_seconds()
    return series.astype(float)


@exercise(
    "06.1",
    "Each document's queue wait, from the event log",
    "Set `answer` to a pandas Series: index the document ids of the batch, values the seconds each waited "
    "for an OCR worker (pending → ocr_running), computed from monitor.events(batch_id=batch).",
)
def _queue_wait(answer: Any) -> str:
    waits = _seconds(answer)
    _one_batch(_ids(waits.index, "a Series indexed by document id"))
    truth = monitor.stage_durations(list(waits.index)).set_index("document_id")
    for doc_id, seconds in waits.items():
        expected, total = truth.at[doc_id, "queue_wait_s"], truth.at[doc_id, "total_s"]
        if abs(seconds - expected) > 1e-3:
            also = " (that is its total time)" if abs(seconds - total) <= 1e-3 else ""
            raise NotYet(
                f"document {_short(doc_id)}: you have {seconds:.3f} s{also}; from its pending event to its "
                "first ocr_running event it waited a different time."
            )
    return (
        "every document's queue wait matches the event log: from its pending event to its ocr_running "
        "event, what monitor.stage_durations() calls queue_wait_s."
    )


@exercise(
    "06.2",
    "The slowest stage of a batch",
    f"Set `answer` to {{'batch': batch, 'slowest': stage}}: the stage of {_STAGES} in which the batch's "
    "documents spent the most time in total, computed from its event log.",
)
def _slowest(answer: Any) -> str:
    if not isinstance(answer, dict) or not {"batch", "slowest"} <= set(answer):
        raise NotYet("expected a dict with the keys 'batch' and 'slowest'.")
    stage = str(answer["slowest"]).removesuffix("_s")
    if stage not in _STAGES:
        raise NotYet(f"{answer['slowest']!r} is not a stage: one of {_STAGES}.")
    durations = monitor.stage_durations(batch_id=answer["batch"])
    if durations.empty:
        raise NotYet(f"batch {answer['batch']!r} has no documents in this database.")
    totals = durations[[f"{s}_s" for s in _STAGES]].sum()
    if totals.idxmax() != f"{stage}_s":
        raise NotYet(
            f"the documents spent more time in another stage than in {stage}: sum each stage over the "
            "documents (pending → ocr_running → ocr_done → llm_running → done) and take the largest."
        )
    return (
        "that is where this batch's documents spent most of their time. A queue wait on top says the "
        "documents waited for OCR processes; OCR on top says the work itself dominates."
    )

"""Exercises of lesson 04: an illegal move handled by its name, and a resubmitted document found in the log.

Both checks read the database: the document's row and its events, as committed.
"""

from __future__ import annotations

import uuid
from typing import Any

from credit_ocr.faces.exercises.core import NotYet, exercise
from credit_ocr.faces.lessons import sample_paths
from credit_ocr.state import documents
from credit_ocr.state.status import (
    DocumentNotFound,
    IllegalTransition,
    Status,
    TransitionResult,
    resubmit,
    transition,
)

__all__ = ["PUZZLE_BATCH_PREFIX", "resubmit_puzzle"]

#: The batch of every document :func:`resubmit_puzzle` makes (how the check knows them).
PUZZLE_BATCH_PREFIX = "exercise-04.2-"


def _transitions(document_id: str) -> list[tuple[str | None, str]]:
    return [
        (e["from_status"], e["to_status"])
        for e in documents.document_events(document_id)
        if e["kind"] == "transition"
    ]


@exercise(
    "04.1",
    "An illegal move, handled by its name",
    "Upload a document, try a move the state machine forbids, catch the named error and set `answer` to "
    "it (the exception object); then leave the document done or failed.",
)
def _illegal(answer: Any) -> str:
    if isinstance(answer, TransitionResult):
        raise NotYet(
            f"that is a TransitionResult ({answer.previous} → {answer.current}): the move was allowed. "
            "Try one the matrix above leaves empty."
        )
    if not isinstance(answer, IllegalTransition):
        kind = type(answer).__name__
        raise NotYet(f"expected the IllegalTransition the kit raises, got {kind}.")
    try:
        info = documents.get_document(answer.document_id)
    except DocumentNotFound:
        raise NotYet(
            f"document {answer.document_id} is not in the database (another home folder?)."
        ) from None
    moves = _transitions(answer.document_id)
    if (answer.current.value, answer.target.value) in moves:
        raise NotYet(f"the log shows {answer.current} → {answer.target} after all: was it made elsewhere?")
    if info.status not in (Status.DONE, Status.FAILED):
        raise NotYet(
            f"the document is still {info.status}: a document left waiting or running is picked up by the "
            "reconciler later. Fail it with an error saying why: transition(id, Status.FAILED, error=...)."
        )
    if info.status == Status.FAILED and not info.error:
        raise NotYet("the document failed without an error message: say what happened (error=...).")
    return (
        f"IllegalTransition: {answer.current} → {answer.target} was refused and nothing changed "
        f"(no such move in the log); the document ended {info.status}."
    )


def resubmit_puzzle() -> list[str]:
    """Four documents moved by hand, in a batch of their own: one failed and stayed failed, one failed
    at extraction, one went straight to done, and one failed, was resubmitted and then finished."""
    batch = PUZZLE_BATCH_PREFIX + uuid.uuid4().hex[:8]
    path = sample_paths("text")[0]
    ids = [info.id for info in documents.upload_many([path] * 4, batch_id=batch)]
    straight, stuck, late, back = ids
    for doc in ids:
        transition(doc, Status.OCR_RUNNING, detail="exercise 04.2")
    transition(stuck, Status.FAILED, error="exercise 04.2: the scan is unreadable")
    transition(back, Status.FAILED, error="exercise 04.2: the OCR engine was not running")
    resubmit(back, detail="exercise 04.2: resubmitted")
    transition(back, Status.OCR_RUNNING, detail="exercise 04.2")
    for doc in (straight, late, back):
        transition(doc, Status.LLM_RUNNING, detail="exercise 04.2")
    transition(late, Status.FAILED, error="exercise 04.2: the LLM answered 400")
    for doc in (straight, back):
        transition(doc, Status.DONE, detail="exercise 04.2")
    return [late, back, straight, stuck]


@exercise(
    "04.2",
    "The resubmitted document, found in the event log",
    "Set `answer` to the id (a str) of the one document of the puzzle that was resubmitted, found from "
    "the event log (monitor.events(puzzle)).",
)
def _resubmitted(answer: Any) -> str:
    if isinstance(answer, list | tuple) and len(answer) == 1:
        answer = answer[0]
    if not isinstance(answer, str):
        raise NotYet(f"expected one document id (a str), got {type(answer).__name__}.")
    try:
        info = documents.get_document(answer)
    except DocumentNotFound:
        raise NotYet(f"{answer!r} is not the id of a document in the database.") from None
    if not (info.batch_id or "").startswith(PUZZLE_BATCH_PREFIX):
        raise NotYet("that document is not one of the puzzle's: look among the ids resubmit_puzzle() gave.")
    moves = _transitions(answer)
    if ("failed", "pending") in moves:
        return (
            "its log is the only one with failed → pending: a resubmit starts a new cycle, and the stage "
            "timings of notebook 05 are taken from that last cycle."
        )
    if any(to == "failed" for _, to in moves):
        raise NotYet("that one failed but was never resubmitted: look for a transition *from* failed.")
    raise NotYet(f"that one never failed (it is {info.status}): a resubmit brings back a failed document.")

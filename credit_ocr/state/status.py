"""The document state machine: which transitions are legal, and the one way to make one.

``pending → ocr_running → llm_running → done``; ``failed`` from any non-terminal state; ``failed →
pending`` only through :func:`resubmit`. :func:`move` is the one function that changes a status: a
conditional ``UPDATE ... WHERE status = <expected> RETURNING ...`` and its event row, in the CALLER's
transaction (:func:`credit_ocr.state.db.transaction`, which publishes the event once it has committed).
Redelivered tasks are harmless: a move into the state a document already has is a no-op.
"""

from __future__ import annotations

import contextvars
import socket
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Row

from credit_ocr.state.db import Document, StatusEvent, publish_after_commit, transaction, utcnow

_docs = Document.__table__
_events = StatusEvent.__table__
#: What a move returns of the row: the event's batch, and what a starting stage needs to read.
_ROW = tuple(
    _docs.c[name] for name in ("status", "batch_id", "attempts", "blob_key", "mime_type", "filename")
)


class Status(StrEnum):
    """Where a document is. Values print well and compare equal to plain strings."""

    PENDING = "pending"  # uploaded and stored, waiting for an OCR worker
    OCR_RUNNING = "ocr_running"  # an OCR worker is reading its pages
    LLM_RUNNING = "llm_running"  # an extraction worker is filling the 21 fields
    DONE = "done"  # fields stored; terminal
    FAILED = "failed"  # gave up with an error; terminal until resubmitted

    def __str__(self) -> str:
        return self.value


TERMINAL: frozenset[Status] = frozenset({Status.DONE, Status.FAILED})
ACTIVE: frozenset[Status] = frozenset({Status.PENDING, Status.OCR_RUNNING, Status.LLM_RUNNING})

#: For each target state, the states a document may come from.
ALLOWED: dict[Status, frozenset[Status]] = {
    Status.OCR_RUNNING: frozenset({Status.PENDING}),
    Status.LLM_RUNNING: frozenset({Status.OCR_RUNNING}),
    Status.DONE: frozenset({Status.LLM_RUNNING}),
    Status.FAILED: ACTIVE,
    Status.PENDING: frozenset({Status.FAILED}),  # only by resubmit()
}


class StatusError(Exception):
    """Base of the state machine's errors."""


class DocumentNotFound(StatusError):
    def __init__(self, document_id: str) -> None:
        super().__init__(f"No document with id {document_id!r}: check the id with `credit-ocr status`.")
        self.document_id = document_id


_STILL = "only a failed document is resubmitted; wait for it (`credit-ocr watch ID`), or `credit-ocr reconcile` if stuck."
#: Why a document cannot go back to ``pending``, by where it is: what to do instead.
_WHY_NOT_PENDING: dict[Status, str] = {
    Status.DONE: "it is done: only a failed document is resubmitted (its fields: `credit-ocr fields ID`).",
    Status.FAILED: "only a resubmit puts a failed document back to pending: `credit-ocr submit --retry ID` "
    "or submit.retry(id) (clears its error and enqueues it again).",
    **{
        s: f"it is still {s.value}: {_STILL}"
        for s in (Status.PENDING, Status.OCR_RUNNING, Status.LLM_RUNNING)
    },
}


class IllegalTransition(StatusError):
    """A transition the state machine forbids (e.g. ``done → ocr_running``)."""

    def __init__(self, document_id: str, current: Status, target: Status) -> None:
        reason = _WHY_NOT_PENDING.get(current) if target is Status.PENDING else None
        if reason is None:
            allowed = ", ".join(sorted(s.value for s in ALLOWED[target])) or "nothing"
            reason = f"{target.value} is reached only from {allowed}."
        super().__init__(f"Document {document_id} cannot go from {current.value} to {target.value}: {reason}")
        self.document_id, self.current, self.target = document_id, current, target


@dataclass(frozen=True)
class TransitionResult:
    """What :func:`move` did, with what a starting stage needs of the row (no second read).

    ``changed`` is False for a repeated move (a redelivery); ``over_limit`` when the delivery counter
    passed ``max_attempts`` (nothing moved: the caller fails the document).
    """

    document_id: str
    previous: Status
    current: Status
    changed: bool
    at: datetime | None = None
    attempts: int = 0
    blob_key: str = ""
    mime_type: str = ""
    over_limit: bool = False


_worker: contextvars.ContextVar[str | None] = contextvars.ContextVar("credit_ocr_worker", default=None)


def worker_name() -> str:
    """Who is making a transition: the Celery worker's node name inside a task, else the host name."""
    return _worker.get() or socket.gethostname()


def set_worker(name: str | None) -> contextvars.Token:
    """Record the worker node name (``ocr-1a2b3c@host``) on the events this context writes."""
    return _worker.set(name)


def event_row(
    document_id: str,
    *,
    kind: str,
    from_status: str | None,
    to_status: str,
    at: datetime,
    task_id: str | None = None,
    worker: str | None = None,
    detail: str | None = None,
) -> dict:
    """The columns of one ``status_events`` row."""
    return {
        "document_id": document_id, "kind": kind, "from_status": from_status, "to_status": to_status,
        "at": at, "task_id": task_id, "worker": worker or worker_name(), "detail": detail,
    }  # fmt: skip


def add_events(
    conn: Connection, rows: list[dict], batch_id: str | None, documents: list[dict] | None = None
) -> None:
    """Insert event rows in the caller's transaction; each is published once it has committed, with what
    a watcher shows of its document (``documents``: its file name and deliveries, one dict per row)."""
    if not rows:
        return
    conn.execute(insert(_events), rows)
    for row, document in zip(rows, documents or [{}] * len(rows), strict=True):
        publish_after_commit(conn, {**row, "at": row["at"].isoformat(), "batch_id": batch_id, **document})


def _move_statement(
    document_id: str, source: Status, target: Status, at: datetime, inc: int, cap: int | None, error: str
):  # noqa: ANN202 - an UPDATE ... RETURNING, or None when the cap forbids the move
    """``attempts`` counts the deliveries of the stage the document is in: a stage that starts counts
    afresh from its first delivery (a document read once shows 1), a redelivery adds one (see move())."""
    if inc and cap is not None and inc > cap:
        return None
    values: dict = {"status": target.value, "updated_at": at}
    if inc:
        values["attempts"] = inc
    if target is Status.FAILED:
        values["error"] = error
    elif target is Status.PENDING:
        values.update(error=None, attempts=0)
    stmt = update(_docs).where(_docs.c.id == document_id, _docs.c.status == source.value)
    return stmt.values(values).returning(*_ROW)


def _read_statement(document_id: str, inc: int):  # noqa: ANN202 - a SELECT, or an UPDATE ... RETURNING
    """After a miss: the row as it is, counting the delivery (``inc``) on the way when there is one."""
    if inc:
        return (
            update(_docs)
            .where(_docs.c.id == document_id)
            .values(attempts=_docs.c.attempts + inc)
            .returning(*_ROW)
        )
    return select(*_ROW).where(_docs.c.id == document_id)


def move(
    conn: Connection,
    document_id: str,
    to: Status | str,
    *,
    expected: Status | None = None,
    task_id: str | None = None,
    worker: str | None = None,
    detail: str | None = None,
    error: str | None = None,
    count_attempt: bool = False,
    max_attempts: int | None = None,
    resubmit: bool = False,
) -> TransitionResult:
    """Move a document to ``to`` from ``expected`` (default: the target's one source) in ``conn``'s transaction.

    One conditional UPDATE ... RETURNING and its event row. Only on a miss is the row read, to explain
    it: already there (a no-op), over ``max_attempts`` deliveries (``over_limit``), in another legal
    source (moved from there), or :class:`IllegalTransition` / :class:`DocumentNotFound`.
    ``count_attempt`` counts a delivery (``documents.attempts``) whether or not the row moves.
    """
    target = Status(to)
    allowed = ALLOWED[target] if target is not Status.PENDING or resubmit else frozenset()
    source = expected if expected in allowed else next(iter(allowed)) if len(allowed) == 1 else None
    inc = 1 if count_attempt else 0
    for _ in range(len(Status)):  # each lap follows one concurrent change: a few at most
        if source is not None:
            at = utcnow()
            stmt = _move_statement(
                document_id, source, target, at, inc, max_attempts, error or detail or "failed"
            )
            row = conn.execute(stmt).one_or_none() if stmt is not None else None
            if row is not None:
                event = event_row(
                    document_id, kind="transition", from_status=source.value, to_status=target.value, at=at,
                    task_id=task_id, worker=worker, detail=detail or (error if target is Status.FAILED else None),
                )  # fmt: skip
                add_events(
                    conn, [event], row.batch_id, [{"filename": row.filename, "attempts": row.attempts}]
                )
                return _result(document_id, source, target, row, at=at)
        row = conn.execute(_read_statement(document_id, inc)).one_or_none()
        if row is None:
            raise DocumentNotFound(document_id)
        inc = 0  # counted once
        current = Status(row.status)
        over = max_attempts is not None and row.attempts > max_attempts
        if current is target or (over and current in allowed):
            return _result(document_id, current, current, row, over_limit=over)
        if current not in allowed:
            raise IllegalTransition(document_id, current, target)
        source = current  # another legal source, or it changed under us: move from where it is
    raise StatusError(f"Document {document_id}: its status kept changing under us; try again.")


def _result(
    document_id: str, previous: Status, current: Status, row: Row, **more: object
) -> TransitionResult:
    return TransitionResult(
        document_id, previous, current, changed=previous is not current, attempts=int(row.attempts or 0),
        blob_key=row.blob_key, mime_type=row.mime_type, **more,
    )  # fmt: skip


def note(
    conn: Connection,
    document_id: str,
    kind: str,
    detail: str,
    *,
    task_id: str | None = None,
    worker: str | None = None,
    status: Status | None = None,
) -> None:
    """An event that moves nothing (a retry, a redelivery, ``ocr_done``, a reconcile pickup), at the current
    status or ``status``, in ``conn``'s transaction. It touches ``updated_at``: the document is alive."""
    at = utcnow()
    row = conn.execute(
        update(_docs).where(_docs.c.id == document_id).values(updated_at=at).returning(*_ROW)
    ).one_or_none()
    if row is None:
        raise DocumentNotFound(document_id)
    at_status = status.value if status is not None else row.status
    event = event_row(
        document_id, kind=kind, from_status=at_status, to_status=at_status, at=at, task_id=task_id,
        worker=worker, detail=detail,
    )  # fmt: skip
    add_events(conn, [event], row.batch_id, [{"filename": row.filename, "attempts": row.attempts}])


def transition(
    document_id: str,
    to: Status | str,
    *,
    task_id: str | None = None,
    worker: str | None = None,
    detail: str | None = None,
    error: str | None = None,
) -> TransitionResult:
    """:func:`move` in a transaction of its own (committed, then published)."""
    with transaction() as conn:
        return move(conn, document_id, to, task_id=task_id, worker=worker, detail=detail, error=error)


def resubmit(document_id: str, *, detail: str = "resubmitted") -> TransitionResult:
    """Put a failed document back to ``pending`` (attempts and error cleared); the caller enqueues it."""
    with transaction() as conn:
        return move(conn, document_id, Status.PENDING, detail=detail, resubmit=True)


def record_event(
    document_id: str, kind: str, detail: str, *, task_id: str | None = None, worker: str | None = None,
    status: Status | None = None,
) -> None:  # fmt: skip
    """:func:`note` in a transaction of its own (committed, then published)."""
    with transaction() as conn:
        note(conn, document_id, kind, detail, task_id=task_id, worker=worker, status=status)

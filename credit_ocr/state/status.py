"""The document state machine: which transitions are legal, and the one way to make one.

``pending → ocr_running → llm_running → done``; ``failed`` from any non-terminal state; ``failed →
pending`` only through :func:`resubmit`. :func:`transition` is one conditional UPDATE plus its event row
in a single transaction, then a publish on ``credit_ocr:events``. Redelivered tasks are harmless: a
transition into the state a document already has is a no-op.
"""

from __future__ import annotations

import contextvars
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from credit_ocr.state import events
from credit_ocr.state.db import (
    Document,
    StatusEvent,
    autocommit,
    is_postgres,
    session_scope,
    transaction,
    utcnow,
)

#: The tables as Core objects: the hot paths below are plain statements (no ORM unit of work), one
#: worker's bookkeeping per document being a few of them.
_docs = Document.__table__
_events = StatusEvent.__table__
_INSERT_EVENT = insert(_events)

# The hot statements built once, with bound parameters: SQLAlchemy then compiles each once per process
# and finds it by the statement object, instead of building, keying and looking up a new one per call.
_AT = bindparam("b_at", type_=_docs.c.updated_at.type)
_MOVE = (
    update(_docs)
    .where(_docs.c.id == bindparam("b_id"), _docs.c.status == bindparam("b_from"))
    .values(status=bindparam("b_to"), updated_at=_AT)
)
_MOVE_RETURNING = _MOVE.returning(_docs.c.batch_id)
_START = _MOVE.values(attempts=_docs.c.attempts + bindparam("b_inc")).returning(
    _docs.c.batch_id, _docs.c.attempts, _docs.c.blob_key, _docs.c.mime_type
)
_START_CAPPED = _START.where(_docs.c.attempts + bindparam("b_inc") <= bindparam("b_max"))
_TOUCH = (
    update(_docs)
    .where(_docs.c.id == bindparam("b_id"))
    .values(updated_at=_AT)
    .returning(_docs.c.status, _docs.c.batch_id)
)

# PostgreSQL: a move and its event row as ONE statement (a data-modifying CTE), sent as plain SQL (no
# compilation per call; psycopg prepares it server-side after a few uses). The INSERT reads the UPDATE's
# RETURNING, so the event row exists exactly when the row moved; in autocommit mode the statement is
# its own transaction: one round trip instead of BEGIN, UPDATE, INSERT, COMMIT.
_PG_EVENT = (
    "ev AS (INSERT INTO status_events (document_id, kind, from_status, to_status, at, task_id, worker, detail) "
    "SELECT %(id)s, %(kind)s, {src}, {dst}, %(at)s, %(task_id)s, %(worker)s, %(detail)s FROM moved) "
)
_PG_TRANSITION_HEAD = (
    "WITH moved AS (UPDATE documents SET status = %(to)s, updated_at = %(at)s "
    "WHERE id = %(id)s AND status = %(from)s RETURNING batch_id), "
    + _PG_EVENT.format(src="%(from)s", dst="%(to)s")
)
_PG_TRANSITION = _PG_TRANSITION_HEAD + "SELECT batch_id FROM moved"


@dataclass(frozen=True)
class PgAlso:
    """A write that goes with a transition on PostgreSQL as one more part of its data-modifying CTE.

    ``cte`` is ``name AS (INSERT ... SELECT ... FROM moved ...)``: reading ``moved`` (the UPDATE's
    RETURNING, one row exactly when the document moved) makes the write happen exactly when the move
    does. Its placeholders are ``%(name)s`` with names of its own (a prefix such as ``x_``: the move's
    are ``id, kind, at, task_id, worker, detail, from, to``); ``params`` are driver values (JSON as
    text, cast in the SQL). Then the move, its event and this write are one autocommitted statement:
    one round trip instead of BEGIN, CTE, write, COMMIT.
    """

    cte: str
    params: dict


#: The statements with a :class:`PgAlso` part, by its CTE text (the same few strings every time).
_PG_TRANSITION_ALSO: dict[str, str] = {}


def _pg_transition_sql(also_pg: PgAlso | None) -> str:
    if also_pg is None:
        return _PG_TRANSITION
    sql = _PG_TRANSITION_ALSO.get(also_pg.cte)
    if sql is None:
        sql = _PG_TRANSITION_ALSO[also_pg.cte] = (
            f"{_PG_TRANSITION_HEAD}, {also_pg.cte} SELECT batch_id FROM moved"
        )
    return sql


_PG_START = (
    "WITH moved AS (UPDATE documents SET status = %(to)s, updated_at = %(at)s, attempts = attempts + %(inc)s "
    "WHERE id = %(id)s AND status = %(from)s{cap} RETURNING batch_id, attempts, blob_key, mime_type), "
    + _PG_EVENT.format(src="%(from)s", dst="%(to)s")
    + "SELECT batch_id, attempts, blob_key, mime_type FROM moved"
)
_PG_START_CAPPED = _PG_START.format(cap=" AND attempts + %(inc)s <= %(max)s")
_PG_START = _PG_START.format(cap="")
_PG_RECORD = (
    "WITH moved AS (UPDATE documents SET updated_at = %(at)s WHERE id = %(id)s RETURNING status, batch_id), "
    + _PG_EVENT.format(src="moved.status", dst="moved.status")
    + "SELECT status, batch_id FROM moved"
)


def _pg_params(values: dict, **extra: object) -> dict:
    """The CTEs' parameters: an event's values (from :func:`event_values`) and the move's."""
    return {
        "id": values["document_id"],
        "kind": values["kind"],
        "at": values["at"],
        "task_id": values["task_id"],
        "worker": values["worker"],
        "detail": values["detail"],
        "from": values["from_status"],
        "to": values["to_status"],
        **extra,
    }


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

#: The order of the happy path, used to tell "further along" from "behind".
ORDER: dict[Status, int] = {
    Status.PENDING: 0,
    Status.OCR_RUNNING: 1,
    Status.LLM_RUNNING: 2,
    Status.DONE: 3,
    Status.FAILED: 3,
}


class StatusError(Exception):
    """Base of the state machine's errors."""


class DocumentNotFound(StatusError):
    def __init__(self, document_id: str) -> None:
        super().__init__(f"No document with id {document_id!r}: check the id with `credit-ocr status`.")
        self.document_id = document_id


class IllegalTransition(StatusError):
    """A transition the state machine forbids (e.g. ``done → ocr_running``)."""

    def __init__(self, document_id: str, current: Status, target: Status) -> None:
        allowed = ", ".join(sorted(s.value for s in ALLOWED[target])) or "nothing"
        if target is Status.PENDING:
            reason = (
                "only a resubmit puts a failed document back to pending: `credit-ocr submit --retry ID` "
                "or submit.retry(id) (clears its error and enqueues it again)."
            )
        else:
            reason = f"{target.value} is reached only from {allowed}."
        super().__init__(f"Document {document_id} cannot go from {current.value} to {target.value}: {reason}")
        self.document_id, self.current, self.target = document_id, current, target


@dataclass(frozen=True)
class TransitionResult:
    """What :func:`transition` did: ``changed`` is False for a redelivered, repeated transition."""

    document_id: str
    previous: Status
    current: Status
    changed: bool
    at: datetime | None = None


class _Raced(Exception):
    """Another process changed the status between our read and our conditional UPDATE."""


_worker: contextvars.ContextVar[str | None] = contextvars.ContextVar("credit_ocr_worker", default=None)


def worker_name() -> str:
    """Who is making a transition: the Celery worker's node name inside a task, else the host name."""
    return _worker.get() or socket.gethostname()


def set_worker(name: str | None) -> contextvars.Token:
    """Record the worker node name (``ocr-1a2b3c@host``) on the events this context writes."""
    return _worker.set(name)


def reset_worker(token: contextvars.Token) -> None:
    _worker.reset(token)


def event_message(ev: StatusEvent | dict, batch_id: str | None) -> dict:
    """The message published for an event (a row or the values of one)."""
    get = ev.get if isinstance(ev, dict) else lambda key: getattr(ev, key)
    return {
        "document_id": get("document_id"),
        "kind": get("kind"),
        "from_status": get("from_status"),
        "to_status": get("to_status"),
        "at": get("at").isoformat(),
        "task_id": get("task_id"),
        "worker": get("worker"),
        "detail": get("detail"),
        "batch_id": batch_id,
    }


def event_values(
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
    """The columns of one event row (what :data:`_INSERT_EVENT` takes, one dict per row)."""
    return {
        "document_id": document_id,
        "kind": kind,
        "from_status": from_status,
        "to_status": to_status,
        "at": at,
        "task_id": task_id,
        "worker": worker or worker_name(),
        "detail": detail,
    }


def insert_events(conn: Connection | Session, rows: list[dict]) -> None:
    """Insert event rows (from :func:`event_values`) in the caller's transaction: one INSERT, no
    RETURNING (the id is not needed), executemany for several."""
    if isinstance(conn, Session):
        conn = conn.connection()
    conn.execute(_INSERT_EVENT, rows if len(rows) > 1 else rows[0])


def add_event(
    session: Session | Connection,
    document_id: str,
    *,
    kind: str,
    from_status: str | None,
    to_status: str,
    at: datetime,
    batch_id: str | None,
    task_id: str | None = None,
    worker: str | None = None,
    detail: str | None = None,
    also: Callable[[Connection], None] | None = None,
) -> dict:
    """Write one event row (and ``also``) in the caller's transaction; returns the message to publish
    once the transaction has committed."""
    conn = session.connection() if isinstance(session, Session) else session
    values = event_values(
        document_id, kind=kind, from_status=from_status, to_status=to_status, at=at,
        task_id=task_id, worker=worker, detail=detail,
    )  # fmt: skip
    insert_events(conn, [values])
    if also is not None:
        also(conn)
    return event_message(values, batch_id)


def transition(
    document_id: str,
    to: Status | str,
    *,
    task_id: str | None = None,
    worker: str | None = None,
    detail: str | None = None,
    error: str | None = None,
    also: Callable[[Connection], None] | None = None,
    also_pg: PgAlso | None = None,
    _resubmit: bool = False,
) -> TransitionResult:
    """Move a document to ``to``, commit the change with its event, then publish it.

    ``also`` runs inside the same transaction (e.g. storing the extracted fields with ``done``), so a
    reader never sees ``done`` without its fields. ``also_pg`` is the same write as a CTE part
    (:class:`PgAlso`): on PostgreSQL the common case (the one-source fast path) then writes everything
    in one autocommitted statement instead of calling ``also`` in a transaction; give both, since the
    other paths (SQLite, the full path after a miss) call ``also``. Raises :class:`IllegalTransition`
    or :class:`DocumentNotFound`.
    """
    target = Status(to)
    sources = ALLOWED[target]
    if len(sources) == 1 and target is not Status.PENDING:
        # The common case (each happy-path step has one source): one conditional UPDATE ... RETURNING
        # instead of SELECT + UPDATE; a miss falls through to the full path below, which explains it.
        fast = _transition_from(
            document_id, next(iter(sources)), target, task_id, worker, detail, also, also_pg
        )
        if fast is not None:
            return fast
    for _ in range(10):
        try:
            with session_scope() as session:
                row = session.execute(
                    select(Document.status, Document.batch_id).where(Document.id == document_id)
                ).one_or_none()
                if row is None:
                    raise DocumentNotFound(document_id)
                current = Status(row.status)
                if current is target:
                    return TransitionResult(document_id, current, current, changed=False)
                if current not in ALLOWED[target] or (target is Status.PENDING and not _resubmit):
                    raise IllegalTransition(document_id, current, target)
                now = utcnow()
                values: dict = {"status": target.value, "updated_at": now}
                if target is Status.FAILED:
                    values["error"] = error or detail or "failed"
                elif target is Status.PENDING:
                    values.update(error=None, attempts=0)
                result = session.execute(
                    update(Document)
                    .where(Document.id == document_id, Document.status == current.value)
                    .values(**values)
                )
                if result.rowcount != 1:
                    raise _Raced()
                message = add_event(
                    session, document_id, kind="transition", from_status=current.value,
                    to_status=target.value, at=now, batch_id=row.batch_id, task_id=task_id, worker=worker,
                    detail=detail if target is not Status.FAILED else (detail or error), also=also,
                )  # fmt: skip
        except _Raced:
            continue
        events.publish(message)
        return TransitionResult(document_id, current, target, changed=True, at=now)
    raise StatusError(f"Document {document_id}: status kept changing under us; try again.")


@dataclass(frozen=True)
class StageStart:
    """What :func:`start_stage` found and did, with what the stage needs of the row (no second read)."""

    document_id: str
    previous: Status
    current: Status
    changed: bool
    attempts: int
    blob_key: str
    mime_type: str
    over_limit: bool = False  # attempts above the cap: nothing was moved, the caller fails it


def start_stage(
    document_id: str,
    running: Status | str,
    *,
    task_id: str | None = None,
    count_attempt: bool = True,
    max_attempts: int | None = None,
) -> StageStart:
    """Count a delivery and move the document into its stage's running state, in ONE transaction.

    What a stage did as four round trips (count the attempt, read the status twice, transition,
    read the row again) is one commit here. A document already in ``running`` (a redelivery) only has
    its attempt counted; one further along is left as it is (the caller skips). Past ``max_attempts``
    only the attempt is counted, so that the caller can fail the document.

    The common case (first delivery, from the stage's one source state, under the cap) is a single
    conditional ``UPDATE ... RETURNING`` plus the event's INSERT; anything else (no row matched) falls
    back, in the same transaction, to reading the row under a lock and deciding from it.
    """
    target = Status(running)
    inc = 1 if count_attempt else 0
    sources = ALLOWED[target]
    fast = len(sources) == 1 and target is not Status.PENDING
    pg = fast and is_postgres()
    if pg:
        source = next(iter(sources))
        now = utcnow()
        values = event_values(
            document_id, kind="transition", from_status=source.value, to_status=target.value, at=now,
            task_id=task_id,
        )  # fmt: skip
        params = _pg_params(values, inc=inc, max=max_attempts)
        with autocommit() as conn:
            row = conn.exec_driver_sql(
                _PG_START if max_attempts is None else _PG_START_CAPPED, params
            ).one_or_none()
        if row is not None:
            events.publish(event_message(values, row.batch_id))
            return StageStart(
                document_id, previous=source, current=target, changed=True, attempts=int(row.attempts),
                blob_key=row.blob_key, mime_type=row.mime_type,
            )  # fmt: skip
        # not in the source state (a redelivery, a duplicate, over the cap): decided below, under a lock
    with transaction() as conn:
        now = utcnow()
        row = None
        if fast and not pg:  # (on PostgreSQL the same UPDATE just missed, above)
            source = next(iter(sources))
            params = {"b_id": document_id, "b_from": source.value, "b_to": target.value, "b_at": now}
            params.update(b_inc=inc, b_max=max_attempts)
            row = conn.execute(_START if max_attempts is None else _START_CAPPED, params).one_or_none()
        if row is not None:
            current, attempts, over, moved = source, int(row.attempts), False, True
        else:
            row = conn.execute(
                select(
                    _docs.c.status, _docs.c.batch_id, _docs.c.attempts, _docs.c.blob_key, _docs.c.mime_type
                )
                .where(_docs.c.id == document_id)
                .with_for_update()
            ).one_or_none()
            if row is None:
                raise DocumentNotFound(document_id)
            current = Status(row.status)
            attempts = int(row.attempts or 0) + inc
            over = max_attempts is not None and attempts > max_attempts
            values: dict = {"attempts": attempts} if count_attempt else {}
            moved = not over and current in ALLOWED[target] and target is not Status.PENDING
            if moved:
                values.update(status=target.value, updated_at=now)
            if values:
                conn.execute(update(_docs).where(_docs.c.id == document_id).values(**values))
        message = None
        if moved:
            message = add_event(
                conn, document_id, kind="transition", from_status=current.value,
                to_status=target.value, at=now, batch_id=row.batch_id, task_id=task_id,
            )  # fmt: skip
    if message is not None:
        events.publish(message)
    return StageStart(
        document_id,
        previous=current,
        current=target if moved else current,
        changed=moved,
        attempts=attempts,
        blob_key=row.blob_key,
        mime_type=row.mime_type,
        over_limit=over,
    )


def _transition_from(
    document_id: str,
    source: Status,
    target: Status,
    task_id: str | None,
    worker: str | None,
    detail: str | None,
    also: Callable[[Connection], None] | None,
    also_pg: PgAlso | None = None,
) -> TransitionResult | None:
    """``source → target`` as one conditional UPDATE ... RETURNING; None when the row was not in ``source``.

    On PostgreSQL the UPDATE and the event's INSERT are one statement: in autocommit mode when there is
    nothing ``also`` to write or it comes as ``also_pg`` (a part of the same statement), else in the
    transaction that ``also`` writes in. A miss writes nothing (``moved`` is empty: so is every part).
    """
    if is_postgres():
        now = utcnow()
        values = event_values(
            document_id, kind="transition", from_status=source.value, to_status=target.value, at=now,
            task_id=task_id, worker=worker, detail=detail,
        )  # fmt: skip
        params = _pg_params(values)
        if also_pg is not None:
            params.update(also_pg.params)
            also = None  # the CTE part writes it
        with autocommit() if also is None else transaction() as conn:
            row = conn.exec_driver_sql(_pg_transition_sql(also_pg), params).one_or_none()
            if row is None:
                return None
            if also is not None:
                also(conn)
        events.publish(event_message(values, row.batch_id))
        return TransitionResult(document_id, source, target, changed=True, at=now)
    with transaction() as conn:
        now = utcnow()
        params = {"b_id": document_id, "b_from": source.value, "b_to": target.value, "b_at": now}
        row = conn.execute(_MOVE_RETURNING, params).one_or_none()
        if row is None:
            return None
        message = add_event(
            conn, document_id, kind="transition", from_status=source.value, to_status=target.value,
            at=now, batch_id=row.batch_id, task_id=task_id, worker=worker, detail=detail, also=also,
        )  # fmt: skip
    events.publish(message)
    return TransitionResult(document_id, source, target, changed=True, at=now)


def resubmit(document_id: str, *, detail: str = "resubmitted") -> TransitionResult:
    """Put a failed document back to ``pending`` (attempts and error cleared); the caller enqueues it."""
    return transition(document_id, Status.PENDING, detail=detail, _resubmit=True)


def record_event(
    document_id: str,
    kind: str,
    detail: str,
    *,
    task_id: str | None = None,
    worker: str | None = None,
    also: Callable[[Connection], None] | None = None,
) -> None:
    """Log a non-transition event (a retry, a reconcile pickup, a stage's end) at the current status.

    ``also`` runs in the same transaction (e.g. the OCR pages stored with their ``ocr_done`` event).
    On PostgreSQL the touch and the event row are one statement (see :data:`_PG_RECORD`).
    """
    if is_postgres():
        now = utcnow()
        values = event_values(
            document_id, kind=kind, from_status=None, to_status="", at=now, task_id=task_id, worker=worker,
            detail=detail,
        )  # fmt: skip
        with autocommit() if also is None else transaction() as conn:
            row = conn.exec_driver_sql(_PG_RECORD, _pg_params(values)).one_or_none()
            if row is None:
                raise DocumentNotFound(document_id)
            if also is not None:
                also(conn)
        values.update(from_status=row.status, to_status=row.status)
        events.publish(event_message(values, row.batch_id))
        return
    with transaction() as conn:
        now = utcnow()
        row = conn.execute(_TOUCH, {"b_id": document_id, "b_at": now}).one_or_none()
        if row is None:
            raise DocumentNotFound(document_id)
        message = add_event(
            conn, document_id, kind=kind, from_status=row.status, to_status=row.status, at=now,
            batch_id=row.batch_id, task_id=task_id, worker=worker, detail=detail, also=also,
        )  # fmt: skip
    events.publish(message)


def current_status(document_id: str) -> Status:
    """The status as committed right now."""
    with session_scope() as session:
        value = session.execute(
            select(Document.status).where(Document.id == document_id)
        ).scalar_one_or_none()
    if value is None:
        raise DocumentNotFound(document_id)
    return Status(value)


def count_by_status(ids: list[str] | None = None) -> dict[str, int]:
    """How many documents are in each status (all five keys present)."""
    with session_scope() as session:
        stmt = select(Document.status, func.count()).group_by(Document.status)
        if ids is not None:
            stmt = stmt.where(Document.id.in_(ids))
        counts = dict(session.execute(stmt).all())
    return {s.value: int(counts.get(s.value, 0)) for s in Status}

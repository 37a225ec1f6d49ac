"""A live feed of committed transitions: Redis pub/sub pushes them, the database fills any gap.

:class:`LiveFeed` listens on ``credit_ocr:events`` in a thread of its own and hands every transition
(and every ``ocr_done``/retry/reconcile event) to callbacks. Pub/sub is fire-and-forget: a message
published while the subscriber is cut off is gone. So on every (re)connect the feed first subscribes,
then re-reads the documents and their events since the last one it saw, and delivers that snapshot; while
Redis is unreachable it polls the database instead and retries the connection with backoff. A viewer
built on it is therefore never left stale, whatever happened to the connection.

Callbacks run on the feed's thread unless a ``dispatch`` is given: pass ``loop.call_soon_threadsafe``
(asyncio) or ``IOLoop.add_callback`` (tornado/Jupyter) to have them run on that loop instead, as Flower
does with Celery's events. That is how the dashboard touches widgets only from the kernel's loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import select

from credit_ocr.config import EVENTS_CHANNEL, ConfigurationError, get_settings
from credit_ocr.runtime.waiting import ConditionTimeout, wait_until
from credit_ocr.state.db import Document, StatusEvent, session_scope
from credit_ocr.state.status import TERMINAL
from credit_ocr.watching.tables import events_query

log = logging.getLogger(__name__)

Dispatch = Callable[..., Any]  # dispatch(fn, *args): run fn(*args) somewhere (a loop), soon

_TERMINAL = {s.value for s in TERMINAL}


@dataclass(frozen=True)
class TransitionEvent:
    """One committed event, as published on ``credit_ocr:events`` or read back from ``status_events``."""

    document_id: str
    kind: str  # transition | retry | reconcile | ocr_done
    from_status: str | None
    to_status: str
    at: datetime  # commit-time clock of the writer, UTC
    task_id: str | None = None
    worker: str | None = None
    detail: str | None = None
    batch_id: str | None = None

    @property
    def key(self) -> tuple:
        """Identity of an event: the same event seen via pub/sub and via the database compares equal."""
        return (self.document_id, self.kind, self.from_status, self.to_status, self.at)

    @property
    def is_transition(self) -> bool:
        return self.kind == "transition"

    @property
    def is_terminal(self) -> bool:
        return self.is_transition and self.to_status in _TERMINAL

    @classmethod
    def from_message(cls, message: dict) -> TransitionEvent:
        return cls(
            document_id=message["document_id"],
            kind=message.get("kind") or "transition",
            from_status=message.get("from_status"),
            to_status=message["to_status"],
            at=datetime.fromisoformat(message["at"]),
            task_id=message.get("task_id"),
            worker=message.get("worker"),
            detail=message.get("detail"),
            batch_id=message.get("batch_id"),
        )


@dataclass(frozen=True)
class DocumentRow:
    """A document's committed row, as read during a reconcile."""

    document_id: str
    filename: str
    status: str
    error: str | None
    attempts: int
    batch_id: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Snapshot:
    """What the database said on a (re)connect or a fallback poll: rows, and events since the last seen."""

    documents: list[DocumentRow]
    events: list[TransitionEvent]
    reason: str  # connect | poll


def read_snapshot(
    ids: Iterable[str] | None = None,
    batch_id: str | None = None,
    since: datetime | None = None,
    reason: str = "poll",
) -> Snapshot:
    """Documents and their events (since ``since``) from the database: two queries, any number of documents."""
    wanted = None if ids is None else list(ids)
    doc_stmt = select(
        Document.id, Document.filename, Document.status, Document.error, Document.attempts,
        Document.batch_id, Document.created_at, Document.updated_at,
    ).order_by(Document.created_at, Document.id)  # fmt: skip
    ev_stmt = events_query(wanted, batch_id, since)  # the same query as monitor.events()
    if wanted is not None:
        doc_stmt = doc_stmt.where(Document.id.in_(wanted))
    if batch_id is not None:
        doc_stmt = doc_stmt.where(Document.batch_id == batch_id)
    with session_scope() as session:
        docs = [DocumentRow(*r) for r in session.execute(doc_stmt).all()]
        evs = [TransitionEvent(*r[1:]) for r in session.execute(ev_stmt).all()]  # r[0]: the event id
    return Snapshot(docs, evs, reason)


@dataclass
class FeedStats:
    """Counters a viewer can show: how the feed is doing."""

    messages: int = 0
    reconciles: int = 0
    polls: int = 0
    disconnects: int = 0
    last_error: str | None = None


class LiveFeed:
    """Subscriber of ``credit_ocr:events`` that reconciles with the database on every (re)connect.

    ``ids`` or ``batch_id`` narrow the feed to some documents (both None: every document). Callbacks:
    ``on_event(TransitionEvent)`` per event, ``on_snapshot(Snapshot)`` per reconcile or poll,
    ``on_state(connected: bool)`` when the Redis connection comes or goes. All of them run through
    ``dispatch`` (default: directly on the feed's thread).
    """

    def __init__(
        self,
        ids: Iterable[str] | None = None,
        batch_id: str | None = None,
        *,
        on_event: Callable[[TransitionEvent], Any] | None = None,
        on_snapshot: Callable[[Snapshot], Any] | None = None,
        on_state: Callable[[bool], Any] | None = None,
        dispatch: Dispatch | None = None,
        url: str | None = None,
        poll_interval: float = 2.0,
        margin: float = 5.0,
        max_backoff: float = 5.0,
    ) -> None:
        self._ids: set[str] | None = None if ids is None else set(ids)
        self.batch_id = batch_id
        self._event_cbs = [on_event] if on_event else []
        self._snapshot_cbs = [on_snapshot] if on_snapshot else []
        self._state_cbs = [on_state] if on_state else []
        self._dispatch: Dispatch = dispatch or (lambda fn, *args: fn(*args))
        self._url = url
        self.poll_interval = poll_interval
        self.margin = timedelta(seconds=margin)  # re-read a little before the last seen (clock skew)
        self.max_backoff = max_backoff
        self.connected = False
        self.last_seen: datetime | None = None
        self.stats = FeedStats()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pubsub: redis.client.PubSub | None = None
        self._connected_evt = threading.Event()
        self._lock = threading.Lock()

    # -- configuration ------------------------------------------------------------------------
    def add_callback(self, on_event: Callable[[TransitionEvent], Any]) -> None:
        self._event_cbs.append(on_event)

    @property
    def ids(self) -> set[str] | None:
        with self._lock:
            return None if self._ids is None else set(self._ids)

    def watch(self, ids: Iterable[str]) -> None:
        """Also follow these documents (e.g. just submitted); their history arrives with the next poll."""
        with self._lock:
            if self._ids is not None:
                self._ids.update(ids)
        if self._thread is not None:
            self._deliver_snapshot(self._read(since=None, reason="poll", ids=list(ids)))

    def wants(self, ev: TransitionEvent) -> bool:
        with self._lock:
            if self._ids is not None and ev.document_id not in self._ids:
                return False
        return self.batch_id is None or ev.batch_id == self.batch_id

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> LiveFeed:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="credit-ocr-live-feed", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self.disconnect()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)  # (a callback may stop its own feed: no self-join then)
        self._thread = None

    def wait_connected(self, timeout: float = 10.0) -> bool:
        """True once subscribed and reconciled (False if Redis did not answer within ``timeout``)."""
        return self._connected_evt.wait(timeout)

    def disconnect(self) -> None:
        """Cut the current Redis connection (the feed reconnects and reconciles): for tests and demos."""
        pubsub = self._pubsub
        if pubsub is not None and pubsub.connection is not None:
            with contextlib.suppress(Exception):
                pubsub.connection._sock.shutdown(2)  # noqa: SLF001 - a real cut, as a network would do

    def __enter__(self) -> LiveFeed:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the thread ---------------------------------------------------------------------------
    def _broker_url(self) -> str:
        return self._url or get_settings().broker

    def _run(self) -> None:
        backoff = 0.1
        while not self._stop.is_set():
            pubsub = None
            try:
                client = redis.Redis.from_url(
                    self._broker_url(),
                    socket_connect_timeout=2,
                    socket_timeout=10,
                    health_check_interval=5,
                    retry=Retry(NoBackoff(), 0),  # never reconnect silently: we must reconcile
                )
                pubsub = client.pubsub()
                pubsub.subscribe(EVENTS_CHANNEL)
                self._pubsub = pubsub
                self._await_subscribed(pubsub)
                # Subscribed first, then read: whatever commits from now on arrives as a message.
                self._deliver_snapshot(self._read(since=self._since(), reason="connect"))
                self.stats.reconciles += 1
                self._set_state(True)
                backoff = 0.1
                while not self._stop.is_set():
                    message = pubsub.get_message(ignore_subscribe_messages=True, timeout=0.5)
                    if message and message.get("type") == "message":
                        self._on_message(message["data"])
            except (redis.RedisError, OSError, ConfigurationError, ValueError) as exc:
                if self._stop.is_set():
                    break
                self.stats.disconnects += 1
                self.stats.last_error = f"{exc.__class__.__name__}: {exc}"
                self._set_state(False)
                log.info("live feed: Redis unreachable (%s); polling the database meanwhile", exc)
                backoff = self._poll_while_waiting(backoff)
            except Exception:  # a callback or the database failed: keep the feed alive
                log.exception("live feed: unexpected error; reconnecting")
                self._set_state(False)
                backoff = self._poll_while_waiting(backoff)
            finally:
                self._pubsub = None
                if pubsub is not None:
                    with contextlib.suppress(Exception):
                        pubsub.close()
        self._set_state(False)

    def _await_subscribed(self, pubsub: redis.client.PubSub) -> None:
        def confirmed() -> bool:
            message = pubsub.get_message(timeout=0.5)
            return bool(message and message.get("type") == "subscribe")

        try:
            wait_until(confirmed, 5, what="a subscribe confirmation from Redis", interval=0.0)
        except ConditionTimeout as exc:
            raise redis.ConnectionError(str(exc)) from exc

    def _poll_while_waiting(self, backoff: float) -> float:
        """Wait ``backoff`` seconds before the next connection attempt, polling the database meanwhile."""

        def poll() -> bool:
            try:
                self._deliver_snapshot(self._read(since=self._since(), reason="poll"))
                self.stats.polls += 1
            except Exception as exc:  # noqa: BLE001 - the database may be away too; try again later
                log.warning("live feed: database poll failed (%s)", exc)
            return False  # never "done": polls until the backoff is over (or the feed stops)

        with contextlib.suppress(ConditionTimeout):
            wait_until(
                poll, backoff, what="the reconnect backoff", interval=self.poll_interval, stop=self._stop
            )
        return min(backoff * 2, self.max_backoff)

    def _since(self) -> datetime | None:
        return None if self.last_seen is None else self.last_seen - self.margin

    def _read(self, *, since: datetime | None, reason: str, ids: list[str] | None = None) -> Snapshot:
        return read_snapshot(ids if ids is not None else self.ids, self.batch_id, since, reason)

    def _on_message(self, data: bytes | str) -> None:
        try:
            ev = TransitionEvent.from_message(json.loads(data))
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("live feed: ignoring a malformed message (%s)", exc)
            return
        self.stats.messages += 1
        if not self.wants(ev):
            return
        self._seen(ev.at)
        for cb in self._event_cbs:
            self._dispatch(cb, ev)

    def _seen(self, at: datetime) -> None:
        if self.last_seen is None or at > self.last_seen:
            self.last_seen = at

    def _deliver_snapshot(self, snap: Snapshot) -> None:
        for ev in snap.events:
            self._seen(ev.at)
        for cb in self._snapshot_cbs:
            self._dispatch(cb, snap)

    def _set_state(self, connected: bool) -> None:
        if connected:
            self._connected_evt.set()
        else:
            self._connected_evt.clear()
        if connected != self.connected:
            self.connected = connected
            for cb in self._state_cbs:
                self._dispatch(cb, connected)


# --------------------------------------------------------------------------------------------
# How fast does a viewer see a commit?


@dataclass
class VisibilityResult:
    """Milliseconds from a transition's commit to the dashboard model having applied it."""

    n: int
    median_ms: float
    p95_ms: float
    max_ms: float
    samples_ms: list[float] = field(repr=False, default_factory=list)

    def to_dict(self) -> dict:
        return {"n": self.n, "median_ms": self.median_ms, "p95_ms": self.p95_ms, "max_ms": self.max_ms}


def measure_visibility(
    n: int = 200, *, pace: float = 0.01, cleanup: bool = True, timeout: float = 60.0
) -> dict:
    """Time from commit to the dashboard model seeing it, over ``n`` transitions: ``{n, median_ms, p95_ms, max_ms}``.

    Uses the configured database and broker. Transitions are made by ``status.transition()`` (what
    workers call) on throwaway documents, one every ``pace`` seconds; the feed hands each event to a
    :class:`~credit_ocr.watching.dashboard.DashboardModel` on an asyncio loop of its own via
    ``call_soon_threadsafe``, the same hand-off the notebook dashboard uses. The clock starts at the
    event's ``at`` (taken inside the transaction, just before COMMIT), so the figure includes the
    commit itself, the publish, Redis, the feed thread and the loop hand-off.
    """
    from credit_ocr.state import documents
    from credit_ocr.state.status import Status, transition
    from credit_ocr.watching.dashboard import DashboardModel

    steps = (Status.OCR_RUNNING, Status.LLM_RUNNING, Status.DONE)
    n_docs = max(1, math.ceil(n / len(steps)))
    batch = f"visibility-{time.time_ns()}"
    ids = [
        documents.upload(b"%PDF-1.4 visibility probe\n", "probe.pdf", batch_id=batch).id
        for _ in range(n_docs)
    ]
    loop = asyncio.new_event_loop()
    loop_thread = threading.Thread(target=loop.run_forever, name="visibility-loop", daemon=True)
    loop_thread.start()
    model = DashboardModel(ids=ids)
    seen: dict[tuple, float] = {}
    done = threading.Event()
    wanted = n_docs * len(steps)

    def on_change(ev: TransitionEvent | None) -> None:
        if ev is not None and ev.is_transition and ev.from_status is not None and ev.key not in seen:
            seen[ev.key] = time.time()
            if len(seen) >= wanted:
                done.set()

    model.subscribe(on_change)
    feed = LiveFeed(
        ids=ids, on_event=model.apply, on_snapshot=model.reconcile, dispatch=loop.call_soon_threadsafe
    )
    feed.start()
    try:
        if not feed.wait_connected(10):
            raise ConfigurationError(
                "measure_visibility needs Redis: start it with `credit-ocr services up` or set CREDIT_OCR_BROKER_URL."
            )
        committed: dict[tuple, float] = {}
        for step in steps:
            for doc_id in ids:
                transition(doc_id, step, worker="visibility-probe")
                time.sleep(pace)
        done.wait(timeout)
        events_ = [ev for ev in model.all_events() if ev.is_transition and ev.from_status is not None]
        for ev in events_:
            committed[ev.key] = ev.at.timestamp()
        samples = sorted((seen[k] - committed[k]) * 1000.0 for k in committed if k in seen)
    finally:
        feed.stop()
        loop.call_soon_threadsafe(loop.stop)
        loop_thread.join(5)
        loop.close()
        if cleanup:
            _delete_documents(ids)
    if not samples:
        return VisibilityResult(0, math.nan, math.nan, math.nan).to_dict()
    import numpy as np

    arr = np.array(samples)
    result = VisibilityResult(
        n=len(samples),
        median_ms=round(float(np.median(arr)), 2),
        p95_ms=round(float(np.percentile(arr, 95)), 2),
        max_ms=round(float(arr.max()), 2),
        samples_ms=samples,
    )
    return result.to_dict()


def _delete_documents(ids: list[str]) -> None:
    """Remove throwaway probe documents (rows, events, blobs) so that they do not clutter real views."""
    from sqlalchemy import delete

    from credit_ocr.state.storage import get_blob_store

    with session_scope() as session:
        keys = list(session.scalars(select(Document.blob_key).where(Document.id.in_(ids))))
        session.execute(delete(StatusEvent).where(StatusEvent.document_id.in_(ids)))
        session.execute(delete(Document).where(Document.id.in_(ids)))
    store = get_blob_store()
    for key in keys:
        with contextlib.suppress(Exception):
            store.delete(key)

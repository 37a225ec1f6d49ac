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

import contextlib
import json
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.client import PubSub
from redis.retry import Retry

from credit_ocr.config import EVENTS_CHANNEL, ConfigurationError, get_settings
from credit_ocr.runtime.waiting import ConditionTimeout, wait_until
from credit_ocr.state.db import session_scope
from credit_ocr.watching.tables import documents_query, events_query, review_query

log = logging.getLogger(__name__)

Dispatch = Callable[..., Any]  # dispatch(fn, *args): run fn(*args) somewhere (a loop), soon


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
    filename: str | None = None  # published with the event (not in the event log): the document's
    attempts: int | None = None  # file name and deliveries of its stage, for watchers' tables

    @property
    def key(self) -> tuple:
        """Identity of an event: the same event seen via pub/sub and via the database compares equal."""
        return (self.document_id, self.kind, self.from_status, self.to_status, self.at)

    @property
    def is_transition(self) -> bool:
        return self.kind == "transition"

    @classmethod
    def from_message(cls, message: dict) -> TransitionEvent:
        """The event from the JSON published by ``status.transition()`` (unknown keys are ignored)."""
        known = {f.name: message.get(f.name) for f in fields(cls)}
        return cls(
            **{**known, "kind": known["kind"] or "transition", "at": datetime.fromisoformat(message["at"])}
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
    priority: int = 0
    review: int = 0  # fields the extractor flagged that no reviewer corrected yet


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
    """Documents, their open review fields and their events (since ``since``): three queries, any number of
    documents."""
    wanted = None if ids is None else list(ids)
    with session_scope() as session:  # the same two queries as the tables of credit_ocr.watching.tables
        to_review = dict(session.execute(review_query(wanted)).all())
        docs = [
            DocumentRow(**row._mapping, review=int(to_review.get(row.document_id, 0)))
            for row in session.execute(documents_query(wanted, batch_id))
        ]
        evs = [TransitionEvent(*row[1:]) for row in session.execute(events_query(wanted, batch_id, since))]
    return Snapshot(docs, evs, reason)


@dataclass
class FeedStats:
    """Counters a viewer can show: how the feed is doing."""

    messages: int = 0
    reconciles: int = 0
    disconnects: int = 0


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
        self._on_event, self._on_snapshot, self._on_state = on_event, on_snapshot, on_state
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
        self._pubsub: PubSub | None = None
        self._connected_evt = threading.Event()
        self._lock = threading.Lock()

    # -- configuration ------------------------------------------------------------------------
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
    def _run(self) -> None:
        backoff = 0.1
        while not self._stop.is_set():
            pubsub = None
            try:
                client = redis.Redis.from_url(
                    self._url or get_settings().broker,
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
                        self._on_message(message)
            except (redis.RedisError, OSError, ConfigurationError, ValueError) as exc:
                if self._stop.is_set():
                    break
                self.stats.disconnects += 1
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

    def _await_subscribed(self, pubsub: PubSub) -> None:
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

    def _on_message(self, message: dict) -> None:
        try:
            ev = TransitionEvent.from_message(json.loads(message["data"]))
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("live feed: ignoring a malformed message (%s)", exc)
            return
        self.stats.messages += 1
        if not self.wants(ev):
            return
        self._seen(ev.at)
        if self._on_event is not None:
            self._dispatch(self._on_event, ev)

    def _seen(self, at: datetime) -> None:
        if self.last_seen is None or at > self.last_seen:
            self.last_seen = at

    def _deliver_snapshot(self, snap: Snapshot) -> None:
        for ev in snap.events:
            self._seen(ev.at)
        if self._on_snapshot is not None:
            self._dispatch(self._on_snapshot, snap)

    def _set_state(self, connected: bool) -> None:
        if connected:
            self._connected_evt.set()
        else:
            self._connected_evt.clear()
        if connected != self.connected:
            self.connected = connected
            if self._on_state is not None:
                self._dispatch(self._on_state, connected)

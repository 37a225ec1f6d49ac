"""Waiting until documents are finished: the one "wait for these documents", fed by the live feed.

A :class:`Follower` keeps a :class:`~credit_ocr.watching.dashboard.DashboardModel` of some documents
(ids, a batch, or all) current from a :class:`~credit_ocr.watching.live.LiveFeed`: Redis pub/sub pushes
each committed transition, the database fills any gap on (re)connect. The feed's thread only queues the
updates; the waiting thread applies them, so the model needs no lock. :func:`wait_for` (notebooks,
``credit-ocr submit --wait``, the demo), :func:`~credit_ocr.watching.notify.on_complete`,
``Dashboard.wait`` and ``credit-ocr watch`` all wait this way.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable
from typing import Any

from tqdm.auto import tqdm

from credit_ocr.runtime.waiting import ConditionTimeout, wait_until
from credit_ocr.state.status import TERMINAL, DocumentNotFound
from credit_ocr.watching.dashboard import DashboardModel
from credit_ocr.watching.live import LiveFeed

_TERMINAL = {s.value for s in TERMINAL}
#: How long one round waits for the feed's next update before checking the deadline, seconds.
TICK = 0.1


class WaitTimeout(ConditionTimeout):
    """Not every document was finished in time; ``statuses`` holds where each one was."""

    def __init__(self, statuses: dict[str, str], timeout: float) -> None:
        open_ = {k: v for k, v in statuses.items() if v not in _TERMINAL}
        shown = ", ".join(f"{k} {v}" for k, v in list(open_.items())[:5])
        more = f" and {len(open_) - 5} more" if len(open_) > 5 else ""
        super().__init__(
            f"{len(open_)} of {len(statuses)} document(s) not finished after {timeout:g}s "
            f"({shown}{more}). Is a worker running for each queue? Check with `credit-ocr doctor`."
        )
        self.statuses = statuses


def apply_queued(inbox: queue.SimpleQueue, timeout: float) -> int:
    """Run the updates a feed queued, waiting up to ``timeout`` for the first; returns how many ran."""
    count = 0
    try:
        fn, args = inbox.get(timeout=max(0.0, timeout))
        while True:
            fn(*args)
            count += 1
            fn, args = inbox.get_nowait()
    except queue.Empty:
        return count


def follow(
    model: DashboardModel,
    inbox: queue.SimpleQueue,
    timeout: float | None,
    *,
    on_change: Callable[[DashboardModel], Any] | None = None,
    stop: threading.Event | None = None,
) -> bool:
    """Apply a feed's queued updates to ``model`` on this thread until every document is finished.

    ``on_change(model)`` runs after each burst of updates. True when all finished, False at ``timeout``
    (or when ``stop`` is set). A document asked for by id that the first snapshot does not know raises
    :class:`~credit_ocr.state.status.DocumentNotFound`.
    """

    def finished() -> bool:
        if apply_queued(inbox, TICK) and on_change is not None:
            on_change(model)
        if model.snapshots and model.ids is not None:
            missing = sorted(d.document_id for d in model.documents.values() if d.status == "unknown")
            if missing:
                raise DocumentNotFound(missing[0])
        return model.snapshots > 0 and model.all_terminal()

    try:
        wait_until(finished, timeout, what="documents finished", interval=0.0, stop=stop)
    except ConditionTimeout:
        return False
    return True


class Follower:
    """Some documents (``ids``, a ``batch_id``, or all), followed live until they are finished."""

    def __init__(self, ids: Iterable[str] | str | None = None, batch_id: str | None = None) -> None:
        ids = [ids] if isinstance(ids, str) else (None if ids is None else list(ids))
        self.model = DashboardModel(ids=ids, batch_id=batch_id)
        self.inbox: queue.SimpleQueue = queue.SimpleQueue()
        self.live = False  # whether the feed is subscribed now (else it polls the database)
        self.feed = LiveFeed(
            ids=ids,
            batch_id=batch_id,
            on_event=self.model.apply,
            on_snapshot=self.model.reconcile,
            on_state=self._on_state,
            dispatch=lambda fn, *args: self.inbox.put((fn, args)),
        )

    def _on_state(self, connected: bool) -> None:
        self.live = connected

    def statuses(self) -> dict[str, str]:
        return {d.document_id: d.status for d in self.model.ordered()}

    def run(
        self,
        timeout: float | None,
        *,
        on_change: Callable[[DashboardModel], Any] | None = None,
        stop: threading.Event | None = None,
    ) -> bool:
        """Follow until every document is finished (True) or ``timeout``/``stop`` (False); the feed
        is started when needed and stopped at the end."""
        self.feed.start()
        try:
            return follow(self.model, self.inbox, timeout, on_change=on_change, stop=stop)
        finally:
            self.feed.stop()


def wait_for(
    ids: Iterable[str] | str | None = None,
    batch_id: str | None = None,
    timeout: float = 300.0,
    on_change: Callable[[DashboardModel], Any] | None = None,
    *,
    progress: bool = False,
    raise_on_timeout: bool = True,
) -> dict[str, str]:
    """Block until every document (of ``ids``, of the batch, or all) is ``done`` or ``failed``;
    returns id → status.

    Woken by each committed transition (Redis pub/sub), never by a sleep; the database is read on
    connect, so documents finished before the call count at once. ``progress`` shows a bar. After
    ``timeout`` seconds: :class:`WaitTimeout` naming the open documents and their status (or, with
    ``raise_on_timeout=False``, the statuses as they are).
    """
    follower = Follower(ids, batch_id)
    bar = tqdm(desc="documents", unit="doc", disable=not progress, leave=True)

    def changed(model: DashboardModel) -> None:
        bar.total = model.total
        bar.n = model.finished
        bar.refresh()
        if on_change is not None:
            on_change(model)

    try:
        finished = follower.run(timeout, on_change=changed)
    finally:
        bar.close()
    statuses = follower.statuses()
    if not finished and raise_on_timeout:
        raise WaitTimeout(statuses, timeout)
    return statuses

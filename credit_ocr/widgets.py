"""The live dashboard for notebooks: a plain model fed by the live feed, and an ipywidgets view of it.

:class:`DashboardModel` holds what is shown (each document's status, stage, elapsed time, error and
history; counts; progress; SLA flags) and is tested without a browser. :class:`Dashboard` draws it
with ipywidgets. The feed receives on its own thread and hands every event to the kernel's event loop
(``call_soon_threadsafe`` / ``IOLoop.add_callback``), where the model is updated and the widgets are
redrawn: widgets are never written from a foreign thread. Buttons start and stop a worker and submit
the samples; their handlers are methods of :class:`DashboardController`, so a test clicks them.
"""

from __future__ import annotations

import asyncio
import bisect
import html
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from credit_ocr import plots
from credit_ocr.config import PROJECT_ROOT, get_settings
from credit_ocr.db import utcnow
from credit_ocr.live import Dispatch, DocumentRow, LiveFeed, Snapshot, TransitionEvent
from credit_ocr.status import TERMINAL, Status

log = logging.getLogger(__name__)

_TERMINAL = {s.value for s in TERMINAL}
STATUSES: tuple[str, ...] = tuple(s.value for s in Status)
STATUS_COLOURS = {**plots.STATUS_COLOURS, "unknown": "#bdbdbd"}  # the same colours as the figures
#: What a status means for someone watching: the stage the document is in.
STAGE_OF = {
    "pending": "waiting for OCR",
    "ocr_running": "OCR",
    "llm_running": "extraction",
    "done": "finished",
    "failed": "failed",
    "unknown": "not seen yet",
}


@dataclass
class DocumentState:
    """One document as the dashboard knows it."""

    document_id: str
    filename: str = ""
    status: str = "unknown"
    status_at: datetime | None = None  # when the current status was reached (or the row last read)
    error: str | None = None
    attempts: int = 0
    retries: int = 0
    batch_id: str | None = None
    created_at: datetime | None = None
    cycle_start: datetime | None = None  # the last ``pending`` (upload or resubmit)
    finished_at: datetime | None = None
    worker: str | None = None
    events: list[TransitionEvent] = field(default_factory=list)

    @property
    def terminal(self) -> bool:
        return self.status in _TERMINAL

    @property
    def stage(self) -> str:
        return STAGE_OF.get(self.status, self.status)

    def transitions(self) -> list[tuple[str | None, str]]:
        """The (from, to) pairs of its transitions, in commit order."""
        return [(e.from_status, e.to_status) for e in self.events if e.is_transition]

    def elapsed(self, now: datetime) -> float | None:
        """Seconds since the current cycle started, up to now or to its end."""
        start = self.cycle_start or self.created_at
        if start is None:
            return None
        end = self.finished_at if self.terminal and self.finished_at else now
        return max(0.0, (end - start).total_seconds())

    def in_stage(self, now: datetime) -> float | None:
        """Seconds in the current status."""
        if self.status_at is None or self.terminal:
            return None
        return max(0.0, (now - self.status_at).total_seconds())


class DashboardModel:
    """What the dashboard shows, updated by :meth:`apply` (one event) and :meth:`reconcile` (a snapshot).

    Events are deduplicated (the same event may arrive by pub/sub and by a reconcile) and kept in commit
    order whatever order they arrive in; a document's status is the freshest of its latest transition
    and its database row. Not thread-safe on purpose: call it from one thread (the kernel's loop).
    """

    def __init__(
        self,
        ids: Iterable[str] | None = None,
        batch_id: str | None = None,
        *,
        sla_seconds: float | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.ids: set[str] | None = None if ids is None else set(ids)
        self.batch_id = batch_id
        self.sla_seconds = float(get_settings().sla_seconds if sla_seconds is None else sla_seconds)
        self.clock = clock
        self.documents: dict[str, DocumentState] = {}
        self._seen: set[tuple] = set()
        self._listeners: list[Callable[[TransitionEvent | None], Any]] = []
        self.applied = 0
        self.snapshots = 0
        for doc_id in sorted(self.ids or ()):
            self.documents[doc_id] = DocumentState(doc_id)

    # -- feeding ------------------------------------------------------------------------------
    def subscribe(self, listener: Callable[[TransitionEvent | None], Any]) -> None:
        """Call ``listener(event)`` after each new event (``None`` after a snapshot)."""
        self._listeners.append(listener)

    def watch(self, ids: Iterable[str]) -> None:
        """Also show these documents (just submitted)."""
        for doc_id in ids:
            if self.ids is not None:
                self.ids.add(doc_id)
            self.documents.setdefault(doc_id, DocumentState(doc_id))

    def wants(self, document_id: str, batch_id: str | None) -> bool:
        if self.ids is not None and document_id not in self.ids:
            return False
        return self.batch_id is None or batch_id == self.batch_id

    def apply(self, event: TransitionEvent) -> bool:
        """Take one event into account; False when it was seen before or is not ours."""
        changed = self._apply(event)
        if changed:
            self._notify(event)
        return changed

    def _apply(self, ev: TransitionEvent) -> bool:
        if ev.key in self._seen or not self.wants(ev.document_id, ev.batch_id):
            return False
        self._seen.add(ev.key)
        self.applied += 1
        doc = self.documents.get(ev.document_id)
        if doc is None:
            doc = self.documents[ev.document_id] = DocumentState(ev.document_id, batch_id=ev.batch_id)
        # Keep the history in commit order, whatever order events arrive in.
        keys = [(e.at, _ORDER.get(e.to_status, 9)) for e in doc.events]
        doc.events.insert(bisect.bisect_right(keys, (ev.at, _ORDER.get(ev.to_status, 9))), ev)
        if ev.kind == "retry":
            doc.retries += 1
        if ev.is_transition:
            if ev.from_status is None and doc.created_at is None:
                doc.created_at = ev.at
            if doc.status_at is None or ev.at >= doc.status_at:
                doc.status, doc.status_at = ev.to_status, ev.at
                if ev.worker:
                    doc.worker = ev.worker
                if ev.to_status == Status.PENDING:
                    doc.cycle_start, doc.finished_at, doc.error = ev.at, None, None
                elif ev.to_status in _TERMINAL:
                    doc.finished_at = ev.at
                    if ev.to_status == Status.FAILED:
                        doc.error = ev.detail or doc.error
            if ev.to_status == Status.PENDING and (doc.cycle_start is None or ev.at > doc.cycle_start):
                doc.cycle_start = ev.at
        return True

    def reconcile(
        self, rows: Snapshot | Iterable[DocumentRow], events: Iterable[TransitionEvent] = ()
    ) -> None:
        """Bring the model in line with the database: committed rows, and the events since the last seen."""
        if isinstance(rows, Snapshot):
            rows, events = rows.documents, rows.events
        self.snapshots += 1
        for ev in events:
            if self._apply(ev):
                self._notify(ev)
        for row in rows:
            if not self.wants(row.document_id, row.batch_id):
                continue
            doc = self.documents.get(row.document_id)
            if doc is None:
                doc = self.documents[row.document_id] = DocumentState(row.document_id)
            doc.filename, doc.attempts, doc.batch_id = row.filename, row.attempts, row.batch_id
            doc.created_at = row.created_at
            if doc.status_at is None or row.updated_at >= doc.status_at:
                # The row is the truth as of the read: fresher than any event we hold.
                if row.status != doc.status:
                    doc.status, doc.status_at = row.status, row.updated_at
                    if row.status in _TERMINAL and doc.finished_at is None:
                        doc.finished_at = row.updated_at
                doc.error = row.error
        self._notify(None)

    def _notify(self, ev: TransitionEvent | None) -> None:
        for listener in list(self._listeners):
            try:
                listener(ev)
            except Exception:  # a broken view must not stop the model
                log.exception("dashboard listener failed")

    # -- reading ------------------------------------------------------------------------------
    def ordered(self) -> list[DocumentState]:
        return sorted(
            self.documents.values(),
            key=lambda d: (d.created_at is None, d.created_at or _EPOCH, d.document_id),
        )

    def all_events(self) -> list[TransitionEvent]:
        return sorted((e for d in self.documents.values() for e in d.events), key=lambda e: e.at)

    def counts(self) -> dict[str, int]:
        """Documents per status (all five statuses present, plus ``unknown`` when some are not seen yet)."""
        out = dict.fromkeys(STATUSES, 0)
        for d in self.documents.values():
            out[d.status] = out.get(d.status, 0) + 1
        return out

    @property
    def total(self) -> int:
        return len(self.documents)

    @property
    def finished(self) -> int:
        return sum(1 for d in self.documents.values() if d.terminal)

    def progress(self) -> float:
        """Share of documents in a terminal status (0..1)."""
        return self.finished / self.total if self.total else 0.0

    def all_terminal(self) -> bool:
        return self.total > 0 and self.finished == self.total

    def sla_breached(self, now: datetime | None = None) -> list[str]:
        """Ids of documents not terminal whose current cycle runs longer than the SLA."""
        now = now or self.clock()
        return [
            d.document_id
            for d in self.ordered()
            if not d.terminal and (d.elapsed(now) or 0.0) > self.sla_seconds
        ]

    def latest_errors(self, n: int = 5) -> list[tuple[str, str, str]]:
        """The last ``n`` errors as (document id, filename, message), newest first."""
        failed = [d for d in self.documents.values() if d.error]
        failed.sort(key=lambda d: d.finished_at or d.status_at or d.created_at or utcnow(), reverse=True)
        return [(d.document_id, d.filename, d.error or "") for d in failed[:n]]

    def rows(self, now: datetime | None = None) -> list[dict]:
        """One plain dict per document, for tables: id, file, status, stage, elapsed, attempts, SLA."""
        now = now or self.clock()
        late = set(self.sla_breached(now))
        return [
            {
                "document_id": d.document_id,
                "filename": d.filename,
                "status": d.status,
                "stage": d.stage,
                "elapsed_s": d.elapsed(now),
                "in_stage_s": d.in_stage(now),
                "attempts": d.attempts,
                "retries": d.retries,
                "worker": d.worker,
                "error": d.error,
                "sla_breached": d.document_id in late,
            }
            for d in self.ordered()
        ]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ORDER = {"pending": 0, "ocr_running": 1, "llm_running": 2, "done": 3, "failed": 3}


# --------------------------------------------------------------------------------------------
# Controller: what the buttons do


class DashboardController:
    """Start/stop a worker and submit the samples, for a class to play with (button handlers)."""

    def __init__(
        self, model: DashboardModel, feed: LiveFeed | None = None, samples_dir: Path | None = None
    ) -> None:
        self.model = model
        self.feed = feed
        self.samples_dir = samples_dir or PROJECT_ROOT / "data" / "samples"
        self.worker: Any = None  # a workers.WorkerHandle once started
        self.message = ""
        self.submitted: list[str] = []

    def start_worker(self, *_: Any) -> str:
        """Start one worker serving both queues (the original course's single worker)."""
        from credit_ocr import workers

        if self.worker is not None and self.worker.alive():
            self.message = f"worker {self.worker.name} is already running (pid {self.worker.pid})"
            return self.message
        self.worker = workers.start_worker(preset="both")
        self.message = f"started worker {self.worker.name} (pid {self.worker.pid})"
        return self.message

    def stop_worker(self, *_: Any) -> str:
        """Warm shutdown of the worker this dashboard started (tasks in flight finish first)."""
        if self.worker is None:
            self.message = "no worker started from this dashboard"
            return self.message
        name = self.worker.name
        self.worker.stop()
        self.worker = None
        self.message = f"stopped worker {name}"
        return self.message

    def sample_paths(self) -> list[Path]:
        return sorted(
            p
            for p in self.samples_dir.glob("*")
            if p.suffix.lower() in {".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff"}
        )

    def submit_samples(self, *_: Any) -> list[str]:
        """Submit every sample document (into the dashboard's batch, when it shows one)."""
        from credit_ocr import submit

        paths = self.sample_paths()
        if not paths:
            self.message = f"no samples in {self.samples_dir}: run `credit-ocr samples` first"
            return []
        ids = (
            submit.submit(paths, batch_id=self.model.batch_id)
            if self.model.batch_id
            else submit.submit(paths)
        )
        self.submitted.extend(ids)
        if self.model.ids is not None:
            self.model.watch(ids)
            if self.feed is not None:
                self.feed.watch(ids)
        self.message = f"submitted {len(ids)} samples"
        return ids

    def close(self) -> None:
        if self.worker is not None:
            self.stop_worker()


# --------------------------------------------------------------------------------------------
# The ipywidgets view


def kernel_dispatch() -> Dispatch | None:
    """``call_soon_threadsafe`` of the kernel's running loop (or its tornado IOLoop), None outside one."""
    try:
        return asyncio.get_running_loop().call_soon_threadsafe
    except RuntimeError:
        pass
    try:
        from IPython import get_ipython

        kernel = getattr(get_ipython(), "kernel", None)
        io_loop = getattr(kernel, "io_loop", None)
        if io_loop is not None:
            return io_loop.add_callback
    except ImportError:
        pass
    return None


def _fmt_seconds(value: float | None) -> str:
    if value is None:
        return ""
    if value < 60:
        return f"{value:.1f}s"
    return f"{int(value // 60)}m{int(value % 60):02d}s"


def render_table(model: DashboardModel, now: datetime | None = None, limit: int = 200) -> str:
    """The per-document table as HTML (also used by the report)."""
    rows = model.rows(now)
    out = [
        "<table style='border-collapse:collapse;font-family:monospace;font-size:12px'>",
        "<tr>" + "".join(f"<th style='text-align:left;padding:2px 8px'>{h}</th>" for h in
                         ("document", "file", "status", "stage", "elapsed", "in stage", "attempts", "worker", "SLA")) + "</tr>",
    ]  # fmt: skip
    for r in rows[:limit]:
        colour = STATUS_COLOURS.get(r["status"], "#000")
        sla = "<b style='color:#d62728'>LATE</b>" if r["sla_breached"] else ""
        cells = [
            html.escape(r["document_id"][:8]),
            html.escape(r["filename"] or ""),
            f"<span style='color:{colour};font-weight:bold'>{html.escape(r['status'])}</span>",
            html.escape(r["stage"]),
            _fmt_seconds(r["elapsed_s"]),
            _fmt_seconds(r["in_stage_s"]),
            str(r["attempts"]),
            html.escape(r["worker"] or ""),
            sla,
        ]
        out.append("<tr>" + "".join(f"<td style='padding:2px 8px'>{c}</td>" for c in cells) + "</tr>")
    if len(rows) > limit:
        out.append(f"<tr><td colspan=9>... and {len(rows) - limit} more</td></tr>")
    out.append("</table>")
    return "".join(out)


class Dashboard:
    """The live dashboard of some documents (``ids``) or a batch (``batch_id``); both None: all documents.

    In a notebook, end a cell with ``dash = Dashboard(batch_id=b); dash`` to show it; ``dash.close()``
    stops its feed (and a worker it started). Outside a kernel (tests, scripts) updates queue up until
    :meth:`pump` applies them on the calling thread.
    """

    def __init__(
        self,
        ids: Iterable[str] | None = None,
        batch_id: str | None = None,
        *,
        dispatch: Dispatch | None = None,
        start: bool = True,
        render_interval: float = 0.2,
        samples_dir: Path | None = None,
    ) -> None:
        import ipywidgets as W

        self.model = DashboardModel(ids=ids, batch_id=batch_id)
        self._queue: queue.SimpleQueue | None = None
        self._dispatch = dispatch or kernel_dispatch()
        if self._dispatch is None:
            self._queue = queue.SimpleQueue()
            self._dispatch = lambda fn, *args: self._queue.put((fn, args))  # type: ignore[union-attr]
        self.render_interval = render_interval
        self.feed = LiveFeed(
            ids=ids,
            batch_id=batch_id,
            on_event=self.model.apply,
            on_snapshot=self.model.reconcile,
            on_state=self._on_state,
            dispatch=self._dispatch,
        )
        self.controller = DashboardController(self.model, self.feed, samples_dir)
        self.live = False
        self.owner_thread = threading.get_ident()  # the thread the widgets belong to
        self.foreign_writes = 0  # renders from another thread: must stay 0
        self._last_render = 0.0
        self._render_scheduled = False

        self.title = W.HTML()
        self.bars: dict[str, Any] = {}
        self.bar_labels: dict[str, Any] = {}
        bar_rows = []
        for status in STATUSES:
            bar = W.IntProgress(value=0, min=0, max=1, layout=W.Layout(width="320px"))
            bar.style.bar_color = STATUS_COLOURS[status]
            label = W.Label("0")
            self.bars[status], self.bar_labels[status] = bar, label
            bar_rows.append(W.HBox([W.Label(status, layout=W.Layout(width="100px")), bar, label]))
        self.progress = W.IntProgress(value=0, min=0, max=1, description="finished", bar_style="success",
                                      layout=W.Layout(width="430px"))  # fmt: skip
        self.progress_label = W.Label("")
        self.table = W.HTML()
        self.errors = W.HTML()
        self.start_button = W.Button(description="Start worker", icon="play", button_style="success")
        self.stop_button = W.Button(description="Stop worker", icon="stop", button_style="warning")
        self.submit_button = W.Button(description="Submit samples", icon="upload", button_style="info")
        self.message = W.Label("")
        self.start_button.on_click(lambda b: self._run_action(self.controller.start_worker))
        self.stop_button.on_click(lambda b: self._run_action(self.controller.stop_worker))
        self.submit_button.on_click(lambda b: self._run_action(self.controller.submit_samples))
        self.widget = W.VBox(
            [
                self.title,
                W.VBox(bar_rows),
                W.HBox([self.progress, self.progress_label]),
                W.HBox([self.start_button, self.stop_button, self.submit_button, self.message]),
                self.table,
                self.errors,
            ]
        )
        self.model.subscribe(self._on_change)
        self.render()
        if start:
            self.feed.start()

    # -- plumbing -----------------------------------------------------------------------------
    def _run_action(self, action: Callable[[], Any]) -> None:
        try:
            action()
            self.message.value = self.controller.message
        except Exception as exc:  # shown to the class, not a traceback in the log area
            self.message.value = f"{exc.__class__.__name__}: {exc}"
        self.render()

    def _on_state(self, connected: bool) -> None:
        self.live = connected
        self.render()

    def _on_change(self, _ev: TransitionEvent | None) -> None:
        # Called on the loop thread. Redraw at most every render_interval (a burst of events, one redraw).
        if self._queue is not None:
            return  # pump() renders once after draining
        now = time.monotonic()
        if now - self._last_render >= self.render_interval:
            self.render()
        elif not self._render_scheduled:
            self._render_scheduled = True
            self._dispatch_later(self.render_interval)

    def _dispatch_later(self, delay: float) -> None:
        def later() -> None:
            self._render_scheduled = False
            self.render()

        try:
            asyncio.get_running_loop().call_later(delay, later)
        except RuntimeError:
            later()

    def pump(self, timeout: float = 0.0) -> int:
        """Apply queued updates on this thread (only without a kernel loop); returns how many."""
        if self._queue is None:
            return 0
        count = 0
        deadline = time.monotonic() + timeout
        while True:
            try:
                fn, args = self._queue.get(timeout=max(0.0, deadline - time.monotonic()) if count == 0 else 0)
            except queue.Empty:
                break
            fn(*args)
            count += 1
        if count:
            self.render()
        return count

    def wait(self, timeout: float = 60.0) -> bool:
        """Pump until every document is terminal (tests and scripts); True if they all are."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump(0.1)
            if self.model.all_terminal():
                return True
        return self.model.all_terminal()

    # -- drawing ------------------------------------------------------------------------------
    def render(self) -> None:
        """Redraw every widget from the model (on the owner's thread only)."""
        if threading.get_ident() != self.owner_thread:
            self.foreign_writes += 1
        self._last_render = time.monotonic()
        model = self.model
        now = model.clock()
        counts = model.counts()
        total = max(1, model.total)
        state = "live (Redis pub/sub)" if self.live else "polling the database (Redis unreachable)"
        what = (
            f"batch {model.batch_id}"
            if model.batch_id
            else (f"{model.total} documents" if model.ids is not None else "all documents")
        )
        self.title.value = f"<b>credit-ocr</b> &middot; {html.escape(what)} &middot; <i>{state}</i>"
        for status in STATUSES:
            self.bars[status].max = total
            self.bars[status].value = counts.get(status, 0)
            self.bar_labels[status].value = str(counts.get(status, 0))
        late = model.sla_breached(now)
        self.progress.max = total
        self.progress.value = model.finished
        self.progress_label.value = (
            f"{model.finished}/{model.total} finished: {counts['done']} done, {counts['failed']} failed"
            + (f", {len(late)} past the {model.sla_seconds:.0f}s SLA" if late else "")
        )
        self.table.value = render_table(model, now)
        errors = model.latest_errors()
        self.errors.value = (
            "<b>Latest errors</b><ul>"
            + "".join(
                f"<li><code>{html.escape(i[:8])}</code> {html.escape(f)}: {html.escape(m)}</li>"
                for i, f, m in errors
            )
            + "</ul>"
            if errors
            else ""
        )

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    def close(self) -> None:
        """Stop the feed and any worker the buttons started."""
        self.feed.stop()
        self.controller.close()

    def __enter__(self) -> Dashboard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

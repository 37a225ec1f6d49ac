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
import html
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from credit_ocr.config import PROJECT_ROOT
from credit_ocr.faces.side_panel import show_beside
from credit_ocr.pipeline import submit, workers
from credit_ocr.watching.dashboard import STATUS_COLOURS, STATUSES, DashboardModel, fmt_seconds
from credit_ocr.watching.live import Dispatch, LiveFeed, TransitionEvent
from credit_ocr.watching.wait import apply_queued, follow

log = logging.getLogger(__name__)

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
        paths = self.sample_paths()
        if not paths:
            self.message = f"no samples in {self.samples_dir}: run `credit-ocr samples` first"
            return []
        ids = submit.submit(paths, batch_id=self.model.batch_id)
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


def render_table(model: DashboardModel, now: datetime | None = None, limit: int = 200) -> str:
    """The per-document table as HTML (also used by the report)."""
    rows = model.rows(now)
    out = [
        "<table style='border-collapse:collapse;font-family:monospace;font-size:12px'>",
        "<tr>" + "".join(f"<th style='text-align:left;padding:2px 8px;white-space:nowrap'>{h}</th>" for h in
                         ("document", "file", "status", "stage", "elapsed", "in stage", "attempts", "worker", "SLA")) + "</tr>",
    ]  # fmt: skip
    for r in rows[:limit]:
        colour = STATUS_COLOURS.get(r["status"], "#000")
        sla = "<b style='color:#d62728'>LATE</b>" if r["sla_breached"] else ""
        if r.get("review"):  # fields the extractor wants a person to look at
            sla += f" <b style='color:#ff7f0e'>REVIEW {r['review']}</b>"
        cells = [
            html.escape(r["document_id"][:8]),
            html.escape(r["filename"] or ""),
            f"<span style='color:{colour};font-weight:bold'>{html.escape(r['status'])}</span>",
            html.escape(r["stage"]),
            fmt_seconds(r["elapsed_s"]),
            fmt_seconds(r["in_stage_s"]),
            str(r["attempts"]),
            html.escape(r["worker"] or ""),
            sla,
        ]
        out.append(
            "<tr>"
            + "".join(f"<td style='padding:2px 8px;white-space:nowrap'>{c}</td>" for c in cells)
            + "</tr>"
        )
    if len(rows) > limit:
        out.append(f"<tr><td colspan=9>... and {len(rows) - limit} more</td></tr>")
    out.append("</table>")
    return "".join(out)


class Dashboard:
    """The live dashboard of some documents (``ids``) or a batch (``batch_id``); both None: all documents.

    In a notebook, end a cell with ``dash = Dashboard(batch_id=b); dash`` to show it (in JupyterLab also
    in a side panel; ``beside=False``: not there); ``dash.close()`` stops its feed (and a worker it
    started) and leaves the last view. Outside a kernel (tests, scripts) updates queue up until
    :meth:`pump` applies them on the calling thread.
    """

    def __init__(
        self,
        ids: Iterable[str] | None = None,
        batch_id: str | None = None,
        *,
        start: bool = True,
        samples_dir: Path | None = None,
        beside: bool = True,
    ) -> None:
        self.model = DashboardModel(ids=ids, batch_id=batch_id)
        self.beside = beside  # shown, also open a view in JupyterLab's side panel
        self.panel: Any = None  # that panel, once open
        self._queue: queue.SimpleQueue | None = None
        self._dispatch = kernel_dispatch()
        if self._dispatch is None:
            self._queue = queue.SimpleQueue()
            self._dispatch = lambda fn, *args: self._queue.put((fn, args))  # type: ignore[union-attr]
        self.render_interval = 0.2  # seconds: a burst of events is drawn once
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
        self.closed = False
        self.widget = self._build_widgets()
        self.model.subscribe(self._on_change)
        self.render()
        if start:
            self.feed.start()

    def _build_widgets(self) -> Any:
        """The view: a bar per status, the progress, the buttons, the table and the latest errors."""
        import ipywidgets as W  # noqa: N812 - deferred: a terminal or a test that never draws skips ipywidgets

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
        counts = W.VBox(bar_rows)
        for widget, name in (
            (counts, "counts"),
            (self.progress_label, "progress"),
            (self.message, "message"),
        ):
            widget.add_class(f"credit-ocr-{name}")  # names for a page's CSS and the browser tests
        view = W.VBox(
            [
                self.title,
                counts,
                W.HBox([self.progress, self.progress_label]),
                W.HBox([self.start_button, self.stop_button, self.submit_button, self.message]),
                self.table,
                self.errors,
            ]
        )
        view.add_class("credit-ocr-dashboard")
        return view

    # -- plumbing -----------------------------------------------------------------------------
    def _run_action(self, action: Callable[[], Any]) -> None:
        if self.closed:  # a click that reached a closed dashboard (its buttons are disabled)
            self.message.value = "closed: run the cell again for a live dashboard"
            return
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
        count = apply_queued(self._queue, timeout)
        if count:
            self.render()
        return count

    def wait(self, timeout: float = 60.0) -> bool:
        """Apply the feed's updates until every document is terminal (tests and scripts, outside a
        kernel loop); True if they all are. The same wait as :func:`~credit_ocr.watching.wait.wait_for`."""
        if self._queue is None:  # a kernel loop applies the updates: nothing to pump here
            return self.model.all_terminal()
        return follow(self.model, self._queue, timeout, on_change=lambda _model: self.render())

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
        if self.closed:
            state = "closed: a snapshot, no longer updated (run the cell again for a live one)"
        else:
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
        """The view in the cell's output and, the first time, a second one in JupyterLab's side panel,
        which stays in sight while Run All scrolls the notebook (see :mod:`credit_ocr.faces.side_panel`)."""
        from IPython.display import display

        display(self.widget)
        if self.beside and self.panel is None:
            self.panel = show_beside(self.widget)

    def close(self) -> None:
        """Stop the feed and any worker the buttons started; the buttons are disabled, the last view stays."""
        self.feed.stop()
        self.controller.close()
        self.closed = True
        for button in (self.start_button, self.stop_button, self.submit_button):
            button.disabled = True
        self.message.value = "closed"
        self.render()

    def __enter__(self) -> Dashboard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

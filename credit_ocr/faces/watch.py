"""`credit-ocr watch`: the live feed as a table in the terminal, until every document is finished.

The same :class:`~credit_ocr.watching.live.LiveFeed` and :class:`~credit_ocr.watching.dashboard.DashboardModel` as the
notebook dashboard: the feed thread queues events, the main thread applies them and redraws.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Iterable

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from credit_ocr.watching.dashboard import DashboardModel, fmt_seconds
from credit_ocr.watching.live import LiveFeed

STYLES = {
    "pending": "grey62",
    "ocr_running": "blue",
    "llm_running": "magenta",
    "done": "green",
    "failed": "bold red",
    "unknown": "grey42",
}


def render(model: DashboardModel, live: bool, limit: int = 40) -> Group:
    """The table of documents and a footer with counts, progress and the feed's state."""
    now = model.clock()
    table = Table(expand=False, header_style="bold", pad_edge=False)
    for col in ("document", "file", "status", "stage", "elapsed", "attempts", "worker", "SLA", "error"):
        table.add_column(col, no_wrap=col != "error", overflow="fold" if col == "error" else "ellipsis")
    rows = model.rows(now)
    # The ones still moving first, then the finished ones: a long batch stays readable.
    rows.sort(key=lambda r: r["status"] in ("done", "failed"))
    for r in rows[:limit]:
        table.add_row(
            r["document_id"][:8],
            (r["filename"] or "")[:28],
            Text(r["status"], style=STYLES.get(r["status"], "")),
            r["stage"],
            fmt_seconds(r["elapsed_s"]),
            str(r["attempts"]),
            (r["worker"] or "")[:24],
            Text("LATE", style="bold red") if r["sla_breached"] else "",
            (r["error"] or "")[:80],
        )
    counts = model.counts()
    footer = Text(
        f"{model.finished}/{model.total} finished  "
        + "  ".join(f"{k}={v}" for k, v in counts.items() if v)
        + ("" if len(rows) <= limit else f"  ({len(rows) - limit} more not shown)")
        + ("   feed: live" if live else "   feed: polling the database (Redis unreachable)"),
        style="bold",
    )
    return Group(table, footer)


def watch(
    ids: Iterable[str] | None = None,
    batch_id: str | None = None,
    *,
    console: Console | None = None,
    timeout: float | None = None,
    refresh: float = 0.25,
) -> DashboardModel:
    """Show documents live until all are terminal, Ctrl-C, or ``timeout``; returns the final model.

    Neither ids nor a batch: every document, until all of them are finished.
    """
    ids = None if ids is None else list(ids)
    console = console or Console(stderr=False)
    model = DashboardModel(ids=ids, batch_id=batch_id)
    inbox: queue.SimpleQueue = queue.SimpleQueue()
    state = {"live": False}
    feed = LiveFeed(
        ids=ids,
        batch_id=batch_id,
        on_event=model.apply,
        on_snapshot=model.reconcile,
        on_state=lambda up: state.__setitem__("live", up),
        dispatch=lambda fn, *args: inbox.put((fn, args)),
    )
    deadline = None if timeout is None else time.monotonic() + timeout
    feed.start()
    try:
        with Live(render(model, False), console=console, refresh_per_second=8, transient=False) as view:
            snapshots = 0
            while deadline is None or time.monotonic() < deadline:
                try:
                    fn, args = inbox.get(timeout=refresh)
                    fn(*args)
                    while True:  # drain a burst, then redraw once
                        fn, args = inbox.get_nowait()
                        fn(*args)
                except queue.Empty:
                    pass
                snapshots = model.snapshots
                view.update(render(model, state["live"]))
                if snapshots and model.all_terminal():
                    break
    except KeyboardInterrupt:
        console.print("[yellow]stopped watching (the documents carry on)[/]")
    finally:
        feed.stop()
    return model

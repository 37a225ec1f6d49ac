"""`credit-ocr watch`: the live feed as a table in the terminal, until every document is finished.

The same live wait as :func:`~credit_ocr.watching.wait.wait_for` (a
:class:`~credit_ocr.watching.wait.Follower`: the feed thread queues events, the main thread applies
them) with a redraw after each burst.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from credit_ocr.watching.dashboard import DashboardModel, fmt_seconds
from credit_ocr.watching.wait import Follower

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
) -> DashboardModel:
    """Show documents live until all are terminal, Ctrl-C, or ``timeout``; returns the final model.

    Neither ids nor a batch: every document, until all of them are finished.
    """
    console = console or Console(stderr=False)
    follower = Follower(ids, batch_id)
    with Live(render(follower.model, False), console=console, refresh_per_second=8, transient=False) as view:

        def redraw(model: DashboardModel) -> None:
            view.update(render(model, follower.live))

        try:
            follower.run(timeout, on_change=redraw)
        except KeyboardInterrupt:
            console.print("[yellow]stopped watching (the documents carry on)[/]")
        redraw(follower.model)
    return follower.model

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
    """The table of documents and a footer with counts and the feed's state, readable at 80 columns."""
    now = model.clock()
    table = Table(expand=False, header_style="bold", pad_edge=False)
    table.add_column("document", no_wrap=True)
    table.add_column("file", overflow="fold", min_width=10)
    table.add_column("status", no_wrap=True)
    table.add_column("elapsed", justify="right", no_wrap=True)
    table.add_column("deliveries", justify="right", no_wrap=True)
    table.add_column("error", overflow="fold", min_width=10)
    rows = model.rows(now)
    # The ones still moving first, then the finished ones: a long batch stays readable.
    rows.sort(key=lambda r: r["status"] in ("done", "failed"))
    for r in rows[:limit]:
        status = Text(r["status"], style=STYLES.get(r["status"], ""))
        if r["sla_breached"]:
            status.append(" LATE", style="bold red")
        table.add_row(
            r["document_id"][:8],
            r["filename"] or "",
            status,
            fmt_seconds(r["elapsed_s"]),
            str(r["attempts"]),
            (r["error"] or "")[:120],
        )
    counts = "  ".join(f"{k}={v}" for k, v in model.counts().items() if v)
    more = "" if len(rows) <= limit else f"  ({len(rows) - limit} more not shown)"
    feed = "live" if live else "polling the database (Redis unreachable)"
    footer = Text(f"{model.finished}/{model.total} finished  {counts}{more}\nfeed: {feed}", style="bold")
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

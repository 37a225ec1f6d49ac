"""The body of ``credit-ocr bench``: run, print tables (stderr progress), ``--json`` on stdout only."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import click

from credit_ocr.faces.bench.experiments import EXPERIMENTS, run_all
from credit_ocr.faces.bench.report import markdown, print_result


def run_cli(
    experiment: str,
    docs: int | None,
    *,
    as_json: bool = False,
    plot: Path | None = None,
    database_url: str | None = None,
    as_markdown: bool = False,
) -> None:
    from rich.console import Console

    names = list(EXPERIMENTS) if experiment == "all" else [experiment]
    if experiment != "all" and experiment not in EXPERIMENTS:
        raise click.UsageError(
            f"Unknown experiment {experiment!r}: choose from {', '.join(EXPERIMENTS)} or all."
        )
    database_url = database_url or _postgres_from_env()
    # tables go to stdout unless --json asked for it alone
    console = Console(stderr=as_json, width=max(140, Console().width))
    started = time.perf_counter()

    def show(result) -> None:  # noqa: ANN001
        print_result(result, console)

    results, failed = [], []
    for name in names:  # one experiment failing (a worker that never answered) does not stop the others
        try:
            results += run_all(docs, names=[name], database_url=database_url, on_result=show, plot_dir=plot)
        except Exception as exc:  # noqa: BLE001 - reported by name, the run goes on
            failed.append(name)
            click.secho(f"error: {name}: {exc.__class__.__name__}: {str(exc)[:800]}", fg="red", err=True)
    console.print(
        f"[dim]bench {experiment} finished in {time.perf_counter() - started:.0f} s "
        f"({time.strftime('%Y-%m-%d %H:%M %Z')}; command: credit-ocr bench {experiment}"
        f"{f' --docs {docs}' if docs else ''})[/]"
    )
    if plot is not None:
        console.print(f"[dim]plots saved in {plot}[/]")
    if as_markdown:
        click.echo(markdown(results), err=as_json)
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in results], indent=2))
    if failed:
        sys.exit(1)


def _postgres_from_env() -> str | None:
    url = os.environ.get("CREDIT_OCR_DATABASE_URL", "")
    return url if url.startswith("postgresql") else None

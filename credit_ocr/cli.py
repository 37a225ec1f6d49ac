"""`credit-ocr ...`: the command line. Each command is a thin face over a package function.

With ``--json`` a command prints JSON on stdout and nothing else there; progress goes to stderr.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from credit_ocr import __version__


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))


def _fail(message: str, code: int = 1) -> None:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(code)


class KitGroup(click.Group):
    """Turns the kit's named errors into one clear line instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from credit_ocr.config import ConfigurationError
        from credit_ocr.documents import UploadError
        from credit_ocr.services import ServiceError
        from credit_ocr.status import StatusError
        from credit_ocr.storage import StorageError

        try:
            return super().invoke(ctx)
        except (ConfigurationError, UploadError, ServiceError, StatusError, StorageError) as exc:
            _fail(str(exc))


@click.group(cls=KitGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="credit-ocr")
def main() -> None:
    """credit-ocr: asynchronous OCR and field extraction of credit documents with Celery."""


# --------------------------------------------------------------------------------------------
# services and doctor


@main.group()
def services() -> None:
    """The kit's embedded services: redis-server (and Azurite, Flower when asked)."""


@services.command("up")
@click.option("--azurite", is_flag=True, help="Also start Azurite and keep blobs there.")
@click.option("--flower", is_flag=True, help="Also start Flower (its HTTP API open on loopback).")
def services_up(azurite: bool, flower: bool) -> None:
    """Start what is not running yet, on free loopback ports, and record it."""
    from credit_ocr import services as svc

    svc.up(azurite=azurite, flower=flower)
    _print_services()


@services.command("down")
def services_down() -> None:
    """Stop only what `services up` started."""
    from credit_ocr import services as svc

    stopped = svc.down()
    click.echo("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))


@services.command("status")
@click.option("--json", "as_json", is_flag=True)
def services_status(as_json: bool) -> None:
    """Each service with its address and whether it answers."""
    _print_services(as_json)


def _print_services(as_json: bool = False) -> None:
    from dataclasses import asdict

    from credit_ocr import services as svc

    rows = svc.status()
    if as_json:
        _echo_json([asdict(r) for r in rows])
        return
    for r in rows:
        mark = click.style("answers", fg="green") if r.answers else click.style("down", fg="red")
        click.echo(f"{r.name:<8} {r.address:<40} {mark}  {r.detail}")


@main.command()
@click.option("--json", "as_json", is_flag=True)
def doctor(as_json: bool) -> None:
    """Check every part the kit needs; for each problem, the command that fixes it."""
    from dataclasses import asdict

    from credit_ocr.doctor import run_checks

    checks = run_checks()
    if as_json:
        _echo_json([asdict(c) for c in checks])
    else:
        for c in checks:
            mark = click.style(" ok ", fg="green") if c.ok else click.style("FAIL", fg="red")
            click.echo(f"[{mark}] {c.name:<22} {c.detail}")
            if not c.ok and c.fix:
                click.echo(f"       fix: {c.fix}")
    if any(not c.ok and c.required for c in checks):
        sys.exit(1)


# --------------------------------------------------------------------------------------------
# reading (issue 3)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@click.option("--extractor", type=click.Choice(["rules", "llm"]), default=None)
def extract(file: Path, as_json: bool, extractor: str | None) -> None:
    """OCR and extract one file in this process, no broker (the sync path)."""
    _fail("`extract` arrives with the reading issue (#3).")


@main.command("eval")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@click.option("--extractor", type=click.Choice(["rules", "llm"]), default=None)
def eval_cmd(directory: Path, as_json: bool, extractor: str | None) -> None:
    """Accuracy of an extractor against the <name>.json ground truths in DIRECTORY."""
    _fail("`eval` arrives with the reading issue (#3).")


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("data/samples"))
@click.option("--count", type=int, default=24)
@click.option("--seed", type=int, default=7)
def samples(out: Path, count: int, seed: int) -> None:
    """Generate sample loan applications with their ground truth."""
    _fail("`samples` arrives with the reading issue (#3).")


@main.command("llm-server")
@click.option("--port", type=int, default=8765)
@click.option("--host", default="127.0.0.1")
@click.option("--latency", type=float, default=0.0, help="Seconds added to every answer.")
@click.option("--fail-rate", type=float, default=0.0, help="Share of calls answered 500 or 429.")
def llm_server(port: int, host: str, latency: float, fail_rate: float) -> None:
    """OpenAI-compatible stand-in LLM on loopback (for tests, teaching and benchmarks)."""
    _fail("`llm-server` arrives with the reading issue (#3).")


# --------------------------------------------------------------------------------------------
# pipeline (issue 4)


@main.command()
def demo() -> None:
    """The main job: services, workers, the samples through the pipeline, live progress, a report."""
    _fail("`demo` arrives with the pipeline issue (#4).")


@main.command()
@click.option("--queues", default="ocr,llm")
@click.option("--concurrency", type=int, default=None)
@click.option("--pool", type=click.Choice(["prefork", "threads", "solo"]), default=None)
def worker(queues: str, concurrency: int | None, pool: str | None) -> None:
    """Run a Celery worker in the foreground with the kit's settings."""
    _fail("`worker` arrives with the pipeline issue (#4).")


@main.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--wait", is_flag=True)
@click.option("--timeout", type=float, default=300.0)
@click.option("--priority", type=int, default=0)
@click.option("--retry", "retry_ids", multiple=True, help="Resubmit a failed document by id.")
@click.option("--json", "as_json", is_flag=True)
def submit(
    files: tuple[Path, ...],
    wait: bool,
    timeout: float,
    priority: int,
    retry_ids: tuple[str, ...],
    as_json: bool,
) -> None:
    """Upload files and enqueue them; prints their ids at once."""
    _fail("`submit` arrives with the pipeline issue (#4).")


@main.command()
@click.argument("ids", nargs=-1)
@click.option("--json", "as_json", is_flag=True)
@click.option("--failed", is_flag=True, help="Only documents failed for good (the dead letters).")
def status(ids: tuple[str, ...], as_json: bool, failed: bool) -> None:
    """Documents with status, error, attempts, stage timings and events."""
    _fail("`status` arrives with the pipeline issue (#4).")


@main.command()
@click.argument("document_id")
@click.option("--json", "as_json", is_flag=True)
def fields(document_id: str, as_json: bool) -> None:
    """The extracted fields of a document (21 keys)."""
    _fail("`fields` arrives with the pipeline issue (#4).")


@main.command()
@click.option("--older-than", type=float, default=None, help="Seconds untouched (default from settings).")
@click.option("--json", "as_json", is_flag=True)
def reconcile(older_than: float | None, as_json: bool) -> None:
    """Re-enqueue documents stuck in a non-terminal state."""
    _fail("`reconcile` arrives with the pipeline issue (#4).")


# --------------------------------------------------------------------------------------------
# watching, experiments, faults (issues 5, 7, 8)


@main.command()
@click.argument("ids", nargs=-1)
@click.option("--batch", default=None)
def watch(ids: tuple[str, ...], batch: str | None) -> None:
    """Live terminal view of transitions."""
    _fail("`watch` arrives with the watching issue (#5).")


@main.command()
@click.argument("experiment", default="all")
@click.option("--docs", type=int, default=None)
@click.option("--json", "as_json", is_flag=True)
@click.option("--plot", type=click.Path(file_okay=False, path_type=Path), default=None)
def bench(experiment: str, docs: int | None, as_json: bool, plot: Path | None) -> None:
    """Experiments side by side: a table of makespan, throughput, latency and ratios."""
    _fail("`bench` arrives with the experiments issue (#7).")


@main.command()
@click.option("--docs", type=int, default=200)
@click.option("--json", "as_json", is_flag=True)
def chaos(docs: int, as_json: bool) -> None:
    """Soak run under injected faults: lost, duplicated and failed documents counted."""
    _fail("`chaos` arrives with the reliability issue (#8).")


if __name__ == "__main__":  # pragma: no cover
    main()

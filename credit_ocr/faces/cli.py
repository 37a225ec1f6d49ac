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
from credit_ocr.faces.review_cli import print_fields, print_review_list, review


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))


def _fail(message: str, code: int = 1) -> None:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(code)


def _full_ids(ids: tuple[str, ...] | list[str]) -> list[str]:
    """Each id as given or shortened (``credit-ocr status`` prints 8 characters), made whole."""
    from credit_ocr.state.lookup import resolve_id  # lazy: --help stays fast

    return [resolve_id(i) for i in ids]


class KitGroup(click.Group):
    """Turns the kit's named errors into one clear line instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from credit_ocr.config import ConfigurationError  # lazy: --help stays fast
        from credit_ocr.runtime.services import ServiceError  # lazy: --help stays fast
        from credit_ocr.state.documents import UploadError  # lazy: --help stays fast
        from credit_ocr.state.status import StatusError  # lazy: --help stays fast
        from credit_ocr.state.storage import StorageError  # lazy: --help stays fast

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
    from credit_ocr.runtime import services as svc  # lazy: --help stays fast

    svc.up(azurite=azurite, flower=flower)
    _print_services()


@services.command("down")
def services_down() -> None:
    """Stop only what `services up` started."""
    from credit_ocr.runtime import services as svc  # lazy: --help stays fast

    stopped = svc.down()
    click.echo("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))


@services.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout and nothing else there.")
def services_status(as_json: bool) -> None:
    """Each service with its address and whether it answers."""
    _print_services(as_json)


def _print_services(as_json: bool = False) -> None:
    from dataclasses import asdict

    from credit_ocr.runtime import services as svc  # lazy: --help stays fast

    rows = svc.status()
    if as_json:
        _echo_json([asdict(r) for r in rows])
        return
    for r in rows:
        mark = click.style("answers", fg="green") if r.answers else click.style("down", fg="red")
        click.echo(f"{r.name:<8} {r.address:<40} {mark}  {r.detail}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout and nothing else there.")
def doctor(as_json: bool) -> None:
    """Check every part the kit needs; for each problem, the command that fixes it."""
    from dataclasses import asdict

    from credit_ocr.faces.doctor import run_checks  # lazy: --help stays fast

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
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout and nothing else there.")
@click.option(
    "--extractor", type=click.Choice(["rules", "llm"]), default=None, help="Override CREDIT_OCR_EXTRACTOR."
)
def extract(file: Path, as_json: bool, extractor: str | None) -> None:
    """OCR and extract one file in this process, no broker (the sync path)."""
    from credit_ocr.pipeline.stages import MIN_TEXT_CHARS, NoTextFound  # lazy: --help stays fast
    from credit_ocr.reading.evaluate import extract_file, extraction_table  # lazy: --help stays fast
    from credit_ocr.reading.extraction import ExtractionError  # lazy: --help stays fast
    from credit_ocr.reading.ocr import OcrError  # lazy: --help stays fast

    try:
        read = extract_file(file, extractor)
    except (OcrError, ExtractionError) as exc:
        _fail(f"{file}: {exc}")
    if read.readable < MIN_TEXT_CHARS:  # what the pipeline fails the document with
        _fail(f"{file}: {NoTextFound(read.pages)}")
    if as_json:
        _echo_json(read.as_dict())
    else:
        from rich.console import Console

        Console().print(extraction_table(read))


@main.command("eval")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout and nothing else there.")
@click.option(
    "--extractor", type=click.Choice(["rules", "llm"]), default=None, help="Override CREDIT_OCR_EXTRACTOR."
)
def eval_cmd(directory: Path, as_json: bool, extractor: str | None) -> None:
    """Accuracy of an extractor against the <name>.json ground truths in DIRECTORY."""
    from credit_ocr.reading.evaluate import evaluate, report_tables  # lazy: --help stays fast

    try:
        report = evaluate(directory, extractor)
    except FileNotFoundError as exc:
        _fail(str(exc))
    if as_json:
        _echo_json(report.as_dict())
    else:
        from rich.console import Console

        console = Console()
        for table in report_tables(report):
            console.print(table)


@main.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder the documents and their ground truths are written to [default: data/samples; "
    "with --mail: var/mail].",
)
@click.option(
    "--count",
    type=click.IntRange(min=1),
    default=None,
    help="How many documents [default: 24; with --mail: 20].",
)
@click.option(
    "--seed", type=int, default=7, show_default=True, help="The same seed makes the same documents."
)
@click.option(
    "--set",
    "pool",
    type=click.Choice(["base", "tune", "heldout", "novel"]),
    default="base",
    show_default=True,
    help="base: the kit's own forms; tune, novel: unseen wordings and layouts to develop on; heldout: only measure.",
)
@click.option(
    "--mail",
    is_flag=True,
    help="Hard mail instead: pages turned 90/180/270, phone photos, group-4 TIFF faxes (score with eval).",
)
def samples(out: Path | None, count: int | None, seed: int, pool: str, mail: bool) -> None:
    """Generate sample loan applications with their ground truth."""
    if mail:
        from credit_ocr.reading.mail import generate_mail  # lazy: --help stays fast

        out = out or Path("var/mail")
        infos = generate_mail(out, count=count or 20, seed=seed)
        kinds = sorted({i.variant.mail or "" for i in infos})
        counted = ", ".join(f"{sum(i.variant.mail == k for i in infos)} {k}" for k in kinds)
        size = sum(info.path.stat().st_size for info in infos)
        click.echo(f"Wrote {len(infos)} pieces of mail ({counted}; {size / 1e6:.1f} MB) to {out}")
        return
    from credit_ocr.reading.samples import generate  # lazy: --help stays fast

    out = out or Path("data/samples")
    infos = generate(out, count=count or 24, seed=seed, pool=pool)
    size = sum(info.path.stat().st_size for info in infos)
    kinds = ", ".join(f"{sum(i.variant.layer == k for i in infos)} {k}" for k in ("text", "scan", "image"))
    click.echo(
        f"Wrote {len(infos)} documents ({kinds}; {size / 1e6:.1f} MB) with <name>.json truths to {out}"
    )


@main.command("llm-server")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="Port to listen on."
)
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default)."
)
@click.option("--latency", type=float, default=0.0, help="Seconds added to every answer.")
@click.option("--fail-rate", type=float, default=0.0, help="Share of calls answered 500 or 429.")
@click.option("--malformed-rate", type=float, default=0.0, help="Share of answers that are not valid JSON.")
@click.option(
    "--malformed",
    type=click.Choice(["not_json", "fenced", "missing_keys", "mixed"]),
    default="not_json",
    help="Kind of malformed answer.",
)
@click.option("--seed", type=int, default=None, help="Seed of the fault-injection RNG (reproducible runs).")
def llm_server(
    port: int,
    host: str,
    latency: float,
    fail_rate: float,
    malformed_rate: float,
    malformed: str,
    seed: int | None,
) -> None:
    """OpenAI-compatible stand-in LLM on loopback (for tests, teaching and benchmarks)."""
    from credit_ocr.faces.llm_server import StandInError, serve  # lazy: --help stays fast

    try:
        serve(host, port, latency, fail_rate, malformed_rate=malformed_rate, malformed=malformed, seed=seed)
    except (StandInError, ValueError) as exc:
        _fail(str(exc))


# --------------------------------------------------------------------------------------------
# pipeline (issue 4)


@main.command()
def demo() -> None:
    """The main job: services, workers, the samples through the pipeline, live progress, a report."""
    from credit_ocr.faces.demo import main as run  # lazy: --help stays fast

    run()


@main.command()
@click.option(
    "--queues",
    default="ocr,llm",
    show_default=True,
    help="Queues to consume, comma-separated: ocr, llm or both.",
)
@click.option("--concurrency", type=int, default=None, help="Processes or threads (default: the preset's).")
@click.option(
    "--pool",
    type=click.Choice(["prefork", "threads", "solo"]),
    default=None,
    help="Celery pool (default: the preset's).",
)
@click.option("--beat", is_flag=True, help="Also run the periodic reconciler (celery beat) in this worker.")
def worker(queues: str, concurrency: int | None, pool: str | None, beat: bool) -> None:
    """Run a Celery worker in the foreground with the kit's settings.

    Presets by queue: `ocr` runs prefork, one process per core (CPU-bound tesseract); `llm` runs 16
    threads (it waits on the LLM); both queues in one worker run prefork x2, as the original course did.
    """
    import os

    from credit_ocr.pipeline.celery_app import QUEUES  # lazy: --help stays fast
    from credit_ocr.pipeline.workers import presets, worker_command, worker_env  # lazy: --help stays fast

    wanted = tuple(q.strip() for q in queues.split(",") if q.strip())
    unknown = sorted(set(wanted) - set(QUEUES))
    if unknown or not wanted:
        _fail(f"unknown queue(s) {unknown or [queues]}: the kit's queues are {', '.join(QUEUES)}")
    preset = presets()["ocr" if wanted == ("ocr",) else "llm" if wanted == ("llm",) else "both"]
    argv = worker_command(
        wanted,
        concurrency or preset.concurrency,
        pool or preset.pool,
        f"{'-'.join(wanted)}-{os.getpid()}",
        beat=beat,
    )
    os.execve(argv[0], argv, worker_env(omp_thread_limit="ocr" in wanted))


@main.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--wait", is_flag=True, help="Wait until every document is done or failed, then print their status."
)
@click.option(
    "--timeout",
    type=float,
    default=300.0,
    show_default=True,
    help="Seconds --wait waits at most (exit code 2 after).",
)
@click.option(
    "--priority", type=click.IntRange(0, 9), default=0, show_default=True, help="0-9, 9 most urgent."
)
@click.option("--retry", "retry_ids", multiple=True, help="Resubmit a failed document by id.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout and nothing else there.")
def submit(
    files: tuple[Path, ...],
    wait: bool,
    timeout: float,
    priority: int,
    retry_ids: tuple[str, ...],
    as_json: bool,
) -> None:
    """Upload files and enqueue them; prints their ids at once (or, with --wait, their final status).

    A file that is not a readable document (empty, too large, not PDF/PNG/JPEG/TIFF) is not sent: it is
    listed as failed with the reason. Exit status: 1 if a document failed, 2 if --wait timed out.
    """
    from credit_ocr.pipeline import submit as sub  # lazy: --help stays fast
    from credit_ocr.watching.reporting import describe  # lazy: --help stays fast
    from credit_ocr.watching.wait import wait_for  # lazy: --help stays fast

    ids = [sub.retry(doc_id) for doc_id in _full_ids(retry_ids)]
    if files:
        ids += sub.submit(list(files), priority=priority)
    if not ids:
        _fail("nothing to submit: give FILE... or --retry ID")
    idle: list[str] = []
    if wait:
        idle = _queues_nobody_consumes()
        for queue in idle:
            click.echo(
                f"note: no worker consumes queue {queue!r}: the documents wait there until one does "
                f"(start one: `credit-ocr worker --queues {queue}`).",
                err=True,
            )
        wait_for(ids, timeout=timeout, progress=not as_json, raise_on_timeout=False)
    rows = [
        {k: r[k] for k in ("id", "filename", "status", "error")} for r in describe(ids, with_events=False)
    ]
    if as_json:
        _echo_json(rows)
    else:
        for r in rows:
            click.echo(
                f"{r['id']}  {r['status']:<12} {r['filename']}"
                + (f"  error: {r['error']}" if r["error"] else "")
            )
    if wait and any(r["status"] not in ("done", "failed") for r in rows):
        still = "still no worker consumes " + ", ".join(map(repr, idle)) if idle else "the workers are busy"
        _fail(
            f"not finished within {timeout:.0f}s ({still}): `credit-ocr watch ID...` follows them on.", code=2
        )
    failed = sum(r["status"] == "failed" for r in rows)
    if failed:
        _fail(f"{failed} of {len(rows)} documents failed: each one's error is above.")


def _queues_nobody_consumes() -> list[str]:
    """The kit's queues that no worker answers for (Celery tells who listens): a hint before a wait."""
    from credit_ocr.pipeline import workers  # lazy: --help stays fast

    try:
        return [queue for queue, names in workers.consumers().items() if not names]
    except Exception:  # noqa: BLE001 - the broker is away: the wait itself says so
        return []


@main.command()
@click.argument("ids", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout (every document asked for).")
@click.option("--failed", is_flag=True, help="Only documents failed for good (the dead letters).")
@click.option("--limit", type=int, default=20, show_default=True, help="Newest documents shown; 0 for all.")
@click.option(
    "--review", "to_review", is_flag=True, help="Only documents with fields a person should look at."
)
def status(ids: tuple[str, ...], as_json: bool, failed: bool, limit: int, to_review: bool) -> None:
    """Documents with status, error, deliveries and stage timings (with IDs: their events too)."""
    if to_review:
        from credit_ocr.state.reviews import documents_to_review  # lazy: --help stays fast

        rows = documents_to_review(limit)
        _echo_json(rows) if as_json else print_review_list(rows)
        return
    from credit_ocr.watching.reporting import describe  # lazy: --help stays fast

    ids = tuple(_full_ids(ids))
    rows = describe(list(ids) or None, failed_only=failed, with_events=as_json or bool(ids))
    if as_json:
        _echo_json(rows)
        return
    if not rows:
        click.echo("no documents" + (" failed" if failed else "") + " (credit-ocr submit FILE... adds some)")
        return
    shown = rows if ids or limit <= 0 else rows[-limit:]
    _print_status_table(shown)
    if len(shown) < len(rows):
        click.echo(
            f"{len(shown)} newest of {len(rows)} documents; --limit 0 shows all, IDs show one in full."
        )
    late = [r for r in shown if r["sla_breached"] and r["status"] not in ("done", "failed")]
    if late:
        click.echo(
            f"{len(late)} document(s) PAST SLA and not finished: no worker for their queue (`credit-ocr worker`), "
            "or their message was lost or is held by a killed worker (a broker restart, a SIGKILL): "
            "`credit-ocr reconcile --older-than 60` sends them again (a worker started with --beat does it on its own)."
        )
    for r in shown if failed else []:
        if r.get("failed_stage") is None:  # refused at upload: nothing was stored, so nothing to retry
            click.echo(f"{r['id']}  refused at upload ({r['filename']}): fix the file and submit it again")
            continue
        click.echo(
            f"{r['id']}  failed in {r.get('failed_stage')}: retry with `credit-ocr submit --retry {r['id']}`"
        )
    for r in shown if ids else []:
        click.echo(f"\nevents of {r['id']} ({r['filename']}):")
        for e in r.get("events", []):
            detail = (e["detail"] or "").splitlines()[0] if e["detail"] else ""
            click.echo(
                f"  {e['at']}  {e['kind']:<12} {e['from_status'] or '-':>12} -> {e['to_status']:<12} {detail}"
            )


def _print_status_table(rows: list[dict]) -> None:
    """One line per document, in the terminal's width: short id, file, status, deliveries, OCR and total s."""
    from rich.console import Console  # lazy: --help stays fast
    from rich.table import Table  # lazy: --help stays fast

    table = Table(title="documents, oldest first", title_justify="left", pad_edge=False)
    table.add_column("id", no_wrap=True)
    table.add_column("file", overflow="fold", min_width=8)
    table.add_column("status", no_wrap=True)
    table.add_column("deliveries", justify="right", no_wrap=True)
    table.add_column("OCR s", justify="right", no_wrap=True)
    table.add_column("total s", justify="right", no_wrap=True)
    table.add_column("error", overflow="fold", min_width=8)
    for r in rows:
        t = r["timings"]
        secs = [f"{t[k]:.2f}" if t.get(k) is not None else "" for k in ("ocr_s", "total_s")]
        status = r["status"] + (" PAST SLA" if r["sla_breached"] else "")
        table.add_row(r["id"][:8], r["filename"], status, str(r["attempts"]), *secs, (r["error"] or "")[:120])
    Console(soft_wrap=False).print(table)
    click.echo("deliveries: times a worker took the current stage (a retry is not a new one).")


@main.command()
@click.argument("document_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout and nothing else there.")
def fields(document_id: str, as_json: bool) -> None:
    """The extracted fields of a document (21 keys), their confidence, and the fields to review."""
    from credit_ocr.state.documents import get_document, get_fields  # lazy: --help stays fast

    document_id = _full_ids([document_id])[0]
    doc = get_document(document_id)
    found = get_fields(document_id)
    if found is None:
        if doc.status == "failed":
            _fail(
                f"document {document_id} failed: {doc.error}; retry with `credit-ocr submit --retry {document_id}`"
            )
        _fail(
            f"document {document_id} has no fields yet (status {doc.status}); follow it with `credit-ocr watch {document_id}`"
        )
    if as_json:
        _echo_json(found)
        return
    print_fields(found)


@main.command()
@click.option("--older-than", type=float, default=None, help="Seconds untouched (default from settings).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout and nothing else there.")
def reconcile(older_than: float | None, as_json: bool) -> None:
    """Re-enqueue documents stuck in a non-terminal state."""
    from dataclasses import asdict

    from credit_ocr.pipeline.reconcile import reconcile as run  # lazy: --help stays fast

    pickups = run(older_than)
    if as_json:
        _echo_json([asdict(p) for p in pickups])
        return
    for p in pickups:
        click.echo(
            f"{p.document_id}  {p.status:<12} idle {p.idle_seconds:.0f}s  {'re-enqueued' if p.enqueued else 'NOT enqueued (broker away)'}"
        )
    enqueued = sum(1 for p in pickups if p.enqueued)
    if older_than is None:  # say which deadline counted: a document lost a minute ago is not stuck yet
        from credit_ocr.config import get_settings  # lazy: --help stays fast

        after = get_settings().reconcile_after
        click.echo(
            f"{enqueued} of {len(pickups)} stuck document(s) re-enqueued (untouched for {after:.0f}s or more, "
            "CREDIT_OCR_RECONCILE_AFTER; --older-than S sends younger ones)"
        )
        return
    click.echo(f"{enqueued} of {len(pickups)} stuck document(s) re-enqueued")


# --------------------------------------------------------------------------------------------
# watching, experiments, faults (issues 5, 7, 8)


@main.command()
@click.argument("ids", nargs=-1)
@click.option("--batch", default=None, help="Follow the documents of this batch id.")
@click.option("--timeout", type=float, default=None, help="Stop watching after S seconds.")
def watch(ids: tuple[str, ...], batch: str | None, timeout: float | None) -> None:
    """Live terminal view of transitions; exits when all are done/failed (or Ctrl-C).

    Exit code 0 when all are done, 1 when some failed, 2 when stopped before all finished.
    """
    from credit_ocr.faces.watch import watch as watch_live  # lazy: --help stays fast

    model = watch_live(_full_ids(ids) or None, batch, timeout=timeout)
    if not model.all_terminal():
        sys.exit(2)
    if model.counts()["failed"]:
        sys.exit(1)


@main.command()
@click.argument("experiment", default="all")
@click.option(
    "--docs",
    type=int,
    default=None,
    help="Documents per configuration (overhead: no-op docs; visibility: transitions).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout and nothing else there.")
@click.option(
    "--plot",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Save one PNG per experiment here.",
)
@click.option(
    "--database-url",
    default=None,
    help="PostgreSQL server for the PostgreSQL rows (scratch databases are made and dropped).",
)
@click.option(
    "--markdown", "as_markdown", is_flag=True, help="Also print the tables as markdown (for the README)."
)
def bench(
    experiment: str,
    docs: int | None,
    as_json: bool,
    plot: Path | None,
    database_url: str | None,
    as_markdown: bool,
) -> None:
    """Experiments side by side: a table of makespan, throughput, latency and ratios."""
    from credit_ocr.faces.bench.cli import run_cli  # lazy: --help stays fast

    run_cli(experiment, docs, as_json=as_json, plot=plot, database_url=database_url, as_markdown=as_markdown)


@main.command()
@click.option("--docs", type=int, default=200, show_default=True, help="Documents fed through the faults.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout and nothing else there.")
@click.option(
    "--kill-every", type=float, default=5.0, show_default=True, help="Seconds between worker kills."
)
@click.option("--keep", is_flag=True, help="Keep the run's folder (worker logs, database) afterwards.")
def chaos(docs: int, as_json: bool, kill_every: float, keep: bool) -> None:
    """Soak run under injected faults: lost, duplicated and failed documents counted."""
    from credit_ocr.faces.chaos import ChaosError, run_chaos  # lazy: --help stays fast

    def say(message: str) -> None:
        click.echo(f"chaos: {message}", err=True)

    try:
        report = run_chaos(docs, kill_every=kill_every, keep=keep, say=say)
    except ChaosError as exc:
        _fail(str(exc))
    if as_json:
        _echo_json(report.as_dict())
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"credit-ocr chaos: {docs} documents under faults")
        table.add_column("measure")
        table.add_column("value", justify="right")
        for label, value in report.lines():
            table.add_row(label, value)
        Console().print(table)
        for note in report.notes:
            click.echo(f"note: {note}")
        for error, count in report.errors.items():
            click.echo(f"failed x{count}: {error}")
    if not report.ok:
        sys.exit(1)


main.add_command(review)

if __name__ == "__main__":  # pragma: no cover
    main()

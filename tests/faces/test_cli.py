"""The command line: every command of the blueprint is there, with the options other tools rely on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from credit_ocr import __version__
from credit_ocr.faces.cli import main
from credit_ocr.reading.samples import load_samples

BLUEPRINT_COMMANDS = [
    "demo", "services", "worker", "submit", "status", "fields", "extract", "eval", "watch", "reconcile",
    "bench", "chaos", "llm-server", "doctor",
]  # fmt: skip
#: Options the blueprint's command line names, per command.
BLUEPRINT_OPTIONS = {
    "worker": ["--queues", "--concurrency", "--pool"],
    "submit": ["--wait", "--timeout", "--priority", "--json"],
    "status": ["--json"],
    "fields": ["--json"],
    "extract": ["--json"],
    "eval": ["--json"],
    "watch": ["--batch"],
    "bench": ["--json"],
    "chaos": ["--docs", "--json"],
    "llm-server": ["--port", "--latency", "--fail-rate"],
    "doctor": ["--json"],
}


def test_help_lists_every_command_of_the_blueprint() -> None:
    script = Path(sys.executable).parent / "credit-ocr"
    argv = [str(script)] if script.exists() else [sys.executable, "-m", "credit_ocr"]
    out = subprocess.run([*argv, "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    listed = {line.split()[0] for line in out.stdout.split("Commands:", 1)[1].splitlines() if line.strip()}
    assert set(BLUEPRINT_COMMANDS) <= listed, set(BLUEPRINT_COMMANDS) - listed


def test_python_dash_m_is_the_same_command() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "credit_ocr", "--version"], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0 and __version__ in out.stdout


@pytest.mark.parametrize("command", BLUEPRINT_COMMANDS)
def test_each_command_has_help(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0, result.output
    for option in BLUEPRINT_OPTIONS.get(command, []):
        assert option in result.output, f"{command} lacks {option}"


def test_services_subcommands() -> None:
    result = CliRunner().invoke(main, ["services", "--help"])
    assert result.exit_code == 0
    for sub in ("up", "down", "status"):
        assert sub in result.output
    assert "--azurite" in CliRunner().invoke(main, ["services", "up", "--help"]).output


def test_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["no-such-command"])
    assert result.exit_code == 2
    assert "No such command" in result.output


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    out = []
    for name, command in group.commands.items():
        out.append((f"{prefix}{name}", command))
        if isinstance(command, click.Group):
            out += _commands(command, f"{prefix}{name} ")
    return out


def test_every_option_says_what_it_does() -> None:
    """`--help` is where a student looks first: no option without its help text, no "see the code"."""
    silent = [
        f"{name} {' / '.join(param.opts)}"
        for name, command in _commands(main)
        for param in command.params
        if isinstance(param, click.Option) and not param.help and "--help" not in param.opts
    ]
    assert not silent, f"options without help: {silent}"
    for name, command in _commands(main):
        assert command.help and ".py" not in command.help, f"{name}: {command.help!r}"


def test_worker_becomes_celery_with_the_settings_in_its_environment(kit, monkeypatch) -> None:
    """`credit-ocr worker` replaces itself with `celery worker`: the queues asked for, the settings passed."""
    ran: dict = {}
    monkeypatch.setattr(os, "execve", lambda path, argv, env: ran.update(path=path, argv=argv, env=env))
    result = CliRunner().invoke(main, ["worker", "--queues", "ocr"])
    assert result.exit_code == 0, result.output
    argv = ran["argv"]
    assert ran["path"] == argv[0] and argv[argv.index("--queues") + 1] == "ocr"
    assert ran["env"]["CREDIT_OCR_BROKER_URL"] == kit.broker_url
    assert ran["env"]["OMP_THREAD_LIMIT"] == "1"  # OCR processes must not share cores with threads


def test_status_is_a_table_with_a_header_and_a_limit(kit) -> None:
    from credit_ocr.state import documents
    from credit_ocr.state.status import Status, transition

    ids = [documents.upload(b"%PDF-1.4 " + bytes([48 + i]), f"doc{i}.pdf").id for i in range(5)]
    transition(ids[0], Status.FAILED, error="the scan is unreadable")
    runner = CliRunner()
    result = runner.invoke(main, ["status", "--limit", "3"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert all(len(line) <= 80 for line in lines), result.output
    assert "status" in result.output and "deliveries" in result.output  # a header
    assert "doc4.pdf" in result.output and "doc0.pdf" not in result.output  # the newest 3
    assert "3 newest of 5 documents; --limit 0 shows all" in result.output
    failed = runner.invoke(main, ["status", "--failed"], env={"COLUMNS": "120"})
    assert (
        "the scan is unreadable" in failed.output and f"credit-ocr submit --retry {ids[0]}" in failed.output
    )


def test_the_short_id_that_status_prints_works_wherever_an_id_is_asked(kit) -> None:
    """`credit-ocr status` prints 8 characters of each id: a student copies those into the next command."""
    from credit_ocr.pipeline.stages import _store_extraction
    from credit_ocr.reading.extraction import ExtractionResult
    from credit_ocr.state import documents
    from credit_ocr.state.db import transaction

    doc_id = documents.upload(b"%PDF-1.4 short", "short.pdf").id
    with transaction() as conn:
        _store_extraction(conn, doc_id, ExtractionResult("rules", {"company_name": "Short GmbH"}, {}))
    short = doc_id[:8]
    runner = CliRunner()
    assert short in runner.invoke(main, ["status"], env={"COLUMNS": "120"}).output
    shown = runner.invoke(main, ["fields", short])
    assert shown.exit_code == 0 and "Short GmbH" in shown.output, shown.output
    events = runner.invoke(main, ["status", short.upper()])
    assert events.exit_code == 0 and f"events of {doc_id}" in events.output, events.output
    corrected = runner.invoke(main, ["review", short, "company_name", "Long GmbH", "--by", "ana"])
    assert corrected.exit_code == 0 and corrected.output.startswith(doc_id), corrected.output


@pytest.mark.parametrize(
    "argv",
    [["fields", "nope"], ["status", "nope"], ["review", "nope", "company_name", "X", "--by", "ana"],
     ["submit", "--retry", "nope"], ["fields", "%"]],
)  # fmt: skip
def test_an_unknown_id_is_one_clear_line_not_a_traceback(kit, argv: list[str]) -> None:
    result = CliRunner().invoke(main, argv)
    assert result.exit_code == 1, result.output
    assert "No document with id" in result.output and "credit-ocr status" in result.output, result.output
    assert "Traceback" not in result.output and "No document 'No document" not in result.output


def test_an_id_prefix_of_several_documents_asks_for_more(kit) -> None:
    from credit_ocr.state import documents

    ids = [documents.upload(b"%PDF-1.4 " + bytes([48 + i]), f"doc{i}.pdf").id for i in range(40)]
    shared = next(c for c in "0123456789abcdef" if sum(i.startswith(c) for i in ids) > 1)
    result = CliRunner().invoke(main, ["fields", shared])
    assert result.exit_code == 1 and "give more of it, or the whole id" in result.output, result.output


@pytest.mark.parametrize(
    "argv",
    [["submit", "--priority", "99", "x.pdf"], ["llm-server", "--port", "99999"], ["samples", "--count", "0"]],
)
def test_an_option_out_of_its_range_is_a_usage_error(tmp_path: Path, argv: list[str]) -> None:
    (tmp_path / "x.pdf").write_bytes(b"%PDF-1.4 x")
    result = CliRunner().invoke(main, [str(tmp_path / a) if a == "x.pdf" else a for a in argv])
    assert result.exit_code == 2 and "is not in the range" in result.output, result.output


def test_a_document_past_its_sla_and_not_moving_is_pointed_at_the_reconciler(kit, configure) -> None:
    """A message lost with a restarted broker leaves its document pending: status says what sends it again."""
    import time

    from credit_ocr.state import documents

    documents.upload(b"%PDF-1.4 lost", "lost.pdf")  # pending, its message never sent: as if lost
    configure(sla_seconds=0.01)
    time.sleep(0.05)
    result = CliRunner().invoke(main, ["status"], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    assert "1 document(s) PAST SLA and not finished" in result.output
    assert "credit-ocr reconcile --older-than" in result.output
    swept = CliRunner().invoke(main, ["reconcile"])
    assert "untouched for 900s or more" in swept.output and "--older-than S" in swept.output, swept.output


def test_failed_lists_a_refused_upload_without_a_retry_that_cannot_work(kit, tmp_path: Path) -> None:
    from credit_ocr.pipeline import submit

    (tmp_path / "empty.pdf").write_bytes(b"")
    (doc_id,) = submit.submit([tmp_path / "empty.pdf"])
    result = CliRunner().invoke(main, ["status", "--failed"], env={"COLUMNS": "120"})
    assert f"{doc_id}  refused at upload (empty.pdf): fix the file and submit it again" in result.output
    assert "failed in None" not in result.output and f"--retry {doc_id}" not in result.output


@pytest.mark.tesseract
def test_extract_fails_a_page_with_nothing_to_read_like_the_pipeline_does(kit, tmp_path: Path) -> None:
    """`credit-ocr extract` printed an empty table (exit 0) for a blank page the pipeline fails."""
    from PIL import Image

    Image.new("L", (1240, 1754), 255).save(tmp_path / "blank.png")
    result = CliRunner().invoke(main, ["extract", str(tmp_path / "blank.png")])
    assert result.exit_code == 1 and "No text found on 1 page(s)" in result.output, result.output


def test_fields_tell_a_missing_value_from_an_invalid_one(kit) -> None:
    from credit_ocr.pipeline.stages import _store_extraction
    from credit_ocr.reading.extraction import ExtractionResult
    from credit_ocr.state import documents
    from credit_ocr.state.db import transaction

    doc_id = documents.upload(b"%PDF-1.4 x", "x.pdf").id
    result = ExtractionResult(
        extractor="rules",
        fields={"company_name": "Heavy Lift GmbH", "vat_id": None, "loan_amount": "12 apples"},
        valid={"company_name": True, "vat_id": False, "loan_amount": False},
    )
    with transaction() as conn:
        _store_extraction(conn, doc_id, result)
    output = CliRunner().invoke(main, ["fields", doc_id]).output
    lines = {line.split()[0]: line for line in output.splitlines()[1:]}
    assert lines["company_name"].rstrip().endswith("Heavy Lift GmbH")
    assert "(not stated in the document)" in lines["vat_id"] and "None" not in lines["vat_id"]
    assert "(read, but not a valid value)" in lines["loan_amount"]


def test_samples_mail_writes_hard_mail_that_eval_can_read(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["samples", "--mail", "--out", str(tmp_path), "--count", "2"])
    assert result.exit_code == 0, result.output
    assert "Wrote 2 pieces of mail (1 turned-180, 1 turned-90" in result.output
    assert [i.variant.mail for i in load_samples(tmp_path)] == ["turned-90", "turned-180"]

"""The command line: every command of the blueprint is there, with the options other tools rely on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from credit_ocr import __version__
from credit_ocr.faces.cli import main

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

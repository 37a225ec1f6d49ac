"""`credit-ocr doctor`: each check reported, and for each problem the command that fixes it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from credit_ocr.config import Settings, override_settings
from credit_ocr.faces import doctor
from credit_ocr.faces.cli import main
from credit_ocr.runtime.services import RedisServer, free_port

CHECK_NAMES = ["python packages", "tesseract", "redis-server", "broker (redis)", "database", "blob storage"]


def run_doctor(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("CREDIT_OCR_")}
    base.pop("AZURE_STORAGE_CONNECTION_STRING", None)
    base["CREDIT_OCR_HOME"] = str(tmp_path / "var")
    return subprocess.run(
        [sys.executable, "-m", "credit_ocr", "doctor", *args],
        env={**base, **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.redis
def test_doctor_json_reports_each_check(tmp_path: Path, redis_server: RedisServer) -> None:
    out = run_doctor(tmp_path, "--json", CREDIT_OCR_BROKER_URL=redis_server.url)
    checks = {c["name"]: c for c in json.loads(out.stdout)}  # stdout is JSON and nothing else
    assert set(CHECK_NAMES) <= set(checks)
    for check in checks.values():
        assert set(check) == {"name", "ok", "detail", "fix", "required"}
    failing = {n: c["detail"] for n, c in checks.items() if c["required"] and not c["ok"]}
    assert failing == {} and out.returncode == 0, (failing, out.stderr)
    assert "answers PING" in checks["broker (redis)"]["detail"]
    assert "eng" in checks["tesseract"]["detail"]
    assert "sqlite" in checks["database"]["detail"]


def test_doctor_names_the_fix_for_a_broken_database(kit: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nothing"  # nothing listens there
    with override_settings(database_url=url, broker_url=None):
        result = CliRunner().invoke(main, ["doctor", "--json"])
    assert result.exit_code == 1
    checks = {c["name"]: c for c in json.loads(result.stdout)}
    assert checks["database"]["ok"] is False
    assert "CREDIT_OCR_DATABASE_URL" in checks["database"]["fix"]
    # no broker started: reported with its fix, but not required (the embedded one starts on demand)
    assert checks["broker (redis)"]["ok"] is False and checks["broker (redis)"]["required"] is False
    assert checks["broker (redis)"]["fix"] == "credit-ocr services up"


def test_doctor_text_output_prints_fixes(kit: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    with override_settings(broker_url=None):
        result = CliRunner().invoke(main, ["doctor"])
    assert "[FAIL] broker (redis)" in result.stdout
    assert "fix: credit-ocr services up" in result.stdout
    assert "[ ok ] database" in result.stdout
    assert result.exit_code == 0  # only optional parts missing


def test_missing_tesseract_is_reported_with_install_command(
    kit: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # neither tesseract nor redis-server on it
    tesseract, redis_server = doctor.check_tesseract(), doctor.check_redis_server()
    assert not tesseract.ok and "apt-get install -y tesseract-ocr" in tesseract.fix
    assert not redis_server.ok and "apt-get install -y redis-server" in redis_server.fix


def test_missing_language_is_reported(kit: Settings, configure) -> None:
    configure(ocr_lang="eng+zzz")
    check = doctor.check_tesseract()
    assert not check.ok and "tesseract-ocr-zzz" in check.fix


@pytest.mark.azurite
def test_blob_check_against_azurite(azure_kit: Settings) -> None:
    check = doctor.check_blob_store()
    assert check.ok and "AzureBlobStore" in check.detail

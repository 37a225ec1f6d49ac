"""Settings: embedded defaults with nothing configured, env and .env read, aliases, secrets kept secret."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from credit_ocr import config
from credit_ocr.config import ConfigurationError, Settings, get_settings, redacted, reset_settings


@pytest.fixture
def bare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No CREDIT_OCR_* variable at all (but a private home), no .env."""
    for name in list(os.environ):
        if name.startswith("CREDIT_OCR_") or name in {"AZURE_STORAGE_CONNECTION_STRING", "OPENAI_API_KEY"}:
            monkeypatch.delenv(name)
    reset_settings()
    yield tmp_path
    reset_settings()


def test_embedded_defaults_with_no_configuration(bare: Path) -> None:
    s = Settings()
    assert s.home == Path("var")
    assert s.database_url is None and s.broker_url is None and s.azure_connection_string is None
    assert s.extractor == "rules"
    assert s.azure_container == "documents"
    assert s.max_file_bytes == 20 * 1024 * 1024
    assert s.visibility_timeout > s.time_limit > s.soft_time_limit
    home = Settings(home=bare / "state")
    assert home.db_url == f"sqlite:///{bare / 'state' / 'credit_ocr.db'}"
    assert home.blob_dir == bare / "state" / "blobs"
    assert home.azure_conn is None  # the local folder, not Azure
    assert (bare / "state").is_dir()


def test_relative_home_is_under_the_checkout(bare: Path) -> None:
    assert Settings(home=Path("var")).home_dir == config.PROJECT_ROOT / "var"


def test_environment_variables_are_read(bare: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDIT_OCR_HOME", str(bare / "h"))
    monkeypatch.setenv("CREDIT_OCR_DATABASE_URL", "postgresql+psycopg://kit@db.example:5432/kit")
    monkeypatch.setenv("CREDIT_OCR_BROKER_URL", "redis://broker.example:6379/1")
    monkeypatch.setenv("CREDIT_OCR_MAX_FILE_BYTES", "1234")
    monkeypatch.setenv("CREDIT_OCR_EXTRACTOR", "llm")
    s = get_settings()
    assert s.home_dir == bare / "h"
    assert s.db_url == "postgresql+psycopg://kit@db.example:5432/kit"
    assert s.broker == s.backend == "redis://broker.example:6379/1"
    assert (s.max_file_bytes, s.extractor) == (1234, "llm")
    assert get_settings() is s  # read once per process
    monkeypatch.setenv("CREDIT_OCR_MAX_FILE_BYTES", "99")
    assert get_settings().max_file_bytes == 1234
    reset_settings()
    assert get_settings().max_file_bytes == 99


def test_env_file_is_read(bare: Path) -> None:
    env = bare / ".env"
    env.write_text(
        "CREDIT_OCR_AZURE_CONTAINER=loans\nCREDIT_OCR_RESULT_BACKEND=redis://r:6379/2\n"
        "CREDIT_OCR_BROKER_URL=redis://b:6379/0\nCREDIT_OCR_LLM_API_KEY=sk-from-file\n"
    )
    s = Settings(_env_file=env)
    assert s.azure_container == "loans"
    assert (s.broker, s.backend) == ("redis://b:6379/0", "redis://r:6379/2")
    assert s.llm_api_key.get_secret_value() == "sk-from-file"


def test_environment_wins_over_env_file(bare: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = bare / ".env"
    env.write_text("CREDIT_OCR_AZURE_CONTAINER=from-file\n")
    monkeypatch.setenv("CREDIT_OCR_AZURE_CONTAINER", "from-env")
    assert Settings(_env_file=env).azure_container == "from-env"


def test_standard_azure_and_openai_variables(bare: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conn = (
        "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=c2VjcmV0;EndpointSuffix=core.windows.net"
    )
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", conn)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-123")
    s = Settings()
    assert s.azure_conn == conn
    assert s.llm_api_key.get_secret_value() == "sk-test-123"
    monkeypatch.setenv("CREDIT_OCR_AZURE_CONNECTION_STRING", "UseDevelopmentStorage=true")
    assert Settings().azure_conn == "UseDevelopmentStorage=true"  # the kit's own name wins


def test_secrets_stay_out_of_repr(bare: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDIT_OCR_AZURE_CONNECTION_STRING", "AccountKey=TOPSECRETKEY")
    monkeypatch.setenv("CREDIT_OCR_LLM_API_KEY", "sk-TOPSECRETAPI")
    s = Settings()
    for text in (repr(s), str(s), s.model_dump_json()):
        assert "TOPSECRET" not in text
    assert s.azure_connection_string.get_secret_value() == "AccountKey=TOPSECRETKEY"
    assert redacted("redis://:hunter2@h:6379/0") == "redis://:***@h:6379/0"
    assert redacted("postgresql+psycopg://u:pw@h/db") == "postgresql+psycopg://u:***@h/db"


def test_no_broker_is_an_actionable_error(bare: Path) -> None:
    s = Settings(home=bare / "nothing-started")
    with pytest.raises(ConfigurationError) as info:
        _ = s.broker
    message = str(info.value)
    assert "credit-ocr services up" in message and "CREDIT_OCR_BROKER_URL" in message


def test_embedded_services_are_found_from_services_json(bare: Path) -> None:
    home = bare / "h"
    home.mkdir()
    (home / config.SERVICES_FILE).write_text(
        json.dumps({"redis": {"url": "redis://127.0.0.1:40001/0"}, "azurite": {"connection_string": "X=1"}})
    )
    s = Settings(home=home)
    assert s.broker == "redis://127.0.0.1:40001/0"
    assert s.azure_conn == "X=1"


def test_bad_value_names_the_setting(bare: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    monkeypatch.setenv("CREDIT_OCR_EXTRACTOR", "magic")
    with pytest.raises(ValidationError, match="extractor"):
        Settings()

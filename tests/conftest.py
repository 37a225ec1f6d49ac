"""Shared fixtures: a private home folder, the test's own redis-server, PostgreSQL and Azurite.

Every fixture talks to a real service. Where PostgreSQL or Azurite are absent on a user's machine the
tests that need them skip with the reason, but ``CREDIT_OCR_REQUIRE_SERVICES=1`` (set by ``.ci/run``)
turns such a skip into a failure: in CI they always run.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from credit_ocr import config
from credit_ocr.config import Settings, override_settings, reset_settings
from credit_ocr.runtime import services

REQUIRE_SERVICES = os.environ.get("CREDIT_OCR_REQUIRE_SERVICES") == "1"
PG_ADMIN_URL = os.environ.get(
    "CREDIT_OCR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT.parent / "shared" / "reference"
SAMPLES = ROOT / "data" / "samples"


def skip_or_fail(reason: str) -> None:
    """Skip on a user's machine; fail in CI, where every service must be there."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (CREDIT_OCR_REQUIRE_SERVICES=1: this may not be skipped in CI)")
    pytest.skip(reason)


@pytest.fixture(autouse=True, scope="session")
def _no_user_env_file() -> Iterator[None]:
    """Tests never read the developer's .env."""
    saved = Settings.model_config.get("env_file")
    Settings.model_config["env_file"] = None
    yield
    Settings.model_config["env_file"] = saved


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[services.RedisServer]:
    """A redis-server of the test session's own, on a free port."""
    server = services.start_redis(folder=tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


def _clear_kit_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("CREDIT_OCR_") and name not in {
            "CREDIT_OCR_REQUIRE_SERVICES",
            "CREDIT_OCR_TEST_POSTGRES_URL",
        }:
            monkeypatch.delenv(name, raising=False)
    for name in ("AZURE_STORAGE_CONNECTION_STRING", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def kit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, redis_server: services.RedisServer
) -> Iterator[Settings]:
    """The embedded default in a private home: SQLite, local blobs, the session's redis-server.

    The settings are put in force with ``override_settings``; a worker process started by the test gets
    them through ``settings_env``. The developer's own ``CREDIT_OCR_*`` variables never reach a test.
    """
    _clear_kit_env(monkeypatch)
    reset_settings()
    redis.Redis.from_url(redis_server.url).flushdb()  # our own server: each test starts with empty queues
    with override_settings(home=tmp_path / "var", broker_url=redis_server.url) as settings:
        yield settings
    reset_settings()


@pytest.fixture
def configure(kit: Settings) -> Iterator[Callable[..., Settings]]:
    """Change some settings for the rest of the test: ``configure(max_file_bytes=1000)`` is
    ``override_settings`` until the test ends (worker processes started after it get them too)."""
    with contextlib.ExitStack() as stack:
        yield lambda **changes: stack.enter_context(override_settings(**changes))


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    try:
        import sqlalchemy as sa

        engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001
        skip_or_fail(f"PostgreSQL not reachable at {config.redacted(PG_ADMIN_URL)}: {exc.__class__.__name__}")
    return PG_ADMIN_URL


@pytest.fixture(scope="session")
def postgres_database(postgres_admin_url: str) -> Iterator[str]:
    """A database of the test session's own on the PostgreSQL server, dropped at the end."""
    import sqlalchemy as sa

    name = f"credit_ocr_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(postgres_admin_url).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_kit(kit: Settings, postgres_database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """The kit on PostgreSQL (empty tables at the start of each test)."""
    import sqlalchemy as sa

    from credit_ocr.state.db import get_engine

    with override_settings(database_url=postgres_database) as settings:
        with get_engine().begin() as conn:
            conn.execute(
                sa.text("TRUNCATE documents, status_events, ocr_pages, extractions RESTART IDENTITY CASCADE")
            )
        yield settings


@pytest.fixture(params=["sqlite", "postgres"])
def any_db(request: pytest.FixtureRequest, kit: Settings) -> Settings:
    """Runs a test once on SQLite and once on PostgreSQL."""
    if request.param == "postgres":
        return request.getfixturevalue("pg_kit")
    return kit


@pytest.fixture(scope="session")
def azurite_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[services.AzuriteServer]:
    """An Azurite blob service of the test session's own."""
    try:
        services.azurite_binary()
    except services.ServiceError as exc:
        skip_or_fail(str(exc))
    server = services.start_azurite(folder=tmp_path_factory.mktemp("azurite"))
    yield server
    server.stop()


@pytest.fixture
def azure_kit(
    kit: Settings, azurite_server: services.AzuriteServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """The kit with blobs in Azurite, in a container of this test's own."""
    with override_settings(
        azure_connection_string=azurite_server.connection_string, azure_container=f"t{uuid.uuid4().hex[:12]}"
    ) as settings:
        yield settings


@pytest.fixture(params=["local", "azurite"])
def any_store(request: pytest.FixtureRequest, kit: Settings) -> Settings:
    """Runs a test once on the local folder and once on Azurite."""
    if request.param == "azurite":
        return request.getfixturevalue("azure_kit")
    return kit


def sample_files(kind: str | None = None) -> list[Path]:
    """The committed sample documents (those with a ``<name>.json`` ground truth beside them).

    ``kind`` picks a variant by file name: ``text`` (text-layer PDFs), ``scan`` or ``image``.
    """
    files = sorted(
        p for p in SAMPLES.glob("*") if p.suffix.lower() in {".pdf", ".png", ".jpg", ".jpeg", ".tif"}
    )
    files = [p for p in files if p.with_suffix(".json").exists()]
    if kind == "text":
        files = [p for p in files if "_text" in p.stem]
    elif kind == "scan":
        files = [p for p in files if "_scan" in p.stem]
    elif kind == "image":
        files = [p for p in files if p.suffix.lower() != ".pdf"]
    if not files:
        skip_or_fail(f"no committed samples of kind {kind!r} in {SAMPLES} (run `credit-ocr samples`)")
    return files

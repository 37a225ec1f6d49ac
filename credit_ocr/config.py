"""The kit's one configuration object: every setting, its default, and where the defaults live.

All settings are optional. With none set, the kit runs on its *embedded default*: SQLite and a blob
folder under ``CREDIT_OCR_HOME`` (``./var``), the kit's own ``redis-server`` (started by
``credit-ocr services up`` and recorded in ``CREDIT_OCR_HOME/services.json``) and the rule-based
extractor. Each setting is read from the environment variable ``CREDIT_OCR_<NAME>`` or a ``.env``
file in the working directory.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Redis pub/sub channel on which every committed transition is published as JSON.
EVENTS_CHANNEL = "credit_ocr:events"
#: File under ``home`` where ``services up`` records what it started.
SERVICES_FILE = "services.json"


def project_root(start: Path | None = None) -> Path:
    """The kit's checkout (the folder with its pyproject.toml) above ``start``, else ``start`` itself.

    Notebooks run in ``notebooks/`` and the CLI in the checkout: both must find the same ``var/`` and
    ``.env``, so relative defaults are taken from here, not from the working directory.
    """
    start = (start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        marker = folder / "pyproject.toml"
        if marker.is_file() and 'name = "credit-ocr"' in marker.read_text(errors="ignore"):
            return folder
    return start


PROJECT_ROOT = project_root()


class ConfigurationError(RuntimeError):
    """A setting is missing or contradictory; the message says which variable to set."""


class Settings(BaseSettings):
    """Every knob of the kit. Read once per process with :func:`get_settings`."""

    model_config = SettingsConfigDict(
        env_prefix="CREDIT_OCR_",
        env_file=(PROJECT_ROOT / ".env", ".env"),
        extra="ignore",
        populate_by_name=True,
    )

    # --- where state lives -------------------------------------------------------------------
    home: Path = Field(Path("var"), description="State folder: SQLite file, blobs, logs, services.")
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL: postgresql://user@host/db (psycopg2), postgresql+psycopg://... (psycopg 3), "
        "postgres://... as Heroku and Docker write it. Default: SQLite in home.",
    )
    broker_url: str | None = Field(
        None, description="Celery broker (Redis). Default: the kit's own redis-server."
    )
    result_backend: str | None = Field(None, description="Celery result backend. Default: the broker.")
    azure_connection_string: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices(
            "CREDIT_OCR_AZURE_CONNECTION_STRING", "AZURE_STORAGE_CONNECTION_STRING"
        ),
        description="Azure Blob Storage (or Azurite) connection string. Default: a local folder.",
    )
    azure_container: str = Field("documents", description="Blob container, created when missing.")
    azure_api_version: str | None = Field(
        "2025-01-05", description="Storage API version the client speaks (Azurite accepts up to this one)."
    )

    # --- extraction --------------------------------------------------------------------------
    extractor: Literal["rules", "llm"] = Field("rules", description="Field extractor: rules or llm.")
    llm_base_url: str = Field("http://127.0.0.1:8765/v1", description="OpenAI-compatible endpoint.")
    llm_model: str = Field("credit-ocr-standin", description="Model name sent to the endpoint.")
    llm_api_key: SecretStr = Field(
        SecretStr("not-needed"),
        validation_alias=AliasChoices("CREDIT_OCR_LLM_API_KEY", "OPENAI_API_KEY"),
        description="API key (OpenAI). Local servers ignore it.",
    )
    llm_timeout: float = Field(30.0, description="Seconds before one LLM call times out.")
    llm_client_retries: int = Field(
        0, description="Retries inside the openai client (Celery retries instead)."
    )

    # --- limits on input ---------------------------------------------------------------------
    max_file_bytes: int = Field(20 * 1024 * 1024, description="Largest upload accepted, in bytes.")
    max_pages: int = Field(20, description="Most pages read from one PDF.")
    max_pixels: int = Field(60_000_000, description="Most pixels of one page or image (decompression bombs).")
    ocr_dpi: int = Field(
        150,
        description="Resolution at which PDF pages are rasterized (150: same accuracy as 200, 25% less CPU).",
    )
    ocr_psm: int = Field(6, description="Tesseract page segmentation mode.")
    ocr_lang: str = Field(
        "eng+deu",
        description="Tesseract language(s): English forms, German names and addresses (ä, ö, ü, ß); "
        "`eng` alone reads about 10% faster and no umlauts.",
    )
    ocr_engine: Literal["tesserocr", "pytesseract"] = Field(
        "tesserocr",
        description="tesserocr: tesseract loaded once per process (the pipeline); pytesseract: the tesseract "
        "program run for every page. The old names library/auto and cli are accepted.",
    )
    tesseract_program: str = Field(
        "tesseract",
        description="The tesseract program that `ocr_engine=pytesseract` runs: a name on PATH or a path.",
    )
    tessdata: Path | None = Field(
        None,
        description="Folder with tesseract's <lang>.traineddata models. Default: TESSDATA_PREFIX, else where "
        "the tesseract-ocr packages put them (e.g. /usr/share/tesseract-ocr/5/tessdata).",
    )
    ocr_memory_mb: int = Field(
        1024,
        description="Address-space limit of an OCR worker process above its loaded model, in MiB (0: none).",
    )
    use_text_layer: bool = Field(True, description="Read a complete PDF text layer instead of OCR.")

    @field_validator("database_url")
    @classmethod
    def _postgres_scheme(cls, value: str | None) -> str | None:
        """``postgres://`` (Heroku's, Docker's) is PostgreSQL to everyone but SQLAlchemy: say it its way."""
        if value and value.startswith("postgres://"):
            return "postgresql://" + value.removeprefix("postgres://")
        return value

    @field_validator("ocr_engine", mode="before")
    @classmethod
    def _engine_alias(cls, value: Any) -> Any:
        """The engine's old names: ``library``/``auto`` (tesserocr now), ``cli`` (the program per page)."""
        return {"library": "tesserocr", "auto": "tesserocr", "cli": "pytesseract"}.get(value, value)

    # --- Celery reliability ------------------------------------------------------------------
    task_max_retries: int = Field(5, description="Retries of a transient error before a document fails.")
    retry_backoff_max: int = Field(60, description="Longest wait between retries, seconds.")
    max_attempts: int = Field(8, description="Deliveries of one stage before the document fails for good.")
    soft_time_limit: int = Field(240, description="Soft time limit of a task, seconds.")
    time_limit: int = Field(300, description="Hard time limit of a task, seconds.")
    visibility_timeout: int = Field(
        600, description="Seconds before an unacknowledged message is redelivered (above time_limit)."
    )
    worker_max_tasks_per_child: int = Field(
        1000,
        description="Recycle a worker process after N tasks (each recycle can hold one queued task ~4 s).",
    )
    worker_max_memory_per_child: int = Field(
        800_000, description="Recycle a worker process above this resident memory, KiB."
    )
    reconcile_after: int = Field(
        900, description="A non-terminal document untouched this long (seconds) is re-enqueued."
    )
    reconcile_interval: int = Field(60, description="Seconds between periodic reconciler runs (beat).")

    # --- watching ----------------------------------------------------------------------------
    sla_seconds: float = Field(120.0, description="Documents not terminal after this are flagged.")
    notify_url: str | None = Field(None, description="Receives a JSON POST per finished document and batch.")
    flower_port: int = Field(5555, description="Port of Flower started by `services up --flower`.")

    # --- derived -----------------------------------------------------------------------------
    @property
    def home_dir(self) -> Path:
        """The state folder as an absolute path, created on first use."""
        home = self.home.expanduser()
        path = (home if home.is_absolute() else PROJECT_ROOT / home).resolve()
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def db_url(self) -> str:
        """The database URL in force: the user's, or SQLite in the home folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home_dir / 'credit_ocr.db'}"

    @property
    def blob_dir(self) -> Path:
        return self.home_dir / "blobs"

    @property
    def log_dir(self) -> Path:
        path = self.home_dir / "logs"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def services_state(self) -> dict:
        """What ``credit-ocr services up`` recorded (empty when nothing was started)."""
        path = self.home_dir / SERVICES_FILE
        try:
            return json.loads(path.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    @property
    def broker(self) -> str:
        """The broker URL in force: the user's, or the embedded redis-server's."""
        if self.broker_url:
            return with_tls_defaults(self.broker_url)
        redis = self.services_state().get("redis")
        if redis and redis.get("url"):
            return redis["url"]
        raise ConfigurationError(
            "No broker: the kit's own Redis is not running. Start it with `credit-ocr services up` "
            "(or `credit_ocr.runtime.services.up()` in a notebook), or set CREDIT_OCR_BROKER_URL=redis://host:6379/0."
        )

    @property
    def backend(self) -> str:
        return with_tls_defaults(self.result_backend) or self.broker

    @property
    def azure_conn(self) -> str | None:
        """The Azure connection string in force: the user's, or the embedded Azurite's."""
        if self.azure_connection_string:
            return self.azure_connection_string.get_secret_value()
        azurite = self.services_state().get("azurite")
        if azurite and azurite.get("connection_string"):
            return azurite["connection_string"]
        return None


@lru_cache(maxsize=1)
def _settings_from_environment() -> Settings:
    return Settings()


#: The changes of the :func:`override_settings` blocks in force, innermost last (process-wide: the threads
#: of a live feed or a worker pool see the same settings as the code that started them).
_overrides: list[dict[str, Any]] = []
_in_force: Settings | None = None


def get_settings() -> Settings:
    """The settings in force: the environment's (read once), with any :func:`override_settings` on top."""
    global _in_force
    if not _overrides:
        return _settings_from_environment()
    if _in_force is None:
        changes = {name: value for layer in _overrides for name, value in layer.items()}
        _in_force = Settings.model_validate({**_settings_from_environment().model_dump(), **changes})
    return _in_force


def reset_settings() -> None:
    """Read the environment again (after it changed); overrides in force stay on top. What was built from
    the old settings (the database engine, the blob store, the Redis client) is keyed by the values it
    was built from, so it is rebuilt on next use when they changed."""
    global _in_force
    _settings_from_environment.cache_clear()
    _in_force = None


@contextmanager
def override_settings(**changes: Any) -> Iterator[Settings]:
    """Run a block with some settings changed in this process: the one way tests, the bench and the
    lessons change settings (child processes get them through :func:`settings_env`)."""
    global _in_force
    _overrides.append(changes)
    _in_force = None
    try:
        yield get_settings()
    finally:
        _overrides.pop(next(i for i, layer in enumerate(_overrides) if layer is changes))
        _in_force = None


def settings_env(settings: Settings | None = None) -> dict[str, str]:
    """The ``CREDIT_OCR_*`` variables that give a child process (a worker, a server) these settings."""
    settings = settings or get_settings()
    env: dict[str, str] = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        elif name == "home":
            value = settings.home_dir  # absolute: the child may start in another folder
        env[f"CREDIT_OCR_{name.upper()}"] = str(value)
    return env


def with_tls_defaults(url: str | None) -> str | None:
    """A ``rediss://`` URL with ``ssl_cert_reqs=required`` unless it says otherwise.

    TLS to Redis (``rediss://``, e.g. Azure Cache for Redis) verifies the server's certificate by
    default; add ``ssl_ca_certs=/path/ca.pem`` for a private CA, or ``ssl_cert_reqs=none`` to opt out
    knowingly. (Celery's result backend refuses a ``rediss://`` URL that does not say it.)
    """
    if not url or not url.startswith("rediss://") or "ssl_cert_reqs=" in url:
        return url
    return url + ("&" if "?" in url else "?") + "ssl_cert_reqs=required"


def redacted(url: str | None) -> str | None:
    """A URL with its password replaced by ``***``: safe to print or log."""
    if not url:
        return url
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def cpu_count() -> int:
    """Cores this process may use (respects affinity and containers)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)

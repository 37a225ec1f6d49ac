"""`credit-ocr doctor`: every part the kit needs, checked, with the command that fixes what is wrong.

The original course's "Common Issues & Solutions" page, made executable.
"""

from __future__ import annotations

import importlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass

import pytesseract
import redis
import tesserocr
from sqlalchemy import text

from credit_ocr.config import ConfigurationError, get_settings, redacted
from credit_ocr.pipeline.workers import ping_workers, queue_lengths
from credit_ocr.reading import ocr
from credit_ocr.runtime.services import install_hint
from credit_ocr.state.db import get_engine
from credit_ocr.state.storage import get_blob_store


@dataclass(frozen=True)
class Check:
    """One part checked: ``fix`` is the command that repairs it; a failed ``required`` check fails doctor."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True


PYTHON_PACKAGES = [
    "celery", "redis", "sqlalchemy", "pydantic_settings", "azure.storage.blob",
    "pypdfium2", "PIL", "tesserocr", "pytesseract", "openai", "pandas", "matplotlib", "ipywidgets", "tqdm",
]  # fmt: skip


def check_python_packages() -> Check:
    missing = []
    for name in PYTHON_PACKAGES:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        return Check(
            "python packages",
            False,
            "missing: " + ", ".join(missing),
            "pip install -e '.[dev]'  (or: make .venv)",
        )
    return Check("python packages", True, f"{len(PYTHON_PACKAGES)} importable")


def check_tesseract() -> Check:
    if not shutil.which("tesseract"):
        return Check("tesseract", False, "not on PATH", install_hint("tesseract"))
    langs = pytesseract.get_languages()
    first = f"tesseract {pytesseract.get_tesseract_version()}"
    wanted = get_settings().ocr_lang.split("+")
    lacking = [lang for lang in wanted if lang not in langs]
    if lacking:
        return Check(
            "tesseract", False, f"{first}; languages {langs}, missing {lacking}",
            f"sudo apt-get install -y {' '.join('tesseract-ocr-' + lang for lang in lacking)}",
        )  # fmt: skip
    settings = get_settings()
    try:
        models = ocr.tessdata_dir(settings)
    except ocr.OcrUnavailable as exc:
        return Check("tesseract", False, f"{first}; {exc}", "sudo apt-get install -y tesseract-ocr-eng")
    library = tesserocr.tesseract_version().split()[1]
    engine = (
        f"engine: tesserocr (libtesseract {library}, loaded once per process; models in {models})"
        if settings.ocr_engine == "tesserocr"
        else "engine: the program, one run per page (pytesseract)"
    )
    return Check("tesseract", True, f"{first}; languages: {', '.join(langs)}; {engine}")


def check_redis_server() -> Check:
    path = shutil.which("redis-server")
    if not path:
        return Check("redis-server", False, "not on PATH", install_hint("redis-server"))
    return Check("redis-server", True, path)


def check_broker() -> Check:
    settings = get_settings()
    try:
        url = settings.broker
    except ConfigurationError as exc:
        return (
            Check("broker (redis)", False, "not running", "credit-ocr services up", required=False)
            if not settings.broker_url
            else Check("broker (redis)", False, str(exc), "credit-ocr services up")
        )
    try:
        redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return Check(
            "broker (redis)",
            False,
            f"{redacted(url)}: {exc}",
            "credit-ocr services up  (or fix CREDIT_OCR_BROKER_URL)",
        )
    return Check("broker (redis)", True, f"{redacted(url)} answers PING")


def check_database() -> Check:
    url = get_settings().db_url
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure is the answer
        return Check("database", False, f"{redacted(url)}: {exc.__class__.__name__}: {str(exc).splitlines()[0]}",
                     "check CREDIT_OCR_DATABASE_URL, or unset it for SQLite")  # fmt: skip
    return Check("database", True, f"{redacted(url)} (schema ready)")


def check_blob_store() -> Check:
    try:
        store = get_blob_store()
        store.put("doctor/probe.txt", b"ok")
        ok = store.get("doctor/probe.txt") == b"ok"
        store.delete("doctor/probe.txt")
    except Exception as exc:  # noqa: BLE001
        return Check("blob storage", False, f"{exc.__class__.__name__}: {exc}",
                     "credit-ocr services up --azurite, or check CREDIT_OCR_AZURE_CONNECTION_STRING")  # fmt: skip
    return Check("blob storage", ok, repr(store))


def check_workers() -> Check:
    """Workers answering a ping, and the length of each queue."""
    try:
        answering = ping_workers(timeout=1.0)
        lengths = queue_lengths()
    except Exception as exc:  # noqa: BLE001
        return Check(
            "workers", False, f"{exc.__class__.__name__}: {exc}", "credit-ocr services up", required=False
        )
    queues = ", ".join(f"{q}={n}" for q, n in lengths.items())
    if not answering:
        return Check(
            "workers",
            False,
            f"none answering; queued: {queues}",
            "credit-ocr worker --queues ocr,llm",
            required=False,
        )
    return Check(
        "workers",
        True,
        f"{len(answering)} answering ({', '.join(answering)}); queued: {queues}",
        required=False,
    )


CHECKS: list[Callable[[], Check]] = [
    check_python_packages, check_tesseract, check_redis_server, check_broker, check_database,
    check_blob_store, check_workers,
]  # fmt: skip


def run_checks() -> list[Check]:
    """Run every check; one failing never stops the others."""
    results = []
    for check in CHECKS:
        try:
            results.append(check())
        except Exception as exc:  # noqa: BLE001
            results.append(
                Check(check.__name__.removeprefix("check_"), False, f"{exc.__class__.__name__}: {exc}")
            )
    return results

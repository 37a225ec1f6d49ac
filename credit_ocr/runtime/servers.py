"""The servers the kit runs for itself: redis-server, Azurite and Flower, each a :class:`ChildProcess`.

Tests and fault experiments start throwaway instances with :func:`start_redis` / :func:`start_azurite`
(they may kill and restart them); ``credit-ocr services up`` starts the recorded ones
(:mod:`credit_ocr.runtime.services`).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import redis

from credit_ocr.config import PROJECT_ROOT, get_settings
from credit_ocr.runtime.processes import ServerProcess, ServiceError, free_port, python_module, require_binary

#: Azurite's documented development account (public, the same in every Azurite).
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


@dataclass
class RedisServer(ServerProcess):
    """A redis-server: ready when it answers PING (a listening port is not yet a loaded server)."""

    password: str | None = None

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}{self.host}:{self.port}/0"

    def ready(self) -> bool:
        client = redis.Redis(host=self.host, port=self.port, password=self.password, socket_timeout=1)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def record(self) -> dict:
        return {**super().record(), "url": self.url}


@dataclass
class AzuriteServer(ServerProcess):
    """Azurite's blob service: ready when its port accepts connections."""

    @property
    def connection_string(self) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
            f"BlobEndpoint=http://{self.host}:{self.port}/{AZURITE_ACCOUNT};"
        )

    def record(self) -> dict:
        return {**super().record(), "connection_string": self.connection_string}


def start_redis(
    port: int | None = None,
    *,
    folder: Path | None = None,
    password: str | None = None,
    host: str = "127.0.0.1",
    name: str = "redis",
) -> RedisServer:
    """Start a private redis-server (no persistence) and wait until it answers PING."""
    binary = require_binary("redis-server")
    port = port or free_port(host)
    folder = Path(folder or get_settings().home_dir / "redis")
    folder.mkdir(parents=True, exist_ok=True)
    argv = [
        binary,
        "--port",
        str(port),
        "--bind",
        host,
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(folder),
    ]
    argv += ["--protected-mode", "no" if password else "yes"]
    if password:
        argv += ["--requirepass", password]
    server = RedisServer(
        name=name, argv=argv, log_path=folder / f"redis-{port}.log", host=host, port=port, password=password
    )
    server.start(timeout=20)
    return server


def azurite_binary() -> str:
    """``node_modules/.bin/azurite-blob`` of the checkout (run directly: npx's child outlives a kill)."""
    # The checkout the package runs from too: the CLI may be started from any folder.
    for root in (PROJECT_ROOT, Path.cwd(), Path(__file__).resolve().parents[2]):
        candidate = root / "node_modules" / ".bin" / "azurite-blob"
        if candidate.exists():
            return str(candidate)
    found = shutil.which("azurite-blob")
    if found:
        return found
    raise ServiceError(
        "Azurite is not installed: run `npm install` in the checkout (it reads package.json), "
        "which puts node_modules/.bin/azurite-blob in place. Node.js comes from `apt-get install nodejs npm`."
    )


def start_azurite(
    port: int | None = None, *, folder: Path | None = None, host: str = "127.0.0.1"
) -> AzuriteServer:
    """Start a private Azurite blob service (its data under ``folder``) and wait until it listens."""
    binary = azurite_binary()
    port = port or free_port(host)
    folder = Path(folder or get_settings().home_dir / "azurite")
    folder.mkdir(parents=True, exist_ok=True)
    argv = [
        binary, "--blobHost", host, "--blobPort", str(port), "--location", str(folder),
        "--skipApiVersionCheck", "--disableTelemetry", "--silent", "--loose",
    ]  # fmt: skip
    server = AzuriteServer(
        name="azurite", argv=argv, log_path=folder / f"azurite-{port}.log", host=host, port=port
    )
    server.start(timeout=30)
    return server


def start_flower(
    broker_url: str, port: int, *, folder: Path | None = None, host: str = "127.0.0.1"
) -> ServerProcess:
    """Start Flower against a broker. Its HTTP API is opened on purpose (FLOWER_UNAUTHENTICATED_API):
    it binds to loopback only; set ``--basic-auth`` in compose before exposing it anywhere else."""
    folder = Path(folder or get_settings().log_dir)
    argv = python_module(
        "celery", "flower", f"--address={host}", f"--port={port}", "--persistent=False",
        "--purge_offline_workers=60",
    )  # fmt: skip
    # The broker URL goes by environment, not argv: a password in it would show in `ps` otherwise.
    env = {**os.environ, "FLOWER_UNAUTHENTICATED_API": "true", "CELERY_BROKER_URL": broker_url}
    server = ServerProcess(
        name="flower", argv=argv, log_path=folder / "flower.log", env=env, host=host, port=port
    )
    server.start(timeout=30)
    return server

"""The kit's embedded services as a user runs them: ``credit-ocr services up|down|status``.

``up()`` starts the kit's own redis-server (and Azurite, Flower when asked) on free loopback ports and
records them in ``CREDIT_OCR_HOME/services.json`` so that every later command, worker and notebook finds
them; the servers outlive the command that started them. ``down()`` stops only what ``up()`` recorded,
by pid, and only while that pid still runs the program it started. The servers themselves are in
:mod:`credit_ocr.runtime.servers`, the way every child process is started in
:mod:`credit_ocr.runtime.processes`; their names are re-exported here for notebooks and tests.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import psutil
import redis

from credit_ocr.config import SERVICES_FILE, Settings, get_settings, redacted, reset_settings
from credit_ocr.runtime.processes import (
    ChildProcess,
    ServerProcess,
    ServiceError,
    free_port,
    install_hint,
    pid_alive,
    port_open,
    require_binary,
)
from credit_ocr.runtime.servers import (
    AZURITE_ACCOUNT,
    AZURITE_KEY,
    AzuriteServer,
    RedisServer,
    azurite_binary,
    start_azurite,
    start_flower,
    start_redis,
)

__all__ = [
    "AZURITE_ACCOUNT", "AZURITE_KEY", "AzuriteServer", "ChildProcess", "RedisServer", "ServerProcess",
    "ServiceError", "ServiceStatus", "azurite_binary", "down", "free_port", "install_hint", "pid_alive",
    "port_open", "require_binary", "start_azurite", "start_flower", "start_redis", "status", "up",
]  # fmt: skip


def _write_state(settings: Settings, state: dict) -> None:
    path = settings.home_dir / SERVICES_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2))
    os.replace(tmp, path)


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    address: str
    answers: bool
    started_by_kit: bool
    detail: str = ""


def _redis_answers(url: str | None) -> bool:
    try:
        return bool(redis.Redis.from_url(url or "", socket_timeout=1, socket_connect_timeout=1).ping())
    except (redis.RedisError, ValueError):
        return False


def _serves(rec: dict | None) -> bool:
    """Whether a recorded server still runs and accepts connections on its port."""
    return bool(rec and pid_alive(rec.get("pid")) and port_open(rec["host"], rec["port"]))


def up(*, azurite: bool = False, flower: bool = False, settings: Settings | None = None) -> dict:
    """Start what is not running yet (idempotent) and record it; returns the recorded state."""
    settings = settings or get_settings()
    state = settings.services_state()
    changed = False
    if not settings.broker_url:
        rec = state.get("redis")
        if not (rec and pid_alive(rec.get("pid")) and _redis_answers(rec.get("url"))):
            state["redis"] = start_redis(folder=settings.home_dir / "redis").record()
            changed = True
    if azurite and not settings.azure_connection_string and not _serves(state.get("azurite")):
        state["azurite"] = start_azurite(folder=settings.home_dir / "azurite").record()
        changed = True
    if flower and not _serves(state.get("flower")):
        server = _start_flower(settings, settings.broker_url or state["redis"]["url"])
        state["flower"] = {**server.record(), "url": f"http://127.0.0.1:{server.port}"}
        changed = True
    if changed:
        _write_state(settings, state)
        reset_settings()  # the broker and blob store in force may have changed
    return state


def _start_flower(settings: Settings, broker: str) -> ServerProcess:
    """Flower on its usual port when that is free, else on any free one; a port another kit took between
    the look and the start (two notebooks starting Flower at once) is given up for a free one."""
    port = settings.flower_port if not port_open("127.0.0.1", settings.flower_port) else free_port()
    try:
        return start_flower(broker, port, folder=settings.log_dir)
    except ServiceError as exc:
        if "Address already in use" not in str(exc):
            raise  # it failed for a reason of its own, not for the port
        return start_flower(broker, free_port(), folder=settings.log_dir)


def _still_ours(pid: int | None, name: str) -> bool:
    """Whether ``pid`` still runs the program ``up()`` started, not an unrelated one that reused the pid."""
    if not pid_alive(pid):
        return False
    try:
        cmdline = " ".join(psutil.Process(pid).cmdline())
    except psutil.Error:
        return True  # its command line is not ours to read: trust the recorded pid
    return {"redis": "redis-server", "azurite": "azurite", "flower": "flower"}.get(name, name) in cmdline


def down(*, settings: Settings | None = None, only: set[str] | None = None) -> list[str]:
    """Stop the services that :func:`up` recorded (never anything else); returns their names."""
    settings = settings or get_settings()
    state = settings.services_state()
    stopped = []
    for name in ("flower", "azurite", "redis"):
        rec = state.get(name)
        if not rec or (only and name not in only):
            continue
        if _still_ours(rec.get("pid"), name):  # after a reboot the pid may be someone else's
            ChildProcess(name=name, argv=[], log_path=Path(rec["log"]), pid=rec["pid"]).stop(timeout=10)
        stopped.append(name)
        state.pop(name)
    _write_state(settings, state)
    reset_settings()
    return stopped


def status(settings: Settings | None = None) -> list[ServiceStatus]:
    """Each service the kit uses, with its address and whether it answers now."""
    settings = settings or get_settings()
    state = settings.services_state()
    out: list[ServiceStatus] = []
    if settings.broker_url:
        ok = _redis_answers(settings.broker_url)
        out.append(
            ServiceStatus("redis", redacted(settings.broker_url) or "", ok, False, "CREDIT_OCR_BROKER_URL")
        )
    elif "redis" in state:
        rec = state["redis"]
        out.append(
            ServiceStatus("redis", rec["url"], _redis_answers(rec.get("url")), True, f"pid {rec['pid']}")
        )
    else:
        out.append(ServiceStatus("redis", "-", False, False, "not started: run `credit-ocr services up`"))
    for name in ("azurite", "flower"):
        rec = state.get(name)
        if rec:
            address = rec.get("url") or f"http://{rec['host']}:{rec['port']}"  # Flower records its URL
            answers = port_open(rec["host"], rec["port"])
            out.append(ServiceStatus(name, address, answers, True, f"pid {rec['pid']}"))
    return out

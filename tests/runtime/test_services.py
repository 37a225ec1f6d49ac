"""`credit-ocr services up|status|down` as a user runs them: separate processes, a private home."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from credit_ocr.config import Settings
from credit_ocr.runtime import services
from credit_ocr.runtime.processes import ServerProcess, ServiceError, free_port, python_module

pytestmark = [pytest.mark.services, pytest.mark.redis]


def cli_env(home: Path, **extra: str) -> dict[str, str]:
    """The user's environment without any kit setting, and a home of the test's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDIT_OCR_")}
    env.pop("AZURE_STORAGE_CONNECTION_STRING", None)
    env["CREDIT_OCR_HOME"] = str(home)
    env.update(extra)
    return env


def run_cli(*args: str, home: Path, cwd: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "credit_ocr", *args],
        env=cli_env(home, **extra),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=90,
    )


def recorded(home: Path) -> dict:
    path = home / "services.json"
    return json.loads(path.read_text()) if path.exists() else {}


def status_json(home: Path, cwd: Path) -> dict[str, dict]:
    out = run_cli("services", "status", "--json", home=home, cwd=cwd)
    assert out.returncode == 0, out.stderr
    return {row["name"]: row for row in json.loads(out.stdout)}


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    """A private CREDIT_OCR_HOME; whatever a failed test left running there is stopped."""
    path = tmp_path / "var"
    yield path
    services.down(settings=Settings(home=path))


def test_up_status_down(home: Path, tmp_path: Path) -> None:
    before = status_json(home, tmp_path)
    assert before["redis"]["answers"] is False and "services up" in before["redis"]["detail"]

    up = run_cli("services", "up", home=home, cwd=tmp_path)
    assert up.returncode == 0, up.stderr
    assert "redis" in up.stdout and "answers" in up.stdout
    state = json.loads((home / "services.json").read_text())
    pid, url = state["redis"]["pid"], state["redis"]["url"]
    assert url.startswith("redis://127.0.0.1:")
    assert redis.Redis.from_url(url).ping()
    assert Settings(home=home).broker == url  # every later command finds it
    row = status_json(home, tmp_path)["redis"]
    assert (row["answers"], row["started_by_kit"], row["address"]) == (True, True, url)

    again = run_cli("services", "up", home=home, cwd=tmp_path)  # idempotent: the same server
    assert again.returncode == 0, again.stderr
    assert json.loads((home / "services.json").read_text())["redis"]["pid"] == pid

    down = run_cli("services", "down", home=home, cwd=tmp_path)
    assert down.returncode == 0, down.stderr
    assert "stopped: redis" in down.stdout
    assert not services.pid_alive(pid)
    assert status_json(home, tmp_path)["redis"]["answers"] is False
    assert "nothing was running" in run_cli("services", "down", home=home, cwd=tmp_path).stdout


def test_down_stops_only_what_up_started(home: Path, tmp_path: Path) -> None:
    mine = services.start_redis(folder=tmp_path / "separate")
    try:
        assert run_cli("services", "up", home=home, cwd=tmp_path).returncode == 0
        assert run_cli("services", "down", home=home, cwd=tmp_path).returncode == 0
        assert mine.alive()
        assert redis.Redis.from_url(mine.url).ping()
    finally:
        mine.stop()


def test_user_broker_is_used_not_started(
    home: Path, tmp_path: Path, redis_server: services.RedisServer
) -> None:
    up = run_cli("services", "up", home=home, cwd=tmp_path, CREDIT_OCR_BROKER_URL=redis_server.url)
    assert up.returncode == 0, up.stderr
    assert "redis" not in recorded(home)
    rows = status_json_with(home, tmp_path, CREDIT_OCR_BROKER_URL=redis_server.url)
    assert rows["redis"]["answers"] is True and rows["redis"]["started_by_kit"] is False


def status_json_with(home: Path, cwd: Path, **extra: str) -> dict[str, dict]:
    out = run_cli("services", "status", "--json", home=home, cwd=cwd, **extra)
    assert out.returncode == 0, out.stderr
    return {row["name"]: row for row in json.loads(out.stdout)}


@pytest.mark.azurite
def test_up_with_azurite_switches_storage(home: Path, tmp_path: Path) -> None:
    try:
        services.azurite_binary()
    except services.ServiceError as exc:
        pytest.skip(str(exc))
    up = run_cli("services", "up", "--azurite", home=home, cwd=tmp_path)
    assert up.returncode == 0, up.stderr
    rows = status_json(home, tmp_path)
    assert rows["redis"]["answers"] and rows["azurite"]["answers"]
    state = json.loads((home / "services.json").read_text())
    conn = Settings(home=home).azure_conn
    assert conn == state["azurite"]["connection_string"] and "devstoreaccount1" in conn
    from credit_ocr.state.storage import AzureBlobStore

    store = AzureBlobStore(conn, "documents", Settings().azure_api_version)
    store.put("documents/probe.pdf", b"%PDF")
    assert store.get("documents/probe.pdf") == b"%PDF"
    down = run_cli("services", "down", home=home, cwd=tmp_path)
    assert down.returncode == 0 and "azurite" in down.stdout and "redis" in down.stdout
    assert not services.pid_alive(state["azurite"]["pid"])
    assert not services.pid_alive(state["redis"]["pid"])


def test_missing_redis_server_names_the_install_command(home: Path, tmp_path: Path) -> None:
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    out = run_cli("services", "up", home=home, cwd=tmp_path, PATH=str(empty_bin))
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    for hint in (
        "apt-get install -y redis-server",
        "brew install redis",
        "conda install -c conda-forge redis-server",
    ):
        assert hint in out.stderr, out.stderr
    assert "redis" not in recorded(home)


def test_start_redis_with_a_password(tmp_path: Path) -> None:
    with services.start_redis(folder=tmp_path, password="s3cret") as server:
        assert server.url == f"redis://:s3cret@127.0.0.1:{server.port}/0"
        assert redis.Redis.from_url(server.url).ping()
        with socket.create_connection((server.host, server.port), timeout=5) as raw:  # no password
            raw.sendall(b"PING\r\n")
            assert raw.recv(100).startswith(b"-NOAUTH")
    assert not server.alive()


def test_down_leaves_a_reused_pid_alone(home: Path, tmp_path: Path) -> None:
    """After a reboot the recorded pid may belong to an unrelated process: `down` must not kill it."""
    stranger = subprocess.Popen(["sleep", "60"])
    try:
        home.mkdir(parents=True)
        (home / "services.json").write_text(
            json.dumps({"redis": {"name": "redis", "pid": stranger.pid, "host": "127.0.0.1", "port": 1,
                                  "log": str(tmp_path / "x.log"), "url": "redis://127.0.0.1:1/0"}})
        )  # fmt: skip
        down = run_cli("services", "down", home=home, cwd=tmp_path)
        assert down.returncode == 0, down.stderr
        assert stranger.poll() is None  # still running
        assert recorded(home) == {}  # and forgotten
    finally:
        stranger.kill()
        stranger.wait()


def test_a_server_is_ready_only_when_it_is_what_listens(tmp_path: Path) -> None:
    """Two servers started on one port at the same moment: the second cannot bind and must not take the
    first one's answer for its own (two notebooks starting Flower on 5555 at once)."""
    port = free_port()
    argv = python_module("http.server", str(port), "--bind", "127.0.0.1")
    first = ServerProcess(name="first", argv=argv, log_path=tmp_path / "first.log", port=port)
    first.start(timeout=20)
    try:
        second = ServerProcess(name="second", argv=argv, log_path=tmp_path / "second.log", port=port)
        with pytest.raises(ServiceError):
            second.start(timeout=20)
        assert not second.alive() and first.ready()
    finally:
        first.stop()


def test_flower_gives_up_a_port_another_took_between_the_look_and_the_start(home: Path) -> None:
    """The usual port looked free (nothing answers on it) but cannot be bound when Flower starts (another
    kit's Flower took it that moment): Flower comes up on a free port instead, and says which."""
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))  # bound, not listening: it looks free and cannot be bound again
    try:
        port = taken.getsockname()[1]
        state = services.up(flower=True, settings=Settings(home=home, flower_port=port))
        flower = state["flower"]
        assert flower["port"] != port and flower["url"] == f"http://127.0.0.1:{flower['port']}"
        assert services.port_open("127.0.0.1", flower["port"])
    finally:
        taken.close()

"""Embedded local services: the kit's own redis-server, and Azurite and Flower when asked.

``up()`` starts them on free loopback ports and records them in ``CREDIT_OCR_HOME/services.json`` so that
every later command, worker and notebook finds them; ``down()`` stops only what ``up()`` started. Tests
and fault experiments use :func:`start_redis` / :func:`start_azurite` directly to get throwaway
instances that they may kill and restart without touching anything the user runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from credit_ocr.config import PROJECT_ROOT, SERVICES_FILE, Settings, get_settings, redacted

#: Azurite's documented development account (public, the same in every Azurite).
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


class ServiceError(RuntimeError):
    """A service could not be started or found; the message names the fix."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child of ours counts as gone
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return True


def install_hint(program: str) -> str:
    pkgs = {
        "redis-server": ("redis-server", "redis", "redis-server"),
        "tesseract": ("tesseract-ocr", "tesseract", "tesseract"),
        "node": ("nodejs npm", "node", "nodejs"),
    }
    apt, brew, conda = pkgs.get(program, (program, program, program))
    return (
        f"`{program}` is not installed. Install it with `sudo apt-get install -y {apt}` (Debian/Ubuntu), "
        f"`brew install {brew}` (macOS) or `conda install -c conda-forge {conda}`; `make demo` does this for you."
    )


def require_binary(program: str) -> str:
    path = shutil.which(program)
    if not path:
        raise ServiceError(install_hint(program))
    return path


@dataclass
class ServiceProcess:
    """A server process the kit started: its address, and the means to stop or restart it."""

    name: str
    argv: list[str]
    host: str
    port: int
    log_path: Path
    env: dict[str, str] | None = None
    process: subprocess.Popen | None = field(default=None, repr=False)
    pid: int | None = None

    def start(self, wait: float = 20.0) -> ServiceProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child
        env = {**os.environ, **(self.env or {})}
        # A new session: the server outlives the command that started it, and a kill of the
        # command's process group (Ctrl-C in a notebook) does not take it down.
        self.process = subprocess.Popen(
            self.argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        log.close()
        self.pid = self.process.pid
        try:
            self.wait_answering(wait)
        except ServiceError:
            self.kill()  # never leave a server running that nobody tracks
            raise
        return self

    def answers(self) -> bool:
        return port_open(self.host, self.port)

    def wait_answering(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.answers():
                return
            if self.process is not None and self.process.poll() is not None:
                tail = self.log_path.read_text(errors="replace")[-800:] if self.log_path.exists() else ""
                raise ServiceError(f"{self.name} exited at start (code {self.process.returncode}):\n{tail}")
            time.sleep(0.05)
        raise ServiceError(
            f"{self.name} did not answer on {self.host}:{self.port} within {timeout:.0f}s; see {self.log_path}"
        )

    def alive(self) -> bool:
        if self.process is not None:
            return self.process.poll() is None
        return pid_alive(self.pid)

    def _signal(self, sig: int) -> None:
        if self.pid and self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, sig)

    def _reap(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.process.wait(timeout=0.05)
            if not self.alive():
                return True
            time.sleep(0.05)
        return not self.alive()

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL after ``timeout``."""
        self._signal(signal.SIGTERM)
        if not self._reap(timeout):
            self.kill()

    def kill(self) -> None:
        """SIGKILL: a crash, for fault tests."""
        self._signal(signal.SIGKILL)
        self._reap(5.0)

    def restart(self, down_for: float = 0.0) -> None:
        """Kill and start again on the same port (a service outage of ``down_for`` seconds)."""
        self.kill()
        time.sleep(down_for)
        self.start()

    def record(self) -> dict:
        return {
            "name": self.name,
            "pid": self.pid,
            "host": self.host,
            "port": self.port,
            "log": str(self.log_path),
        }

    def __enter__(self) -> ServiceProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class RedisServer(ServiceProcess):
    password: str | None = None

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}{self.host}:{self.port}/0"

    def answers(self) -> bool:
        import redis

        try:
            return bool(
                redis.Redis(host=self.host, port=self.port, password=self.password, socket_timeout=1).ping()
            )
        except redis.RedisError:
            return False

    def record(self) -> dict:
        return {**super().record(), "url": self.url}


@dataclass
class AzuriteServer(ServiceProcess):
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
        name=name, argv=argv, host=host, port=port, log_path=folder / f"redis-{port}.log", password=password
    )
    return server.start()  # type: ignore[return-value]


def azurite_binary() -> str:
    """``node_modules/.bin/azurite-blob`` of the checkout (run directly: npx's child outlives a kill)."""
    # The checkout the package runs from too: the CLI may be started from any folder.
    for root in (PROJECT_ROOT, Path.cwd(), Path(__file__).resolve().parents[1]):
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
        name="azurite", argv=argv, host=host, port=port, log_path=folder / f"azurite-{port}.log"
    )
    return server.start(wait=30)  # type: ignore[return-value]


def start_flower(
    broker_url: str, port: int, *, folder: Path | None = None, host: str = "127.0.0.1"
) -> ServiceProcess:
    """Start Flower against a broker. Its HTTP API is opened on purpose (FLOWER_UNAUTHENTICATED_API):
    it binds to loopback only; set ``--basic-auth`` in compose before exposing it anywhere else."""
    folder = Path(folder or get_settings().log_dir)
    argv = [
        sys.executable, "-m", "celery", "flower",
        f"--address={host}", f"--port={port}", "--persistent=False", "--purge_offline_workers=60",
    ]  # fmt: skip
    # The broker URL goes by environment, not argv: a password in it would show in `ps` otherwise.
    server = ServiceProcess(
        name="flower", argv=argv, host=host, port=port, log_path=folder / "flower.log",
        env={"FLOWER_UNAUTHENTICATED_API": "true", "CELERY_BROKER_URL": broker_url},
    )  # fmt: skip
    return server.start(wait=30)


# --------------------------------------------------------------------------------------------
# The recorded embedded services (services.json)


def _state_path(settings: Settings) -> Path:
    return settings.home_dir / SERVICES_FILE


def _write_state(settings: Settings, state: dict) -> None:
    path = _state_path(settings)
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


def _recorded_redis_answers(rec: dict) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(rec["url"], socket_timeout=1, socket_connect_timeout=1).ping())
    except (redis.RedisError, KeyError, ValueError):
        return False


def up(*, azurite: bool = False, flower: bool = False, settings: Settings | None = None) -> dict:
    """Start what is not running yet (idempotent) and record it; returns the recorded state."""
    from credit_ocr.config import reset_settings

    settings = settings or get_settings()
    state = settings.services_state()
    changed = False
    if not settings.broker_url:
        rec = state.get("redis")
        if not (rec and pid_alive(rec.get("pid")) and _recorded_redis_answers(rec)):
            state["redis"] = start_redis(folder=settings.home_dir / "redis").record()
            changed = True
    if azurite and not settings.azure_connection_string:
        rec = state.get("azurite")
        if not (rec and pid_alive(rec.get("pid")) and port_open(rec["host"], rec["port"])):
            state["azurite"] = start_azurite(folder=settings.home_dir / "azurite").record()
            changed = True
    if flower:
        rec = state.get("flower")
        if not (rec and pid_alive(rec.get("pid")) and port_open(rec["host"], rec["port"])):
            port = settings.flower_port if not port_open("127.0.0.1", settings.flower_port) else free_port()
            broker = settings.broker_url or state["redis"]["url"]
            server = start_flower(broker, port, folder=settings.log_dir)
            state["flower"] = {**server.record(), "url": f"http://127.0.0.1:{port}"}
            changed = True
    if changed:
        _write_state(settings, state)
        reset_settings()  # the broker and blob store in force may have changed
    return state


def _still_ours(pid: int | None, name: str) -> bool:
    """Whether ``pid`` still runs the program ``up()`` started, not an unrelated one that reused the pid."""
    if not pid_alive(pid):
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return True  # no /proc (macOS): trust the recorded pid
    return {"redis": "redis-server", "azurite": "azurite", "flower": "flower"}.get(name, name) in cmdline


def down(*, settings: Settings | None = None, only: set[str] | None = None) -> list[str]:
    """Stop the services that :func:`up` recorded (never anything else); returns their names."""
    from credit_ocr.config import reset_settings

    settings = settings or get_settings()
    state = settings.services_state()
    stopped = []
    for name in ("flower", "azurite", "redis"):
        rec = state.get(name)
        if not rec or (only and name not in only):
            continue
        if _still_ours(rec.get("pid"), name):  # after a reboot the pid may be someone else's
            proc = ServiceProcess(
                name=name,
                argv=[],
                host=rec["host"],
                port=rec["port"],
                log_path=Path(rec["log"]),
                pid=rec["pid"],
            )
            proc.stop(timeout=10)
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
        import redis

        try:
            ok = bool(
                redis.Redis.from_url(settings.broker_url, socket_timeout=1, socket_connect_timeout=1).ping()
            )
        except redis.RedisError:
            ok = False
        out.append(
            ServiceStatus("redis", redacted(settings.broker_url) or "", ok, False, "CREDIT_OCR_BROKER_URL")
        )
    elif "redis" in state:
        rec = state["redis"]
        out.append(
            ServiceStatus("redis", rec["url"], _recorded_redis_answers(rec), True, f"pid {rec['pid']}")
        )
    else:
        out.append(ServiceStatus("redis", "-", False, False, "not started: run `credit-ocr services up`"))
    if "azurite" in state:
        rec = state["azurite"]
        out.append(
            ServiceStatus(
                "azurite",
                f"http://{rec['host']}:{rec['port']}",
                port_open(rec["host"], rec["port"]),
                True,
                f"pid {rec['pid']}",
            )
        )
    if "flower" in state:
        rec = state["flower"]
        out.append(
            ServiceStatus(
                "flower", rec["url"], port_open(rec["host"], rec["port"]), True, f"pid {rec['pid']}"
            )
        )
    return out


# --------------------------------------------------------------------------------------------
# A throwaway PostgreSQL cluster (fault experiments: a database the kit may crash and restart)


def postgres_bin_dir() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl`` (on PATH or Debian's /usr/lib/postgresql), or None."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    return None


@dataclass
class PostgresServer:
    """A private PostgreSQL cluster made by ``initdb`` in a folder of its own, driven by ``pg_ctl``.

    As root, PostgreSQL refuses to run: every command then runs as the ``postgres`` user (``runuser``)
    and the folder is given to that user.
    """

    folder: Path
    host: str
    port: int
    bin_dir: Path
    run_as: str | None = None
    allow: tuple[str, ...] = ()  # networks (CIDR) besides loopback that may connect (trust: test clusters)

    @property
    def data_dir(self) -> Path:
        return self.folder / "data"

    @property
    def log_path(self) -> Path:
        return self.folder / "postgres.log"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@{self.host}:{self.port}/postgres"

    def _run(self, *argv: str, timeout: float = 60.0) -> subprocess.CompletedProcess:
        cmd = [str(self.bin_dir / argv[0]), *argv[1:]]
        if self.run_as:
            cmd = ["runuser", "-u", self.run_as, "--", *cmd]
        result = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
        )
        if result.returncode != 0:
            raise ServiceError(
                f"PostgreSQL `{' '.join(argv[:2])}` failed (code {result.returncode}): "
                f"{(result.stderr or result.stdout).strip()[-600:]}; see {self.log_path}"
            )
        return result

    def init(self) -> PostgresServer:
        self._run("initdb", "-D", str(self.data_dir), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        if self.allow:
            hba = self.data_dir / "pg_hba.conf"
            lines = "".join(f"host all all {cidr} trust\n" for cidr in self.allow)
            with open(hba, "a") as fh:  # root may write it; the owner stays postgres
                fh.write(lines)
        return self

    def start(self, wait: float = 30.0) -> PostgresServer:
        options = f"-p {self.port} -c listen_addresses={self.host} -k {self.folder} -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_path), "-o", options, "-w",
            "-t", str(int(wait)), "start", timeout=wait + 10,
        )  # fmt: skip
        return self

    def answers(self) -> bool:
        return port_open(self.host, self.port)

    def stop(self, mode: str = "fast") -> None:
        """``fast``: clean shutdown; ``immediate``: a crash (recovery from the WAL at the next start)."""
        if (self.data_dir / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "stop")

    def kill(self) -> None:
        self.stop(mode="immediate")

    def restart(self, down_for: float = 0.0) -> None:
        """Crash and start again on the same port (committed data survives: WAL recovery)."""
        self.kill()
        time.sleep(down_for)
        self.start()

    def __enter__(self) -> PostgresServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_postgres(
    port: int | None = None,
    *,
    folder: Path | None = None,
    host: str = "127.0.0.1",
    allow: tuple[str, ...] = (),
) -> PostgresServer:
    """Make a throwaway cluster with ``initdb`` in ``folder`` and start it on a free port (trust auth).

    ``allow``: networks (CIDR) other than loopback whose clients may connect, e.g. a test's second host.
    """
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        raise ServiceError(
            "PostgreSQL's server programs (initdb, pg_ctl) are not installed: "
            "`sudo apt-get install -y postgresql` (Debian/Ubuntu) or `brew install postgresql`."
        )
    port = port or free_port(host)
    if folder is None:
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix="credit-ocr-pg-"))
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    run_as = None
    if os.geteuid() == 0:
        import pwd

        try:
            user = pwd.getpwnam("postgres")
        except KeyError as exc:
            raise ServiceError(
                "PostgreSQL does not run as root and there is no `postgres` user to run it as: "
                "create one (`useradd -r postgres`) or run as a normal user."
            ) from exc
        run_as = "postgres"
        for path in (folder, *folder.parents):  # the user must be able to reach its folder
            if path == Path("/"):
                break
            mode = path.stat().st_mode
            if not mode & 0o001:
                path.chmod(mode | 0o001)  # search only: the folder's listing stays private
        os.chown(folder, user.pw_uid, user.pw_gid)
    server = PostgresServer(folder=folder, host=host, port=port, bin_dir=bin_dir, run_as=run_as, allow=allow)
    server.init()
    return server.start()

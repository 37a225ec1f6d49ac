"""The kit's one way to start a child process, wait until it is ready, and stop or kill it.

Every server and worker the kit runs (redis-server, Azurite, Flower, the LLM stand-in, Celery workers)
is a :class:`ChildProcess`: its output goes to a log file, it runs in a session of its own (so the
servers of ``credit-ocr services up`` outlive the command, and ``kill()`` takes a worker's pool
processes too), and it counts as started when :meth:`ChildProcess.ready` says so: a port that accepts,
a Redis PING, a Celery ping. ``stop()`` asks (SIGTERM to the main process, so a Celery worker finishes
its tasks) and kills after a timeout; ``kill()`` is a crash (SIGKILL to the whole process group).

Why not ``mirakuru``, whose executors do the same: it marks its children and kills them when the
starting interpreter exits (and when the executor is garbage-collected), while the kit's services must
outlive ``credit-ocr services up``; and its ``stop()`` signals the whole group, where a Celery warm
shutdown wants SIGTERM to the main process only.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from credit_ocr.config import Settings, settings_env
from credit_ocr.runtime.waiting import ConditionTimeout, wait_until

#: Variables that carry settings into a child: removed from the inherited environment, then set from
#: the settings in force (a setting changed in-process must win over the shell's).
_SETTING_ALIASES = ("AZURE_STORAGE_CONNECTION_STRING", "OPENAI_API_KEY")


class ServiceError(RuntimeError):
    """A service could not be started or found; the message names the fix."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """Whether something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def pid_alive(pid: int | None) -> bool:
    """Whether ``pid`` runs (a zombie counts as gone)."""
    if not pid:
        return False
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True  # another user's process: it runs


def install_hint(program: str) -> str:
    """How to install ``program`` on the usual systems."""
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
    """The path of ``program`` on PATH, or :class:`ServiceError` saying how to install it."""
    path = shutil.which(program)
    if not path:
        raise ServiceError(install_hint(program))
    return path


def child_env(settings: Settings | None = None, **extra: str) -> dict[str, str]:
    """The environment of a child that must run with ``settings``: the inherited one without any
    ``CREDIT_OCR_*`` variable, then :func:`~credit_ocr.config.settings_env`, then ``extra``."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("CREDIT_OCR_") and k not in _SETTING_ALIASES
    }
    env.update(settings_env(settings))
    env.update(extra)
    return env


@dataclass
class ChildProcess:
    """A process the kit started: its command, its log, and the means to wait for, stop or kill it.

    Subclasses say when it is ready by overriding :meth:`ready` (default: it runs). ``env`` is the
    child's whole environment (None: this process's).
    """

    name: str
    argv: list[str]
    log_path: Path
    env: dict[str, str] | None = None
    start_timeout: float = 30.0
    process: subprocess.Popen | None = field(default=None, repr=False)
    pid: int | None = None

    # -- starting -----------------------------------------------------------------------------
    def ready(self) -> bool:
        """Whether the started process serves; override with the service's own check."""
        return True

    def launch(self) -> ChildProcess:
        """Start the process without waiting for it to be ready."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.env,
                start_new_session=True,  # outlives the command; its own process group for kill()
            )
        self.pid = self.process.pid
        return self

    def start(self, timeout: float | None = None) -> ChildProcess:
        """Start the process and return once :meth:`ready`; kill it and raise :class:`ServiceError`
        (with the tail of its log) when it exits or is not ready within ``timeout``."""
        self.launch()
        self.wait_ready(self.start_timeout if timeout is None else timeout)
        return self

    def _started(self) -> bool:
        if not self.alive():
            code = self.process.returncode if self.process is not None else "?"
            raise ServiceError(f"{self.name} exited at start (code {code}):\n{self.log_tail(800)}")
        return self.ready()

    def wait_ready(self, timeout: float) -> None:
        """Block until :meth:`ready` (the process is killed if it never gets there)."""
        try:
            wait_until(self._started, timeout, what=f"{self.name} ready", describe=self._log_hint)
        except (ServiceError, ConditionTimeout) as exc:
            self.kill()  # never leave a process running that nobody tracks
            raise self.not_ready(exc) from exc

    def not_ready(self, exc: Exception) -> Exception:
        """The error raised when the process did not get ready (subclasses name their own type)."""
        return exc if isinstance(exc, ServiceError) else ServiceError(str(exc))

    def _log_hint(self) -> str:
        return f"see {self.log_path}:\n{self.log_tail(800)}"

    # -- state --------------------------------------------------------------------------------
    def alive(self) -> bool:
        if self.process is not None:
            return self.process.poll() is None
        return pid_alive(self.pid)

    def log_tail(self, chars: int = 2000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return "(no log)"

    # -- stopping -----------------------------------------------------------------------------
    def _gone(self) -> bool:
        if self.process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=0.05)
        return not self.alive()

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM to the main process (a warm shutdown), SIGKILL to the group after ``timeout``."""
        if self.pid and self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)
            with contextlib.suppress(ConditionTimeout):
                wait_until(self._gone, timeout, what=f"{self.name} stopped")
        self.kill()  # what is left of the group (pool processes of a main process that died)

    def kill(self) -> None:
        """SIGKILL to the process and its whole group: a crash, for fault lessons and tests."""
        if not self.pid:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(self.pid, signal.SIGKILL)  # not a group leader (adopted from a record)
        with contextlib.suppress(ConditionTimeout):
            wait_until(self._gone, 10.0, what=f"{self.name} killed")

    def restart(self, down_for: float = 0.0) -> None:
        """Kill and start again with the same command (an outage of ``down_for`` seconds)."""
        self.kill()
        time.sleep(down_for)  # the outage itself, not a wait for a condition
        self.start()

    def record(self) -> dict:
        """What ``services.json`` keeps of it."""
        return {"name": self.name, "pid": self.pid, "log": str(self.log_path)}

    def __enter__(self) -> ChildProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class ServerProcess(ChildProcess):
    """A child that serves on ``host:port``: ready when the port accepts connections and the child is
    what listens there (two kits starting Flower at the same moment both find 5555 free; the one that
    lost the race must not take the winner's port for its own)."""

    host: str = "127.0.0.1"
    port: int = 0

    def ready(self) -> bool:
        return port_open(self.host, self.port) and self._listens()

    def _listens(self) -> bool:
        if not self.pid:
            return True  # a server recorded without its process: the port is all there is to ask
        try:
            proc = psutil.Process(self.pid)
            return any(
                conn.status == psutil.CONN_LISTEN and conn.laddr.port == self.port
                for one in (proc, *proc.children(recursive=True))
                for conn in one.net_connections(kind="tcp")
            )
        except psutil.AccessDenied:
            return True  # another user's process: the port is all there is to ask
        except psutil.NoSuchProcess:
            return False

    def record(self) -> dict:
        return {**super().record(), "host": self.host, "port": self.port}


def python_module(module: str, *args: str) -> list[str]:
    """``python -m module args`` with this interpreter (the venv's)."""
    return [sys.executable, "-m", module, *args]

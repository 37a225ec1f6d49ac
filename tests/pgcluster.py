"""A throwaway PostgreSQL cluster for fault tests: a database the test may crash and restart.

Made by ``initdb`` in a folder of its own and driven by ``pg_ctl``: the chaos test hands one to
``run_chaos(postgres=...)``, the cross-host test opens it to a second network namespace. Test tooling,
not part of the kit (the kit talks to whatever ``CREDIT_OCR_DATABASE_URL`` names).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from credit_ocr.runtime.processes import ServiceError, free_port, port_open


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
        time.sleep(down_for)  # the outage itself
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
        folder = Path(tempfile.mkdtemp(prefix="credit-ocr-pg-"))
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    run_as = None
    if os.geteuid() == 0:
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

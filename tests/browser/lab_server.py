"""JupyterLab of the browser suite's own: a folder laid out like a checkout, a home, a server process.

The server runs on a free port with a random token, in a folder of its own laid out like a checkout
(``pyproject.toml``, ``data/`` linked, a copy of the notebooks without their outputs) and with its own
``CREDIT_OCR_HOME``: it never meets the nbval run or a developer's ``var/``. Its settings (no news
pop-up, every cell kept in the page) and workspaces live in that folder too.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import nbformat
import psutil

from credit_ocr.runtime.processes import ServerProcess, free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SAMPLES_DIR = ROOT / "data" / "samples"
#: How many samples of each layer the suite's checkout holds (notebook 06 takes 4 text and up to 4 scans).
SAMPLES = {"text": 4, "scan": 1, "image": 1}
#: JupyterLab user settings: no news or update pop-up over the page, every cell in the DOM.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


@dataclass
class LabServer(ServerProcess):
    """``jupyter lab`` on loopback: ready when its REST API answers with the token."""

    token: str = ""
    root: Path = Path()
    home: Path = Path()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def ready(self) -> bool:
        try:
            return httpx.get(f"{self.url}/api/status", params={"token": self.token}, timeout=2).is_success
        except httpx.HTTPError:
            return False

    def end_sessions(self) -> None:
        """Shut down every notebook's kernel: the next test opens its notebook in a new one."""
        api = f"{self.url}/api/sessions"
        for session in httpx.get(api, params={"token": self.token}, timeout=10).json():
            httpx.delete(f"{api}/{session['id']}", params={"token": self.token}, timeout=30)

    def notebook_url(self, name: str) -> str:
        """The notebook in a fresh workspace (``reset``: no tab of an earlier test comes back)."""
        return f"{self.url}/lab/tree/notebooks/{name}.ipynb?reset&token={self.token}"


def _link_samples(folder: Path) -> None:
    """A few of the committed samples (``SAMPLES`` of each layer), linked, with their own manifest: the
    notebooks' batches stay small enough for a browser suite that runs beside the others."""
    folder.mkdir(parents=True)
    kept, taken = [], dict.fromkeys(SAMPLES, 0)
    for entry in json.loads((SAMPLES_DIR / "manifest.json").read_text()):
        layer = entry["variant"]["layer"]
        if taken.get(layer, 0) >= SAMPLES.get(layer, 0):
            continue
        taken[layer] += 1
        kept.append(entry)
        for key in ("file", "truth"):
            (folder / entry[key]).symlink_to(SAMPLES_DIR / entry[key])
    (folder / "manifest.json").write_text(json.dumps(kept, indent=2))


def _lay_out_checkout(root: Path) -> None:
    """A folder the kit takes for its checkout: pyproject.toml, the samples, the notebooks, no outputs."""
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    _link_samples(root / "data" / "samples")
    (root / "notebooks").mkdir()
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        nbformat.write(nb, root / "notebooks" / path.name)


def _lab_env(root: Path, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDIT_OCR_")}
    env.pop("AZURE_STORAGE_CONNECTION_STRING", None)
    env.pop("OPENAI_API_KEY", None)
    env.update(
        CREDIT_OCR_HOME=str(home),
        JUPYTERLAB_SETTINGS_DIR=str(root / ".lab" / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(root / ".lab" / "workspaces"),
        JUPYTER_RUNTIME_DIR=str(root / ".lab" / "runtime"),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    return env


def _end_processes_of(home: Path) -> None:
    """End what still runs with this home (workers and services a failed notebook left behind)."""
    mine = []
    for proc in psutil.process_iter(["pid"]):
        try:
            if proc.environ().get("CREDIT_OCR_HOME") == str(home):
                mine.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    for proc in mine:
        proc.kill()
    psutil.wait_procs(mine, timeout=10)


def start_lab(root: Path) -> LabServer:
    """Lay out ``root``, then start JupyterLab there; returns once its API answers."""
    home = root / "home"
    _lay_out_checkout(root)
    for name, values in LAB_SETTINGS.items():
        path = root / ".lab" / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port, token = free_port(), secrets.token_hex(16)
    argv = [
        str(BIN / "jupyter"), "lab", "--no-browser", "--allow-root", f"--port={port}", "--ip=127.0.0.1",
        f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}", "--ServerApp.port_retries=0",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]  # fmt: skip
    server = LabServer(
        name="jupyterlab", argv=argv, log_path=root / "jupyterlab.log", env=_lab_env(root, home),
        start_timeout=60.0, port=port, token=token, root=root, home=home,
    )  # fmt: skip
    return server.start()


def stop_lab(server: LabServer) -> None:
    """Stop the server, then the services of its home and every process still running with that home
    (workers a notebook started and a failed run left behind)."""
    server.stop(timeout=15)
    subprocess.run(
        [str(BIN / "credit-ocr"), "services", "down"],
        env=_lab_env(server.root, server.home), capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    _end_processes_of(server.home)

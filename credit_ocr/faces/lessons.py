"""Small helpers for the notebooks, so that a lesson's cells stay short and hold no pipeline logic.

Each notebook starts only what it needs and stops only what it started (:func:`start_services`), shows
figures and page images as plain PNGs (:func:`show_figure`, :func:`show_image`: their text form carries
no size or address, so committed outputs compare), and reads the committed samples by kind
(:func:`sample_paths`). The state-machine drawing and the tesseract-threads measurement live here too.
"""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from IPython.display import Image, display
from matplotlib.figure import Figure
from PIL import Image as PILImage  # IPython's Image displays; PIL's draws

from credit_ocr.config import PROJECT_ROOT, get_settings
from credit_ocr.faces.bench import experiments
from credit_ocr.faces.bench.core import ExperimentResult
from credit_ocr.reading.samples import load_samples
from credit_ocr.runtime import services
from credit_ocr.state.status import ALLOWED, Status
from credit_ocr.watching.plots import STATUS_COLOURS

#: The committed sample documents (``data/samples``), with their ``<name>.json`` ground truths.
SAMPLES_DIR = PROJECT_ROOT / "data" / "samples"

__all__ = [
    "SAMPLES_DIR",
    "StartedServices",
    "io_pool_experiment",
    "ocr_thread_lesson",
    "sample_paths",
    "samples_frame",
    "show_before_after",
    "show_figure",
    "show_image",
    "start_services",
    "state_machine_figure",
    "transition_matrix",
    "wait_until",
]


# --------------------------------------------------------------------------------------------
# the sample documents


def samples_frame(directory: Path = SAMPLES_DIR) -> pd.DataFrame:
    """One row per committed sample: file, layer (text/scan/image), layout, pages, font, format."""
    rows = [
        {
            "file": info.path.name,
            "layer": info.variant.layer,
            "layout": info.variant.layout,
            "pages": info.variant.pages,
            "font": info.variant.font,
            "format": info.variant.format,
            "fields_stated": sum(v is not None for v in info.truth.values()),
        }
        for info in load_samples(directory)
    ]
    return pd.DataFrame(rows)


def sample_paths(
    layer: str | Iterable[str] | None = None, *, limit: int | None = None, directory: Path = SAMPLES_DIR
) -> list[Path]:
    """The committed sample files of one layer (``text``, ``scan``, ``image``) or several, in name order."""
    wanted = {layer} if isinstance(layer, str) else (set(layer) if layer is not None else None)
    paths = sorted(
        info.path for info in load_samples(directory) if wanted is None or info.variant.layer in wanted
    )
    return paths[:limit] if limit is not None else paths


# --------------------------------------------------------------------------------------------
# services: start what is missing, stop only that


@dataclass
class StartedServices:
    """The embedded services one notebook started (and only those): ``stop()`` is its cleanup."""

    names: list[str] = field(default_factory=list)

    def stop(self) -> list[str]:
        """Stop the services this notebook started; a service that was already running stays up."""
        if not self.names:
            return []
        stopped = services.down(only=set(self.names))
        self.names = []
        return stopped


def _running(state: dict) -> set[str]:
    return {
        name for name, rec in state.items() if isinstance(rec, dict) and services.pid_alive(rec.get("pid"))
    }


def start_services(*, flower: bool = False, azurite: bool = False) -> StartedServices:
    """``services.up()``, remembering which services were not running before (those the cleanup stops)."""
    before = _running(get_settings().services_state())
    after = services.up(flower=flower, azurite=azurite)
    started = [name for name in ("redis", "azurite", "flower") if name in after and name not in before]
    return StartedServices(started)


# --------------------------------------------------------------------------------------------
# showing figures and page images as PNG only


def show_figure(fig: Any, dpi: int = 90) -> None:
    """Display a matplotlib figure as a PNG (its text form then names no size, so outputs compare)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    try:  # a pyplot figure would be drawn a second time at the end of the cell
        import matplotlib.pyplot as plt

        plt.close(fig)
    except Exception:  # noqa: BLE001 - a Figure() made without pyplot has nothing to close
        pass
    display(Image(data=buf.getvalue(), format="png"))


def show_image(image: Any, width: int = 720) -> None:
    """Display a PIL image scaled to ``width`` pixels, as a PNG."""
    scale = min(1.0, width / image.width)
    small = image.resize((max(1, int(image.width * scale)), max(1, int(image.height * scale))))
    buf = io.BytesIO()
    small.save(buf, format="PNG")
    display(Image(data=buf.getvalue(), format="png"))


def show_before_after(before: Any, after: Any, width: int = 720, height: int = 480) -> None:
    """Two pages side by side at the same height, as one PNG: a preparation step at a glance."""
    sides = [page.convert("RGB") for page in (before, after)]
    sides = [page.resize((max(1, round(page.width * height / page.height)), height)) for page in sides]
    canvas = PILImage.new("RGB", (sides[0].width + sides[1].width + 16, height), "white")
    canvas.paste(sides[0], (0, 0))
    canvas.paste(sides[1], (sides[0].width + 16, 0))
    show_image(canvas, width=width)


# --------------------------------------------------------------------------------------------
# the state machine


def transition_matrix() -> pd.DataFrame:
    """From (rows) → to (columns): ``yes`` where ``status.ALLOWED`` permits the transition."""
    states = list(Status)
    return pd.DataFrame(
        [["yes" if src in ALLOWED[dst] else "" for dst in states] for src in states],
        index=pd.Index([s.value for s in states], name="from \\ to"),
        columns=[s.value for s in states],
    )


_POSITIONS = {
    "pending": (0.0, 1.0),
    "ocr_running": (1.0, 1.0),
    "llm_running": (2.0, 1.0),
    "done": (3.0, 1.0),
    "failed": (1.5, 0.0),
}


def state_machine_figure() -> Any:
    """The state machine drawn from ``status.ALLOWED`` itself (so the drawing cannot drift from the code)."""
    fig = Figure(figsize=(9, 3.4), layout="constrained")
    ax = fig.subplots()
    ax.set_xlim(-0.5, 3.5)
    ax.set_ylim(-0.45, 1.45)
    ax.axis("off")
    for dst, sources in ALLOWED.items():
        for src in sources:
            (x0, y0), (x1, y1) = _POSITIONS[src.value], _POSITIONS[dst.value]
            back = dst.value == "pending"
            ax.annotate(
                "",
                xy=(x1, y1),
                xytext=(x0, y0),
                arrowprops={
                    "arrowstyle": "-|>",
                    "color": "#555" if not back else "#9467bd",
                    "linestyle": "--" if back else "-",
                    "shrinkA": 28,
                    "shrinkB": 28,
                    "connectionstyle": "arc3,rad=0.25" if back else "arc3,rad=0.0",
                },
            )
            if back:
                ax.text(0.55, 0.35, "resubmit()", color="#9467bd", fontsize=9, ha="center")
    for name, (x, y) in _POSITIONS.items():
        colour = STATUS_COLOURS.get(name, "#777")
        ax.text(
            x, y, name, ha="center", va="center", fontsize=11, color="white", fontweight="bold",
            bbox={"boxstyle": "round,pad=0.5", "facecolor": colour, "edgecolor": colour},
        )  # fmt: skip
    ax.set_title("Document states: the happy path left to right; failed from any running state")
    return fig


# --------------------------------------------------------------------------------------------
# the OMP_THREAD_LIMIT lesson


def _tesseract_runs(png: Path, processes: int, omp_limit: int | None) -> float:
    """Wall seconds for ``processes`` runs of the ``tesseract`` program on one page, started at once.

    The program, not the pipeline's tesserocr: the tesserocr wheel's libtesseract is built without
    OpenMP (one thread always), while the distribution's program starts one thread per core unless told.
    """
    settings = get_settings()
    binary = shutil.which(settings.tesseract_program)
    if binary is None:
        raise RuntimeError(services.install_hint("tesseract"))
    env = dict(os.environ)
    env.pop("OMP_THREAD_LIMIT", None)
    if omp_limit is not None:
        env["OMP_THREAD_LIMIT"] = str(omp_limit)
    argv = [binary, str(png), "stdout", "-l", settings.ocr_lang, "--psm", str(settings.ocr_psm)]
    started = time.perf_counter()
    procs = [
        subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(processes)
    ]
    for proc in procs:
        proc.wait()
    return time.perf_counter() - started


def ocr_thread_lesson(
    image: Any,
    processes: Iterable[int] = (1, 2),
    omp_limits: Iterable[int | None] = (1, None),
    repeats: int = 1,
) -> pd.DataFrame:
    """Pages per second of the tesseract program on one page image: per process count, with and without a
    thread limit.

    ``omp_limit=None`` lets tesseract's OpenMP use every core in each process, as it does by default; with
    several OCR processes on the same cores those threads compete. Returns one row per configuration.
    """
    rows = []
    with tempfile.TemporaryDirectory(prefix="credit-ocr-omp-") as tmp:
        png = Path(tmp) / "page.png"
        image.save(png)
        _tesseract_runs(png, 1, 1)  # warm the page cache and the language data
        for n in processes:
            for limit in omp_limits:
                seconds = sum(_tesseract_runs(png, n, limit) for _ in range(repeats))
                pages = n * repeats
                rows.append(
                    {
                        "processes": n,
                        "OMP_THREAD_LIMIT": "unset" if limit is None else str(limit),
                        "pages": pages,
                        "seconds": round(seconds, 2),
                        "pages_per_second": round(pages / seconds, 3),
                    }
                )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# waiting in a notebook without blocking its event loop


async def wait_until(predicate: Any, timeout: float = 300.0, interval: float = 0.2) -> bool:
    """``await wait_until(lambda: dash.model.all_terminal())``: sleeps on the kernel's loop, so the
    live feed's callbacks (and the widgets) keep running while the cell waits. True if it came true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(interval)
    return bool(predicate())


# --------------------------------------------------------------------------------------------
# an experiment the bench does not run: the pool of the I/O-bound stage


def io_pool_experiment(docs: int = 6, latency: float = 0.5) -> ExperimentResult:
    """The extraction (I/O-bound) stage on prefork x cores vs threads x16, the LLM answering in ``latency`` s.

    Text-layer documents only, so OCR costs next to nothing and the wait on the endpoint dominates. Runs in a
    bench ``Lab`` (its own home, Redis and database) through ``bench.run_experiment``, and returns its
    ``ExperimentResult`` (``.table()``, ``.plot()``); the ratio is threads over prefork, from this run.
    """
    return experiments.run_experiment(experiments.io_pool(latency), docs)

"""Tesseract itself: the engine loaded once per worker, or the command line, both under limits.

Starting the ``tesseract`` program for every page costs a process start and a model load each time
(about 0.07 s, and the program is 20% slower per page than the library it wraps: 0.54 s against 0.42 s
on a 150 dpi form page here). The kit therefore keeps **one engine per worker thread**: libtesseract
(the very library ``/usr/bin/tesseract`` links to, through ``ctypes``) loaded once in a small child
process. The child is what keeps a hostile page from taking the worker down: it runs under an
address-space limit (``ocr_memory_mb`` above the loaded model) and a CPU-time limit per page
(``ocr_cpu_seconds``), with ``OMP_THREAD_LIMIT=1``; when a limit kills it, the page fails with
:class:`~credit_ocr.reading.ocr.OcrResourceLimit` and the next page starts a fresh engine.

``settings.ocr_engine`` picks the way: ``library`` (that engine), ``cli`` (one ``tesseract`` run per
page through ``credit_ocr/bin/tesseract-limited``) or ``auto`` (the library when it can be loaded,
else the CLI). Both give the same words: they are the same library.

Protocol between worker and engine (pipes, one page at a time): a JSON line with the page's width,
height, page segmentation mode and CPU seconds, then ``width * height`` bytes of 8-bit gray pixels;
the answer is a JSON line, then (when ``ok``) that many bytes of tesseract's TSV.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import ctypes.util
import json
import os
import re
import resource
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from PIL import Image

    from credit_ocr.config import Settings

__all__ = [
    "TesseractEngine",
    "warm",
    "close_engines",
    "engine_kind",
    "library_path",
    "parse_tsv",
    "run_cli",
    "words",
]

#: Seconds the engine may take to start and load its model.
START_TIMEOUT = 30.0
#: Pages one engine reads before it is replaced (0.1 s): whatever tesseract keeps between pages is let go.
ENGINE_MAX_PAGES = 500


# --------------------------------------------------------------------------------------------
# parent side


def words(image: Image.Image, settings: Settings) -> list[dict]:
    """Tesseract's words of one gray page, each with its box, confidence and ``_key`` (block, par, line)."""
    if engine_kind(settings) == "library":
        tsv = _thread_engine(settings).recognize(image, settings)
    else:
        tsv = run_cli(image, settings)
    return parse_tsv(tsv)


def warm(settings: Settings) -> None:
    """Load this thread's engine now (a worker's start-up), so that the first page does not pay for it."""
    if engine_kind(settings) == "library":
        engine = _thread_engine(settings)
        if not engine.alive:
            engine.start(wait=False)  # a pool process must report ready within seconds: load meanwhile


def engine_kind(settings: Settings) -> Literal["library", "cli"]:
    """The engine that ``settings.ocr_engine`` resolves to on this machine."""
    if settings.ocr_engine == "cli":
        return "cli"
    if settings.ocr_engine == "library" or library_path(settings):
        return "library"
    return "cli"


def library_path(settings: Settings) -> str | None:
    """Where libtesseract is (``settings.tesseract_library``, else found by ctypes); None: not loadable
    (``auto`` then runs the ``tesseract`` program)."""
    return _loadable(settings.tesseract_library or ctypes.util.find_library("tesseract"))


@lru_cache(maxsize=8)
def _loadable(found: str | None) -> str | None:
    if not found:
        return None
    try:
        ctypes.CDLL(found)
    except OSError:
        return None
    return found


def parse_tsv(tsv: str) -> list[dict]:
    """The word rows (level 5, non-empty) of tesseract's TSV output."""
    out: list[dict] = []
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5":
            continue
        text = cells[11].strip()
        if not text:
            continue
        out.append(
            {
                "text": text,
                "left": int(cells[6]),
                "top": int(cells[7]),
                "width": int(cells[8]),
                "height": int(cells[9]),
                "conf": float(cells[10]),
                "_key": (int(cells[2]), int(cells[3]), int(cells[4])),
            }
        )
    return out


class TesseractEngine:
    """One libtesseract engine in a limited child process, model loaded once, fed one page at a time.

    Not thread-safe: :func:`words` keeps one per thread. A page that kills the child (memory, CPU time,
    wall time) raises :class:`~credit_ocr.reading.ocr.OcrResourceLimit`; the engine then restarts on its next page.
    """

    def __init__(self, lang: str, memory_mb: int, library: str | None) -> None:
        self.lang = lang
        self.memory_mb = memory_mb
        self.library = library
        self.pid = os.getpid()
        self._proc: subprocess.Popen[bytes] | None = None
        self._buffer = bytearray()
        self.settings: Settings | None = None
        self.pages = 0
        self._loading = False

    # lifecycle -------------------------------------------------------------------------------

    def start(self, *, wait: bool = True) -> None:
        """Start the child and (``wait``) until its model is loaded (raises OcrUnavailable when it cannot).

        Without ``wait`` the model loads while the caller goes on; the first page waits for it.
        """
        self._buffer = bytearray()
        self.pages = 0
        library = self.library
        if library is None:
            from credit_ocr.reading.ocr import OcrUnavailable
            from credit_ocr.runtime.services import install_hint

            raise OcrUnavailable(
                "libtesseract was not found (set CREDIT_OCR_TESSERACT_LIBRARY to its path, or "
                "CREDIT_OCR_OCR_ENGINE=cli to run the tesseract program instead, or install it): "
                f"{install_hint('tesseract')}"
            )
        env = {**os.environ, "OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT", "1")}
        argv = [sys.executable, "-m", "credit_ocr.reading.tesseract", library, self.lang, str(self.memory_mb)]
        self._proc = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            bufsize=0,
            cwd=str(Path(__file__).resolve().parent.parent),
            close_fds=True,
        )
        self._loading = True
        if wait:
            self._await_model()

    def _await_model(self) -> None:
        from credit_ocr.reading.ocr import OcrResourceLimit, OcrUnavailable

        try:
            hello = self._read_header(time.monotonic() + START_TIMEOUT, "starting")
        except (
            OcrResourceLimit
        ) as exc:  # died or hung before any page: this machine's problem, not the page's
            raise OcrUnavailable(f"The OCR engine did not start: {exc}") from exc
        finally:
            self._loading = False
        if not hello.get("ok"):
            self.close()
            raise OcrUnavailable(str(hello.get("message") or "the OCR engine did not start"))

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None and self.pid == os.getpid()

    def close(self) -> None:
        """Stop the child (it also stops by itself when the worker's end of the pipe closes)."""
        proc, self._proc = self._proc, None
        if proc is None or self.pid != os.getpid():
            return
        with contextlib.suppress(OSError):
            proc.stdin.close()  # type: ignore[union-attr]
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        with contextlib.suppress(OSError):
            proc.stdout.close()  # type: ignore[union-attr]

    # one page --------------------------------------------------------------------------------

    def recognize(self, image: Image.Image, settings: Settings) -> str:
        """Tesseract's TSV for one page, within ``settings``' CPU-time and wall-time limits."""
        from credit_ocr.reading.ocr import OcrError, OcrResourceLimit, limit_message

        self.settings = settings
        if self.alive and self.pages >= ENGINE_MAX_PAGES:
            self.close()
        if not self.alive:
            self.start()
        elif self._loading:
            self._await_model()
        self.pages += 1
        gray = image if image.mode == "L" else image.convert("L")
        header = {
            "width": gray.width,
            "height": gray.height,
            "psm": settings.ocr_psm,
            "cpu_seconds": settings.ocr_cpu_seconds,
        }
        deadline = time.monotonic() + max(10, 2 * settings.ocr_cpu_seconds)
        try:
            self._write_all(json.dumps(header).encode() + b"\n")
            self._write_all(gray.tobytes())
            answer = self._read_header(deadline, "reading the page")
            if not answer.get("ok"):
                if answer.get("kind") == "memory":
                    raise OcrResourceLimit(limit_message(settings, str(answer.get("message"))))
                raise OcrError(f"Tesseract failed on this page ({answer.get('message')}).")
            return self._read_exact(int(answer["bytes"]), deadline).decode("utf-8", "replace")
        except BrokenPipeError as exc:
            raise OcrResourceLimit(limit_message(settings, self._death())) from exc
        except BaseException:
            # a half-done exchange (a limit, a Celery time limit, an interrupt) leaves the pipe unusable
            self._kill()
            raise

    # internals ------------------------------------------------------------------------------

    def _write_all(self, data: bytes) -> None:
        """Write everything (an unbuffered pipe may take a large page in several writes)."""
        view = memoryview(data)
        stdin = self._proc.stdin  # type: ignore[union-attr]
        while view:
            view = view[stdin.write(view) :]

    def _fill(self, deadline: float, doing: str) -> None:
        """Read what the child has sent so far into the buffer, waiting at most until ``deadline``."""
        from credit_ocr.reading.ocr import OcrResourceLimit, limit_message

        fd = self._proc.stdout.fileno()  # type: ignore[union-attr]
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            self._kill()
            raise OcrResourceLimit(limit_message(self._settings(), f"wall-clock timeout while {doing}"))
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            raise OcrResourceLimit(limit_message(self._settings(), self._death()))
        self._buffer += chunk

    def _read_header(self, deadline: float, doing: str) -> dict:
        while b"\n" not in self._buffer:
            self._fill(deadline, doing)
        line, _, rest = bytes(self._buffer).partition(b"\n")
        self._buffer = bytearray(rest)
        return json.loads(line)

    def _read_exact(self, size: int, deadline: float) -> bytes:
        while len(self._buffer) < size:
            self._fill(deadline, "reading the answer")
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def _settings(self) -> Settings:
        from credit_ocr.config import get_settings

        return self.settings or get_settings()

    def _death(self) -> str:
        proc = self._proc
        code = proc.wait(timeout=5) if proc is not None else None
        self._proc = None
        if code is not None and code < 0:
            import signal

            return f"the engine was killed by {signal.Signals(-code).name}"
        return f"the engine stopped (exit status {code})"

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and self.pid == os.getpid():
            proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)


_local = threading.local()
_all_engines: list[TesseractEngine] = []
_all_lock = threading.Lock()


def _thread_engine(settings: Settings) -> TesseractEngine:
    engine: TesseractEngine | None = getattr(_local, "engine", None)
    wanted = (settings.ocr_lang, settings.ocr_memory_mb, library_path(settings))
    if engine is not None and (engine.pid, engine.lang, engine.memory_mb, engine.library) == (
        os.getpid(),
        *wanted,
    ):
        return engine
    if engine is not None:
        engine.close()  # another configuration (or inherited through fork: close() leaves that alone)
        with _all_lock:
            if engine in _all_engines:
                _all_engines.remove(engine)
    engine = TesseractEngine(*wanted)
    _local.engine = engine
    with _all_lock:
        _all_engines.append(engine)
    return engine


@atexit.register
def close_engines() -> None:
    """Stop this process's engines (at exit; the children would also stop on their own)."""
    with _all_lock:
        engines = [e for e in _all_engines if e.pid == os.getpid()]
        _all_engines[:] = [e for e in _all_engines if e.pid != os.getpid()]
    for engine in engines:
        engine.close()


# --------------------------------------------------------------------------------------------
# the command line: one tesseract process per page


def tesseract_binary(settings: Settings) -> str:
    """The ``tesseract`` program (``settings.tesseract_program``: a name on PATH or a path)."""
    from credit_ocr.reading.ocr import OcrUnavailable

    path = shutil.which(settings.tesseract_program)
    if not path:
        from credit_ocr.runtime.services import install_hint

        raise OcrUnavailable(install_hint("tesseract"))
    return path


def wrapper_path() -> str:
    """``credit_ocr/bin/tesseract-limited``: tesseract under ``ulimit -v`` and ``ulimit -t``."""
    return str(Path(__file__).with_name("bin") / "tesseract-limited")


def cli_argv(image_path: str | Path, settings: Settings, *, limited: bool = True) -> list[str]:
    """The command that reads one page file and prints its TSV (what the bench's bare runs time)."""
    program = wrapper_path() if limited else tesseract_binary(settings)
    return [
        program,
        str(image_path),
        "stdout",
        "-l",
        settings.ocr_lang,
        "--psm",
        str(settings.ocr_psm),
        "tsv",
    ]


def run_cli(image: Image.Image, settings: Settings) -> str:
    """One ``tesseract`` run on one page (an uncompressed PGM file: no PNG encoding), its TSV."""
    from credit_ocr.reading.ocr import OcrError, OcrResourceLimit, limit_message

    env = {
        **os.environ,
        "CREDIT_OCR_TESS_BINARY": tesseract_binary(settings),
        "CREDIT_OCR_TESS_MEMORY_KB": str(settings.ocr_memory_mb * 1024),
        "CREDIT_OCR_TESS_CPU_SECONDS": str(settings.ocr_cpu_seconds),
        "OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT", "1"),
    }
    with tempfile.NamedTemporaryFile(suffix=".pgm", prefix="credit-ocr-") as page_file:
        (image if image.mode == "L" else image.convert("L")).save(page_file, format="PPM")
        page_file.flush()
        try:
            proc = subprocess.run(  # noqa: S603 - fixed program, our own temp file
                cli_argv(page_file.name, settings),
                env=env,
                capture_output=True,
                timeout=max(10, 2 * settings.ocr_cpu_seconds),
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise OcrResourceLimit(limit_message(settings, "wall-clock timeout")) from exc
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip()
        # 125: ulimit refused; 127: could not even be loaded within the memory limit; <0: killed
        if (
            proc.returncode < 0
            or proc.returncode in (125, 127)
            or re.search(r"alloc|out of memory", message, re.I)
        ):
            raise OcrResourceLimit(limit_message(settings, f"status {proc.returncode}: {message[:200]}"))
        raise OcrError(f"Tesseract failed on this page (status {proc.returncode}: {message[:300]}).")
    return proc.stdout.decode("utf-8", "replace")


# --------------------------------------------------------------------------------------------
# child side: `python -m credit_ocr.reading.tesseract LIBRARY LANG MEMORY_MB`


def _load_api(library: str, lang: str):
    lib = ctypes.CDLL(library)
    lib.TessBaseAPICreate.restype = ctypes.c_void_p
    lib.TessBaseAPIInit3.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
    lib.TessBaseAPISetPageSegMode.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.TessBaseAPISetImage.argtypes = [
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_int,
    ]
    lib.TessBaseAPIRecognize.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    lib.TessBaseAPIGetTsvText.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.TessBaseAPIGetTsvText.restype = ctypes.c_void_p
    lib.TessDeleteText.argtypes = [ctypes.c_void_p]
    lib.TessBaseAPIClear.argtypes = [ctypes.c_void_p]
    lib.TessBaseAPIEnd.argtypes = [ctypes.c_void_p]
    lib.TessBaseAPIDelete.argtypes = [ctypes.c_void_p]
    lib.TessVersion.restype = ctypes.c_char_p
    api = lib.TessBaseAPICreate()
    if lib.TessBaseAPIInit3(api, None, lang.encode()) != 0:
        lib.TessBaseAPIDelete(api)
        raise LookupError(
            f"Tesseract has no model for language {lang!r} (CREDIT_OCR_OCR_LANG): install it, e.g. "
            f"`sudo apt-get install tesseract-ocr-{lang.split('+')[0]}`."
        )
    return lib, api


def _vm_size() -> int:
    """This process's address-space size in bytes (Linux; 0 elsewhere)."""
    with contextlib.suppress(OSError, ValueError, IndexError), open("/proc/self/statm") as handle:
        return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    return 0


def _serve(library: str, lang: str, memory_mb: int) -> int:
    out = sys.stdout.buffer
    inp = sys.stdin.buffer

    def reply(header: dict, body: bytes = b"") -> None:
        out.write(json.dumps(header).encode() + b"\n" + body)
        out.flush()

    try:
        lib, api = _load_api(library, lang)
    except AttributeError as exc:  # a library, but not libtesseract (no TessBaseAPI* functions)
        reply({"ok": False, "kind": "start", "message": f"{library} is not libtesseract ({exc})"})
        return 1
    except (OSError, LookupError) as exc:
        reply({"ok": False, "kind": "start", "message": str(exc)})
        return 1
    if memory_mb > 0 and _vm_size():
        limit = _vm_size() + memory_mb * 1024 * 1024
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))
    reply({"ok": True, "version": lib.TessVersion().decode()})
    psm = None
    while True:
        line = inp.readline()
        if not line:
            break
        try:
            header = json.loads(line)
            size = int(header["width"]) * int(header["height"])
            pixels = inp.read(size)
            if len(pixels) != size:
                break
            used = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
            hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
            soft = int(used) + 1 + int(header["cpu_seconds"])
            resource.setrlimit(resource.RLIMIT_CPU, (soft if hard < 0 else min(soft, hard), hard))
            if header["psm"] != psm:
                psm = header["psm"]
                lib.TessBaseAPISetPageSegMode(api, int(psm))
            lib.TessBaseAPISetImage(api, pixels, header["width"], header["height"], 1, header["width"])
            del pixels
            if lib.TessBaseAPIRecognize(api, None) != 0:
                lib.TessBaseAPIClear(api)
                reply({"ok": False, "kind": "memory", "message": "recognition failed (out of memory?)"})
                continue
            text = lib.TessBaseAPIGetTsvText(api, 0)
            try:
                body = ctypes.string_at(text) if text else b""
            finally:
                if text:
                    lib.TessDeleteText(text)
            lib.TessBaseAPIClear(api)
            reply({"ok": True, "bytes": len(body)}, body)
        except MemoryError:
            lib.TessBaseAPIClear(api)
            reply({"ok": False, "kind": "memory", "message": "out of memory"})
    lib.TessBaseAPIEnd(api)
    lib.TessBaseAPIDelete(api)
    return 0


if __name__ == "__main__":
    sys.exit(_serve(sys.argv[1], sys.argv[2], int(sys.argv[3])))

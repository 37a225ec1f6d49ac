"""Tesseract through its bindings: tesserocr loaded once per process (and per thread), the same words as
the program (pytesseract), the model found or named, and the memory limit of a real OCR pool process."""

from __future__ import annotations

import difflib
import io
import multiprocessing
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import sample_files
from PIL import Image, ImageDraw, ImageFont

from credit_ocr.config import Settings, override_settings
from credit_ocr.pipeline import workers
from credit_ocr.reading import ocr

pytestmark = pytest.mark.tesseract

PACKAGE = Path(__file__).resolve().parents[2] / "credit_ocr"
FORM = ["Company Name  Heavy Lift GmbH", "VAT ID  DE123456789", "Requested Amount  EUR 250,000.00"]


def _page(lines: list[str], size: tuple[int, int] = (1200, 500)) -> Image.Image:
    page = Image.new("L", size, 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=36)
    for i, line in enumerate(lines):
        draw.text((40, 40 + 60 * i), line, fill=0, font=font)
    return page


def _boxes(found: list[dict]) -> list[tuple]:
    return [(w["text"], w["left"], w["top"], w["width"], w["height"]) for w in found]


def test_tesserocr_and_the_program_read_the_same_words() -> None:
    """Same engine, same answer: a clean page word for word and box for box; a scanned sample nearly so
    (the wheel bundles libtesseract 5.5, the distribution's program may be older: a word in a hundred)."""
    with override_settings(ocr_engine="pytesseract") as program:
        assert _boxes(ocr.words(_page(FORM))) == _boxes(ocr.words(_page(FORM), program))
        scan = sample_files("scan")[0]
        page = ocr.remove_rules(ocr.load_pages(scan.read_bytes())[0])
        from_library = [w["text"] for w in ocr.words(page)]
        from_program = [w["text"] for w in ocr.words(page, program)]
    assert len(from_library) > 50
    same = difflib.SequenceMatcher(a=from_library, b=from_program, autojunk=False).ratio()
    assert same >= 0.97, (same, from_library, from_program)


def test_engine_is_loaded_once_per_process_and_reused() -> None:
    first = ocr.words(_page(FORM))
    engine = ocr.engine()
    second = ocr.words(_page(FORM[::-1]))
    assert ocr.engine() is engine  # the same loaded model read both pages
    assert " ".join(w["text"] for w in first).startswith("Company Name Heavy Lift GmbH")
    assert " ".join(w["text"] for w in second).startswith("Requested Amount")


def test_each_thread_has_its_own_engine() -> None:
    """The API object is not thread-safe: a thread pool that OCRs gets one engine per thread."""
    from concurrent.futures import ThreadPoolExecutor

    def read(_: int) -> tuple[object, str]:
        return ocr.engine(), ocr.words(_page(FORM))[0]["text"]

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(read, range(4)))  # holding the engines: ids stay unique while compared
    assert {text for _, text in results} == {"Company"}
    engines = {id(engine) for engine, _ in results}
    assert 1 <= len(engines) <= 2
    assert id(ocr.engine()) not in engines


def _child_engine(parent: int, queue: multiprocessing.Queue) -> None:
    queue.put((id(ocr.engine()) != parent, ocr.words(_page(FORM))[0]["text"]))


def test_a_forked_process_loads_its_own_engine() -> None:
    """A prefork pool process never uses the engine it inherited: its own is loaded on first use."""
    parent = id(ocr.engine())
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_child_engine, args=(parent, queue))
    child.start()
    assert queue.get(timeout=60) == (True, "Company")
    child.join(timeout=30)


def test_missing_language_model_is_a_setup_error_with_the_install_command() -> None:
    with (
        override_settings(ocr_lang="xyz"),
        pytest.raises(ocr.OcrUnavailable, match="tesseract-ocr-xyz") as raised,
    ):
        ocr.words(_page(FORM))
    assert not raised.value.permanent  # the page is not to blame: retried once the machine is fixed


def test_a_model_folder_without_the_model_is_named(tmp_path: Path) -> None:
    with override_settings(tessdata=tmp_path), pytest.raises(ocr.OcrUnavailable, match="CREDIT_OCR_TESSDATA"):
        ocr.words(_page(FORM))


def test_old_engine_names_are_aliases() -> None:
    assert Settings(ocr_engine="library").ocr_engine == Settings(ocr_engine="auto").ocr_engine == "tesserocr"
    assert Settings(ocr_engine="cli").ocr_engine == "pytesseract"


def test_no_ctypes_binding_is_left() -> None:
    users = [str(p) for p in PACKAGE.rglob("*.py") if "ctypes" in p.read_text()]
    assert users == []


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_page_over_the_memory_limit_is_named_and_the_process_reads_on(tmp_path: Path) -> None:
    """Under the OCR process's address-space limit (set here as ``worker_process_init`` sets it), a page
    that needs more memory is ``OcrResourceLimit`` naming the setting; the same engine reads the next page."""
    big = tmp_path / "big.png"
    Image.new("L", (6000, 6000), 255).save(big, dpi=(150, 150))  # said 150 dpi: read at full size
    small = tmp_path / "small.png"
    _page(FORM).save(small)
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from credit_ocr.config import override_settings
        from credit_ocr.reading import ocr
        with override_settings(ocr_memory_mb=100):
            engine = ocr.engine()
            ocr.limit_memory()
            try:
                ocr.ocr_bytes(Path({str(big)!r}).read_bytes())
            except ocr.OcrResourceLimit as exc:
                print("limit:", exc)
            print("next:", ocr.ocr_bytes(Path({str(small)!r}).read_bytes()).text.splitlines()[0])
            print("same engine:", ocr.engine() is engine)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "limit: " in proc.stdout and "CREDIT_OCR_OCR_MEMORY_MB" in proc.stdout, proc.stdout
    assert "next: Company Name" in proc.stdout and "Heavy Lift GmbH" in proc.stdout
    assert "same engine: True" in proc.stdout


def _address_space_limit(pid: int) -> str:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max address space"):
            return line.split()[3]
    raise AssertionError(f"no address-space line for {pid}")


def _loads_tesseract(pid: int) -> bool:
    return "libtesseract" in Path(f"/proc/{pid}/maps").read_text()


@pytest.mark.slow
def test_ocr_pool_processes_load_tesseract_and_take_their_memory_limit(kit) -> None:
    """Asked of real workers: each OCR pool process has its model loaded before its first task and an
    address-space limit; an extraction worker has neither."""
    ocr_worker = workers.start_worker(preset="ocr", concurrency=2, env={"CREDIT_OCR_OCR_MEMORY_MB": "512"})
    llm_worker = workers.start_worker(preset="llm", concurrency=2)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            pool = ocr_worker.children()
            if len(pool) == 2 and all(_address_space_limit(p) != "unlimited" for p in pool):
                break
            time.sleep(0.1)
        pool = ocr_worker.children()
        assert len(pool) == 2 and all(_loads_tesseract(p) for p in pool)
        limits = [int(_address_space_limit(p)) for p in pool]
        assert all(512 << 20 < limit < (512 << 20) + (4 << 30) for limit in limits), limits
        assert all(_address_space_limit(p) == "unlimited" for p in [llm_worker.pid, ocr_worker.pid])
    finally:
        ocr_worker.stop()
        llm_worker.stop()

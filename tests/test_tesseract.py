"""The tesseract engine: loaded once per worker thread, the same words as the program, limits that hold."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pytest
from conftest import sample_files
from PIL import Image, ImageDraw, ImageFont

from credit_ocr.config import get_settings, reset_settings
from credit_ocr.reading import ocr, tesseract

pytestmark = pytest.mark.tesseract


@pytest.fixture
def settings(kit, monkeypatch: pytest.MonkeyPatch):
    """The kit's settings with the library engine; fresh engines before and after."""
    monkeypatch.setenv("CREDIT_OCR_OCR_ENGINE", "library")
    reset_settings()
    tesseract.close_engines()
    yield get_settings()
    tesseract.close_engines()
    reset_settings()


def _page(lines: list[str], size: tuple[int, int] = (1200, 500)) -> Image.Image:
    page = Image.new("L", size, 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=36)
    for i, line in enumerate(lines):
        draw.text((40, 40 + 60 * i), line, fill=0, font=font)
    return page


FORM = ["Company Name  Heavy Lift GmbH", "VAT ID  DE123456789", "Requested Amount  EUR 250,000.00"]


def test_library_and_program_read_the_same_words(settings) -> None:
    """Same library, same answer: every word and box of a scanned sample is identical on both engines."""
    scan = sample_files("scan")[0]
    page = ocr.remove_rules(ocr.load_pages(scan.read_bytes())[0])
    from_library = tesseract.parse_tsv(tesseract._thread_engine(settings).recognize(page, settings))
    from_program = tesseract.parse_tsv(tesseract.run_cli(page, settings))
    assert len(from_library) > 50
    assert from_library == from_program


def test_engine_is_loaded_once_per_thread_and_reused(settings) -> None:
    first = tesseract.words(_page(FORM), settings)
    engine = tesseract._thread_engine(settings)
    pid = engine._proc.pid
    second = tesseract.words(_page(FORM[::-1]), settings)
    assert tesseract._thread_engine(settings)._proc.pid == pid  # no new process for the second page
    assert " ".join(w["text"] for w in first).startswith("Company Name Heavy Lift GmbH")
    assert " ".join(w["text"] for w in second).startswith("Requested Amount")


def test_each_thread_has_its_own_engine(settings) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def read(_: int) -> tuple[int, str]:
        words = tesseract.words(_page(FORM), settings)
        return tesseract._thread_engine(settings)._proc.pid, words[0]["text"]

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(read, range(4)))
    assert {text for _, text in results} == {"Company"}
    assert 1 <= len({pid for pid, _ in results}) <= 2


def test_a_dead_engine_is_replaced_on_the_next_page(settings) -> None:
    tesseract.words(_page(FORM), settings)
    engine = tesseract._thread_engine(settings)
    old = engine._proc.pid
    os.kill(old, signal.SIGKILL)
    engine._proc.wait(timeout=5)
    words = tesseract.words(_page(FORM), settings)
    assert words[0]["text"] == "Company"
    assert engine._proc.pid != old


def test_cpu_time_limit_stops_a_page_and_the_engine_recovers(settings, monkeypatch) -> None:
    """A page that needs more CPU than ``ocr_cpu_seconds`` is a named resource limit, not a stuck worker."""
    import numpy as np

    monkeypatch.setenv("CREDIT_OCR_OCR_CPU_SECONDS", "1")
    reset_settings()
    limited = get_settings()
    rng = np.random.default_rng(3)
    noise = Image.fromarray((rng.random((2400, 2400)) < 0.35).astype(np.uint8) * 255, mode="L")
    started = time.monotonic()
    with pytest.raises(ocr.OcrResourceLimit, match="CREDIT_OCR_OCR_CPU_SECONDS"):
        tesseract.words(noise, limited)
    assert time.monotonic() - started < 30
    assert tesseract.words(_page(FORM), limited)[0]["text"] == "Company"


def test_engine_stops_when_its_worker_dies(kit, tmp_path) -> None:
    """A worker killed with SIGKILL leaves no engine behind: the engine ends on its closed pipe."""
    script = textwrap.dedent(
        """
        import os, sys, time
        os.environ["CREDIT_OCR_OCR_ENGINE"] = "library"
        from PIL import Image
        from credit_ocr.reading import tesseract
        from credit_ocr.config import get_settings
        tesseract.words(Image.new("L", (200, 100), 255), get_settings())
        print(tesseract._thread_engine(get_settings())._proc.pid, flush=True)
        time.sleep(60)
        """
    )
    worker = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        engine_pid = int(worker.stdout.readline())
        assert psutil.pid_exists(engine_pid)
    finally:
        worker.kill()
        worker.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if psutil.Process(engine_pid).status() == psutil.STATUS_ZOMBIE:
                break
        except psutil.NoSuchProcess:
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"the engine {engine_pid} outlived its worker")


def test_unknown_language_is_a_setup_error_with_the_install_command(settings, monkeypatch) -> None:
    monkeypatch.setenv("CREDIT_OCR_OCR_LANG", "xyz")
    reset_settings()
    with pytest.raises(ocr.OcrUnavailable, match="tesseract-ocr-xyz"):
        tesseract.words(_page(FORM), get_settings())


def test_engine_is_replaced_after_its_page_budget(settings, monkeypatch) -> None:
    """Whatever tesseract keeps between pages is let go: a fresh engine after ENGINE_MAX_PAGES pages."""
    monkeypatch.setattr(tesseract, "ENGINE_MAX_PAGES", 2)
    pids = []
    for _ in range(5):
        assert tesseract.words(_page(FORM), settings)[0]["text"] == "Company"
        pids.append(tesseract._thread_engine(settings)._proc.pid)
    assert pids[0] == pids[1] != pids[2] == pids[3] != pids[4]


def test_warm_loads_in_the_background_and_the_first_page_waits_for_it(settings) -> None:
    started = time.monotonic()
    tesseract.warm(settings)
    assert time.monotonic() - started < 1.0  # a pool process reports ready at once
    engine = tesseract._thread_engine(settings)
    pid = engine._proc.pid
    assert tesseract.words(_page(FORM), settings)[0]["text"] == "Company"
    assert engine._proc.pid == pid  # the warmed engine read the page


def test_warm_with_a_missing_language_fails_at_the_first_page_by_name(settings, monkeypatch) -> None:
    monkeypatch.setenv("CREDIT_OCR_OCR_LANG", "xyz")
    reset_settings()
    tesseract.warm(get_settings())
    with pytest.raises(ocr.OcrUnavailable, match="tesseract-ocr-xyz"):
        tesseract.words(_page(FORM), get_settings())


def test_a_library_that_is_not_libtesseract_is_a_setup_error(settings, monkeypatch) -> None:
    """The engine cannot start: the page is not to blame, so the error is OcrUnavailable (retried)."""
    monkeypatch.setenv("CREDIT_OCR_TESSERACT_LIBRARY", "libc.so.6")
    reset_settings()
    with pytest.raises(ocr.OcrUnavailable, match="not libtesseract") as raised:
        tesseract.words(_page(FORM), get_settings())
    assert not raised.value.permanent

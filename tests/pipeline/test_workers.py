"""Workers started from Python: they answer before start_worker returns, stop warm, die on kill."""

from __future__ import annotations

import pytest

from credit_ocr.config import cpu_count
from credit_ocr.pipeline import workers
from credit_ocr.runtime.waiting import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.services]


def test_presets_follow_the_machine() -> None:
    p = workers.presets()
    assert p["ocr"].queues == ("ocr",) and p["ocr"].pool == "prefork" and p["ocr"].concurrency == cpu_count()
    assert p["llm"].queues == ("llm",) and p["llm"].pool == "threads" and p["llm"].concurrency == 16
    assert p["both"].queues == ("ocr", "llm") and p["both"].concurrency == 2


def test_unknown_queue_is_refused_with_the_known_ones(kit) -> None:
    with pytest.raises(workers.WorkerError, match="ocr, llm"):
        workers.start_worker(queues=["celery"])


def test_start_answers_ping_logs_to_home_and_stops_warm(kit) -> None:
    handle = workers.start_worker(preset="llm", concurrency=2)
    try:
        assert handle.alive()
        assert handle.hostname in workers.ping_workers(timeout=2)
        assert handle.log_path.parent == kit.log_dir
        assert "ready" in handle.log_tail()
    finally:
        handle.stop()
    assert not handle.alive()
    assert handle.process.returncode == 0, "a warm shutdown exits cleanly"
    assert handle.hostname not in workers.ping_workers(timeout=1)


def test_kill_takes_the_pool_processes_too(kit) -> None:
    import psutil

    handle = workers.start_worker(preset="ocr", concurrency=2)
    children = handle.children()
    assert len(children) >= 2
    handle.kill()
    assert not handle.alive()

    def survivors() -> list[int]:
        alive = []
        for pid in children:
            try:
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    alive.append(pid)
            except psutil.NoSuchProcess:
                pass
        return alive

    wait_until(lambda: survivors() == [], 5, what="every pool process dies with its worker")


def _engines(handle: workers.WorkerHandle) -> list[int]:
    import psutil

    found = []
    for proc in psutil.Process(handle.pid).children(recursive=True):
        try:
            with open(f"/proc/{proc.pid}/maps") as maps:  # tesserocr's libtesseract, loaded in the process
                if "libtesseract" in maps.read():
                    found.append(proc.pid)
        except (psutil.NoSuchProcess, FileNotFoundError):
            pass
    return found


@pytest.mark.tesseract
def test_ocr_pool_processes_load_tesseract_before_their_first_task(kit) -> None:
    """The model load is start-up, not the first document's time: one engine per OCR pool process."""
    ocr = workers.start_worker(preset="ocr", concurrency=2)
    llm = workers.start_worker(preset="llm", concurrency=2)
    try:
        wait_until(lambda: len(_engines(ocr)) == 2, 20, what="one engine per OCR pool process")
        assert _engines(llm) == []  # extraction needs no tesseract
    finally:
        ocr.stop()
        llm.stop()


def test_queue_lengths_count_every_priority_level(kit) -> None:
    from credit_ocr.pipeline.tasks import enqueue
    from credit_ocr.state import documents

    ids = [documents.upload(b"%PDF-1.4 nothing", "x.pdf").id for _ in range(3)]
    enqueue(ids[0], priority=0)
    enqueue(ids[1], priority=5)
    enqueue(ids[2], priority=9)
    assert workers.queue_lengths() == {"ocr": 3, "llm": 0}

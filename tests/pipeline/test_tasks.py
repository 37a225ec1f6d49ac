"""The pipeline end to end: real Redis, real worker processes, real tesseract; faults injected for real."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from conftest import sample_files
from PIL import Image
from running import running_workers

from credit_ocr.config import override_settings
from credit_ocr.pipeline import submit, workers
from credit_ocr.pipeline.reconcile import reconcile
from credit_ocr.runtime import services
from credit_ocr.state import documents
from credit_ocr.watching import tables as monitor
from credit_ocr.watching.wait import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.services, pytest.mark.tesseract]

HAPPY_PATH = [
    (None, "pending"),
    ("pending", "ocr_running"),
    ("ocr_running", "llm_running"),
    ("llm_running", "done"),
]


def transitions(doc_id: str) -> list[tuple[str | None, str]]:
    return [
        (e["from_status"], e["to_status"])
        for e in documents.document_events(doc_id)
        if e["kind"] == "transition"
    ]


def ten_documents() -> list[Path]:
    files = sample_files()
    return (files * 10)[:10]


def assert_all_done_once(ids: list[str]) -> None:
    for doc_id in ids:
        doc = documents.get_document(doc_id)
        assert doc.status == "done", (doc_id, doc.status, doc.error)
        assert transitions(doc_id) == HAPPY_PATH, transitions(doc_id)
        fields = documents.get_fields(doc_id)
        assert fields is not None and len(fields["fields"]) == 21


def test_ten_documents_split_workers_all_done_with_four_events(kit) -> None:
    with running_workers({"preset": "ocr"}, {"preset": "llm", "concurrency": 4}) as ws:
        ids = submit.submit(ten_documents())
        final = wait_for(ids, timeout=240, progress=False)
        assert set(final.values()) == {"done"}
        assert_all_done_once(ids)
        # read once: one delivery of its last stage, as the status table and the dashboard show it
        assert {documents.get_document(doc_id).attempts for doc_id in ids} == {1}
        # every OCR ran on the ocr worker, every extraction on the llm worker
        for doc_id in ids:
            evs = {e["to_status"]: e for e in documents.document_events(doc_id)}
            assert evs["ocr_running"]["worker"] != evs["llm_running"]["worker"] or len(ws) == 1


def test_single_both_worker_like_the_original_course(kit) -> None:
    with running_workers({"preset": "both"}):
        ids = submit.submit(ten_documents())
        wait_for(ids, timeout=240, progress=False)
    assert_all_done_once(ids)


def test_higher_priority_overtakes_the_queue(kit) -> None:
    files = sample_files("text")
    low = submit.submit([files[i % len(files)] for i in range(6)], priority=0)
    high = submit.submit(files[0], priority=9)[0]
    # the queue is full before the (single, one-process) worker starts: it takes the urgent one first
    with running_workers({"preset": "both", "concurrency": 1}):
        wait_for([*low, high], timeout=240, progress=False)
    started = {d: monitor.events([d]).query("to_status == 'ocr_running'")["at"].min() for d in [*low, high]}
    order = sorted(started, key=started.get)
    assert order[0] == high, "the priority-9 document should be read first"


def test_worker_killed_mid_ocr_document_finishes_once(kit, configure) -> None:
    configure(visibility_timeout=6)
    files = sample_files("scan")
    ocr_worker = workers.start_worker(preset="ocr", concurrency=1)
    llm_worker = workers.start_worker(preset="llm", concurrency=2)
    try:
        ids = submit.submit(files[:3])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and documents.get_document(ids[0]).status != "ocr_running":
            time.sleep(0.05)
        assert documents.get_document(ids[0]).status == "ocr_running"
        ocr_worker.kill()  # SIGKILL, mid-OCR: the message was never acknowledged
        assert not ocr_worker.alive()
        ocr_worker = workers.start_worker(preset="ocr", concurrency=1)
        final = wait_for(ids, timeout=180, progress=False)
    finally:
        ocr_worker.stop()
        llm_worker.stop()
    assert set(final.values()) == {"done"}
    for doc_id in ids:
        done_events = [t for t in transitions(doc_id) if t[1] == "done"]
        assert len(done_events) == 1, transitions(doc_id)
    kinds = [e["kind"] for e in documents.document_events(ids[0])]
    assert "redelivery" in kinds, kinds


def test_broker_restart_then_reconcile_brings_every_document_home(kit, monkeypatch, tmp_path) -> None:
    own = services.start_redis(folder=tmp_path / "own-redis")
    try:
        with override_settings(broker_url=own.url):
            ids = submit.submit(sample_files("text")[:4])  # queued; no worker yet
            own.restart()  # no persistence: the queued messages are gone
            assert workers.queue_lengths()["ocr"] == 0
            assert {documents.get_document(i).status for i in ids} == {"pending"}
            with running_workers({"preset": "both"}):
                pickups = reconcile(older_than=0)
                assert {p.document_id for p in pickups} == set(ids) and all(p.enqueued for p in pickups)
                final = wait_for(ids, timeout=180, progress=False)
            assert set(final.values()) == {"done"}
            for doc_id in ids:
                assert "reconcile" in [e["kind"] for e in documents.document_events(doc_id)]
    finally:
        own.stop()


def test_a_worker_with_beat_brings_lost_documents_home_by_itself(kit, configure, tmp_path) -> None:
    """The same loss, and no one runs `reconcile`: the periodic reconciler of `credit-ocr worker --beat`
    sends the documents again once they have been idle past ``reconcile_after``."""
    own = services.start_redis(folder=tmp_path / "own-redis")
    try:
        configure(broker_url=own.url, reconcile_interval=1, reconcile_after=2)
        ids = submit.submit(sample_files("text")[:3])
        own.restart()  # no persistence: the queued messages are gone
        assert workers.queue_lengths()["ocr"] == 0
        with running_workers({"preset": "both", "beat": True}):
            final = wait_for(ids, timeout=120, progress=False)
        assert set(final.values()) == {"done"}
        for doc_id in ids:
            assert "reconcile" in [e["kind"] for e in documents.document_events(doc_id)]
        assert list(kit.home_dir.glob("celerybeat-schedule*")), "beat keeps its schedule in the kit's home"
        assert not list(Path.cwd().glob("celerybeat-schedule*")), "and nothing in the current folder"
    finally:
        own.stop()


def _bomb_png() -> bytes:
    """A small PNG whose header claims 40000x40000 pixels."""
    buf = io.BytesIO()
    Image.new("1", (40000, 40000)).save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def test_corrupt_pdf_and_image_bomb_fail_fast_rest_done_worker_alive(kit) -> None:
    good = sample_files("text")[:3]
    corrupt = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" + b"\x00garbage" * 50
    with running_workers({"preset": "both"}) as (w,):
        bad_ids = submit.submit([corrupt, _bomb_png()], filenames=["broken.pdf", "bomb.png"])
        good_ids = submit.submit(good)
        final = wait_for([*bad_ids, *good_ids], timeout=180, progress=False)
        assert w.ping(timeout=2), "the worker must still answer after hostile files"
    assert [final[i] for i in bad_ids] == ["failed", "failed"]
    assert all(final[i] == "done" for i in good_ids)
    for doc_id in bad_ids:
        doc = documents.get_document(doc_id)
        assert doc.error and "Traceback" not in doc.error
        assert len(doc.error) < 500
        fail_at = monitor.events([doc_id]).query("to_status == 'failed'")["at"].min()
        assert (fail_at - doc.created_at).total_seconds() < 30


@pytest.fixture
def llm_kit(kit, configure):
    """The kit with the LLM extractor against the stand-in server in its own process; short backoffs."""
    from credit_ocr.faces.llm_server import start_llm_server_process

    server = start_llm_server_process(seed=7)
    # (retries failing in the prefork pool are not deliveries: a generous delivery cap)
    configure(
        extractor="llm", llm_base_url=server.url, retry_backoff_max=1, task_max_retries=6, max_attempts=20
    )
    yield server
    server.stop()


def test_flaky_llm_30_percent_every_document_done_retries_visible(llm_kit) -> None:
    llm_kit.configure(fail_rate=0.3, seed=11)
    with running_workers({"preset": "ocr"}, {"preset": "llm", "concurrency": 4}):
        ids = submit.submit(sample_files("text")[:8])
        final = wait_for(ids, timeout=240, progress=False)
    assert set(final.values()) == {"done"}, final
    retries = monitor.events(ids).query("kind == 'retry'")
    assert len(retries) >= 1, "with 30% failures some calls must have been retried"
    assert retries["detail"].str.contains("LLM|429|500|rate|server", case=False, regex=True).all()
    stats = llm_kit.stats()
    assert stats.failures_injected >= 1
    for doc_id in ids:
        assert [t for t in transitions(doc_id) if t[1] == "done"] == [("llm_running", "done")]

"""The live feed: every transition reaches the viewer in order, even across a cut or a Redis outage."""

from __future__ import annotations

import json
import threading
import time

import pytest
import redis

from credit_ocr.config import EVENTS_CHANNEL, get_settings, override_settings
from credit_ocr.faces.bench.visibility import measure_visibility
from credit_ocr.pipeline.stages import start_stage
from credit_ocr.runtime import services
from credit_ocr.runtime.waiting import ConditionTimeout, wait_until
from credit_ocr.state import documents
from credit_ocr.state.status import Status, record_event, transition
from credit_ocr.watching.dashboard import DashboardModel
from credit_ocr.watching.live import LiveFeed, TransitionEvent, read_snapshot

pytestmark = [pytest.mark.redis, pytest.mark.services]

HAPPY = [
    (None, "pending"),
    ("pending", "ocr_running"),
    ("ocr_running", "llm_running"),
    ("llm_running", "done"),
]


def make_docs(n: int, batch_id: str | None = None) -> list[str]:
    return [documents.upload(b"%PDF-1.4 live test\n", f"doc{i}.pdf", batch_id=batch_id).id for i in range(n)]


def drive(
    ids: list[str], pause: float = 0.005, gate: threading.Event | None = None, gate_after: int = 1
) -> None:
    """Walk documents through the happy path the way workers do, from a thread per document."""

    def one(doc_id: str) -> None:
        for i, step in enumerate((Status.OCR_RUNNING, Status.LLM_RUNNING, Status.DONE)):
            if gate is not None and i == gate_after:
                gate.wait(30)
            transition(doc_id, step, worker=f"w{hash(doc_id) % 2}")
            if step is Status.OCR_RUNNING:
                record_event(doc_id, "ocr_done", "ocr finished")
            time.sleep(pause)

    threads = [threading.Thread(target=one, args=(d,)) for d in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)


def wait_for(predicate, timeout: float = 20.0) -> bool:
    try:
        return bool(wait_until(predicate, timeout, interval=0.02))
    except ConditionTimeout:
        return False


def test_model_sees_every_transition_of_ten_documents_in_order(any_db) -> None:
    ids = make_docs(10)
    model = DashboardModel(ids=ids)
    lock = threading.Lock()

    def locked(fn):
        def call(*args):
            with lock:
                fn(*args)

        return call

    with LiveFeed(ids=ids, on_event=locked(model.apply), on_snapshot=locked(model.reconcile)) as feed:
        assert feed.wait_connected(10)
        drive(ids)
        assert wait_for(model.all_terminal)
    assert model.counts()["done"] == 10
    for doc_id in ids:
        assert model.documents[doc_id].transitions() == HAPPY
    assert feed.stats.messages >= 30  # pushed, not polled


def test_feed_narrowed_to_a_batch_ignores_other_documents(kit) -> None:
    mine = make_docs(3, batch_id="b-mine")
    other = make_docs(2, batch_id="b-other")
    model = DashboardModel(batch_id="b-mine")
    with LiveFeed(batch_id="b-mine", on_event=model.apply, on_snapshot=model.reconcile) as feed:
        assert feed.wait_connected(10)
        drive(mine + other)
        assert wait_for(model.all_terminal)
    assert set(model.documents) == set(mine)


def test_cut_connection_mid_run_still_ends_correct(kit) -> None:
    ids = make_docs(10)
    model = DashboardModel(ids=ids)
    gate = threading.Event()
    driver = threading.Thread(target=drive, args=(ids,), kwargs={"gate": gate, "gate_after": 2})
    with LiveFeed(ids=ids, on_event=model.apply, on_snapshot=model.reconcile, margin=1.0) as feed:
        assert feed.wait_connected(10)
        driver.start()
        assert wait_for(lambda: model.counts()["llm_running"] == 10)
        # Cut the subscriber on the server side, let the rest happen while it is away, then let it back.
        admin = redis.Redis.from_url(get_settings().broker)
        feed_cut = admin.client_kill_filter(_type="pubsub")
        assert feed_cut >= 1
        gate.set()
        driver.join(30)
        assert wait_for(model.all_terminal)
        # the view may have caught up by its fallback poll first; the feed must also come back
        assert wait_for(lambda: feed.stats.reconciles >= 2, 30), feed.stats
    assert feed.stats.disconnects >= 1 and feed.stats.reconciles >= 2
    for doc_id in ids:
        assert model.documents[doc_id].transitions() == HAPPY


def test_redis_down_then_back_the_view_catches_up(kit, tmp_path, monkeypatch) -> None:
    """Transitions made while Redis is dead are never published; the feed's poll and reconcile find them."""
    private = services.start_redis(folder=tmp_path / "private-redis")
    try:
        with override_settings(broker_url=private.url):
            ids = make_docs(6)
            model = DashboardModel(ids=ids)
            states: list[bool] = []
            feed = LiveFeed(
                ids=ids, on_event=model.apply, on_snapshot=model.reconcile, on_state=states.append,
                poll_interval=0.2, max_backoff=0.5,
            )  # fmt: skip
            with feed:
                assert feed.wait_connected(10)
                private.kill()
                assert wait_for(lambda: feed.connected is False, 10)
                drive(ids)  # publishes fail: only the database knows
                assert wait_for(model.all_terminal, 20), model.counts()
                private.start()
                assert wait_for(lambda: feed.connected, 20)
                more = make_docs(2)
                model.watch(more)  # the model first: the feed hands it their history at once
                feed.watch(more)
                drive(more)
                assert wait_for(model.all_terminal, 20)
            assert states[:3] == [True, False, True]
            for doc_id in ids + more:
                assert model.documents[doc_id].transitions() == HAPPY
    finally:
        private.stop()


def test_a_resubmitted_document_is_shown_in_its_new_cycle(kit) -> None:
    (doc_id,) = make_docs(1)
    model = DashboardModel(ids=[doc_id])
    with LiveFeed(ids=[doc_id], on_event=model.apply, on_snapshot=model.reconcile) as feed:
        assert feed.wait_connected(10)
        transition(doc_id, Status.OCR_RUNNING)
        transition(doc_id, Status.FAILED, error="tesseract crashed")
        assert wait_for(lambda: model.documents[doc_id].status == "failed")
        assert model.latest_errors()[0][2] == "tesseract crashed"
        from credit_ocr.state.status import resubmit

        resubmit(doc_id)
        assert wait_for(lambda: model.documents[doc_id].status == "pending")
    doc = model.documents[doc_id]
    assert doc.error is None and doc.finished_at is None
    assert doc.cycle_start == doc.events[-1].at


def test_snapshot_reads_two_tables_for_any_number_of_documents(kit) -> None:
    ids = make_docs(5)
    snap = read_snapshot(ids)
    assert {d.document_id for d in snap.documents} == set(ids)
    assert [e.to_status for e in snap.events] == ["pending"] * 5


def test_measure_visibility_reports_median_and_p95(kit) -> None:
    result = measure_visibility(n=60, pace=0.002)
    assert result["n"] == 60
    assert 0 < result["median_ms"] <= result["p95_ms"] <= result["max_ms"]
    assert read_snapshot().documents == []  # the probe cleaned up after itself


def test_rows_filled_from_live_events_get_the_file_and_deliveries(kit) -> None:
    """A document the dashboard first meets through pub/sub shows its file name and deliveries at once,
    before any reconcile with the database."""
    model = DashboardModel()
    received: list[dict] = []
    pubsub = redis.Redis.from_url(get_settings().broker).pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(EVENTS_CHANNEL)

    def two_received() -> bool:
        message = pubsub.get_message(timeout=0.1)
        if message:
            received.append(json.loads(message["data"]))
        return len(received) >= 2

    try:
        doc = documents.upload(b"%PDF-1.4 live", "shown.pdf")
        start_stage(doc.id, Status.OCR_RUNNING, count_attempt=True)
        wait_until(two_received, 10, what="the upload's and the stage's events")
    finally:
        pubsub.close()
    for message in received:
        model.apply(TransitionEvent.from_message(message))
    shown = model.documents[doc.id]
    assert (shown.filename, shown.status, shown.attempts) == ("shown.pdf", "ocr_running", 1)

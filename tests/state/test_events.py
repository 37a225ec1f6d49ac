"""Every committed transition is published as JSON on ``credit_ocr:events``; Redis away never fails one."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta

import pytest
import redis
from reads import current_status

from credit_ocr.config import EVENTS_CHANNEL, Settings, override_settings
from credit_ocr.runtime.services import free_port
from credit_ocr.state import documents, events
from credit_ocr.state.db import transaction
from credit_ocr.state.status import Status, move, record_event, transition

pytestmark = pytest.mark.redis
BOTH_DBS = pytest.mark.parametrize(
    "any_db", [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
PDF = b"%PDF-1.4\n%%EOF\n"


def _subscribe(url: str) -> redis.client.PubSub:
    pubsub = redis.Redis.from_url(url).pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(EVENTS_CHANNEL)
    deadline = time.monotonic() + 5
    while not pubsub.subscribed and time.monotonic() < deadline:
        pubsub.get_message(timeout=0.1)
    # wait for the server's confirmation, so that nothing published after this line is missed
    while time.monotonic() < deadline:
        if redis.Redis.from_url(url).pubsub_numsub(EVENTS_CHANNEL)[0][1] >= 1:
            break
        time.sleep(0.02)
    return pubsub


def _messages_for(pubsub: redis.client.PubSub, doc_id: str, count: int, timeout: float = 5.0) -> list[dict]:
    got: list[dict] = []
    deadline = time.monotonic() + timeout
    while len(got) < count and time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.2)
        if message and message["type"] == "message":
            data = json.loads(message["data"])
            if data["document_id"] == doc_id:
                got.append(data)
    return got


@BOTH_DBS
def test_each_transition_is_received_by_a_subscriber(any_db: Settings) -> None:
    pubsub = _subscribe(any_db.broker)
    try:
        doc = documents.upload(PDF, "a.pdf", batch_id="batch-1")
        for step in (Status.OCR_RUNNING, Status.LLM_RUNNING, Status.DONE):
            transition(doc.id, step, task_id="task-1", worker="w@host", detail=f"to {step}")
        transition(doc.id, Status.DONE)  # a repeated transition publishes nothing
        record_event(doc.id, "retry", "LLM timeout, retry 1")
        received = _messages_for(pubsub, doc.id, 5)
    finally:
        pubsub.close()
    assert [(m["kind"], m["from_status"], m["to_status"]) for m in received] == [
        ("transition", None, "pending"),
        ("transition", "pending", "ocr_running"),
        ("transition", "ocr_running", "llm_running"),
        ("transition", "llm_running", "done"),
        ("retry", "done", "done"),
    ]
    fields = {
        "document_id",
        "kind",
        "from_status",
        "to_status",
        "at",
        "task_id",
        "worker",
        "detail",
        "batch_id",
        "filename",  # what a watcher shows of the document: its file name
        "attempts",  # and the deliveries of its stage
    }
    assert all(set(m) == fields for m in received)
    assert all(m["filename"] == doc.filename for m in received)
    assert [m["attempts"] for m in received] == [0, 0, 0, 0, 0]  # moved by hand: never delivered
    assert all(m["batch_id"] == "batch-1" for m in received)
    middle = received[2]
    assert (middle["task_id"], middle["worker"], middle["detail"]) == ("task-1", "w@host", "to llm_running")
    stamps = [datetime.fromisoformat(m["at"]) for m in received]
    assert all(t.utcoffset() == timedelta(0) for t in stamps)
    assert stamps == sorted(stamps)
    assert documents.document_events(doc.id)[-2]["at"] == received[3]["at"]  # the same instant as stored


def test_redis_away_never_fails_a_transition(kit: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = documents.upload(PDF, "a.pdf")
    with override_settings(broker_url=f"redis://127.0.0.1:{free_port()}/0"):  # nothing listens
        assert events.publish_many([{"document_id": doc.id}]) is False
        assert transition(doc.id, Status.OCR_RUNNING).changed
        assert current_status(doc.id) is Status.OCR_RUNNING


def test_no_broker_configured_is_no_error_for_publish(kit: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    with override_settings(broker_url=None):
        assert events.publish_many([{"document_id": "x"}]) is False
        doc = documents.upload(PDF, "a.pdf")
        assert transition(doc.id, Status.FAILED, error="given up").changed


def test_one_client_per_process(kit: Settings) -> None:
    assert events.redis_client() is events.redis_client()
    assert events.redis_client().ping()


def test_publish_one_or_several_in_order_and_survive_a_closed_connection(kit: Settings) -> None:
    """One PUBLISH for an event, one pipeline for several, in order; after the server closed the
    client's connection, the next event still arrives (redis-py reconnects)."""
    admin = redis.Redis.from_url(kit.broker)
    pubsub = _subscribe(kit.broker)
    try:
        assert events.publish_many([{"document_id": "a", "n": 1}])
        assert [m["n"] for m in _messages_for(pubsub, "a", 1)] == [1]
        assert events.publish_many([{"document_id": "a", "n": n} for n in (2, 3, 4)])
        assert [m["n"] for m in _messages_for(pubsub, "a", 3)] == [2, 3, 4]
        admin.client_kill_filter(_type="normal", skipme=True)  # every client but the admin's own
        pubsub.close()
        pubsub = _subscribe(kit.broker)
        assert events.publish_many([{"document_id": "a", "n": 5}])
        assert [m["n"] for m in _messages_for(pubsub, "a", 1)] == [5]
    finally:
        pubsub.close()


@BOTH_DBS
def test_events_are_published_only_after_the_commit(any_db: Settings) -> None:
    """A subscriber hears of a move once its transaction committed, and never of one rolled back."""
    pubsub = _subscribe(any_db.broker)
    try:
        doc = documents.upload(PDF, "a.pdf")
        assert [m["to_status"] for m in _messages_for(pubsub, doc.id, 1)] == ["pending"]
        with transaction() as conn:
            move(conn, doc.id, Status.OCR_RUNNING)
            assert _messages_for(pubsub, doc.id, 1, timeout=0.3) == []  # not committed yet
        assert [m["to_status"] for m in _messages_for(pubsub, doc.id, 1)] == ["ocr_running"]
        with pytest.raises(RuntimeError), transaction() as conn:
            move(conn, doc.id, Status.LLM_RUNNING)
            raise RuntimeError("rolled back")
        assert _messages_for(pubsub, doc.id, 1, timeout=0.5) == []
    finally:
        pubsub.close()

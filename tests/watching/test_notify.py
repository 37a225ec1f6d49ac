"""Completion notifications: a Python callback, and JSON POSTs to a URL (document, then batch once)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import sample_files

from credit_ocr.pipeline import submit, workers
from credit_ocr.runtime import services
from credit_ocr.runtime.waiting import wait_until
from credit_ocr.state import documents
from credit_ocr.state.status import Status, transition
from credit_ocr.watching import notify
from credit_ocr.watching.wait import wait_for

pytestmark = [pytest.mark.redis, pytest.mark.services]


class Receiver:
    """A small local HTTP server that records every POST; ``fail`` answers the next N with ``status``."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.attempts = 0
        self.fail = 0
        self.status = 503
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.attempts += 1
                if outer.fail > 0:
                    outer.fail -= 1
                    self.send_response(outer.status)
                    self.end_headers()
                    return
                outer.received.append({**json.loads(body), "_key": self.headers["Idempotency-Key"]})
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def of_type(self, kind: str) -> list[dict]:
        return [r for r in self.received if r["type"] == kind]


@pytest.fixture
def receiver(kit, configure) -> Iterator[Receiver]:
    rec = Receiver()
    configure(notify_url=rec.url)
    yield rec
    rec.server.shutdown()


def finish(doc_id: str, ok: bool = True) -> None:
    transition(doc_id, Status.OCR_RUNNING)
    transition(doc_id, Status.LLM_RUNNING)
    transition(doc_id, Status.DONE if ok else Status.FAILED, error="unreadable")


def make_docs(n: int, batch_id: str | None = None) -> list[str]:
    return [documents.upload(b"%PDF-1.4 notify\n", f"n{i}.pdf", batch_id=batch_id).id for i in range(n)]


def test_one_post_per_document_and_one_per_batch_even_when_redelivered(receiver) -> None:
    ids = make_docs(3, batch_id="nb")
    finish(ids[0])
    assert notify.notify_terminal(ids[0]).document_posted
    assert receiver.of_type("batch") == []  # the batch is not finished yet
    finish(ids[1], ok=False)
    finish(ids[2])
    # the last two finish together and every task is delivered twice
    results: list[notify.NotifyResult] = []
    threads = [
        threading.Thread(target=lambda d=d: results.append(notify.notify_terminal(d))) for d in ids[1:] * 2
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    docs = receiver.of_type("document")
    assert sorted(d["document_id"] for d in docs) == sorted(ids)
    assert {d["document_id"]: d["status"] for d in docs}[ids[1]] == "failed"
    (batch,) = receiver.of_type("batch")
    assert (
        batch["batch_id"] == "nb" and batch["documents"] == 3 and (batch["done"], batch["failed"]) == (2, 1)
    )
    assert sum(r.batch_posted for r in results) == 1
    assert docs[0]["seconds"]["total"] > 0
    assert notify.notify_terminal(ids[0]).skipped == "already posted"


def test_receiver_errors_are_retried_then_reported_as_transient(receiver) -> None:
    (doc_id,) = make_docs(1)
    finish(doc_id)
    receiver.fail = 2  # two 503s, then accepted: retried inside one call
    assert notify.notify_terminal(doc_id).document_posted and receiver.attempts == 3
    (other,) = make_docs(1)
    finish(other)
    receiver.fail = 99
    with pytest.raises(notify.NotifyUnavailable) as err:
        notify.notify_terminal(other)
    assert err.value.transient and "will be retried" in str(err.value)
    receiver.fail = 0  # the Celery retry later succeeds: the failed attempt left no "posted" mark
    assert notify.notify_terminal(other).document_posted
    receiver.fail, receiver.status = 1, 404
    (third,) = make_docs(1)
    finish(third)
    with pytest.raises(notify.NotifyRejected, match="HTTP 404"):
        notify.notify_terminal(third)


def test_an_unreachable_receiver_fails_fast(kit, configure) -> None:
    configure(notify_url=f"http://127.0.0.1:{services.free_port()}/hook")
    (doc_id,) = make_docs(1)
    finish(doc_id)
    started = time.monotonic()
    with pytest.raises(notify.NotifyUnavailable):
        notify.notify_terminal(doc_id)
    assert time.monotonic() - started < 5


def test_nothing_is_posted_without_a_url_or_before_the_end(receiver, configure) -> None:
    (doc_id,) = make_docs(1)
    assert notify.notify_terminal(doc_id).skipped == "not terminal"
    configure(notify_url=None)
    finish(doc_id)
    assert notify.notify_terminal(doc_id).skipped == "CREDIT_OCR_NOTIFY_URL is not set"
    assert receiver.received == []


def test_on_complete_calls_back_once_per_batch_and_per_document(kit) -> None:
    ids = make_docs(3, batch_id="cb")
    reports: list[notify.CompletionReport] = []
    finished: list[tuple[str, str]] = []
    completion = notify.on_complete(
        reports.append, batch_id="cb", on_document=lambda d, s: finished.append((d, s))
    )
    assert completion.feed.wait_connected(10)
    finish(ids[0])
    finish(ids[1], ok=False)
    finish(ids[2])
    report = completion.wait(10)
    assert report is not None and len(reports) == 1
    assert (report.done, report.failed) == (2, 1) and report.errors == {ids[1]: "unreadable"}
    assert sorted(finished) == sorted([(ids[0], "done"), (ids[1], "failed"), (ids[2], "done")])
    # documents finished before the call: the reconcile on connect fires at once
    late = notify.on_complete(lambda r: None, ids=ids[0])
    assert late.wait(10).statuses == {ids[0]: "done"}


@pytest.mark.slow
@pytest.mark.tesseract
def test_real_worker_posts_each_document_and_the_batch(receiver, tmp_path) -> None:
    paths = sample_files("text")[:3]
    batch = submit.new_batch_id()
    with workers.start_worker(preset="both"):
        ids = submit.submit(paths, batch_id=batch)
        wait_for(ids, timeout=120, progress=False)
        wait_until(lambda: receiver.of_type("batch"), 30, what="the batch notification")
        time.sleep(1.0)  # any duplicate would arrive now
    assert sorted(d["document_id"] for d in receiver.of_type("document")) == sorted(ids)
    (only,) = receiver.of_type("batch")
    assert only["batch_id"] == batch and only["done"] == 3

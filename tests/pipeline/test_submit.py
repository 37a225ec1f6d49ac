"""submit() returns at once; wait() follows the event channel and says clearly when nothing moves."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner
from conftest import sample_files

from credit_ocr.config import override_settings
from credit_ocr.faces.cli import main
from credit_ocr.pipeline import submit, workers
from credit_ocr.state import documents
from credit_ocr.state.status import Status, transition
from credit_ocr.watching.wait import WaitTimeout, wait_for

pytestmark = [pytest.mark.services]


def test_submit_returns_ids_at_once_pending_and_queued(kit) -> None:
    started = time.monotonic()
    ids = submit.submit([b"%PDF-1.4 a", b"%PDF-1.4 b"], filenames=["a.pdf", "b.pdf"], batch_id="batch-x")
    assert time.monotonic() - started < 5
    assert len(ids) == 2
    assert {documents.get_document(i).status for i in ids} == {"pending"}
    assert {documents.get_document(i).batch_id for i in ids} == {"batch-x"}
    assert workers.queue_lengths()["ocr"] == 2


def test_a_refused_file_is_failed_at_once_never_sent_and_cannot_be_retried(kit) -> None:
    bad, good = submit.submit([b"just some text", b"%PDF-1.4 a"], filenames=["notes.pdf", "a.pdf"])
    assert documents.get_document(bad).status == "failed"
    assert "notes.pdf is not a document" in documents.get_document(bad).error
    assert workers.queue_lengths()["ocr"] == 1  # only the good one was sent
    assert wait_for([bad], timeout=1, progress=False) == {bad: "failed"}  # terminal already: no wait
    with pytest.raises(documents.UploadError, match="nothing of it was stored, so submit a fixed file"):
        submit.retry(bad)


def test_wait_without_workers_times_out_with_advice(kit) -> None:
    ids = submit.submit(b"%PDF-1.4 a", filenames=["a.pdf"])
    with pytest.raises(WaitTimeout, match="worker"):
        wait_for(ids, timeout=1.5, progress=False)
    assert wait_for(ids, timeout=0.5, progress=False, raise_on_timeout=False) == {ids[0]: "pending"}


def test_wait_is_woken_by_published_transitions(kit) -> None:
    import threading

    ids = submit.submit([b"%PDF-1.4 a", b"%PDF-1.4 b"], filenames=["a.pdf", "b.pdf"])

    def drive() -> None:
        time.sleep(0.3)
        for doc_id in ids:
            transition(doc_id, Status.FAILED, error="stopped by the test")

    threading.Thread(target=drive).start()
    started = time.monotonic()
    assert wait_for(ids, timeout=20, progress=False) == {i: "failed" for i in ids}
    assert time.monotonic() - started < 3, "wait() must wake on the event, not on a long poll"


def test_retry_puts_a_failed_document_back_and_enqueues_it(kit) -> None:
    doc_id = submit.submit(b"%PDF-1.4 a", filenames=["a.pdf"])[0]
    transition(doc_id, Status.FAILED, error="boom")
    before = workers.queue_lengths()["ocr"]
    submit.retry(doc_id)
    doc = documents.get_document(doc_id)
    assert doc.status == "pending" and doc.error is None and doc.attempts == 0
    assert workers.queue_lengths()["ocr"] == before + 1


def test_a_document_the_broker_did_not_take_is_sent_by_the_next_reconcile(kit, configure) -> None:
    """`submit` with the broker away stores the document and says `credit-ocr reconcile` sends it: the
    reconciler does, at its next run, not after CREDIT_OCR_RECONCILE_AFTER (900 s) of idling."""
    from credit_ocr.pipeline.reconcile import reconcile
    from credit_ocr.runtime.processes import free_port

    with override_settings(broker_url=f"redis://127.0.0.1:{free_port()}/0"):  # nothing listens there
        (doc_id,) = submit.submit([b"%PDF-1.4 a"], filenames=["a.pdf"])
    assert documents.get_document(doc_id).status == "pending"
    assert [e["kind"] for e in documents.document_events(doc_id)][-1] == submit.NOT_ENQUEUED
    assert workers.queue_lengths()["ocr"] == 0
    pickups = reconcile()  # the default deadline: 900 s
    assert [(p.document_id, p.enqueued) for p in pickups] == [(doc_id, True)]
    assert workers.queue_lengths()["ocr"] == 1
    assert reconcile() == []  # sent once: no longer "never sent"


def test_submit_wait_says_when_no_worker_consumes_a_queue(kit) -> None:
    result = CliRunner().invoke(main, ["submit", "--wait", "--timeout", "2", str(sample_files("text")[0])])
    assert result.exit_code == 2
    assert "no worker consumes queue 'ocr'" in result.stderr
    assert "credit-ocr worker --queues ocr" in result.stderr
    assert "still no worker consumes 'ocr', 'llm'" in result.stderr


def test_resubmitting_a_document_that_is_not_failed_says_why(kit) -> None:
    (doc_id,) = submit.submit([b"%PDF-1.4 a"], filenames=["a.pdf"])
    for to in (Status.OCR_RUNNING, Status.LLM_RUNNING, Status.DONE):
        transition(doc_id, to)
    result = CliRunner().invoke(main, ["submit", "--retry", doc_id])
    assert result.exit_code == 1
    assert "it is done: only a failed document is resubmitted" in result.stderr
    assert "--retry" not in result.stderr  # not the very command just typed


def test_submit_lists_a_refused_file_as_failed_sends_the_rest_and_exits_1(kit, tmp_path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a scan")
    good = sample_files("text")[0]
    result = CliRunner().invoke(main, ["submit", str(notes), str(good)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert "failed" in lines[0] and "refused at upload: notes.txt is not a document the kit reads" in lines[0]
    assert "pending" in lines[1] and good.name in lines[1]
    assert "1 of 2 documents failed" in result.stderr
    assert workers.queue_lengths()["ocr"] == 1

"""The state machine on SQLite and PostgreSQL: legal and illegal moves, no-ops, races, ordered events."""

from __future__ import annotations

import multiprocessing
import os
import threading
from datetime import timedelta

import pytest
from reads import current_status
from sqlalchemy import select

from credit_ocr.config import Settings, settings_env
from credit_ocr.pipeline import stages
from credit_ocr.pipeline.stages import TooManyDeliveries, start_stage
from credit_ocr.state import documents
from credit_ocr.state.db import (
    Extraction,
    NotInTransaction,
    StatusEvent,
    get_engine,
    session_scope,
    transaction,
)
from credit_ocr.state.documents import count_by_status
from credit_ocr.state.status import (
    ALLOWED,
    DocumentNotFound,
    IllegalTransition,
    Status,
    move,
    note,
    record_event,
    resubmit,
    transition,
)

BOTH_DBS = pytest.mark.parametrize(
    "any_db", [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

#: The transitions that bring a new (pending) document into each state.
PATH_TO: dict[Status, list[Status]] = {
    Status.PENDING: [],
    Status.OCR_RUNNING: [Status.OCR_RUNNING],
    Status.LLM_RUNNING: [Status.OCR_RUNNING, Status.LLM_RUNNING],
    Status.DONE: [Status.OCR_RUNNING, Status.LLM_RUNNING, Status.DONE],
    Status.FAILED: [Status.OCR_RUNNING, Status.FAILED],
}
PAIRS = [(a, b) for a in Status for b in Status if a is not b]
#: The moves transition() makes by itself; failed -> pending is legal only through resubmit().
LEGAL = {(a, b) for b, sources in ALLOWED.items() for a in sources if b is not Status.PENDING}
EXPECTED_LEGAL = {
    (Status.PENDING, Status.OCR_RUNNING),
    (Status.OCR_RUNNING, Status.LLM_RUNNING),
    (Status.LLM_RUNNING, Status.DONE),
    (Status.PENDING, Status.FAILED),
    (Status.OCR_RUNNING, Status.FAILED),
    (Status.LLM_RUNNING, Status.FAILED),
}


def new_document() -> str:
    return documents.upload(PDF, "application.pdf").id


def document_in(state: Status) -> str:
    doc_id = new_document()
    for step in PATH_TO[state]:
        transition(doc_id, step, detail="setup")
    assert current_status(doc_id) is state
    return doc_id


def events_of(doc_id: str) -> list[StatusEvent]:
    with session_scope() as session:
        return list(
            session.scalars(
                select(StatusEvent)
                .where(StatusEvent.document_id == doc_id)
                .order_by(StatusEvent.at, StatusEvent.id)
            )
        )


def test_the_legal_moves_are_the_blueprints() -> None:
    assert LEGAL == EXPECTED_LEGAL
    assert ALLOWED[Status.PENDING] == {Status.FAILED}


@BOTH_DBS
@pytest.mark.parametrize(("source", "target"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_every_pair_of_states(any_db: Settings, source: Status, target: Status) -> None:
    doc_id = document_in(source)
    before = len(events_of(doc_id))
    if (source, target) in LEGAL:
        result = transition(doc_id, target, detail="test", error="boom" if target is Status.FAILED else None)
        assert result.changed and result.previous is source and result.current is target
        assert current_status(doc_id) is target
        log = events_of(doc_id)
        assert len(log) == before + 1
        assert (log[-1].from_status, log[-1].to_status) == (source.value, target.value)
        assert log[-1].at == result.at
        if target is Status.FAILED:
            assert documents.get_document(doc_id).error == "boom"
    else:
        with pytest.raises(IllegalTransition) as info:
            transition(doc_id, target)
        message = str(info.value)
        assert source.value in message and target.value in message
        assert current_status(doc_id) is source
        assert len(events_of(doc_id)) == before


@BOTH_DBS
@pytest.mark.parametrize("state", list(Status))
def test_repeated_transition_is_a_no_op(any_db: Settings, state: Status) -> None:
    doc_id = document_in(state)
    before = [(e.id, e.at) for e in events_of(doc_id)]
    result = transition(doc_id, state)
    assert not result.changed and result.current is state
    assert [(e.id, e.at) for e in events_of(doc_id)] == before


@BOTH_DBS
def test_failed_goes_back_to_pending_only_by_resubmit(any_db: Settings) -> None:
    doc_id = document_in(Status.FAILED)
    with pytest.raises(IllegalTransition, match="resubmit"):
        transition(doc_id, Status.PENDING)
    assert current_status(doc_id) is Status.FAILED
    result = resubmit(doc_id)
    assert result.changed and result.current is Status.PENDING
    doc = documents.get_document(doc_id)
    assert doc.status == "pending" and doc.error is None and doc.attempts == 0
    # and the document can run the whole path again
    for step in PATH_TO[Status.DONE]:
        transition(doc_id, step)
    assert current_status(doc_id) is Status.DONE
    with pytest.raises(IllegalTransition):
        resubmit(doc_id)  # a done document is not resubmitted


@BOTH_DBS
def test_unknown_document_is_named(any_db: Settings) -> None:
    with pytest.raises(DocumentNotFound, match="no-such-id"):
        transition("no-such-id", Status.OCR_RUNNING)


@BOTH_DBS
def test_events_of_a_chain_are_ordered_with_microseconds(any_db: Settings) -> None:
    doc_id = new_document()
    results = [transition(doc_id, s) for s in PATH_TO[Status.DONE]]
    log = events_of(doc_id)
    assert [(e.from_status, e.to_status) for e in log] == [
        (None, "pending"),
        ("pending", "ocr_running"),
        ("ocr_running", "llm_running"),
        ("llm_running", "done"),
    ]
    stamps = [e.at for e in log]
    assert all(a < b for a, b in zip(stamps, stamps[1:], strict=False)), stamps
    assert all(t.tzinfo is not None and t.utcoffset() == timedelta(0) for t in stamps)
    # read back exactly as written, microseconds included
    assert stamps[1:] == [r.at for r in results]
    assert any(t.microsecond for t in stamps)
    as_dicts = documents.document_events(doc_id)
    assert [d["to_status"] for d in as_dicts] == ["pending", "ocr_running", "llm_running", "done"]
    assert as_dicts[1]["at"] == stamps[1].isoformat() and "+00:00" in as_dicts[1]["at"]
    assert count_by_status([doc_id]) == {
        "pending": 0,
        "ocr_running": 0,
        "llm_running": 0,
        "done": 1,
        "failed": 0,
    }


# --------------------------------------------------------------------------------------------
# Two processes racing the same transition


def _racer(jobs: multiprocessing.Queue, results: multiprocessing.Queue, barrier, env: dict) -> None:  # noqa: ANN001
    """A separate process (spawned: nothing inherited) that races the other, with the test's settings."""
    Settings.model_config["env_file"] = None
    os.environ.update(env)
    while True:
        job = jobs.get()
        if job is None:
            return
        doc_id, target = job
        barrier.wait(timeout=60)
        try:
            results.put(("changed" if transition(doc_id, target).changed else "no-op", doc_id))
        except IllegalTransition:
            results.put(("illegal", doc_id))
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results.put((f"error: {exc!r}", doc_id))


ROUNDS = 25


@pytest.mark.slow
@BOTH_DBS
def test_two_processes_racing_one_transition(any_db: Settings) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    queues = [ctx.Queue(), ctx.Queue()]
    results = ctx.Queue()
    racers = [
        ctx.Process(target=_racer, args=(q, results, barrier, settings_env(any_db)), daemon=True)
        for q in queues
    ]
    for p in racers:
        p.start()
    try:
        for round_no in range(ROUNDS):
            # alternate the raced move: pending -> ocr_running, and ocr_running -> failed
            target = Status.OCR_RUNNING if round_no % 2 == 0 else Status.FAILED
            doc_id = document_in(Status.PENDING if target is Status.OCR_RUNNING else Status.OCR_RUNNING)
            before = len(events_of(doc_id))
            for q in queues:
                q.put((doc_id, target))
            outcomes = sorted(results.get(timeout=90)[0] for _ in queues)
            assert outcomes == ["changed", "no-op"], (round_no, outcomes)
            log = events_of(doc_id)
            assert len(log) == before + 1
            assert log[-1].to_status == target.value
            assert current_status(doc_id) is target
    finally:
        for q in queues:
            q.put(None)
        for p in racers:
            p.join(timeout=20)
            if p.is_alive():
                p.kill()


@BOTH_DBS
def test_start_stage_counts_moves_and_records_once(any_db: Settings) -> None:
    """First delivery: counted, moved, one event; a redelivery: counted and recorded as such; past the
    cap: the count is committed and TooManyDeliveries raised, nothing moves."""
    doc_id = new_document()
    first = start_stage(doc_id, Status.OCR_RUNNING, task_id="t1", count_attempt=True, max_attempts=2)
    assert (first.previous, first.current, first.changed, first.attempts, first.over_limit) == (
        Status.PENDING, Status.OCR_RUNNING, True, 1, False,
    )  # fmt: skip
    assert first.blob_key and first.mime_type == "application/pdf"
    again = start_stage(doc_id, Status.OCR_RUNNING, task_id="t2", count_attempt=True, max_attempts=2)
    assert (again.previous, again.current, again.changed, again.attempts) == (
        Status.OCR_RUNNING, Status.OCR_RUNNING, False, 2,
    )  # fmt: skip
    with pytest.raises(TooManyDeliveries, match="Gave up after 2 deliveries.*CREDIT_OCR_MAX_ATTEMPTS=2"):
        start_stage(doc_id, Status.OCR_RUNNING, task_id="t3", count_attempt=True, max_attempts=2)
    log = [(e.kind, e.from_status, e.to_status, e.task_id) for e in events_of(doc_id)]
    assert log == [
        ("transition", None, "pending", None),
        ("transition", "pending", "ocr_running", "t1"),
        ("redelivery", "ocr_running", "ocr_running", "t2"),
    ]
    assert documents.get_document(doc_id).attempts == 3


@BOTH_DBS
def test_each_stage_counts_its_own_deliveries(any_db: Settings) -> None:
    """A document read once shows 1 delivery, whatever stage it is in: a stage counts afresh."""
    doc_id = new_document()
    assert start_stage(doc_id, Status.OCR_RUNNING, count_attempt=True, max_attempts=2).attempts == 1
    assert start_stage(doc_id, Status.LLM_RUNNING, count_attempt=True, max_attempts=2).attempts == 1
    assert documents.get_document(doc_id).attempts == 1
    again = start_stage(doc_id, Status.LLM_RUNNING, count_attempt=True, max_attempts=2)  # a redelivery
    assert (again.changed, again.attempts) == (False, 2)


@BOTH_DBS
def test_start_stage_cap_uncounted_retry_and_documents_elsewhere(any_db: Settings) -> None:
    """A first delivery over the cap is not moved; a retry (not counted) moves without counting; a
    document further along is left alone (the stage skips), even over the cap."""
    doc_id = new_document()
    with pytest.raises(TooManyDeliveries):
        start_stage(doc_id, Status.OCR_RUNNING, count_attempt=True, max_attempts=0)
    assert current_status(doc_id) is Status.PENDING and documents.get_document(doc_id).attempts == 1
    retry = start_stage(doc_id, Status.OCR_RUNNING, max_attempts=1)
    assert retry.changed and retry.attempts == 1 and not retry.over_limit
    done = document_in(Status.DONE)
    behind = start_stage(done, Status.LLM_RUNNING, count_attempt=True, max_attempts=0)
    assert not behind.changed and behind.current is Status.DONE
    assert documents.get_document(done).attempts == 1  # the delivery is counted all the same
    with pytest.raises(DocumentNotFound):
        start_stage("no-such-document", Status.OCR_RUNNING)


@BOTH_DBS
def test_failed_is_reached_from_any_running_state_with_its_message(any_db: Settings) -> None:
    """``expected`` is a hint: a document elsewhere in a legal source is moved from there."""
    doc_id = document_in(Status.PENDING)
    assert stages.fail(doc_id, "bad scan", expected=Status.LLM_RUNNING, detail="bad scan\n\nTraceback ...")
    doc = documents.get_document(doc_id)
    assert (doc.status, doc.error) == ("failed", "bad scan")
    last = events_of(doc_id)[-1]
    assert (last.from_status, last.to_status, last.detail) == (
        "pending",
        "failed",
        "bad scan\n\nTraceback ...",
    )
    assert not stages.fail(doc_id, "again")  # already failed: a no-op
    assert not stages.fail(document_in(Status.DONE), "late")  # done stays done


@BOTH_DBS
def test_note_and_move_commit_with_their_transaction_and_publish_after(any_db: Settings) -> None:
    """A note or a move writes its row with what the same transaction writes, or nothing at all."""
    doc_id = document_in(Status.OCR_RUNNING)
    record_event(doc_id, "ocr_done", "2 pages", task_id="t9", worker="ocr-1@h")
    last = events_of(doc_id)[-1]
    assert (last.kind, last.from_status, last.to_status, last.task_id, last.worker, last.detail) == (
        "ocr_done", "ocr_running", "ocr_running", "t9", "ocr-1@h", "2 pages",
    )  # fmt: skip
    before = len(events_of(doc_id))
    with pytest.raises(RuntimeError, match="after the move"), transaction() as conn:
        note(conn, doc_id, "ocr_done", "again")
        move(conn, doc_id, Status.LLM_RUNNING)
        raise RuntimeError("after the move")
    assert len(events_of(doc_id)) == before and current_status(doc_id) is Status.OCR_RUNNING
    with pytest.raises(NotInTransaction), get_engine().begin() as conn:
        move(conn, doc_id, Status.LLM_RUNNING)  # not a transaction(): nobody would publish its event
    with pytest.raises(DocumentNotFound):
        record_event("no-such-document", "retry", "x")


@BOTH_DBS
def test_two_connections_moving_one_row_only_one_wins(any_db: Settings) -> None:
    """The first transaction holds the row; the second waits for its commit, then finds the move done."""
    doc_id = document_in(Status.OCR_RUNNING)
    outcome: list[object] = []
    with transaction() as first:
        won = move(first, doc_id, Status.FAILED, expected=Status.OCR_RUNNING, error="first")

        def second() -> None:
            with transaction() as conn:
                outcome.append(move(conn, doc_id, Status.FAILED, expected=Status.OCR_RUNNING, error="second"))

        racer = threading.Thread(target=second)
        racer.start()
        racer.join(timeout=0.5)
        assert racer.is_alive(), "the second transaction must wait for the first"
    racer.join(timeout=30)
    assert won.changed and len(outcome) == 1 and not outcome[0].changed
    assert documents.get_document(doc_id).error == "first"
    assert [e.to_status for e in events_of(doc_id)].count("failed") == 1


@BOTH_DBS
def test_done_and_its_extraction_are_one_write(any_db: Settings, monkeypatch) -> None:  # noqa: ANN001
    """``done`` stores the extraction with its move; a repeated ``done`` (a duplicate) writes nothing."""
    from credit_ocr.reading.extraction import ExtractionResult

    result = ExtractionResult("rules", {"name": "Ana", "amount": 1.5}, {"name": True}, {"name": 0.9})
    monkeypatch.setattr(stages, "extract", lambda _text, _extractor, *_words_and_layout: result)
    doc_id = document_in(Status.OCR_RUNNING)
    done = stages.run_extraction(doc_id)
    assert not done.skipped and current_status(doc_id) is Status.DONE

    def extraction(document_id: str) -> tuple | None:
        with session_scope() as session:
            row = session.scalars(select(Extraction).where(Extraction.document_id == document_id)).first()
            return row and (row.extractor, row.fields, row.valid, row.confidence)

    assert extraction(doc_id) == ("rules", result.fields, result.valid, result.confidence)
    events_before = len(events_of(doc_id))
    again = stages.run_extraction(doc_id)  # a redelivered extraction: the document is done already
    assert again.skipped and len(events_of(doc_id)) == events_before
    early = document_in(Status.LLM_RUNNING)
    with pytest.raises(IllegalTransition), transaction() as conn:
        stages._store_extraction(conn, early, result)
        move(conn, early, Status.DONE)
        move(conn, early, Status.OCR_RUNNING)  # illegal: the whole transaction rolls back
    assert extraction(early) is None and current_status(early) is Status.LLM_RUNNING

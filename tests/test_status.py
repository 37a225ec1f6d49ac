"""The state machine on SQLite and PostgreSQL: legal and illegal moves, no-ops, races, ordered events."""

from __future__ import annotations

import multiprocessing
from datetime import timedelta

import pytest
from sqlalchemy import select

from credit_ocr.config import Settings
from credit_ocr.state import documents
from credit_ocr.state.db import StatusEvent, session_scope
from credit_ocr.state.status import (
    ALLOWED,
    DocumentNotFound,
    IllegalTransition,
    Status,
    count_by_status,
    current_status,
    record_event,
    resubmit,
    start_stage,
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


def _racer(jobs: multiprocessing.Queue, results: multiprocessing.Queue, barrier) -> None:  # noqa: ANN001
    """A separate process (spawned: nothing inherited but the environment) that races the other."""
    Settings.model_config["env_file"] = None
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
    racers = [ctx.Process(target=_racer, args=(q, results, barrier), daemon=True) for q in queues]
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
    """First delivery: counted, moved, one event; a redelivery: counted only; past the cap: nothing moves."""
    doc_id = new_document()
    first = start_stage(doc_id, Status.OCR_RUNNING, task_id="t1", max_attempts=2)
    assert (first.previous, first.current, first.changed, first.attempts, first.over_limit) == (
        Status.PENDING, Status.OCR_RUNNING, True, 1, False,
    )  # fmt: skip
    assert first.blob_key and first.mime_type == "application/pdf"
    again = start_stage(doc_id, Status.OCR_RUNNING, task_id="t2", max_attempts=2)
    assert (again.previous, again.current, again.changed, again.attempts) == (
        Status.OCR_RUNNING, Status.OCR_RUNNING, False, 2,
    )  # fmt: skip
    over = start_stage(doc_id, Status.OCR_RUNNING, task_id="t3", max_attempts=2)
    assert over.over_limit and not over.changed and over.attempts == 3
    moves = [(e.from_status, e.to_status, e.task_id) for e in events_of(doc_id) if e.kind == "transition"]
    assert moves == [(None, "pending", None), ("pending", "ocr_running", "t1")]
    assert documents.get_document(doc_id).attempts == 3


@BOTH_DBS
def test_start_stage_cap_and_uncounted_retry(any_db: Settings) -> None:
    """A first delivery over the cap is not moved; a retry (not counted) moves without counting."""
    doc_id = new_document()
    capped = start_stage(doc_id, Status.OCR_RUNNING, max_attempts=0)
    assert capped.over_limit and not capped.changed and capped.current is Status.PENDING
    still = start_stage(doc_id, Status.OCR_RUNNING, count_attempt=False, max_attempts=0)
    assert still.over_limit and not still.changed and still.attempts == 1
    retry = start_stage(doc_id, Status.OCR_RUNNING, count_attempt=False, max_attempts=1)
    assert retry.changed and retry.attempts == 1 and not retry.over_limit
    behind = start_stage(document_in(Status.DONE), Status.LLM_RUNNING)
    assert not behind.changed and behind.current is Status.DONE
    with pytest.raises(DocumentNotFound):
        start_stage("no-such-document", Status.OCR_RUNNING)


@BOTH_DBS
def test_record_event_and_also_commit_with_their_move(any_db: Settings, monkeypatch) -> None:  # noqa: ANN001
    """A move or an event writes its row with what ``also`` writes, or nothing at all; the published
    message is the row's."""
    from credit_ocr.state import events

    published: list[dict] = []
    monkeypatch.setattr(events, "publish", lambda message: published.append(message) or True)
    doc_id = document_in(Status.OCR_RUNNING)
    record_event(doc_id, "ocr_done", "2 pages", task_id="t9", worker="ocr-1@h")
    last = events_of(doc_id)[-1]
    assert (last.kind, last.from_status, last.to_status, last.task_id, last.worker, last.detail) == (
        "ocr_done", "ocr_running", "ocr_running", "t9", "ocr-1@h", "2 pages",
    )  # fmt: skip
    assert published[-1]["kind"] == "ocr_done" and published[-1]["from_status"] == "ocr_running"
    assert published[-1]["at"] == last.at.isoformat()
    before = len(events_of(doc_id))

    def broken(_conn: object) -> None:
        raise RuntimeError("also failed")

    with pytest.raises(RuntimeError):
        record_event(doc_id, "ocr_done", "again", also=broken)
    with pytest.raises(RuntimeError):
        transition(doc_id, Status.LLM_RUNNING, also=broken)
    assert len(events_of(doc_id)) == before and current_status(doc_id) is Status.OCR_RUNNING
    seen: list[bool] = []
    result = transition(doc_id, Status.LLM_RUNNING, task_id="t10", also=lambda conn: seen.append(True))
    assert result.changed and seen == [True] and current_status(doc_id) is Status.LLM_RUNNING
    assert published[-1]["to_status"] == "llm_running" and published[-1]["task_id"] == "t10"
    with pytest.raises(DocumentNotFound):
        record_event("no-such-document", "retry", "x")


@BOTH_DBS
def test_done_and_its_extraction_are_one_write(any_db: Settings, monkeypatch) -> None:  # noqa: ANN001
    """``done`` stores the extraction with its move (on PostgreSQL as ONE statement); a repeated or an
    illegal ``done`` writes nothing, neither the move nor the event nor the extraction."""
    from sqlalchemy import event as sa_event

    from credit_ocr.pipeline import stages as pipeline
    from credit_ocr.reading.extraction import ExtractionResult
    from credit_ocr.state.db import Extraction, get_engine, is_postgres

    result = ExtractionResult("rules", {"name": "Ana", "amount": 1.5}, {"name": True}, {"name": 0.9})
    monkeypatch.setattr(pipeline, "extract", lambda _text, _extractor: result)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        statements.append(statement)

    doc_id = document_in(Status.OCR_RUNNING)
    start = start_stage(doc_id, Status.LLM_RUNNING)
    sa_event.listen(get_engine(), "before_cursor_execute", count)
    try:
        done = pipeline.run_extraction(doc_id, start=start)
    finally:
        sa_event.remove(get_engine(), "before_cursor_execute", count)
    assert not done.skipped and current_status(doc_id) is Status.DONE
    if is_postgres():
        assert len(statements) == 2 and "INSERT INTO extractions" in statements[1]  # text, then the CTE
    events_before = len(events_of(doc_id))

    def extraction() -> tuple:
        with session_scope() as session:
            row = session.scalars(select(Extraction).where(Extraction.document_id == doc_id)).one()
            return row.extractor, row.fields, row.valid, row.confidence

    assert extraction() == ("rules", result.fields, result.valid, result.confidence)
    other = ExtractionResult("llm", {"name": "Bob"})
    again = transition(
        doc_id, Status.DONE, also=lambda c: pipeline._store_extraction(c, doc_id, other),
        also_pg=pipeline._pg_extraction(doc_id, other),
    )  # fmt: skip
    assert not again.changed and extraction()[0] == "rules" and len(events_of(doc_id)) == events_before
    early = document_in(Status.OCR_RUNNING)
    with pytest.raises(IllegalTransition):
        transition(
            early, Status.DONE, also=lambda c: pipeline._store_extraction(c, early, other),
            also_pg=pipeline._pg_extraction(early, other),
        )  # fmt: skip
    with session_scope() as session:
        assert session.scalars(select(Extraction).where(Extraction.document_id == early)).first() is None
    assert current_status(early) is Status.OCR_RUNNING

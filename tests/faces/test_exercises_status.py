"""Exercises 04.1 and 04.2 read the documents and their event log: hint, then ✓."""

from __future__ import annotations

import pytest

from credit_ocr.faces import exercises
from credit_ocr.faces.exercises.core import verdict
from credit_ocr.faces.lessons import sample_paths
from credit_ocr.state import documents
from credit_ocr.state.status import IllegalTransition, Status, transition
from credit_ocr.watching import tables as monitor


def test_04_1_an_illegal_move_caught_by_name_then_the_document_failed(kit) -> None:
    doc = documents.upload(sample_paths("text")[0])
    moved = transition(doc.id, Status.OCR_RUNNING)
    assert "the move was allowed" in verdict("04.1", moved).message
    with pytest.raises(IllegalTransition) as caught:
        transition(doc.id, Status.DONE)
    answer = caught.value
    left_running = verdict("04.1", answer)
    assert not left_running.passed and "still ocr_running" in left_running.message
    transition(doc.id, Status.FAILED, error="exercise 04.1: OCR never finished, the move to done was refused")
    passed = verdict("04.1", answer)
    assert passed.passed, passed.message
    assert "ocr_running → done was refused" in passed.message
    assert "expected the IllegalTransition" in verdict("04.1", ValueError("not the kit's")).message


def test_04_2_the_resubmitted_document_found_in_the_log(kit) -> None:
    puzzle = exercises.resubmit_puzzle()
    assert len(puzzle) == 4 and {d.status for d in documents.list_documents(puzzle)} == {"done", "failed"}
    # the solution: the one document with a transition out of failed
    log = monitor.events(puzzle)
    found = log[(log["kind"] == "transition") & (log["from_status"] == "failed")]["document_id"].unique()
    assert len(found) == 1
    passed = verdict("04.2", found[0])
    assert passed.passed and "failed → pending" in passed.message
    assert verdict("04.2", [found[0]]).passed
    failed_only = [d for d in puzzle if d != found[0] and documents.get_document(d).status == "failed"]
    assert "never resubmitted" in verdict("04.2", failed_only[0]).message
    done = [d for d in puzzle if d != found[0] and documents.get_document(d).status == "done"]
    assert "never failed" in verdict("04.2", done[0]).message
    outsider = documents.upload(sample_paths("text")[0]).id
    assert "not one of the puzzle's" in verdict("04.2", outsider).message
    assert "not the id of a document" in verdict("04.2", "no-such-id").message

"""The soak-and-chaos run at a small size: workers SIGKILLed every few seconds, Redis, PostgreSQL and
Azurite restarted once each, the LLM stand-in failing 20% of calls; nothing lost, nothing booked twice."""

from __future__ import annotations

import shutil

import pgcluster
import pytest
from conftest import skip_or_fail
from running import running_workers

from credit_ocr.faces.chaos import run_chaos
from credit_ocr.runtime import services
from credit_ocr.watching.wait import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.services, pytest.mark.tesseract, pytest.mark.redis,
              pytest.mark.azurite, pytest.mark.postgres]  # fmt: skip


@pytest.mark.timeout(420)
def test_twenty_documents_under_faults_none_lost_none_twice_none_good_failed(kit) -> None:
    try:
        services.azurite_binary()
    except services.ServiceError as exc:
        skip_or_fail(str(exc))
    if pgcluster.postgres_bin_dir() is None:
        skip_or_fail("initdb/pg_ctl not installed: the chaos run needs its own PostgreSQL cluster")
    # its own folder under /tmp, not pytest's (private to root): the server runs as the postgres user
    postgres = pgcluster.start_postgres()
    try:
        # a killed worker's document is picked up by the reconciler after 20 s idle (the CLI's default is 30)
        report = run_chaos(20, kill_every=5.0, reconcile_deadline=20.0, timeout=300, postgres=postgres)
    finally:
        postgres.stop()
        shutil.rmtree(postgres.folder, ignore_errors=True)
    summary = report.as_dict()
    assert report.submitted == 20, summary
    assert report.lost == 0, summary
    assert report.duplicated == 0, summary
    assert report.failed_good == 0, summary
    assert report.done == 20, summary
    # the faults really happened, and the kit really recovered from them
    assert report.faults.get("restart redis") == 1, summary
    assert report.faults.get("restart postgres") == 1, summary
    assert report.faults.get("restart azurite") == 1, summary
    assert report.faults.get("sigkill ocr worker", 0) >= 2 and report.faults.get("sigkill llm worker", 0) >= 2
    assert report.llm_failures_injected > 0 and report.retries > 0, summary
    assert report.database.startswith("postgresql"), summary


def test_a_stage_over_its_time_limit_is_retried_once_then_failed_clearly(kit, configure) -> None:
    """What the chaos run taught: a good page can overrun once on a loaded machine; twice is the page."""
    from credit_ocr.pipeline import submit
    from credit_ocr.reading.samples import make_document
    from credit_ocr.state import documents

    # a scanned page takes seconds of OCR; at 600 dpi it has 16 times the pixels: far over the limit
    configure(soft_time_limit=2, time_limit=30, ocr_dpi=600)
    scan, name, _, _ = make_document(3, 4)  # a two-page scan: several seconds of OCR
    with running_workers({"preset": "both", "concurrency": 1}):
        doc_id = submit.submit([scan], filenames=[name])[0]
        state = wait_for([doc_id], timeout=60, progress=False)[doc_id]
        assert state == "failed", [
            (e["kind"], e["to_status"], e["at"][11:23], e["detail"])
            for e in documents.document_events(doc_id)
        ]
    events = documents.document_events(doc_id)
    retries = [e for e in events if e["kind"] == "retry"]
    assert len(retries) == 1 and "soft time limit of 2s" in retries[0]["detail"], events
    assert "CREDIT_OCR_SOFT_TIME_LIMIT" in (documents.get_document(doc_id).error or "")

"""The soak-and-chaos run at a small size: workers SIGKILLed every few seconds, Redis, PostgreSQL and
Azurite restarted once each, the LLM stand-in failing 20% of calls; nothing lost, nothing booked twice."""

from __future__ import annotations

import pytest
from conftest import skip_or_fail

from credit_ocr import services
from credit_ocr.chaos import run_chaos

pytestmark = [pytest.mark.slow, pytest.mark.services, pytest.mark.tesseract, pytest.mark.redis,
              pytest.mark.azurite, pytest.mark.postgres]  # fmt: skip


@pytest.mark.timeout(420)
def test_forty_documents_under_faults_none_lost_none_twice_none_good_failed(kit) -> None:
    try:
        services.azurite_binary()
    except services.ServiceError as exc:
        skip_or_fail(str(exc))
    if services.postgres_bin_dir() is None:
        skip_or_fail("initdb/pg_ctl not installed: the chaos run needs its own PostgreSQL cluster")
    report = run_chaos(40, kill_every=5.0, timeout=300)
    summary = report.as_dict()
    assert report.submitted == 40, summary
    assert report.lost == 0, summary
    assert report.duplicated == 0, summary
    assert report.failed_good == 0, summary
    assert report.done == 40, summary
    # the faults really happened, and the kit really recovered from them
    assert report.faults.get("restart redis") == 1, summary
    assert report.faults.get("restart postgres") == 1, summary
    assert report.faults.get("restart azurite") == 1, summary
    assert report.faults.get("sigkill ocr worker", 0) >= 2 and report.faults.get("sigkill llm worker", 0) >= 2
    assert report.llm_failures_injected > 0 and report.retries > 0, summary
    assert report.database.startswith("postgresql"), summary

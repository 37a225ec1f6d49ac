"""`credit-ocr demo` (what `make demo` runs) on the embedded default, then the CLI reading its results."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import SAMPLES

pytestmark = [pytest.mark.slow, pytest.mark.services, pytest.mark.tesseract]


def cli(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "credit_ocr", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def test_demo_runs_the_samples_prints_its_tables_and_stops_what_it_started(tmp_path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("CREDIT_OCR_") or k == "CREDIT_OCR_REQUIRE_SERVICES"
    }
    env["CREDIT_OCR_HOME"] = str(tmp_path / "var")  # the embedded default, in a private folder
    run = cli("demo", env=env, timeout=400)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    out = run.stdout
    samples = sorted(
        p.name for p in SAMPLES.iterdir() if p.with_suffix(".json").exists() and p.suffix != ".json"
    )
    for name in samples:
        assert name in out, f"{name} missing from the status table"
    assert "Stage timings" in out and "queue_wait" in out and "p95" in out
    assert "field accuracy" in out
    assert (tmp_path / "var" / "report" / "timeline.png").stat().st_size > 10_000
    # it stopped the redis-server it started
    state = json.loads((tmp_path / "var" / "services.json").read_text())
    assert "redis" not in state

    # the results stay readable by anyone, long after: status and fields from the database
    status = cli("status", "--json", env=env)
    rows = json.loads(status.stdout)
    assert len(rows) == len(samples) and {r["status"] for r in rows} == {"done"}
    assert all(r["timings"]["total_s"] > 0 for r in rows)
    fields = json.loads(cli("fields", rows[0]["id"], "--json", env=env).stdout)
    assert {"document_id", "extractor", "fields", "valid", "confidence", "review"} <= set(fields)
    assert len(fields["fields"]) == 21

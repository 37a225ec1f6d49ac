"""Every experiment at a tiny size: the report has its shape, and every ratio comes from the same run.

No assertion is made on time: these tests share the machine with others. They check that each
configuration processed every document, that throughput, CPU utilisation and ratios are computed from
the numbers of that very report, and that the table, the JSON and the plot carry them.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from credit_ocr.config import cpu_count
from credit_ocr.faces.bench import EXPERIMENTS, ExperimentResult, run_experiment

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.tesseract, pytest.mark.services]

#: Experiments whose configurations run the pipeline (their stages come from the event log).
PIPELINE = {"sync-vs-async", "workers", "queues", "omp", "overhead"}


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


@pytest.fixture(autouse=True)
def _bench_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bench makes its own home, Redis and databases; nothing of the developer's may leak in."""
    for name in ("CREDIT_OCR_DATABASE_URL", "CREDIT_OCR_BROKER_URL", "CREDIT_OCR_HOME"):
        monkeypatch.delenv(name, raising=False)


#: Run by notebook 07 under strict nbval on every `make test` (each configuration must finish all its
#: documents there), so the report's shape is checked here on the others only.
IN_NOTEBOOK_07 = {"sync-vs-async", "workers", "queues"}


@pytest.mark.parametrize("name", [n for n in EXPERIMENTS if n not in IN_NOTEBOOK_07])
def test_experiment_report_shape_and_ratios(name: str) -> None:
    result = run_experiment(name, tiny=True)
    assert isinstance(result, ExperimentResult)
    assert result.name == name and result.cores == cpu_count()
    names = [c.name for c in result.configs]
    assert len(names) >= 2 and len(set(names)) == len(names), names
    assert result.baseline in names

    base = getattr(result.config(result.baseline), result.ratio_metric)
    for c in result.configs:
        assert c.docs >= 1 and c.done == c.docs and c.failed == 0, (c.name, c.note)
        assert c.makespan_s > 0
        # throughput and CPU utilisation from this configuration's own numbers
        assert close(c.docs_per_min, 60.0 * c.done / c.makespan_s)
        assert close(c.cpu_util, c.cpu_seconds / (c.makespan_s * result.cores))
        assert c.peak_rss_mb and all(v > 0 for v in c.peak_rss_mb.values()), c.peak_rss_mb
        # the ratio: this configuration against the baseline of the very same report
        value = getattr(c, result.ratio_metric)
        expected = base / value if result.ratio_metric == "latency_median_s" else value / base
        assert close(c.ratio, expected), (c.name, c.ratio, expected)
    assert close(result.config(result.baseline).ratio, 1.0)

    if name in PIPELINE:
        for c in result.configs:
            assert not math.isnan(c.latency_median_s) and c.latency_p95_s >= c.latency_median_s
            assert not math.isnan(c.ocr_s) and not math.isnan(c.queue_wait_s), c.name
    if name == "overhead":  # CPU per document: text-layer (bookkeeping) against scanned (OCR)
        assert result.ratio_metric == "cpu_per_doc_s" and result.baseline.startswith("scanned")
        for c in result.configs:
            assert c.cpu_per_doc_s > 0 and close(c.cpu_per_doc_s, c.cpu_seconds / c.done)
            assert c.extra["cpu_per_doc_s"] == round(c.cpu_per_doc_s, 4)
        assert "<= 5%" in result.verdict and ("met" in result.verdict)
    if name == "visibility":
        assert all(c.latency_p95_s >= c.latency_median_s > 0 for c in result.configs)

    # the same numbers in the table, the JSON and the plot
    table = result.table()
    assert list(table.index) == names
    for col in ("makespan_s", "docs_per_min", "latency_median_s", "latency_p95_s", "queue_wait_s", "ocr_s",
                "extraction_s", "cpu_util", "peak_rss_mb_max", "ratio"):  # fmt: skip
        assert col in table.columns, col
    assert list(table["ratio"]) == pytest.approx([c.ratio for c in result.configs])
    data = json.loads(json.dumps(result.to_dict()))
    assert data["experiment"] == name and data["baseline"] == result.baseline
    assert [c["ratio"] for c in data["configs"]] == pytest.approx([c.ratio for c in result.configs])
    fig = result.plot()
    assert len(fig.axes) == 2
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == names[::-1]


def test_cli_json_is_alone_on_stdout(tmp_path) -> None:  # noqa: ANN001
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "credit_ocr",
            "bench",
            "visibility",
            "--docs",
            "9",
            "--json",
            "--plot",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    reports = json.loads(proc.stdout)
    assert [r["experiment"] for r in reports] == ["visibility"]
    assert "visibility" in proc.stderr  # the table went to stderr
    assert (tmp_path / "bench-visibility.png").stat().st_size > 0


def test_unknown_experiment_is_named() -> None:
    from credit_ocr.faces.bench import BenchError

    with pytest.raises(BenchError, match="choose from limit"):
        run_experiment("nope")

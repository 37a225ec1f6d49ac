"""Flower, started as documented, lists the kit's tasks by name with their states (its HTTP API)."""

from __future__ import annotations

import httpx
import pytest
from conftest import sample_files

from credit_ocr.pipeline import submit, workers
from credit_ocr.runtime import services
from credit_ocr.runtime.waiting import wait_until
from credit_ocr.watching.wait import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.services, pytest.mark.redis, pytest.mark.tesseract]


def start_flower_as_documented(broker: str, folder) -> services.ServiceProcess:  # noqa: ANN001
    """What `credit-ocr services up --flower` does."""
    return services.start_flower(broker, services.free_port(), folder=folder)


def test_flower_lists_the_kit_tasks_with_their_states(kit, tmp_path) -> None:
    paths = sample_files("text")[:2]
    flower = start_flower_as_documented(kit.broker, tmp_path)
    base = f"http://127.0.0.1:{flower.port}"
    try:
        with workers.start_worker(preset="both") as worker:
            # Flower's event receiver must be listening before the tasks are sent: wait until it has
            # seen the worker's heartbeat (events sent before it connected would be lost to it).
            online = f'flower_worker_online{{worker="{worker.hostname}"}} 1.0'
            wait_until(lambda: online in httpx.get(f"{base}/metrics", timeout=5).text, 30, interval=0.3,
                       what="Flower seeing the worker online")  # fmt: skip
            ids = submit.submit(paths)
            assert set(wait_for(ids, timeout=120).values()) == {"done"}

            def both_succeeded() -> dict:
                tasks = httpx.get(f"{base}/api/tasks", timeout=5).json()
                states = {(t["name"], t["state"]) for t in tasks.values()}
                return (
                    tasks
                    if {("credit_ocr.ocr", "SUCCESS"), ("credit_ocr.extract", "SUCCESS")} <= states
                    else {}
                )

            tasks = wait_until(both_succeeded, 30, interval=0.5, what="both tasks SUCCESS in Flower")
            names = [t["name"] for t in tasks.values()]
            assert names.count("credit_ocr.ocr") == 2 and names.count("credit_ocr.extract") == 2
            assert {t["state"] for t in tasks.values() if t["name"].startswith("credit_ocr.")} == {"SUCCESS"}
            assert {t["worker"] for t in tasks.values()} == {worker.hostname}
            # Prometheus: events per task name and the worker seen online (from its heartbeats)
            metrics = httpx.get(f"{base}/metrics", timeout=5).text
            assert "flower_events_total{" in metrics and 'task="credit_ocr.ocr"' in metrics
            assert f'flower_worker_online{{worker="{worker.hostname}"}} 1.0' in metrics
    finally:
        flower.stop()


def test_flower_api_is_open_only_on_purpose(kit, tmp_path) -> None:
    """services.start_flower opens the API (FLOWER_UNAUTHENTICATED_API) and binds to loopback only."""
    flower = start_flower_as_documented(kit.broker, tmp_path)
    try:
        assert flower.env["FLOWER_UNAUTHENTICATED_API"] == "true" and flower.host == "127.0.0.1"
        assert kit.broker not in " ".join(flower.argv), (
            "the broker URL (maybe with a password) stays out of ps"
        )
        assert httpx.get(f"http://127.0.0.1:{flower.port}/api/workers", timeout=5).status_code == 200
    finally:
        flower.stop()

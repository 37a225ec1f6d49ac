"""Across hosts: a worker in its own network namespace (a second host, made by the test with a veth
pair) processes documents through this host's Redis, PostgreSQL and Azurite; its link is cut in the
middle of a task and restored, and every document still ends ``done`` exactly once."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pgcluster
import pytest
from conftest import skip_or_fail
from netns import Namespace, NetnsError, unavailable_reason

from credit_ocr.config import get_settings
from credit_ocr.pipeline import submit, workers
from credit_ocr.reading.samples import make_document
from credit_ocr.runtime import services
from credit_ocr.runtime.waiting import wait_until
from credit_ocr.state import documents
from credit_ocr.watching.wait import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.services, pytest.mark.tesseract, pytest.mark.redis,
              pytest.mark.azurite, pytest.mark.postgres]  # fmt: skip


@pytest.fixture
def second_host() -> Iterator[Namespace]:
    reason = unavailable_reason()
    if reason:
        skip_or_fail(f"cannot make a second host with `ip netns`: {reason}")
    try:
        ns = Namespace.make()
    except NetnsError as exc:
        skip_or_fail(f"`ip netns` is not permitted here: {exc}")
    try:
        yield ns
    finally:
        ns.delete()  # even when the test failed: no namespace or veth is left behind
    assert subprocess.run(["ip", "link", "show", ns.host_if], capture_output=True).returncode != 0


def _start_worker_in(ns: Namespace) -> workers.WorkerHandle:
    """A real `celery worker` started inside the namespace (same program, other host)."""
    name = f"remote-{ns.name}"
    handle = workers.WorkerHandle(
        name=name, argv=ns.argv(workers.worker_command(["ocr", "llm"], 1, "prefork", name)),
        log_path=get_settings().log_dir / f"worker-{name}.log", env=workers.worker_env(),
        queues=("ocr", "llm"), pool="prefork", concurrency=1,
    )  # fmt: skip
    handle.start(timeout=90)
    return handle


def test_worker_on_a_second_host_survives_a_partition_mid_task(
    kit, second_host, tmp_path: Path, configure
) -> None:
    try:
        services.azurite_binary()
    except services.ServiceError as exc:
        skip_or_fail(str(exc))
    if pgcluster.postgres_bin_dir() is None:
        skip_or_fail("initdb/pg_ctl not installed: the test starts its own PostgreSQL on the veth address")
    host = second_host.host_addr
    # off loopback Redis wants a password (else protected mode refuses every client): as across real hosts
    redis = services.start_redis(folder=tmp_path / "redis", host=host, password=f"pw-{second_host.name}")
    azurite = services.start_azurite(folder=tmp_path / "azurite", host=host)
    # its own folder under /tmp, not pytest's: a pytest session starting meanwhile makes that tree
    # private again (0700), and the server runs as the postgres user
    postgres = pgcluster.start_postgres(host=host, allow=(f"{host}/30",))
    remote = None
    try:
        configure(
            broker_url=redis.url, database_url=postgres.url, azure_connection_string=azurite.connection_string,
            soft_time_limit=90, time_limit=100, visibility_timeout=120,
        )  # fmt: skip
        # the second host reaches this one only through the link
        second_host.run(
            "python3", "-c", f"import socket; socket.create_connection(('{host}', {redis.port}), 3)"
        )
        remote = _start_worker_in(second_host)
        scans = [make_document(5, i) for i in (1, 2, 4)]  # scanned PDF and PNGs: seconds of OCR each
        ids = submit.submit([d for d, *_ in scans], filenames=[n for _, n, *_ in scans])
        wait_until(lambda: documents.get_document(ids[0]).status == "ocr_running", 60, what="OCR started")
        second_host.cut()  # a partition in the middle of OCR
        try:
            time.sleep(8)
            assert not remote.ping(timeout=1.0), "a partitioned worker cannot answer"
        finally:
            second_host.restore()
        final = wait_for(ids, timeout=180, progress=False)
        assert set(final.values()) == {"done"}, final
        for doc_id in ids:
            events = documents.document_events(doc_id)
            done = [e for e in events if e["kind"] == "transition" and e["to_status"] == "done"]
            assert len(done) == 1, events
            assert remote.hostname.split("@")[0] in " ".join(str(e["worker"]) for e in events), events
        assert remote.ping(timeout=2.0), "the worker is back after the partition"
    finally:
        if remote is not None:
            remote.kill()
        postgres.stop()
        shutil.rmtree(postgres.folder, ignore_errors=True)
        azurite.stop()
        redis.stop()

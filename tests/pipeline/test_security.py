"""Security with real processes: JSON-only messages, Redis with a password and over TLS, secrets never
written anywhere, blob keys and types never taken from the user, and workers that survive hostile files."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import shutil
import subprocess
import threading
import uuid
from pathlib import Path

import numpy as np
import pytest
import redis
from click.testing import CliRunner
from conftest import skip_or_fail
from PIL import Image
from reads import read_blob
from running import running_workers

from credit_ocr.config import EVENTS_CHANNEL, get_settings, override_settings
from credit_ocr.pipeline import submit, workers
from credit_ocr.reading import badinput
from credit_ocr.reading.samples import make_document
from credit_ocr.runtime import services
from credit_ocr.runtime.waiting import wait_until
from credit_ocr.state import documents
from credit_ocr.watching.wait import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.services, pytest.mark.redis]


def _good_ids(n: int = 1) -> list[str]:
    return submit.submit([badinput.good_pdf()] * n, filenames=[f"good{i}.pdf" for i in range(n)])


# --------------------------------------------------------------------------------------------
# JSON only


class _Evil:
    """Unpickling this creates a file: proof that a worker ran attacker-chosen code."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):  # noqa: ANN204 - pickle protocol
        return (open, (self.marker, "w"))


def test_pickled_message_is_refused_by_a_real_worker_which_keeps_working(kit, tmp_path: Path) -> None:
    from kombu import Connection

    marker = tmp_path / "pwned"
    with running_workers({"preset": "both", "concurrency": 1}) as (worker,):
        task_id = str(uuid.uuid4())
        headers = {
            "lang": "py", "task": "credit_ocr.ocr", "id": task_id, "root_id": task_id, "parent_id": None,
            "group": None, "retries": 0, "eta": None, "expires": None, "argsrepr": "(...)",
            "kwargsrepr": "{}", "origin": "attacker",
        }  # fmt: skip
        body = ((_Evil(marker),), {}, {"callbacks": None, "errbacks": None, "chain": None, "chord": None})
        with Connection(get_settings().broker) as conn:
            producer = conn.Producer()
            producer.publish(body, routing_key="ocr", serializer="pickle", headers=headers, retry=True)
        wait_until(
            lambda: "untrusted content" in worker.log_tail(20000), 15, interval=0.2, what="the refusal logged"
        )
        log = worker.log_tail(20000)
        assert "Refusing to deserialize untrusted content of type pickle" in log, log[-1500:]
        assert not marker.exists(), "the pickled payload was executed"
        assert workers.queue_lengths()["ocr"] == 0, "the refused message is dropped, not left to loop"
        assert worker.ping(timeout=2.0)
        ids = _good_ids()
        assert wait_for(ids, timeout=60, progress=False)[ids[0]] == "done"


# --------------------------------------------------------------------------------------------
# Redis with a password, and over TLS


def test_redis_with_a_password_refuses_strangers_and_serves_the_pipeline(kit, tmp_path, monkeypatch) -> None:
    password = f"pw-{uuid.uuid4().hex}"
    own = services.start_redis(folder=tmp_path / "redis", password=password)
    try:
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(host=own.host, port=own.port, socket_timeout=2).ping()
        with (
            override_settings(broker_url=own.url),
            running_workers({"preset": "both", "concurrency": 1}),
        ):
            ids = _good_ids()
            assert wait_for(ids, timeout=60, progress=False) == {ids[0]: "done"}
    finally:
        own.stop()


def _tls_files(folder: Path) -> dict[str, Path]:
    """A private CA and a server certificate for 127.0.0.1, made with the openssl command."""
    if not shutil.which("openssl"):
        skip_or_fail("openssl is not installed: cannot make certificates for the TLS test")
    folder.mkdir(parents=True, exist_ok=True)
    f = {k: folder / n for k, n in {"ca": "ca.pem", "ca_key": "ca.key", "cert": "server.pem", "key": "server.key",
                                    "csr": "server.csr", "ext": "ext.cnf"}.items()}  # fmt: skip
    f["ext"].write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run = lambda *a: subprocess.run(["openssl", *a], check=True, capture_output=True)  # noqa: E731
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=credit-ocr-test-ca",
        "-keyout", str(f["ca_key"]), "-out", str(f["ca"]))  # fmt: skip
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", str(f["key"]),
        "-out", str(f["csr"]))  # fmt: skip
    run("x509", "-req", "-in", str(f["csr"]), "-CA", str(f["ca"]), "-CAkey", str(f["ca_key"]),
        "-CAcreateserial", "-days", "1", "-extfile", str(f["ext"]), "-out", str(f["cert"]))  # fmt: skip
    return f


def test_rediss_url_with_password_and_private_ca_carries_the_pipeline(kit, tmp_path, monkeypatch) -> None:
    files = _tls_files(tmp_path / "tls")
    port = services.free_port()
    password = f"tls-{uuid.uuid4().hex[:12]}"
    argv = [
        services.require_binary("redis-server"), "--port", "0", "--tls-port", str(port), "--bind", "127.0.0.1",
        "--tls-cert-file", str(files["cert"]), "--tls-key-file", str(files["key"]),
        "--tls-ca-cert-file", str(files["ca"]), "--tls-auth-clients", "no", "--requirepass", password,
        "--save", "", "--appendonly", "no", "--dir", str(tmp_path),
    ]  # fmt: skip
    server = services.ServerProcess(
        name="redis-tls", argv=argv, log_path=tmp_path / "redis-tls.log", host="127.0.0.1", port=port
    ).start()
    try:
        url = f"rediss://:{password}@127.0.0.1:{port}/0?ssl_ca_certs={files['ca']}"
        with override_settings(broker_url=url):
            assert "ssl_cert_reqs=required" in get_settings().broker, "certificates are verified by default"
            with pytest.raises(redis.ConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
                redis.Redis.from_url(url.split("?")[0] + "?ssl_cert_reqs=required", socket_timeout=3).ping()
            with running_workers({"preset": "both", "concurrency": 1}):
                ids = _good_ids()
                assert wait_for(ids, timeout=60, progress=False) == {ids[0]: "done"}
            assert [e["to_status"] for e in documents.document_events(ids[0]) if e["kind"] == "transition"][
                -1
            ] == "done"
    finally:
        server.stop()


# --------------------------------------------------------------------------------------------
# secrets never written


def test_secrets_never_reach_logs_events_errors_or_the_database(kit, tmp_path, monkeypatch) -> None:
    from credit_ocr.faces.cli import main
    from credit_ocr.faces.llm_server import start_llm_server_process

    llm_key = f"sk-test-{uuid.uuid4().hex}"
    wrong_key = f"sk-wrong-{uuid.uuid4().hex}"
    redis_pw = f"redis-{uuid.uuid4().hex}"
    account_key = base64.b64encode(uuid.uuid4().bytes * 2).decode()
    secrets = [llm_key, wrong_key, redis_pw, account_key]
    try:
        services.azurite_binary()
    except services.ServiceError as exc:
        skip_or_fail(str(exc))
    own_redis = services.start_redis(folder=tmp_path / "redis", password=redis_pw)
    monkeypatch.setenv("AZURITE_ACCOUNTS", f"credocrsec:{account_key}")
    azurite = services.start_azurite(folder=tmp_path / "azurite")
    llm = start_llm_server_process(fail_rate=0.3, seed=3)
    captured: list[str] = []
    stop = threading.Event()
    stack = contextlib.ExitStack()  # the settings of this private pipeline, until the end of the test
    try:
        llm.configure(api_key=llm_key)
        conn = (
            f"DefaultEndpointsProtocol=http;AccountName=credocrsec;AccountKey={account_key};"
            f"BlobEndpoint=http://127.0.0.1:{azurite.port}/credocrsec;"
        )
        stack.enter_context(
            override_settings(
                broker_url=own_redis.url,
                azure_connection_string=conn,
                extractor="llm",
                llm_base_url=llm.url,
                llm_api_key=llm_key,
                retry_backoff_max=2,
            )  # fmt: skip
        )

        def listen() -> None:
            pubsub = redis.Redis.from_url(own_redis.url).pubsub(ignore_subscribe_messages=True)
            pubsub.subscribe(EVENTS_CHANNEL)
            while not stop.is_set():
                message = pubsub.get_message(timeout=0.2)
                if message:
                    captured.append(message["data"].decode())

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        bad = badinput.case("truncated_pdf").make(0)
        ocr_worker = workers.start_worker(preset="ocr", concurrency=1)
        try:
            with running_workers({"preset": "llm", "concurrency": 2}):
                ids = _good_ids(3) + submit.submit([bad], filenames=["broken.pdf"])
                final = wait_for(ids, timeout=90, progress=False)
            assert list(final.values()) == ["done", "done", "done", "failed"], final
            assert llm.stats().failures_injected > 0 and llm.stats().unauthorized == 0
            # the same pipeline with a wrong key: the endpoint echoes it back in its 401, like OpenAI's
            with (
                override_settings(llm_api_key=wrong_key),
                running_workers({"preset": "llm", "concurrency": 1}),
            ):
                refused = _good_ids()[0]
                assert wait_for([refused], timeout=60, progress=False)[refused] == "failed"
        finally:
            ocr_worker.stop()
        assert llm.stats().unauthorized >= 1
        assert "API key" in (documents.get_document(refused).error or "")
        stop.set()
        listener.join(timeout=5)
        assert captured, "events were published"
        runner = CliRunner()
        outputs = [
            runner.invoke(main, ["status", "--json", *ids, refused]).output,
            runner.invoke(main, ["doctor"]).output,
            runner.invoke(main, ["services", "status"]).output,
        ]
        written = [p for p in get_settings().home_dir.rglob("*") if p.is_file()]
        assert any(p.suffix == ".log" for p in written) and any(".db" in p.name for p in written)
        for secret in secrets:
            for path in written:
                assert secret.encode() not in path.read_bytes(), f"{secret[:10]}... written to {path}"
            for text in captured + outputs:
                assert secret not in text, f"{secret[:10]}... in {text[:300]}"
        # and the events told a student what happened, without the secret
        assert any(json.loads(m)["kind"] == "retry" for m in captured)
    finally:
        stack.close()
        stop.set()
        llm.stop()
        azurite.stop()
        own_redis.stop()


# --------------------------------------------------------------------------------------------
# blob keys and types never from the user


def test_blob_key_and_type_come_from_the_kit_not_the_upload(kit) -> None:
    pdf = badinput.good_pdf()
    info = documents.upload(pdf, "../../evil name.png")
    assert info.mime_type == "application/pdf", "the type is sniffed from the content, not the name"
    assert info.blob_key == f"documents/{info.id}.pdf"
    assert info.filename == "evil name.png"
    assert read_blob(info.id) == pdf
    from credit_ocr.state.storage import StorageError, get_blob_store

    with pytest.raises(StorageError):
        get_blob_store().put("../outside.pdf", b"x")


# --------------------------------------------------------------------------------------------
# worker isolation


def _noise_page(path: Path, side: int = 7000) -> Path:
    """A page of random dots: tesseract needs far more memory for it than for a form."""
    dots = (np.random.default_rng(1).random((side, side)) > 0.5).astype(np.uint8) * 255
    Image.fromarray(dots).convert("1").save(path)
    return path


def _pdf_page_bomb() -> bytes:
    """A one-page PDF whose page is 200 x 200 inches: 1.6 billion pixels at 200 dpi."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(200 * 72, 200 * 72))
    c.drawString(100, 100, "huge")
    c.showPage()
    c.save()
    return buf.getvalue()


@pytest.mark.tesseract
def test_hostile_pages_fail_their_document_never_the_worker(kit, tmp_path, configure) -> None:
    configure(ocr_memory_mb=200)  # a form page needs less, the noise far more
    noise = _noise_page(tmp_path / "noise.png")
    scan, scan_name, _, _ = make_document(11, 1)  # a scanned form: OCR within the same limit
    with running_workers({"preset": "both", "concurrency": 1}) as (worker,):
        hostile = submit.submit([noise, _pdf_page_bomb()], filenames=["noise.png", "bomb.pdf"])
        good = _good_ids() + submit.submit([scan], filenames=[scan_name])
        final = wait_for(hostile + good, timeout=120, progress=False)
        assert [final[i] for i in hostile] == ["failed", "failed"], final
        assert all(final[i] == "done" for i in good), final
        limit_error = documents.get_document(hostile[0]).error or ""
        assert "CREDIT_OCR_OCR_MEMORY_MB" in limit_error, limit_error
        bomb_error = documents.get_document(hostile[1]).error or ""
        assert "CREDIT_OCR_MAX_PIXELS" in bomb_error, bomb_error
        assert worker.alive() and worker.ping(timeout=2.0), "the worker survives its hostile documents"
        names = workers.ping_workers(timeout=2.0)
        assert worker.hostname in names

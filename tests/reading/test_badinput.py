"""Every hostile or broken upload of the corpus: refused at upload, or failed with a clear error within
seconds, or processed safely, while a good document beside it finishes and the workers keep answering.

One OCR worker and one LLM worker (LLM extractor against the stand-in) serve the whole module.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import _clear_kit_env
from reads import get_pages

from credit_ocr.config import get_settings, override_settings
from credit_ocr.faces.llm_server import start_llm_server_process
from credit_ocr.pipeline import submit, workers
from credit_ocr.reading import badinput
from credit_ocr.reading.extraction.fields import FIELD_NAMES
from credit_ocr.runtime import services
from credit_ocr.state import documents
from credit_ocr.watching.wait import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.services, pytest.mark.tesseract, pytest.mark.redis]

#: "within seconds": from submit to the bad document's terminal state, workers already running.
FAIL_WITHIN = 30.0
REFUSED = [c.key for c in badinput.CASES if c.outcome == "refused"]
FAILED = [c.key for c in badinput.CASES if c.outcome == "failed"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """The corpus written to tests/data/bad (git-ignored), and a private pipeline with two workers."""
    with pytest.MonkeyPatch.context() as mp, contextlib.ExitStack() as stack:
        _clear_kit_env(mp)
        home = tmp_path_factory.mktemp("badinput")
        redis = services.start_redis(folder=home / "redis")
        llm = start_llm_server_process(seed=8)
        changes = {"home": home / "var", "broker_url": redis.url, "extractor": "llm", "llm_base_url": llm.url,
                   "max_file_bytes": 2_000_000}  # fmt: skip
        stack.enter_context(override_settings(**changes))
        paths = badinput.write_corpus(max_file_bytes=get_settings().max_file_bytes)
        started: list[workers.WorkerHandle] = []
        try:
            started.append(workers.start_worker(preset="ocr", concurrency=1))
            started.append(workers.start_worker(preset="llm", concurrency=4))
            yield paths
        finally:
            for w in started:
                w.stop(timeout=10)
            llm.stop()
            redis.stop()


def _good() -> str:
    return submit.submit([badinput.good_pdf()], filenames=["good.pdf"])[0]


def _workers_answer() -> None:
    names = workers.ping_workers(timeout=2.0)
    assert len(names) == 2, f"both workers should still answer a ping, got {names}"


def test_corpus_is_small_on_disk(corpus: dict[str, Path]) -> None:
    assert set(corpus) == {c.key for c in badinput.CASES}
    for key, path in corpus.items():
        assert path.exists(), key
        assert path.stat().st_blocks * 512 <= 256 * 1024, f"{key} takes too much disk"
    assert corpus["over_size_limit"].stat().st_size == get_settings().max_file_bytes + 1


@pytest.mark.parametrize("key", REFUSED)
def test_refused_at_upload_fails_at_once_with_a_clear_error(corpus: dict[str, Path], key: str) -> None:
    c = badinput.case(key)
    started = time.monotonic()
    doc = documents.get_document(submit.submit([corpus[key]])[0])
    assert time.monotonic() - started < 2.0
    assert doc.status == "failed" and re.search(c.error, doc.error), doc.error
    assert doc.error.startswith("refused at upload: ") and "Traceback" not in doc.error
    assert doc.blob_key == "", "nothing of a refused upload is stored"


@pytest.mark.parametrize("key", FAILED)
def test_accepted_then_failed_with_a_clear_error_while_a_good_one_finishes(
    corpus: dict[str, Path], key: str
) -> None:
    c = badinput.case(key)
    started = time.monotonic()
    bad = submit.submit([corpus[key]])[0]
    good = _good()
    final = wait_for([bad], timeout=FAIL_WITHIN, progress=False)
    elapsed = time.monotonic() - started
    assert final[bad] == "failed", documents.get_document(bad)
    error = documents.get_document(bad).error or ""
    assert elapsed < FAIL_WITHIN, f"{key} took {elapsed:.1f}s to fail"
    assert re.search(c.error, error), error
    assert "Traceback" not in error and len(error) < 600
    assert wait_for([good], timeout=60, progress=False)[good] == "done"
    _workers_answer()


def test_hostile_file_name_is_only_displayed_sanitized(corpus: dict[str, Path]) -> None:
    path = corpus["path_traversal_name"]
    assert path.name == "..%2f..%2fetc%2fpasswd.pdf"
    doc_id = submit.submit([path])[0]
    assert wait_for([doc_id], timeout=60, progress=False)[doc_id] == "done"
    doc = documents.get_document(doc_id)
    assert doc.filename == "passwd.pdf"
    assert doc.blob_key == f"documents/{doc_id}.pdf", "the blob key is made from the id, never the name"
    blob_root = get_settings().blob_dir.resolve()
    for file in blob_root.rglob("*"):
        assert blob_root in file.resolve().parents
    assert "passwd" not in " ".join(p.name for p in blob_root.rglob("*"))


def test_prompt_injection_yields_only_the_21_schema_fields(corpus: dict[str, Path]) -> None:
    doc_id = submit.submit([corpus["prompt_injection"]])[0]
    assert wait_for([doc_id], timeout=60, progress=False)[doc_id] == "done"
    text = " ".join(p["text"] for p in get_pages(doc_id))
    assert "ignore previous instructions" in text
    stored = documents.get_fields(doc_id)
    assert stored is not None and stored["extractor"].startswith("llm")
    assert list(stored["fields"]) == list(FIELD_NAMES)
    assert set(stored["valid"]) <= set(FIELD_NAMES)
    for key in badinput.INJECTED_KEYS:
        assert key not in stored["fields"]
    assert stored["fields"]["company_name"] == "Hansa Bau GmbH"

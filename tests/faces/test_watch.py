"""`credit-ocr watch`: a live table in the terminal that returns once every document is finished."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time

import pytest
from rich.console import Console

from credit_ocr.config import settings_env
from credit_ocr.faces.watch import watch
from credit_ocr.state import documents
from credit_ocr.state.status import Status, transition

pytestmark = [pytest.mark.redis, pytest.mark.services]


def make_docs(n: int, batch_id: str | None = None) -> list[str]:
    return [documents.upload(b"%PDF-1.4 watch\n", f"w{i}.pdf", batch_id=batch_id).id for i in range(n)]


def drive_later(ids: list[str], fail: set[str] = frozenset(), delay: float = 0.5) -> threading.Thread:
    def run() -> None:
        time.sleep(delay)
        for doc_id in ids:
            transition(doc_id, Status.OCR_RUNNING, worker="ocr@test")
            transition(doc_id, Status.LLM_RUNNING, worker="llm@test")
            if doc_id in fail:
                transition(doc_id, Status.FAILED, error="no text found")
            else:
                transition(doc_id, Status.DONE)

    t = threading.Thread(target=run)
    t.start()
    return t


def test_watch_returns_when_the_batch_is_finished(kit) -> None:
    ids = make_docs(3, batch_id="wb")
    out = io.StringIO()
    t = drive_later(ids, fail={ids[1]})
    started = time.monotonic()
    model = watch(batch_id="wb", console=Console(file=out, width=160, force_terminal=False), timeout=30)
    t.join()
    assert model.all_terminal() and time.monotonic() - started < 20
    text = out.getvalue()
    assert "3/3 finished" in text and "done=2" in text and "failed=1" in text
    assert "no text found" in text and ids[0][:8] in text


def test_watch_stops_at_the_timeout_when_nothing_moves(kit) -> None:
    ids = make_docs(1)
    model = watch(ids, console=Console(file=io.StringIO()), timeout=1.0)
    assert not model.all_terminal() and model.documents[ids[0]].status == "pending"


def test_cli_watch_exit_codes(kit) -> None:
    ok, bad = make_docs(1), make_docs(1)
    env = {**os.environ, **settings_env(kit), "COLUMNS": "160"}  # the test's settings, to the command
    cmd = [sys.executable, "-m", "credit_ocr", "watch", "--timeout", "30"]
    t = drive_later(ok + bad, fail=set(bad), delay=1.5)
    done = subprocess.run([*cmd, *ok], env=env, capture_output=True, text=True, timeout=60)
    failed = subprocess.run([*cmd, *bad], env=env, capture_output=True, text=True, timeout=60)
    t.join()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1/1 finished" in done.stdout
    assert failed.returncode == 1
    pending = make_docs(1)
    stopped = subprocess.run([*cmd[:-1], "1", *pending], env=env, capture_output=True, text=True, timeout=60)
    assert stopped.returncode == 2


def test_the_table_reads_at_80_columns(kit) -> None:
    """A student's terminal: every line within 80 columns, the file names whole, the failure's words there."""
    from credit_ocr.faces.watch import render
    from credit_ocr.watching.dashboard import DashboardModel
    from credit_ocr.watching.live import read_snapshot

    ids = [documents.upload(b"%PDF-1.4 w", f"loan_application_{i:02d}.pdf").id for i in range(3)]
    transition(ids[0], Status.FAILED, error="No text found on 1 page(s): the scan is unreadable.")
    model = DashboardModel(ids=ids)
    model.reconcile(read_snapshot(ids=ids))
    console = Console(width=80, record=True, file=io.StringIO())
    console.print(render(model, live=True))
    text = console.export_text()
    assert all(len(line) <= 80 for line in text.splitlines()), text
    for i in range(3):  # a long name folds within its column instead of being cut off
        assert f"n_{i:02d}.pdf" in text, text
    assert "deliveries" in text and "unreadable" in text and "0/3 finished" not in text

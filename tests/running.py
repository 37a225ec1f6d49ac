"""Real workers for the length of a ``with`` block: test tooling (the package starts them one at a time)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from credit_ocr.pipeline.workers import WorkerHandle, start_worker


@contextlib.contextmanager
def running_workers(*specs: dict) -> Iterator[list[WorkerHandle]]:
    """``with running_workers({"preset": "ocr"}, {"preset": "llm"}) as ws:`` — stopped on exit."""
    handles: list[WorkerHandle] = []
    try:
        for spec in specs:
            handles.append(start_worker(**spec))
        yield handles
    finally:
        for h in handles:
            h.stop()

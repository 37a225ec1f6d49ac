"""Documents as plain data for the CLI and ``--json``: status, error, attempts, stage timings, events."""

from __future__ import annotations

from typing import Any

from credit_ocr import documents
from credit_ocr.status import Status


def _timings(ids: list[str]) -> dict[str, dict[str, float | None]]:
    """Stage durations per document (seconds), from the event log."""
    if not ids:
        return {}
    from credit_ocr import monitor

    frame = monitor.stage_durations(ids)
    if frame is None or frame.empty:
        return {}
    frame = frame.set_index("document_id") if "document_id" in frame.columns else frame
    out: dict[str, dict[str, float | None]] = {}
    for doc_id, row in frame.iterrows():
        out[str(doc_id)] = {
            str(k): (None if v != v else round(float(v), 4))  # NaN -> None
            for k, v in row.items()
            if isinstance(v, int | float)
        }
    return out


def describe(
    ids: list[str] | None = None, *, failed_only: bool = False, with_events: bool = True
) -> list[dict[str, Any]]:
    """One dict per document: id, filename, status, error, attempts, timings and (optionally) events."""
    docs = documents.list_documents(ids or None, status=Status.FAILED.value if failed_only else None)
    timings = _timings([d.id for d in docs])
    out = []
    for d in docs:
        row: dict[str, Any] = {
            "id": d.id,
            "filename": d.filename,
            "status": d.status,
            "error": d.error,
            "attempts": d.attempts,
            "priority": d.priority,
            "batch_id": d.batch_id,
            "created_at": d.created_at.isoformat(),
            "updated_at": d.updated_at.isoformat(),
            "timings": timings.get(d.id, {}),
        }
        if with_events or failed_only:
            evs = documents.document_events(d.id)
            row["events"] = evs
            if failed_only:
                failing = next((e for e in reversed(evs) if e["to_status"] == "failed"), None)
                row["failed_stage"] = failing["from_status"] if failing else None
        out.append(row)
    return out

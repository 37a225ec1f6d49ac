"""Documents as plain data for the CLI and ``--json``: status, error, attempts, stage timings, events."""

from __future__ import annotations

from typing import Any

from credit_ocr.state import documents
from credit_ocr.state.status import Status
from credit_ocr.watching import tables as monitor


def _timings(ids: list[str]) -> tuple[dict[str, dict[str, float | None]], dict[str, bool]]:
    """Stage durations per document (seconds) and its SLA flag, from one read of the event log."""
    if not ids:
        return {}, {}
    frame = monitor.status_table(ids)
    if frame.empty:
        return {}, {}
    frame = frame.set_index("document_id")
    out: dict[str, dict[str, float | None]] = {}
    for doc_id, row in frame.iterrows():
        out[str(doc_id)] = {col: monitor.jsonable(round(row[col], 4)) for col in monitor.DURATION_COLUMNS}
    return out, {str(k): bool(v) for k, v in frame["sla_breached"].items()}


def describe(
    ids: list[str] | None = None, *, failed_only: bool = False, with_events: bool = True
) -> list[dict[str, Any]]:
    """One dict per document: id, filename, status, error, attempts, timings and (optionally) events."""
    docs = documents.list_documents(ids or None, status=Status.FAILED.value if failed_only else None)
    timings, sla = _timings([d.id for d in docs])
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
            "sla_breached": sla.get(d.id, False),
        }
        if with_events or failed_only:
            evs = documents.document_events(d.id)
            row["events"] = evs
            if failed_only:
                failing = next((e for e in reversed(evs) if e["to_status"] == "failed"), None)
                row["failed_stage"] = failing["from_status"] if failing else None
        out.append(row)
    return out

"""What the live dashboard shows, as a plain model: each document's status, stage, timing and history.

The model is fed by the live feed (:mod:`credit_ocr.watching.live`) and read by the notebook widget
(:mod:`credit_ocr.faces.widgets`), the terminal view (``credit-ocr watch``) and the notifications; it
holds no widget, so it is tested with plain pytest.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from credit_ocr.config import get_settings
from credit_ocr.state.db import utcnow
from credit_ocr.state.status import TERMINAL, Status
from credit_ocr.watching import plots
from credit_ocr.watching.live import DocumentRow, Snapshot, TransitionEvent

log = logging.getLogger(__name__)

_TERMINAL = {s.value for s in TERMINAL}
STATUSES: tuple[str, ...] = tuple(s.value for s in Status)
STATUS_COLOURS = {**plots.STATUS_COLOURS, "unknown": "#bdbdbd"}  # the same colours as the figures
#: What a status means for someone watching: the stage the document is in.
STAGE_OF = {
    "pending": "waiting for OCR",
    "ocr_running": "OCR",
    "llm_running": "extraction",
    "done": "finished",
    "failed": "failed",
    "unknown": "not seen yet",
}


@dataclass
class DocumentState:
    """One document as the dashboard knows it."""

    document_id: str
    filename: str = ""
    status: str = "unknown"
    status_at: datetime | None = None  # when the current status was reached (or the row last read)
    error: str | None = None
    attempts: int = 0
    retries: int = 0
    batch_id: str | None = None
    created_at: datetime | None = None
    cycle_start: datetime | None = None  # the last ``pending`` (upload or resubmit)
    finished_at: datetime | None = None
    worker: str | None = None
    review: int = 0  # fields the extractor flagged for a person's look (known from the last snapshot)
    events: list[TransitionEvent] = field(default_factory=list)

    @property
    def terminal(self) -> bool:
        return self.status in _TERMINAL

    @property
    def stage(self) -> str:
        return STAGE_OF.get(self.status, self.status)

    def transitions(self) -> list[tuple[str | None, str]]:
        """The (from, to) pairs of its transitions, in commit order."""
        return [(e.from_status, e.to_status) for e in self.events if e.is_transition]

    def elapsed(self, now: datetime) -> float | None:
        """Seconds since the current cycle started, up to now or to its end."""
        start = self.cycle_start or self.created_at
        if start is None:
            return None
        end = self.finished_at if self.terminal and self.finished_at else now
        return max(0.0, (end - start).total_seconds())

    def in_stage(self, now: datetime) -> float | None:
        """Seconds in the current status."""
        if self.status_at is None or self.terminal:
            return None
        return max(0.0, (now - self.status_at).total_seconds())


class DashboardModel:
    """What the dashboard shows, updated by :meth:`apply` (one event) and :meth:`reconcile` (a snapshot).

    Events are deduplicated (the same event may arrive by pub/sub and by a reconcile) and kept in commit
    order whatever order they arrive in; a document's status is the freshest of its latest transition
    and its database row. Not thread-safe on purpose: call it from one thread (the kernel's loop).
    """

    def __init__(
        self,
        ids: Iterable[str] | None = None,
        batch_id: str | None = None,
        *,
        sla_seconds: float | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.ids: set[str] | None = None if ids is None else set(ids)
        self.batch_id = batch_id
        self.sla_seconds = float(get_settings().sla_seconds if sla_seconds is None else sla_seconds)
        self.clock = clock
        self.documents: dict[str, DocumentState] = {}
        self._seen: set[tuple] = set()
        self._listeners: list[Callable[[TransitionEvent | None], Any]] = []
        self.applied = 0
        self.snapshots = 0
        for doc_id in sorted(self.ids or ()):
            self.documents[doc_id] = DocumentState(doc_id)

    # -- feeding ------------------------------------------------------------------------------
    def subscribe(self, listener: Callable[[TransitionEvent | None], Any]) -> None:
        """Call ``listener(event)`` after each new event (``None`` after a snapshot)."""
        self._listeners.append(listener)

    def watch(self, ids: Iterable[str]) -> None:
        """Also show these documents (just submitted)."""
        for doc_id in ids:
            if self.ids is not None:
                self.ids.add(doc_id)
            self.documents.setdefault(doc_id, DocumentState(doc_id))

    def wants(self, document_id: str, batch_id: str | None) -> bool:
        if self.ids is not None and document_id not in self.ids:
            return False
        return self.batch_id is None or batch_id == self.batch_id

    def apply(self, event: TransitionEvent) -> bool:
        """Take one event into account; False when it was seen before or is not ours."""
        changed = self._apply(event)
        if changed:
            self._notify(event)
        return changed

    def _apply(self, ev: TransitionEvent) -> bool:
        if ev.key in self._seen or not self.wants(ev.document_id, ev.batch_id):
            return False
        self._seen.add(ev.key)
        self.applied += 1
        doc = self.documents.get(ev.document_id)
        if doc is None:
            doc = self.documents[ev.document_id] = DocumentState(ev.document_id, batch_id=ev.batch_id)
        # Keep the history in commit order, whatever order events arrive in.
        keys = [(e.at, _ORDER.get(e.to_status, 9)) for e in doc.events]
        doc.events.insert(bisect.bisect_right(keys, (ev.at, _ORDER.get(ev.to_status, 9))), ev)
        if ev.kind == "retry":
            doc.retries += 1
        if ev.filename:
            doc.filename = ev.filename
        if ev.attempts is not None and (doc.status_at is None or ev.at >= doc.status_at):
            doc.attempts = ev.attempts
        if ev.is_transition:
            if ev.from_status is None and doc.created_at is None:
                doc.created_at = ev.at
            if doc.status_at is None or ev.at >= doc.status_at:
                doc.status, doc.status_at = ev.to_status, ev.at
                if ev.worker:
                    doc.worker = ev.worker
                if ev.to_status == Status.PENDING:
                    doc.cycle_start, doc.finished_at, doc.error = ev.at, None, None
                elif ev.to_status in _TERMINAL:
                    doc.finished_at = ev.at
                    if ev.to_status == Status.FAILED:
                        doc.error = ev.detail or doc.error
            if ev.to_status == Status.PENDING and (doc.cycle_start is None or ev.at > doc.cycle_start):
                doc.cycle_start = ev.at
        return True

    def reconcile(
        self, rows: Snapshot | Iterable[DocumentRow], events: Iterable[TransitionEvent] = ()
    ) -> None:
        """Bring the model in line with the database: committed rows, and the events since the last seen."""
        if isinstance(rows, Snapshot):
            rows, events = rows.documents, rows.events
        self.snapshots += 1
        for ev in events:
            if self._apply(ev):
                self._notify(ev)
        for row in rows:
            if not self.wants(row.document_id, row.batch_id):
                continue
            doc = self.documents.get(row.document_id)
            if doc is None:
                doc = self.documents[row.document_id] = DocumentState(row.document_id)
            doc.filename, doc.attempts, doc.batch_id = row.filename, row.attempts, row.batch_id
            doc.review = getattr(row, "review", 0)
            doc.created_at = row.created_at
            if doc.status_at is None or row.updated_at >= doc.status_at:
                # The row is the truth as of the read: fresher than any event we hold.
                if row.status != doc.status:
                    doc.status, doc.status_at = row.status, row.updated_at
                    if row.status in _TERMINAL and doc.finished_at is None:
                        doc.finished_at = row.updated_at
                doc.error = row.error
        self._notify(None)

    def _notify(self, ev: TransitionEvent | None) -> None:
        for listener in list(self._listeners):
            try:
                listener(ev)
            except Exception:  # a broken view must not stop the model
                log.exception("dashboard listener failed")

    # -- reading ------------------------------------------------------------------------------
    def ordered(self) -> list[DocumentState]:
        return sorted(
            self.documents.values(),
            key=lambda d: (d.created_at is None, d.created_at or _EPOCH, d.document_id),
        )

    def all_events(self) -> list[TransitionEvent]:
        return sorted((e for d in self.documents.values() for e in d.events), key=lambda e: e.at)

    def counts(self) -> dict[str, int]:
        """Documents per status (all five statuses present, plus ``unknown`` when some are not seen yet)."""
        out = dict.fromkeys(STATUSES, 0)
        for d in self.documents.values():
            out[d.status] = out.get(d.status, 0) + 1
        return out

    @property
    def total(self) -> int:
        return len(self.documents)

    @property
    def finished(self) -> int:
        return sum(1 for d in self.documents.values() if d.terminal)

    def progress(self) -> float:
        """Share of documents in a terminal status (0..1)."""
        return self.finished / self.total if self.total else 0.0

    def all_terminal(self) -> bool:
        return self.total > 0 and self.finished == self.total

    def sla_breached(self, now: datetime | None = None) -> list[str]:
        """Ids of documents not terminal whose current cycle runs longer than the SLA."""
        now = now or self.clock()
        return [
            d.document_id
            for d in self.ordered()
            if not d.terminal and (d.elapsed(now) or 0.0) > self.sla_seconds
        ]

    def latest_errors(self, n: int = 5) -> list[tuple[str, str, str]]:
        """The last ``n`` errors as (document id, filename, message), newest first."""
        failed = [d for d in self.documents.values() if d.error]
        failed.sort(key=lambda d: d.finished_at or d.status_at or d.created_at or utcnow(), reverse=True)
        return [(d.document_id, d.filename, d.error or "") for d in failed[:n]]

    def rows(self, now: datetime | None = None) -> list[dict]:
        """One plain dict per document, for tables: id, file, status, stage, elapsed, attempts, SLA, and
        ``review``: how many fields a person should look at."""
        now = now or self.clock()
        late = set(self.sla_breached(now))
        return [
            {
                "document_id": d.document_id,
                "filename": d.filename,
                "status": d.status,
                "stage": d.stage,
                "elapsed_s": d.elapsed(now),
                "in_stage_s": d.in_stage(now),
                "attempts": d.attempts,
                "retries": d.retries,
                "worker": d.worker,
                "error": d.error,
                "sla_breached": d.document_id in late,
                "review": d.review,
            }
            for d in self.ordered()
        ]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ORDER = {"pending": 0, "ocr_running": 1, "llm_running": 2, "done": 3, "failed": 3}


def fmt_seconds(value: float | None) -> str:
    """Seconds as a person reads them: 4.2s, 3m07s."""
    if value is None:
        return ""
    if value < 60:
        return f"{value:.1f}s"
    return f"{int(value // 60)}m{int(value % 60):02d}s"

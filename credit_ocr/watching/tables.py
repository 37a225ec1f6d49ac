"""Status and timing as pandas tables, read from the database by any process, during a run or long after.

Everything is derived from two reads: the ``documents`` table and the append-only ``status_events`` log
(one query each, never one per document). Stages of a document, over its *last* cycle (a resubmitted
document starts a new cycle at its ``failed → pending`` event):

- ``queue_wait``: ``pending`` → ``ocr_running`` (waiting for an OCR worker)
- ``ocr``: ``ocr_running`` → the ``ocr_done`` event the OCR task records with its pages
- ``extract_wait``: ``ocr_done`` → ``llm_running`` (waiting on the ``llm`` queue). Without an
  ``ocr_done`` event (older data) OCR is taken to end at ``llm_running`` and this wait is 0.
- ``extraction``: ``llm_running`` → ``done``
- ``total``: ``pending`` → ``done``/``failed``. The stages add up to it; a document that failed has
  its last stage end at ``failed``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Select, exists, func, select

from credit_ocr.config import get_settings
from credit_ocr.state.db import Document, FieldCorrection, FieldReview, StatusEvent, session_scope, utcnow
from credit_ocr.state.status import TERMINAL, Status

#: The stages in pipeline order, with the event that starts each one.
STAGES: tuple[str, ...] = ("queue_wait", "ocr", "extract_wait", "extraction")
STAGE_LABELS: dict[str, str] = {
    "queue_wait": "queue wait (OCR)",
    "ocr": "OCR",
    "extract_wait": "queue wait (extraction)",
    "extraction": "extraction",
    "total": "total",
}
_TERMINAL = {s.value for s in TERMINAL}

DURATION_COLUMNS = [f"{s}_s" for s in STAGES] + ["total_s"]
STATUS_TABLE_COLUMNS = [
    *("document_id", "filename", "status", "error", "attempts", "retries", "batch_id", "priority"),
    *("created_at", "finished_at", *DURATION_COLUMNS, "elapsed_s", "sla_breached"),
    *("ocr_worker", "llm_worker"),
]


def _ids(ids: Iterable[str] | str | None) -> list[str] | None:
    if ids is None:
        return None
    return [ids] if isinstance(ids, str) else list(ids)


def _utc(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, utc=True)


def documents_query(ids: Iterable[str] | str | None = None, batch_id: str | None = None) -> Select:
    """The one query of the ``documents`` table, oldest first (shared by the tables and the live feed)."""
    wanted = _ids(ids)
    stmt = select(
        Document.id.label("document_id"),
        Document.filename,
        Document.status,
        Document.error,
        Document.attempts,
        Document.priority,
        Document.batch_id,
        Document.created_at,
        Document.updated_at,
    ).order_by(Document.created_at, Document.id)
    if wanted is not None:
        stmt = stmt.where(Document.id.in_(wanted))
    if batch_id is not None:
        stmt = stmt.where(Document.batch_id == batch_id)
    return stmt


def review_query(ids: Iterable[str] | str | None = None) -> Select:
    """(document id, open review fields): the fields the extractor flagged that no reviewer corrected."""
    corrected = exists().where(
        FieldCorrection.document_id == FieldReview.document_id, FieldCorrection.field == FieldReview.field
    )
    stmt = (
        select(FieldReview.document_id, func.count(FieldReview.id))
        .where(~corrected)
        .group_by(FieldReview.document_id)
    )
    wanted = _ids(ids)
    return stmt if wanted is None else stmt.where(FieldReview.document_id.in_(wanted))


def _read(stmt: Select, *dates: str) -> pd.DataFrame:
    """One query into a DataFrame (pandas reads it through SQLAlchemy), its timestamps in UTC."""
    with session_scope() as session:
        df = pd.read_sql_query(stmt, session.connection())
    for col in dates:
        df[col] = _utc(df[col])
    return df


def documents_frame(ids: Iterable[str] | str | None = None, batch_id: str | None = None) -> pd.DataFrame:
    """The ``documents`` rows (one query), oldest first."""
    return _read(documents_query(ids, batch_id), "created_at", "updated_at")


def events_query(
    ids: Iterable[str] | str | None = None, batch_id: str | None = None, since: datetime | None = None
) -> Select:
    """The one query of the event log, in commit order (shared by the tables and the live feed)."""
    wanted = _ids(ids)
    stmt = (
        select(
            StatusEvent.id.label("event_id"),
            StatusEvent.document_id,
            StatusEvent.kind,
            StatusEvent.from_status,
            StatusEvent.to_status,
            StatusEvent.at,
            StatusEvent.task_id,
            StatusEvent.worker,
            StatusEvent.detail,
            Document.batch_id,
        )
        .join(Document, Document.id == StatusEvent.document_id)
        .order_by(StatusEvent.at, StatusEvent.id)
    )
    if wanted is not None:
        stmt = stmt.where(StatusEvent.document_id.in_(wanted))
    if batch_id is not None:
        stmt = stmt.where(Document.batch_id == batch_id)
    if since is not None:
        stmt = stmt.where(StatusEvent.at >= since)
    return stmt


def events(
    ids: Iterable[str] | str | None = None,
    batch_id: str | None = None,
    *,
    since: datetime | None = None,
) -> pd.DataFrame:
    """The transition log (transitions, retries, reconciles, ``ocr_done`` marks), in commit-time order."""
    return _read(events_query(ids, batch_id, since), "at")


# --------------------------------------------------------------------------------------------
# Stages of one document, from its events


@dataclass
class Cycle:
    """The boundaries of a document's last cycle (None where not reached yet)."""

    pending_at: pd.Timestamp | None = None
    ocr_start: pd.Timestamp | None = None
    ocr_end: pd.Timestamp | None = None
    llm_start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    end_status: str | None = None
    ocr_worker: str | None = None
    llm_worker: str | None = None
    retries: int = 0
    cycles: int = 0
    spans: list[tuple[str, pd.Timestamp, pd.Timestamp, str | None]] = field(default_factory=list)

    def durations(self) -> dict[str, float]:
        out = {f"{s}_s": math.nan for s in STAGES}
        for stage, start, end, _worker in self.spans:
            out[f"{stage}_s"] = (end - start).total_seconds()
        if self.llm_start is not None and self.ocr_end is None:
            out["extract_wait_s"] = 0.0  # no ocr_done mark: OCR's end is extraction's start
        out["total_s"] = (
            (self.end - self.pending_at).total_seconds()
            if self.end is not None and self.pending_at is not None
            else math.nan
        )
        return out


def cycle_of(doc_events: pd.DataFrame) -> Cycle:
    """The last cycle of one document, from its events sorted by time."""
    cycle = Cycle()
    rows = list(doc_events.itertuples(index=False))
    starts = [i for i, r in enumerate(rows) if r.kind == "transition" and r.to_status == Status.PENDING]
    cycle.cycles = len(starts)
    if not starts:
        first = rows[0] if rows else None
        if first is not None and first.kind == "transition" and first.to_status in _TERMINAL:
            cycle.end, cycle.end_status = first.at, first.to_status  # refused at upload: no stage ran
        return cycle
    start = starts[-1]
    cycle.pending_at = rows[start].at
    for r in rows[start + 1 :]:
        if r.kind == "retry":
            cycle.retries += 1
        elif r.kind == "ocr_done" and cycle.llm_start is None and cycle.ocr_start is not None:
            cycle.ocr_end = r.at  # the last one wins: a redelivered OCR task ends later
        elif r.kind == "transition":
            if r.to_status == Status.OCR_RUNNING and cycle.ocr_start is None:
                cycle.ocr_start, cycle.ocr_worker = r.at, r.worker
            elif r.to_status == Status.LLM_RUNNING and cycle.llm_start is None:
                cycle.llm_start, cycle.llm_worker = r.at, r.worker
            elif r.to_status in _TERMINAL and cycle.end is None:
                cycle.end, cycle.end_status = r.at, r.to_status
    # Spans: each reached boundary starts a stage that ends at the next reached boundary.
    marks: list[tuple[str, pd.Timestamp | None, str | None]] = [
        ("queue_wait", cycle.pending_at, None),
        ("ocr", cycle.ocr_start, cycle.ocr_worker),
        ("extract_wait", cycle.ocr_end, None),
        ("extraction", cycle.llm_start, cycle.llm_worker),
    ]
    reached = [(name, at, worker) for name, at, worker in marks if at is not None]
    ends = [at for _n, at, _w in reached[1:]] + [cycle.end]
    for (name, at, worker), end in zip(reached, ends, strict=True):
        if end is not None:
            cycle.spans.append((name, at, end, worker))
    return cycle


def _cycles(ev: pd.DataFrame) -> dict[str, Cycle]:
    return {doc_id: cycle_of(group) for doc_id, group in ev.groupby("document_id", sort=False)}


def stage_durations(ids: Iterable[str] | str | None = None, batch_id: str | None = None) -> pd.DataFrame:
    """Seconds per document and stage (queue_wait, ocr, extract_wait, extraction, total); NaN if not reached."""
    return _durations(events(ids, batch_id))


def _durations(ev: pd.DataFrame) -> pd.DataFrame:
    rows = [
        {
            "document_id": doc_id,
            **cycle.durations(),
            "pending_at": cycle.pending_at,
            "finished_at": cycle.end,
            "end_status": cycle.end_status,
            "ocr_worker": cycle.ocr_worker,
            "llm_worker": cycle.llm_worker,
            "retries": cycle.retries,
            "cycles": cycle.cycles,
        }
        for doc_id, cycle in _cycles(ev).items()
    ]
    extra = ["pending_at", "finished_at", "end_status", "ocr_worker", "llm_worker", "retries", "cycles"]
    df = pd.DataFrame(rows, columns=["document_id", *DURATION_COLUMNS, *extra])
    for col in ("pending_at", "finished_at"):
        df[col] = _utc(df[col])
    return df


def stage_spans(ids: Iterable[str] | str | None = None, batch_id: str | None = None) -> pd.DataFrame:
    """One row per document and completed stage: start, end, seconds and the worker that ran it (for timelines)."""
    return _spans(events(ids, batch_id))


def _spans(ev: pd.DataFrame) -> pd.DataFrame:
    rows = [
        {
            "document_id": doc_id,
            "stage": stage,
            "start": start,
            "end": end,
            "seconds": (end - start).total_seconds(),
            "worker": worker,
        }
        for doc_id, cycle in _cycles(ev).items()
        for stage, start, end, worker in cycle.spans
    ]
    df = pd.DataFrame(rows, columns=["document_id", "stage", "start", "end", "seconds", "worker"])
    for col in ("start", "end"):
        df[col] = _utc(df[col])
    return df


# --------------------------------------------------------------------------------------------
# Tables people read


def sla_seconds() -> float:
    """The SLA in force (``CREDIT_OCR_SLA_SECONDS``)."""
    return float(get_settings().sla_seconds)


def status_table(
    ids: Iterable[str] | str | None = None,
    batch_id: str | None = None,
    *,
    now: datetime | None = None,
) -> pd.DataFrame:
    """One row per document: status, error, attempts, created, finished, stage seconds, elapsed and SLA flag.

    ``sla_breached`` is True for a document not yet terminal whose current cycle has run longer than
    ``CREDIT_OCR_SLA_SECONDS``: the ones someone should look at now.
    """
    docs = documents_frame(ids, batch_id)
    ev = events(ids, batch_id)
    dur = _durations(ev).drop(columns=["end_status"])
    table = docs.merge(dur, on="document_id", how="left")
    now_ts = pd.Timestamp(now or utcnow())
    # a document refused at upload never was pending: its time runs from its creation
    started = table["pending_at"].where(table["pending_at"].notna(), table["created_at"])
    terminal = table["status"].isin(_TERMINAL)
    end = table["finished_at"].where(terminal, now_ts)
    table["elapsed_s"] = (end - started).dt.total_seconds()
    table["sla_breached"] = (~terminal) & (table["elapsed_s"] > sla_seconds())
    table["retries"] = table["retries"].fillna(0).astype(int)
    return table[STATUS_TABLE_COLUMNS].reset_index(drop=True)


@dataclass
class Summary:
    """Per-stage statistics (seconds) and the run's throughput."""

    stages: pd.DataFrame  # one row per stage: stage, count, median, p95, max
    documents: int
    done: int
    failed: int
    active: int
    sla_breached: int
    makespan_s: float  # first pending to last terminal
    throughput_per_minute: float  # terminal documents per minute of makespan

    def to_dict(self) -> dict:
        stages = {
            row["stage"]: {k: jsonable(v) for k, v in row.items() if k != "stage"}
            for row in self.stages.to_dict(orient="records")
        }
        counts = ("documents", "done", "failed", "active", "sla_breached")
        return {
            **{k: getattr(self, k) for k in counts},
            "makespan_s": jsonable(self.makespan_s),
            "throughput_per_minute": jsonable(self.throughput_per_minute),
            "stages": stages,
        }

    def __str__(self) -> str:
        head = (
            f"{self.documents} documents: {self.done} done, {self.failed} failed, {self.active} active, "
            f"{self.sla_breached} past SLA; makespan {self.makespan_s:.1f}s, "
            f"{self.throughput_per_minute:.1f} documents/min"
        )
        return head + "\n" + self.stages.round(3).to_string(index=False)

    def _repr_html_(self) -> str:
        return f"<p>{str(self).splitlines()[0]}</p>" + self.stages.round(3).to_html(index=False)


def jsonable(value: Any) -> Any:
    """A table cell as JSON takes it: NaN/NaT → None, timestamps → ISO text, numpy numbers → Python."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value.item() if hasattr(value, "item") else value


def summary(ids: Iterable[str] | str | None = None, batch_id: str | None = None) -> Summary:
    """Count, median, p95 and max per stage, and documents per minute over the run's makespan."""
    table = status_table(ids, batch_id)
    seconds = table[DURATION_COLUMNS].astype(float)
    stages = pd.DataFrame(
        {
            "stage": [col.removesuffix("_s") for col in DURATION_COLUMNS],
            "count": seconds.count().to_numpy(),
            "median": seconds.median().to_numpy(),
            "p95": seconds.quantile(0.95).to_numpy(),
            "max": seconds.max().to_numpy(),
        }
    )
    finished = table["finished_at"].dropna()
    terminal = int(table["status"].isin(_TERMINAL).sum())
    makespan = (finished.max() - table["created_at"].min()).total_seconds() if len(finished) else math.nan
    throughput = terminal / (makespan / 60.0) if makespan and makespan > 0 else math.nan
    return Summary(
        stages=stages,
        documents=len(table),
        done=int((table["status"] == Status.DONE).sum()),
        failed=int((table["status"] == Status.FAILED).sum()),
        active=len(table) - terminal,
        sla_breached=int(table["sla_breached"].sum()),
        makespan_s=makespan,
        throughput_per_minute=throughput,
    )


def status_counts_over_time(
    ids: Iterable[str] | str | None = None, batch_id: str | None = None
) -> pd.DataFrame:
    """How many documents were in each status after every transition (a step series, for plots)."""
    ev = events(ids, batch_id).query("kind == 'transition'").reset_index(drop=True)
    statuses = [s.value for s in Status]
    entered = pd.get_dummies(ev["to_status"]).reindex(columns=statuses, fill_value=0).astype(int)
    left = pd.get_dummies(ev["from_status"]).reindex(columns=statuses, fill_value=0).astype(int)
    return pd.concat([ev[["at"]], (entered - left).cumsum()], axis=1)

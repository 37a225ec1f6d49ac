"""Upload and read-back of documents: validate, hash, store the blob, insert the ``pending`` row.

This module knows nothing of Celery: ``credit_ocr.pipeline.submit`` uploads here and then enqueues. A file is
judged by its content, never by its name: the type is sniffed from its first bytes, and the name is
kept only, sanitized, for display.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote

from sqlalchemy import func, insert, select

from credit_ocr.config import get_settings
from credit_ocr.state import reviews
from credit_ocr.state.db import Document, Extraction, StatusEvent, new_id, session_scope, transaction, utcnow
from credit_ocr.state.status import DocumentNotFound, Status, add_events, event_row
from credit_ocr.state.storage import blob_key_for, get_blob_store

SUPPORTED_TYPES = {
    "application/pdf": "PDF",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/tiff": "TIFF",
}


class UploadError(ValueError):
    """A file the kit refuses at upload; the message says why and what to do."""


class EmptyFile(UploadError):
    pass


class FileTooLarge(UploadError):
    size: int = 0  # bytes of the refused file

    @classmethod
    def of(cls, name: str, size: int, limit: int) -> FileTooLarge:
        exc = cls(
            f"{name} is {size:,} bytes, over the limit of {limit:,} bytes ({limit / 2**20:.1f} MiB, "
            "CREDIT_OCR_MAX_FILE_BYTES): split or compress it."
        )
        exc.size = size  # the refused row records it: a file over the limit is never read
        return exc


class UnsupportedFileType(UploadError):
    pass


@dataclass(frozen=True)
class DocumentInfo:
    """A document's row, as plain data."""

    id: str
    filename: str
    status: str
    mime_type: str
    size_bytes: int
    content_sha256: str
    blob_key: str
    priority: int
    attempts: int
    error: str | None
    batch_id: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, d: Document) -> DocumentInfo:
        return cls(**{name: getattr(d, name) for name in cls.__dataclass_fields__})


def sniff_mime(data: bytes) -> str | None:
    """The document type from the first bytes (magic numbers), or None when it is none we read."""
    head = data[:1024]
    if head.startswith(b"%PDF-") or b"%PDF-" in head[:1024]:
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    return None


_UNSAFE = re.compile(r"[^\w.\- ()]+", re.UNICODE)


def safe_filename(name: str | None) -> str:
    """A display name from whatever the user sent: no directories, no control characters, <= 120 chars."""
    if not name:
        return "document"
    name = unquote(unquote(str(name)))  # '..%2f..%2fetc' is a path too
    name = unicodedata.normalize("NFKC", name).replace("\\", "/")
    name = name.rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE.sub("_", name).strip(" .")
    return (name or "document")[:120]


def validate(data: bytes, filename: str | None = None) -> str:
    """Check size and type of an upload; returns the sniffed MIME type or raises an :class:`UploadError`."""
    settings = get_settings()
    shown = safe_filename(filename)
    if len(data) == 0:
        raise EmptyFile(f"{shown} is empty (0 bytes): upload the PDF or image itself.")
    if len(data) > settings.max_file_bytes:
        raise FileTooLarge.of(shown, len(data), settings.max_file_bytes)
    mime = sniff_mime(data)
    if mime is None:
        kinds = ", ".join(SUPPORTED_TYPES.values())
        raise UnsupportedFileType(
            f"{shown} is not a document the kit reads (its content is none of {kinds}, whatever its name "
            "says): export it as PDF or scan it to PNG/JPEG/TIFF."
        )
    return mime


def _read_source(source: str | Path | bytes, filename: str | None) -> tuple[bytes, str | None]:
    """The bytes of an upload and its display name (a path's own name when none is given)."""
    if isinstance(source, bytes):
        return source, filename
    path = Path(source)
    filename = filename or path.name
    size = path.stat().st_size
    limit = get_settings().max_file_bytes
    if size > limit:  # refuse before reading a huge file into memory
        raise FileTooLarge.of(safe_filename(filename), size, limit)
    return path.read_bytes(), filename


def upload(
    source: str | Path | bytes,
    filename: str | None = None,
    *,
    priority: int = 0,
    batch_id: str | None = None,
) -> DocumentInfo:
    """Store a file as a new ``pending`` document (blob first, then the row and its first event);
    a file the checks refuse becomes a ``failed`` document with the reason (see :func:`upload_many`)."""
    return upload_many([source], [filename], priority=priority, batch_id=batch_id)[0]


def _new_row(
    doc_id: str, key: str, data: bytes, name: str | None, mime: str, priority: int, batch_id: str | None
) -> dict:
    """The ``documents`` row of a new upload, ``pending``."""
    now = utcnow()
    return {
        "id": doc_id, "filename": safe_filename(name), "content_sha256": hashlib.sha256(data).hexdigest(),
        "size_bytes": len(data), "mime_type": mime, "blob_key": key, "document_type": "loan_application",
        "status": Status.PENDING.value, "error": None, "priority": priority, "attempts": 0,
        "batch_id": batch_id, "created_at": now, "updated_at": now,
    }  # fmt: skip


def _checked(source: str | Path | bytes, name: str | None) -> tuple[bytes, str | None, str | UploadError]:
    """An upload's bytes, display name, and its MIME type, or the :class:`UploadError` that refuses it."""
    try:
        data, name = _read_source(source, name)
        return data, name, validate(data, name)
    except UploadError as exc:
        data = source if isinstance(source, bytes) else b""  # a file over the limit is never read
        return data, name or (None if isinstance(source, bytes) else Path(source).name), exc


def upload_many(
    sources: Sequence[str | Path | bytes],
    filenames: Sequence[str | None] | None = None,
    *,
    priority: int = 0,
    batch_id: str | None = None,
) -> list[DocumentInfo]:
    """Store files as new ``pending`` documents: every file is checked first; the blobs are written, then
    all rows and their first events go in ONE transaction, published after the commit. A file the checks
    refuse (empty, too large, not a document) is recorded as ``failed`` at once with the reason, and none
    of its bytes are stored: the batch keeps every file a user sent, and the status says what to fix."""
    names = list(filenames) if filenames is not None else [None] * len(sources)
    store = get_blob_store()
    docs: list[dict] = []
    evs: list[dict] = []
    try:
        for data, name, mime in (_checked(s, n) for s, n in zip(sources, names, strict=True)):
            doc_id = new_id()
            if isinstance(mime, UploadError):
                docs.append(_new_row(doc_id, "", data, name, "unknown", priority, batch_id))
                docs[-1].update(
                    status=Status.FAILED.value, error=f"refused at upload: {mime}",
                    size_bytes=getattr(mime, "size", len(data)),
                )  # fmt: skip
            else:
                docs.append(
                    _new_row(doc_id, blob_key_for(doc_id, mime), data, name, mime, priority, batch_id)
                )
                store.put(docs[-1]["blob_key"], data)
            detail = f"uploaded {mime}, {len(data)} bytes" if docs[-1]["error"] is None else docs[-1]["error"]
            evs.append(event_row(doc_id, kind="transition", from_status=None, to_status=docs[-1]["status"],
                                 at=docs[-1]["created_at"], detail=detail))  # fmt: skip
        if docs:
            with transaction() as conn:
                conn.execute(insert(Document.__table__), docs)
                shown = [{"filename": d["filename"], "attempts": 0} for d in docs]
                add_events(conn, evs, batch_id, shown)  # published after the commit
    except Exception:
        with contextlib.suppress(Exception):  # the store may be the outage: keep the first error
            for doc in docs:
                if doc["blob_key"]:
                    store.delete(doc["blob_key"])  # no orphan blob without its row
        raise
    return [DocumentInfo(**{k: v for k, v in d.items() if k != "document_type"}) for d in docs]


def get_document(document_id: str) -> DocumentInfo:
    """The committed row of one document."""
    with session_scope() as session:
        doc = session.get(Document, document_id)
        if doc is None:
            raise DocumentNotFound(document_id)
        return DocumentInfo.from_row(doc)


def list_documents(ids: list[str] | None = None, status: str | None = None) -> list[DocumentInfo]:
    """Documents, oldest first, optionally only some ids or one status."""
    with session_scope() as session:
        stmt = select(Document).order_by(Document.created_at, Document.id)
        if ids is not None:
            stmt = stmt.where(Document.id.in_(ids))
        if status is not None:
            stmt = stmt.where(Document.status == str(status))
        return [DocumentInfo.from_row(d) for d in session.scalars(stmt)]


def document_events(document_id: str) -> list[dict]:
    """The event log of one document, in order."""
    with session_scope() as session:
        rows = session.scalars(
            select(StatusEvent)
            .where(StatusEvent.document_id == document_id)
            .order_by(StatusEvent.at, StatusEvent.id)
        ).all()
        return [
            {
                "kind": e.kind,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "at": e.at.isoformat(),
                "task_id": e.task_id,
                "worker": e.worker,
                "detail": e.detail,
            }
            for e in rows
        ]


def get_fields(document_id: str) -> dict | None:
    """The stored extraction of a document (``None`` before extraction), its review list, the reviewers'
    corrections and ``reviewed``: the fields with the corrections laid over them."""
    with session_scope() as session:
        ex = session.scalars(select(Extraction).where(Extraction.document_id == document_id)).one_or_none()
        if ex is None:
            return None
        result = {
            "document_id": document_id,
            "extractor": ex.extractor,
            "fields": ex.fields,
            "valid": ex.valid,
            "confidence": ex.confidence,
        }
    changes = reviews.corrections(document_id)
    reviewed = dict(result["fields"]) | {c.field: c.new_value for c in changes}  # the newest wins
    return result | {
        "review": reviews.review_items(document_id),
        "corrections": [c.as_dict() for c in changes],
        "reviewed": reviewed,
    }


def count_by_status(ids: list[str] | None = None) -> dict[str, int]:
    """How many documents are in each status (all five keys present)."""
    with session_scope() as session:
        stmt = select(Document.status, func.count()).group_by(Document.status)
        if ids is not None:
            stmt = stmt.where(Document.id.in_(ids))
        counts = dict(session.execute(stmt).all())
    return {s.value: int(counts.get(s.value, 0)) for s in Status}

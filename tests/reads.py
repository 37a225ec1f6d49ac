"""Read-backs only tests need (the package keeps the reads its users call)."""

from __future__ import annotations

from sqlalchemy import select

from credit_ocr.state import documents
from credit_ocr.state.db import OcrPage, session_scope
from credit_ocr.state.status import Status
from credit_ocr.state.storage import get_blob_store


def current_status(document_id: str) -> Status:
    """The status as committed right now."""
    return Status(documents.get_document(document_id).status)


def read_blob(document_id: str) -> bytes:
    """The stored file of a document."""
    return get_blob_store().get(documents.get_document(document_id).blob_key)


def get_pages(document_id: str) -> list[dict]:
    """The stored OCR pages of a document, in page order."""
    with session_scope() as session:
        rows = session.scalars(
            select(OcrPage).where(OcrPage.document_id == document_id).order_by(OcrPage.page)
        )
        return [{"page": p.page, "text": p.text, "source": p.source, "words": p.words} for p in rows]

"""Fields a person should look at, and what reviewers changed: read back and stored beside the extraction.

The extractor's values are never overwritten: a correction is a row of its own (who, when, the old and
the new value), and a document's fields *as reviewed* are the extractor's with the newest correction of
each field laid over them. A document needs a look while one of its flagged fields has no correction.
The values arrive normalized: checking them is the reading layer's job (``credit-ocr review`` does it).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from credit_ocr.state.db import (
    Document,
    Extraction,
    FieldCorrection,
    FieldReview,
    session_scope,
    transaction,
    utcnow,
)
from credit_ocr.state.status import DocumentNotFound

__all__ = [
    "Correction",
    "NoExtraction",
    "corrections",
    "documents_to_review",
    "record_correction",
    "replace_review",
    "review_items",
]


class NoExtraction(LookupError):
    """The document has no extracted fields yet, so there is nothing to correct."""


@dataclass
class Correction:
    """One reviewer's change of one field."""

    document_id: str
    field: str
    old_value: Any
    new_value: Any
    by: str
    at: datetime

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["at"] = self.at.isoformat()
        return data


def replace_review(conn: Connection, document_id: str, items: list[dict[str, str]]) -> None:
    """Store the review list of a new extraction, in the extraction's own transaction."""
    conn.execute(delete(FieldReview).where(FieldReview.document_id == document_id))
    if items:
        rows = [{"document_id": document_id, "field": i["field"], "reason": i["reason"]} for i in items]
        conn.execute(insert(FieldReview), rows)


def review_items(document_id: str) -> list[dict[str, str]]:
    """The fields the extractor flagged for this document, each with its reason."""
    with session_scope() as session:
        rows = session.scalars(
            select(FieldReview).where(FieldReview.document_id == document_id).order_by(FieldReview.id)
        ).all()
        return [{"field": r.field, "reason": r.reason} for r in rows]


def corrections(document_id: str) -> list[Correction]:
    """Every correction of the document, oldest first."""
    with session_scope() as session:
        rows = session.scalars(
            select(FieldCorrection)
            .where(FieldCorrection.document_id == document_id)
            .order_by(FieldCorrection.at, FieldCorrection.id)
        ).all()
        return [Correction(r.document_id, r.field, r.old_value, r.new_value, r.by, r.at) for r in rows]


def record_correction(document_id: str, field: str, value: Any, by: str) -> Correction:
    """Store a reviewer's value for one field; the extractor's value stays where it was.

    ``old_value`` is the value the reviewer saw: the newest correction's, else the extractor's.
    """
    if not by.strip():
        raise ValueError(
            "Say who corrects the field (--by NAME): a correction without a name cannot be audited."
        )
    with transaction() as conn:
        if conn.execute(select(Document.id).where(Document.id == document_id)).first() is None:
            raise DocumentNotFound(document_id)
        extracted = conn.execute(
            select(Extraction.fields).where(Extraction.document_id == document_id)
        ).first()
        if extracted is None:
            raise NoExtraction(f"Document {document_id} has no extracted fields yet: wait until it is done.")
        if field not in extracted[0]:
            raise KeyError(f"Unknown field {field!r}: the fields are {', '.join(extracted[0])}.")
        previous = conn.execute(
            select(FieldCorrection.new_value)
            .where(FieldCorrection.document_id == document_id, FieldCorrection.field == field)
            .order_by(FieldCorrection.at.desc(), FieldCorrection.id.desc())
            .limit(1)
        ).first()
        old = previous[0] if previous is not None else extracted[0][field]
        at = utcnow()
        conn.execute(
            insert(FieldCorrection).values(
                document_id=document_id, field=field, old_value=old, new_value=value, by=by.strip(), at=at
            )
        )
    return Correction(document_id, field, old, value, by.strip(), at)


def documents_to_review(limit: int = 50) -> list[dict[str, Any]]:
    """Documents with flagged fields that no reviewer has corrected yet, newest first."""
    with session_scope() as session:
        flagged = session.execute(
            select(
                FieldReview.document_id,
                FieldReview.field,
                FieldReview.reason,
                Document.filename,
                Document.updated_at,
            )
            .join(Document, Document.id == FieldReview.document_id)
            .order_by(Document.updated_at.desc(), FieldReview.id)
        ).all()
        fixed = set(session.execute(select(FieldCorrection.document_id, FieldCorrection.field)).all())
    out: dict[str, dict[str, Any]] = {}
    for document_id, field, reason, filename, _updated in flagged:
        if (document_id, field) in fixed:
            continue
        entry = out.setdefault(document_id, {"document_id": document_id, "filename": filename, "fields": []})
        entry["fields"].append({"field": field, "reason": reason})
    return list(out.values())[: limit or None]

"""The review list and reviewers' corrections, stored beside the extraction on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import insert

from credit_ocr.config import Settings
from credit_ocr.state import documents, reviews
from credit_ocr.state.db import Extraction, transaction, utcnow
from credit_ocr.state.reviews import NoExtraction
from credit_ocr.state.status import DocumentNotFound

BOTH_DBS = pytest.mark.parametrize(
    "any_db", [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
FIELDS = {"company_name": "Hansa Bau GmbH", "vat_id": None, "purchase_price": "€2,500,000"}


def _extracted(flagged: list[dict[str, str]]) -> str:
    """A document with a stored extraction and review list, as the pipeline's extraction stage leaves it."""
    doc = documents.upload(b"%PDF-1.4 stand-in", "loan.pdf")
    with transaction() as conn:
        conn.execute(
            insert(Extraction).values(
                document_id=doc.id,
                extractor="rules",
                fields=FIELDS,
                valid={},
                confidence={},
                created_at=utcnow(),
            )
        )
        reviews.replace_review(conn, doc.id, flagged)
    return doc.id


@BOTH_DBS
def test_a_correction_keeps_the_extractors_value_and_says_who_and_when(any_db: Settings) -> None:
    doc_id = _extracted([{"field": "vat_id", "reason": "not found on the document"}])
    assert [row["document_id"] for row in reviews.documents_to_review()] == [doc_id]
    first = reviews.record_correction(doc_id, "vat_id", "DE123456789", "ana")
    second = reviews.record_correction(doc_id, "vat_id", "DE123456780", "ben")
    assert (first.old_value, first.new_value, first.by) == (None, "DE123456789", "ana")
    assert second.old_value == "DE123456789" and second.at >= first.at  # what the second reviewer saw
    stored = documents.get_fields(doc_id)
    assert stored["fields"]["vat_id"] is None  # the extractor's value, untouched
    assert stored["reviewed"]["vat_id"] == "DE123456780"  # the newest correction wins
    assert [c["by"] for c in stored["corrections"]] == ["ana", "ben"]
    assert stored["review"] == [{"field": "vat_id", "reason": "not found on the document"}]
    assert reviews.documents_to_review() == []  # every flagged field has a reviewer's value


@BOTH_DBS
def test_a_new_extraction_replaces_its_review_list(any_db: Settings) -> None:
    doc_id = _extracted([{"field": "vat_id", "reason": "x"}, {"field": "company_name", "reason": "y"}])
    with transaction() as conn:
        reviews.replace_review(conn, doc_id, [{"field": "company_name", "reason": "z"}])
    assert reviews.review_items(doc_id) == [{"field": "company_name", "reason": "z"}]


def test_corrections_need_a_document_an_extraction_a_field_and_a_name(kit: Settings) -> None:
    doc_id = _extracted([])
    with pytest.raises(DocumentNotFound):
        reviews.record_correction("no-such-id", "vat_id", "DE123456789", "ana")
    with pytest.raises(KeyError, match="Unknown field"):
        reviews.record_correction(doc_id, "colour", "red", "ana")
    with pytest.raises(ValueError, match="--by NAME"):
        reviews.record_correction(doc_id, "vat_id", "DE123456789", " ")
    bare = documents.upload(b"%PDF-1.4 another", "other.pdf")
    with pytest.raises(NoExtraction, match="no extracted fields yet"):
        reviews.record_correction(bare.id, "vat_id", "DE123456789", "ana")

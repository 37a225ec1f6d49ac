"""The dashboard model marks the documents a person should look at (open review fields), on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import insert

from credit_ocr.config import Settings
from credit_ocr.state import documents, reviews
from credit_ocr.state.db import Extraction, transaction, utcnow
from credit_ocr.watching.dashboard import DashboardModel
from credit_ocr.watching.live import read_snapshot

BOTH_DBS = pytest.mark.parametrize(
    "any_db", [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


@BOTH_DBS
def test_the_review_column_counts_flagged_fields_no_reviewer_corrected(any_db: Settings) -> None:
    flagged, clean = (documents.upload(f"%PDF-1.4 {n}".encode(), f"{n}.pdf").id for n in ("a", "b"))
    with transaction() as conn:
        for doc_id in (flagged, clean):
            conn.execute(
                insert(Extraction).values(
                    document_id=doc_id, extractor="rules", fields={"vat_id": None, "term": "5 years"},
                    valid={}, confidence={}, created_at=utcnow(),
                )
            )  # fmt: skip
        reviews.replace_review(
            conn, flagged, [{"field": "vat_id", "reason": "r"}, {"field": "term", "reason": "r"}]
        )
    reviews.record_correction(flagged, "term", "6 years", "ana")
    snapshot = read_snapshot([flagged, clean])
    assert {d.document_id: d.review for d in snapshot.documents} == {flagged: 1, clean: 0}
    model = DashboardModel([flagged, clean])
    model.reconcile(snapshot)
    assert {r["document_id"]: r["review"] for r in model.rows()} == {flagged: 1, clean: 0}

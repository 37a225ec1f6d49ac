"""The form's three sections (applicant, property, loan): which one a heading opens, which fields it holds.

A label's field is likelier in its own section ("Location" under the property is its address, under the
applicant the company's) and a rival from another section counts less (:mod:`.labels`); a heading is a
line that names a section and holds no value (:mod:`.walk`).
"""

from __future__ import annotations

import re

from credit_ocr.reading.extraction.phrases import fold

__all__ = ["section_bonus", "section_of", "section_weight"]

SECTION_FIELDS = {
    "applicant": {"company_name", "legal_form", "founding_date", "business_address", "commercial_register", "vat_id"},
    "property": {"property_type", "property_name", "property_address", "purchase_price", "requested_amount",
                 "purpose", "equity_share", "construction_year", "total_area"},
    "loan": {"loan_amount", "term", "monthly_payment", "interest_rate", "early_repayment", "public_funding"},
}  # fmt: skip


def section_bonus(field: str, section: str | None) -> float:
    """What a field's own section adds to a label's score for it."""
    return 1.5 if section and field in SECTION_FIELDS.get(section, ()) else 0.0


def section_weight(field: str, section: str | None) -> float:
    """How much a rival from another section counts: half."""
    return 0.5 if section in SECTION_FIELDS and field not in SECTION_FIELDS[section] else 1.0


def section_of(line: str, current: str) -> str:
    """'applicant', 'property' or 'loan' when ``line`` is a section heading that says so, else ``current``."""
    folded = fold(line)
    if len(folded.split()) > 8:
        return current
    if re.search(
        r"\b(property|object|real estate|building|asset|objekt|immobilie|project|projekt|projet)", folded
    ):
        return "property"
    if re.search(
        r"\b(loan|credit|facility|financing proposal|terms|conditions|darlehen|kredit|konditionen)\b", folded
    ):
        return "loan"
    if re.search(r"\b(applicant|company|borrower|company details|antragsteller|unternehmen|firma)\b", folded):
        return "applicant"
    return current

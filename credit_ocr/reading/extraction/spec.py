"""The 21 fields of a credit request: their keys, the labels forms print, other labels real forms use, and meaning.

The field set and the normalized forms follow ``shared/reference/credit_request_fields.md``; the
descriptions are what the LLM extractor's prompt says about each field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["FIELDS", "FIELD_BY_NAME", "FIELD_NAMES", "FieldSpec", "Kind"]

Kind = Literal["text", "date", "vat", "money", "year", "area", "term", "monthly", "rate", "bool"]


@dataclass(frozen=True)
class FieldSpec:
    """One field: its key, the label the reference form prints, other labels real forms use, its kind."""

    name: str
    label: str
    synonyms: tuple[str, ...]
    kind: Kind
    description: str


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "company_name",
        "Company Name",
        (
            "Applicant",
            "Name of Company",
            "Company",
            "Firm Name",
            "Applicant Company",
            "Borrower",
            "Name of Applicant",
        ),
        "text",
        "Name of the applicant company as printed, including its legal-form suffix "
        "(e.g. 'DemoTech Solutions GmbH'); single spaces.",
    ),
    FieldSpec(
        "legal_form",
        "Legal Form",
        (
            "Legal Structure",
            "Type of Company",
            "Company Type",
            "Form of Company",
            "Legal Entity",
            "Entity Type",
        ),
        "text",
        "Legal form of the applicant as printed, e.g. 'Limited Liability Company (GmbH)'; single spaces.",
    ),
    FieldSpec(
        "founding_date",
        "Date of Incorporation",
        (
            "Founding Date",
            "Date of Foundation",
            "Incorporation Date",
            "Date of Establishment",
            "Founded",
            "Established",
        ),
        "date",
        "Date the company was incorporated, as DD.MM.YYYY (a printed 12/05/2018 becomes 12.05.2018).",
    ),
    FieldSpec(
        "business_address",
        "Business Address",
        ("Company Address", "Registered Office", "Registered Address", "Head Office", "Office Address"),
        "text",
        "Postal address of the applicant company as printed (street, postcode, city, country); single spaces.",
    ),
    FieldSpec(
        "commercial_register",
        "Commercial Register Number / Court",
        (
            "Commercial Register",
            "Register Number",
            "Trade Register",
            "Registration Number",
            "Register Court",
            "Company Register",
        ),
        "text",
        "Commercial register entry and court as printed, e.g. 'HRB 123456 / Stuttgart Local Court'.",
    ),
    FieldSpec(
        "vat_id",
        "VAT ID / Tax Number",
        (
            "VAT ID",
            "VAT Number",
            "VAT Reg. No.",
            "Tax Number",
            "Tax ID",
            "VAT Identification Number",
            "USt-IdNr.",
        ),
        "vat",
        "VAT identification number as 'DE' followed by 9 digits, no spaces (e.g. 'DE123456789').",
    ),
    FieldSpec(
        "property_type",
        "Type of Property",
        ("Property Type", "Object Type", "Asset Type", "Kind of Property", "Type of Building"),
        "text",
        "Type of the financed property as printed, e.g. 'Office and Commercial Building'.",
    ),
    FieldSpec(
        "property_name",
        "Property Name",
        ("Name of Property", "Project Name", "Object Name", "Building Name", "Project"),
        "text",
        "Name of the financed property or project as printed, e.g. 'Innovation Center Stuttgart'.",
    ),
    FieldSpec(
        "property_address",
        "Property Address",
        ("Adress", "Address", "Property Location", "Location", "Site Address", "Object Address"),
        "text",
        "Postal address of the financed property (not of the company) as printed; single spaces. "
        "Forms often label it just 'Address' inside the property section.",
    ),
    FieldSpec(
        "purchase_price",
        "Purchase Price / Construction Costs",
        (
            "Purchase Price",
            "Construction Costs",
            "Purchase / Construction Price",
            "Acquisition Costs",
            "Total Investment",
            "Purchase Sum",
        ),
        "money",
        "Purchase price or construction costs in euros as '€2,500,000' (euro sign, comma thousands, "
        "cents only if not zero: '€1,250.50').",
    ),
    FieldSpec(
        "requested_amount",
        "Desired Financing Amount",
        (
            "Financing Amount",
            "Requested Financing",
            "Financing Requested",
            "Requested Amount",
            "Amount Requested",
            "Amount Demanded",
            "Amount of Financing",
        ),
        "money",
        "Total financing the applicant asks for, in euros as '€2,000,000' (same money format).",
    ),
    FieldSpec(
        "purpose",
        "Purpose of Use",
        ("Purpose", "Intended Use", "Use of Funds", "Loan Purpose", "Purpose of Financing"),
        "text",
        "What the money is for, as printed, e.g. 'Purchase and Renovation'.",
    ),
    FieldSpec(
        "equity_share",
        "Equity Contribution",
        ("Equity", "Equity Share", "Own Funds", "Own Capital", "Equity Capital"),
        "money",
        "The applicant's own equity contribution, in euros as '€500,000' (same money format).",
    ),
    FieldSpec(
        "construction_year",
        "Year of Construction",
        ("Construction Year", "Year Built", "Year of Completion", "Building Year", "Built"),
        "year",
        "Year the property was built, as an integer, e.g. 2015.",
    ),
    FieldSpec(
        "total_area",
        "Total Area",
        ("Floor Area", "Total Floor Area", "Gross Floor Area", "Usable Area", "Total Space", "Area"),
        "area",
        "Total area of the property as '2,800 m²' (comma thousands, a space, the m² sign).",
    ),
    FieldSpec(
        "loan_amount",
        "Desired Loan Amount",
        ("Loan Amount", "Requested Loan", "Loan Requested", "Credit Amount", "Amount of Loan", "Bank Loan"),
        "money",
        "The loan amount asked for in the financing proposal, in euros as '€2,000,000' (same money format).",
    ),
    FieldSpec(
        "term",
        "Term",
        ("Loan Term", "Duration", "Term of Loan", "Maturity", "Tenor", "Term (years)"),
        "term",
        "Loan term as '15 years'.",
    ),
    FieldSpec(
        "monthly_payment",
        "Preferred Installment Amount",
        (
            "Monthly Installment",
            "Monthly Payment",
            "Installment",
            "Preferred Instalment",
            "Monthly Rate",
            "Repayment Rate",
            "Gewünschte Rate",
        ),
        "monthly",
        "Preferred monthly installment as '€13,500 per month' (same money format, then ' per month').",
    ),
    FieldSpec(
        "interest_rate",
        "Interest Rate",
        (
            "Interest",
            "Rate of Interest",
            "Interest Type",
            "Rate Type",
            "Type of Rate",
            "Interest Basis",
            "Interest Terms",
            "Nominal Rate",
        ),
        "rate",
        "A stated interest rate as '3.5%' (dot decimal, no space); otherwise the printed word in title case, "
        "e.g. 'Fixed' or 'Variable'.",
    ),
    FieldSpec(
        "early_repayment",
        "Early Repayment Desired?",
        (
            "Early Repayment",
            "Early Repayment Option",
            "Prepayment Option",
            "Special Repayments",
            "Prepayment Desired?",
        ),
        "bool",
        "Whether early repayment is desired: true or false, from the ticked box ('[x] yes [ ] no' is true).",
    ),
    FieldSpec(
        "public_funding",
        "Public Subsidies Applied For?",
        (
            "Public Subsidies",
            "Public Funding",
            "Subsidies Applied For?",
            "Public Funding Applied For?",
            "Government Subsidies",
        ),
        "bool",
        "Whether public subsidies were applied for: true or false, from the ticked box ('[ ] yes [x] no' is false).",
    ),
)

FIELD_NAMES: tuple[str, ...] = tuple(spec.name for spec in FIELDS)
FIELD_BY_NAME: dict[str, FieldSpec] = {spec.name: spec for spec in FIELDS}

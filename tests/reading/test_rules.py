"""The rules extractor on OCR-like text: labels found despite slips, values beside or below, all 21 keys."""

from __future__ import annotations

import json

import pytest
from conftest import REFERENCE

from credit_ocr.reading.extraction import extract
from credit_ocr.reading.extraction.fields import FIELD_NAMES, values_match
from credit_ocr.reading.extraction.phrases import find_label
from credit_ocr.reading.extraction.rules import extract_rules

TABLE = """Loan Application for a Commercial Real Estate Loan -
Company Profile
1. Applicant
Company Name  DemoTech Solutions GmbH
Legal Form  Limited Liability Company (GmbH)
Date of lncorporation  12/05/2018
Business Address  Main Street 123, 70173 Stuttgart, Germany
Commercial Register Number / Court  HRB 123456 / Stuttgart Local Court
VAT ID / Tax Number  DE 123 456 789
2. Financial Request / Property Description
Type of Property  Office and Commercial Building
Property Name  Innovation Center Stuttgart
Adress  Tech Park 45, 70191 Stuttgart, Germany
Purchase Price / Construction Costs  2.500.000 €
Desired Financing Amount  EUR 2,000,000
Purpose of Use  Purchase and Renovation
Equity Contribution  €500,000
Year of Construction  2015
Total Area  2,800 m?
3. Financing Proposal
Desired Loan Amount  €2,000,000
Term  15 years
Preferred Installment Amount  €13,500 per month
Interest Rate  Fixed
Early Repayment Desired?  [x] yes  []no
Public Subsidies Applied For?  [lyes  [x]no
4. Declaration & Signature
Stuttgart, 19/08/2025
"""


def _expected() -> dict:
    path = REFERENCE / "loan_application.expected.json"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return json.loads(path.read_text())


def _assert_all_match(fields: dict, expected: dict) -> None:
    wrong = {k: (expected[k], fields[k]) for k in FIELD_NAMES if not values_match(k, expected[k], fields[k])}
    assert not wrong, wrong


def test_table_rows_with_ocr_slips_give_all_21_fields() -> None:
    result = extract_rules(TABLE)
    assert result.extractor == "rules"
    assert list(result.fields) == list(FIELD_NAMES)
    _assert_all_match(result.fields, _expected())
    assert all(result.valid.values())
    assert all(0 < result.confidence[name] <= 1 for name in FIELD_NAMES)


def test_label_colon_value_lines_and_value_on_the_next_line() -> None:
    text = "\n".join(
        [
            "1. Applicant",
            "Name of Company: Kinzig Maschinenbau GmbH & Co. KG",
            "VAT Number: DE 642 935 085",
            "Registered Office",  # label alone: the value is on the next line
            "Parkring 14, 30159 Hanover, Germany",
            "2. Property",
            "Address: Lindenallee 103, 86150 Augsburg, Germany",
            "Loan Term: 120 months",
            "Interest: 3,5 %",
            "Public Funding: ☒ yes ☐ no",
        ]
    )
    fields = extract_rules(text).fields
    assert fields["company_name"] == "Kinzig Maschinenbau GmbH & Co. KG"
    assert fields["vat_id"] == "DE642935085"
    assert fields["business_address"] == "Parkring 14, 30159 Hanover, Germany"
    assert fields["property_address"] == "Lindenallee 103, 86150 Augsburg, Germany"
    assert fields["term"] == "10 years"
    assert fields["interest_rate"] == "3.5%"
    assert fields["public_funding"] is True


def test_address_label_in_the_applicant_section_is_the_business_address() -> None:
    fields = extract_rules("1. Applicant\nAddress:  Main Street 1, 10115 Berlin, Germany\n").fields
    assert fields["business_address"] == "Main Street 1, 10115 Berlin, Germany"
    assert fields["property_address"] is None


def test_headings_and_unrelated_text_are_not_fields() -> None:
    text = "1. Applicant Details\nCompany Profile\nBorrower  Allgaeu Gastro OHG\n4. Declaration & Signature\n"
    result = extract_rules(text)
    assert result.fields["company_name"] == "Allgaeu Gastro OHG"
    assert sum(v is not None for v in result.fields.values()) == 1
    assert not result.valid["vat_id"] and result.confidence["vat_id"] == 0.0


def test_numbers_split_by_ocr_are_rejoined() -> None:
    fields = extract_rules("Desired Loan Amount: 7 630000 EUR\nTotal Area: 3,721 m?2\n").fields
    assert fields["loan_amount"] == "€7,630,000"
    assert fields["total_area"] == "3,721 m²"


def test_a_speck_after_the_cents_is_no_digit_of_the_amount() -> None:
    fields = extract_rules("Acquisition cost (Kaufpreis)  EUR 21.930.000,00  5\n").fields
    assert fields["purchase_price"] == "€21,930,000"


def test_empty_text_gives_21_empty_fields() -> None:
    result = extract_rules("")
    assert result.fields == dict.fromkeys(FIELD_NAMES)
    assert not any(result.valid.values())


@pytest.mark.parametrize(
    ("segment", "field"),
    [
        ("Date of lncorporation", "founding_date"),
        ("Purchase Prlce / Construction Costs", "purchase_price"),
        ("Preferred lnstallment Amount", "monthly_payment"),
        ("Adress", "property_address"),
    ],
)
def test_labels_are_found_despite_ocr_slips(segment: str, field: str) -> None:
    hit = find_label(segment)
    assert hit is not None and hit.field == field


def test_short_words_are_not_mistaken_for_labels() -> None:
    assert find_label("Team") is None  # not 'Term'
    assert find_label("Loan Application for a Commercial Real Estate Loan") is None


def test_dispatch_names_the_rules_extractor(kit) -> None:
    assert extract(TABLE).extractor == "rules"  # the embedded default
    assert extract(TABLE, "rules").fields == extract_rules(TABLE).fields


def test_a_weak_label_in_a_row_of_column_labels_is_still_a_label() -> None:
    """Two columns of labels above values: 'Size' only hints at the area, but in a row that starts with a
    label alone, above a row of as many values, it is a label (it was taken for the register's value)."""
    from credit_ocr.reading.extraction import extract

    text = (
        "Registry                                          Size\n"
        "HRA 45678 / Hamburg Local Court                   5.400 m²\n"
    )
    fields = extract(text, "rules").fields
    assert fields["commercial_register"] == "HRA 45678 / Hamburg Local Court"
    assert fields["total_area"] == "5,400 m²"


def test_a_short_value_beside_a_label_is_not_taken_for_a_weak_label() -> None:
    """'Limited Company' weakly names a company, but the next row starts with a label: it stays a value."""
    from credit_ocr.reading.extraction import extract

    text = "Legal Form   Limited Company\nFounding Date   12.05.2018\n"
    fields = extract(text, "rules").fields
    assert fields["legal_form"] == "Limited Company" and fields["founding_date"] == "12.05.2018"

"""Labels by meaning and values wherever they sit: the rules extractor's parts, without tesseract."""

from __future__ import annotations

import pytest

from credit_ocr.reading.extraction.labels import label_end, match_label, word_fields
from credit_ocr.reading.extraction.rules import extract_rules
from credit_ocr.reading.extraction.spec import FIELDS
from credit_ocr.reading.extraction.walk import candidates, section_of
from credit_ocr.reading.sample_pools import POOLS

SECTION = {name: "applicant" for name in ("company_name", "legal_form", "founding_date", "business_address",
                                          "commercial_register", "vat_id")}  # fmt: skip
SECTION |= {n: "loan" for n in ("loan_amount", "term", "monthly_payment", "interest_rate", "early_repayment",
                                 "public_funding")}  # fmt: skip


def _one(text: str) -> dict:
    return {c.field: c.raw for c in candidates(text.splitlines())}


def _readings(text: str) -> dict:
    """Each field's value and the shorter readings the extractor tries when it does not fit."""
    return {c.field: (c.raw, *c.alternatives) for c in candidates(text.splitlines())}


@pytest.mark.parametrize(
    ("label", "field"),
    [  # the wordings issue 15 names, none of them in spec.py's phrase lists
        ("Register Entry", "commercial_register"),
        ("Target Interest Rate", "interest_rate"),
        ("Financing Amount Requested", "requested_amount"),
        ("Option for Early Repayment?", "early_repayment"),
        ("Public Funding Requested?", "public_funding"),
    ],
)
def test_unseen_wordings_find_their_field_by_meaning(label: str, field: str) -> None:
    phrases = {p.lower() for spec in FIELDS for p in (spec.label, *spec.synonyms)}
    assert label.lower() not in phrases
    found = match_label(label.split(), SECTION.get(field, "property"))
    assert found is not None and found.field == field


def test_every_tune_wording_finds_its_field_beside_and_above_its_value() -> None:
    headings = {"applicant": "1. Applicant", "property": "2. The Property", "loan": "3. Loan Terms"}
    for field, labels in POOLS["tune"].labels.items():
        head = headings[SECTION.get(field, "property")] + "\n"
        for label in labels:
            assert _one(f"{head}{label}: Value X1")[field] == "Value X1", label  # after a colon
            beside = _readings(f"{head}{label}  Value X1")
            assert "Value X1" in beside.get(field, ()), (label, beside)  # across a wide gap
            assert _one(f"{head}{label}\nValue X1").get(field) == "Value X1", label  # below it


def test_a_value_is_no_label_and_a_label_no_value() -> None:
    for value in (
        "Office and Commercial Building",
        "Purchase and Renovation",
        "15 years",
        "HRB 123456 / Court",
    ):
        assert match_label(value.split(), "property") is None, value
    assert word_fields("of") == () and word_fields("Xylophone") is None
    assert word_fields("[x]") is None  # a tick box never belongs to a label


def test_the_label_ends_where_the_value_begins() -> None:
    words = ["Purpose", "of", "the", "Loan", "Purchase"]
    assert label_end(words, 1, "purpose") == 4  # 'of the Loan' still belongs to the label
    words = ["Type", "of", "Property", "Office", "Building"]
    assert label_end(words, 3, "property_type") == 3  # 'Office' starts the value
    assert extract_rules("Equity Amount EUR 1,850,000").fields["equity_share"] == "€1,850,000"


def test_values_in_cells_columns_and_after_leaders() -> None:
    found = _one("Purchase Price 18 500 000 EUR Financing Demand 14 380 000 EUR")  # two cells, no gap
    assert found == {"purchase_price": "18 500 000 EUR", "requested_amount": "14 380 000 EUR"}
    found = _one("Company Name    Legal Form\nHansa Bau AG    Stock Corporation (AG)")  # labels above
    assert found == {"company_name": "Hansa Bau AG", "legal_form": "Stock Corporation (AG)"}
    assert _one("Loan Volume .............. EUR 13,450,000") == {"loan_amount": "EUR 13,450,000"}


@pytest.mark.parametrize(
    ("printed", "expected"),
    [("☒ Yes   ☐ No", True), ("☐ Yes   ☒ No", False), ("Yes [x]   No [ ]", True), ("( ) Yes   (x) No", False),
     ("Ja", True), ("Nein", False), ("■ Yes   □ No", True)],
)  # fmt: skip
def test_yes_and_no_as_marks_or_words(printed: str, expected: bool) -> None:
    result = extract_rules(f"Early Repayment Desired?  {printed}")
    assert result.fields["early_repayment"] is expected


def test_sections_tell_the_generic_labels_apart() -> None:
    assert section_of("II. Object to be Financed", "applicant") == "property"
    assert section_of("C. Desired Credit Conditions", "property") == "loan"
    text = "A. About the Applicant\nAddress: Main Street 1, 70173 Stuttgart\nB. The Property\nAddress: Park 2, 10115 Berlin"
    fields = extract_rules(text).fields
    assert fields["business_address"].startswith("Main Street")
    assert fields["property_address"].startswith("Park 2")


def test_the_form_after_a_cover_letter() -> None:
    letter = "Dear Sir or Madam,\nplease find enclosed our application for a loan.\nYours faithfully,\n\n"
    result = extract_rules(letter + "Loan Amount Requested: EUR 2,000,000\nRepayment Period: 15 years")
    assert result.fields["loan_amount"] == "€2,000,000" and result.fields["term"] == "15 years"


@pytest.mark.parametrize(
    "text",
    [
        "Property Type: Office Building\nProperty: Harbour View Offices\n",
        "Asset Class  Light Industrial Hall  Property  Harbour View Offices\n",
        "Object · · · · · · · Harbour View Offices\n",
        "Asset: Harbour View Offices\nAsset Class: Office Building\n",
    ],
)
def test_a_bare_noun_alone_as_a_label_asks_for_the_things_name(text: str) -> None:
    assert _one(text)["property_name"] == "Harbour View Offices"


def test_a_bare_noun_inside_a_longer_segment_is_no_label() -> None:
    """'Property Management GmbH' is a company's name, under labels above values too."""
    assert match_label(["Property"]) is None  # one weak word of three fields: no label by score
    assert _one("Company Name: Property Management GmbH\n") == {"company_name": "Property Management GmbH"}
    assert _one("Company Name  Legal Form\nProperty Management GmbH  GmbH\n")["company_name"] == (
        "Property Management GmbH"
    )


def test_the_company_and_an_early_repayment_in_other_words() -> None:
    found = _one("Firm: Fichtel Textil GmbH\nRepay ahead of schedule? [x] yes [ ] no\n")
    assert found["company_name"] == "Fichtel Textil GmbH"
    assert found["early_repayment"].startswith("[x] yes")


@pytest.mark.parametrize(
    ("label", "field"),
    [  # a German fax form's short labels: umlauts written out, two words printed as one, abbreviations
        ("Gruendung", "founding_date"),
        ("Flaeche", "total_area"),
        ("Foerdermittel", "public_funding"),
        ("Vorz. Rueckzahlung", "early_repayment"),
        ("Fin.-Bedarf", "requested_amount"),
        ("Rate/Monat", "monthly_payment"),
        ("Objektadr.", "property_address"),
        ("Handelsreg.", "commercial_register"),
    ],
)
def test_a_fax_forms_short_german_labels(label: str, field: str) -> None:
    found = match_label(label.split(), SECTION.get(field, "property"))
    assert found is not None and found.field == field


def test_an_english_word_with_ue_is_not_read_as_an_umlaut() -> None:
    """'Value' stays 'value' (a VAT's 'Value Added'): the written-out umlaut is tried only for a word that
    names nothing as printed."""
    assert dict(word_fields("Value") or ()) == {"vat_id": 1}


def test_a_letter_between_label_and_value_is_a_colon_misread() -> None:
    """A fax's colon read as 'B' or 'H' between label and value is dropped; an 'X' there is a tick."""
    assert _one("Kaufpreis  B  EUR 11.165.000,00\nDarlehen  H  EUR 8.480.000,00") == {
        "purchase_price": "EUR 11.165.000,00",
        "loan_amount": "EUR 8.480.000,00",
    }


def test_a_mark_after_the_last_value_of_a_row_is_no_value() -> None:
    """A table's edge read as '=' after the last cell would make five values of four labels' row."""
    text = (
        "Company  Legal form  Founded\nElbufer Hotelbetriebs AG  Public Limited Company (AG)  23.03.1968  ="
    )
    assert _one(text) == {
        "company_name": "Elbufer Hotelbetriebs AG",
        "legal_form": "Public Limited Company (AG)",
        "founding_date": "23.03.1968",
    }


def test_marks_between_two_cells_are_no_cell() -> None:
    """'1988  =  3.728 m2': a speck between two values of a row of labels above would make three values."""
    assert _one("Construction Year  Total Area\n1988  =  3.728 m2") == {
        "construction_year": "1988",
        "total_area": "3.728 m2",
    }


def test_a_bilingual_forms_german_label_in_the_value_cell_is_no_part_of_the_value() -> None:
    text = "\n".join(
        [
            "Company name  Firma Schneider Medizintechnik GmbH",
            "Date of incorporation  Gründung 12.02.2020",
            "Commercial register / court  HR HRB 584393, Amtsgericht Regensburg",
            "Business address  Office Park 5, 93047 Regensburg",  # 'Office' only hints at an address
        ]
    )
    assert _one(text) == {
        "company_name": "Schneider Medizintechnik GmbH",
        "founding_date": "12.02.2020",
        "commercial_register": "HRB 584393, Amtsgericht Regensburg",
        "business_address": "Office Park 5, 93047 Regensburg",
    }


def test_a_rate_is_an_installment_or_an_interest_as_its_value_says() -> None:
    """'Rate' is the German word for an installment and the English one for interest: the value decides,
    on a form with no sections too."""
    assert (
        extract_rules("Gewünschte Rate  30.200 € monatlich").fields["monthly_payment"] == "€30,200 per month"
    )
    assert extract_rules("Rate  3.8 % p.a. fixed").fields["interest_rate"] == "3.8%"
    fields = extract_rules("Interest Rate  Fixed\nMonthly Rate  €5,900").fields
    assert (fields["interest_rate"], fields["monthly_payment"]) == ("Fixed", "€5,900 per month")


def test_a_term_sheets_asset_section_names_the_property() -> None:
    text = "2 Asset\n2.1  Asset type  Office Building\n2.2  Asset name  Ärztehaus Hafenspitze\n4 Facility\n4.3  Tenor  15 years"
    assert _one(text) == {
        "property_type": "Office Building",
        "property_name": "Ärztehaus Hafenspitze",
        "term": "15 years",
    }


def test_a_brokers_summary_and_a_contracts_spelled_out_term() -> None:
    """'Kunde' (the broker's customer) is the applicant; 'ten (10) years' is 10 years."""
    fields = extract_rules(
        "Kunde: Sauer & Engel GmbH  Kaufpreis:  € 3.240.000\nDuration ..... ten (10) years"
    ).fields
    assert (fields["company_name"], fields["purchase_price"]) == ("Sauer & Engel GmbH", "€3,240,000")
    assert fields["term"] == "10 years"


def test_of_two_loan_labels_the_one_asked_for_is_the_amount_requested() -> None:
    text = "Amount of credit sought ..... EUR 5.800.000,00\nLoan principal ..... EUR 5.700.000,00"
    result = extract_rules(text)
    assert (result.fields["requested_amount"], result.fields["loan_amount"]) == ("€5,800,000", "€5,700,000")
    assert any(item["field"] == "requested_amount" for item in result.review)


def test_a_speck_after_an_items_number_or_an_amount_is_no_part_of_them() -> None:
    fields = extract_rules(
        "4.7 ° Public funding  none applied for :\nless: Equity (Borrower)  EUR 9,240,000  5"
    ).fields
    assert (fields["public_funding"], fields["equity_share"]) == (False, "€9,240,000")

"""Wordings and OCR slips no phrase list foresaw: the field found by what its label means, where it sits
in the form and what its value looks like (text in, fields out: no tesseract needed)."""

from __future__ import annotations

from credit_ocr.reading.extraction.fields import normalize
from credit_ocr.reading.extraction.rules import extract_rules


def test_a_label_that_names_two_kinds_of_field_lets_the_value_decide() -> None:
    """'Incorporation' says founding date, 'Form' says legal form: a legal form's value settles it."""
    fields = extract_rules("Incorporation Form   Entrepreneurial Company (UG)\nFounded   24/03/1950").fields
    assert fields["legal_form"] == "Entrepreneurial Company (UG)"
    assert fields["founding_date"] == "24.03.1950"


def test_a_rival_from_another_section_counts_less() -> None:
    """'Type of Legal Entity' under the applicant is a legal form, not a property type: a label of its own
    in a row of labels, not part of the company's name."""
    text = "I. Borrower\nBusiness Name  Type of Legal Entity\nAllgaeu Gastro KG  Limited Partnership (KG)"
    fields = extract_rules(text).fields
    assert fields["company_name"] == "Allgaeu Gastro KG"
    assert fields["legal_form"] == "Limited Partnership (KG)"


def test_a_cover_letters_sentences_are_no_labels() -> None:
    """'and kindly ask ...', 'and the type of financing we have in mind': prose, not 'Type' and a value."""
    text = (
        "we kindly ask you to consider the enclosed request\n"
        "and the type of financing we have in mind, as described on the form.\n"
        "and kindly ask for a binding offer. Do not hesitate to call us.\n"
        "Type of Property  Student Residence"
    )
    assert extract_rules(text).fields["property_type"] == "Student Residence"


def test_a_purpose_is_known_by_its_words_under_a_label_no_vocabulary_has() -> None:
    beside = extract_rules("Reason We Borrow ........ Extension and Modernisation").fields
    below = extract_rules("Reason We Borrow\nEnergy-efficient Renovation").fields
    assert beside["purpose"] == "Extension and Modernisation"
    assert below["purpose"] == "Energy-efficient Renovation"
    assert (
        extract_rules("Purpose of Use  Acquisition\nNotes  Full Refinancing").fields["purpose"]
        == "Acquisition"
    )


def test_table_cells_read_without_a_gap_between_them_are_cut() -> None:
    """A photo loses the cell borders' gap: the second label still starts a cell of its own."""
    text = (
        "Section 1: The Company\n"
        "Name of the Company Ruhr Industriepark AG Corporate Form Stock Corporation (AG)\n"
        "Purchase Price / Construction Costs €23,350,000Desired Financing Amount €18,040,000\n"
        "Purpose of Use_Energy-efficient Renovation\n"
        "Preferred Installment Amount €83,800 per month  Rate of Interest Desired Fixed"
    )
    fields = extract_rules(text).fields
    assert fields["company_name"] == "Ruhr Industriepark AG"
    assert fields["legal_form"] == "Stock Corporation (AG)"
    assert (fields["purchase_price"], fields["requested_amount"]) == ("€23,350,000", "€18,040,000")
    assert fields["purpose"] == "Energy-efficient Renovation"
    assert fields["monthly_payment"] == "€83,800 per month"
    assert fields["interest_rate"] == "Fixed"


def test_numbers_and_dates_whose_separators_ocr_changed() -> None:
    assert normalize("equity_share", "2.980 000 EUR") == "€2,980,000"  # a narrow space read as '.'
    assert normalize("founding_date", "04 03 1964") == "04.03.1964"  # the dots lost
    assert normalize("founding_date", "04,03.1964") == "04.03.1964"
    assert normalize("monthly_payment", "EUR 27,300 month") == "€27,300 per month"  # 'per' lost
    assert normalize("vat_id", "DEQ00020615") == "DE000020615"  # Q and D are OCR's zeros too


def test_an_addresss_commas_read_as_full_stops_or_lost_are_put_back() -> None:
    """A fax's commas come out as full stops or not at all; an abbreviation's full stop stays."""
    text = "Business Address  Lindenallee 6. 04109 Leipzig. Germany\nProperty Address  Hauptstr. 5 80331 St. Georg"
    fields = extract_rules(text).fields
    assert fields["business_address"] == "Lindenallee 6, 04109 Leipzig, Germany"
    assert fields["property_address"] == "Hauptstr. 5, 80331 St. Georg"


def test_a_photos_edge_before_a_row_and_amounts_whose_separators_slipped() -> None:
    """'|' or '7' before a wide gap is the sheet's edge; '€8, 960,000' and '€8.670,000' are amounts."""
    text = (
        "|  Type of Property  Mixed-Use Building\n"
        "7  Property Name  Station Plaza\n"
        "Desired Loan Amount  €8, 960,000\n"
        "Equity Contribution  €8.670,000"
    )
    fields = extract_rules(text).fields
    assert (fields["property_type"], fields["property_name"]) == ("Mixed-Use Building", "Station Plaza")
    assert (fields["loan_amount"], fields["equity_share"]) == ("€8,960,000", "€8,670,000")


def test_a_letters_closing_is_no_label_and_a_row_of_labels_keeps_their_tails() -> None:
    """'Kind regards,' is no property type; 'Interest Rate Model' beside another label is one label,
    its value below; a yes/no answer cut by a wide gap is still one field's answer."""
    text = (
        "Kind regards,\nNeckar Medical SE\n"
        "Application for a Commercial Real Estate Loan\n"
        "Desired Monthly Installment  Interest Rate Model\n"
        "53 600 EUR per month  fixed\n"
        "Prepayment Right Requested?  Subsidies Requested?\n"
        "(x) Yes  (_) No  () Yes = (x) No"
    )
    fields = extract_rules(text).fields
    assert fields["property_type"] is None
    assert (fields["monthly_payment"], fields["interest_rate"]) == ("€53,600 per month", "Fixed")
    assert (fields["early_repayment"], fields["public_funding"]) == (True, False)


def test_a_question_ends_at_its_mark() -> None:
    """'no' is a register's word ('Reg. No.') but after 'Desired?' it is the answer; a register's stays."""
    fields = extract_rules("Early Repayment Desired? no  Public Aid Requested? No").fields
    assert (fields["early_repayment"], fields["public_funding"]) == (False, False)
    register = extract_rules("Registration Court / No. ....... HRB 720409 / Freiburg Local Court").fields
    assert register["commercial_register"] == "HRB 720409 / Freiburg Local Court"  # a register's 'No.' stays


def test_a_numbers_label_may_end_in_a_word_no_vocabulary_has() -> None:
    """'Year of Erection  2015': 'Erection' is the label's, the number after the gap the value."""
    assert extract_rules("Property\nYear of Erection  2015").fields["construction_year"] == 2015

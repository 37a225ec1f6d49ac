"""A loan request written as a letter: its amounts, dates, years, areas, terms, rates and yes/no answers are
read from its sentences by the words around them; a form's labelled values still win."""

from __future__ import annotations

from credit_ocr.reading.extraction import extract
from credit_ocr.reading.extraction.prose import is_prose, prose_candidates

LETTER = """Brightwater Storage Ltd
Harbour Lane 9, 28195 Bremen, Germany
Bremen, 14 May 2024

Dear Sir or Madam,

Our company was incorporated on 2 September 2011. We would like to buy the cold store at Kaiserkai 3,
which was completed in 2004 and offers 3.200 sqm of floor space. The asking price is 1.250.000 EUR, of
which we put in 300.000 EUR of equity; the remaining 950.000 EUR we would like to borrow, repaid over a
period of 12 years by paying back around EUR 7,900 a month at a variable rate.
We do not need the right to repay ahead of time. A KfW grant has been applied for.

Yours sincerely,
Tom Berger"""


def test_a_letter_reads_its_values_by_the_words_around_them() -> None:
    fields = extract(LETTER, "rules").fields
    assert fields["founding_date"] == "02.09.2011"
    assert fields["construction_year"] == 2004
    assert fields["total_area"] == "3,200 m²"
    assert fields["purchase_price"] == "€1,250,000"
    assert fields["equity_share"] == "€300,000"
    assert fields["term"] == "12 years"
    assert fields["monthly_payment"] == "€7,900 per month"
    assert fields["interest_rate"] == "Variable"
    assert fields["public_funding"] is True


def test_the_letters_own_date_and_a_negated_answer() -> None:
    """The date a letter is written on names no field; 'do not need the right to repay' is a no."""
    fields = extract(LETTER, "rules").fields
    assert fields["founding_date"] != "14.05.2024"
    found = {c.field: c.raw for c in prose_candidates(LETTER.splitlines())}
    assert "early_repayment" not in found or found["early_repayment"] == "no"


def test_a_form_is_not_prose_and_its_labels_win() -> None:
    assert not is_prose("Loan Amount   EUR 2,000,000")
    assert not is_prose("Purchase Price: EUR 2,500,000 (incl. fees)")
    form = "Loan Amount   EUR 2,000,000\nWe ask for a loan of EUR 1,000,000 to buy the building at once."
    result = extract(form, "rules")
    assert result.fields["loan_amount"] == "€2,000,000"


def test_a_value_read_from_a_sentence_is_flagged_for_review() -> None:
    result = extract("We request a loan of EUR 250,000 for the modernisation of our hotel.", "rules")
    assert result.fields["loan_amount"] == "€250,000"
    assert "loan_amount" in {item["field"] for item in result.review}


def test_a_register_entry_in_a_sentence_is_read_whole_not_as_a_label_and_its_tail() -> None:
    """'registered under HRB ...' is no label: the walk once took 'under HRB 1 / Kiel Local' for the value."""
    letter = (
        "Dear Sir or Madam,\n"
        "our firm was founded in Kiel and is registered under HRB 4711 / Kiel Local Court; we\n"
        "would like to ask you for a loan of EUR 90,000 for the extension of our workshop.\n"
    )
    assert extract(letter, "rules").fields["commercial_register"] == "HRB 4711 / Kiel Local Court"


def test_a_vat_number_in_brackets_in_a_sentence_is_read_by_its_shape() -> None:
    letter = "Nordwind GmbH, entered under HRB 12 / Kiel Local Court (VAT DE 224 466 880), would like to buy a hall."
    assert extract(letter, "rules").fields["vat_id"] == "DE224466880"


def test_the_sender_is_read_from_the_letterhead_and_flagged() -> None:
    """A letter names its writer above the greeting: the line ending in a legal form, and its address."""
    result = extract(LETTER, "rules")
    assert result.fields["company_name"] == "Brightwater Storage Ltd"
    assert result.fields["legal_form"] == "Ltd"  # the form as the letter prints it
    assert result.fields["business_address"] == "Harbour Lane 9, 28195 Bremen, Germany"
    reasons = {item["field"]: item["reason"] for item in result.review}
    assert reasons["company_name"].startswith("read from a letter")


def test_a_source_names_its_amount_and_the_sender_signs_below_the_closing() -> None:
    """'EUR 600,000 from equity' is the equity, though 'fund' comes before it; 'run for 15 years' is the term;
    a letter without a letterhead names its sender under 'Kind regards,'."""
    letter = (
        "Dear Sir or Madam,\n\n"
        "we would like to apply for a loan of EUR 2,400,000 to purchase a warehouse in Hamburg. The\n"
        "purchase price is EUR 3,000,000. We will fund EUR 600,000 from equity. The loan should run\n"
        "for 15 years with a fixed interest rate.\n\n"
        "Kind regards,\n"
        "Hansa Logistik GmbH\n"
        "Hafenstraße 12\n"
        "20457 Hamburg\n"
    )
    fields = extract(letter, "rules").fields
    assert (fields["loan_amount"], fields["equity_share"]) == ("€2,400,000", "€600,000")
    assert fields["requested_amount"] != "€600,000"
    assert fields["term"] == "15 years"
    assert (fields["company_name"], fields["legal_form"]) == ("Hansa Logistik GmbH", "GmbH")
    assert fields["business_address"] == "Hafenstraße 12, 20457 Hamburg"


def test_no_greeting_no_letterhead() -> None:
    """A form's heading line that ends in a legal form is no sender: only a letter greets."""
    form = "Nordwind GmbH\nCompany Name   Elbe Kontor KG\nCompany Address   Am Sandtorkai 5, 20457 Hamburg"
    fields = extract(form, "rules").fields
    assert fields["company_name"] == "Elbe Kontor KG"


def test_an_address_in_a_sentence_is_the_propertys_unless_it_is_the_companys_own() -> None:
    """A letter gives its own address in its letterhead; one in a sentence is the property's, unless the
    words before it say 'our office', 'based at'. 'Phase 2' or 'Section 3' are no street."""
    letter = (
        "Dear Sir or Madam,\n"
        "our company is based at Hafenstraße 12, 20457 Hamburg, and we would like to buy the hall at\n"
        "Am Sandtorkai 5, 20457 Hamburg for EUR 2,000,000, in phase 2 of our plan (section 3 of the site).\n"
    )
    fields = extract(letter, "rules").fields
    assert fields["property_address"] == "Am Sandtorkai 5, 20457 Hamburg"
    assert fields["business_address"] == "Hafenstraße 12, 20457 Hamburg"
    assert extract(LETTER, "rules").fields["property_address"] == "Kaiserkai 3"


SECOND_LETTER = """Tannenberg Facility Services GmbH & Co. KG
Neue Mainzer Straße 63, 76156 Karlsruhe

Dear Sir or Madam,

I am writing on behalf of Tannenberg Facility Services GmbH & Co. KG, Neue Mainzer Straße
63, 76156 Karlsruhe, to apply for a loan of EUR 9,900,000 over a term of 10 years.
Our company, a Limited partnership (GmbH & Co. KG) registered under HRA 11844 / Karlsruhe
Local Court, was founded on 14.06.2004.
We  intend  to  buy  the  property  Quartier  Lindenhof,  a
mixed-use building (residential and commercial) located at Königsallee 133a, 20412 Frankfurt am Main.
The building dates from 1985. The funds will be used for the following purpose: refinancing of an existing
loan. We would prefer a fixed rate of 3.9 %.

Yours faithfully,
Jens Keller"""


def test_a_letter_names_its_property_its_term_and_its_legal_form_in_words() -> None:
    """'a Limited partnership (GmbH & Co. KG)' is the legal form as printed ('Co.' ends no sentence); 'the
    property Quartier Lindenhof, a mixed-use building ... located at' its name and kind; 'over a term of 10
    years' the term, 'dates from 1985' the year; a sentence's colon ('for the following purpose: ...') and a
    justified line's wide gaps keep it a sentence; the address after the company's name is the company's."""
    fields = extract(SECOND_LETTER, "rules").fields
    assert fields["legal_form"] == "Limited partnership (GmbH & Co. KG)"
    assert fields["property_name"] == "Quartier Lindenhof"
    assert fields["property_type"] == "mixed-use building (residential and commercial)"
    assert fields["property_address"] == "Königsallee 133a, 20412 Frankfurt am Main"
    assert fields["business_address"] == "Neue Mainzer Straße 63, 76156 Karlsruhe"
    assert fields["term"] == "10 years"
    assert fields["construction_year"] == 1985
    assert fields["purpose"] == "refinancing of an existing loan"
    assert fields["interest_rate"] == "3.9%"  # 'fixed' is the rate's kind here, its number the rate


def test_a_property_named_as_a_sentence_names_it() -> None:
    for sentence, kind, name in (
        ("The property, a medical center known as Gesundheitszentrum Auenweg, is located in Bremen.",
         "medical center", "Gesundheitszentrum Auenweg"),
        ("The property in question is a hotel named Hotel am Stadtpark, situated in the old town.",
         "hotel", "Hotel am Stadtpark"),
        ('The object of the financing is the office and commercial building "Businesspark Elbe" at the port.',
         "office and commercial building", "Businesspark Elbe"),
        ("We plan to acquire the hotel Seehotel Kranichsee at the lake, which we know well.",
         "hotel", "Seehotel Kranichsee"),
    ):  # fmt: skip
        fields = extract(f"Dear Sir or Madam,\n{sentence}\nYours faithfully,", "rules").fields
        assert (fields["property_type"], fields["property_name"]) == (kind, name), sentence


def test_a_letters_register_keeps_its_court_and_its_legal_form_in_german() -> None:
    """'HRB 252090, Amtsgericht Würzburg' and 'Cologne District Court, HRA 57157' are whole entries; 'a
    limited liability company (Gesellschaft mit beschränkter Haftung)' is the legal form as written."""
    first = extract(
        "Dear Sir or Madam,\nWe are a limited liability company (Gesellschaft mit beschränkter Haftung), "
        "registered under HRB 252090, Amtsgericht Würzburg.\nYours faithfully,",
        "rules",
    ).fields
    assert first["legal_form"] == "limited liability company (Gesellschaft mit beschränkter Haftung)"
    assert first["commercial_register"] == "HRB 252090, Amtsgericht Würzburg"
    second = extract(
        "Dear Sir or Madam,\nOur firm is entered at Cologne District Court, HRA 57157 since 2001.\nYours faithfully,",
        "rules",
    ).fields
    assert second["commercial_register"] == "Cologne District Court, HRA 57157"


MAIL = """From:  Anna Weber <weber@example.de>
Subject:  Loan request

Hello Mr Becker,
as discussed on the phone, here are the details for our financing request. Our company is Nordlicht Software
OHG, legal form General Partnership (OHG), established on 22 January 1966. The business address is
Rosenweg 169, 01069 Dresden, Germany. We are entered in the commercial register as HRA 87756 (Local Court
Dresden), and our VAT number is DE 651333064.
The financing concerns the Mixed-Use Building called Kontorhaus Dresden, Europaplatz 45, 01069 Dresden.
It dates from 2025 and has 850 m2. The acquisition is repayable over 5 yrs.

Kind regards
Anna Weber"""


def test_an_e_mail_names_its_company_register_court_property_and_area_in_sentences() -> None:
    fields = extract(MAIL, "rules").fields
    assert fields["company_name"] == "Nordlicht Software OHG"
    assert fields["legal_form"] == "General Partnership (OHG)"
    assert (
        fields["business_address"] == "Rosenweg 169, 01069 Dresden, Germany"
    )  # a sentence's label is no label
    assert fields["commercial_register"] == "HRA 87756 (Local Court Dresden)"
    assert fields["property_type"] == "Mixed-Use Building"
    assert fields["property_name"] == "Kontorhaus Dresden"
    assert fields["total_area"] == "850 m²"  # 'has 850 m2': only one field is an area
    assert fields["term"] == "5 years"
    assert fields["property_type"] != "regards"  # 'Kind regards' is a closing, no label


def test_a_register_with_its_court_after_a_slash_and_a_partnership_with_its_partner() -> None:
    text = (
        "On behalf of Sonnenhof Real Estate GmbH & Co. KG, a Limited Partnership with a limited liability company\n"
        "as general partner (GmbH & Co. KG) based at Schloßplatz 10, 49074 Osnabrück, Germany, I would like to\n"
        "submit the following credit request. Register entry: HRB 681516 / Amtsgericht Osnabrück. Thank you.\n"
    )
    fields = extract(text, "rules").fields
    assert fields["commercial_register"] == "HRB 681516 / Amtsgericht Osnabrück"
    assert (
        fields["legal_form"]
        == "Limited Partnership with a limited liability company as general partner (GmbH & Co. KG)"
    )
    assert fields["company_name"] == "Sonnenhof Real Estate GmbH & Co. KG"


def test_a_faxed_letters_specks_a_date_with_no_space_and_a_bracket_after_the_purpose() -> None:
    text = "\n".join(
        [
            "Dear Sir or Madam,",
            "on behalf of Seidel Software GmbH & Co. KG we submit the following credit request. The company was",
            "incorporated on 25.November 2011 and is registered under HRA 96735 (Local Court Charlottenburg).",
            '\\  The property, a Logistics Warehouse known as "Speicherhaus Berlin", is located at Gutenbergstraße 149,',
            "10245 Berlin, Germany. We therefore ask for financing of € 3,745,000 (purpose: Refinancing and",
            "Modernisation).",
        ]
    )
    fields = extract(text, "rules").fields
    assert fields["founding_date"] == "25.11.2011"
    assert (
        fields["property_type"] == "Logistics Warehouse"
    )  # the speck before the line does not end the paragraph
    assert fields["property_name"] == "Speicherhaus Berlin"
    assert fields["purpose"] == "Refinancing and Modernisation"


def test_funds_intended_for_a_purpose_after_a_colon() -> None:
    text = (
        "Dear Sir or Madam,\nwe will contribute 1.095.000 € of our own funds, so that our financing need is 1.905.000 €. "
        "The funds are intended\nfor: Refinancing and Modernisation.\n"
    )
    assert extract(text, "rules").fields["purpose"] == "Refinancing and Modernisation"


GERMAN_LETTER = """Becker & Brandt OHG
Königsallee 176, 86150 Augsburg
Augsburg, 4. Oktober 2025
Anfrage zur Finanzierung des Objekts „Handelshof West“
Sehr geehrte Damen und Herren,
wir planen die Finanzierung des Objekts Handelshof West (Objektart: Bürogebäude) in
Gutenbergstraße 138, 18055 Rostock und bitten um ein Finanzierungsangebot.
Eine vorzeitige Rückzahlung ist nicht vorgesehen. Öffentliche Fördermittel haben wir beantragt.
Unsere Gesellschaft wurde am 22. April 2012 gegründet. Für Rückfragen stehen wir gern zur Verfügung.
Mit freundlichen Grüßen
Sabine Richter
Rechtsform: Offene Handelsgesellschaft · Sitz: Augsburg"""


def test_a_german_letter_is_read_as_an_english_one() -> None:
    """German sentences: their little words make them prose, 'nicht' says no, a date's day ends no sentence
    ('am 22. April 2012'), the property named 'des Objekts X (Objektart: Y)'; the footer's legal form,
    written out in German, is a legal form."""
    fields = extract(GERMAN_LETTER, "rules").fields
    assert fields["founding_date"] == "22.04.2012"
    assert (fields["property_name"], fields["property_type"]) == ("Handelshof West", "Bürogebäude")
    assert fields["property_address"] == "Gutenbergstraße 138, 18055 Rostock"
    assert (fields["early_repayment"], fields["public_funding"]) == (False, True)
    assert fields["legal_form"] == "Offene Handelsgesellschaft"


def test_a_questionnaire_and_an_e_mail_in_sentences() -> None:
    """Answers in full sentences name the applicant, its legal form by its short form alone, the property's
    kind 'of the type ...' before its name, or its name with its kind in brackets; 'm?' is a scan's m²."""
    answers = (
        "1. What is the full name of the applying company?\nThe applicant is Kraichgau Kunststofftechnik GmbH.\n"
        "2. What is its legal form?\nThe company is organised as a GmbH.\n"
        "7. Which property is to be financed?\n"
        "It is a property of the type Commercial Property, known as Gewerbepark West."
    )
    fields = extract(answers, "rules").fields
    assert (fields["company_name"], fields["legal_form"]) == ("Kraichgau Kunststofftechnik GmbH", "GmbH")
    assert (fields["property_type"], fields["property_name"]) == ("Commercial Property", "Gewerbepark West")
    mail = (
        "we are planning to acquire the property Technologiehof West (Light Industrial Building) at\n"
        "Kaiserstraße 129, 18055 Rostock and kindly ask for a financing offer. The building has a total\n"
        "area of 4,431 m? and was built in 2016."
    )
    fields = extract(mail, "rules").fields
    assert (fields["property_type"], fields["property_name"]) == (
        "Light Industrial Building",
        "Technologiehof West",
    )
    assert fields["total_area"] == "4,431 m²"


def test_a_contracts_party_its_bracketed_labels_and_whose_address_is_whose() -> None:
    """A loan agreement names the borrower as a party ('and X AG, a company having the legal form AG'),
    labels some values in brackets ('(property type: ...)', '(public subsidies applied for: no)') and gives
    the lender's address first: 'with its business address at' and 'located at' say whose each one is."""
    text = (
        "This agreement is made between Rhein-Main Immobilienbank AG, Taunusanlage 9, 60329 Frankfurt am Main (the\n"
        '"Lender"), and Falkenstein Logistik AG, a company having the legal form AG, incorporated on 12 December 1989,\n'
        "with its business address at Neumarkt 162, 86167 Augsburg, registered in the commercial register.\n"
        'The loan serves to finance the property known as "Spreebogen Hamburg" (property type: Office Building),\n'
        "located at Neumarkt 169, 22767 Hamburg. The financing amount requested by the Borrower is EUR 5,578,214.\n"
        "The Borrower declares that public subsidies have not been applied for (public subsidies applied for: no)."
    )
    fields = extract(text, "rules").fields
    assert (fields["company_name"], fields["legal_form"]) == ("Falkenstein Logistik AG", "AG")
    assert fields["business_address"] == "Neumarkt 162, 86167 Augsburg"
    assert (fields["property_type"], fields["property_address"]) == (
        "Office Building",
        "Neumarkt 169, 22767 Hamburg",
    )
    assert (fields["requested_amount"], fields["public_funding"]) == ("€5,578,214", False)


def test_a_lawyers_letter_names_its_client_not_the_firm() -> None:
    """A law firm writes for its client: the letterhead's 'Rechtsanwälte PartG mbB' is no applicant (nor the bank
    it writes to), 'Unsere Mandantin <name>' and 'Our client is a AG' are; 'Our ref.:' is no abbreviated
    'Rechtsform'."""
    text = "\n".join(
        [
            "Dr. Reuter & Partner Rechtsanwälte PartG mbB",
            "Rüttenscheider Straße 120, 45131 Essen",
            "Bayerische Immobilienkredit AG",
            "Maximilianstraße 40",
            "80539 München",
            "Our ref.: 278/25 RE",
            "Sehr geehrte Damen und Herren,",
            "wir zeigen an, dass wir unsere Mandantin Sturm Fahrzeugtechnik GmbH anwaltlich vertreten. Unsere Mandantin",
            "ist eine Unternehmergesellschaft (haftungsbeschränkt) und bittet um eine Finanzierung von 7.775.000 €.",
        ]
    )
    fields = extract(text, "rules").fields
    assert fields["company_name"] == "Sturm Fahrzeugtechnik GmbH"
    assert fields["legal_form"] == "Unternehmergesellschaft (haftungsbeschränkt)"
    english = extract(
        "Dear Sirs and Madams,\nwe act on behalf of Zürcher Logistik Holding AG. Our client is a AG incorporated "
        "on 23 August 2017.",
        "rules",
    ).fields
    assert english["company_name"] == "Zürcher Logistik Holding AG"
    assert english["legal_form"] == "AG"


def test_a_property_named_in_a_relative_clause() -> None:
    """'The property, which is classified as ..., is known as "..."': the kind ends at its comma, the name at its
    quote."""
    text = (
        "Hello,\nWe hereby apply for the financing of a commercial property.\n"
        "The property, which is classified as Office and Commercial Building, is known as “The Old Mill Offices” "
        "and is located at 83 Wellington Place, Manchester M1 4BT.\n"
    )
    fields = extract(text, "rules").fields
    assert (fields["property_type"], fields["property_name"]) == (
        "Office and Commercial Building",
        "The Old Mill Offices",
    )

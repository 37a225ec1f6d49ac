"""The 21 fields and their normalizers: every source format of the reference becomes one normalized form."""

from __future__ import annotations

import json

import pytest
from conftest import REFERENCE

from credit_ocr.reading.extraction import fields
from credit_ocr.reading.extraction.fields import (
    FIELD_BY_NAME,
    FIELD_NAMES,
    FIELDS,
    empty_fields,
    is_valid,
    normalize,
    values_match,
)

REFERENCE_ORDER = [
    "company_name",
    "legal_form",
    "founding_date",
    "business_address",
    "commercial_register",
    "vat_id",
    "property_type",
    "property_name",
    "property_address",
    "purchase_price",
    "requested_amount",
    "purpose",
    "equity_share",
    "construction_year",
    "total_area",
    "loan_amount",
    "term",
    "monthly_payment",
    "interest_rate",
    "early_repayment",
    "public_funding",
]


def test_field_set_follows_the_reference() -> None:
    assert list(FIELD_NAMES) == REFERENCE_ORDER
    assert [spec.name for spec in FIELDS] == REFERENCE_ORDER
    assert set(FIELD_BY_NAME) == set(REFERENCE_ORDER)
    assert empty_fields() == dict.fromkeys(REFERENCE_ORDER)
    for spec in FIELDS:
        assert spec.label and spec.description and spec.synonyms
        assert spec.label not in spec.synonyms
    assert FIELD_BY_NAME["company_name"].label == "Company Name"
    assert "Purchase Price" in FIELD_BY_NAME["purchase_price"].synonyms


def test_specs_are_frozen() -> None:
    with pytest.raises(AttributeError):
        FIELDS[0].label = "x"  # type: ignore[misc]


MONEY = ["€2,500,000", "EUR 2,500,000", "2.500.000 €", "2 500 000 EUR", "2.500.000,- €", "€ 2,500,000.00",
         "2500000", "€2.5 million", "2,5 Mio. EUR", 2_500_000, 2_500_000.0]  # fmt: skip
CASES = [
    *[("purchase_price", raw, "€2,500,000") for raw in MONEY],
    ("requested_amount", "€1,250.50", "€1,250.50"),
    ("requested_amount", "1.250,50 EUR", "€1,250.50"),
    ("requested_amount", "EUR 1,250.5", "€1,250.50"),
    ("equity_share", "€500,000", "€500,000"),
    ("equity_share", "500.000 €", "€500,000"),
    ("equity_share", "€500k", "€500,000"),
    # OCR slips: € read as E or C, O for 0, l for 1, stray spaces
    ("loan_amount", "E2,000,000", "€2,000,000"),
    ("loan_amount", "C 2,0OO,OOO", "€2,000,000"),
    ("loan_amount", "€l,250,000", "€1,250,000"),
    ("loan_amount", "2.000.000 E", "€2,000,000"),
    ("loan_amount", "§ €2,000,000 |", "€2,000,000"),
    ("loan_amount", "1980 000 EUR", "€1,980,000"),
    ("loan_amount", "7 630000 EUR", "€7,630,000"),
    ("loan_amount", "7 $30 000 EUR", "€7,530,000"),  # a 5 read as '$' on a fax
    ("loan_amount", "€2,S00,000", "€2,500,000"),
    ("term", "S yrs", "5 years"),
    ("equity_share", "€7 600,000", "€7,600,000"),  # a comma read as a narrow space
    ("equity_share", "1 250,50", "€1,250.50"),  # space thousands, comma decimals
    ("founding_date", "12/05/2018", "12.05.2018"),
    ("founding_date", "12.05.2018", "12.05.2018"),
    ("founding_date", "2018-05-12", "12.05.2018"),
    ("founding_date", "12-05-2018", "12.05.2018"),
    ("founding_date", "12 . O5 . 2018", "12.05.2018"),
    ("founding_date", "1.2.2018", "01.02.2018"),
    ("founding_date", "12 May 2018", "12.05.2018"),
    ("founding_date", "12. Mai 2018", "12.05.2018"),
    ("founding_date", "May 12, 2018", "12.05.2018"),
    ("founding_date", "05/13/2018", "13.05.2018"),
    ("total_area", "2,800 m²", "2,800 m²"),
    ("total_area", "2.800 m2", "2,800 m²"),
    ("total_area", "2800 sqm", "2,800 m²"),
    ("total_area", "2 800 sq m", "2,800 m²"),
    ("total_area", "12,450.5 m²", "12,450.5 m²"),
    ("total_area", 2800, "2,800 m²"),
    ("term", "15 years", "15 years"),
    ("term", "15 Jahre", "15 years"),
    ("term", "15 yrs", "15 years"),
    ("term", "15-year", "15 years"),
    ("term", "180 months", "15 years"),
    ("term", "l5 years", "15 years"),
    ("term", 15, "15 years"),
    ("monthly_payment", "€13,500 per month", "€13,500 per month"),
    ("monthly_payment", "EUR 13,500/month", "€13,500 per month"),
    ("monthly_payment", "13.500 € monthly", "€13,500 per month"),
    ("monthly_payment", "13 500 EUR p.m.", "€13,500 per month"),
    ("monthly_payment", "€13,500", "€13,500 per month"),
    ("interest_rate", "3.5 %", "3.5%"),
    ("interest_rate", "3,5%", "3.5%"),
    ("interest_rate", "3.50 % p.a.", "3.5%"),
    ("interest_rate", "4%", "4%"),
    ("interest_rate", "fixed", "Fixed"),
    ("interest_rate", "Fixed", "Fixed"),
    ("interest_rate", "VARIABLE", "Variable"),
    ("vat_id", "DE 123 456 789", "DE123456789"),
    ("vat_id", "DE123456789", "DE123456789"),
    ("vat_id", "de 123.456.789", "DE123456789"),
    ("vat_id", "DE l23 456 78O", "DE123456780"),
    ("construction_year", "2015", 2015),
    ("construction_year", "2O15", 2015),
    ("construction_year", 2015, 2015),
    ("early_repayment", "[x] yes [ ] no", True),
    ("early_repayment", "[ ] yes [x] no", False),
    ("early_repayment", "[ ] yes [x ] no", False),
    ("early_repayment", "[X] Yes [] No", True),
    ("early_repayment", "Ix] yes | ] no", True),
    ("public_funding", "| | yes {x } no", False),
    ("early_repayment", "I I yes Ix Jno", False),  # a box's side read into its answer ("Jno")
    (
        "property_name",
        "Fachmarkt Darmstadt- Ost",
        "Fachmarkt Darmstadt-Ost",
    ),  # a hyphen at a cell's line end  # a fax prints the empty box's sides as bars
    ("public_funding", "[Ix ] yes [] no", True),
    ("early_repayment", "☒ yes ☐ no", True),
    ("early_repayment", "☐ yes ☒ no", False),
    ("early_repayment", "yes [x] no [ ]", True),
    ("public_funding", "yes", True),
    ("public_funding", "no", False),
    ("public_funding", "ja", True),
    ("public_funding", "Nein", False),
    ("public_funding", True, True),
    ("public_funding", False, False),
    ("company_name", "  DemoTech   Solutions\nGmbH ", "DemoTech Solutions GmbH"),
    ("commercial_register", "HRB 123456 / Stuttgart Local Court", "HRB 123456 / Stuttgart Local Court"),
]


@pytest.mark.parametrize(("name", "raw", "expected"), CASES, ids=[f"{c[0]}:{c[1]!r}" for c in CASES])
def test_every_source_format_normalizes(name: str, raw: object, expected: object) -> None:
    assert normalize(name, raw) == expected  # type: ignore[arg-type]
    assert is_valid(name, expected)  # type: ignore[arg-type]
    assert normalize(name, expected) == expected  # type: ignore[arg-type]


GARBAGE = [
    ("purchase_price", "abc"),
    ("purchase_price", "€"),
    ("purchase_price", "12,34,567"),
    ("purchase_price", "12 34 EUR"),
    ("purchase_price", "$2,500,000"),
    ("purchase_price", "-500"),
    ("purchase_price", True),
    ("founding_date", "31.02.2018"),
    ("founding_date", "yesterday"),
    ("founding_date", "12.13.2018"),
    ("founding_date", 20180512),
    ("total_area", "300 sq ft"),
    ("total_area", "m²"),
    ("term", "forever"),
    ("monthly_payment", "€13,500 p.a."),
    ("interest_rate", "@@ ##"),
    ("vat_id", "12"),
    ("vat_id", "not a vat id"),
    ("construction_year", "15"),
    ("construction_year", "twenty"),
    ("early_repayment", "[ ] yes [ ] no"),
    ("early_repayment", "[x] yes [x] no"),
    ("early_repayment", "maybe"),
    ("company_name", "   "),
    ("company_name", None),
]


@pytest.mark.parametrize(("name", "raw"), GARBAGE, ids=[f"{g[0]}:{g[1]!r}" for g in GARBAGE])
def test_garbage_gives_none(name: str, raw: object) -> None:
    assert normalize(name, raw) is None  # type: ignore[arg-type]


@pytest.mark.parametrize("name", FIELD_NAMES)
def test_normalize_never_raises(name: str) -> None:
    for raw in [
        "",
        " ",
        "€€€",
        "[[[",
        "1/2/3/4",
        "0",
        "9" * 400,
        "\x00\ufffd",
        0,
        -1,
        1e300,
        float("nan"),
        "💶 12",
    ]:
        normalize(name, raw)  # must not raise


def test_unknown_field_is_named() -> None:
    with pytest.raises(KeyError, match="Unknown field"):
        normalize("colour", "red")


def test_is_valid() -> None:
    assert is_valid("vat_id", "DE123456789")
    assert not is_valid("vat_id", "DE12345678")
    assert is_valid("vat_id", "ATU12345678")  # an Austrian applicant's, as printed
    assert not is_valid("vat_id", "ATU1234567") and not is_valid("vat_id", "XX123456789")
    assert is_valid("founding_date", "29.02.2020")
    assert not is_valid("founding_date", "29.02.2019")
    assert not is_valid("founding_date", "2018-05-12")
    assert is_valid("construction_year", 2015)
    assert not is_valid("construction_year", 1700)
    assert not is_valid("construction_year", "2015")
    assert not is_valid("construction_year", True)
    assert is_valid("purchase_price", "€1,250.50")
    assert not is_valid("purchase_price", "€1,250.00")
    assert not is_valid("purchase_price", "2,500,000")
    assert is_valid("total_area", "2,800 m²")
    assert not is_valid("total_area", "2800 m²")
    assert is_valid("monthly_payment", "€13,500 per month")
    assert not is_valid("monthly_payment", "€13,500")
    assert is_valid("interest_rate", "3.5%") and is_valid("interest_rate", "Fixed")
    assert not is_valid("interest_rate", "3.5 %")
    assert is_valid("early_repayment", False)
    assert not is_valid("early_repayment", "no")
    assert not is_valid("company_name", "two  spaces")
    for name in FIELD_NAMES:
        assert not is_valid(name, None)


def test_values_match_follows_the_comparing_rule() -> None:
    assert values_match("company_name", "DemoTech Solutions GmbH", "demotech  solutions\tGMBH")
    assert not values_match("company_name", "DemoTech Solutions GmbH", "DemoTech Solution GmbH")
    assert values_match("purchase_price", "€2,500,000", "€2,500,000")
    assert not values_match("purchase_price", "€2,500,000", "€2,500,001")
    assert not values_match("total_area", "2,800 m²", "2,800 M²")  # only text fields fold case
    assert values_match("construction_year", 2015, 2015)
    assert not values_match("construction_year", 2015, "2015")
    assert not values_match("early_repayment", True, 1)
    assert values_match("public_funding", None, None)
    assert not values_match("public_funding", False, None)
    assert not values_match("company_name", None, "X")


def test_reference_expected_values_are_fixed_points() -> None:
    path = REFERENCE / "loan_application.expected.json"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert list(expected) == list(FIELD_NAMES)
    for name, value in expected.items():
        assert normalize(name, value) == value, name
        assert is_valid(name, value), name


def test_descriptions_mention_the_normalized_form() -> None:
    """The descriptions go verbatim into an LLM prompt: they must show the target format."""
    for spec in fields.FIELDS:
        if spec.kind in ("money", "monthly"):
            assert "€" in spec.description
        if spec.kind == "date":
            assert "DD.MM.YYYY" in spec.description


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [("total_area", "approx. 640 square metres", "640 m²"), ("total_area", "ca. 640 m2", "640 m²"),
     ("purchase_price", "about EUR 1,200,000", "€1,200,000"), ("monthly_payment", "approx. EUR 6,900", "€6,900 per month"),
     ("term", "circa 15 years", "15 years"), ("purchase_price", "ca. 1.2 Mio. EUR", "€1,200,000")],
)  # fmt: skip
def test_an_estimate_is_still_the_figure(name: str, raw: str, expected: str) -> None:
    """Forms write 'approx.' and 'ca.' before a figure: the figure was refused, the field left empty."""
    assert normalize(name, raw) == expected


def test_a_legal_forms_own_words_get_their_umlaut_back() -> None:
    """A scan loses the umlaut of 'haftungsbeschränkt' and 'beschränkter': words of the legal forms
    themselves, so they are mended; OCR's mark after a register's kind goes too."""
    assert normalize("legal_form", "UG (haftungsbeschrankt)") == "UG (haftungsbeschränkt)"
    assert (
        normalize("company_name", "Sonnenhof UG (Haftungsbeschrankt)") == "Sonnenhof UG (Haftungsbeschränkt)"
    )
    assert (
        normalize("legal_form", "Gesellschaft mit beschrankter Haftung")
        == "Gesellschaft mit beschränkter Haftung"
    )
    assert (
        normalize("commercial_register", "HRB:103718 / Düsseldorf Local Court")
        == "HRB 103718 / Düsseldorf Local Court"
    )


def test_the_full_stop_of_co_kg_read_as_a_comma_comes_back() -> None:
    """A fax reads 'GmbH & Co. KG' as 'GmbH & Co, KG'; a form that prints 'Co KG' without a stop keeps it."""
    assert (
        normalize("legal_form", "Limited Partnership (GmbH & Co, KG)")
        == "Limited Partnership (GmbH & Co. KG)"
    )
    assert normalize("company_name", "Muster GmbH & Co KG") == "Muster GmbH & Co KG"


def test_a_row_of_options_gives_the_ticked_one() -> None:
    """'☐ GmbH ☒ AG ☐ KG': the legal form is the option ticked; so for a purpose or a rate's kind. A row
    with no tick, or two, is left as printed (the review flags it)."""
    assert normalize("legal_form", "☐ GmbH ☒ AG ☐ KG ☐ GmbH & Co. KG ☐ OHG") == "AG"
    assert normalize("purpose", "☐ Purchase ☒ New construction ☐ Refinancing") == "New construction"
    assert normalize("interest_rate", "[x] Fixed [ ] Variable") == "Fixed"
    assert normalize("legal_form", "☒ GmbH ☒ AG") == "☒ GmbH ☒ AG"
    assert (
        normalize("commercial_register", "‚Amtsgericht Göttingen, HRB 25431")
        == "Amtsgericht Göttingen, HRB 25431"
    )


def test_a_towns_misread_umlaut_comes_back_in_addresses_and_registers() -> None:
    """'Minster', 'Wirzburg', 'Niirnberg': a German town of the list read with its umlaut misread is written as
    the town is, in an address or a register entry; 'Dusseldorf' is how English prints it, and a company's
    name is left as printed."""
    assert (
        normalize("business_address", "Gewerbering 41, 40213 Dusseldorf")
        == "Gewerbering 41, 40213 Dusseldorf"
    )
    assert (
        normalize("business_address", "Lise-Meitner-Weg 116, 48126 Minster")
        == "Lise-Meitner-Weg 116, 48126 Münster"
    )
    assert (
        normalize("commercial_register", "HRA 95949 / Wirzburg Local Court")
        == "HRA 95949 / Würzburg Local Court"
    )
    assert normalize("property_address", "Hauptstr. 5, 90402 Niirnberg") == "Hauptstr. 5, 90402 Nürnberg"
    assert (
        normalize("business_address", "Main Street 123, 70173 Stuttgart")
        == "Main Street 123, 70173 Stuttgart"
    )
    assert normalize("company_name", "Minster Logistik GmbH") == "Minster Logistik GmbH"


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [  # a speckled fax: a speck before the day or the amount, a mark after the country, ';' for a comma
        ("founding_date", ".15.05.1970", "15.05.1970"),
        ("vat_id", "DE: 561571797", "DE561571797"),
        ("purchase_price", "EUR .5.825.000,00", "€5,825,000"),
        ("equity_share", "EUR 2.060.000; 00", "€2,060,000"),
        ("purchase_price", "€,960,000", None),  # a digit lost into a mark: not a speck (sums.py restores it)
    ],
)
def test_a_faxs_specks_around_a_value(name: str, raw: str, expected: object) -> None:
    assert normalize(name, raw) == expected


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [  # umlauts a scan loses where no word is left without them; a speck glued to a postcode
        ("property_name", "Arztehaus Ost", "Ärztehaus Ost"),
        ("property_type", "Burogebaude", "Bürogebäude"),
        ("property_type", "Wohn- und Geschaftshaus", "Wohn- und Geschäftshaus"),
        ("property_name", "Westpark Sud", "Westpark Süd"),
        ("property_name", "Alte Muhle", "Alte Mühle"),
        ("property_name", "Sudpark", "Sudpark"),  # no word of its own: left as read
        ("business_address", "Kaiserstraße 36a, .44135 Dortmund", "Kaiserstraße 36a, 44135 Dortmund"),
    ],
)
def test_lost_umlauts_of_property_words_and_a_postcodes_speck(name: str, raw: str, expected: str) -> None:
    assert normalize(name, raw) == expected


def test_a_rate_stated_beside_its_ticked_type_is_the_rate() -> None:
    assert normalize("interest_rate", "[x] Fixed  [ ] Variable  indicative: 4.2 % p.a.") == "4.2%"
    assert normalize("interest_rate", "[x] Fixed  [ ] Variable") == "Fixed"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("fixed for 10 years", "Fixed"),  # how long the rate holds is the term's business
        ("fest für 7 Jahre", "Fest"),
        ("Fixed rate", "Fixed"),  # the word 'rate' repeats the label
        ("Variable Rate", "Variable"),
        ("4,15 % p.a. (fixed for 10 years)", "4.15%"),  # a stated rate still wins
        ("Rate", "Rate"),
    ],
)
def test_a_rates_kind_with_how_long_it_holds(raw: str, expected: str) -> None:
    assert normalize("interest_rate", raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [  # a term sheet's or a portal's answer in words
        ("permitted", True),
        ("none applied for", False),
        ("not permitted", False),
        ("applied for (KfW)", True),
        ("nicht vorgesehen", False),
        ("gewünscht", True),
        ("see appendix", None),
    ],
)
def test_a_yes_or_no_answered_in_words(raw: str, expected: bool | None) -> None:
    assert normalize("early_repayment", raw) is expected


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [  # a portal's radio buttons as tesseract reads them: a filled one '@' or '©', an empty one 'O'
        ("interest_rate", "O Fixed  @ Variable", "Variable"),
        ("interest_rate", "@ Fixed O Variable", "Fixed"),
        ("early_repayment", "O Yes  @©No", False),
        ("public_funding", "@ Yes  O No", True),
        ("company_name", "O Brien Bau GmbH", "O Brien Bau GmbH"),  # no filled button: no row of them
    ],
)
def test_radio_buttons_read_as_letters(name: str, raw: str, expected: object) -> None:
    assert normalize(name, raw) == expected


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [  # a skewed scan's specks: after a VAT number, before a year
        ("vat_id", "DE304852769°  5", "DE304852769"),
        ("vat_id", "DE 358 081 059", "DE358081059"),
        ("construction_year", "ee  1998", 1998),
    ],
)
def test_a_scans_specks_beside_a_vat_number_or_a_year(name: str, raw: str, expected: object) -> None:
    assert normalize(name, raw) == expected


def test_a_million_glued_to_its_digits_a_notes_comma_and_swiss_thousands() -> None:
    """'€7.13m,' in a chat's note ('price €7.13m, equity €2.49m'), 'CHF'-style "1'250'000.–" written in euros."""
    assert normalize("purchase_price", "€7.13m,") == "€7,130,000"
    assert normalize("purchase_price", "€ 2.500.000,") == "€2,500,000"
    assert normalize("loan_amount", "EUR 1'250'000.–") == "€1,250,000"
    assert normalize("purchase_price", "€ 500 m2") is None  # an area is no amount


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [  # an applicant abroad writes its dates, terms and answers in its own language
        ("founding_date", "25 août 2007", "25.08.2007"),
        ("founding_date", "26 luglio 2008", "26.07.2008"),
        ("founding_date", "5 de marzo de 2010", "05.03.2010"),
        ("founding_date", "2 januari 2008", "02.01.2008"),
        ("founding_date", "12 września 2011", "12.09.2011"),
        ("term", "10 anni", "10 years"),
        ("term", "12 jaar", "12 years"),
        ("term", "240 mois", "20 years"),
        ("term", "10 afios", "10 years"),  # tesseract's 'años'
        ("early_repayment", "[x] sì [ ] no", True),
        ("early_repayment", "Oui [ X ]  Non [ ]", True),
        ("public_funding", "Nee", False),
        ("public_funding", "[ ] Tak [x] Nie", False),
    ],
)
def test_dates_terms_and_answers_in_europes_languages(name: str, raw: str, expected: object) -> None:
    assert normalize(name, raw) == expected


def test_a_boxs_closing_bracket_read_as_a_j_still_ticks_its_answer() -> None:
    """A grey scan's '[x] yes [ ] no' read as '[xJyes []no': the J is the box's side, the yes is ticked."""
    assert normalize("public_funding", "[xJyes []no") is True
    assert normalize("public_funding", "[ ]yes [xJno") is False

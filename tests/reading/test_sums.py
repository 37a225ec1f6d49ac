"""Amounts whose first digit the OCR lost, restored from the form's sums, and rates whose point it lost
(reading/extraction/sums.py)."""

from __future__ import annotations

from credit_ocr.reading.extraction import extract
from credit_ocr.reading.extraction.sums import restore_lost_digits, restore_rate_point


def _fields(price: str, requested: str, equity: str, loan: str) -> dict[str, object]:
    return {
        "purchase_price": price,
        "requested_amount": requested,
        "equity_share": equity,
        "loan_amount": loan,
    }


def test_a_financing_read_without_its_first_digit_is_the_price_less_the_equity() -> None:
    # '€5,530,250.50' read '&,530,250.50' on a fax: no loan to copy it from
    fields = _fields("€9,000,250.50", "€530,250.50", "€3,470,000", None)
    raws = {"requested_amount": "&,530,250.50"}
    reasons = restore_lost_digits(fields, raws)
    assert fields["requested_amount"] == "€5,530,250.50"
    assert "restored from the price less the equity" in reasons["requested_amount"]


def test_a_loan_read_without_its_first_digit_is_the_financing_requested() -> None:
    fields = _fields("€19,500,000", "€12,480,000", "€7,020,000", "€2,480,000")
    assert set(restore_lost_digits(fields, {"loan_amount": "{2 480 000 EUR"})) == {"loan_amount"}
    assert fields["loan_amount"] == "€12,480,000"


def test_an_amount_printed_cleanly_is_never_changed() -> None:
    # a loan of €500,000 against €1,500,000 requested is odd, but printed so: the review doubts it, no more
    fields = _fields("€2,000,000", "€1,500,000", "€500,000", "€500,000")
    assert restore_lost_digits(fields, {"loan_amount": "EUR 500,000", "equity_share": "500.000 €"}) == {}
    assert fields["loan_amount"] == "€500,000"


def test_a_mark_before_an_amount_that_is_not_a_lost_digit_changes_nothing() -> None:
    fields = _fields("€9,000,000", "€4,000,000", "€3,000,000", "€4,000,000")
    assert restore_lost_digits(fields, {"equity_share": "&3,000,000"}) == {}
    assert fields["equity_share"] == "€3,000,000"


def test_the_extractor_restores_it_and_asks_for_a_look() -> None:
    text = "\n".join(
        [
            "Purchase Price / Construction Costs  €15,800,000",
            "Desired Financing Amount  €10,290,000",
            "Equity Contribution  &,510,000",
            "Desired Loan Amount  €10,290,000",
        ]
    )
    result = extract(text, "rules")
    assert result.fields["equity_share"] == "€5,510,000"
    flagged = {item["field"]: item["reason"] for item in result.review}
    assert "a digit lost" in flagged["equity_share"]


def test_an_amount_that_reads_as_none_after_its_mark_is_restored_too() -> None:
    result = extract("Desired Financing Amount  €,960,000\nDesired Loan Amount  €8,960,000", "rules")
    assert result.fields["requested_amount"] == "€8,960,000"
    assert any(item["field"] == "requested_amount" for item in result.review)


def test_a_rate_that_lost_its_point_is_the_one_rate_a_loan_can_carry() -> None:
    for printed, rate in (("435%", "4.35%"), ("41 %", "4.1%"), ("125%", "1.25%")):
        fields: dict[str, object] = {"interest_rate": None}
        reason = restore_rate_point(fields, {"interest_rate": printed})
        assert fields["interest_rate"] == rate
        assert reason is not None and "decimal point" in reason


def test_a_rate_a_loan_can_carry_is_kept_as_printed() -> None:
    for printed in ("5%", "12%", "3.75%", "Fixed"):
        fields: dict[str, object] = {"interest_rate": "kept"}
        assert restore_rate_point(fields, {"interest_rate": printed}) is None
        assert fields["interest_rate"] == "kept"


def test_the_extractor_restores_a_rate_and_asks_for_a_look() -> None:
    result = extract("Desired Loan Amount  €8,960,000\nInterest Rate  435%", "rules")
    assert result.fields["interest_rate"] == "4.35%"
    flagged = {item["field"]: item["reason"] for item in result.review}
    assert "435%" in flagged["interest_rate"]


def test_of_two_prices_offered_the_one_that_adds_up_is_taken() -> None:
    """A term sheet's sources and uses: 'Purchase price' and 'Total investment' (price and its costs) are
    both labels of the price; equity plus the financing requested is the purchase price."""
    text = "\n".join(
        [
            "3 Sources and uses",
            "Purchase price  EUR 18,410,000",
            "Transaction costs (RETT, notary, agent)  EUR 1,196,600",
            "Total investment  EUR 19,606,600",
            "less: Equity (Borrower)  EUR 5,620,000",
            "Financing requested  EUR 12,790,000",
        ]
    )
    result = extract(text, "rules")
    assert result.fields["purchase_price"] == "€18,410,000"
    assert result.fields["equity_share"] == "€5,620,000"  # its 'less:' is no part of its label
    flagged = {item["field"]: item["reason"] for item in result.review}
    assert "adds up" in flagged["purchase_price"]

"""An amount whose first digit the OCR lost, or a rate its decimal point, restored from what they must be.

A fax or a blurred photo may read '€5,530,250.50' as '&,530,250.50' or '12 480 000 EUR' as '{2 480 000 EUR':
the first digit goes into a mark, and what is left still reads as an amount, a smaller one. The form's own
sums tell what it was: the purchase price is the equity plus the financing requested, and the loan is the
financing requested. When an amount that starts with such a mark breaks its sum, and the amount the
others imply is it with one or two digits more in front, the implied amount is taken; the field stays
flagged for review, with the reason.

Where a form offers two amounts for one field under labels as sure ('Purchase price' and 'Total investment'
of a term sheet's sources and uses), the one that adds up with the others is taken, still flagged.

A rate read as '435%' or '41%' lost its point: no loan carries 41% a year. When exactly one place for the
point gives a rate a commercial loan may carry (``checks.RATE_RANGE``), that rate is taken, also flagged.
"""

from __future__ import annotations

import re
from decimal import Decimal

from credit_ocr.reading.extraction.checks import RATE_RANGE
from credit_ocr.reading.extraction.fields import normalize
from credit_ocr.reading.extraction.shapes import AMOUNTS, money

__all__ = ["restore_lost_digits", "restore_rate_point", "settle_by_sums"]

#: A printed amount that starts with a mark where its first digit was ('&,530,250.50', '{2 480 000', '€,960,000').
_MARK_FIRST = re.compile(r"^\s*(?:€\s*)?(?:[^\w\s€$£]|[,.])")
#: A rate printed as digits alone before its per cent sign ('435%', '41 %'): its point may be lost.
_POINTLESS_RATE = re.compile(r"^\D*?(\d{2,4})\s?%")


def restore_lost_digits(fields: dict[str, object], raws: dict[str, str | None]) -> dict[str, str]:
    """Amounts of ``fields`` restored in place from the others; returns the reason per restored field.

    ``raws`` holds each field's value as printed: only one that begins with a mark is ever changed (also
    one that read as no amount at all, '€,960,000').
    """
    restored: dict[str, str] = {}
    marked = {name: _after_mark(name, raws.get(name) or "") for name in AMOUNTS}
    price, requested, equity, loan = (
        marked[name] if marked[name] is not None else money(fields.get(name)) for name in AMOUNTS
    )
    implied: list[tuple[str, Decimal | None, Decimal | None, str]] = [
        ("loan_amount", loan, requested, "the financing requested"),
        ("requested_amount", requested, loan, "the loan amount"),
    ]
    if price is not None and equity is not None:
        implied.append(("requested_amount", requested, price - equity, "the price less the equity"))
    if price is not None and requested is not None:
        implied.append(("equity_share", equity, price - requested, "the price less the financing requested"))
    for name, read, other, source in implied:
        if name in restored or marked[name] is None or other is None:
            continue
        if _lost_first_digits(read, other):
            fields[name] = normalize(name, f"EUR {other:f}")
            restored[name] = f"a digit lost in front of {raws[name]!r}: restored from {source}"
    return restored


def _after_mark(name: str, raw: str) -> Decimal | None:
    """The amount printed after the mark at its start, None when it starts with no mark."""
    if not _MARK_FIRST.match(raw):
        return None
    return money(normalize(name, re.sub(r"^\D+", "", raw)))


def _lost_first_digits(read: Decimal | None, implied: Decimal) -> bool:
    """``implied`` is ``read`` with one or two digits more in front ('530,250.50' of '5,530,250.50')."""
    if read is None:
        return False
    cent = Decimal("0.01")
    short, full = f"{read.quantize(cent):f}", f"{implied.quantize(cent):f}"
    return 1 <= len(full) - len(short) <= 2 and full.endswith(short) and implied > read


def restore_rate_point(fields: dict[str, object], raws: dict[str, str | None]) -> str | None:
    """The interest rate restored in place when its printed digits lost their point; returns the reason."""
    printed = raws.get("interest_rate") or ""
    if not (m := _POINTLESS_RATE.match(printed)):
        return None
    digits = m[1]
    low, high = (bound * 100 for bound in RATE_RANGE)
    if low <= Decimal(digits) <= high:
        return None  # '5%' or '12%' is a rate as printed
    places = [f"{digits[:i]}.{digits[i:]}" for i in range(1, len(digits))]
    fitting = [place for place in places if low <= Decimal(place) <= high]
    if len(fitting) != 1:
        return None
    fields["interest_rate"] = normalize("interest_rate", f"{fitting[0]}%")
    return f"no loan carries {digits}% a year: read as {fitting[0]}%, its decimal point lost in the scan?"


def settle_by_sums(fields: dict[str, object], rivals: dict[str, object]) -> dict[str, str]:
    """Each amount of ``fields`` with a rival (``rivals``: field -> the other value) set to whichever of
    the two adds up with the other amounts, when exactly one does; returns the reason per field changed."""
    settled: dict[str, str] = {}
    for name, rival in rivals.items():
        if name not in AMOUNTS or (other := money(rival)) is None:
            continue
        implied = _implied(name, {n: money(fields.get(n)) for n in AMOUNTS})
        if implied is not None and other == implied != money(fields.get(name)):
            settled[name] = (
                f"{fields[name]} and {rival} were both offered: {rival} adds up with the other amounts"
            )
            fields[name] = rival
    return settled


def _implied(name: str, amounts: dict[str, Decimal | None]) -> Decimal | None:
    """What the other amounts say field ``name`` is (price = equity + financing requested = loan)."""
    price, requested, equity = amounts["purchase_price"], amounts["requested_amount"], amounts["equity_share"]
    if name == "purchase_price" and equity is not None and requested is not None:
        return equity + requested
    if name == "equity_share" and price is not None and requested is not None:
        return price - requested
    if name == "requested_amount" and price is not None and equity is not None:
        return price - equity
    return None

"""Doubts the review flag raises about a value that reads well: slips of its shape and sums that disagree.

A value that normalizes cleanly can still be wrong: tesseract is sometimes confidently wrong, and a label
of an unseen wording may end where the extractor did not expect. What gives such a value away is
knowledge of what the field holds and of the rest of the document, not the OCR's confidence:

- **its shape** (:func:`.shapes.shape_doubt`, kept in its own module): a postcode and commas in an
  address, no stray marks in a name, a register number of digits, amounts of thousands of euros;
- **its label** (:func:`label_doubt`): no label ends in 'of', a value that starts with a word of its
  own label holds part of it, and one that holds another field's label of its section ('... Hall
  Property Linden Court') ran into that field;
- **the document's other words** (:func:`misread_word`): a word one OCR slip off a word printed more
  often elsewhere ('Karisruhe' beside two 'Karlsruhe') is the likelier misreading;
- **the other fields** (:func:`consistency`): the purchase price is equity plus the financing requested,
  the loan is most of that financing and no more, the monthly payment lies between the interest alone
  and the annuity that repays the loan in its term, two text fields do not share a value, and a company
  is founded before today.

Each doubt names the field to look at and why, in words a reviewer understands. None of the limits is
fitted to a sample set: they are what a credit officer knows of the fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from credit_ocr.reading.extraction.fields import normalize
from credit_ocr.reading.extraction.labels import BARE_NOUNS, word_fields
from credit_ocr.reading.extraction.sections import SECTION_FIELDS
from credit_ocr.reading.extraction.shapes import (
    ADDRESSES,
    AMOUNTS,
    LOWEST_AMOUNT,
    REGISTER,
    TEXT_FIELDS,
    money,
    shape_doubt,
    tick_ambiguous,
)
from credit_ocr.reading.extraction.unconfirmed import printed_words

__all__ = [
    "LOWEST_AMOUNT",
    "Doubt",
    "annuity",
    "consistency",
    "label_doubt",
    "misread_word",
    "one_slip_apart",
    "shape_doubt",
    "tick_ambiguous",
]

#: Lower-case words a value never starts with ('of Poy ty': a label's tail read into the value).
_MID_SENTENCE = frozenset(
    {"of", "the", "for", "and", "to", "in", "on", "at", "by", "with", "from", "is", "are"}
)
#: A loan is most of the financing requested: less than this share of it means a digit was lost.
LOWEST_LOAN_SHARE = Decimal("0.5")
#: The financing may cover the purchase's own costs (notary 1-2%, land-transfer tax 3.5-6.5%, an agent's 3-7%,
#: a refurbishment) beside the price: equity + financing up to this share above the price still adds up.
COSTS_SHARE = Decimal("0.25")
#: The interest rates a commercial loan may carry (a year), when the form gives a rate type, not a number.
RATE_RANGE = (Decimal("0.005"), Decimal("0.12"))
#: Rounding a printed payment: the payment may miss the interest-only and annuity bounds by this share.
PAYMENT_SLACK = Decimal("0.1")

#: A word of five letters or more is compared with the document's others (shorter ones are one slip from many).
_WORD_LETTERS = 5
_WORD = re.compile(rf"[^\W\d_]{{{_WORD_LETTERS},}}")
#: Letters tesseract takes for one another (thin strokes, open and closed bowls, a hook more or less).
_LOOKALIKES = [set(pair) for pair in ("il", "lt", "it", "ij", "rs", "rt", "ce", "eo", "co", "ao", "aq", "nm",
                                       "nh", "hb", "un", "ft", "vy", "uv")]  # fmt: skip
#: Words a field is known to hold, five letters or more: a street's kind and the country in an address,
#: the court of a register entry, the words of a legal form, what a loan is for.
_STREET_WORDS = ("strasse", "straße", "platz", "allee", "gasse", "street", "square", "chaussee", "germany")
_FORM_WORDS = (
    "limited",
    "liability",
    "company",
    "partnership",
    "corporation",
    "european",
    "stock",
    "general",
)
_FIELD_WORDS: dict[str, tuple[str, ...]] = {
    "business_address": _STREET_WORDS,
    "property_address": _STREET_WORDS,
    "commercial_register": ("local", "court", "district", "amtsgericht", "registry", "register"),
    "legal_form": _FORM_WORDS,
    "purpose": (
        "acquisition",
        "purchase",
        "renovation",
        "refinancing",
        "construction",
        "modernisation",
        "modernization",
        "extension",
        "conversion",
    ),  # fmt: skip
}
#: Words no label ends with ('Built In', 'Situated At', 'Applied For' do end in theirs): a label read
#: as ending in one lost its last word to the value.
_OPEN_ENDS = frozenset(["of", "the", "a", "an", "and", "or", "its", "our", "your"])


@dataclass(frozen=True)
class Doubt:
    """One field a person should look at because of what its value says, and why."""

    field: str
    reason: str


def one_slip_apart(a: str, b: str) -> bool:
    """True if ``b`` is ``a`` with one letter dropped or added (not a plural's 's'), or one changed into a
    letter tesseract confuses it with ('Karisruhe'); 'mixed' and 'fixed' are two words, not a slip."""
    if a == b or abs(len(a) - len(b)) > 1 or a.rstrip("s") == b.rstrip("s"):
        return False
    if len(a) == len(b):
        changed = [{x, y} for x, y in zip(a, b, strict=True) if x != y]
        return len(changed) == 1 and changed[0] in _LOOKALIKES
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def misread_word(name: str, value: object, text: str) -> str | None:
    """Why a text value may hold a misread word: one OCR slip off a word the document prints more often
    ('Karisruhe' beside two 'Karlsruhe': the rarer reading is the likelier slip, both when equally
    common), or off a word the field is known to hold ('Locai Court', 'Schillerptatz', 'Main Strect')."""
    if not isinstance(value, str):
        return None
    counts = {word: seen for word, seen in printed_words(text).items() if len(word) >= _WORD_LETTERS}
    known = _FIELD_WORDS.get(name, ())
    for word in _WORD.findall(value.casefold()):
        for other, seen in counts.items():
            if seen >= counts.get(word, 0) and one_slip_apart(word, other):
                return f"{word!r} is one letter off {other!r}, printed elsewhere on the document"
        for other in known:
            if word not in known and any(one_slip_apart(tail, other) for tail in _tails(word, other, name)):
                return f"{word!r} is one letter off {other!r}, which a {name.replace('_', ' ')} holds"
    return None


def _tails(word: str, known: str, name: str) -> list[str]:
    """The word, and for an address its end as long as ``known``: a street's name is one word with its
    kind ('Schillerplatz'); only a changed letter counts there, since where the kind begins is unknown,
    and a word that ends in a kind the field holds ('Rosenstrasse') has none misread."""
    if name not in ADDRESSES or len(word) <= len(known) + 1:
        return [word]
    if word.endswith(_FIELD_WORDS[name]):
        return []
    return [word[-len(known) :]]


def label_doubt(name: str, value: object, label: str | None) -> str | None:
    """Why the border between a label and its value looks wrong: the label ends in a word no label ends
    with ('Use of | Proceeds Purchase'), or the value starts with a word that names its own field
    ('Enterprise Elbufer GmbH' for the company name: the label's last word, or the label alone)."""
    if label and label.split() and label.split()[-1].casefold() in _OPEN_ENDS:
        return f"its label ends in {label.split()[-1]!r}: the value may hold the label's last word"
    words = value.split() if isinstance(value, str) else []
    if words and dict(word_fields(words[0]) or ()).get(name, 0) >= 2 and not REGISTER.fullmatch(value):
        # (a register entry written court first is one: 'Amtsgericht Mannheim, HRB 89438')
        return f"its value begins with {words[0]!r}, a word of its label"
    if words and words[0] in _MID_SENTENCE:
        return f"its value begins with {words[0]!r}, as no value does: it may be the end of a label or a sentence"
    for word in words[1:-1]:  # 'Light Industrial Hall Property Linden Court': two cells read as one
        named = BARE_NOUNS.get(word.lower())
        if word[:1].isupper() and named and named != name and _same_section(named, name):
            return f"its value holds {word!r}, a label of the {named.replace('_', ' ')}: it may run into that field"
    return None


def _same_section(a: str, b: str) -> bool:
    return any(a in fields and b in fields for fields in SECTION_FIELDS.values())


def annuity(loan: Decimal, yearly_rate: Decimal, years: Decimal) -> Decimal:
    """The monthly payment that repays ``loan`` in ``years`` at ``yearly_rate`` (0.038 for 3.8%)."""
    months = int(years * 12)
    if months <= 0:
        return loan
    if yearly_rate <= 0:
        return loan / months
    r = yearly_rate / 12
    return loan * r / (1 - (1 + r) ** -months)


def _rates(rate: object) -> tuple[Decimal, Decimal]:
    if isinstance(rate, str) and rate.endswith("%"):
        value = Decimal(rate[:-1]) / 100
        return value, value
    return RATE_RANGE


def _years(term: object) -> Decimal | None:
    if not isinstance(term, str) or not term.split(" ")[0].replace(".", "").isdigit():
        return None
    number, unit = term.split(" ")[:2]
    return Decimal(number) / (12 if unit.startswith("month") else 1)


def _payment_fits(fields: dict[str, object], loan: Decimal) -> bool:
    """The monthly payment lies between the interest alone and the annuity over the term (1 year if unknown)."""
    payment = money(fields.get("monthly_payment"))
    if payment is None:
        return True
    low_rate, high_rate = _rates(fields.get("interest_rate"))
    years = _years(fields.get("term")) or Decimal(1)
    least = loan * low_rate / 12 * (1 - PAYMENT_SLACK)
    most = annuity(loan, high_rate, years) * (1 + PAYMENT_SLACK)
    return least <= payment <= most


def _adds_up(price: Decimal, equity: Decimal, requested: Decimal) -> bool:
    """Equity and financing cover the price, and at most ``COSTS_SHARE`` more (the purchase's costs)."""
    return price <= equity + requested <= price * (1 + COSTS_SHARE)


def _amount_doubts(
    price: Decimal | None, equity: Decimal | None, requested: Decimal | None, loan: Decimal | None
) -> list[Doubt]:
    doubts = []
    if (
        price is not None
        and equity is not None
        and requested is not None
        and not _adds_up(price, equity, requested)
    ):
        reason = "purchase price is not equity + requested amount"
        suspects = ["purchase_price", "equity_share"]
        if (
            loan != requested
        ):  # a loan of the same amount, read apart from it, vouches for the requested amount
            suspects.append("requested_amount")
        doubts += [Doubt(n, reason) for n in suspects]
    elif price is not None and equity is not None and equity >= price:
        doubts += [
            Doubt(n, "the equity is not less than the price") for n in ("purchase_price", "equity_share")
        ]
    if loan is not None and requested is not None:
        if loan > requested:
            doubts.append(Doubt("loan_amount", "the loan is larger than the financing requested"))
        elif loan < requested * LOWEST_LOAN_SHARE:
            doubts.append(Doubt("loan_amount", "the loan is less than half the financing requested"))
    return doubts


def _same_text(fields: dict[str, object]) -> list[Doubt]:
    """Two text fields with one value: one label took the other's value (a company may own its premises,
    so the two addresses may agree)."""
    doubts = []
    for i, first in enumerate(TEXT_FIELDS):
        for second in TEXT_FIELDS[i + 1 :]:
            value = fields.get(first)
            if value is not None and value == fields.get(second) and {first, second} != set(ADDRESSES):
                doubts += [
                    Doubt(n, f"the same value as the {m.replace('_', ' ')}")
                    for n, m in ((first, second), (second, first))
                ]
    return doubts


def consistency(fields: dict[str, object], today: date | None = None) -> list[Doubt]:
    """Fields whose values disagree with the others': amounts that do not add up, a payment that cannot
    repay the loan or pays more than its annuity, a company founded in the future."""
    price, requested, equity, loan = (money(fields.get(n)) for n in AMOUNTS)
    doubts = _amount_doubts(price, equity, requested, loan)
    bases = [amount for amount in (loan, requested) if amount is not None and amount >= LOWEST_AMOUNT]
    if bases and not any(_payment_fits(fields, amount) for amount in bases):
        reason = "the monthly payment does not fit the loan, its term and its rate"
        doubts.append(Doubt("monthly_payment", reason))
        if loan is not None and requested is None:  # nothing confirms the loan: either may be misread
            doubts.append(Doubt("loan_amount", reason))
    doubts += _same_text(fields)
    founded = normalize("founding_date", fields.get("founding_date"))
    if isinstance(founded, str):
        day, month, year = (int(p) for p in founded.split("."))
        if date(year, month, day) > (today or date.today()):
            doubts.append(Doubt("founding_date", "the company's founding date is in the future"))
    return doubts

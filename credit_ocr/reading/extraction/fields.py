"""The 21 fields of a credit request: labels, synonyms, meaning, and the normalizers that make values comparable.

Every extractor (rules or LLM) and the sample generator normalize through :func:`normalize`, so a value
printed as ``2.500.000 €`` on one form and ``EUR 2,500,000`` on another compares equal (``€2,500,000``).
The field set and the normalized forms follow ``shared/reference/credit_request_fields.md``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Literal

Kind = Literal["text", "date", "vat", "money", "year", "area", "term", "monthly", "rate", "bool"]
Raw = str | int | float | bool | None
Value = str | int | bool | None

__all__ = [
    "FIELDS",
    "FIELD_BY_NAME",
    "FIELD_NAMES",
    "FieldSpec",
    "Kind",
    "empty_fields",
    "is_valid",
    "normalize",
    "values_match",
]


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
        ("Loan Amount", "Requested Loan", "Loan Requested", "Credit Amount", "Amount of Loan"),
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
        ),
        "monthly",
        "Preferred monthly installment as '€13,500 per month' (same money format, then ' per month').",
    ),
    FieldSpec(
        "interest_rate",
        "Interest Rate",
        ("Interest", "Rate of Interest", "Interest Type", "Interest Terms", "Nominal Rate"),
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


def empty_fields() -> dict[str, None]:
    """All 21 keys set to None: what an extractor returns before it finds anything."""
    return dict.fromkeys(FIELD_NAMES)


def _spec(name: str) -> FieldSpec:
    try:
        return FIELD_BY_NAME[name]
    except KeyError:
        raise KeyError(f"Unknown field {name!r}: the fields are {', '.join(FIELD_NAMES)}.") from None


# --------------------------------------------------------------------------------------------
# shared cleaning

_SPACES = re.compile(r"[\s\u00a0\u2009\u202f]+")
_EDGE_JUNK = " \t:;|_~*\"'`´‘’“”•·"
# a run of digits that OCR may have spelled with look-alike letters (O for 0, l/I for 1)
_DIGIT_RUN = re.compile(r"(?<![A-Za-z])[0-9OolI|][0-9OolI|.,]*(?![A-Za-z])")
_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "|": "1"})


def _single_spaced(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _prepare(raw: str) -> str:
    """Unicode-fold digits (NFKC), single spaces, strip punctuation OCR leaves at the edges."""
    text = unicodedata.normalize("NFKC", raw)
    return _single_spaced(text).strip(_EDGE_JUNK)


def _fix_digits(text: str) -> str:
    """Replace O/o/l/I inside runs that hold a real digit: '2,5OO,OOO' -> '2,500,000'."""

    def fix(match: re.Match[str]) -> str:
        run = match.group(0)
        if not any(ch.isdigit() for ch in run):
            return run
        return run.translate(_LOOKALIKES)

    return _DIGIT_RUN.sub(fix, text)


def _parse_number(text: str) -> Decimal | None:
    """A number printed with '.', ',', space or apostrophe thousands and '.' or ',' decimals."""
    text = re.sub(r"(?<=\d)[ '’](?=\d)", " ", text.strip())
    if " " in text:  # space-grouped thousands: '2 500 000', '1 250,50'
        # OCR often drops one of these narrow spaces ('1980 000', '7 630000'): groups after the first
        # must still be whole thousands
        groups = text.split(" ")
        if not groups[0].isdigit() or not all(re.fullmatch(r"(\d{3})+", g) for g in groups[1:-1]):
            return None
        if not re.fullmatch(r"(\d{3})+([.,]\d{1,2})?", groups[-1]):
            return None
        text = "".join(groups)
    if not re.fullmatch(r"\d([\d.,]*\d)?", text):
        return None
    dots, commas = text.count("."), text.count(",")
    if dots and commas:
        dec = "." if text.rfind(".") > text.rfind(",") else ","
        thousands = "," if dec == "." else "."
        if text.count(dec) != 1:
            return None
        whole, frac = text.split(dec)
        if not _grouped(whole, thousands):
            return None
        return _decimal(whole.replace(thousands, "") + "." + frac)
    if dots or commas:
        sep = "." if dots else ","
        parts = text.split(sep)
        if len(parts) == 2 and (len(parts[1]) != 3 or parts[0] == "0"):
            return _decimal(parts[0] + "." + parts[1])
        if not _grouped(text, sep):
            return None
        return _decimal(text.replace(sep, ""))
    return _decimal(text)


def _grouped(whole: str, sep: str) -> bool:
    if sep not in whole:
        return whole.isdigit()
    parts = whole.split(sep)
    return (
        1 <= len(parts[0]) <= 3 and all(len(p) == 3 and p.isdigit() for p in parts[1:]) and parts[0].isdigit()
    )


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _plain(number: Decimal) -> str:
    """'3.50' -> '3.5', '10' -> '10' (never exponent notation)."""
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


def _grouped_str(number: Decimal) -> str:
    """'2800' -> '2,800'; '2800.50' -> '2,800.5'."""
    if number == number.to_integral_value():
        return f"{int(number):,}"
    whole, frac = _plain(number).split(".")
    return f"{int(whole):,}.{frac}"


# --------------------------------------------------------------------------------------------
# money

_FOREIGN_CURRENCY = re.compile(r"[$£¥₣₤]|\b(usd|gbp|chf|jpy|dollars?|pounds?)\b", re.I)
_EURO_WORD = re.compile(r"\b(eur|euro|euros)\b\.?", re.I)
_MILLION = re.compile(r"\s*\b(mio|million|millions|mill|mn)\b\.?", re.I)
_THOUSAND = re.compile(r"\s*(k|tsd|thousand)\b\.?", re.I)


def _money_value(raw: Raw) -> Decimal | None:
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int | float):
        value = Decimal(str(raw))
        return value if value >= 0 else None
    text = _prepare(raw)
    if not text or _FOREIGN_CURRENCY.search(text):
        return None
    # '€' read by OCR as 'E' or 'C' right before (or after) the digits
    text = re.sub(r"^[EC](?=\s?[0-9OolI])", "€", text)
    text = re.sub(r"(?<=[0-9])\s?[EC]$", " €", text)
    text = re.sub(r"^[^\w€-]+|[^\w€.,-]+$", "", text)  # OCR specks around the amount: '§ €22,000,000 |'
    text = re.sub(r"^[EC](?=\s?[0-9OolI])", "€", text)
    text = _EURO_WORD.sub(" ", text).replace("€", " ")
    text = re.sub(r"[.,]\s*-+\s*$", "", text.strip())  # German '2.500.000,- €'
    factor = Decimal(1)
    if _MILLION.search(text):
        factor, text = Decimal(1_000_000), _MILLION.sub("", text)
    elif _THOUSAND.search(text):
        factor, text = Decimal(1000), _THOUSAND.sub("", text)
    text = _fix_digits(text).strip(_EDGE_JUNK + " ")
    number = _parse_number(text) if text else None
    if number is None:
        return None
    return number * factor


def _format_money(value: Decimal) -> str:
    cents = value.quantize(Decimal("0.01"))
    if cents == cents.to_integral_value():
        return f"€{int(cents):,}"
    return f"€{cents:,.2f}"


def _norm_money(raw: Raw) -> str | None:
    value = _money_value(raw)
    return None if value is None else _format_money(value)


_PER_MONTH = re.compile(
    r"(per\s+month|a\s+month|each\s+month|/\s*month|/\s*mo\b\.?|monthly|p\.\s?m\.?|\bpm\b|pro\s+monat|/\s*monat|monatlich|mtl\.?)",
    re.I,
)
_PER_YEAR = re.compile(
    r"(per\s+(year|annum)|/\s*year|\bp\.?\s?a\b\.?|yearly|annual(ly)?|jährlich|pro\s+jahr)", re.I
)


def _norm_monthly(raw: Raw) -> str | None:
    if isinstance(raw, str):
        text = _prepare(raw)
        if _PER_YEAR.search(text):
            return None
        raw = _PER_MONTH.sub(" ", text)
    value = _money_value(raw)
    return None if value is None else f"{_format_money(value)} per month"


# --------------------------------------------------------------------------------------------
# dates, years

_MONTHS = {
    "jan": 1, "january": 1, "januar": 1, "jänner": 1,
    "feb": 2, "february": 2, "februar": 2,
    "mar": 3, "march": 3, "märz": 3, "maerz": 3, "mrz": 3,
    "apr": 4, "april": 4,
    "may": 5, "mai": 5,
    "jun": 6, "june": 6, "juni": 6,
    "jul": 7, "july": 7, "juli": 7,
    "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9,
    "oct": 10, "october": 10, "okt": 10, "oktober": 10,
    "nov": 11, "november": 11,
    "dec": 12, "december": 12, "dez": 12, "dezember": 12,
}  # fmt: skip


def _year4(text: str) -> int:
    year = int(text)
    if len(text) == 2:  # '18' -> 2018, '95' -> 1995
        year += 2000 if year <= 40 else 1900
    return year


def _real_date(day: int, month: int, year: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _norm_date(raw: Raw) -> str | None:
    if not isinstance(raw, str):
        return None
    text = _fix_digits(_prepare(raw))
    text = re.sub(r"\s*([./-])\s*", r"\1", text).rstrip(".")
    found: date | None = None
    if m := re.fullmatch(r"(\d{4})[-./](\d{1,2})[-./](\d{1,2})", text):
        found = _real_date(int(m[3]), int(m[2]), int(m[1]))
    elif m := re.fullmatch(r"(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})", text):
        day, month, year = int(m[1]), int(m[3]), _year4(m[4])
        found = _real_date(day, month, year)
        if found is None and m[2] == "/":  # a US-style 05/13/2018
            found = _real_date(month, day, year)
    elif m := re.fullmatch(r"(\d{1,2})\.?\s*([A-Za-zäÄ]+)\.?,?\s*(\d{4})", text):
        month = _MONTHS.get(m[2].lower())
        found = _real_date(int(m[1]), month, int(m[3])) if month else None
    elif m := re.fullmatch(r"([A-Za-zäÄ]+)\.?\s*(\d{1,2})(?:st|nd|rd|th)?,?\s*(\d{4})", text):
        month = _MONTHS.get(m[1].lower())
        found = _real_date(int(m[2]), month, int(m[3])) if month else None
    if found is None or not 1800 <= found.year <= 2100:
        return None
    return f"{found.day:02d}.{found.month:02d}.{found.year:04d}"


def _norm_year(raw: Raw) -> int | None:
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, float):
        return int(raw) if raw.is_integer() and 1000 <= raw <= 9999 else None
    if isinstance(raw, int):
        return raw if 1000 <= raw <= 9999 else None
    text = _fix_digits(_prepare(raw)).rstrip(".")
    m = re.fullmatch(r"(?:(?:built|year|in|anno|baujahr)\s*)?(\d{4})", text, re.I)
    return int(m[1]) if m else None


# --------------------------------------------------------------------------------------------
# area, term, rate

_AREA_UNIT = re.compile(
    r"\s*(m²|m2|m\^2|m\*|m\?|sq\.?\s?m\.?|sqm|qm|square\s+met(?:er|re)s?|sq\.?\s?met(?:er|re)s?|m)\s*$", re.I
)
_FOREIGN_AREA = re.compile(r"(ft|feet|foot|acre|hectare|\bha\b|yd)", re.I)


def _norm_area(raw: Raw) -> str | None:
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int | float):
        number = Decimal(str(raw))
    else:
        text = _prepare(raw)  # NFKC folds 'm²' to 'm2'

        if not text or _FOREIGN_AREA.search(text):
            return None
        text = _AREA_UNIT.sub("", text)
        found = _parse_number(_fix_digits(text).strip(_EDGE_JUNK))
        if found is None:
            return None
        number = found
    if number <= 0:
        return None
    return f"{_grouped_str(number)} m²"


_TERM = re.compile(
    r"(\d+(?:[.,]\d+)?)\s*-?\s*(years?|yrs?\.?|yr\.?|y\.?|jahre?n?|j\.?|a|months?|mos?\.?|monate?n?|mon\.?|m\.?)?",
    re.I,
)


def _norm_term(raw: Raw) -> str | None:
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int | float):
        number, unit = Decimal(str(raw)), "y"
    else:
        text = _fix_digits(_prepare(raw))
        m = _TERM.fullmatch(text)
        if not m:
            return None
        number = Decimal(m[1].replace(",", "."))
        unit = (m[2] or "y").lower()
    if number <= 0:
        return None
    if unit.startswith("m"):
        if number % 12 == 0:
            number = number / 12
        else:
            return f"{_plain(number)} months"
    return "1 year" if number == 1 else f"{_plain(number)} years"


_RATE = re.compile(r"(\d+(?:[.,]\d+)?)\s*(%|percent|per\s*cent|pct\.?)", re.I)


def _format_rate(number: Decimal) -> str | None:
    return f"{_plain(number)}%" if 0 <= number <= 100 else None


def _norm_rate(raw: Raw) -> str | None:
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int | float):
        return _format_rate(Decimal(str(raw)))
    text = _fix_digits(_prepare(raw))
    if m := _RATE.search(text):
        return _format_rate(Decimal(m[1].replace(",", ".")))
    if m := re.fullmatch(r"(\d+(?:[.,]\d+)?)", text):
        return _format_rate(Decimal(m[1].replace(",", ".")))
    words = re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", text)
    if not words or re.search(r"\d", text):
        return None
    return " ".join(w[:1].upper() + w[1:].lower() for w in words)


# --------------------------------------------------------------------------------------------
# vat

_VAT = re.compile(r"[A-Z]{2}[0-9A-Z]{8,12}")


def _norm_vat(raw: Raw) -> str | None:
    if not isinstance(raw, str):
        return None
    text = _prepare(raw).upper()
    text = re.sub(r"^(VAT\s*(ID|NO\.?|NUMBER)?|UST-?IDNR\.?)\s*:?\s*", "", text)
    text = re.sub(r"[\s.\-/]", "", text)
    if len(text) < 10:
        return None
    head, tail = text[:2], text[2:].translate(str.maketrans({"O": "0", "I": "1", "L": "1", "|": "1"}))
    head = {"0E": "DE", "D€": "DE", "DF": "DE"}.get(head, head)
    text = head + tail
    return text if _VAT.fullmatch(text) else None


# --------------------------------------------------------------------------------------------
# ticked boxes

_TICK = set("xX×✓✔✗✘☒☑■▣*")
_BOX = set("[](){}☐□▢")
_YES = {"yes", "y", "ja", "j", "true", "1", "x", "✓", "✔", "☒", "☑"}
_NO = {"no", "n", "nein", "false", "0"}
_TICKED = re.compile(
    r"(?<![A-Za-z])[xX](?![A-Za-z])|(?<=[\[(|Il])[xX](?![A-Za-z])|[xX](?=[\])|])|[×✓✔✗✘☒☑■▣*]"
)
_ANSWER = re.compile(r"(?<![A-Za-z])(yes|ja|no|nein)(?![A-Za-z])", re.I)


def _norm_bool(raw: Raw) -> bool | None:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if not isinstance(raw, str):
        return None
    text = _single_spaced(unicodedata.normalize("NFC", raw)).strip(" :;|_.")
    low = text.lower()
    if low in _YES:
        return True
    if low in _NO:
        return False
    answers = list(_ANSWER.finditer(text))
    if not answers:
        return None
    before_first = text[: answers[0].start()]
    marks_lead = any(ch in _BOX or ch in _TICK for ch in before_first)
    gaps: list[str] = []
    for i, answer in enumerate(answers):
        if marks_lead:
            start = answers[i - 1].end() if i else 0
            gaps.append(text[start : answer.start()])
        else:
            end = answers[i + 1].start() if i + 1 < len(answers) else len(text)
            gaps.append(text[answer.end() : end])
    ticked = {answers[i][1].lower() in ("yes", "ja") for i, gap in enumerate(gaps) if _TICKED.search(gap)}
    if len(ticked) == 1:
        return ticked.pop()
    if not any(any(c in _BOX or c in _TICK for c in gap) for gap in gaps) and len(answers) == 1:
        return answers[0][1].lower() in ("yes", "ja")  # 'Yes' alone, no boxes at all
    return None


# --------------------------------------------------------------------------------------------
# public


def _norm_text(raw: Raw) -> str | None:
    if raw is None or isinstance(raw, bool):
        return None
    text = _single_spaced(unicodedata.normalize("NFC", str(raw))).lstrip(":| ").strip()
    return text or None


_NORMALIZERS = {
    "text": _norm_text,
    "date": _norm_date,
    "vat": _norm_vat,
    "money": _norm_money,
    "year": _norm_year,
    "area": _norm_area,
    "term": _norm_term,
    "monthly": _norm_monthly,
    "rate": _norm_rate,
    "bool": _norm_bool,
}


def normalize(name: str, raw: Raw) -> Value:
    """The normalized form of a printed value, so that any two extractors compare exactly; None if unreadable.

    Never raises on garbage input (only on an unknown field name).
    """
    spec = _spec(name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        return _NORMALIZERS[spec.kind](raw)
    except (ValueError, ArithmeticError, TypeError):
        return None


_VALID_PATTERNS = {
    "date": re.compile(r"\d{2}\.\d{2}\.\d{4}"),
    "vat": re.compile(r"DE\d{9}"),
    "money": re.compile(r"€\d{1,3}(,\d{3})*(\.\d{2})?"),
    "area": re.compile(r"\d{1,3}(,\d{3})*(\.\d+)? m²"),
    "term": re.compile(r"\d+(\.\d+)? (years?|months)"),
    "monthly": re.compile(r"€\d{1,3}(,\d{3})*(\.\d{2})? per month"),
    "rate": re.compile(r"\d+(\.\d+)?%|[^\W\d_]+(-[^\W\d_]+)*( [^\W\d_]+(-[^\W\d_]+)*)*"),
}


def is_valid(name: str, value: Value) -> bool:
    """True if ``value`` is already in the field's normalized form (and plausible: a real date, a sane year)."""
    spec = _spec(name)
    if value is None:
        return False
    if spec.kind == "bool":
        return isinstance(value, bool)
    if spec.kind == "year":
        return isinstance(value, int) and not isinstance(value, bool) and 1800 <= value <= 2100
    if not isinstance(value, str) or normalize(name, value) != value:
        return False
    pattern = _VALID_PATTERNS.get(spec.kind)
    if pattern is not None and not pattern.fullmatch(value):
        return False
    if spec.kind == "date":
        day, month, year = (int(p) for p in value.split("."))
        return _real_date(day, month, year) is not None and 1800 <= year <= 2100
    return True


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def values_match(name: str, expected: Value, actual: Value) -> bool:
    """The reference's comparing rule: text fields equal after folding white space and case, others exactly."""
    spec = _spec(name)
    if expected is None or actual is None:
        return expected is None and actual is None
    if spec.kind == "text":
        return isinstance(expected, str) and isinstance(actual, str) and _fold(expected) == _fold(actual)
    if isinstance(expected, bool) != isinstance(actual, bool):
        return False
    return type(expected) is type(actual) and expected == actual

"""Numbers as forms and OCR print them: the shared cleaning and the money, area, term and rate normalizers.

``2.500.000 €``, ``EUR 2,500,000`` and ``2 500 000 EUR`` are one amount; ``2,5OO,OOO`` is too (OCR read
zeros as the letter O). :func:`parse_number` decides which separator groups thousands and which marks
decimals; the normalizers built on it print the reference's forms (``€2,500,000``, ``2,800 m²``).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

Raw = str | int | float | bool | None


# --------------------------------------------------------------------------------------------
# shared cleaning

_SPACES = re.compile(r"[\s\u00a0\u2009\u202f]+")
EDGE_JUNK = " \t:;|_~*\"'`´‘’“”•·"
# a run of digits that OCR may have spelled with look-alike letters (O for 0, l/I for 1)
_DIGIT_RUN = re.compile(r"(?<![A-Za-z])[0-9OolI|][0-9OolI|.,]*(?![A-Za-z])")
_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "|": "1"})


def single_spaced(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


#: A figure given as an estimate ('approx. 640 m²', 'ca. EUR 1.2 million', 'about 15 years') is still the figure.
_ABOUT = re.compile(r"^(?:approx(?:imately)?|appr|ca|circa|about|around|roughly|~|≈)(?:\.|\b)\s*", re.I)


def prepare(raw: str) -> str:
    """Unicode-fold digits (NFKC), single spaces, strip punctuation OCR leaves at the edges and a leading
    'approx.' or 'ca.'."""
    text = unicodedata.normalize("NFKC", raw)
    return _ABOUT.sub("", single_spaced(text).strip(EDGE_JUNK)).strip(EDGE_JUNK)


#: A 5 read as 'S' or '$' inside a number ('7 $30 000'), or alone before a term's unit ('S yrs'); a '$'
#: in front of a number is a currency and stays.
_FIVE = re.compile(
    r"(?<=\d)[S$](?=\d)|(?<=\d[ .,])[S$](?=\d\d)|^S(?= ?(?:years?|yrs?|jahre|months?)\b)", re.I
)


def fix_digits(text: str) -> str:
    """Replace O/o/l/I inside runs that hold a real digit: '2,5OO,OOO' -> '2,500,000'; a 5 read as S or $."""
    text = _FIVE.sub("5", text)

    def fix(match: re.Match[str]) -> str:
        run = match.group(0)
        if not any(ch.isdigit() for ch in run):
            return run
        return run.translate(_LOOKALIKES)

    return _DIGIT_RUN.sub(fix, text)


def parse_number(text: str) -> Decimal | None:
    """A number printed with '.', ',', space or apostrophe thousands and '.' or ',' decimals."""
    text = re.sub(r"(?<=\d)[ '’](?=\d)", " ", text.strip())
    if " " in text:  # space-grouped thousands: '2 500 000', '1 250,50'
        # OCR often drops one of these narrow spaces ('1980 000', '7 630000'): groups after the first
        # must still be whole thousands
        groups = text.split(" ")
        if re.fullmatch(r"\d{1,3}[.,]\d{3}", groups[0]) and all(
            re.fullmatch(r"\d{3}", g) for g in groups[1:]
        ):
            groups[0] = (
                groups[0].replace(".", "").replace(",", "")
            )  # '2.980 000': one narrow space read as '.'
        # '7 600,000': a comma read as a narrow space, or the other way round: whole thousands after it
        groups = [g if i == 0 or not re.fullmatch(r"\d{3}(?:[.,]\d{3})+", g) else re.sub(r"[.,]", "", g)
                  for i, g in enumerate(groups)]  # fmt: skip
        if not groups[0].isdigit() or not all(re.fullmatch(r"(\d{3})+", g) for g in groups[1:-1]):
            return None
        if not re.fullmatch(r"(\d{3})+([.,]\d{1,2})?", groups[-1]):
            return None
        text = "".join(groups)
    if not re.fullmatch(r"\d([\d.,]*\d)?", text):
        return None
    dots, commas = text.count("."), text.count(",")
    if dots and commas and re.fullmatch(r"\d{1,3}([.,]\d{3})+", text):
        return _decimal(re.sub(r"[.,]", "", text))  # '8.670,000': a comma read as a dot, no 3-place decimals
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


def plain(number: Decimal) -> str:
    """'3.50' -> '3.5', '10' -> '10': the format mini-language's ``f`` never prints an exponent."""
    return f"{number.normalize():f}"


# --------------------------------------------------------------------------------------------
# money

_FOREIGN_CURRENCY = re.compile(r"[$£¥₣₤]|\b(usd|gbp|chf|jpy|dollars?|pounds?)\b", re.I)
_EURO_WORD = re.compile(r"\b(eur|euro|euros)\b\.?", re.I)
#: 'EUR 1,25 Mio.', '€7.13m' (a million glued to its digits). (Thousands in 'TEUR' are exercise 03.1's.)
_MILLION = re.compile(r"\s*\b(mio|million|millions|mill|mn)\b\.?|(?<=\d)m\b", re.I)
_THOUSAND = re.compile(r"\s*(k|tsd|thousand)\b\.?", re.I)
#: Switzerland's thousands mark: 'CHF 1'250'000.–'.
_SWISS_THOUSANDS = re.compile(r"(?<=\d)['’](?=\d{3}(?!\d))")


def _money_value(raw: Raw) -> Decimal | None:
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int | float):
        value = Decimal(str(raw))
        return value if value >= 0 else None
    text = _FIVE.sub("5", prepare(raw))  # before a '$' inside a number is taken for dollars
    if not text or _FOREIGN_CURRENCY.search(text):
        return None
    # '€' read by OCR as 'E' or 'C' right before (or after) the digits
    text = re.sub(r"^[EC](?=\s?[0-9OolI])", "€", text)
    text = re.sub(r"(?<=[0-9])\s?[EC]$", " €", text)
    text = re.sub(r"^[^\w€-]+|[^\w€.,-]+$", "", text)  # OCR specks around the amount: '§ €22,000,000 |'
    text = re.sub(r"^[EC](?=\s?[0-9OolI])", "€", text)
    text = _EURO_WORD.sub(" ", text).replace("€", " ")
    text = re.sub(
        r"^\s*[.'‚]\s*(?=\d{1,3}\.\d{3})", "", text
    )  # a speck before German digits: 'EUR .5.825.000'
    text = re.sub(
        r"(?<=\.\d{3})\s?[;:]\s?(?=\d{2}$)", ",", text
    )  # a German comma read as ';': '2.060.000; 00'
    text = re.sub(r"[.,]\s*-+\s*$", "", text.strip())  # German '2.500.000,- €'
    text = re.sub(r"(?<=\d)\.$", "", _SWISS_THOUSANDS.sub("", text))  # "1'250'000.–" (the dash went above)
    factor = Decimal(1)
    if _MILLION.search(text):
        factor, text = Decimal(1_000_000), _MILLION.sub("", text)
    elif _THOUSAND.search(text):
        factor, text = Decimal(1000), _THOUSAND.sub("", text)
    # a note's comma after the amount is no part of it: '€7.13m, equity ...'
    text = fix_digits(text).strip(EDGE_JUNK + " ").rstrip(",;")
    number = parse_number(text) if text else None
    if number is None:
        return None
    return number * factor


def _format_money(value: Decimal) -> str:
    cents = value.quantize(Decimal("0.01"))
    if cents == cents.to_integral_value():
        return f"€{int(cents):,}"
    return f"€{cents:,.2f}"


def norm_money(raw: Raw) -> str | None:
    value = _money_value(raw)
    return None if value is None else _format_money(value)


_PER_MONTH = re.compile(
    r"(per\s+month|a\s+month|each\s+month|/\s*month|/\s*mo\b\.?|monthly|p\.\s?m\.?|\bpm\b|pro\s+monat|/\s*monat|monatlich|mtl\.?"
    r"|\bmonth$)",  # 'per' lost to a blur: 'EUR 27,300 month'
    re.I,
)
_PER_YEAR = re.compile(
    r"(per\s+(year|annum)|/\s*year|\bp\.?\s?a\b\.?|yearly|annual(ly)?|jährlich|pro\s+jahr)", re.I
)


#: How the loan is paid back, named before the instalment: 'Annuity, EUR 8,200 / month', 'Annuität von 9.100 €'.
_REPAYMENT_KIND = re.compile(
    r"^(?:annuity|annuität|amorti[sz]ing|tilgung|linear)\b[,:]?\s*(?:of\s+|von\s+)?", re.I
)


def norm_monthly(raw: Raw) -> str | None:
    if isinstance(raw, str):
        text = _REPAYMENT_KIND.sub("", prepare(raw))
        if _PER_YEAR.search(text):
            return None
        raw = _PER_MONTH.sub(" ", text)
    value = _money_value(raw)
    return None if value is None else f"{_format_money(value)} per month"


# --------------------------------------------------------------------------------------------
# area

_AREA_UNIT = re.compile(
    r"\s*(m²|m2|m\^2|m\*|m\?|sq\.?\s?m\.?|sqm|qm|square\s+met(?:er|re)s?|sq\.?\s?met(?:er|re)s?|m)\s*$", re.I
)
_FOREIGN_AREA = re.compile(r"(ft|feet|foot|acre|hectare|\bha\b|yd)", re.I)


def norm_area(raw: Raw) -> str | None:
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int | float):
        number = Decimal(str(raw))
    else:
        text = prepare(raw)  # NFKC folds 'm²' to 'm2'

        if not text or _FOREIGN_AREA.search(text):
            return None
        text = _AREA_UNIT.sub("", text)
        found = parse_number(fix_digits(text).strip(EDGE_JUNK))
        if found is None:
            return None
        number = found
    if number <= 0:
        return None
    return f"{number.normalize():,f} m²"  # '2800.50' -> '2,800.5 m²'


# --------------------------------------------------------------------------------------------
# term, rate


_RESTATED = re.compile(r"\s*\([^()]*\)$")
_TERM = re.compile(
    r"(\d+(?:[.,]\d+)?)\s*-?\s*(years?|yrs?\.?|yr\.?|y\.?|jahre?n?|j\.?|a|months?|mos?\.?|monate?n?|mon\.?|m\.?"
    r"|ans|années|anni|años|anos|afios|jaar|jaren|lata?|mois|mesi|meses|maand(?:en)?|miesięcy)?",  # Europe's years, months ("afios": OCR's "años")
    re.I,
)


def norm_term(raw: Raw) -> str | None:
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int | float):
        number, unit = Decimal(str(raw)), "y"
    else:
        text = _RESTATED.sub("", fix_digits(prepare(raw)))  # '15 years (180 months)': the term, said twice
        text = _SPELLED.sub(r"\1", text)  # 'ten (10) years': the number in words, then in digits
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
            return f"{plain(number)} months"
    return "1 year" if number == 1 else f"{plain(number)} years"


_RATE = re.compile(r"(\d+(?:[.,]\d+)?)\s*(%|percent|per\s*cent|pct\.?)", re.I)
#: A rate's kind and how long it holds, with no rate stated: 'fixed for 10 years', 'fest für 7 Jahre'.
_KIND_FOR = re.compile(r"([^\W\d_]+)(?: rate)? (?:for|für|pendant|per|fino a) \d+ [^\W\d_]+\.?", re.I)
#: A number written in words and then in digits, as a contract does: 'fifteen (15)'.
_SPELLED = re.compile(r"\b[A-Za-z-]+\s*\((\d{1,3})\)")


def _format_rate(number: Decimal) -> str | None:
    return f"{plain(number)}%" if 0 <= number <= 100 else None


def norm_rate(raw: Raw) -> str | None:
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int | float):
        return _format_rate(Decimal(str(raw)))
    text = fix_digits(prepare(raw))
    if m := _RATE.search(text):
        return _format_rate(Decimal(m[1].replace(",", ".")))
    if m := re.fullmatch(r"(\d+(?:[.,]\d+)?)", text):
        return _format_rate(Decimal(m[1].replace(",", ".")))
    if m := _KIND_FOR.fullmatch(text):
        text = m[1]
    words = re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", text)
    if words[1:] and words[-1].lower() == "rate":  # 'Fixed rate' is the kind 'Fixed'
        words.pop()
    if not words or re.search(r"\d", text):
        return None
    return " ".join(w[:1].upper() + w[1:].lower() for w in words)

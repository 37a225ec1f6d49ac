"""The 21 fields of a credit request and the normalizers that make their values comparable.

Every extractor (rules or LLM) and the sample generator normalize through :func:`normalize`, so a value
printed as ``2.500.000 €`` on one form and ``EUR 2,500,000`` on another compares equal (``€2,500,000``).
The fields themselves are listed in :mod:`.spec`, amounts, areas, terms and rates read in
:mod:`.numbers`; dates, years, VAT numbers and ticked boxes here.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from credit_ocr.reading.extraction.numbers import (
    Raw,
    fix_digits,
    norm_area,
    norm_money,
    norm_monthly,
    norm_rate,
    norm_term,
    prepare,
    single_spaced,
)
from credit_ocr.reading.extraction.places import mend_towns
from credit_ocr.reading.extraction.spec import FIELD_BY_NAME, FIELD_NAMES, FIELDS, FieldSpec, Kind
from credit_ocr.reading.glyphs import (
    ANSWER_WORDS,
    BOXES,
    EMPTY_BOXES,
    NO_WORDS,
    TICK_MARKS,
    TICKED_BOXES,
    YES_WORDS,
)

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


def empty_fields() -> dict[str, None]:
    """All 21 keys set to None: what an extractor returns before it finds anything."""
    return dict.fromkeys(FIELD_NAMES)


def _spec(name: str) -> FieldSpec:
    try:
        return FIELD_BY_NAME[name]
    except KeyError:
        raise KeyError(f"Unknown field {name!r}: the fields are {', '.join(FIELD_NAMES)}.") from None


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
    # French, Italian, Spanish, Portuguese, Dutch and Polish (the day's genitive: '5 marca 2010')
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "juin": 6, "juillet": 7, "août": 8,
    "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12, "decembre": 12,
    "gennaio": 1, "febbraio": 2, "marzo": 3, "aprile": 4, "maggio": 5, "giugno": 6, "luglio": 7, "agosto": 8,
    "settembre": 9, "ottobre": 10, "dicembre": 12,
    "enero": 1, "febrero": 2, "abril": 4, "mayo": 5, "junio": 6, "julio": 7, "septiembre": 9, "setiembre": 9,
    "octubre": 10, "noviembre": 11, "diciembre": 12,
    "janeiro": 1, "fevereiro": 2, "março": 3, "maio": 5, "junho": 6, "julho": 7, "setembro": 9, "outubro": 10,
    "dezembro": 12,
    "januari": 1, "februari": 2, "maart": 3, "mei": 5, "augustus": 8,
    "stycznia": 1, "lutego": 2, "marca": 3, "kwietnia": 4, "maja": 5, "czerwca": 6, "lipca": 7, "sierpnia": 8,
    "września": 9, "października": 10, "listopada": 11, "grudnia": 12,
}  # fmt: skip
#: A month's name in any of them, longest first (a regular expression's alternatives).
MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))


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
    text = fix_digits(prepare(raw)).strip(" .,:;'\"‚„")  # a fax's speck before the day: '.15.05.1970'
    text = re.sub(r"\s*([./-])\s*", r"\1", text).rstrip(".")
    found: date | None = None
    if m := re.fullmatch(r"(\d{4})[-./](\d{1,2})[-./](\d{1,2})", text):
        found = _real_date(int(m[3]), int(m[2]), int(m[1]))
    elif m := re.fullmatch(r"(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})", text):
        day, month, year = int(m[1]), int(m[3]), _year4(m[4])
        found = _real_date(day, month, year)
        if found is None and m[2] == "/":  # a US-style 05/13/2018
            found = _real_date(month, day, year)
    elif m := re.fullmatch(r"(\d{1,2})[\s,.]+(\d{1,2})[\s,.]+(\d{4})", text):  # '04 03 1964': dots lost
        found = _real_date(int(m[1]), int(m[2]), int(m[3]))
    elif m := re.fullmatch(
        r"(\d{1,2})\.?\s*(?:de\s+)?([^\W\d_]+)\.?,?\s*(?:de\s+)?(\d{4})", text
    ):  # '5 de marzo de 2010'
        month = _MONTHS.get(m[2].lower())
        found = _real_date(int(m[1]), month, int(m[3])) if month else None
    elif m := re.fullmatch(r"([^\W\d_]+)\.?\s*(\d{1,2})(?:st|nd|rd|th)?,?\s*(\d{4})", text):
        month = _MONTHS.get(m[1].lower())
        found = _real_date(int(m[2]), month, int(m[3])) if month else None
    if found is None or not 1800 <= found.year <= 2100:
        return None
    return f"{found.day:02d}.{found.month:02d}.{found.year:04d}"


#: Two years, the second later: built, then refurbished or extended.
_BUILT_THEN = re.compile(r"(\d{4})\s*/\s*(\d{4})")


def _norm_year(raw: Raw) -> int | None:
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, float):
        return int(raw) if raw.is_integer() and 1000 <= raw <= 9999 else None
    if isinstance(raw, int):
        return raw if 1000 <= raw <= 9999 else None
    text = fix_digits(prepare(raw)).rstrip(".")
    if (both := _BUILT_THEN.fullmatch(text)) and both[1] < both[2]:
        return int(both[1])  # 'Year built / refurbished  1969 / 1980': the building is the older of the two
    m = re.fullmatch(
        r"(?:(?:built|year|in|anno|baujahr|[a-z]{1,2})\s*)?(\d{4})", text, re.I
    )  # 'ee 1998': a speck
    return int(m[1]) if m else None


# --------------------------------------------------------------------------------------------
# vat

_VAT = re.compile(r"[A-Z]{2}[0-9A-Z]{8,12}")


#: A German VAT number as printed, its digits maybe spaced ('DE 358 081 059'), and nothing of a digit after it.
_VAT_PRINTED = re.compile(r"\bDE[\s.:\-]*(?:\d[\s.]?){8}\d(?![\s.]?\d)")


def _norm_vat(raw: Raw) -> str | None:
    if not isinstance(raw, str):
        return None
    text = prepare(raw).upper()
    text = re.sub(r"^(VAT\s*(ID|NO\.?|NUMBER)?|UST-?IDNR\.?)\s*:?\s*", "", text)
    if whole := _VAT_PRINTED.search(text):
        text = whole[0]  # 'DE304852769°  5': the number, not a speck after it
    text = re.sub(r"[\s.\-/:;,]", "", text)  # 'DE: 561571797': a mark between country and number
    if len(text) < 10:
        return None
    head, tail = text[:2], text[2:].translate(str.maketrans({"O": "0", "I": "1", "L": "1", "|": "1"}))
    head = {"0E": "DE", "D€": "DE", "DF": "DE"}.get(head, head)
    if (
        head == "DE"
    ):  # a German VAT number is all digits after DE: S, B, Z, G, Q, D are OCR's 5, 8, 2, 6, 0, 0
        tail = tail.translate(str.maketrans({"S": "5", "B": "8", "Z": "2", "G": "6", "Q": "0", "D": "0"}))
    text = head + tail
    return text if _VAT.fullmatch(text) else None


# --------------------------------------------------------------------------------------------
# ticked boxes

_TICK = set("xX×*" + TICK_MARKS + TICKED_BOXES)
_BOX = set("[](){}" + EMPTY_BOXES)
_YES = {"y", "j", "true", "1", "x", "✓", "✔", "☒", "☑", *YES_WORDS}
_NO = {"n", "false", "0", *NO_WORDS}
_TICKED = re.compile(
    rf"(?<![A-Za-z])[xX](?![A-Za-z])|(?<=[\[(|Il])[xX](?![A-Za-z])|[xX](?=[\])|])|(?<=[\[(])[xX][lI1|J]|[×{TICK_MARKS}{TICKED_BOXES}*]"
)
#: How OCR reads a filled square box (■): 'm', 'mm', '™', '#'.
_FILLED = re.compile(r"(?<![A-Za-z])(?:m{1,2}|M{1,2}|™|#)(?![A-Za-z])")
#: An answer with a box's glyph glued before it: a filled box ('mNo'), or a box's side ('Jno', 'Lyes', '[xJyes').
_GLUED = re.compile(
    r"(?<=[m™#■])(?=(?:No|Yes|Nein|Ja)\b)|(?<=\b[IJL])(?=(?:[Nn]o|[Yy]es|[Nn]ein|[Jj]a)\b)"
    r"|(?<=[\[(][xX][IJl1])(?=(?:[Nn]o|[Yy]es|[Nn]ein|[Jj]a)\b)"  # '[xJyes': the box's ']' read as a J
)
_ANSWER = re.compile(rf"(?<![^\W\d_])({ANSWER_WORDS})(?![^\W\d_])", re.I)


#: A box whose sides a fax printed as bars: '| |', '|x|'.
_BAR_BOX = re.compile(r"\|\s?([xX])?\s?\|")


def _norm_bool(raw: Raw) -> bool | None:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if not isinstance(raw, str):
        return None
    text = _BAR_BOX.sub(lambda m: "[x]" if m[1] else "[ ]", unicodedata.normalize("NFC", raw))  # '| | yes'
    text = single_spaced(text).strip(" :;|_.")
    text = _LETTER_ANSWER.sub(lambda m: " yes" if m[1] in "YJ" else " no", text)  # '[X] Y [ ] N'
    low = text.lower()
    if low in _YES:
        return True
    if low in _NO:
        return False
    text = _GLUED.sub(" ", text)  # 'mNo': a filled box read onto its word
    answers = list(_ANSWER.finditer(text))
    if not answers:  # options in words ('☒ gewünscht ☐ nicht gewünscht'): what the ticked one says
        return _answered_in_words(ticked_option(text) or text)
    before_first = text[: answers[0].start()]
    lead = before_first.strip()
    marks_lead = any(ch in _BOX or ch in _TICK for ch in before_first) or 0 < len(lead) <= 3
    gaps: list[str] = []
    for i, answer in enumerate(answers):
        if marks_lead:
            start = answers[i - 1].end() if i else 0
            gaps.append(text[start : answer.start()])
        else:
            end = answers[i + 1].start() if i + 1 < len(answers) else len(text)
            gaps.append(text[answer.end() : end])
    ticked = {
        answers[i][1].lower() in YES_WORDS
        for i, gap in enumerate(gaps)
        if _TICKED.search(gap) or _FILLED.search(gap)
    }
    if len(ticked) == 1:
        return ticked.pop()
    if not any(any(c in _BOX or c in _TICK for c in gap) for gap in gaps) and len(answers) == 1:
        return answers[0][1].lower() in YES_WORDS  # 'Yes' alone, no boxes at all
    return None


#: A yes/no answered by its initial right after a box: '[X] Y [ ] N', '☐ J ☒ N'.
_LETTER_ANSWER = re.compile(rf"(?<=[\]{BOXES}])\s*([YJN])(?![\w])")

#: A term sheet's or a portal's answer in words ('permitted', 'none applied for', 'nicht vorgesehen').
_SAID_NO = re.compile(r"\b(?:not|none|never|excluded|nicht|keine?n?|ausgeschlossen)\b", re.I)
_SAID_YES = re.compile(
    r"\b(?:permitted|allowed|possible|desired|requested|applied|wanted|included|"
    r"gewünscht|beantragt|möglich|erlaubt|vorgesehen)\b",
    re.I,
)


def _answered_in_words(text: str) -> bool | None:
    """A short answer with no yes or no in it: what its words say, None when they say neither."""
    if len(text.split()) > 5:
        return None
    if _SAID_NO.search(text):
        return False
    return True if _SAID_YES.search(text) else None


# --------------------------------------------------------------------------------------------
# public


#: The German legal forms' own words, whose umlaut a scan loses ('UG (haftungsbeschrankt)'), a register
#: number's kind with OCR's mark after it ('HRB:103718'), the 'ß' of a street ('LindenstraBe') and the
#: full stop of '& Co. KG'.
_LEGAL_WORDS = (
    (re.compile(r"\b([Hh])aftungsbeschr[aä]?nkt"), r"\1aftungsbeschränkt"),
    (re.compile(r"\bbeschr[aä]?nkter\b"), "beschränkter"),
    (re.compile(r"\b(HR[AB])\s?[:.;,]\s?(?=\d)"), r"\1 "),
    (re.compile(r"(?<=[Ss]tra)[B8&]e\b"), "ße"),  # 'LindenstraBe': an 'ß' no scan of 'Straße' should lose
    (re.compile(r"(?<=& Co)[,;:] (?=KG\b)"), ". "),  # 'GmbH & Co, KG': a fax's full stop read as a comma
)


#: A word broken at a line's end by its hyphen, its lines joined with a space: 'Darmstadt- Ost'; not a
#: German word left open before 'und' ('Wohn- und Geschäftshaus').
_LINE_END_HYPHEN = re.compile(r"(?<=[^\W\d_])- (?!(?:und|oder|bzw|and|or)\b)(?=[^\W\d_])")


def _norm_text(raw: Raw) -> str | None:
    if raw is None or isinstance(raw, bool):
        return None
    text = single_spaced(unicodedata.normalize("NFC", str(raw))).lstrip(":|‚„'\"` ").strip()
    text = _LINE_END_HYPHEN.sub("-", text)  # 'Darmstadt-' / 'Ost' wrapped in a cell, read as one
    if text.endswith(")") and text.count(")") > text.count("("):
        text = text[:-1].rstrip()  # a sentence's bracket closed after the value: '(purpose: Purchase)'
    for misread, word in _LEGAL_WORDS:
        text = misread.sub(word, text)
    return None if text.upper() in _UNITS_ALONE else text or None


#: A unit alone is a table's column heading, no text value ('Uses of funds  ...  EUR').
_UNITS_ALONE = {"EUR", "€", "CHF", "GBP", "%", "M²", "M2", "SQM", "P.A."}


_OPTION_BOX = re.compile(rf"([{BOXES}]|\[\s?\]|\[[xX✓]\])\s*")


def ticked_option(text: str) -> str | None:
    """The ticked option of a row of them ('☐ GmbH ☒ AG ☐ KG' -> 'AG'), None when the text is no such row
    (fewer than two boxes, or not exactly one ticked)."""
    parts = _OPTION_BOX.split(text)
    boxes = parts[1::2]
    if len(boxes) < 2:
        return None
    ticked = [i for i, box in enumerate(boxes) if box in TICKED_BOXES or "x" in box.lower() or "✓" in box]
    if len(ticked) != 1:
        return None
    return parts[2 + 2 * ticked[0]].strip() or None


_NORMALIZERS = {
    "text": _norm_text,
    "date": _norm_date,
    "vat": _norm_vat,
    "money": norm_money,
    "year": _norm_year,
    "area": norm_area,
    "term": norm_term,
    "monthly": norm_monthly,
    "rate": norm_rate,
    "bool": _norm_bool,
}


def normalize(name: str, raw: Raw) -> Value:
    """The normalized form of a printed value, so that any two extractors compare exactly; None if unreadable.

    Never raises on garbage input (only on an unknown field name).
    """
    spec = _spec(name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, str) and spec.kind in ("text", "rate", "bool"):
        raw = _radio_buttons(raw)
    if (
        spec.kind in ("text", "rate", "term")
        and isinstance(raw, str)
        and not (spec.kind == "rate" and _STATED_RATE.search(raw))
    ):
        raw = ticked_option(raw) or raw  # a row of options: the one ticked (a rate stated beside them wins)
    if name in _PLACES and isinstance(raw, str):
        raw = _SPECK_POSTCODE.sub("", mend_towns(raw))  # 'Minster' -> 'Münster', '.44135' -> '44135'
        raw = _BAR_ELISION.sub("l'", raw)  # "Rue de |'Alzette": an 'l' before an apostrophe read as a bar
    if name in _NAMES and isinstance(raw, str):
        for lost, word in _LOST_UMLAUTS:
            raw = lost.sub(word, raw)
    try:
        return _NORMALIZERS[spec.kind](raw)
    except (ValueError, ArithmeticError, TypeError):
        return None


#: Radio buttons as OCR reads them: a filled one as '@', '©' or '®' (or several), an empty one as 'O' or '0',
#: each a word of its own before its option ('O Fixed  @ Variable', 'O Yes  @©No').
_RADIO_ON = re.compile(r"(?:(?<=\s)|^)[@©®◉●]{1,3}\s?(?=[A-Za-zÄÖÜäöü])")
_RADIO_OFF = re.compile(r"(?:(?<=\s)|^)[Oo0○](?=\s+[A-Za-zÄÖÜäöü])")


def _radio_buttons(text: str) -> str:
    """A row of radio buttons written as boxes ('[ ] Fixed  [x] Variable'), when it holds one filled button
    and at least one empty one; any other text as it is."""
    if len(_RADIO_ON.findall(text)) != 1 or not _RADIO_OFF.search(text):
        return text
    return _RADIO_OFF.sub("[ ]", _RADIO_ON.sub("[x] ", text))


#: A rate stated as a number ('[x] Fixed [ ] Variable  indicative: 4.2 % p.a.'): the field's value, not its type.
_STATED_RATE = re.compile(r"\d\s?%")

#: A speck glued to a postcode's front ('Kaiserstraße 36a, .44135 Dortmund').
_SPECK_POSTCODE = re.compile(r"(?<=\s)[.,'‚](?=\d{5}\b)")
#: French's "l'" with its 'l' read as a bar or a one: "Rue de |'Alzette".
_BAR_ELISION = re.compile(r"(?<=\s)[|1I]'(?=[A-ZÄÖÜÉ])")
#: The fields that hold a German name or kind of a building.
_NAMES = ("company_name", "legal_form", "property_type", "property_name", "purpose")
#: The words of German property names whose umlaut a scan loses and leaves no word without it ('Arztehaus':
#: the plural of 'Arzt' is 'Ärzte'; 'Burogebaude'; 'Sud' for 'Süd' as a word of its own).
_LOST_UMLAUTS = (
    (re.compile(r"\bArzte"), "Ärzte"),
    (re.compile(r"\bBuro(?=gebaude|gebäude|haus|park|zentrum|\b)"), "Büro"),
    (
        re.compile(r"(?<=[a-zß])gebaude\b|\bGebaude\b"),
        lambda m: m[0].replace("gebaude", "gebäude").replace("Gebaude", "Gebäude"),
    ),
    (re.compile(r"\bGeschafts"), "Geschäfts"),
    (re.compile(r"(?<=\s)Sud\b"), "Süd"),
    (re.compile(r"\bMuhle\b|(?<=[a-z])muhle\b"), lambda m: m[0].replace("uhle", "ühle")),
    # Luxembourg's and France's limited company, its accent lost to the OCR
    (re.compile(r"\bS\.a r\.l\.(?=[\s)]|$)"), "S.à r.l."),
    (re.compile(r"\bSociété a responsabilité"), "Société à responsabilité"),
    (
        re.compile(r"\bSp\. z [0o]\.[0o]\.(?=[\s)]|$)"),
        "Sp. z o.o.",
    ),  # Poland's limited company, its o's read as 0
    (re.compile(r"(?<=\w)ére(?=s?\b)"), "ère"),  # French: 'Foncière' read with the only accent the OCR knows
)

#: The fields that name a town.
_PLACES = ("business_address", "property_address", "commercial_register")

_VALID_PATTERNS = {
    "date": re.compile(r"\d{2}\.\d{2}\.\d{4}"),
    # Germany's, and its neighbours': AT, NL, LU, FR, GB, BE, CH (a printed 'CHE-123.456.789' as 'CHE123456789')
    "vat": re.compile(
        r"DE\d{9}|ATU\d{8}|NL\d{9}B\d{2}|LU\d{8}|FR[0-9A-Z]{2}\d{9}|GB\d{9}|BE[01]\d{9}|CHE\d{9}"
        r"|IT\d{11}|ES[0-9A-Z]\d{7}[0-9A-Z]|PL\d{10}|CZ\d{8,10}|DK\d{8}|SE\d{12}|PT\d{9}"  # Italy ... Portugal
    ),
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

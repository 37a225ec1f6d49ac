"""Doubts about a value's own shape: it validates, yet something in it says the OCR misread it.

An address has a postcode and separates its parts with commas (a full stop after a number or a town is a
comma misread); a name holds no stray marks ('!', '+', '_') and no two words glued into one; a register
entry has one kind (HRA/HRB) and a number of digits only ('83072t' is a 1 misread), with a comma, not a
full stop, after it; a real-estate financing's amounts run to thousands of euros; a tick whose mark could
belong to either answer was read by convention, not by what is printed. None of the limits is fitted to
a sample set: they are what a credit officer knows of the fields.
"""

from __future__ import annotations

import re
from decimal import Decimal

from credit_ocr.reading.glyphs import BOXES, TICK_MARKS

__all__ = [
    "ADDRESSES", "AMOUNTS", "LOWEST_AMOUNT", "REGISTER", "TEXT_FIELDS", "TOWN_TAIL", "looks_cut", "money",
    "shape_doubt", "tick_ambiguous",
]  # fmt: skip

#: What may follow a town's first word: 'Frankfurt am Main', 'Halle (Saale)', 'Freiburg im Breisgau'.
TOWN_TAIL = r"(?:\s(?:am|an der|im|in der|ob der|bei)\s[A-ZÄÖÜ][\wäöüß-]+|\s\([A-ZÄÖÜ][\wäöüß-]+\))?"
#: A town's name after a court, never a word in capitals ('... Local Court VATID').
_TOWN = rf"[A-ZÄÖÜ][a-zäöüß][\wäöüß-]*{TOWN_TAIL}"
_COURT = rf"(?:(?:Amtsgericht|Registergericht)\s{_TOWN}|[A-ZÄÖÜ][\w-]+\s(?:Local|District)\sCourt)"
#: A commercial register entry: its number, then the court that keeps it, up to its town (or the word
#: 'Court'), or the court first: 'HRB 223344 / Munich Local Court', 'HRA 12 (Local Court Kiel)',
#: 'Amtsgericht Dresden, HRB 242714'. Letters, forms and the rules' cut of a remark after it read it alike.
REGISTER = re.compile(
    rf"(?:{_COURT},\s?)?"  # the court first: 'Amtsgericht Dresden, HRB 242714', 'Cologne District Court, HRA 1'
    r"\bHR\s?[AB]\s?\d{1,7}(?:\s?[,/(]\s?(?:(?:[^\s,.;()]+\s){0,3}?(?:Local\s|District\s)?Court"
    rf"(?:\s+(?:of\s+)?{_TOWN})?|{_COURT})\)?)?"  # after a comma, a slash or in brackets
)
#: No commercial real-estate financing, price or equity is smaller than this (euros): a smaller amount
#: lost digits to the OCR ('4.420 000 EUR' read as €4.42).
LOWEST_AMOUNT = Decimal(10_000)
#: A monthly payment below this repays no commercial loan: digits were lost ('€5 per month').
LOWEST_MONTHLY = Decimal(100)
AMOUNTS = ("purchase_price", "requested_amount", "equity_share", "loan_amount")
ADDRESSES = ("business_address", "property_address")
TEXT_FIELDS = ("company_name", "legal_form", "business_address", "commercial_register", "property_type",
          "property_name", "property_address", "purpose")  # fmt: skip
#: A full stop after a house number or postcode ('157. 76133'), or after a town before the next part
#: ('Leipzig. Germany'): an address separates its parts with commas. A street's abbreviation before its
#: number ('Hauptstr. 5') and short ones ('St.', 'Nr.') are no slip.
_STOP_FOR_COMMA = re.compile(r"\d\.(?=\s)|[^\W\d_]{4,}\.(?=\s+[^\W\d_])")
#: A postcode: four or five digits, the Netherlands' with two letters ('3511 LH'), a British one ('W1J 7NJ'),
#: Poland's '61-001', Portugal's '1000-001'.
_POSTCODE = re.compile(
    r"(?<!\d)\d{4,5}(?!\d)|\b[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}\b|(?<![\d-])\d{2,4}-\d{3}(?![\d-])"
)
#: Marks no name, address, register entry or purpose holds: stray specks and rules the OCR read as text.
_STRAY = re.compile(r"[!$+?#*~|<>{}\[\]@%^=_;«»—“”„‘‚]|^[^\w(]")
#: A word that starts small and turns capital ('ofLoan'): two words the OCR read as one.
_GLUED = re.compile(r"(?<![\w.])[a-z]{1,3}[A-Z]")
_REGISTER_KIND = re.compile(r"\bHR\s?[AB]\b", re.I)
#: A register number with a letter glued to its digits ('83072t'), or a full stop after it before the
#: court ('514080. Local Court'): a digit or a comma misread.
_REGISTER_SLIP = re.compile(r"\d[^\W\d_]\b|\d[^\W\d_]?\.(?=\s)")
#: A register number run straight into the court's name ('HRB 813844 Hanover Local Court'): the '/' or
#: comma between them was lost (a one-letter suffix, Berlin's 'HRB 12345 B', is part of the number).
_REGISTER_RUN = re.compile(r"\bHR\s?[AB]\s*\d+\s+[^\W\d_]{2,}", re.I)
_TICK_BOXES = ("early_repayment", "public_funding")
#: An address whose last part is its postcode: the town went to the next line.
_POSTCODE_LAST = re.compile(r"(?<!\d)\d{5},?$")
#: A lone 'X' or a ticked box among words: a row of options, one of them ticked ('GmbH AG X KG').
_TICK_MARK = re.compile(r"(?:^|\s)[xX☒■](?=\s)")
#: 'ii' inside a capitalised name: an 'ü' misread ('Wiirmtal', 'Osnabriick').
_UMLAUT_SLIP = re.compile(r"\b[A-ZÄÖÜ][a-zäöüß]*ii[a-zäöüß]*\b")
#: A speck or a label's last letters before a name: a short lower-case word, then a capital ('ima Mosel
#: GmbH', 'ue HRB 429658'); not a name's own particle ('von', 'am', 'de').
_SPECK_FIRST = re.compile(
    r"^(?!(?:von|van|vom|zu|zum|zur|am|an|im|in|de|den|der|die|das|la|le|di|da|du|e)\s)[a-zäöü]{1,3}\s+[A-ZÄÖÜ]"
)
#: A speck after a value: a lone lower-case letter at its end ('Westkreuz i'), or a mark after a legal
#: form's closing bracket ('(GmbH) 7').
_SPECK_LAST = re.compile(r"\s[a-zäöü]$|\)\s+[^\s(]{1,2}$")
#: A full stop between two words where a space was ('Amtsgericht.München').
_STOP_FOR_SPACE = re.compile(r"[a-zäöüß]{3,}\.[A-ZÄÖÜ][a-zäöüß]")
#: A court without its town: 'HRA 74405, Local Court', 'HRB 469293 / Düsseldorf Local' (cut at the line's end).
_COURT_CUT = re.compile(r"(?:[,/]\s*(?:Local|District)\s+Court|\b(?:Local|District)|\bAmtsgericht)\s*$")
#: The short legal forms of Germany's neighbours and of Europe's south and east, as their companies' names end:
#: Luxembourg's 'S.à r.l.', Italy's 'S.r.l.' and 'S.p.A.', Spain's 'S.L.', Poland's 'Sp. z o.o.', Czechia's
#: 's.r.o.', Belgium's 'BV' and 'SRL', Denmark's 'ApS'. (A regular expression's text: one list for the name,
#: the legal form's value and a letter's sentences.)
EUROPEAN_LEGAL_FORM = (
    r"S\.\s?[àa]\s?r\.\s?l\.|S[àa]rl|S\.\s?r\.\s?l\.(?:s\.)?|SRL|S\.\s?p\.\s?A\.|SpA|S\.\s?[ALn]\.\s?(?:[Uc]\.)?"
    r"|Sp\.\s?z\s?o\.\s?o\.|sp\.\s?[kj]\.|s\.\s?r\.\s?o\.|a\.\s?s\.|Lda\.?|SARL|SASU?|EURL|BVBA|CommV|[BN]\.\s?V\.|BV|NV"
    r"|A/S|ApS|AB|Oy|OG|LLP|plc|PLC"
)
#: A legal form's short word in a company's name: 'Hansa Bau GmbH', 'Müller & Co. KG', 'Weber e.K.'.
_LEGAL_FORM_WORD = re.compile(
    r"\b(?:GmbH|AG|KG|OHG|KGaA|SE|GbR|UG|PartG|eG|e\.\s?V|mbH|Ltd|LLC|Inc|S\.?A|Limited)\b|\be\.\s?K\."
    rf"|\b(?:{EUROPEAN_LEGAL_FORM})(?=[\s,)]|$)"
)
#: A legal form written out ('Limited Liability Company (GmbH)'), which no company is called.
_LEGAL_FORM_NAME = re.compile(
    r"^(?:Limited|Public|Stock|General|European|Entrepreneurial|Registered|Gesellschaft|Aktiengesellschaft|"
    r"Kommanditgesellschaft|Unternehmergesellschaft)\b[\w\s&.-]*(?:Company|Corporation|Partnership|merchant|"
    r"Haftung|gesellschaft)?\s*\([^()]+\)$",
    re.I,
)
#: No commercial property is smaller than this (m²): a smaller area lost digits to the OCR ('2 m²').
LOWEST_AREA = 20
#: Words a value never ends with: the rest of it is on the next line ('Extension of the').
_NO_VALUE_ENDS_WITH = frozenset(
    {"of", "the", "and", "or", "for", "with", "to", "a", "an", "in", "at", "und", "der", "des"}
)


def looks_cut(name: str, value: str) -> bool:
    """True when a text value looks cut off at its line's end (its rest may be on the next line)."""
    return name in TEXT_FIELDS and (
        _cut_short(value) is not None or (name in ADDRESSES and bool(_POSTCODE_LAST.search(value)))
    )


def _cut_short(value: str) -> str | None:
    """Why a text value looks cut off at its line's end, else None."""
    if value.rstrip().endswith((",", "(", "&", "/", "-")):
        return f"it ends in {value.rstrip()[-1]!r}: the rest may be on the next line"
    if value.count("(") > value.count(")"):
        return "a bracket opened and never closed: the rest may be on the next line"
    words = value.split()
    if len(words) > 1 and words[-1].lower() in _NO_VALUE_ENDS_WITH:
        return f"it ends in {words[-1]!r}: the rest may be on the next line"
    return None


_ANSWER = re.compile(r"(?<![A-Za-z])(yes|ja|no|nein)(?![A-Za-z])", re.I)


def _area(value: str) -> Decimal:
    """The square metres of a normalized area ('2,800 m²')."""
    return Decimal(value.split(" ")[0].replace(",", ""))


def money(value: object) -> Decimal | None:
    """The euros of a normalized amount ('€2,500,000' or '€5,600 per month'), None for anything else."""
    if not isinstance(value, str) or not value.startswith("€"):
        return None
    return Decimal(value[1:].split(" ")[0].replace(",", ""))


def shape_doubt(name: str, value: object, raw: str | None = None) -> str | None:
    """Why a valid value of field ``name`` still looks misread (``raw``: the printed text), else None."""
    if name in TEXT_FIELDS and isinstance(value, str) and (stray := _STRAY.search(value)):
        return f"{stray[0].strip() or 'a space'!r} has no place in a {name.replace('_', ' ')}: a speck read as text?"
    if name in TEXT_FIELDS and isinstance(value, str) and (glued := _GLUED.search(value)):
        return f"two words read as one ({glued[0]}...): a label's word may have joined the value"
    if name in TEXT_FIELDS and isinstance(value, str) and (cut := _cut_short(value)):
        return cut
    if name in TEXT_FIELDS and isinstance(value, str) and _TICK_MARK.search(value):
        return "a tick mark among several options: the value may be the whole row, not the ticked one"
    if name in TEXT_FIELDS and isinstance(value, str) and (slip := _UMLAUT_SLIP.search(value)):
        return f"{slip[0]!r}: 'ii' is how a scan often reads an 'ü'"
    if (
        name in TEXT_FIELDS
        and isinstance(value, str)
        and (speck := _SPECK_FIRST.match(value) or _SPECK_LAST.search(value))
    ):
        return f"{speck[0].strip(' )').split()[0]!r} at its edge: a speck read as letters, or a label's last letters?"
    if name in TEXT_FIELDS and isinstance(value, str) and _STOP_FOR_SPACE.search(value):
        return "a full stop between two words: a space read as a speck?"
    if name in ADDRESSES and isinstance(value, str):
        if _POSTCODE_LAST.search(value):
            return "the address ends at its postcode: its town may be on the next line"
        if _STOP_FOR_COMMA.search(value):
            return "a full stop where an address has a comma: the OCR may have misread it"
        if not _POSTCODE.search(value):
            return "the address has no postcode"
    if name == "commercial_register" and isinstance(value, str):
        if not re.search(r"\d{3}", value):
            return "a register entry has a number, this one none"
        if len(_REGISTER_KIND.findall(value)) > 1:
            return "two register kinds: a label's word may have joined the value"
        if not value.startswith("FN") and (slip := _REGISTER_SLIP.search(value)):  # Austria's 'FN 149692a'
            return f"{slip[0]!r} in a register number: a digit or a comma misread?"
        if _REGISTER_RUN.search(value):
            return "nothing between the register number and the court: a '/' or a comma lost?"
        if _COURT_CUT.search(value):
            return "the court has no town: the rest may be on the next line"
    if name == "company_name" and isinstance(value, str) and not _LEGAL_FORM_WORD.search(value):
        return "a company's name ends in its legal form (GmbH, AG, KG...): none here, cut or not a name?"
    if name == "company_name" and isinstance(value, str) and _LEGAL_FORM_NAME.match(value):
        return (
            "this reads as a legal form, not a company's name: the label above may have taken the wrong row"
        )
    if name == "legal_form" and isinstance(value, str) and " with " in value and not value.endswith(")"):
        return "a legal form 'with ...' ends in its short form in brackets: the rest may be on the next line"
    if name == "total_area" and isinstance(value, str) and _area(value) < LOWEST_AREA:
        return f"{value} is too small for a commercial property: digits may be lost"
    if name in AMOUNTS and (amount := money(value)) is not None and amount < LOWEST_AMOUNT:
        return f"{value} is too small for a real-estate financing: digits may be lost"
    if name == "monthly_payment" and (amount := money(value)) is not None and amount < LOWEST_MONTHLY:
        return f"{value} is too small a payment for a real-estate loan: digits may be lost"
    if name in _TICK_BOXES and raw is not None and tick_ambiguous(raw):
        return "the tick could belong to either answer"
    if name in _TICK_BOXES and raw is not None and (marks := _lone_answer_marks(raw)):
        return (
            f"one answer read, beside {marks!r}, no box: the other may be lost, or one struck out or circled"
        )
    return None


_GLUED_ANSWER = re.compile(r"(?:yes|no|ja|nein)$", re.I)


def _lone_answer_marks(raw: str) -> str:
    """What stands beside a yes/no field's only answer that is neither a box nor a tick ('¥  Yes  a'), '' if
    nothing does (a plain 'Yes', '[x] Yes', 'Yes ☒' are answers as printed)."""
    if len(_ANSWER.findall(raw)) != 1:
        return ""
    rest = _ANSWER.sub(" ", raw)
    return " ".join(
        w
        for w in rest.split()
        if w.strip("[](){}|:;?.,xX*-_" + BOXES + TICK_MARKS)
        and not _GLUED_ANSWER.search(w)  # 'ONo': a box glued on
    )


def tick_ambiguous(raw: str) -> bool:
    """True when a yes/no answer's only mark sits between the two answers ('yes |X| no'): nothing before
    the first answer or after the last says whether boxes lead or trail their words, so the mark could
    belong to either."""
    text = " ".join(raw.split()).strip(" :;|_.")
    answers = list(_ANSWER.finditer(text))
    if len(answers) < 2:
        return False
    before, after = text[: answers[0].start()], text[answers[-1].end() :]
    between = text[answers[0].end() : answers[-1].start()]
    return bool(between.strip()) and not before.strip() and not after.strip()

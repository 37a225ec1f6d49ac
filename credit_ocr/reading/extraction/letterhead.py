"""A letter's sender: the company and its address, from the letterhead or from under the signature.

A letter says who writes it twice: at its head, above the greeting ('Dear Sir or Madam,'), and under its
closing ('Kind regards,'). There a line that ends in a legal form ('Hansa Logistik GmbH') is the company's
name, and that form, as printed, its legal form; the lines right below it are its address when they read as
one (:data:`.prose.ADDRESS`: 'Hafenstraße 12' over '20457 Hamburg', or both on one line). Like every value
read from a letter (:mod:`.prose`), they rank below a form's labelled values and are flagged for review.

A vendor's fact sheet or exposé says what it offers in its title: the line under 'PROPERTY FACT SHEET' or
'EXPOSÉ' is the property's name (:func:`title_candidates`).
"""

from __future__ import annotations

import re

from credit_ocr.reading.extraction.prose import ADDRESS, LEGAL_FORM_ENDING, PROSE_SCORE
from credit_ocr.reading.extraction.walk import Candidate, label_of

__all__ = ["greeting_line", "letterhead_candidates", "title_candidates"]

#: How many lines under the closing may hold the sender.
SIGNATURE_LINES = 6

_GREETING = re.compile(r"^(?:dear\b|to whom\b|ladies and gentlemen\b|sehr geehrte)", re.IGNORECASE)
_CLOSING = re.compile(
    r"^(?:kind regards|best regards|with kind regards|yours (?:sincerely|faithfully)|sincerely|regards)\b",
    re.IGNORECASE,
)
#: A company's name ends in its legal form (:data:`.prose.LEGAL_FORM_ENDING`).
_COMPANY = re.compile(rf"\S.*?\b(?P<form>{LEGAL_FORM_ENDING})$")
#: A sender that writes for its client: lawyers, tax advisers, notaries, brokers ('Dr. Reuter & Partner
#: Rechtsanwälte PartG mbB', 'Rheinwert Immobilienfinanz GmbH' is a broker only by what it says of itself).
_ADVISER = re.compile(
    r"\b(?:Rechtsanw[äa]lt\w*|Anwalt\w*|Steuerberat\w*|Notar\w*|Makler\w*|Solicitors?|Attorneys?|Lawyers?"
    r"|Brokers?|Brokerage)\b",
    re.IGNORECASE,
)
#: A fax's or a memo's header label before the sender's name: 'From :', 'Von:', 'Absender :'.
_SENDER_LABEL = re.compile(r"^(?:from|von|absender|sender|de|van)\s*:\s*", re.IGNORECASE)
#: An address on one line may end in its country: 'Harbour Lane 9, 28195 Bremen, Germany'.
_ONE_LINE = re.compile(rf"(?:{ADDRESS.pattern})(?:,\s?[A-Z][a-z]+)?")


def greeting_line(lines: list[str]) -> int:
    """The line that greets the reader ('Dear Sir or Madam,'), -1 when the text greets no one. What comes
    before it is the letter's head: the sender's and the addressee's (a broker's own VAT id), not the request's."""
    return next((i for i, line in enumerate(lines) if _GREETING.match(line.strip())), -1)


def letterhead_candidates(lines: list[str]) -> list[Candidate]:
    """The sender's name and address, when the text is a letter (it greets someone); else nothing."""
    greeting = greeting_line(lines)
    if greeting < 0:
        return []
    closing = next(
        (i for i, line in enumerate(lines) if i > greeting and _CLOSING.match(line.strip())), len(lines)
    )
    found: list[Candidate] = []
    for block in (range(greeting), range(closing + 1, min(len(lines), closing + 1 + SIGNATURE_LINES))):
        for i in block:
            name = _SENDER_LABEL.sub("", lines[i].strip())
            if _ADVISER.search(name):
                break  # a law firm's or a broker's letter on its client's behalf: the client applies
            if len(name.split()) <= 8 and (company := _COMPANY.fullmatch(name)):
                found.append(Candidate("company_name", name, "", PROSE_SCORE, "prose", "applicant", i))
                found.append(
                    Candidate("legal_form", company["form"], "", PROSE_SCORE, "prose", "applicant", i)
                )
                if (address := _address(lines[i + 1 : i + 3])) is not None:
                    found.append(
                        Candidate("business_address", address, "", PROSE_SCORE, "prose", "applicant", i + 1)
                    )
                break
    return found


def _address(lines: list[str]) -> str | None:
    """The address in the lines under a name: a street over its postcode and city, or both on one line."""
    rest = [line.strip() for line in lines if line.strip()]
    if len(rest) >= 2 and ADDRESS.fullmatch(joined := f"{rest[0]}, {rest[1]}"):
        return joined
    if rest and _ONE_LINE.fullmatch(rest[0]):
        return rest[0]
    return None


#: A sheet that offers one property, by its heading.
_SHEET = re.compile(
    r"(?:property\s+)?fact\s+sheet|expos[ée]|objekt-?expos[ée]|investment\s+teaser|(?:objekt)?datenblatt",
    re.I,
)
#: How many lines from the top the sheet's heading may be; a name has at most this many words.
TITLE_LINES, NAME_WORDS = 3, 5


def title_candidates(lines: list[str]) -> list[Candidate]:
    """The property's name from a fact sheet's title: the first line of words under its heading that is
    no label ('PROPERTY FACT SHEET' over 'Brauereihöfe'), flagged like a letter's values."""
    written = [(i, line.strip()) for i, line in enumerate(lines) if len(line.strip()) > 2]
    for position, (_, heading) in enumerate(written[:TITLE_LINES]):
        if not _SHEET.fullmatch(heading):
            continue
        for i, name in written[position + 1 : position + 3]:
            words = name.split()
            if len(words) <= NAME_WORDS and not re.search(r"\d|:", name) and label_of(name) is None:
                return [Candidate("property_name", name, "", PROSE_SCORE, "prose", "property", i)]
        return []
    return []

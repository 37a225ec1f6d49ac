"""A letter's sender: the company and its address, from the letterhead or from under the signature.

A letter says who writes it twice: at its head, above the greeting ('Dear Sir or Madam,'), and under its
closing ('Kind regards,'). There a line that ends in a legal form ('Hansa Logistik GmbH') is the company's
name (and that form, as printed, its legal form), and the lines right below it, a street and its number and a postcode and its city, are its address
('Hafenstraße 12' / '20457 Hamburg', or both on one line). Like every value read from a letter
(:mod:`.prose`), they rank below a form's labelled values and are flagged for review.
"""

from __future__ import annotations

import re

from credit_ocr.reading.extraction.prose import PROSE_SCORE
from credit_ocr.reading.extraction.walk import Candidate

__all__ = ["letterhead_candidates"]

#: How many lines under the closing may hold the sender.
SIGNATURE_LINES = 6

_GREETING = re.compile(r"^(?:dear\b|to whom\b|ladies and gentlemen\b|sehr geehrte)", re.IGNORECASE)
_CLOSING = re.compile(
    r"^(?:kind regards|best regards|with kind regards|yours (?:sincerely|faithfully)|sincerely|regards)\b",
    re.IGNORECASE,
)
#: A company's name ends in its legal form: 'GmbH', 'GmbH & Co. KG', 'AG', 'e.K.', 'UG (haftungsbeschränkt)'.
_COMPANY = re.compile(
    r"\S.*?\b(?P<form>GmbH(?:\s?&\s?Co\.?\s?KG)?|AG|KG|OHG|KGaA|SE|GbR|UG(?:\s?\(haftungsbeschr[äa]nkt\))?|"
    r"e\.\s?K\.|Ltd\.?|LLC|Inc\.?|PartG(?:\s?mbB)?)$"
)
_STREET = re.compile(r"^[A-ZÄÖÜ][\w.ßäöü-]*(?:\s[\w.ßäöü-]+){0,4}\s\d{1,4}\s?[a-z]?$")  # 'Am Sandtorkai 5'
_CITY = re.compile(r"^(?:D-)?\d{5}\s[A-ZÄÖÜ][\w .ßäöü-]+$")  # '20457 Hamburg'


def letterhead_candidates(lines: list[str]) -> list[Candidate]:
    """The sender's name and address, when the text is a letter (it greets someone); else nothing."""
    greeting = next((i for i, line in enumerate(lines) if _GREETING.match(line.strip())), None)
    if greeting is None:
        return []
    closing = next(
        (i for i, line in enumerate(lines) if i > greeting and _CLOSING.match(line.strip())), len(lines)
    )
    found: list[Candidate] = []
    for block in (range(greeting), range(closing + 1, min(len(lines), closing + 1 + SIGNATURE_LINES))):
        for i in block:
            name = lines[i].strip()
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
    """'Street 12, 12345 City' from the lines under a name: on two lines, or already on one."""
    rest = [line.strip() for line in lines if line.strip()]
    if len(rest) >= 2 and _STREET.match(rest[0]) and _CITY.match(rest[1]):
        return f"{rest[0]}, {rest[1]}"
    street, _, city = rest[0].partition(",") if rest else ("", "", "")
    if _STREET.match(street.strip()) and _CITY.match(city.strip().split(",")[0]):
        return rest[0]
    return None

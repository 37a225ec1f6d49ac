"""A name's word the OCR read less surely than a clean print, that nothing else on the document confirms.

Tesseract is sometimes wrong with fair confidence: on a fax, 'Emsland' comes back as 'Emsiand' (63),
'Neckar' as 'Neckur' (89), 'Market Hall' as 'Market Hali' (87). A name, a street or a town printed once
has no dictionary to check it against, and :func:`.checks.misread_word` catches a slip only when the
document prints the right word elsewhere. What is left is the OCR's own certainty: a clean print reads at
95 or more, so a word of a text value read below :data:`CLEAN_PRINT_CONFIDENCE` and printed nowhere else
on the document is worth a look. A poor page (a fax, a photo) lowers the words' confidences and so lets
more of its words be doubted; a word the page prints twice, read the same both times, vouches for itself.
"""

from __future__ import annotations

import re

__all__ = ["CLEAN_PRINT_CONFIDENCE", "unconfirmed_word"]

#: Tesseract reads a clean print's words at 95-97 (the median word of the kit's scans, faxes and photos);
#: a word of a name read below this was read from a blurred, broken or speckled print.
CLEAN_PRINT_CONFIDENCE = 90.0
#: A word of four letters or more is checked ('Hall'); 'Co', 'KG', 'am' are too short to tell.
_LETTERS = re.compile(r"[^\W\d_]{4,}")


def unconfirmed_word(value: object, words: tuple[tuple[str, float], ...], text: str) -> str | None:
    """Why a text value may hold a misread word: one of its OCR ``words`` (text, confidence) read below a
    clean print's confidence, kept in the value, and printed only once in the document's ``text``."""
    if not isinstance(value, str) or not words:
        return None
    kept = value.casefold()
    counts: dict[str, int] = {}
    for found in _LETTERS.findall(text.casefold()):
        counts[found] = counts.get(found, 0) + 1
    for word, confidence in words:
        if confidence >= CLEAN_PRINT_CONFIDENCE:
            continue
        for part in _LETTERS.findall(word.casefold()):
            if part in kept and counts.get(part, 0) <= 1:
                return (
                    f"{part!r} was read unsurely ({confidence:.0f}) and is printed nowhere else to confirm it"
                )
    return None

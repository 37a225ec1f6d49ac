"""A name's word the OCR read less surely than a clean print, that nothing on the document confirms.

Tesseract is sometimes wrong with fair confidence: on a fax, 'Emsland' comes back as 'Emsiand' (63),
'Neckar' as 'Neckur' (89), 'Market Hall' as 'Market Hali' (87). A name, a street or a town printed once
has nothing to be checked against, and :func:`.checks.misread_word` catches a slip only when the
document prints the right word elsewhere. Two things are left:

- the OCR's own certainty: a clean print reads at 95 or more, so a word of a text value read below
  :data:`CLEAN_PRINT_CONFIDENCE` was read from a blurred, broken or speckled print. A poor page (a fax,
  a photo) lowers its words' confidences, and so lets more of them be doubted;
- block capitals (a form filled in by hand): read as surely as type and as wrongly, so there a word
  only the dictionary or a second print vouches for is worth a look;
- tesseract's dictionary (``known``, set by :func:`credit_ocr.reading.ocr.words`): a misread letter
  rarely makes a real word ('Hali', 'Neckur' are none; 'Logistics', 'Medical' are), so an unsure word the
  dictionary knows vouches for itself, and so does a word the document prints twice.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from credit_ocr.reading.lines import LineWord

__all__ = ["CLEAN_PRINT_CONFIDENCE", "printed_words", "unconfirmed_word"]

#: Tesseract reads a clean print's words at 95-97 (the median word of the kit's scans, faxes and photos);
#: a word of a name read below this was read from a blurred, broken or speckled print.
CLEAN_PRINT_CONFIDENCE = 90.0
#: A word of a value in block capitals is vouched for only by the dictionary or a second print (a text
#: layer's words, at 100, are not OCR's).
HAND_PRINT_CONFIDENCE = 100.0
#: A word of four letters or more is checked ('Hall'); 'Co', 'KG', 'am' are too short to tell.
_LETTERS = re.compile(r"[^\W\d_]{4,}")


@lru_cache(maxsize=4)
def printed_words(text: str) -> Counter[str]:
    """How often ``text`` prints each word of four letters or more, case-folded. Every text field's checks
    ask this of the same document, so it is counted once (the last few documents are remembered)."""
    return Counter(_LETTERS.findall(text.casefold()))


def unconfirmed_word(value: object, words: tuple[LineWord, ...], text: str) -> str | None:
    """Why a text value may hold a misread word: one of its OCR ``words`` read below a clean print's
    confidence, unknown to tesseract's dictionary, kept in the value, and printed only once in ``text``."""
    if not isinstance(value, str) or not words:
        return None
    kept, counts = value.casefold(), printed_words(text)
    # block capitals, as a form filled in by hand asks for: tesseract reads hand print as surely as type,
    # and as wrongly ('LOSISTIKHALLE' at 91), so its confidence vouches for nothing there
    trusted = CLEAN_PRINT_CONFIDENCE if not value.isupper() else HAND_PRINT_CONFIDENCE
    for word in words:
        if word.conf >= trusted or word.known:
            continue
        for part in _LETTERS.findall(word.text.casefold()):
            if part in kept and counts[part] <= 1:
                return f"{part!r} was read unsurely ({word.conf:.0f}), and no dictionary or other print confirms it"
    return None

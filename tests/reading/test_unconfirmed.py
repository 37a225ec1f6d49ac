"""A name's word read less surely than a clean print, printed nowhere else on the document, is flagged."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from credit_ocr.config import override_settings
from credit_ocr.reading import mail
from credit_ocr.reading.extraction import extract
from credit_ocr.reading.extraction.unconfirmed import CLEAN_PRINT_CONFIDENCE, unconfirmed_word
from credit_ocr.reading.lines import LineWord, line_words
from credit_ocr.reading.ocr import ocr_bytes, words

TEXT = "Company Name  Emsiand Logistik GmbH\nProperty Name  Market Hall Cologne\nCity  Cologne"


def test_an_unsure_word_printed_once_is_doubted() -> None:
    words = (
        LineWord("Emsiand", 63.0, False),
        LineWord("Logistik", 96.0, False),
        LineWord("GmbH", 95.0, True),
    )
    reason = unconfirmed_word("Emsiand Logistik GmbH", words, TEXT)
    assert reason is not None and "'emsiand'" in reason and "63" in reason
    # the pytesseract engine does not say what its dictionary knows: the confidence alone decides
    assert unconfirmed_word("Emsiand Logistik GmbH", (LineWord("Emsiand", 63.0),), TEXT) is not None


def test_sure_known_and_repeated_words_are_not() -> None:
    assert unconfirmed_word("Emsiand Logistik GmbH", (LineWord("Emsiand", 95.0, False),), TEXT) is None
    # 'Market' is read unsurely, but tesseract's dictionary knows it: a misread rarely makes a real word
    assert unconfirmed_word("Market Hall Cologne", (LineWord("Market", 70.0, True),), TEXT) is None
    # 'Cologne' is read unsurely, but the document prints it twice: it confirms itself
    assert unconfirmed_word("Market Hall Cologne", (LineWord("Cologne", 70.0, False),), TEXT) is None
    # a text layer has no OCR words; a word the normalized value no longer holds is not the value's
    assert unconfirmed_word("Market Hall Cologne", (), TEXT) is None
    assert unconfirmed_word("Logistics Company", (LineWord("Logistik", 60.0, False),), TEXT) is None
    # 'KG' and 'am' are too short to tell a misreading by
    assert unconfirmed_word("Elbe KG", (LineWord("KG", 40.0, False),), "Company Name  Elbe KG") is None


def _form_page(lines: list[str]) -> Image.Image:
    page = Image.new("L", (2400, 500), 255)
    draw, font = ImageDraw.Draw(page), ImageFont.load_default(size=30)
    for number, line in enumerate(lines):
        draw.text((60, 60 + 80 * number), line, fill=0, font=font)
    return page


@pytest.mark.tesseract
def test_a_faxed_name_read_below_a_clean_print_is_flagged() -> None:
    """Real tesseract on 150-dpi faxes of one form (each with its own noise): whenever a word of the
    company name comes back below a clean print's confidence and unknown to tesseract's dictionary
    ('Emstand' 79, 'Emsiand' 86 on tesseract 5.5), the field is on the review list, naming the word. Read
    with the English model alone, which slips on this name on most of these faxes (``eng+deu``, the
    default, reads it right on 7 of 8: too seldom wrong to show the flag)."""
    page = _form_page(["Company Name:  Emsland Logistik GmbH", "Property Name:  Market Hall Cologne"])
    doubted = 0
    for noise in range(4):
        with override_settings(ocr_lang="eng"):
            result = ocr_bytes(mail.fax_tiff([page], np.random.default_rng(noise)))
        read = extract(result.text, "rules", line_words([(p.text, p.words) for p in result.pages]))
        name = str(read.fields["company_name"])
        unsure = [
            w["text"]
            for w in result.pages[0].words
            if w["text"] in name.split()
            and len(w["text"]) >= 4
            and w["conf"] < CLEAN_PRINT_CONFIDENCE
            and w["known"] is False
        ]
        reasons = {item["field"]: item["reason"] for item in read.review}
        if unsure:
            doubted += 1
            assert unsure[0].casefold() in reasons.get("company_name", ""), (name, reasons)
    assert doubted >= 2, "the faxes should blur the name's words below a clean print's confidence"


@pytest.mark.tesseract
def test_tesseract_says_which_words_its_dictionary_knows() -> None:
    """Each word tesseract reads is marked ``known`` or not, from one cheap walk over its results."""
    found = {w["text"]: w["known"] for w in words(_form_page(["Market Hall  Company  Neckur Hali"]))}
    assert found == {"Market": True, "Hall": True, "Company": True, "Neckur": False, "Hali": False}, found

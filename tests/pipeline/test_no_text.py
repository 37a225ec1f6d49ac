"""A document with nothing to read fails with a clear error; a real scan, faxed or photographed, does not.

Why: tesseract "reads" a photo of a desk with no document on it as words of confidence 0-40; counted as
text, such a photo ended ``done`` with 21 empty fields instead of failing with the reason.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from credit_ocr.config import Settings
from credit_ocr.pipeline.stages import NoTextFound, process_sync
from credit_ocr.reading import mail
from credit_ocr.state import documents

pytestmark = pytest.mark.tesseract


def _jpeg(pixels: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def test_a_photo_of_no_document_fails_as_no_text_found(kit: Settings) -> None:
    noise = (np.random.default_rng(1).random((900, 1200, 3)) * 255).astype(np.uint8)
    with pytest.raises(NoTextFound):
        process_sync(_jpeg(noise), "holiday.jpg")
    (doc,) = documents.list_documents()
    assert doc.status == "failed" and "No text found on 1 page(s)" in doc.error


def test_a_faxed_form_still_reads(kit: Settings) -> None:
    """The hardest mail the kit makes (a group-4 fax) is far above the bar: most of its words read surely."""
    data, name, _truth, _variant = mail.make_mail(21, mail.MAIL_KINDS.index("fax"))
    doc_id = process_sync(data, name)
    assert documents.get_document(doc_id).status == "done"

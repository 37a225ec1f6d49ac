"""OCR: the reference form read by both paths, rows kept together, hostile files refused fast and by name."""

from __future__ import annotations

import io
import os
import struct
import time
import zlib
from pathlib import Path

import pytest
from conftest import REFERENCE
from PIL import Image, ImageDraw, ImageFont

from credit_ocr.config import get_settings, reset_settings
from credit_ocr.reading import ocr
from credit_ocr.reading.lines import OcrPageResult

pytestmark = pytest.mark.tesseract

REFERENCE_PDF = REFERENCE / "loan_application.pdf"


@pytest.fixture
def settings(kit, monkeypatch: pytest.MonkeyPatch):
    """The kit's settings; a test changes one with ``settings.set(NAME, value)``."""

    class Setter:
        def set(self, name: str, value: object) -> None:
            monkeypatch.setenv(f"CREDIT_OCR_{name}", str(value))
            reset_settings()

    return Setter()


def _reference() -> bytes:
    if not REFERENCE_PDF.is_file():
        pytest.skip(f"{REFERENCE_PDF} is absent (the shared reference folder is not on this machine)")
    return REFERENCE_PDF.read_bytes()


def _line_with(result: ocr.OcrResult, start: str) -> str:
    lines = [line for page in result.pages for line in page.lines if line.startswith(start)]
    assert lines, f"no line starts with {start!r} in:\n{result.text}"
    return lines[0]


def letter_at_dpi() -> tuple[int, int]:
    """A US-letter page (the reference form) rasterized at the configured resolution."""
    dpi = get_settings().ocr_dpi
    return round(8.5 * dpi), round(11 * dpi)


def _near(width: int, height: int, expected: tuple[int, int]) -> bool:
    return abs(width - expected[0]) <= 1 and abs(height - expected[1]) <= 1


@pytest.mark.parametrize("use_text_layer", [True, False], ids=["text-layer", "ocr"])
def test_reference_form_is_read_with_label_and_value_on_one_line(settings, use_text_layer: bool) -> None:
    data = _reference()
    settings.set("USE_TEXT_LAYER", use_text_layer)

    result = ocr.ocr_bytes(data)

    assert result.path == ("text-layer" if use_text_layer else "ocr")
    assert [p.source for p in result.pages] == [result.path]
    assert "DemoTech Solutions GmbH" in result.text
    assert "DE123456789" in result.text
    # the table's label and value stay on one row, split by a wide gap the extractor can see
    assert _line_with(result, "Company Name").split("  ")[-1].strip() == "DemoTech Solutions GmbH"
    assert _line_with(result, "VAT ID / Tax Number").split("  ")[-1].strip() == "DE123456789"
    assert "€2,500,000" in _line_with(result, "Purchase Price")
    page = result.pages[0]
    assert page.page == 1 and _near(page.width, page.height, letter_at_dpi())
    assert all({"text", "left", "top", "width", "height", "conf", "line"} <= set(w) for w in page.words)
    if use_text_layer:
        assert page.mean_confidence is None
    else:
        assert page.mean_confidence is not None and page.mean_confidence > 80


def test_ruled_table_cells_are_not_lost(settings) -> None:
    """Tesseract drops ruled table cells as pictures; the rules are erased before OCR so every row is read."""
    data = _reference()
    settings.set("USE_TEXT_LAYER", "false")
    text = ocr.ocr_bytes(data).text
    for value in ("Innovation Center Stuttgart", "€500,000", "15 years", "Fixed", "2015"):
        assert value in text


def test_image_honours_exif_rotation(settings, tmp_path: Path) -> None:
    """A phone photo stored sideways with an EXIF orientation tag is read upright."""
    image = Image.new("L", (1400, 300), 255)
    font = ImageFont.load_default(size=48)
    ImageDraw.Draw(image).text((40, 100), "Company Name  Upright Holdings GmbH", fill=0, font=font)
    sideways = image.rotate(90, expand=True)  # stored rotated; the tag says how to turn it back
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    buffer = io.BytesIO()
    sideways.save(buffer, format="JPEG", exif=exif, quality=95)

    result = ocr.ocr_bytes(buffer.getvalue())

    assert result.path == "ocr"
    assert "Upright Holdings GmbH" in result.text
    assert (result.pages[0].width, result.pages[0].height) == (1400, 300)


def test_load_pages_and_word_boxes(settings) -> None:
    data = _reference()
    pages = ocr.load_pages(data, "application/pdf")
    assert len(pages) == 1 and _near(*pages[0].size, letter_at_dpi()) and pages[0].mode == "L"
    words = ocr.ocr_bytes(data).pages[0].words
    drawn = ocr.draw_word_boxes(pages[0], words)
    assert drawn.mode == "RGB" and drawn.size == pages[0].size
    assert drawn.getpixel((words[0]["left"], words[0]["top"])) != (255, 255, 255)


# --------------------------------------------------------------------------------------------
# refusals: each a named error, each fast


def _pdf(objects: list[bytes]) -> bytes:
    """A minimal well-formed PDF from raw objects (no library adds pages behind our back)."""
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def _png_header(width: int, height: int) -> bytes:
    """A few-hundred-byte PNG that claims ``width`` x ``height`` pixels: a decompression bomb's header."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit grayscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1024))
        + chunk(b"IEND", b"")
    )


def _encrypted_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, encrypt="secret")
    page.drawString(72, 720, "Company Name  Secret GmbH")
    page.save()
    return buffer.getvalue()


def _pdf_with_pages(count: int) -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    for number in range(count):
        pdf.drawString(72, 720, f"page {number + 1}")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


REFUSALS = {
    "encrypted": (_encrypted_pdf, ocr.EncryptedDocument),
    "truncated-pdf": (lambda: _pdf_with_pages(3)[:400], ocr.CorruptDocument),
    "zero-pages": (
        lambda: _pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]),
        ocr.EmptyDocument,
    ),
    "png-40000x40000": (lambda: _png_header(40_000, 40_000), ocr.ImageTooLarge),
    "pdf-page-200-inches": (
        lambda: _pdf(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 14400 14400] >>",
            ]
        ),
        ocr.ImageTooLarge,
    ),
    "too-many-pages": (lambda: _pdf_with_pages(21), ocr.TooManyPages),
    "random-bytes": (lambda: os.urandom(4096), ocr.UnsupportedDocument),
    "pdf-header-then-garbage": (lambda: b"%PDF-1.7\n" + os.urandom(4096), ocr.CorruptDocument),
    "truncated-png": (
        lambda: _png_bytes(Image.effect_noise((600, 600), 60).convert("L"))[:3000],
        ocr.CorruptDocument,
    ),
    "empty-file": (lambda: b"", ocr.EmptyDocument),
    "png-1x1": (lambda: _png_bytes(Image.new("RGB", (1, 1), "white")), ocr.ImageTooSmall),
    "png-sliver-2000x1": (lambda: _png_bytes(Image.new("L", (2000, 1), 255)), ocr.ImageTooSmall),
    "png-signature-then-zeros": (lambda: b"\x89PNG\r\n\x1a\n" + bytes(100), ocr.CorruptDocument),
}


def _png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("case", list(REFUSALS))
def test_hostile_or_broken_files_are_refused_by_name_and_fast(settings, case: str) -> None:
    make, error = REFUSALS[case]
    data = make()
    assert len(data) < 100_000  # small files, whatever size they claim

    started = time.perf_counter()
    with pytest.raises(error) as raised:
        ocr.ocr_bytes(data)

    assert time.perf_counter() - started < 2.0
    assert isinstance(raised.value, ocr.OcrError) and raised.value.permanent
    assert len(str(raised.value)) > 30  # a sentence that says what to do, not a bare code
    assert "object at 0x" not in str(raised.value)  # no Python repr in a student's error


def _words_page(text: str = "Company Name  Heavy GmbH") -> bytes:
    page = Image.new("L", (900, 200), 255)
    ImageDraw.Draw(page).text((20, 70), text, fill=0, font=ImageFont.load_default(size=40))
    return _png_bytes(page)


@pytest.mark.parametrize("engine", ["tesserocr", "pytesseract", "cli"])
def test_either_engine_reads_the_page(settings, engine: str) -> None:
    """tesserocr (loaded once per process) or the program per page (pytesseract; ``cli``: its old name)."""
    settings.set("OCR_ENGINE", engine)
    assert get_settings().ocr_engine in {"tesserocr", "pytesseract"}
    assert "Heavy GmbH" in ocr.ocr_bytes(_words_page()).text


def test_missing_tesseract_program_is_named_with_the_install_command(settings) -> None:
    settings.set("OCR_ENGINE", "pytesseract")
    settings.set("TESSERACT_PROGRAM", "tesseract-not-installed-here")
    with pytest.raises(ocr.OcrUnavailable, match="apt-get install"):
        ocr.ocr_bytes(_png_bytes(Image.new("L", (200, 100), 255)))


def test_a_flat_unsure_speck_is_no_word() -> None:
    """A 3-pixel 'wpa' of confidence 14 beside a table's border would start a row of its own."""
    found = [
        {"text": "Legal", "height": 24, "conf": 97.0},
        {"text": "form", "height": 19, "conf": 97.0},
        {"text": "wpa", "height": 3, "conf": 14.0},
        {"text": "-", "height": 3, "conf": 91.0},  # a dash read surely stays
    ]
    assert [w["text"] for w in ocr._without_specks(found)] == ["Legal", "form", "-"]


def test_a_letter_or_two_read_unsurely_far_out_in_a_line_is_a_speck() -> None:
    """A fax's speck far right of 'Becker & Bodensee KG' read as 'a' (confidence 0) would end the company's
    name; the same 'a' beside its words, or read surely, or a longer word, stays."""

    def word(text: str, left: int, conf: float = 95.0, key: tuple = (1, 1, 1)) -> dict:
        return {"text": text, "left": left, "width": 12 * len(text), "height": 17, "conf": conf, "_key": key}

    found = [
        word("Becker", 335), word("&", 426), word("Bodensee", 453), word("KG", 570),
        word("a", 1182, conf=0.0),  # a speck: stands apart, unsure
        word("an", 620, conf=20.0),  # beside the name: a word, however unsure
        word("oo", 900, conf=95.0),  # read surely
        word("Nord", 1100, conf=10.0, key=(1, 1, 2)), word("x", 1300, conf=5.0, key=(1, 1, 2)),  # a tick
        word("o", 1300, conf=5.0, key=(1, 1, 3)),  # alone on its line: nothing to end wrongly
    ]  # fmt: skip
    kept = [w["text"] for w in ocr._without_strays(found)]
    assert kept == ["Becker", "&", "Bodensee", "KG", "an", "oo", "Nord", "x", "o"]


def _page(confidence: float, words: int) -> OcrPageResult:
    found = [{"text": "w", "conf": confidence} for _ in range(words)]
    return OcrPageResult(1, "", [], found, confidence, "ocr", 1240, 1754)


def test_an_unsure_page_keeps_a_finer_reading_only_when_surer_of_as_many_words() -> None:
    """A phone photo's small print read unsurely (71) at 150 dpi is read at 300 (84) and kept; a reading
    that is surer because it left a box of words out is not."""
    assert ocr._unsure(_page(71, 160)) and not ocr._unsure(_page(90, 160))
    assert ocr._surer(_page(84, 157), _page(71, 168))
    assert not ocr._surer(_page(88, 53), _page(71, 168))  # the key facts' box left out
    assert not ocr._surer(_page(69, 170), _page(71, 168))

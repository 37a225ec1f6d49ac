"""Page preparation: a document's pages as clean grayscale images (or its text layer), untrusted input refused.

PDF pages are rasterized with pypdfium2 at ``settings.ocr_dpi``, images (PNG, JPEG, TIFF) decoded with
Pillow (EXIF rotation honoured) and brought down to that resolution; every page is then prepared where a
measurement says it needs it (:mod:`credit_ocr.reading.prepare`: a photo flattened, a sideways page
turned, a skewed one straightened) and, just before OCR, cleared of its table rules (:func:`remove_rules`). Untrusted input is refused early and by name: encrypted, corrupt
or empty files, too many pages (``max_pages``), and pages too large to decode (``max_pixels``: measured
from the PDF page size or the image header, before any pixel is decoded: no decompression bomb).
"""

from __future__ import annotations

import io
import re
import threading
import warnings
from collections.abc import Iterator

import cv2
import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageOps, ImageSequence

from credit_ocr.config import Settings, get_settings
from credit_ocr.reading.cells import Ruling
from credit_ocr.reading.errors import (
    CorruptDocument,
    EmptyDocument,
    EncryptedDocument,
    ImageTooLarge,
    ImageTooSmall,
    TooManyPages,
    UnsupportedDocument,
)
from credit_ocr.reading.leaders import leader_mask
from credit_ocr.reading.lines import OcrPageResult, text_layer_page
from credit_ocr.reading.prepare import deskew, page_dpi, prepare_page, skew_angle, square_pixels, to_dpi
from credit_ocr.state.documents import sniff_mime

__all__ = [
    "PDF", "deskew", "document_mime", "image_pages", "load_pages", "pdf_pages", "remove_rules", "ruled_page", "skew_angle",
]  # fmt: skip

PDF = "application/pdf"

#: The EXIF tag that says how a camera held the image (1: as stored).
ORIENTATION = 0x0112

#: Fewer pixels than this on a side hold no line of text (tesseract wants glyphs 10 px and more high).
MIN_SIDE_PIXELS = 32

# pdfium is not thread-safe: one document operation at a time per process (OCR itself runs outside).
_PDFIUM_LOCK = threading.Lock()


def load_pages(
    data: bytes, mime: str | None = None, settings: Settings | None = None, *, prepare: bool = True
) -> list[Image.Image]:
    """The pages as grayscale images at ``settings.ocr_dpi``, e.g. to draw word boxes on; with
    ``prepare=False`` as they came (only brought to that resolution): the OCR limit's pages."""
    settings = settings or get_settings()
    if document_mime(data, mime) == PDF:
        return list(pdf_pages(data, settings, want_text_layer=False, prepare=prepare))  # type: ignore[arg-type]
    return list(image_pages(data, settings, prepare=prepare))


def document_mime(data: bytes, mime_type: str | None) -> str:
    """The document's type (given or sniffed from its first bytes); refuses what the kit cannot read."""
    if not data:
        raise EmptyDocument("The file is empty (0 bytes): upload the document again.")
    mime = mime_type or sniff_mime(data)
    if mime == PDF or (mime and mime.startswith("image/")):
        return mime
    raise UnsupportedDocument(
        f"This is not a document the kit reads (type {mime or 'unknown'}): send a PDF, PNG, JPEG or TIFF."
    )


# --------------------------------------------------------------------------------------------
# PDF


def pdf_pages(
    data: bytes, settings: Settings, *, want_text_layer: bool, prepare: bool = True
) -> Iterator[OcrPageResult | Image.Image]:
    """Each page as an OcrPageResult (complete text layer) or a rasterized, prepared grayscale image."""
    with _PDFIUM_LOCK:
        pdf = _open_pdf(data)
    try:
        with _PDFIUM_LOCK:
            count = len(pdf)
        if count == 0:
            raise EmptyDocument("The PDF has no pages: export the document again.")
        if count > settings.max_pages:
            raise TooManyPages(
                f"The PDF has {count} pages; at most {settings.max_pages} are read "
                "(CREDIT_OCR_MAX_PAGES): split it into smaller documents."
            )
        for index in range(count):
            with _PDFIUM_LOCK:
                item = _pdf_page(pdf, index, settings, want_text_layer)
            yield (
                item
                if isinstance(item, OcrPageResult) or not prepare
                else prepare_page(item, None, settings.ocr_dpi).image
            )
    finally:
        with _PDFIUM_LOCK:
            pdf.close()


def _pdf_page(pdf, index: int, settings: Settings, want_text_layer: bool) -> OcrPageResult | Image.Image:
    """One page, its size checked before it is rendered (the caller holds the pdfium lock)."""
    scale = settings.ocr_dpi / 72
    page = _printed_page(pdf, index)
    try:
        width_pt, height_pt = page.get_size()
        width, height = round(width_pt * scale), round(height_pt * scale)
        if width * height > settings.max_pixels:
            raise ImageTooLarge(
                f"Page {index + 1} is {width_pt / 72:.0f} x {height_pt / 72:.0f} inches, "
                f"{width * height:,} pixels at {settings.ocr_dpi} dpi (limit "
                f"{settings.max_pixels:,}, CREDIT_OCR_MAX_PIXELS): is it really a form page? "
                "Lower CREDIT_OCR_OCR_DPI or resize the page."
            )
        if want_text_layer and (result := text_layer_page(page, index + 1, scale, width, height)):
            return result
        return page.render(scale=scale, grayscale=True).to_pil().convert("L")
    except pdfium.PdfiumError as exc:
        raise CorruptDocument(
            f"Page {index + 1} of the PDF cannot be read ({exc}): the file is damaged; export or scan it again."
        ) from exc
    finally:
        page.close()


def _printed_page(pdf: pdfium.PdfDocument, index: int) -> pdfium.PdfPage:
    """The page as it prints: a fillable form's answers live in its fields (widgets), not in the page's text,
    so a form filled in on screen and mailed back read as empty labels (0/21). Flattening prints the fields'
    appearance into the page, where the text layer and the renderer find them."""
    page = pdf[index]
    if pdf.formenv is None or page.flatten(pdfium_c.FLAT_PRINT) != pdfium_c.FLATTEN_SUCCESS:
        return page
    page.close()
    return pdf[index]  # a flattened page is read again: its old handle still shows the page before


def _open_pdf(data: bytes) -> pdfium.PdfDocument:
    try:
        pdf = pdfium.PdfDocument(data)
        pdf.init_forms()  # before any page is loaded: only then can a page's form fields be flattened
        return pdf
    except pdfium.PdfiumError as exc:
        if b"/Encrypt" in data:
            raise EncryptedDocument(
                "The PDF is password-protected: remove the password (print to PDF, or "
                "`qpdf --decrypt --password=... in.pdf out.pdf`) and upload it again."
            ) from exc
        if re.search(rb"/Type\s*/Pages", data) and not re.search(rb"/Type\s*/Page(?![a-zA-Z])", data):
            raise EmptyDocument("The PDF has no pages: export the document again.") from exc
        raise CorruptDocument(
            f"The PDF cannot be opened ({exc}): it is truncated or damaged; export or scan it again."
        ) from exc


# --------------------------------------------------------------------------------------------
# images


def image_pages(data: bytes, settings: Settings, *, prepare: bool = True) -> Iterator[Image.Image]:
    """The frames of an image file (PNG, JPEG, TIFF: multi-page, bi-level, group 4) as prepared grayscale
    pages at ``settings.ocr_dpi`` (:func:`~credit_ocr.reading.prepare.prepare_page`), size checked first."""
    previous, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, settings.max_pixels  # checked at open
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLarge(
            f"The image is too large to decode safely ({exc}); limit {settings.max_pixels:,} pixels "
            "(CREDIT_OCR_MAX_PIXELS): scan it at 200-300 dpi instead."
        ) from exc
    except Image.UnidentifiedImageError as exc:  # its message names a BytesIO object: of no use to anyone
        raise CorruptDocument(
            "The image cannot be read (Pillow recognises no image in it): it is truncated or damaged; "
            "scan or export it again."
        ) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise CorruptDocument(
            f"The image cannot be read ({exc}): it is truncated or damaged; scan or export it again."
        ) from exc
    finally:
        Image.MAX_IMAGE_PIXELS = previous  # other readers (reportlab, notebooks) keep Pillow's own
    with image:
        frames = getattr(image, "n_frames", 1)
        if frames > settings.max_pages:
            raise TooManyPages(
                f"The image has {frames} pages; at most {settings.max_pages} are read "
                "(CREDIT_OCR_MAX_PAGES): split it into smaller documents."
            )
        for number, frame in enumerate(ImageSequence.Iterator(image), 1):
            yield _frame(frame, number, settings, prepare)


def _frame(frame: Image.Image, number: int, settings: Settings, prepare: bool = True) -> Image.Image:
    width, height = frame.size
    if width * height > settings.max_pixels:
        raise ImageTooLarge(
            f"Page {number} is {width} x {height} = {width * height:,} pixels (limit "
            f"{settings.max_pixels:,}, CREDIT_OCR_MAX_PIXELS): scan it at 200-300 dpi instead."
        )
    if width == 0 or height == 0:
        raise CorruptDocument(f"Page {number} of the image is empty ({width} x {height} pixels).")
    if min(width, height) < MIN_SIDE_PIXELS:
        raise ImageTooSmall(
            f"Page {number} of the image is {width} x {height} pixels: too small to hold a line of text "
            f"(at least {MIN_SIDE_PIXELS} on each side). Upload the scan itself, at 200-300 dpi."
        )
    try:
        turned = number == 1 and frame.getexif().get(ORIENTATION, 1) != 1  # a phone's "rotate on view"
        upright = ImageOps.exif_transpose(frame) if turned else frame.copy()  # the next frame reuses it
        if not prepare:
            return to_dpi(square_pixels(upright).convert("L"), page_dpi(frame), settings.ocr_dpi)[0]
        return prepare_page(upright, page_dpi(frame), settings.ocr_dpi).image
    except (OSError, SyntaxError, ValueError) as exc:
        raise CorruptDocument(
            f"The image cannot be decoded ({exc}): it is truncated or damaged; scan it again."
        ) from exc


# --------------------------------------------------------------------------------------------
# clean-up before OCR


#: Rules are looked for on the page at 1/4 scale first, then measured at full size where they may be.
PROBE_SCALE = 4


def remove_rules(image: Image.Image) -> Image.Image:
    """The page without long horizontal and vertical lines (table grids, underlines) and dot leaders."""
    return ruled_page(image)[0]


def ruled_page(image: Image.Image) -> tuple[Image.Image, tuple[Ruling, ...]]:
    """The page without long horizontal and vertical lines (table grids, underlines) and dot leaders, and
    the rules it had: where a table's columns and rows are, however narrow the gaps between the words.

    Tesseract takes a ruled table cell for a picture and drops its text (the reference form loses
    two thirds of its fields); erasing the rules first keeps every cell readable. A morphological
    opening with a long thin line keeps exactly the dark runs at least that long: no glyph is.
    """
    source = np.asarray(image, dtype=np.uint8)
    min_run = max(40, min(source.shape) // 17)  # ~0.5 inch at 200 dpi
    banded = _light_bands(source, min_run)
    gray = source if banded is None else banded
    filled = _white_fills(gray)
    gray = gray if filled is None else filled
    dark = (gray < 200).astype(np.uint8)
    erase = np.zeros_like(dark)
    rulings: list[Ruling] = []
    for axis in (0, 1):  # rules along the rows (horizontal), along the columns (vertical)
        for band in _rule_bands(dark, min_run, axis):
            rules = _rules(dark[band], min_run, axis)
            erase[band] |= rules
            rulings.extend(_rulings(rules, band, axis))
    erase |= leader_mask((gray < 170).astype(np.uint8))  # and dot leaders: read as 'ceeseess:::'
    if not erase.any():
        return (image if gray is source else Image.fromarray(gray, mode="L")), ()
    cleaned = gray.copy()
    cleaned[erase.astype(bool)] = 255
    return Image.fromarray(cleaned, mode="L"), tuple(rulings)


def _rulings(rules: np.ndarray, band: tuple[slice, slice], axis: int) -> list[Ruling]:
    """A band's rules as lines: each run of it along the band, at its middle across (a band may hold
    two rules, a grey header cell's top and bottom)."""
    top, left = band[0].start or 0, band[1].start or 0
    out = []
    for low, high in _runs(rules.any(axis=1 - axis)):  # across the band: one rule after another
        middle = (low + high) / 2 + (top if axis == 0 else left)
        part = rules[low:high] if axis == 0 else rules[:, low:high]
        for start, end in _runs(part.any(axis=axis)):  # along it: each stretch of the rule
            out.append(
                Ruling(left + start, left + end, middle, middle)
                if axis == 0
                else Ruling(middle, middle, top + start, top + end)
            )
    return out


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of each run of true values."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], flags.view(np.uint8), [0]))))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


#: A dark band behind a table's header cells (white words on it), as tall as this in pixels at most, and
#: this share of its box dark at 1/4 scale: a grid's lines or a bold heading are far from solid.
BAND_HEIGHT = (8, 90)
BAND_FILL = 0.7


def _light_bands(gray: np.ndarray, min_run: int) -> np.ndarray | None:
    """The page with its dark header bands inverted (light with dark words), None when it has none.

    Erasing rules would take a band for a thick rule and leave its white words on white: the headers of a
    table printed white on dark would be lost. Looked for at 1/4 scale, where a band's words blur into it.
    """
    s = PROBE_SCALE
    small = cv2.resize(gray, (gray.shape[1] // s, gray.shape[0] // s), interpolation=cv2.INTER_AREA)
    count, _, stats, _ = cv2.connectedComponentsWithStats((small < 110).astype(np.uint8), connectivity=8)
    boxes = [
        (x * s, y * s, (x + w) * s, (y + h) * s)
        for x, y, w, h, area in stats[1:count]
        if w * s >= min_run and BAND_HEIGHT[0] <= h * s <= BAND_HEIGHT[1] and area >= BAND_FILL * w * h
    ]
    if not boxes:
        return None
    out = gray.copy()
    for left, top, right, bottom in boxes:
        band = out[top:bottom, left:right].astype(np.float32)
        ground = float(np.median(band))  # the band's own dark: white paper again, its white words black
        lighter = np.clip((band - ground) * 255 / max(1.0, 255 - ground), 0, 255)
        out[top:bottom, left:right] = (255 - lighter).astype(np.uint8)
    return out


#: A page is filled grey in places (label cells, a shaded box) when this share of it, at 1/4 scale, is a flat
#: mid grey ...
FILL_SHARE = 0.03
FILL_GREY = (110, 215)
#: ... flat: the lightest and darkest pixel around differ by less than this.
FILL_FLAT = 14
#: The neighbourhood (pixels at full scale) whose lightest pixel is the paper or the cell's fill: wider than
#: a bold stroke.
FILL_AROUND = 15


def _white_fills(gray: np.ndarray) -> np.ndarray | None:
    """The page with its grey fills made white and the words on them kept dark, None when it has none.

    A label printed on a grey cell is lost twice: erasing rules takes the grey for a dark run, and tesseract's
    threshold for the page puts the cell on the ink's side. Each pixel divided by the lightest one near it
    (the fill, or the paper) leaves the words and the paper as they were and the fill white.
    """
    s = PROBE_SCALE
    small = cv2.resize(gray, (gray.shape[1] // s, gray.shape[0] // s), interpolation=cv2.INTER_AREA)
    kernel = np.ones((3, 3), np.uint8)
    flat = (cv2.dilate(small, kernel).astype(np.int16) - cv2.erode(small, kernel)) < FILL_FLAT
    grey = (small > FILL_GREY[0]) & (small < FILL_GREY[1]) & flat
    if grey.mean() < FILL_SHARE:
        return None
    around = cv2.dilate(gray, np.ones((FILL_AROUND, FILL_AROUND), np.uint8))
    return cv2.divide(gray, around, scale=255)


def _rules(dark: np.ndarray, min_run: int, axis: int) -> np.ndarray:
    """The dark runs of at least ``min_run`` along ``axis`` (0: rows), with the anti-aliased fringe beside them."""
    if axis == 0:  # a line (width, height), and the fringe (rows, columns) above and below it
        line, fringe = (min_run, 1), (3, 1)
    else:
        line, fringe = (1, min_run), (1, 3)
    rules = cv2.morphologyEx(dark, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, line))
    return cv2.dilate(rules, np.ones(fringe, np.uint8))


def _rule_bands(dark: np.ndarray, min_run: int, axis: int) -> list[tuple[slice, slice]]:
    """The bands of rows (``axis`` 0) or columns (1) where a run of ``min_run`` may lie, found on the page at
    1/4 scale, a block dark when any of its pixels is: a run there is at least a quarter as long, so no
    rule is missed, and the exact opening works on a few thin bands instead of the whole page."""
    s = PROBE_SCALE
    padded = cv2.copyMakeBorder(
        dark, 0, -dark.shape[0] % s, 0, -dark.shape[1] % s, cv2.BORDER_CONSTANT, value=0
    )
    size = (padded.shape[1] // s, padded.shape[0] // s)
    small = (cv2.resize(padded * 255, size, interpolation=cv2.INTER_AREA) > 0).astype(np.uint8)
    found = _rules(small, min_run // s, axis)
    lines = np.flatnonzero(found.any(axis=1 - axis))
    if lines.size == 0:
        return []  # most pages' columns: no vertical rule at all
    bands = []
    for group in np.split(lines, np.flatnonzero(np.diff(lines) > 1) + 1):  # neighbouring lines, one band
        cut = slice(max(0, int(group[0]) * s - 2), (int(group[-1]) + 1) * s + 2)  # and the fringe's rows
        bands.append((cut, slice(None)) if axis == 0 else (slice(None), cut))
    return bands

"""Reading a document's text: PDF pages through pypdfium2, images through Pillow, words through tesseract.

Every page comes back as words with boxes and confidences plus *rebuilt lines*: words of one visual row
joined left to right, a wide horizontal gap kept as two spaces, so that a form's label and its value
stay on one line (the rules extractor relies on it). A PDF page whose text layer is complete is read
from that layer instead of OCR (``settings.use_text_layer``); the result says which path was taken.

Untrusted input is refused early and by name (:class:`OcrError` subclasses): encrypted, corrupt or empty
files, too many pages, and pages too large to decode (decompression bombs are measured from the PDF
page size or the image header, before any pixel is decoded). Tesseract itself (:mod:`credit_ocr.reading.tesseract`:
the library loaded once per worker, in a child process) runs under an address-space and CPU-time limit
with ``OMP_THREAD_LIMIT=1``.
"""

from __future__ import annotations

import io
import os
import re
import statistics
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image, ImageDraw, ImageOps, ImageSequence

from credit_ocr.config import Settings, get_settings

# Tesseract's OpenMP threads cost 3-5x throughput when several OCR processes share the cores.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

__all__ = [
    "CorruptDocument",
    "EmptyDocument",
    "EncryptedDocument",
    "ImageTooLarge",
    "OcrError",
    "OcrPageResult",
    "OcrResourceLimit",
    "OcrResult",
    "OcrUnavailable",
    "TooManyPages",
    "UnsupportedDocument",
    "draw_word_boxes",
    "load_pages",
    "ocr_bytes",
    "ocr_file",
]

PDF = "application/pdf"
#: A text layer with fewer visible characters than this on a page is not trusted (a scan's stray text).
MIN_TEXT_LAYER_CHARS = 20
#: A page with images covering more than this share of its area is read by OCR (a scan, maybe with a
#: partial invisible text layer).
MAX_IMAGE_COVER = 0.5
#: A word gap wider than this many line heights and this many mean character widths is marked by two
#: spaces (label | value); the width rule keeps a monospaced font's spaces single.
WIDE_GAP = 1.5
WIDE_GAP_CHARS = 3.0
WIDE_GAP_MARK = "  "

# pdfium is not thread-safe: one document operation at a time per process (OCR itself runs outside).
_PDFIUM_LOCK = threading.Lock()


# --------------------------------------------------------------------------------------------
# errors


class OcrError(RuntimeError):
    """Reading a document failed; ``permanent`` says that retrying the same input will not help."""

    permanent: bool = True


class CorruptDocument(OcrError):
    """The file is truncated or not what it claims to be."""


class EncryptedDocument(OcrError):
    """The PDF needs a password to open."""


class EmptyDocument(OcrError):
    """The document has no pages."""


class TooManyPages(OcrError):
    """More pages than ``settings.max_pages``."""


class ImageTooLarge(OcrError):
    """A page has more pixels than ``settings.max_pixels`` (refused before decoding)."""


class UnsupportedDocument(OcrError):
    """Neither a PDF nor an image type the kit reads."""


class OcrUnavailable(OcrError):
    """The tesseract binary is missing: a setup problem of this machine, not of the document."""

    permanent = False


class OcrResourceLimit(OcrError):
    """Tesseract exceeded its memory, CPU-time or wall-time limit on this document."""


# --------------------------------------------------------------------------------------------
# results


@dataclass
class OcrPageResult:
    """One page: rebuilt lines, words with boxes (pixels at ``settings.ocr_dpi``) and where they came from."""

    page: int
    text: str
    lines: list[str]
    words: list[dict]
    mean_confidence: float | None
    source: Literal["ocr", "text-layer"]
    width: int
    height: int


@dataclass
class OcrResult:
    """All pages of one document, the path taken (OCR, text layer or both) and the seconds it took."""

    pages: list[OcrPageResult]
    path: Literal["ocr", "text-layer", "mixed"]
    seconds: float

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.pages)

    @property
    def mean_confidence(self) -> float | None:
        """Mean word confidence of the OCR'd pages (None when every page came from a text layer)."""
        values = [p.mean_confidence for p in self.pages if p.mean_confidence is not None]
        return round(statistics.fmean(values), 2) if values else None


# --------------------------------------------------------------------------------------------
# public entry points


def ocr_file(path: str | Path) -> OcrResult:
    """Read one file from disk (see :func:`ocr_bytes`)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise CorruptDocument(f"{path} does not exist: check the path.") from exc
    return ocr_bytes(data)


def ocr_bytes(data: bytes, mime_type: str | None = None) -> OcrResult:
    """Text, words and lines of a PDF or image, by its text layer where complete, else by tesseract."""
    settings = get_settings()
    started = time.perf_counter()
    mime = _mime(data, mime_type)
    pages: list[OcrPageResult] = []
    if mime == PDF:
        for number, item in enumerate(_pdf_pages(data, settings, want_text_layer=settings.use_text_layer), 1):
            if isinstance(item, OcrPageResult):
                pages.append(item)
            else:
                pages.append(_ocr_page(item, number, settings))
    else:
        for number, image in enumerate(_image_pages(data, settings), 1):
            pages.append(_ocr_page(image, number, settings))
    sources = {p.source for p in pages}
    path: Literal["ocr", "text-layer", "mixed"] = (
        "mixed" if len(sources) > 1 else ("text-layer" if sources == {"text-layer"} else "ocr")
    )
    return OcrResult(pages=pages, path=path, seconds=round(time.perf_counter() - started, 4))


def load_pages(data: bytes, mime: str | None = None) -> list[Image.Image]:
    """The pages as grayscale images (PDF rasterized at ``settings.ocr_dpi``), e.g. to draw word boxes on."""
    settings = get_settings()
    mime = _mime(data, mime)
    if mime == PDF:
        return list(_pdf_pages(data, settings, want_text_layer=False))  # type: ignore[arg-type]
    return list(_image_pages(data, settings))


def draw_word_boxes(image: Image.Image, words: list[dict]) -> Image.Image:
    """A colour copy of ``image`` with each word's box drawn: green confident, orange unsure, red doubtful."""
    canvas = image.convert("RGB")
    draw = ImageDraw.Draw(canvas)
    for word in words:
        conf = word.get("conf")
        colour = (0, 160, 0) if conf is None or conf >= 80 else ((230, 140, 0) if conf >= 50 else (220, 0, 0))
        left, top = word["left"], word["top"]
        draw.rectangle((left, top, left + word["width"], top + word["height"]), outline=colour, width=2)
    return canvas


# --------------------------------------------------------------------------------------------
# input: type, PDF pages, images


def _mime(data: bytes, mime_type: str | None) -> str:
    from credit_ocr.state.documents import sniff_mime

    if not data:
        raise EmptyDocument("The file is empty (0 bytes): upload the document again.")
    mime = mime_type or sniff_mime(data)
    if mime == PDF or (mime and mime.startswith("image/")):
        return mime
    raise UnsupportedDocument(
        f"This is not a document the kit reads (type {mime or 'unknown'}): send a PDF, PNG, JPEG or TIFF."
    )


def _pdf_pages(data: bytes, settings: Settings, *, want_text_layer: bool):
    """Yield each page as an OcrPageResult (complete text layer) or a rasterized grayscale image."""
    import pypdfium2 as pdfium

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
        scale = settings.ocr_dpi / 72
        for index in range(count):
            with _PDFIUM_LOCK:
                page = pdf[index]
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
                    result = None
                    if want_text_layer:
                        result = _text_layer_page(page, index + 1, scale, width, height)
                    if result is None:
                        image = page.render(scale=scale, grayscale=True).to_pil().convert("L")
                except pdfium.PdfiumError as exc:
                    raise CorruptDocument(
                        f"Page {index + 1} of the PDF cannot be read ({exc}): the file is damaged; "
                        "export or scan it again."
                    ) from exc
                finally:
                    page.close()
            yield result if result is not None else deskew(image)
    finally:
        with _PDFIUM_LOCK:
            pdf.close()


def _open_pdf(data: bytes):
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(data)
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


def _image_pages(data: bytes, settings: Settings):
    """Yield the frames of an image file as grayscale images, upright (EXIF), size checked first."""
    Image.MAX_IMAGE_PIXELS = settings.max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLarge(_too_large_message(exc)) from exc
    except (Image.UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise CorruptDocument(
            f"The image cannot be read ({exc}): it is truncated or damaged; scan or export it again."
        ) from exc
    with image:
        frames = getattr(image, "n_frames", 1)
        if frames > settings.max_pages:
            raise TooManyPages(
                f"The image has {frames} pages; at most {settings.max_pages} are read "
                "(CREDIT_OCR_MAX_PAGES): split it into smaller documents."
            )
        for number, frame in enumerate(ImageSequence.Iterator(image), 1):
            width, height = frame.size
            if width * height > settings.max_pixels:
                raise ImageTooLarge(
                    f"Page {number} is {width} x {height} = {width * height:,} pixels (limit "
                    f"{settings.max_pixels:,}, CREDIT_OCR_MAX_PIXELS): scan it at 200-300 dpi instead."
                )
            if width == 0 or height == 0:
                raise CorruptDocument(f"Page {number} of the image is empty ({width} x {height} pixels).")
            try:
                upright = ImageOps.exif_transpose(frame) if number == 1 else frame.copy()
                yield deskew(upright.convert("L"))
            except (OSError, SyntaxError, ValueError) as exc:
                raise CorruptDocument(
                    f"The image cannot be decoded ({exc}): it is truncated or damaged; scan it again."
                ) from exc


def _too_large_message(exc: Exception) -> str:
    return (
        f"The image is too large to decode safely ({exc}); limit {get_settings().max_pixels:,} pixels "
        "(CREDIT_OCR_MAX_PIXELS): scan it at 200-300 dpi instead."
    )


# --------------------------------------------------------------------------------------------
# text layer


def _text_layer_page(page, number: int, scale: float, width: int, height: int) -> OcrPageResult | None:
    """The page read from its text layer, or None when that layer is missing, thin or over a scan."""
    import pypdfium2.raw as pdfium_c

    _, page_height = page.get_size()
    page_area = max(1.0, page.get_size()[0] * page_height)
    covered = 0.0
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]):
        left, bottom, right, top = obj.get_bounds() if hasattr(obj, "get_bounds") else obj.get_pos()
        covered += max(0.0, right - left) * max(0.0, top - bottom)
    if covered / page_area > MAX_IMAGE_COVER:
        return None
    textpage = page.get_textpage()
    try:
        chars = []
        for i in range(textpage.count_chars()):
            code = pdfium_c.FPDFText_GetUnicode(textpage.raw, i)
            chars.append((chr(code) if code else "\ufffd", textpage.get_charbox(i, loose=True)))
    finally:
        textpage.close()
    visible = [c for c, _ in chars if not c.isspace()]
    if len(visible) < MIN_TEXT_LAYER_CHARS or visible.count("\ufffd") > 0.05 * len(visible):
        return None

    words: list[dict] = []
    current: list[tuple[str, tuple[float, float, float, float]]] = []

    def flush() -> None:
        if not current:
            return
        left = min(b[0] for _, b in current)
        right = max(b[2] for _, b in current)
        top = max(b[3] for _, b in current)
        bottom = min(b[1] for _, b in current)
        words.append(
            {
                "text": "".join(c for c, _ in current),
                "left": round(left * scale),
                "top": round((page_height - top) * scale),
                "width": max(1, round((right - left) * scale)),
                "height": max(1, round((top - bottom) * scale)),
                "conf": 100.0,
            }
        )
        current.clear()

    for char, box in chars:
        if char.isspace() or char in "\x00\ufffe\uffff":
            flush()
            continue
        if current:
            prev = current[-1][1]
            line_height = max(1e-3, prev[3] - prev[1])
            same_row = abs((box[1] + box[3]) / 2 - (prev[1] + prev[3]) / 2) < 0.5 * line_height
            if not same_row or box[0] - prev[2] > 0.3 * line_height or box[2] < prev[0]:
                flush()
        current.append((char, box))
    flush()
    lines = rebuild_lines(words, [None] * len(words))
    return OcrPageResult(
        page=number,
        text="\n".join(lines),
        lines=lines,
        words=words,
        mean_confidence=None,
        source="text-layer",
        width=width,
        height=height,
    )


# --------------------------------------------------------------------------------------------
# lines from word boxes


def rebuild_lines(words: list[dict], keys: list[object]) -> list[str]:
    """Group words into visual rows and join each row left to right; sets ``word["line"]``.

    ``keys`` groups words that already belong together (tesseract's block/paragraph/line; None: alone).
    Groups whose vertical extents overlap by half the smaller height join one row, unless a word of the
    row already sits at the same horizontal place (then they are two lines, not two columns).
    """
    groups: dict[object, list[dict]] = {}
    for i, (word, key) in enumerate(zip(words, keys, strict=True)):
        groups.setdefault(key if key is not None else ("word", i), []).append(word)

    def extent(ws: list[dict]) -> tuple[float, float]:
        return min(w["top"] for w in ws), max(w["top"] + w["height"] for w in ws)

    ordered = sorted(groups.values(), key=lambda ws: sum(extent(ws)) / 2)
    rows: list[list[dict]] = []
    row_extents: list[tuple[float, float]] = []
    for ws in ordered:
        top, bottom = extent(ws)
        placed = False
        for r in range(len(rows) - 1, max(-1, len(rows) - 4), -1):  # the last few rows are candidates
            rtop, rbottom = row_extents[r]
            overlap = min(bottom, rbottom) - max(top, rtop)
            if overlap >= 0.5 * min(bottom - top, rbottom - rtop) and not _collides(rows[r], ws):
                rows[r].extend(ws)
                row_extents[r] = (min(top, rtop), max(bottom, rbottom))
                placed = True
                break
        if not placed:
            rows.append(list(ws))
            row_extents.append((top, bottom))

    order = sorted(range(len(rows)), key=lambda r: (row_extents[r][0] + row_extents[r][1]) / 2)
    lines: list[str] = []
    for number, r in enumerate(order):
        row = sorted(rows[r], key=lambda w: w["left"])
        heights = sorted(w["height"] for w in row)
        line_height = heights[len(heights) // 2]
        char_width = sum(w["width"] for w in row) / max(1, sum(len(w["text"]) for w in row))
        wide = max(WIDE_GAP * line_height, WIDE_GAP_CHARS * char_width)
        parts: list[str] = []
        previous_right = None
        for word in row:
            word["line"] = number
            if previous_right is not None:
                gap = word["left"] - previous_right
                parts.append(WIDE_GAP_MARK if gap > wide else " ")
            parts.append(word["text"])
            previous_right = word["left"] + word["width"]
        lines.append("".join(parts))
    return lines


def _collides(row: list[dict], ws: list[dict]) -> bool:
    for a in ws:
        for b in row:
            if min(a["left"] + a["width"], b["left"] + b["width"]) - max(a["left"], b["left"]) > 0:
                return True
    return False


# --------------------------------------------------------------------------------------------
# OCR


def deskew(image: Image.Image, max_angle: float = 3.0, step: float = 0.1) -> Image.Image:
    """The page turned straight: a scan skewed by a degree breaks table rules into short steps that
    :func:`remove_rules` cannot see, and tilts rows so that label and value drift apart.

    The angle is the one whose rotation makes the row profile of dark pixels sharpest (text lines and
    rules all horizontal); pages already straight come back unchanged.
    """
    best = skew_angle(image, max_angle, step)
    if best is None:
        return image
    return image.rotate(best, resample=DESKEW_RESAMPLE, fillcolor=255)


#: How the deskewed page is resampled: bilinear reads as well as bicubic on the samples, at 40% of its cost.
DESKEW_RESAMPLE = Image.Resampling.BILINEAR


def skew_angle(image: Image.Image, max_angle: float = 3.0, step: float = 0.1) -> float | None:
    """The rotation (degrees, PIL's sense) that straightens the page, or None when it is straight.

    Each candidate angle projects the dark pixels of a 1/4-size copy onto the rotated vertical axis
    (a bincount, no image is rotated): 23 candidates cost about 2 ms, coarse 0.5° steps over the whole
    range, then ``step`` around the best.
    """
    small = image.reduce(4) if min(image.size) > 800 else image
    ys, xs = np.nonzero(np.asarray(small) < 160)
    if ys.size == 0:
        return None
    ys = ys.astype(np.float64)
    xs = xs.astype(np.float64) - small.width / 2

    def sharpness(angle: float) -> float:
        theta = np.deg2rad(angle)
        rows = np.rint(ys * np.cos(theta) - xs * np.sin(theta)).astype(np.int64)
        profile = np.bincount(rows - rows.min()).astype(np.float64)
        return float(np.square(np.diff(profile)).sum())

    coarse = np.arange(-max_angle, max_angle + 0.25, 0.5)
    around = float(coarse[int(np.argmax([sharpness(round(float(a), 2)) for a in coarse]))])
    angles = np.arange(around - 0.5, around + 0.5 + step / 2, step)
    scores = [sharpness(round(float(a), 2)) for a in angles]
    best = round(float(angles[int(np.argmax(scores))]), 2)
    if abs(best) < 0.05 or max(scores) <= sharpness(0.0) * 1.01:
        return None
    return best


def remove_rules(image: Image.Image) -> Image.Image:
    """The page without long horizontal and vertical lines (table grids, underlines).

    Tesseract takes a ruled table cell for a picture and drops its text (the reference form loses
    two thirds of its fields); erasing the rules first keeps every cell readable.
    """
    gray = np.asarray(image, dtype=np.uint8)
    height, width = gray.shape
    min_run = max(40, min(width, height) // 17)  # ~0.5 inch at 200 dpi: no glyph is that long
    dark = gray < 200
    erase = np.zeros_like(dark)
    for axis in (1, 0):
        view = dark if axis == 1 else dark.T
        target = erase if axis == 1 else erase.T
        rows = np.flatnonzero(view.sum(axis=1) >= min_run)
        if rows.size == 0:
            continue
        covered = _run_cover(view[rows], min_run)
        target[rows] |= covered
        # the anti-aliased fringe next to a rule
        target[np.clip(rows - 1, 0, target.shape[0] - 1)] |= covered
        target[np.clip(rows + 1, 0, target.shape[0] - 1)] |= covered
    if not erase.any():
        return image
    cleaned = gray.copy()
    cleaned[erase] = 255
    return Image.fromarray(cleaned, mode="L")


def _run_cover(mask: np.ndarray, length: int) -> np.ndarray:
    """Per row, the cells that belong to a run of at least ``length`` consecutive True cells."""
    n_rows, n_cols = mask.shape
    if n_cols < length:
        return np.zeros_like(mask)
    cum = np.zeros((n_rows, n_cols + 1), dtype=np.int32)
    np.cumsum(mask, axis=1, out=cum[:, 1:])
    full = (cum[:, length:] - cum[:, :-length]) == length  # a run of `length` starts here
    starts = np.zeros((n_rows, full.shape[1] + 1), dtype=np.int32)
    np.cumsum(full, axis=1, out=starts[:, 1:])
    col = np.arange(n_cols)
    lo = np.clip(col - length + 1, 0, full.shape[1])
    hi = np.clip(col + 1, 0, full.shape[1])
    return (starts[:, hi] - starts[:, lo]) > 0


def limit_message(settings: Settings, what: str) -> str:
    return (
        f"Tesseract was stopped by its limits ({what}; {settings.ocr_memory_mb} MiB, "
        f"{settings.ocr_cpu_seconds} s CPU: CREDIT_OCR_OCR_MEMORY_MB, CREDIT_OCR_OCR_CPU_SECONDS). "
        "The page is too large or too complex: scan it at 200-300 dpi, or raise the limits."
    )


def _ocr_page(image: Image.Image, number: int, settings: Settings) -> OcrPageResult:
    from credit_ocr.reading import tesseract

    words = tesseract.words(remove_rules(image), settings)  # image: deskewed by the loaders
    keys = [w.pop("_key") for w in words]
    lines = rebuild_lines(words, keys)
    confs = [w["conf"] for w in words if w["conf"] >= 0]
    return OcrPageResult(
        page=number,
        text="\n".join(lines),
        lines=lines,
        words=words,
        mean_confidence=round(statistics.fmean(confs), 2) if confs else None,
        source="ocr",
        width=image.width,
        height=image.height,
    )

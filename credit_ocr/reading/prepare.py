"""Page preparation: each step only where a cheap measurement says the page needs it.

Mail arrives as it comes: scanned at 300 dpi, sideways, slightly skewed, photographed on a desk. Every
page is brought to the pipeline's resolution (``settings.ocr_dpi``: reading more pixels costs CPU and
reads no better), then measured, and only what the measurement asks for is done:

- a photo (the sheet lies on a darker desk): the sheet is found and flattened (:mod:`.photo`);
- a sideways page (its text runs up or down): turned upright by tesseract's orientation detection
  (:mod:`.orient`); an upside-down page is caught after OCR, by its low word confidence (:mod:`.ocr`);
- a skewed page: turned straight (:func:`deskew`).

A clean, straight page pays a few milliseconds of measurement and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image, ImageFilter

from credit_ocr.reading import orient, photo

__all__ = [
    "A4_INCHES",
    "Prepared",
    "deskew",
    "page_dpi",
    "prepare_page",
    "rotate",
    "skew_angle",
    "square_pixels",
    "to_dpi",
]

# One thread: OpenCV's own pool would fight the other OCR processes for the cores (the OMP_THREAD_LIMIT
# lesson again); every step here is a few milliseconds on one core.
cv2.setNumThreads(1)

#: An A4 sheet in inches (short side, long side): the page size assumed when an image says no dpi.
A4_INCHES = (8.27, 11.69)

#: Bi-level pages (faxes) are softened this much (px) before OCR: measured on 8 generated 150-dpi faxes,
#: 0.881 of fields read as they came, 0.905 softened, 0.625 with a median filter.
BILEVEL_BLUR = 0.8

#: Pixels whose width and height differ by less than this ratio count as square (a scanner's 300 x 299).
SQUARE_ENOUGH = 1.1


@dataclass
class Prepared:
    """A page ready for tesseract and the steps it took (``[]``: the page was clean and straight)."""

    image: Image.Image
    steps: list[str] = field(default_factory=list)


#: The prepared image's mark (``Image.info``) that it is a phone photo, flattened.
PHOTO = "credit_ocr_photo"
#: How far (degrees) a scanned page may lean, and a flattened photo's sheet (its outline found a little off).
SCAN_MAX_SKEW, PHOTO_MAX_SKEW = 3.0, 8.0


def prepare_page(image: Image.Image, dpi: float | None, ocr_dpi: int) -> Prepared:
    """The page in grayscale at ``ocr_dpi``, flattened, upright and straight where it needs to be."""
    steps: list[str] = []
    if (square := square_pixels(image)) is not image:
        image = square
        steps.append("pixels made square")
    gray = image if image.mode == "L" else image.convert("L")
    if image.mode == "1":  # a fax: black and white, its glyphs' edges cut to steps
        gray = gray.filter(ImageFilter.GaussianBlur(BILEVEL_BLUR))
        steps.append("smoothed")
    if photo.looks_like_photo(gray):
        flat = photo.flatten(gray, ocr_dpi)
        if flat is not None:
            gray, dpi = flat, None  # flattened to an A4 page at ocr_dpi
            steps.append("flattened")
    gray, scaled = to_dpi(gray, dpi, ocr_dpi)
    if scaled:
        steps.append(scaled)
    # a photo's sheet found a little askew is flattened that much askew: it may lean further than a scan
    most = PHOTO_MAX_SKEW if "flattened" in steps else SCAN_MAX_SKEW
    angle, sideways = skew_angle(gray, most, with_sideways=True)
    if sideways:
        turn = orient.upright_turn(gray, sideways=True)
        if turn:
            gray = gray.rotate(turn, expand=True)  # a quarter or half turn: pixels moved, none resampled
            steps.append(f"turned {turn}")
        angle = skew_angle(
            gray, most
        )  # upright all along when not turned: a grid's ruled columns were sharper
    if angle is not None:
        gray = rotate(gray, angle)
        steps.append(f"deskewed {angle:+.2f}")
    gray.info[PHOTO] = "flattened" in steps  # the OCR reads an unsure photo twice (ocr.UNSURE_PAGE)
    return Prepared(gray, steps)


def page_dpi(image: Image.Image) -> float:
    """The image's resolution: as it says (from 100 dpi up; the finer axis of a fax's 200 x 100), else
    from its size taken as an A4 page."""
    said = image.info.get("dpi")
    if said and max(float(d) for d in said) >= 100:
        return max(float(d) for d in said)
    return min(image.size) / A4_INCHES[0]


def square_pixels(image: Image.Image) -> Image.Image:
    """A fax sent at "normal" resolution (200 x 100 dpi) has pixels twice as tall as wide: its letters
    are squashed to half height and tesseract reads next to nothing. The coarser axis is stretched to
    the finer one's resolution, so the page has square pixels (``image`` itself when it has)."""
    said = image.info.get("dpi")
    if not said or min(float(d) for d in said) <= 0:
        return image
    x_dpi, y_dpi = (float(d) for d in said[:2])
    if max(x_dpi, y_dpi) / min(x_dpi, y_dpi) < SQUARE_ENOUGH:
        return image
    finer = max(x_dpi, y_dpi)
    size = (round(image.width * finer / x_dpi), round(image.height * finer / y_dpi))
    stretched = image.resize(
        size, Image.Resampling.NEAREST if image.mode == "1" else Image.Resampling.BILINEAR
    )
    stretched.info["dpi"] = (finer, finer)
    return stretched


def to_dpi(image: Image.Image, dpi: float | None, ocr_dpi: int) -> tuple[Image.Image, str]:
    """The image brought down to ``ocr_dpi`` (never up), and what was done ("" when nothing)."""
    if dpi is None or dpi <= ocr_dpi * 1.1:
        return image, ""
    factor = ocr_dpi / dpi
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    smaller = cv2.resize(np.asarray(image), size, interpolation=cv2.INTER_AREA)  # 3x Pillow's speed
    return Image.fromarray(smaller), f"{dpi:.0f} to {ocr_dpi} dpi"


def rotate(image: Image.Image, angle: float) -> Image.Image:
    """The page turned ``angle`` degrees counter-clockwise about its centre, paper filling the corners.

    Bilinear: it reads as well as bicubic on the samples; OpenCV's takes 6 ms a page, Pillow's 23 ms.
    """
    matrix = cv2.getRotationMatrix2D((image.width / 2, image.height / 2), angle, 1.0)
    turned = cv2.warpAffine(np.asarray(image), matrix, image.size, flags=cv2.INTER_LINEAR, borderValue=(255,))
    return Image.fromarray(turned)


def deskew(image: Image.Image, max_angle: float = 3.0, step: float = 0.1) -> Image.Image:
    """The page turned straight: a scan skewed by a degree breaks table rules into short steps that
    ``remove_rules`` cannot see, and tilts rows so that label and value drift apart."""
    best = skew_angle(image, max_angle, step)
    return image if best is None else rotate(image, best)


#: A pixel is ink when it is this much darker than the lightest around it (at 1/4 size a stroke is grey) ...
INK_CONTRAST = 60
#: ... and darker than this: a grey table cell (150) is no ink, the text printed on it is.
INK_LEVEL = 160


def _ink(small: np.ndarray) -> np.ndarray:
    """The ink of a 1/4-size page: dark against its surroundings, so a cell filled grey is not a dark block."""
    around = cv2.dilate(small, np.ones((5, 5), np.uint8))  # the lightest nearby: the paper, or a cell's fill
    return (small < INK_LEVEL) & (around.astype(np.int16) - small >= INK_CONTRAST)


def skew_angle(image: Image.Image, max_angle: float = 3.0, step: float = 0.1, *, with_sideways: bool = False):
    """The rotation (degrees, PIL's sense) that straightens the page, or None when it is straight.

    The angle is the one whose rotation makes the row profile of dark pixels sharpest (text lines and
    rules all horizontal). Each candidate projects the dark pixels of a 1/4-size copy onto the rotated
    vertical axis (a bincount, no image is rotated): coarse 0.5° steps, then ``step`` around the best.
    With ``with_sideways``, returns ``(angle, sideways)``: sideways when the columns, not the rows, make
    the sharpest profile (the text runs up or down the page; measured on the samples: rows 2.5-9.5x
    sharper on upright pages, 0.1-0.35x on turned ones).
    """
    small = image.reduce(4) if min(image.size) > 800 else image
    ys, xs = np.nonzero(_ink(np.asarray(small)))
    if ys.size == 0:
        return (None, False) if with_sideways else None
    ys = ys.astype(np.float64)
    xs = xs.astype(np.float64) - small.width / 2

    def sharpness(angle: float) -> float:
        theta = np.deg2rad(angle)
        rows = np.rint(ys * np.cos(theta) - xs * np.sin(theta)).astype(np.int64)
        profile = np.bincount(rows - rows.min()).astype(np.float64)
        return float(np.square(np.diff(profile)).sum())

    coarse = np.arange(-max_angle, max_angle + 0.25, 0.5)
    coarse_scores = [sharpness(round(float(a), 2)) for a in coarse]
    around = float(coarse[int(np.argmax(coarse_scores))])
    sideways = with_sideways and max(sharpness(90 + float(a)) for a in coarse) > 1.5 * max(coarse_scores)
    if sideways:
        return None, True
    angles = np.arange(around - 0.5, around + 0.5 + step / 2, step)
    scores = [sharpness(round(float(a), 2)) for a in angles]
    best: float | None = round(float(angles[int(np.argmax(scores))]), 2)
    if abs(best) < 0.05 or max(scores) <= sharpness(0.0) * 1.01:
        best = None
    return (best, False) if with_sideways else best

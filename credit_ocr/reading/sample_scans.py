"""Sample pages as a desk scanner makes them: rendered at 200 dpi, turned a little, blurred, noisy, off-white.

:mod:`credit_ocr.reading.samples` makes the text-layer PDF; these functions make its scanned PDF, PNG
and JPEG versions.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageFilter
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from credit_ocr.config import get_settings
from credit_ocr.reading.pages import PDF, load_pages

__all__ = ["DPI", "damage_page", "jpeg_bytes", "png_bytes", "rasterize", "scan_pdf"]

DPI = 200


def rasterize(pdf_bytes: bytes) -> list[Image.Image]:
    """The pages as the pipeline renders them (pypdfium2, grayscale), at the samples' 200 dpi."""
    settings = get_settings().model_copy(update={"ocr_dpi": DPI})
    return load_pages(pdf_bytes, PDF, settings)


def damage_page(page: Image.Image, rng: np.random.Generator, damage: dict[str, float]) -> Image.Image:
    paper = int(rng.integers(236, 251))
    img = page.rotate(damage["skew"], resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    arr = np.asarray(img, dtype=np.float32)
    arr = paper - (255 - arr) * (paper - 25) / 255  # off-white paper, slightly grey toner
    arr += rng.normal(0.0, damage["noise"], arr.shape)
    specks = rng.random(arr.shape) < 0.0004
    arr[specks] -= rng.uniform(60, 160, int(specks.sum()))
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).filter(
        ImageFilter.GaussianBlur(damage["blur"])
    )
    # a scanner's background removal: paper noise flattens, the noise in and around the print stays
    flat = np.asarray(img)
    return Image.fromarray(np.where(flat > paper - 16, paper, flat).astype(np.uint8))


def jpeg_bytes(img: Image.Image, quality: int = 72) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality, dpi=(DPI, DPI), optimize=True, progressive=True)
    return buf.getvalue()


def scan_pdf(pages: list[Image.Image]) -> bytes:
    """An image-only PDF: one grayscale JPEG per page, no text layer."""
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4, invariant=1)
    width, height = A4
    for img in pages:
        pdf.drawImage(ImageReader(io.BytesIO(jpeg_bytes(img))), 0, 0, width=width, height=height)
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


def png_bytes(img: Image.Image) -> bytes:
    """A 16-grey (4-bit) PNG: small, and still plenty for OCR."""
    levels = (np.asarray(img, dtype=np.uint16) * 15 + 127) // 255
    pal = Image.frombytes("P", img.size, levels.astype(np.uint8).tobytes())
    pal.putpalette([v * 17 for v in range(16) for _ in range(3)])
    buf = io.BytesIO()
    pal.save(buf, "PNG", optimize=True, bits=4, dpi=(DPI, DPI))
    return buf.getvalue()

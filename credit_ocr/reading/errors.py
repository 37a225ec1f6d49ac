"""Why a document could not be read: one named error per cause, each with a message a student can act on.

``permanent`` tells the pipeline whether retrying the same input can help (a damaged file: no; an OCR
engine that cannot start on this machine: yes, once the machine is fixed).
"""

from __future__ import annotations

__all__ = [
    "CorruptDocument",
    "EmptyDocument",
    "EncryptedDocument",
    "ImageTooLarge",
    "ImageTooSmall",
    "OcrError",
    "OcrResourceLimit",
    "OcrUnavailable",
    "TooManyPages",
    "UnsupportedDocument",
]


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


class ImageTooSmall(OcrError):
    """An image too small to hold a line of text (a 1 x 1 tracking pixel, a thumbnail, a sliver)."""


class UnsupportedDocument(OcrError):
    """Neither a PDF nor an image type the kit reads."""


class OcrUnavailable(OcrError):
    """Tesseract (the program or its language model) is missing: this machine's problem, not the document's."""

    permanent = False


class OcrResourceLimit(OcrError):
    """Reading this document went over the OCR process's memory limit (``ocr_memory_mb``)."""

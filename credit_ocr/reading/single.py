"""One file read in this process, no broker, no database: OCR, then extraction (``credit-ocr extract``).

The synchronous baseline, and what ``credit-ocr eval`` scores each sample with.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from credit_ocr.reading.extraction import ExtractionResult, extract
from credit_ocr.reading.lines import layout_text, line_words, readable_chars
from credit_ocr.reading.ocr import ocr_bytes

__all__ = ["FileExtraction", "extract_file"]


@dataclass
class FileExtraction:
    """One file read in-process: the fields, their validity, the OCR path taken and the seconds spent."""

    file: str
    extractor: str
    fields: dict[str, Any]
    valid: dict[str, bool]
    confidence: dict[str, float]
    timings: dict[str, float]
    ocr_path: str
    text: str = field(repr=False, default="")
    review: list[dict[str, str]] = field(default_factory=list)
    readable: int = 0  # characters of words read surely (lines.readable_chars): next to none on a blank page
    pages: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The JSON printed by ``credit-ocr extract --json`` (without the OCR text and confidences)."""
        return {k: v for k, v in asdict(self).items() if k not in ("text", "confidence", "readable", "pages")}


def extract_file(path: str | Path, extractor: str | None = None) -> FileExtraction:
    """OCR and extract one file here and now (no broker, no database): the synchronous baseline."""
    path = Path(path)
    started = time.perf_counter()
    result = ocr_bytes(path.read_bytes())
    ocr_done = time.perf_counter()
    pages = [(page.text, page.words) for page in result.pages]
    extraction: ExtractionResult = extract(result.text, extractor, line_words(pages), layout_text(pages))
    done = time.perf_counter()
    return FileExtraction(
        file=str(path),
        extractor=extraction.extractor,
        fields=extraction.fields,
        valid=extraction.valid,
        confidence=extraction.confidence,
        timings={
            "ocr": round(ocr_done - started, 4),
            "extract": round(done - ocr_done, 4),
            "total": round(done - started, 4),
        },
        ocr_path=result.path,
        text=result.text,
        review=extraction.review,
        readable=sum(readable_chars(page) for page in result.pages),
        pages=len(result.pages),
    )

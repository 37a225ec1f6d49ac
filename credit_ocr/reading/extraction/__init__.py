"""Field extraction: the 21 fields of a credit request from OCR text, by rules or by an LLM.

Both extractors return an :class:`ExtractionResult` with all 21 keys, normalized by the same
normalizers (``fields.py``), so their results compare exactly. The errors live here, not beside the
LLM client, so that a worker can tell a transient failure from a permanent one without importing openai.
"""

from __future__ import annotations

from credit_ocr.config import get_settings
from credit_ocr.reading.extraction.result import (
    ExtractionError,
    ExtractionResult,
    LLMPermanentError,
    LLMTransientError,
)
from credit_ocr.reading.extraction.review import with_review
from credit_ocr.reading.extraction.rules import LineWords, extract_rules

__all__ = [
    "ExtractionError",
    "ExtractionResult",
    "LLMPermanentError",
    "LLMTransientError",
    "extract",
]


def extract(
    text: str, extractor: str | None = None, words: LineWords | None = None, layout: str | None = None
) -> ExtractionResult:
    """Extract the fields of one document's OCR text with the configured (or named) extractor.

    ``words`` (each line's words with tesseract's confidences) lets the rules extractor say how sure
    the OCR was of each value; ``layout`` (the text with its columns kept, ``lines.layout_text``) is
    what the LLM reads when given. Both extractors return a confidence and a review list per field.
    """
    name = extractor or get_settings().extractor
    if name == "rules":
        return extract_rules(text, words, layout)
    if name == "llm":
        from credit_ocr.reading.extraction.llm import extract_llm  # deferred: openai's import costs ~0.5 s

        return with_review(extract_llm(layout or text))
    raise ValueError(f"Unknown extractor {name!r}: set CREDIT_OCR_EXTRACTOR to rules or llm.")

"""Field extraction: the 21 fields of a credit request from OCR text, by rules or by an LLM.

Both extractors return an :class:`ExtractionResult` with all 21 keys, normalized by the same
normalizers (``fields.py``), so their results compare exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class ExtractionError(RuntimeError):
    """Extraction failed; ``transient`` tells the pipeline whether a retry may help."""

    transient: bool = False


@dataclass
class ExtractionResult:
    """The 21 normalized fields, per-field validity and confidence, and which extractor made them."""

    extractor: str
    fields: dict[str, Any]
    valid: dict[str, bool] = field(default_factory=dict)
    confidence: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "extractor": self.extractor,
            "fields": self.fields,
            "valid": self.valid,
            "confidence": self.confidence,
        }


def extract(text: str, extractor: str | None = None) -> ExtractionResult:
    """Extract the fields of one document's OCR text with the configured (or named) extractor."""
    from credit_ocr.config import get_settings

    name = extractor or get_settings().extractor
    if name == "rules":
        from credit_ocr.reading.extraction.rules import extract_rules

        return extract_rules(text)
    if name == "llm":
        from credit_ocr.reading.extraction.llm import extract_llm

        return extract_llm(text)
    raise ValueError(f"Unknown extractor {name!r}: set CREDIT_OCR_EXTRACTOR to rules or llm.")

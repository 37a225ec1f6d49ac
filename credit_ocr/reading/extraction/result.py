"""What an extractor returns, and the errors it raises: plain classes, no client library imported."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["ExtractionError", "ExtractionResult", "LLMPermanentError", "LLMTransientError"]


class ExtractionError(RuntimeError):
    """Extraction failed; ``transient`` tells the pipeline whether a retry may help."""

    transient: bool = False


class LLMTransientError(ExtractionError):
    """The endpoint did not answer usefully this time (timeout, connection, 408/409/429, 5xx): retry later.

    ``retry_after`` holds the seconds a 429 (or 503) asked the caller to wait, when it said so.
    """

    transient = True

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class LLMPermanentError(ExtractionError):
    """Retrying the same call will not help (bad request, key, model, or an answer that is not the JSON asked)."""

    transient = False

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class ExtractionResult:
    """The 21 normalized fields, per-field validity and confidence (0..1), which extractor made them, and
    ``review``: the fields a person should look at, each ``{"field": ..., "reason": ...}``."""

    extractor: str
    fields: dict[str, Any]
    valid: dict[str, bool] = field(default_factory=dict)
    confidence: dict[str, float] = field(default_factory=dict)
    review: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The result as plain JSON-ready data."""
        return asdict(self)

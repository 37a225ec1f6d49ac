"""How well an extractor reads the sample documents: accuracy per field, per variant and overall.

``evaluate(folder)`` OCRs and extracts every document that has a ``<name>.json`` ground truth (listed in
``manifest.json`` when there is one) and compares each of the 21 fields with ``fields.values_match``.
:func:`extract_file` is the same OCR + extraction of one file in this process, with no broker: the
sync path behind ``credit-ocr extract``.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from credit_ocr.config import cpu_count, get_settings
from credit_ocr.reading.extraction.fields import FIELD_NAMES, normalize, values_match
from credit_ocr.reading.samples import MANIFEST, load_samples
from credit_ocr.reading.single import FileExtraction, extract_file
from credit_ocr.reading.tables import VARIANT_KEYS, extraction_table, report_tables

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DocumentScore",
    "EvalReport",
    "FileExtraction",
    "evaluate",
    "extract_file",
    "extraction_table",
    "find_samples",
    "report_tables",
]

DOCUMENT_SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff")


# --------------------------------------------------------------------------------------------
# the sample set


@dataclass
class Sample:
    """A document, its ground truth and what kind of document it is."""

    name: str
    document: Path
    truth: dict[str, Any]
    variant: dict[str, Any]


def find_samples(directory: Path) -> list[Sample]:
    """The documents of ``directory`` with their truths: from ``manifest.json``, else every ``<name>.json``."""
    directory = Path(directory)
    if (directory / MANIFEST).is_file():
        return [Sample(i.path.stem, i.path, i.truth, i.variant.as_dict()) for i in load_samples(directory)]
    samples = []
    for truth_path in sorted(directory.glob("*.json")):
        for suffix in DOCUMENT_SUFFIXES:
            document = truth_path.with_suffix(suffix)
            if document.is_file():
                samples.append(Sample(truth_path.stem, document, json.loads(truth_path.read_text()), {}))
                break
    return samples


# --------------------------------------------------------------------------------------------
# scoring


@dataclass
class DocumentScore:
    """One document's fields against its truth."""

    name: str
    file: str
    layer: str
    variant: dict[str, Any]
    expected: dict[str, Any]
    actual: dict[str, Any]
    matches: dict[str, bool]
    ocr_path: str | None
    timings: dict[str, float]
    error: str | None = None
    flagged: dict[str, str] = field(default_factory=dict)  # field -> the extractor's review reason

    @property
    def accuracy(self) -> float:
        return sum(self.matches.values()) / len(self.matches)


@dataclass
class EvalReport:
    """Scores of one extractor over a sample folder; ``to_frame()`` for pandas, ``as_dict()`` for JSON."""

    directory: str
    extractor: str
    documents: list[DocumentScore]
    seconds: float

    @cached_property
    def frame(self) -> pd.DataFrame:
        """One row per document and field: document, layer, layout, pages, font, field, expected, actual, match."""
        import pandas as pd  # here: `credit-ocr extract` never builds a frame, nor pays pandas' import

        rows = [
            {
                "document": d.name,
                "layer": d.layer,
                **{key: d.variant.get(key) for key in VARIANT_KEYS},
                "ocr_path": d.ocr_path,
                "field": name,
                "expected": d.expected.get(name),
                "actual": d.actual.get(name),
                "match": d.matches[name],
                "flagged": name in d.flagged or d.error is not None,
            }
            for d in self.documents
            for name in FIELD_NAMES
        ]
        return pd.DataFrame(rows, columns=FRAME_COLUMNS)

    def to_frame(self) -> pd.DataFrame:
        """A copy of :attr:`frame` to explore in a notebook."""
        return self.frame.copy()

    @property
    def overall(self) -> float | None:
        return _rate(self.frame)

    def per_field(self) -> dict[str, float | None]:
        return self.frame.groupby("field", sort=False)["match"].mean().round(4).to_dict()

    def per_variant(self, key: str = "layer") -> dict[str, float | None]:
        """Accuracy per value of a variant key (layer: text/scan/image; layout; pages; font)."""
        return self.frame.groupby(self.frame[key].astype(str))["match"].mean().round(4).to_dict()

    def clean_accuracy(self) -> float | None:
        """Accuracy on documents with a text layer (clean PDFs)."""
        return _rate(self.frame[self.frame["layer"] == "text"])

    def scanned_accuracy(self) -> float | None:
        """Accuracy on scanned PDFs and images (read through OCR)."""
        return _rate(self.frame[self.frame["layer"] != "text"])

    def review_quality(self) -> dict[str, float | None]:
        """How well the review flag points at mistakes: ``caught``, the share of wrong fields flagged
        (aim: 0.90 or more); ``false_alarms``, the share of right fields flagged (aim: 0.10 or less)."""
        wrong, right = self.frame[~self.frame["match"]], self.frame[self.frame["match"]]
        caught = round(float(wrong["flagged"].mean()), 4) if len(wrong) else None
        false_alarms = round(float(right["flagged"].mean()), 4) if len(right) else None
        return {"caught": caught, "false_alarms": false_alarms, "wrong": len(wrong), "right": len(right)}

    def mismatches(self) -> list[dict[str, Any]]:
        """Every field read wrong: document, field, expected, actual."""
        wrong = self.frame.loc[~self.frame["match"], ["document", "field", "expected", "actual", "flagged"]]
        return wrong.to_dict("records")

    def as_dict(self) -> dict[str, Any]:
        return {
            "directory": self.directory,
            "extractor": self.extractor,
            "documents": len(self.documents),
            "seconds": round(self.seconds, 2),
            "overall": self.overall,
            "clean": self.clean_accuracy(),
            "scanned": self.scanned_accuracy(),
            "per_variant": {
                key: self.per_variant(key)
                for key in ("layer", *VARIANT_KEYS)
                if self.frame[key].notna().any()
            },
            "per_field": self.per_field(),
            "review": self.review_quality(),
            "errors": {d.name: d.error for d in self.documents if d.error},
            "mismatches": self.mismatches(),
            "per_document": [
                {
                    "document": d.name,
                    "layer": d.layer,
                    "accuracy": round(d.accuracy, 4),
                    "ocr_path": d.ocr_path,
                    "timings": d.timings,
                }
                for d in self.documents
            ],
        }


FRAME_COLUMNS = (
    "document",
    "layer",
    *VARIANT_KEYS,
    "ocr_path",
    "field",
    "expected",
    "actual",
    "match",
    "flagged",
)


def _rate(rows: pd.DataFrame) -> float | None:
    """The share of matching fields in ``rows``; None when there are none."""
    return round(float(rows["match"].mean()), 4) if len(rows) else None


def _layer(sample: Sample, ocr_path: str | None) -> str:
    layer = sample.variant.get("layer")
    if layer:
        return str(layer)
    if sample.document.suffix.lower() != ".pdf":
        return "image"
    return "text" if ocr_path == "text-layer" else "scan"


def _score(sample: Sample, extractor: str | None) -> DocumentScore:
    expected = {name: normalize(name, sample.truth.get(name)) for name in FIELD_NAMES}
    actual: dict[str, Any] = dict.fromkeys(FIELD_NAMES)
    ocr_path, error, timings, flagged = None, None, {}, {}
    try:
        read = extract_file(sample.document, extractor)
        actual, ocr_path, timings = read.fields, read.ocr_path, read.timings
        flagged = {item["field"]: item["reason"] for item in read.review}
    except Exception as exc:  # noqa: BLE001 - one bad document is a score of 0, not a crashed report
        error = f"{exc.__class__.__name__}: {exc}"
    matches = {name: values_match(name, expected[name], actual.get(name)) for name in FIELD_NAMES}
    return DocumentScore(
        name=sample.name,
        file=str(sample.document),
        layer=_layer(sample, ocr_path),
        variant=sample.variant,
        expected=expected,
        actual=actual,
        matches=matches,
        ocr_path=ocr_path,
        timings=timings,
        error=error,
        flagged=flagged,
    )


def evaluate(directory: Path, extractor: str | None = None, workers: int | None = None) -> EvalReport:
    """Score ``extractor`` (default: the configured one) on every sample of ``directory``.

    Documents are read ``workers`` at a time (default: one per core); tesseract runs as a separate
    process per page, so threads are enough to keep the cores busy.
    """
    directory = Path(directory)
    samples = find_samples(directory)
    if not samples:
        raise FileNotFoundError(
            f"No samples in {directory}: it needs <name>.json ground truths beside their documents "
            "(make them with `credit-ocr samples`)."
        )
    name = extractor or get_settings().extractor
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers or cpu_count()) as pool:
        documents = list(pool.map(lambda s: _score(s, name), samples))
    return EvalReport(str(directory), name, documents, time.perf_counter() - started)

"""An evaluation report and one file's extraction as rich tables: what ``credit-ocr eval`` and ``extract`` print."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table

from credit_ocr.reading.extraction.fields import FIELD_NAMES

if TYPE_CHECKING:
    from credit_ocr.reading.evaluate import EvalReport, FileExtraction

__all__ = ["VARIANT_KEYS", "extraction_table", "report_tables"]

#: What a document's variant is grouped by: its pool (base, tune, heldout), layout, pages, font, tick style,
#: cover letter and, for hard mail, how it arrived (turned, photo, fax).
VARIANT_KEYS = ("pool", "layout", "pages", "font", "boxes", "cover", "mail")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _table(title: str, columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> Table:
    """A rich table; numbers (accuracy, documents) right-aligned."""
    table = Table(title=title)
    for column in columns:
        table.add_column(column, justify="right" if column in ("accuracy", "documents") else "left")
    for row in rows:
        table.add_row(*row)
    return table


def report_tables(report: EvalReport) -> list[Table]:
    """The report as rich tables: per field, per variant, overall (what ``credit-ocr eval`` prints)."""
    per_field = [(name, _pct(value)) for name, value in report.per_field().items()]
    variants = []
    for key in ("layer", *VARIANT_KEYS):
        if report.frame[key].isna().all():
            continue  # e.g. no document says how it arrived by mail
        groups = report.frame.groupby(report.frame[key].astype(str))
        summary = groups.agg(documents=("document", "nunique"), accuracy=("match", "mean"))
        variants += [(key, str(r.Index), str(r.documents), _pct(r.accuracy)) for r in summary.itertuples()]
    overall = [
        ("clean (text layer)", _pct(report.clean_accuracy())),
        ("scanned (scan PDFs, images)", _pct(report.scanned_accuracy())),
        ("all", _pct(report.overall)),
        ("wrong fields flagged for review", _pct(report.review_quality()["caught"])),
        ("right fields flagged for review", _pct(report.review_quality()["false_alarms"])),
        ("seconds", f"{report.seconds:.1f}"),
    ]
    tables = [
        _table(
            f"Field accuracy ({report.extractor}, {len(report.documents)} documents)",
            ("field", "accuracy"),
            per_field,
        ),
        _table("Accuracy per variant", ("variant", "value", "documents", "accuracy"), variants),
        _table("Overall", ("set", "accuracy"), overall),
    ]
    errors = [(d.name, d.error) for d in report.documents if d.error]
    if errors:
        tables.append(_table("Documents that could not be read", ("document", "error"), errors))
    return tables


def extraction_table(read: FileExtraction) -> Table:
    """One file's fields as a rich table (what ``credit-ocr extract`` prints without --json)."""
    title = (
        f"{read.file}: {read.extractor}, {read.ocr_path}, "
        f"OCR {read.timings['ocr']:.2f} s + extract {read.timings['extract']:.2f} s"
    )
    rows = [
        (
            name,
            "" if read.fields.get(name) is None else str(read.fields[name]),
            "yes" if read.valid.get(name) else "no",
        )
        for name in FIELD_NAMES
    ]
    return _table(title, ("field", "value", "valid"), rows)

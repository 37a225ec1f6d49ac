"""`credit-ocr review`, and how `fields` and `status --review` print what a person should look at.

The extractor flags the fields it is unsure of (``review``, each with a reason); a reviewer's value is
stored beside the extractor's (who, when, old and new), never over it.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

__all__ = ["print_fields", "print_review_list", "review"]


def print_fields(found: dict[str, Any]) -> None:
    """One line per field: value, confidence, and the review reason or correction when there is one."""
    flagged = {item["field"]: item["reason"] for item in found.get("review", [])}
    corrected = {c["field"]: c for c in found.get("corrections", [])}  # the newest of each field last
    click.echo(f"{found['document_id']}  extractor={found['extractor']}")
    for name, value in found["fields"].items():
        confidence = found.get("confidence", {}).get(name)
        shown = "" if value is None else str(value)
        conf = "" if confidence is None or value is None else f"  [{confidence:.2f}]"
        if value is None:
            note = "  (not stated in the document)"
        else:
            note = "" if found["valid"].get(name) else "  (read, but not a valid value)"
        if name in corrected:
            c = corrected[name]
            note += f"  -> {c['new_value']!r} by {c['by']} at {c['at'][:19]}"
        elif name in flagged:
            note += f"  REVIEW: {flagged[name]}"
        click.echo(f"  {name:<20} {shown}{conf}{note}")
    open_items = [n for n in flagged if n not in corrected]
    if open_items:
        click.echo(
            f"{len(open_items)} field(s) to review; store a reviewer's value with "
            f"`credit-ocr review {found['document_id']} FIELD VALUE --by NAME`."
        )


def print_review_list(rows: list[dict[str, Any]]) -> None:
    """The documents that need a look, each with its open fields and reasons."""
    if not rows:
        click.echo("no document needs a review")
        return
    for row in rows:
        names = ", ".join(item["field"] for item in row["fields"])
        click.echo(f"{row['document_id']}  {row['filename']}  {len(row['fields'])} field(s): {names}")
        for item in row["fields"]:
            click.echo(f"    {item['field']:<20} {item['reason']}")


@click.command("review")
@click.argument("document_id")
@click.argument("field")
@click.argument("value")
@click.option("--by", "by", required=True, help="Who corrects the field (kept with the correction).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout and nothing else there.")
def review(document_id: str, field: str, value: str, by: str, as_json: bool) -> None:
    """Store a reviewer's VALUE for FIELD of a document; the extractor's value is kept beside it.

    VALUE is printed as on the form ('EUR 2,500,000', '12/05/2018', 'yes') and normalized like the
    extractors' values; an empty VALUE ('') says the document does not state the field.
    """
    from credit_ocr.reading.extraction import fields as f  # lazy: --help stays fast
    from credit_ocr.state.lookup import resolve_id  # lazy: --help stays fast
    from credit_ocr.state.reviews import NoExtraction, record_correction  # lazy: --help stays fast
    from credit_ocr.state.status import StatusError  # lazy: --help stays fast

    if field not in f.FIELD_NAMES:
        raise click.BadParameter(
            f"{field!r} is none of the fields: {', '.join(f.FIELD_NAMES)}.", param_hint="FIELD"
        )
    normalized = f.normalize(field, value) if value.strip() else None
    if value.strip() and (normalized is None or not f.is_valid(field, normalized)):
        raise click.BadParameter(
            f"{value!r} does not read as a valid {field}: write it as a form would print it.",
            param_hint="VALUE",
        )
    try:
        document_id = resolve_id(document_id)  # as given, or shortened as `credit-ocr status` prints it
        correction = record_correction(document_id, field, normalized, by)
    except (StatusError, NoExtraction, ValueError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(correction.as_dict(), ensure_ascii=False))
        return
    click.echo(
        f"{document_id} {field}: {correction.old_value!r} -> {correction.new_value!r} by {correction.by} "
        f"at {correction.at.isoformat()[:19]} (the extractor's value is kept)"
    )

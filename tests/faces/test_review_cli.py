"""`credit-ocr fields` with confidences and reasons, `status --review`, and `review` storing a correction."""

from __future__ import annotations

import json

from click.testing import CliRunner

from credit_ocr.config import Settings
from credit_ocr.faces.cli import main
from credit_ocr.pipeline.stages import process_sync
from credit_ocr.reading.samples import make_document


def test_a_flagged_document_is_listed_shown_and_corrected(kit: Settings) -> None:
    data, name, truth, variant = make_document(5, 0, "heldout")  # a text-layer form that leaves a field out
    assert variant["missing"] == ["public_funding"]
    doc_id = process_sync(data, name)
    runner = CliRunner()

    shown = runner.invoke(main, ["fields", doc_id]).output
    line = next(row for row in shown.splitlines() if row.strip().startswith("public_funding"))
    assert "REVIEW: not found on the document" in line
    assert "] " not in line and "[0." in next(
        r for r in shown.splitlines() if r.strip().startswith("company_name")
    )
    assert f"credit-ocr review {doc_id} FIELD VALUE --by NAME" in shown

    listed = json.loads(runner.invoke(main, ["status", "--review", "--json"]).output)
    assert [row["document_id"] for row in listed] == [doc_id]
    assert {"field": "public_funding", "reason": "not found on the document"} in listed[0]["fields"]
    assert doc_id in runner.invoke(main, ["status", "--review"]).output

    bad = runner.invoke(main, ["review", doc_id, "public_funding", "perhaps", "--by", "ana"])
    assert bad.exit_code == 2 and "does not read as a valid public_funding" in bad.output
    done = runner.invoke(
        main, ["review", doc_id, "public_funding", "[x] yes [ ] no", "--by", "ana", "--json"]
    )
    assert done.exit_code == 0, done.output
    correction = json.loads(done.output)
    assert (correction["old_value"], correction["new_value"], correction["by"]) == (None, True, "ana")

    stored = json.loads(runner.invoke(main, ["fields", doc_id, "--json"]).output)
    assert stored["fields"]["public_funding"] is None and stored["reviewed"]["public_funding"] is True
    assert "-> True by ana" in runner.invoke(main, ["fields", doc_id]).output
    still = json.loads(runner.invoke(main, ["status", "--review", "--json"]).output)
    assert all(item["field"] != "public_funding" for row in still for item in row["fields"])

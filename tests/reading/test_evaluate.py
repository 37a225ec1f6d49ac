"""Accuracy on the committed samples through real tesseract, and the sync `credit-ocr extract` command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REFERENCE, SAMPLES, skip_or_fail

from credit_ocr.reading.evaluate import EvalReport, evaluate, find_samples
from credit_ocr.reading.extraction.fields import FIELD_NAMES, values_match

pytestmark = pytest.mark.tesseract

CLEAN_THRESHOLD = 0.98
SCANNED_THRESHOLD = 0.95


@pytest.fixture(scope="module")
def report() -> EvalReport:
    """The committed samples OCR'd and extracted once for the whole module."""
    if not (SAMPLES / "manifest.json").is_file():
        skip_or_fail(f"No samples in {SAMPLES}: run `credit-ocr samples` (they are committed in the repo).")
    return evaluate(SAMPLES, "rules")


def test_rules_accuracy_on_clean_samples(report: EvalReport) -> None:
    clean = report.clean_accuracy()
    assert clean is not None, "no text-layer samples"
    assert clean >= CLEAN_THRESHOLD, report.mismatches()


def test_rules_accuracy_on_scanned_samples(report: EvalReport) -> None:
    scanned = report.scanned_accuracy()
    assert scanned is not None, "no scanned samples"
    assert scanned >= SCANNED_THRESHOLD, report.mismatches()


def test_report_covers_every_sample_field_and_variant(report: EvalReport) -> None:
    assert len(report.documents) == len(find_samples(SAMPLES))
    assert not [d.error for d in report.documents if d.error]
    assert set(report.per_field()) == set(FIELD_NAMES)
    layers = report.per_variant("layer")
    assert {"text", "scan", "image"} <= set(layers)
    # the clean samples take the text-layer path, the others OCR
    paths = {d.layer: set() for d in report.documents}
    for d in report.documents:
        paths[d.layer].add(d.ocr_path)
    assert paths["text"] == {"text-layer"} and paths["scan"] == {"ocr"} and paths["image"] == {"ocr"}
    frame = report.to_frame()
    assert len(frame) == 21 * len(report.documents)
    assert frame["match"].mean() == pytest.approx(report.overall, abs=1e-4)
    data = json.loads(json.dumps(report.as_dict(), default=str))
    assert data["overall"] == report.overall and set(data["per_field"]) == set(FIELD_NAMES)


def _cli(*args: str, env_home: Path, **settings: str) -> subprocess.CompletedProcess:
    """Run `python -m credit_ocr ...` in a private home with only the given CREDIT_OCR_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDIT_OCR_")}
    env["CREDIT_OCR_HOME"] = str(env_home)
    env.update({f"CREDIT_OCR_{name.upper()}": value for name, value in settings.items()})
    return subprocess.run(
        [sys.executable, "-m", "credit_ocr", *args], capture_output=True, text=True, env=env, timeout=120
    )


@pytest.mark.parametrize("use_text_layer", ["true", "false"], ids=["text-layer", "ocr"])
def test_extract_command_reads_the_reference_application(tmp_path: Path, use_text_layer: str) -> None:
    pdf = REFERENCE / "loan_application.pdf"
    if not pdf.is_file():
        pytest.skip(f"{pdf} is absent (the shared reference folder is not on this machine)")
    expected = json.loads((REFERENCE / "loan_application.expected.json").read_text())
    run = _cli("extract", str(pdf), "--json", env_home=tmp_path / "var", use_text_layer=use_text_layer)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)  # stdout is JSON and nothing else
    assert set(out) >= {"file", "extractor", "fields", "valid", "timings", "ocr_path"}
    assert out["extractor"] == "rules"
    assert out["ocr_path"] == ("text-layer" if use_text_layer == "true" else "ocr")
    wrong = {
        k: (v, out["fields"][k]) for k, v in expected.items() if not values_match(k, v, out["fields"][k])
    }
    assert not wrong
    assert all(out["valid"].values())
    if use_text_layer == "true":
        assert out["review"] == []  # nothing on a clean text layer needs a person's look
    assert all("OCR was unsure" in item["reason"] for item in out["review"])  # at most the tick boxes
    assert out["timings"]["total"] >= out["timings"]["ocr"] > 0


def test_extract_command_refuses_a_broken_file_in_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 100)
    run = _cli("extract", str(broken), "--json", env_home=tmp_path / "var")
    assert run.returncode == 1
    assert run.stdout == ""
    assert "damaged" in run.stderr and "Traceback" not in run.stderr


def test_eval_command_prints_the_table(tmp_path: Path) -> None:
    """`credit-ocr eval` on a two-document folder: a table with per-field and overall accuracy."""
    if not (SAMPLES / "manifest.json").is_file():
        skip_or_fail(f"No samples in {SAMPLES}")
    entries = [
        e for e in json.loads((SAMPLES / "manifest.json").read_text()) if e["variant"]["layer"] == "text"
    ]
    folder = tmp_path / "two"
    folder.mkdir()
    for entry in entries[:2]:
        for name in (entry["file"], entry["truth"]):
            (folder / name).write_bytes((SAMPLES / name).read_bytes())
    run = _cli("eval", str(folder), env_home=tmp_path / "var")
    assert run.returncode == 0, run.stderr
    assert "company_name" in run.stdout and "Overall" in run.stdout and "100.0%" in run.stdout
    run = _cli("eval", str(folder), "--json", env_home=tmp_path / "var")
    data = json.loads(run.stdout)
    assert data["documents"] == 2 and data["clean"] == 1.0

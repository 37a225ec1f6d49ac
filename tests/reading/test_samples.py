"""The sample generator and the committed samples: deterministic, normalized truths, the promised variety."""

from __future__ import annotations

import io
import json
import shutil

import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner
from conftest import SAMPLES
from PIL import Image

from credit_ocr.faces.cli import main
from credit_ocr.reading.extraction.fields import FIELD_NAMES, is_valid, normalize
from credit_ocr.reading.samples import MANIFEST, SampleError, generate, load_samples, make_document

DOC_EXTS = {".pdf", ".png", ".jpg", ".jpeg"}


@pytest.fixture(scope="module")
def committed() -> list:
    if not (SAMPLES / MANIFEST).exists():
        pytest.fail(f"{SAMPLES / MANIFEST} is missing: run `credit-ocr samples` and commit data/samples.")
    return load_samples(SAMPLES)


def test_same_seed_same_documents() -> None:
    for index in (0, 1, 2):  # one of each layer: text PDF, scanned PDF, image
        first, second = make_document(7, index), make_document(7, index)
        assert first == second
    assert make_document(8, 0)[2] != make_document(7, 0)[2]


def test_truths_are_normalized_and_complete() -> None:
    for index in range(0, 60, 3):  # text-layer documents are fast: a wide sweep of contents
        _, name, truth, variant = make_document(11, index)
        assert list(truth) == list(FIELD_NAMES), name
        for field_name, value in truth.items():
            if value is None:
                assert field_name in variant["missing"], (name, field_name)
                continue
            assert normalize(field_name, value) == value, (name, field_name, value)
            assert is_valid(field_name, value), (name, field_name, value)


def test_committed_samples_match_the_manifest(committed: list) -> None:
    listed = {info.path.name for info in committed} | {info.truth_path.name for info in committed}
    on_disk = {p.name for p in SAMPLES.iterdir() if p.name != MANIFEST and not p.name.startswith(".")}
    assert on_disk == listed, "data/samples holds files the manifest does not list (or misses some)"
    for info in committed:
        assert info.path.suffix.lower() in DOC_EXTS
        assert info.truth_path == info.path.with_suffix(".json")
        assert list(info.truth) == list(FIELD_NAMES), info.path.name
        for name, value in info.truth.items():
            assert value is None or (normalize(name, value) == value and is_valid(name, value)), (
                info.path,
                name,
            )
        assert sorted(n for n, v in info.truth.items() if v is None) == sorted(info.variant.missing)


def test_committed_samples_are_what_the_generator_makes(committed: list) -> None:
    """Truths, names and variants regenerate exactly (text-layer ones only, to keep the test fast)."""
    for index, info in enumerate(committed):
        if info.variant.layer != "text":
            continue
        _, name, truth, variant = make_document(7, index)
        assert (name, truth) == (info.path.name, info.truth)
        assert variant == info.variant.as_dict()


def test_committed_samples_have_the_promised_variety(committed: list) -> None:
    variants = [info.variant for info in committed]
    assert 20 <= len(committed) <= 30
    for layer in ("text", "scan", "image"):
        share = sum(v.layer == layer for v in variants) / len(variants)
        assert 0.25 <= share <= 0.42, layer
    assert {v.layout for v in variants} == {"table", "lines"}
    assert {v.pages for v in variants} == {1, 2}
    assert {v.font for v in variants} == {"Helvetica", "Times-Roman", "Courier"}
    assert {v.format for v in variants} == {"pdf", "png", "jpeg"}
    assert any(v.missing for v in variants)
    assert any(v.pages == 2 for v in variants if v.layer == "scan")
    assert sum(info.path.stat().st_size for info in committed) < 5_000_000


def test_layers_are_what_they_claim(committed: list) -> None:
    for info in committed:
        data = info.path.read_bytes()
        if info.variant.format == "pdf":
            pdf = pdfium.PdfDocument(data)
            assert len(pdf) == info.variant.pages
            text = "".join(page.get_textpage().get_text_range() for page in pdf)
            if info.variant.layer == "text":
                assert " ".join(info.truth["company_name"].split()) in " ".join(text.split())
            else:
                assert text.strip() == "", f"{info.path.name} is a scan but has a text layer"
            pdf.close()
        else:
            with Image.open(io.BytesIO(data)) as img:
                assert img.format == {"png": "PNG", "jpeg": "JPEG"}[info.variant.format]
                assert round(img.info["dpi"][0]) == 200
                assert img.width > 1500  # A4 at 200 dpi


def test_generate_writes_truths_and_manifest_and_clears_stale_files(tmp_path) -> None:
    made = generate(tmp_path, count=2, seed=3, kinds=["text"])
    assert [info.variant.layer for info in made] == ["text", "text"]
    assert [info.path.name for info in load_samples(tmp_path)] == [info.path.name for info in made]
    truth = json.loads(made[0].truth_path.read_text(encoding="utf-8"))
    assert truth == made[0].truth and list(truth) == list(FIELD_NAMES)
    again = generate(tmp_path, count=1, seed=3, kinds=["text"])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [again[0].path.name, again[0].truth_path.name, MANIFEST]
    )
    with pytest.raises(ValueError, match="Unknown sample kinds"):
        generate(tmp_path, count=1, kinds=["fax"])


def test_load_samples_names_what_is_missing(tmp_path) -> None:
    with pytest.raises(SampleError, match="credit-ocr samples"):
        load_samples(tmp_path)
    made = generate(tmp_path, count=1, kinds=["text"])
    made[0].path.unlink()
    with pytest.raises(SampleError, match="missing"):
        load_samples(tmp_path)


def test_cli_samples(tmp_path) -> None:
    result = CliRunner().invoke(
        main, ["samples", "--out", str(tmp_path / "s"), "--count", "2", "--seed", "5"]
    )
    assert result.exit_code == 0, result.output
    assert "Wrote 2 documents" in result.output
    assert len(load_samples(tmp_path / "s")) == 2


@pytest.mark.tesseract
def test_tesseract_reads_a_scanned_sample(committed: list, monkeypatch: pytest.MonkeyPatch) -> None:
    """The damage stays mild: tesseract reads the applicant's name and VAT ID of a committed image."""
    if shutil.which("tesseract") is None:
        pytest.skip("tesseract is not installed")
    monkeypatch.setenv("OMP_THREAD_LIMIT", "1")
    from credit_ocr.config import get_settings
    from credit_ocr.reading import ocr

    info = next(i for i in committed if i.variant.format == "png")
    with Image.open(info.path) as img:  # the applicant section only, to keep the test fast
        section = img.convert("L").crop((0, 0, img.width, img.height * 2 // 5))
        text = " ".join(w["text"] for w in ocr.words(section, get_settings()))
    assert info.truth["company_name"] in text
    assert info.truth["vat_id"] is None or info.truth["vat_id"] in text.replace(" ", "")

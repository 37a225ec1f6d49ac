"""Pages as they arrive: turned, photographed, faxed pages read like clean ones; clean pages pay nothing.

Real tesseract on a few generated pages (one clean sample page, turned three ways; one photo; one fax).
"""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from credit_ocr.config import override_settings
from credit_ocr.reading import mail, ocr, sample_scans, samples
from credit_ocr.reading.evaluate import values_match
from credit_ocr.reading.extraction import extract
from credit_ocr.reading.extraction.fields import FIELD_NAMES
from credit_ocr.reading.pages import remove_rules, ruled_page
from credit_ocr.reading.prepare import PHOTO, prepare_page, skew_angle

pytestmark = pytest.mark.tesseract


@pytest.fixture(scope="module")
def clean() -> tuple[Image.Image, dict]:
    """A one-page sample form rendered at 200 dpi, and its truth."""
    data, _name, truth, variant = samples.make_document(7, 0)
    assert variant["pages"] == 1
    return sample_scans.rasterize(data)[0], truth


def _png(image: Image.Image, dpi: int = sample_scans.DPI) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG", dpi=(dpi, dpi))
    return buf.getvalue()


def _accuracy(data: bytes, truth: dict) -> float:
    fields = extract(ocr.ocr_bytes(data).text, "rules").fields
    return sum(values_match(n, truth.get(n), fields.get(n)) for n in FIELD_NAMES) / len(FIELD_NAMES)


@pytest.mark.parametrize("angle", [90, 180, 270])
def test_a_turned_page_comes_out_upright_and_reads_its_fields(kit, clean, angle: int) -> None:
    page, truth = clean
    turned = mail.turned_scan(page, angle, np.random.default_rng(angle))
    assert _accuracy(_png(turned), truth) >= 20 / 21


@pytest.mark.parametrize("angle", [90, 180, 270])
def test_a_letters_small_print_turned_any_way_comes_out_upright(angle: int) -> None:
    """Small print at 150 dpi gives tesseract's orientation detection little to go on (it guesses, or names
    another script): a sideways page takes its quarter turn however unsure OSD is, and a page that still
    reads as poorly as an upside-down one is read once more turned half round."""
    from PIL import ImageDraw, ImageFont

    font = ImageFont.truetype("DejaVuSans.ttf", 13)
    page = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(page)
    line = "We request a loan of EUR 1,480,000 over a term of 12 years for the purchase of the business park."
    for i in range(15):
        draw.text(
            (120, 150 + i * 24),
            line if i % 3 else "Dear Sir or Madam, thank you for your letter.",
            font=font,
            fill=0,
        )
    read = ocr.ocr_bytes(_png(page.rotate(angle, expand=True), dpi=150)).pages[0]
    assert read.text.startswith("Dear Sir or Madam") and read.mean_confidence > 80, read.text[:80]


def test_a_sideways_page_is_told_by_its_profile_an_upright_one_is_not(clean) -> None:
    page = clean[0]
    assert skew_angle(page, with_sideways=True) == (None, False)
    assert skew_angle(page.rotate(90, expand=True), with_sideways=True) == (None, True)
    assert skew_angle(page.rotate(-91.5, expand=True, fillcolor=255), with_sideways=True)[1] is True


def test_a_clean_page_is_not_touched(kit, clean) -> None:
    """Measured, found clean: the very same image comes back; a 200-dpi scan is only brought to 150 dpi."""
    page = clean[0]
    small = page.resize((1240, 1754), Image.Resampling.BILINEAR)
    prepared = prepare_page(small, None, 150)
    assert prepared.steps == [] and prepared.image is small
    assert prepare_page(page, 200.0, 150).steps == ["200 to 150 dpi"]


def test_a_photo_is_flattened_and_reads(kit, clean) -> None:
    page, truth = clean
    photo = mail.photograph(page, np.random.default_rng(3))
    buf = io.BytesIO()
    photo.save(buf, "JPEG", quality=82)
    prepared = prepare_page(Image.open(io.BytesIO(buf.getvalue())), None, 150)
    assert prepared.steps[0] == "flattened"
    assert prepared.image.size == (1240, 1754)  # A4 at 150 dpi
    assert _accuracy(buf.getvalue(), truth) >= 20 / 21


def test_a_group4_multipage_fax_reads_and_obeys_the_limits(kit) -> None:
    data, _name, truth, variant = mail.make_mail(7, 9)
    assert variant["mail"] == "fax" and variant["pages"] == 2
    with Image.open(io.BytesIO(data)) as tiff:
        assert (tiff.n_frames, tiff.mode, tiff.info["compression"]) == (2, "1", "group4")
    result = ocr.ocr_bytes(data)
    assert len(result.pages) == 2 and result.path == "ocr"
    fields = extract(result.text, "rules").fields
    assert sum(values_match(n, truth.get(n), fields.get(n)) for n in FIELD_NAMES) >= 19
    with override_settings(max_pages=1), pytest.raises(ocr.TooManyPages, match="2 pages"):
        ocr.ocr_bytes(data)
    with override_settings(max_pixels=1_000_000), pytest.raises(ocr.ImageTooLarge, match="MAX_PIXELS"):
        ocr.ocr_bytes(data)


@pytest.mark.parametrize("offset", [0, 1, 2, 3])
def test_rules_found_at_quarter_scale_are_those_of_the_whole_page(offset: int) -> None:
    """The 1/4-scale probe misses no rule: at each alignment to its blocks, a line just long enough is
    erased and one a pixel shorter is not, exactly as one opening of the whole page finds them."""
    page = np.full((900, 680), 255, np.uint8)
    run = 680 // 17  # 40, a multiple of the probe's 4: the tightest case
    page[100 + offset, 50 + offset : 50 + offset + run] = 0  # horizontal, just long enough
    page[200 + offset, 50 + offset : 50 + offset + run - 1] = 0  # a pixel short: a glyph's stroke
    page[300 + offset : 300 + offset + run, 400 + offset] = 0  # vertical, just long enough
    page[300 + offset : 300 + offset + run - 1, 500 + offset] = 0
    cleaned = np.asarray(remove_rules(Image.fromarray(page)))
    dark = (page < 200).astype(np.uint8)
    whole = np.zeros_like(dark)
    for line in ((run, 1), (1, run)):
        whole |= cv2.morphologyEx(dark, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, line))
    assert (cleaned[whole.astype(bool)] == 255).all()  # every rule erased
    assert (cleaned[200 + offset] < 200).sum() == run - 1 and (
        cleaned[:, 500 + offset] < 200
    ).sum() == run - 1


def test_the_rules_erased_are_given_back_as_lines_one_each() -> None:
    """A header's double rule lies in one band of the probe: it is still two horizontal lines, at their own
    heights, beside the table's vertical rules."""
    page = np.full((1200, 1700), 255, np.uint8)
    page[300:302, 200:500] = 0  # the header's top rule
    page[306:308, 200:500] = 0  # and a second one under it
    page[300:420, 200:202] = 0  # the table's left side
    page[300:420, 498:500] = 0  # and its right side
    _, rulings = ruled_page(Image.fromarray(page))
    across = sorted(r.top for r in rulings if r.top == r.bottom)
    along = sorted(r.left for r in rulings if r.left == r.right)
    assert len(across) == 2 and abs(across[0] - 301) <= 1 and abs(across[1] - 307) <= 1
    assert len(along) == 2 and abs(along[0] - 201) <= 1 and abs(along[1] - 499) <= 1


def test_a_photo_whose_page_leans_on_its_sheet_is_straightened_further_than_a_scan(clean) -> None:
    """A photo of a sheet whose print leans 5° on it (a copy made askew, or the sheet's outline found a little
    off): flattening squares the sheet, not the print, so a flattened page may lean further than a scan's
    3° before the print is turned straight."""
    page, _truth = clean
    leaning = page.convert("L").rotate(5.0, resample=Image.BICUBIC, fillcolor=255)
    photo = mail.photograph(leaning, np.random.default_rng(3))
    buf = io.BytesIO()
    photo.save(buf, "JPEG", quality=82)
    prepared = prepare_page(Image.open(io.BytesIO(buf.getvalue())), None, 150)
    assert prepared.steps[0] == "flattened"
    turn = [step for step in prepared.steps if step.startswith("deskewed")]
    assert turn and 4.0 <= abs(float(turn[0].split()[1])) <= 6.0
    assert skew_angle(prepared.image) is None  # straight now
    assert prepared.image.info[PHOTO]  # an unsure reading of it is tried at twice the resolution
    assert not prepare_page(page, 200.0, 150).image.info[PHOTO]


def test_a_ledgers_ruled_columns_do_not_keep_its_skewed_page_from_being_straightened() -> None:
    """Ruled columns from top to bottom make the page's column profile sharper than its rows', as a page turned
    sideways does; tesseract's orientation check finds it upright, and its 2.3° lean is still straightened."""
    page = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype("DejaVuSans.ttf", 20)
    for x in range(120, 1130, 90):
        draw.line((x, 120, x, 1640), fill=0, width=3)
    for top in range(140, 1620, 60):
        draw.text((130, top), "Grundstück Lagerhalle Büro 2019 EUR 1.250.000", font=font, fill=0)
    skewed = page.rotate(-2.3, resample=Image.BICUBIC, fillcolor=255)
    assert skew_angle(skewed, 3.0, with_sideways=True) == (None, True)
    steps = prepare_page(skewed, 150, 150).steps
    assert not any(step.startswith("turned") for step in steps)
    assert [abs(float(s.split()[1]) - 2.3) < 0.5 for s in steps if s.startswith("deskewed")] == [True]

"""Pages the generator's pools never drew, read by real tesseract: dot leaders, tick glyphs, a text layer
that cannot name its glyphs. Each page is drawn here at the pipeline's resolution, in a DejaVu font."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from credit_ocr.reading.extraction import extract
from credit_ocr.reading.leaders import leader_mask
from credit_ocr.reading.lines import layout_text, line_words
from credit_ocr.reading.ocr import ocr_bytes
from credit_ocr.reading.prepare import skew_angle

pytestmark = pytest.mark.tesseract

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
A4_150 = (1240, 1754)  # an A4 page at 150 dpi


def _font(name: str, size: int = 22) -> ImageFont.FreeTypeFont:
    path = DEJAVU / name
    if not path.is_file():
        pytest.skip(f"{path} is not installed")
    return ImageFont.truetype(str(path), size)


def _page(rows: list[tuple[str, str]], font: str, leader: str = "", value_x: int = 640) -> bytes:
    """A PNG form: each label, a leader run up to the value's column (when given), the value."""
    page = Image.new("L", A4_150, 255)
    draw, face = ImageDraw.Draw(page), _font(font)
    for i, (label, value) in enumerate(rows):
        y = 120 + 48 * i
        draw.text((90, y), label, fill=0, font=face)
        if leader:
            start = 90 + draw.textlength(label, font=face) + 10
            count = int((value_x - 12 - start) / draw.textlength(leader, font=face))
            draw.text((start, y), leader * count, fill=0, font=face)
        draw.text((value_x, y), value, fill=0, font=face)
    out = io.BytesIO()
    page.save(out, format="PNG", dpi=(150, 150))
    return out.getvalue()


def _fields(data: bytes) -> dict:
    result = ocr_bytes(data)
    pages = [(page.text, page.words) for page in result.pages]
    return extract(result.text, "rules", line_words(pages), layout_text(pages)).fields


LEADER_ROWS = [
    ("Name of Borrower", "Rheintal Logistik UG"),
    ("Incorporation Form", "Entrepreneurial Company (UG)"),
    ("VAT ID / Tax Number", "DE764763892"),
    ("Amount of Credit", "€6,680,000"),
    ("Term in Years", "25 years"),
    ("Target Interest Rate", "2.15 %"),
]


@pytest.mark.parametrize(("leader", "font"), [(".", "DejaVuSerif.ttf"), (" ·", "DejaVuSansMono.ttf")])
def test_labels_after_dot_leaders_are_read_whole(leader: str, font: str) -> None:
    """Tesseract read the dots as 'ccccseesss' and took the label's last word with them ('VAT ID) Taxi
    NUmDOr'): erased before OCR, the leader is a plain gap between label and value."""
    fields = _fields(_page(LEADER_ROWS, font, leader))
    assert fields["company_name"] == "Rheintal Logistik UG"
    assert fields["legal_form"] == "Entrepreneurial Company (UG)"
    assert fields["vat_id"] == "DE764763892"
    assert fields["loan_amount"] == "€6,680,000"
    assert fields["term"] == "25 years"
    assert fields["interest_rate"] == "2.15%"


def test_a_leader_is_a_row_of_dots_and_a_full_stop_is_not() -> None:
    """Only rows of evenly close dots are leaders: the full stops of 'e.K.' or 'No. 5.' stay."""
    page = Image.new("L", A4_150, 255)
    draw, face = ImageDraw.Draw(page), _font("DejaVuSans.ttf")
    draw.text((40, 30), "Weinhandel e.K.  Reg. No. 5. Founded 24.03.1950 ...", fill=0, font=face)
    draw.text((40, 110), "Company Name " + "." * 40 + " Weinhandel", fill=0, font=face)
    mask = leader_mask((np.asarray(page) < 170).astype(np.uint8))
    rows = np.nonzero(mask.any(axis=1))[0]
    assert rows.size and rows.min() > 100  # the leader's row, none of the first line's stops
    assert mask[:, :200].sum() == 0  # nor the label's letters


def test_the_dots_of_letters_in_a_row_are_no_leader() -> None:
    """The i's dots of 'Commercial Lending' and a row of colons line up like a leader's dots, but letters
    stand between them: nothing on these lines is erased."""
    page = Image.new("L", A4_150, 255)
    draw, face = ImageDraw.Draw(page), _font("DejaVuSerif.ttf")
    draw.text((40, 30), "Commercial Lending | Application No. LA-2025-3874", fill=0, font=face)
    draw.text((40, 110), "Purpose of Use: Acquisition  Equity Contribution: EUR 1,040,000", fill=0, font=face)
    draw.text((40, 190), "Public Subsidies Applied For?:  [ ] yes  [x] no", fill=0, font=face)
    assert leader_mask((np.asarray(page) < 170).astype(np.uint8)).sum() == 0


def test_small_print_a_photo_broke_into_specks_is_no_leader() -> None:
    """A blurred photo breaks a line of 6-point print into dot-sized specks, close and no letter between them;
    they are set unevenly and at several heights, a leader's dots at one pitch on one line."""
    dark = np.zeros(A4_150[::-1], np.uint8)  # a page's largest dot: 4 pixels
    rng = np.random.default_rng(3)
    x = 20
    for _ in range(30):  # specks of letters: two or three to a letter, a wider step to the next letter
        top = 40 + int(rng.integers(0, 2))
        dark[top : top + 3, x : x + 3] = 1
        x += int(rng.choice([4, 4, 14, 17]))
    for i in range(30):  # a leader: one dot every 9 pixels on one line
        dark[120:123, 20 + 9 * i : 23 + 9 * i] = 1
    mask = leader_mask(dark)
    assert mask[100:140].sum() > 0 and mask[30:60].sum() == 0


TICK_ROWS = {
    "before": ("☒ Yes   ☐ No", "☐ Yes   ☒ No"),
    "after": ("Yes ☑   No ☐", "Yes ☐   No ☑"),
    "filled": ("■ Yes   □ No", "□ Yes   ■ No"),
}


@pytest.mark.parametrize("style", sorted(TICK_ROWS))
@pytest.mark.parametrize("font", ["DejaVuSans.ttf", "DejaVuSansMono.ttf"])
def test_tick_boxes_are_read_by_their_ink(style: str, font: str) -> None:
    """Tesseract reads ☒ and ☐ alike ('0 Yes 0 No', '®Yes ONo'): the box with ink inside is the tick."""
    yes, no = TICK_ROWS[style]
    rows = [
        ("Company Name", "Hansa Bau AG"),
        ("Early Repayment Desired?", yes),
        ("Public Funding Requested?", no),
    ]
    fields = _fields(_page(rows, font))
    assert fields["early_repayment"] is True
    assert fields["public_funding"] is False


@pytest.mark.parametrize("font", ["DejaVuSans.ttf", "DejaVuSansMono.ttf"])
def test_a_row_of_options_gives_the_one_ticked(font: str) -> None:
    """Tesseract drops a ☒ or reads it into its option ('OKG', 'BAG'): the boxes found by their ink
    give the ticked option of each row."""
    rows = [
        ("Company Name", "Hansa Bau AG"),
        ("Legal form", "☐ GmbH   ☒ AG   ☐ KG   ☐ e.K."),
        ("Interest rate", "☐ fixed   ☒ variable"),
        ("Early Repayment Desired?", "☒ Yes   ☐ No"),
    ]
    fields = _fields(_page(rows, font))
    assert fields["legal_form"] == "AG"
    assert fields["interest_rate"] == "Variable"
    assert fields["early_repayment"] is True


def test_a_text_layer_that_cannot_name_a_glyph_is_not_trusted() -> None:
    """DejaVu Serif has no ☒: the PDF prints a blank box, its text layer a '�'. Such a layer may hide a
    value, so the page is read from its picture (the box, blank on paper too, stays unanswered)."""
    if not (DEJAVU / "DejaVuSerif.ttf").is_file():
        pytest.skip("DejaVuSerif is not installed")
    if "TestSerif" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("TestSerif", str(DEJAVU / "DejaVuSerif.ttf")))
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.setFont("TestSerif", 11)
    for i, line in enumerate(
        ["Company Name   Hansa Bau AG", "VAT ID   DE764763892", "Early Repayment Desired?   ☒ Yes"]
    ):
        pdf.drawString(60, 760 - 24 * i, line)
    pdf.save()
    result = ocr_bytes(out.getvalue())
    assert result.path == "ocr"
    fields = extract(result.text, "rules").fields
    assert (fields["company_name"], fields["vat_id"]) == ("Hansa Bau AG", "DE764763892")


def test_a_fax_at_normal_resolution_is_read_with_square_pixels() -> None:
    """A group-4 fax sent at 'normal' resolution is 200 x 100 dpi: every letter half as tall as wide.
    Stretched back to square pixels it reads like any fax; left as it came, tesseract finds next to nothing."""
    rows = [
        ("Company Name", "Isartal Spedition KG"),
        ("VAT ID", "DE936378855"),
        ("Loan Amount", "EUR 8,480,000"),
    ]
    page = Image.open(io.BytesIO(_page(rows, "DejaVuSansMono.ttf"))).resize((1654, 1170)).convert("1")
    out = io.BytesIO()
    page.save(out, format="TIFF", compression="group4", dpi=(200, 100))
    fields = _fields(out.getvalue())
    assert fields["company_name"] == "Isartal Spedition KG"
    assert fields["vat_id"] == "DE936378855"
    assert fields["loan_amount"] == "€8,480,000"


def test_white_headers_on_a_dark_band_are_read() -> None:
    """A landscape overview prints its labels white on dark header bands, values in the cells below.
    Erasing the rules took a band for a thick rule and its white words went with it; the band is now
    turned light with dark words first."""
    page = Image.new("L", A4_150, 255)
    draw, bold, face = ImageDraw.Draw(page), _font("DejaVuSans-Bold.ttf", 20), _font("DejaVuSans.ttf", 20)
    columns = [
        ("Company", "Elbufer Hotelbetriebs AG", 90),
        ("Founded", "23.03.1968", 560),
        ("VAT ID", "DE096594618", 860),
    ]
    draw.rectangle((80, 200, 1160, 232), fill=70)
    for label, value, x in columns:
        draw.text((x, 204), label, fill=250, font=bold)
        draw.text((x, 244), value, fill=0, font=face)
    out = io.BytesIO()
    page.save(out, format="PNG", dpi=(150, 150))
    fields = _fields(out.getvalue())
    assert fields["company_name"] == "Elbufer Hotelbetriebs AG"
    assert fields["founding_date"] == "23.03.1968"
    assert fields["vat_id"] == "DE096594618"


def test_boxes_and_radio_buttons_a_pdf_draws_are_read_from_its_picture() -> None:
    """A portal's printout draws its radio buttons and a form its boxes as lines, not characters: the text
    layer says 'Fixed  Variable', 'Yes  No' and nothing of which was chosen. The page is rendered and each
    drawn mark read by its ink; a page with no such row is not rendered."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.setFont("Helvetica", 11)
    rows = [("Interest rate", ("Fixed", "Variable"), 1, "circle"), ("Early repayment desired", ("Yes", "No"), 0, "box"),
            ("Public funding applied for", ("Yes", "No"), 1, "box")]  # fmt: skip
    for i, (label, options, chosen, shape) in enumerate(rows):
        y = 760 - 28 * i
        pdf.drawString(60, y, label)
        for j, option in enumerate(options):
            x = 260 + 110 * j
            if shape == "circle":
                pdf.circle(x + 4, y + 4, 4.5, stroke=1, fill=int(j == chosen))
            else:
                pdf.rect(x, y - 1, 9, 9, stroke=1, fill=0)
                if j == chosen:
                    pdf.line(x + 1.5, y + 3, x + 4, y), pdf.line(x + 4, y, x + 8, y + 7)  # a tick
            pdf.drawString(x + 16, y, option)
    pdf.save()
    result = ocr_bytes(out.getvalue())
    assert result.path == "text-layer"
    fields = extract(result.text, "rules").fields
    assert (fields["interest_rate"], fields["early_repayment"], fields["public_funding"]) == (
        "Variable",
        True,
        False,
    )


def test_a_fillable_form_filled_in_on_screen_is_read_from_its_fields() -> None:
    """A bank's fillable PDF, filled in a PDF reader and mailed back: the answers live in its form fields,
    not in the page's text (read as the labels alone, 0 of these fields), and its boxes come after their
    answers ('Yes [x]  No [ ]'). The fields are printed into the page before it is read."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    form = pdf.acroForm
    pdf.setFont("Helvetica", 10)
    rows = [("Company name", "Alpenglas Werke GmbH"), ("Date of incorporation", "03.11.2009"),
            ("VAT ID", "DE287654321"), ("Purchase price", "EUR 3,200,000"), ("Term", "20 years")]  # fmt: skip
    for i, (label, value) in enumerate(rows):
        y = 760 - 26 * i
        pdf.drawString(50, y + 4, label)
        form.textfield(name=f"f{i}", value=value, x=220, y=y, width=300, height=18, fontSize=10)
    for i, (label, chosen) in enumerate((("Early repayment option", "yes"), ("Public funding", "no"))):
        y = 760 - 26 * (len(rows) + i)
        pdf.drawString(50, y + 4, label)
        for x, answer in ((220, "yes"), (270, "no")):
            pdf.drawString(x, y + 4, answer.title())
            form.checkbox(name=f"c{i}{answer}", x=x + 22, y=y + 2, size=12, checked=answer == chosen,
                          buttonStyle="cross")  # fmt: skip
    pdf.save()
    result = ocr_bytes(out.getvalue())
    assert result.path == "text-layer"
    fields = extract(result.text, "rules").fields
    assert (fields["company_name"], fields["founding_date"], fields["vat_id"]) == (
        "Alpenglas Werke GmbH",
        "03.11.2009",
        "DE287654321",
    )
    assert (fields["purchase_price"], fields["term"]) == ("€3,200,000", "20 years")
    assert (fields["early_repayment"], fields["public_funding"]) == (True, False)


def test_a_boxed_forms_small_labels_above_their_values_stay_rows_of_their_own() -> None:
    """A German bank's form prints each label in 6-point type at the top of its box and the value below it
    in 11-point: the next box's label sits just under a value, as close as a wrapped line. By the glyphs'
    ink (not the font's box) and by its small print it is a row of its own, not a piece of a label."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    boxes = [("Firma", "Lorenz Solutions AG", None), ("Rechtsform", "Aktiengesellschaft", ("Gründungsdatum", "26.10.1969")),
             ("Geschäftsanschrift", "Zeppelinstraße 162b, 89073 Ulm", None), ("Objektart", "Produktionshalle", ("Baujahr", "2026"))]  # fmt: skip
    y = 780
    for label, value, beside in boxes:
        for x, (small, big) in ((45, (label, value)), *(((360, beside),) if beside else ())):
            pdf.setFont("Helvetica", 6)
            pdf.drawString(x, y, small)
            pdf.setFont("Helvetica", 11)
            pdf.drawString(x + 3, y - 12, big)
        pdf.rect(40, y - 15, 500, 20, stroke=1, fill=0)
        y -= 20
    pdf.save()
    result = ocr_bytes(out.getvalue())
    assert result.path == "text-layer"
    fields = extract(result.text, "rules").fields
    assert (fields["company_name"], fields["legal_form"]) == ("Lorenz Solutions AG", "Aktiengesellschaft")
    assert (fields["founding_date"], fields["business_address"]) == (
        "26.10.1969",
        "Zeppelinstraße 162b, 89073 Ulm",
    )
    assert (fields["property_type"], fields["construction_year"]) == ("Produktionshalle", 2026)


def test_an_answer_struck_out_on_a_pdf_leaves_the_other() -> None:
    """'Yes / No (strike out what does not apply)': the line through 'Yes' is drawn, not text; the page is
    rendered and the answer with a line through it is the one not chosen."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.setFont("Helvetica", 11)
    for i, (label, struck) in enumerate(
        (("Public subsidies applied for?", 0), ("Early repayment desired?", 1))
    ):
        y = 760 - 28 * i
        pdf.drawString(60, y, label)
        pdf.drawString(260, y, "Yes  /  No")
        before = pdfmetrics.stringWidth("Yes  /  " if struck else "", "Helvetica", 11)
        word = pdfmetrics.stringWidth("No" if struck else "Yes", "Helvetica", 11)
        pdf.line(260 + before - 3, y + 3.5, 260 + before + word + 3, y + 3.5)  # a pen's line overshoots
    pdf.save()
    result = ocr_bytes(out.getvalue())
    assert result.path == "text-layer"
    fields = extract(result.text, "rules").fields
    assert (fields["public_funding"], fields["early_repayment"]) == (False, True)


def _comb(pdf: canvas.Canvas, x: float, y: float, text: str, boxes: int, pitch: float = 13) -> None:
    """``text`` one character per box of a comb of ``boxes`` boxes (a blank box for a space)."""
    for i in range(boxes):
        pdf.rect(x + i * pitch, y - 3, pitch, 14, stroke=1, fill=0)
    for i, char in enumerate(text):
        if char != " ":
            pdf.drawCentredString(x + i * pitch + pitch / 2, y, char)


def test_values_written_one_character_per_box_are_read_as_words() -> None:
    """A form for block capitals gives each character a box: 'S I L B E R  I N V E S T' are one-letter words
    at an even pitch. They are joined into words, a blank box a space, a cell further along its own."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    rows = [("1.1 Registered company name", "SILBER INVEST GMBH", None), ("1.2 Legal form", "GMBH", None),
            ("1.3 Business address (street, no., postcode, city)", "HAFENWEG 8, 14467 POTSDAM", None),
            ("1.4 VAT identification number", "DE543241234", None),
            ("2.4 Year of construction", "2020", ("2.5 Total area", "7630"))]  # fmt: skip
    y = 780
    for label, value, beside in rows:
        for x, (small, big) in ((45, (label, value)), *(((300, beside),) if beside else ())):
            pdf.setFont("Helvetica", 8)
            pdf.drawString(x, y, small)
            pdf.setFont("Courier", 11)
            _comb(pdf, x, y - 20, big, len(big) + (x < 300))
        y -= 44
    pdf.drawString(300 + 13 * 4 + 4, y + 44 - 20, "m²")  # the unit printed after the last box
    pdf.save()
    result = ocr_bytes(out.getvalue())
    assert result.path == "text-layer"
    assert "SILBER INVEST GMBH" in result.text.splitlines()
    fields = extract(result.text, "rules").fields
    assert (fields["company_name"], fields["legal_form"]) == ("SILBER INVEST GMBH", "GMBH")
    assert fields["business_address"] == "HAFENWEG 8, 14467 POTSDAM"
    assert fields["vat_id"] == "DE543241234"
    assert (fields["construction_year"], fields["total_area"]) == (2020, "7,630 m²")


def test_a_bordered_tables_cells_are_cut_at_its_borders() -> None:
    """A broker's tables draw each cell: its text may run up to the border ('... 18096 Rostock|HRB 607802'),
    a header has cells no vocabulary knows ('GLA' is one, 'Passing rent p.a.' is none), a cell is empty and
    a yes/no is answered by its initial, a header's label wraps in its cell ('Date of / incorporation'). The
    drawn borders cut the cells, the empty one keeps its column, the wrapped label is read as one."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    tables = [
        [("Company name", "Legal form", "Date of|incorporation", "Loan amount", "Term", "Installment"),
         ("Alpenrand SE", "SE", "19.01.2022", "EUR 5,310,000", "5 years", "EUR 97,800 / month")],
        [("Registered office", "Trade register", "VAT no."),
         ("Max-Planck-Strasse 111, 18096 Rostock", "HRB 607802 / Rostock Local Court", "DE 284 638 148")],
        [("Asset class", "Asset name", "Asset location"),
         ("Student Residence", "", "Hardturmstrasse 65, 8001 Zurich")],
        [("Acquisition cost", "Built", "GLA", "Passing rent p.a."),
         ("EUR 7,250,000", "2009", "1760 sqm", "EUR 415,200")],
        [("Prepayment option (Y/N)", "Subsidy application (Y/N)", "Arrangement fee"), ("N", "Y", "0.50% flat")],
    ]  # fmt: skip
    top = 780
    for header, values in tables:
        width = 510 / len(header)
        for row, (font, size) in ((header, ("Helvetica-Bold", 7)), (values, ("Helvetica", 8))):
            pdf.setFont(font, size)
            height = 9 + 9 * max(text.count("|") + 1 for text in row)
            for i, text in enumerate(row):
                pdf.rect(42 + i * width, top - height, width, height, stroke=1, fill=0)
                for k, line in enumerate(text.split("|")):  # a header's label wrapped in its cell
                    pdf.drawString(45 + i * width, top - 12 - 9 * k, line)
            top -= height
        top -= 20
    pdf.save()
    result = ocr_bytes(out.getvalue())
    assert result.path == "text-layer"
    assert "Company name  Legal form  Date of incorporation  Loan amount  Term  Installment" in result.text
    assert "Student Residence  –  Hardturmstrasse 65, 8001 Zurich" in result.text.splitlines()
    fields = extract(result.text, "rules").fields
    assert (fields["company_name"], fields["legal_form"], fields["founding_date"]) == (
        "Alpenrand SE",
        "SE",
        "19.01.2022",
    )
    assert (fields["loan_amount"], fields["term"], fields["monthly_payment"]) == (
        "€5,310,000",
        "5 years",
        "€97,800 per month",
    )
    assert (fields["business_address"], fields["commercial_register"], fields["vat_id"]) == (
        "Max-Planck-Strasse 111, 18096 Rostock",
        "HRB 607802 / Rostock Local Court",
        "DE284638148",
    )
    assert (fields["property_type"], fields["property_name"], fields["property_address"]) == (
        "Student Residence",
        None,
        "Hardturmstrasse 65, 8001 Zurich",
    )
    assert (fields["purchase_price"], fields["construction_year"], fields["total_area"]) == (
        "€7,250,000",
        2009,
        "1,760 m²",
    )
    assert (fields["early_repayment"], fields["public_funding"]) == (False, True)


def test_a_scanned_tables_rules_cut_its_cells_and_close_its_wrapped_labels() -> None:
    """A summary sheet's grid across a landscape page, its header shaded, scanned: the rules erased before OCR still say where
    each cell is, so the row is one table (not two side by side) and 'Date of / incorporation', wrapped in
    its cell, is one label."""
    page = Image.new("L", (2339, 1654), 250)
    draw, face = ImageDraw.Draw(page), _font("DejaVuSans.ttf", 26)
    tables = [
        [("Company name", "Legal form", "Date of|incorporation", "Register no.", "VAT ID", "Founded as"),
         ("Westfalen AG", "AG", "13.10.1990", "HRB 141069", "DE189395949", "GmbH")],
        [("Property type", "Property name", "Purchase price", "Year of|construction", "Modernised", "Total area"),
         ("Office", "Torhaus Nord", "EUR 1,650,000", "1988", "2016", "665 m2")],
        [("Loan amount", "Term", "Installment", "Interest", "Early|repayment?", "Annual rent"),
         ("EUR 1,890,000", "10 years", "EUR 19,135 monthly", "Variable", "no", "EUR 92,900")],
    ]  # fmt: skip
    top = 160
    for header, values in tables:
        width = 2160 / len(header)
        for row, fill in ((header, 200), (values, 250)):  # the header's cells shaded grey
            height = 24 + 34 * max(text.count("|") + 1 for text in row)
            for i, text in enumerate(row):
                left = 90 + i * width
                draw.rectangle((left, top, left + width, top + height), fill=fill, outline=30, width=3)
                for k, line in enumerate(text.split("|")):
                    draw.text((left + 12, top + 10 + 34 * k), line, fill=20, font=face)
            top += height
        top += 90
    out = io.BytesIO()
    page.save(out, format="PNG", dpi=(200, 200))
    fields = _fields(out.getvalue())
    assert (fields["company_name"], fields["legal_form"], fields["founding_date"]) == (
        "Westfalen AG",
        "AG",
        "13.10.1990",
    )
    assert (fields["commercial_register"], fields["vat_id"]) == ("HRB 141069", "DE189395949")
    assert (fields["property_type"], fields["property_name"], fields["purchase_price"]) == (
        "Office",
        "Torhaus Nord",
        "€1,650,000",
    )
    assert (fields["construction_year"], fields["total_area"]) == (1988, "665 m²")
    assert (fields["loan_amount"], fields["term"], fields["interest_rate"], fields["early_repayment"]) == (
        "€1,890,000",
        "10 years",
        "Variable",
        False,
    )


def test_labels_on_grey_cells_two_lines_each_beside_their_values_are_read() -> None:
    """A bilingual grid prints each label on a grey cell, in bold German over small English, beside a value
    of one line. The grey is made white under its words (rule erasing took it for dark runs, the straightening
    for ink), and a page tesseract reads unsurely as one block is read again with its own layout analysis."""
    page = Image.new("L", A4_150, 238)
    draw = ImageDraw.Draw(page)
    bold, small, value = (
        _font("DejaVuSans.ttf", 17),
        _font("DejaVuSerif.ttf", 14),
        _font("DejaVuSerif.ttf", 21),
    )
    rows = [("Firma", "Applicant", "Sternberg Software GmbH"), ("Gesellschaftsform", "Legal structure", "GmbH"),
            ("Gegründet am", "Founded", "1981-05-20"), ("Umsatzsteuer-ID", "VAT reg. no.", "DE 434053281"),
            ("Baujahr", "Year built", "2004"), ("Kaufpreis", "Purchase price", "€20,570,000"),
            ("Darlehenslaufzeit", "Loan term", "20 years")]  # fmt: skip
    for i, (german, english, answer) in enumerate(rows):
        top = 200 + 66 * i
        draw.rectangle((90, top, 560, top + 66), fill=150, outline=40, width=2)
        draw.rectangle((560, top, 1150, top + 66), fill=238, outline=40, width=2)
        draw.text((102, top + 10), german, fill=20, font=bold)
        draw.text((102, top + 36), english, fill=60, font=small)
        draw.text((580, top + 20), answer, fill=20, font=value)
    out = io.BytesIO()
    page.save(out, format="PNG", dpi=(150, 150))
    assert skew_angle(page) is None  # the grey cells are no dark blocks to straighten by
    fields = _fields(out.getvalue())
    assert (fields["company_name"], fields["legal_form"]) == ("Sternberg Software GmbH", "GmbH")
    assert (fields["founding_date"], fields["vat_id"]) == ("20.05.1981", "DE434053281")
    assert (fields["construction_year"], fields["purchase_price"], fields["term"]) == (
        2004,
        "€20,570,000",
        "20 years",
    )


def _columns_pdf(
    left: list[tuple[str, str]], right: list[tuple[str, str]], pitches: tuple[int, int]
) -> bytes:
    """A text-layer page of two columns side by side, each its own lines (font, text) at its own pitch."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    for x, lines, pitch in ((50, left, pitches[0]), (360, right, pitches[1])):
        y = 760
        for font, text in lines:
            pdf.setFont(font, 9)
            pdf.drawString(x, y, text)
            y -= pitch
    pdf.save()
    return out.getvalue()


def test_a_memos_running_text_and_its_key_facts_box_are_read_one_after_the_other() -> None:
    """A credit memo's sentences run down the left of the page, a box of key facts (each label above its
    value) down the right: lines side by side on one baseline are two columns, read one after the other,
    the box's label over its first row ('KEY FACTS') with it; a form's questions and answers stay rows."""
    prose = [
        "1. Applicant. Lech Projektentwicklung B.V. (legal form:",
        "Private limited company (B.V.)) was incorporated on 7",
        "September 1971 and has its business address at",
        "Oudegracht 103, 3511 LH Utrecht, The Netherlands. It is",
        "registered under KvK 61516783 and its VAT ID is",
        "DE334899777. The request relates to the property known",
        "as Residenz am Schlossgarten, a retail park, which was",
        "last valued in 2018 at EUR 3,100,000 by a surveyor and",
        "offers a total area of 3,680 sqm to its many tenants.",
    ]
    facts = ["KEY FACTS", "Obligor", "Lech Projektentwicklung B.V.", "Type", "Retail park", "Loan amount",
             "EUR 6,900,000", "Term", "30 years", "Rate", "3.45%"]  # fmt: skip
    data = _columns_pdf([("Helvetica", t) for t in prose], [("Helvetica", t) for t in facts], (14, 14))
    result = ocr_bytes(data)
    lines = result.text.splitlines()
    assert lines.index("September 1971 and has its business address at") < lines.index("KEY FACTS")
    assert lines[lines.index("KEY FACTS") + 1 : lines.index("KEY FACTS") + 3] == [
        "Obligor",
        "Lech Projektentwicklung B.V.",
    ]
    fields = extract(result.text, "rules").fields
    assert fields["company_name"] == "Lech Projektentwicklung B.V."
    assert (fields["loan_amount"], fields["term"], fields["interest_rate"]) == (
        "€6,900,000",
        "30 years",
        "3.45%",
    )
    assert fields["business_address"] == "Oudegracht 103, 3511 LH Utrecht, The Netherlands"


def test_labels_in_two_languages_beside_their_values_are_no_running_text() -> None:
    """A bilingual table's labels ('Date de création / Date of incorporation') have a sentence's many words, but
    each ends at its '/'-parted English beside its value: a table's rows, not a memo's text beside a box."""
    labels = ["Raison sociale / Company name", "Forme juridique / Legal form",
              "Date de création / Date of incorporation", "Adresse du siège / Business address",
              "Registre du commerce / Commercial register", "N° TVA intracommunautaire / VAT ID",
              "Type de bien / Property type", "Désignation du bien / Property name"]  # fmt: skip
    values = ["Foncière du Rhône SAS", "Société par actions simplifiée (SAS)", "25 août 2007",
              "134 rue de la République, 67000 Strasbourg, France", "RCS Strasbourg B 963 548 378",
              "FR 69 963548378", "Local commercial", "Hôtel des Arts"]  # fmt: skip
    data = _columns_pdf([("Helvetica", t) for t in labels], [("Helvetica", t) for t in values], (16, 16))
    lines = ocr_bytes(data).text.splitlines()
    assert any(line.startswith("Raison sociale / Company name") and "Foncière" in line for line in lines)
    fields = extract(ocr_bytes(data).text, "rules").fields
    assert (fields["company_name"], fields["founding_date"]) == ("Foncière du Rhône SAS", "25.08.2007")
    assert (fields["property_type"], fields["property_name"]) == ("Local commercial", "Hôtel des Arts")


def test_two_columns_of_labels_above_values_out_of_step_are_read_one_after_the_other() -> None:
    """A broker's form sets the borrower's labels above their values in the left column and the loan's in the
    right, each column at its own pitch: their rows never line up, so each column is read down on its own
    (no value is taken for the label beside it)."""
    left = [("Helvetica-Bold", "BORROWER (FULL LEGAL NAME)"), ("Helvetica", "Havel Wohnbau Ltd"),
            ("Helvetica-Bold", "INCORPORATED ON"), ("Helvetica", "6 October 1980"),
            ("Helvetica-Bold", "REGISTERED OFFICE ADDRESS"),
            ("Helvetica", "23 Berkeley Square, London W1J 7NJ, United Kingdom"),
            ("Helvetica-Bold", "TRADE REGISTER ENTRY"), ("Helvetica", "Companies House No. 13856038"),
            ("Helvetica-Bold", "VAT REGISTRATION NO."), ("Helvetica", "DE165024329")]  # fmt: skip
    right = [("Helvetica-Bold", "ASSET TYPE"), ("Helvetica", "Nursing home"),
             ("Helvetica-Bold", "BUILT"), ("Helvetica", "2021"),
             ("Helvetica-Bold", "FLOOR AREA"), ("Helvetica", "2,180 m²"),
             ("Helvetica-Bold", "ACQUISITION PRICE"), ("Helvetica", "€10,520,000"),
             ("Helvetica-Bold", "LOAN AMOUNT"), ("Helvetica", "€5,790,000"),
             ("Helvetica-Bold", "TENOR"), ("Helvetica", "30 years")]  # fmt: skip
    fields = extract(ocr_bytes(_columns_pdf(left, right, (22, 17))).text, "rules").fields
    assert (fields["company_name"], fields["founding_date"]) == ("Havel Wohnbau Ltd", "06.10.1980")
    assert fields["business_address"] == "23 Berkeley Square, London W1J 7NJ, United Kingdom"
    assert (fields["commercial_register"], fields["vat_id"]) == (
        "Companies House No. 13856038",
        "DE165024329",
    )
    assert (fields["property_type"], fields["construction_year"], fields["total_area"]) == (
        "Nursing home",
        2021,
        "2,180 m²",
    )
    assert (fields["purchase_price"], fields["loan_amount"], fields["term"]) == (
        "€10,520,000",
        "€5,790,000",
        "30 years",
    )


def test_a_tick_drawn_over_its_boxs_edge_still_ticks_that_box() -> None:
    """A check mark drawn by hand runs out of its box at the top right: box and tick are one shape, taller
    and wider than a box, which tesseract reads as 'Im'. The box is the part whose sides run straight, and
    the tick inside it says which answer; a question mark beside it is no box."""
    page = Image.new("L", A4_150, 250)
    draw, face = ImageDraw.Draw(page), _font("DejaVuSans.ttf")
    rows = [
        ("Company Name", None),
        ("Early repayment desired?", False),
        ("Public funding applied for?", True),
    ]
    for i, (label, answer) in enumerate(rows):
        y = 120 + 60 * i
        draw.text((90, y), label, fill=0, font=face)
        if answer is None:
            draw.text((640, y), "Hansa Bau AG", fill=0, font=face)
            continue
        for x, word, ticked in ((640, "Yes", answer), (780, "No", not answer)):
            draw.rectangle((x, y + 2, x + 22, y + 24), outline=20, width=2)
            draw.text((x + 32, y), word, fill=0, font=face)
            if ticked:  # a check mark from inside the box out past its top right corner
                draw.line([(x + 4, y + 13), (x + 10, y + 21), (x + 27, y - 6)], fill=20, width=3)
    out = io.BytesIO()
    page.save(out, format="PNG", dpi=(150, 150))
    fields = _fields(out.getvalue())
    assert fields["company_name"] == "Hansa Bau AG"
    assert (fields["early_repayment"], fields["public_funding"]) == (False, True)


@pytest.mark.parametrize("circled", ["YES", "NO"])
def test_an_answer_circled_by_hand_is_the_answer(circled: str) -> None:
    """'Please circle as appropriate:  YES  NO', one ringed in ink: the ring joins the word's letters into a
    shape tesseract drops, so only the other answer was read and the form seemed to say the opposite. The
    ring is found beside the answers, its word read with the ring wiped out, and ticked."""
    page = Image.new("L", A4_150, 250)
    draw, face = ImageDraw.Draw(page), _font("DejaVuSerif.ttf")
    draw.text((90, 120), "Company Name", fill=0, font=face)
    draw.text((640, 120), "Hansa Bau AG", fill=0, font=face)
    for i, question in enumerate(
        ("Do you wish to make early repayments?", "Have public subsidies been applied for?")
    ):
        y = 200 + 70 * i
        draw.text((90, y), question, fill=0, font=face)
        for x, word in ((720, "YES"), (860, "NO")):
            draw.text((x, y), word, fill=0, font=face)
            if word == circled:
                draw.ellipse(
                    (x - 16, y - 10, x + draw.textlength(word, font=face) + 16, y + 36), outline=30, width=3
                )
    out = io.BytesIO()
    page.save(out, format="PNG", dpi=(150, 150))
    fields = _fields(out.getvalue())
    assert fields["company_name"] == "Hansa Bau AG"
    assert (fields["early_repayment"], fields["public_funding"]) == ((circled == "YES",) * 2)


def test_small_print_scanned_finely_is_read_at_twice_the_resolution() -> None:
    """A portal's data sheet in 5-point print, scanned at 300 dpi: at the kit's 150 dpi its words are 10
    pixels tall and tesseract misreads them ('Lega: ferns'). Such a page is read once more at 300 dpi."""
    page = Image.new("L", (2480, 3508), 250)  # A4 at 300 dpi
    draw, face = ImageDraw.Draw(page), _font("DejaVuSans.ttf", 20)  # 5 point at 300 dpi
    rows = [
        ("Company name", "Hoffmann Projektentwicklung UG (haftungsbeschränkt)"),
        ("Legal form", "UG (haftungsbeschränkt)"),
        ("Date of incorporation", "18/07/1982"),
        ("Registered office", "Industriestraße 28, 68169 Mannheim, Germany"),
        ("Commercial register", "Mannheim Local Court, HRB 162023"),
        ("VAT ID", "DE 293 384 105"),
        ("Type of property", "Office building"),
        ("Purchase price", "EUR 4,850,000"),
        ("Loan amount", "EUR 3,400,000"),
        ("Term", "10 years"),
        ("Interest rate", "3.25%"),
    ]
    for i, (label, value) in enumerate(rows):
        draw.text((200, 300 + 44 * i), label, fill=20, font=face)
        draw.text((800, 300 + 44 * i), value, fill=20, font=face)
    for i in range(40):  # the portal's fine print under the form
        draw.text(
            (200, 900 + 40 * i),
            "Data protection notice and terms of use of the portal, page 1 of 1.",
            fill=20,
            font=face,
        )
    out = io.BytesIO()
    page.save(out, format="JPEG", quality=85, dpi=(300, 300))
    result = ocr_bytes(out.getvalue())
    assert result.pages[0].width == 2480  # read at 300 dpi
    fields = extract(result.text, "rules").fields
    assert fields["company_name"] == "Hoffmann Projektentwicklung UG (haftungsbeschränkt)"
    assert (fields["founding_date"], fields["commercial_register"]) == (
        "18.07.1982",
        "Mannheim Local Court, HRB 162023",
    )
    assert (fields["vat_id"], fields["purchase_price"], fields["term"]) == (
        "DE293384105",
        "€4,850,000",
        "10 years",
    )


@pytest.mark.parametrize("circled", ["Yes", "No"])
def test_a_faxed_questionnaires_ring_touching_its_word_is_the_answer(circled: str) -> None:
    """A questionnaire answered on the line below each question, faxed at 200 dpi: the ring is drawn tight,
    so it runs into the word's letters, and the fax loses the ringed word and often its row's other
    answer too. The ring is still a closed oval, mostly paper inside; its word is read enlarged, alone."""
    page = Image.new("L", (1654, 2339), 255)  # A4 at 200 dpi
    draw, face = ImageDraw.Draw(page), _font("DejaVuSerif.ttf", 30)
    draw.text((120, 160), "1.  What is the applicant's registered name?", fill=0, font=face)
    draw.text((180, 210), "Ashcombe Property Holdings Ltd", fill=0, font=face)
    for i, question in enumerate(
        ("2.  Do you wish to make early repayments?", "3.  Have public subsidies been applied for?")
    ):
        y = 300 + 130 * i
        draw.text((120, y), question, fill=0, font=face)
        for x, word in ((180, "Yes"), (360, "No")):
            draw.text((x, y + 55), word, fill=0, font=face)
            if word == circled:
                width = draw.textlength(word, font=face)
                draw.ellipse((x - 8, y + 50, x + width + 8, y + 95), outline=0, width=4)
    out = io.BytesIO()
    page.convert("1").save(out, format="TIFF", compression="group4", dpi=(200, 200))
    fields = _fields(out.getvalue())
    assert fields["company_name"] == "Ashcombe Property Holdings Ltd"
    assert (fields["early_repayment"], fields["public_funding"]) == ((circled == "Yes",) * 2)


@pytest.mark.parametrize("circled", ["Ja", "Nein"])
def test_a_ring_a_pdf_draws_round_a_printed_answer_on_its_line_is_the_answer(circled: str) -> None:
    """A questionnaire made on a computer: the answers printed on a line under each question and the chosen
    one ringed by a drawn ellipse that touches the line (and its word). The text layer says 'Ja  Nein' and
    nothing more: the page is rendered, the line set apart from the ring, the ring closed again where the
    line cut it."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.setFont("Times-Roman", 12)
    pdf.drawString(60, 760, "1. Wie lautet die Firma des Antragstellers?")
    pdf.drawString(90, 740, "Brückner Medizinbau GmbH")
    for i, question in enumerate(
        ("2. Sondertilgungen gewünscht?", "3. Wurden öffentliche Fördermittel beantragt?")
    ):
        y = 700 - 60 * i
        pdf.drawString(60, y, question)
        pdf.line(88, y - 24, 450, y - 24)  # the line the answers stand on
        for x, word in ((90, "Ja"), (150, "Nein")):
            pdf.drawString(x, y - 20, word)
            if word == circled:
                width = pdf.stringWidth(word, "Times-Roman", 12)
                pdf.ellipse(x - 5, y - 24, x + width + 5, y - 9)
    pdf.save()
    result = ocr_bytes(out.getvalue())
    assert result.path == "text-layer"
    fields = extract(result.text, "rules").fields
    assert fields["company_name"] == "Brückner Medizinbau GmbH"
    assert (fields["early_repayment"], fields["public_funding"]) == ((circled == "Ja",) * 2)

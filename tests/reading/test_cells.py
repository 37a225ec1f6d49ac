"""Labels wrapped over lines in a narrow label column, joined with their value (reading/cells.py)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from credit_ocr.reading.cells import Ruling
from credit_ocr.reading.extraction import extract
from credit_ocr.reading.lines import layout_text, line_words, rebuild_lines
from credit_ocr.reading.ocr import ocr_bytes

LINE = 30  # a line's height in pixels; words are drawn 20 high
CHAR = 10  # a character's width


def _text(text: str, x: int, y: int) -> list[dict]:
    """The word boxes of ``text`` set from (x, y), a space between words, every character ``CHAR`` wide."""
    words, left = [], x
    for word in text.split():
        words.append({"text": word, "left": left, "top": y, "width": CHAR * len(word), "height": 20})
        left += CHAR * (len(word) + 1)
    return words


def _words(cells: list[tuple[list[str], str]], value_line: int, padding: int = 24) -> list[dict]:
    """Word boxes of a two-column table: each cell's label lines at x=100, its value at x=400 beside label
    line ``value_line`` (0: top-aligned; 1: beside the second line)."""
    words, top = [], 100
    for label_lines, value in cells:
        for i, line in enumerate(label_lines):
            words += _text(line, 100, top + i * LINE)
        words += _text(value, 400, top + min(value_line, len(label_lines) - 1) * LINE)
        top += len(label_lines) * LINE + padding
    return words


CELLS = [
    (["Name of the", "applicant", "company"], "Bergmann Haustechnik GmbH"),
    (["Date of", "incorporation"], "03.11.2009"),
    (["VAT number"], "DE298114557"),
    (["Registered", "business address"], "Hafenstrasse 12, 28217 Bremen"),
]


@pytest.mark.parametrize("value_line", [0, 1])
def test_a_wrapped_label_comes_back_whole_beside_its_value(value_line: int) -> None:
    words = _words(CELLS, value_line)
    lines = rebuild_lines(words, [None] * len(words))
    assert lines == [
        "Name of the applicant company  Bergmann Haustechnik GmbH",
        "Date of incorporation  03.11.2009",
        "VAT number  DE298114557",
        "Registered business address  Hafenstrasse 12, 28217 Bremen",
    ]


def test_two_columns_of_labels_above_values_are_left_as_they_are() -> None:
    # no padding between a cell's label row and its value row that is wider than between two fields
    rows = [("Business Name", "Legal Form"), ("Isartal Wohnbau SE", "European Company (SE)"),
            ("Location of the Property", ""), ("Rosenstrasse 160, 80331 Munich", ""),
            ("Purchase Price", "Amount of Funding"), ("€23,020,000", "€17,880,000")]  # fmt: skip
    words = []
    for i, (left_text, right_text) in enumerate(rows):
        words += _text(left_text, 100, 100 + i * 36) + _text(right_text, 400, 100 + i * 36)
    lines = rebuild_lines(words, [None] * len(words))
    assert lines[2:4] == ["Location of the Property", "Rosenstrasse 160, 80331 Munich"]


def test_a_table_of_one_line_labels_keeps_its_section_heading_apart() -> None:
    cells = [(["Company"], "Hansa Bau AG"), (["VAT ID"], "DE764763892"), (["Founded"], "12.05.2018")]
    words = _words(cells, 0, padding=6)
    heading_top = max(w["top"] for w in words) + 70
    words.append({"text": "Property", "left": 100, "top": heading_top, "width": 80, "height": 26})
    words += [
        {"text": "Type", "left": 100, "top": heading_top + 50, "width": 40, "height": 20},
        {"text": "Office", "left": 400, "top": heading_top + 50, "width": 60, "height": 20},
    ]
    lines = rebuild_lines(words, [None] * len(words))
    assert "Property" in lines and "Type  Office" in lines


DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@pytest.mark.tesseract
def test_a_scanned_form_with_wrapped_labels_is_read() -> None:
    if not DEJAVU.is_file():
        pytest.skip(f"{DEJAVU} is not installed")
    face = ImageFont.truetype(str(DEJAVU), 22)
    page = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(page)
    top = 120
    for label_lines, value in [
        (["Name of the", "applicant company"], "Bergmann Haustechnik GmbH"),
        (["Date of", "incorporation of", "the company"], "03.11.2009"),
        (["Year in which the", "building was", "constructed"], "1998"),
        (["Financing amount", "requested in total"], "EUR 2,400,000"),
    ]:
        for i, line in enumerate(label_lines):
            draw.text((90, top + 30 * i), line, fill=0, font=face)
        draw.text((420, top + 30 * (len(label_lines) // 2)), value, fill=0, font=face)  # in the middle
        top += 30 * len(label_lines) + 26
        draw.line((80, top - 14, 1100, top - 14), fill=120, width=2)
    out = io.BytesIO()
    page.save(out, format="PNG", dpi=(150, 150))
    result = ocr_bytes(out.getvalue())
    pages = [(p.text, p.words) for p in result.pages]
    fields = extract(result.text, "rules", line_words(pages)).fields
    assert fields["company_name"] == "Bergmann Haustechnik GmbH"
    assert fields["founding_date"] == "03.11.2009"
    assert fields["construction_year"] == 1998
    assert fields["requested_amount"] == "€2,400,000"


def _row(y: int, *words: tuple[str, int]) -> list[dict]:
    return [{"text": t, "left": x, "top": y, "width": CHAR * len(t), "height": 20} for t, x in words]


def test_a_mark_under_the_no_column_says_no() -> None:
    words = [
        *_row(100, ("Question", 100), ("Yes", 600), ("No", 700)),
        *_row(140, ("Unscheduled", 100), ("repayments", 220), ("allowed?", 330), ("X", 605)),
        *_row(180, ("Subsidised", 100), ("loan", 210), ("involved?", 260), ("X", 703)),
        *_row(220, ("-", 100), ("fixed", 120), ("X", 605)),  # an option, not a question: left alone
    ]
    lines = rebuild_lines(words, [None] * len(words))
    assert lines[1:] == [
        "Unscheduled repayments allowed?  yes",
        "Subsidised loan involved?  no",
        "- fixed  X",
    ]
    fields = extract("\n".join(lines), "rules").fields
    assert fields["early_repayment"] is True
    assert fields["public_funding"] is False


def test_two_tables_side_by_side_are_read_one_after_the_other_with_their_wrapped_values() -> None:
    # a term sheet: each table wraps its own cells, so the rows of the two do not line up
    left = [
        ("Borrower", "Lechfeld Autohaus OHG"),
        ("Legal structure", "General Partnership"),
        ("", "(OHG)"),
        ("Corporate seat", "Kastanienweg 162,"),
        ("", "64295 Darmstadt"),
        ("Sales-tax ID", "DE991118132"),
    ]
    right = [("Total investment", "7 500 000 EUR"), ("Purpose", "Acquisition and Energy"), ("", "Refurbishment"),
             ("Equity share", "1 920 000 EUR"), ("Built in", "1996"), ("Loan term", "20 years")]  # fmt: skip
    words = []
    for column, table in ((0, left), (700, right)):
        top = 100
        for label, value in table:
            top += 24 if not label else 40  # a wrapped line sits closer than the next cell
            words += _text(label, 100 + column, top) + _text(value, 330 + column, top)
    lines = rebuild_lines(words, [None] * len(words))
    assert lines == [
        "Borrower  Lechfeld Autohaus OHG",
        "Legal structure  General Partnership (OHG)",
        "Corporate seat  Kastanienweg 162, 64295 Darmstadt",
        "Sales-tax ID  DE991118132",
        "Total investment  7 500 000 EUR",
        "Purpose  Acquisition and Energy Refurbishment",
        "Equity share  1 920 000 EUR",
        "Built in  1996",
        "Loan term  20 years",
    ]


def test_a_sentence_under_two_tables_is_not_cut_at_their_gutter() -> None:
    rows = [("Seat", "Bahnhofstrasse 155, 64283 Darmstadt", "Total", "EUR 7,500,000"),  # to x=650
            ("Borrower", "Hansa AG", "Financing", "EUR 5,580,000"),
            ("Founded", "2001", "Equity", "EUR 1,920,000"), ("VAT", "DE991118132", "Term", "20 years")]  # fmt: skip
    words = []
    for i, cells in enumerate(rows):
        for x, text in zip((100, 300, 700, 900), cells, strict=True):
            words += _text(text, x, 100 + 40 * i)
    # a sentence below, one of its word spaces (660-670) inside the gutter that the rows above leave (650-700)
    first, rest = (
        "The undersigned confirms that the information given abov",
        "everything is true and complete.",
    )
    words += _text(first, 100, 100 + 40 * len(rows)) + _text(
        rest, 100 + CHAR * (len(first) + 1), 100 + 40 * len(rows)
    )
    lines = rebuild_lines(words, [None] * len(words))
    assert lines[1] == "Borrower  Hansa AG" and lines[4] == "Total  EUR 7,500,000"
    assert lines[-1] == f"{first} {rest}"


def test_a_section_band_above_a_table_row_is_no_piece_of_its_label() -> None:
    cells = [(["Purchase price"], "EUR 3,000,000"), (["Floor area (total)"], "1,210 m²")]
    words = _words(cells, 0, padding=30)
    top = max(w["top"] for w in words) + 40
    # the band as close above its first row as a wrapped label's line, and as tall
    words += _row(top, ("Part", 100), ("3", 145), ("·", 160), ("Loan", 175), ("terms", 220))
    words += _row(
        top + 26, ("Desired", 100), ("loan", 180), ("amount", 230), ("EUR", 400), ("2,980,000", 440)
    )
    words += _row(top + 76, ("Duration", 100), ("15", 400), ("years", 430))
    lines = rebuild_lines(words, [None] * len(words))
    assert "Part 3 · Loan terms" in lines
    assert "Desired loan amount  EUR 2,980,000" in lines


def test_a_column_of_colons_and_a_faxs_specks_make_no_second_table() -> None:
    """'Firma  :  Becker KG        a': the colons after the labels and the specks far right leave a strip
    no word crosses, but a colon is no value and a speck no label's value: one table, each row whole."""
    rows = [("Firma", "Becker & Bodensee KG"), ("Rechtsform", "Kommanditgesellschaft"), ("Gruendung", "15.05.1970"),
            ("Anschrift", "Kaiserstrasse 36a, 44135 Dortmund"), ("Baujahr", "1985")]  # fmt: skip
    words = []
    for i, (label, value) in enumerate(rows):
        top = 100 + 40 * i
        words += (
            _text(label, 100, top) + _text(":", 280, top) + _text(value, 335, top) + _text("a", 1180, top)
        )
    lines = rebuild_lines(words, [None] * len(words))
    assert [" ".join(line.split()) for line in lines] == [f"{label} : {value} a" for label, value in rows]


def test_yes_no_columns_before_the_questions_answer_them() -> None:
    """'Y N' over 'X  26 RIGHT TO PREPAY?': a form's answer columns stand left of its questions; the mark under
    'Y' says yes, moved after its question in a cell of its own."""
    words = [
        *_row(100, ("Y", 100), ("N", 140)),
        *_row(140, ("X", 102), ("26", 200), ("RIGHT", 230), ("TO", 290), ("PREPAY?", 320)),
        *_row(180, ("X", 142), ("27", 200), ("GOVERNMENT", 230), ("GRANTS?", 350)),
    ]
    lines = rebuild_lines(words, [None] * len(words))
    assert lines[1:] == ["26 RIGHT TO PREPAY?  yes", "27 GOVERNMENT GRANTS?  no"]
    fields = extract("\n".join(lines), "rules").fields
    assert fields["early_repayment"] is True
    assert fields["public_funding"] is False


def test_a_bilingual_cells_two_lines_stay_in_reading_order_in_the_layout() -> None:
    """A drawn cell's label in two languages, one above the other ('Ragione sociale' over 'Applicant
    entity'), beside a value set between them: the layout the extractors read keeps each line whole."""
    words = [
        *_row(100, ("Ragione", 100), ("sociale", 180)),
        *_row(130, ("Applicant", 100), ("entity", 200)),
        *_row(115, ("Rossi", 400), ("Costruzioni", 460), ("S.r.l.", 580)),
    ]
    cells = (Ruling(90, 380, 95, 160), Ruling(390, 800, 95, 160))
    lines = rebuild_lines(words, [None] * len(words), cells)
    assert lines == ["Ragione sociale Applicant entity  Rossi Costruzioni S.r.l."]
    layout = layout_text([(lines[0], words)])
    assert "Ragione sociale Applicant entity" in layout
    assert extract(lines[0], "rules", line_words([(lines[0], words)]), layout).fields["company_name"] == (
        "Rossi Costruzioni S.r.l."
    )

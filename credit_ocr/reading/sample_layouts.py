"""Form layouts beyond the label/value table: labels above values, fields in table cells, dot leaders, a cover letter.

:func:`render_form` lays a :class:`~credit_ocr.reading.sample_forms.SampleDoc` out as a text-layer PDF in
one of the layouts of :mod:`credit_ocr.reading.sample_pools` (``table``, ``lines``, ``above``, ``cells``,
``leaders``, ``spaced``, ``stacked``, ``grid``, ``boxed``, ``dots``), optionally after a cover letter page, in a standard or a DejaVu font.
:func:`tick_text` prints a yes/no answer in one of the tick-box styles real forms use.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from credit_ocr.reading.extraction.fields import FIELD_NAMES

__all__ = ["register_font", "render_form", "tick_text"]

_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
_TTF = {
    "DejaVuSans": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    "DejaVuSerif": ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"),
    "DejaVuSansCondensed": ("DejaVuSansCondensed.ttf", "DejaVuSansCondensed-Bold.ttf"),
    "DejaVuSansMono": ("DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf"),
}
_STANDARD_BOLD = {"Helvetica": "Helvetica-Bold", "Times-Roman": "Times-Bold", "Courier": "Courier-Bold"}
_SECTION_FIELDS = (FIELD_NAMES[:6], FIELD_NAMES[6:15], FIELD_NAMES[15:])
_MARGIN = 50.0
#: What fills the gap between a label and its value, per layout: tight dots, spaced middle dots, a rule.
_LEADER_MARKS = {"dots": ".", "spaced": " \u00b7", "leaders": "_"}


def register_font(name: str) -> tuple[str, str]:
    """(regular, bold) reportlab names of a font; a DejaVu font missing on this machine falls back to Helvetica."""
    if name in _STANDARD_BOLD:
        return name, _STANDARD_BOLD[name]
    regular, bold = _TTF[name]
    if not (_DEJAVU / regular).is_file():
        return "Helvetica", "Helvetica-Bold"
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, str(_DEJAVU / regular)))
        pdfmetrics.registerFont(TTFont(name + "-Bold", str(_DEJAVU / bold)))
    return name, name + "-Bold"


def tick_text(style: str, yes: bool, rng: random.Random) -> str:
    """A yes/no answer as a form prints it: boxes before or after the words, ballot boxes, or words alone."""
    tick = rng.choice(("x", "X"))
    if style == "brackets":
        return f"[{tick}] yes [ ] no" if yes else f"[ ] yes [{tick}] no"
    if style == "mark":  # the boxes after the words
        return f"Yes [{tick}]   No [ ]" if yes else f"Yes [ ]   No [{tick}]"
    if style == "parens":
        return f"({tick}) Yes   ( ) No" if yes else f"( ) Yes   ({tick}) No"
    if style == "squares":
        return "■ Yes   □ No" if yes else "□ Yes   ■ No"
    if style == "ballot":
        return "☒ Yes   ☐ No" if yes else "☐ Yes   ☒ No"
    if style == "checks":  # ballot boxes with a check mark
        return "Yes ☑   No ☐" if yes else "Yes ☐   No ☑"
    if style == "german":
        return "Ja" if yes else "Nein"
    return rng.choice(("Yes", "yes")) if yes else rng.choice(("No", "no"))  # words


def _has_glyphs(font: str, value: str) -> bool:
    """True if ``font`` can print every character of ``value`` (the standard fonts: Latin-1 only)."""
    if font in _STANDARD_BOLD or font in _STANDARD_BOLD.values():
        return all(ord(ch) <= 255 for ch in value)
    glyphs = pdfmetrics.getFont(font).face.charToGlyph
    return all(ord(ch) in glyphs for ch in value if not ch.isspace())


class _Form:
    """A reportlab canvas with a cursor that starts a new page when the next block does not fit."""

    def __init__(self, doc, font: str, size: float) -> None:
        self.doc, self.size = doc, size
        self.font, self.bold = register_font(font)
        self.buf = io.BytesIO()
        self.pdf = canvas.Canvas(self.buf, pagesize=A4, invariant=1, pageCompression=1)
        self.pdf.setTitle("Loan Application")
        self.width, self.height = A4
        self.y = self.height - 60

    def text(self, x: float, y: float, value: str, size: float | None = None, bold: bool = False) -> None:
        font = self.bold if bold else self.font
        if not _has_glyphs(font, value):  # no ☒ or ☐ in the standard fonts, nor in DejaVu Serif: DejaVu
            font = register_font("DejaVuSans")[
                0
            ]  # Sans has them (a form's glyph is printed, not a blank box)
        self.pdf.setFont(font, size or self.size)
        self.pdf.drawString(x, y, value)

    def need(self, height: float) -> None:
        if self.y - height < 60:
            self.pdf.showPage()
            self.y = self.height - 60
            self.text(_MARGIN, self.y, "Loan Application (continued)", self.size + 3, bold=True)
            self.y -= self.size * 3

    def box(self, x0: float, y0: float, x1: float, y1: float) -> None:
        self.pdf.setStrokeGray(0.7)
        self.pdf.setLineWidth(0.5)
        self.pdf.rect(x0, y1, x1 - x0, y0 - y1)

    def finish(self) -> bytes:
        self.pdf.showPage()
        self.pdf.save()
        return self.buf.getvalue()


def _cover(form: _Form, letter: str) -> None:
    doc = form.doc
    form.text(_MARGIN, form.y, doc.printed.get("company_name", "The Applicant"), form.size + 2, bold=True)
    form.y -= form.size * 4
    for line in letter.format(
        lender=doc.lender, company=doc.printed.get("company_name", ""), city=doc.city
    ).split("\n"):
        form.text(_MARGIN, form.y, line)
        form.y -= form.size * 1.7
    form.pdf.showPage()
    form.y = form.height - 60


def _pairs(form: _Form, names: list[str]) -> list[tuple[str, str]]:
    return [(form.doc.labels[n], form.doc.printed[n]) for n in names if n in form.doc.printed]


def _rows(form: _Form, names: list[str], layout: str) -> None:
    """One field per row: a label and its value beside it (table, lines, leaders, dots, spaced) or below (above)."""
    size, lead = form.size, form.size * 1.75
    label_width = max(pdfmetrics.stringWidth(form.doc.labels[n], form.font, size) for n in FIELD_NAMES) + 16
    for label, value in _pairs(form, names):
        if layout == "above":
            form.need(lead * 1.6)
            form.text(_MARGIN, form.y, label, size - 1.5, bold=True)
            form.text(_MARGIN + 8, form.y - size * 1.25, value)
            form.y -= lead * 1.6
            continue
        form.need(lead)
        if layout == "lines":
            form.text(_MARGIN, form.y, f"{label}:")
            form.text(
                _MARGIN + pdfmetrics.stringWidth(label + ":", form.font, size) + size * 0.6, form.y, value
            )
        else:
            form.text(_MARGIN + 6, form.y, label)
            form.text(_MARGIN + label_width + 6, form.y, value)
            if layout in _LEADER_MARKS:  # dot leaders, or an underscore rule up to the value
                start = _MARGIN + 6 + pdfmetrics.stringWidth(label, form.font, size) + 4
                mark = _LEADER_MARKS[layout]
                count = int((_MARGIN + label_width - start) / pdfmetrics.stringWidth(mark, form.font, size))
                form.text(start, form.y, mark * count)
            elif layout == "table":
                top = form.y + size * 1.1
                form.box(_MARGIN, top, _MARGIN + label_width, top - lead)
                form.box(_MARGIN + label_width, top, form.width - _MARGIN, top - lead)
        form.y -= lead


def _columns(form: _Form, names: list[str], layout: str) -> None:
    """Two fields per row: label | value | label | value cells (cells), or labels above values (grid, boxed, stacked)."""
    size = form.size
    rows: list[list[tuple[str, str]]] = []
    for pair in _pairs(form, names):  # a long value (an address) gets a row of its own
        if len(pair[1]) > 26 or not rows or len(rows[-1]) == 2 or len(rows[-1][0][1]) > 26:
            rows.append([pair])
        else:
            rows[-1].append(pair)
    for row in rows:
        half = form.width - 2 * _MARGIN if len(row) == 1 else (form.width - 2 * _MARGIN) / 2
        height = size * (2.0 if layout == "cells" else 3.4)
        form.need(height)
        top = form.y + size * 1.2
        for col, (label, value) in enumerate(row):
            x = _MARGIN + col * half
            if layout == "cells":
                label_w = pdfmetrics.stringWidth(label, form.font, size - 1) + 12
                form.text(x + 4, form.y, label, size - 1)
                form.text(x + label_w + 4, form.y, value, size - 0.5 if len(value) > 30 else size)
                form.box(x, top, x + label_w, top - height)
                form.box(x + label_w, top, x + half, top - height)
            elif layout == "stacked":  # labels above values, two columns, no rules, the value indented
                form.text(x, form.y, label, size - 1)
                form.text(x + 10, form.y - size * 1.4, value)
            else:
                form.text(x + 4, form.y, label, size - 2, bold=layout == "grid")
                form.text(x + 4, form.y - size * 1.35, value)
                if layout == "boxed":
                    form.box(x, top, x + half - 6, top - height)
        form.y -= height


def render_form(doc, layout: str, font: str, size: float, letter: str | None = None) -> bytes:
    """The form as a text-layer PDF in ``layout``, after a cover letter page when ``letter`` is given."""
    form = _Form(doc, font, size)
    if letter:
        _cover(form, letter)
    form.text(_MARGIN, form.y, "Application for a Commercial Real Estate Loan", size + 5, bold=True)
    form.y -= size + 12
    form.text(_MARGIN, form.y, f"{doc.lender}  |  Application No. {doc.ref}")
    form.y -= size * 3
    for title, names in zip(doc.section_titles, _SECTION_FIELDS, strict=True):
        form.need(size * 6)
        form.text(_MARGIN, form.y, title, size + 1.5, bold=True)
        form.y -= size * 2.4
        if layout in ("cells", "grid", "boxed", "stacked"):
            _columns(form, list(names), layout)
        else:
            _rows(form, list(names), layout)
        form.y -= size * 1.4
    form.need(size * 8)
    form.text(_MARGIN, form.y, "Declaration & Signature", size + 1.5, bold=True)
    form.y -= size * 2
    form.text(_MARGIN, form.y, "I hereby confirm the accuracy and completeness of the information provided.")
    form.y -= size * 3.5
    form.text(_MARGIN, form.y, f"{doc.city}, {doc.signed}")
    form.text(_MARGIN + 230, form.y - size * 1.6, "Signature (Managing Director)", size - 1)
    return form.finish()

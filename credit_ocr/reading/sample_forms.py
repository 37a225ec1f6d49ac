"""What a sample loan application says and how it is laid out: plausible German applicants and properties.

:func:`content` draws the printed values and labels of one document from a seeded ``random.Random``,
in the source formats of the reference (``EUR 2,500,000``, ``2.500.000 €``, ``12/05/2018``...);
:func:`render_pdf` lays them out with reportlab as a text-layer PDF (a label/value table or
``Label: value`` lines). :mod:`credit_ocr.reading.samples` scans, names and stores the results.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from credit_ocr.reading.extraction.fields import FIELD_BY_NAME, FIELD_NAMES

__all__ = ["FONTS", "LAYOUTS", "SampleDoc", "content", "render_pdf"]

LAYOUTS = ("table", "lines")
FONTS = ("Helvetica", "Times-Roman", "Courier")
BOLD = {"Helvetica": "Helvetica-Bold", "Times-Roman": "Times-Bold", "Courier": "Courier-Bold"}


# --------------------------------------------------------------------------------------------
# content: plausible German applicants and properties

_STEMS = (
    "DemoTech Solutions", "Nordlicht Immobilien", "Rheintal Logistik", "Alpenblick Hotel", "Hansa Bau",
    "Elbufer Projektentwicklung", "Schwarzwald Holzbau", "Bavaria Retail", "Mainufer Office", "Spreeblick Digital",
    "Neckar Medical", "Weser Kontor", "Isartal Wohnbau", "Ruhr Industriepark", "Taunus Capital",
    "Bodensee Residenz", "Havel Handel", "Moselland Weinhandel", "Harz Energie", "Ostsee Ferienwelt",
    "Lahn Software", "Eifel Baustoffe", "Saale Pharma", "Altmark Agrar", "Kinzig Maschinenbau",
    "Donau Real Estate", "Emsland Logistik", "Fichtel Textil", "Werra Systems", "Allgaeu Gastro",
)  # fmt: skip
_FORMS = (  # (suffix, printed legal form, register kind)
    ("GmbH", "Limited Liability Company (GmbH)", "HRB"),
    ("GmbH", "Limited Liability Company (GmbH)", "HRB"),
    ("AG", "Stock Corporation (AG)", "HRB"),
    ("KG", "Limited Partnership (KG)", "HRA"),
    ("GmbH & Co. KG", "Limited Partnership (GmbH & Co. KG)", "HRA"),
    ("UG", "Entrepreneurial Company (UG)", "HRB"),
    ("SE", "European Company (SE)", "HRB"),
    ("OHG", "General Partnership (OHG)", "HRA"),
)
_CITIES = (
    ("Stuttgart", "70173"), ("Munich", "80331"), ("Hamburg", "20095"), ("Berlin", "10115"),
    ("Frankfurt am Main", "60311"), ("Cologne", "50667"), ("Dusseldorf", "40213"), ("Leipzig", "04109"),
    ("Dresden", "01067"), ("Hanover", "30159"), ("Nuremberg", "90402"), ("Bremen", "28195"),
    ("Mannheim", "68161"), ("Karlsruhe", "76133"), ("Freiburg", "79098"), ("Essen", "45127"),
    ("Dortmund", "44135"), ("Bonn", "53111"), ("Heidelberg", "69117"), ("Augsburg", "86150"),
)  # fmt: skip
_STREETS = (
    "Main Street", "Tech Park", "Hafenweg", "Lindenallee", "Market Square", "Bahnhofstrasse", "Schillerplatz",
    "Industriestrasse", "Am Hafen", "Goethestrasse", "River Road", "Parkring", "Kirchgasse", "Mozartweg",
    "Gewerbering", "Rosenstrasse", "Station Road", "Berliner Allee", "Domplatz", "Talstrasse",
)  # fmt: skip
_PROPERTY_TYPES = (
    "Office and Commercial Building", "Office Building", "Residential Complex", "Logistics Warehouse", "Hotel",
    "Retail Park", "Mixed-Use Building", "Light Industrial Hall", "Medical Centre", "Student Residence",
    "Apartment Building", "Shopping Centre",
)  # fmt: skip
_PROPERTY_NAMES = (
    "Innovation Center {city}", "Harbour View Offices", "Park Residences {city}", "Logistics Hub {city} North",
    "Riverside Lofts", "Business Campus {city}", "Old Mill Quarter", "Market Hall {city}", "Sunrise Apartments",
    "Gateway Tower", "Green Valley Park", "Station Plaza {city}", "Linden Court", "Tech Quarter {city}",
)  # fmt: skip
_PURPOSES = (
    "Purchase and Renovation", "Acquisition", "New Construction", "Refinancing", "Extension and Modernisation",
    "Purchase", "Energy-efficient Renovation", "Acquisition and Conversion",
)  # fmt: skip
_LENDERS = (
    "Nordbank Real Estate Finance", "Kreditbank Sued AG", "Rhein-Main Commercial Lending", "Hanseatic Property Bank",
    "Alpine Credit Partners",
)  # fmt: skip
_OPTIONAL = ("equity_share", "construction_year", "public_funding", "monthly_payment", "vat_id", "property_name",
             "founding_date", "interest_rate")  # fmt: skip

_SECTIONS = (
    (("1. Applicant", "1. Company Details", "1. Applicant Details"), FIELD_NAMES[:6]),
    (("2. Financial Request / Property Description", "2. Property and Financing Need", "2. Property Details"),
     FIELD_NAMES[6:15]),
    (("3. Financing Proposal", "3. Loan Request", "3. Requested Loan Terms"), FIELD_NAMES[15:]),
)  # fmt: skip
# synonyms that only make sense inside their section stay there; a few would be ambiguous anywhere else
_AVOID_SYNONYMS = {"Project", "Built", "Area", "Company"}


# --------------------------------------------------------------------------------------------
# printing values in the source formats of the reference


def _money_text(value: Decimal, style: str) -> str:
    cents = value != value.to_integral_value()
    us = f"{value:,.2f}" if cents else f"{int(value):,}"
    de = us.replace(",", "_").replace(".", ",").replace("_", ".")
    if style == "symbol":
        return f"€{us}"
    if style == "eur":
        return f"EUR {us}"
    if style == "de":
        return f"{de} €"
    return f"{de.replace('.', ' ')} EUR"  # space thousands


def _monthly_text(value: Decimal, style: str) -> str:
    suffix = {"symbol": " per month", "eur": "/month", "de": " monthly", "space": " per month"}[style]
    return _money_text(value, style) + suffix


def _round_to(value: float, step: int) -> Decimal:
    return Decimal(int(round(value / step)) * step)


@dataclass
class SampleDoc:
    """The printed values and the labels of one document, before layout."""

    printed: dict[str, str]
    labels: dict[str, str]
    lender: str
    city: str
    ref: str
    signed: str
    blank_missing: bool
    section_titles: tuple[str, ...]


def _box(rng: random.Random, yes: bool) -> str:
    tick = rng.choice(("[x]", "[x]", "[X]", "[x ]"))
    return f"{tick} yes [ ] no" if yes else f"[ ] yes {tick} no"


def _choose_labels(rng: random.Random) -> dict[str, str]:
    """Each field's printed label: its usual one, or (in some documents) one of its synonyms."""
    synonym_share = rng.choice((0.0, 0.0, 0.3, 0.6))
    labels = {}
    for name in FIELD_NAMES:
        spec = FIELD_BY_NAME[name]
        choices = [s for s in spec.synonyms if s not in _AVOID_SYNONYMS]
        labels[name] = rng.choice(choices) if choices and rng.random() < synonym_share else spec.label
    if labels["property_address"] == "Property Address" and rng.random() < 0.3:
        labels["property_address"] = "Adress"  # as the reference form prints it
    return labels


def _financing(rng: random.Random) -> tuple[Decimal, Decimal, Decimal, Decimal, int, Decimal | None, Decimal]:
    """Price, equity, requested amount, loan, term in years, the rate (None: printed in words) and the
    monthly payment of an annuity loan, consistent with each other as a real application's are."""
    price = _round_to(rng.uniform(600_000, 24_000_000), rng.choice((10_000, 50_000, 100_000)))
    if rng.random() < 0.15:
        price += Decimal(rng.randrange(1, 999)) * 10 + Decimal(rng.choice((25, 50, 75))) / 100
    equity = _round_to(float(price) * rng.uniform(0.15, 0.4), 10_000)
    requested = price - equity
    loan = requested if rng.random() < 0.7 else _round_to(float(requested) * rng.uniform(0.8, 0.97), 10_000)
    years = rng.choice((5, 8, 10, 12, 15, 15, 20, 20, 25, 30))
    numeric_rate = rng.random() < 0.5
    rate = Decimal(rng.randrange(215, 590, 5)) / 100
    r = float(rate if numeric_rate else Decimal("3.8")) / 100 / 12
    monthly = _round_to(float(loan) * r / (1 - (1 + r) ** (-12 * years)), 100)
    return price, equity, requested, loan, years, rate if numeric_rate else None, monthly


def content(rng: random.Random) -> SampleDoc:
    stem = rng.choice(_STEMS)
    suffix, legal_form, register = rng.choice(_FORMS)
    city, postcode = rng.choice(_CITIES)
    pcity, ppostcode = rng.choice(_CITIES) if rng.random() < 0.4 else (city, postcode)
    founded = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 73))
    price, equity, requested, loan, years, rate, monthly = _financing(rng)
    numeric_rate = rate is not None
    money = rng.choice(("symbol", "symbol", "eur", "de", "space"))
    area = rng.randrange(300, 24_000, rng.choice((1, 10, 50)))
    purpose = rng.choice(_PURPOSES)

    vat = "DE" + "".join(str(rng.randrange(10)) for _ in range(9))
    printed = {
        "company_name": f"{stem} {suffix}",
        "legal_form": legal_form,
        "founding_date": founded.strftime(rng.choice(("%d/%m/%Y", "%d.%m.%Y", "%d.%m.%Y"))),
        "business_address": f"{rng.choice(_STREETS)} {rng.randrange(1, 220)}, {postcode} {city}, Germany",
        "commercial_register": rng.choice(("{r} {n} / {c} Local Court", "{r} {n}, Local Court {c}"))
        .format(r=register, n=rng.randrange(10_000, 999_999), c=city),
        "vat_id": vat if rng.random() < 0.6 else f"{vat[:2]} {vat[2:5]} {vat[5:8]} {vat[8:]}",
        "property_type": rng.choice(_PROPERTY_TYPES),
        "property_name": rng.choice(_PROPERTY_NAMES).format(city=pcity),
        "property_address": f"{rng.choice(_STREETS)} {rng.randrange(1, 220)}, {ppostcode} {pcity}, Germany",
        "purchase_price": _money_text(price, money),
        "requested_amount": _money_text(requested, money),
        "purpose": purpose,
        "equity_share": _money_text(equity, money),
        "construction_year": str(rng.randrange(2025, 2028) if purpose == "New Construction" else rng.randrange(1905, 2025)),
        "total_area": rng.choice(("{a:,} m²", "{de} m2", "{a} sqm")).format(a=area, de=f"{area:,}".replace(",", ".")),
        "loan_amount": _money_text(loan, money),
        "term": rng.choice(("{y} years", "{y} years", "{y} yrs", "{y} Jahre")).format(y=years),
        "monthly_payment": _monthly_text(monthly, money),
        "interest_rate": (
            rng.choice(("{r}%", "{r} %", "{c}%")).format(r=f"{rate:.2f}".rstrip("0").rstrip("."),
                                                        c=f"{rate:.2f}".rstrip("0").rstrip(".").replace(".", ","))
            if numeric_rate
            else rng.choice(("Fixed", "Fixed", "Variable", "fixed"))
        ),
        "early_repayment": _box(rng, rng.random() < 0.5),
        "public_funding": _box(rng, rng.random() < 0.35),
    }  # fmt: skip
    if rng.random() < 0.3:  # a few documents leave one or two fields out
        for name in rng.sample(_OPTIONAL, rng.choice((1, 1, 2))):
            del printed[name]
    labels = _choose_labels(rng)
    signed = date(2025, 1, 1) + timedelta(days=rng.randrange(0, 300))
    return SampleDoc(
        printed=printed,
        labels=labels,
        lender=rng.choice(_LENDERS),
        city=city,
        ref=f"LA-{signed.year}-{rng.randrange(1, 9999):04d}",
        signed=signed.strftime("%d/%m/%Y"),
        blank_missing=rng.random() < 0.5,
        section_titles=tuple(rng.choice(titles) for titles, _ in _SECTIONS),
    )


# --------------------------------------------------------------------------------------------
# layout: a reportlab PDF with a text layer


def _grid(pdf: canvas.Canvas, top: float, rows: int, leading: float, columns: tuple[float, ...]) -> None:
    """A table's light grid: a rule above and below each row, a rule at each column edge."""
    pdf.setStrokeGray(0.78)
    pdf.setLineWidth(0.5)
    for i in range(rows + 1):
        pdf.line(columns[0], top - i * leading, columns[-1], top - i * leading)
    for x in columns:
        pdf.line(x, top, x, top - rows * leading)


def _declaration(
    pdf: canvas.Canvas,
    doc: SampleDoc,
    type_: tuple[str, str, float, float],
    margin: float,
    y: float,
    width: float,
) -> None:
    """The closing section: the confirmation, place and date, the signature lines."""
    font, bold, size, leading = type_
    pdf.setFont(bold, size + 1.5)
    pdf.drawString(margin, y, "4. Declaration & Signature")
    y -= leading * 1.2
    pdf.setFont(font, size)
    pdf.drawString(margin, y, "I hereby confirm the accuracy and completeness of the information provided.")
    y -= leading * 2.2
    pdf.drawString(margin, y, f"{doc.city}, {doc.signed}")
    y -= leading * 1.2
    pdf.setStrokeGray(0.2)
    pdf.line(margin, y + size, margin + 170, y + size)
    pdf.line(margin + 230, y + size, width - margin, y + size)
    pdf.setFont(font, size - 1)
    pdf.drawString(margin, y, "Place / Date")
    pdf.drawString(margin + 230, y, "Signature (Managing Director)")


def _header(
    pdf: canvas.Canvas, doc: SampleDoc, type_: tuple[str, str, float, float], margin: float, *, first: bool
) -> float:
    """The page's title (and on the first page the lender and reference); returns where the text goes on."""
    font, bold, size, leading = type_
    y = A4[1] - 60
    pdf.setFont(bold, size + 5)
    title = "Loan Application for a Commercial Real Estate Loan"
    pdf.drawString(margin, y, title if first else title + " (continued)")
    y -= size + 12
    if first:
        pdf.setFont(font, size)
        pdf.drawString(margin, y, f"{doc.lender}  |  Application No. {doc.ref}")
        y -= leading * 1.4
    return y


def render_pdf(doc: SampleDoc, layout: str, font: str, pages: int, size: float) -> bytes:
    buf = io.BytesIO()
    width = A4[0]
    pdf = canvas.Canvas(buf, pagesize=A4, invariant=1, pageCompression=1)
    pdf.setTitle("Loan Application")
    margin = 50.0
    bold = BOLD[font]
    leading = size * 1.75
    label_width = (
        0.0 if layout == "lines" else max(stringWidth(doc.labels[n], font, size) for n in FIELD_NAMES) + 16
    )
    page_no = 1

    def footer() -> None:
        pdf.setFont(font, 8 if font != "Courier" else 7.5)
        pdf.drawString(margin, 30, f"{doc.lender} - Ref. {doc.ref}")
        pdf.drawRightString(width - margin, 30, f"Page {page_no} of {pages}")

    y = _header(pdf, doc, (font, bold, size, leading), margin, first=True)
    section_for_page2 = 2 if pages == 2 else 99
    for s_index, (_, names) in enumerate(_SECTIONS):
        if s_index == section_for_page2:
            footer()
            pdf.showPage()
            page_no += 1
            y = _header(pdf, doc, (font, bold, size, leading), margin, first=False) - 10
        pdf.setFont(bold, size + 1.5)
        pdf.drawString(margin, y, doc.section_titles[s_index])
        y -= leading * 1.2
        rows = [n for n in names if n in doc.printed or (layout == "table" and doc.blank_missing)]
        top = y - (leading - size) / 2 - size * 0.15 + leading
        for name in rows:
            value = doc.printed.get(name, "")
            pdf.setFont(font, size)
            if layout == "table":
                pdf.drawString(margin + 6, y, doc.labels[name])
                pdf.drawString(margin + label_width + 6, y, value)
            else:
                label = f"{doc.labels[name]}:"
                pdf.drawString(margin, y, label)
                pdf.drawString(margin + stringWidth(label, font, size) + size * 0.6, y, value)
            y -= leading
        if layout == "table":  # light grid: two columns, one row per field
            _grid(pdf, top, len(rows), leading, (margin, margin + label_width, width - margin))
        y -= leading * 0.8
    _declaration(pdf, doc, (font, bold, size, leading), margin, y, width)
    footer()
    pdf.showPage()
    pdf.save()
    return buf.getvalue()

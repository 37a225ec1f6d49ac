"""Sample commercial real-estate loan applications with ground truth, for tests, lessons and experiments.

Each document is made from ``(seed, index)`` alone, so a seed reproduces the same bytes and truths, and an
experiment can make thousands in memory with :func:`make_document`. The variety is what an intake sees:
text-layer PDFs, image-only ("scanned") PDFs, PNG and JPEG images at 200 dpi with mild scan damage, one
and two pages, three fonts, two layouts (label/value table, ``Label: value`` lines), label synonyms, and
the source formats of the reference (``EUR 2,500,000``, ``2.500.000 €``, ``12/05/2018``, ``2800 sqm``,
``[x] yes [ ] no``...). The truth is always the normalized value (``fields.normalize`` of what is printed).
"""

from __future__ import annotations

import io
import json
import random
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PIL import Image, ImageFilter
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from credit_ocr.reading.extraction.fields import FIELD_BY_NAME, FIELD_NAMES, is_valid, normalize

Layer = Literal["text", "scan", "image"]
LAYERS: tuple[Layer, ...] = ("text", "scan", "image")
LAYOUTS = ("table", "lines")
FONTS = ("Helvetica", "Times-Roman", "Courier")
BOLD = {"Helvetica": "Helvetica-Bold", "Times-Roman": "Times-Bold", "Courier": "Courier-Bold"}
DPI = 200
MANIFEST = "manifest.json"

__all__ = [
    "LAYERS",
    "SampleError",
    "SampleInfo",
    "Variant",
    "generate",
    "load_samples",
    "make_document",
]


class SampleError(RuntimeError):
    """The samples folder is missing or its manifest does not match the files."""


@dataclass(frozen=True)
class Variant:
    """How a document was made: what an accuracy table groups by."""

    layer: Layer
    layout: str
    pages: int
    font: str
    format: str  # pdf | png | jpeg
    damage: dict[str, float] | None = None  # skew (degrees), blur (px), noise (sigma) for scans and images
    missing: tuple[str, ...] = ()  # fields the document does not state (their truth is null)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["missing"] = list(self.missing)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Variant:
        return cls(**{**data, "missing": tuple(data.get("missing", ()))})


@dataclass
class SampleInfo:
    """One sample document on disk with its normalized ground truth (21 keys) and how it was made."""

    path: Path
    truth_path: Path
    truth: dict[str, Any]
    variant: Variant = field(repr=False)


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
class _Doc:
    """The printed values and the labels of one document, before layout."""

    printed: dict[str, str]
    labels: dict[str, str]
    lender: str
    city: str
    ref: str
    signed: str
    blank_missing: bool
    section_titles: tuple[str, ...]


def _content(rng: random.Random) -> _Doc:
    stem = rng.choice(_STEMS)
    suffix, legal_form, register = rng.choice(_FORMS)
    city, postcode = rng.choice(_CITIES)
    pcity, ppostcode = rng.choice(_CITIES) if rng.random() < 0.4 else (city, postcode)
    founded = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 73))
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
    money = rng.choice(("symbol", "symbol", "eur", "de", "space"))
    area = rng.randrange(300, 24_000, rng.choice((1, 10, 50)))
    purpose = rng.choice(_PURPOSES)

    def box(yes: bool) -> str:
        tick = rng.choice(("[x]", "[x]", "[X]", "[x ]"))
        return f"{tick} yes [ ] no" if yes else f"[ ] yes {tick} no"

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
        "early_repayment": box(rng.random() < 0.5),
        "public_funding": box(rng.random() < 0.35),
    }  # fmt: skip
    if rng.random() < 0.3:  # a few documents leave one or two fields out
        for name in rng.sample(_OPTIONAL, rng.choice((1, 1, 2))):
            del printed[name]
    synonym_share = rng.choice((0.0, 0.0, 0.3, 0.6))
    labels = {}
    for name in FIELD_NAMES:
        spec = FIELD_BY_NAME[name]
        choices = [s for s in spec.synonyms if s not in _AVOID_SYNONYMS]
        labels[name] = rng.choice(choices) if choices and rng.random() < synonym_share else spec.label
    if labels["property_address"] == "Property Address" and rng.random() < 0.3:
        labels["property_address"] = "Adress"  # as the reference form prints it
    signed = date(2025, 1, 1) + timedelta(days=rng.randrange(0, 300))
    return _Doc(
        printed=printed,
        labels=labels,
        lender=rng.choice(_LENDERS),
        city=city,
        ref=f"LA-{signed.year}-{rng.randrange(1, 9999):04d}",
        signed=signed.strftime("%d/%m/%Y"),
        blank_missing=rng.random() < 0.5,
        section_titles=tuple(rng.choice(titles) for titles, _ in _SECTIONS),
    )


def _truth(doc: _Doc) -> dict[str, Any]:
    truth = {name: normalize(name, doc.printed.get(name)) for name in FIELD_NAMES}
    for name, value in truth.items():
        if name in doc.printed and not is_valid(name, value):
            raise AssertionError(
                f"generator printed {doc.printed[name]!r} for {name}, which normalizes to {value!r}"
            )
    return truth


# --------------------------------------------------------------------------------------------
# layout: a reportlab PDF with a text layer


def _render_pdf(doc: _Doc, layout: str, font: str, pages: int, size: float) -> bytes:
    buf = io.BytesIO()
    width, height = A4
    pdf = canvas.Canvas(buf, pagesize=A4, invariant=1, pageCompression=1)
    pdf.setTitle("Loan Application")
    margin = 50.0
    bold = BOLD[font]
    leading = size * 1.75
    label_width = max(stringWidth(doc.labels[n], font, size) for n in FIELD_NAMES) + 16
    if layout == "lines":
        label_width = 0.0
    page_no = 1

    def footer() -> None:
        pdf.setFont(font, 8 if font != "Courier" else 7.5)
        pdf.drawString(margin, 30, f"{doc.lender} - Ref. {doc.ref}")
        pdf.drawRightString(width - margin, 30, f"Page {page_no} of {pages}")

    def header(first: bool) -> float:
        y = height - 60
        pdf.setFont(bold, size + 5)
        title = "Loan Application for a Commercial Real Estate Loan"
        pdf.drawString(margin, y, title if first else title + " (continued)")
        y -= size + 12
        if first:
            pdf.setFont(font, size)
            pdf.drawString(margin, y, f"{doc.lender}  |  Application No. {doc.ref}")
            y -= leading * 1.4
        return y

    y = header(True)
    section_for_page2 = 2 if pages == 2 else 99
    for s_index, (_, names) in enumerate(_SECTIONS):
        if s_index == section_for_page2:
            footer()
            pdf.showPage()
            page_no += 1
            y = header(False) - 10
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
            pdf.setStrokeGray(0.78)
            pdf.setLineWidth(0.5)
            bottom = top - len(rows) * leading
            for i in range(len(rows) + 1):
                pdf.line(margin, top - i * leading, width - margin, top - i * leading)
            for x in (margin, margin + label_width, width - margin):
                pdf.line(x, top, x, bottom)
        y -= leading * 0.8
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
    footer()
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# scanning: render at 200 dpi, then skew, blur and noise like a desk scanner


def _rasterize(pdf_bytes: bytes) -> list[Image.Image]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf_bytes)
    try:
        return [page.render(scale=DPI / 72, grayscale=True).to_pil().convert("L") for page in document]
    finally:
        document.close()


def _damage(page: Image.Image, rng: np.random.Generator, damage: dict[str, float]) -> Image.Image:
    paper = int(rng.integers(236, 251))
    img = page.rotate(damage["skew"], resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    arr = np.asarray(img, dtype=np.float32)
    arr = paper - (255 - arr) * (paper - 25) / 255  # off-white paper, slightly grey toner
    arr += rng.normal(0.0, damage["noise"], arr.shape)
    specks = rng.random(arr.shape) < 0.0004
    arr[specks] -= rng.uniform(60, 160, int(specks.sum()))
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).filter(
        ImageFilter.GaussianBlur(damage["blur"])
    )
    # a scanner's background removal: paper noise flattens, the noise in and around the print stays
    flat = np.asarray(img)
    return Image.fromarray(np.where(flat > paper - 16, paper, flat).astype(np.uint8))


def _jpeg(img: Image.Image, quality: int = 72) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality, dpi=(DPI, DPI), optimize=True, progressive=True)
    return buf.getvalue()


def _scan_pdf(pages: list[Image.Image]) -> bytes:
    """An image-only PDF: one grayscale JPEG per page, no text layer."""
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4, invariant=1)
    width, height = A4
    for img in pages:
        pdf.drawImage(ImageReader(io.BytesIO(_jpeg(img))), 0, 0, width=width, height=height)
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


def _png(img: Image.Image) -> bytes:
    """A 16-grey (4-bit) PNG: small, and still plenty for OCR."""
    levels = (np.asarray(img, dtype=np.uint16) * 15 + 127) // 255
    pal = Image.frombytes("P", img.size, levels.astype(np.uint8).tobytes())
    pal.putpalette([v * 17 for v in range(16) for _ in range(3)])
    buf = io.BytesIO()
    pal.save(buf, "PNG", optimize=True, bits=4, dpi=(DPI, DPI))
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# public


def _plan(index: int) -> tuple[Layer, str, str, int, str]:
    """Layer, layout, font, pages and format for the index-th document: cycles so that any 12 cover all."""
    layer = LAYERS[index % 3]
    layout = LAYOUTS[(index // 3) % 2]
    font = FONTS[(index + index // 3) % 3]  # every layer meets every font, in both layouts
    turn = index // 3  # the n-th document of its layer
    two_pages = {"text": turn % 4 in (1, 2), "scan": turn % 8 in (1, 4), "image": False}[layer]
    pages = 2 if two_pages else 1
    fmt = "pdf" if layer != "image" else ("png" if (index // 6) % 2 == 0 else "jpeg")
    return layer, layout, font, pages, fmt


def make_document(seed: int, index: int) -> tuple[bytes, str, dict[str, Any], dict[str, Any]]:
    """One sample document in memory: (file bytes, file name, normalized truth with 21 keys, variant dict).

    The same (seed, index) always gives the same bytes, so experiments can make thousands without disk.
    """
    layer, layout, font, pages, fmt = _plan(index)
    rng = random.Random(f"credit-ocr-samples:{seed}:{index}")
    doc = _content(rng)
    size = rng.choice((10.0, 10.5, 11.0)) if font != "Courier" else 10.0
    pdf_bytes = _render_pdf(doc, layout, font, pages, size)
    damage = None
    if layer != "text":
        damage = {
            "skew": round(rng.uniform(-1.5, 1.5), 2),
            "blur": round(rng.uniform(0.3, 0.8), 2),
            "noise": round(rng.uniform(3.0, 9.0), 1),
        }
        noise = np.random.default_rng([seed, index, 2024])
        images = [_damage(page, noise, damage) for page in _rasterize(pdf_bytes)]
    tag = {"text": "text", "scan": "scan", "image": "png" if fmt == "png" else "jpg"}[layer]
    ext = {"pdf": "pdf", "png": "png", "jpeg": "jpg"}[fmt]
    name = f"loan_{index + 1:03d}_{layout}_{tag}.{ext}"
    if layer == "text":
        data = pdf_bytes
    elif layer == "scan":
        data = _scan_pdf(images)
    elif fmt == "png":
        data = _png(images[0])
    else:
        data = _jpeg(images[0])
    missing = tuple(n for n in FIELD_NAMES if n not in doc.printed)
    variant = Variant(layer, layout, pages, font, fmt, damage, missing)
    return data, name, _truth(doc), variant.as_dict()


def generate(
    out_dir: Path, count: int = 24, seed: int = 7, *, kinds: Iterable[Layer] | None = None
) -> list[SampleInfo]:
    """Write ``count`` documents, their ``<name>.json`` truths and ``manifest.json`` into ``out_dir``.

    ``kinds`` limits the layers made (``text``, ``scan``, ``image``); the index sequence stays the same,
    so a document's bytes do not depend on which kinds were asked for.
    """
    wanted = set(kinds or LAYERS)
    unknown = wanted - set(LAYERS)
    if unknown:
        raise ValueError(f"Unknown sample kinds {sorted(unknown)}: choose from {', '.join(LAYERS)}.")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _remove_previous(out_dir)
    infos: list[SampleInfo] = []
    manifest: list[dict[str, Any]] = []
    index = 0
    while len(infos) < count:
        if _plan(index)[0] in wanted:
            data, name, truth, variant = make_document(seed, index)
            path = out_dir / name
            truth_path = path.with_suffix(".json")
            path.write_bytes(data)
            truth_path.write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            infos.append(SampleInfo(path, truth_path, truth, Variant.from_dict(variant)))
            manifest.append({"file": name, "truth": truth_path.name, "variant": variant})
        index += 1
    (out_dir / MANIFEST).write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return infos


def _remove_previous(out_dir: Path) -> None:
    """Delete the documents an earlier run listed, so a smaller run leaves no stale samples behind."""
    manifest_path = out_dir / MANIFEST
    if not manifest_path.exists():
        return
    try:
        entries = json.loads(manifest_path.read_text(encoding="utf-8"))
    except ValueError:
        return
    for entry in entries:
        for key in ("file", "truth"):
            name = Path(str(entry.get(key, ""))).name  # never outside out_dir
            if name:
                (out_dir / name).unlink(missing_ok=True)
    manifest_path.unlink()


def load_samples(directory: Path) -> list[SampleInfo]:
    """The samples listed in ``directory/manifest.json``, with their truths read from disk."""
    directory = Path(directory)
    manifest_path = directory / MANIFEST
    if not manifest_path.exists():
        raise SampleError(f"No {MANIFEST} in {directory}: run `credit-ocr samples --out {directory}` first.")
    infos = []
    for entry in json.loads(manifest_path.read_text(encoding="utf-8")):
        path, truth_path = directory / entry["file"], directory / entry["truth"]
        if not path.exists() or not truth_path.exists():
            raise SampleError(
                f"{manifest_path} lists {entry['file']}, but it or its truth is missing: regenerate."
            )
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        infos.append(SampleInfo(path, truth_path, truth, Variant.from_dict(entry["variant"])))
    return infos

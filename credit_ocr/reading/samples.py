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
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PIL import Image, ImageFilter
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from credit_ocr.config import get_settings
from credit_ocr.reading.extraction.fields import FIELD_NAMES, is_valid, normalize
from credit_ocr.reading.pages import PDF, load_pages
from credit_ocr.reading.sample_forms import FONTS, LAYOUTS, SampleDoc, content, render_pdf

Layer = Literal["text", "scan", "image"]
LAYERS: tuple[Layer, ...] = ("text", "scan", "image")
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
    format: str  # pdf | png | jpeg | tiff
    damage: dict[str, float] | None = None  # skew (degrees), blur (px), noise (sigma) for scans and images
    missing: tuple[str, ...] = ()  # fields the document does not state (their truth is null)
    mail: str | None = None  # how it arrived, for hard mail (reading/mail.py): turned-90, photo, fax, ...

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["missing"] = list(self.missing)
        if data["mail"] is None:  # the kit's own samples: their manifests stay as they were
            del data["mail"]
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


def ground_truth(doc: SampleDoc) -> dict[str, Any]:
    """The normalized value of every field the document prints (None for the rest), checked valid."""
    truth = {name: normalize(name, doc.printed.get(name)) for name in FIELD_NAMES}
    for name, value in truth.items():
        if name in doc.printed and not is_valid(name, value):
            raise AssertionError(
                f"generator printed {doc.printed[name]!r} for {name}, which normalizes to {value!r}"
            )
    return truth


# --------------------------------------------------------------------------------------------
# scanning: render at 200 dpi, then skew, blur and noise like a desk scanner


def _rasterize(pdf_bytes: bytes) -> list[Image.Image]:
    """The pages as the pipeline renders them (pypdfium2, grayscale), at the samples' 200 dpi."""
    settings = get_settings().model_copy(update={"ocr_dpi": DPI})
    return load_pages(pdf_bytes, PDF, settings)


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
    doc = content(rng)
    size = rng.choice((10.0, 10.5, 11.0)) if font != "Courier" else 10.0
    pdf_bytes = render_pdf(doc, layout, font, pages, size)
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
    return data, name, ground_truth(doc), variant.as_dict()


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

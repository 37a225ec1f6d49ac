"""Sample commercial real-estate loan applications with ground truth, for tests, lessons and experiments.

Each document is made from ``(seed, index)`` alone, so a seed reproduces the same bytes and truths, and an
experiment can make thousands in memory with :func:`make_document`. The variety is what an intake sees:
text-layer PDFs, image-only ("scanned") PDFs, PNG and JPEG images at 200 dpi with mild scan damage, one
and two pages, three fonts, two layouts (label/value table, ``Label: value`` lines), label synonyms, and
the source formats of the reference (``EUR 2,500,000``, ``2.500.000 €``, ``12/05/2018``, ``2800 sqm``,
``[x] yes [ ] no``...). The truth is always the normalized value (``fields.normalize`` of what is printed).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pypdfium2 as pdfium

from credit_ocr.reading import sample_pools
from credit_ocr.reading.extraction.fields import FIELD_NAMES, is_valid, normalize
from credit_ocr.reading.sample_forms import FONTS, LAYOUTS, SampleDoc, content, render_pdf
from credit_ocr.reading.sample_layouts import render_form, tick_text
from credit_ocr.reading.sample_scans import damage_page, jpeg_bytes, png_bytes, rasterize, scan_pdf

Layer = Literal["text", "scan", "image"]
LAYERS: tuple[Layer, ...] = ("text", "scan", "image")
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
    pool: str = "base"  # base (the kit's own forms), tune or heldout (sample_pools)
    boxes: str = "brackets"  # how yes/no is printed (sample_layouts.tick_text)
    cover: bool = False  # a cover letter page comes before the form
    mail: str | None = None  # how it arrived, for hard mail (reading/mail.py): turned-90, photo, fax, ...

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["missing"] = list(self.missing)
        if data["mail"] is None:  # the kit's own samples: their manifests stay as they were
            del data["mail"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Variant:
        """The variant a manifest recorded; keys this version does not know are left out."""
        known = {f.name for f in fields(cls)}
        return cls(
            **{k: v for k, v in data.items() if k in known and k != "missing"},
            missing=tuple(data.get("missing", ())),
        )


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


def _pool_form(pool: str, index: int, rng: random.Random) -> tuple[SampleDoc, bytes, dict[str, Any]]:
    """A document of the ``tune`` or ``heldout`` pool: its content, its PDF and how it was made."""
    doc = content(rng)
    made = sample_pools.plan(pool, index, rng, doc.labels)
    for name in ("early_repayment", "public_funding"):
        if name in doc.printed:
            doc.printed[name] = tick_text(made.boxes, bool(normalize(name, doc.printed[name])), rng)
    doc.labels, doc.section_titles = made.labels, made.section_titles
    size = rng.choice((9.5, 10.0, 10.5))
    pdf_bytes = render_form(doc, made.layout, made.font, size, made.letter)
    how = {"layout": made.layout, "font": made.font, "boxes": made.boxes, "cover": made.letter is not None}
    return doc, pdf_bytes, how


def make_document(
    seed: int, index: int, pool: str = "base"
) -> tuple[bytes, str, dict[str, Any], dict[str, Any]]:
    """One sample document in memory: (file bytes, file name, normalized truth with 21 keys, variant dict).

    The same (seed, index, pool) always gives the same bytes, so experiments can make thousands without
    disk. ``pool`` is ``base`` (the kit's own forms), ``tune`` or ``heldout`` (see ``sample_pools``).
    """
    layer, layout, font, pages, fmt = _plan(index)
    extra: dict[str, Any] = {}
    if pool == "base":
        rng = random.Random(f"credit-ocr-samples:{seed}:{index}")
        doc = content(rng)
        size = rng.choice((10.0, 10.5, 11.0)) if font != "Courier" else 10.0
        pdf_bytes = render_pdf(doc, layout, font, pages, size)
        ranges = {"skew": (-1.5, 1.5), "blur": (0.3, 0.8), "noise": (3.0, 9.0)}
    elif pool in sample_pools.POOLS:
        rng = random.Random(f"credit-ocr-samples:{pool}:{seed}:{index}")
        doc, pdf_bytes, extra = _pool_form(pool, index, rng)
        layout, font = extra.pop("layout"), extra.pop("font")
        ranges = sample_pools.POOLS[pool].damage
        extra["pool"] = pool
    else:
        raise ValueError(f"Unknown sample set {pool!r}: choose from {', '.join(sample_pools.SETS)}.")
    damage = None
    if layer != "text":
        damage = {
            "skew": round(rng.uniform(*ranges["skew"]), 2),
            "blur": round(rng.uniform(*ranges["blur"]), 2),
            "noise": round(rng.uniform(*ranges["noise"]), 1),
        }
        noise = np.random.default_rng([seed, index, 2024])
        images = [damage_page(page, noise, damage) for page in rasterize(pdf_bytes)]
        if len(images) > 1 and layer == "image":  # an image holds one page: several become a scanned PDF
            layer, fmt = "scan", "pdf"
        pages = len(images)
    elif pool != "base":
        pages = len(pdfium.PdfDocument(pdf_bytes))
    tag = {"text": "text", "scan": "scan", "image": "png" if fmt == "png" else "jpg"}[layer]
    ext = {"pdf": "pdf", "png": "png", "jpeg": "jpg"}[fmt]
    prefix = "loan" if pool == "base" else pool
    name = f"{prefix}_{index + 1:03d}_{layout}_{tag}.{ext}"
    if layer == "text":
        data = pdf_bytes
    elif layer == "scan":
        data = scan_pdf(images)
    elif fmt == "png":
        data = png_bytes(images[0])
    else:
        data = jpeg_bytes(images[0])
    missing = tuple(n for n in FIELD_NAMES if n not in doc.printed)
    variant = Variant(layer, layout, pages, font, fmt, damage, missing, **extra)
    return data, name, ground_truth(doc), variant.as_dict()


def generate(
    out_dir: Path,
    count: int = 24,
    seed: int = 7,
    *,
    kinds: Iterable[Layer] | None = None,
    pool: str = "base",
) -> list[SampleInfo]:
    """Write ``count`` documents, their ``<name>.json`` truths and ``manifest.json`` into ``out_dir``.

    ``kinds`` limits the layers made (``text``, ``scan``, ``image``); the index sequence stays the same,
    so a document's bytes do not depend on which kinds were asked for. ``pool`` picks the set: ``base``,
    ``tune`` (develop an extractor on it) or ``heldout`` (only ever measure on it).
    """
    wanted = set(kinds or LAYERS)
    unknown = wanted - set(LAYERS)
    if unknown:
        raise ValueError(f"Unknown sample kinds {sorted(unknown)}: choose from {', '.join(LAYERS)}.")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_previous(out_dir)
    infos: list[SampleInfo] = []
    manifest: list[dict[str, Any]] = []
    index = 0
    while len(infos) < count:
        if _plan(index)[0] in wanted:
            data, name, truth, variant = make_document(seed, index, pool)
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


def remove_previous(out_dir: Path) -> None:
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

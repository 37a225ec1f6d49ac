"""Hard mail: the kit's sample applications as a bank's inbox really gets them, with ground truth.

Made from the clean pages of the generated samples (:mod:`.samples`), each document one kind of mail:

- ``turned-90`` / ``turned-180`` / ``turned-270``: a scan fed sideways or upside down (PDF or JPEG);
- ``photo``: the form photographed on a desk with a phone: perspective, a shadow, a desk around the
  sheet, JPEG (two pages: a PDF of two photos, as scanner apps make);
- ``fax``: 150-dpi black-and-white, group-4 compressed TIFF, one frame per page.

The folder has the samples' format (``manifest.json`` with each variant's ``mail``, ``<name>.json``
truths), so ``credit-ocr eval DIR`` scores it and each kind can be compared before and after a change.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageFilter
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from credit_ocr.reading import sample_scans, samples

__all__ = ["MAIL_KINDS", "fax_tiff", "generate_mail", "make_mail", "photograph", "turned_scan"]

MAIL_KINDS = ("turned-90", "turned-180", "turned-270", "photo", "fax")
FAX_DPI = 150


def turned_scan(page: Image.Image, angle: int, rng: np.random.Generator) -> Image.Image:
    """A desk scan (skew, blur, noise) of ``page`` fed in turned ``angle`` degrees counter-clockwise."""
    damage = {"skew": round(float(rng.uniform(-1.0, 1.0)), 2), "blur": 0.5, "noise": 5.0}
    return sample_scans.damage_page(page, rng, damage).rotate(angle, expand=True)


def photograph(page: Image.Image, rng: np.random.Generator) -> Image.Image:
    """``page`` photographed on a desk: an RGB photo with perspective, a shadow, desk all around."""
    sheet = np.asarray(page.filter(ImageFilter.GaussianBlur(0.8)), dtype=np.float32)
    height, width = round(page.height * 1.05), round(page.width * 1.1)
    fill = rng.uniform(0.72, 0.85)  # how much of the photo's width the sheet takes
    sw, sh = width * fill, width * fill * page.height / page.width
    x0, y0 = (width - sw) / 2, (height - sh) / 2
    quad = np.array([[x0, y0], [x0 + sw, y0], [x0 + sw, y0 + sh], [x0, y0 + sh]], dtype=np.float32)
    quad += rng.uniform(-0.05, 0.05, quad.shape).astype(np.float32) * np.float32(width)
    src = np.array([[0, 0], [page.width, 0], [page.width, page.height], [0, page.height]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(src, quad)
    warped = cv2.warpPerspective(sheet, matrix, (width, height), flags=cv2.INTER_AREA)
    inside = cv2.warpPerspective(np.ones_like(sheet), matrix, (width, height)) > 0.5
    desk_colour = rng.uniform([70, 50, 35], [130, 100, 80])  # wood to grey-brown
    texture = cv2.GaussianBlur(rng.standard_normal((height, width), dtype=np.float32) * 12, (0, 0), 3)
    light = _shadow(height, width, rng)
    photo = np.empty((height, width, 3), dtype=np.float32)
    for c in range(3):
        paper_tint = (1.0, 0.98, 0.93)[c]
        photo[..., c] = np.where(inside, warped * paper_tint, desk_colour[c] + texture) * light
    photo += rng.standard_normal((height, width, 1), dtype=np.float32) * 3.0  # sensor noise
    return Image.fromarray(np.clip(photo, 0, 255).astype(np.uint8), mode="RGB")


def _shadow(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """Uneven light: brightness falling off across the photo, a soft shadow from one side."""
    yy, xx = np.mgrid[0:1:64j, 0:1:64j].astype(np.float32)  # smooth: made small, then enlarged
    theta = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(theta) * (xx - 0.5) + np.sin(theta) * (yy - 0.5)) + 0.5
    depth = rng.uniform(0.25, 0.4)
    light = (1.0 - depth * np.clip(ramp, 0, 1) ** 1.5).astype(np.float32)
    return cv2.resize(light, (width, height), interpolation=cv2.INTER_LINEAR)


def fax_tiff(pages: list[Image.Image], rng: np.random.Generator, dpi: int = sample_scans.DPI) -> bytes:
    """The pages sent by fax: 150 dpi, black and white, a little skew and noise, group-4 TIFF."""
    frames = []
    for page in pages:
        turned = page.rotate(float(rng.uniform(-0.8, 0.8)), resample=Image.Resampling.BILINEAR, fillcolor=255)
        size = (round(page.width * FAX_DPI / dpi), round(page.height * FAX_DPI / dpi))
        small = np.asarray(turned.resize(size, Image.Resampling.BILINEAR), dtype=np.float32)
        small = small + rng.normal(0, 18, small.shape)
        frames.append(Image.fromarray((small > 150).astype(np.uint8) * 255).convert("1"))
    buf = io.BytesIO()
    frames[0].save(
        buf, "TIFF", compression="group4", dpi=(FAX_DPI, FAX_DPI), save_all=True, append_images=frames[1:]
    )
    return buf.getvalue()


def _image_pdf(images: list[Image.Image], dpi: float) -> bytes:
    """An image-only PDF, each page the size of its image at ``dpi`` (a turned page stays turned)."""
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, invariant=1)
    for img in images:
        width, height = img.width * 72 / dpi, img.height * 72 / dpi
        pdf.setPageSize((width, height))
        jpeg = io.BytesIO()
        img.save(jpeg, "JPEG", quality=80)
        pdf.drawImage(ImageReader(io.BytesIO(jpeg.getvalue())), 0, 0, width=width, height=height)
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


def _jpeg(img: Image.Image, quality: int, dpi: float | None = None) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality, **({"dpi": (dpi, dpi)} if dpi else {}))
    return buf.getvalue()


def make_mail(seed: int, index: int) -> tuple[bytes, str, dict[str, Any], dict[str, Any]]:
    """The index-th piece of hard mail: (file bytes, file name, truth with 21 keys, variant dict).

    Its kind cycles through :data:`MAIL_KINDS`; its content is the text-layer sample ``3 * index`` of
    ``seed`` (clean pages, both layouts, every font), so the same (seed, index) gives the same bytes.
    """
    kind = MAIL_KINDS[index % len(MAIL_KINDS)]
    data, name, truth, variant = samples.make_document(seed, 3 * index)  # index % 3 == 0: text layer
    pages = sample_scans.rasterize(data)
    rng = np.random.default_rng([seed, index, 2026])
    stem = f"mail_{index + 1:03d}_{kind}"
    if kind.startswith("turned"):
        turned = [turned_scan(p, int(kind.split("-")[1]), rng) for p in pages]
        if len(turned) == 1 and index % 2:
            data, fmt, layer = _jpeg(turned[0], 80, sample_scans.DPI), "jpeg", "image"
        else:
            data, fmt, layer = _image_pdf(turned, sample_scans.DPI), "pdf", "scan"
    elif kind == "photo":
        photos = [photograph(p, rng) for p in pages]
        quality = int(rng.integers(75, 90))
        if len(photos) == 1:
            data, fmt, layer = _jpeg(photos[0], quality), "jpeg", "image"
        else:
            data, fmt, layer = _image_pdf(photos, sample_scans.DPI), "pdf", "scan"
    else:
        data, fmt, layer = fax_tiff(pages, rng), "tiff", "image"
    ext = {"pdf": "pdf", "jpeg": "jpg", "tiff": "tif"}[fmt]
    mail_variant = {**variant, "layer": layer, "format": fmt, "damage": None, "mail": kind}
    return data, f"{stem}.{ext}", truth, mail_variant


def generate_mail(out_dir: Path, count: int = 20, seed: int = 7) -> list[samples.SampleInfo]:
    """Write ``count`` pieces of hard mail with their truths and ``manifest.json`` into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    samples.remove_previous(out_dir)
    infos, manifest = [], []
    for index in range(count):
        data, name, truth, variant = make_mail(seed, index)
        path = out_dir / name
        path.write_bytes(data)
        truth_path = path.with_suffix(".json")
        truth_path.write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        infos.append(samples.SampleInfo(path, truth_path, truth, samples.Variant.from_dict(variant)))
        manifest.append({"file": name, "truth": truth_path.name, "variant": variant})
    (out_dir / samples.MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return infos

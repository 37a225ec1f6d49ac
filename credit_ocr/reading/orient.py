"""Which way up a page is: tesseract's orientation and script detection (OSD), through tesserocr.

OSD needs its own model, ``osd.traineddata`` (Debian's ``tesseract-ocr-osd``, which ``tesseract-ocr``
pulls in), and its own API: asked through an ``eng`` API, tesserocr's orientation detection aborts the
whole process (``std::out_of_range``), so this module keeps a second, OSD-only API per thread
(``lang="osd"``, legacy engine, ``PSM.OSD_ONLY``): about 0.2 s a page at 150 dpi, so it runs only on
pages a cheap measurement found doubtful (sideways text rows, or low word confidence after OCR).
"""

from __future__ import annotations

import os
import threading

import tesserocr
from PIL import Image

from credit_ocr.config import get_settings
from credit_ocr.reading.errors import OcrUnavailable
from credit_ocr.reading.tessdata import tessdata_dir

__all__ = ["MIN_CONFIDENCE", "osd_api", "upright_turn"]

#: OSD's confidence below which its answer is not acted on (measured: 4.7-19 on the samples' pages).
MIN_CONFIDENCE = 2.0

_local = threading.local()


def osd_api() -> tesserocr.PyTessBaseAPI:
    """This thread's OSD-only tesseract, loaded on first use and kept."""
    loaded = getattr(_local, "api", None)
    if loaded is not None and loaded[0] == os.getpid():
        return loaded[1]
    folder = tessdata_dir(get_settings().model_copy(update={"ocr_lang": "osd"}))
    try:
        api = tesserocr.PyTessBaseAPI(
            path=str(folder), lang="osd", oem=tesserocr.OEM.TESSERACT_ONLY, psm=tesserocr.PSM.OSD_ONLY
        )
    except RuntimeError as exc:
        raise OcrUnavailable(
            f"Tesseract could not load its orientation model from {folder} ({exc}): "
            "`sudo apt-get install -y tesseract-ocr-osd`."
        ) from exc
    _local.api = (os.getpid(), api)
    return api


def upright_turn(image: Image.Image, *, sideways: bool = False) -> int:
    """The turn (degrees counter-clockwise, PIL's ``rotate``) that sets the page upright: 0, 90, 180
    or 270; 0 also when OSD finds too little text to be sure. On a page already measured ``sideways``
    (its text runs up or down) OSD only has to say which way, and a quarter turn is taken however unsure
    it is: a letter's small print at 150 dpi gives it little to go on (confidence 1.2 where the same page
    at 200 dpi gives 12, both saying 90)."""
    api = osd_api()
    try:
        api.SetImage(image if image.mode == "L" else image.convert("L"))
        found = api.DetectOrientationScript()
    finally:
        api.Clear()
    if not found:
        return 0
    turn = int(found["orient_deg"]) % 360
    if sideways and turn in (90, 270):
        return turn
    return turn if found["orient_conf"] >= MIN_CONFIDENCE else 0

"""Where tesseract's models are: the ``<lang>.traineddata`` files (``eng`` and ``deu`` to read, ``osd`` to orient)."""

from __future__ import annotations

import glob
import os
import sys
from pathlib import Path

from credit_ocr.config import Settings, get_settings
from credit_ocr.reading.errors import OcrUnavailable

__all__ = ["TESSDATA_GLOBS", "tessdata_dir"]

#: Where packages put tesseract's language models (Debian/Ubuntu, Fedora, Homebrew, conda), newest first.
TESSDATA_GLOBS = (
    "/usr/share/tesseract-ocr/*/tessdata", "/usr/share/tessdata", "/usr/local/share/tessdata",
    "/opt/homebrew/share/tessdata", "/usr/local/share/tesseract-ocr/*/tessdata",
)  # fmt: skip


def tessdata_dir(settings: Settings | None = None) -> Path:
    """The folder with the ``<lang>.traineddata`` models: ``settings.tessdata``, else ``TESSDATA_PREFIX``,
    else where the system's tesseract packages put them."""
    settings = settings or get_settings()
    langs = settings.ocr_lang.split("+")
    given = settings.tessdata or os.environ.get("TESSDATA_PREFIX")
    globs = (str(Path(sys.prefix) / "share" / "tessdata"), *TESSDATA_GLOBS)  # conda's first
    candidates = [Path(given)] if given else [Path(p) for g in globs for p in _newest_first(g)]
    for folder in candidates:
        if all((folder / f"{lang}.traineddata").is_file() for lang in langs):
            return folder
    missing = " ".join(f"tesseract-ocr-{lang}" for lang in langs)
    where = ", ".join(str(c) for c in candidates) or ", ".join(TESSDATA_GLOBS)
    raise OcrUnavailable(
        f"No tesseract model for {settings.ocr_lang!r} (CREDIT_OCR_OCR_LANG) in {where}: install it "
        f"(`sudo apt-get install -y {missing}`), or set CREDIT_OCR_TESSDATA to the folder that holds "
        f"{langs[0]}.traineddata."
    )


def _newest_first(pattern: str) -> list[str]:
    return sorted(glob.glob(pattern), reverse=True)

"""Tesseract: a page's words with boxes and confidences, and a whole document's :class:`OcrResult`.

The pipeline reads with **tesserocr** (``settings.ocr_engine="tesserocr"``): libtesseract's own API,
its language model loaded **once per process** and kept for every page that process reads (one per
thread: the API object is not thread-safe). ``ocr_engine="pytesseract"`` runs the ``tesseract``
program for every page instead, through pytesseract: the same engine, its model loaded each time (the
lesson in notebook 02 uses it to show tesseract's table). Both hand back tesseract's TSV, read by one
parser. Pages come ready from :mod:`credit_ocr.reading.pages` (rasterized, deskewed; rules erased here).

Limits live where the course teaches them: an OCR worker's pool process runs under an address-space
limit (:func:`limit_memory`, from ``worker_process_init``), so a page that needs too much memory is a
``MemoryError`` here, reported as :class:`OcrResourceLimit`; Celery's soft and hard time limits stop a
page that takes too long (tesserocr lets the soft limit's signal cancel recognition).
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np
import tesserocr
from PIL import Image, ImageDraw

from credit_ocr.config import Settings, get_settings
from credit_ocr.reading import orient
from credit_ocr.reading.circles import mark_circled
from credit_ocr.reading.combs import joined_combs
from credit_ocr.reading.errors import (
    CorruptDocument,
    EmptyDocument,
    EncryptedDocument,
    ImageTooLarge,
    ImageTooSmall,
    OcrError,
    OcrResourceLimit,
    OcrUnavailable,
    TooManyPages,
    UnsupportedDocument,
)
from credit_ocr.reading.lines import OcrPageResult, rebuild_lines
from credit_ocr.reading.pages import (
    PDF,
    document_mime,
    image_pages,
    load_pages,
    pdf_pages,
    remove_rules,
    ruled_page,
)
from credit_ocr.reading.prepare import PHOTO
from credit_ocr.reading.tessdata import TESSDATA_GLOBS, tessdata_dir
from credit_ocr.reading.ticks import mark_ticks
from credit_ocr.runtime.services import install_hint

# The tesseract program's OpenMP threads cost 3-5x throughput when several OCR processes share the
# cores (the tesserocr wheel's libtesseract is built without OpenMP: one thread always).
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

__all__ = [
    "CorruptDocument", "EmptyDocument", "EncryptedDocument", "ImageTooLarge", "ImageTooSmall", "OcrError",
    "OcrPageResult",
    "OcrResourceLimit", "OcrResult", "OcrUnavailable", "TooManyPages", "UnsupportedDocument",
    "draw_word_boxes", "engine", "limit_memory", "load_pages", "ocr_bytes", "parse_tsv",
    "remove_rules", "TESSDATA_GLOBS", "tessdata_dir", "words",
]  # fmt: skip


@dataclass
class OcrResult:
    """All pages of one document, the path taken (OCR, text layer or both) and the seconds it took."""

    pages: list[OcrPageResult]
    path: Literal["ocr", "text-layer", "mixed"]
    seconds: float

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.pages)

    @property
    def mean_confidence(self) -> float | None:
        """Mean word confidence of the OCR'd pages (None when every page came from a text layer)."""
        values = [p.mean_confidence for p in self.pages if p.mean_confidence is not None]
        return round(statistics.fmean(values), 2) if values else None


# --------------------------------------------------------------------------------------------
# a document


def ocr_bytes(data: bytes, mime_type: str | None = None, settings: Settings | None = None) -> OcrResult:
    """Text, words and lines of a PDF or image, by its text layer where complete, else by tesseract."""
    settings = settings or get_settings()
    started = time.perf_counter()
    mime = document_mime(data, mime_type)
    try:
        pages = _read_pages(data, mime, settings)
    except MemoryError:  # this process's address-space limit (limit_memory), in any step
        pages = None  # raised below, outside this block: the failed page's arrays go with this exception
    if pages is None:
        raise OcrResourceLimit(limit_message(settings))
    sources = {p.source for p in pages}
    path: Literal["ocr", "text-layer", "mixed"] = (
        "mixed" if len(sources) > 1 else ("text-layer" if sources == {"text-layer"} else "ocr")
    )
    return OcrResult(pages=pages, path=path, seconds=round(time.perf_counter() - started, 4))


def _read_pages(data: bytes, mime: str, settings: Settings) -> list[OcrPageResult]:
    pages, photos = [], set()
    for number, item in enumerate(_page_items(data, mime, settings), 1):
        if isinstance(item, OcrPageResult):
            pages.append(item)
            continue
        pages.append(_ocr_page(item, number, settings))
        if item.info.get(PHOTO):
            photos.add(number - 1)
    small = [n for n, page in enumerate(pages) if _small_print(page, settings)]
    unsure = [n for n in sorted(photos) if _unsure(pages[n]) and n not in small]
    if small or unsure:
        # a portal's 6-point print is 12 pixels tall at 150 dpi: tesseract reads it at twice the resolution
        finer = settings.model_copy(update={"ocr_dpi": FINER * settings.ocr_dpi})
        for n, item in enumerate(_page_items(data, mime, finer)):
            if n > max(small + unsure):
                break  # the pages after the last one are not prepared again
            if n in small:  # kept: tesseract's confidence is no guide here (89.9 at 150 dpi, 89.4 at 300)
                pages[n] = _ocr_page(item, n + 1, finer)
            elif n in unsure and _surer(again := _ocr_page(item, n + 1, finer), pages[n]):
                pages[n] = again
    return pages


#: A phone photo's page read this unsurely (mean word confidence) is read again at twice the resolution, the
#: surer kept: its small print, flattened to the page, blurs (a fact sheet's key facts: 71 at 150 dpi, 84 at 300).
UNSURE_PAGE = 75.0


def _unsure(page: OcrPageResult) -> bool:
    return page.source == "ocr" and page.mean_confidence is not None and page.mean_confidence < UNSURE_PAGE


def _surer(finer: OcrPageResult, page: OcrPageResult) -> bool:
    """The finer reading is surer and reads as many words (no layout analysis that left a box out)."""
    return (finer.mean_confidence or 0) > (page.mean_confidence or 0) and _keeps_words(
        finer.words, page.words
    )


def _keeps_words(again: list[dict], first: list[dict]) -> bool:
    """A second reading keeps most of the first's words (:data:`LAYOUT_KEEPS`): surer of fewer is no better."""
    return len(again) >= LAYOUT_KEEPS * len(first)


def _page_items(data: bytes, mime: str, settings: Settings) -> Iterator[OcrPageResult | Image.Image]:
    if mime == PDF:
        return pdf_pages(data, settings, want_text_layer=settings.use_text_layer)
    return image_pages(data, settings)


#: A page whose words (of three letters or more) are this many pixels tall or less at 150 dpi, in the
#: median, is small print (measured: a portal's 6-7 point print scanned at 300 dpi, 12; forms, letters,
#: faxes and photos, 14-28) ...
SMALL_PRINT = 12
#: ... and is read once more at this many times the resolution (0.55 -> 1.00 of its fields).
FINER = 2


def _small_print(page: OcrPageResult, settings: Settings) -> bool:
    heights = [w["height"] for w in page.words if w["conf"] >= 0 and len(w["text"]) >= 3]
    return (
        page.source == "ocr"
        and len(heights) >= 20
        and statistics.median(heights) <= SMALL_PRINT * settings.ocr_dpi / 150
    )


#: Mean word confidence below which a page is read once more with tesseract's automatic layout (PSM 3)
#: instead of one block of text (measured: grey label cells of two lines beside values 72 -> 94, a fax
#: 70 -> 89, a skewed JPEG 68 -> 82; the samples' pages read 89-95 either way) ...
LAYOUT_DOUBT = 80.0
AUTO_LAYOUT = 3
#: Tesseract's page segmentation for one word alone (a circled answer, read again with its ring wiped out).
SINGLE_WORD = 8
#: ... and that reading is kept when it is this much surer and keeps this share of the words (a photo's grey
#: box of key facts, left out by the layout analysis, made a page surer of the fewer words it read).
LAYOUT_GAIN = 5.0
LAYOUT_KEEPS = 0.8

#: Mean word confidence below which a page may be upside down (measured: upright pages of the samples
#: read 93-95, upside-down ones 33-39): only then does tesseract's orientation detection run.
DOUBTFUL_CONFIDENCE = 70.0


def _ocr_page(image: Image.Image, number: int, settings: Settings) -> OcrPageResult:
    cleaned, rulings = ruled_page(image)  # image: prepared by the loaders
    found = words(cleaned, settings)
    sure = _mean_conf(found)
    for turn in _other_turns(image, sure) if sure < DOUBTFUL_CONFIDENCE else ():
        turned = image.rotate(turn, expand=True)
        turned_clean, turned_rulings = ruled_page(turned)
        again = words(turned_clean, settings)
        if (surer := _mean_conf(again)) > sure:
            found, image, cleaned, rulings, sure = again, turned, turned_clean, turned_rulings, surer
        if sure >= DOUBTFUL_CONFIDENCE:
            break
    if sure < LAYOUT_DOUBT and settings.ocr_psm != AUTO_LAYOUT:
        # two-line labels beside one-line values read as one block come out as garbage: tesseract's own
        # layout analysis finds the cells; the surer reading is kept
        again = words(cleaned, settings.model_copy(update={"ocr_psm": AUTO_LAYOUT}))
        if _mean_conf(again) >= sure + LAYOUT_GAIN and _keeps_words(again, found):
            found = again
    found = _without_specks(found)
    mark_ticks(np.asarray(image), found)  # ☒ / ☐ read by their ink
    one_word = settings.model_copy(update={"ocr_psm": SINGLE_WORD})
    mark_circled(np.asarray(image), found, lambda patch: words(patch, one_word))  # a YES or NO ringed by hand
    found = _without_strays(found)
    found, keys = joined_combs(found, [w.pop("_key") for w in found])  # 'S I L B E R' in boxes: a word
    lines = rebuild_lines(found, keys, rulings)
    confs = [w["conf"] for w in found if w["conf"] >= 0]
    return OcrPageResult(
        page=number,
        text="\n".join(lines),
        lines=lines,
        words=found,
        mean_confidence=round(statistics.fmean(confs), 2) if confs else None,
        source="ocr",
        width=image.width,
        height=image.height,
    )


#: Mean word confidence below which a page is read upside down once more even when OSD sees no turn
#: (OSD guesses on small print: a letter at 150 dpi; measured: upside-down pages 33-49, faxes above 60).
UPSIDE_DOWN_CONFIDENCE = 55.0


def _other_turns(image: Image.Image, confidence: float) -> list[int]:
    """The turns to try on a page read with doubtful confidence, in order: OSD's, then a half turn when the
    reading was as poor as an upside-down page's (OSD guesses wrong on small print)."""
    turns = [turn] if (turn := orient.upright_turn(image)) else []
    if confidence < UPSIDE_DOWN_CONFIDENCE and 180 not in turns:
        turns.append(180)
    return turns


#: A word this much flatter than the page's words and read this unsurely is a speck, or what is left of a
#: rule (a 3-pixel 'wpa' of confidence 14 beside a table's border), not text: it would start a row of its own.
SPECK_HEIGHT = 0.3
SPECK_CONFIDENCE = 50.0


def _without_specks(found: list[dict]) -> list[dict]:
    heights = sorted(w["height"] for w in found)
    if not heights:
        return found
    flat = SPECK_HEIGHT * heights[len(heights) // 2]
    return [w for w in found if w["height"] >= flat or w["conf"] >= SPECK_CONFIDENCE]


#: A word of one or two letters read this unsurely, standing apart from its line's words by this many line
#: heights, is a speck a fax's noise made into a letter ('Becker & Bodensee KG .        a'), not text.
STRAY_CONFIDENCE = 30.0
STRAY_APART = 3.0


def _without_strays(found: list[dict]) -> list[dict]:
    """The words without the specks read as a letter or two far out in a line (after the tick boxes
    were read, so that a box tesseract guessed as 'a' or 'o' is a ☐ by then)."""
    heights = sorted(w["height"] for w in found)
    if not heights:
        return found
    apart = STRAY_APART * heights[len(heights) // 2]
    by_line: dict[object, list[dict]] = {}
    for w in found:
        by_line.setdefault(w["_key"], []).append(w)

    def stray(w: dict) -> bool:
        if (
            w["conf"] >= STRAY_CONFIDENCE
            or sum(ch.isalnum() for ch in w["text"]) not in (1, 2)
            or len(w["text"]) > 2
        ):
            return False
        if w["text"] in ("x", "X"):
            return False  # a tick in a column of answers
        others = [o for o in by_line[w["_key"]] if o is not w and sum(ch.isalnum() for ch in o["text"])]
        return bool(others) and all(
            max(o["left"] - (w["left"] + w["width"]), w["left"] - (o["left"] + o["width"])) > apart
            for o in others
        )

    return [w for w in found if not stray(w)]


def _mean_conf(found: list[dict]) -> float:
    confs = [w["conf"] for w in found if w["conf"] >= 0]
    return statistics.fmean(confs) if confs else 0.0


def draw_word_boxes(image: Image.Image, words: list[dict]) -> Image.Image:
    """A colour copy of ``image`` with each word's box drawn: green confident, orange unsure, red doubtful."""
    canvas = image.convert("RGB")
    draw = ImageDraw.Draw(canvas)
    for word in words:
        conf = word.get("conf")
        colour = (0, 160, 0) if conf is None or conf >= 80 else ((230, 140, 0) if conf >= 50 else (220, 0, 0))
        left, top = word["left"], word["top"]
        draw.rectangle((left, top, left + word["width"], top + word["height"]), outline=colour, width=2)
    return canvas


def limit_message(settings: Settings) -> str:
    return (
        f"Reading this page needed more memory than an OCR process may use ({settings.ocr_memory_mb} MiB "
        "above its loaded model, CREDIT_OCR_OCR_MEMORY_MB): the page is too large or too complex; "
        "scan it at 200-300 dpi, or raise the limit."
    )


# --------------------------------------------------------------------------------------------
# a page


def words(image: Image.Image, settings: Settings | None = None) -> list[dict]:
    """Tesseract's words of one page, each with its box, confidence and ``_key`` (block, par, line)."""
    settings = settings or get_settings()
    gray = image if image.mode == "L" else image.convert("L")
    if settings.ocr_engine == "pytesseract":
        return parse_tsv(_program_tsv(gray, settings))
    api = engine(settings)
    api.SetPageSegMode(settings.ocr_psm)
    try:
        api.SetImageBytes(gray.tobytes(), gray.width, gray.height, 1, gray.width)
        if not api.Recognize():
            raise OcrError("Tesseract could not read this page: scan it again at 200-300 dpi.")
        return _mark_known(api, parse_tsv(api.GetTSVText(0)))
    finally:
        api.Clear()  # the page's data goes; the model stays


def _mark_known(api: tesserocr.PyTessBaseAPI, found: list[dict]) -> list[dict]:
    """Sets each word's ``known``: whether tesseract's dictionary holds it ('Hall' yes, 'Hali' no).

    A misread rarely makes a real word, so the review doubts an unsure word the dictionary does not know
    (:mod:`.extraction.unconfirmed`). One walk over the recognized words, in the TSV's order: a page's
    words cost about a millisecond; if the two lists ever disagree, no word is marked. (tesserocr raises
    RuntimeError for an iterator over a page without text.)
    """
    if not found:
        return found
    try:
        marks = [
            (text.strip(), word.WordIsFromDictionary())
            for word in tesserocr.iterate_level(api.GetIterator(), tesserocr.RIL.WORD)
            if (text := word.GetUTF8Text(tesserocr.RIL.WORD)) and text.strip()
        ]
    except RuntimeError:
        return found
    if [text for text, _ in marks] == [w["text"] for w in found]:
        for w, (_, known) in zip(found, marks, strict=True):
            w["known"] = bool(known)
    return found


_local = threading.local()


def engine(settings: Settings | None = None) -> tesserocr.PyTessBaseAPI:
    """This thread's tesseract, its model loaded on first use in this process and kept for every page."""
    settings = settings or get_settings()
    key = (os.getpid(), str(tessdata_dir(settings)), settings.ocr_lang)
    loaded = getattr(_local, "engine", None)
    if loaded is not None and loaded[0] == key:
        return loaded[1]
    if loaded is not None and loaded[0][0] == key[0]:
        loaded[1].End()  # other settings in this process (one inherited through fork is the parent's)
        _local.engine = None  # never reuse an ended engine, even if the new one fails to load
    try:
        api = tesserocr.PyTessBaseAPI(path=key[1], lang=settings.ocr_lang, psm=settings.ocr_psm)
    except RuntimeError as exc:
        raise OcrUnavailable(f"Tesseract could not load its model from {key[1]} ({exc}).") from exc
    _local.engine = (key, api)
    return api


def _program_tsv(gray: Image.Image, settings: Settings) -> str:
    """One run of the ``tesseract`` program on one page (pytesseract), its TSV."""
    import pytesseract  # only this engine needs it, and it imports pandas: a worker's start-up skips both

    program = shutil.which(settings.tesseract_program)
    if not program:
        raise OcrUnavailable(install_hint("tesseract"))
    pytesseract.pytesseract.tesseract_cmd = program
    try:
        return pytesseract.image_to_data(gray, lang=settings.ocr_lang, config=f"--psm {settings.ocr_psm}")
    except pytesseract.TesseractError as exc:
        if "Failed loading language" in str(exc.message):
            raise OcrUnavailable(
                f"Tesseract has no model for {settings.ocr_lang!r} (CREDIT_OCR_OCR_LANG): install it, e.g. "
                f"`sudo apt-get install -y tesseract-ocr-{settings.ocr_lang.split('+')[0]}`."
            ) from exc
        if exc.status < 0 or "alloc" in str(exc.message):
            raise OcrResourceLimit(limit_message(settings)) from exc
        raise OcrError(f"Tesseract failed on this page (status {exc.status}: {exc.message[:300]}).") from exc


def parse_tsv(tsv: str) -> list[dict]:
    """The word rows (level 5, non-empty) of tesseract's TSV output."""
    out: list[dict] = []
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5" or not cells[11].strip():
            continue
        out.append(
            {
                "text": cells[11].strip(),
                "left": int(cells[6]),
                "top": int(cells[7]),
                "width": int(cells[8]),
                "height": int(cells[9]),
                "conf": float(cells[10]),
                "_key": (int(cells[2]), int(cells[3]), int(cells[4])),
            }
        )
    return out


# --------------------------------------------------------------------------------------------
# the memory limit of an OCR process


def limit_memory(settings: Settings | None = None) -> int:
    """Cap this process's address space at its present size (model loaded) plus ``ocr_memory_mb``.

    Called in each OCR pool process (``worker_process_init``), never in a notebook: a page that needs
    more raises ``MemoryError`` (:class:`OcrResourceLimit`) instead of starving the machine, and the
    programs it starts inherit the cap. Returns the limit in bytes (0: ``ocr_memory_mb`` is 0, no limit).
    """
    settings = settings or get_settings()
    if settings.ocr_memory_mb <= 0:
        return 0
    with open("/proc/self/statm") as handle:
        size = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    limit = size + settings.ocr_memory_mb * 1024 * 1024
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    limit = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    return limit

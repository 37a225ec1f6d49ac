"""A page as words and *rebuilt lines*, whether its words came from tesseract or from a PDF text layer.

Words of one visual row are joined left to right, a wide horizontal gap kept as two spaces, so that a
form's label and its value stay on one line (the rules extractor relies on it).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from statistics import median
from typing import Literal, NamedTuple

import numpy as np
import pypdfium2.raw as pdfium_c

from credit_ocr.reading.cells import (
    Ruling,
    answer_columns,
    cell_of,
    join_wrapped_labels,
    split_tables,
    walls_at,
    walls_between,
)
from credit_ocr.reading.circles import mark_circled
from credit_ocr.reading.combs import joined_combs
from credit_ocr.reading.ticks import mark_drawn_ticks, needs_drawn_ticks

__all__ = [
    "LineWord",
    "LineWords",
    "OcrPageResult",
    "layout_text",
    "line_words",
    "readable_chars",
    "rebuild_lines",
    "text_layer_page",
]


class LineWord(NamedTuple):
    """One word of a line: its text, tesseract's confidence (0-100; 100 for a text layer) and whether
    tesseract's dictionary knows it (None: not asked, as for a text layer or the ``tesseract`` program)."""

    text: str
    conf: float
    known: bool | None = None


#: The words of each line of a document's text, one list per line of ``"\n\n".join(page texts).splitlines()``.
LineWords = list[list[LineWord]]

#: A text layer with fewer visible characters than this on a page is not trusted (a scan's stray text).
MIN_TEXT_LAYER_CHARS = 20
#: A page with images covering more than this share of its area is read by OCR (a scan, maybe with a
#: partial invisible text layer).
MAX_IMAGE_COVER = 0.5
#: A word gap wider than this many line heights and this many mean character widths is marked by two
#: spaces (label | value); the width rule keeps a monospaced font's spaces single.
WIDE_GAP = 1.5
WIDE_GAP_CHARS = 3.0
WIDE_GAP_MARK = "  "
#: What a bordered table's empty cell reads as, between two wide gaps: a dash, as forms print one.
EMPTY_CELL = "–"


@dataclass
class OcrPageResult:
    """One page: rebuilt lines, words with boxes (pixels at ``settings.ocr_dpi``) and where they came from."""

    page: int
    text: str
    lines: list[str]
    words: list[dict]
    mean_confidence: float | None
    source: Literal["ocr", "text-layer"]
    width: int
    height: int


#: A word tesseract read with less confidence (0-100) than this is not counted as readable text: on a photo
#: of no document it "reads" wood grain and noise as words of confidence 0-40 (measured: none at 60 or
#: more), while the scans, faxes and phone photos of real forms read 91-97% of their characters at 60+.
READABLE_CONFIDENCE = 60.0


def readable_chars(page: OcrPageResult) -> int:
    """The characters of a page's words read surely (a text layer's all are): a blank page, or a photo of a
    desk with no document on it, has next to none, whatever tesseract made of its grain."""
    if page.source != "ocr" or not page.words:
        return len(page.text.strip())
    return sum(
        len(w["text"])
        for w in page.words
        if w.get("conf", 100.0) >= READABLE_CONFIDENCE and sum(ch.isalnum() for ch in w["text"]) >= 2
    )


# --------------------------------------------------------------------------------------------
# lines from word boxes


def rebuild_lines(words: list[dict], keys: list[object], rulings: tuple[Ruling, ...] = ()) -> list[str]:
    """Group words into visual rows and join each row left to right; sets ``word["line"]`` and puts
    ``words`` in reading order.

    ``keys`` groups words that already belong together (tesseract's block/paragraph/line; None: alone).
    Groups whose vertical extents overlap by half the smaller height join one row, unless a word of the
    row already sits at the same horizontal place (then they are two lines, not two columns).
    ``rulings``: a table's drawn cells and rules; two words a border stands between are two cells,
    however narrow the gap, and a cell's text wrapped over two or three lines is one ('Date of
    incorporation' in a header row of one-line cells).
    """
    wrapped = _wrapped_cells(words, rulings)
    groups: dict[object, list[dict]] = {}
    for i, (word, key) in enumerate(zip(words, keys, strict=True)):
        cell = wrapped.get(id(word), (None, 0))[0]
        key = ("cells", round(cell.top), round(cell.bottom)) if cell else key
        groups.setdefault(key if key is not None else ("word", i), []).append(word)
    rows = _rows(sorted(groups.values(), key=lambda ws: sum(_extent(ws)) / 2))
    rows.sort(key=lambda row: sum(_extent(row)) / 2)

    def reading_order(w: dict) -> tuple[float, int, float]:
        cell, line = wrapped.get(id(w), (None, 0))
        return (cell.left, line, w["left"]) if cell else (w["left"], 0, 0.0)

    rows = [sorted(row, key=reading_order) for row in rows]
    answer_columns(rows)  # an X under 'No' says no
    # two tables side by side read one after the other, then each table's wrapped labels joined
    blocks = split_tables(rows, [_wide_gap(row) for row in rows], rulings)
    rows = [row for block, wide in blocks for row in join_wrapped_labels(block, wide)]
    lines = [_join_row(row, number, rulings) for number, row in enumerate(rows)]
    order = {id(w): i for i, w in enumerate(w for row in rows for w in row)}
    words.sort(key=lambda w: order.get(id(w), len(order)))  # a wrapped cell's lines, then its value's words
    return lines


#: A cell's lines are one wrapped text when there are at most this many, of one size (their font's; a caption
#: over its value in a boxed form is smaller), in a cell no taller than them, beside a cell of one line.
MAX_WRAPPED_LINES = 3
ONE_SIZE = 1.4
#: Two cells whose tops and bottoms are this close (pixels) are of one row: a scan's rules wander a little.
SAME_ROW = 4
#: A line of text with its leading, in word heights.
LINE_PITCH = 1.5


def _lines(ws: list[dict]) -> list[tuple[dict, int]]:
    """A cell's words, top to bottom, each with its line's number."""
    size = median(w.get("_size", w["height"]) for w in ws)
    line, previous, numbered = 0, None, []
    for w in sorted(ws, key=lambda w: w["top"] + w["height"] / 2):
        middle = w["top"] + w["height"] / 2
        line += previous is not None and middle - previous > size / 2
        numbered.append((w, line))
        previous = middle
    return numbered


def _wrapped_cells(words: list[dict], rulings: tuple[Ruling, ...]) -> dict[int, tuple[Ruling, int]]:
    """id(word) -> (its drawn cell, its line in it), for the words of cells whose text wraps onto more
    than one line."""
    inside: dict[Ruling, list[dict]] = {}
    for word in words:
        if cell := cell_of(word, rulings):
            inside.setdefault(cell, []).append(word)
    lined = {cell: _lines(ws) for cell, ws in inside.items()}
    one_line = [c for c, numbered in lined.items() if numbered[-1][1] == 0]
    out: dict[int, tuple[Ruling, int]] = {}
    for cell, numbered in lined.items():
        if not any(
            abs(c.top - cell.top) <= SAME_ROW and abs(c.bottom - cell.bottom) <= SAME_ROW for c in one_line
        ):
            continue  # every cell of its row two lines: a caption over its value, a boxed form's
        last = numbered[-1][1]
        sizes = [median(w.get("_size", w["height"]) for w, n in numbered if n == k) for k in range(last + 1)]
        tallest = max(w["height"] for w, _ in numbered)
        if (
            0 < last < MAX_WRAPPED_LINES
            and max(sizes) <= ONE_SIZE * min(sizes)
            and cell.bottom - cell.top <= (MAX_WRAPPED_LINES + 1) * LINE_PITCH * tallest
        ):
            out.update((id(w), (cell, n)) for w, n in numbered)
    return out


def line_words(pages: list[tuple[str, list[dict]]]) -> LineWords | None:
    """Each text line's words with their confidences, for pages given as (text, words with ``line``).

    The extractor reads a value's words here to know how sure the OCR was of them. None when the words
    do not carry their line numbers (pages stored before they did).
    """
    out: LineWords = []
    for number, (text, words) in enumerate(pages):
        if number:
            out.append([])  # the blank line between two pages
        lines: LineWords = [[] for _ in text.splitlines()]
        for word in words:
            line = word.get("line")
            if line is None or not 0 <= line < len(lines):
                return None
            lines[line].append(LineWord(word["text"], float(word.get("conf", -1)), word.get("known")))
        out.extend(lines)
    return out


def layout_text(pages: list[tuple[str, list[dict]]], columns: int = 110) -> str | None:
    """The pages' text with each row's words at their place across the page: columns a reader can follow.

    A label above its value, or two columns of cells, stay one above the other (what the LLM extractor
    is given). Words a normal space apart keep one space; a wide gap is padded to the word's column.
    None when the words do not carry their line numbers.
    """
    out: list[str] = []
    for text, words in pages:
        rows: list[list[dict]] = [[] for _ in text.splitlines()]
        for word in words:
            if word.get("line") is None or not 0 <= word["line"] < len(rows):
                return None
            rows[word["line"]].append(word)
        right = max((w["left"] + w["width"] for w in words), default=1)
        out.append("\n".join(_place(row, columns / right) for row in rows))
    return "\n\n".join(out)


def _place(row: list[dict], scale: float) -> str:
    line, previous = "", None
    for word in row:
        if previous is not None:
            char = previous["width"] / max(1, len(previous["text"]))
            near = word["left"] - previous["left"] - previous["width"] < WIDE_GAP_CHARS * char
            column = round(word["left"] * scale)
            line += " " if near else " " * max(len(WIDE_GAP_MARK), column - len(line))
        else:
            line = " " * round(word["left"] * scale)
        line += word["text"]
        previous = word
    return line.rstrip()


def _extent(ws: list[dict]) -> tuple[float, float]:
    return min(w["top"] for w in ws), max(w["top"] + w["height"] for w in ws)


def _rows(ordered: list[list[dict]]) -> list[list[dict]]:
    """Groups (top to bottom) merged into visual rows: the last few rows are the candidates."""
    rows: list[list[dict]] = []
    row_extents: list[tuple[float, float]] = []
    for ws in ordered:
        top, bottom = _extent(ws)
        for r in range(len(rows) - 1, max(-1, len(rows) - 4), -1):
            rtop, rbottom = row_extents[r]
            overlap = min(bottom, rbottom) - max(top, rtop)
            if overlap >= 0.5 * min(bottom - top, rbottom - rtop) and not _collides(rows[r], ws):
                rows[r].extend(ws)
                row_extents[r] = (min(top, rtop), max(bottom, rbottom))
                break
        else:
            rows.append(list(ws))
            row_extents.append((top, bottom))
    return rows


def _wide_gap(row: list[dict]) -> float:
    """The gap in pixels beyond which two words of ``row`` are two cells (label | value)."""
    heights = sorted(w["height"] for w in row)
    line_height = heights[len(heights) // 2]
    char_width = sum(w["width"] for w in row) / max(1, sum(len(w["text"]) for w in row))
    return max(WIDE_GAP * line_height, WIDE_GAP_CHARS * char_width)


def _join_row(row: list[dict], number: int, rulings: tuple[Ruling, ...] = ()) -> str:
    """The row's words (in reading order) as one line, a wide gap (or a cell's border) kept as two spaces."""
    wide = _wide_gap(row)
    here = walls_at(rulings, median(w["top"] + w["height"] / 2 for w in row)) if rulings else []
    parts: list[str] = []
    previous = None
    for word in row:
        word["line"] = number
        if previous is not None:
            between = walls_between(here, previous, word)
            if any(b - a > wide for a, b in pairwise(between)):
                parts.append(WIDE_GAP_MARK + EMPTY_CELL)  # a cell with nothing in it keeps its column
            gap = word["left"] - (previous["left"] + previous["width"])
            parts.append(WIDE_GAP_MARK if between or gap > wide or word.pop("_answer_moved", False) else " ")
        parts.append(word["text"])
        previous = word
    return "".join(parts)


def _collides(row: list[dict], ws: list[dict]) -> bool:
    for a in ws:
        for b in row:
            if min(a["left"] + a["width"], b["left"] + b["width"]) - max(a["left"], b["left"]) > 0:
                return True
    return False


# --------------------------------------------------------------------------------------------
# the text layer of a PDF page


def text_layer_page(page, number: int, scale: float, width: int, height: int) -> OcrPageResult | None:
    """The page read from its text layer, or None when that layer is missing, thin or over a scan."""
    page_width, page_height = page.get_size()
    covered = 0.0
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]):
        left, bottom, right, top = obj.get_bounds() if hasattr(obj, "get_bounds") else obj.get_pos()
        covered += max(0.0, right - left) * max(0.0, top - bottom)
    if covered / max(1.0, page_width * page_height) > MAX_IMAGE_COVER:
        return None
    chars = _chars(page)
    visible = [c for c, _, _ in chars if not c.isspace()]
    if len(visible) < MIN_TEXT_LAYER_CHARS or "\ufffd" in visible:
        return None  # thin, or it prints glyphs it cannot name (a font's ☒ and ☐ both come out as '�')
    words, _ = joined_combs(_words(chars, scale, page_height))  # one character per box: one word
    rulings = _rulings(page, scale, page_height)
    lines = rebuild_lines(words, [None] * len(words), rulings)
    if needs_drawn_ticks("\n".join(lines)):  # boxes or radio buttons drawn as lines: read from the picture
        picture = np.asarray(page.render(scale=scale, grayscale=True).to_pil().convert("L"))
        mark_drawn_ticks(picture, words)
        mark_circled(picture, words, lambda _patch: [])  # a ring drawn round a printed YES or NO
        for word in words:
            word.pop("_key", None)
        lines = rebuild_lines(words, [None] * len(words), rulings)
    for word in words:
        word.pop("_size", None)  # what wrapped cells were measured by, not kept
    return OcrPageResult(
        page=number,
        text="\n".join(lines),
        lines=lines,
        words=words,
        mean_confidence=None,
        source="text-layer",
        width=width,
        height=height,
    )


#: A drawn path at least this tall (points) may be a cell's side: a tick box (8-10 points) is not one.
MIN_WALL_HEIGHT = 12.0
#: A path at most this wide (points) is a vertical rule; one this many times wider than tall a cell, both its
#: sides walls.
RULE_WIDTH = 2.0
CELL_SHAPE = 1.5


def _rulings(page, scale: float, page_height: float) -> tuple[Ruling, ...]:
    """The cells and the vertical rules the page draws: a bordered table's columns, whose text may run up
    to the border ('Max-Planck-Straße 111, 18096 Rostock|HRB 607802 / Rostock ...')."""
    rulings: list[Ruling] = []
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH]):
        left, bottom, right, top = obj.get_bounds()
        if top - bottom < MIN_WALL_HEIGHT or RULE_WIDTH < right - left < CELL_SHAPE * (top - bottom):
            continue  # low, or a box as tall as it is wide: a tick's, or a comb's of one character each
        if right - left <= RULE_WIDTH:
            left = right = (left + right) / 2
        rulings.append(
            Ruling(left * scale, right * scale, (page_height - top) * scale, (page_height - bottom) * scale)
        )
    return tuple(rulings)


Box = tuple[float, float, float, float]
#: What pdfium gives for a hyphen that breaks a word at a line's end (its own code, not a character).
_PDFIUM_HYPHEN = 2


def _chars(page) -> list[tuple[str, Box, Box]]:
    """Each character of the text layer with its font's box and its ink's (PDF points, origin bottom left)."""
    textpage = page.get_textpage()
    try:
        chars = []
        for i in range(textpage.count_chars()):
            code = pdfium_c.FPDFText_GetUnicode(textpage.raw, i)
            char = "-" if code == _PDFIUM_HYPHEN else (chr(code) if code else "\ufffd")
            # the font's box splits words at gaps; the ink's height places the word, so that a tiny label
            # just above its value (a boxed form's) is a row of its own, not one with the value
            chars.append((char, textpage.get_charbox(i, loose=True), textpage.get_charbox(i, loose=False)))
    finally:
        textpage.close()
    return chars


def _words(chars: list[tuple[str, Box, Box]], scale: float, page_height: float) -> list[dict]:
    """Characters grouped into words (split at spaces, gaps and row changes), boxes in pixels."""
    words: list[dict] = []
    current: list[tuple[str, Box, Box]] = []

    def flush() -> None:
        if current:
            words.append(_word(current, scale, page_height))
            current.clear()

    for char, box, ink in chars:
        if char.isspace() or char in "\x00\ufffe\uffff":
            flush()
            continue
        if current:
            prev = current[-1][1]
            line_height = max(1e-3, prev[3] - prev[1])
            same_row = abs((box[1] + box[3]) / 2 - (prev[1] + prev[3]) / 2) < 0.5 * line_height
            if not same_row or box[0] - prev[2] > 0.3 * line_height or box[2] < prev[0]:
                flush()
        current.append((char, box, ink))
    flush()
    return words


def _word(chars: list[tuple[str, Box, Box]], scale: float, page_height: float) -> dict:
    left = min(b[0] for _, b, _ in chars)
    right = max(b[2] for _, b, _ in chars)
    inked = [ink for _, _, ink in chars if ink[3] > ink[1]] or [b for _, b, _ in chars]
    top = max(b[3] for b in inked)
    bottom = min(b[1] for b in inked)
    return {
        "text": "".join(c for c, _, _ in chars),
        "left": round(left * scale),
        "top": round((page_height - top) * scale),
        "width": max(1, round((right - left) * scale)),
        "height": max(1, round((top - bottom) * scale)),
        "conf": 100.0,
        "_size": round(
            (max(b[3] for _, b, _ in chars) - min(b[1] for _, b, _ in chars)) * scale
        ),  # the font's
    }

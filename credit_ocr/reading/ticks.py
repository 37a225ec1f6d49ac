"""Tick boxes read by their ink, not by tesseract's guess at their glyph.

Tesseract has no letter for ☒, ☐, ☑ or ■: it reads them as '0', 'O', '&', '®', 'e' or nothing, and a
ticked box looks like an empty one. The picture tells them apart at once: a box is a small square
outline near a 'Yes' or 'No' (or 'Ja' / 'Nein'), or before each option of a row (``☐ GmbH ☒ AG ☐ KG``),
and a ticked box has ink inside it. :func:`mark_ticks` finds the boxes beside the answer words tesseract
read, and in the rows where tesseract read a box-sized glyph, and rewrites what it read there as ``[x]``
or ``[ ]`` before the option (beside the answer), the form every extractor already understands.
"""

from __future__ import annotations

import re
from statistics import median
from typing import NamedTuple

import cv2
import numpy as np

from credit_ocr.reading.glyphs import ANSWER_WORDS, BOXES, NO_WORDS, TICK_MARKS, YES_WORDS

__all__ = [
    "Box",
    "answer_word",
    "find_boxes",
    "mark_drawn_ticks",
    "mark_ticks",
    "needs_drawn_ticks",
    "tick_word",
    "ticked",
]

#: An answer word, maybe with a box glyph read into it ('ONo', '®Yes', 'myYes', 'Nol').
_WORDS = YES_WORDS | NO_WORDS
_ANSWER = re.compile(rf"^(?P<pre>.{{0,3}}?)(?P<word>{ANSWER_WORDS})(?P<post>.{{0,2}}?)$", re.IGNORECASE)
#: A box is this many times the answer word's height, at least and at most.
_SIZE = (0.5, 2.3)
#: Grey levels darker than this are ink: a box's thin outline, blurred by a scan, is light grey.
INK = 180
#: Share of a box's inside (its outline left out) that must be ink for a lone box to be ticked.
TICKED_INK = 0.12
#: Boxes of one row whose inks differ by this much are told apart by each other, not by ``TICKED_INK``.
TICKED_GAP = 0.04
#: A known short word read with less confidence than this may be a box's glyph ('DO' for ☐, confidence 40).
UNSURE_GLYPH = 60
#: Words tesseract reads surely, and as known words, where a page prints a tick box.
_GLYPH_GUESSES = frozenset({"a", "o", "O", "0", "D", "e", "&"})
_NO_GLYPH = "/€%-–—.,:;'’"


class Box(NamedTuple):
    """One tick box, in page pixels, and the share of its inside that is ink."""

    left: int
    top: int
    width: int
    height: int
    ink: float


def _answer(word: dict) -> re.Match | None:
    found = _ANSWER.match(word["text"])
    return found if found and found["word"].lower() in _WORDS else None


def answer_word(text: str) -> str | None:
    """The yes/no answer a word of the page reads as ('ONo' -> 'No'), None for any other word."""
    found = _answer({"text": text})
    return found["word"] if found else None


def _is_box(patch: np.ndarray) -> bool:
    """A square outline: ink along almost all of each of its four sides (an 'O' or a '0' has no corners)."""
    band = max(1, min(patch.shape) // 6)
    sides = (patch[:band].any(0), patch[-band:].any(0), patch[:, :band].any(1), patch[:, -band:].any(1))
    return all(side.mean() >= 0.9 for side in sides)


#: A box a tick runs over is most of their shape, this share of its width and height at least ('d' read
#: down to its bowl is less).
_TICKED_OVER = 0.7
#: ... and their shape is taller than the answer's letters by this much at least; unless the box is nearly
#: all of it (this share): a small ☒ blurred by a scan, its sides a little short.
_OVERRUN = 1.3
_BLURRED = 0.9


def _sides(coverage: np.ndarray) -> tuple[int, int]:
    """(first, last + 1) of the rows (or columns) inked over most of their length: a box's two sides."""
    inked = np.flatnonzero(coverage >= 0.6 * coverage.max())
    return int(inked[0]), int(inked[-1]) + 1


def find_boxes(dark: np.ndarray, height: int, top: int = 0) -> list[Box]:
    """The tick boxes in ``dark`` (1 = ink) about ``height`` pixels tall; ``top`` shifts their rows."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    boxes = []
    for index in range(1, count):
        left, y, width, tall, _area = stats[index]
        if (
            not _SIZE[0] * height <= max(width, tall) <= 2 * _SIZE[1] * height
            or y == 0
            or y + tall == len(dark)
        ):
            continue  # (a shape the row's band cuts is no whole box)
        patch = labels[y : y + tall, left : left + width] == index
        if not (0.7 <= width / tall <= 1.4 and _is_box(patch)):
            # a tick drawn over the box's edge ('☑' by hand) joins it: the box is the part its sides run along
            rows, columns = _sides(patch.mean(1)), _sides(patch.mean(0))
            share = min((rows[1] - rows[0]) / tall, (columns[1] - columns[0]) / width)
            if share < _TICKED_OVER or (share < _BLURRED and tall < _OVERRUN * height):
                continue  # a letter, or letters a fax ran together, not a box a tick runs over or a blurred one
            y, tall, left, width = y + rows[0], rows[1] - rows[0], left + columns[0], columns[1] - columns[0]
            patch = patch[rows[0] : rows[1], columns[0] : columns[1]]
        if not (_SIZE[0] * height <= tall <= _SIZE[1] * height and 0.7 <= width / tall <= 1.4):
            continue
        if not _is_box(patch):
            continue
        margin = max(2, tall // 5)
        inside = dark[y + margin : y + tall - margin, left + margin : left + width - margin]
        if inside.size == 0:
            continue  # a box a few pixels tall (a low-dpi page) has no inside to read ink from
        boxes.append(Box(int(left), int(y) + top, int(width), int(tall), float(inside.mean())))
    return boxes


def ticked(boxes: list[Box]) -> list[bool]:
    """Which boxes of one row are ticked: those with clearly more ink inside than the emptiest one (a
    thin check mark blurred by a scan is still far more ink than an empty box), else by an absolute bar."""
    inks = [box.ink for box in boxes]
    if len(inks) >= 2 and max(inks) - min(inks) >= TICKED_GAP:
        bar = (max(inks) + min(inks)) / 2
        return [ink >= bar for ink in inks]
    return [ink >= TICKED_INK for ink in inks]


def mark_ticks(gray: np.ndarray, words: list[dict]) -> None:
    """Rewrite, in place, what tesseract read over each tick box as [x] or [ ]: the boxes beside an answer
    word, and the boxes of a row of options (two or more, in a row where tesseract read a box-sized glyph)."""
    answers = [w for w in words if _answer(w)]
    rows: list[tuple[int, int]] = []
    for word in sorted(answers, key=lambda w: w["top"]) + [w for w in words if _box_sized(w)]:
        if any(y0 <= word["top"] + word["height"] / 2 < y1 for y0, y1 in rows):
            continue  # this row is read already
        height = word["height"]
        y0, y1 = max(0, word["top"] - height), min(gray.shape[0], word["top"] + 2 * height)
        rows.append((y0, y1))
        # the row's letters' height: an answer word may have a tick run into it ('No' 32 pixels tall, its letters 16)
        middle = word["top"] + height / 2
        height = min(
            height, median(w["height"] for w in words if abs(w["top"] + w["height"] / 2 - middle) < height)
        )
        boxes = find_boxes((gray[y0:y1] < INK).astype(np.uint8), height, y0)
        if word not in answers and len(boxes) < 2:
            continue  # a lone square glyph, no row of options
        for box, tick in zip(boxes, ticked(boxes), strict=True):
            _replace(words, answers, box, tick)


def _box_sized(word: dict) -> bool:
    """A short word no wider than tall that tesseract was unsure of, found in no dictionary, or that is one
    of its usual guesses at a ☐ or ☒ ('O', 'U]', '&', '[]', 'DO', even a sure 'a'); 'of' or 'to', read
    surely, are no such guess. (Tesseract may box a glyph three times as tall as it is wide.)"""
    if len(word["text"]) > 3 or word["width"] > 1.6 * word["height"]:
        return False
    text = word["text"]
    if text not in _GLYPH_GUESSES and (any(ch.isdigit() for ch in text) or not text.strip(_NO_GLYPH)):
        return False  # a number ('2', '1.', '15') or a sign of the text ('/', '€', '%', '-')
    return word.get("known") is not True or word["conf"] < UNSURE_GLYPH or text in _GLYPH_GUESSES


def _replace(words: list[dict], answers: list[dict], box: Box, tick: bool) -> None:
    """The words over ``box`` dropped (an answer read into it cut free), a [x] or [ ] beside the nearest answer."""
    middle = box.top + box.height / 2
    for word in list(words):
        overlap = min(word["left"] + word["width"], box.left + box.width) - max(word["left"], box.left)
        if overlap <= 0 or abs(word["top"] + word["height"] / 2 - middle) > box.height:
            continue
        found = _answer(word)
        if found is not None and (found["pre"] or found["post"]):
            _cut_free(word, found, box)  # 'ONo': the box was read into the word
        elif found is None and overlap >= 0.6 * word["width"]:
            words.remove(word)  # the box's glyph, as tesseract guessed it
        elif found is None and overlap >= 0.5 * box.width and word["left"] >= box.left - box.width / 4:
            _cut_glyph(word, overlap)  # 'OKG': the box read into the option after it
    same_row = [a for a in answers if a in words and abs(a["top"] + a["height"] / 2 - middle) <= box.height]
    if not same_row:  # a row of options: the mark goes before the word after the box
        after = [
            w
            for w in words
            if w["left"] >= box.left and abs(w["top"] + w["height"] / 2 - middle) <= box.height
        ]
        same_row = [min(after, key=lambda w: w["left"])] if after else []
    if not same_row:
        return
    nearest = min(same_row, key=lambda a: _gap(a, box.left, box.width))
    mark = tick_word(tick, box.left, box.top, box.width, box.height, nearest["conf"])
    words.insert(words.index(nearest), mark | {"_key": nearest.get("_key")})


def tick_word(tick: bool, left: int, top: int, width: int, height: int, conf: float = 100.0) -> dict:
    """A box's reading as a word of the page: '[x]' or '[ ]', the form every extractor understands."""
    return {
        "text": "[x]" if tick else "[ ]",
        "conf": conf,
        "left": left,
        "top": top,
        "width": width,
        "height": height,
    }


def _cut_free(word: dict, found: re.Match, box: Box) -> None:
    """The answer word alone, its box moved out of its extent (to whichever side the box was on)."""
    right = word["left"] + word["width"]
    if box.left + box.width / 2 <= word["left"] + word["width"] / 2:
        word["left"] = min(right - 1, box.left + box.width + 1)
    else:
        right = max(word["left"] + 1, box.left - 1)
    word["width"] = right - word["left"]
    word["text"] = found["word"]


def _cut_glyph(word: dict, overlap: int) -> None:
    """The first letters of ``word`` that lie over a box (``overlap`` pixels) cut off, its box moved past them."""
    cut = max(1, round(overlap * len(word["text"]) / max(1, word["width"])))
    word["text"] = word["text"][cut:] or word["text"]
    word["left"] += overlap
    word["width"] = max(1, word["width"] - overlap)


def _gap(word: dict, left: int, width: int) -> float:
    """The horizontal distance between a word and a box (0 when they overlap)."""
    return max(0, word["left"] - (left + width), left - (word["left"] + word["width"]))


# --------------------------------------------------------------------------------------------
# a text layer's drawn boxes, radio buttons and struck-out answers

#: A line of a text layer with two answers or options and no mark among its characters: its boxes or radio
#: buttons are drawn, not printed ('Interest rate   Fixed   Variable', 'Early repayment   Yes   No').
_UNMARKED_CHOICE = re.compile(
    rf"^(?!.*[{BOXES}●○◉{TICK_MARKS}\[\]]).*\b(?:(?:yes|ja)\s+(?:/\s*)?(?:no|nein)|(?:fixed|fest)\s+(?:/\s*)?(?:variable|variabel))\b",
    re.I | re.M,
)


def needs_drawn_ticks(text: str) -> bool:
    """Whether a text layer's page offers answers with no mark among its characters: only then is the
    page rendered to read its drawn marks (a page of labels and values costs nothing)."""
    return bool(_UNMARKED_CHOICE.search(text))


def mark_drawn_ticks(gray: np.ndarray, words: list[dict]) -> None:
    """A text layer's boxes and radio buttons the PDF draws as lines, read from the rendered page: ink no
    character covers, about a word's height and square, two or more in a row; each is written as [x] or
    [ ] before the word after it, as :func:`mark_ticks` does for a scan."""
    if not words:
        return
    height = int(median(w["height"] for w in words))
    dark = (gray < INK).astype(np.uint8)
    for w in words:  # what is left is drawn: rules, boxes, radio buttons, marks
        dark[w["top"] : w["top"] + w["height"], w["left"] : w["left"] + w["width"]] = 0
    count, _, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    marks: list[Box] = []
    for left, top, width, tall, _area in stats[1:count]:
        if not (_SIZE[0] * height <= tall <= _SIZE[1] * height and 0.7 <= width / tall <= 1.4):
            continue
        margin = max(2, tall // 5)
        inside = gray[top + margin : top + tall - margin, left + margin : left + width - margin] < INK
        if inside.size:
            marks.append(Box(int(left), int(top), int(width), int(tall), float(inside.mean())))
    marks = [m for m in marks if not any(o is not m and _within(m, o) for o in marks)]  # a tick in its box
    for row in _rows_of(marks, height):
        if len(row) >= 2:
            for mark, tick in zip(row, ticked(row), strict=True):
                _mark_beside(words, mark, tick, height)
    _struck_out(gray < INK, words, [m.top + m.height / 2 for m in marks], height)


#: A word is struck out when one of its middle rows is ink across this share of its width (a line through
#: it; its own letters leave gaps).
STRUCK = 0.95


def _struck_out(dark: np.ndarray, words: list[dict], marked: list[float], height: int) -> None:
    """'Yes / No (strike out what does not apply)': in a row of two answers and no drawn box, the answer a
    line runs through is the one not chosen; '[ ]' goes before it, '[x]' before the other."""
    answers = [w for w in words if w["text"].lower().strip(".,;:") in _WORDS]
    for a, b in zip(answers, answers[1:], strict=False):
        middle = a["top"] + a["height"] / 2
        if abs(b["top"] + b["height"] / 2 - middle) > height / 2 or any(
            abs(m - middle) <= height for m in marked
        ):
            continue
        struck = [_has_line(dark, w) for w in (a, b)]
        if sum(struck) != 1:
            continue
        for word, line in zip((a, b), struck, strict=True):  # a 1-pixel box just left of it: no overlap
            words.insert(
                words.index(word),
                tick_word(not line, max(0, word["left"] - 2), word["top"], 1, word["height"]),
            )


def _has_line(dark: np.ndarray, word: dict) -> bool:
    """A line through the middle third of the word's box, across nearly all of its width."""
    top, tall = word["top"], word["height"]
    band = dark[top + tall // 3 : top + 2 * tall // 3 + 1, word["left"] : word["left"] + word["width"]]
    return band.size > 0 and float(band.mean(axis=1).max()) >= STRUCK


def _within(inner: Box, outer: Box) -> bool:
    return (
        outer.left <= inner.left
        and inner.left + inner.width <= outer.left + outer.width
        and outer.top <= inner.top
        and inner.top + inner.height <= outer.top + outer.height
    )


def _rows_of(marks: list[Box], height: int) -> list[list[Box]]:
    """The marks grouped by row, left to right in each."""
    rows: list[list[Box]] = []
    for mark in sorted(marks, key=lambda m: m.top + m.height / 2):
        middle = mark.top + mark.height / 2
        if rows and abs(middle - (rows[-1][0].top + rows[-1][0].height / 2)) <= height / 2:
            rows[-1].append(mark)
        else:
            rows.append([mark])
    return [sorted(row, key=lambda m: m.left) for row in rows]


def _mark_beside(words: list[dict], mark: Box, tick: bool, height: int) -> None:
    """'[x]' or '[ ]' for the word nearest ``mark`` in its row: the word after it ('[x] Yes'), or the word
    before when that is nearer ('Yes [x]  No [ ]': a fillable form's boxes after their answers)."""
    middle = mark.top + mark.height / 2
    near = [
        w
        for w in words
        if abs(w["top"] + w["height"] / 2 - middle) <= height and _gap(w, mark.left, mark.width) <= 3 * height
    ]
    if not near:
        return
    word = min(near, key=lambda w: (_gap(w, mark.left, mark.width), w["left"] < mark.left))
    at = words.index(word) + (word["left"] < mark.left)  # after the word before it, before the word after
    words.insert(at, tick_word(tick, mark.left, word["top"], mark.width, word["height"]))

"""Answers circled by hand ('Please circle as appropriate:  YES   NO', the NO ringed in ink).

A ring drawn round a word joins its letters to a shape tesseract cannot read: the circled answer is the
one that goes missing, the other is read, so the form seemed to say the opposite. :func:`mark_circled`
finds rings beside the yes/no words of a scanned page (a wide closed line, hollow in its middle), reads
the word inside each with the ring wiped out, and writes the row as ticks: ``[x] NO`` for the circled
answer, ``[ ] YES`` for the other, the form every extractor understands.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import cv2
import numpy as np
from PIL import Image

from credit_ocr.reading.ticks import INK, answer_word, tick_word

__all__ = ["mark_circled"]

#: A ring is this many times the answer word's height tall, and at least as wide as tall.
RING_HEIGHT = (1.2, 3.5)
#: At most this share of a ring's box is ink: a line round a hollow middle.
RING_FILL = 0.35
#: The middle of a ring's box (this share of its width and height) has none of the ring's ink.
HOLLOW = 0.5
#: A line this many answer heights long is the rule the answers stand on, not a ring's.
RULE_WORDS = 4
#: A ring is read again enlarged to at least this many pixels tall (a 200-dpi fax's ring is ~35).
READ_HEIGHT = 60
#: A ring that a word inside touches: its outline fills this share of its box at least (an oval, 0.79)...
OVAL = 0.6
#: ... and at most this share of what it encloses is ink (the ring and the word's letters).
INKED = 0.5


def mark_circled(gray: np.ndarray, words: list[dict], read: Callable[[Image.Image], list[dict]]) -> None:
    """Rewrite, in place, each row of yes/no answers where one is ringed: the ringed one ``[x]``, the
    others ``[ ]``. ``read`` OCRs a small image (the ring's inside) into words."""
    rows: list[tuple[int, int]] = []
    answers = [(w, w["top"] - 2 * w["height"]) for w in words if answer_word(w["text"])]
    # a question whose answers both went missing (the ring, and a fax's blur): the row below it
    asked = [(w, w["top"] + w["height"] // 2) for w in words if w["text"].endswith("?")]
    for word, start in answers + asked:
        if start < word["top"] and any(y0 <= word["top"] + word["height"] / 2 < y1 for y0, y1 in rows):
            continue  # an answer's row seen already (a ring marked twice is skipped: its row has its ticks)
        height = word["height"]
        y0, y1 = max(0, start), min(gray.shape[0], start + 5 * height)
        rows.append((y0, y1))
        for left, top, width, tall, ring in _rings(gray[y0:y1] < INK, height):
            _mark_row(gray, words, (left, top + y0, width, tall), ring, read)


def _rings(dark: np.ndarray, height: int) -> list[tuple[int, int, int, int, np.ndarray]]:
    """(left, top, width, height, its pixels) of each ring in ``dark`` about an answer word's size; a ring
    drawn onto the line the answers stand on is found apart from it."""
    along = cv2.morphologyEx(
        dark.astype(np.uint8), cv2.MORPH_OPEN, np.ones((1, RULE_WORDS * height), np.uint8)
    )
    count, labels, stats, _ = cv2.connectedComponentsWithStats(dark.astype(np.uint8) & ~along, connectivity=8)
    found = []
    for index in range(1, count):
        left, top, width, tall, area = (int(v) for v in stats[index])
        if not (RING_HEIGHT[0] * height <= tall <= RING_HEIGHT[1] * height and width >= tall):
            continue
        if top == 0 or top + tall == len(dark):
            continue  # cut by the band
        ring = labels[top : top + tall, left : left + width] == index
        h0, w0 = round(tall * (1 - HOLLOW) / 2), round(width * (1 - HOLLOW) / 2)
        # the rule's ink counts here, a few pixels past where the ring was cut off it
        pad = max(2, tall // 10)
        edge, box = max(1, tall // 4), dark[max(0, top - pad) : top + tall + pad, left : left + width]
        whole = ring[: tall // 2].any(0)[w0:-w0].all() and ring[tall // 2 :].any(0)[w0:-w0].all()
        closed = whole or (box[:edge].any(0)[w0:-w0].all() and box[-edge:].any(0)[w0:-w0].all())
        hollow = area <= RING_FILL * width * tall and not ring[h0 : tall - h0, w0 : width - w0].any()
        if closed and hollow:  # a line round an empty middle, not a blot
            found.append((left, top, width, tall, ring))
        elif closed:
            sealed = ring.copy()  # where the rule cut the ring, its edge row closes it again
            if not whole:
                sealed[0] |= box[:edge].any(0)
                sealed[-1] |= box[-edge:].any(0)
            if (band := _touched_ring(ring, sealed)) is not None:
                found.append((left, top, width, tall, band))
    return found


def _touched_ring(shape: np.ndarray, sealed: np.ndarray) -> np.ndarray | None:
    """The ring of ``shape`` when the word inside touches it (a fax's thick ring runs into the 'Y' of 'Yes'):
    a closed outline round an oval (``sealed``: with what the rule under it cut away), mostly paper inside.
    Only its outer band is the ring: the letters stay."""
    outline, _ = cv2.findContours(sealed.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    filled = np.zeros(shape.shape, np.uint8)
    cv2.drawContours(filled, outline, -1, 1, thickness=cv2.FILLED)
    tall, width = shape.shape
    if filled.sum() < OVAL * tall * width or shape.sum() > INKED * filled.sum():
        return None
    edge = max(2, tall // 8)
    inner = cv2.erode(filled, np.ones((2 * edge + 1, 2 * edge + 1), np.uint8))
    return shape & ~inner.astype(bool)


def _mark_row(
    gray: np.ndarray,
    words: list[dict],
    box: tuple[int, int, int, int],
    ring: np.ndarray,
    read: Callable[[Image.Image], list[dict]],
) -> None:
    """The answer inside the ring ``box`` ticked, the row's other answers not; nothing when it holds none."""
    left, top, width, tall = box
    middle = top + tall / 2
    same_row = [w for w in words if abs(w["top"] + w["height"] / 2 - middle) <= tall / 2]
    if any(w["text"] in ("[x]", "[ ]") for w in same_row):
        return  # its boxes are read already
    row = [w for w in same_row if answer_word(w["text"])]
    inside = [w for w in row if left <= w["left"] + w["width"] / 2 <= left + width]
    if inside:
        circled = inside[0]
    else:  # the ring hid its word from tesseract: read it once more with the ring wiped out
        patch = gray[top : top + tall, left : left + width].copy()
        patch[ring] = 255
        padded = Image.fromarray(np.pad(patch, tall, constant_values=255))
        zoom = max(1, math.ceil(READ_HEIGHT / tall))  # a fax's small ring: tesseract reads a word this tall
        seen = [
            w
            for w in read(padded.resize((padded.width * zoom, padded.height * zoom), Image.LANCZOS))
            if answer_word(w["text"])
        ]
        if not seen:
            return
        nearest = min(
            words, key=lambda w: abs(w["top"] + w["height"] / 2 - middle) + abs(w["left"] - left) / 10
        )
        circled = {
            **seen[0],
            "left": left,
            "top": top,
            "width": width,
            "height": tall,
            # a row of its own when no word of the page shares it (both answers lost): no line's
            "_key": nearest.get("_key")
            if abs(nearest["top"] + nearest["height"] / 2 - middle) <= tall / 2
            else None,
        }
        words.insert(words.index(nearest) + 1, circled)
        row.append(circled)
    for word in row:
        word["text"] = answer_word(word["text"])
        mark = tick_word(word is circled, word["left"] - 2, word["top"], 1, word["height"], word["conf"])
        words.insert(words.index(word), mark | {"_key": word.get("_key")})

"""Dot leaders found on a page image, so that they can be erased before OCR.

A row of dots between a label and its value ("Company Name ........ Weinhandel GmbH") is no text to
tesseract: it reads the dots as 'ceesseees:::' and often swallows the label's last word with them
('VAT ID) Taxi NUmDOr ccccsecs'). Erased, the row becomes a plain wide gap, which the line rebuilding
(:mod:`.lines`) already reads as the end of a label. A dot is a small dark speck; a leader is a row of
at least four of them, each close to the next, no letter between them: a full stop, an ellipsis, a
date's or 'e.K.''s dots never are, nor the i's dots and colons of a line of words.

The dots are found among the page's connected components by their size; rows of them are found from
their boxes and centres alone, and the ink is looked at only in the few rows that may hold a leader.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

__all__ = ["leader_mask"]

#: The largest dot, as a share of the page's short side (an A4 sheet: about 0.025 inch, 2 pt).
DOT_SIZE = 0.003
#: The widest gap between two dots of one leader (0.2 inch: widely spaced middle dots ' ·  ·  ·' too).
DOT_GAP = 0.025
#: The fewest dots of a leader: an ellipsis has three, a date or an amount two.
MIN_DOTS = 4


class _Specks(NamedTuple):
    """A page's ink as connected components, and which of them are dot-sized."""

    dark: np.ndarray  # 1 = ink
    labels: np.ndarray  # each pixel's component
    stats: np.ndarray  # each component's box (x, y, width, height) and area
    centres: np.ndarray  # each component's centre (x, y)
    is_dot: np.ndarray  # each component: dot-sized?
    largest: int  # the largest dot (px)


def leader_mask(dark: np.ndarray) -> np.ndarray:
    """1 where ``dark`` (1 = ink) holds the dots of a leader row and their grey rim, else 0."""
    short = min(dark.shape)
    largest = max(2, round(short * DOT_SIZE))
    _, labels, stats, centres = _components(dark)
    width, height = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    is_dot = (width <= largest) & (height <= largest) & (width * 3 >= height) & (height * 3 >= width)
    is_dot[0] = False  # the background
    specks = _Specks(dark, labels, stats, centres, is_dot, largest)
    mask = np.zeros_like(dark)
    for dot in _leader_dots(specks, gap=max(3, round(short * DOT_GAP))):
        x, y, w, h = stats[dot, :4]
        mask[max(0, y - 1) : y + h + 1, max(0, x - 1) : x + w + 1] = 1  # the dot and its grey rim
    return mask


def _leader_dots(specks: _Specks, gap: int) -> set[int]:
    """The components that are dots of a leader: rows of dots, each within ``gap`` of the next, no letter
    between them. Rows are bands of twice a dot's height, taken twice, the second set shifted by half a
    band, so that a leader on a band's edge is not missed. Only the dots' boxes are looked at, and the ink
    of the few rows that may hold a leader: a page without leaders costs its connected components alone."""
    dots, centres, largest = np.flatnonzero(specks.is_dot), specks.centres, specks.largest
    found: set[int] = set()
    for shift in (0, largest):
        band = ((centres[dots, 1] + shift) // (2 * largest)).astype(int)
        order = np.lexsort((centres[dots, 0], band))
        chain, band = dots[order], band[order]
        near = (band[1:] == band[:-1]) & (np.diff(centres[chain, 0]) <= gap + largest)
        edges = np.flatnonzero(np.diff(np.concatenate(([0], near.astype(np.int8), [0]))))
        for start, end in zip(edges[::2], edges[1::2], strict=True):  # near[start:end]: one row of dots
            if end - start >= MIN_DOTS - 1:
                for run in _cut_at_letters(specks, chain[start : end + 1]):
                    if len(run) >= MIN_DOTS and _evenly_set(specks, run):
                        found.update(run.tolist())
    return found


#: Of a leader's steps from dot to dot, at least this share is within EVEN_STEP of their median: a printed
#: leader is set at one pitch; the letters of small print a blurred photo broke into specks are not.
EVEN_SHARE = 0.7
EVEN_STEP = (0.6, 1.6)


def _evenly_set(specks: _Specks, run: np.ndarray) -> bool:
    """Whether the dots of ``run`` (left to right) sit on one line at an even pitch, as a leader's do."""
    xs, ys = specks.centres[run, 0], specks.centres[run, 1]
    steps = np.diff(xs)
    median = float(np.median(steps))
    even = (steps >= EVEN_STEP[0] * median) & (steps <= EVEN_STEP[1] * median)
    return float(np.ptp(ys)) <= specks.largest and float(even.mean()) >= EVEN_SHARE


def _cut_at_letters(specks: _Specks, chain: np.ndarray) -> list[np.ndarray]:
    """``chain`` (dots, left to right) cut wherever ink that is no dot lies between two of them, up to a
    dot's height above or below: a letter ends a leader ('... 2.15': the '2' parts it from the '.')."""
    left, top = specks.stats[chain, 0], specks.stats[chain, 1]
    right, bottom = left + specks.stats[chain, 2], top + specks.stats[chain, 3]
    y0, y1 = max(0, int(top.min()) - specks.largest), int(bottom.max()) + specks.largest
    x0, x1 = int(left.min()), int(right.max())
    ink = specks.dark[y0:y1, x0:x1].astype(bool) & ~specks.is_dot[specks.labels[y0:y1, x0:x1]]
    columns = np.concatenate(([0], np.cumsum(ink.any(axis=0))))  # ink columns left of each x
    cut = columns[left[1:] - x0] > columns[right[:-1] - x0]
    return np.split(chain, np.flatnonzero(cut) + 1)


def _components(dark: np.ndarray) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """OpenCV's connected components with their boxes: 16-bit labels are 3x faster (a page has some
    thousand specks); a page of more than 65,535 (heavy noise) takes 32-bit ones."""
    try:
        return cv2.connectedComponentsWithStatsWithAlgorithm(dark, 8, cv2.CV_16U, cv2.CCL_SPAGHETTI)
    except cv2.error:
        return cv2.connectedComponentsWithStats(dark, connectivity=8)

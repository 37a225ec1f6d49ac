"""Dot leaders found on a page image, so that they can be erased before OCR.

A row of dots between a label and its value ("Company Name ........ Weinhandel GmbH") is no text to
tesseract: it reads the dots as 'ceesseees:::' and often swallows the label's last word with them
('VAT ID) Taxi NUmDOr ccccsecs'). Erased, the row becomes a plain wide gap, which the line rebuilding
(:mod:`.lines`) already reads as the end of a label. A dot is a small dark speck; a leader is a row of
at least four of them, each close to the next: a full stop, an ellipsis, a date's or 'e.K.''s
dots never are.
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["leader_mask"]

#: The largest dot, as a share of the page's short side (an A4 sheet: about 0.025 inch, 2 pt).
DOT_SIZE = 0.003
#: The widest gap between two dots of one leader (0.2 inch: widely spaced middle dots ' ·  ·  ·' too).
DOT_GAP = 0.025
#: The fewest dots of a leader: an ellipsis has three, a date or an amount two.
MIN_DOTS = 4


def leader_mask(dark: np.ndarray) -> np.ndarray:
    """1 where ``dark`` (1 = ink) holds the dots of a leader row and their grey rim, else 0."""
    short = min(dark.shape)
    largest = max(2, round(short * DOT_SIZE))
    count, labels, stats, centres = _components(dark)
    width, height = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    is_dot = (width <= largest) & (height <= largest) & (width * 3 >= height) & (height * 3 >= width)
    is_dot[0] = False  # the background
    gap = max(3, round(short * DOT_GAP))
    if not _may_hold_a_leader(centres[is_dot], largest, gap):
        return np.zeros_like(dark)  # most pages: the specks' centres alone say so, no image work
    dots = is_dot[labels].astype(np.uint8)
    # each dot stretched to a short vertical bar, then dots close together on one row joined into a run
    bars = cv2.dilate(dots, np.ones((largest, 1), np.uint8))
    runs = cv2.morphologyEx(bars, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (gap, 1)))
    runs &= 1 - cv2.dilate(
        dark & (1 - dots), np.ones((largest, 1), np.uint8)
    )  # a letter ends a run: '... 2.15'
    _, run_of = cv2.connectedComponents(runs, connectivity=8)
    centre = np.rint(centres).astype(int)
    dot_run = np.where(is_dot, run_of[centre[:, 1], centre[:, 0]], 0)
    per_run = np.bincount(dot_run[is_dot], minlength=int(run_of.max()) + 1)
    leader = is_dot & (per_run[dot_run] >= MIN_DOTS)
    return cv2.dilate(leader[labels].astype(np.uint8), np.ones((3, 3), np.uint8))  # and the grey rim


def _may_hold_a_leader(centres: np.ndarray, largest: int, gap: int) -> bool:
    """True when some ``MIN_DOTS`` dots sit on one row, each within ``gap`` of the next: the cheap test
    (on the dots' centres) before the exact one (on the image). Rows are bands of twice a dot's height,
    taken twice, the second set shifted by half a band, so that a leader on a band's edge is not missed."""
    if len(centres) < MIN_DOTS:
        return False
    band = 2 * largest
    for shift in (0, largest):
        rows = ((centres[:, 1] + shift) // band).astype(int)
        order = np.lexsort((centres[:, 0], rows))
        rows, xs = rows[order], centres[order, 0]
        near = ((rows[1:] == rows[:-1]) & (np.diff(xs) <= gap)).astype(int)
        if (
            len(near) >= MIN_DOTS - 1
            and np.convolve(near, np.ones(MIN_DOTS - 1, int), "valid").max() >= MIN_DOTS - 1
        ):
            return True
    return False


def _components(dark: np.ndarray) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """OpenCV's connected components with their boxes: 16-bit labels are 3x faster (a page has some
    thousand specks); a page of more than 65,535 (heavy noise) takes 32-bit ones."""
    try:
        return cv2.connectedComponentsWithStatsWithAlgorithm(dark, 8, cv2.CV_16U, cv2.CCL_SPAGHETTI)
    except cv2.error:
        return cv2.connectedComponentsWithStats(dark, connectivity=8)

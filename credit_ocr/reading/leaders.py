"""Dot leaders found on a page image, so that they can be erased before OCR.

A row of dots between a label and its value ("Company Name ........ Weinhandel GmbH") is no text to
tesseract: it reads the dots as 'ceesseees:::' and often swallows the label's last word with them
('VAT ID) Taxi NUmDOr ccccsecs'). Erased, the row becomes a plain wide gap, which the line rebuilding
(:mod:`.lines`) already reads as the end of a label. A dot is a small dark speck; a leader is a row of
at least three or four of them, evenly close: a full stop, an ellipsis or the dots of 'e.K.' never are.
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["leader_mask"]

#: The largest dot, as a share of the page's short side (an A4 sheet: about 0.025 inch, 2 pt).
DOT_SIZE = 0.003
#: The widest gap between two dots of one leader (0.1 inch: spaced middle dots ' · · ·' too).
DOT_GAP = 0.012
#: The shortest leader (0.17 inch: about four tight dots, three spaced ones).
MIN_LEADER = 0.02


def leader_mask(dark: np.ndarray) -> np.ndarray:
    """1 where ``dark`` (1 = ink) holds the dots of a leader row and their grey rim, else 0."""
    short = min(dark.shape)
    largest = max(2, round(short * DOT_SIZE))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    width, height = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    is_dot = (width <= largest) & (height <= largest) & (width * 3 >= height) & (height * 3 >= width)
    is_dot[0] = False  # the background
    if not is_dot[1:].any():
        return np.zeros_like(dark)
    dots = is_dot[labels].astype(np.uint8)
    gap = max(3, round(short * DOT_GAP))
    # each dot stretched to a short vertical bar, then dots close together joined into one run
    bars = cv2.dilate(dots, np.ones((largest, 1), np.uint8))
    runs = cv2.morphologyEx(bars, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (gap, 1)))
    length = max(gap + 1, round(short * MIN_LEADER))
    rows = cv2.morphologyEx(runs, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))
    return cv2.dilate(dots & rows, np.ones((3, 3), np.uint8))  # the anti-aliased rim goes too

"""Tick boxes read by their ink (reading/ticks.py), on drawn boxes."""

from __future__ import annotations

import warnings

import numpy as np

from credit_ocr.reading.ticks import find_boxes, ticked


def _page_with_boxes(size: int, crossed: int) -> np.ndarray:
    """Two square outlines ``size`` pixels wide on a blank strip, the ``crossed`` one with an X."""
    dark = np.zeros((size + 20, 4 * size + 40), np.uint8)
    for n in range(2):
        left = 10 + n * (2 * size + 10)
        box = dark[10 : 10 + size, left : left + size]
        box[0, :] = box[-1, :] = box[:, 0] = box[:, -1] = 1
        if n == crossed:
            for i in range(size):
                box[i, i] = box[i, size - 1 - i] = 1
    return dark


def test_the_crossed_box_of_a_row_is_the_ticked_one() -> None:
    boxes = find_boxes(_page_with_boxes(24, crossed=1), height=24)
    assert len(boxes) == 2
    assert ticked(sorted(boxes, key=lambda b: b.left)) == [False, True]


def test_a_box_too_small_to_have_an_inside_is_left_out_without_a_warning() -> None:
    # a 4-pixel box (a tick box on a low-dpi page): its margins leave no inside to measure ink in
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's 'Mean of empty slice' was printed into a notebook
        assert find_boxes(_page_with_boxes(4, crossed=0), height=4) == []

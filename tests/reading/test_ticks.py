"""Tick boxes read by their ink (reading/ticks.py), on drawn boxes."""

from __future__ import annotations

import warnings

import numpy as np

from credit_ocr.reading.ticks import find_boxes, mark_ticks, ticked


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


def _word(text: str, left: int, width: int, conf: float = 95.0, known: bool | None = True) -> dict:
    return {"text": text, "left": left, "top": 20, "width": width, "height": 20, "conf": conf, "known": known}


def test_a_row_of_options_gets_its_boxes_back_before_each_option() -> None:
    # 'Legal form: ☐ GmbH ☒ AG ☐ KG' as tesseract read it: the first box as 'O', the ticked one dropped,
    # the last one read into its option ('OKG')
    gray = np.full((60, 340), 255, np.uint8)
    for left, crossed in ((100, False), (180, True), (260, False)):
        box = gray[20:40, left : left + 20]
        box[0, :] = box[-1, :] = box[:, 0] = box[:, -1] = 0
        if crossed:
            for i in range(20):
                box[i, i] = box[i, 19 - i] = 0
    words = [
        _word("Legal", 10, 40),
        _word("form:", 55, 35),
        _word("O", 100, 20, conf=80, known=False),
        _word("GmbH", 125, 45),
        _word("AG", 205, 25),
        _word("OKG", 260, 50, known=False),
    ]
    mark_ticks(gray, words)
    assert " ".join(w["text"] for w in sorted(words, key=lambda w: w["left"])) == (
        "Legal form: [ ] GmbH [x] AG [ ] KG"
    )


def test_a_row_of_plain_short_words_is_not_searched_for_boxes() -> None:
    # two square outlines in the row, a word after each (a table's drawn cells): only a row where tesseract
    # read a box-sized guess is searched, and 'of' or 'ok', read surely, are none
    gray = np.full((60, 320), 255, np.uint8)
    for left in (200, 260):
        box = gray[20:40, left : left + 20]
        box[0, :] = box[-1, :] = box[:, 0] = box[:, -1] = 0
    words = [
        _word("Use", 10, 40),
        _word("of", 55, 20),
        _word("funds", 80, 60),
        _word("ok", 225, 20),
        _word("ok", 285, 20),
    ]
    mark_ticks(gray, words)
    assert [w["text"] for w in words] == ["Use", "of", "funds", "ok", "ok"]

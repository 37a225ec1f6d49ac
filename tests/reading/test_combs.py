"""Characters one per box joined into words (reading/combs.py): by their pitch, not by the text."""

from __future__ import annotations

from credit_ocr.reading.combs import joined_combs


def _word(text: str, left: int, top: int = 100, height: int = 20) -> dict:
    return {"text": text, "left": left, "top": top, "width": 12, "height": height, "conf": 90.0}


def test_runs_of_boxes_are_words_and_a_comma_between_boxes_joins_its_number() -> None:
    pitch = 26
    letters = [_word(c, 50 + i * pitch) for i, c in enumerate("SILBER")]
    second = [_word(c, 50 + (7 + i) * pitch) for i, c in enumerate("INVEST")]  # one blank box between
    number = [_word(c, 500 + i * pitch) for i, c in enumerate("78")]
    number += [_word(",", 500 + 2 * pitch - 8, top=112, height=8), _word("0", 500 + 2 * pitch + 2)]
    words, keys = joined_combs(letters + second + number, list(range(16)))
    assert [w["text"] for w in words] == ["SILBER", "INVEST", "78,0"]
    assert keys == [0, 6, 12]  # each word keeps its first character's key
    assert words[0]["width"] == 5 * pitch + 12 and words[2]["conf"] == 90.0


def test_no_comb_no_change() -> None:
    """Words of a sentence, a date's parts and tick marks in columns far apart stay as they are."""
    sentence = [_word(t, 50 + 60 * i) for i, t in enumerate(["We", "ask", "for", "a", "loan"])]
    ticks = [_word("X", 50 + 200 * i, top=300) for i in range(6)]  # columns 10 heights apart: no comb
    words = sentence + ticks
    assert joined_combs(words, None) == (words, [None] * len(words))

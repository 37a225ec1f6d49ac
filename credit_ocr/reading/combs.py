"""Values written one character per box (a comb: 'S I L B E R F L U S S'), joined into words.

Forms to be filled in by hand or typewriter give each character a box of its own. Read as they are,
each box is a word of one character, and a name becomes eleven words no label can take. A row of
one-character words set at an even pitch is a comb: the characters of one run of boxes are one word,
an empty box between two runs a space (left to :func:`.lines.rebuild_lines`, which sees a gap narrower
than a cell's), and a comma or a point set between two boxes ('7800000,00') part of the number.
"""

from __future__ import annotations

import statistics
from itertools import pairwise

from credit_ocr.reading.glyphs import BOXES

__all__ = ["joined_combs"]

#: Rows with fewer even steps than this are not a comb (a date's 'd m y', two tick marks).
MIN_EVEN_STEPS = 4
#: A step this close to the row's pitch is one box to the next ...
EVEN = (0.8, 1.25)
#: ... one up to this many pitches still joins the same run (a comma's box, a slightly wider box).
JOIN = 1.3
#: A comb's pitch is at most this many character heights: tick boxes in columns are further apart.
MAX_PITCH_HEIGHTS = 2.5
_BOXES = frozenset(BOXES + "[]|")


def _single(word: dict) -> bool:
    return len(word["text"]) == 1 and word["text"] not in _BOXES


def _rows(indexes: list[int], words: list[dict]) -> list[list[int]]:
    """One-character words grouped into rows (centres within most of a character's height), left to right."""

    def centre(i: int) -> float:
        return words[i]["top"] + words[i]["height"] / 2

    rows: list[list[int]] = []
    for i in sorted(indexes, key=centre):
        if rows and abs(centre(i) - centre(rows[-1][-1])) < 0.7 * max(
            words[i]["height"], words[rows[-1][-1]]["height"]
        ):
            rows[-1].append(i)
        else:
            rows.append([i])
    return [sorted(row, key=lambda i: words[i]["left"]) for row in rows]


def _pitch(row: list[int], words: list[dict]) -> float | None:
    """The pitch of a comb row: the median step, when enough steps are even and it is a box's, not a column's."""
    steps = [words[b]["left"] - words[a]["left"] for a, b in pairwise(row)]
    if len(steps) < MIN_EVEN_STEPS:
        return None
    pitch = statistics.median(steps)
    height = statistics.median(words[i]["height"] for i in row)
    even = sum(EVEN[0] * pitch <= s <= EVEN[1] * pitch for s in steps)
    return pitch if 0 < pitch <= MAX_PITCH_HEIGHTS * height and even >= MIN_EVEN_STEPS else None


def _runs(row: list[int], words: list[dict], pitch: float) -> list[list[int]]:
    """The runs of boxes of a row at ``pitch``: characters at most a box and a little apart."""
    runs, current = [], [row[0]]
    for a, b in pairwise(row):
        if words[b]["left"] - words[a]["left"] <= JOIN * pitch:
            current.append(b)
        else:
            runs.append(current)
            current = [b]
    runs.append(current)
    return [run for run in runs if len(run) > 1]


def _joined(run: list[dict]) -> dict:
    right = max(w["left"] + w["width"] for w in run)
    bottom = max(w["top"] + w["height"] for w in run)
    word = dict(run[0])
    word.update(
        text="".join(w["text"] for w in run),
        top=min(w["top"] for w in run),
        width=right - run[0]["left"],
        height=bottom - min(w["top"] for w in run),
        conf=min(float(w.get("conf", -1)) for w in run),
    )
    return word


def joined_combs(words: list[dict], keys: list[object] | None = None) -> tuple[list[dict], list[object]]:
    """``words`` with each comb run one word (its first character's key), and the keys to match."""
    keys = list(keys) if keys is not None else [None] * len(words)
    singles = [i for i, w in enumerate(words) if _single(w)]
    if len(singles) <= MIN_EVEN_STEPS:
        return words, keys
    rows = _rows(singles, words)
    pitches = [_pitch(row, words) for row in rows]
    found = [p for p in pitches if p is not None]
    if not found:
        return words, keys
    # a page with a comb has its pitch: a short value in boxes ('AG', '1 0 years') is read at it too
    page_pitch = statistics.median(found)
    first_of: dict[int, list[int]] = {}
    for row, pitch in zip(rows, pitches, strict=True):
        for run in _runs(row, words, pitch or page_pitch) if len(row) > 1 else ():
            first_of[run[0]] = run
    absorbed = {i for run in first_of.values() for i in run[1:]}
    out_words, out_keys = [], []
    for i, (word, key) in enumerate(zip(words, keys, strict=True)):
        if i in absorbed:
            continue
        out_words.append(_joined([words[j] for j in first_of[i]]) if i in first_of else word)
        out_keys.append(key)
    return out_words, out_keys

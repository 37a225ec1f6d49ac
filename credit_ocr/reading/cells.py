"""Labels wrapped over several lines in a form's narrow label column, joined into one line with their value.

A form with a narrow label column wraps a long label ('Date of / incorporation of / the company') and
prints the value beside its first line, or beside its middle one, or between two of them. Read row by row,
the label falls apart: 'Date of  03.11.2009', then 'incorporation of' and 'the company' alone. The page's
geometry tells which lines belong together: the value column starts at one place on many rows; a line
that starts at the label column, ends before the value column and holds no gap of its own is a piece of a
label; between two value rows the widest gap divides the pieces (the padding between two cells is wider
than the leading inside one), and a piece joins only when every gap to its value row is clearly narrower
than that padding. A heading, a form of labels above values in two columns, or a row of two fields has no
such gaps and is left as it is. The rows come out as ``<the whole label>  <value>``.

The same geometry reads two tables printed side by side one after the other (:func:`split_tables`) and an
``X`` under a ``Yes  No`` header as the answer of its column (:func:`answer_columns`).
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import pairwise
from statistics import median
from typing import NamedTuple

from credit_ocr.reading.glyphs import NO_WORDS, YES_WORDS

__all__ = [
    "Ruling",
    "answer_columns",
    "cell_of",
    "join_wrapped_labels",
    "split_tables",
    "walls_at",
    "walls_between",
]


class Ruling(NamedTuple):
    """A table's cell a PDF draws, or a rule (pixels; a vertical rule's left and right are as one, a
    horizontal one's top and bottom)."""

    left: float
    right: float
    top: float
    bottom: float


#: Rows that must share the value column's left edge before the page is taken for a two-column form.
MIN_TABLE_ROWS = 3
#: A gap between two lines wider than this many line heights ends a run of one table's rows.
RUN_GAP = 3.0
#: A piece joins a value row only when every gap between them is narrower than this share of the padding
#: between two cells of the run: a heading sits as far from the row below it as two rows of the table do.
EDGE_GAP = 0.75
#: A line taller than this many times the table's rows is a title or a heading, not a piece of a label;
#: one smaller than this share of them is a boxed form's small print.
HEADING_HEIGHT = 1.4
SMALL_PRINT = 0.7


def join_wrapped_labels(rows: list[list[dict]], wide: list[float]) -> list[list[dict]]:
    """``rows`` (top to bottom, each row's words left to right) with each wrapped label's pieces moved into
    its value's row, in reading order: the label's words line by line, then the value's.

    ``wide`` gives each row's wide gap in pixels (label | value). A page with no value column shared by
    ``MIN_TABLE_ROWS`` rows comes back unchanged.
    """
    columns = _columns(rows, wide)
    if columns is None:
        return rows
    kinds = [_kind(row, gap, columns) for row, gap in zip(rows, wide, strict=True)]
    value_x, tolerance = columns.value_x, columns.tolerance
    owner: dict[int, int] = {}  # a piece, or a value row that goes on with the cell above -> the cell's row
    for run in _runs(rows, kinds):
        owner |= _assign(rows, kinds, run, value_x - tolerance)
    if not owner:
        return rows
    out: list[list[dict]] = []
    for number in range(len(rows)):
        if number in owner:
            continue
        members = sorted([number, *(n for n, cell in owner.items() if cell == number)])
        left = [w for n in members for w in rows[n] if w["left"] < value_x - tolerance]
        right = [w for n in members for w in rows[n] if w["left"] >= value_x - tolerance]
        out.append(left + right)
    return out


class _Columns(NamedTuple):
    label_x: float  # the label column's left edge
    value_x: float  # the value column's
    tolerance: float  # two characters
    height: float  # a table row's (median) word height


def _first_cell_gap(words: list[dict], wide: float) -> int | None:
    """The index of the first word after a wide gap (label | value), None when the words hold none."""
    for i, (before, after) in enumerate(zip(words, words[1:], strict=False), 1):
        if after["left"] - (before["left"] + before["width"]) > wide:
            return i
    return None


def _columns(rows: list[list[dict]], wide: list[float]) -> _Columns | None:
    """The table's columns when enough rows share a value column."""
    starts = [
        (row[0]["left"], row[i]["left"], _extent(row)[2])
        for row, gap in zip(rows, wide, strict=True)
        if (i := _first_cell_gap(row, gap)) is not None
    ]
    if len(starts) < MIN_TABLE_ROWS:
        return None
    char = median(w["width"] / max(1, len(w["text"])) for row in rows for w in row)
    tolerance = 2 * char
    bins = Counter(round(value / tolerance) for _, value, _ in starts)
    column, count = bins.most_common(1)[0]
    if count < MIN_TABLE_ROWS:
        return None
    shared = [(label, value, h) for label, value, h in starts if abs(round(value / tolerance) - column) <= 1]
    label_x, value_x = median(s[0] for s in shared), min(s[1] for s in shared)
    return _Columns(label_x, value_x, tolerance, median(s[2] for s in shared))


def _kind(row: list[dict], wide: float, columns: _Columns) -> str:
    """'value' (a row with words in the value column), 'piece' (a line of the label column only) or 'other'
    (a title, a heading, prose, a line elsewhere)."""
    label_x, value_x, tolerance, height = columns
    bordered = any("|" in w["text"] for w in row)
    row = [w for w in row if _is_text(w)]  # a fax's specks ('”', '‘', '=') are no value
    if not row:
        return "other"
    right = [w for w in row if w["left"] >= value_x - tolerance]
    if _extent(right or row)[2] > HEADING_HEIGHT * height:
        return "other"  # taller than the table's rows: a title or a heading (a value's own words tell)
    if not right and _extent(row)[2] < SMALL_PRINT * height:
        return "other"  # a boxed form's small label above the next box's value, no line of a wrapped label
    if any(w["left"] < value_x - tolerance < w["left"] + w["width"] for w in row):
        return "other"  # a word across the gutter: prose or a heading, not the two columns
    if right:  # a value starts at the value column, or after a wide gap (not a title running across)
        left = [w for w in row if w["left"] < value_x - tolerance]
        aligned = abs(right[0]["left"] - value_x) <= tolerance
        apart = not left or right[0]["left"] - (left[-1]["left"] + left[-1]["width"]) > wide
        return "value" if aligned or apart else "other"
    split = _first_cell_gap(row, wide) is not None
    numbered = _NUMBERED.match(row[0]["text"]) or any(ch.isdigit() for w in row for ch in w["text"])
    if abs(row[0]["left"] - label_x) <= tolerance and not (split or bordered or numbered):
        return "piece"  # (a wide gap or a cell's border: a label and its value; '2.', 'Part 3': a heading)
    return "other"


#: A section's number: a heading's first word ('2.', 'B)', 'II.'), never a wrapped label's.
_NUMBERED = re.compile(r"^(?:\d{1,2}|[A-H]|[IVX]{1,4})[.)]$")


def _is_text(word: dict) -> bool:
    return any(ch.isalnum() for ch in word["text"])


def _extent(row: list[dict]) -> tuple[float, float, float]:
    heights = sorted(w["height"] for w in row)
    top = min(w["top"] for w in row)
    return top, max(w["top"] + w["height"] for w in row), heights[len(heights) // 2]


def _runs(rows: list[list[dict]], kinds: list[str]) -> list[list[int]]:
    """Runs of consecutive value and piece rows with no wide vertical gap between them."""
    runs: list[list[int]] = []
    for number, kind in enumerate(kinds):
        if kind == "other":
            continue
        if runs and runs[-1][-1] == number - 1:
            _, bottom, height = _extent(rows[number - 1])
            if _extent(rows[number])[0] - bottom <= RUN_GAP * height:
                runs[-1].append(number)
                continue
        runs.append([number])
    return runs


def _value_only(row: list[dict], value_x: float) -> bool:
    return row[0]["left"] >= value_x


def _assign(rows: list[list[dict]], kinds: list[str], run: list[int], value_x: float) -> dict[int, int]:
    """The cell each piece of ``run`` belongs to (the row of its value): between two value rows, the widest
    gap divides them. A row of a value alone, as close below another as a cell's own lines are, goes on with
    that cell ('Kastanienweg 162,' / '64295 Darmstadt': a value wrapped in its cell)."""
    anchors = [n for n in run if kinds[n] == "value"]
    if len(anchors) < 2:
        return {}  # one value row: no padding between two cells to tell a cell's leading from
    splits = [_widest_gap(rows, a, b) for a, b in zip(anchors, anchors[1:], strict=False)]
    tight = EDGE_GAP * median(_gap(rows, n - 1, n) for n in splits)  # below the padding between two cells
    owner: dict[int, int] = {}
    for a, b in zip(anchors, anchors[1:], strict=False):
        if _value_only(rows[b], value_x) and _tight(rows, a, b, tight):
            owner[b] = owner.get(a, a)
    cell = {a: owner.get(a, a) for a in anchors}
    for n in (n for n in run if kinds[n] == "piece"):
        above = max((a for a in anchors if a < n), default=None)
        below = min((a for a in anchors if a > n), default=None)
        if above is not None and below is not None:
            split = splits[anchors.index(above)]
            if n < split and _tight(rows, above, split - 1, tight) or cell[below] == cell[above]:
                owner[n] = cell[above]
            elif n >= split and _tight(rows, split, below, tight):
                owner[n] = cell[below]
        elif _tight(rows, *((n, below) if below is not None else (above, n)), tight):
            owner[n] = cell[below] if below is not None else cell[above]
    return owner


def _gap(rows: list[list[dict]], upper: int, lower: int) -> float:
    return _extent(rows[lower])[0] - _extent(rows[upper])[1]


def _widest_gap(rows: list[list[dict]], above: int, below: int) -> int:
    """The first row after the widest gap between rows ``above`` and ``below`` (the lower one on a tie: the upper
    value row keeps the pieces, as in a form whose values sit beside their label's first line)."""
    return max((_gap(rows, n, n + 1), n + 1) for n in range(above, below))[1]


def _tight(rows: list[list[dict]], upper: int, lower: int, most: float) -> bool:
    """Every gap between rows ``upper`` and ``lower`` is at most ``most`` pixels: the leading of one cell."""
    return all(_gap(rows, n, n + 1) <= most for n in range(upper, lower))


# --------------------------------------------------------------------------------------------
# yes/no answered by a mark in a column


_YES, _NO = YES_WORDS | {"y", "j"}, NO_WORDS | {"n"}  # 'J/N (Y/N)' columns
#: What a form's answer column is marked with.
_MARKS = frozenset({"x", "✓", "✔", "☒", "☑", "■", "●"})


def answer_columns(rows: list[list[dict]]) -> None:
    """Marks under a 'Yes  No' header that answer a question ('Subsidised loan programme involved?  X', the X
    under 'No') rewritten, in place, as the word of their column: read row by row, a lone X says yes. Columns
    before the questions ('Y N' over 'X  26 RIGHT TO PREPAY?') answer them too, the answer moved after."""
    header: tuple[float, float, float] | None = None  # the centres of 'Yes' and 'No', and a word's width
    for row in rows:
        yes = next((w for w in row if w["text"].lower() in _YES), None)
        no = next((w for w in row if w["text"].lower() in _NO), None)
        if yes is not None and no is not None and len(row) <= 4:  # 'Question  Yes  No'
            header = (_centre(yes), _centre(no), max(yes["width"], no["width"]))
            continue
        marks = [w for w in row if w["text"].lower() in _MARKS]
        if header is None or len(marks) != 1 or len(row) < 2:
            continue
        if marks[0] is row[0] and row[-1]["text"].endswith("?"):
            row.append(row.pop(0))  # the question, then its answer in a cell of its own
            row[-1]["_answer_moved"] = True
        elif marks[0] is not row[-1] or not row[-2]["text"].endswith("?"):
            continue  # no question answered by a mark alone
        to_yes, to_no = abs(_centre(marks[0]) - header[0]), abs(_centre(marks[0]) - header[1])
        if min(to_yes, to_no) <= 2 * header[2]:
            marks[0]["text"] = "yes" if to_yes < to_no else "no"


def _centre(word: dict) -> float:
    return word["left"] + word["width"] / 2


# --------------------------------------------------------------------------------------------
# two tables side by side


#: Rows a gutter must run down before the two sides are read as two tables.
MIN_TABLE_BLOCK = 4
#: The share of a side's lines that must hold a label and its value for the side to be a table of its own.
TABLE_SHARE = 0.3
#: In one drawn grid, this share of each side's rows must be a label's cell and its value's to read it as two.
PAIRED_SHARE = 0.6


def split_tables(
    rows: list[list[dict]], wide: list[float], rulings: tuple[Ruling, ...] = ()
) -> list[tuple[list[list[dict]], list[float]]]:
    """Two tables of labels and values side by side ('Borrower  Hansa AG    Total investment  EUR 7.5m'),
    each wrapping its own cells, read one after the other: the left table's rows, then the right's.

    A gutter is a strip no word crosses for ``MIN_TABLE_BLOCK`` rows or more, with labels and their values
    (two cells) on each side of it in a third of its lines; a form's single label | value column, or labels above
    values in two columns, have no such strip and are left as they are, and so is a strip a drawn table's
    cells cover from side to side (one table's columns, not two tables). Returns the page in blocks, each
    its rows and their wide gaps: the rows outside two tables, the left table, the right one, and so on.
    """
    blocks: list[tuple[list[list[dict]], list[float]]] = [([], [])]
    start = 0
    while start < len(rows):
        end, gutter = _gutter_block(rows, wide, start, rulings)
        if gutter is None:
            blocks[-1][0].append(rows[start])
            blocks[-1][1].append(wide[start])
            start += 1
            continue
        before, both = blocks[-1][0], _text_beside(rows, wide, start, end, gutter)
        while before and before[-1] is rows[start - 1] and _uncrossed(rows[start - 1], gutter, both):
            before.pop()  # a row above the gutter's first wide gap: 'KEY FACTS' over its box
            blocks[-1][1].pop()
            start -= 1
        for right in (False, True):  # the left table, then the right one
            parts = _side(rows, wide, start, end, gutter, right)
            blocks.append(([part for part, _ in parts], [gap for _, gap in parts]))
        blocks.append(([], []))
        start = end
    return [block for block in blocks if block[0]]


def _gutter_block(
    rows: list[list[dict]], wide: list[float], start: int, rulings: tuple[Ruling, ...]
) -> tuple[int, float | None]:
    """(end, gutter's x) of the longest block of two tables from row ``start``; (start, None) if none."""
    best: tuple[int, float | None] = (start, None)
    row = rows[start]
    middle = median(w["top"] + w["height"] / 2 for w in row)
    near = 2 * median(w["height"] for w in row)  # a scan's rule over or under the row
    for a, b in zip(row, row[1:], strict=False):
        low, high = a["left"] + a["width"], b["left"]
        if high - low <= wide[start]:
            continue  # a gutter starts at a wide gap of the first row
        end = start + 1
        while end < len(rows) and (free := _free(rows[end], low, high)) is not None:
            low, high = free
            if high - low <= wide[start] / 3:
                break  # no wider than a space between two words: a sentence runs across it
            end += 1
        if (
            end - start >= MIN_TABLE_BLOCK
            and end > best[0]
            and (_two_tables(rows, wide, start, end, high) or _text_beside(rows, wide, start, end, high))
            and (not _bridged(rulings, low, high, middle, near) or _pairs(rows, start, end, high, rulings))
        ):
            best = (end, high)
        edge = _column_edge(rows, start, b["left"])  # two columns of labels above values, out of step
        if edge > best[0] and not _bridged(rulings, low, high, middle, near):
            best = (edge, b["left"])
    return best


def _uncrossed(row: list[dict], gutter: float, both_sides: bool) -> bool:
    """Whether no word of the row crosses the gutter, and its words are on one side of it (or on both, beside
    a column of running text: a sentence's end left of it, a box's label right of it)."""
    sides = {w["left"] >= gutter for w in row}
    return (both_sides or len(sides) == 1) and all(
        w["left"] >= gutter or w["left"] + w["width"] < gutter for w in row
    )


def _bridged(rulings: tuple[Ruling, ...], low: float, high: float, y: float, near: float) -> bool:
    """Whether a drawn table crosses the strip (low, high) at height ``y``: cells side by side, or a
    scan's rule, within ``near`` pixels, cover it without a break."""
    reach = low
    crossing = (r for r in rulings if r.top - near <= y <= r.bottom + near and r.right > r.left)
    for ruling in sorted(crossing, key=lambda r: r.left):
        if ruling.left > reach + 2:
            break
        reach = max(reach, ruling.right)
    return reach >= high


def _pairs(rows: list[list[dict]], start: int, end: int, gutter: float, rulings: tuple[Ruling, ...]) -> bool:
    """Whether one drawn table's rows are, on each side of the gutter, a label's cell and its value's: two
    tables of labels and values in one grid ('Fa. | Glockenhof KG | Rechtsf. | KG'), not one table's
    header of many cells over its values."""
    for right in (False, True):
        sides = [[w for w in rows[n] if (w["left"] >= gutter) == right] for n in range(start, end)]
        two = sum(len(side) > 1 and _walled(side, rulings) == 1 for side in sides)
        if two < PAIRED_SHARE * len(sides):
            return False
    return True


def walls_at(rulings: tuple[Ruling, ...], y: float) -> list[float]:
    """The x of every drawn border at height ``y``: a cell's sides, a vertical rule."""
    return [x for r in rulings if r.top <= y <= r.bottom and r.bottom - r.top > 0 for x in {r.left, r.right}]


def walls_between(walls: list[float], before: dict, after: dict) -> list[float]:
    """The borders (of :func:`walls_at`) that stand between two words of a row, left to right."""
    return sorted(x for x in walls if before["left"] + before["width"] - 1 <= x <= after["left"] + 1)


def _walled(words: list[dict], rulings: tuple[Ruling, ...]) -> int:
    """How many of a row's word gaps (left to right) a border stands in."""
    walls = walls_at(rulings, median(w["top"] + w["height"] / 2 for w in words))
    return sum(bool(walls_between(walls, a, b)) for a, b in pairwise(words))


def cell_of(word: dict, rulings: tuple[Ruling, ...]) -> Ruling | None:
    """The innermost drawn cell the word's middle lies in (a PDF's, or the one a scan's rules close round
    it), None outside every one."""
    x, y = word["left"] + word["width"] / 2, word["top"] + word["height"] / 2
    cells = [r for r in rulings if r.left < x < r.right and r.top < y < r.bottom]
    if cells:
        return min(cells, key=lambda r: (r.right - r.left) * (r.bottom - r.top))
    across = [r.top for r in rulings if r.top == r.bottom and r.left <= x <= r.right]
    along = [r.left for r in rulings if r.left == r.right and r.top <= y <= r.bottom]
    sides = (
        max((v for v in along if v < x), default=None),
        min((v for v in along if v > x), default=None),
        max((v for v in across if v < y), default=None),
        min((v for v in across if v > y), default=None),
    )
    return None if None in sides else Ruling(*sides)


def _free(row: list[dict], low: float, high: float) -> tuple[float, float] | None:
    """The part of the strip (low, high) no word of ``row`` covers, None when a word crosses all of it."""
    for w in row:
        left, right = w["left"], w["left"] + w["width"]
        if right <= low or left >= high:
            continue
        if left <= low and right >= high:
            return None
        if left > low and right < high:
            return None  # a word inside the strip
        low, high = (right, high) if left <= low else (low, left)
    return (low, high) if high > low else None


def _side(
    rows: list[list[dict]], wide: list[float], start: int, end: int, gutter: float, right: bool
) -> list[tuple[list[dict], float]]:
    """The lines of one side of the gutter in rows ``start`` to ``end``, each with its row's wide gap."""
    parts = ([w for w in rows[n] if (w["left"] >= gutter) == right] for n in range(start, end))
    return [(part, wide[n]) for n, part in zip(range(start, end), parts, strict=True) if part]


def _two_tables(rows: list[list[dict]], wide: list[float], start: int, end: int, gutter: float) -> bool:
    """Each side of the gutter holds labels with their values (a wide gap between words) in a third of its
    lines: two tables. A single table's labels, or labels above values, have no such gap on a side."""
    for right in (False, True):
        parts = _side(rows, wide, start, end, gutter, right)
        with_cells = sum(_label_and_value(part, gap) for part, gap in parts)
        if with_cells < MIN_TABLE_BLOCK / 2 or with_cells < TABLE_SHARE * len(parts):
            return False  # (a speck's gap in a few of a single table's labels is no second table)
    return True


#: Two columns of labels above values are out of step when this share of their rows has words on one side only.
OUT_OF_STEP = 0.4
#: ... over this many rows at least, and each column alone in this share of them.
MIN_COLUMN_ROWS = 8
ONE_SIDE_ONLY = 0.15


def _column_edge(rows: list[list[dict]], start: int, x: float) -> int:
    """The end of two columns out of step from row ``start``, the right one's left edge at ``x``: rows no
    word crosses at ``x``, while both columns have words and then while the longer one's rest goes on, when
    the right column's words start at ``x`` in half of them or more; ``start`` when there are none."""

    def side(row: list[dict]) -> set[bool]:
        return {w["left"] >= x - 1 for w in row}

    def uncrossed(row: list[dict]) -> bool:
        return all(w["left"] >= x - 1 or w["left"] + w["width"] < x for w in row)

    end = start
    while end < len(rows) and uncrossed(rows[end]):
        end += 1
    # the columns side by side end where one of them does; the other's rest, all on its side, is theirs too
    both = 1 + min(
        max((n for n in range(start, end) if right in side(rows[n])), default=start)
        for right in (False, True)
    )
    char = median(w["width"] / max(1, len(w["text"])) for w in rows[start])
    aligned = sum(any(abs(w["left"] - x) <= char for w in row) for row in rows[start:both])
    if aligned < (both - start) / 2 or not _out_of_step(rows, start, both, x):
        return start
    while both < len(rows) and len(side(rows[both])) == 1 and uncrossed(rows[both]):
        both += 1
    return both


def _out_of_step(rows: list[list[dict]], start: int, end: int, gutter: float) -> bool:
    """Two columns of labels above their values whose lines do not keep in step (one column's labels a
    smaller font, or a value wrapped): many rows hold the words of the left column only, many the right's,
    so they are read one after the other. Columns in step (a label row over a value row, each of both
    columns), or a boxed form whose wide cells fill a row alone, are left as they are."""
    block = rows[start:end]
    only = [sum({w["left"] >= gutter for w in row} == {right} for row in block) for right in (False, True)]
    sides = [
        sum(any((w["left"] >= gutter) == right for w in row) for row in block) for right in (False, True)
    ]
    return (
        len(block) >= MIN_COLUMN_ROWS
        and sum(only) >= OUT_OF_STEP * len(block)
        and min(only) >= ONE_SIDE_ONLY * len(block)
        and min(sides) >= MIN_COLUMN_ROWS / 2
    )


#: A column of running text: this many words to a line at least, in this share of its lines.
TEXT_LINE_WORDS = 6
TEXT_SHARE = 0.6


def _text_beside(rows: list[list[dict]], wide: list[float], start: int, end: int, gutter: float) -> bool:
    """A column of running text left of the gutter, a box of facts right of it (a memo's 'Key facts'): the
    left side's lines are a sentence's, wrapped (many words, no wide gap, no question or label ending
    them), so the two are read one after the other. A question form's questions end in '?' or ':', a bilingual
    form's labels are two languages' parted by a '/'."""
    left = _side(rows, wide, start, end, gutter, False)
    right = _side(rows, wide, start, end, gutter, True)

    def running(words: list[dict], gap: float) -> bool:
        return (
            len(words) >= TEXT_LINE_WORDS
            and _first_cell_gap(words, gap) is None
            and not words[-1]["text"].endswith(("?", ":"))
            and not any(w["text"] == "/" for w in words)  # 'Date de création / Date of incorporation'
        )

    text = sum(running(part, gap) for part, gap in left)
    return len(right) >= MIN_TABLE_BLOCK and text >= MIN_TABLE_BLOCK and text >= TEXT_SHARE * len(left)


def _label_and_value(words: list[dict], wide: float) -> bool:
    """A wide gap with words on both sides of it: 'Firma  :' is a label and its colon, 'Hansa AG  .  a'
    a value and a fax's specks, neither a label with its value."""
    if (i := _first_cell_gap(words, wide)) is None:
        return False
    return all(sum(ch.isalnum() for w in side for ch in w["text"]) >= 2 for side in (words[:i], words[i:]))

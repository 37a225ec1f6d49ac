"""A form that prints each value before its label ('Hartmann Invest GmbH      Name of company').

Some forms put the answers in a left column and the questions in a right one. Read as it is, every row
starts with a value no label names and ends with a label that has nothing after it. When most two-cell
rows of a document look like that, those rows are turned round ('Name of company  Hartmann Invest GmbH')
before the walk (:mod:`.walk`) reads them; a document with labels first is left as it is.
"""

from __future__ import annotations

from credit_ocr.reading.extraction.segments import split_line
from credit_ocr.reading.extraction.walk import label_of

__all__ = ["MIN_MIRRORED_ROWS", "unmirrored"]

#: Rows with the value first that make a document a mirrored form (a stray one is a table's odd row).
MIN_MIRRORED_ROWS = 4
#: As sure as a label must be to count as one, alone in its cell.
_SURE = 0.6


def _is_bare_label(segment: str) -> bool:
    found = label_of(segment)
    return found is not None and not found.remainder and found.score >= _SURE


def unmirrored(lines: list[str]) -> list[str]:
    """``lines`` with each 'value  label' row turned round, when such rows outnumber 'label  value' ones."""
    mirrored: dict[int, str] = {}
    upright = 0
    for number, line in enumerate(lines):
        _, segments = split_line(line)
        if len(segments) != 2:
            continue
        first, last = segments
        if label_of(first) is not None:
            upright += 1
        elif _is_bare_label(last):
            mirrored[number] = f"{last}  {first}"
    if len(mirrored) < MIN_MIRRORED_ROWS or len(mirrored) <= upright:
        return lines
    return [mirrored.get(number, line) for number, line in enumerate(lines)]

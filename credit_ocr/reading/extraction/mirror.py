"""A form that prints each value before its label ('Hartmann Invest GmbH      Name of company').

Some forms put the answers in a left column and the questions in a right one. Read as it is, every row
starts with a value no label names and ends with a label that has nothing after it. When most two-cell
rows of a document look like that, those rows are turned round ('Name of company  Hartmann Invest GmbH')
before the walk (:mod:`.walk`) reads them; a document with labels first is left as it is.

A yes/no question answered by a lone box before it ('[x]  Early repayment right requested', under '(tick only
where applicable)') is such a row too, always turned: ticked it says yes, left empty no.
"""

from __future__ import annotations

import re

from credit_ocr.reading.extraction.segments import split_line
from credit_ocr.reading.extraction.spec import FIELD_BY_NAME
from credit_ocr.reading.extraction.walk import label_of
from credit_ocr.reading.glyphs import BOXES, TICKED_BOXES

__all__ = ["MIN_MIRRORED_ROWS", "unmirrored"]

#: A box, ticked or not, then a label: '[x]  Early repayment right requested', '☐ Fördermittel beantragt'.
#: A filled square box as OCR reads it ('MM', '™') is a ticked one.
_BOX_FIRST = re.compile(
    rf"^\s*(?:\[(?P<mark>\s?[xX✓✔]?\s?)\]|(?P<glyph>[{BOXES}])|(?P<filled>[mM]{{2}}|™))\s+(?P<label>[^\[\]{BOXES}]+)$"
)

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
        mirrored = {}
    lines = [mirrored.get(number, line) for number, line in enumerate(lines)]
    return [_box_last(line) for line in lines]


def _box_last(line: str) -> str:
    """A yes/no label after its lone box, written as the label and its answer ('... requested  [x] yes')."""
    if not (found := _BOX_FIRST.match(line)):
        return line
    label = label_of(found["label"].strip())
    if label is None or not label.field or FIELD_BY_NAME[label.field].kind != "bool":
        return line
    ticked = (
        bool((found["mark"] or "").strip())
        or bool(found["glyph"] and found["glyph"] in TICKED_BOXES)
        or bool(found["filled"])
    )
    return f"{found['label'].strip()}  [x] {'yes' if ticked else 'no'}"

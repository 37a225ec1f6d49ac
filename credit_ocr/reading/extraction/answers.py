"""A questionnaire that answers by number: questions in one part, '1.1  Elbtor Handels GmbH' in another.

Some forms list numbered questions ('1.1  What is the full registered name of the applying company?')
and collect the answers elsewhere under the same numbers, sometimes two to a row. Each answer is put
back beside its question, on the question's line, so that the walk (:mod:`.walk`) reads the question as
a label in its own section; the answer's line is left empty, so no line moves.
"""

from __future__ import annotations

import re

from credit_ocr.reading.lines import LineWords

__all__ = ["MIN_ANSWERED", "with_answers"]

#: Numbers asked and answered that make a document a questionnaire (two could be a table's cross-reference).
MIN_ANSWERED = 4
#: An outline number at the start of a line or after a wide gap: '1.1', '3.10', '2.4.1.'.
_ITEM = re.compile(r"(?:^|(?<=\s\s))\s*(\d{1,2}(?:\.\d{1,2}){1,2})\.?(?=\s)")


def _items(line: str) -> list[tuple[str, str]]:
    """The (number, text) items of a line that starts with an outline number; [] for any other line."""
    starts = list(_ITEM.finditer(line))
    if not starts or line[: starts[0].start()].strip():
        return []
    ends = [m.start() for m in starts[1:]] + [len(line)]
    return [(m[1], line[m.end() : end].strip()) for m, end in zip(starts, ends, strict=True)]


#: An answer's number whose points a scan lost ('13 21 December 1993' for 1.3, '310 No' for 3.10).
_POINTLESS = re.compile(r"^\s*(\d{2,4})\s+(\S.*)$")


def _lost_points(line: str, asked: dict[str, int], answered: dict) -> tuple[str, str] | None:
    """(the item, the answer) of a line that starts with an asked number read without its points."""
    m = _POINTLESS.match(line)
    if not m:
        return None
    item = next((i for i in asked if i.replace(".", "") == m[1] and i not in answered), None)
    return (item, m[2].strip(" —–-")) if item else None


def with_answers(lines: list[str], words: LineWords | None = None) -> tuple[list[str], LineWords | None]:
    """``lines`` (and their ``words``) with each numbered answer moved beside its numbered question."""
    asked: dict[str, int] = {}  # number -> the line that asks it
    answered: dict[str, tuple[int, str]] = {}  # number -> (the line that answers it, the answer)
    for number, line in enumerate(lines):
        items = _items(line)
        if not items and answered and (lost := _lost_points(line, asked, answered)):
            items = [lost]
        for item, text in items:
            if item not in asked:
                asked[item] = number
            elif item not in answered and text:
                answered[item] = (number, text)
    if len(answered) < MIN_ANSWERED:
        return lines, words
    out = list(lines)
    moved_words = [list(w) for w in words] if words is not None else None
    for item, (number, answer) in answered.items():
        question = asked[item]
        out[question] = f"{out[question]}  {answer}"
        out[number] = ""
        if moved_words is not None and number < len(moved_words) and question < len(moved_words):
            moved_words[question].extend(moved_words[number])
            moved_words[number] = []
    return out, moved_words

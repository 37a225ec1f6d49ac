"""The exercises' machinery: a registry of checks, and ``check()``, which never raises.

A check (a *judge*) looks at what the student's code produced on the running system (the event log,
the stored fields, a worker's task events) and returns the sentence printed after ✓, or raises
:class:`NotYet` with a hint that says what is still wrong. :func:`verdict` turns anything else (a
wrong type, ``None``, a student function that raises, a service that is down) into a hint too, so a
notebook cell that checks an answer never shows a traceback.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["EXERCISES", "Exercise", "NotYet", "Verdict", "call_student", "check", "exercise", "verdict"]


class NotYet(Exception):
    """Raised by a judge: the answer is not right yet; the message is the hint printed to the student."""


@dataclass(frozen=True)
class Verdict:
    """The outcome of one check: passed or not, and the sentence the student reads."""

    key: str
    passed: bool
    message: str

    def __str__(self) -> str:
        return f"✓ {self.key}: {self.message}" if self.passed else f"✗ {self.key} not yet: {self.message}"


@dataclass(frozen=True)
class Exercise:
    """One exercise: its key (``"05.1"``), a title, what its answer is, and its judge."""

    key: str
    title: str
    expects: str  # the answer's shape, said when the answer is missing or unusable
    judge: Callable[[Any], str]


#: Every exercise of the course by key, filled by the lesson modules' ``@exercise`` decorators.
EXERCISES: dict[str, Exercise] = {}


def exercise(key: str, title: str, expects: str) -> Callable[[Callable[[Any], str]], Callable[[Any], str]]:
    """Register ``judge`` as the check of exercise ``key``."""

    def register(judge: Callable[[Any], str]) -> Callable[[Any], str]:
        EXERCISES[key] = Exercise(key, title, expects, judge)
        return judge

    return register


def _placeholder(answer: Any) -> bool:
    return answer is None or answer is Ellipsis or (isinstance(answer, float) and math.isnan(answer))


def verdict(key: str, answer: Any) -> Verdict:
    """Judge ``answer`` for exercise ``key``: a :class:`Verdict`, whatever the answer (never raises)."""
    ex = EXERCISES.get(key)
    if ex is None:
        known = ", ".join(sorted(EXERCISES))
        return Verdict(key, False, f"there is no exercise {key!r}; the exercises are {known}.")
    if _placeholder(answer):
        return Verdict(key, False, f"no answer yet. {ex.expects}")
    try:
        return Verdict(key, True, ex.judge(answer))
    except NotYet as hint:
        return Verdict(key, False, str(hint))
    except Exception as exc:  # noqa: BLE001 - a check prints a hint, never a traceback
        reason = f"{exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        return Verdict(key, False, f"the check could not use this answer ({reason[:200]}). {ex.expects}")


def check(key: str, answer: Any) -> None:
    """Print ✓ and what the answer shows, or what is still wrong: ``check("05.1", answer)``."""
    print(verdict(key, answer))


def call_student(function: Any, *args: Any) -> Any:
    """Call the student's function; its exception becomes a hint (with the input that raised it)."""
    if not callable(function):
        raise NotYet(f"expected a function, got {type(function).__name__}.")
    try:
        return function(*args)
    except Exception as exc:  # noqa: BLE001 - the student's code: its error is the hint
        shown = ", ".join(repr(a)[:60] for a in args)
        raise NotYet(f"your function raised {exc.__class__.__name__}: {exc} (called with {shown}).") from None

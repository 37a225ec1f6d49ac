"""check() prints ✓ or a hint and never raises, whatever it is given; every lesson 02-08 has exercises."""

from __future__ import annotations

import pytest

from credit_ocr.faces import exercises
from credit_ocr.faces.exercises.core import NotYet, Verdict, call_student, verdict


def test_at_least_ten_exercises_across_lessons_02_to_08() -> None:
    keys = sorted(exercises.EXERCISES)
    assert len(keys) >= 10
    assert {key.split(".")[0] for key in keys} == {"02", "03", "04", "05", "06", "07", "08"}
    for ex in exercises.EXERCISES.values():
        assert ex.title and ex.expects, ex.key


def _raises(*_args: object) -> None:
    raise ZeroDivisionError("the student's bug")


@pytest.mark.parametrize("answer", [None, ..., 42, "not an id", object(), [], {"x": 1}, _raises])
def test_every_check_gives_a_hint_not_a_traceback_on_a_wrong_answer(kit, answer: object, capsys) -> None:
    for key in exercises.EXERCISES:
        exercises.check(key, answer)
        printed = capsys.readouterr().out
        assert printed.startswith(f"✗ {key} not yet: "), printed
        assert "Traceback" not in printed


def test_a_placeholder_is_told_what_to_produce() -> None:
    result = verdict("05.1", None)
    assert not result.passed
    assert result.message.startswith("no answer yet.") and "priority" in result.message


def test_an_unknown_key_names_the_exercises() -> None:
    result = verdict("99.9", 1)
    assert not result.passed and "02.1" in result.message and "08.2" in result.message


def test_verdict_prints_a_tick_or_not_yet() -> None:
    assert str(Verdict("02.1", True, "right")) == "✓ 02.1: right"
    assert str(Verdict("02.1", False, "look lower")) == "✗ 02.1 not yet: look lower"


def test_a_student_function_that_raises_becomes_a_hint() -> None:
    with pytest.raises(NotYet, match="ZeroDivisionError: the student's bug .called with 'TEUR 1'"):
        call_student(_raises, "TEUR 1")
    with pytest.raises(NotYet, match="expected a function"):
        call_student("not callable", 1)

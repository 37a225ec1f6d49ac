"""Exercises 02.1, 03.1 and 03.2 against tesseract, the rules extractor and a stand-in LLM: hint, then ✓."""

from __future__ import annotations

import re

import pytest

from credit_ocr.faces import exercises
from credit_ocr.faces.exercises import reading
from credit_ocr.faces.exercises.core import verdict
from credit_ocr.faces.llm_server import StandInLLM
from credit_ocr.reading.evaluate import extract_file
from credit_ocr.reading.extraction import LLMPermanentError, LLMTransientError
from credit_ocr.reading.extraction.fields import normalize
from credit_ocr.reading.extraction.llm import extract_llm
from credit_ocr.reading.extraction.numbers import parse_number


@pytest.mark.tesseract
def test_02_1_the_lowest_dpi_that_keeps_every_field(kit) -> None:
    # the solution: up from the lowest candidate until every field is right (the check's own reading)
    answer = next(d for d in exercises.DPI_CANDIDATES if not reading._missed_at(exercises.exercise_scan(), d))
    passed = verdict("02.1", answer)
    assert passed.passed, passed.message
    assert f"at {answer} dpi all 21 fields" in passed.message
    lower = [d for d in exercises.DPI_CANDIDATES if d < answer]
    assert lower, "the scan keeps every field even at the lowest candidate: the exercise shows nothing"
    too_low = verdict("02.1", lower[-1])
    assert not too_low.passed and "a higher resolution is needed" in too_low.message
    higher = [d for d in exercises.DPI_CANDIDATES if d > answer][0]
    assert "look lower" in verdict("02.1", higher).message
    assert "not one of the candidates" in verdict("02.1", 300).message


TEUR = re.compile(r"\s*(TEUR|T€)\s*")


def normalize_amount(raw: str | None) -> str | None:
    """The solution of 03.1: TEUR and T€ are thousands of euros; anything else as before."""
    if isinstance(raw, str) and TEUR.search(raw):
        number = parse_number(TEUR.sub("", raw))
        return None if number is None else normalize("loan_amount", str(number * 1000))
    return normalize("loan_amount", raw)


def test_03_1_teur_amounts_read_right(kit) -> None:
    path = exercises.teur_sample()
    assert path.parent.parent == kit.home_dir
    before = extract_file(path, "rules").fields
    assert all(before[name] is None for name in exercises.MONEY_FIELDS), "TEUR is new to the kit"
    passed = verdict("03.1", normalize_amount)
    assert passed.passed, passed.message
    assert "all 4 amounts of the TEUR application" in passed.message


def test_03_1_the_hints_say_which_spelling_fails(kit) -> None:
    unchanged = verdict("03.1", lambda raw: normalize("loan_amount", raw))
    assert not unchanged.passed and "'TEUR 2.500' gives None, expected '€2,500,000'" in unchanged.message

    def with_float(raw: str) -> str | None:  # reads '2.500' as two and a half
        if "TEUR" in raw:
            return normalize("loan_amount", str(float(TEUR.sub("", raw)) * 1000))
        return normalize_amount(raw)

    assert "gives '€2,500', expected '€2,500,000'" in verdict("03.1", with_float).message

    def forgets_the_old_ones(raw: str) -> str | None:
        return normalize_amount(raw) if "T" in raw else None

    assert "the old spellings must still read" in verdict("03.1", forgets_the_old_ones).message


def test_03_2_what_each_fault_becomes(kit) -> None:
    # the solution: each fault of the table on a stand-in, and what extract_llm made of it
    text = "Company Name  Weser Kontor GmbH\nLoan Amount  EUR 2,500,000\n"
    outcomes = {}
    with StandInLLM(seed=5).start() as llm:
        settings = kit.model_copy(update={"llm_base_url": llm.url})
        for name, fault in exercises.STANDIN_FAULTS.items():
            llm.configure(**fault)
            try:
                extract_llm(text, settings)
                outcomes[name] = "fields"
            except LLMTransientError:
                outcomes[name] = "transient"
            except LLMPermanentError:
                outcomes[name] = "permanent"
    passed = verdict("03.2", outcomes)
    assert passed.passed, passed.message
    wrong = {**outcomes, "401 wrong key": "transient"}
    hint = verdict("03.2", wrong)
    assert not hint.passed and "'401 wrong key': you wrote 'transient'" in hint.message
    assert "LLMPermanentError (status 401)" in hint.message
    partial = verdict("03.2", {"429 rate limit": "transient"})
    assert "no outcome yet for '503 unavailable'" in partial.message

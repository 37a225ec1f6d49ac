"""Exercises of lessons 02 and 03: resolution against fields, a new amount spelling, what each LLM fault becomes.

Each check reads for itself: tesseract on the lesson's scan, the rules extractor on a generated loan
application, the LLM extractor against a stand-in server of its own.
"""

from __future__ import annotations

import json
import random
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from unittest import mock

from credit_ocr.config import get_settings, override_settings
from credit_ocr.faces.exercises.core import NotYet, call_student, exercise
from credit_ocr.faces.lessons import sample_paths
from credit_ocr.faces.llm_server import StandInLLM
from credit_ocr.reading.evaluate import extract_file
from credit_ocr.reading.extraction import LLMPermanentError, LLMTransientError, rules
from credit_ocr.reading.extraction.fields import FIELD_NAMES, FIELDS, normalize, values_match
from credit_ocr.reading.extraction.llm import extract_llm
from credit_ocr.reading.ocr import ocr_bytes
from credit_ocr.reading.sample_forms import content, render_pdf

__all__ = ["DPI_CANDIDATES", "MONEY_FIELDS", "STANDIN_CALM", "STANDIN_FAULTS", "exercise_scan", "teur_sample"]

# --------------------------------------------------------------------------------------------
# 02.1: the lowest resolution that keeps every field

#: The resolutions exercise 02.1 chooses from (``CREDIT_OCR_OCR_DPI``; the kit reads at 150).
DPI_CANDIDATES = (75, 100, 125, 150, 200)


def exercise_scan() -> Path:
    """The scanned loan application of lesson 02 (the first image-only PDF of the samples)."""
    return sample_paths("scan")[0]


@lru_cache(maxsize=16)
def _missed_at(path: Path, dpi: int) -> tuple[str, ...]:
    """The fields the rules extractor gets wrong when ``path`` is read at ``dpi``."""
    truth = json.loads(path.with_suffix(".json").read_text())
    with override_settings(ocr_dpi=dpi):
        read = extract_file(path, "rules")
    return tuple(n for n in FIELD_NAMES if not values_match(n, truth.get(n), read.fields[n]))


@exercise(
    "02.1",
    "The lowest resolution that keeps every field",
    f"Set `answer` to the lowest resolution of {DPI_CANDIDATES} (an int, dpi) at which the rules extractor "
    "still gets all 21 fields of the lesson's scan right.",
)
def _lowest_dpi(answer: Any) -> str:
    if isinstance(answer, bool) or not isinstance(answer, int):
        raise NotYet(f"expected a resolution in dpi (an int such as 150), got {type(answer).__name__}.")
    if answer not in DPI_CANDIDATES:
        raise NotYet(f"{answer} dpi is not one of the candidates {DPI_CANDIDATES}.")
    scan = exercise_scan()
    missed = _missed_at(scan, answer)
    if missed:
        raise NotYet(
            f"at {answer} dpi {21 - len(missed)}/21 fields are right (wrong: {', '.join(missed)}): "
            "a higher resolution is needed."
        )
    lower = [d for d in DPI_CANDIDATES if d < answer]
    if not lower:
        return f"even {answer} dpi, the lowest candidate, keeps all 21 fields of {scan.name}."
    below = lower[-1]
    missed_below = _missed_at(scan, below)
    if not missed_below:
        raise NotYet(f"{below} dpi keeps all 21 fields too: look lower.")
    return (
        f"at {answer} dpi all 21 fields of {scan.name} are right, at {below} dpi {21 - len(missed_below)}. "
        "Pixels (and OCR time) grow with the square of the resolution: the kit reads at 150 dpi, one step "
        "of margin for worse scans than this one."
    )


# --------------------------------------------------------------------------------------------
# 03.1: amounts in thousands of euros (TEUR)

#: The fields of kind ``money``: the ones a TEUR application prints in thousands.
MONEY_FIELDS = tuple(spec.name for spec in FIELDS if spec.kind == "money")
_TEUR_STYLES = ("TEUR {}", "{} TEUR", "T€ {}", "TEUR {}")


def _german(number: Decimal) -> str:
    """``19162.5`` as ``19.162,5``: dots group thousands, a comma marks the decimals."""
    whole, _, frac = f"{number.normalize():f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{grouped},{frac}" if frac else grouped


@lru_cache(maxsize=1)
def _teur_document() -> tuple[bytes, dict[str, Any]]:
    """A text-layer loan application whose amounts are printed in TEUR, and its normalized truth."""
    doc = content(random.Random("credit-ocr-exercise-03.1"))
    truth = {name: normalize(name, doc.printed.get(name)) for name in FIELD_NAMES}
    for name, style in zip(MONEY_FIELDS, _TEUR_STYLES, strict=True):
        if truth[name] is not None:
            euros = Decimal(truth[name].lstrip("€").replace(",", ""))
            doc.printed[name] = style.format(_german(euros / 1000))
    return render_pdf(doc, "table", "Helvetica", 1, 10.5), truth


def teur_sample() -> Path:
    """Write the TEUR loan application of exercise 03.1 into the kit's home folder; its path."""
    path = get_settings().home_dir / "exercises" / "teur_application.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_teur_document()[0])
    return path


#: Spellings the normalizer must read, beyond the sample: TEUR both sides, T€, and the old ones unchanged.
_SPELLINGS = {
    "TEUR 2.500": "€2,500,000",
    "2.500 TEUR": "€2,500,000",
    "T€ 19.162,5": "€19,162,500",
    "TEUR 750": "€750,000",
    "EUR 2,500,000": "€2,500,000",
    "2.500.000 €": "€2,500,000",
    "n/a": None,
}


@exercise(
    "03.1",
    "A normalizer for amounts in thousands of euros",
    "Define `normalize_amount(raw)` that returns the normalized amount ('€2,500,000') of a printed "
    "money value, TEUR and T€ included, and pass the function itself: check('03.1', normalize_amount).",
)
def _teur(answer: Any) -> str:
    for raw, expected in _SPELLINGS.items():
        got = call_student(answer, raw)
        if got != expected:
            why = " (the old spellings must still read as before)" if "T" not in raw else ""
            raise NotYet(f"{raw!r} gives {got!r}, expected {expected!r}{why}.")
    data, truth = _teur_document()
    text = ocr_bytes(data).text

    # The rules extractor with the student's function as the normalizer of the money fields (patched
    # where the extractor looks it up, so that the student's own calls to normalize() stay the kit's).
    def normalizer(name: str, raw: Any) -> Any:
        return call_student(answer, raw) if name in MONEY_FIELDS else normalize(name, raw)

    with mock.patch.object(rules, "normalize", normalizer):
        read = rules.extract_rules(text).fields
    wrong = [n for n in MONEY_FIELDS if read[n] != truth[n]]
    if wrong:
        shown = ", ".join(f"{n}: {read[n]!r} (expected {truth[n]!r})" for n in wrong)
        raise NotYet(f"the TEUR application still reads wrong: {shown}.")
    return (
        f"every spelling reads right, and the rules extractor with your normalizer reads all "
        f"{sum(truth[n] is not None for n in MONEY_FIELDS)} amounts of the TEUR application."
    )


# --------------------------------------------------------------------------------------------
# 03.2: what each fault of the endpoint becomes

#: The stand-in's settings with no fault: what to configure between two faults of exercise 03.2.
STANDIN_CALM: dict[str, Any] = {
    "fail_rate": 0.0, "fail_codes": [500, 429], "retry_after": 1.0, "malformed_rate": 0.0,
    "malformed_next": 0, "malformed": "not_json", "api_key": None,
}  # fmt: skip
#: The faults of exercise 03.2, each a complete stand-in configuration (``llm.configure(**fault)``).
STANDIN_FAULTS: dict[str, dict[str, Any]] = {
    "429 rate limit": {**STANDIN_CALM, "fail_rate": 1.0, "fail_codes": [429]},
    "503 unavailable": {**STANDIN_CALM, "fail_rate": 1.0, "fail_codes": [503]},
    "400 bad request": {**STANDIN_CALM, "fail_rate": 1.0, "fail_codes": [400]},
    "401 wrong key": {**STANDIN_CALM, "api_key": "sk-the-servers-own-key"},
    "answer not JSON": {**STANDIN_CALM, "malformed_next": 2, "malformed": "not_json"},
    "JSON in a code fence": {**STANDIN_CALM, "malformed_next": 1, "malformed": "fenced"},
}
_OUTCOMES = ("transient", "permanent", "fields")


@lru_cache(maxsize=1)
def _fault_outcomes() -> dict[str, tuple[str, str]]:
    """What ``extract_llm`` makes of each fault, measured on a stand-in of the check's own."""
    text = ocr_bytes(sample_paths("text")[0].read_bytes()).text
    outcomes = {}
    with StandInLLM(seed=1).start() as llm:
        settings = get_settings().model_copy(update={"llm_base_url": llm.url})
        for name, fault in STANDIN_FAULTS.items():
            llm.configure(**fault)
            try:
                extract_llm(text, settings)
                outcomes[name] = ("fields", "the 21 fields came back")
            except (LLMTransientError, LLMPermanentError) as exc:
                status = f"status {exc.status}" if exc.status else "no HTTP error: the answer itself"
                outcomes[name] = (
                    "transient" if exc.transient else "permanent",
                    f"{type(exc).__name__} ({status})",
                )
    return outcomes


@exercise(
    "03.2",
    "What each fault of the endpoint becomes",
    f"Set `answer` to a dict from each fault of exercises.STANDIN_FAULTS to what extract_llm made of it: "
    f"one of {_OUTCOMES}.",
)
def _faults(answer: Any) -> str:
    if not isinstance(answer, dict):
        raise NotYet(f"expected a dict {{fault: outcome}}, got {type(answer).__name__}.")
    missing = [name for name in STANDIN_FAULTS if name not in answer]
    if missing:
        raise NotYet(f"no outcome yet for {', '.join(repr(m) for m in missing)}.")
    unknown = {k: v for k, v in answer.items() if v not in _OUTCOMES}
    if unknown:
        raise NotYet(f"outcomes are one of {_OUTCOMES}; got {unknown}.")
    for name, (outcome, seen) in _fault_outcomes().items():
        if answer[name] != outcome:
            raise NotYet(f"{name!r}: you wrote {answer[name]!r}, but extract_llm gave {seen}.")
    return (
        "429 and 503 may pass on a later try (transient: Celery retries them); a 400, a wrong key and an "
        "answer that stays non-JSON will not (permanent: the document fails at once); a fenced answer is "
        "repaired locally and never reaches the pipeline as an error."
    )

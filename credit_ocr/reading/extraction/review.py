"""How sure the extractor is of each field, and which fields a person should look at, with a reason.

A field's confidence multiplies three things the extractor knows: how surely tesseract read the value's
words (its word confidences; 1.0 for a text layer), how surely the label named the field, and whether
the value has the shape the field needs (a valid VAT number, a legal form that names one...). The
``review`` list says why a field deserves a look: not found, a value that does not validate, two
different values on the form, a value whose place was uncertain (columns that did not line up, a
label's end guessed), a value misread though it validates (:func:`.checks.shape_doubt`: a full stop for
an address's comma, an amount too small, a tick that could belong to either answer), an unsure OCR
reading, a loose label, or fields that disagree (:func:`.checks.consistency`).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import lru_cache

from credit_ocr.reading.extraction.checks import consistency, label_doubt, misread_word, shape_doubt
from credit_ocr.reading.extraction.fields import FIELD_BY_NAME, FIELD_NAMES, is_valid
from credit_ocr.reading.extraction.labels import word_fields
from credit_ocr.reading.extraction.result import ExtractionResult
from credit_ocr.reading.extraction.shapes import EUROPEAN_LEGAL_FORM, money
from credit_ocr.reading.extraction.unconfirmed import unconfirmed_word
from credit_ocr.reading.lines import LineWord

__all__ = ["Evidence", "ReviewItem", "confidence_of", "mentioned", "plausible", "review", "with_review"]

#: A value word tesseract read with less confidence than this (0-100) is worth a look.
LOW_WORD_CONFIDENCE = 40.0
#: A label that named its field less surely than this (0..1) is worth a look.
LOOSE_LABEL = 0.6
#: A word names a field when the vocabulary gives it this weight or more ('VAT' 3, 'price' 3, 'own' 2).
MENTION_WEIGHT = 2.0
#: Fields whose confidence is below this are listed for review even without another reason.
LOW_CONFIDENCE = 0.3

_LEGAL_FORM = re.compile(
    r"GmbH|\bAG\b|\bKG\b|\bUG\b|\bSE\b|OHG|GbR|\be\.?\s?K\b|Compan|Partnership|Corporation|Limited|Ltd|Inc\b|LLC"
    r"|gesellschaft|Kaufmann|Kauffrau|Einzelunternehm|Genossenschaft"  # 'Offene Handelsgesellschaft', 'eingetragener Kaufmann'
    r"|soci[ée]t[ée]|vennootschap|societ[àa]|sociedad|sp[óo][łl]ka|responsabilit"  # French, Dutch, Italian, Spanish, Polish
    rf"|\b(?:{EUROPEAN_LEGAL_FORM})(?=[\s,)]|$)",
    re.I,
)
#: A register entry names its register: a German court, Companies House, the Dutch KvK, a French or Luxembourg
#: RCS, an Austrian Firmenbuch number, Poland's KRS, Spain's Registro Mercantil, Italy's REA, Belgium's KBO.
_REGISTER = re.compile(
    r"\bHR\s?[AB]\b|regist|court|amtsgericht|companies\s+house|company\s+no|\bkvk\b|\brcs\b|\bFN\s?\d|firmenbuch"
    r"|handelsgericht|rejestr|\bKRS\b|mercantil|imprese|\bREA\b|\bRPR\b|\bKBO\b|\bBCE\b|\bCHE[-\s]?\d",
    re.I,
)
#: A price or loan below this many euros is no property's ('Finanzierungsanfrage Tabakfabrik Halle 3' is no €3).
MIN_LOAN = 1000
_LOANS = ("purchase_price", "requested_amount", "loan_amount")
_RATE_WORDS = {"fixed", "variable", "floating", "fix", "variabel", "fest"}


@dataclass
class Evidence:
    """What the extractor knows about one field's value."""

    found: bool = False
    label_score: float = 0.0  # 0..1
    word_confidence: float | None = None  # 0..100, lowest of the value's words; None: no OCR words
    plausible: bool = False
    conflict: str | None = None  # another value the form offers for the field
    doubt: str | None = None  # why the value's place on the page is uncertain
    label: str | None = None  # the printed label the value was found under
    raw: str | None = None  # the value as printed (what a tick box's reading is judged on)
    from_letter: bool = False  # read from a letter's sentences or letterhead, under no form's label
    words: tuple[LineWord, ...] = ()  # the value's OCR words, their confidences and dictionary marks
    stated_none: bool = False  # not found, but its label is printed with a dash or 'n/a': the form says none
    unstated: bool = False  # not found in a letter that has no word for it: the letter does not state it


@dataclass
class ReviewItem:
    """One field a person should look at, and why."""

    field: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def plausible(name: str, value: object) -> bool:
    """True if ``value`` is valid for the field and looks like what the field holds, not like its neighbour's."""
    if not is_valid(name, value):
        return False
    text = str(value)
    if name == "legal_form":
        return bool(_LEGAL_FORM.search(text))
    if name == "commercial_register":  # a German register is 'HRA' or 'HRB': 'HRR' is a misread letter
        return bool(_REGISTER.search(text)) and not re.search(r"\bHR[C-Z]\b", text, re.I)
    if name in ("business_address", "property_address"):
        return bool(re.search(r"\d", text)) and bool(re.search(r"[A-Za-z]{3}", text))
    if name in ("company_name", "property_type", "property_name", "purpose"):
        return (
            bool(re.search(r"[A-Za-z]{2}", text))
            and not re.search(r"€|\bEUR\b|\d{1,3}[.,]\d{3}", text)
            and not re.match(r"(?:No|Nr)\.?\s?\d|\d{5}", text)  # "No. 13895460 / Companies House" is a number
        )
    if name in _LOANS:  # a property's price or loan of a few euros is a number read off something else
        return (money(value) or 0) >= MIN_LOAN
    if name == "interest_rate":  # a commercial loan's rate lies between 0% and 20%
        return text.lower() in _RATE_WORDS if not text.endswith("%") else 0 < float(text[:-1]) < 20
    return True


@lru_cache(maxsize=4)
def mentioned(text: str) -> frozenset[str]:
    """The fields some word of ``text`` names (vocabulary weight 2 or more: 'VAT', 'Baujahr', 'equity'): a
    letter that names a field it gives no value for is worth a look; one it never names, it does not state.
    (A form's label may be misread, so a form's missing field is always worth a look.)"""
    words = {word.strip(".,:;()?!\"'") for word in text.split()}
    return frozenset(
        field for word in words for field, weight in word_fields(word) or () if weight >= MENTION_WEIGHT
    )


def confidence_of(evidence: Evidence) -> float:
    """0..1: the OCR's certainty of the words times the label's, a value of the wrong shape cut hard."""
    if not evidence.found:
        return 0.0
    ocr = 1.0 if evidence.word_confidence is None else max(0.0, min(1.0, evidence.word_confidence / 100))
    score = ocr * (0.5 + 0.5 * evidence.label_score) * (1.0 if evidence.plausible else 0.3)
    return round(score * (0.7 if evidence.conflict or evidence.doubt else 1.0), 3)


def _reason(name: str, value: object, ev: Evidence, text: str) -> str | None:
    kind = FIELD_BY_NAME[name].kind
    if not ev.found:
        return None if ev.stated_none or ev.unstated else "not found on the document"
    if not ev.plausible:
        return f"{value!r} does not read as a {kind if kind != 'text' else name.replace('_', ' ')}"
    if ev.conflict:
        return f"the form also offers {ev.conflict!r}"
    if ev.doubt:
        return ev.doubt
    if shaped := shape_doubt(name, value, ev.raw):
        return shaped
    if kind == "text" and (slip := misread_word(name, value, text)):
        return slip
    if kind == "text" and (unsure := unconfirmed_word(value, ev.words, text)):
        return unsure
    if bordered := label_doubt(name, value, ev.label):
        return bordered
    if ev.word_confidence is not None and ev.word_confidence < LOW_WORD_CONFIDENCE:
        return f"the OCR was unsure of a word (confidence {ev.word_confidence:.0f})"
    if ev.from_letter:
        return "read from a letter, under no form's label" + (f" (named by {ev.label!r})" if ev.label else "")
    if ev.label_score < LOOSE_LABEL:
        return f"its label matched loosely ({ev.label_score:.2f})"
    return None


def review(fields: dict[str, object], evidence: dict[str, Evidence], text: str = "") -> list[ReviewItem]:
    """The fields a person should look at, one reason each, in field order (``text``: the document's,
    whose other words tell a misread one)."""
    items: dict[str, ReviewItem] = {}
    for name in FIELD_NAMES:
        ev = evidence.get(name, Evidence())
        reason = _reason(name, fields.get(name), ev, text)
        if reason is None and ev.found and confidence_of(ev) < LOW_CONFIDENCE:
            reason = f"low confidence ({confidence_of(ev):.2f})"
        if reason:
            items[name] = ReviewItem(name, reason)
    for doubt in consistency(fields):
        items.setdefault(doubt.field, ReviewItem(doubt.field, doubt.reason))
    return [items[name] for name in FIELD_NAMES if name in items]


def with_review(result: ExtractionResult) -> ExtractionResult:
    """An extractor's result with confidences and a review list from its values alone (the LLM's case:
    no label scores, no word confidences; a value of the wrong shape or a missing one is still caught)."""
    evidence = {
        name: Evidence(found=value is not None, label_score=1.0, plausible=plausible(name, value))
        for name, value in result.fields.items()
    }
    result.confidence = {name: confidence_of(ev) for name, ev in evidence.items()}
    result.review = [item.as_dict() for item in review(result.fields, evidence)]
    return result

"""The rule-based extractor: finds each field's label on the OCR lines and reads the value beside or below it.

It works on the lines rebuilt by ``ocr.py``, where a wide gap between a label and its value is marked by
two or more spaces. Labels are matched with ``difflib`` against each field's label and synonyms
(``fields.FIELDS``), so OCR slips such as ``Date of lncorporation`` or ``Adress`` still find their field.
A value comes from the same row (after a colon or a wide gap) or, for a label alone on its row, from
the next line. Every value is normalized by ``fields.normalize``: the LLM extractor does the same, so
both compare exactly. No network, no model: the embedded default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from credit_ocr.reading.extraction.fields import FIELD_NAMES, FIELDS, empty_fields, is_valid, normalize
from credit_ocr.reading.extraction.result import ExtractionResult

__all__ = ["extract_rules", "find_label"]

#: Smallest similarity at which a printed label counts as a field's label (1.0 = identical).
MIN_LABEL_SCORE = 0.84
#: Short labels ('Term', 'Area') must match more closely: one slip changes a short word a lot.
SHORT_LABEL_SCORE = 0.9
#: The longest label in words, plus slack for a slip that splits a word.
MAX_LABEL_WORDS = 8

_WIDE_GAP = re.compile(r"\s{2,}|\t")
_ENUMERATOR = re.compile(r"^\s*(?:\d{1,2}|[a-hA-H]|[ivxIVX]{1,4})[.)]\s+")
_GENERIC_ADDRESS = {"address", "adress", "location"}


@dataclass(frozen=True)
class _Label:
    field: str
    text: str  # folded
    words: int


@dataclass
class _Hit:
    field: str
    score: float
    label: str
    remainder: str


def _fold(text: str) -> str:
    """Lower case, letters and digits only, single spaces: how labels are compared."""
    text = text.lower().replace("ß", "ss")
    return " ".join(re.sub(r"[^\w]+", " ", text).replace("_", " ").split())


@lru_cache(maxsize=1)
def _labels() -> tuple[_Label, ...]:
    seen: set[tuple[str, str]] = set()
    labels = []
    for spec in FIELDS:
        for text in (spec.label, *spec.synonyms):
            folded = _fold(text)
            if folded and (spec.name, folded) not in seen:
                seen.add((spec.name, folded))
                labels.append(_Label(spec.name, folded, len(folded.split())))
    return tuple(labels)


def _score(candidate: str, label: _Label) -> float:
    if candidate == label.text:
        return 1.0
    matcher = SequenceMatcher(None, candidate, label.text, autojunk=False)
    if matcher.real_quick_ratio() < MIN_LABEL_SCORE or matcher.quick_ratio() < MIN_LABEL_SCORE:
        return 0.0
    score = matcher.ratio()
    needed = SHORT_LABEL_SCORE if len(label.text) <= 6 else MIN_LABEL_SCORE
    return score if score >= needed else 0.0


@lru_cache(maxsize=16384)
def _best_label(candidate: str) -> tuple[_Label, float] | None:
    """The closest label to ``candidate`` and its score, remembered: forms repeat the same label text
    from document to document, and fuzzy-scoring a candidate against every label was 30 ms a document."""
    folded = _fold(candidate)
    if not folded:
        return None
    n_words = len(folded.split())
    best: tuple[_Label, float] | None = None
    for label in _labels():
        if abs(label.words - n_words) > 1:
            continue
        score = _score(folded, label)
        if score and (best is None or score > best[1] or (score == best[1] and label.words > best[0].words)):
            best = (label, score)
    return best


def find_label(segment: str) -> _Hit | None:
    """The field whose label starts ``segment`` (exactly or nearly), and the text after that label."""
    segment = segment.strip()
    if not segment:
        return None
    if ":" in segment:
        head, _, tail = segment.partition(":")
        if head.strip() and len(head.split()) <= MAX_LABEL_WORDS + 2:
            hit = _prefix_hit(head, require_whole=True)
            if hit is None:
                hit = _prefix_hit(head, require_whole=False)
            if hit is not None:
                hit.remainder = tail.strip()
                return hit
    return _prefix_hit(segment, require_whole=False)


def _prefix_hit(text: str, *, require_whole: bool) -> _Hit | None:
    """The best label among the first 1..8 words of ``text`` (a longer label wins a tie)."""
    tokens = text.split()
    best: _Hit | None = None
    best_words = 0
    sizes = [len(tokens)] if require_whole else range(1, min(len(tokens), MAX_LABEL_WORDS) + 1)
    for size in sizes:
        if size > MAX_LABEL_WORDS + 2:
            continue
        if not require_whole and tokens[size - 1][:1] in ("[", "]", "☐", "☒"):
            continue  # a tick box belongs to the value ("[ ] yes [x] no"), never to the label
        found = _best_label(" ".join(tokens[:size]))
        if found is None:
            continue
        label, score = found
        if best is None or score > best.score or (score == best.score and size > best_words):
            best = _Hit(label.field, score, label.text, " ".join(tokens[size:]))
            best_words = size
    return best


def _section_of(line: str, current: str) -> str:
    """'applicant' or 'property' when ``line`` is a section heading that says so, else ``current``."""
    folded = _fold(line)
    if len(folded.split()) > 7:
        return current
    if re.search(r"\b(property|object|real estate|building|financ)", folded):
        return "property"
    if re.search(r"\b(applicant|company profile|borrower|company details)\b", folded):
        return "applicant"
    return current


def _clean_value(text: str) -> str:
    return " ".join(text.split()).strip(" :;|_")


def _pairs(lines: list[str]) -> list[tuple[_Hit, str, str]]:
    """(label hit, raw value, section) for every label found on the lines, in reading order."""
    found: list[tuple[_Hit, str, str]] = []
    section = "applicant"
    pending: tuple[_Hit, str] | None = None  # a label alone at the end of its row: value on the next line
    for raw_line in lines:
        line = raw_line.strip()
        if not line:
            continue
        numbered = bool(_ENUMERATOR.match(line))
        body = _ENUMERATOR.sub("", line)
        segments = [s for s in _WIDE_GAP.split(body) if s.strip()]
        hits = [find_label(s) for s in segments]
        if pending is not None:
            label_row = bool(hits) and hits[0] is not None
            if not label_row and not numbered:
                found.append((pending[0], _clean_value(" ".join(segments)), pending[1]))
                pending = None
                continue
            pending = None
        explicit = ":" in body or len(segments) > 1
        if numbered and (not hits or hits[0] is None or not explicit):
            section = _section_of(body, section)  # '2. Property Description' is a heading, not a label
            continue
        if not hits or hits[0] is None:
            section = _section_of(body, section)
            continue
        current: _Hit | None = None
        parts: list[str] = []
        for segment, hit in zip(segments, hits, strict=True):
            # after a label, the next segment is its value, whatever it looks like
            if hit is not None and (current is None or parts):
                if current is not None:
                    found.append((current, _clean_value(" ".join(parts)), section))
                current, parts = hit, ([hit.remainder] if hit.remainder else [])
            else:
                parts.append(segment)
        if current is not None:
            if parts:
                found.append((current, _clean_value(" ".join(parts)), section))
            else:
                pending = (current, section)
    return found


_DIGIT_SPACE = re.compile(r"(?<=\d) (?=\d)")
_SQUARE_METRE_SLIP = re.compile(r"\bm\s*[?°*'^]+\s*2?\s*$")
_KINDS = {spec.name: spec.kind for spec in FIELDS}
_CANONICAL = {spec.name: _fold(spec.label) for spec in FIELDS}


def _normalize(name: str, raw: str):
    """``fields.normalize``, then once more after undoing OCR slips it cannot know about.

    '7 630000 EUR' (a space read into a number) and '3,721 m?2' (m² read as 'm?2') are read as what
    they were printed as; the slip-free reading is only tried when the first one fails.
    """
    value = normalize(name, raw)
    if value is not None and is_valid(name, value):
        return value
    kind = _KINDS[name]
    fixed = raw
    if kind in ("money", "monthly", "area"):
        fixed = _DIGIT_SPACE.sub("", fixed)
    if kind == "area":
        fixed = _SQUARE_METRE_SLIP.sub(" m2", fixed)
    if fixed != raw:
        retried = normalize(name, fixed)
        if retried is not None and is_valid(name, retried):
            return retried
    return value


def extract_rules(text: str) -> ExtractionResult:
    """The 21 fields of a credit request from its OCR text, by label matching and normalization."""
    fields = empty_fields()
    confidence = dict.fromkeys(FIELD_NAMES, 0.0)
    # a valid value beats an invalid one, a closer label a looser one, a specific label
    # ('Company Name') a generic one ('Company', which also starts the heading 'Company Profile')
    rank: dict[str, tuple] = {}
    for hit, raw, section in _pairs(text.splitlines()):
        name = hit.field
        if name == "property_address" and hit.label in _GENERIC_ADDRESS and section == "applicant":
            name = "business_address"
        value = _normalize(name, raw) if raw else None
        if value is None:
            continue
        ok = is_valid(name, value)
        canonical = hit.label == _CANONICAL[hit.field]
        key = (ok, round(hit.score, 2), canonical, len(hit.label))
        if name not in rank or key > rank[name]:
            rank[name] = key
            fields[name] = value
            confidence[name] = round(hit.score if ok else hit.score * 0.5, 3)
    valid = {name: is_valid(name, fields[name]) for name in FIELD_NAMES}
    return ExtractionResult(extractor="rules", fields=fields, valid=valid, confidence=confidence)

"""Labels matched as phrases: a printed label against the known labels of each field, OCR slips forgiven.

``difflib`` compares a candidate with each field's label and synonyms (``spec.FIELDS``), so
``Date of lncorporation`` or ``Adress`` still find their field. A phrase read exactly is the surest
label there is; :mod:`.labels` finds the labels no phrase list foresaw, by the meaning of their words.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from credit_ocr.reading.extraction.spec import FIELDS
from credit_ocr.reading.glyphs import ANSWER_START

__all__ = ["PhraseHit", "find_label", "fold"]

#: Smallest similarity at which a printed label counts as a field's label (1.0 = identical).
MIN_LABEL_SCORE = 0.84
#: Short labels ('Term', 'Area') must match more closely: one slip changes a short word a lot.
SHORT_LABEL_SCORE = 0.9
#: The longest label in words, plus slack for a slip that splits a word.
MAX_LABEL_WORDS = 8


@dataclass(frozen=True)
class _Label:
    field: str
    text: str  # folded
    words: int


@dataclass
class PhraseHit:
    field: str
    score: float
    label: str
    remainder: str


def fold(text: str) -> str:
    """Lower case, letters and digits only, single spaces: how labels are compared."""
    text = text.lower().replace("ß", "ss")
    return " ".join(re.sub(r"[^\w]+", " ", text).replace("_", " ").split())


@lru_cache(maxsize=1)
def _labels() -> tuple[_Label, ...]:
    seen: set[tuple[str, str]] = set()
    labels = []
    for spec in FIELDS:
        for text in (spec.label, *spec.synonyms):
            folded = fold(text)
            if folded and (spec.name, folded) not in seen:
                seen.add((spec.name, folded))
                labels.append(_Label(spec.name, folded, len(folded.split())))
    return tuple(labels)


_local = threading.local()


def _matcher(label: str) -> SequenceMatcher:
    """A matcher whose second sequence is ``label``, one per label and thread: difflib caches what it
    learns of its second sequence, so comparing many candidates with one label should reuse it (its
    documentation's advice); the extractor runs in the LLM worker's threads, hence one set per thread."""
    if not hasattr(_local, "matchers"):
        _local.matchers = {}
    matchers: dict[str, SequenceMatcher] = _local.matchers
    if label not in matchers:
        matchers[label] = SequenceMatcher(None, "", label, autojunk=False)
    return matchers[label]


def _score(candidate: str, label: _Label) -> float:
    if candidate == label.text:
        return 1.0
    if 2 * min(len(candidate), len(label.text)) < MIN_LABEL_SCORE * (len(candidate) + len(label.text)):
        return 0.0  # lengths too far apart for any match (difflib's real_quick_ratio, without its set-up)
    matcher = _matcher(label.text)
    matcher.set_seq1(candidate)
    if matcher.real_quick_ratio() < MIN_LABEL_SCORE or matcher.quick_ratio() < MIN_LABEL_SCORE:
        return 0.0
    score = matcher.ratio()
    needed = SHORT_LABEL_SCORE if len(label.text) <= 6 else MIN_LABEL_SCORE
    return score if score >= needed else 0.0


@lru_cache(maxsize=16384)
def _best_label(candidate: str) -> tuple[_Label, float] | None:
    """The closest label to ``candidate`` and its score, remembered: forms repeat the same label text
    from document to document, and fuzzy-scoring a candidate against every label was 30 ms a document."""
    folded = fold(candidate)
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


def find_label(segment: str) -> PhraseHit | None:
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


def _prefix_hit(text: str, *, require_whole: bool) -> PhraseHit | None:
    """The best label among the first 1..8 words of ``text`` (a longer label wins a tie)."""
    tokens = text.split()
    best: PhraseHit | None = None
    best_words = 0
    sizes = [len(tokens)] if require_whole else range(1, min(len(tokens), MAX_LABEL_WORDS) + 1)
    for size in sizes:
        if size > MAX_LABEL_WORDS + 2:
            continue
        if not require_whole and (
            tokens[size - 1][:1] in ANSWER_START or not any(c.isalnum() for c in tokens[size - 1])
        ):
            continue  # a tick box or a rule belongs to the value ("[ ] yes [x] no"), never to the label
        found = _best_label(" ".join(tokens[:size]))
        if found is None:
            continue
        label, score = found
        if best is None or score > best.score or (score == best.score and size > best_words):
            best = PhraseHit(label.field, score, label.text, " ".join(tokens[size:]))
            best_words = size
    return best

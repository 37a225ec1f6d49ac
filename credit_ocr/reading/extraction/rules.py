"""The rule-based extractor: each field found by what its label means and what its value looks like.

:mod:`.walk` offers every (field, value) pair the lines hold, wherever the value sits (beside the label,
below it, in the next cell, after dot leaders, on any page). Here each value is normalized by
``fields.normalize`` (the LLM extractor does the same, so both compare exactly), and of the values
offered for one field the one that is plausible (:func:`.review.plausible`), under the surest label,
wins. Each field gets a confidence and the document a review list (:mod:`.review`). No network, no
model: the embedded default.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import NamedTuple

from credit_ocr.reading.extraction.answers import with_answers
from credit_ocr.reading.extraction.fields import FIELD_NAMES, FIELDS, empty_fields, is_valid, normalize
from credit_ocr.reading.extraction.letterhead import greeting_line, letterhead_candidates, title_candidates
from credit_ocr.reading.extraction.mirror import unmirrored
from credit_ocr.reading.extraction.prose import ADDRESS, is_prose, prose_candidates
from credit_ocr.reading.extraction.result import ExtractionResult
from credit_ocr.reading.extraction.review import Evidence, confidence_of, mentioned, plausible, review
from credit_ocr.reading.extraction.segments import VALUE_WORD, split_line
from credit_ocr.reading.extraction.shapes import REGISTER, looks_cut
from credit_ocr.reading.extraction.sums import restore_lost_digits, restore_rate_point, settle_by_sums
from credit_ocr.reading.extraction.walk import Candidate, candidates, continuation, label_of
from credit_ocr.reading.lines import LineWord, LineWords

__all__ = ["LineWords", "extract_rules"]


_DIGIT_SPACE = re.compile(r"(?<=\d) (?=\d)|(?<=\d) (?=[.,]\d)|(?<=\d[.,]) (?=\d)")
#: A speck read as a digit or two after an amount's cents ('EUR 21.930.000,00  5'), or a digit a wide gap
#: after its last group ('EUR 9,240,000  5'): no digit follows the cents, none stands apart.
_AFTER_CENTS = re.compile(r"(?<=[.,]\d{2})\s+\d{1,2}\s*$|(?<=[.,]\d{3})\s+\d\s*$")
_SQUARE_METRE_SLIP = re.compile(r"\bm\s*[?°*'^]+\s*2?\s*$")
#: A German amount's decimal comma a fax read as a full stop ('EUR 2.820.000.00').
_CENTS_STOP = re.compile(r"\b(\d{1,3}(?:\.\d{3})+)\.(\d{2})\b(?!\.\d)")
#: An amount with its currency among words (not a thousand's: 'T€ 4.220', 'TEUR 15.900').
_AMOUNT = re.compile(r"(?<![^\W\d_])(?:€|EUR)\s?\d[\d.,' ]*\d|\d[\d.,' ]*\d\s?(?:€|EUR)(?![^\W\d_])")
#: Where a note's sentence goes on after a value ('Baujahr 1959, zuletzt modernisiert 2017', 'Nutzfläche 873
#: m².'): a comma before a word, or the sentence's full stop.
_SENTENCE_GOES_ON = re.compile(r",\s+(?=[^\W\d_]).*$|[.,;]$")
_EDGE = " _|:;—–-"  # rules and dashes OCR glues to a value's first word ('_Lindenailee')
_KINDS = {spec.name: spec.kind for spec in FIELDS}
#: An entry's court named ('Local Court', 'Amtsgericht'): what follows it is no part of the entry.
_COURT_WORD = re.compile(r"court|gericht", re.I)
#: A sentence's words before a register entry, and the VAT number in brackets after it.
_REGISTERED_UNDER = re.compile(r"^(?:unter|beim|bei|im|under|with|at)\s+(?=\S)", re.I)
_VAT_BRACKET = re.compile(r"\s*\((?:USt|VAT|UID|TVA|BTW)[^()]*\)?\.?$", re.I)
#: A comma a fax or a blur turned into a full stop, or lost: after the house number before the postcode, and
#: before the country ('Lindenallee 6. 04109 Leipzig. Germany'); 'Str. 5' and 'St. Georg' keep theirs.
_ADDRESS_STOP = re.compile(r"(?<=\d)\.?(?= \d{4,5}\b)|(?<=[a-z]{3})\.(?= [A-Z][a-z]+$)")


def _normalize(name: str, raw: str):
    """``fields.normalize``, then once more after undoing OCR slips it cannot know about.

    An address's commas read as full stops are put back. '7 630000 EUR', '6,680 ,000' or '8, 960' (a space read
    into a number) and '3,721 m?2' (m² read as 'm?2') are read as what they were printed as, a number
    without the sentence that goes on after it; the slip-free reading is only tried when the first one fails.
    """
    if name in ("business_address", "property_address"):
        raw = _ADDRESS_STOP.sub(",", raw)
    if name == "commercial_register":
        # a sentence's 'unter Amtsgericht Erfurt, HRB 122562 (USt-IdNr. DE ...)': the entry alone
        raw = _VAT_BRACKET.sub("", _REGISTERED_UNDER.sub("", raw.strip()))
        if (entry := REGISTER.match(raw)) and _COURT_WORD.search(entry[0]):
            raw = entry[0]  # what follows the court is a remark ('... Local Court  excerpt attached')
    value = normalize(name, raw)
    if value is not None and is_valid(name, value):
        return value
    kind = _KINDS[name]
    fixed = raw
    if kind in ("money", "monthly", "area"):
        fixed = _CENTS_STOP.sub(r"\1,\2", _DIGIT_SPACE.sub("", _AFTER_CENTS.sub("", fixed)))
    if kind == "area":
        fixed = _SQUARE_METRE_SLIP.sub(" m2", fixed)
    if kind != "text":
        fixed = _SENTENCE_GOES_ON.sub("", fixed)
    if kind in ("money", "monthly") and len(amounts := _AMOUNT.findall(fixed)) == 1 and amounts[0] != fixed:
        fixed = amounts[0]  # 'Monthly annuity instalment of EUR 73,450': the one amount the words describe
    if fixed != raw:
        retried = normalize(name, fixed)
        if retried is not None and is_valid(name, retried):
            return retried
    return value


def _value_words(candidate: Candidate, words: LineWords | None) -> list[LineWord] | None:
    """The value's words on its line, with their OCR confidences (None without OCR words).

    The value's words are looked for as a run, the last on the line, so that a label word the value
    repeats ('Register Court  HRB 1 / Bonn Local Court') lends it no confidence of its own; a lone mark
    ('/', '|') is left out: tesseract is always unsure of those, and they carry no value.
    """
    if words is None or candidate.line >= len(words):
        return None
    line = words[candidate.line]
    tokens = [t.strip(_EDGE) for t in candidate.raw.split()]
    texts = [word.text.strip(_EDGE) for word in line]
    start = next(
        (i for i in range(len(texts) - len(tokens), -1, -1) if texts[i : i + len(tokens)] == tokens), None
    )
    found = (
        line[start : start + len(tokens)] if start is not None else [w for w in line if w.text in set(tokens)]
    )
    if _KINDS[candidate.field] == "bool":  # tesseract is always unsure of box glyphs: judge the words
        found = [w for w in found if sum(ch.isalpha() for ch in w.text) >= 2]
    return [w for w in found if w.conf >= 0 and any(ch.isalnum() for ch in w.text)]


def _lowest(found: list[LineWord] | None) -> float | None:
    """The lowest OCR confidence of the value's words (None without OCR words)."""
    return min(word.conf for word in found) if found else None


def _reading(cand: Candidate) -> tuple[object, bool]:
    """The candidate's normalized value and whether it is plausible; a shorter reading when the whole does not fit."""
    first = None
    for number, raw in enumerate((cand.raw, *cand.alternatives)):
        value = _normalize(cand.field, raw) if raw else None
        if value is not None and plausible(cand.field, value):
            if number:
                cand.doubt = cand.doubt or "where its label ends and its value begins was unclear"
            return value, True
        first = value if first is None else first
    return first, False


def _standing(cand: Candidate, lines: list[str]) -> int:
    """2: a value under a form's label; 1: a value a sentence names (:mod:`.prose`), or gives a label and
    its colon ('...; legal form: Besloten Vennootschap (B.V.).'); 0: a "label" the walk found inside a
    sentence ('registered under HRB 1 / Bonn ...'): a sentence has words, not labels."""
    if cand.how == "prose":
        return 1
    if cand.how == "value":
        return 0  # a value no label named ('Modernisation).' alone on a line): the weakest of all
    if cand.line < len(lines) and is_prose(lines[cand.line]):
        return 1 if f"{cand.label}:" in lines[cand.line] else 0  # a sentence's own label: 'legal form: B.V.'
    return 2  # a phrase's too


class _Rank(NamedTuple):
    """How a value offered for a field ranks, compared field by field in this order: a plausible value beats
    an implausible one, the reply's a quoted mail's, the request's one a letter's head gives (a broker's own
    VAT id above 'Dear Sir or Madam'), a labelled one a sentence's, one beside its label one
    below it, a surer label a looser one, a phrase a meaning, a longer label a shorter one."""

    fits: bool
    unquoted: bool
    past_the_head: bool
    standing: int
    beside: bool
    label_score: float
    phrase: bool
    label_words: int


def _rank(cand: Candidate, fits: bool, lines: list[str], greeting: int) -> _Rank:
    return _Rank(
        fits,
        not _quoted(cand, lines),
        cand.line > greeting or cand.how == "prose",
        _standing(cand, lines),
        not cand.below,
        round(cand.label_score, 2),
        cand.how == "phrase",
        len(cand.label),
    )


def _quoted(cand: Candidate, lines: list[str]) -> bool:
    """A value from a mail's quoted lines ('> Purchase price: ...'): an earlier message's, which the reply's own
    values replace."""
    return cand.line < len(lines) and bool(_QUOTE_MARK.match(lines[cand.line]))


#: A quoted line's mark: '>', or '»' (OCR's reading of a scanned '>') before a space.
_QUOTE_MARK = re.compile(r"\s*(?:>|»\s)")
#: Why a value from a quoted earlier message is worth a look, even when the reply does not restate it.
QUOTED_DOUBT = "read from a quoted earlier message, whose figures the reply may have replaced"


def _rival(winner: object, best: _Rank, offered: list[tuple]) -> object | None:
    """Another value of the right shape the form offers for the field under a label as sure as the
    winner's: two labels, two values, and only a person can tell. A label that is the winner's own first
    words ('Company' of 'Company Name', a heading 'Company Profile') is no rival."""
    label = next(words for value, key, words in offered if key == best and value == winner)
    others = {
        value
        for value, key, words in offered
        if value != winner
        and key.fits
        and (key.unquoted, key.standing)
        >= (best.unquoted, best.standing)  # a quoted or a sentence's: no rival
        and key.label_score >= best.label_score
        and not (len(words) < len(label) and label[: len(words)] == words)
    }
    return sorted(others, key=str)[0] if others else None


#: Words that make a loan's label the amount asked for: 'Amount of credit sought', 'Kreditbedarf'.
_ASKED = ("sought", "request", "need", "required", "demand", "bedarf", "beantragt", "gewunscht", "gewünscht")


def _request_among_loans(
    fields: dict[str, object], evidence: dict[str, Evidence], offered: dict, ranked: dict[str, tuple]
) -> None:
    """A form with two loan labels and no financing requested ('Amount of credit sought', 'Loan principal'):
    the one that says it was asked for is the amount requested; flagged, as the extractor's reading."""
    if fields["requested_amount"] is not None:
        return
    loans = [offer for offer in offered["loan_amount"] if offer[1].fits]
    asked = [offer for offer in loans if any(w.startswith(_ASKED) for w in offer[2])]
    others = [offer for offer in loans if not any(w.startswith(_ASKED) for w in offer[2])]
    if not asked or not others:
        return
    (value, key, words), loan = asked[0], others[0]
    offered["loan_amount"].remove(asked[0])
    offered["requested_amount"].append(asked[0])
    fields["requested_amount"], ranked["requested_amount"] = value, key
    fields["loan_amount"], ranked["loan_amount"] = loan[0], loan[1]
    evidence["requested_amount"] = Evidence(
        found=True, label_score=0.5, plausible=True, label=" ".join(words), raw=str(value),
        doubt=f"two loan amounts: {' '.join(words)!r} says it was asked for, so it is read as the amount requested",
    )  # fmt: skip


def _mend_numbers(
    fields: dict[str, object], evidence: dict[str, Evidence], rivals: dict[str, object], printed: dict
) -> None:
    """The numbers the form's own arithmetic mends (:mod:`.sums`), each flagged with its reason: of two
    prices offered the one that adds up, a first digit lost into a mark, a rate's lost point."""
    for name, reason in settle_by_sums(fields, rivals).items():
        evidence[name].conflict, evidence[name].doubt = None, reason  # 'Total investment' or 'Purchase price'
    restored = restore_lost_digits(fields, printed)  # '&,530,250.50': its first digit, from the sums
    if reason := restore_rate_point(fields, printed):
        restored["interest_rate"] = reason  # '435%': 4.35%, the only rate it can be
    for name, reason in restored.items():
        evidence[name].doubt = reason
        evidence[name].found, evidence[name].plausible, evidence[name].raw = True, True, printed[name]


def _wrapped(cand: Candidate, lines: list[str]) -> None:
    """A form's text value cut at its line's end ('Extension of the', '... 37073') read with the rest the
    next line holds ('existing building', 'Göttingen'), the cut reading kept as the alternative; a
    person should look (the join is the extractor's guess)."""
    value = _normalize(cand.field, cand.raw) if cand.how != "prose" else None
    if value is None and cand.how != "prose" and _KINDS[cand.field] != "text":
        _wrapped_number(cand, lines)
        return
    if not isinstance(value, str) or not looks_cut(cand.field, value):
        return
    rest = continuation(lines, cand.line, cand.section)
    if rest is not None:
        cand.raw, cand.alternatives = f"{cand.raw} {rest}", (cand.raw, *cand.alternatives)
        cand.doubt = cand.doubt or "its value went on to the next line: the two were read as one"


def _wrapped_number(cand: Candidate, lines: list[str]) -> None:
    """A note's amount or date its line cut ('Wunschrate EUR' over '76.881,41 monatlich.'): read with the
    next line's first words when together they make one."""
    if not VALUE_WORD.search(cand.raw) or cand.line + 1 >= len(lines):
        return  # no number begun ('New Construction')
    if not (below := split_line(lines[cand.line + 1])[1]) or label_of(below[0]) is not None:
        return  # the next line is an item of its own
    joined = f"{cand.raw} {below[0]}"
    if (value := _normalize(cand.field, joined)) is not None and is_valid(cand.field, value):
        cand.raw, cand.alternatives = joined, (cand.raw, *cand.alternatives)
        cand.doubt = cand.doubt or "its value went on to the next line: the two were read as one"


#: What a form prints for a field that has no value: a dash (read as nothing), 'n/a', 'none', 'keine'.
_NONE_STATED = re.compile(r"|n/?a|none|nil|keine?|entf[äa]llt|nicht zutreffend|not applicable", re.I)


#: A sentence's end inside a value: a full stop after a word (or a bracket) and before a capital; 'Co. KG'
#: and 'Str. 5' are none.
_FULL_STOP = re.compile(r"(?<=[a-zäöüß)]{2})\.\s+(?=[A-ZÄÖÜ])|(?<=[a-z]\))\.\s+(?=[A-ZÄÖÜ])")


def _sentence_ends(cand: Candidate, lines: list[str]) -> None:
    """A label a sentence gives with its colon ('Purpose of the request: Acquisition. The purchase price
    ...'): its value ends with the sentence."""
    if cand.how == "prose" or cand.line >= len(lines) or not is_prose(lines[cand.line]):
        return
    if (
        f"{cand.label}:" in lines[cand.line]
        and (cut := _FULL_STOP.split(cand.raw, maxsplit=1))[0] != cand.raw
    ):
        cand.raw, cand.alternatives = cut[0], (cand.raw, *cand.alternatives)


#: A property given as its name in quotes, then its kind and its address: '„Papierfabrik“, Studentenwohnheim,
#: Parkallee 54, 45127 Essen.'
_QUOTED_NAME = re.compile(
    r"^[„\"“](?P<name>[^\"“”„]{2,60})[“”\"],\s*(?P<kind>[^\d,]{3,40}),\s*(?P<address>.+?)\.?$"
)


def _named_then_described(cand: Candidate) -> list[Candidate]:
    """The property's name cut to what its quotes hold, and its kind and address offered from what follows."""
    if cand.field != "property_name" or not (found := _QUOTED_NAME.match(cand.raw)):
        return []
    cand.raw, cand.alternatives = found["name"], (cand.raw, *cand.alternatives)
    described = [("property_type", found["kind"])]
    if ADDRESS.fullmatch(found["address"]):
        described.append(("property_address", found["address"]))
    return [replace(cand, field=field, raw=raw, alternatives=()) for field, raw in described]


#: A document is a letter (a memo, an e-mail) when it greets someone or this share of its lines are sentences.
LETTER_PROSE_SHARE = 0.3
#: ... and its labels name fewer fields than this (a cover letter's form names more).
FORM_FIELDS = 5


def _unstated(evidence: dict[str, Evidence], text: str) -> None:
    """Mark each field a letter gives no value for and no word of it names: none to look at."""
    for name in FIELD_NAMES:
        evidence[name].unstated = not evidence[name].found and name not in mentioned(text)


def _is_letter(lines: list[str], greeting: int, labelled: list[Candidate]) -> bool:
    """Whether the text is written as a letter rather than a form (a cover letter before a form is a form):
    what a letter does not name, it does not state."""
    written = [line for line in lines if line.strip()]
    sentences = greeting >= 0 or sum(map(is_prose, written)) >= LETTER_PROSE_SHARE * len(written)
    # the fields a form's rows name (a sentence's 'Rechtsform: AG' is no form's)
    form = {cand.field for cand in labelled if not is_prose(lines[cand.line])}
    return sentences and len(form) < FORM_FIELDS


def extract_rules(text: str, words: LineWords | None = None, layout: str | None = None) -> ExtractionResult:
    """The 21 fields of a credit request from its OCR text; ``words`` adds tesseract's confidences, ``layout``
    (the text with its columns kept) where a value stands when its row has empty cells."""
    fields = empty_fields()
    evidence = {name: Evidence() for name in FIELD_NAMES}
    ranked: dict[str, _Rank] = {}
    offered: dict[str, list] = {name: [] for name in FIELD_NAMES}
    lines, words = with_answers(unmirrored(text.splitlines()), words)
    columns = layout.splitlines() if layout else None
    labelled = candidates(lines, columns if columns and len(columns) == len(lines) else None)
    offers = labelled + prose_candidates(lines) + letterhead_candidates(lines) + title_candidates(lines)
    greeting = greeting_line(lines)
    for cand in list(offers):
        _wrapped(cand, lines)
        _sentence_ends(cand, lines)
        offers.extend(_named_then_described(cand))
    readings = [(cand, *_reading(cand)) for cand in offers]
    # a label naming two kinds of field offers its value to both: the kind it fits takes it
    settled = {(c.line, c.label, c.raw) for c, value, fits in readings if value is not None and fits}
    unread: dict[str, str] = {}  # a value no normalizer could read, as printed ('€,960,000')
    for cand, value, fits in readings:
        if value is None:
            unread.setdefault(cand.field, cand.raw)
            if _NONE_STATED.fullmatch(cand.raw) and cand.field not in ranked:
                evidence[cand.field] = Evidence(stated_none=True, label=cand.label)
        if value is None or (not fits and (cand.line, cand.label, cand.raw) in settled):
            continue
        key = _rank(cand, fits, lines, greeting)
        offered[cand.field].append((value, key, cand.label.casefold().split()))
        if cand.field not in ranked or key > ranked[cand.field]:
            ranked[cand.field] = key
            fields[cand.field] = value
            read = _value_words(cand, words)
            evidence[cand.field] = Evidence(
                found=True,
                label_score=cand.label_score,
                word_confidence=_lowest(read),
                words=tuple(read or ()),
                plausible=fits,
                doubt=cand.doubt or (None if key.unquoted else QUOTED_DOUBT),
                label=cand.label,
                raw=cand.raw,
                from_letter=cand.how == "prose",
            )
    if _is_letter(lines, greeting, labelled):  # what a letter never names, it does not state
        _unstated(evidence, text)
    _request_among_loans(fields, evidence, offered, ranked)
    rivals = {}
    for name, values in offered.items():
        if evidence[name].plausible and (rival := _rival(fields[name], ranked[name], values)) is not None:
            evidence[name].conflict = str(rival)
            rivals[name] = rival
    printed = {n: evidence[n].raw if evidence[n].found else unread.get(n) for n in FIELD_NAMES}
    _mend_numbers(fields, evidence, rivals, printed)
    valid = {name: is_valid(name, fields[name]) for name in FIELD_NAMES}
    confidence = {name: confidence_of(evidence[name]) for name in FIELD_NAMES}
    items = [item.as_dict() for item in review(fields, evidence, text)]
    return ExtractionResult(
        extractor="rules", fields=fields, valid=valid, confidence=confidence, review=items
    )

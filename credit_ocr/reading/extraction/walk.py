"""Where a form puts its values: beside the label, after a colon or dot leaders, below it, or in the next cell.

:func:`candidates` walks a document's rebuilt lines, cut into segments by :mod:`.segments`, and yields every (field, printed value) pair it can see, with the label's score,
the section it sits in and the line the value came from. Labels are found as known phrases
(:mod:`.phrases`) or by meaning (:mod:`.labels`); a row of labels with nothing after them takes its
values from the next row, one per column (labels above values, table cells). A loan's purpose is also
known by its own words under a label no vocabulary has, and a letter's sentences are never labels.
Choosing among candidates is :mod:`.rules`' job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from credit_ocr.reading.extraction.fields import normalize
from credit_ocr.reading.extraction.labels import (
    LabelMatch,
    bare_noun,
    known_words,
    label_end,
    match_label,
    names_another,
    word_fields,
)
from credit_ocr.reading.extraction.phrases import find_label
from credit_ocr.reading.extraction.review import plausible
from credit_ocr.reading.extraction.sections import section_of
from credit_ocr.reading.extraction.segments import VALUE_WORD, clean_value, split_line, spread
from credit_ocr.reading.extraction.shapes import REGISTER
from credit_ocr.reading.extraction.spec import FIELDS
from credit_ocr.reading.glyphs import ANSWER_START

__all__ = ["Candidate", "candidates", "continuation", "label_of", "section_of"]

_GENERIC_ADDRESS = {"address", "adress", "location"}
#: In a row of labels, a word that only hints at its field (vocabulary weight 2, e.g. 'Size') is a label...
WEAK_LABEL = 2.0
#: ... read as this sure (0..1): a label alone on its row still counts as one (``_is_label_only``).
LOOSE_COLUMN_LABEL = 0.6
_KIND = {spec.name: spec.kind for spec in FIELDS}
_NUMERIC = frozenset(("date", "money", "year", "area", "term", "monthly"))
#: A label's bracketed note on how to fill it in, no digit in it: '(street, no., postcode, city)'.
_HOW_TO_FILL = re.compile(r"^\([^\d()€$%]*\)[?:]?$")
_TICK_START = tuple(ANSWER_START)
#: Words that say what a loan is for, whatever its label was called.
_PURPOSE_WORDS = re.compile(
    r"\b(acquisition|purchase|refinanc\w*|renovat\w*|moderni[sz]\w*|construction|extension|conversion"
    r"|expansion|refurbish\w*|redevelopment)\b",
    re.IGNORECASE,
)
#: Lower-case words that start a sentence's continuation, never a label ('and kindly ask for ...').
_PROSE_START = frozenset(
    ("and", "or", "to", "of", "is", "are", "be", "by", "with", "as", "that", "we", "which")
)


@dataclass
class Candidate:
    """One value a form offers for one field, and what speaks for it."""

    field: str
    raw: str
    label: str  # the printed label, as matched
    label_score: float  # 0..1: 1 is a known phrase read exactly
    how: str  # phrase | meaning | value (no label: the value's own words)
    section: str  # applicant | property | loan
    line: int  # index of the value's line in the text's lines
    below: bool = False  # the value was on the row below its label
    alternatives: tuple[str, ...] = ()  # shorter readings of the value, should ``raw`` not fit
    doubt: str | None = None  # why the value's place on the page is uncertain


@dataclass
class _Label:
    field: str
    score: float
    how: str
    label: str
    remainder: str
    alternatives: tuple[str, ...] = ()  # the remainder without one or two more words, should it not fit
    maybe_alone: bool = False  # the remainder may be the label's own last words: the value may be below
    used: int = 0  # words of the segment the label was first found in
    also: tuple[str, ...] = ()  # fields of another kind the label names as strongly (labels.LabelMatch)
    colon: bool = False  # 'Label: value': the value is the rest of the label's cell


def _finish(field: str, score: float, how: str, words: list[str], used: int, also: tuple = ()) -> _Label:
    """The label over ``words[:used]``, stretched over the words that still belong to it (labels.label_end)."""
    end = label_end(words, used, field, also)
    rest = words[end:]
    if rest and rest[0] in ("?", ")"):
        end, rest = end + 1, rest[1:]
    bracket = next((k for k in range(1, len(words)) if words[k].startswith("(")), None)
    if bracket is not None and bracket <= end and _HOW_TO_FILL.match(" ".join(words[bracket:])):
        end, rest = len(words), []  # '(street, no., postcode, city)', '(DD MM YYYY)': how to fill it in
    # the value without one or two more words, should the whole not fit: label words, or a typed value's
    # leading words of no label ('Year of Erection 2015': 2015)
    typed = _KIND[field] in _NUMERIC  # a number's field: words without a digit are not its value
    alternatives = tuple(
        " ".join(rest[k:])
        for k in (1, 2)
        if k < len(rest) and (known_words(rest[:k]) or (typed and not VALUE_WORD.search(" ".join(rest[:k]))))
    )
    alone = (
        bool(rest)
        and len(rest) <= 3
        and (known_words(rest) or (typed and not VALUE_WORD.search(" ".join(rest))))
    )
    label, remainder = " ".join(words[:end]), " ".join(rest).lstrip("?) ")
    return _Label(field, score, how, label, remainder, alternatives, alone, used, also)


def _meaning(segment: str, section: str, after: str | None) -> _Label | None:
    head, colon, tail = segment.partition(":")
    words = _rejoined((head if colon else segment).split())
    if words and words[0] in _PROSE_START:
        return None  # 'and the type of financing we have in mind': a sentence of a letter, no label
    found = (
        match_label(words, section)
        or bare_noun(words, section)
        or _hint_and_shape(words, tail if colon else after, section)
    )
    if found is None or _possessed(words, found.words, found.field):
        return None
    if colon:
        rest = words[found.words :]
        if not known_words(rest) and (len(rest) > 2 or VALUE_WORD.search(" ".join(rest))):
            return None  # 'Loan Application No. 12: ...' is not a label with a value; 'Year of Erection:' is
        return _Label(
            found.field,
            found.score,
            "meaning",
            head.strip(),
            _bracket_item(tail) if head.count("(") > head.count(")") else tail.split(";")[0].strip(),
            used=len(words),
            also=found.also,
            colon=True,
        )
    return _finish(found.field, found.score, "meaning", words, found.words, found.also)


def _bracket_item(text: str) -> str:
    """A sentence's bracket's item after its label: '(Rechtsform: GmbH & Co. KG, gegründet am ...)' is 'GmbH
    & Co. KG', '(Zins: gebunden (fest)).' 'gebunden (fest)': up to its comma or the bracket's end."""
    depth = 0
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if depth < 0 or (depth == 0 and ch in ",;"):
            return text[:i].strip()
    return text.strip()


def _possessed(words: list[str], used: int, field: str) -> bool:
    """'Obligor's statement', 'Borrower's declaration': the label's last word owns the next one, a thing of
    the borrower's other than the field ('Borrower's name' is the field's), not the borrower's name."""
    return (
        0 < used < len(words)
        and words[used - 1].endswith(("'s", "’s"))
        and field not in dict(word_fields(words[used]) or ())
        and not VALUE_WORD.search(words[used])
    )


#: Kinds whose values no other kind shares: a rate's '%', a VAT number, an area's m², a term's years.
_SHAPED = frozenset(("rate", "vat", "area", "term", "monthly"))


def _hint_and_shape(words: list[str], after: str | None, section: str) -> LabelMatch | None:
    """A label that only hints at its field ('Agreed rate', vocabulary weight 2) with a value of that field's
    own shape after it ('3.65%', after the label's words, its colon or a wide gap): the two together name
    the field, less surely than a label alone."""
    found = match_label(words, section, min_score=WEAK_LABEL)
    if found is None:
        return None
    value = " ".join(words[found.words :]) or after
    for field in (found.field, *found.also):  # 'Rate': an installment's or an interest's, as its value says
        mark = _MARKS.get(_KIND[field])
        if _KIND[field] not in _SHAPED or not value or (mark is not None and not mark.search(value)):
            continue
        if plausible(field, normalize(field, clean_value(value))):
            return LabelMatch(field, LOOSE_COLUMN_LABEL, found.words)
    return None


#: What a weak label's value must show to be a payment, not only read as one ('3.65%' is no €3.65).
_MARKS = {"monthly": re.compile(r"€|\beur|month|monat|mtl", re.I)}


def _rejoined(words: list[str]) -> list[str]:
    """A label's word that OCR split in two joined again ('applic ant' -> 'applicant'), when neither half
    is a word of any label and the whole is."""
    out: list[str] = []
    for word in words:
        if out and word_fields(out[-1]) is None and word_fields(word) is None and word_fields(out[-1] + word):
            out[-1] += word
        else:
            out.append(word)
    return out


def _next(segments: list[str], i: int) -> str | None:
    """The segment after the ``i``-th on its row (a value across a wide gap), or None."""
    return segments[i + 1] if i + 1 < len(segments) else None


#: How sure the rest of a segment must be of its label when its first word is a misread one.
MISREAD_FIRST_SCORE = 0.8
#: A form's item number before its label ('1 Borrower', '17 Maturity', '2.5 Total area' after another cell).
_ITEM_NUMBER = re.compile(r"^\d{1,2}(?:\.\d{1,2}){0,2}\.?\s+(?=[^\W\d_])")


#: A letter's closing: 'Kind regards' names no kind of property.
_CLOSING = re.compile(r"^(?:with\s)?(?:kind|best|warm|warmest)\s+regards\b|^yours\s+(?:sincerely|faithfully|truly)\b"
                      r"|^mit\s+freundlichen\s+gr", re.I)  # fmt: skip


def _row_labels(segments: list[str], section: str) -> list[_Label | None]:
    """Each segment's label; a row's first segment may start with a label word OCR misread."""
    labels = [_label(s, section, _next(segments, i)) for i, s in enumerate(segments)]
    first = labels[0] if segments else None
    if segments and (
        first is None or "/" in (first.label[-1:], *first.remainder.split()[:MAX_FOREIGN_WORDS])
    ):
        # 'Taux / Rentevoet Interest  Fixed': the first cell's label in other languages before the English (a
        # foreign word may read as a label of its own: 'Désignation du bien / Property name')
        labels[0] = _after_foreign(segments[0], section, _next(segments, 0)) or labels[0]
    if segments and labels[0] is None:
        labels[0] = _after_misread(segments[0], section, _next(segments, 0))
    return labels


def _after_misread(segment: str, section: str, after: str | None) -> _Label | None:
    """'Anniicant Company Name': a row's first word misread before a label that takes all the rest surely."""
    first, _, rest = segment.partition(" ")
    if len(rest.split()) < 2 or "(" in rest or word_fields(first) is not None or VALUE_WORD.search(first):
        return None
    if rest[0] in "/&+":  # 'Umschuldung / Anschlussfinanzierung': two words for one thing, a value
        return None
    found = _label(rest, section, after)
    return found if found is not None and not found.remainder and found.score >= MISREAD_FIRST_SCORE else None


#: What a label's amount is made of, in brackets: '(Zins + Tilgung)', '(interest + principal)'.
_COMPOSED = re.compile(r"\s*\([^()]*\+[^()]*\)")
#: A label in another language with its English in brackets: 'Raison sociale (company name)'.
_TRANSLATED = re.compile(r"[^()]{2,40}?\s*\((?P<english>[^()]{3,40})\)[?:]?\s*(?P<rest>.*)")


def _label(segment: str, section: str, after: str | None = None) -> _Label | None:
    """The label that starts ``segment``: a known phrase, or words that name a field, whichever says more;
    else the English in brackets after a label of another language."""
    if (composed := _COMPOSED.search(segment)) and (
        plain := _own_label(segment[: composed.start()] + segment[composed.end() :], section, after)
    ):  # 'Rate (Zins + Tilgung)': what the rate is made of names no field of its own
        return replace(plain, label=segment[: composed.end()].strip() if not plain.remainder else plain.label)
    found = _own_label(segment, section, after)
    if found is None and (bilingual := _TRANSLATED.fullmatch(segment)):
        english = _own_label(bilingual["english"], section)
        if english is not None and english.field and not english.remainder:
            label = segment[: bilingual.start("rest")].strip()
            return _Label(
                english.field, english.score, english.how, label, bilingual["rest"], used=len(label.split())
            )
    return found


#: The most words (a '/' is one) of other languages a label prints before its English (a section's name in
#: both may come first: 'Financement / Financing Montant du prêt / Loan amount').
MAX_FOREIGN_WORDS = 8


def _after_foreign(segment: str, section: str, after: str | None) -> _Label | None:
    """'Ragione sociale Applicant entity', 'Taux / Rentevoet Interest': a row's first cell whose label in
    other languages stands above (or before) the English, read by the English (capitalized, nothing after it
    but filler words).

    The words before it hold no value and name no other party's or amount's; they are two languages' parted
    by '/', or start with a word no label knows (a foreign one: 'Sede legale') before a value beside them, or
    name the English's field and no other. The value beside it must be the English's: a shaped one of its
    shape, a text one after an English of two words or more ('Residential Complex' over a row of values is
    none)."""
    words = segment.split()
    for k in range(1, min(MAX_FOREIGN_WORDS, len(words) - 1) + 1):
        head, tail = words[:k], " ".join(words[k:])
        if VALUE_WORD.search(" ".join(head)) or names_another(head[-1]):
            return None
        # after a '/' only with a value beside: 'Umschuldung / Anschlussfinanzierung' alone is two purposes
        parted = head[-1] == "/"
        english = _own_label(tail, section, after) if tail[0].isupper() and (after or not parted) else None
        if (
            english is None
            or not english.field
            or any(word_fields(w) != () for w in english.remainder.split())
        ):
            continue
        if _KIND[english.field] in ("text", "bool"):
            fits = len(tail.split()) >= 2
        else:
            fits = after is None or plausible(english.field, normalize(english.field, clean_value(after)))
        foreign = "/" in head or (
            after is not None and word_fields(head[0]) is None and _own_label(" ".join(head), section) is None
        )
        named = [dict(found) for w in head if (found := word_fields(w))]
        known = any(english.field in n for n in named) and all(english.field in n for n in named)
        if fits and (foreign or known):
            return replace(english, label=segment.strip(), remainder="", used=len(words))
    return None


def _own_label(segment: str, section: str, after: str | None = None) -> _Label | None:
    """The label that starts ``segment``: a known phrase, or words that name a field, whichever says more."""
    if segment.split(maxsplit=1)[0] in _PROSE_START or _CLOSING.match(segment):
        return None
    if item := _ITEM_NUMBER.match(segment):  # '1 Borrower': a label, when the words after it are one
        found = _label(segment[item.end() :], section, after)
        if found is not None and not found.remainder:
            return found
    phrase = find_label(segment)
    meaning = _meaning(segment, section, after)
    if (
        segment.endswith(",")
        and not VALUE_WORD.search(segment)  # a note's item before the next ('Volumen EUR 11.250.000, ...')
        and any(f and len(f.remainder.split()) <= 1 for f in (meaning, phrase))
    ):
        return None  # a letter's greeting or closing ('Kind regards,'), not a label and its value
    if phrase is None:
        return meaning
    field = phrase.field
    if field == "property_address" and phrase.label in _GENERIC_ADDRESS and section == "applicant":
        field = "business_address"
    if ":" in segment and phrase.remainder == segment.partition(":")[2].strip():
        from_phrase = _Label(
            field,
            phrase.score,
            "phrase",
            phrase.label,
            phrase.remainder,
            used=len(phrase.label.split()),
            colon=True,
        )
    else:
        words = segment.split()
        used = len(words) - len(phrase.remainder.split())
        from_phrase = _finish(field, phrase.score, "phrase", words, used)
    if meaning is None:
        return from_phrase
    if meaning.used > from_phrase.used or len(meaning.remainder.split()) < len(from_phrase.remainder.split()):
        return meaning  # 'Financing Amount Requested €9,380,000': the meaning reads the whole label
    if meaning.field != from_phrase.field and phrase.score < 0.95:
        return meaning  # 'Building Type' is a near miss of the phrase 'Building Year', but names a type
    return from_phrase


def label_of(segment: str, section: str = "applicant") -> _Label | None:
    """The label that starts ``segment`` (None if it starts with none): what a cell of a row says it is."""
    return _label(segment, section)


def candidates(lines: list[str], layout: list[str] | None = None) -> list[Candidate]:
    """Every (field, value) a form's lines offer, in reading order (``layout``: the same lines with each
    word at its place across the page, :func:`..lines.layout_text`, which tells an empty cell's column)."""
    found: list[Candidate] = []
    section = "applicant"
    pending: list[tuple[_Label | None, str]] = []  # labels alone on their row: their values are on the next
    pending_row = 0  # the row those labels are on
    lone: str | None = None  # the last row: one label and nothing else
    for number, raw_line in enumerate(lines):
        numbered, segments = split_line(raw_line)
        if not segments:
            continue
        labels = _row_labels(segments, section)
        segments, labels = _without_leading_cells(segments, labels, raw_line)
        segments, labels = _after_a_sentence(raw_line, segments, labels)
        if number + 1 < len(lines):
            labels = _weak_column_labels(segments, labels, lines[number + 1], section)
        if lone is not None and (heading := section_of(lone, section)) != section:
            # a label with no value beside or below it was a heading: 'Property & Financing', 'Requested Loan'
            relabeled = _row_labels(segments, heading)
            if relabeled[0] is not None:
                section, labels = heading, relabeled
        if number + 1 < len(lines):
            labels = _label_shaped_value(segments, labels, pending, lines[number + 1], section)
            labels = _unread_labels(segments, labels, lines[number + 1])
        lone = (
            segments[0] if len(segments) == 1 and labels[0] is not None and not labels[0].remainder else None
        )
        if number + 1 < len(lines) and _unreadable_first(segments, labels, lines[number + 1]):
            # a row of labels, not the values of the one before ('PROPERTY' above it was a heading)
            pending, labels = [], [_unread(segments[0]), *labels[1:]]
        elif pending:
            if labels[0] is None and not numbered and not _numbered_heading(raw_line, section):
                columns = _by_column(layout, pending_row, number, len(pending)) if layout else None
                _values_below(found, pending, segments, number, columns)
                pending = []
                continue
            pending = []
        explicit = ":" in raw_line or len(segments) > 1
        if labels[0] is None or (numbered and not explicit and not _is_item(raw_line, labels[0])):
            if found or pending or _is_heading(raw_line):  # a title ('Application: property loan') is none
                section = section_of(" ".join(segments), section)
            found.extend(_by_value(segments[-1], section, number))
            continue
        _read_row(found, pending, segments, labels, section, number, raw_line)
        pending_row = number
        section = _SUBJECT_OF.get((section, labels[0].field), section) if labels[0] else section
    return found


def _read_row(
    found: list[Candidate],
    pending: list,
    segments: list[str],
    labels: list,
    section: str,
    number: int,
    line: str,
) -> None:
    """A row that starts with a label: each label with the cells after it up to the next label, a label
    alone on it waiting for the row below (``pending``)."""
    current: _Label | None = None
    parts: list[str] = []
    for segment, label in zip(segments, labels, strict=True):
        if (
            label is not None
            and not _value_named_alike(current, label, segment, parts)
            and (
                current is None
                or parts
                or _is_label_only(label)
                or _in_row(current, label)
                or _with_own_value(current, label, segment)
            )
        ):
            if current is not None:
                _close(found, pending, current, parts, section, number)
            current, parts = label, ([label.remainder] if label.remainder else [])
        elif not "".join(parts).strip("–—- ") and _opens_section(segment, section, line):
            break  # 'A. Applicant / aanvrager   B. The project / het project': two columns' headings
        elif current is not None and not parts and _names_another(segment):
            _close(found, pending, current, parts, section, number)  # '18 PURPOSE  19 SHAREHOLDER GUARANTEE':
            current = _unread(segment)  # another's label holds its column, no value of the one before
        else:
            parts.append(segment)
    if current is not None:
        _close(found, pending, current, parts, section, number)


def _value_named_alike(current: _Label | None, label: _Label, segment: str, parts: list[str]) -> bool:
    """'Interest rate  Fixed rate': the cell after a label names the label's own field, and is a value of it
    (a rate's kind); a text field's label is no value of it."""
    return (
        current is not None
        and not parts
        and label.field == current.field
        and _KIND[current.field] != "text"
        and plausible(current.field, normalize(current.field, clean_value(segment)))
    )


#: A form with no headings moves on to the property with its type or name, back to the borrower with its name
#: or legal form: an 'Address' or 'Location' after them is theirs ('Asset  Elbblick Offices' / 'Location ...').
_SUBJECT_OF = {
    ("applicant", "property_type"): "property",
    ("applicant", "property_name"): "property",
    ("property", "company_name"): "applicant",
    ("property", "legal_form"): "applicant",
}


def _without_leading_cells(
    segments: list[str], labels: list[_Label | None], line: str = ""
) -> tuple[list[str], list[_Label | None]]:
    """The row from its first label on, when what comes before it is an item's number OCR misread ('1.3'
    as '13', 'aha'), another amount's label and its value ('Grunderwerbsteuer  1.454.750 €  Bankdarlehen
    19.570.000 €' in a financing plan), or a cell before a label with its value after a colon."""
    if labels[0] is not None:
        return segments, labels
    first = next((i for i, label in enumerate(labels) if label is not None), None)
    if (
        first is not None
        and labels[first].colon
        and labels[first].remainder
        and "  " + segments[first] in line
    ):
        # a letter's footer: 'Hansa Bau GmbH  Sitz: Wiesbaden  USt-IdNr.: DE625923101', each cell its own (a
        # wide gap before it: no sentence's '(purpose: ...'), read from its first label on
        return segments[first:], labels[first:]
    if len(segments) < 3:
        return segments, labels
    if labels[1] is not None and len(segments[0]) <= 4:
        return segments[1:], labels[1:]
    if first is not None and names_another(segments[0]):
        return segments[first:], labels[first:]
    return segments, labels


def _after_a_sentence(
    line: str, segments: list[str], labels: list[_Label | None]
) -> tuple[list[str], list[_Label | None]]:
    """A note's line from its first label with its value, after a semicolon ('Main, HRA 1592; USt-IdNr.
    DE273722792.'): what comes before it ends the line above's sentence."""
    if labels[0] is not None or ";" not in line:
        return segments, labels
    first = next((i for i, label in enumerate(labels) if label is not None), None)
    if first is not None and labels[first].remainder:
        return segments[first:], labels[first:]
    return segments, labels


def _values_below(
    found: list[Candidate], pending: list, segments: list[str], number: int, columns: list[str] | None = None
) -> None:
    """The row under a row of labels: its cells shared among them, one per column (none for a column whose
    label could not be read), or by where they stand (``columns``) when some of the labels have no value."""
    aligned = len(segments) == len(pending) or columns is not None
    for (label, sec), value in zip(pending, columns or spread(segments, len(pending)), strict=True):
        for cand in _candidates(label, value, sec, number, below=True) if value and label else ():
            cand.doubt = None if aligned else "its column of labels and values did not line up"
            found.append(cand)


def _cell_starts(line: str) -> list[int]:
    """Where each of a row's cells starts on the page's line (cells parted by a wide gap)."""
    return [match.start() for match in re.finditer(r"\S+(?:\s\S+)*", line)]


def _by_column(layout: list[str], row: int, number: int, labels: int) -> list[str] | None:
    """The cells of line ``number``, fewer than the labels of line ``row`` above it, each under the label
    it starts nearest to: a two-column form whose left answer is empty ('Property type  Property name' over
    '      Lagerhof Ost'). None when the rows' cells cannot be told apart by where they stand."""
    above, below = _cell_starts(layout[row]), _cell_starts(layout[number])
    _, segments = split_line(layout[number])
    if not len(below) == len(segments) < labels == len(above):
        return None
    cells = [""] * labels
    for start, segment in zip(below, segments, strict=True):
        nearest = min(range(labels), key=lambda i: abs(above[i] - start))
        if cells[nearest]:
            return None
        cells[nearest] = segment
    return cells


def _unread_labels(segments: list[str], labels: list[_Label | None], next_line: str) -> list[_Label | None]:
    """In a row of labels, a cell no vocabulary reads is a label of its own when it ends as a label does
    ('Fé: des mite: beantragt?:', OCR could not read it) or when the row is a table's header over a row of
    as many values, half of it labels (two or more of three or more cells, the others no value's words:
    'Acquisition cost  Built  GLA  Passing rent p.a.'): its value in the row below is not the label
    before it's."""
    if (
        len(segments) < 2
        or labels[0] is None
        or not all(one is None or _is_label_only(one) for one in labels)
    ):
        return labels
    _, below = split_line(next_line)
    if len(below) != len(segments):
        return labels
    known = sum(one is not None for one in labels)
    header = (
        len(segments) >= 3
        and known >= 2
        and 2 * known >= len(segments)
        and not any(
            VALUE_WORD.search(cell) for cell, label in zip(segments, labels, strict=True) if label is None
        )
        and not any(
            (found := _label(cell, "applicant")) is not None and _is_label_only(found) for cell in below
        )
    )
    # a row of capitals over a row of values that are not: a fact sheet's captions ('PROPERTY TYPE  ASKING PRICE')
    captions = all(_capitals(cell) for cell in segments) and not all(_capitals(cell) for cell in below)
    return [
        _unread(segment)
        if label is None
        and (
            header
            or captions
            or segment.endswith((":", "?"))
            or _names_another(segment)  # 'Verkehrswert (Gutachten)': another amount's label over its value
            or _misread_caption(segment, labels[0], below)
        )
        else label
        for segment, label in zip(segments, labels, strict=True)
    ]


def _misread_caption(cell: str, first: _Label, below: list[str]) -> bool:
    """'Purchase price / construction costs  Eety corr+.uon' over '€3,875,000.00  €1,015,000.00': a label OCR
    could not read beside a label, its cell no value of the first (no digit, not of the first's shape), over
    a row whose first cell is the first label's value. A photo's blurred caption holds its column."""
    if VALUE_WORD.search(_ITEM_NUMBER.sub("", cell)) or not first.field:
        return False  # ('6 USTIONR.': an item's number is no value)
    if _KIND[first.field] in ("text", "bool") and first.field != "commercial_register":
        return False  # a name, or an answer, has no shape to tell a caption from (a register entry has one)
    return plausible(first.field, normalize(first.field, below[0])) and not plausible(
        first.field, normalize(first.field, cell)
    )


def _names_another(cell: str) -> bool:
    """Another amount's or party's label ('19 SHAREHOLDER GUARANTEE', 'Verkehrswert'), no value in it."""
    label = _ITEM_NUMBER.sub("", cell)
    return names_another(label) and not VALUE_WORD.search(label)


def _capitals(cell: str) -> bool:
    """A caption in capitals: letters, all upper case, no digit ('VAT ID  DE250792950' is a label and its value)
    but its item's number ('24 AUSZAHLUNG GEWÜNSCHT AB')."""
    cell = _ITEM_NUMBER.sub("", cell)
    return cell.upper() == cell and any(ch.isalpha() for ch in cell) and not any(ch.isdigit() for ch in cell)


def _unread(segment: str) -> _Label:
    """A label OCR could not read: it holds its column in a row of labels, and names no field."""
    return _Label("", 1.0, "unread", segment, "")


def _unreadable_first(segments: list[str], labels: list[_Label | None], next_line: str) -> bool:
    """A row of labels whose first one OCR could not read ('Propeny are  Type of property'): the others are
    labels alone in their cells, no value's word in the first, and the row below has a cell for each."""
    if len(segments) < 2 or labels[0] is not None or VALUE_WORD.search(segments[0]):
        return False
    if not all(label is not None and _is_label_only(label) for label in labels[1:]):
        return False
    numbered, below = split_line(next_line)
    return not numbered and len(below) == len(segments) and _label(below[0], "applicant") is None


#: A form's sub-item number ('1.1 Registered company name', its value on the row below); 'III. Credit Terms' and
#: '2. The property' are sections' headings.
_SUB_ITEM = re.compile(r"^\s*\d{1,2}\.\d{1,2}\.?\s")
#: A numbered question ('12. What is the purchase price?', its answer on the row below): no heading asks.
_QUESTION = re.compile(r"\?\)?(?:\s*\([^()]*\))?\s*$")  # '... repay early? (Y/N)' too
#: Words a section's heading has at most ('2 PROPERTY', 'Angaben zum Objekt').
_HEADING_WORDS = 4


def _is_item(line: str, label: _Label) -> bool:
    """A numbered line that is a label alone, its value below: a question, or a sub-item ('1.1 Name')."""
    if label.remainder:
        return False
    return bool(_QUESTION.search(line)) or (bool(_SUB_ITEM.match(line)) and _is_label_only(label))


#: A section's number and its title in capitals: '02 COLLATERAL / PROPERTY', 'B. FINANCING'.
_NUMBERED_TITLE = re.compile(r"^\s*(?:\d{1,2}|[A-H]|[IVX]{1,4})[.)]?\s+[A-ZÄÖÜ][A-ZÄÖÜ &/,-]+$")


def _numbered_heading(line: str, section: str) -> bool:
    """A numbered title in capitals that opens another section: no value for a label above it that has none."""
    return bool(_NUMBERED_TITLE.match(line)) and section_of(line, section) != section


def _is_heading(line: str) -> bool:
    """A line that can head a section before any label is read: short, and no colon (a title has one)."""
    return ":" not in line and len(line.split()) <= _HEADING_WORDS


def _weak_column_labels(
    segments: list[str], labels: list[_Label | None], next_line: str, section: str
) -> list[_Label | None]:
    """A row of labels in columns ('Registry      Size') whose later label is one word that only hints at its
    field: it is still a label when the row starts with a label alone and the next row holds as many values,
    no label first ('HRA 45678 / Hamburg Local Court      5.400 m²'). Otherwise 'Size' became the
    register's value, and the area was lost."""
    first = labels[0]
    if len(segments) < 2 or first is None or first.remainder or all(lab is not None for lab in labels[1:]):
        return labels
    numbered, below = split_line(next_line)
    if numbered or len(below) != len(segments) or _label(below[0], section, _next(below, 0)) is not None:
        return labels
    out = list(labels)
    for i, (segment, label) in enumerate(zip(segments, labels, strict=True)):
        words = segment.split()
        if label is not None or i == 0 or VALUE_WORD.search(segment) or ":" in segment:
            continue
        # 'eer peretren Form': what OCR left of a label, its last words (after words of no label) still say it
        tails = [
            words[-k:] for k in (2, 1) if k <= len(words) and all(word_fields(w) is None for w in words[:-k])
        ]
        matches = [(m, tail) for tail in tails if (m := match_label(tail, section, min_score=WEAK_LABEL))]
        found = next((m for m, tail in matches if m.words == len(tail)), None)
        if found is None:
            continue
        value = normalize(found.field, clean_value(below[i]))
        if plausible(
            found.field, value
        ):  # the value below fits it: 'Acquisition' above 'Full Refinancing' is a value
            out[i] = _Label(found.field, LOOSE_COLUMN_LABEL, "meaning", segment, "", used=len(words))
    return out


def _label_shaped_value(
    segments: list[str], labels: list[_Label | None], pending: list, next_line: str, section: str
) -> list[_Label | None]:
    """A value whose words a label could have ('Public limited company (AG)' under 'Legal structure',
    'Purchase of the building' beside 'Purpose of Use') is a value, not a second label, when it follows a
    label that has none and the next row starts with a label again: two labels in a row with no value
    between them and another label after them is no form's layout."""
    last = labels[-1]
    if (
        last is None
        or (last.how == "phrase" and last.score >= 1.0)
        or section_of(segments[-1], section) != section
    ):
        return labels  # a known label, or a heading ('Applicant   Property (cont.)')
    if last.remainder and plausible(last.field, normalize(last.field, clean_value(last.remainder))):
        return labels  # a label and its own value
    if len(segments) == 2 and labels[0] is not None and not labels[0].remainder:
        before = labels[0]
    elif len(segments) == 1 and len(pending) == 1:
        before = pending[0][0]
    else:
        return labels
    _, below = split_line(next_line)
    if not below or _label(below[0], section, _next(below, 0)) is None:
        return labels
    if not plausible(before.field, normalize(before.field, clean_value(segments[-1]))):
        return labels
    return [*labels[:-1], None]


def continuation(lines: list[str], number: int, section: str) -> str | None:
    """The line after ``number`` when it can only be the rest of a value wrapped onto it: one segment, no
    label, no sentence ('Deutschland' under '... 41061 Mönchengladbach,'), else None."""
    if number + 1 >= len(lines):
        return None
    numbered, segments = split_line(lines[number + 1])
    if (
        numbered
        or len(segments) != 1
        or len(segments[0].split()) > 4
        or _label(segments[0], section) is not None
    ):
        return None
    return segments[0]


def _by_value(segment: str, section: str, number: int) -> list[Candidate]:
    """A value no label named, offered to the field its words belong to: 'Energy-efficient Renovation'
    under a label of words no vocabulary foresaw is still a loan's purpose. The weakest of candidates."""
    if REGISTER.match(segment):  # 'HRA 865951, Local Court Bremen' under a label OCR lost: its own label
        return [Candidate("commercial_register", clean_value(segment), "", 0.2, "value", section, number)]
    if len(segment.split()) > 4 or not _PURPOSE_WORDS.search(segment) or re.search(r"\d", segment):
        return []
    return [Candidate("purpose", clean_value(segment), "", 0.2, "value", section, number)]


def _in_row(current: _Label, label: _Label) -> bool:
    """In a row of labels (the one before has nothing after it), a label's short tail of words no
    vocabulary knows is still its own ('Interest Rate Model'): its value is on the row below."""
    tail = label.remainder.split()
    if current.remainder or not 0 < len(tail) <= 2 or VALUE_WORD.search(label.remainder) or label.score < 0.6:
        return False
    label.maybe_alone = True
    return True


def _opens_section(segment: str, section: str, line: str) -> bool:
    """A cell that is another column's numbered heading ('B. The project'), no value of the label before it."""
    numbered = re.search(rf"\s(?:[A-H]|\d{{1,2}}|[IVX]{{1,4}})[.)]\s+{re.escape(segment[:12])}", line)
    return bool(numbered) and section_of(segment, section) != section


def _with_own_value(current: _Label, label: _Label, segment: str) -> bool:
    """A label with its value in the cell after an empty one ('Rechtsform    Gründungsdatum 28.11.2008'): the
    cell is the second label's when its value fits that field and the whole cell fits not the first's."""
    return (
        bool(current.field and label.field and label.remainder)
        and label.score >= 0.6
        and plausible(label.field, normalize(label.field, label.remainder))
        and not plausible(current.field, normalize(current.field, segment))
    )


def _is_label_only(label: _Label) -> bool:
    """A strong label with nothing after it starts a new field even right after another label (a label row)."""
    return not label.remainder and label.score >= 0.6


#: A label's own last words that its vocabulary does not know ('... of the enterprise', '... used in the
#: project', '(head office)'): lower case or a bracket first, no digit, no currency.
_LABEL_TAIL = re.compile(r"^[a-zäöüß(][^\d€$%]*$")


def _close(found, pending, label: _Label, parts: list[str], section: str, number: int) -> None:
    if not label.field:  # a label OCR could not read: its column's value goes unread
        if not parts:
            pending.append((None, section))
        return
    if len(parts) > 1 and parts[0] == label.remainder and label.colon:
        # 'Asset type: Office Building  Tenant  Area': a colon's value ends at its cell, the cells after it
        # are another table's ('Tenant' heads a rent roll beside the key facts)
        label.alternatives = (*label.alternatives, " ".join(parts))
        parts = parts[:1]
    elif len(parts) > 1 and parts[0] == label.remainder and _LABEL_TAIL.match(label.remainder):
        # 'Intended use of the funds requested  Acquisition': the label's last words, then its value
        label.alternatives = (*label.alternatives, " ".join(parts))
        parts = parts[1:]
    if parts and label.maybe_alone and label.remainder and len(parts) > 1:
        # 'Interest Rate Type   Fixed': the remainder may be the label's last words, the value after the gap
        label.alternatives = (*label.alternatives, " ".join(parts[1:]))
    elif len(parts) > 1:
        # 'Purchase price  € 12,430,000  Amount requested  € 9,060,000': a cell each, the next label too weak
        # to be seen as one; the first cell alone is the value, should the whole row not fit
        label.alternatives = (*label.alternatives, parts[0])
    if parts:
        found.extend(_candidates(label, " ".join(parts), section, number))
    if not parts or (label.maybe_alone and len(parts) == 1):
        pending.append((label, section))


def _candidates(label: _Label, raw: str, section: str, number: int, below: bool = False) -> list[Candidate]:
    """The value offered to the label's field, and to each field of another kind it names as strongly."""
    alternatives = () if below else tuple(clean_value(a) for a in label.alternatives)
    return [
        Candidate(
            field,
            _without_own_label(field, clean_value(raw)),
            label.label,
            score,
            label.how,
            section,
            number,
            below,
            alternatives,
        )
        for field, score in ((label.field, label.score), *((f, label.score * 0.8) for f in label.also))
    ]


#: A word names its field this surely when it starts a value as a label of its own.
OWN_LABEL_WEIGHT = 3


def _without_own_label(field: str, value: str) -> str:
    """The value without the words before it that name its own field alone: a bilingual form prints the
    German label in the value's cell ('Company name  Firma Schneider GmbH', 'Date of incorporation
    Gründung 12.02.2020', 'Commercial register  HR HRB 584393'); a register's own name stays ('Registro
    Mercantil de Barcelona, ...')."""
    words = value.split()
    start = 0
    while start < len(words) - 1 and dict(word_fields(words[start]) or ()).get(field, 0) >= OWN_LABEL_WEIGHT:
        start += 1
    rest = " ".join(words[start:])
    if start and field == "commercial_register" and not REGISTER.search(rest):
        return value  # the register's own name: 'Registro Mercantil de Barcelona, Tomo 45890, ...'
    return rest if start else value

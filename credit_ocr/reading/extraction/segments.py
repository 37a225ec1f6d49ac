"""How a form's line is cut into segments: a label, a value, a cell each, wherever the printed gaps are.

A wide gap between words (two spaces, see ``reading/lines.py``), dot leaders and an underscore rule all
separate a label from its value; table cells read without a gap are cut before a second label. A value
row under a row of labels is shared among them (:func:`spread`), a yes/no answer kept whole.
"""

from __future__ import annotations

import re

from credit_ocr.reading.extraction.labels import label_end, match_label, word_fields
from credit_ocr.reading.glyphs import BOXES, TICK_MARKS

__all__ = ["VALUE_WORD", "clean_value", "split_line", "spread"]

_WIDE_GAP = re.compile(r"\s{2,}|\t|;\s+")
VALUE_WORD = re.compile(r"\d|EUR|€|m2|m²|sqm|yrs|years|month")
_YES, _NO = re.compile(r"\b(yes|ja)\b", re.IGNORECASE), re.compile(r"\b(no|nein)\b", re.IGNORECASE)
#: Words OCR glued together: a rule's remnant between them ('Use_Energy'), no space after a number
#: ('€23,350,000Desired'), a tick box right after its label ('beantragt☒ Ja ☐ Nein').
_GLUED = re.compile(rf"(?<=[A-Za-z])_+(?=[A-Za-z])|(?<=\d)(?=[A-Z][a-z]{{2,}})|(?<=[^\W\d_])(?=[{BOXES}])")
_LEADERS = re.compile(r"\s*(?:[.·…]\s?){3,}\s*|\s*_{3,}\s*")
#: An item's number before its label: '3.', 'b)', 'iv.', and the outline numbers '1.1', '2.3.1.' (before a
#: letter: '3.75 %' is a value).
_ENUMERATOR = re.compile(
    r"^\s*(?:(?:\d{1,2}|[a-hA-H]|[ivxIVX]{1,4})[.)]|\d{1,2}(?:\.\d{1,2}){1,2}\.?)\s+(?:[°'`´^~*•·]\s+)?(?=[^\W\d_])"
)

#: A list's bullet before its label ('- Firma: Brandt Estates AG', '• Kaufpreis: ...', photographed '+' or
#: '«'): one space after it, a letter next (a dash alone before a wide gap is an empty cell's, kept).
#: A note's items parted by slashes or full stops: 'Address: Ludwigstraße 170, 65183 Wiesbaden / Register: HRA
#: 695865 / VAT DE475737257', 'Gründung: 04.11.2003. USt-IdNr. DE 751988430.'
_ITEM_BREAK = re.compile(r"\s/\s(?=[A-ZÄÖÜ])|(?<=[\w)])\.\s+(?=[A-ZÄÖÜ])")
#: The next item's label: words and a colon, or a word alone that names its field (weight 3) before a number.
_NEXT_LABEL = re.compile(r"[A-ZÄÖÜ][\w.-]*(?:\s[\w.-]+)?:\s|(?P<word>[A-Z][\w.-]+)\s(?:[A-Z]{2}\s)?\S*\d")


def _note_items(segment: str) -> list[str]:
    """A segment cut where a slash or a full stop after a label's value starts the next label ('Address: ...
    Wiesbaden / Register: HRA 695865', 'Gründung: 04.11.2003. USt-IdNr. DE ...'); a slash between two words of
    one value ('Umschuldung / Anschlussfinanzierung') or of one label ('Commercial Register / Court: HRB
    724162') cuts nothing."""
    if ":" not in segment:
        return [segment]
    items = [segment]
    for m in reversed(list(_ITEM_BREAK.finditer(segment))):
        if ":" not in segment[: m.start()]:
            continue  # 'Commercial Register / Court: HRB 724162': one label of two words, then its value
        if (label := _NEXT_LABEL.match(segment, m.end())) and (
            not label["word"] or max((w for _, w in word_fields(label["word"]) or ()), default=0) >= 3
        ):
            items[0:1] = [segment[: m.start()] + ("." if m[0].startswith(".") else ""), segment[m.end() :]]
            segment = items[0]
    return items


#: A spreadsheet's row number and the grid line after it, read from a printout: '12 | Kaufpreis'.
_ROW_NUMBER = re.compile(r"^\d{1,3}\s?\|\s+(?=[^\W\d_])")
_BULLET = re.compile(r"^\s*[-–—•·*▪►‣◦+«»°]\s(?=[^\W\d_])")

#: An item's number with a comma for its full stop, before a question or a label that ends its line.
_COMMA_ITEM = re.compile(r"^\s*\d{1,2},\s+[^\W\d_][^,]*[?:]$")

#: A date written out with the day first ('3. August 1993', '12. Mai 2018'): no item's number.
_DAY_FIRST = re.compile(r"^\s*\d{1,2}\.\s+[^\W\d_]{3,9}\.?\s+\d{4}\b")


def split_line(line: str) -> tuple[bool, list[str]]:
    """(whether the line starts with an enumerator like '3.' or 'b)', its segments)."""
    body = _BULLET.sub("", _LEADERS.sub("  ", _GLUED.sub(" ", _ROW_NUMBER.sub("", line.strip()))))
    if _COMMA_ITEM.match(body):  # '17, Desired loan term:': a fax read the item's full stop as a comma
        body = body.replace(",", ".", 1)
    numbered = bool(_ENUMERATOR.match(body)) and not _DAY_FIRST.match(body)
    body = _ARITHMETIC.sub("", body if _DAY_FIRST.match(body) else _ENUMERATOR.sub("", body))
    segments = [_unjunked(s) for s in _WIDE_GAP.split(body) for s in _note_items(s)]
    segments = [s for s in segments if s]
    while (
        len(segments) > 1 and len(segments[0]) == 1 and segments[0] not in _ANSWER_LETTERS | _TYPESET_DASHES
    ):
        segments.pop(0)  # '|' or '7' before a gap: the page's edge or a speck (a typeset dash: an empty cell)
    segments[:1] = [_BULLET.sub("", segment) for segment in segments[:1]]  # '|  + Kaufpreis ...'
    segments = [  # (last too, after a label and its value: '... (GmbH)  u')
        s
        for i, s in enumerate(segments)
        if not (i > 0 and (i < len(segments) - 1 or i >= 2) and _STRAY_LETTER.match(s))
    ]
    if len(segments) > 1:  # '1988  :  3.728 m2', '... Chemnitz  =': specks or a table's edge between cells
        # a dash is an empty cell's ('Student Residence  –  Zürich'), no speck
        segments = [s for s in segments if not _STRAY_MARK.match(s) or s in _DASHES] or segments[:1]
    first = len(segments) > 1  # a row's first cell, its value across a gap: a label, maybe of two languages
    return numbered, [part for i, segment in enumerate(segments) for part in _cells(segment, first and not i)]


#: A sources-and-uses table's sign before its label ('less: Equity (Borrower)', 'zzgl. Nebenkosten').
_ARITHMETIC = re.compile(r"^(?:less|plus|minus|abzgl|abzüglich|zzgl|zuzüglich)\b\.?:?\s+", re.I)

#: One letter alone between a label and its value: a fax's colon read as a letter ('Kaufpreis  B  EUR
#: 11.165.000'); not a tick ('X'), a box read as a letter ('o') or a yes/no initial ('N  N  0.50% flat').
_STRAY_LETTER = re.compile(r"^[^\W\dxXoOyYnNjJ_]$")
#: A cell of one letter that answers: a tick, or a yes/no initial ('N  N  0.50% flat').
_ANSWER_LETTERS = frozenset("xXyYnNjJ")
#: A typeset dash: an empty cell's, never a speck.
_TYPESET_DASHES = frozenset("–—")

#: What an empty cell of a table prints, or a bordered table's empty cell reads as (``lines.EMPTY_CELL``).
_DASHES = frozenset("-–—")
#: A mark or two alone, no letter, digit, box, bracket or currency among them.
_STRAY_MARK = re.compile(rf"^[^\w\s{BOXES}{TICK_MARKS}€$%\[\](){{}}]{{1,2}}$")

#: A speck's mark, alone at a segment's edge: no box, currency, bracket or word.
_SPECK_MARKS = frozenset("°'\"`´^~*•·.,:;!?“”„‘’‚")

#: A tick box, however printed or misread ('[x]', '(X)', '[U]', 'U]', '|'): never junk, however few letters.
_BOX = re.compile(r"^[\[(|{]?.{0,2}[\])|}]$|^[\[(|{].{0,2}$")


def _unjunked(segment: str) -> str:
    """The segment without a table's bars and without the rules or leaders OCR read as marks at its edges
    ('== —=:= Financing Volume', 'Loan Amount P—.—--—*'): marks with at most one letter among them."""
    words = segment.strip(" |").split()

    def junk(word: str) -> bool:
        if len(word) == 1 and word in _SPECK_MARKS:
            return True  # '4.7 ° Public funding': a speck after an item's number
        if len(word) < 2 or any(ch.isdigit() or ch in "€$%&" for ch in word) or _BOX.match(word):
            return False  # '€7,', '&', '[U]' are a value's or a box's
        return sum(ch.isalnum() for ch in word) <= 1  # ('(e.K.)' is a legal form's)

    while words and junk(words[0]):
        words.pop(0)
    while words and junk(words[-1]):
        words.pop()
    return " ".join(words).strip(" |")


def _cells(segment: str, label_cell: bool = False) -> list[str]:
    """A segment cut before a second label inside it: two table cells read without a wide gap between.

    'Price 18 500 000 EUR Financing Demand 14 380 000 EUR' is two cells; only a label of two words or
    more, or one its colon ends or a comma starts, that names its field surely counts, after a value word
    (a digit, a known unit, or a word no label uses: 'Ruhr Industriepark AG Corporate Form Stock
    Corporation (AG)'). A ``label_cell`` (a row's first, its value after a gap) that ends in the label,
    after words no label uses, is one label in two languages ('Prezzo di acquisto Purchase price').
    """
    words = segment.split()
    for j in range(2, len(words)):
        if j == len(words) - 1 and not words[j - 1].endswith(","):
            break  # a label last in a note's line, its value on the next ('..., Wunschrate'), after a comma only
        value_word = (
            words[j - 1].endswith(",")
            or VALUE_WORD.search(words[j - 1])
            or (word_fields(words[j - 1]) is None and word_fields(words[j - 2]) is None)
        )
        pointed = word_fields(words[j])
        before = " ".join(words[:j])
        if (
            not value_word
            or before.count("(") > before.count(")")  # inside a bracket: '(z. B. KfW)' is the label's
            or words[j].lower() in _PER  # '9.600,00 € / Monat': a unit, no label
            or pointed is None
            or VALUE_WORD.search(words[j])
            or (pointed == () and words[j].islower())
        ):
            continue  # a label starts with a word of a label, or a capital filler ('Desired'), not 'per month'

        found = match_label(words[j:], None)
        if found is None or found.score < 0.6:
            continue
        end = label_end(words[j:], found.words, found.field)
        if label_cell and j + end == len(words) and all(word_fields(w) in (None, ()) for w in words[:j]):
            break
        if end >= 2 or words[j + end - 1].endswith(":") or words[j - 1].endswith(","):
            # or a label its colon ends, or a note's after a comma ('€, Zweck: Kauf', '€, Laufzeit 10 Jahre')
            return [" ".join(words[:j]), *_cells(" ".join(words[j:]))]
    return [segment]


#: Words that make what follows an amount its unit ('€ / Monat', 'EUR per month', '€ pro Monat').
_PER = frozenset(("/", "per", "pro", "je"))

#: Marks alone after a value, a space before each: specks ('Gewerbeimmobilie - .'), not a bracket or per cent.
_TRAILING_MARKS = re.compile(rf"(?:\s+[^\w\s€%)\]{BOXES}{TICK_MARKS}]{{1,2}})+$")

_ABBREVIATIONS = ("Co.", "Inc.", "Ltd.", "e.K.", "No.", "Nr.", "St.", "Str.")
#: A legal form's initials end with their full stop: 'B.V.', 'N.V.', 'S.A.', 'S.à r.l.', 'e.V.'.
_INITIALS = re.compile(r"(?:^|\s|\()(?:\w{1,2}\.)*\w\.\w\.$")


#: A dot or comma stuck to a value's first letter.
_LEADING_SPECK = re.compile(r"^[.,·'`](?=[^\W\d_])")


def clean_value(text: str) -> str:
    """A value without the rules, dashes and specks OCR leaves at its edges."""
    text = " ".join(text.split()).lstrip(" :;|_—–-\\").rstrip(" :;|_")  # rules and dashes before a value
    text = _LEADING_SPECK.sub("", text)  # '.HRA 56017 / ...': a leader's last dot
    text = _TRAILING_MARKS.sub("", text)  # 'Gewerbeimmobilie - .': a fax's specks after the value
    text = _before_unopened(text)  # '(legal form: GmbH & Co. KG (KG)) was ...': the label's bracket closes
    if (
        text.endswith(".")
        and not text.endswith(_ABBREVIATIONS)
        and not text[-2:-1].isdigit()
        and not _INITIALS.search(text)
    ):
        text = text[:-1]  # a speck read as a full stop: 'Weinhandel GmbH.'
    return text


def _before_unopened(text: str) -> str:
    """The text up to a closing bracket it never opened: the end of a bracket the label stood in (not a
    tick box's half, 'U) Yes  (x) No', nor a number's 'b)')."""
    depth = 0
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if depth < 0:
            return text[:i].rstrip() if " " in text[:i].strip() else text
    return text


def spread(segments: list[str], columns: int) -> list[str]:
    """The value row's segments shared among ``columns`` labels above it, in order."""
    if len(segments) > columns:
        segments = _paired(segments)
    if len(segments) < columns:
        cut = [part for segment in segments for part in _VALUE_START.split(segment)]
        segments = cut if len(cut) == columns else segments
    if len(segments) == columns:
        return segments
    if columns and len(segments) % columns == 0:
        size = len(segments) // columns
        return [" ".join(segments[i : i + size]) for i in range(0, len(segments), size)]
    return [" ".join(segments)] + [""] * (columns - 1) if columns else []


#: Where a value of its own shape starts inside a cell whose gap before it was read narrow: a VAT number
#: ('... Dortmund Local Court DE 430 371 705'), a register entry after a date ('9 March 2004 HRB 337503') or an
#: address in capitals ('..., GERMANY HRB 94525').
_VALUE_START = re.compile(
    r"\s+(?=(?:DE|ATU|CHE)\s?\d{3}\s?\d{3}\s?\d{3}\b)|(?<=\d{4}|[A-Z]{4})\s+(?=HR\s?[AB]\s?\d)"
)


def _paired(segments: list[str]) -> list[str]:
    """A yes/no answer split by a wide gap joined again: '(x) Yes  (_) No' is one field's answer."""
    out: list[str] = []
    for segment in segments:
        if (
            out
            and _NO.search(segment)
            and not _YES.search(segment)
            and _YES.search(out[-1])
            and not _NO.search(out[-1])
        ):
            out[-1] = f"{out[-1]}  {segment}"
        else:
            out.append(segment)
    return out

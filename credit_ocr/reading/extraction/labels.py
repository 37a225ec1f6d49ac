"""Which field a printed label names, by what its words mean rather than by an exact phrase.

Forms word their labels freely: "Desired Financing Amount", "Financing Amount Requested", "Amount of
Funding Needed" all name ``requested_amount``. Each field has a small vocabulary of word stems with
weights (``VOCABULARY``: "financ" and "fund" point strongly at the requested amount, "amount" only
weakly, since the loan amount has one too), and a label is scored by the stems its words start with,
OCR slips forgiven by a fuzzy comparison. Known phrases (``spec.py``) still count: a phrase read
exactly is the surest label. Words that carry no meaning here ("of", "desired", "applied") are
neutral; a word that is neither makes a candidate less likely to be a label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache, partial

from credit_ocr.reading.extraction.fields import is_valid, normalize
from credit_ocr.reading.extraction.sections import section_bonus, section_weight
from credit_ocr.reading.extraction.shapes import EUROPEAN_LEGAL_FORM
from credit_ocr.reading.extraction.spec import FIELDS
from credit_ocr.reading.extraction.vocabulary import (
    FILLER,
    GERMAN,
    LOWER_CASE_FILLER,
    NOT_A_FIELD,
    NOT_ANOTHER,
    OTHER_WORDS,
    VOCABULARY,
)
from credit_ocr.reading.glyphs import BOXES, NO_WORDS, YES_WORDS

__all__ = ["FILLER", "VOCABULARY", "LabelMatch", "bare_noun", "known_words", "label_end", "match_label", "names_another", "word_fields"]  # fmt: skip

_KIND = {spec.name: spec.kind for spec in FIELDS}
#: Stems this short match only whole words ('no' must not match 'note').
_WHOLE_WORD = 3
#: How close an OCR'd word must be to a stem to count (difflib ratio over the stem's length).
_FUZZY = 0.85
#: A word this long is read again for a slip when its start names a field only weakly, and may have its
#: first letter misread when the rest matches this closely.
_LONG_WORD = 10
_FIRST_SLIP = 0.9
#: Words that head a compound label ("Use Type", "Rate Type", "Company Legal Name"): a tie goes to them.
_HEAD_NOUNS = ("type", "kind", "class", "categor", "name")
#: A candidate is a label only when its best field scores at least this (one word that names a field).
MIN_SCORE = 3.0
#: A thing's bare noun, alone as its label, asks for the thing's name: 'Property: Harbour View Offices',
#: 'Object | Riverside Lofts', 'Applicant: Fichtel Textil GmbH'. ('Property Type' names more: its type.)
#: ('Company' and 'Borrower' alone are known phrases of the company's name; and 'Company' is a word of
#: many values: 'Limited Liability Company (GmbH)'.)
BARE_NOUNS = {"property": "property_name", "object": "property_name", "asset": "property_name",
              "objekt": "property_name", "applicant": "company_name", "firm": "company_name",
              "firma": "company_name", "antragsteller": "company_name", "kreditnehmer": "company_name",
              "darlehensnehmer": "company_name"}  # fmt: skip
#: Nouns that ask for a name ('Bezeichnung' under a property's type is the property's) ...
_NAME_NOUNS = frozenset({"name", "bezeichnung", "designation"})
#: ... and whose name 'Name' alone asks for, by the section it stands in.
_SECTION_NAMES = {"applicant": "company_name", "property": "property_name"}
#: How surely a bare noun names its field: less than a label that says 'name', enough not to be doubted.
BARE_NOUN_SCORE = 0.75


@dataclass(frozen=True)
class LabelMatch:
    """The field a label names, how surely (0..1), and how many of the candidate's words it used."""

    field: str
    score: float
    words: int
    also: tuple[str, ...] = ()  # fields of another kind the label names as strongly: the value decides


_UMLAUTS = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})


def _fold_word(word: str) -> str:
    """Lower case, letters a-z only; an umlaut as its vowel ('Gründung' -> 'grundung'), as OCR often reads it."""
    return re.sub(r"[^a-z]", "", word.lower().translate(_UMLAUTS).removesuffix("'s"))


#: The answers to a yes/no question, folded as labels are ('sì' -> 's').
_ANSWERS = frozenset(_fold_word(word) for word in YES_WORDS | NO_WORDS)


def names_another(text: str) -> bool:
    """Whether the text's first word makes it another amount's or another party's label (vocabulary's
    NOT_A_FIELD): 'Kaufnebenkosten', 'Notary fees', 'Existing loans', 'Kundenbetreuer/in'."""
    folded = _fold_word(text.split(maxsplit=1)[0]) if text.strip() else ""
    return (
        bool(folded)
        and not folded.startswith(NOT_ANOTHER)
        and (folded.startswith(NOT_A_FIELD) or any(part in folded for part in NOT_A_FIELD if len(part) >= 6))
    )


#: A legal form's initials ('S.r.l.', 'B.V.'), which read as a label's abbreviation otherwise.
_SHORT_LEGAL_FORM = re.compile(rf"(?:{EUROPEAN_LEGAL_FORM})")


@lru_cache(maxsize=8192)
def word_fields(word: str) -> tuple[tuple[str, float], ...] | None:
    """(field, weight) pairs a word points at; () for a filler word; None for a word of no label."""
    folded = _fold_word(word)
    if not folded:  # punctuation: '/' and '?' belong to labels; a tick box, a rule or a dash never does
        return None if any(ch in "[](){}|_—–-" + BOXES for ch in word) else ()
    if folded in FILLER or word in LOWER_CASE_FILLER:
        return ()
    if names_another(word):
        return None  # 'Kaufnebenkosten', 'Notary fees', 'Existing loans': a label, but of none of the fields
    if _SHORT_LEGAL_FORM.fullmatch(word.rstrip(",;")):
        return None  # 'S.r.l.' is a legal form, no abbreviated 'Sondertilgung'
    # 'Amt.', 'Constr.'; a screen's capitals need no full stop ('PROP ADDR', 'REQUESTED AMT')
    abbreviated = len(folded) >= 3 and (
        word.rstrip("?:)").endswith(".") or (word.isupper() and len(folded) == 4)
    )
    # German written without umlauts, as a typewriter or a fax header does ('Gruendung', 'Flaeche'): tried
    # only when the word as printed is none ('value' stays 'value')
    spellings = dict.fromkeys((folded, _TRANSCRIBED.sub(r"\1", folded)))
    if len(parts := _COMPOUND.split(word)) > 1 and all(_fold_word(part) for part in parts):
        return _compound(parts)  # 'Rate/Monat', 'Fin.-Bedarf', 'HR-Nr.': two words, each its own
    head = _head_noun(folded)  # 'Darlehenslaufzeit' is a term: a German compound is what its last noun is
    weak: dict[str, float] = {}  # a long word's start that says little ('Objektanschrifr': 'objekt')
    for match in (_starts, _slipped, _abbreviates)[: 3 if abbreviated else 2]:
        for spelling in spellings:
            found: dict[str, float] = dict(weak)
            longest: dict[str, int] = {}
            for field, stem, weight in _stems_for(spelling[0]):
                if (starts := match(spelling, stem)) or (abbreviated and _abbreviates(spelling, stem)):
                    found[field] = max(found.get(field, 0.0), weight)  # 'Objektadr.': more than 'Objekt'
                    longest[field] = max(longest.get(field, 0), len(stem) if starts else 0)
            if match is _starts and longest:  # 'darlehensnehmer' is the borrower, not a loan ('darlehen')
                found = {
                    f: w for f, w in found.items() if longest.get(f, 0) > max(longest.values()) - _SPECIFIC
                }
            if found and match is _starts and max(found.values()) < 2 and len(spelling) >= _LONG_WORD:
                weak = found  # ... a slip of a longer stem may say more: 'objektanschrift'
            elif found:  # a slip-free reading first: 'building' is not a slip of 'built'
                if head:  # its first part still counts, a little less: 'Förderbank-Darlehen' answers yes/no
                    found[head[0]] = max(found.get(head[0], 0.0), head[1] + HEAD_NOUN_BONUS)
                return tuple(found.items())
    if weak or head:
        return tuple(weak.items()) if weak else (head,)
    return _glued(folded)


#: The most words a scan's lost spaces run together ('Totalusablearea'), and the shortest word.
_MAX_GLUED, _MIN_PIECE = 3, 2


def _glued(folded: str, pieces: int = _MAX_GLUED) -> tuple[tuple[str, float], ...] | None:
    """The fields of label words a scan printed without their spaces ('ofborrower', 'VATID',
    'Totalusablearea'): each piece a filler word or a whole stem (not a stem's start: 'Information' is no
    'in' + 'form...'), at least one of them a stem; None when the word splits into no such pieces."""
    if pieces < 2 or len(folded) < 2 * _MIN_PIECE:
        return None
    for cut in range(_MIN_PIECE, len(folded) - _MIN_PIECE + 1):
        first, rest = _whole_word(folded[:cut]), folded[cut:]
        if first is None:
            continue
        after = _whole_word(rest) or _glued(rest, pieces - 1)
        if after is None or not (first or after):
            continue
        found: dict[str, float] = {}
        for field, weight in (*first, *after):
            found[field] = found.get(field, 0.0) + weight
        return tuple(found.items())
    return None


def _whole_word(piece: str) -> tuple[tuple[str, float], ...] | None:
    """() for a filler word, the (field, weight) pairs of the stem ``piece`` is exactly, else None; a stem that
    says little alone is none ('Anno' is no 'an' + 'No.')."""
    if piece in FILLER:
        return ()
    found = tuple((field, stems[piece]) for field, stems in VOCABULARY.items() if piece in stems)
    return found if found and max(weight for _, weight in found) >= 1 else None


@lru_cache(maxsize=64)
def _stems_for(letter: str) -> tuple[tuple[str, str, float], ...]:
    """The (field, stem, weight) a word beginning with ``letter`` could match: the stems that begin with it,
    and the long ones whose first letter a slip may have changed ('Rigenkapital'); no other can."""
    return tuple(
        (field, stem, weight)
        for field, stems in VOCABULARY.items()
        for stem, weight in stems.items()
        if stem[0] == letter or len(stem) >= _LONG_WORD
    )


#: A word's stem longer by this many letters than another field's says what the word is: 'Darlehensnehmer'
#: (the borrower) only starts like 'Darlehen' (the loan).
_SPECIFIC = 5
#: Two label words printed as one: 'Rate/Monat', 'Fin.-Bedarf', an abbreviation and a hyphen 'HR-Nr.', 'USt-IdNr.'
#: (not 'e.K.': both sides need letters; not 'Mixed-Use', a value's word).
_COMPOUND = re.compile(
    r"(?<=[^\W\d_]{2})(?:/|\.-|\.(?=[^\W\d_]{3}))|(?<=^[^\W\d_]{2})-(?=[^\W\d_]{2})|(?<=^[^\W\d_]{3})-(?=[^\W\d_]{2})"
)
#: The most words a label is read over: a questionnaire's question runs to a dozen ('Under which number and
#: at which court is the company registered?').
MAX_LABEL_WORDS = 12
#: A German compound's last noun, this long at least, names the compound ('...laufzeit', not '...rate')...
_HEAD_NOUN_LETTERS = 5
#: ... by this much more than its first part does; the value's shape still decides between the two kinds.
HEAD_NOUN_BONUS = 0.5


@lru_cache(maxsize=4096)
def _head_noun(folded: str) -> tuple[str, float] | None:
    """The (field, weight) of the German noun a compound ends with ('darlehenslaufzeit': the term), when
    its first part names something else; None for a word that is no such compound."""
    heads = [
        (len(stem), field, weight)
        for field, stems in GERMAN.items()
        for stem, weight in stems.items()
        if len(stem) >= _HEAD_NOUN_LETTERS and weight >= 3 and folded.endswith(stem) and folded != stem
    ]
    if not heads:
        return None
    size, field, weight = max(heads)
    if any(length == size and other != field for length, other, _ in heads):
        return None  # a noun two fields share ('...anschrift': whose address?) says nothing of its own
    return field, weight


def _compound(parts: list[str]) -> tuple[tuple[str, float], ...] | None:
    """The fields two words printed as one point at, their weights added."""
    found: dict[str, float] = {}
    for part in parts:
        for field, weight in word_fields(part) or ():
            found[field] = found.get(field, 0.0) + weight
    return tuple(found.items()) if found else None


#: An umlaut written as its vowel and an 'e' ('ue' for 'ü'), folded to the vowel as :func:`_fold_word` folds 'ü'.
_TRANSCRIBED = re.compile(r"([aou])e")


def _abbreviates(word: str, stem: str) -> bool:
    """'Ident.', 'Amt.', 'Constr.', 'Pmt.': an abbreviation keeps the word's first letter and some of
    the others, in their order."""
    if word[0] != stem[0] or len(stem) <= _WHOLE_WORD:
        return False
    rest = iter(stem[1:])
    return all(letter in rest for letter in word[1:])


def _starts(word: str, stem: str, fuzzy: bool = False) -> bool:
    if len(stem) <= _WHOLE_WORD:
        return word == stem
    if not fuzzy:
        return word.startswith(stem) and not word.startswith(OTHER_WORDS.get(stem, ()))
    if len(stem) < 6 or len(word) < len(stem) - 1:
        return False
    # a misread first letter only in a long word read surely otherwise: 'Rigenkapital'
    needed = _FUZZY if word[0] == stem[0] else _FIRST_SLIP if len(stem) >= _LONG_WORD else None
    if needed is None:
        return False
    matcher = SequenceMatcher(None, word[: len(stem)], stem)
    # difflib's documented order: the cheap upper bound first, the true ratio only when it could pass
    return matcher.quick_ratio() >= needed and matcher.ratio() >= needed


_slipped = partial(_starts, fuzzy=True)


def match_label(
    words: list[str], section: str | None = None, min_score: float = MIN_SCORE
) -> LabelMatch | None:
    """The field the first words of ``words`` name, or None when they do not start a label.

    The label is the shortest prefix that reaches the best field's highest score, so a value after a
    label on the same row is not swallowed. ``section`` (applicant, property, loan) breaks near ties.
    """
    best, totals, named, section = _best_prefix(_unbracket(words), section)
    if best is None or best[1] < min_score:
        return None
    _, score, count, field = best
    # a rival of another kind is no rival: the value's shape tells a date from a legal form; a rival
    # from another section of the form counts half ('Type of Legal Entity' under the applicant)
    rival = max(
        (
            v * section_weight(k, section)
            for k, v in totals.items()
            if k != field and _KIND[k] == _KIND[field]
        ),
        default=0.0,
    )
    also = tuple(
        k
        for k, v in totals.items()
        if _KIND[k] != _KIND[field] and _also(k, v, named.get(k, 0.0), score, section, field)
    )
    return LabelMatch(field, round(score / (score + rival), 3), count, also)


def bare_noun(words: list[str], section: str | None = None) -> LabelMatch | None:
    """The name field a lone noun asks for, when it is the whole label ('Property' in a cell of its own,
    'Property:' before its value, 'Objekt / Property' on a bilingual form), else None; 'Name' alone asks
    for the name of the section's subject (the borrower's under '01 BORROWER'). A noun inside a longer
    segment is no label: 'Property Management GmbH' is a company's name, 'Property & Financing' a heading."""
    nouns = [word for word in words if word != "/"]  # a bilingual form's 'Objekt / Property' names one thing
    fields = {_bare_field(_fold_word(noun), section) for noun in nouns}
    if not nouns or len(nouns) > 2 or len(fields) != 1 or None in fields:
        return None
    return LabelMatch(fields.pop(), BARE_NOUN_SCORE, len(words))


def _bare_field(folded: str, section: str | None) -> str | None:
    if folded in _NAME_NOUNS and section in _SECTION_NAMES:
        return _SECTION_NAMES[section]
    return BARE_NOUNS.get(folded) or BARE_NOUNS.get(folded.removesuffix("in"))  # 'Antragstellerin' too


def _best_prefix(
    words: list[str], section: str | None
) -> tuple[tuple[float, float, int, str] | None, dict[str, float], dict[str, float], str | None]:
    """The best (score with the section's bonus, score, words, field) over the prefixes of ``words``, the
    totals of every field over all of them, the totals of the words the best prefix holds, and the section
    it was read in (a label that names the property is the property's: 'Under which name is the property
    known?' among the applicant's questions)."""
    totals: dict[str, float] = {}
    best: tuple[float, float, int, str] | None = None
    best_section = section
    named: dict[str, float] = {}  # the fields the label's own words name (the words after it are not its)
    compound = True  # no 'of' yet: 'Use Type' is a type, 'Type of Use' too, 'VAT Registration' a VAT number
    for count, word in enumerate(words[:MAX_LABEL_WORDS], start=1):
        pointed = None if _value_starts(words, count - 1) else _in_context(words, count - 1)
        if pointed is None:
            break
        compound = compound and pointed != ()
        subject = section == "applicant" and _fold_word(word) in _PROPERTY_SUBJECTS
        section = "property" if subject else section
        here = dict(pointed) if compound and _fold_word(word).startswith(_HEAD_NOUNS) else {}
        for field, weight in pointed:
            totals[field] = totals.get(field, 0.0) + weight
        if not totals:
            continue
        field, score = max(
            totals.items(),
            key=lambda kv: (kv[1] + section_bonus(kv[0], section), here.get(kv[0], 0.0)),
        )
        effective = score + section_bonus(field, section)
        # only a word that says much moves the label's end ('Building Type | Office Building')
        if best is None or (
            (effective > best[0] or (effective == best[0] and field in here and field != best[3]))
            and (best[1] < MIN_SCORE or dict(pointed).get(field, 0.0) >= 2 or subject)
        ):
            best, named, best_section = (effective, score, count, field), dict(totals), section
    return best, totals, named, best_section


def _also(field: str, total: float, own: float, score: float, section: str | None, winner: str) -> bool:
    """Whether a field of another kind is named nearly as strongly, so its value's shape may decide:
    'Date of Registration' offers its value to the register and to the founding date. A text field takes
    any value, so only one named as strongly as the winner is offered it; a typed one from the same section
    may trail by one weak word (``own``: what the label's own words give it)."""
    if section_weight(field, section) < section_weight(winner, section):
        return False  # 'Rate Type' in the loan's section: no property's type (a form with no sections: both)
    return total >= score or (_KIND[field] != "text" and own >= max(2.0, score - 1))


#: Words that name a field alone but only qualify another field's noun: 'Registered name', 'Legal name'.
_MODIFIERS = {"registered": "commercial_register", "legal": "legal_form"}
#: The nouns of the financed property: what a 'use' of them is, is its type.
_PROPERTY_NOUNS = ("building", "property", "object", "premises", "estate")
#: The words that make a label the property's wherever it stands.
_PROPERTY_SUBJECTS = frozenset(
    ("property", "object", "asset", "building", "objekt", "immobilie", "objekts", "immobilien")
)
_QUALIFIER_WORDS = 5
#: A question's mark may come this many words after the words that named its field.
_QUESTION_WORDS = 6
_TICKS = frozenset(("", "x", "_", "✓", "✔")) | _ANSWERS
_AREA_UNIT = re.compile(r"^\(?(m²|m2|sqm|qm)\)?[?:]?$", re.IGNORECASE)


def _unbracket(words: list[str]) -> list[str]:
    """A label's words with a bracketed qualifier opened up: 'Company Address (Street, ZIP, City)',
    'VAT No. (USt-IdNr.)', 'Interest (p.a.)', 'Subsidized Loan (KfW)?' are labels to their end. Words of
    the qualifier no vocabulary knows become neutral ('/'); a tick box ('(x)', '( )') is no qualifier. A
    unit with no number before it ('Total Area in m²') is a label's word, not a value's."""
    out = list(words)
    i = 0
    while i < len(out):
        if _AREA_UNIT.match(out[i]) and not (i and any(ch.isdigit() for ch in out[i - 1])):
            out[i] = "sqm" + ("?" if out[i].endswith("?") else "")
        if not out[i].startswith("("):
            i += 1
            continue
        close = next((j for j in range(i, min(len(out), i + _QUALIFIER_WORDS)) if ")" in out[j]), None)
        inner = " ".join(out[i : (close or i) + 1])
        if close is None or any(ch.isdigit() for ch in inner) or _fold_word(inner) in _TICKS:
            return out
        for j in range(i, close + 1):
            bare = out[j].replace("(", " ").replace(")", " ").replace("-", " ").split()
            keep = "?" if out[j].endswith("?") else ""
            out[j] = (bare[0] if bare and word_fields(bare[0]) is not None else "/") + keep
        i = close + 1
    return out


#: A monthly payment is an amount too: 'Installment Amount' is one label, not 'Installment' and a value 'Amount'.
_AMOUNTS = {"money": "money", "monthly": "money"}


def label_end(words: list[str], start: int, field: str, also: tuple[str, ...] = ()) -> int:
    """Where a label found in ``words[:start]`` really ends: over the words that go on saying the same.

    'Purpose of the Loan Purchase': 'of the Loan' still belongs to the label (filler words, and a word
    right after them); 'Type of Property Office Building' stops before 'Office' (another field's word,
    straight after the label).
    """
    words = _unbracket(words)
    end = start
    question = next(
        (j for j in range(start, min(len(words), start + _QUESTION_WORDS)) if words[j].endswith("?")), None
    )
    if question is not None:
        # a question's words are its label's ('State aid / development loans applied for?', 'What interest
        # rate do you want?', where 'do' could be a rate's kind, 'Name of the applying company?')
        return question + 1
    while end < len(words):
        if (end and words[end - 1].endswith("?")) or (
            _KIND[field] == "bool" and _fold_word(words[end]) in _ANSWERS
        ):
            break  # a question ends at its mark, and its 'no' is an answer ('Desired? no'), not 'Reg. No.'
        pointed = word_fields(words[end])
        if words[end].endswith("?") and _fold_word(words[end]) and not _value_starts(words, end):
            end += 1  # a question's words are its label's up to its mark ('Public Funds Used?')
            continue
        if pointed is None or _value_starts(words, end) or _is_value(field, words[end]):
            break
        after_filler = end > 0 and word_fields(words[end - 1]) == () and _fold_word(words[end - 1]) != ""
        typed = _KIND[field] != "text" and all(_KIND[f] != "text" for f in also)  # a text's value is any word
        kind = _AMOUNTS.get(_KIND[field], _KIND[field])
        same_kind = typed and any(_AMOUNTS.get(_KIND[f], _KIND[f]) == kind for f, _ in pointed)
        named = any(f in dict(pointed) for f in (field, *also))  # 'Incorporation Form': also a legal form's
        if pointed == () or after_filler or named or same_kind:
            end += 1  # 'Equity Amount': another amount's word, still the same label
            continue
        break
    return end


def _in_context(words: list[str], i: int) -> tuple[tuple[str, float], ...] | None:
    """What ``words[i]`` points at, read with its neighbours. A register's kind before 'No.' names the
    register ('HRB No.'), though 'HRB' alone is a value's first word. 'Registered' before a noun of another
    field is that noun's ('Registered name', 'Registered office'; so is 'Legal': 'Legal name'), the register's
    only on its own ('Registered with: ...'), and no label's before a word no label has ('Registered merchant
    (e.K.)': a legal form). A 'use' of the building is its type ('Use of the building: Medical Center'), a use
    of the funds their purpose."""
    following = _fold_word(words[i + 1]) if i + 1 < len(words) else ""
    if _fold_word(words[i]) in ("use", "usage") and any(
        _fold_word(w).startswith(_PROPERTY_NOUNS) for w in words[i + 1 : i + 4]
    ):
        return (("property_type", 3.0),)
    if (
        words[i].isupper()
        and _fold_word(words[i]) in ("hr", "hra", "hrb")
        and following in ("no", "nr", "number")
    ):
        return (("commercial_register", 3.0),)
    own = _MODIFIERS.get(_fold_word(words[i]))
    if own is not None and following:
        pointed = word_fields(words[i + 1])
        if (
            own == "commercial_register"
            and pointed is None
            and not words[i].endswith(":")
            and not _value_starts(words, i + 1)
        ):
            return None  # a value's adjective: 'Registered merchant (e.K.)', 'Registered society'
        named = dict(pointed or ())
        if named and own not in named:
            return tuple((field, 1.0) for field in named)
    return word_fields(words[i])


def _value_starts(words: list[str], i: int) -> bool:
    """Whether a value starts at ``words[i]``: a number, or a register's kind before its number ('HR No.'
    is a label, 'HR 576308' a value)."""
    word = words[i]
    if any(ch.isdigit() for ch in word):
        return True
    following = i + 1 < len(words) and any(ch.isdigit() for ch in words[i + 1])
    return following and word.isupper() and _fold_word(word).startswith("hr")


def _is_value(field: str, word: str) -> bool:
    """A typed field's value, not its label's word: 'Interest Rate Fixed' ends before 'Fixed'."""
    return _KIND[field] not in ("text", "bool") and is_valid(field, normalize(field, word))


def known_words(words: list[str]) -> bool:
    """True if every word is a label word (a field's word, filler, a bracketed qualifier) and none holds a
    digit."""
    return all(word_fields(w) is not None and not any(ch.isdigit() for ch in w) for w in _unbracket(words))

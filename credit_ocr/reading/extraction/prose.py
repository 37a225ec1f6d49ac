"""A letter's sentences: a value found by the words around it ("we request a loan of EUR 250,000").

Forms print labels; a loan request written as a letter says the same in sentences, which :mod:`.walk`
never takes for labels, so a letter read nothing. Here each sentence of running text is searched for
values of a shape only some fields have (an amount, a date, a year, an area, a term, a rate), and each
value goes to the field that the words just before it (or, failing those, just after it) name, scored
with the very vocabulary labels are read with (:func:`.labels.word_fields`): "cost" names a price,
"contribute" an equity share, "financing" the amount financed. A yes/no field is answered by a sentence
that names it: yes, unless the sentence says no ("we have not applied for public funding").

A name is read from a sentence only where the sentence marks it: the property's after 'named', 'known as' or
in quotes, or before ', a mixed-use building located at' (:data:`_NAMED_PROPERTY`); the sender's name and
address are the letterhead's (:mod:`.letterhead`). An address is read by its shape (a street and its number),
and is the property's unless the words before it make it the company's own. Some values are named by the
words around them rather than before them: a source after an amount ('EUR 600,000 from equity'), 'over 12
years', 'built in 1985', 'the purpose ... is ...', 'a Stock Corporation (AG)'. Every value found here ranks
below any labelled value (:data:`PROSE_SCORE`), and is flagged for review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from credit_ocr.reading.extraction.fields import MONTH_NAMES
from credit_ocr.reading.extraction.labels import names_another, word_fields
from credit_ocr.reading.extraction.shapes import EUROPEAN_LEGAL_FORM, REGISTER, TOWN_TAIL
from credit_ocr.reading.extraction.spec import FIELDS
from credit_ocr.reading.extraction.walk import Candidate, label_of
from credit_ocr.reading.glyphs import BOXES

__all__ = ["ADDRESS", "LEGAL_FORM_ENDING", "PROSE_SCORE", "is_prose", "prose_candidates"]

#: A value read from a sentence ranks below a labelled one (a label read by meaning scores 0.5-1).
PROSE_SCORE = 0.25
#: How many words before a value (and after it, at half weight, not counting 'be', 'as'...) may name its field.
WINDOW_BEFORE, WINDOW_AFTER = 7, 4
#: A field is named only by a word that alone says much (vocabulary weight 2: a strong hint, 3: the name).
MIN_WEIGHT = 2.0
#: A value followed by where it comes from is named by that first: 'we fund EUR 600,000 from equity'.
_SOURCE = frozenset({"from", "out", "via", "through"})

_KIND = {spec.name: spec.kind for spec in FIELDS}
_FUNCTION_WORDS = frozenset({
    "we", "our", "us", "the", "of", "a", "an", "is", "are", "was", "were", "to", "for", "and", "which", "it",
    "its", "has", "have", "would", "like", "this", "that", "with", "from", "be", "been", "by", "in", "on", "at",
    "as",
    # a German letter's ('Unsere Gesellschaft wurde am 1. April 2003 gegründet.')
    "wir", "unser", "unsere", "der", "die", "das", "des", "dem", "den", "und", "ist", "sind", "wurde", "wurden",
    "haben", "hat", "mit", "von", "für", "ein", "eine", "einen", "zur", "zum", "um", "soll", "nicht", "bitten",
    "am", "im", "bei", "auf", "sich",
})  # fmt: skip
#: The words after a value that say nothing of it ('will be provided as equity'); a source does ('from').
_SKIPPED_AFTER = _FUNCTION_WORDS - _SOURCE
_MONTHS = rf"(?:{MONTH_NAMES})"  # '1. März 2003', '7 September 1996', '2 januari 2008'
_NUMBER = r"\d{1,3}(?:[ .,'’]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
#: Value shapes, each with the kinds of field it may fill; the first that matches at a place wins.
_SHAPES: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (re.compile(rf"\b\d{{1,2}}(?:\.\s*|\s+){_MONTHS}\.?\s+\d{{4}}\b|\b\d{{1,2}}[./]\d{{1,2}}[./]\d{{4}}\b", re.I), ("date",)),
    (re.compile(rf"(?:€|\bEUR\b)\s?(?:{_NUMBER})(?:\s?(?:million|mio\.?|m)\b)?|(?:{_NUMBER})\s?(?:million\s|mio\.?\s)?(?:€|EUR\b|euros?\b)", re.I),
     ("money", "monthly")),
    (re.compile(rf"(?:{_NUMBER})\s?(?:m²|m2|m\?|sqm|sq\.?\s?m\b|square\s+met(?:er|re)s?)", re.I), ("area",)),
    (re.compile(r"\b\d{1,3}\s?(?:years?|yrs?\.?|months)\b", re.I), ("term",)),
    (re.compile(r"\b\d{1,2}(?:[.,]\d{1,3})?\s?(?:%|per\s?cent\b|percent\b)|\b(?:fixed|variable|floating)\b(?!\s+(?:interest\s+)?rate\s+of\s+\d)", re.I), ("rate",)),
    (re.compile(r"\b(?:1[89]\d\d|20\d\d)\b"), ("year",)),
)  # fmt: skip
#: The legal form a company's name ends in, in Germany and beside it: 'GmbH', 'GmbH & Co. KG', 'e.K.',
#: 'UG (haftungsbeschränkt)', 'Ltd', 'B.V.', 'S.à r.l.' (the letterhead's sender is found by it too).
LEGAL_FORM_ENDING = (
    r"GmbH(?:\s?&\s?Co\.?\s?KG)?|AG|KG|OHG|KGaA|SE|GbR|UG(?:\s?\(haftungsbeschr[äa]nkt\))?|e\.\s?K\.|Ltd\.?|Limited"
    rf"|LLC|Inc\.?|PartG(?:\s?mbB)?|{EUROPEAN_LEGAL_FORM}"
)
#: Another country's VAT number, where a sentence names it as one ('VAT number LU 7191 8753').
_FOREIGN_VAT = (
    r"\b(?:VAT|USt|UID|TVA|BTW)[\w.-]*(?:\s(?:number|no\.|ID|nummer|Nr\.))?:?\s(?P<value>ATU\s?\d{4}\s?\d{4}"
    r"|LU\s?\d{4}\s?\d{4}|NL\s?\d{9}\s?B\s?\d{2}|FR\s?\w{2}\s?\d{3}\s?\d{3}\s?\d{3}|GB\s?\d{3}\s?\d{4}\s?\d{2}"
    r"|BE\s?0?\d{3}\.?\d{3}\.?\d{3}|CHE[-\s]?\d{3}\.\d{3}\.\d{3})\b"
)
#: Another country's register entry by its shape: 'RCS Luxembourg B194140', 'KvK 29704737', 'FN 91561t',
#: 'Company No. 13895460'.
_FOREIGN_REGISTER = (
    r"\b(?:RCS\s[A-Z][a-zé]+\s(?:[AB]\s?\d{4,6}|\d{3}\s?\d{3}\s?\d{3})|KvK\s?\d{8}|FN\s?\d{3,6}\s?[a-z]\b"
    r"(?:\s?/\s?(?:Landes|Handels)gericht\s[A-ZÄÖÜ]\w+)?|Company\sNo\.\s?\d{6,8}(?:\s?/\sCompanies\sHouse)?)"
)
#: Values whose shape alone names their field: no naming word needed ('(VAT DE224466880)'), or whose words
#: around them do ('over 12 years' a loan's term; 'We are a Stock Corporation (AG)'); the group ``value``,
#: where there is one, is the value.
_BY_SHAPE = (
    ("commercial_register", REGISTER),
    # another country's register, as a sentence names it: 'registered under KvK 56050533', 'with RCS B 123456'
    ("commercial_register", re.compile(
        r"\bregistered\s+(?:under|with|at)\s+(?:the\s+)?(?P<value>(?!HR\s?[AB]\b)[A-Z][\w.]*(?:\s[A-Z][\w.]*){0,3}"
        r"\s(?:No\.?\s|Nr\.?\s)?[A-Z]?\s?\d[\d ]{2,10}\d[a-z]?)\b")),
    ("vat_id", re.compile(r"\bDE\s?\d{3}\s?\d{3}\s?\d{3}\b")),
    ("vat_id", re.compile(_FOREIGN_VAT)),
    ("commercial_register", re.compile(_FOREIGN_REGISTER)),
    ("company_name", re.compile(  # 'Our company is Hansa Bau GmbH, ...': a name that ends in its legal form
        r"\b(?:[Oo]ur company is|[Oo]n behalf of|[Ww]e are|[Ww]e,|[Tt]he (?:applicant|borrower|obligor) is"
        r"|(?:Kreditnehmer|Antragsteller|Darlehensnehmer)(?:in)? ist die"
        # a lawyer's or a broker's letter: 'Unsere Mandantin Böhm Maschinenbau UG ...', 'our client, Hansa AG'
        r"|[Uu]nser(?:e)?\s+Mandant(?:in)?,?(?:\s+(?:die|der))?|[Oo]ur\s+client,?)\s+(?P<value>[A-ZÄÖÜ][^,;()]{1,60}?\s"
        rf"(?:{LEGAL_FORM_ENDING}))(?=[\s,.;]|$)")),
    ("term", re.compile(
        r"\b(?:over|within|term of|duration of|period of|Laufzeit von|Laufzeit über|Dauer von)\s+"
        r"(?:a\s+(?:term|period)\s+of\s+)?(?P<value>\d{1,2}\s?(?:years?|yrs|months|Jahren?|Monaten?))\b", re.I)),
    ("construction_year", re.compile(
        r"\b(?:built|completed|constructed|erected|dates from|dating from)\s+(?:in\s+)?(?P<value>1[89]\d\d|20\d\d)\b",
        re.I)),
    ("purpose", re.compile(
        r"(?:\bpurpose\b[^.:;]{0,40}?(?:\bis\b|:)|\b(?:intended|used)\s+for:|\bzum\s+Zweck\b:?)\s+(?:[„\"“]|,,)?"
        r"(?P<value>[a-zA-ZÄÖÜ][^.;:)„“”\"]{2,60}?)[“”\"]?(?=\)?[.;]|$)",
        re.I)),
    ("legal_form", re.compile(r"\((?:Rechtsform|legal form|forme juridique)\s+(?P<value>[^():]{2,40}?)\)")),  # '(Rechtsform GmbH)'
    ("legal_form", re.compile(  # 'Unsere Mandantin ist eine Unternehmergesellschaft (haftungsbeschränkt)'
        r"\bist\s+eine\s+(?P<value>(?:Unternehmergesellschaft|Gesellschaft mit beschr[äa]nkter Haftung|"
        r"Aktiengesellschaft|Kommanditgesellschaft|offene Handelsgesellschaft)(?:\s\([^()]{2,25}\))?)")),
    ("legal_form", re.compile(  # 'The company is organised as a GmbH.': its short form alone
        r"\b(?:(?:organi[sz]ed|registered|incorporated|established|we are)\s+as|(?:client|company|borrower|applicant)\s+is)"
        r"\s+an?\s+"
        r"(?P<value>GmbH(?:\s&\sCo\.\sKG)?|AG|KG|OHG|KGaA|SE|GbR|UG(?:\s\(haftungsbeschr[äa]nkt\))?|e\.\s?K\.)(?=[\s,.;]|$)")),
    ("legal_form", re.compile(
        r"(?:\ban?|\blegal form(?:\s+is)?)\s+(?P<value>(?:[\w-]+\s){0,3}(?:[Cc]ompany|[Cc]orporation|[Pp]artnership|[Mm]erchant)"
        r"(?:\s(?:with|of)(?:\s[\w-]+){1,8})?\s"  # 'Limited Partnership with a limited liability company as ...'

        r"\((?:GmbH(?:\s?&\s?Co\.?\s?KG)?|AG|KG|OHG|KGaA|SE|GbR|UG(?:\s?\(haftungsbeschr[äa]nkt\))?|e\.\s?K\.|"
        r"Gesellschaft mit beschr[äa]nkter Haftung|Aktiengesellschaft|Kommanditgesellschaft|"
        r"offene Handelsgesellschaft|Unternehmergesellschaft[^()]{0,25})\))")),
)  # fmt: skip
#: A property named in a sentence, its kind before its name: 'a hotel named Hotel am Stadtpark', 'a medical
#: center known as Gesundheitszentrum Auenweg', 'the office building "Businesspark Elbe"'; or its name first:
#: 'the property Quartier Lindenhof, a mixed-use building located at ...'.
_NAMED_PROPERTY = (
    re.compile(r"\b(?:an?|the)\s+(?P<type>[A-Za-z][A-Za-z -]{2,50}?),?\s+(?:known as|named|called):?\s+[\"“„]?"
               r"(?P<name>[A-ZÄÖÜ][^,.;()\"“”]{2,60}?)[\"”“]?(?=\s*[,.;]|\s+(?:at|in|located|situated)\b)"),
    # a relative clause: 'The property, which is classified as Office building, is known as "Old Mill" and ...'
    re.compile(r"\b[Tt]he\s+(?:property|building|object|asset),?\s+which\s+is\s+(?:classified|described|used)\s+as\s+"
               r"(?:an?\s+)?(?P<type>[A-Za-z][^,.;]{2,50}?),\s+is\s+(?:known as|named|called)\s+[\"“„]?"
               r"(?P<name>[A-ZÄÖÜ][^,.;()\"“”]{2,60}?)[\"”“]?(?=\s*[,.;]|\s+and\b)"),
    # the kind before the quoted name ('the office building "Elbblick"'); 'the property' names no kind
    re.compile(r"\bthe\s+(?!(?:property|building|object|asset)\s+[\"“„])(?P<type>[a-z][a-z -]{2,50}?)\s+"
               r"[\"“„](?P<name>[^\"“”]{2,60})[\"”“]"),
    # its name in commas after the word for it: 'The asset, Donaublick Offices, is a Medical centre located at ...'
    re.compile(r"\b[Tt]he\s+(?:asset|property|building|object)\s*,\s+(?P<name>[A-ZÄÖÜ][^,.;()]{2,60}?),\s+is\s+an?\s+"
               r"(?P<type>[A-Za-z][^,.;]{2,50}?)\s+(?:located|situated|at|in)\b"),
    re.compile(r"\bthe\s+(?:property|building|object)\s+(?P<name>[A-ZÄÖÜ][^,.;()]{2,60}?),\s+an?\s+"
               r"(?P<type>[a-z][^,.;]{2,60}?)\s+(?:located|situated|at|in)\b"),
    # its name, then its kind in brackets: 'to acquire the property Technologiehof West (Light Industrial Building)'
    re.compile(r"\bthe\s+(?:property|building|object)\s+[\"“„]?(?P<name>[A-ZÄÖÜ][^,.;()\"“”]{2,60}?)[\"”“]?"
               r"\s+\((?P<type>[A-Za-z][^()]{2,40})\)"),
    # German: 'die Finanzierung des Objekts „Handelshof West“ (Objektart: Bürogebäude)', '... (Bürogebäude)'
    re.compile(r"\b(?:des|das|dem)\s+(?:Objekts?|Objektes|Gebäudes?|Anwesens?)\s+(?:[„\"“]|,,)?"
               r"(?P<name>[A-ZÄÖÜ][\wäöüß-]*(?:\s(?:[A-ZÄÖÜ][\wäöüß-]*|am|an der|im))*)[\"“”]?"
               r"\s*\((?:(?:Objektart|Art|Nutzungsart|Gebäudeart):\s*)?(?P<type>[^)]{2,40})\)"),
    re.compile(r"\b(?:acquire|buy|purchase|finance|refinance|build|renovate|extend)\s+the\s+"
               r"(?P<type>[a-z][a-z -]{2,40}?)\s+(?P<name>(?:[A-ZÄÖÜ][\wäöüß-]*\s){1,4}?)(?:at|in|located|situated)\b"),
)  # fmt: skip
#: Words a property's kind never starts with: what comes before it in a sentence ('... is the office building').
_BEFORE_KIND = re.compile(r"^.*\b(?:the|is|are|was|a|an|of)\s+(?:type\s+)?")
#: A city's name, of one word or more: 'Bremen', 'Frankfurt am Main', 'Halle (Saale)', 'Freiburg im Breisgau'.
_CITY = rf"[A-ZÄÖÜ][\wäöüß-]+{TOWN_TAIL}"
#: The country after a city, when the sentence gives it: ', Germany'.
_COUNTRY = (
    r"(?:,\s(?:Germany|Deutschland|Austria|Österreich|Switzerland|Schweiz|The\sNetherlands|Netherlands"
    r"|Luxembourg|Luxemburg|Belgium|France|United\sKingdom)\b)?"
)
#: A postcode: Germany's five digits, Austria's or Switzerland's four, the Netherlands' four and two letters
#: ('3511 LH'), Luxembourg's 'L-1234'.
_POSTCODE = r"(?:\d{5}|\d{4}(?:\s[A-Z]{2})?|[A-Z]-\d{4,5})"
#: A street and its number, perhaps a postcode and city after it: 'Dorfstraße 5, 21079 Hamburg', 'Am Sandtorkai
#: 5' and 'Harbour Lane 9, 28195 Bremen' are; 'Phase 2' is not (no street's ending, no postcode).
ADDRESS = re.compile(
    r"(?:\b(?:Am|An der|Auf der|Auf dem|Im|In der|Zum|Zur)\s)?\b[A-ZÄÖÜ][\wäöüß-]*"
    r"(?:straße|strasse|str\.|weg|platz|allee|gasse|ring|damm|ufer|kai|markt|chaussee)\s\d{1,4}[a-z]?"
    rf"(?:,\s?{_POSTCODE}\s{_CITY}{_COUNTRY})?"
    rf"|\b(?:[A-ZÄÖÜ][\wäöüß-]+\s){{1,3}}\d{{1,4}}[a-z]?,\s?{_POSTCODE}\s{_CITY}{_COUNTRY}"
    # the number first, as France, Luxembourg and Belgium write it: '146, Avenue John F. Kennedy, L-4010 Esch-sur-Alzette'
    r"|\b\d{1,4}[a-z]?,?\s(?:Avenue|Rue|Boulevard|Place|Allées?|Quai|Route|Chemin|Impasse|Cours)\s[^,;]{2,40},"
    rf"\s?{_POSTCODE}\s{_CITY}{_COUNTRY}"
)
#: Words that make an address in a sentence the company's own ('our office at ...', 'with business address
#: ...'), not the property's; so does a company's name right before it ('on behalf of Hansa GmbH, Dorfstraße 5').
_OWN_PLACE = frozenset({
    "based", "office", "offices", "headquartered", "headquarters", "seat", "registered", "business", "sitz",
    "firmensitz", "geschäftssitz",
})  # fmt: skip
#: Words that make an address in a sentence the property's: 'located at ...', 'the site at ...'.
_PROPERTY_PLACE = frozenset({"located", "situated", "site", "property", "belegen", "gelegen", "liegt"})
#: How much surer an address is whose sentence says whose it is than one after a name.
SAID_PLACE_BONUS = 0.05
_NAMED_COMPANY = re.compile(r"^(?:gmbh|ag|kg|ohg|kgaa|se|gbr|ug|e\.k\.|ltd|llc|inc)\.?$")
_NEGATION = re.compile(
    r"\b(?:not|no|none|never|neither|nor|without|nicht|kein|keine|keinen|keiner|ohne)\b|n't\b", re.I
)
#: A line with a colon after fewer words than this is a label's ('Purpose of the loan: ...'), after more a
#: sentence's ('The funds will be used for the following purpose: ...').
_SENTENCE_HEAD = 6
#: A tick box, or a question's one-word answer: a form's line, however many little words it has.
_FORM_ANSWER = re.compile(rf"\[[ xX✓✔]?\s?\]|[{BOXES}]|\?\s*(?:yes|no|ja|nein)\b", re.I)
#: A sentence ends at its full stop, not at an abbreviation's ('GmbH & Co. KG', 'No. 5', 'Dr. Weber'), an
#: initial's ('Avenue John F. Kennedy') nor a German date's day ('am 22. April 2012').
_SENTENCE_END = re.compile(
    r"(?<=[a-z0-9)%€])(?<!\bCo)(?<!\bNo)(?<!\bNr)(?<!\bDr)(?<!\bSt)(?<!\b\d)(?<!\b\d\d)(?<!\s\w)[.!?](?=\s|$)|;",
    re.I,
)
#: A justified line: every word a wide gap from the next, as no form's row is (a label's words sit one
#: space apart).
_JUSTIFIED = re.compile(r"\S+(?: {2,}\S+){5,}")


@dataclass
class _Token:
    text: str
    line: int
    start: int  # offset in the paragraph


def is_prose(line: str) -> bool:
    """A line of running text: words set one space apart (a form's label and value sit a wide gap apart),
    several of them the little words sentences are made of."""
    body = _single_spaced(line)
    words = body.split()
    head = body.rstrip(":").partition(":")[0]  # a label's colon comes after a few words, a sentence's later
    if len(words) < 6 or "  " in body or len(head.split()) < _SENTENCE_HEAD or _FORM_ANSWER.search(body):
        return False  # a form's question and its answer: 'Have public funds been applied for? [x] no'
    return sum(_function_word(w.strip(",.;")) for w in words) >= 2


#: Words that start a street's name when capitalized ('Am Hafen 30', 'Im Gewerbepark 5'): a sentence's words
#: only in lower case ('gegründet am 18. Juni 1986').
_STREET_START = frozenset({"am", "im", "auf", "zum", "zur", "an", "in"})


def _function_word(word: str) -> bool:
    lower = word.lower()
    return lower in _FUNCTION_WORDS and (lower not in _STREET_START or word == lower)


#: A scan's speck at a line's edge, a wide gap from the text ('\  The property, ...', '... buildings.  :').
_EDGE_SPECK = re.compile(r"^[^\w\s(\[€$\"“„]{1,2}\s{2,}|\s{2,}[^\w\s)\]%€.\"”“]{1,2}$")


def _single_spaced(line: str) -> str:
    """The line stripped of a speck at its edges, and a justified one set with single spaces."""
    body = _EDGE_SPECK.sub("", line.strip()).strip()
    return " ".join(body.split()) if _JUSTIFIED.fullmatch(body) else body


def prose_candidates(lines: list[str]) -> list[Candidate]:
    """Every (field, value) the document's sentences offer, ranked below labelled values."""
    found: list[Candidate] = []
    paragraph: list[tuple[int, str]] = []
    for number, line in [*enumerate(lines), (len(lines), "")]:
        if is_prose(line) or (paragraph and line.strip() and _continues(line, paragraph[-1][1])):
            paragraph.append((number, _single_spaced(line)))
            continue
        if paragraph:
            found.extend(_read_paragraph(paragraph))
            paragraph = []
    return found


def _continues(line: str, above: str) -> bool:
    """A line that goes on with the paragraph above it, set with single spaces: its last short line
    ('Germany, in 2009.', no label's colon), or a long one whatever its colons ('14/03/2004 (commercial
    register: HRB 59276 / Potsdam Local Court; VAT ID: DE'), or any line of a sentence the line above leaves
    open. A wide gap or a tick box still makes it a form's line."""
    body = _single_spaced(line)
    words = len(body.split())
    if "  " in body or _FORM_ANSWER.search(body):
        return False
    if not above.rstrip().endswith((".", "!", "?", ";", ":")):
        return True  # the sentence above goes on: 'The funds are intended' / 'for: Refinancing.'
    return (":" not in body and words <= 8) or words >= 6


def _read_paragraph(paragraph: list[tuple[int, str]]) -> list[Candidate]:
    text, tokens = "", []
    for number, line in paragraph:
        for match in re.finditer(r"\S+", line):
            tokens.append(_Token(match.group(), number, len(text) + match.start()))
        text += line + " "
    found: list[Candidate] = []
    start = 0
    for end in [m.end() for m in _SENTENCE_END.finditer(text)] + [len(text)]:
        if end > start:
            found.extend(_read_sentence(text, tokens, start, end))
        start = end
    return found


def _read_sentence(text: str, tokens: list[_Token], start: int, end: int) -> list[Candidate]:
    words = [t for t in tokens if start <= t.start < end]
    values = _values(text, start, end)
    found = []
    for (v_start, v_end, raw, kinds), previous_end in zip(
        values, [start] + [v[1] for v in values], strict=False
    ):
        before = [t for t in words if previous_end <= t.start and t.start + len(t.text) <= v_start][
            -WINDOW_BEFORE:
        ]
        after = [t for t in words if t.start >= v_end and t.text.lower() not in _SKIPPED_AFTER][:WINDOW_AFTER]
        field, named = _named_field(kinds, before[::-1], after)
        if field is not None:
            found.append(
                Candidate(field, raw, named, PROSE_SCORE, "prose", "applicant", _line_at(words, v_start))
            )
    if not text[start:end].rstrip().endswith("?"):  # a question says neither yes nor no
        found.extend(_answers(words))
    for field, shape in _BY_SHAPE:  # a shape no other field has: no naming word needed
        for m in shape.finditer(text, start, end):
            group = "value" if "value" in shape.groupindex else 0
            line = _line_at(words, m.start(group))
            found.append(Candidate(field, m.group(group), "", PROSE_SCORE, "prose", "applicant", line))
    found.extend(_addresses(text, words, start, end))
    found.extend(_named_property(text, words, start, end))
    found.extend(_bracketed(text, words, start, end))
    found.extend(_party(text, words, start, end))
    return found


#: A contract's party: 'and Falkenstein Logistik AG, a company having the legal form AG, incorporated ...'.
_PARTY = re.compile(
    r"\b(?:and|between)\s+(?P<name>[A-ZÄÖÜ][^,;()\"“”]{2,60}?(?:\s\([^()]{2,30}\))?),\s+an?\s+(?:company|corporation|firm|partnership)\b"
    r"(?:[^.;]{0,40}?\blegal\s+form\s+(?:of\s+(?:an?\s+)?)?(?P<form>[^,;]{2,60}?)(?=,|\s+(?:incorporated|with|registered)\b))?"
)


def _party(text: str, words: list[_Token], start: int, end: int) -> list[Candidate]:
    """A company a contract names as a party, and the legal form the sentence gives it."""
    found = []
    for m in _PARTY.finditer(text, start, end):
        for field, group in (("company_name", "name"), ("legal_form", "form")):
            if m.group(group):
                line = _line_at(words, m.start(group))
                found.append(
                    Candidate(field, m.group(group).strip(), "", PROSE_SCORE, "prose", "applicant", line)
                )
    return found


#: A label and its value in brackets inside a sentence: '(property type: Office Building)', '(early
#: repayment: no)'. The label ends at the colon; the value at the bracket.
_BRACKETED = re.compile(  # the value ends at the bracket or a comma: '(Rechtsform: GmbH, gegründet am ...)'
    r"\((?P<label>[^():;]{3,40}):\s*(?P<value>(?:[^():,;]|\([^()]*\)){1,80}?)\s*[,;)]"
)
#: A label in brackets is as sure as the label's words make it, and no surer than this.
BRACKETED_SCORE = 0.8


def _bracketed(text: str, words: list[_Token], start: int, end: int) -> list[Candidate]:
    """The values a sentence labels in brackets: above the values its words only name, below a form's."""
    found = []
    for m in _BRACKETED.finditer(text, start, end):
        label = label_of(m.group("label").strip())
        if label is None or label.remainder:
            continue
        line = _line_at(words, m.start("value"))
        score = min(label.score, BRACKETED_SCORE)
        found.append(
            Candidate(label.field, m.group("value").strip(), label.label, score, "prose", "applicant", line)
        )
    return found


def _named_property(text: str, words: list[_Token], start: int, end: int) -> list[Candidate]:
    """The property's kind and name where a sentence names it (:data:`_NAMED_PROPERTY`)."""
    for pattern in _NAMED_PROPERTY:
        if m := pattern.search(text, start, end):
            kind, name = _BEFORE_KIND.sub("", m.group("type")).strip(), m.group("name").strip()
            line = _line_at(words, m.start("name"))
            return [
                Candidate("property_type", kind, "", PROSE_SCORE, "prose", "property", line),
                Candidate("property_name", name, "", PROSE_SCORE, "prose", "property", line),
            ]
    return []


def _line_at(words: list[_Token], offset: int) -> int:
    """The line a value at ``offset`` of the paragraph starts on (the sentence's last line if none follows)."""
    return next((t.line for t in words if t.start >= offset), words[-1].line if words else 0)


def _addresses(text: str, words: list[_Token], start: int, end: int) -> list[Candidate]:
    """An address in a sentence is the property's ('to buy the hall at Dorfstraße 5, 21079 Hamburg'): a
    letter gives its own in its letterhead; unless the words before it say it is the company's own."""
    found = []
    for m in ADDRESS.finditer(text, start, end):
        before = [t.text.strip(",.;()").lower() for t in words if t.start < m.start()][-WINDOW_BEFORE:]
        # the nearest word that says whose address it is ('... (type: Office Building), located at ...')
        said = next((w for w in reversed(before) if w in _OWN_PLACE or w in _PROPERTY_PLACE), None)
        own = said in _OWN_PLACE if said else bool(before and _NAMED_COMPANY.search(before[-1]))
        field = "business_address" if own else "property_address"
        # 'with its business address at ...', 'located at ...' say more than an address after a name (a
        # contract's lender's)
        score = PROSE_SCORE + SAID_PLACE_BONUS if said else PROSE_SCORE
        found.append(Candidate(field, m.group(), "", score, "prose", "applicant", _line_at(words, m.start())))
    return found


def _values(text: str, start: int, end: int) -> list[tuple[int, int, str, tuple[str, ...]]]:
    """The sentence's values, left to right, none inside another (a date's year is not a year of its own)."""
    taken: list[tuple[int, int, str, tuple[str, ...]]] = []
    for pattern, kinds in _SHAPES:
        for m in pattern.finditer(text, start, end):
            if not any(m.start() < b and a < m.end() for a, b, _, _ in taken):
                taken.append((m.start(), m.end(), m.group().strip(" ,;"), kinds))
    return sorted(taken)


def _named_field(kinds: tuple[str, ...], before: list[_Token], after: list[_Token]) -> tuple[str | None, str]:
    """The field of one of ``kinds`` the nearest words name (before the value, else after it), and the word;
    a source after the value ('from equity', 'out of own resources') before all."""
    sides = [(before, 1.0), (after, 0.5)]
    if after and after[0].text.lower() in _SOURCE:
        sides.insert(0, (after[1:], 1.0))
    for side, weight in sides:
        best: tuple[float, str, str] | None = None
        for distance, token in enumerate(side):
            if best is None and side is before and names_another(token.text.strip(",.;()")):
                break  # 'Existing facilities ... of €3,810,000': another amount's words come first
            for field, stem_weight in word_fields(token.text.strip(",.;()")) or ():
                if _KIND[field] not in kinds or stem_weight < MIN_WEIGHT:
                    continue
                score = stem_weight * weight / (1 + 0.2 * distance)
                if best is None or score > best[0]:
                    best = (score, field, token.text, distance)
        if best is not None:
            modifier = side[best[3] + 1].text.strip(",.;()") if best[3] + 1 < len(side) else ""
            if side is before and names_another(modifier):
                return None, ""  # 'Existing facilities ... of €3,810,000', 'die bestehende Finanzierung ...'
            return best[1], best[2].strip(",.;()")
    if kinds == ("area",):  # 'it offers 2,050 sqm': only one field is an area
        return "total_area", ""
    return None, ""


def _answers(words: list[_Token]) -> list[Candidate]:
    """A yes/no field the sentence names strongly: yes, unless the sentence says no."""
    if not words:
        return []
    sentence = " ".join(t.text for t in words)
    found = []
    for token in words:
        for field, weight in word_fields(token.text.strip(",.;()")) or ():
            if _KIND[field] == "bool" and weight >= 3 and all(c.field != field for c in found):
                answer = "no" if _NEGATION.search(sentence) else "yes"
                found.append(
                    Candidate(field, answer, token.text, PROSE_SCORE, "prose", "applicant", token.line)
                )
    return found

"""The glyphs forms print for tick boxes and ticks, named once for every pattern that reads them.

Tesseract reads none of them (``ticks`` finds the boxes by their ink); text layers and the LLM stand-in
carry them as characters, and the extractor's patterns must know all of them alike.
"""

#: An empty box, as fonts print it.
EMPTY_BOXES = "☐□▢"
#: A ticked or filled box.
TICKED_BOXES = "☒☑■▣"
BOXES = EMPTY_BOXES + TICKED_BOXES
#: A tick or a cross drawn without a box.
TICK_MARKS = "✓✔✗✘"
#: The first character of a word that opens an answer, not a label: '[ ] yes', '(x) no', '☒ AG'.
ANSWER_START = "[](" + BOXES
#: The answers a form prints beside its boxes, in its applicants' languages: 'Oui', 'Sì', 'Nee', 'Tak', 'Nie'.
YES_WORDS = frozenset({"yes", "ja", "oui", "si", "sì", "sí", "tak", "sim"})
NO_WORDS = frozenset({"no", "nein", "non", "nee", "nie", "não"})
#: Both, as a regular expression's alternatives, the longest first ('non' before 'no').
ANSWER_WORDS = "|".join(sorted(YES_WORDS | NO_WORDS, key=lambda word: (-len(word), word)))

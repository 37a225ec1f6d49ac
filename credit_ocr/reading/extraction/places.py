"""German towns whose umlaut a scan misreads: 'Münster' read as 'Minster', 'Köln' as 'K6ln'.

Tesseract's German model reads an umlaut on a clean page; on a 200-dpi JPEG or a fax it often reads 'ü' as
'ii' or 'i', 'ö' as '6' or 'é', 'ß' as 'B', and 'Minster' or 'Wirzburg' pass every check. (Dropped dots are
left alone: 'Dusseldorf' is also how English prints the town.)
An address or register entry names a town, and the towns of a German credit request are few: a town of
:data:`TOWNS` read with its umlaut lost is written as the town is (the gazetteer idea of address
validation, on a list short enough to read).
"""

from __future__ import annotations

import re

__all__ = ["TOWNS", "mend_towns"]

#: German towns with an umlaut or ß in their name (the larger ones, and those of the Rhine and Ruhr).
TOWNS = (
    "München", "Köln", "Düsseldorf", "Nürnberg", "Münster", "Lübeck", "Göttingen", "Würzburg", "Osnabrück",
    "Saarbrücken", "Mönchengladbach", "Fürth", "Tübingen", "Lüneburg", "Gießen", "Görlitz", "Jülich", "Düren",
    "Lünen", "Hürth", "Brühl", "Böblingen", "Füssen", "Güstrow", "Köthen", "Völklingen", "Lörrach",
    "Überlingen", "Rüsselsheim", "Nördlingen", "Neumünster", "Gütersloh", "Lüdenscheid", "Königswinter",
    "Schwäbisch Hall", "Schwäbisch Gmünd", "Fürstenfeldbruck", "Bückeburg", "Zülpich", "Würselen",
)  # fmt: skip

#: How a scan misreads each letter the towns' names hold. Only misreadings: 'Dusseldorf' and 'Munster'
#: are how English prints them, and a name is read as printed.
_SLIPS = {"ü": "ii|i", "ö": "6|é|0", "ä": "4|é", "ß": "B|8"}


def _misread(town: str) -> re.Pattern[str]:
    """The town's name, each umlaut as itself or as a scan misreads it."""
    letters = (f"(?:{re.escape(ch)}|{_SLIPS[ch]})" if ch in _SLIPS else re.escape(ch) for ch in town)
    return re.compile(rf"\b{''.join(letters)}\b")


#: Each town with a letter a scan can misread, and the pattern that finds it misread.
_MISREAD = [(_misread(town), town) for town in TOWNS if any(ch in _SLIPS for ch in town)]


#: A street in capitals whose 'ß' was read as a 'B': 'THERESIENSTRABE', 'LANDSTRABER HAUPTSTRABE' (no word ends so).
_CAPITAL_STREET = re.compile(r"(?<=[A-ZÄÖÜ]STRA)B(?=E\b|ER\b)")


#: A full stop before the country, where an address has a comma ('8010 GRAZ. ÖSTERREICH'): the OCR's slip.
_STOP_BEFORE_COUNTRY = re.compile(
    r"(?<=\w)\.\s(?=(?:germany|deutschland|österreich|austria|switzerland|schweiz|netherlands|luxembourg|france"
    r"|united kingdom)\b)",
    re.IGNORECASE,
)


def mend_towns(text: str) -> str:
    """``text`` with every town of :data:`TOWNS` whose umlaut was misread written as the town is, and a street
    in capitals with its 'ß' (written 'SS', as capitals do)."""
    for pattern, town in _MISREAD:
        text = pattern.sub(town, text)
    return _STOP_BEFORE_COUNTRY.sub(", ", _CAPITAL_STREET.sub("SS", text))

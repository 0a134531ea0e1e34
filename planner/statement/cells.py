"""Cells of a bank statement as Norwegian banks write them: dates (`01.08.2025`, with or without a
time of day) and amounts (`1 234,56`, `-1.234,56`, `kr 747,37`). Shared by the CSV, spreadsheet
and PDF readers and the column guesser."""

from __future__ import annotations

import re
from datetime import date

from ..money import kroner_to_ore

#: a time of day some banks add to the date (`01.08.2025-00:00:00`, `01.08.2025 00:00`,
#: `2025-08-01T00:00:00`): the booking's day is the date; the time is dropped
_TIME = r"(?:[-T ]\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:\.\d+)?)?)?$"
_DATE_FORMS = (
    (re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})" + _TIME), (3, 2, 1)),
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})"), (1, 2, 3)),
    (re.compile(r"^(\d{4})/(\d{2})/(\d{2})" + _TIME), (1, 2, 3)),
    (re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{2})" + _TIME), (3, 2, 1)),
    # DD-MM-YYYY: Jæren Sparebank's export (tests/data/real/elv-jaeren-sparebank-*.csv)
    (re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})" + _TIME), (3, 2, 1)),
)
#: a currency word some exports put beside the amount (`kr 747,37`, `747,37 NOK`)
_CURRENCY_WORD = re.compile(r"^(?:kr\.?|nok)\s*|\s*(?:kr\.?|nok)$", re.IGNORECASE)


def parse_date(text: str) -> date | None:
    text = text.strip()
    for pattern, (yi, mi, di) in _DATE_FORMS:
        m = pattern.match(text)
        if m:
            year = int(m.group(yi))
            year += 2000 if year < 100 else 0
            try:
                return date(year, int(m.group(mi)), int(m.group(di)))
            except ValueError:
                return None
    return None


#: thousands groups of a bank that writes a decimal comma (`1.234`, `12.345,50`) or point (`1,234.50`)
_GROUPED = {"comma": re.compile(r"^-?\d{1,3}(?:\.\d{3})+(?:,\d+)?-?$"),
            "point": re.compile(r"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?-?$")}


def parse_amount(text: str, decimal: str | None = None) -> int | None:
    """Øre of a Norwegian amount (`1 234,56`, `-1.234,56`, `−50`, `kr 747,37`, `1234.56`); None if empty.

    `decimal` is the bank's decimal style from its preset: a bank known to write a decimal
    comma means 1 234 kr by `1.234`, which without the preset is refused as unclear."""
    text = _CURRENCY_WORD.sub("", text.strip().replace("\u00a0", " ").replace("\u202f", " ")).strip()
    # a minus sign (U+2212), an en dash used as one, a trailing minus of an old export
    text = text.replace("\u2212", "-").replace("\u2013", "-").replace(" ", "")
    if not text:
        return None
    if decimal in _GROUPED and _GROUPED[decimal].match(text):
        text = text.replace("." if decimal == "comma" else ",", "")
    if text.endswith("-") and not text.startswith("-"):
        text = "-" + text[:-1]
    if text.startswith("+"):
        text = text[1:]
    return kroner_to_ore(text)

"""Numbers, kroner and dates as people read them, in one place (Norwegian and English).

Every text the planner writes (reports, explanations, eviction text, letters, web pages, the
ledger and batch outputs) takes its amounts, decimals and dates from here, so "9 500,00 kr",
"3,0 måneder" and "01.02.2026" look the same everywhere. The digits come from Babel's Norwegian
(bokmål) locale data (decimal comma, grouping by three) rather than hand-written string surgery;
the one deliberate difference from CLDR is the group separator: an ordinary space, as the
planner has always printed amounts (and as the letters' fact checker reads them), not CLDR's
no-break space, which many terminals, CSV viewers and copy-paste paths mangle.

Reading goes the other way: `parse_date` takes a date as a person types it (dd.mm.åååå, d.m.åååå
or ISO ÅÅÅÅ-MM-DD) for every command-line option and web field that asks for one.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from babel.core import Locale
from babel.numbers import NumberPattern, parse_pattern

__all__ = ["MONTHS", "day_month", "excel_date", "format_amount", "format_date", "format_decimal", "format_dom", "format_int",
           "format_kr", "format_month", "format_number", "nb_date", "nb_datetime", "parse_date", "whole_kr"]

_NB = Locale.parse("nb_NO")
_EN = Locale.parse("en_GB")  # the English letters: 'NOK 2,300.00' 
#: ordinary space between groups of three (see the module docstring), decimal comma
_GROUP = " "


#: the locale's grouping of whole numbers, from Babel: (3, 3) for bokmål, groups of three
_GROUPING = parse_pattern("#,##0").grouping
#: Python's ',' and '.' to the locale's group separator (the project's space) and decimal sign
_SYMBOLS = str.maketrans({",": _GROUP, ".": _NB.number_symbols["latn"]["decimal"]})


@lru_cache(maxsize=8)
def _pattern(decimals: int) -> NumberPattern:
    return parse_pattern("#,##0" + ("." + "0" * decimals if decimals else ""))


def format_decimal(value: float | int | Decimal, decimals: int = 1, group: bool = True) -> str:
    """A number with a fixed count of decimals, Norwegian style: 3 -> '3,0', 0.876 -> '0,88'
    (decimals=2), 12345.5 -> '12 345,5'. Rounds half to even like Babel (amounts are øre integers
    and go through `format_kr`, never through here)."""
    if _GROUPING == (3, 3):  # the fast path: Decimal's own formatting, the same rounding (half even)
        exact = value if isinstance(value, Decimal) else Decimal(str(value))
        text = format(exact, f"{',' if group else ''}.{decimals}f").translate(_SYMBOLS)
        return "0" + text[2:] if text.startswith("-0") and not text.strip("-0,") else text
    text = _pattern(decimals).apply(value, _NB).replace("\u00a0", _GROUP).replace("\u2212", "-")  # pragma: no cover
    return text if group else text.replace(_GROUP, "")  # pragma: no cover


def format_number(value: float | int) -> str:
    """A figure as short as it is exact, up to six significant digits, like Python's `:g` with a
    decimal comma: 30 -> '30', 0.5 -> '0,5', 1e-07 -> '0,0000001' (no grouping: seconds, limits)."""
    return _pattern_sig().apply(value, _NB).replace("\u2212", "-")


@lru_cache(maxsize=1)
def _pattern_sig() -> NumberPattern:
    return parse_pattern("@#####")




def format_int(n: int) -> str:
    """A whole number grouped as the locale groups it: 1234567 -> '1 234 567'.

    Kroner texts are written by the hundred thousand (a batch's results, a ledger's evidence), so
    for the locale's grouping by threes this takes Python's own grouping (5× faster than running
    Babel's pattern for each number) and puts the project's separator in; the test suite checks
    the two agree."""
    if _GROUPING == (3, 3):
        return f"{int(n):,}".replace(",", _GROUP)
    return format_decimal(int(n), 0)  # pragma: no cover - a locale grouping otherwise


def format_kr(ore: int) -> str:
    """Øre as Norwegian kroner: 950000 -> '9 500,00 kr', -412300 -> '-4 123,00 kr'."""
    sign = "-" if ore < 0 else ""
    kr, rest = divmod(abs(int(ore)), 100)
    return f"{sign}{format_int(kr)},{rest:02d} kr"


#: dd.mm.åååå as people type it (one-digit day and month too), and ISO ÅÅÅÅ-MM-DD
_NB_TYPED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_ISO_TYPED = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def parse_date(text: str) -> date:
    """A typed date: '01.02.2026', '1.2.2026' or '2026-02-01'. Raises ValueError with a
    Norwegian message naming what was typed, for a form that is neither or a day that does not
    exist (31.02.2026)."""
    typed = (text or "").strip()
    m = _NB_TYPED.fullmatch(typed)
    iso = _ISO_TYPED.fullmatch(typed)
    try:
        if m:
            return date(int(m[3]), int(m[2]), int(m[1]))
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
    except ValueError:
        raise ValueError(f"«{typed[:20]}» er ingen dato som finnes") from None
    raise ValueError(f"«{typed[:20]}» er ingen dato: skriv dd.mm.åååå (for eksempel 01.02.2026) eller ÅÅÅÅ-MM-DD")


def excel_date(iso: str) -> str:
    """An ISO date text as Norwegian Excel reads it in a CSV: '2026-02-01' -> '01.02.2026'; any
    other text (empty, '-') unchanged."""
    return f"{iso[8:10]}.{iso[5:7]}.{iso[0:4]}" if _ISO_TYPED.fullmatch(iso or "") else iso

MONTHS = {
    "nb": ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
           "november", "desember"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
}


def nb_date(day: date | None) -> str:
    """Norwegian date: 01.02.2026; '–' for none."""
    return "–" if day is None else f"{day.day:02d}.{day.month:02d}.{day.year:04d}"


def day_month(day: date) -> str:
    """Day and month without the year, where the year is plain from the context: '14.01'."""
    return f"{day.day:02d}.{day.month:02d}"


def nb_datetime(moment: datetime) -> str:
    """A local time stamp: '14.01.2026 09:05' (an aware time is shown in the machine's zone)."""
    local = moment.astimezone() if moment.tzinfo else moment
    return f"{nb_date(local.date())} {local.hour:02d}:{local.minute:02d}"


def whole_kr(ore: int) -> str:
    """Kroner without decimals when there are none: 127700 -> '1 277 kr', 127750 -> '1 277,50 kr'."""
    text = format_kr(ore)
    return text[:-6] + " kr" if text.endswith(",00 kr") else text


def format_amount(ore: int, lang: str = "nb") -> str:
    """Kroner as the letters write them: nb '2 300,00 kr', en 'NOK 2,300.00' ('minus NOK 5.00')."""
    if lang == "nb":
        return format_kr(ore)
    sign = "minus " if ore < 0 else ""  # "-NOK 5.00" reads as a dash
    return f"{sign}NOK {_pattern(2).apply(Decimal(abs(int(ore))) / 100, _EN)}"


def format_date(day: date | None, lang: str = "nb") -> str:
    """nb '14.01.2026', en '14 January 2026'; '–' for none."""
    if day is None or lang == "nb":
        return nb_date(day)
    return f"{day.day} {MONTHS['en'][day.month - 1]} {day.year}"


def format_month(key: str | date, lang: str = "nb") -> str:
    """'2026-01' → nb 'januar 2026', en 'January 2026'."""
    if isinstance(key, date):
        y, m = key.year, key.month
    else:
        y, m = int(key[:4]), int(key[5:7])
    return f"{MONTHS[lang][m - 1]} {y}"


def format_dom(day: int, lang: str = "nb") -> str:
    """Day of month: nb '25.', en '25th'."""
    if lang == "nb":
        return f"{day}."
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"

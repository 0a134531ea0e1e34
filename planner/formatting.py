"""Kroner and dates as people read them, in one place (Norwegian and English).

Every text the planner writes (reports, explanations, eviction text, letters, web pages) takes
its amounts and dates from here, so "9 500,00 kr" and "01.02.2026" look the same everywhere.
"""

from __future__ import annotations

from datetime import date

from .money import format_kr

__all__ = ["MONTHS", "format_amount", "format_date", "format_dom", "format_kr", "format_month", "nb_date",
           "whole_kr"]

MONTHS = {
    "nb": ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
           "november", "desember"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
}


def nb_date(day: date | None) -> str:
    """Norwegian date: 01.02.2026; '–' for none."""
    return "–" if day is None else day.strftime("%d.%m.%Y")


def whole_kr(ore: int) -> str:
    """Kroner without decimals when there are none: 127700 -> '1 277 kr', 127750 -> '1 277,50 kr'."""
    text = format_kr(ore)
    return text[:-6] + " kr" if text.endswith(",00 kr") else text


def format_amount(ore: int, lang: str = "nb") -> str:
    """Kroner as the letters write them: nb '2 300,00 kr', en 'NOK 2,300.00' ('minus NOK 5.00')."""
    if lang == "nb":
        return format_kr(ore)
    sign = "minus " if ore < 0 else ""  # "-NOK 5.00" reads as a dash
    kr, rest = divmod(abs(int(ore)), 100)
    return f"{sign}NOK {kr:,}.{rest:02d}"


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

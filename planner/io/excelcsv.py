"""The CSV for Norwegian Excel written beside each machine CSV (`results-excel.csv`, ...).

A machine CSV (`,` between fields, `.` in decimals, ISO dates, øre) is what scripts read; opened
by a double click in Excel with Norwegian settings it lands in one column. This one is for
people: `;` between fields, kroner with a decimal comma and no grouping (Excel then reads a
number, not text), dates as dd.mm.åååå (Excel reads a date), UTF-8 with a byte order mark (Excel
otherwise guesses the ANSI code page and breaks «æøå»), and the machine values named in
Norwegian by the caller. Text that a spreadsheet would run as a formula is made harmless, as in
the machine CSV (`csv_safe`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import IO

from ..formatting import excel_date, format_decimal, nb_date
from .tables import csv_safe

#: the suffix of the Excel twin: results.csv -> results-excel.csv
SUFFIX = "-excel"


def excel_name(name: str) -> str:
    """'results.csv' -> 'results-excel.csv'."""
    stem, dot, ext = name.rpartition(".")
    return f"{stem}{SUFFIX}.{ext}" if dot else name + SUFFIX


def kroner(ore: object) -> str:
    """Øre (int or its text) as kroner for Excel: 123450 -> '1234,50'; empty stays empty."""
    text = str(ore if ore is not None else "").strip()
    digits = text.lstrip("-")
    if not (digits.isascii() and digits.isdigit()):  # ('²' is a digit to `isdigit`, not to `int`)
        return text
    return format_decimal(Decimal(int(text)) / 100, 2, group=False)


def decimal(value: object, decimals: int) -> str:
    """A decimal written with '.' (the machine CSV's '0.50') with Excel's comma: '0,50'."""
    text = str(value if value is not None else "").strip()
    try:
        return format_decimal(Decimal(text), decimals, group=False)
    except ArithmeticError:
        return text


def cell(value: object) -> object:
    """One cell: dates and ISO date texts as dd.mm.åååå, numbers as they are, text made safe."""
    if isinstance(value, date):
        return nb_date(value)
    if isinstance(value, str):
        return csv_safe(excel_date(value))
    return value


def excel_writer(fh: IO[str]):
    """A CSV writer of Norwegian Excel's dialect (`;` between fields, CRLF) on `fh` (newline="")."""
    return csv.writer(fh, delimiter=";", lineterminator="\r\n")


class ExcelCsv:
    """Rows to an open text file (newline="") as Norwegian Excel reads them."""

    def __init__(self, fh: IO[str], header: list[str]):
        fh.write("\ufeff")
        self.w = excel_writer(fh)
        self.w.writerow(header)

    def row(self, values: Iterable[object]) -> None:
        self.w.writerow([cell(v) for v in values])


__all__ = ["ExcelCsv", "SUFFIX", "cell", "decimal", "excel_name", "excel_writer", "kroner"]

"""A bank's XLSX export read as rows, for the same reader as its CSV export.

Net banks offer "Last ned til Excel" beside CSV; a caseworker gets whichever the tenant
downloaded. The sheet's rows go through csvfile's header search, presets and row rules, so
an XLSX with a title row or two above the header reads like a CSV with a preamble.
"""

from __future__ import annotations

import io
import zipfile

from .model import fail

#: rows read at most: a few months' statement is a few hundred rows
MAX_ROWS = 100_000


def is_xlsx(data: bytes) -> bool:
    """An Office Open XML workbook (a ZIP with xl/workbook.xml), told from the content."""
    if data[:4] != b"PK\x03\x04":
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return "xl/workbook.xml" in zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def sheet_rows(data: bytes, name: str) -> list[list[object]]:
    """The first sheet's cell values (dates as datetime, numbers as int/float), read-only and
    values only: formulas are not evaluated, links and macros not followed."""
    import openpyxl

    from ..io.tables.limits import WEB, TableTooLarge, check_xlsx

    try:  # a zip that unpacks to a huge sheet is refused before it is parsed (a statement is small:
        check_xlsx(data, name, WEB)  # the web page's limits everywhere)
    except TableTooLarge as exc:
        raise fail(name, str(exc).removeprefix(f"{name}: "), code="xlsx_too_large",
                   nb=exc.nb.removeprefix(f"{name}: ")) from None
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds; one line with its type
        raise fail(name, f"is not a readable XLSX workbook ({type(exc).__name__}); export the statement "
                   "again as XLSX or CSV", code="xlsx_unreadable") from None
    try:
        ws = wb.worksheets[0] if wb.worksheets else None
        if ws is None:
            raise fail(name, "is an XLSX workbook without sheets", code="xlsx_no_sheets")
        rows: list[list[object]] = []
        for row in ws.iter_rows(values_only=True):
            if len(rows) >= MAX_ROWS:
                raise fail(name, f"has more than {MAX_ROWS} rows; a bank statement of a few months is far smaller", code="xlsx_rows", limit=MAX_ROWS)
            rows.append(list(row))
    finally:
        wb.close()
    while rows and not any(c not in (None, "") for c in rows[-1]):
        rows.pop()
    if not rows:
        raise fail(name, "is empty: the first sheet has no rows", code="xlsx_empty")
    return rows

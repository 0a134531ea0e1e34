"""How large a table may be: rows, cells and unpacked bytes of every CSV and XLSX read (the
ledger, the batch's tenants and payouts, bank statements), on the command line and in the web
page's uploads. The one owner of these numbers (docs/reference/limits.md shows them).

Why before parsing: an XLSX is a zip, and a 1.2 MB workbook can unpack to a sheet of 2 million
rows; parsed, it holds a worker for minutes and a gigabyte of memory. `check_xlsx` reads only the
zip's directory (the unpacked sizes it declares) and then streams each worksheet's XML through
zlib a block at a time, counting `<row>` and `<c>` elements without building anything, so such a
file is refused in about a second with flat memory, before openpyxl or pandas sees it. A CSV is
streamed by its readers anyway; its size is checked first and its rows and cells are counted as
the blocks come (`TableLimits.check_rows`).

The command line allows what a spreadsheet program or a large landlord's export can hold; the web
page allows less, because its uploads share a small worker pool with every caseworker.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

MiB = 1024 * 1024
#: Excel's and LibreOffice's own limit of rows in one sheet: a sheet with more was not written
#: by a spreadsheet program.
SHEET_ROWS = 1_048_576


class TableTooLarge(Exception):
    """A table over a limit: the message names the file, what was counted and the limit, in
    English (`str`, the batch's errors.csv and the statement reader) and Norwegian (`nb`)."""

    def __init__(self, en: str, nb: str):
        super().__init__(en)
        self.en = en
        self.nb = nb


@dataclass(frozen=True)
class TableLimits:
    """The limits of one table (see the module docstring)."""

    #: data rows of one CSV
    rows: int = 20_000_000
    #: rows of one XLSX sheet
    sheet_rows: int = SHEET_ROWS
    #: cells of one CSV (rows × columns)
    cells: int = 400_000_000
    #: stored cells of one XLSX sheet (a sheet is parsed into cell objects: this bounds memory)
    sheet_cells: int = 20_000_000
    #: bytes of one CSV, or bytes an XLSX unpacks to (all its parts together)
    unpacked_bytes: int = 2048 * MiB

    def check_rows(self, name: str, rows: int, columns: int) -> None:
        """Refuse a CSV once `rows` data rows of `columns` columns are over a limit."""
        if rows > self.rows:
            raise _over(name, "rows", self.rows)
        if rows * max(columns, 1) > self.cells:
            raise _over(name, "cells", self.cells)

    def check_csv(self, name: str, path: str | Path) -> None:
        """Refuse a CSV larger than `unpacked_bytes` before reading it."""
        size = Path(path).stat().st_size
        if size > self.unpacked_bytes:
            raise _over(name, "bytes", self.unpacked_bytes)


#: `planner ledger`, `planner batch`, `planner import-statement`
COMMAND_LINE = TableLimits()
#: the web page's uploads (ledger, statements): a small shared worker pool
WEB = TableLimits(rows=2_000_000, sheet_rows=200_000, cells=40_000_000, sheet_cells=2_000_000,
                  unpacked_bytes=256 * MiB)

_WHAT = {"rows": ("rows", "rader"), "cells": ("cells", "celler"), "bytes": ("bytes unpacked", "byte utpakket")}


def _n(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def _over(name: str, what: str, limit: int) -> TableTooLarge:
    en, nb = _WHAT[what]
    if what == "bytes":
        shown = f"{limit // MiB} MB"
        return TableTooLarge(f"{name}: larger than {shown} ({en}); the limit is {shown}: split the file",
                             f"{name}: større enn {shown} ({nb}); grensen er {shown}: del filen opp")
    return TableTooLarge(f"{name}: more than {_n(limit)} {en}; the limit is {_n(limit)} {en} per table: split the file",
                         f"{name}: flere enn {_n(limit)} {nb}; grensen er {_n(limit)} {nb} per tabell: del filen opp")


_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row\b")
_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\b")
_SHEET_PART = re.compile(r"^xl/worksheets/[^/]+\.xml$", re.IGNORECASE)


def _count(block: bytes, pattern: re.Pattern, plain: tuple[bytes, ...], prefixed: bytes) -> int:
    """Elements in `block`: `bytes.count` (fast) unless a namespace prefix (`<x:row`) is there."""
    if prefixed in block:
        return len(pattern.findall(block))
    return sum(block.count(p) for p in plain)


def check_xlsx(source: str | Path | bytes, name: str, limits: TableLimits = COMMAND_LINE) -> None:
    """Refuse a workbook over a limit before it is parsed: the unpacked sizes its zip declares,
    then the rows and cells of every worksheet, counted while streaming (module docstring). A file
    that is no zip passes: the reader that follows says it cannot read it."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    with zf:
        infos = zf.infolist()
        if sum(i.file_size for i in infos) > limits.unpacked_bytes:
            raise _over(name, "bytes", limits.unpacked_bytes)
        unpacked = 0
        for info in infos:
            if not _SHEET_PART.match(info.filename):
                continue
            rows = cells = 0
            carry = b""
            try:
                with zf.open(info) as fh:
                    for block in iter(lambda: fh.read(1 << 20), b""):
                        unpacked += len(block)
                        if unpacked > limits.unpacked_bytes:
                            raise _over(name, "bytes", limits.unpacked_bytes)
                        block = carry + block
                        cut = block.rfind(b"<")  # no element is cut in two: the last one waits
                        cut = len(block) if cut < 0 else cut
                        carry, block = block[cut:], block[:cut]
                        rows += _count(block, _ROW, (b"<row>", b"<row "), b":row")
                        cells += _count(block, _CELL, (b"<c>", b"<c "), b":c")
                        if rows > limits.sheet_rows:
                            raise _over(name, "rows", limits.sheet_rows)
                        if cells > limits.sheet_cells:
                            raise _over(name, "cells", limits.sheet_cells)
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError):
                return  # a damaged or encrypted part: the reader reports the file
            rows += _count(carry, _ROW, (b"<row>", b"<row "), b":row")
            cells += _count(carry, _CELL, (b"<c>", b"<c "), b":c")
            if rows > limits.sheet_rows:
                raise _over(name, "rows", limits.sheet_rows)
            if cells > limits.sheet_cells:
                raise _over(name, "cells", limits.sheet_cells)


__all__ = ["COMMAND_LINE", "MiB", "SHEET_ROWS", "TableLimits", "TableTooLarge", "WEB", "check_xlsx"]

"""XlsxWriter's worksheet for a long sheet written in constant-memory mode, two of its steps
made cheaper, the same bytes.

XlsxWriter spends a few µs on each cell, and the batch's sheet has two million. Two steps of
those are work the sheet does not need: a cell's format number (an integer) is searched for
characters to escape, which a number cannot hold (the search raises and is caught, a
microsecond each); and the worksheet's spill file, to which each cell is written, is open for
reading too, so that every write first resets its decoder. This class takes the number as it
is, keeps the spill file open for writing only until the workbook closes, and copies it into
the sheet as bytes, not as text: a tenth less of the sheet's time.

The rest of a cell's cost is XlsxWriter's path for one cell: `write_number` checks the bounds,
stores the cell and later, when the next row starts, `_write_cell` finds its type, its
reference and its format and writes its XML alone: about eight Python calls a cell.
`write_values` writes a whole row of plain cells (whole numbers, finite decimals, dates, text
with nothing to escape) as one string, the text XlsxWriter writes for each of them, and leaves
every row with anything else (a cell to escape, a control character, whitespace at an end, a
row or column format, a row out of order) to XlsxWriter's own path: two thirds less of the
sheet's time, the same bytes (`tests/test_xlsx_split.py` compares them on generated rows).

It is XlsxWriter's documented way to change a worksheet (`add_worksheet`'s `worksheet_class`),
and `fast_sheet_class` falls back to the plain worksheet when the names it uses are not there."""

from __future__ import annotations

import math
import os
import re
import shutil
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

#: text XlsxWriter writes in a cell as it is: nothing to escape (`&<>"` and the newline), no
#: control character nor `_xHHHH_` text to encode, no whitespace at either end to preserve, not
#: rich text (which starts with `<`)
_AS_IS_NOT = re.compile(r'["&<>\n\x00-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\s|\s$')


def fast_sheet_class():
    """The worksheet class to write a constant-memory sheet with (None: XlsxWriter's own)."""
    from xlsxwriter.worksheet import Worksheet

    if not all(callable(getattr(Worksheet, m, None)) for m in ("_escape_attributes", "_initialize", "_opt_close",
                                                                "_opt_reopen", "_write_optimized_sheet_data",
                                                                "_xml_start_tag", "_xml_end_tag", "_write_row",
                                                                "_write_single_row", "_check_dimensions")):
        return None

    class FastSheet(Worksheet):
        def _escape_attributes(self, attribute):
            return attribute if type(attribute) is int else super()._escape_attributes(attribute)

        def _initialize(self, init_data) -> None:
            super()._initialize(init_data)
            if self.constant_memory and getattr(self, "row_data_filename", None):
                # write only; `close` closes it, and XlsxWriter opens it again to read it
                self.row_data_fh.close()  # type: ignore[has-type]
                self.row_data_fh = self.fh = open(self.row_data_filename, "w", encoding="utf-8")  # noqa: SIM115

        def _write_optimized_sheet_data(self) -> None:
            # the spill file's rows copied into the sheet as bytes (XlsxWriter's own copy reads
            # and writes them as text, 64 KB at a time)
            if self.dim_rowmin is None or not hasattr(self.fh, "buffer"):
                super()._write_optimized_sheet_data()
                return
            self._xml_start_tag("sheetData")
            self.row_data_fh.close()
            self.fh.flush()
            with open(self.row_data_filename, "rb") as spill:
                shutil.copyfileobj(spill, self.fh.buffer, 1 << 20)
            os.unlink(self.row_data_filename)
            self._xml_end_tag("sheetData")

        def write_values(self, n: int, values: Sequence, number_formats: Sequence, day_format,
                         serial: Callable[[date], float | None]) -> bool:
            """Row `n`'s cells as the XML XlsxWriter writes for them, or False when the row needs
            XlsxWriter's own path (then nothing of it is written): `write_plain_row`."""
            return write_plain_row(self, n, values, number_formats, day_format, serial)

        def close_spill(self) -> None:
            """Before the workbook closes: the spill file closed (XlsxWriter reopens it)."""
            if self.constant_memory:
                self._opt_close()

    return FastSheet


#: the first 64 columns' letters (A … Z, AA … BL)
COLUMNS = [chr(65 + k) if k < 26 else chr(64 + k // 26) + chr(65 + k % 26) for k in range(64)]


def write_plain_row(ws, n: int, values: Sequence, number_formats: Sequence, day_format,
                    serial: Callable[[date], float | None]) -> bool:
    """Write row `n` of the constant-memory worksheet `ws` as the XML XlsxWriter writes for its
    cells, or return False when the row needs XlsxWriter's own path (then nothing of it is
    written). `values` are None or "" (no cell), int, float (in `number_formats`' format for its
    column), `date` (the number `serial` gives, in `day_format`) or text. The row is then
    complete: no cell is added to it."""
    if not (ws.constant_memory and ws.previous_row <= n < ws.xls_rowmax and len(values) <= len(COLUMNS)
            and n not in ws.row_info and n not in ws.comments and not ws.table.get(n)):
        return False
    r = str(n + 1)
    cells = []
    first = last = -1
    col_info = ws.col_info
    for k, v in enumerate(values):
        kind = type(v)
        if kind is str:
            if not v:
                continue
            if len(v) > ws.xls_strmax // 2 or _AS_IS_NOT.search(v):
                return False
            cell_format, tail = None, f' t="inlineStr"><is><t>{v}</t></is></c>'
        elif kind is int or (kind is float and math.isfinite(v)):
            cell_format, tail = number_formats[k], f"><v>{v:.16G}</v></c>"
        elif kind is date:
            day = serial(v)
            if day is None:
                return False
            cell_format, tail = day_format, f"><v>{day:.16G}</v></c>"
        elif v is None:
            continue
        else:
            return False
        if first < 0:
            # the row before, at the row's first cell as XlsxWriter does (so that formats are
            # numbered in the order it meets them; a row of no cell moves nothing)
            ws._write_single_row(n)
            first = k
        if cell_format is not None:
            index = cell_format.xf_index
            cells.append(f'<c r="{COLUMNS[k]}{r}" s="{cell_format._get_xf_index() if index is None else index}"{tail}')
        elif k in col_info and col_info[k].column_format is not None:
            return False  # (the column's format: XlsxWriter's path)
        else:
            cells.append(f'<c r="{COLUMNS[k]}{r}"{tail}')
        last = k
    if first < 0:
        return False
    ws._check_dimensions(n, first)
    ws._check_dimensions(n, last)
    ws._write_row(n, None)
    cells.append("</row>")
    ws.fh.write("".join(cells))
    return True


def mergeable() -> bool:
    """Whether this XlsxWriter has the worksheet insides `merge_tail` uses (else one writer)."""
    try:
        from xlsxwriter.worksheet import Worksheet

        ws = Worksheet()
    except Exception:  # noqa: BLE001 - any failure: one writer
        return False
    from xlsxwriter.format import Format

    fmt = Format()
    return (callable(getattr(ws, "_write_single_row", None)) and callable(getattr(fmt, "_get_xf_index", None))
            and hasattr(fmt, "xf_index")
            and all(hasattr(ws, a) for a in ("row_data_fh", "previous_row", "dim_rowmax", "dim_colmin", "dim_colmax",
                                             "table")))


def merge_tail(ws, last: int, formats: dict, tail: Path, first_row: int, count: int, used: dict[str, int],
                cols: tuple[int | None, int | None]) -> int:
    """Take the rows the tail wrote (its sheet's rows from `first_row`, `count` of them, its
    formats numbered `used`, its columns `cols`) into the head's worksheet `ws`, whose last row is `last`; the
    sheet's last row.

    Why XlsxWriter's insides: in constant-memory mode a worksheet keeps its finished rows as
    XML text in a spill file and copies it into the sheet when the workbook closes. The tail's
    rows, written by the same code at their own row numbers, are that same text, but for the
    numbers of their cells' formats: a workbook numbers its formats in the order it first uses
    them. So the formats the head has not used yet are numbered now, in the tail's order (as
    one writer would have met them), the tail's cells renumbered to match, and the rows
    appended to the head's spill file after its own last row: the sheet one writer makes
    (`tests/test_xlsx_split.py` compares the bytes; `mergeable` guards the names)."""
    xml = tail.read_bytes()
    # the tail's rows, numbered from 1 in the XML, past its header (a row with no cell is not
    # written)
    at = xml.find(b'<row r="')
    if at >= 0 and row_number(xml, at) <= first_row:
        at = xml.find(b'<row r="', at + 1)
    ws._write_single_row(last + 1)  # the head's last row goes to the spill file
    if at >= 0:
        number = {index: formats[name]._get_xf_index() for name, index in sorted(used.items(), key=lambda u: u[1])}
        ws.row_data_fh.flush()
        if any(a != b for a, b in number.items()):
            body = _STYLE.sub(lambda m: f'{m[1]}{number[int(m[2])]}"', xml[at:].decode("utf-8"))
            ws.row_data_fh.buffer.write(body.encode("utf-8"))
        else:  # (as written: the bytes as they are)
            ws.row_data_fh.buffer.write(memoryview(xml)[at:])
        ws.dim_rowmax = max(ws.dim_rowmax or 0, row_number(xml, xml.rfind(b'<row r="')) - 1)
        ws.dim_colmin = min(c for c in (ws.dim_colmin, cols[0]) if c is not None)
        ws.dim_colmax = max(c for c in (ws.dim_colmax, cols[1]) if c is not None)
    last = first_row + count - 1
    ws.previous_row = last  # (nothing left in memory to write there)
    return last


def row_number(xml: bytes, at: int) -> int:
    """The number of the sheet XML's row whose tag starts at `at`."""
    return int(xml[at + 8:xml.index(b'"', at + 8)])


#: a cell's format number in a sheet's XML (cells are the only tags that start `<c r=`: text
#: in a cell has its `<` escaped)
_STYLE = re.compile(r'(<c r="[A-Z]+[0-9]+" s=")([0-9]+)"')

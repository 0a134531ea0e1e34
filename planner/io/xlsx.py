"""One-sheet XLSX tables, streamed with XlsxWriter in constant-memory mode.

The batch's `results.xlsx` can hold 100 000 rows: constant-memory mode keeps one row in memory
at a time and writes strings inline (no shared-string table to hold), so memory stays flat.
The output is deterministic: XlsxWriter stamps every zip member with a fixed 1980 date, and
the workbook's "created" property is fixed here, so the same rows give the same bytes.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

#: the workbook's "created" property (fixed: see the module docstring)
CREATED = datetime(1980, 1, 1, tzinfo=timezone.utc)


def write_xlsx(path: str | Path, header: list[str], rows: Iterable[list], *, sheet: str = "results",
               money_columns: Iterable[int] = (), widths: list[int] | None = None) -> int:
    """Write `header` and `rows` (lists of str / int / float / None) to `path` atomically, 0600.

    A bold header row, frozen with the first column, and a filter over the table; values in
    `money_columns` (0-based) get a two-decimal number format with a thousands separator.
    XlsxWriter's spill files go to `path`'s own folder (0600, removed when done), so a
    tenant's data is never copied to a shared temporary folder. Returns the row count.
    """
    import xlsxwriter

    from .files import private_opener

    path = Path(path)
    money = set(money_columns)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    n = 0
    with open(tmp, "wb", opener=private_opener) as fh:
        wb = xlsxwriter.Workbook(fh, {"constant_memory": True, "tmpdir": str(path.parent.resolve())})
        wb.set_properties({"created": CREATED})
        ws = wb.add_worksheet(sheet[:31])
        bold, fmt = wb.add_format({"bold": True}), wb.add_format({"num_format": "#,##0.00"})
        for k, w in enumerate(widths or [max(10, min(40, len(h) + 2)) for h in header]):
            ws.set_column(k, k, w)
        ws.freeze_panes(1, 1)
        ws.write_row(0, 0, header, bold)
        number, text, boolean = ws.write_number, ws.write_string, ws.write_boolean
        for n, values in enumerate(rows, 1):
            for k, v in enumerate(values):
                if v is None or v == "":
                    continue
                if isinstance(v, bool):
                    boolean(n, k, v)
                elif isinstance(v, (int, float)):
                    number(n, k, v, fmt if k in money else None)
                else:
                    text(n, k, str(v))
        ws.autofilter(0, 0, n, max(0, len(header) - 1))
        wb.close()
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return n

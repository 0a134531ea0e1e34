"""The rows of tenancies.csv and tenancies-excel.csv rendered part by part where the parts are
judged (`parallel`), kept on disk, and written in the tenancy table's order at the end: the same
bytes as `output.write_frame` and `output.write_excel_frame` of the whole table."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..io.files import private_opener
from ..io.tables import csv_safe_frame
from . import output


class _Lines:
    """A file for `csv.writer` that keeps each row it writes as one string."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def write(self, text: str) -> None:
        self.lines.append(text)


def tenancy_lines(frame: pd.DataFrame) -> tuple[list[str], list[str]] | None:
    """The rows of tenancies.csv and tenancies-excel.csv for the tenancies of `frame`, one
    string a row, exactly as `write_frame` and `write_excel_frame` write them (every cell is
    formatted by itself, so a row's text does not depend on the other rows); None where either
    would hand the frame to pandas (then the whole table is written as before).

    The cells are those `output.to_csv` and `output.excel_columns` write; the rows are joined a
    column at a time by pyarrow (`_rows`), not by the csv module a cell at a time: on a part's
    1 400 rows of 29 columns the csv module cost most of the time."""
    safe = csv_safe_frame(frame, output.TENANCY_COLUMNS)
    if not output.plain(safe) or not output.excel_plain(frame, output.TENANCY_COLUMNS):
        return None
    if not len(frame):
        return [], []
    machine = _rows([_machine_cells(safe[c]) for c in output.TENANCY_COLUMNS], ",", "\n")
    excel = _rows([_machine_cells(frame[c]) if v is None else (_texts(v), True) for c, v in
                   zip(output.TENANCY_COLUMNS, output.excel_columns(frame, output.TENANCY_COLUMNS, numbers=False))],
                  ";", "\r\n")
    return machine, excel


def _machine_cells(col: pd.Series) -> tuple[Any, bool]:
    """A column's cells as `output.to_csv` hands them to the csv module, as the text it writes
    (whole numbers and booleans as `str` writes them, a missing value as ''), and whether they
    are text (which may need quotes)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if col.dtype.kind in "iu":
        return pc.cast(pa.array(col.to_numpy()), pa.string()), False
    if col.dtype.kind == "b":
        return pa.array(np.where(col.to_numpy(), "True", "False").tolist(), pa.string()), False
    values = col.tolist()
    for i in np.flatnonzero(col.isna().to_numpy()).tolist():
        values[i] = ""
    return _texts(values), True


def _texts(values: list):
    """Cells as the csv module writes them, unquoted: text as it is, None as '', anything else
    (whole numbers, booleans: `output.plain`) by `str`."""
    import pyarrow as pa

    if set(map(type, values)) - {str}:
        values = [v if type(v) is str else "" if v is None else str(v) for v in values]
    return pa.array(values, pa.string())


def _rows(columns: list[tuple[Any, bool]], delimiter: str, terminator: str) -> list[str]:
    """The rows the csv module (QUOTE_MINIMAL) writes of these columns of cell texts (each with
    whether it is text: numbers need no quotes). A text cell with the delimiter, a quote or a
    line break is quoted by the csv module itself (`_quoted`): the few that need it, the same
    bytes whatever its rules in this Python."""
    import pyarrow as pa
    import pyarrow.compute as pc

    special = "[" + re.escape(delimiter) + '"\r\n]'
    cells = [col for col, _ in columns]
    for k, (col, text) in enumerate(columns):
        if not text:
            continue
        hit = np.asarray(pc.match_substring_regex(col, special).to_numpy(zero_copy_only=False), dtype=bool)
        if hit.any():
            values = col.to_pylist()
            for i in np.flatnonzero(hit).tolist():
                values[i] = _quoted(values[i], delimiter, terminator)
            cells[k] = pa.array(values, pa.string())
    return pc.binary_join_element_wise(pc.binary_join_element_wise(*cells, delimiter), terminator, "").to_pylist()


def _quoted(text: str, delimiter: str, terminator: str) -> str:
    """`text` as the csv module writes it in a row of several cells."""
    out = _Lines()
    csv.writer(out, delimiter=delimiter, lineterminator=terminator).writerow([text, ""])
    return out.lines[0][:-len(delimiter + terminator)]


class LineSpool:
    """The rows of tenancies.csv and its Excel twin, rendered part by part (`tenancy_lines`, in
    the run's two processes) and kept on disk in DIR, written at the end in the table's order.

    Why: on 100 000 tenancies the two files cost the run about two seconds after the parts were
    judged, on one core; a part's rows can be rendered where the part is judged. On disk, not
    in memory: the text of 100 000 rows twice is tens of MB the run's peak has no room for."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.complete = True  # every part's rows came (none was left to pandas)
        self._fh = [open(folder / name, "wb", opener=private_opener)  # noqa: SIM115 - closed by `write`/`close`
                    for name in ("machine", "excel")]
        self._sizes: list[list[np.ndarray]] = [[], []]

    def add(self, lines: tuple[list[str], list[str]] | None) -> None:
        if lines is None:
            self.complete = False
        if lines is None or not self.complete:
            return
        for fh, sizes, rows in zip(self._fh, self._sizes, lines):
            data = [r.encode("utf-8") for r in rows]
            fh.write(b"".join(data))
            sizes.append(np.fromiter(map(len, data), dtype=np.int64, count=len(data)))

    def write(self, out: Path, order: np.ndarray) -> None:
        """tenancies.csv and tenancies-excel.csv, the rows taken in `order` (the table's sort)."""
        import mmap

        from ..io.excelcsv import ExcelCsv

        for fh in self._fh:
            fh.close()
        machine, excel = _Lines(), _Lines()
        csv.writer(machine, lineterminator="\n").writerow(output.TENANCY_COLUMNS)
        ExcelCsv(excel, [output.EXCEL_HEADER[c] for c in output.TENANCY_COLUMNS])  # type: ignore[arg-type]
        for name, target, head, sizes in zip(("machine", "excel"), ("tenancies.csv", "tenancies-excel.csv"),
                                             (machine, excel), self._sizes):
            size = np.concatenate(sizes) if sizes else np.zeros(0, np.int64)
            start = np.cumsum(size) - size
            with output.private(out / target, "wb") as dst, open(self.folder / name, "rb") as src:
                dst.write("".join(head.lines).encode("utf-8"))
                if not len(size) or not size.sum():
                    continue
                with mmap.mmap(src.fileno(), 0, access=mmap.ACCESS_READ) as mm:
                    for a in range(0, len(order), output.SLICE):
                        dst.write(b"".join(mm[s:s + n] for s, n in zip(start[order[a:a + output.SLICE]].tolist(),
                                                                        size[order[a:a + output.SLICE]].tolist())))

    def close(self) -> None:
        for fh in self._fh:
            fh.close()

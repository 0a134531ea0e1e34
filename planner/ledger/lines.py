"""The rows of tenancies.csv and tenancies-excel.csv rendered part by part where the parts are
judged (`parallel`), kept on disk, and written in the tenancy table's order at the end: the same
bytes as `output.write_frame` and `output.write_excel_frame` of the whole table."""

from __future__ import annotations

import csv
from pathlib import Path

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
    would hand the frame to pandas (then the whole table is written as before)."""
    safe = csv_safe_frame(frame, output.TENANCY_COLUMNS)
    if not output.plain(safe) or not output.excel_plain(frame, output.TENANCY_COLUMNS):
        return None
    machine, excel = _Lines(), _Lines()
    output.to_csv(machine, safe, header=False)
    output.excel_rows(csv.writer(excel, delimiter=";", lineterminator="\r\n"), frame, output.TENANCY_COLUMNS)
    return machine.lines, excel.lines


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

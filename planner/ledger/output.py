"""Writing the ledger run's files: private (0600), atomic, deterministic, without free text.

Every file goes through a temporary file in the same folder and `os.replace`, so a reader never
sees half a file; every file is created with mode 0600 (the folder 0700) because the output
names tenancies and their arrears. Nothing here copies the ledger's text or names: the tables
hold the tenancy id (or its pseudonym), figures, dates and input row numbers.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..io.files import atomic_file
from ..io.tables import csv_safe, csv_safe_frame

FORMAT = "planner.ledger/1"

TENANCY_COLUMNS = [
    "tenancy", "pattern", "rent_ore", "due_day", "balance_ore", "arrears_ore", "arrears_months",
    "trend_ore_per_month", "observed_months", "late_months", "open_months", "split_months", "median_days_late",
    "failed_debits", "failed_months", "instalments", "broken_instalments", "payment_days", "collector_date",
    "request_date", "priority", "priority_urgency", "priority_arrears", "priority_pattern", "plan_candidate",
    "rows", "first_row", "rejected_rows", "incomplete_reason",
]
MONTH_COLUMNS = ["tenancy", "month", "due", "charged_ore", "paid_in_month_ore", "parts", "settled", "days_late",
                 "failed_debits", "balance_end_ore"]
CONTACT_COLUMNS = ["rank", "tenancy", "priority", "pattern", "arrears_ore", "arrears_months", "trend_ore_per_month",
                   "collector_date", "request_date", "plan_candidate", "draft", "why",
                   "bostotte_ikke_sokt", "bostotte_inntektsgrense_ore"]

#: The Excel twins' headers (tenancies-excel.csv, contact-excel.csv, contact.xlsx): the columns
#: as a caseworker reads them; the machine CSVs keep the names above (FORMAT contract).
EXCEL_HEADER = {
    "tenancy": "Leieforhold", "pattern": "Mønster", "rent_ore": "Husleie (kr)", "due_day": "Forfallsdag",
    "balance_ore": "Saldo (kr)", "arrears_ore": "Restanse (kr)", "arrears_months": "Restanse (månedsleier)",
    "trend_ore_per_month": "Utvikling per måned (kr)", "observed_months": "Måneder vurdert",
    "late_months": "Måneder betalt for sent", "open_months": "Åpne måneder", "split_months": "Måneder betalt i deler",
    "median_days_late": "Median dager for sent", "failed_debits": "Avviste trekk",
    "failed_months": "Måneder med avviste trekk", "instalments": "Avdrag", "broken_instalments": "Avdrag ikke holdt",
    "payment_days": "Innbetalingsdager", "collector_date": "Til innkreving", "request_date": "Begjæring om utkastelse",
    "priority": "Prioritet", "priority_urgency": "Prioritet: hast", "priority_arrears": "Prioritet: restanse",
    "priority_pattern": "Prioritet: mønster", "plan_candidate": "Kandidat for plan", "rows": "Rader",
    "first_row": "Første rad", "rejected_rows": "Rader avvist", "incomplete_reason": "Hvorfor ufullstendig",
    "rank": "Rang", "draft": "Husstandsutkast", "why": "Hvorfor",
    "bostotte_ikke_sokt": "Bostøtte ikke søkt?", "bostotte_inntektsgrense_ore": "Bostøtte mulig ved inntekt til (kr)",
}
#: errors-excel.csv (errors.csv: file, row, column, value, reason, tenancy)
EXCEL_ERROR_HEADER = ["Fil", "Rad", "Kolonne", "Verdi", "Hva er galt", "Leieforhold"]
_DATE_COLUMNS = ("collector_date", "request_date")


def prepare(out: Path) -> None:
    """The output folder, private; drafts of an earlier run are removed (they would mix)."""
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    drafts = out / "drafts"
    if drafts.is_dir():
        for f in drafts.glob("*.toml"):
            f.unlink()
    drafts.mkdir(exist_ok=True, mode=0o700)


def private(path: Path, mode: str = "w"):
    """Open `path` for writing through a 0600 temporary file; replaced into place on success."""
    return atomic_file(path, mode, newline="" if "b" not in mode else None)


def write_text(path: Path, text: str) -> None:
    with private(path) as fh:
        fh.write(text)


def write_frame(path: Path, frame: pd.DataFrame, columns: list[str]) -> None:
    with private(path) as fh:
        to_csv(fh, csv_safe_frame(frame, columns), lineterminator="\n")


def to_csv(fh, frame: pd.DataFrame, sep: str = ",", lineterminator: str = "\n", header: bool = True) -> None:
    """`frame.to_csv(fh, sep=sep, index=False, header=header, lineterminator=lineterminator)`,
    the same bytes, written by the csv module from plain Python values, `SLICE` rows at a time.

    Why: pandas turns every cell into text through its own formatting layer before it hands the
    rows to the same csv module; on the ledger's tables (100 000 tenancies, 29 columns) that
    layer cost seconds. Whole numbers, booleans and text are written as pandas writes them (a
    missing value as an empty cell); a table with a column of another kind (floats, dates) is
    left to pandas, whose formatting of those is its own. In slices, because a column as a list
    of Python strings takes several times the memory of the frame's."""
    if not plain(frame):
        frame.to_csv(fh, sep=sep, index=False, header=header, lineterminator=lineterminator)
        return
    w = csv.writer(fh, delimiter=sep, lineterminator=lineterminator, quoting=csv.QUOTE_MINIMAL)
    if header:
        w.writerow([str(c) for c in frame.columns])
    for a in range(0, len(frame), SLICE):
        part = frame.iloc[a:a + SLICE]
        cols = []
        for c in frame.columns:
            col = part[c]
            values = col.tolist()
            if col.dtype.kind not in "iub":
                missing = col.isna().to_numpy()
                for i in np.flatnonzero(missing).tolist():
                    values[i] = ""
            cols.append(values)
        w.writerows(zip(*cols))


def plain(frame: pd.DataFrame) -> bool:
    """Whether `to_csv` writes `frame` itself (whole numbers, booleans, text), not pandas."""
    for c in frame.columns:
        col = frame[c]
        if col.dtype.kind in "iub":
            continue
        if not (col.dtype == object or pd.api.types.is_string_dtype(col.dtype)) or not set(
                map(type, col.dropna().tolist())) <= _PLAIN:
            return False
    return True


#: rows a table is written in at a time (`to_csv`, `write_excel_frame`)
SLICE = 20_000
#: what a text column may hold for `to_csv` to write it as pandas does (str() of the value)
_PLAIN = {str, int, bool}


def _is_ore(column: str) -> bool:
    """An amount in øre: arrears_ore, trend_ore_per_month."""
    return column.endswith("_ore") or "_ore_" in column


def each(values: list, convert) -> list:
    """`[convert(v) for v in values]`, computed once per distinct value (by type and value: 1
    and 1.0 are told apart). A column of 100 000 tenancies holds a few thousand distinct
    amounts and dates; `kroner` and `cell` cost microseconds each."""
    done: dict = {}
    out = []
    for v in values:
        key = (type(v), v)
        r = done.get(key, done)
        if r is done:
            r = done[key] = convert(v)
        out.append(r)
    return out


def _readable(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The columns as a caseworker reads them: Norwegian pattern names, kroner, dates as dates
    (`date` objects: the CSV writes dd.mm.åååå, the sheet an Excel date), Ja/Nei."""
    out = frame[columns].copy()
    for c, values in _worded(frame, columns).items():
        out[c] = values
    return out


def _worded(frame: pd.DataFrame, columns: list[str]) -> dict[str, list]:
    """The columns of `_readable` that it words, as plain lists (the others are as they are)."""
    from ..io.excelcsv import decimal
    from .patterns import PATTERN_NB

    out: dict[str, list] = {}
    for c in columns:
        if _is_ore(c):
            out[c] = kroner_all(frame[c].tolist())
        elif c in _DATE_COLUMNS:
            out[c] = each(frame[c].tolist(), lambda v: date.fromisoformat(v) if isinstance(v, str) and v else "")
        elif c == "pattern":
            out[c] = [PATTERN_NB.get(v, v) for v in frame[c].tolist()]
        elif c == "arrears_months":  # '1.25' (two decimals, no sign) is '1,25'; anything else as `decimal` says
            out[c] = [v.replace(".", ",") if type(v) is str and _TWO_DECIMALS.fullmatch(v) else
                      decimal(v, 2) if v != "" else "" for v in frame[c].tolist()]
        elif c == "plan_candidate":
            out[c] = ["Ja" if str(v) in ("1", "True") else "Nei" if str(v) in ("0", "False") else "" for v in frame[c]]
        elif c == "payment_days":
            out[c] = [str(v).replace(";", ", ") for v in frame[c].tolist()]
    return out


_TWO_DECIMALS = re.compile(r"[0-9]+\.[0-9]{2}", re.ASCII)


def kroner_all(values: list) -> list:
    """`[excelcsv.kroner(v) for v in values]`: whole øre (Python ints) by arithmetic, since
    `kroner` is exact decimal formatting of øre / 100 ('-0,50', '1234,50'); anything else (text,
    '') through `kroner` once per distinct value."""
    from ..io.excelcsv import kroner

    if set(map(type, values)) <= {int}:
        return [f"-{-v // 100},{-v % 100:02d}" if v < 0 else f"{v // 100},{v % 100:02d}" for v in values]
    return each(values, lambda v: f"-{-v // 100},{-v % 100:02d}" if type(v) is int and v < 0 else
                f"{v // 100},{v % 100:02d}" if type(v) is int else kroner(v))


def cells_all(values: list) -> list:
    """`[excelcsv.cell(v) for v in values]`. Its text cells by pyarrow's string kernels: an ISO
    date (ASCII digits: `excel_date`'s pattern) as dd.mm.åååå, one that starts like a formula
    through `csv_safe`, the rest as they are; every other value (a date, a number, non-ASCII
    text) through `cell` once per distinct value. A column of 100 000 ids is mostly distinct:
    `cell` for each cost a second."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..io.excelcsv import cell

    kinds = set(map(type, values))
    if kinds != {str}:  # dates, numbers, missing values: those through `cell`, the text as below
        text = [k for k, v in enumerate(values) if type(v) is str]
        out = each(values, cell) if str not in kinds else list(values)
        if str in kinds:
            other = [k for k, v in enumerate(values) if type(v) is not str]
            for k, r in zip(other, each([values[k] for k in other], cell)):
                out[k] = r
            for k, r in zip(text, cells_all([values[k] for k in text])):
                out[k] = r
        return out
    if not values:
        return []
    arr = pa.array(values, pa.string())
    ascii_ = pc.string_is_ascii(arr)
    iso = pc.and_(ascii_, pc.match_substring_regex(arr, r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))
    odd = np.flatnonzero(~np.asarray(ascii_.to_numpy(zero_copy_only=False), dtype=bool)
                         | np.asarray(pc.match_substring_regex(arr, r"^[=+\-@\t\r]").to_numpy(zero_copy_only=False),
                                      dtype=bool)).tolist()
    if pc.any(iso).as_py():
        shown = pc.if_else(iso, pc.binary_join_element_wise(pc.utf8_slice_codeunits(arr, 8, 10), ".",
                                                            pc.utf8_slice_codeunits(arr, 5, 7), ".",
                                                            pc.utf8_slice_codeunits(arr, 0, 4), ""), arr).to_pylist()
    else:
        shown = list(values)
    # non-ASCII text, or text that starts like a formula: `cell` itself, once per distinct value
    for i, r in zip(odd, each([values[i] for i in odd], cell)):
        shown[i] = r
    return shown


def write_excel_frame(path: Path, frame: pd.DataFrame, columns: list[str]) -> None:
    """The CSV for Norwegian Excel beside a machine CSV (`planner.io.excelcsv`), `SLICE` rows at
    a time from plain lists (no pandas frame of text between: `to_csv`'s reasons)."""
    from ..io.excelcsv import ExcelCsv

    if not excel_plain(frame, columns):  # a float or a missing value: pandas' own formatting
        return _write_excel_frame_pandas(path, frame, columns)
    with private(path) as fh:
        ExcelCsv(fh, [EXCEL_HEADER[c] for c in columns])  # the byte order mark and the header
        excel_rows(csv.writer(fh, delimiter=";", lineterminator="\r\n"), frame, columns)


def _as_text(frame: pd.DataFrame, c: str) -> bool:
    """A column written cell by cell (`cells_all`): where a cell can be a date or text (pandas
    wrote the rest as they are)."""
    return _is_worded(c) or not pd.api.types.is_numeric_dtype(frame[c].dtype)


def excel_plain(frame: pd.DataFrame, columns: list[str]) -> bool:
    """Whether `write_excel_frame` writes `frame` itself (no float, no missing value)."""
    for c in columns:
        if c == "pattern" or not _is_worded(c):
            kinds = set(map(type, frame[c].tolist())) if _as_text(frame, c) else (
                {int} if frame[c].dtype.kind in "iub" else {float})
            if not kinds <= _PLAIN | {date}:
                return False
    return True


def excel_rows(w, frame: pd.DataFrame, columns: list[str]) -> None:
    """The rows of `write_excel_frame` (no header) to the csv writer `w`."""
    for a in range(0, len(frame), SLICE):
        w.writerows(zip(*excel_columns(frame.iloc[a:a + SLICE], columns)))


def excel_columns(frame: pd.DataFrame, columns: list[str], numbers: bool = True) -> list[list | None]:
    """The cells `excel_rows` writes, a list per column (`lines.tenancy_lines` joins them itself;
    with `numbers=False` the columns written as they are, numbers, are None: it takes those from
    the frame)."""
    text = [_as_text(frame, c) for c in columns]
    worded = _worded(frame, [c for c, t in zip(columns, text) if t])
    return [cells_all(worded[c] if c in worded else frame[c].tolist()) if t else
            frame[c].tolist() if numbers else None for c, t in zip(columns, text)]


def _is_worded(c: str) -> bool:
    """A column `_worded` words."""
    return _is_ore(c) or c in _DATE_COLUMNS or c in ("pattern", "arrears_months", "plan_candidate", "payment_days")


def _write_excel_frame_pandas(path: Path, frame: pd.DataFrame, columns: list[str]) -> None:
    from ..io.excelcsv import ExcelCsv, cell

    readable = _readable(frame, columns)
    for c in columns:
        if not pd.api.types.is_numeric_dtype(readable[c].dtype):
            readable[c] = each(readable[c].tolist(), cell)
    with private(path) as fh:
        ExcelCsv(fh, [EXCEL_HEADER[c] for c in columns])
        readable.to_csv(fh, sep=";", index=False, header=False, lineterminator="\r\n")


def write_sheet(path: Path, frame: pd.DataFrame, columns: list[str], sheet: str) -> None:
    """An XLSX sheet of `frame`: kroner as numbers (øre / 100, exact in a double), dates as Excel
    dates, counts as numbers, the rest as text."""
    from ..io.xlsx import write_xlsx

    header, rows, ore = _sheet_rows(frame, columns)
    write_xlsx(path, header, rows, sheet=sheet, money_columns=ore)


class SheetAside:
    """`write_sheet` done by a child process (`planner.io.xlsx.write_xlsx_aside`), fed by a thread
    of this one, while this process writes the other files; `wait` before the run ends.

    Why: XlsxWriter spends a few µs a cell in Python, and contact.xlsx has a row per tenancy on
    the contact list: on 25 000 tenancies the sheet cost more than the rest of the outputs. In a
    child it runs on the other core; the bytes are those of `write_sheet`. Where no child can
    start (a daemon worker), `write_xlsx_aside` writes in this process."""

    def __init__(self, path: Path, frame: pd.DataFrame, columns: list[str], sheet: str):
        import threading

        header, rows, ore = _sheet_rows(frame, columns)
        self.failure: BaseException | None = None

        def write() -> None:
            from ..io.xlsx import write_xlsx_aside

            try:
                write_xlsx_aside(path, header, rows, sheet=sheet, money_columns=ore)
            except BaseException as exc:  # noqa: BLE001 - raised in the run's own thread by `wait`
                self.failure = exc

        self.thread = threading.Thread(target=write, name="planner-contact-xlsx", daemon=True)
        self.thread.start()

    def wait(self) -> None:
        self.thread.join()
        if self.failure is not None:
            raise self.failure


def _sheet_rows(frame: pd.DataFrame, columns: list[str]) -> tuple[list[str], list[list], list[int]]:
    """The header, the rows (plain Python values) and the money columns of `write_sheet`.
    Built a column at a time from plain lists (no pandas row iteration: 45 000 rows of 14 cells)."""
    ore = [k for k, c in enumerate(columns) if _is_ore(c)]
    worded: list[str] = [c for c in ("pattern", "plan_candidate", "payment_days") if c in columns]
    words = _worded(frame, worded)
    cols = []
    for c in columns:
        values = frame[c].tolist()
        if _is_ore(c):
            values = [int(v) / 100 if v != "" else "" for v in values]
        elif c in _DATE_COLUMNS:
            values = [date.fromisoformat(v) if isinstance(v, str) and v else "" for v in values]
        elif c == "arrears_months":
            values = [float(v) if v != "" else "" for v in values]
        elif c in worded:
            values = words[c]
        cols.append([v.item() if hasattr(v, "item") else v for v in values])
    rows = [list(r) for r in zip(*cols)]
    return [EXCEL_HEADER[c] for c in columns], rows, ore


class TextOut:
    """Rows of months.csv or lines of patterns.* as UTF-8 bytes in memory (a part judged by the
    run's helper process, written by the run in the parts' order); `Appender` writes them to a
    file. Bytes, not text: what the helper sends back is pickled as it is, and the run writes
    it as it is (no decoding where pyarrow writes, no encoding where the file is written)."""

    def __init__(self) -> None:
        self.fh: Any = io.BytesIO()

    def text(self) -> bytes:
        return self.fh.getvalue()

    def table(self, table) -> None:
        """Rows of an Arrow table (numbers and text only; the text already `csv_safe`), written
        by pyarrow's CSV writer (fast): text quoted, numbers bare. In one batch: the writer's
        cost per batch (of 1 024 rows by default) was a fifth of its time on a part's months."""
        import pyarrow.csv as pcsv

        pcsv.write_csv(table, self.fh, pcsv.WriteOptions(include_header=False, quoting_style="needed",
                                                         batch_size=max(1024, table.num_rows)))

    def lines(self, lines: Iterable[str]) -> None:
        """Each line followed by a line break, encoded at once."""
        text = list(lines)
        if text:
            text.append("")
            self.fh.write("\n".join(text).encode("utf-8"))


class Appender(TextOut):
    """A CSV or text file written a block at a time (months.csv, patterns.jsonl), private; its
    blocks are UTF-8 bytes (`TextOut`)."""

    def __init__(self, path: Path, header: list[str] | None = None):
        self.path = path
        self._cm = private(path, "wb")
        self.fh = self._cm.__enter__()
        if header:
            self.fh.write((",".join(header) + "\n").encode("utf-8"))

    def write(self, text: bytes) -> None:
        self.fh.write(text)

    def close(self, ok: bool = True) -> None:
        if ok:
            self._cm.__exit__(None, None, None)
        else:
            self._cm.__exit__(RuntimeError, RuntimeError(), None)


def write_errors(path: Path, errors) -> int:
    """errors.csv and its Excel twin (errors-excel.csv)."""
    from ..io.excelcsv import ExcelCsv, excel_name
    from ..io.tables import ERROR_HEADER

    n = 0
    with private(path) as fh, private(path.with_name(excel_name(path.name))) as xfh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(ERROR_HEADER[:-1] + ["tenancy"])
        xw = ExcelCsv(xfh, EXCEL_ERROR_HEADER)
        for e in errors:
            w.writerow([csv_safe(v) for v in e.to_csv()])
            xw.row(e.to_csv())
            n += 1
    return n


class DraftZip:
    """All household drafts in one zip (0600, fixed timestamps: the same run gives the same bytes);
    tens of thousands of small files would cost more than the analysis.

    Built in memory and written at the end (a few bytes a draft: 15 MB for 25 000): zipfile
    seeks back to each member's header to fill in its size, and on a file every seek is a
    flush and a system call, three a draft."""

    def __init__(self, path: Path):
        import zipfile

        self._cm = private(path, "wb")
        self.fh = self._cm.__enter__()
        self.buf = io.BytesIO()
        self.zf = zipfile.ZipFile(self.buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        self.n = 0

    def add(self, name: str, text: str) -> None:
        import zipfile

        info = zipfile.ZipInfo(f"{name}.toml", date_time=(1980, 1, 1, 0, 0, 0))
        info.external_attr = 0o600 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        self.zf.writestr(info, text)
        self.n += 1

    def close(self) -> None:
        self.zf.close()
        self.fh.write(self.buf.getbuffer())
        self.buf = io.BytesIO()
        self._cm.__exit__(None, None, None)


def write_draft(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.toml"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path


#: one encoder for every line (`json.dumps` with options builds a new one per call)
_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=False, separators=(",", ":"))


def json_line(doc: object) -> str:
    return _JSON.encode(doc)


__all__ = ["Appender", "TextOut", "excel_columns", "excel_plain", "excel_rows", "plain", "SLICE", "to_csv", "CONTACT_COLUMNS", "EXCEL_HEADER", "write_excel_frame", "write_sheet", "FORMAT", "MONTH_COLUMNS", "TENANCY_COLUMNS", "json_line", "prepare",
           "private", "DraftZip", "SheetAside", "write_draft", "write_errors", "write_frame", "write_text"]

"""Reading tables in chunks (CSV, XLSX) and converting cells to household values."""

from __future__ import annotations

import csv
import math
import os
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache, partial
from pathlib import Path

from ...money import ReadOre, simple_ore
from .columns import (
    BENEFIT_LIST_COLS,
    BOOL_COLS,
    DATE_COLS,
    FALSE_WORDS,
    INT_COLS,
    LIST_DATE_COLS,
    LIST_INT_COLS,
    LIST_SPLIT,
    LIST_STR_COLS,
    MAP_COLS,
    TRUE_WORDS,
    ColumnMap,
    RowError,
)
from .office import (
    HEADER_SEARCH,
    benefit_names,
    csv_header,
    find_header,
    kind_code,
    normalise_amount,
    normalise_date,
)
from .sources import Source, file_encoding, guess_separator

#: Columns that hold kroner: read as an office writes them (`9.500,00`, `kr 747,37`, `(100,00)`).
#: List columns that name benefits (`aap;uforetrygd`), by code or by name.
MONEY_COLS = {"amount", "rent", "opening_balance", "min_balance", "living_monthly", "arrears"}

# --------------------------------------------------------------------------- reading tables


@dataclass
class TableChunk:
    source: Source
    first_row: int  # spreadsheet row number of the chunk's first row
    columns: dict[str, str]  # ours -> their header
    headers: list[str]  # every header of the file, in order
    cells: dict[str, list[str]]  # ours -> the column's cells as text, one per row
    blank: list[bool]  # per row: every cell (also of columns not used) is empty
    #: spreadsheet row number of each row (None: consecutive from `first_row`)
    rows: list[int] | None = None
    #: rows that could not be read (more fields than the header, a formula with no value):
    #: (row, key cell, reason) or (row, key cell, reason, their column)
    bad: list[tuple] = field(default_factory=list)


class TableError(Exception):
    def __init__(self, error: RowError):
        self.error = error


def read_table(source: Source, colmap: ColumnMap, chunk_rows: int = 20_000) -> Iterator[TableChunk]:
    """The rows of one table in chunks, cells as text or as the spreadsheet's value."""
    import pandas as pd

    name = source.name
    if source.sheet is not None:
        try:
            raw = pd.read_excel(source.path, sheet_name=source.sheet, dtype=object, header=None, engine="openpyxl")
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds; reported with its type
            raise TableError(RowError(name, None, "", "", f"sheet cannot be read ({type(exc).__name__})",
                                      reason_nb="Arket kan ikke leses.")) from None
        # title rows above the header (a report's name, a date, blank rows) are skipped
        head = find_header(raw.head(HEADER_SEARCH).values.tolist(), _is_header(source.role, colmap)) if len(raw) else 0
        headers = _header_names(raw.iloc[head].tolist()) if len(raw) else []
        if not headers or all(h.startswith("Unnamed:") for h in headers):
            raise TableError(RowError(name, None, "", "", "the sheet is empty: expected a header row in row 1",
                                      reason_nb="Arket er tomt: overskriftsraden skal stå i rad 1."))
        df = raw.iloc[head + 1:].reset_index(drop=True)
        df.columns = headers
        ours, _ = colmap.rename(source.role, headers)
        used = {headers.index(t) for t in ours.values()}
        uncached = _uncached_formulas(source, df, used, head)
        yield from _chunks(source, colmap, headers, df, head + 2, chunk_rows, uncached=uncached)
        return
    try:
        if os.path.getsize(source.path) == 0:
            raise TableError(RowError(name, None, "", "", "the file is empty: expected a header row and one row per "
                                      + ("tenant" if source.role == "tenants" else "payout"),
                                      reason_nb="Filen er tom: den skal ha en overskriftsrad og én rad per "
                                      + ("leietaker." if source.role == "tenants" else "utbetaling.")))
        from .limits import COMMAND_LINE

        _within_limits(COMMAND_LINE.check_csv, name, source.path)
        enc = file_encoding(source.path, colmap)
        with open(source.path, encoding=enc, newline="") as fh:
            preview = [fh.readline() for _ in range(HEADER_SEARCH)]
        # title lines above the header are skipped; the separator is the header line's
        head, sep = csv_header(preview, _is_header(source.role, colmap), colmap.separator, guess_separator)
        first_line = preview[head]
        headers = [h.strip() for h in next(csv.reader([first_line], delimiter=sep), [])]
        if not any(headers):
            raise TableError(RowError(name, None, "", "", "the file is empty: expected a header row in row 1",
                                      reason_nb="Filen er tom: overskriftsraden skal stå i rad 1."))
        # A row with more fields than the header is skipped by pandas with a warning naming
        # its row (records counted as a spreadsheet does, the header being 1); the other rows
        # are numbered around it, and the row itself is reported (see `_ragged_rows`).
        # Except the first data rows: from a longer first row pandas infers an index column
        # and shifts every column of the file, so those are found here and skipped.
        ragged: dict[int, int] = _leading_ragged(source.path, enc, sep, len(headers), head)
        reader = pd.read_csv(source.path, sep=sep, dtype=object, keep_default_na=False, na_filter=False,
                             skip_blank_lines=False, encoding=enc, chunksize=chunk_rows, header=0,
                             engine="c", quotechar='"', on_bad_lines="warn", index_col=False,
                             skiprows=[*range(head), *(n - 1 for n in ragged)] or None)
        row = head + 2
        any_rows = False
        while True:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", pd.errors.ParserWarning)
                df = next(reader, None)
            for w in caught:
                if issubclass(w.category, pd.errors.ParserWarning):
                    for m in _RAGGED.finditer(str(w.message)):
                        ragged[int(m.group(1))] = int(m.group(3))
                else:  # pragma: no cover - another warning: let it through
                    warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            if df is None:
                break
            if len(df) == 0:
                continue
            any_rows = True
            # rows counted as the blocks come: memory stays flat, time is bounded
            _within_limits(COMMAND_LINE.check_rows, name, row - head - 2 + len(df), len(headers))
            df.columns = [str(c) for c in df.columns]
            numbers = []
            for _ in range(len(df)):
                while row in ragged:
                    row += 1
                numbers.append(row)
                row += 1
            yield from _chunks(source, colmap, list(df.columns), df, numbers[0], chunk_rows, numbers)
        if ragged:
            yield _ragged_rows(source, colmap, headers, sep, enc, ragged)
        elif not any_rows:  # a header and no rows
            yield from _chunks(source, colmap, headers, pd.DataFrame(columns=headers), head + 2, chunk_rows)
    except TableError:
        raise
    except pd.errors.EmptyDataError:
        raise TableError(RowError(name, None, "", "", "the file is empty: expected a header row",
                                  reason_nb="Filen er tom: den skal ha en overskriftsrad.")) from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TableError(RowError(name, None, "", "", f"cannot be read as CSV: {msg}",
                                  reason_nb="Filen kan ikke leses som CSV.")) from None


def _within_limits(check, name: str, *args) -> None:
    """`check(name, *args)`, a check of `limits.COMMAND_LINE`: a table over a limit is a
    `TableError` (one line naming `name`)."""
    from .limits import TableTooLarge

    try:
        check(name, *args)
    except TableTooLarge as exc:
        raise TableError(RowError(name, None, "", "", str(exc), reason_nb=exc.nb)) from None


def _is_header(role: str, colmap: ColumnMap):
    """Whether a row's cells are the table's header: every required column of the role is there."""
    from .columns import REQUIRED

    return lambda cells: all(c in colmap.rename(role, cells)[0] for c in REQUIRED[role])


def _header_names(cells: list) -> list[str]:
    """Header cells as pandas names them: an empty one `Unnamed: N`, a repeated one `X.1`."""
    out: list[str] = []
    for i, c in enumerate(cells):
        h = cell_text(c) or f"Unnamed: {i}"
        base, k = h, 0
        while h in out:
            k += 1
            h = f"{base}.{k}"
        out.append(h)
    return out


def _uncached_formulas(source: Source, df, used: set[int], head: int = 0) -> dict[int, tuple[str, str]]:
    """{sheet row: (their column, cell)} of formula cells in the used columns that hold no saved
    value. pandas reads a formula's last saved result; a file written by a program that does
    not calculate (a script, a converter) has none, and the cell would read as empty: an
    arrears of 0. Such a cell is an error, never a silent empty."""
    import openpyxl

    out: dict[int, tuple[str, str]] = {}
    wb = openpyxl.load_workbook(source.path, read_only=True, data_only=False)
    try:
        ws = wb[source.sheet]
        for cells in ws.iter_rows(min_row=head + 2):
            for cell in cells:
                if getattr(cell, "data_type", None) != "f" or cell.column - 1 not in used:
                    continue
                r, c = cell.row, cell.column - 1
                value = df.iat[r - 2 - head, c] if 0 <= r - 2 - head < len(df) and c < df.shape[1] else None
                if cell_text(value) == "" and r not in out:
                    out[r] = (str(df.columns[c]), cell.coordinate)
    finally:
        wb.close()
    return out


_RAGGED = re.compile(r"Skipping line (\d+): expected (\d+) fields, saw (\d+)")


def _leading_ragged(path: Path, enc: str, sep: str, width: int, head: int = 0) -> dict[int, int]:
    """{row: fields} of the data rows right after the header that have more fields than it
    (rows numbered as a spreadsheet does, the header being 1 + the title lines above it)."""
    out: dict[int, int] = {}
    with open(path, encoding=enc, newline="") as fh:
        for _ in range(head):
            fh.readline()
        reader = csv.reader(fh, delimiter=sep, quotechar='"')
        next(reader, None)
        for n, fields in enumerate(reader, head + 2):
            if len(fields) <= width:
                break
            out[n] = len(fields)
    return out


def _ragged_rows(source: Source, colmap: ColumnMap, headers: list[str], sep: str, enc: str,
                 ragged: dict[int, int]) -> TableChunk:
    """The rows pandas skipped (more fields than the header), read again with the csv module
    for their id cell only, as a chunk with no cells and these rows in `bad`."""
    ours, _ = colmap.rename(source.role, headers)
    key = ours.get("id" if source.role == "tenants" else "household")
    k = headers.index(key) if key in headers else None
    bad = []
    last = max(ragged)
    with open(source.path, encoding=enc, newline="") as fh:
        for n, fields in enumerate(csv.reader(fh, delimiter=sep, quotechar='"'), 1):
            if n in ragged:
                hid = fields[k].strip() if k is not None and k < len(fields) else ""
                bad.append((n, hid, f"row has {ragged[n]} fields, the header has {len(headers)}"
                                    " (a separator inside a cell that is not quoted?); the row is not read"))
            if n >= last:
                break
    return TableChunk(source, 2, ours, headers, {o: [] for o in ours}, [], [], bad)


def _chunks(source: Source, colmap: ColumnMap, headers: list[str], df, first_row: int, chunk_rows: int,
            numbers: list[int] | None = None, uncached: dict[int, tuple[str, str]] | None = None):
    ours, _ = colmap.rename(source.role, headers)
    key = ours.get("id" if source.role == "tenants" else "household")
    text = source.sheet is not None  # an XLSX sheet holds typed cells; a CSV is read as text
    if len(df) == 0:  # a header and no rows
        yield TableChunk(source, first_row, ours, headers, {o: [] for o in ours}, [])
        return
    for lo in range(0, len(df), chunk_rows):
        part = df.iloc[lo:lo + chunk_rows]
        if text:
            every = {h: _texts(part[h].tolist(), True) for h in headers}
            blank = [not any(every[h][k] for h in headers) for k in range(len(part))]
        else:
            every = {h: _texts(part[h].tolist(), False) for h in set(ours.values())}
            if every and set(every) == set(part.columns):  # (every column read: blank if its cells are)
                blank = [not any(cells) for cells in zip(*every.values())]
            else:
                blank = part.apply(lambda c: c.str.strip() == "").all(axis=1).tolist() if headers else []
        bad = []
        for r, (column, cell) in sorted((uncached or {}).items()):
            k = r - first_row - lo
            if 0 <= k < len(part):
                blank[k] = True  # not read as a row: reported as one that could not be read
                bad.append((r, every[key][k] if key else "",
                            f"cell {cell} holds a formula with no saved value (the file was written by a program"
                            " that does not calculate formulas), so its value is unknown: open and save the file"
                            " in Excel or LibreOffice, or type the value; the row is not read", column))
        yield TableChunk(source, first_row + lo, ours, headers, {o: every[t] for o, t in ours.items()}, blank,
                         numbers[lo:lo + chunk_rows] if numbers is not None else None, bad)


def _texts(values: list, typed: bool) -> list[str]:
    if typed:
        return [cell_text(v) for v in values]
    return [v.strip() if v else "" for v in values]


# --------------------------------------------------------------------------- cells


def cell_text(value: object) -> str:
    """A cell as the user would see it, for error messages and ids."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


#: Cells already in the one form the readers check: `normalise_amount` and `normalise_date` give
#: them back unchanged (tested on generated text), so a batch of 100 000 households skips their
#: half-dozen regular expressions for nearly every cell and runs them only on office forms.
_PLAIN_AMOUNT = re.compile(r"[0-9][0-9.,]*")
_PLAIN_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _amount(text: str) -> str:
    """An amount cell as `normalise_amount` reads it (office forms), a plain one at once."""
    return text if _PLAIN_AMOUNT.fullmatch(text) else normalise_amount(text)


def _date(text: str) -> object:
    """DD.MM.YYYY, DD.MM.YY or YYYY-MM-DD, with or without a time of day, as YYYY-MM-DD (other
    text unchanged: the model refuses it with the rule)."""
    return text if _PLAIN_DATE.fullmatch(text) else normalise_date(text)


def _int(text: str) -> object:
    if text.isascii() and text.isdigit():  # (int() would also read Arabic-Indic or full-width digits)
        return int(text)
    t = text.replace(" ", "")
    if re.fullmatch(r"[+-]?[0-9]+(?:[.,]0+)?", t):
        return int(re.split(r"[.,]", t)[0])
    return text  # the model refuses it with the rule


def convert(col: str, text: str) -> object:
    """Our typed value for a column's text (what a TOML file would hold); bad text is passed
    on unchanged so that the model's own message explains what is allowed."""
    return converter(col)(text)


@lru_cache(maxsize=256)
def converter(col: str) -> Callable[[str], object]:
    """`convert` of one column, its branch chosen once: a batch converts 400 000 cells of a few
    columns, and a table's reader picks each column's converter once per table."""
    if col in MONEY_COLS:
        return _money_cell
    if col in INT_COLS:
        return _int_cell
    return partial(_other_cell, col)


def _money_cell(text: str) -> object:
    return _amount(text)


@lru_cache(maxsize=256)
def packed_converter(col: str) -> Callable[[str], object]:
    """`converter(col)` for the batch's fast building route: the same values, except that an
    amount in the simple form is read into øre at once (`ReadOre`), which the model takes as
    it is. (Its text is plain: `_amount` gives it back unchanged, and the model's `to_ore` reads
    it with the same `simple_ore`.) A household in error is built again by `converter`'s
    route, whose values are the cells' text, which its messages show."""
    return _read_money_cell if col in MONEY_COLS else converter(col)


def _read_money_cell(text: str) -> object:
    if text[:1] != "-":  # (a sign is an office form: `_amount` normalises it)
        ore = simple_ore(text)
        if ore is not None:
            return ReadOre(ore)
    return _amount(text)


@lru_cache(maxsize=4096)
def _int_cell(text: str) -> object:
    """`_int`, cached: a batch's counts and days are a few dozen texts."""
    return _int(text)


def _other_cell(col: str, text: str) -> object:
    value = _converted(col, text)
    # (a fresh list or table each time: the cached one is shared by every row with this text)
    return list(value) if type(value) is list else dict(value) if type(value) is dict else value


@lru_cache(maxsize=4096)
def _converted(col: str, text: str) -> object:
    """`convert` of a column other than an amount or a count, cached: a batch writes the same
    few dates, lists and words on every row (a bad map's error is raised every time)."""
    if col in DATE_COLS:
        return _date(text)
    if col in BOOL_COLS:
        low = text.casefold()
        return True if low in TRUE_WORDS else False if low in FALSE_WORDS else text
    if col in LIST_INT_COLS:
        return [_int(p) for p in LIST_SPLIT.split(text) if p]
    if col in LIST_STR_COLS:
        parts = [p.strip() for p in re.split(r"[;,]", text) if p.strip()]
        if col in BENEFIT_LIST_COLS:  # benefits by name too: "AAP; Uføretrygd"
            return [kind_code(p, benefit_names("income")).lower() for p in parts]
        return [p.lower() for p in parts]
    if col in LIST_DATE_COLS:
        return [_date(p) for p in LIST_SPLIT.split(text) if p]
    if col in MAP_COLS:
        out: dict = {}
        for part in re.split(r";", text):
            if not part.strip():
                continue
            key, sep, val = part.partition("=")
            if not sep:
                raise ValueError(f"expected MONTH=VALUE pairs separated by ';', such as 12=26000, got {part.strip()!r}")
            out[key.strip()] = _int(val.strip()) if MAP_COLS[col] else _amount(val.strip())
        return out
    return text

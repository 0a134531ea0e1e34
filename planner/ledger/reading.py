"""Reading the landlord's rent ledger (CSV or XLSX) into checked, typed column chunks.

Why columnar: a housing company's ledger is millions of bookings; a Python loop over rows costs
minutes, a columnar reader (pyarrow's streaming CSV reader) and vectorised checks (pandas string
and numpy operations) cost seconds, and reading in blocks keeps memory flat in the file's size.

Every row is accounted for. A row is either *used* (all its cells valid), *blank* (every cell
empty: nothing to read, nothing lost) or *in errors* (one `RowError` per bad cell, naming the file,
the row as a spreadsheet counts it, the column as the file names it, the value and the reason).
Problems with the whole file (missing, empty, a required column missing) raise `LedgerInputError`:
the command prints it and exits with status 2.

The column map is the batch's (`--columns MAP.toml`, `planner.io.tables.ColumnMap`): `[ledger]`
maps column names, `[kinds]` their booking words, `[sheets] ledger` the sheet, `[csv]` the
separator and encoding. Free text (`text`) is never decoded or copied: it only takes part in
telling duplicated rows from real repeats.

This module finds the header and cuts the file into blocks; the checks of the cells, and the
booking words, are `planner.ledger.cells`, the encoding `planner.ledger.encoding`, a block on its
way to the helper process `planner.ledger.blocks`.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..io.tables import LEDGER_COLUMNS, ColumnMap, RowError, guess_separator
from ..io.tables.limits import COMMAND_LINE, TableLimits, TableTooLarge, check_xlsx
from ..io.tables.office import HEADER_SEARCH, csv_header, find_header
from ..personal import has_national_id
from .blocks import Block
from .cells import (
    KIND_CODE,
    KIND_WORDS,
    REQUIRED,
    Chunk,
    check_cells,
    parse_amounts,
    parse_dates,
)
from .encoding import clean_copy, sniff_encoding

#: Columns that give the amount and its direction instead of `amount` (and `kind`): an export
#: with a Debet and a Kredit column.
SIDES = ("debit", "credit")


class LedgerInputError(Exception):
    """A ledger that cannot be read at all; the message names the file (and row, column)."""


class MissingColumns(LedgerInputError):
    """The file's header names none of the columns we need: the web page offers to choose them."""



@dataclass
class Ledger:
    """What `open_ledger` found: the mapped columns and a chunk iterator."""

    name: str
    columns: dict[str, str]  # ours -> their header
    unused: list[str]
    chunks: Iterator[Chunk]
    file_errors: list[RowError] = field(default_factory=list)
    encoding: str = "utf-8"
    #: With `open_ledger(..., late_rows=True)`: set, once the last block is read, when the file
    #: holds ragged rows; it turns the rows given so far (counted as if there were none) into the
    #: rows a spreadsheet shows. The chunk of the ragged rows themselves comes after it is set.
    row_map: Callable[[np.ndarray], np.ndarray] | None = None
    #: The same blocks as `chunks` (read one of the two), a CSV's not checked yet (`Block`), for a
    #: caller that checks some of them in another process; the ragged rows' chunk, and an XLSX's
    #: chunks, come checked.
    blocks: Iterator[Block | Chunk] | None = None


# --------------------------------------------------------------------------- opening


def open_ledger(path: str | Path, colmap: ColumnMap | None = None, chunk_rows: int = 500_000,
                display_name: str | None = None, work_dir: Path | None = None,
                limits: TableLimits = COMMAND_LINE, late_rows: bool = False) -> Ledger:
    """Open a CSV or XLSX ledger; raises `LedgerInputError` when it cannot be used at all, or
    is over `limits` (checked before parsing, and as the rows come: `planner.io.tables.limits`).
    A temporary copy (a file of mixed encodings) is written in `work_dir` (the output folder),
    never in the shared temporary folder.

    `late_rows`: a CSV's rows are numbered as if it had no ragged rows, and the pre-scan that
    finds them runs only when the reader met one (`Ledger.row_map` then corrects the numbers
    given): for a caller that keeps the rows until the file is read (`planner ledger`). A
    well-formed file, the usual case, is then read once instead of twice."""
    colmap = colmap or ColumnMap()
    path = Path(path)
    name = display_name or str(path)
    if not path.exists():
        raise LedgerInputError(f"{name}: filen finnes ikke")
    if path.is_dir():
        raise LedgerInputError(f"{name}: er en mappe, ikke en reskontrofil")
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            check_xlsx(path, name, limits)
            return _open_xlsx(path, name, colmap, chunk_rows)
        if suffix not in (".csv", ".txt", ".tsv"):
            raise LedgerInputError(f"{name}: ukjent filtype «{path.suffix}»; tillatt: .csv, .xlsx")
        if path.stat().st_size == 0:
            raise LedgerInputError(f"{name}: filen er tom: ventet en overskriftsrad og én rad per postering")
        limits.check_csv(name, path)
    except TableTooLarge as exc:
        raise LedgerInputError(f"{exc.nb}; ingenting ble lest") from None
    return _open_csv(path, name, colmap, chunk_rows, work_dir, limits, late_rows)


def _usable(ours: dict[str, str]) -> bool:
    """Whether mapped columns can be read: an id, a date and an amount with its direction (a
    kind column and an amount, or Debet/Kredit columns)."""
    return "tenancy" in ours and "date" in ours and (
        ("kind" in ours and ("amount" in ours or any(c in ours for c in SIDES))) or all(c in ours for c in SIDES))


def _is_header(colmap: ColumnMap) -> Callable[[list[str]], bool]:
    return lambda cells: _usable(colmap.rename("ledger", cells)[0])


def _map_columns(name: str, headers: list[str], colmap: ColumnMap, row: int = 1) -> tuple[dict[str, str], list[str]]:
    ours, unused = colmap.rename("ledger", headers)
    if _usable(ours):
        return ours, unused
    missing = [c for c in REQUIRED if c not in ours]
    if missing:
        shown = ", ".join(repr(h) for h in headers if h) or "(none)"
        raise MissingColumns(
            f"{name}: rad {row}: kolonne {missing[0]!r}: filen har ingen kolonne '{missing[0]}'"
            + (f" (heller ikke {', '.join(repr(m) for m in missing[1:])})" if len(missing) > 1 else "")
            + f"; kolonner funnet: {shown}. Kartlegg deres med --columns KART.toml ([ledger] {missing[0]} ="
            " \"Deres navn\"); ingen rad ble lest")
    return ours, unused


def _open_csv(path: Path, name: str, colmap: ColumnMap, chunk_rows: int, work_dir: Path | None = None,
              limits: TableLimits = COMMAND_LINE, late_rows: bool = False) -> Ledger:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    quotes: int | None = None  # quote characters in the file (counted with the encoding)
    if colmap.encoding:
        enc = colmap.encoding
    else:
        enc, quotes = sniff_encoding(path)
    bad_encoding: set[int] = set()
    source = path
    cleanup: list[Path] = []
    if enc == "mixed":  # rows in another encoding are reported, the rest read as UTF-8
        source, bad_encoding = clean_copy(path, colmap, work_dir)
        cleanup.append(source)
        quotes = None  # (the copy is counted again)
        enc = "utf-8"
    read_enc = "utf-8-sig" if enc.replace("_", "-").lower() in ("utf-8", "utf8") else enc
    with open(source, encoding=read_enc, errors="replace", newline="") as fh:
        preview = [fh.readline() for _ in range(HEADER_SEARCH)]
    # title rows above the header (a report's name, a date, blank lines) are skipped
    head, sep = csv_header(preview, _is_header(colmap), colmap.separator, guess_separator)
    first = preview[head]
    headers = [h.strip() for h in next(csv.reader([first], delimiter=sep), [])]
    if not any(headers):
        raise LedgerInputError(f"{name}: rad 1: overskriftsraden er tom: ventet kolonnenavn")
    ours, unused = _map_columns(name, headers, colmap, head + 1)
    if not first.endswith(("\n", "\r")):  # the file ends inside the header: pyarrow cannot skip it
        raise LedgerInputError(f"{name}: ingen rad kan brukes: filen har en overskriftsrad og ingen posteringer")
    wanted = {o: headers.index(t) for o, t in ours.items()}
    if (line := _unclosed_quote(source, read_enc, sep, quotes)) is not None:
        raise LedgerInputError(f"{name}: rad {line}: et anførselstegn (\") åpner en celle som aldri lukkes, så resten "
                               "av filen ville blitt lest som én celle; rett eller fjern tegnet og les filen på nytt")
    ragged: list[int] = []

    def on_bad(row) -> str:
        ragged.append(row.actual_columns)
        return "skip"

    names = [f"c{i}" for i in range(len(headers))]
    reader = pcsv.open_csv(
        source,
        read_options=pcsv.ReadOptions(skip_rows=head + 1, column_names=names, block_size=_block_bytes(chunk_rows),
                                      encoding="utf8" if read_enc == "utf-8-sig" else enc),
        parse_options=pcsv.ParseOptions(delimiter=sep, newlines_in_values=True, ignore_empty_lines=False,
                                        invalid_row_handler=on_bad),
        convert_options=pcsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                            include_columns=[names[i] for i in sorted(set(wanted.values()))],
                                            strings_can_be_null=False, quoted_strings_can_be_null=False),
    )

    k = 0  # records the reader kept so far
    bad_sorted = np.sort(np.fromiter(bad_encoding, dtype=np.int64, count=len(bad_encoding)))

    def blocks() -> Iterator[Block | Chunk]:
        pending: list[pa.RecordBatch] = []
        n_pending = 0
        try:
            for batch in reader:
                pending.append(batch)
                n_pending += batch.num_rows
                if n_pending >= chunk_rows:
                    yield from _emit(pending)
                    pending.clear()
                    n_pending = 0
            if pending:
                yield from _emit(pending)
            if ragged:
                if lazy:  # the rows given so far counted no ragged row: the caller corrects them
                    found = _prescan_ragged(source, sep, read_enc, len(headers), head) - head
                    ledger.row_map = lambda r: _rows_of(np.asarray(r, dtype=np.int64) - 2 - head, found) + head
                yield _ragged_chunk(source, name, sep, read_enc, headers, ours, head)
        finally:
            for p in cleanup:
                p.unlink(missing_ok=True)

    def _emit(batches) -> Iterator[Block]:
        nonlocal k
        table = pa.Table.from_batches(batches)
        batches.clear()  # the block's text lives only as long as its checks (not while the caller spools)
        n = table.num_rows
        try:
            limits.check_rows(name, k + n, len(headers))
        except TableTooLarge as exc:
            raise LedgerInputError(f"{exc.nb}; ingenting ble skrevet") from None
        cells = {o: table.column(names[i]) for o, i in wanted.items()}
        del table
        rec = np.arange(k, k + n, dtype=np.int64)
        k += n
        rows = _rows_of(rec, ragged_rows) + head  # filled in by a pre-scan only when ragged rows exist
        lo, hi = np.searchsorted(bad_sorted, [rows[0], rows[-1] + 1]) if n else (0, 0)
        yield Block(name, ours, cells, rows, set(bad_sorted[lo:hi].tolist()), colmap)

    # Ragged rows (more or fewer fields than the header) are skipped by the reader without their
    # row number; a quick pre-scan finds them so every other row keeps the number a spreadsheet
    # shows. It runs only when the file has such rows (found by a first count with pyarrow).
    # (With `late_rows`, the pre-scan waits for the reader to meet a ragged row: `row_map`.)
    lazy = late_rows and not bad_encoding  # the rows of a mixed file are matched to its bad lines
    ragged_rows = np.empty(0, dtype=np.int64) if lazy else _prescan_ragged(source, sep, read_enc, len(headers),
                                                                            head) - head
    raw = blocks()
    ledger = Ledger(name, ours, unused, _checked(raw), [], enc, blocks=raw)
    return ledger


def _checked(blocks: Iterator[Block | Chunk]) -> Iterator[Chunk]:
    """The blocks, each checked as it comes (`Ledger.chunks`)."""
    for b in blocks:
        yield b.check() if isinstance(b, Block) else b


def _block_bytes(chunk_rows: int) -> int:
    """The reader's block: 4 MB (about 80 000 rows), or less where the caller asked for blocks of
    fewer rows (a block is cut after the first of the reader's that reaches `chunk_rows`)."""
    return min(1 << 22, max(1 << 14, chunk_rows * 32))


def _prescan_ragged(path: Path, sep: str, enc: str, width: int, head: int = 0) -> np.ndarray:
    """Rows (spreadsheet numbers) whose field count differs from the header's, sorted.

    A quick check counts separators per line with numpy, a block at a time; only a file with a
    suspicious line (or quotes, which may hide separators) is read again with the csv module
    (which knows quoting) for exact record numbers."""
    sep_b = sep.encode("utf-8" if enc == "utf-8-sig" else enc)
    suspicious = len(sep_b) != 1
    carry = b""
    with open(path, "rb") as fh:
        for _ in range(head + 1):  # the title lines and the header
            fh.readline()
        while not suspicious:
            block = fh.read(1 << 24)
            if not block:
                break
            block = carry + block
            cut = block.rfind(b"\n") + 1
            carry, block = block[cut:], block[:cut]
            raw = np.frombuffer(block, dtype=np.uint8)
            if (raw == 34).any():
                suspicious = True
                break
            nl = np.flatnonzero(raw == 10)
            if nl.size == 0:
                continue
            sep_pos = np.flatnonzero(raw == sep_b[0])
            per_line = np.diff(np.concatenate(([0], np.searchsorted(sep_pos, nl))))
            lens = np.diff(np.concatenate(([-1], nl)))
            suspicious = bool(((per_line != width - 1) & (lens > 2)).any())
        if not suspicious and carry.strip():
            suspicious = carry.count(sep_b) != width - 1
    if not suspicious:
        return np.empty(0, dtype=np.int64)
    out = []
    with open(path, encoding=enc, errors="replace", newline="") as fh:
        for n, fields in enumerate(csv.reader(fh, delimiter=sep), 1):
            if n > head + 1 and fields and len(fields) != width:
                out.append(n)
    return np.asarray(out, dtype=np.int64)


def _unclosed_quote(path: Path, enc: str, sep: str, quotes: int | None = None) -> int | None:
    """The line where a quote opens a cell that the file never closes, or None.

    Quotes in a well-formed CSV come in pairs (a quoted cell opens and closes, a quote inside is
    doubled), so an odd count means one is left open: the reader would take everything after it
    as one cell and the ledger would silently lose its rows. Counting is one pass over the
    bytes (`quotes`: counted already, by `encoding.sniff_encoding`); the line is looked up only when the
    count is odd."""
    count = 0
    if quotes is not None:
        count = quotes
    else:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 24), b""):
                count += block.count(b'"')
    if count % 2 == 0:
        return None
    with open(path, encoding=enc, errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter=sep)
        last = start = 1
        for _ in reader:
            last, start = start, reader.line_num + 1
    return last


def _rows_of(rec: np.ndarray, ragged_rows: np.ndarray) -> np.ndarray:
    """Spreadsheet row of each good record (record k of the rows the reader kept)."""
    if ragged_rows.size == 0:
        return rec + 2
    adj = ragged_rows - 2 - np.arange(ragged_rows.size)
    return rec + 2 + np.searchsorted(adj, rec, side="right")


def _ragged_chunk(path: Path, name: str, sep: str, enc: str, headers: list[str], ours: dict[str, str],
                  head: int = 0) -> Chunk:
    """The rows the reader skipped, reported (each with its tenancy when it can be told)."""
    errors = []
    k = headers.index(ours["tenancy"])
    with open(path, encoding=enc, errors="replace", newline="") as fh:
        for n, fields in enumerate(csv.reader(fh, delimiter=sep), 1):
            if n > head + 1 and fields and len(fields) != len(headers):
                tid = fields[k].strip() if k < len(fields) else ""
                errors.append(RowError(name, n, "", "", f"raden har {len(fields)} felt, overskriftsraden har {len(headers)}"
                                       " (et skilletegn inne i en celle uten anførselstegn?); raden er ikke lest",
                                       None if has_national_id(tid) else tid or None))
    import pyarrow as pa

    empty = np.empty(0)
    return Chunk(pa.array([], pa.string()), empty.astype(np.int32), empty.astype(np.int8), empty.astype(np.int64),
                 empty.astype(np.int64), empty.astype(np.uint64), errors, len(errors), 0, len(errors))


def _open_xlsx(path: Path, name: str, colmap: ColumnMap, chunk_rows: int) -> Ledger:
    """A sheet read row by row (openpyxl's streaming mode; no columnar XLSX reader exists), with
    the formulas read alongside so a formula cell without a saved value is reported, not read as
    empty."""
    import openpyxl

    try:
        wb_v = openpyxl.load_workbook(path, read_only=True, data_only=True)
        wb_f = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds; reported with its type
        raise LedgerInputError(f"{name}: kan ikke leses som XLSX ({type(exc).__name__})") from None
    wanted_sheet = colmap.sheets.get("ledger")
    sheets = wb_v.sheetnames
    if wanted_sheet is None:
        sheet = "ledger" if "ledger" in sheets else sheets[0]
    elif wanted_sheet in sheets:
        sheet = wanted_sheet
    else:
        raise LedgerInputError(f"{name}: ingen arkfane {wanted_sheet!r}; arbeidsboken har: {', '.join(sheets)}")
    label = f"{name}[{sheet}]"
    it_v = wb_v[sheet].iter_rows(values_only=True)
    it_f = wb_f[sheet].iter_rows(values_only=True)
    # title rows above the header (a report's name, a date, blank rows) are skipped
    top_v = [r for _, r in zip(range(HEADER_SEARCH), it_v)]
    top_f = [r for _, r in zip(range(HEADER_SEARCH), it_f)]
    head = find_header(top_v, _is_header(colmap))
    first_used = next((i for i, r in enumerate(top_v) if any(c is not None and str(c).strip() for c in r)), None)
    if first_used is None:
        raise LedgerInputError(f"{label}: rad 1: arket er tomt: ventet en overskriftsrad")
    head = head if any(_cell(c) for c in top_v[head]) else first_used
    headers = [_cell(h) for h in top_v[head]]
    ours, unused = _map_columns(label, headers, colmap, head + 1)
    wanted = {o: headers.index(t) for o, t in ours.items()}
    rest_v = itertools.chain(top_v[head + 1:], it_v)
    rest_f = itertools.chain(top_f[head + 1:], it_f)

    def chunks() -> Iterator[Chunk]:
        from ..io.tables import cell_text

        row = head + 1
        buf: dict[str, list[str]] = {o: [] for o in wanted}
        rows: list[int] = []
        formula_errors: list[RowError] = []
        formula_rows: set[int] = set()
        for values, formulas in zip(rest_v, rest_f):
            row += 1
            rows.append(row)
            for o, i in wanted.items():
                v = values[i] if i < len(values) else None
                f = formulas[i] if i < len(formulas) else None
                if v is None and isinstance(f, str) and f.startswith("="):
                    formula_rows.add(row)
                    formula_errors.append(RowError(label, row, headers[i], "", "en formel uten lagret verdi:"
                                                   " åpne filen i Excel eller LibreOffice og lagre den på nytt",
                                                   None))
                    buf[o].append("")
                else:
                    buf[o].append(cell_text(v))
            if len(rows) >= chunk_rows:
                yield _xlsx_chunk(label, ours, buf, rows, formula_errors, formula_rows, colmap)
                buf = {o: [] for o in wanted}
                rows, formula_errors, formula_rows = [], [], set()
        if rows:
            yield _xlsx_chunk(label, ours, buf, rows, formula_errors, formula_rows, colmap)
        wb_v.close()
        wb_f.close()

    return Ledger(label, ours, unused, chunks(), [], "xlsx")


def _cell(c: object) -> str:
    return "" if c is None else str(c).strip()


def _xlsx_chunk(label, ours, buf, rows, formula_errors, formula_rows, colmap) -> Chunk:
    chunk = check_cells(label, ours, buf, np.asarray(rows, dtype=np.int64), set(), formula_rows, colmap)
    chunk.errors = sorted(chunk.errors + formula_errors, key=lambda e: (e.row or 0))
    return chunk


__all__ = ["Chunk", "KIND_CODE", "KIND_WORDS", "Ledger", "LedgerInputError", "REQUIRED", "open_ledger",
           "parse_amounts", "parse_dates", "LEDGER_COLUMNS"]

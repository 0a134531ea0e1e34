"""A block of the results' rows made into what the batch writes of them: the lines of
results.csv and results-excel.csv, results.xlsx's values, and the counts of the summary.

`ResultLines` does it for the rows this process writes; `TailLines` for the second half of a
long sheet, in the process that writes that half of the sheet (`planner.io.xlsx`'s second
writer, which has a core to itself while this one feeds both): it is sent the rows as journaled,
makes their sheet values and their CSV lines there, and hands the lines and counts back to be
written after the first half's. The same bytes as one process writing them all
(`tests/test_xlsx_split.py`)."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import date
from operator import itemgetter
from typing import IO, Any

import orjson

from ..io.excelcsv import cell, excel_writer, kroner
from ..io.tables import csv_safe_cells
from ..vocabulary import actors_nb, problem_nb, status_nb
from .common import DATE_COLUMNS, INT_COLUMNS, ORE_COLUMNS

#: results.csv's columns whose values repeat from row to row (their Excel cells are worked out
#: once per distinct value); the rest (ids, amounts, counts) are nearly all distinct
_FEW_VALUES = frozenset({"start", "end", "problem", "first_shortfall", "min_balance_before_date", "status",
                         "interventions", "actors", "eviction_request", "bostotte_ikke_sokt", "note"})


#: columns whose cell is worked out from the value's text (amounts, the words of `_cell`)
_WORDED = ORE_COLUMNS | {"status", "problem", "actors"}


class ExcelCells:
    """A results row's cells for results-excel.csv (kroner, dd.mm.åååå, the Norwegian words, text
    made safe from formulas: `excelcsv.kroner`, the vocabulary and `excelcsv.cell`), made for
    100 000 rows: an amount in øre by integer arithmetic, the same text `kroner` makes (tested);
    a count as it is; a cell of a column whose values repeat, once per value."""

    def __init__(self, columns: list[str]) -> None:
        self.columns = columns
        self.memo: dict[tuple[str, object], object] = {}
        self.exact = _grouping_is_babel_default()
        # per column: an amount in øre written by integer arithmetic; worked out from its text;
        # few values
        self.kinds = [(c in ORE_COLUMNS and self.exact, c in _WORDED, c in _FEW_VALUES) for c in columns]

    def __call__(self, r: dict) -> list[object]:
        return self.of([r.get(c, "") for c in self.columns])

    def of_columns(self, values: list[list]) -> list[list]:
        """The cells of many rows given as their values a column at a time (`value_columns`):
        the cells `of` makes, made for each column by one comprehension for its kind (tested
        against `of`)."""
        return [self.column(k, col) for k, col in enumerate(values)]

    def column(self, k: int, col: list) -> list:
        """`of`'s cells of column `k`, for the column's values `col`."""
        c = self.columns[k]
        ore, worded, few = self.kinds[k]
        empty = self._memo(c, "")
        if ore:
            return [_kroner_ore(v) if type(v) is int else empty if v == "" else self._cell(c, v) for v in col]
        if few:
            # (each new value once, then the column by look-up)
            memo = self.memo
            for v in {v for v in col if (c, v) not in memo}:
                memo[(c, v)] = self._cell(c, v)
            if worded:
                return [memo[(c, v)] for v in col]
            return [v if type(v) is int else memo[(c, v)] for v in col]
        if worded:
            return [empty if v == "" else self._cell(c, v) for v in col]
        return [v if type(v) is int else empty if v == "" else self._cell(c, v) for v in col]

    def _memo(self, c: str, v: object) -> object:
        got = self.memo.get((c, v), self.memo)
        if got is self.memo:
            got = self.memo[(c, v)] = self._cell(c, v)
        return got

    def of(self, values: list) -> list[object]:
        """The cells of a row given as its values in `columns`' order."""
        out: list[object] = []
        memo = self.memo
        for c, v, (ore, worded, few) in zip(self.columns, values, self.kinds):
            if type(v) is int:
                if ore:
                    out.append(_kroner_ore(v))
                    continue
                if not worded:
                    out.append(v)  # (`cell` keeps a number as it is)
                    continue
            if few or v == "":  # (an empty cell is empty in every column: worked out once)
                key = (c, v)
                got = memo.get(key, memo)
                if got is memo:
                    got = memo[key] = self._cell(c, v)
                out.append(got)
            else:
                out.append(self._cell(c, v))
        return out

    @staticmethod
    def _cell(c: str, v: object) -> object:
        """A cell as `excelcsv.cell` makes it, amounts in kroner and words in Norwegian."""
        if c in ORE_COLUMNS:
            v = kroner(v)
        elif c == "status":
            v = status_nb(str(v))
        elif c == "problem":
            v = problem_nb(str(v)) if v else v
        elif c == "actors":
            v = actors_nb(str(v or ""))
        return cell(v)


def _kroner_ore(v: int) -> str:
    """An amount in øre as `excelcsv.kroner` writes it (when `_grouping_is_babel_default`), by
    integer arithmetic."""
    a = -v if v < 0 else v
    return f"{'-' if v < 0 else ''}{a // 100},{a % 100:02d}"


def value_columns(rows: list[dict], columns: list[str]) -> list[list]:
    """The rows' values in `columns` (an absent key: ""), a column at a time. The rows a batch
    journals hold every column: they are read by one getter, and only a block with a row short
    of one, cell by cell."""
    try:
        return [list(col) for col in zip(*map(itemgetter(*columns), rows))] if len(columns) > 1 else \
            [[r[columns[0]] for r in rows]]
    except KeyError:
        return [[r.get(c, "") for r in rows] for c in columns]


class SheetValues:
    """A block's values as results.xlsx holds them (`_write_xlsx`), a column at a time: ISO
    dates as dates (each distinct text read once), counts as numbers, amounts in kroner (øre /
    100 is exact to the øre in a double); everything else as it is."""

    def __init__(self, columns: list[str]) -> None:
        self.kinds = ["date" if c in DATE_COLUMNS else "ore" if c in ORE_COLUMNS else "int" if c in INT_COLUMNS
                      else "" for c in columns]
        self.days: dict[object, date] = {}

    def of_columns(self, values: list[list]) -> list[list]:
        return [self.column(kind, col) for kind, col in zip(self.kinds, values)]

    def column(self, kind: str, col: list) -> list:
        if kind == "date":
            days = self.days
            for v in {v for v in col if v and v not in days}:
                days[v] = date.fromisoformat(str(v))
            return [days[v] if v else v for v in col]
        if kind == "ore":
            return [int(v) / 100 if v != "" and v is not None else v for v in col]
        if kind == "int":
            return [int(v) if v != "" and v is not None else v for v in col]
        return col


def _grouping_is_babel_default() -> bool:
    """Whether `format_decimal` formats by Decimal's own rules (the integer route's premise)."""
    from .. import formatting

    return getattr(formatting, "_GROUPING", None) == (3, 3)


def loads_row(line: str) -> dict:
    """A journaled row back: orjson reads the lines `journal_line` writes (text, integers, null)
    into the same dict as `json.loads` in a third of the time. Whatever it refuses (a lone
    surrogate, NaN) and any row with a float (orjson reads an integer past 64 bits as a float;
    a journaled row holds none) is read by `json` (tested on generated rows)."""
    try:
        row = orjson.loads(line)
    except orjson.JSONDecodeError:
        return json.loads(line)
    return json.loads(line) if float in set(map(type, row.values())) else row


class ResultLines:
    """The lines of a block of results rows written to results.csv and results-excel.csv
    (`csv_fh`, `excel_fh`: open text files, or buffers), their counts taken, and their values
    for results.xlsx made (`block`)."""

    def __init__(self, columns: list[str], csv_fh: IO[str], excel_fh: IO[str]) -> None:
        self.columns = columns
        self.csv = csv.writer(csv_fh)
        self.excel = excel_writer(excel_fh)
        self.excel_cells = ExcelCells(columns)
        self.sheet_values = SheetValues(columns)
        self.by_status: Counter = Counter()
        self.by_problem: Counter = Counter()
        self.unused = [0, 0]  # households flagged "bostøtte ikke søkt?", the sum of their estimates

    def lines(self, rows: list[dict]) -> list[list]:
        """The rows' lines written, a block at a time, from their cells made a column at a time
        (`ExcelCells.column`); the rows' values a column at a time (`value_columns`)."""
        cols = value_columns(rows, self.columns)
        self.csv.writerows(zip(*map(csv_safe_cells, cols)))
        self.excel.writerows(zip(*self.excel_cells.of_columns(cols)))
        return cols

    def block(self, rows: list[dict]) -> list[tuple]:
        """The rows' lines written and their counts taken; their values in results.xlsx."""
        cols = self.lines(rows)
        by_status, by_problem, unused = self.by_status, self.by_problem, self.unused
        for r in rows:
            status = r["status"]
            by_status[status] += 1
            if status != "error":
                by_problem[r["problem"]] += 1
                if r.get("bostotte_ikke_sokt"):
                    unused[0] += 1
                    unused[1] += int(r.get("bostotte_estimate_ore") or 0)
        return list(zip(*self.sheet_values.of_columns(cols)))

    def add_counts(self, by_status: Counter, by_problem: Counter, unused: list[int]) -> None:
        self.by_status.update(by_status)
        self.by_problem.update(by_problem)
        self.unused[0] += unused[0]
        self.unused[1] += unused[1]


class TailLines:
    """`ResultLines` of the second half of the results, made where it is given the rows as
    journaled (`rows`: their values in results.xlsx), into text held in memory (never a file):
    `result` hands the lines and counts back, and the copy in the process that writes the files
    takes them in (`absorb`); `outcome` is what was made, here or there. A
    `planner.io.xlsx.TailMaker`."""

    def __init__(self, columns: list[str]) -> None:
        self.columns = columns
        self.buffers = (io.StringIO(), io.StringIO())
        self.made = ResultLines(columns, *self.buffers)
        self.absorbed: tuple | None = None

    def __reduce__(self) -> tuple:
        return (TailLines, (self.columns,))  # (it crosses to the writer before it makes anything)

    def rows(self, items: list) -> list[tuple]:
        return self.made.block([loads_row(line) for line in items])

    def result(self) -> tuple[str, str, Counter, Counter, list[int]]:
        """(results.csv's lines, results-excel.csv's lines, by status, by problem, unused bostøtte)."""
        made = self.made
        return (self.buffers[0].getvalue(), self.buffers[1].getvalue(), made.by_status, made.by_problem,
                made.unused)

    def absorb(self, result: Any) -> None:
        self.absorbed = tuple(result)

    def outcome(self) -> tuple[str, str, Counter, Counter, list[int]]:
        """What was made: by the writer (`absorb`), or here when no writer could take it."""
        return self.absorbed if self.absorbed is not None else self.result()

"""The batch's fast routes give what the routes they shortcut give.

* a plain amount or date cell skips the office-form normaliser: the normaliser gives such text
  back unchanged (generated text, plain and office-like);
* a spooled row is unpacked without a Python loop: the same cells, in the same order;
* end to end: a generated folder of tenants and payouts, some cells made bad or written as an
  office writes them, through the fast batch (worker processes started while the input is read,
  the journal lines and rank keys made in the workers, the fast cell routes) and through the
  reference (one process, the office normalisers on every cell, kinds folded every time, every
  household unpacked and built by the plain route): every output is the same bytes, and the
  journal holds the same lines.
"""

from __future__ import annotations

import csv
import random
import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from planner.io.tables import building, reading, spool
from planner.io.tables.office import normalise_amount, normalise_date

ROOT = Path(__file__).resolve().parent.parent

#: characters offices put in amount and date cells, and some they should not
_CELL_CHARS = "0123456789.,-+() :Tkrnok\u2212\u2013\u00a0\u202f\u0660٣１/"
_cells = st.one_of(
    st.text(alphabet=_CELL_CHARS, max_size=16),
    st.from_regex(r"[0-9][0-9.,]{0,10}-?", fullmatch=True),
    st.from_regex(r"[0-9]{1,4}[-./][0-9]{1,2}[-./][0-9]{1,4}( [0-9]{2}:[0-9]{2})?", fullmatch=True),
    st.text(max_size=12),
)


@settings(max_examples=2000, deadline=None)
@given(_cells)
def test_a_plain_cell_is_what_the_office_normaliser_makes_of_it(text):
    assert reading._amount(text) == normalise_amount(text)
    assert reading._date(text) == normalise_date(text)


def test_the_fast_cell_routes_are_taken_for_plain_cells():
    """(Otherwise the test above would compare the normaliser with itself.)"""
    assert reading._PLAIN_AMOUNT.fullmatch("9500.50") and reading._PLAIN_AMOUNT.fullmatch("12")
    assert not reading._PLAIN_AMOUNT.fullmatch("9500,-") and not reading._PLAIN_AMOUNT.fullmatch("kr 12")
    assert reading._PLAIN_DATE.fullmatch("2026-01-31") and not reading._PLAIN_DATE.fullmatch("31.01.2026")


@given(st.lists(st.text(alphabet="ab\u00f8 ", max_size=3), min_size=1, max_size=8), st.data())
def test_a_spooled_row_unpacks_to_its_filled_cells_in_order(names, data):
    cols = {f"c{k}{n}": n for k, n in enumerate(names)}
    cells = data.draw(st.lists(st.text(alphabet="x1 ,", max_size=3), min_size=len(cols), max_size=len(cols) + 2))
    packed = spool._SEP.join(cells)
    reference = {c: v for c, v in zip(cols, packed.split(spool._SEP)) if v}
    got = spool._unpack(cols, packed)
    assert got == reference and list(got) == list(reference)


# --------------------------------------------------------------------------- end to end

#: cells as offices write them, and cells in error (each must give its own message)
_ODD_CELLS = {
    "money": ["kr 1 234,50", "(100,00)", "9.500,00-", "9500,-", "1 234", "12,3,4", "1e5", "abc", "-", "٣٠٠"],
    "date": ["01.02.2026", "1.2.26", "2026-01-01 00:00:00", "2026-13-01", "31.02.2026", "i går", ""],
    "int": ["3", " 2 ", "2,0", "x", "-1", "99999"],
    "kind": ["Bostøtte", "AAP", "Uføretrygd", "barnetrygd", "lønn", "ukjent ytelse"],
}
_TENANT_KINDS = {"opening_balance": "money", "rent": "money", "living_monthly": "money", "arrears": "money",
                 "start": "date", "arrears_since": "date", "children": "int", "rent_day": "int"}
_PAYOUT_KINDS = {"amount": "money", "first": "date", "day": "int", "kind": "kind"}


def _mangle(path: Path, kinds: dict[str, str], rng: random.Random, share: float) -> None:
    """Rewrite a generated table with a share of its rows given one odd cell each."""
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    for row in rows[1:]:
        if rng.random() < share:
            col = rng.choice(sorted(kinds))
            row[header.index(col)] = rng.choice(_ODD_CELLS[kinds[col]])
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


def _tables(folder: Path, n: int, seed: int) -> tuple[Path, Path]:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from batch import write_tables
    finally:
        sys.path.remove(str(ROOT / "bench"))
    t, p = write_tables(folder, n, seed=seed)
    rng = random.Random(seed)
    _mangle(t, _TENANT_KINDS, rng, 0.15)
    _mangle(p, _PAYOUT_KINDS, rng, 0.05)
    return t, p


OUTPUTS = ("results.csv", "results-excel.csv", "results.xlsx", "errors.csv", "errors-excel.csv", "summary.txt")


@pytest.mark.parametrize("seed", [7, 2026])
def test_the_fast_batch_writes_the_reference_bytes(tmp_path, monkeypatch, seed):
    from planner.batch import BatchOptions, run_batch

    t, p = _tables(tmp_path / "in", 300, seed)

    def run(out: Path, engine: str) -> None:
        run_batch([str(t), str(p)], BatchOptions(out=out, engine=engine, workers=2, check_only=True, progress=False,
                                                 as_of=date(2026, 1, 1), chunk_size=40), echo=lambda s: None,
                  warn=lambda s: None)

    run(tmp_path / "fast", "local")
    with monkeypatch.context() as m:  # the reference: every cell through the office normalisers
        m.setattr(reading, "_amount", normalise_amount)
        m.setattr(reading, "_date", normalise_date)
        m.setattr(building, "_kind", building._kind.__wrapped__)
        m.setattr(building, "_built_packed", lambda raw, months: None)  # every household unpacked
        run(tmp_path / "reference", "inline")
    fast, ref = tmp_path / "fast", tmp_path / "reference"
    errors = (ref / "errors.csv").read_text(encoding="utf-8").splitlines()
    assert len(errors) > 20, "the generated tables must hold bad cells"  # (so the messages are compared)
    for name in OUTPUTS:
        assert (fast / name).read_bytes() == (ref / name).read_bytes(), name
    # the journal: the same lines (in the order the chunks finished)
    lines = [sorted((d / "journal.jsonl").read_text(encoding="utf-8").splitlines()) for d in (fast, ref)]
    assert lines[0] == lines[1] and len(lines[0]) > 200


# --------------------------------------------------------------------------- results-excel.csv


def _excel_row_reference(r: dict, columns: list[str]) -> list[object]:
    """results-excel.csv's cells as the batch made them before `ExcelCells`, one call per cell."""
    from planner.batch.common import ORE_COLUMNS
    from planner.io.excelcsv import cell, kroner
    from planner.vocabulary import actors_nb, problem_nb, status_nb

    out: list[object] = []
    for c in columns:
        v = r.get(c, "")
        if c in ORE_COLUMNS:
            v = kroner(v)
        elif c == "status":
            v = status_nb(str(v))
        elif c == "problem":
            v = problem_nb(str(v)) if v else v
        elif c == "actors":
            v = actors_nb(str(v or ""))
        out.append(cell(v))
    return out


_values = st.one_of(
    st.just(""), st.none(), st.integers(min_value=-10**13, max_value=10**13), st.integers(min_value=-300, max_value=300),
    st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)).map(date.isoformat),
    st.sampled_from(["none", "timing", "income", "solvent", "not planned", "error", "timeout", "landlord; tenant",
                     "nav", "=1+1", "-5", "+47 123", "@x", "ja", "bare sjekket (--check-only)"]),
    st.text(max_size=8),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.fixed_dictionaries({}, optional={c: _values for c in __import__(
    "planner.batch.common", fromlist=["RESULT_COLUMNS"]).RESULT_COLUMNS}), min_size=1, max_size=6))
def test_the_excel_cells_are_the_reference_cells(rows):
    from planner.batch.common import RESULT_COLUMNS
    from planner.batch.result_lines import ExcelCells

    cells = ExcelCells(list(RESULT_COLUMNS))
    assert cells.exact  # (else the integer route is never taken)
    for r in rows + rows:  # twice: the second time from the memo
        assert cells(r) == _excel_row_reference(r, list(RESULT_COLUMNS))


def _typed_values(c: str):
    """A results column's values as a batch row may hold them, now and then any value."""
    from planner.batch.common import DATE_COLUMNS, INT_COLUMNS

    if c in DATE_COLUMNS:
        kind = st.just("") | st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)).map(date.isoformat)
    elif c in INT_COLUMNS:
        kind = st.just("") | st.none() | st.integers(-10**12, 10**12) | st.integers(-999, 999).map(str)
    else:
        kind = _values
    odd = st.one_of(_values, st.booleans(), st.floats(allow_nan=False))
    return st.integers(0, 39).flatmap(lambda n: odd if n == 0 else kind)  # (an odd value one time in 40)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.fixed_dictionaries({}, optional={c: _typed_values(c) for c in __import__(
    "planner.batch.common", fromlist=["RESULT_COLUMNS"]).RESULT_COLUMNS}), min_size=1, max_size=6), st.booleans())
def test_a_block_of_rows_gives_the_cells_and_sheet_values_of_each_row(rows, every_key):
    """`finish` makes a block's cells a column at a time: the same cells as row by row (results-
    excel.csv: `ExcelCells.of`, itself the reference above) and the same sheet values as the
    sheet's conversion row by row (written out here as it was)."""
    from planner.batch.common import DATE_COLUMNS, INT_COLUMNS, ORE_COLUMNS, RESULT_COLUMNS
    from planner.batch.result_lines import ExcelCells, SheetValues, value_columns

    columns = list(RESULT_COLUMNS)
    if every_key:  # (rows as the batch journals them: every key; else some rows lack some)
        rows = [{c: r.get(c, "") for c in columns} for r in rows]
    by_row = ExcelCells(columns)
    by_column = ExcelCells(columns)
    sheet = SheetValues(columns)
    for block in (rows, rows[::-1]):  # (the second block meets the memo's values)
        cols = value_columns(block, columns)
        assert [list(r) for r in zip(*cols)] == [[r.get(c, "") for c in columns] for r in block]
        made = [list(r) for r in zip(*by_column.of_columns(cols))]
        want = [by_row.of([r.get(c, "") for c in columns]) for r in block]
        assert [[(type(v), v) for v in r] for r in made] == [[(type(v), v) for v in r] for r in want]
        try:
            expected = []
            for r in block:
                v = [r.get(c, "") for c in columns]
                for k, c in enumerate(columns):
                    if c in DATE_COLUMNS and v[k]:
                        v[k] = date.fromisoformat(str(v[k]))
                    elif c in INT_COLUMNS and v[k] != "" and v[k] is not None:
                        v[k] = int(v[k]) / 100 if c in ORE_COLUMNS else int(v[k])
                expected.append(v)
        except (ValueError, TypeError, OverflowError):  # (a value the sheet cannot take: refused alike)
            with pytest.raises((ValueError, TypeError, OverflowError)):
                sheet.of_columns(cols)
            event("a value the sheet refuses")
            continue
        event("the sheet's values compared")
        got = [list(r) for r in zip(*sheet.of_columns(cols))]
        assert [[(type(v), v) for v in r] for r in got] == [[(type(v), v) for v in r] for r in expected]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(_values, st.text(alphabet="=+-@\t\r0123456789.,ab ", max_size=6))))
def test_csv_safe_cells_is_csv_safe_of_each_cell(cells):
    from planner.io.tables import csv_safe, csv_safe_cells

    assert csv_safe_cells(cells) == [csv_safe(v) for v in cells]


# --------------------------------------------------------------------------- the journal


@settings(max_examples=1000, deadline=None)
@given(st.dictionaries(st.text(max_size=6), st.one_of(
    st.text(), st.text(st.characters(blacklist_categories=[])),  # (the second with lone surrogates too)
    st.integers(), st.integers(min_value=-2**70, max_value=2**70), st.none(), st.booleans(),
    st.floats(allow_nan=False)), max_size=8))
def test_a_journal_line_is_what_json_writes(row):
    """... and is read back (results.csv, results.xlsx) into the row `json` reads."""
    import json

    from planner.batch.journal import journal_line
    from planner.batch.result_lines import loads_row as _loads

    line = journal_line(row)
    assert line == json.dumps(row, ensure_ascii=False, separators=(",", ":"))
    back = _loads(line)
    assert back == json.loads(line) == row and [type(v) for v in back.values()] == [type(v) for v in row.values()]


# --------------------------------------------------------------------------- results.xlsx


@given(st.dates(min_value=date(1901, 1, 1)))
def test_a_date_cell_holds_the_serial_xlsxwriter_stores_for_the_date(day):
    from datetime import datetime

    from xlsxwriter.utility import _datetime_to_excel_datetime  # (what `write_datetime` stores)

    from planner.io.xlsx import _serial

    assert _serial(day) == _datetime_to_excel_datetime(datetime(day.year, day.month, day.day), False, False)


def test_a_sheet_of_dates_is_the_bytes_write_datetime_makes(tmp_path, monkeypatch):
    from datetime import datetime

    from planner.io import xlsx

    rng = random.Random(5)
    rows = [[date(2026, 1, 1).fromordinal(rng.randint(693000, 740000)), datetime(2026, 5, 17, 13, 5),
             date(1900, rng.randint(1, 12), 28), rng.randint(0, 9), ""] for _ in range(300)]
    xlsx.write_xlsx(tmp_path / "fast.xlsx", ["a", "b", "c", "d", "e"], rows)
    monkeypatch.setattr(xlsx, "_serial", lambda day: None)  # every date by `write_datetime`
    xlsx.write_xlsx(tmp_path / "reference.xlsx", ["a", "b", "c", "d", "e"], rows)
    assert (tmp_path / "fast.xlsx").read_bytes() == (tmp_path / "reference.xlsx").read_bytes()

"""`planner.io.xlsx_sheet.FastSheet.write_values` (a row of plain cells written as one string)
against XlsxWriter's own path for each cell: the same bytes on any rows, the rows it must leave
to XlsxWriter left to it, and the path it is there for actually taken."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import examples

from planner.io.xlsx import CREATED, _serial
from planner.io.xlsx_sheet import fast_sheet_class

#: text as a sheet may hold it: markup and quotes to escape, control characters and `_xHHHH_`
#: text to encode, whitespace at an end to preserve (also non-breaking), newlines, æøå
TEXT = st.one_of(
    st.text(alphabet=st.sampled_from("ab æøå<&>\"'=-+ 0\t\n\r\x01\x1f\xa0\u2003_x\ufffe"), max_size=10),
    st.sampled_from(["_x0041_", "a_x00e6_b", "<r>rich</r>", " lead", "trail ", "plain text", "x" * 17_000]),
)
VALUE = st.one_of(
    TEXT,
    st.integers(-10**20, 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(date(1899, 12, 1), date(2099, 12, 31)),
    st.none(),
)
ROWS = st.lists(st.lists(VALUE, min_size=0, max_size=9), min_size=0, max_size=25)


def _sheet(path: Path, rows: list[list], fast: bool, *, column_format: bool = False,
           row_format_at: int | None = None, order: list[int] | None = None) -> tuple[bytes, int]:
    """A constant-memory workbook of `rows` (written in `order`), by `write_values` where it
    takes the row (`fast`) or XlsxWriter's own writer for each cell; its bytes and how many
    rows `write_values` took."""
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "tmpdir": str(path.parent)})
    wb.set_properties({"created": CREATED})  # (else the time it is written)
    ws = wb.add_worksheet("s", worksheet_class=fast_sheet_class() if fast else None)
    money, day = wb.add_format({"num_format": "#,##0.00"}), wb.add_format({"num_format": "dd.mm.yyyy"})
    bold = wb.add_format({"bold": True})
    ws.write_row(0, 0, ["a", "b", "c"], bold)
    if column_format:
        ws.set_column(2, 2, 12, wb.add_format({"italic": True}))
    if row_format_at is not None:
        ws.set_row(row_format_at, 20, wb.add_format({"font_color": "red"}))
    number_formats = [money if k % 3 == 1 else None for k in range(64)]
    taken = 0
    for i in order if order is not None else range(len(rows)):
        n, values = i + 1, rows[i]
        if fast and ws.write_values(n, values, number_formats, day, _serial):
            taken += 1
            continue
        for k, v in enumerate(values):
            if v is None or v == "":
                continue
            if isinstance(v, str):
                ws.write_string(n, k, v)
            elif isinstance(v, date):
                serial = _serial(v)
                if serial is None:
                    ws.write_datetime(n, k, v, day)
                else:
                    ws.write_number(n, k, serial, day)
            else:
                ws.write_number(n, k, v, number_formats[k])
    wb.close()
    return path.read_bytes(), taken


@settings(max_examples=examples(40), deadline=None)
@given(rows=ROWS, column_format=st.booleans(), row_format_at=st.none() | st.integers(0, 26),
       shuffle=st.randoms(use_true_random=False) | st.none())
def test_write_values_makes_the_bytes_of_xlsxwriters_own_path(tmp_path_factory, rows, column_format,
                                                              row_format_at, shuffle):
    """Any rows, any text, a column's or a row's format, rows out of order: the same bytes."""
    order = list(range(len(rows)))
    if shuffle is not None:
        shuffle.shuffle(order)
    folder = tmp_path_factory.mktemp("x")
    kw = {"column_format": column_format, "row_format_at": row_format_at, "order": order}
    fast, _ = _sheet(folder / "fast.xlsx", rows, True, **kw)
    own, _ = _sheet(folder / "own.xlsx", rows, False, **kw)
    assert fast == own


def test_plain_rows_are_written_at_once_and_the_others_by_xlsxwriter(tmp_path):
    """The rows it is there for are taken; each kind it must leave is left (and still right)."""
    plain = [["hh-1", 5, 12.5, date(2026, 1, 31), None, "", -(10**17), "æøå ja"]]
    left = [["a<b"], ['"q"'], ["x\x01"], [" lead"], ["trail\xa0"], ["_x0041_"], ["<r>x</r>"],
            [date(1900, 1, 5)], [None, ""], ["x" * 20_000]]
    rows = plain * 3 + left
    fast, taken = _sheet(tmp_path / "fast.xlsx", rows, True)
    own, _ = _sheet(tmp_path / "own.xlsx", rows, False)
    assert taken == 3 and fast == own


@pytest.mark.parametrize("value", [math.nan, math.inf, True, b"x", 1 + 2j])
def test_a_value_it_does_not_know_is_left_to_xlsxwriter(tmp_path, value):
    wb = xlsxwriter.Workbook(str(tmp_path / "x.xlsx"), {"constant_memory": True, "tmpdir": str(tmp_path)})
    ws = wb.add_worksheet("s", worksheet_class=fast_sheet_class())
    assert not ws.write_values(1, ["a", value], [None, None], None, _serial)
    assert ws.write_values(2, ["a", 1], [None, None], None, _serial)
    assert not ws.write_values(1, ["a", 1], [None, None], None, _serial)  # (a row before the last one)
    wb.close()


@pytest.mark.parametrize("kw", [{"row_format_at": 2}, {"column_format": True}, {"order": [0, 2, 1, 3]}])
def test_a_row_or_column_format_or_a_row_out_of_order_is_left_to_xlsxwriter(tmp_path, kw):
    rows = [["a", 1, None, date(2026, 3, 1)], ["b", 2, None, None], ["c", 3, None, None], ["d", 4, 5, None]]
    fast, taken = _sheet(tmp_path / "fast.xlsx", rows, True, **kw)
    own, _ = _sheet(tmp_path / "own.xlsx", rows, False, **kw)
    assert fast == own and taken == 3


def test_the_column_letters_are_xlsxwriters():
    from xlsxwriter.utility import xl_col_to_name

    from planner.io.xlsx_sheet import COLUMNS

    assert COLUMNS == [xl_col_to_name(k) for k in range(64)]

"""results.xlsx written by two processes side by side (`planner.io.xlsx`, `tail=`): the same bytes
as one writer, whatever the rows and wherever the sheet is cut; failures raised here and nothing
left behind; the batch's outputs the same with and without the split."""

from __future__ import annotations

import os
import signal
from datetime import date
from pathlib import Path

import pytest
from conftest import SCENARIOS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import examples

from planner.io.xlsx import write_xlsx, write_xlsx_aside

HEADER = ["id", "start", "n", "amount_kr", "note", "flag", "blank"]

#: a cell as the batch's sheet holds them: text (formula-like, markup, spaces, æøå), counts,
#: kroner, dates, yes/no, empty
CELL = st.one_of(
    st.text(alphabet=st.sampled_from("ab æøå<&>\"'=-+ 0\t"), max_size=8),
    st.integers(-10**9, 10**9),
    st.integers(-10**8, 10**8).map(lambda ore: ore / 100),
    st.dates(date(1901, 1, 1), date(2099, 12, 31)),
    st.booleans(),
    st.none(),
)


def _rows(n: int, seed: int = 0) -> list[list]:
    return [[f"hh-{i}", date(2026, 1, 1 + (i + seed) % 28), i, (i * 37 % 2001 - 1000) / 100,
             "" if i % 3 else "x<&>\"", i % 2 == 0, None] for i in range(n)]


def _split(path: Path, rows: list[list], k: int, **kw) -> int:
    return write_xlsx_aside(path, HEADER, iter(rows[:k]), money_columns=[3], tail=(k, iter(rows[k:])), **kw)


@settings(max_examples=examples(12), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(CELL, min_size=0, max_size=len(HEADER) + 2), min_size=0, max_size=40), data=st.data())
def test_two_writers_make_the_bytes_of_one(tmp_path_factory, rows, data):
    """Any rows, cut anywhere (before the first row, after the last, in a batch or between
    batches): the sheet's bytes are those of one writer, and nothing else is left."""
    k = data.draw(st.integers(0, len(rows)), label="k")
    batch = data.draw(st.sampled_from([1, 3, 1000]), label="batch")
    folder = tmp_path_factory.mktemp("x")
    one = write_xlsx(folder / "one.xlsx", HEADER, iter(rows), money_columns=[3])
    assert _split(folder / "two.xlsx", rows, k, batch=batch) == one == len(rows)
    assert (folder / "one.xlsx").read_bytes() == (folder / "two.xlsx").read_bytes()
    assert os.stat(folder / "two.xlsx").st_mode & 0o777 == 0o600
    assert sorted(p.name for p in folder.iterdir()) == ["one.xlsx", "two.xlsx"]


@settings(max_examples=examples(12), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(CELL, min_size=0, max_size=len(HEADER) + 2), min_size=0, max_size=40))
def test_the_cheaper_worksheet_writes_the_bytes_of_xlsxwriters_own(tmp_path_factory, rows):
    """`planner.io.xlsx_sheet.FastSheet` (a cell's format number not searched for escapes, the
    spill file written only) against XlsxWriter's own worksheet: the same bytes, on any rows."""
    from unittest import mock

    from planner.io import xlsx_sheet

    assert xlsx_sheet.fast_sheet_class() is not None  # (else the cheaper one is never used)
    folder = tmp_path_factory.mktemp("x")
    write_xlsx(folder / "fast.xlsx", HEADER, iter(rows), money_columns=[3])
    with mock.patch.object(xlsx_sheet, "fast_sheet_class", lambda: None):
        write_xlsx(folder / "own.xlsx", HEADER, iter(rows), money_columns=[3])
    assert (folder / "fast.xlsx").read_bytes() == (folder / "own.xlsx").read_bytes()


def test_two_writers_on_a_long_sheet(tmp_path):
    """25 000 rows cut in the middle of a batch: the same bytes as one writer."""
    rows = _rows(25_000)
    write_xlsx(tmp_path / "one.xlsx", HEADER, iter(rows), money_columns=[3])
    assert _split(tmp_path / "two.xlsx", rows, 12_345) == 25_000
    assert (tmp_path / "one.xlsx").read_bytes() == (tmp_path / "two.xlsx").read_bytes()


def test_without_xlsxwriters_insides_one_writer_makes_the_sheet(tmp_path, monkeypatch):
    """An XlsxWriter without the names the merge uses: one child writes the whole sheet."""
    import multiprocessing

    from planner.io import xlsx

    rows = _rows(300)
    write_xlsx(tmp_path / "one.xlsx", HEADER, iter(rows), money_columns=[3])
    monkeypatch.setattr(xlsx, "mergeable", lambda: False)
    started = []
    real_start = multiprocessing.process.BaseProcess.start

    def start(self):
        started.append(self)
        real_start(self)

    monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", start)
    assert _split(tmp_path / "two.xlsx", rows, 100) == 300
    assert len(started) == 1
    assert (tmp_path / "one.xlsx").read_bytes() == (tmp_path / "two.xlsx").read_bytes()


@pytest.mark.parametrize("part", ["head", "tail"])
def test_an_error_while_making_either_part_stops_both_writers(tmp_path, part):
    """An error in the rows of either part is raised as it is; both children stop and no copy of
    the rows is left."""
    import multiprocessing

    def broken(start: int):
        for i in range(start, start + 2_500):
            yield [f"personal-{i}", date(2026, 1, 1), i, 1.0, "", True, None]
        raise ValueError(f"bad row in the {part}")

    rows = _rows(2_500)
    head = broken(0) if part == "head" else iter(rows)
    tail = broken(2_500) if part == "tail" else iter(_rows(2_500, 1))
    with pytest.raises(ValueError, match=f"bad row in the {part}"):
        write_xlsx_aside(tmp_path / "r.xlsx", HEADER, head, tail=(2_500, tail), batch=100)
    assert list(tmp_path.iterdir()) == []
    assert not [p for p in multiprocessing.active_children() if p.name == "planner-xlsx"]


@pytest.mark.parametrize("victim", [0, 1])
def test_a_killed_writer_is_an_error_and_leaves_nothing(tmp_path, victim):
    """Either child killed mid-sheet: an OSError here, and neither part's temporary files (the
    rows in plain text) are left."""
    import multiprocessing

    def rows(start: int, kill: bool):
        for i in range(start, start + 20_000):
            if kill and i == start + 5_000:
                writers = sorted((p for p in multiprocessing.active_children() if p.name == "planner-xlsx"),
                                 key=lambda p: p.pid)
                os.kill(writers[victim].pid, signal.SIGKILL)
                writers[victim].join()
            yield [f"personal-{i}", None, i, None, "", None, None]

    with pytest.raises(OSError, match="ended unexpectedly"):
        write_xlsx_aside(tmp_path / "r.xlsx", HEADER, rows(0, victim == 0), tail=(20_000, rows(20_000, victim == 1)),
                         batch=100)
    assert list(tmp_path.iterdir()) == []


def test_a_first_part_short_of_its_rows_is_refused(tmp_path):
    """The caller said the first part holds k rows and it held fewer: the tail's rows would be
    written after a gap, so the sheet is refused and nothing is left."""
    rows = _rows(10)
    with pytest.raises(ValueError, match="first part held 3 rows, not 5"):
        write_xlsx_aside(tmp_path / "r.xlsx", HEADER, iter(rows[:3]), tail=(5, iter(rows[3:])))
    assert list(tmp_path.iterdir()) == []


MESSY_TENANTS = """id,start,months,opening_balance,children,rent,rent_day,living_monthly,arrears,arrears_since
ok-1,2026-01-01,12,5000,1,8000,1,6000,,
bad-date,2026-13-01,12,5000,0,8000,1,6000,,
dup,2026-01-01,12,5000,0,8000,1,6000,,
=cmd|' /C calc'!A0,2026-01-01,12,5000,0,8000,1,6000,,
dup,2026-01-01,12,5000,0,8000,1,6000,,
ok-2,01.01.2026,12,"5 000,50",2,9000,1,6000,1500,2025-12-01
ok-3,2026-01-01,12,0,3,12000,1,4000,9000,2025-11-01
"""
MESSY_PAYOUTS = """household,kind,amount,day,every_days,first,flow
ok-1,uforetrygd,19000,,,,
ok-1,strom,800,15,,,out
bad-date,sosialhjelp,12000,1,,,
nobody,bostotte,2000,,,,
ok-2,aap,6000,,14,2026-01-09,
ok-2,barnetrygd,3532,,,,
ok-3,aap,7000,,14,2026-01-02,
dup,uforetrygd,19000,,,,
"""


@pytest.mark.parametrize("tables", ["bundled", "messy"])
def test_a_batch_writes_the_same_outputs_with_its_sheet_in_two_parts(tmp_path, monkeypatch, tables):
    """A batch, its sheet in one part and (with the threshold lowered) in two: every output the
    same bytes, households in errors (sorted last, so in the second part) and text that looks
    like a formula included; results.csv keeps its order though its second half is written last."""
    from test_batch import run_inline

    from planner.batch import output

    if tables == "bundled":
        inputs = [SCENARIOS / "batch" / "tenants.csv", SCENARIOS / "batch" / "payouts.csv"]
    else:
        inputs = [tmp_path / "tenants.csv", tmp_path / "payouts.csv"]
        inputs[0].write_text(MESSY_TENANTS, encoding="utf-8")
        inputs[1].write_text(MESSY_PAYOUTS, encoding="utf-8")
    run_inline(inputs, tmp_path / "one", as_of=date(2026, 1, 1))
    monkeypatch.setattr(output, "SPLIT_ROWS", 2)
    run_inline(inputs, tmp_path / "two", as_of=date(2026, 1, 1))
    names = ["results.csv", "results-excel.csv", "results.xlsx", "errors.csv", "errors-excel.csv", "summary.txt"]
    for name in names:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name
    lines = (tmp_path / "one" / "results.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) > 3
    if tables == "messy":
        assert ",error," in lines[-1] and len((tmp_path / "one" / "errors.csv").read_text().splitlines()) > 3


def test_a_failure_writing_the_second_parts_lines_fails_the_batch_and_leaves_no_results(tmp_path, monkeypatch):
    """The second part's CSV lines are made by its writer and written here after the first
    part's: a failure then (a full disk, say) is the run's error, and no results file is left."""
    from test_batch import run_inline

    from planner.batch import output

    monkeypatch.setattr(output, "SPLIT_ROWS", 2)

    def full(self):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output.TailLines, "outcome", full)
    inputs = [SCENARIOS / "batch" / "tenants.csv", SCENARIOS / "batch" / "payouts.csv"]
    with pytest.raises(OSError, match="No space left"):
        run_inline(inputs, tmp_path / "out", as_of=date(2026, 1, 1))
    left = sorted(p.name for p in (tmp_path / "out").iterdir() if not p.name.startswith("."))
    assert not [n for n in left if n.startswith("results")], left


class Tenfold:
    """A `TailMaker` for the tests: an item `i` makes the row `_rows`' row i with its count ten
    times over; its result is the items' sum; it fails at the item `fail_at`."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.fail_at, self.total, self.absorbed = fail_at, 0, None

    def rows(self, items: list) -> list[list]:
        if self.fail_at is not None and self.fail_at in items:
            raise ValueError(f"item {self.fail_at} cannot be made")
        self.total += sum(items)
        return [_ten(i) for i in items]

    def result(self) -> int:
        return self.total

    def absorb(self, result) -> None:
        self.absorbed = result


def _ten(i: int) -> list:
    row = _rows(i + 1)[i]
    row[2] *= 10
    return row


@pytest.mark.parametrize("route", ["two writers", "one writer", "in this process"])
def test_the_tails_maker_makes_its_rows_and_its_result_comes_back(tmp_path, monkeypatch, route):
    """The second part's items made into rows by a `TailMaker` where the writer is (or here when
    none can run): the sheet is the bytes of the made rows written by one writer, and what the
    maker made besides reaches the caller."""
    from planner.io import xlsx

    rows = _rows(3_000)
    made = rows[:1_200] + [_ten(i) for i in range(1_200, 3_000)]
    write_xlsx(tmp_path / "one.xlsx", HEADER, iter(made), money_columns=[3])
    if route == "one writer":
        monkeypatch.setattr(xlsx, "mergeable", lambda: False)
    elif route == "in this process":
        monkeypatch.setattr(xlsx, "_main_importable", lambda: False)
    maker = Tenfold()
    n = write_xlsx_aside(tmp_path / "two.xlsx", HEADER, iter(rows[:1_200]), money_columns=[3], batch=100,
                         tail=(1_200, iter(range(1_200, 3_000))), tail_maker=maker)
    assert n == 3_000
    assert (tmp_path / "one.xlsx").read_bytes() == (tmp_path / "two.xlsx").read_bytes()
    assert (maker.absorbed if route == "two writers" else maker.total) == sum(range(1_200, 3_000))


def test_a_failure_of_the_tails_maker_in_its_writer_is_raised_and_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError, match="item 2500 cannot be made"):
        write_xlsx_aside(tmp_path / "r.xlsx", HEADER, iter(_rows(1_200)), batch=100,
                         tail=(1_200, iter(range(1_200, 3_000))), tail_maker=Tenfold(fail_at=2_500))
    assert list(tmp_path.iterdir()) == []


def test_a_sheet_that_cannot_take_its_place_is_that_error(tmp_path):
    """The sheet's place is taken by a folder: the head's error is raised with its type, and
    neither part leaves a temporary copy."""
    (tmp_path / "r.xlsx").mkdir()
    rows = _rows(3_000)
    with pytest.raises(IsADirectoryError):
        _split(tmp_path / "r.xlsx", rows, 1_500)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.xlsx"]

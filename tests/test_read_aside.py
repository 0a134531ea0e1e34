"""The payouts tables read by a forked process while the batch reads the tenants
(`planner.io.tables.aside`): the spool is the one a single process makes, row for row, source
for source, error for error, on clean and messy tables; a failing or killed reader falls back
to reading here; and the cases it does not apply to are read here."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import SCENARIOS

from planner.io.tables import ColumnMap, Spool, discover
from planner.io.tables import aside as aside_module
from planner.io.tables.aside import AsideReader

_ONE_THREAD = aside_module._one_thread  # (the real test, which the fixture below replaces)

TENANTS = """id,start,months,opening_balance,min_balance,rent,rent_day,living_monthly,arrears,label
a,2026-01-01,12,5000,0,8000,1,6000,,A
b,2026-01-01,12,5000,0,8000,1,6000,,
c,2026-13-01,12,5000,0,8000,1,6000,,
b,2026-01-01,12,5000,0,8000,1,6000,,
"""
#: payouts with an unused column, a ragged row, a bad cell, an unknown household, an empty id
PAYOUTS = """household,kind,amount,day,every_days,first,flow,merknad
a,uforetrygd,19000,,,,,x
a,strom,800,15,,,out,
b,aap,6000,,14,2026-01-09,,,,
c,sosialhjelp,tolv,1,,,,
nobody,bostotte,2000,,,,,
,bostotte,2000,,,,,
"""
MORE_PAYOUTS = """household;kind;amount
b;barnetrygd;1766
a;bostotte;"1 200,50"
"""


def _spool(inputs: list[Path], aside: bool) -> tuple:
    """Everything a loaded spool holds, read with or without the payouts aside."""
    colmap = ColumnMap.load(None)
    found = discover([str(p) for p in inputs], colmap)
    spool = Spool(None)
    reader = AsideReader.start(found, colmap, chunk_rows=2) if aside else None
    try:
        spool.load(found, colmap, chunk_rows=2, aside=reader)
    finally:
        if reader is not None:
            reader.close()
    tables = {t: spool.db.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in ("tenants", "payouts", "sources")}
    return (tables, [e.to_csv() for e in spool.errors], sorted(spool.failed_roles), spool.unused_columns,
            spool.has_label, reader is not None)


def _tables(tmp_path: Path, *texts: str) -> list[Path]:
    paths = []
    for k, text in enumerate(texts):
        paths.append(tmp_path / ("tenants.csv" if k == 0 else f"payouts{k}.csv"))
        paths[-1].write_text(text, encoding="utf-8")
    return paths


@pytest.fixture(autouse=True)
def _any_size(monkeypatch):
    """Tables of any size read aside, and from this test process, whose other threads (the
    test runner's) take no part in reading."""
    monkeypatch.setattr(aside_module, "ASIDE_BYTES", 0)
    monkeypatch.setattr(aside_module, "_one_thread", lambda: True)


def test_a_process_running_another_thread_reads_here(tmp_path, monkeypatch):
    """Another thread running (a fork would copy a lock it holds, held for ever): read here."""
    import threading

    monkeypatch.setattr(aside_module, "_one_thread", _ONE_THREAD)
    inputs = _tables(tmp_path, TENANTS, PAYOUTS)
    colmap = ColumnMap.load(None)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert AsideReader.start(discover([str(p) for p in inputs], colmap), colmap) is None
    finally:
        stop.set()
        other.join()


@pytest.mark.parametrize("case", ["bundled", "messy", "two payouts tables", "no payout rows", "no header",
                                  "a required column missing"])
def test_the_spool_is_the_one_a_single_process_makes(tmp_path, case):
    if case == "bundled":
        inputs = [SCENARIOS / "batch" / "tenants.csv", SCENARIOS / "batch" / "payouts.csv"]
    elif case == "messy":
        inputs = _tables(tmp_path, TENANTS, PAYOUTS)
    elif case == "two payouts tables":
        inputs = _tables(tmp_path, TENANTS, PAYOUTS, MORE_PAYOUTS)
    elif case == "no payout rows":
        inputs = _tables(tmp_path, TENANTS, "household,kind,amount\n")
    elif case == "no header":
        inputs = _tables(tmp_path, TENANTS, "\n\n", MORE_PAYOUTS)
    else:
        inputs = _tables(tmp_path, TENANTS, "household,kind,day\na,aap,3\n")
    here, aside = _spool(inputs, False), _spool(inputs, True)
    assert aside[-1] and not here[-1]  # (read aside indeed)
    assert aside[:-1] == here[:-1]
    assert here[0]["payouts"] or case in ("no payout rows", "no header", "a required column missing")


def test_payouts_before_tenants_are_read_here(tmp_path):
    """Sources are numbered in the order given: with a payouts table first, reading it aside
    would number them otherwise, so it is read here."""
    tenants, payouts = _tables(tmp_path, TENANTS, PAYOUTS)
    colmap = ColumnMap.load(None)
    assert AsideReader.start(discover([str(payouts), str(tenants)], colmap), colmap) is None


def test_small_tables_are_read_here(tmp_path, monkeypatch):
    monkeypatch.setattr(aside_module, "ASIDE_BYTES", 4 << 20)
    inputs = _tables(tmp_path, TENANTS, PAYOUTS)
    colmap = ColumnMap.load(None)
    assert AsideReader.start(discover([str(p) for p in inputs], colmap), colmap) is None


@pytest.mark.parametrize("how", ["raises", "killed"])
def test_a_reader_that_fails_midway_is_replaced_by_reading_here(tmp_path, monkeypatch, how):
    """The reader sends a source and some rows, then fails (an error, or its process killed):
    what it sent is dropped and the tables are read here, to the same spool."""
    inputs = _tables(tmp_path, TENANTS, PAYOUTS, MORE_PAYOUTS)
    here = _spool(inputs, False)
    read = aside_module._read

    def failing(conn, sources, colmap, chunk_rows):
        sent = conn.send

        def send(msg):
            if msg[0] == "done":
                if how == "killed":
                    os._exit(9)
                raise RuntimeError("a bug")
            sent(msg)
        conn.send = send
        read(conn, sources, colmap, chunk_rows)

    monkeypatch.setattr(aside_module, "_read", failing)
    got = _spool(inputs, True)
    assert got[-1] and got[:-1] == here[:-1]


@pytest.mark.parametrize("extra", [False, True])
def test_rows_of_blank_cells_are_left_out_as_before(tmp_path, extra):
    """A row whose cells are all empty or white space is not a row (a CSV's blank-looking line),
    whether every column is one the batch reads (blank told from the cells read) or one is not
    (told from every cell): the other rows keep their numbers."""
    header = "id,start,months,opening_balance,min_balance,rent,rent_day,living_monthly" + (",merknad" if extra else "")
    filler = ",x" if extra else ""
    blank = ", ,\t,,  ,,," + ("," if extra else "")
    text = "\n".join([header, "a,2026-01-01,12,5000,0,8000,1,6000" + filler, blank,
                      "b,2026-01-01,12,5000,0,8000,1,6000" + filler, ",,,,,,," + ("," if extra else "")]) + "\n"
    (tmp_path / "tenants.csv").write_text(text, encoding="utf-8")
    colmap = ColumnMap.load(None)
    spool = Spool(None)
    spool.load(discover([str(tmp_path / "tenants.csv")], colmap), colmap)
    assert spool.db.execute("SELECT row, hid FROM tenants ORDER BY seq").fetchall() == [(2, "a"), (4, "b")]

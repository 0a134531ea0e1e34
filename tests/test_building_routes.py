"""A batch household is built the same way by both of `building.build`'s routes.

The fast route builds a household from its rows still packed as spooled, by per-table plans,
and gives up (None) whenever anything is in error; the plain route unpacks the rows and words
every error. On generated rows (columns in any order, cells valid, written as offices write
them, or bad) the fast route gives the household the plain route gives, and gives up exactly
when the plain route reports errors; `build` gives what the plain route gives. The amounts'
short route (`simple_ore`, string methods) reads what its regular expression read.
"""

from __future__ import annotations

import copy
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from planner.io.tables import building, spool
from planner.io.tables.columns import PAYOUT_COLUMNS, TENANT_COLUMNS
from planner.io.tables.spool import RawHousehold
from planner.money import MAX_KRONER, simple_ore

_MONEY = ["4410.46", "0", "12", "9946.25", "-5", "0.5", "kr 1 234,50", "9.500,00", "(100,00)", "abc", "1e5",
          "12.345", "100000000", "٣٠٠", " 7 "]
_DATE = ["2026-01-01", "2026-01-05", "01.02.2026", "1.2.26", "2026-13-01", "1989-12-31", "x", "2027-06-30"]
_INT = ["1", "0", "2", "12", "15", "31", "2,0", "x", "-1", "99", "14", "61"]
_CELLS: dict[str, list[str]] = {
    "id": ["hh-1", "hh-2", "a b", "12345678901", "con", "x" * 81],
    "label": ["Familien", "01017012345", "=1+1"],
    "start": _DATE, "months": _INT, "opening_balance": _MONEY, "min_balance": _MONEY, "adults": _INT,
    "children": _INT, "rent": _MONEY, "rent_day": _INT, "living_monthly": _MONEY, "arrears": _MONEY,
    "arrears_since": _DATE, "arrears_creditor": ["utleier", "NAV"], "profile": ["oslo", "ukjent"],
    "rent_days": ["1;5;10;15;20;25", "1,15", "x;3", "0"], "rent_instalments": _INT,
    "bostotte_to_landlord": ["ja", "nei", "kanskje"], "deduction_from": ["aap", "uforetrygd", "AAP; Uføretrygd", "lønn"],
    "repay_months": _INT, "allow": ["rent_day", "ukjent"], "forbid": ["rent_day"],
    "kind": ["bostotte", "aap", "uforetrygd", "Barnetrygd", "husleie", "strom", "telefon", "lønn", "ukjent ytelse"],
    "amount": _MONEY, "day": _INT, "every_days": _INT, "first": _DATE, "dates": ["2026-02-01;2026-03-01", "x"],
    "month_amounts": ["12=30510", "12", "13=5", "2026-12=100,50"], "month_day": ["12=12", "x=1"],
    "name": ["lonn_1", "a b"], "flow": ["in", "out", "ut", "Inn", "sideways"], "shift": ["before", "x"],
    "exceptions": ["jul-2025", "x"], "late_days": _INT, "household": ["hh-1"],
}


def _cell(col: str):
    return st.one_of(st.just(""), st.sampled_from(_CELLS.get(col, ["x"])))


#: cells that are valid on their own (a household of them may still be refused as a whole)
_GOOD: dict[str, list[str]] = {
    "id": ["hh-1", "hh-2"], "start": ["2026-01-01", "01.02.2026"], "months": ["12", "6"],
    "opening_balance": ["4410.46", "0", "kr 1 234,50", "-5"], "min_balance": ["0", "100"], "adults": ["1", "2"],
    "children": ["0", "3"], "rent": ["9946.25", "9.500,00", "12"], "rent_day": ["10", "1", "31"],
    "living_monthly": ["14295.01", "0"], "rent_days": ["1;5;10;15;20;25", "1,15"], "rent_instalments": ["3"],
    "bostotte_to_landlord": ["ja", "nei"], "deduction_from": ["", "", "uforetrygd", "AAP; Uføretrygd"],
    "household": ["hh-1"], "amount": ["1038.11", "21793", "0.5", "kr 747,37"],
}
#: (flow, kind, day) of payout rows that are valid together, one of each kind in a household
_GOOD_PAYOUTS = [("in", "bostotte", ""), ("", "uforetrygd", ""), ("Inn", "Barnetrygd", ""), ("in", "aap", "5"),
                 ("out", "strom", "22"), ("ut", "telefon", "9")]


def _row(columns: list[str], mode: str):
    """A row's cells by column: "clean", each a valid cell of its column (or empty); "one", so
    but for one cell, which may be any of its column's; "any", every cell any of its column's."""
    if mode == "any":
        return st.fixed_dictionaries({c: _cell(c) for c in columns})
    clean = st.fixed_dictionaries({c: st.sampled_from(_GOOD[c]) if c in _GOOD else st.just("") for c in columns})
    if mode == "clean":
        return clean
    return st.tuples(clean, st.sampled_from(columns), st.data()).map(
        lambda t: {**t[0], t[1]: t[2].draw(_cell(t[1]))})


@st.composite
def _household(draw) -> RawHousehold:
    tcols = draw(st.permutations(sorted(set(TENANT_COLUMNS) & set(_CELLS))))
    pcols = draw(st.permutations(sorted(PAYOUT_COLUMNS)))
    mode = draw(st.sampled_from(["clean", "one", "any"]))
    if mode == "any":  # (and columns left out)
        tcols = tcols[:draw(st.integers(len(tcols) - 4, len(tcols)))]
    tenant = draw(_row(tcols, mode))
    payouts = draw(st.lists(_row(pcols, "clean" if mode == "one" else mode), max_size=5))
    if mode != "any":
        for row, (flow, kind, day) in zip(payouts, draw(st.permutations(_GOOD_PAYOUTS))):
            row.update(flow=flow, kind=kind, day=day)
    theirs = {c: c.upper() for c in tcols}  # (their headers: errors name these)
    # payout rows from one table or two, with their columns in another order
    tables = [(name, {c: "P_" + c for c in cols}) for name, cols in (
        ("payouts.csv", pcols), ("more.csv", draw(st.permutations(sorted(PAYOUT_COLUMNS)))))]
    where = [tables[draw(st.integers(0, 1))] for _ in payouts]
    return RawHousehold(1, tenant.get("id", ""), ("tenants.csv", 2, theirs, {}),
                        [(name, 2 + k, cols, {}) for k, (name, cols) in enumerate(where)],
                        packed_tenant=spool._SEP.join(tenant[c] for c in tcols),
                        packed_payouts=[spool._SEP.join(p[c] for c in cols) for p, (_, cols) in zip(payouts, where)])


@settings(max_examples=600, deadline=None)
@given(_household(), st.sampled_from([None, 1, 12, 60]))
def test_the_fast_route_gives_the_plain_routes_household_or_gives_up(raw, months):
    fast = building._built_packed(copy.deepcopy(raw), months)
    plain_h, plain_errors = building._built_plain(copy.deepcopy(raw), months)
    assert (fast is None) == (plain_h is None)
    assert (plain_h is None) == bool(plain_errors)
    if fast is not None:
        assert fast == plain_h
        assert fast.model_dump() == plain_h.model_dump()
        assert fast.model_fields_set == plain_h.model_fields_set
        assert [i.model_fields_set for i in fast.income + fast.expense] == [
            i.model_fields_set for i in plain_h.income + plain_h.expense]
    # and `build`, whichever route it takes, gives the plain route's result
    h, errors = building.build(copy.deepcopy(raw), months)
    assert (h, errors) == (plain_h, plain_errors)


def test_the_generated_rows_take_both_routes():
    """(Otherwise the test above would compare little.)"""
    seen = set()

    @settings(max_examples=300, deadline=None, database=None)
    @given(_household())
    def look(raw):
        seen.add(building._built_packed(copy.deepcopy(raw), None) is None)

    look()
    assert seen == {True, False}


def test_rows_in_error_or_not_packed_take_the_plain_route():
    raw = RawHousehold(1, "hh-1", ("tenants.csv", 2, {"id": "id"}, {"id": "hh-1"}))
    assert building._built_packed(raw, None) is None  # unpacked already: no packed cells
    assert raw.packed_cells() is None


_SIMPLE = re.compile(r"(-?)([0-9]{1,9})(?:\.([0-9]{1,2}))?", re.ASCII)


def _simple_ore_by_pattern(value: str) -> int | None:
    """`simple_ore` as its regular expression said it (the reference for the string methods)."""
    m = _SIMPLE.fullmatch(value)
    if m is None or int(m[2]) >= MAX_KRONER:
        return None
    cents = m[3]
    ore = int(m[2]) * 100 + (0 if cents is None else int(cents) * (10 if len(cents) == 1 else 1))
    return -ore if m[1] else ore


@settings(max_examples=3000, deadline=None)
@given(st.one_of(st.text(alphabet="0123456789.-+ ,٣１²", max_size=14),
                 st.from_regex(r"-?[0-9]{1,10}(\.[0-9]{0,3})?", fullmatch=True), st.text(max_size=6)))
def test_simple_ore_reads_what_its_pattern_read(text):
    assert simple_ore(text) == _simple_ore_by_pattern(text)

"""An independent reference simulator of a household's tenant account, for the tests only.

It shares no code with `planner.calendar` or `planner.cashflow`: it reads the payout rules from
the data files with `tomllib`, builds Norges Bank's closing days from `holidays` and `datetime`,
and expands every schedule with plain day-by-day loops (no `//` arithmetic, no margins, no
caches, no numpy). It reads a validated `Household` only as data (its fields). A bug in the
engine must therefore be made a second time, differently written, to pass unnoticed.

Deliberately simple and slow: it is for a few hundred generated households per test run.
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import holidays

DATA = Path(__file__).resolve().parent.parent / "planner" / "data"
DAY = timedelta(days=1)
#: How far outside the horizon nominal dates are tried. Far more than any shift can move a
#: payout (Easter and Christmas close the bank for at most five days in a row), chosen
#: independently of the engine's own margin.
WIDE = timedelta(days=45)


# --------------------------------------------------------------------------- the bank calendar


@lru_cache(maxsize=None)
def closed_weekdays(year: int) -> frozenset[date]:
    """Norges Bank's weekday closing days: public holidays, and julaften (24 December)."""
    days = set(holidays.Norway(years=year, include_sundays=False))
    days.add(date(year, 12, 24))
    return frozenset(d for d in days if d.weekday() < 5)


def bank_day(d: date) -> bool:
    return d.weekday() < 5 and d not in closed_weekdays(d.year)


def moved(nominal: date, shift: str) -> date:
    """The bank day money moves: walk one day at a time backwards ("before") or forwards."""
    d = nominal
    if shift == "none":
        return d
    while not bank_day(d):
        d = d - DAY if shift == "before" else d + DAY
    return d


def last_day(year: int, month: int) -> int:
    d = date(year, month, 28)
    while (d + DAY).month == month:
        d += DAY
    return d.day


def day_in(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, last_day(year, month)))


def months_between(lo: date, hi: date):
    """(year, month) from lo's month to hi's month, inclusive."""
    y, m = lo.year, lo.month
    while (y, m) <= (hi.year, hi.month):
        yield y, m
        m += 1
        if m == 13:
            y, m = y + 1, 1


# --------------------------------------------------------------------------- the data files


@lru_cache(maxsize=None)
def _data(name: str) -> dict:
    with open(DATA / name, "rb") as fh:
        return tomllib.load(fh)


def _rule(kind: str, on: date) -> dict:
    """The rule of `kind` in force on `on`: the latest dated rule not after it (or the only one)."""
    entry = _data("benefits.toml")["kinds"][kind]
    if "rule" in entry:
        return entry["rule"]
    dated = sorted(entry["rules"].items())
    chosen = dated[0][1]
    for valid_from, rule in dated:
        if date.fromisoformat(str(valid_from)) <= on:
            chosen = rule
    return chosen


def _month_days(mapping: dict | None) -> dict[tuple[int, int], int]:
    """{(year or 0, month): day} from {"12": 12, "2026-05": 15}."""
    out = {}
    for key, day in (mapping or {}).items():
        text = str(key)
        if "-" in text:
            y, m = text.split("-")
            out[(int(y), int(m))] = day
        else:
            out[(0, int(text))] = day
    return out


# --------------------------------------------------------------------------- schedules


@dataclass(frozen=True)
class Payout:
    nominal: date
    effective: date


def _monthly(day: int, month_day: dict, shift: str, tables: dict, lo: date, hi: date) -> list[Payout]:
    out = []
    for y, m in months_between(lo - WIDE, hi + WIDE):
        d = month_day.get((y, m), month_day.get((0, m), day))
        nominal = day_in(y, m, d)
        published = [x for x in tables.get(y, ()) if x.month == m]
        out.append(Payout(nominal, published[0] if published else moved(nominal, shift)))
    return out


def _every(first: date, n: int, shift: str, lo: date, hi: date) -> list[Payout]:
    nominals = []
    d = first
    while d >= lo - WIDE:  # backwards from the observed payout
        nominals.append(d)
        d -= timedelta(days=n)
    d = first + timedelta(days=n)
    while d <= hi + WIDE:
        nominals.append(d)
        d += timedelta(days=n)
    return [Payout(x, moved(x, shift)) for x in nominals if lo - WIDE <= x <= hi + WIDE]


def income_payouts(stream, start: date, end: date, profile: str | None) -> list[Payout]:
    """Every payout of an income stream with its effective date in [start, end], by date."""
    kinds = _data("benefits.toml")["kinds"]
    kind = kinds[stream.kind]
    rule = _rule(stream.kind, start)
    shift = stream.shift or rule.get("shift", "before")
    if stream.dates is not None:
        found = [Payout(d, moved(d, shift)) for d in stream.dates]
    elif stream.every_days is not None or (stream.first is not None and rule.get("every_days")):
        found = _every(stream.first, stream.every_days or rule["every_days"], shift, start, end)
        for name in stream.exceptions or ():
            ex = kind["exceptions"][name]
            found = [Payout(p.nominal, ex["paid_on"]) if ex["from"] <= p.nominal <= ex["to"] else p for p in found]
    else:
        month_day = _month_days(stream.month_day if stream.month_day is not None else rule.get("month_day"))
        profile_day = None
        if profile is not None:
            profile_day = _data("benefits.toml")["profiles"][profile]["days"].get(stream.kind, {}).get("day")
        tables: dict = {}
        if stream.day is not None:
            day = stream.day
        elif profile_day is not None:
            day = profile_day
        else:
            day = rule["day"]
            if stream.shift is None and stream.month_day is None:
                tables = {int(y): sorted(ds) for y, ds in kind.get("tables", {}).items()}
        found = _monthly(day, month_day, shift, tables, start, end)
    return sorted((p for p in found if start <= p.effective <= end), key=lambda p: (p.effective, p.nominal))


def expense_payouts(expense, start: date, end: date) -> list[Payout]:
    shift = expense.shift or _data("expenses.toml")["kinds"][expense.kind].get("shift", "after")
    if expense.dates is not None:
        found = [Payout(d, moved(d, shift)) for d in expense.dates]
    elif expense.every_days is not None:
        found = _every(expense.first, expense.every_days, shift, start, end)
    else:
        found = _monthly(expense.day, _month_days(expense.month_day), shift, {}, start, end)
    return sorted((p for p in found if start <= p.effective <= end), key=lambda p: (p.effective, p.nominal))


# --------------------------------------------------------------------------- bookings


def amount_in(stream, nominal: date) -> int:
    """The stream's amount for a payout nominally in that month (per-month amounts first)."""
    table = stream.month_amounts
    y, m = nominal.year, nominal.month
    for key in (f"{y:04d}-{m:02d}", f"{y:04d}-{m}", str(m), f"{m:02d}"):
        if key in table:
            return table[key]
    return stream.amount


def horizon_end(start: date, months: int) -> date:
    """The day before `start` moved on by `months` calendar months (clamped to short months)."""
    y, m = start.year, start.month
    for _ in range(months):
        m += 1
        if m == 13:
            y, m = y + 1, 1
    return day_in(y, m, start.day) - DAY


def days_of(start: date, end: date):
    d = start
    while d <= end:
        yield d
        d += DAY


def bookings(h) -> list[tuple]:
    """Every booking on the tenant account: (date, kind, stream, rent_month, signed øre), sorted.

    Income: kind "income", the stream's name or kind. Rent: kind "husleie", no stream, its
    nominal month. Other bills: their kind and name (or none). Living costs: one debit a day,
    each month's figure spread evenly with the remainder øre on the month's first days.
    """
    start, end = h.start, horizon_end(h.start, h.months)
    out = []
    for s in h.income:
        for p in income_payouts(s, start, end, h.profile):
            out.append((p.effective, "income", s.name or s.kind, None, amount_in(s, p.nominal)))
    for e in h.expense:
        rent = e.kind == "husleie"
        for p in expense_payouts(e, start, end):
            month = f"{p.nominal.year:04d}-{p.nominal.month:02d}" if rent else None
            out.append((p.effective, e.kind, None if rent else e.name, month, -amount_in(e, p.nominal)))
    monthly = h.living.monthly
    if monthly > 0:
        for d in days_of(start, end):
            n = last_day(d.year, d.month)
            share = monthly // n + (1 if d.day <= monthly % n else 0)
            if share:
                out.append((d, "living", None, None, -share))
    return sorted(out, key=lambda b: (b[0], b[4] >= 0, b[1], b[2] or "", b[3] or "", b[4]))


@dataclass(frozen=True)
class Account:
    """Balances per day: `end_of_day` and `floor_series` (after the day's debits, before its
    credits, or end of day with same-day credit), and the diagnosis a caseworker reads."""

    days: list[date]
    end_of_day: list[int]
    floor_series: list[int]
    credits: dict[str, int]  # per month YYYY-MM
    debits: dict[str, int]

    def lowest(self) -> tuple[int, date]:
        low = min(self.floor_series)
        return low, self.days[self.floor_series.index(low)]

    def below(self, floor: int) -> list[date]:
        return [d for d, b in zip(self.days, self.floor_series) if b < floor]

    def problem(self, floor: int) -> str:
        if not self.below(floor):
            return "none"
        return "income" if self.end_of_day[-1] < floor else "timing"


def account(h, same_day_credit: bool = False, items: list[tuple] | None = None) -> Account:
    """Add up the bookings day by day, as a caseworker would with a pencil."""
    items = bookings(h) if items is None else items
    start, end = h.start, horizon_end(h.start, h.months)
    inn: dict[date, int] = defaultdict(int)
    out: dict[date, int] = defaultdict(int)
    credits: dict[str, int] = defaultdict(int)
    debits: dict[str, int] = defaultdict(int)
    for d, _kind, _stream, _month, amount in items:
        key = f"{d.year:04d}-{d.month:02d}"
        if amount >= 0:
            inn[d] += amount
            credits[key] += amount
        else:
            out[d] -= amount
            debits[key] -= amount
    balance = h.opening_balance
    days, eod, series = [], [], []
    for d in days_of(start, end):
        balance -= out[d]
        series.append(balance + inn[d] if same_day_credit else balance)
        balance += inn[d]
        days.append(d)
        eod.append(balance)
    return Account(days, eod, series, dict(credits), dict(debits))

"""A household's bookings and their day-by-day sum: the horizon's days, every payout and debit as
a dated `Transaction` (`transactions`), and the reference simulation (`simulate`) every plan is
re-checked against. The columnar route over many households, and the diagnosis, are in
`planner.cashflow`, which re-exports this module's names.

All money is int64 øre. A day's balance for solvency is taken after its debits and before its
credits; `same_day_credit=True` takes the end-of-day balance instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache

import numpy as np

from .calendar import household_schedules, latest_arrival, month_end, occurrences
from .model import Household, Transaction
from .periods import month_key

# --------------------------------------------------------------------------- the horizon


@dataclass(frozen=True)
class Horizon:
    """Whole days from `start` to `end` inclusive, with month bookkeeping for vectorised sums."""

    start: date
    end: date
    days: int
    month_keys: tuple[str, ...]  # "YYYY-MM" per month touched by the horizon
    month_of_day: np.ndarray  # index into month_keys, per day
    month_first: np.ndarray  # first day offset of each month within the horizon
    month_last: np.ndarray  # last day offset of each month within the horizon
    day_of_month0: np.ndarray  # 0-based day of month, per day
    month_len: np.ndarray  # days in the calendar month, per day


@lru_cache(maxsize=512)
def horizon(start: date, end: date) -> Horizon:
    days = (end - start).days + 1
    keys: list[str] = []
    month_of_day = np.empty(days, dtype=np.int64)
    dom0 = np.empty(days, dtype=np.int64)
    mlen = np.empty(days, dtype=np.int64)
    firsts: list[int] = []
    lasts: list[int] = []
    d = start
    for t in range(days):
        key = month_key(d)
        if not keys or keys[-1] != key:
            keys.append(key)
            firsts.append(t)
            if len(keys) > 1:
                lasts.append(t - 1)
        month_of_day[t] = len(keys) - 1
        dom0[t] = d.day - 1
        mlen[t] = month_end(d.year, d.month)
        d += timedelta(days=1)
    lasts.append(days - 1)
    for arr in (month_of_day, dom0, mlen):
        arr.flags.writeable = False
    return Horizon(
        start=start,
        end=end,
        days=days,
        month_keys=tuple(keys),
        month_of_day=month_of_day,
        month_first=np.array(firsts, dtype=np.int64),
        month_last=np.array(lasts, dtype=np.int64),
        day_of_month0=dom0,
        month_len=mlen,
    )


def living_per_day(monthly_ore: np.ndarray, hz: Horizon, out: np.ndarray | None = None) -> np.ndarray:
    """Everyday spending per day, shape (H, D): each month's sum spread evenly, remainder
    øre on the month's first days, so every full month adds up to the monthly figure exactly.

    Quotient and remainder are taken once per household and month (int64 division is the slow
    part), then written month block by month block; `out` (H, D) int64 is filled if given.
    """
    m = np.asarray(monthly_ore, dtype=np.int64)
    quot, rem = np.divmod(m[:, None], hz.month_len[hz.month_first][None, :])
    if out is None:
        out = np.empty((len(m), hz.days), dtype=np.int64)
    for k in range(len(hz.month_keys)):
        a, b = int(hz.month_first[k]), int(hz.month_last[k]) + 1
        block = out[:, a:b]
        block[...] = quot[:, k : k + 1]
        block += hz.day_of_month0[None, a:b] < rem[:, k : k + 1]
    return out


# --------------------------------------------------------------------------- transactions


def transactions(household: Household) -> list[Transaction]:
    """Every booking on the tenant account over the horizon, as the schedule stands.

    Ordered by date, debits before credits within a day (the order they are booked in).
    """
    h = household
    start, end = h.start, h.end
    incomes, expenses = household_schedules(h)
    out: list[Transaction] = []
    for stream, sched in zip(h.income, incomes):
        for occ in occurrences(sched, start, end):
            out.append(
                Transaction(
                    date=occ.effective,
                    account="tenant",
                    kind="income",
                    amount_ore=stream.amount_for(occ.nominal.year, occ.nominal.month),
                    stream=stream.stream,
                )
            )
    for exp, sched in zip(h.expense, expenses):
        is_rent = exp.kind == "husleie"
        for occ in occurrences(sched, start, end):
            out.append(
                Transaction(
                    date=occ.effective,
                    account="tenant",
                    kind=exp.kind,
                    amount_ore=-exp.amount_for(occ.nominal.year, occ.nominal.month),
                    stream=None if is_rent or exp.name is None else exp.name,
                    rent_month=month_key(occ.nominal) if is_rent else None,
                )
            )
    out.extend(living_transactions(h.living.monthly, start, end))
    return sort_transactions(out)


def living_transactions(monthly_ore: int, start: date, end: date) -> list[Transaction]:
    """Everyday spending as one debit per day (none when the monthly figure is 0)."""
    if monthly_ore <= 0:
        return []
    hz = horizon(start, end)
    per_day = living_per_day(np.array([monthly_ore]), hz)[0].tolist()
    return [
        Transaction(date=d, account="tenant", kind="living", amount_ore=-a)
        for d, a in zip(_days(start, end), per_day)
        if a
    ]


@lru_cache(maxsize=512)
def _days(start: date, end: date) -> tuple[date, ...]:
    """Every date from `start` to `end` (households share horizons)."""
    return tuple(start + timedelta(days=t) for t in range((end - start).days + 1))


def sort_transactions(items: Iterable[Transaction]) -> list[Transaction]:
    """Stable, deterministic order: date, debits before credits, then kind, stream, amount."""
    return sorted(
        items,
        key=lambda x: (x.date, x.account != "tenant", x.amount_ore >= 0, x.kind, x.stream or "", x.amount_ore),
    )


@dataclass(frozen=True)
class Simulation:
    """Day-by-day balance of the tenant account, from a list of transactions."""

    start: date
    end: date
    credits: np.ndarray  # per day, øre in
    debits: np.ndarray  # per day, øre out (positive)
    end_of_day: np.ndarray  # balance after every booking of the day
    after_debits: np.ndarray  # balance after the day's debits, before its credits

    def solvency_series(self, same_day_credit: bool = False) -> np.ndarray:
        return self.end_of_day if same_day_credit else self.after_debits


def simulate(items: Iterable[Transaction], start: date, end: date, opening_ore: int) -> Simulation:
    """Add up tenant-account transactions day by day; the independent check of every plan.

    Transactions outside [start, end] or on another account are refused rather than ignored:
    a plan that books money outside its horizon is a bug to surface, not to hide.
    """
    days = (end - start).days + 1
    credits = np.zeros(days, dtype=np.int64)
    debits = np.zeros(days, dtype=np.int64)
    for tx in items:
        if tx.account != "tenant":
            continue
        t = (tx.date - start).days
        if not 0 <= t < days:
            raise ValueError(f"transaction on {tx.date} lies outside the horizon {start} to {end}")
        if tx.amount_ore >= 0:
            credits[t] += tx.amount_ore
        else:
            debits[t] -= tx.amount_ore
    eod = opening_ore + np.cumsum(credits - debits)
    return Simulation(start, end, credits, debits, eod, eod - credits)


def delayed(txs: Iterable[Transaction], h: Household, late: dict[str, int]) -> list[Transaction]:
    """The transactions with every income on the tenant's account at its latest day; a payout
    that may come after the horizon drops out (it cannot be counted on). What a robust plan
    (`planner.solver.robust`) and its bridge must survive."""
    out = []
    for t in txs:
        n = late.get(t.stream or "", 0) if t.kind == "income" and t.account == "tenant" else 0
        if n:
            when = latest_arrival(t.date, n)
            if when > h.end:
                continue
            t = replace(t, date=when)
        out.append(t)
    return out

"""Norwegian bank business days, and payout schedules expanded to concrete dates.

A schedule is kept *nominal* (the 20th; every 14 days from 6 January). The *effective* date,
the bank day the money really moves, is derived here by `effective_date` and nowhere else:
every cash-flow tool that mixed the two grew bugs. Effective dates before the horizon's start
are dropped, never pulled onto day one.
"""

from __future__ import annotations

import calendar as _stdcal
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from .benefits import BenefitRule, Shift, catalogue
from .codes import english
from .periods import months_between

if TYPE_CHECKING:  # pragma: no cover
    from .model import Expense, Household, IncomeStream

_ONE = timedelta(days=1)
#: How far outside the horizon nominal dates are generated, so that a payout whose nominal
#: date is just after the end but shifts back into the horizon is not missed.
_MARGIN_DAYS = 12


@lru_cache(maxsize=256)
def bank_holidays(year: int) -> frozenset[date]:
    """Weekday closing days of Norges Bank's settlement system in `year`.

    `holidays.Norway` lists the public holidays; Sundays are excluded explicitly because the
    package's `include_sundays` default has changed between versions. 24 December is added:
    the settlement system is closed on julaften although it is no public holiday. A weekday
    31 December stays a bank day.
    """
    import holidays  # imported lazily: it is the slowest import of `planner check`

    days = set(holidays.country_holidays("NO", years=year, include_sundays=False).keys())
    days.add(date(year, 12, 24))
    return frozenset(d for d in days if d.weekday() < 5)


def is_bank_day(d: date) -> bool:
    """Monday to Friday, and not a settlement-system closing day."""
    return d.weekday() < 5 and d not in bank_holidays(d.year)


def effective_date(nominal: date, shift: Shift) -> date:
    """The bank day money moves for a payment nominally due on `nominal`.

    `before`: the last bank day on or before it (NAV, Husbanken); `after`: the next bank day
    on or after it (autogiro debits); `none`: the nominal date itself.
    """
    if shift == "none":
        return nominal
    return bank_day_on_or_before(nominal) if shift == "before" else bank_day_on_or_after(nominal)


def bank_day_on_or_before(d: date) -> date:
    """`d` if it is a bank day, else the last bank day before it."""
    while not is_bank_day(d):
        d -= _ONE
    return d


def bank_day_on_or_after(d: date) -> date:
    """`d` if it is a bank day, else the next bank day after it."""
    while not is_bank_day(d):
        d += _ONE
    return d


def add_bank_days(d: date, n: int) -> date:
    """`n` bank days after `d` (before it when `n` is negative), counted from `d` whether or
    not it is a bank day; 0: `d` itself. The one place bank days are stepped over."""
    step = _ONE if n > 0 else -_ONE
    for _ in range(abs(n)):
        d += step
        while not is_bank_day(d):
            d += step
    return d


def any_bank_day(first: date, stop: date) -> bool:
    """Whether a bank day lies in [first, stop) (an empty range has none)."""
    d = first
    while d < stop:
        if is_bank_day(d):
            return True
        d += _ONE
    return False


@lru_cache(maxsize=8192)
def latest_arrival(expected: date, late_days: int) -> date:
    """The latest day a payout expected on `expected` may come when it may be `late_days` bank
    days late: that many bank days after it (counted from the expected day, or from the next
    bank day when it is none). 0: the expected day itself."""
    return add_bank_days(expected, late_days)


def month_end(year: int, month: int) -> int:
    return _stdcal.monthrange(year, month)[1]


def nominal_in_month(year: int, month: int, day: int) -> date:
    """Day `day` of the month, or the month's last day when it is shorter (31 -> 30 Apr)."""
    return date(year, month, min(day, month_end(year, month)))


@dataclass(frozen=True)
class Schedule:
    """A fully resolved schedule: hashable, so its expansion over a horizon is cached."""

    shift: Shift
    day: int | None = None
    every_days: int | None = None
    first: date | None = None
    dates: tuple[date, ...] | None = None
    #: per-month nominal days: ((year or 0, month, day), ...); year 0 = every year
    month_day: tuple[tuple[int, int, int], ...] = ()
    #: published effective dates by year; used for the years they cover
    tables: tuple[tuple[int, tuple[date, ...]], ...] = ()
    #: dated exceptions the household uses: ((from, to, paid_on), ...) on nominal dates
    moves: tuple[tuple[date, date, date], ...] = ()

    def __hash__(self) -> int:
        """The fields' hash, worked out once: a batch hashes its few shared schedules again and
        again for every household (a cache key, a group), and one with published tables holds
        years of dates. (Kept out of a pickle: a str's hash differs from process to process.)"""
        try:
            return self.__dict__["_hash"]  # type: ignore[no-any-return]
        except KeyError:
            value = hash((self.shift, self.day, self.every_days, self.first, self.dates, self.month_day, self.tables,
                          self.moves))
            object.__setattr__(self, "_hash", value)
            return value

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state.pop("_hash", None)
        return state


@dataclass(frozen=True, slots=True)
class Occurrence:
    nominal: date
    effective: date


def _month_day_for(schedule: Schedule, year: int, month: int) -> int | None:
    found = None
    for y, m, d in schedule.month_day:
        if m == month and y == year:
            return d
        if m == month and y == 0:
            found = d
    return found


@lru_cache(maxsize=65536)
def occurrences(schedule: Schedule, start: date, end: date) -> tuple[Occurrence, ...]:
    """Every payment of `schedule` whose effective date lies in [start, end], in date order."""
    lo, hi = start - timedelta(days=_MARGIN_DAYS), end + timedelta(days=_MARGIN_DAYS)
    out: list[Occurrence] = []
    if schedule.dates is not None:
        out = [Occurrence(n, effective_date(n, schedule.shift)) for n in schedule.dates]
    elif schedule.every_days is not None:
        assert schedule.first is not None
        n = schedule.every_days
        k0 = -((schedule.first - lo).days // n)
        k1 = (hi - schedule.first).days // n
        for k in range(k0, k1 + 1):
            nominal = schedule.first + timedelta(days=k * n)
            out.append(Occurrence(nominal, effective_date(nominal, schedule.shift)))
    elif schedule.day is not None:
        tables = dict(schedule.tables)
        for y, m in months_between(lo, hi):
            day = _month_day_for(schedule, y, m) or schedule.day
            nominal = nominal_in_month(y, m, day)
            table = tables.get(y)
            if table is not None:
                published = [d for d in table if d.month == m]
                eff = published[0] if published else effective_date(nominal, schedule.shift)
            else:
                eff = effective_date(nominal, schedule.shift)
            out.append(Occurrence(nominal, eff))
    else:  # pragma: no cover - resolve_* never builds such a schedule
        raise ValueError("schedule without day, every_days or dates")
    for lo_d, hi_d, paid_on in schedule.moves:
        out = [Occurrence(o.nominal, paid_on) if lo_d <= o.nominal <= hi_d else o for o in out]
    return tuple(sorted((o for o in out if start <= o.effective <= end), key=lambda o: (o.effective, o.nominal)))


@lru_cache(maxsize=65536)
def occurrence_arrays(schedule: Schedule, start: date, end: date) -> tuple[np.ndarray, np.ndarray]:
    """Occurrences as numpy arrays: day offsets from `start`, and nominal month index (y*12+m-1).

    The vectorised balance of many households reuses these: households share schedules.
    """
    occ = occurrences(schedule, start, end)
    offsets = np.fromiter(((o.effective - start).days for o in occ), dtype=np.int64, count=len(occ))
    months = np.fromiter((o.nominal.year * 12 + o.nominal.month - 1 for o in occ), dtype=np.int64, count=len(occ))
    offsets.flags.writeable = False
    months.flags.writeable = False
    return offsets, months


def _parse_month_day(mapping: dict[str, int] | None) -> tuple[tuple[int, int, int], ...]:
    if not mapping:
        return ()
    out = []
    for key, day in mapping.items():
        text = str(key)
        if "-" in text:
            y, m = text.split("-")
            out.append((int(y), int(m), day))
        else:
            out.append((0, int(text), day))
    return tuple(sorted(out))


class ScheduleError(ValueError):
    """A stream without a schedule whose kind has no default day either; `code` names the rule
    (the message catalogue, `planner.io.messages`, says it in Norwegian)."""

    def __init__(self, message: str, code: str, **params: object):
        super().__init__(message)
        self.code = code
        self.params = params


def resolve_income(stream: IncomeStream, start: date, profile: str | None = None) -> Schedule:
    """The schedule a stream follows: its own form, else the profile's day, else the kind's rule.

    Published tables apply only when the stream follows the kind's own default day: a
    household that states another day has told us the agency pays it differently. (Worked
    out once per distinct schedule form: a batch's households share a handful of them.)
    """
    own_month_day = None if stream.month_day is None else _parse_month_day(stream.month_day)
    return _resolve_income(stream.kind, stream.shift, own_month_day,
                           None if stream.dates is None else tuple(stream.dates), stream.first, stream.every_days,
                           stream.day, tuple(stream.exceptions or ()), start, profile)


@lru_cache(maxsize=65536)
def _resolve_income(kind_name: str, own_shift: Shift | None, own_month_day: tuple[tuple[int, int, int], ...] | None,
                    dates: tuple[date, ...] | None,
                    first: date | None, every_days: int | None, day: int | None, exceptions: tuple[str, ...],
                    start: date, profile: str | None) -> Schedule:
    kind = catalogue().kinds[kind_name]
    rule = kind.rule_on(start)
    shift: Shift = own_shift or rule.shift
    month_day = own_month_day if own_month_day is not None else tuple((0, m, d) for m, d in rule.month_day)
    if dates is not None:
        return Schedule(shift=shift, dates=tuple(sorted(dates)))
    if first is not None and every_days is None and not rule.every_days:
        raise ScheduleError(english("first_on_monthly", kind=kind_name), "first_on_monthly")
    moves = tuple((e.start, e.end, e.paid_on) for e in (kind.exceptions[n] for n in exceptions))
    if every_days is not None or (first is not None and rule.every_days):
        return Schedule(shift=shift, every_days=every_days or rule.every_days, first=first, moves=moves)
    if day is None and profile is not None:
        pday = catalogue().profiles[profile].days.get(kind_name)
        day = pday.day if pday is not None else None
    if day is not None:
        return Schedule(shift=shift, day=day, month_day=month_day)
    return _default_monthly(kind_name, rule, shift, month_day, own_shift is None and own_month_day is None)


def _default_monthly(kind_name: str, rule: BenefitRule, shift: Shift, month_day: tuple[tuple[int, int, int], ...],
                     published: bool) -> Schedule:
    """A stream of `kind_name` with no day of its own: the kind's rule day (with its published
    tables when the stream keeps the kind's shift and month days), else an error saying what
    to give."""
    if rule.day is not None:
        tables = tuple(sorted(catalogue().kinds[kind_name].tables.items())) if published else ()
        return Schedule(shift=shift, day=rule.day, month_day=month_day, tables=tables)
    if rule.every_days is not None:
        raise ScheduleError(english("first_needed", kind=kind_name, every_days=rule.every_days), "first_needed",
                            every_days=rule.every_days)
    raise ScheduleError(english("no_schedule", kind=kind_name), "no_schedule")


def resolve_expense(expense: Expense) -> Schedule:
    """An expense's schedule; its shift defaults to the kind's (autogiro: next bank day).
    (Worked out once per distinct schedule form, as `resolve_income`: the batch asks for the
    rent's again and again.)"""
    dates, month_day = expense.dates, expense.month_day
    return _resolve_expense(expense.kind, expense.shift, None if dates is None else tuple(dates), expense.every_days,
                            expense.first, expense.day, None if month_day is None else tuple(month_day.items()),
                            expense.stream)


@lru_cache(maxsize=65536)
def _resolve_expense(kind: str, own_shift: Shift | None, dates: tuple[date, ...] | None, every_days: int | None,
                     first: date | None, day: int | None, month_day: tuple[tuple[str, int], ...] | None,
                     stream: str) -> Schedule:
    shift: Shift = own_shift or catalogue().expenses[kind].shift
    if dates is not None:
        return Schedule(shift=shift, dates=tuple(sorted(dates)))
    if every_days is not None:
        return Schedule(shift=shift, every_days=every_days, first=first)
    if day is None:
        raise ScheduleError(english("expense_no_schedule", name=stream), "expense_no_schedule")
    return Schedule(shift=shift, day=day, month_day=_parse_month_day(dict(month_day) if month_day else None))


def household_schedules(household: Household) -> tuple[list[Schedule], list[Schedule]]:
    """Resolved schedules for a household's incomes and expenses, in file order."""
    incomes = [resolve_income(s, household.start, household.profile) for s in household.income]
    expenses = [resolve_expense(e) for e in household.expense]
    return incomes, expenses

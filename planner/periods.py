"""Months: keys, steps and iteration, in one place (as OpenFisca's `periods`); and the value of a
dated table in force on a day (`in_force`).

Rent, bostøtte and the monthly figures all count in calendar months; a month is keyed
"YYYY-MM" everywhere (plan JSON, letters, tables), so the key is made here only.
"""

from __future__ import annotations

import calendar as _stdcal
from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta
from functools import lru_cache
from typing import TypeVar

T = TypeVar("T")


def month_key(d: date) -> str:
    """'YYYY-MM' of the month `d` lies in."""
    return f"{d.year:04d}-{d.month:02d}"


def key_of(year: int, month: int) -> str:
    """'YYYY-MM' of a year and month."""
    return f"{year:04d}-{month:02d}"


def next_month(year: int, month: int) -> tuple[int, int]:
    """The (year, month) after."""
    return (year + 1, 1) if month == 12 else (year, month + 1)


def previous_month(year: int, month: int) -> tuple[int, int]:
    """The (year, month) before."""
    return (year - 1, 12) if month == 1 else (year, month - 1)


@lru_cache(maxsize=65536)
def add_months(d: date, months: int) -> date:
    """`d` moved by whole months, the day clamped to the target month's length (cached: a
    batch asks for the same few dates hundreds of thousands of times)."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, _stdcal.monthrange(year, month)[1]))


@lru_cache(maxsize=4096)
def horizon_end(start: date, months: int) -> date:
    """The last day of a horizon of `months` months from `start` (cached, as `add_months`)."""
    return add_months(start, months) - timedelta(days=1)


def months_between(start: date, end: date) -> Iterator[tuple[int, int]]:
    """Every (year, month) from `start`'s month to `end`'s month, both included."""
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        yield y, m
        y, m = next_month(y, m)


def last_day(key: str) -> date:
    """The last day of the month 'YYYY-MM'."""
    y, m = int(key[:4]), int(key[5:7])
    return date(y, m, _stdcal.monthrange(y, m)[1])


def month_firsts(start: date, end: date) -> Iterator[date]:
    """The first day of each month that begins inside [start, end]."""
    for y, m in months_between(start, end):
        first = date(y, m, 1)
        if start <= first <= end:
            yield first


def in_force(items: Sequence[T], when: date, since: Callable[[T], date | None]) -> T | None:
    """The dated value in force on `when`: the last of `items` (in the order they take effect)
    whose start (`since`; None: always) is not after `when`; None when every one starts later.
    The one lookup of dated values (benefit rules, eviction rates and fees, cost rules)."""
    chosen = None
    for item in items:
        start = since(item)
        if start is None or start <= when:
            chosen = item
    return chosen

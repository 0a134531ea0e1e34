"""The day a plan is made (`as_of`) and the household's horizon.

The opening balance is the balance on the as-of day, and nothing before that day is planned:
a horizon that began earlier is planned for what remains (`align`, "truncated"); one that has
wholly passed is refused (`HorizonPassed`) with the way forward, `roll_forward`: the same
number of months from the as-of day, 14-day rhythms carried forward from their anchors and
dated one-off items carried forward by whole years. Pure: the as-of day is a parameter, the
clock is read only at the edges (planner/cli.py, planner/batch_cli.py, the web page), and there only
through `today()`, so a test can fake the calendar in one place and show that a command gives
the same output on any day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, overload

from .model import Household
from .periods import add_months

#: Environment variable that pins today (YYYY-MM-DD): a training or demonstration server, or
#: a browser test's server process, that must show the same plans on every day it runs.
TODAY_ENV = "PLANNER_TODAY"


class BadToday(ValueError):
    """PLANNER_TODAY holds something that is not a date."""


def today() -> date:
    """The calendar's today: the one place the program reads the clock for an as-of date (the
    command line's default, the web page's "per dato"), or the day `PLANNER_TODAY` pins. Tests
    patch this function (`planner.asof.today`) to run the same command on two different days;
    callers therefore look it up at call time (`asof.today()`), never bind it at import."""
    import os

    pinned = os.environ.get(TODAY_ENV, "").strip()
    if not pinned:
        return date.today()
    try:
        return date.fromisoformat(pinned)
    except ValueError:
        raise BadToday(f"{TODAY_ENV}={pinned!r} is not a date written YYYY-MM-DD") from None


@overload
def as_of_for(flag: date | None, h: Household, today_: date) -> date: ...
@overload
def as_of_for(flag: date | None, h: Household, today_: None) -> date | None: ...
def as_of_for(flag: date | None, h: Household, today_: date | None) -> date | None:
    """The as-of day a household is planned on: the command's `--as-of`, else the household
    file's own `as_of`, else today (`today_`; None only where a caller plans with no as-of
    date at all). One rule for check, plan and letter, so a scenario that pins its `as_of`
    gives the same output on every day (batch plans every row on `--as-of` or today)."""
    if flag is not None:
        return flag
    return h.as_of or today_


class HorizonPassed(ValueError):
    """The household's whole horizon lies before the as-of date."""

    def __init__(self, h: Household, as_of: date) -> None:
        super().__init__(
            f"{h.id}: the horizon {h.start.isoformat()} to {h.end.isoformat()} lies wholly before the as-of date "
            f"{as_of.isoformat()}; nothing is left to plan. Roll it forward: `planner plan FILE --as-of "
            f"{as_of.isoformat()} --roll-forward` plans {h.months} months from {as_of.isoformat()}.")
        self.as_of = as_of


@dataclass(frozen=True)
class Aligned:
    """A household whose horizon starts on or after the as-of date, and what was done to it:
    "" (nothing), "truncated" or "rolled"."""

    household: Household
    note: str


def _years_forward(d: date, start: date) -> date:
    """`d` moved forward by whole years until it is on or after `start` (29 Feb -> 28 Feb)."""
    years = max(0, start.year - d.year - 1)
    while True:
        try:
            moved = d.replace(year=d.year + years)
        except ValueError:
            moved = d.replace(year=d.year + years, day=28)
        if moved >= start:
            return moved
        years += 1


def _rolled_item(item: Any, start: date, end: date) -> Any | None:
    """One income or expense carried to the new horizon; None when nothing of it is left."""
    update: dict[str, Any] = {}
    if item.first is not None and item.first < start:
        step = int(item.every_days or _period(item))
        update["first"] = item.first + timedelta(days=step * ((start - item.first).days // step))
    if item.dates:
        moved = sorted({_years_forward(d, start) for d in item.dates})
        moved = [d for d in moved if d <= end]
        if not moved:
            # the one rent stays (a household has one), with dates outside the horizon: none booked
            return item if getattr(item, "kind", "") == "husleie" else None
        update["dates"] = moved
    if item.month_amounts:  # "YYYY-MM" keys move with the dates; month-only keys stay
        update["month_amounts"] = {_rolled_key(k, start): v for k, v in item.month_amounts.items()}
    return item.model_copy(update=update)


def _period(item: Any) -> int:
    """The rhythm of a stream with an anchor (`first`) and the benefit's default period."""
    from .calendar import resolve_income

    return int(resolve_income(item, item.first).every_days or 14)


def _rolled_key(key: str, start: date) -> str:
    parts = key.split("-")
    if len(parts) == 2 and len(parts[0]) == 4 and parts[0].isdigit() and parts[1].isdigit():
        d = _years_forward(date(int(parts[0]), int(parts[1]), 1), date(start.year, start.month, 1))
        return f"{d.year:04d}-{d.month:02d}"
    return key


def _items(h: Household, fn: Any) -> dict[str, list[Any]]:
    out = {}
    for group in ("income", "expense"):
        items = [fn(i) for i in getattr(h, group)]
        out[group] = [i for i in items if i is not None]
    return out


def roll_forward(h: Household, as_of: date) -> Household:
    """`h` re-planned from `as_of` for the same number of months (see the module docstring)."""
    end = add_months(as_of, h.months) - timedelta(days=1)
    return h.model_copy(update={"start": as_of, "until": None, "as_of": as_of,
                                **_items(h, lambda i: _rolled_item(i, as_of, end))})


def truncate(h: Household, as_of: date) -> Household:
    """`h` planned from `as_of` to its own end: one-off dates before it are dropped."""
    def keep(i: Any) -> Any | None:
        if not i.dates:
            return i
        dates = [d for d in i.dates if d >= as_of]
        if not dates and getattr(i, "kind", "") == "husleie":
            return i  # the one rent stays (a household has one); its past dates book nothing
        return i.model_copy(update={"dates": dates}) if dates else None

    return h.model_copy(update={"start": as_of, "until": h.end, "as_of": as_of, **_items(h, keep)})


def align(h: Household, as_of: date | None, roll: bool = False) -> Aligned:
    """The household to plan on `as_of`: as it is when its horizon starts on or after that day;
    rolled forward when asked; truncated when partly before; refused when wholly before."""
    if as_of is None or (h.start >= as_of and not roll):
        return Aligned(h, "")
    if roll:
        return Aligned(roll_forward(h, as_of), "rolled")
    if h.end < as_of:
        raise HorizonPassed(h, as_of)
    return Aligned(truncate(h, as_of), "truncated")

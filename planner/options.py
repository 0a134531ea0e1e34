"""Command-line value types every command shares, so an unusual value is refused the same way
everywhere (exit 2, one line) instead of reaching date arithmetic or the solver.

- `DAY`: a date YYYY-MM-DD within the years the program knows (1990-2100, the range household
  files accept, see `planner.model`): `--as-of 9999-12-31` would otherwise overflow when a
  horizon is rolled forward from it, and a date before 1990 lies outside the bank-day calendar.
- `FiniteRange`: click's FloatRange lets nan through (every comparison with nan is false).
"""

from __future__ import annotations

import math
from datetime import datetime

import click

#: The years a date option accepts (the same as a household file's dates).
FIRST_YEAR, LAST_YEAR = 1990, 2100


class Day(click.DateTime):
    """A date YYYY-MM-DD in the years 1990-2100 (a `datetime`, as click.DateTime gives)."""

    name = "date"

    def __init__(self) -> None:
        super().__init__(formats=["%Y-%m-%d"])

    def convert(self, value, param, ctx) -> datetime:
        if isinstance(value, datetime):
            day = value
        else:
            text = str(value).strip()
            try:
                day = datetime.strptime(text, "%Y-%m-%d")
            except ValueError:
                self.fail(f"{text!r} is not a date: give YYYY-MM-DD, in the years {FIRST_YEAR}-{LAST_YEAR}",
                          param, ctx)
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            self.fail(f"{day.date().isoformat()} is outside the years {FIRST_YEAR}-{LAST_YEAR} the program knows",
                      param, ctx)
        return day


DAY = Day()


class FiniteRange(click.FloatRange):
    """click.FloatRange that also refuses nan (and, with bounds, ±inf)."""

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if number is not None and not math.isfinite(number):
            self.fail(f"{value} is not a finite number", param, ctx)
        return number


__all__ = ["DAY", "FIRST_YEAR", "LAST_YEAR", "Day", "FiniteRange"]

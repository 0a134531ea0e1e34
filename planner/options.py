"""Command-line value types every command shares, so an unusual value is refused the same way
everywhere (exit 2, one line) instead of reaching the solver. Dates have one type of their own,
`planner.io.dateparam.DATE` (dd.mm.åååå or ISO, within the years the program knows).

- `FiniteRange`: click's FloatRange lets nan through (every comparison with nan is false).
"""

from __future__ import annotations

import math

import click


class FiniteRange(click.FloatRange):
    """click.FloatRange that also refuses nan (and, with bounds, ±inf)."""

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if number is not None and not math.isfinite(number):
            self.fail(f"{value} is not a finite number", param, ctx)
        return number


__all__ = ["FiniteRange"]

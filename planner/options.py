"""Command-line value types every command shares, so an unusual value is refused the same way
everywhere (exit 2, one line) instead of reaching the solver. Dates have one type of their own,
`planner.io.dateparam.DATE` (dd.mm.åååå or ISO, within the years the program knows).

- `FiniteRange`: click's FloatRange lets nan through (every comparison with nan is false);
- `finite_number`, `kroner_option`: the same as option callbacks (kroner read as øre);
- `fail_input`: bad input ends every command the same way, one line per problem and exit 2.
"""

from __future__ import annotations

import math
import sys
from typing import NoReturn

import click

#: the exit status of bad input, for every command
EXIT_INPUT = 2


def fail_input(errors: list[str]) -> NoReturn:
    """Bad input: each problem on a line of its own (stderr) and exit status 2, no traceback."""
    for e in errors:
        click.echo(f"error: {e}", err=True)
    sys.exit(EXIT_INPUT)


class FiniteRange(click.FloatRange):
    """click.FloatRange that also refuses nan (and, with bounds, ±inf)."""

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if number is not None and not math.isfinite(number):
            self.fail(f"{value} is not a finite number", param, ctx)
        return number


__all__ = ["FiniteRange"]


def finite_number(ctx, param, value):
    """click's FloatRange lets NaN through (every comparison with NaN is false)."""
    import math

    if value is not None and not math.isfinite(value):
        raise click.BadParameter("must be a finite number")
    return value


def kroner_option(ctx, param, value):
    """A kroner option parsed like amounts in files: at most two decimals, never a float."""
    from planner.money import MoneyError, kroner_to_ore

    try:
        ore = kroner_to_ore(value)
    except MoneyError as exc:
        raise click.BadParameter(str(exc)) from None
    if ore < 0:
        raise click.BadParameter("must not be negative")
    return ore

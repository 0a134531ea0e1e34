"""The date every command-line option takes: dd.mm.åååå (as caseworkers write it) or ISO.

One click parameter type for --as-of, --from, --to, --date, --reply-by ..., so a date typed the
Norwegian way works everywhere a date is asked for; the reading itself is
`planner.formatting.parse_date`, the same the web page's date fields use.
"""

from __future__ import annotations

from datetime import date, datetime

import click

from ..formatting import parse_date

#: The years a date option accepts (the same as a household file's dates, `planner.model`):
#: `--as-of 9999-12-31` would overflow when a horizon is rolled forward from it, and a date
#: before 1990 lies outside the bank-day calendar.
FIRST_YEAR, LAST_YEAR = 1990, 2100


class DateParam(click.ParamType):
    """A calendar date (`datetime.date`) from '01.02.2026', '1.2.2026' or '2026-02-01'."""

    name = "DATO"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, datetime):
            day = value.date()
        elif isinstance(value, date):
            day = value
        else:
            try:
                day = parse_date(str(value))
            except ValueError as exc:
                self.fail(str(exc), param, ctx)
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            self.fail(f"{day.isoformat()} is outside the years {FIRST_YEAR}-{LAST_YEAR} the program knows", param, ctx)
        return day


#: the shared instance: `@click.option("--as-of", type=DATE)`
DATE = DateParam()

__all__ = ["DATE", "FIRST_YEAR", "LAST_YEAR", "DateParam"]

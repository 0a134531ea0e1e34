"""`planner calendar --year YYYY`: every benefit's payout days in a year, moved for weekends and
holidays as the payers move them. Registered by planner/cli.py."""

from __future__ import annotations

import click

from planner.formatting import day_month
from planner.options import fail_input


@click.command(name="calendar")
@click.option("--year", type=click.IntRange(1990, 2100), required=True, help="Calendar year.")
@click.option("--kind", "kinds", multiple=True, help="Only this benefit kind (repeatable); aliases allowed.")
def calendar_cmd(year: int, kinds: tuple[str, ...]) -> None:
    """Print each benefit's effective payout dates in YEAR."""
    from planner.benefits import catalogue
    from planner.payout_days import payout_table

    cat = catalogue()
    chosen = []
    for k in kinds:
        canon = cat.canonical(k.strip().lower())
        if canon is None:
            fail_input([f"--kind: unknown benefit kind {k!r}; allowed: {cat.allowed_income_names()}"])
        chosen.append(canon)
    for kind, occ, note in payout_table(year, chosen or None):
        info = cat.kinds[kind]
        click.echo(f"{info.name} ({kind}, {info.payer}) – {note}")
        if occ is None:
            click.echo("  –")
        else:
            click.echo("  " + " ".join(day_month(o.effective) for o in occ))

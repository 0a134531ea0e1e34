"""`planner follow-up LEDGER --db URL [--as-of DATE]`: each month, is each open case's plan kept?

The same as uploading the ledger on the web page's "Oppfølging av planer", for offices that run
it on a schedule (cron) against the web page's database. Thin: read the options, call
`planner.web.planfollow.follow_up`, print its words. Prints tenancy and household ids only,
never names. Exit status 2 for a ledger or database that cannot be used.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from planner.io.dateparam import DATE

EXIT_INPUT = 2


@click.command(name="follow-up")
@click.argument("ledger", type=click.Path(path_type=Path))
@click.option("--db", "db_url", default=None, metavar="URL", help="Database URL (as for planner serve).")
@click.option("--as-of", "as_of", type=DATE, default=None,
              help="The day to judge on, dd.mm.åååå or YYYY-MM-DD (default today); later bookings are left out.")
@click.option("--columns", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Column map (TOML), as for planner ledger.")
def follow_up_cmd(ledger: Path, db_url: str | None, as_of, columns: Path | None) -> None:
    """Match a new rent ledger to the open cases: kept, late, partly paid or broken, per month."""
    from planner import asof
    from planner.io.errors import InputError
    from planner.ledger.reading import LedgerInputError
    from planner.web.planfollow import follow_up, run_text
    from planner.web.server import database_problem
    from planner.web.store import Store, default_url

    url = db_url or default_url()
    try:
        store = Store(url)
    except Exception as exc:  # noqa: BLE001 - the user's URL
        click.echo(f"error: {database_problem(url, exc)}", err=True)
        sys.exit(EXIT_INPUT)
    try:
        colmap = None
        if columns is not None:
            from planner.io.tables import ColumnMap

            colmap = ColumnMap.load(columns)
        run = follow_up(store, ledger, as_of or asof.today(), colmap=colmap)
    except LedgerInputError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INPUT)
    except InputError as exc:
        for p in exc.problems:
            click.echo(f"error: {p}", err=True)
        sys.exit(EXIT_INPUT)
    finally:
        store.engine.dispose()
    click.echo(run_text(run), nl=False)

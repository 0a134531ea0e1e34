"""`planner ledger`: the landlord's rent ledger in, patterns, early warning and a ranked contact
list out (the library is `planner.ledger`). Registered by planner/cli.py; pyarrow and rich are
imported when it runs."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from planner.io.dateparam import DATE
from planner.options import fail_input


@click.command(name="ledger")
@click.argument("ledger", type=click.Path(path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for tenancies.csv, months.csv, patterns.*, contact.*, drafts, errors.csv, summary.*.")
@click.option("--columns", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Column map (TOML), as for planner batch: [ledger] columns, [kinds] words, [sheets], [csv].")
@click.option("--as-of", "as_of", type=DATE, default=None,
              help="The day to judge from, DD.MM.YYYY or YYYY-MM-DD (default today); later bookings are left out.")
@click.option("--pseudonymise", "--pseudonymize", "pseudonymise", is_flag=True,
              help="Replace tenancy ids by keyed hashes (key from $PLANNER_PSEUDONYM_KEY or --key-file).")
@click.option("--key-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File holding the pseudonymisation key (implies --pseudonymise).")
@click.option("--top", type=click.IntRange(1, 100_000), default=50, show_default=True,
              help="Tenancies explained in contact.txt (this week's calls).")
@click.option("--workers", type=click.IntRange(1, 2), default=None,
              help="Processes judging the ledger: 1 runs it in one process; default two on a machine with two"
                   " cores or more. The files are the same either way.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
def ledger_cmd(ledger, out, columns, as_of, pseudonymise, key_file, top, workers, no_progress) -> None:
    """Find tenants early in the landlord's rent ledger: patterns, early warning, who to call."""
    from planner import asof
    from planner.batch import BatchError, load_key
    from planner.io.errors import InputError
    from planner.ledger.run import LedgerInputError, LedgerOptions, console_lines, run_ledger

    try:
        key = load_key(key_file) if (pseudonymise or key_file) else None
        opts = LedgerOptions(out=out, as_of=as_of if as_of else asof.today(), columns=columns, key=key,
                             top=top, workers=workers, progress=None if no_progress else _progress_bar())
        s = run_ledger(ledger, opts)
    except (LedgerInputError, BatchError) as exc:
        fail_input([str(exc)])
    except InputError as exc:
        fail_input([str(p) for p in exc.problems])
    except OSError as exc:  # a full disk, a read-only or vanished folder: one line, no traceback
        click.echo(f"error: {write_problem(exc, out)}", err=True)
        sys.exit(EXIT_WRITE)
    click.echo("\n".join(console_lines(s, out)))
    if s.rows_used == 0:
        fail_input([f"{ledger}: ingen rad kunne brukes: se {out / 'errors.csv'}"])


#: the exit status of a run that could not write its results (as `planner batch`)
EXIT_WRITE = 1


def write_problem(exc: OSError, out: Path) -> str:
    """What could not be written, and why, in one line (Norwegian, as the run's other messages)."""
    name = Path(exc.filename) if exc.filename else out
    cause = exc.strerror or str(exc) or type(exc).__name__
    return (f"kan ikke skrive til {name.parent if name != out else out}: {cause}; ingen halvskrevne filer er igjen:"
            " frigjør plass (eller gjør mappen skrivbar) og kjør igjen")


def _progress_bar():
    """A rich progress bar on a terminal (stderr), else None."""
    import sys as _sys

    if not _sys.stderr.isatty():
        return None
    from rich.progress import Progress

    bar = Progress(transient=True)
    tasks: dict[str, Any] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            if not tasks:
                bar.start()
            tasks[stage] = bar.add_task({"read": "leser", "analyse": "analyserer"}.get(stage, stage), total=total)
        bar.update(tasks[stage], completed=done)
        if stage == "analyse" and done >= total:
            bar.stop()

    return update

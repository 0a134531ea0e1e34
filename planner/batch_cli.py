"""`planner batch`: the click command (thin: parse options, call `planner.batch.run_batch`, print).

Kept beside the library so cli.py only registers it; heavy modules are imported when it runs.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import click

from .options import DAY

EXIT_INPUT = 2
EXIT_WRITE = 1  # the output could not be written (disk full, read-only), or a household was lost
EXIT_INVALID_PLAN = 3  # a plan failed docs/plan.schema.json: the household is in errors.csv, its plan not written


def _finite(ctx, param, value):
    """click's FloatRange lets nan through (every comparison with nan is false)."""
    import math

    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a number of seconds (give e.g. 10)", ctx, param)
    return value


def _today():
    """Today, read here at the edge (never in the engine or the workers), through
    `planner.asof.today`, the one function a test fakes to run a command on another day."""
    from planner import asof

    return asof.today()


@click.command(name="batch")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for results.csv, results.xlsx, plans/, errors.csv and summary.txt.")
@click.option("--columns", "columns", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Column map (TOML): their column and sheet names to ours.")
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Worker processes (default: one per core). Each runs one solver at a time.")
@click.option("--horizon-months", type=click.IntRange(1, 60), default=None,
              help="Plan every household over this many months (overrides the input's `months`).")
@click.option("--resume", is_flag=True, help="Continue an interrupted run in --out without duplicates.")
@click.option("--pseudonymise", "--pseudonymize", "pseudonymise", is_flag=True,
              help="Replace ids by keyed hashes (HMAC-SHA256; key from $PLANNER_PSEUDONYM_KEY or --key-file).")
@click.option("--key-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File holding the pseudonymisation key (implies --pseudonymise).")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: worker processes on this machine; dask: a Dask distributed cluster.")
@click.option("--scheduler", default=None, help="Dask scheduler address (with --engine dask), e.g. tcp://host:8786.")
@click.option("--time-limit", type=click.FloatRange(0.001, 3600), default=10.0, show_default=True, callback=_finite,
              help="Work limit per solver phase, in CP-SAT deterministic seconds (the same on every machine); "
                   "a household that reaches it is reported with status 'timeout'.")
@click.option("--check-only", is_flag=True, help="Check and rank every household, plan none.")
@click.option("--same-day-credit", is_flag=True, help="Let a payout cover a debit on the same day.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
@click.option("--exact-shortfall", is_flag=True,
              help="For households without a plan, solve for the least extra sums (slower); "
                   "default: the sums that suffice with no lever, an upper bound.")
@click.option("--as-of", "as_of", type=DAY, default=None,
              help="The day the plans are made (default today): lead times count from it; a horizon partly "
                   "before it is planned for what remains, one wholly before it is reported as an error.")
@click.option("--roll-forward", "roll", is_flag=True,
              help="Plan every household from the as-of date for its number of months.")
@click.option("--on-time", is_flag=True,
              help="Plan for payouts on their days only (default: each plan holds when each payout comes up to "
                   "its late_days bank days late).")
def batch(inputs, out, columns, workers, horizon_months, resume, pseudonymise, key_file, engine, scheduler,
          time_limit, check_only, same_day_credit, no_progress, exact_shortfall, as_of=None, roll=False,
          on_time=False) -> None:
    """Check every household in tenant/payout tables (CSV, XLSX) or folders of household files,
    plan those with a problem, and write a prioritised list to --out."""
    from concurrent.futures.process import BrokenProcessPool

    from planner.batch import BatchError, BatchOptions, load_key, run_batch
    from planner.io.errors import InputError
    from planner.io.tables import UnreadableInput

    def fail(message: str) -> None:
        click.echo(f"error: {message}", err=True)
        sys.exit(EXIT_INPUT)

    if engine == "dask" and not scheduler:
        fail("--engine dask needs --scheduler ADDRESS (e.g. tcp://127.0.0.1:8786)")
    if scheduler and engine != "dask":
        fail("--scheduler is for --engine dask")
    try:
        key = load_key(key_file) if (pseudonymise or key_file) else None
        opts = BatchOptions(out=out, workers=workers, horizon_months=horizon_months, resume=resume, key=key,
                            engine=engine, scheduler=scheduler, time_limit_s=time_limit, check_only=check_only,
                            columns=columns, same_day_credit=same_day_credit, progress=not no_progress,
                            shortfall="exact" if exact_shortfall else "bound",
                            as_of=as_of.date() if as_of else _today(), roll_forward=roll, on_time=on_time)
        s = run_batch(list(inputs), opts, echo=click.echo, warn=lambda text: click.echo(text, err=True))
    except (BatchError, UnreadableInput) as exc:
        fail(str(exc))
    except InputError as exc:
        for p in exc.problems:
            click.echo(f"error: {p}", err=True)
        sys.exit(EXIT_INPUT)
    except BrokenProcessPool:
        click.echo(f"error: a worker process died (out of memory?); finished households are kept in {out}:"
                   " continue with --resume (perhaps with fewer --workers)", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo(f"interrupted: finished households are kept in {out}; continue with --resume", err=True)
        sys.exit(130)
    except (OSError, sqlite3.Error) as exc:  # disk full, a read-only or vanished folder
        click.echo(f"error: {write_problem(exc, out)}", err=True)
        sys.exit(EXIT_WRITE)
    click.echo(f"rows in: {s.rows_in} = households planned {s.planned} + households in errors {s.in_errors}")
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(s.by_status.items()))
    click.echo(f"status: {statuses or '-'}; errors.csv: {s.error_rows} rows")
    click.echo(f"results: {s.out / 'results.csv'}, {s.out / 'results.xlsx'}, summary: {s.out / 'summary.txt'}"
               f" ({s.seconds:.1f} s)")
    click.echo(f"peak memory: main {s.main_rss_kib // 1024} MiB, largest worker {s.worker_rss_kib // 1024} MiB")
    if not s.consistent:
        click.echo(f"error: rows in ({s.rows_in}) differ from households planned ({s.planned}) + in errors"
                   f" ({s.in_errors}): a household was lost; the results are incomplete (see summary.txt)", err=True)
        sys.exit(EXIT_WRITE)
    if s.invalid_plans:
        click.echo(f"error: {s.invalid_plans} plans failed docs/plan.schema.json and were not written; the households"
                   f" are in {s.out / 'errors.csv'} (a planner bug: please report it)", err=True)
        sys.exit(EXIT_INVALID_PLAN)
    if s.planned == 0:
        fail(f"no household could be read: see {s.out / 'errors.csv'}")


def write_problem(exc: Exception, out: Path) -> str:
    """One line for a failed read or write: the folder, the cause, and what to do."""
    import tempfile

    if isinstance(exc, sqlite3.Error):  # the spool, an anonymous database in the temporary folder
        folder, cause = Path(tempfile.gettempdir()), str(exc)
    elif isinstance(exc, IsADirectoryError):  # an output's place is taken by a folder (a rename's target)
        taken = Path(getattr(exc, "filename2", None) or exc.filename or out)
        return (f"cannot write {taken}: a folder of that name is in its place; move it away and run again"
                f" with --resume (the households finished so far are kept in {out})")
    else:
        name = Path(exc.filename) if isinstance(exc, OSError) and exc.filename else out
        folder = name if name.is_dir() else name.parent
        cause = (exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)) or type(exc).__name__
        try:
            inside = name.resolve().is_relative_to(out.resolve())
        except OSError:
            inside = True
        if not inside:
            return f"cannot read {name}: {cause}"
    return (f"cannot write to {folder}: {cause}; the households finished so far are kept in {out}:"
            " make room (or make the folder writable) and continue with --resume")

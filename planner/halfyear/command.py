"""`planner report`: the half-year report from the database and/or batch output folders.

Thin: parse the options, read the sources, build and render the report, write one file. Bad
input (a date, a folder that is not a batch output, an unknown format) is one `error:` line
naming what is wrong and exit status 2, never a traceback.
"""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

import click

from ..io.dateparam import DATE

EXIT_INPUT = 2


def _fail(msg: str) -> None:
    click.echo(f"error: {msg}", err=True)
    sys.exit(EXIT_INPUT)


def write_private(path: Path, data: bytes) -> None:
    """`data` to `path` through a 0600 temporary file and an atomic rename."""
    from ..io.files import private_opener, remove_leftovers

    remove_leftovers(path.parent, [f".{path.name}.*.tmp"])  # a killed run's half-written report
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb", opener=private_opener) as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


@click.command(name="report")
@click.option("--from", "start", required=True, type=DATE,
              help="First day of the period, DD.MM.YYYY or YYYY-MM-DD.")
@click.option("--to", "end", required=True, type=DATE,
              help="Last day of the period, DD.MM.YYYY or YYYY-MM-DD.")
@click.option("--db", "db_url", default=None,
              help="The web page's database (as for planner serve --db), e.g. sqlite:///planner.db.")
@click.option("--batch", "batches", multiple=True, type=click.Path(path_type=Path),
              help="A `planner batch` output folder (repeatable).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Report file: .pdf, .xlsx, .md or .html.")
@click.option("--format", "fmt", type=click.Choice(["pdf", "xlsx", "md", "html"]), default=None,
              help="Format (default: from --out's suffix).")
def report(start: date, end: date, db_url: str | None, batches: tuple[Path, ...], out: Path, fmt: str | None) -> None:
    """The half-year report: the caseload in figures, with no personal data (counts under 5 shown as "< 5")."""
    from ..cashflow import gc_paused

    # (a report holds tens of thousands of objects to the end: each full collection walked them
    # all again, a seventh of the command's CPU; the bytes are the same either way)
    with gc_paused():
        _report(start, end, db_url, batches, out, fmt)


def _report(start: date, end: date, db_url: str | None, batches: tuple[Path, ...], out: Path, fmt: str | None) -> None:
    from . import FORMATS, Caseload, Period, build_report, render
    from .batchsource import ReportInputError, read_batch
    from .dbsource import read_db
    from .render import preload

    fmt = fmt or out.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        _fail(f"--out {out}: give a file ending .pdf, .xlsx, .md or .html (or --format)")
    try:
        period = Period(start, end)
    except ValueError as exc:
        _fail(f"--from/--to: {exc}")
    caseload = Caseload()
    try:
        for folder in batches:
            cases, line = read_batch(folder)
            caseload.add(cases, line)
        if db_url:  # last: a household imported from a batch keeps its case (opened on import, not before)
            # two cores: the rows made into cases here and in a forked child, this process
            # loading the libraries for `fmt` first
            cases, line = read_db(db_url, parallel=True, meanwhile=lambda: preload(fmt))
            caseload.add(cases, line)
    except ReportInputError as exc:
        _fail(str(exc))
    if not caseload.sources:
        _fail("no source: give --db URL and/or --batch DIR (repeatable)")
    data = render(build_report(caseload, period), fmt, parallel=True)
    try:
        if out.parent != Path(""):
            out.parent.mkdir(parents=True, exist_ok=True)
        write_private(out, data)
    except OSError as exc:
        _fail(f"--out {out}: cannot write the report ({exc.strerror or exc})")
    click.echo(f"Rapport {period.label()}: {out} ({len(data)} byte)", err=True)


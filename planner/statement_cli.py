"""`planner import-statement`: a household draft from bank statements (the library is
`planner.statement`). Registered by planner/cli.py; the statement readers are imported when it runs."""

from __future__ import annotations

from pathlib import Path

import click

from planner.formatting import nb_date
from planner.io.dateparam import DATE
from planner.options import fail_input


@click.command(name="import-statement")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["csv", "camt053", "ofx", "pdf"]), default=None,
              help="Statement format (default: told from the content, pdf by suffix; camt053 also reads camt.052/054; "
                   "pdf: the bank's PDF with a text layer).")
@click.option("--columns", type=click.Path(dir_okay=False), default=None,
              help="Column map (TOML) for a bank CSV: [statement] date = \"...\", amount = \"...\"; [csv] separator, encoding.")
@click.option("--preset", default=None, metavar="BANK",
              help="Bank preset for a CSV/XLSX export, whatever its header says: dnb, nordea, sparebank1, sbanken, "
                   "sdc (Handelsbanken, Eika, BN Bank), danske (default: picked from the header).")
@click.option("--as-of", "as_of", type=DATE, default=None,
              help="First day of the draft's plan, DD.MM.YYYY or YYYY-MM-DD (default: the day after the statement ends).")
@click.option("--id", "hid", default=None, help="Household id in the draft (default utkast-DATE).")
@click.option("--account", default=None,
              help="For a camt/OFX file of several accounts: the account to read (its last four digits or more).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Household draft to write (TOML, evidence as comments).")
def import_statement(files, fmt, columns, preset, as_of, hid, account, out) -> None:
    """Draft a household from bank statements: the payouts and bills found, for a person to confirm."""
    import dataclasses

    from planner.io.errors import InputError
    from planner.io.tables import ColumnMap
    from planner.statement import default_as_of, detect, read_files, toml_text
    from planner.statement.csvfile import ColumnsProblem
    from planner.statement.guess import write_sample

    try:
        colmap = ColumnMap.load(columns) if columns else None
        if preset:
            colmap = dataclasses.replace(colmap or ColumnMap(), preset=preset)
        statement = read_files(files, fmt, colmap, account)
    except InputError as exc:
        # columns no preset or map fits: a sample map beside the file, for the person to correct
        fail_input([str(p) + (write_sample(p.file, p.sample) if isinstance(p, ColumnsProblem) else "")
                     for p in exc.problems])
    for note in statement.notes:
        click.echo(f"merk: {note}", err=True)
    if statement.rejected:
        first = statement.rejected[0]
        click.echo(f"advarsel: {len(statement.rejected)} rad(er) avvist, utkastet bygger på resten; første: {first}",
                   err=True)
    found = detect(statement)
    start = as_of if as_of else default_as_of(found)
    if start <= found.statement_end:
        fail_input([f"--as-of {nb_date(start)}: må være etter kontoutskriftens siste dag "
                     f"({nb_date(found.statement_end)}): utkastet starter fra saldoen den dagen"])
    if (start - found.statement_end).days > 14:
        click.echo(f"advarsel: --as-of {nb_date(start)} er {(start - found.statement_end).days} dager etter "
                   f"kontoutskriften ({nb_date(found.statement_end)}): saldoen i utkastet kan være utdatert", err=True)
    text = toml_text(found, start, hid, files=len(files))
    try:
        from planner.io.files import write_atomic

        out.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(out, text)  # a tenant's money: owner only (0600)
    except OSError as exc:
        fail_input([f"--out {out}: kan ikke skrive utkastet ({exc.strerror or exc})"])
    click.echo(f"Utkast: {out} ({len(found.incomes)} inntekter, {len(found.expenses)} utgifter, "
               f"{len(found.excluded)} poster ikke tatt med); kontroller det før planlegging.", err=True)
    if found.rent is None:
        click.echo("advarsel: fant ingen husleie i kontoutskriften; legg den inn i utkastet", err=True)

"""Command line of planner. Thin on purpose: parse options, call the library, print.

Heavy libraries (numpy, pydantic, holidays, matplotlib, ortools) are imported inside the
commands, so `planner --help` and a single `planner check` start fast.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import click

from planner.options import DAY

EXIT_INPUT = 2
EXIT_TIMEOUT = 1  # a household the solver could not finish in time (not an input error)
EXIT_INVALID_PLAN = 3  # a plan failed docs/plan.schema.json: a planner bug, the plan is not shown


def _fail_input(errors: list[str]) -> NoReturn:
    for e in errors:
        click.echo(f"error: {e}", err=True)
    sys.exit(EXIT_INPUT)


def _finite(ctx, param, value):
    """click's FloatRange lets NaN through (every comparison with NaN is false)."""
    import math

    if value is not None and not math.isfinite(value):
        raise click.BadParameter("must be a finite number")
    return value


def _kroner(ctx, param, value):
    """A kroner option parsed like amounts in files: at most two decimals, never a float."""
    from planner.money import MoneyError, kroner_to_ore

    try:
        ore = kroner_to_ore(value)
    except MoneyError as exc:
        raise click.BadParameter(str(exc)) from None
    if ore < 0:
        raise click.BadParameter("must not be negative")
    return ore


def _chart_problem(chart: str, exc: Exception) -> str:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).split(";")[0]
    return f"--chart {chart}: cannot write the chart ({reason}); give a writable path ending .png, .svg or .pdf"


def _chart_path(base: str, household_id: str, many: bool) -> Path:
    p = Path(base)
    return p.with_name(f"{p.stem}-{household_id}{p.suffix or '.png'}") if many else p


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="planner")
def main() -> None:
    """Payout-date coordination planner for municipal housing tenants."""


def _as_of_option(f):
    """`--as-of`: the date the check or plan is made (default today): the opening balance is the
    balance on that day, nothing before it is planned, and every lead time counts from it."""
    return click.option("--as-of", "as_of", type=DAY, default=None,
                        help="The day the plan is made (YYYY-MM-DD; default today): opening_balance is the "
                             "balance on that day, nothing before it is planned, lead times count from it.")(f)


def _roll_options(f):
    """`--roll-forward` and `--lead-times` for the commands that plan."""
    f = click.option("--roll-forward", "roll", is_flag=True,
                     help="Re-plan from the as-of date for the same number of months (14-day rhythms carried "
                          "forward from their anchors, dated items by whole years).")(f)
    return click.option("--lead-times", "lead_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                        help="The office's lead times (TOML, the shape of [lead.*] in planner/data/levers.toml).")(f)


def _today(as_of) -> date | None:
    """The as-of date: the option, else today (the clock is read here, at the edge, through
    `planner.asof.today`, the one function a test fakes to run a command on another day)."""
    from planner import asof

    return as_of.date() if as_of is not None else asof.today()


def _day_for(h, as_of, today: date | None) -> date | None:
    """The as-of date for `h`: --as-of, else the household file's own `as_of`, else today
    (`planner.asof.as_of_for`, the rule every command shares)."""
    from planner.asof import as_of_for

    return as_of_for(as_of.date() if as_of is not None else None, h, today)


def _aligned(h, as_of: date | None, roll: bool):
    """The household to plan on `as_of` (planner.asof.align); a passed horizon exits 2. With no
    --as-of, a household file's own `as_of` counts before today."""
    from planner.asof import HorizonPassed, align

    try:
        return align(h, as_of, roll)
    except HorizonPassed as exc:
        _fail_input([str(exc)])


def _leads(lead_file: Path | None, h):
    """The lead times: the data's, the office's file, the household's [levers.lead]."""
    from planner.levers.lead import LeadError, lead_table

    office = None
    if lead_file is not None:
        import tomllib

        try:
            office = tomllib.loads(lead_file.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            _fail_input([f"--lead-times {lead_file}: {exc}"])
        office = office.get("lead", office)
    try:
        return lead_table(office, h.levers.lead, office_name=f"--lead-times {lead_file}")
    except LeadError as exc:
        _fail_input([str(exc)])


def _warn_if_stale(days) -> None:
    """Warn once (stderr) when the latest as-of date in use (the option's, the files' own, or
    today's) is past the bundled data's last known date. Given the days actually used, so a
    file that pins its `as_of` warns the same way on every day; the engine never reads the clock."""
    from planner.staleness import stale_warning

    used = [d for d in days if d is not None]
    warning = stale_warning(max(used)) if used else None
    if warning:
        click.echo(warning, err=True)


@main.command()
# Files are not checked by click: `read_household` reports a missing file or a folder in the
# same `error: FILE: ...` form as every other input problem.
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text for a caseworker, json for programs (the plan contract's diagnosis part).")
@click.option("--chart", type=click.Path(dir_okay=False), default=None,
              help="Write a PNG of the balance over the horizon (several files: -ID is added to the name).")
@click.option("--same-day-credit", is_flag=True,
              help="Let a payout cover a debit on the same day (default: debits first).")
@_as_of_option
@click.option("--roll-forward", "roll", is_flag=True,
              help="Check from the as-of date for the same number of months (as for plan).")
def check(files: tuple[Path, ...], fmt: str, chart: str | None, same_day_credit: bool, as_of=None,
          roll: bool = False) -> None:
    """Diagnose households from the as-of date: does the balance dip below the floor, and why."""
    today = _today(as_of)
    from planner.cashflow import diagnose_many
    from planner.explain import has_problem, if_nothing_done
    from planner.io.errors import InputError
    from planner.io.household import read_household
    from planner.report import diagnosis_text

    read: list = []
    errors: list[str] = []
    for f in files:
        try:
            read.append(read_household(f))
        except InputError as exc:
            errors.extend(str(p) for p in exc.problems)
    _warn_if_stale([_day_for(h, as_of, today) for h in read] or [today])
    households = [_aligned(h, _day_for(h, as_of, today), roll).household for h in read]
    diagnoses = diagnose_many(households, same_day_credit) if households else []
    projections = [if_nothing_done(h, same_day_credit) if has_problem(h, dg) else None
                   for h, dg in zip(households, diagnoses)]
    if fmt == "json":
        docs = [
            {
                "format": "planner.check/1",
                "household": h.id,
                "as_of": h.as_of.isoformat() if h.as_of else None,
                "horizon": {"start": h.start.isoformat(), "end": h.end.isoformat()},
                "baseline": dg.to_json(),
                "if_nothing_done": None if pr is None else pr.to_json(),
            }
            for h, dg, pr in zip(households, diagnoses, projections)
        ]
        if docs:
            click.echo(json.dumps(docs[0] if len(files) == 1 else docs, ensure_ascii=False, indent=2))
    else:
        click.echo("\n\n".join(diagnosis_text(h, dg, pr) for h, dg, pr in zip(households, diagnoses, projections)),
                   nl=bool(households))
    if chart:
        from planner.chart import household_chart

        for h in households:
            try:
                out = household_chart(h, _chart_path(chart, h.id, len(files) > 1), same_day_credit,
                                      _day_for(h, as_of, today))
            except (OSError, ValueError) as exc:
                _fail_input([_chart_problem(chart, exc)])
            click.echo(f"Diagram: {out}", err=True)
    if errors:
        _fail_input(errors)


LETTER_TO = ("tenant", "landlord", "nav", "husbanken", "sosialtjenesten")
LETTER_FORMATS = ("md", "html", "pdf", "docx")


#: `--on-time` for the commands that plan (plan, letter)
_on_time_option = click.option(
    "--on-time", is_flag=True,
    help="Plan for payouts on their days only (default: the plan holds when each payout comes up to its "
         "late_days bank days late).")


def _letter_options(f):
    """The options every letter command shares: language, sender, date and reference."""
    opts = [
        click.option("--lang", type=click.Choice(["nb", "en"]), default="nb", show_default=True, help="Letter language."),
        click.option("--config", type=click.Path(dir_okay=False), default=None,
                     help="Letters config (TOML): [sender] office and caseworker, [recipients.X] addresses."),
        click.option("--kommune", default=None, help="Municipality on the letterhead (overrides the config)."),
        click.option("--office", default=None, help="Office or unit on the letterhead (overrides the config)."),
        click.option("--caseworker", default=None, help="Caseworker who signs (overrides the config)."),
        click.option("--title", "cw_title", default=None, help="Caseworker's title under the signature."),
        click.option("--phone", default=None, help="Caseworker's phone."),
        click.option("--email", default=None, help="Caseworker's email."),
        click.option("--date", "letter_date", type=click.DateTime(["%Y-%m-%d"]), default=None,
                     help="Letter date, YYYY-MM-DD (default today)."),
        click.option("--reply-by", type=click.DateTime(["%Y-%m-%d"]), default=None,
                     help="Answer-by date, YYYY-MM-DD (default: letter date + reply_days, 14)."),
        click.option("--reference", default=None, help="Case reference (saksnummer); default the household id."),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


def _letter_sender(o: dict):

    from planner import asof
    from planner.letters import LetterConfigError, sender_from_options

    letter_date = o["letter_date"].date() if o["letter_date"] else asof.today()
    if o["reply_by"] is not None and o["reply_by"].date() < letter_date:
        _fail_input([f"--reply-by {o['reply_by'].date().isoformat()} is before the letter date "
                     f"{letter_date.isoformat()}: the answer-by date must be on or after it"])
    try:
        return sender_from_options(o["config"], kommune=o["kommune"], office=o["office"], caseworker=o["caseworker"],
                                   title=o["cw_title"], phone=o["phone"], email=o["email"])
    except LetterConfigError as exc:
        _fail_input([str(exc)])


def _letter_kw(o: dict) -> dict:
    return {"sender": _letter_sender(o), "letter_date": o["letter_date"].date() if o["letter_date"] else None,
            "reference": o["reference"], "reply_by": o["reply_by"].date() if o["reply_by"] else None}


def _warn_late_letter(h, p, o: dict) -> None:
    """A warning (not an error) when the letter is dated after the plan's first change."""

    from planner import asof
    from planner.letters import first_change

    letter_date = o["letter_date"].date() if o["letter_date"] else (p.as_of or asof.today())
    first = first_change(h, p)
    if first is not None and letter_date > first:
        click.echo(f"advarsel: {h.id}: brevet er datert etter at første endring skulle tre i kraft "
                   f"({first.strftime('%d.%m.%Y')})", err=True)


def _write_letters(h, p, directory: str, fmt: str, o: dict) -> list[Path]:
    from planner.letters import LetterError, write_letters

    kw = _letter_kw(o)
    try:
        paths = write_letters(h, p, directory, o["lang"], fmt, **kw)
    except LetterError as exc:
        _fail_input([f"{h.id}: {exc}"])
    except OSError as exc:
        _fail_input([f"--letters {directory}: cannot write the letters ({exc.strerror or exc})"])
    if paths:
        _warn_late_letter(h, p, o)
    return paths


@main.command(name="plan")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text for a caseworker, json for the plan contract (planner.plan/1).")
@click.option("--chart", type=click.Path(dir_okay=False), default=None,
              help="Write a PNG of the balance before and after the plan.")
@click.option("--allow", "allow", multiple=True, help="Allow this lever (repeatable; overrides the file).")
@click.option("--forbid", "forbid", multiple=True, help="Forbid this lever (repeatable; beats --allow).")
@click.option("--same-day-credit", is_flag=True, help="Let a payout cover a debit on the same day.")
@click.option("--buffer-target", default="1000", show_default=True, callback=_kroner,
              help="Kroner: among the cheapest plans prefer one keeping this much above the floor.")
@click.option("--time-limit", type=click.FloatRange(0.1, 3600), default=20.0, show_default=True,
              callback=_finite, help="Seconds per solver phase.")
@_on_time_option
@click.option("--alternatives", type=click.IntRange(1, 4), default=1, show_default=True,
              help="Show the best plan and up to N-1 alternatives that ask different things of different people.")
@click.option("--letters", "letters_dir", type=click.Path(file_okay=False), default=None,
              help="Write one letter for each recipient the plan needs into this folder.")
@click.option("--letter-format", type=click.Choice(LETTER_FORMATS), default="pdf", show_default=True,
              help="Format of the --letters files.")
@_letter_options
@_as_of_option
@_roll_options
def plan_cmd(files, fmt, chart, allow, forbid, same_day_credit, buffer_target, time_limit, on_time, alternatives,
             letters_dir, letter_format, as_of=None, roll=False, lead_file=None, **letter_opts) -> None:
    """Find the cheapest interventions that keep the account solvent every day, from the as-of
    date: each lever from the first booking its lead time lets it change, a bridge before."""
    today = _today(as_of)
    from planner.assessment import plan_explained as plan
    from planner.io.errors import InputError
    from planner.io.household import read_household
    from planner.io.plan_schema import InvalidPlan, check_plan
    from planner.levers import LeverError, check_names
    from planner.report import plan_text
    from planner.solver import SolverTimeout

    try:
        check_names(allow, "--allow")
        check_names(forbid, "--forbid")
    except LeverError as exc:
        _fail_input([str(exc)])
    if letters_dir:
        _letter_sender(letter_opts)  # refuse a missing caseworker before any solving
    outputs: list = []
    errors: list[str] = []
    timeouts: list = []
    invalid: list[str] = []
    read: list = []
    for f in files:
        try:
            read.append((f, read_household(f)))
        except InputError as exc:
            errors.extend(str(p) for p in exc.problems)
    _warn_if_stale([_day_for(h, as_of, today) for _, h in read] or [today])
    for f, h in read:
        day = _day_for(h, as_of, today)
        aligned = _aligned(h, day, roll)
        h = aligned.household
        try:
            p = plan(h, allow, forbid, same_day_credit=same_day_credit, buffer_target_ore=buffer_target,
                     time_limit_s=time_limit, on_time=on_time, alternatives=alternatives, as_of=day,
                     leads=_leads(lead_file, h), horizon_note=aligned.note)
        except SolverTimeout:
            timeouts.append(f"{f}: {h.id}: no plan found within --time-limit {time_limit:g} s per phase; "
                            "try a longer limit")
            continue
        try:
            # a plan that breaks the contract is never shown, written or turned into letters
            check_plan(p.to_json())
        except InvalidPlan as exc:
            invalid.append(f"{f}: {exc}; the plan is not shown (a planner bug: please report it)")
            continue
        outputs.append((h, p))
        if letters_dir:
            for path in _write_letters(h, p, letters_dir, letter_format, letter_opts):
                click.echo(f"Brev: {path}", err=True)
        if chart:
            from planner.chart import plan_chart

            try:
                out = plan_chart(h, p, _chart_path(chart, h.id, len(files) > 1), same_day_credit)
            except (OSError, ValueError) as exc:
                _fail_input([_chart_problem(chart, exc)])
            click.echo(f"Diagram: {out}", err=True)
    if fmt == "json":
        docs = [p.to_json() for _, p in outputs]
        if docs:
            click.echo(json.dumps(docs[0] if len(files) == 1 else docs, ensure_ascii=False, indent=2))
    elif outputs:
        click.echo("\n\n".join(plan_text(h, p) for h, p in outputs))
    if errors:
        _fail_input(errors + timeouts + invalid)
    for t in timeouts + invalid:
        click.echo(f"error: {t}", err=True)
    if invalid:
        sys.exit(EXIT_INVALID_PLAN)
    if timeouts:
        sys.exit(EXIT_TIMEOUT)


@main.command(name="letter")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--to", "to", type=click.Choice(LETTER_TO), required=True, help="Who the letter is for.")
@click.option("--format", "fmt", type=click.Choice(LETTER_FORMATS), default=None,
              help="md, html, pdf or docx (default: from the --out suffix, else pdf).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="File to write.")
@click.option("--recipient-name", default=None, help="Name on the letter (default from the config, or generic).")
@click.option("--recipient-address", default=None, help="Address lines on the letter, separated by ';'.")
@click.option("--allow", "allow", multiple=True, help="Allow this lever (as for plan).")
@click.option("--forbid", "forbid", multiple=True, help="Forbid this lever (as for plan).")
@_on_time_option
@_letter_options
@_as_of_option
@_roll_options
def letter_cmd(file, to, fmt, out, recipient_name, recipient_address, allow, forbid, on_time=False, as_of=None,
               roll=False, lead_file=None, **o) -> None:
    """Write the plan's letter to one recipient (tenant, landlord, NAV, Husbanken, social office)."""
    from planner.assessment import plan_explained as plan
    from planner.io.errors import InputError
    from planner.io.household import read_household
    from planner.letters import LetterError, Recipient, format_for_path, render_letter
    from planner.levers import LeverError, check_names

    try:
        fmt = format_for_path(out, fmt)
    except LetterError as exc:
        _fail_input([f"--out {exc}"])
    try:
        check_names(allow, "--allow")
        check_names(forbid, "--forbid")
    except LeverError as exc:
        _fail_input([str(exc)])
    kw = _letter_kw(o)
    try:
        h = read_household(file)
    except InputError as exc:
        _fail_input([str(p) for p in exc.problems])
    day = _day_for(h, as_of, _today(as_of))
    _warn_if_stale([day])
    aligned = _aligned(h, day, roll)
    h = aligned.household
    p = plan(h, allow, forbid, as_of=day, leads=_leads(lead_file, h), horizon_note=aligned.note, on_time=on_time)
    recipient = None
    if recipient_name or recipient_address:
        base = kw["sender"].recipient(to)
        recipient = Recipient(name=recipient_name or base.name,
                              address=tuple(x.strip() for x in (recipient_address or "").split(";") if x.strip())
                              or base.address, account=base.account)
    try:
        data = render_letter(h, p, to, o["lang"], fmt, recipient=recipient, **kw)
    except LetterError as exc:
        _fail_input([f"{file}: {exc}"])
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    except OSError as exc:
        _fail_input([f"--out {out}: cannot write the letter ({exc.strerror or exc})"])
    _warn_late_letter(h, p, o)
    click.echo(f"Brev: {out}", err=True)


@main.command(name="calendar")
@click.option("--year", type=click.IntRange(1990, 2100), required=True, help="Calendar year.")
@click.option("--kind", "kinds", multiple=True, help="Only this benefit kind (repeatable); aliases allowed.")
def calendar_cmd(year: int, kinds: tuple[str, ...]) -> None:
    """Print each benefit's effective payout dates in YEAR."""
    from planner.benefits import catalogue
    from planner.calendar import payout_table

    cat = catalogue()
    chosen = []
    for k in kinds:
        canon = cat.canonical(k.strip().lower())
        if canon is None:
            _fail_input([f"--kind: unknown benefit kind {k!r}; allowed: {cat.allowed_income_names()}"])
        chosen.append(canon)
    for kind, occ, note in payout_table(year, chosen or None):
        info = cat.kinds[kind]
        click.echo(f"{info.name} ({kind}, {info.payer}) – {note}")
        if occ is None:
            click.echo("  –")
        else:
            click.echo("  " + " ".join(o.effective.strftime("%d.%m") for o in occ))


@main.command(name="import-statement")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["csv", "camt053", "ofx", "pdf"]), default=None,
              help="Statement format (default: told from the content, pdf by suffix; camt053 also reads camt.052/054; "
                   "pdf: the bank's PDF with a text layer).")
@click.option("--columns", type=click.Path(dir_okay=False), default=None,
              help="Column map (TOML) for a bank CSV: [statement] date = \"...\", amount = \"...\"; [csv] separator, encoding.")
@click.option("--preset", default=None, metavar="BANK",
              help="Bank preset for a CSV/XLSX export, whatever its header says: dnb, nordea, sparebank1, sbanken, "
                   "sdc (Handelsbanken, Eika, BN Bank), danske (default: picked from the header).")
@click.option("--as-of", "as_of", type=DAY, default=None,
              help="First day of the draft's plan, YYYY-MM-DD (default: the day after the statement ends).")
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
        _fail_input([str(p) + (write_sample(p.file, p.sample) if isinstance(p, ColumnsProblem) else "")
                     for p in exc.problems])
    for note in statement.notes:
        click.echo(f"merk: {note}", err=True)
    if statement.rejected:
        first = statement.rejected[0]
        click.echo(f"advarsel: {len(statement.rejected)} rad(er) avvist, utkastet bygger på resten; første: {first}",
                   err=True)
    found = detect(statement)
    start = as_of.date() if as_of else default_as_of(found)
    if start <= found.statement_end:
        _fail_input([f"--as-of {start.isoformat()}: must be after the statement's last day "
                     f"({found.statement_end.isoformat()}): the draft starts from its closing balance"])
    if (start - found.statement_end).days > 14:
        click.echo(f"advarsel: --as-of {start.isoformat()} er {(start - found.statement_end).days} dager etter "
                   f"kontoutskriften ({found.statement_end.isoformat()}): saldoen i utkastet kan være utdatert", err=True)
    text = toml_text(found, start, hid, files=len(files))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # a tenant's money: owner only
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(out, 0o600)
    except OSError as exc:
        _fail_input([f"--out {out}: cannot write the draft ({exc.strerror or exc})"])
    click.echo(f"Utkast: {out} ({len(found.incomes)} inntekter, {len(found.expenses)} utgifter, "
               f"{len(found.excluded)} poster ikke tatt med); kontroller det før planlegging.", err=True)
    if found.rent is None:
        click.echo("advarsel: fant ingen husleie i kontoutskriften; legg den inn i utkastet", err=True)


# `planner serve`: the web page (planner/web/command.py; FastAPI is imported only when it runs).
from planner.web.command import serve as _serve  # noqa: E402
from planner.web.command import sweep as _sweep  # noqa: E402

main.add_command(_serve)
main.add_command(_sweep)

# `planner batch`: every tenant in tables (planner/batch_cli.py; the library is planner/batch.py).
from planner.batch_cli import batch as _batch  # noqa: E402

main.add_command(_batch)

# `planner report`: the half-year report (planner/halfyear/command.py).
from planner.halfyear.command import report as _report  # noqa: E402

main.add_command(_report)


@main.command(name="ledger")
@click.argument("ledger", type=click.Path(path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for tenancies.csv, months.csv, patterns.*, contact.*, drafts, errors.csv, summary.*.")
@click.option("--columns", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Column map (TOML), as for planner batch: [ledger] columns, [kinds] words, [sheets], [csv].")
@click.option("--as-of", "as_of", type=DAY, default=None,
              help="The day to judge from, YYYY-MM-DD (default today); later bookings are left out.")
@click.option("--pseudonymise", "--pseudonymize", "pseudonymise", is_flag=True,
              help="Replace tenancy ids by keyed hashes (key from $PLANNER_PSEUDONYM_KEY or --key-file).")
@click.option("--key-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File holding the pseudonymisation key (implies --pseudonymise).")
@click.option("--top", type=click.IntRange(1, 100_000), default=50, show_default=True,
              help="Tenancies explained in contact.txt (this week's calls).")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
def ledger_cmd(ledger, out, columns, as_of, pseudonymise, key_file, top, no_progress) -> None:
    """Find tenants early in the landlord's rent ledger: patterns, early warning, who to call."""
    from planner import asof
    from planner.batch import BatchError, load_key
    from planner.io.errors import InputError
    from planner.ledger.run import LedgerInputError, LedgerOptions, run_ledger

    try:
        key = load_key(key_file) if (pseudonymise or key_file) else None
        opts = LedgerOptions(out=out, as_of=as_of.date() if as_of else asof.today(), columns=columns, key=key,
                             top=top, progress=None if no_progress else _progress_bar())
        s = run_ledger(ledger, opts)
    except (LedgerInputError, BatchError) as exc:
        _fail_input([str(exc)])
    except InputError as exc:
        _fail_input([str(p) for p in exc.problems])
    click.echo(f"rows read {s.rows_read} = used {s.rows_used} + blank {s.rows_blank} + in errors {s.rows_in_errors}"
               f"; errors.csv: {s.error_lines} lines")
    click.echo("patterns: " + ", ".join(f"{p} {n}" for p, n in s.by_pattern.items() if n))
    click.echo(f"contact list: {s.contact}; plan candidates: {s.candidates}; results in {out} ({s.seconds:.1f} s)")
    if s.rows_used == 0:
        _fail_input([f"{ledger}: no row could be used: see {out / 'errors.csv'}"])


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
            tasks[stage] = bar.add_task({"read": "reading", "analyse": "analysing"}.get(stage, stage), total=total)
        bar.update(tasks[stage], completed=done)
        if stage == "analyse" and done >= total:
            bar.stop()

    return update


if __name__ == "__main__":  # pragma: no cover
    main()

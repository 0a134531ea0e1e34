"""Command line of planner. Thin on purpose: parse options, call the library, print.

Heavy libraries (numpy, pydantic, holidays, matplotlib, ortools) are imported inside the
commands, so `planner --help` and a single `planner check` start fast.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from planner.io.dateparam import DATE
from planner.letter_options import (
    LETTER_FORMATS,
    LETTER_TO,
    letter_kw,
    letter_options,
    letter_sender,
    on_time_option,
    warn_late_letter,
    write_plan_letters,
)
from planner.options import fail_input, finite_number, kroner_option

EXIT_TIMEOUT = 1  # a household the solver could not finish in time (not an input error)
EXIT_INVALID_PLAN = 3  # a plan failed docs/plan.schema.json: a planner bug, the plan is not shown


def _chart_problem(chart: str, exc: Exception) -> str:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).split(";")[0]
    return f"--chart {chart}: cannot write the chart ({reason}); give a writable path ending .png, .svg or .pdf"


def _chart_path(base: str, household_id: str, many: bool) -> Path:
    p = Path(base)
    return p.with_name(f"{p.stem}-{household_id}{p.suffix or '.png'}") if many else p


class _Planner(click.Group):
    """The command group. A command that reaches a part installed as an extra that is missing
    (planner/extras.py: pyarrow for the ledger, pdfplumber, psycopg, Dask) ends with one line
    naming the extra to install and exit status 2, never a traceback about a module."""

    def invoke(self, ctx: click.Context) -> Any:
        from planner.extras import MissingExtra, missing_extra

        try:
            return super().invoke(ctx)
        except (ModuleNotFoundError, MissingExtra) as exc:
            missing = missing_extra(exc)
            if missing is None:
                raise
            fail_input([str(missing)])


@click.group(cls=_Planner, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="planner")
def main() -> None:
    """Payout-date coordination planner for municipal housing tenants."""


def _as_of_option(f):
    """`--as-of`: the date the check or plan is made (default today): the opening balance is the
    balance on that day, nothing before it is planned, and every lead time counts from it."""
    return click.option("--as-of", "as_of", type=DATE, default=None,
                        help="The day the plan is made (DD.MM.YYYY or YYYY-MM-DD; default today): opening_balance is the "
                             "balance on that day, nothing before it is planned, lead times count from it.")(f)


def _roll_options(f):
    """`--roll-forward` and `--lead-times` for the commands that plan."""
    f = click.option("--roll-forward", "roll", is_flag=True,
                     help="Re-plan from the as-of date for the same number of months (14-day rhythms carried "
                          "forward from their anchors, dated items by whole years).")(f)
    return click.option("--lead-times", "lead_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                        help="The office's lead times (TOML, the shape of [lead.*] in planner/data/levers.toml).")(f)


def _today(as_of: date | None) -> date:
    """The as-of date: the option, else today (the clock is read here, at the edge, through
    `planner.asof.today`, the one function a test fakes to run a command on another day)."""
    from planner import asof

    return as_of if as_of is not None else asof.today()


def _day_for(h, as_of: date | None, today: date) -> date:
    """The as-of date for `h`: --as-of, else the household file's own `as_of`, else today
    (`planner.asof.as_of_for`, the rule every command shares)."""
    from planner.asof import as_of_for

    return as_of_for(as_of, h, today)


def _aligned(h, as_of: date | None, roll: bool):
    """The household to plan on `as_of` (planner.asof.align); a passed horizon exits 2. With no
    --as-of, a household file's own `as_of` counts before today."""
    from planner.asof import HorizonPassed, align

    try:
        return align(h, as_of, roll)
    except HorizonPassed as exc:
        fail_input([str(exc)])


def _leads(lead_file: Path | None, h):
    """The lead times: the data's, the office's file, the household's [levers.lead]."""
    from planner.levers.lead import LeadError, lead_table

    office = None
    if lead_file is not None:
        import tomllib

        try:
            office = tomllib.loads(lead_file.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            fail_input([f"--lead-times {lead_file}: {exc}"])
        office = office.get("lead", office)
    try:
        return lead_table(office, h.levers.lead, office_name=f"--lead-times {lead_file}")
    except LeadError as exc:
        fail_input([str(exc)])


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
                fail_input([_chart_problem(chart, exc)])
            click.echo(f"Diagram: {out}", err=True)
    if errors:
        fail_input(errors)


@main.command(name="plan")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text for a caseworker, json for the plan contract (planner.plan/1).")
@click.option("--chart", type=click.Path(dir_okay=False), default=None,
              help="Write a PNG of the balance before and after the plan.")
@click.option("--allow", "allow", multiple=True, help="Allow this lever (repeatable; overrides the file).")
@click.option("--forbid", "forbid", multiple=True, help="Forbid this lever (repeatable; beats --allow).")
@click.option("--same-day-credit", is_flag=True, help="Let a payout cover a debit on the same day.")
@click.option("--buffer-target", default="1000", show_default=True, callback=kroner_option,
              help="Kroner: among the cheapest plans prefer one keeping this much above the floor.")
@click.option("--time-limit", type=click.FloatRange(0.1, 3600), default=20.0, show_default=True,
              callback=finite_number, help="Seconds per solver phase.")
@on_time_option
@click.option("--alternatives", type=click.IntRange(1, 4), default=1, show_default=True,
              help="Show the best plan and up to N-1 alternatives that ask different things of different people.")
@click.option("--letters", "letters_dir", type=click.Path(file_okay=False), default=None,
              help="Write one letter for each recipient the plan needs into this folder.")
@click.option("--letter-format", type=click.Choice(LETTER_FORMATS), default="pdf", show_default=True,
              help="Format of the --letters files.")
@letter_options
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
        fail_input([str(exc)])
    if letters_dir:
        letter_sender(letter_opts)  # refuse a missing caseworker before any solving
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
        granted = _granted(h, day, allow, forbid, same_day_credit, buffer_target, time_limit, on_time,
                           _leads(lead_file, h))
        doc = p.to_json()
        if granted is not None:
            doc["if_granted"] = granted.to_json()
        try:
            # a plan that breaks the contract (its "if granted" too) is never shown, written or
            # turned into letters
            check_plan(doc)
        except InvalidPlan as exc:
            invalid.append(f"{f}: {exc}; the plan is not shown (a planner bug: please report it)")
            continue
        outputs.append((h, p, doc, granted))
        if letters_dir:
            for path in write_plan_letters(h, p, letters_dir, letter_format, letter_opts):
                click.echo(f"Brev: {path}", err=True)
        if chart:
            from planner.chart import plan_chart

            try:
                out = plan_chart(h, p, _chart_path(chart, h.id, len(files) > 1), same_day_credit)
            except (OSError, ValueError) as exc:
                fail_input([_chart_problem(chart, exc)])
            click.echo(f"Diagram: {out}", err=True)
    if fmt == "json":
        docs = [doc for _, _, doc, _ in outputs]
        if docs:
            click.echo(json.dumps(docs[0] if len(files) == 1 else docs, ensure_ascii=False, indent=2))
    elif outputs:
        from planner.entitlement.text import if_granted_text

        click.echo("\n\n".join(plan_text(h, p) + (f"\n\n{if_granted_text(g)}" if g else "") for h, p, _, g in outputs))
    if errors:
        fail_input(errors + timeouts + invalid)
    for t in timeouts + invalid:
        click.echo(f"error: {t}", err=True)
    if invalid:
        sys.exit(EXIT_INVALID_PLAN)
    if timeouts:
        sys.exit(EXIT_TIMEOUT)


def _granted(h, day, allow, forbid, same_day_credit, buffer_target, time_limit, on_time, leads):
    """The plan "if granted" (`planner.entitlement.IfGranted`) for a household that may be owed
    bostøtte it has not applied for, planned again as if the application were made; None when
    none is shown (an application confirmed, a bostøtte stream, or an estimate below the minimum)."""
    from planner.assessment import plan_explained as plan
    from planner.entitlement import if_granted_plan
    from planner.solver import SolverTimeout

    def solve(g):
        try:
            return plan(g, allow, forbid, same_day_credit=same_day_credit, buffer_target_ore=buffer_target,
                        time_limit_s=time_limit, on_time=on_time, as_of=day, leads=leads)
        except SolverTimeout:
            return None

    if "sok_bostotte" in forbid:  # forbidden: no plan can show it granted
        return None
    return if_granted_plan(h, day or h.start, solve)


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
@on_time_option
@letter_options
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
        fail_input([f"--out {exc}"])
    try:
        check_names(allow, "--allow")
        check_names(forbid, "--forbid")
    except LeverError as exc:
        fail_input([str(exc)])
    kw = letter_kw(o)
    try:
        h = read_household(file)
    except InputError as exc:
        fail_input([str(p) for p in exc.problems])
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
        fail_input([f"{file}: {exc}"])
    try:
        from planner.io.files import atomic_file

        out.parent.mkdir(parents=True, exist_ok=True)
        with atomic_file(out, "wb") as fh:  # the tenant's name, address and money: owner only (0600)
            fh.write(data)
    except OSError as exc:
        fail_input([f"--out {out}: cannot write the letter ({exc.strerror or exc})"])
    warn_late_letter(h, p, o)
    click.echo(f"Brev: {out}", err=True)


@main.command(name="entitlement")
@click.argument("file", type=click.Path(path_type=Path))
@_as_of_option
@click.option("--letter", "letter_to", type=click.Choice(["tenant", "office"]), default=None,
              help="Write the bostøtte letter: the tenant's checklist, or the notice to the kommune's bostøtte "
                   "office (only with the tenant's consent, [entitlement] consent_notice = true).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="The letter's file.")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "pdf", "docx"]), default=None,
              help="Letter format (default from --out's suffix, else pdf).")
@click.option("--config", type=click.Path(dir_okay=False), default=None,
              help="Letters config (TOML): [sender] office and caseworker, as for planner letter.")
@click.option("--kommune", default=None, help="Municipality on the letterhead (overrides the config).")
@click.option("--office", default=None, help="Office or unit on the letterhead (overrides the config).")
@click.option("--caseworker", default=None, help="Caseworker who signs (overrides the config).")
def entitlement_cmd(file: Path, as_of=None, letter_to=None, out=None, fmt=None, config=None, kommune=None, office=None,
                    caseworker=None) -> None:
    """Estimate support the household may be owed: statlig and kommunal bostøtte, sosialhjelp.
    An estimate, never a decision. With --letter, write the bostøtte checklist or notice."""
    from planner.entitlement import entitlements
    from planner.entitlement.text import render
    from planner.io.errors import InputError
    from planner.io.household import read_household

    try:
        h = read_household(file)
    except InputError as exc:
        fail_input([str(p) for p in exc.problems])
    day = _day_for(h, as_of, _today(as_of))
    if letter_to is None:
        click.echo(render(h.id, entitlements(h, day)), nl=False)
        return
    if out is None:
        fail_input(["--letter needs --out FILE"])
    from planner.entitlement.letter import render_entitlement_letter
    from planner.letters import LetterConfigError, LetterError, format_for_path, sender_from_options

    try:
        sender = sender_from_options(config, kommune=kommune, office=office, caseworker=caseworker)
        data = render_entitlement_letter(h, day, letter_to, format_for_path(out, fmt), sender)
    except (LetterConfigError, LetterError) as exc:
        fail_input([f"{file}: {exc}"])
    try:
        from planner.io.files import atomic_file

        with atomic_file(out, "wb") as fh:  # about a person: owner only (0600)
            fh.write(data)
    except OSError as exc:
        fail_input([f"--out {out}: cannot write the letter ({exc.strerror or exc})"])
    click.echo(f"Brev: {out}", err=True)


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

# `planner follow-up`: is each open case's plan kept? (planner/followup_cli.py)
from planner.followup_cli import follow_up_cmd as _follow_up  # noqa: E402

main.add_command(_follow_up)


# `planner calendar`: the year's payout days (planner/calendar_cli.py).
from planner.calendar_cli import calendar_cmd  # noqa: E402

main.add_command(calendar_cmd)


# `planner import-statement`: a household draft from bank statements (planner/statement_cli.py).
from planner.statement_cli import import_statement  # noqa: E402

main.add_command(import_statement)


# `planner ledger`: the landlord's rent ledger (planner/ledger_cli.py).
from planner.ledger_cli import ledger_cmd  # noqa: E402

main.add_command(ledger_cmd)


if __name__ == "__main__":  # pragma: no cover
    main()

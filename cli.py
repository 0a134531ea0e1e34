"""Command line of planner. Thin on purpose: parse options, call the library, print.

Heavy libraries (numpy, pydantic, holidays, matplotlib, ortools) are imported inside the
commands, so `planner --help` and a single `planner check` start fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

EXIT_INPUT = 2


def _fail_input(errors: list[str]) -> None:
    for e in errors:
        click.echo(f"error: {e}", err=True)
    sys.exit(EXIT_INPUT)


def _chart_path(base: str, household_id: str, many: bool) -> Path:
    p = Path(base)
    return p.with_name(f"{p.stem}-{household_id}{p.suffix or '.png'}") if many else p


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="planner")
def main() -> None:
    """Payout-date coordination planner for municipal housing tenants."""


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
def check(files: tuple[Path, ...], fmt: str, chart: str | None, same_day_credit: bool) -> None:
    """Diagnose households: does the balance dip below the floor, and why."""
    from planner.cashflow import diagnose_many
    from planner.io.errors import InputError
    from planner.io.household import read_household
    from planner.report import diagnosis_text

    households, errors = [], []
    for f in files:
        try:
            households.append(read_household(f))
        except InputError as exc:
            errors.extend(str(p) for p in exc.problems)
    diagnoses = diagnose_many(households, same_day_credit) if households else []
    if fmt == "json":
        docs = [
            {
                "format": "planner.check/1",
                "household": h.id,
                "horizon": {"start": h.start.isoformat(), "end": h.end.isoformat()},
                "baseline": dg.to_json(),
            }
            for h, dg in zip(households, diagnoses)
        ]
        if docs:
            click.echo(json.dumps(docs[0] if len(files) == 1 else docs, ensure_ascii=False, indent=2))
    else:
        click.echo("\n\n".join(diagnosis_text(h, dg) for h, dg in zip(households, diagnoses)), nl=bool(households))
    if chart:
        from planner.chart import household_chart

        for h in households:
            out = household_chart(h, _chart_path(chart, h.id, len(files) > 1), same_day_credit)
            click.echo(f"Diagram: {out}", err=True)
    if errors:
        _fail_input(errors)


@main.command(name="plan")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text for a caseworker, json for the plan contract (planner.plan/1).")
@click.option("--chart", type=click.Path(dir_okay=False), default=None,
              help="Write a PNG of the balance before and after the plan.")
@click.option("--allow", "allow", multiple=True, help="Allow this lever (repeatable; overrides the file).")
@click.option("--forbid", "forbid", multiple=True, help="Forbid this lever (repeatable; beats --allow).")
@click.option("--same-day-credit", is_flag=True, help="Let a payout cover a debit on the same day.")
@click.option("--buffer-target", type=click.FloatRange(0, 1_000_000), default=1000.0, show_default=True,
              help="Kroner: among the cheapest plans prefer one keeping this much above the floor.")
@click.option("--time-limit", type=click.FloatRange(0.1, 3600), default=20.0, show_default=True,
              help="Seconds per solver phase.")
def plan_cmd(files, fmt, chart, allow, forbid, same_day_credit, buffer_target, time_limit) -> None:
    """Find the cheapest interventions that keep the account solvent every day."""
    from planner.io.errors import InputError
    from planner.io.household import read_household
    from planner.levers import LeverError, check_names
    from planner.report import plan_text
    from planner.solver import plan

    try:
        check_names(allow, "--allow")
        check_names(forbid, "--forbid")
    except LeverError as exc:
        _fail_input([str(exc)])
    outputs, errors = [], []
    for f in files:
        try:
            h = read_household(f)
        except InputError as exc:
            errors.extend(str(p) for p in exc.problems)
            continue
        p = plan(h, allow, forbid, same_day_credit=same_day_credit,
                 buffer_target_ore=round(buffer_target * 100), time_limit_s=time_limit)
        outputs.append((h, p))
        if chart:
            from planner.chart import plan_chart

            out = plan_chart(h, p, _chart_path(chart, h.id, len(files) > 1), same_day_credit)
            click.echo(f"Diagram: {out}", err=True)
    if fmt == "json":
        docs = [p.to_json() for _, p in outputs]
        if docs:
            click.echo(json.dumps(docs[0] if len(files) == 1 else docs, ensure_ascii=False, indent=2))
    elif outputs:
        click.echo("\n\n".join(plan_text(h, p) for h, p in outputs))
    if errors:
        _fail_input(errors)


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


if __name__ == "__main__":  # pragma: no cover
    main()

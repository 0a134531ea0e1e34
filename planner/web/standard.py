"""The form's "Standard for ytelsen" in words, with the real days of the household's horizon.

A caseworker who picks "standard" must see what it means for *this* plan period ("siste
virkedag i måneden, 18.12 i desember"), not the name of a rule. The days come from the same
calendar and catalogue the engine uses (`planner.calendar.resolve_income`, `occurrences`), so
the words cannot drift from the plan; they are only summarised here: the usual day, then the
months that differ from it (December, published tables, a profile's own day).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from ..benefits import Shift, catalogue
from ..calendar import ScheduleError, effective_date, nominal_in_month, occurrences, resolve_income
from ..formatting import day_month, nb_date

MONTHS_NB = ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
             "november", "desember")
_SHIFT_NB = {"before": ", virkedagen før ved helg og helligdag", "after": ", virkedagen etter ved helg og helligdag",
             "none": ""}


def horizon_end(start: date, months: int) -> date:
    """The last day of a horizon of `months` months from `start` (as `Household.end`)."""
    from ..model import add_months

    return add_months(start, months) - timedelta(days=1)


def _usual(day: int, shift: Shift) -> tuple[str, Callable[[int, int], date]]:
    """The usual day in words, and the function giving that day's effective date in a month."""
    if day >= 31 and shift == "before":
        return "siste virkedag i måneden", lambda y, m: effective_date(nominal_in_month(y, m, 31), "before")
    text = "siste dag i måneden" if day >= 31 else f"den {day}. i måneden"
    return text + _SHIFT_NB.get(shift, ""), lambda y, m: effective_date(nominal_in_month(y, m, day), shift)


def no_standard_day(kind: str, when: date) -> str:
    """What to do instead of "standard" for a kind without a standard day (AAP, lønn)."""
    rule = catalogue().kinds[kind].rule_on(when)
    if rule.every_days:
        return (f"utbetales hver {rule.every_days}. dag uten fast dato: velg «Hver 14. dag fra dato» "
                "og skriv datoen for én utbetaling")
    return "har ingen fast utbetalingsdag: velg fast dag i måneden eller bestemte datoer"


def standard_days(kind: str, start: date, months: int, profile: str | None = None) -> str:
    """What "standard" pays for `kind` in the horizon, e.g. 'siste virkedag i måneden, 18.12 i desember'."""
    from ..model import IncomeStream

    cat = catalogue()
    if kind not in cat.kinds:
        return ""
    try:
        schedule = resolve_income(IncomeStream(kind=kind, amount=1), start, profile)
    except ScheduleError:
        return no_standard_day(kind, start)
    if schedule.day is None:  # pragma: no cover - a kind's standard is a day or a rhythm
        return ""
    end = horizon_end(start, months)
    paid = occurrences(schedule, start, end)
    if not paid:
        return "ingen utbetaling i perioden"
    usual, expected = _usual(schedule.day, schedule.shift)
    one_year = start.year == end.year
    other: dict[int, list[date]] = {}
    for o in paid:
        if o.effective != expected(o.nominal.year, o.nominal.month):
            other.setdefault(o.nominal.month, []).append(o.effective)
    parts = [usual]
    for month in sorted(other):
        days = " og ".join(day_month(d) if one_year else nb_date(d) for d in other[month])
        parts.append(f"{days} i {MONTHS_NB[month - 1]}")
    return ", ".join(parts)


def standard_days_all(start: date, months: int, profile: str | None = None) -> dict[str, str]:
    """`standard_days` for every benefit kind (the form's script shows the one chosen in a row)."""
    return {k: standard_days(k, start, months, profile) for k in sorted(catalogue().kinds)}

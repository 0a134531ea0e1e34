"""Validation messages in English and Norwegian, keyed by the problem's code (`Problem.code`).

Every input problem carries a code and its parameters from where it arises (the model's
validators, the money parser, the schedule rules, the reader of pydantic's errors in
`planner.io.household`). The English text (what the CLI prints) comes from `EN`, the Norwegian
one (the web page) from `NB`: nobody reads the English text to find out what went wrong. A code
without a Norwegian entry falls back to "Ugyldig verdi."; problems pydantic words itself (a
value outside a fixed list, a text too long) keep pydantic's English.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .errors import Problem

Template = str | Callable[[Mapping[str, Any]], str]

#: English, as the CLI prints it (str.format templates, or functions of the parameters).
EN: dict[str, Template] = {
    "amount_not_positive": "must be more than 0 kroner",
    "amount_negative": "must not be negative",
    "amount_bool": "expected an amount in kroner (a number), got true/false",
    "amount_written": "write kroner as plain digits, such as 100000 or 9500.50, not {text!r}",
    "amount_type": "expected an amount in kroner (a number), got {type}",
    "amount_not_finite": "expected a finite amount in kroner",
    "amount_format": "expected an amount in kroner such as 9500 or 9500.50, got {value!r}",
    "amount_decimals": "at most two decimals (whole øre) are allowed",
    "amount_decimals_text": "at most two decimals (whole øre) are allowed; for thousands write 11000 or 11 000 (got {value!r})",
    "amount_unclear": "unclear amount {value!r}: write kroner as 9500.50 or 9 500,50",
    "amount_too_large": lambda p: f"amount is too large: at most {_int(p['max'])} kroner is allowed",
    "personal_data": "looks like a fødselsnummer or D-number; {what} must not hold personal data: use a case number",
    "month_key": "month key {key} is not a month: use 1-12 (every year) or YYYY-MM (one month)",
    "schedule_forms": "give one schedule form, not {forms}: `day`, `every_days` with `first`, or `dates`",
    "every_days_needs_first": "`every_days` needs `first`: the date of one payout to count from",
    "first_with_every_days": "`first` belongs with `every_days`, not with `{f}`",
    "dates_empty": "`dates` is empty: list at least one date or use `day`",
    "month_day_monthly": "`month_day` moves a monthly payout; it does not apply with `every_days` or `dates`",
    "unknown_benefit_kind": "unknown benefit kind {value}; allowed: {allowed}",
    "unknown_expense_kind": "unknown expense kind {value}; allowed: {allowed}",
    "unknown_exception": "unknown exception {value} for {kind}; allowed: {allowed}",
    "exceptions_need_every_days": "`exceptions` apply to streams paid every N days (give `every_days` and `first`)",
    "unknown_profile": "unknown profile {value}; allowed: {allowed}",
    "date_range": "must be a date in the years {first} to {last}",
    "rent_missing": ("exactly one expense of kind 'husleie' (the rent) is required, found none;"
                     ' add [[expense]] with kind = "husleie", amount and day'),
    "rent_twice": ("exactly one expense of kind 'husleie' (the rent) is required, found {count};"
                   " give the whole monthly rent once (splitting it is a lever the planner may propose)"),
    "same_name": "two {group} streams are called {name!r}; give each its own `name`",
    "date_outside_horizon": "date {date} is outside the horizon {start} to {end}",
    "arrears_after_horizon": "arrears cannot be owed since a date after the horizon ({end})",
    "arrears_too_old": ("arrears owed since before {oldest} ({years} years before the start)"
                        " are implausible: rent claims lapse after three years (foreldelsesloven § 2); check the date"),
    "not_a_stream": lambda p: (f"{p['name']!r} is not an income stream of this household; streams: "
                               + (", ".join(p["streams"]) or "(none)")),
    "first_on_monthly": "`first` is for streams paid every N days; {kind} is monthly: give `every_days` too, or `day`",
    "first_needed": "{kind} is paid every {every_days} days: give `first` (the date of one payout)",
    "no_schedule": "{kind} has no fixed payout day: give `day`, `every_days` with `first`, or `dates`",
    "expense_no_schedule": "expense {name!r} needs `day`, `every_days` with `first`, or `dates`",
    "unknown_key": lambda p: f"unknown key {p['key']!r}; allowed: {', '.join(p['allowed'])}",
    "missing": lambda p: f"missing required key {p['key']!r}" + (f": {p['hint']}" if p.get("hint") else ""),
    "int_range": "must be a whole number from {lo} to {hi}",
    "int_min": "must be a whole number of at least {lo}",
    "int_max": "must be a whole number of at most {hi}",
    "date_format": lambda p: "expected a date written YYYY-MM-DD, such as 2026-01-01" + (f" ({p['detail']})" if p.get("detail") else ""),
    "id_pattern": "may contain only letters, digits, '-' and '_' (and '.' in id); no spaces",
    "must_be_table": "must be a table (key = value lines under a [header])",
    "must_be_list": "must be a list, e.g. [1, 5, 10]",
    "empty": "must not be empty",
}


def _int(n: int) -> str:
    """A grouped whole number (planner.formatting; imported late, as `nb_date` below)."""
    from ..formatting import format_int

    return format_int(n)


def nb_date(day: Any) -> str:
    """The Norwegian date (planner.formatting; imported late: money and the model use this module)."""
    from ..formatting import nb_date as fmt

    return fmt(day)


def english(code: str, **params: Any) -> str:
    """The English message of `code` with `params` (the CLI's text)."""
    template = EN[code]
    return template(params) if callable(template) else template.format(**params)


def template(code: str) -> str:
    """The English template of `code` as pydantic formats it (`PydanticCustomError`)."""
    t = EN[code]
    assert isinstance(t, str), code
    return t

NB: dict[str, Template] = {
    "missing": "Må fylles ut.",
    "empty": "Må fylles ut.",
    "amount_not_positive": "Beløpet må være større enn 0 kr.",
    "amount_negative": "Beløpet kan ikke være negativt.",
    "amount_format": "Skriv et beløp i kroner, for eksempel 9500 eller 9500,50.",
    "amount_bool": "Skriv et beløp i kroner, for eksempel 9500 eller 9500,50.",
    "amount_written": "Skriv et beløp i kroner, for eksempel 9500 eller 9500,50.",
    "amount_type": "Skriv et beløp i kroner, for eksempel 9500 eller 9500,50.",
    "amount_not_finite": "Skriv et beløp i kroner, for eksempel 9500 eller 9500,50.",
    "amount_decimals": "Høyst to desimaler (hele øre).",
    "amount_decimals_text": "Høyst to desimaler (hele øre).",
    "amount_unclear": "Uklart beløp: skriv for eksempel 9500,50 eller 9 500,50.",
    "amount_too_large": "Beløpet er for stort.",
    "personal_data": "Ser ut som et fødselsnummer: beskrivelsen skal ikke ha personopplysninger. Bruk et saksnummer.",
    "date_range": lambda p: f"Datoen må ligge i årene {p['first']}–{p['last']}.",
    "date_format": "Skriv datoen som dd.mm.åååå (for eksempel 01.01.2026) eller ÅÅÅÅ-MM-DD.",
    "month_day_monthly": "Egen dag i en måned gjelder bare månedlige utbetalinger.",
    "arrears_after_horizon": "Restansen kan ikke ha forfalt etter planperioden.",
    "arrears_too_old": lambda p: (f"Restanse fra før {nb_date(p['oldest'])} er usannsynlig: krav på husleie foreldes "
                                  "etter tre år. Sjekk datoen."),
    "int_range": lambda p: f"Må være et helt tall fra {p['lo']} til {p['hi']}.",
    "int_min": lambda p: f"Må være et helt tall, minst {p['lo']}.",
    "int_max": lambda p: f"Må være et helt tall, høyst {p['hi']}.",
    "whole_number": "Må være et helt tall.",
    "id_pattern": "Bare bokstaver, sifre, «-» og «_» (og «.» i ID), uten mellomrom.",
    "reserved_id": "Denne ID-en kan ikke brukes: velg en annen.",
    "unknown_benefit_kind": "Ukjent ytelse: velg en fra listen.",
    "unknown_expense_kind": "Ukjent utgiftstype: velg en fra listen.",
    "unknown_profile": "Ukjent profil.",
    "unknown_exception": "Ukjent unntak for denne ytelsen.",
    "exceptions_need_every_days": "Unntak gjelder bare ytelser som utbetales hver N. dag.",
    "rent_missing": "Legg inn husleien: én utgift av typen «Husleie» med beløp og dag.",
    "rent_twice": ("Bare én husleie per husstand: før opp hele månedsleien én gang (å dele den er et tiltak "
                   "planleggeren kan foreslå)."),
    "same_name": lambda p: f"To rader heter «{p['name']}»: gi hver sitt navn.",
    "date_outside_horizon": lambda p: (f"Datoen {nb_date(p['date'])} er utenfor perioden "
                                       f"{nb_date(p['start'])}–{nb_date(p['end'])}."),
    "every_days_needs_first": "Skriv datoen for én utbetaling å telle fra.",
    "schedule_forms": "Velg én form: fast dag, hver 14. dag eller bestemte datoer.",
    "first_with_every_days": "Startdatoen hører bare til «hver N. dag».",
    "dates_empty": "Skriv minst én dato, eller velg fast dag.",
    "first_on_monthly": "Denne ytelsen utbetales månedlig: velg «fast dag», eller skriv antall dager mellom utbetalingene.",
    "first_needed": lambda p: f"Utbetales hver {p['every_days']}. dag: skriv datoen for én utbetaling å telle fra.",
    "expense_no_schedule": "Skriv dagen i måneden, hver N. dag fra en dato, eller bestemte datoer.",
    "no_schedule": ("Har ingen fast utbetalingsdag: skriv dagen i måneden, hver 14. dag fra en dato, eller bestemte "
                    "datoer."),
    "not_a_stream": lambda p: (f"«{p['name']}» er ikke en inntekt i husstanden. Inntekter: "
                               f"{', '.join(p['streams']) or '(ingen)'}."),
    "month_key": "Måned må være 1–12 (hvert år) eller ÅÅÅÅ-MM (én måned).",
    "too_long": lambda p: f"Høyst {p['max']} tegn.",
    "shift": "Velg en regel for helg og helligdag.",
    "unknown_key": "Ukjent felt.",
    "must_be_list": "Ugyldig verdi.",
    "must_be_bool": "Ugyldig verdi.",
    "must_be_table": "Ugyldig verdi.",
}

FALLBACK = "Ugyldig verdi."


def norwegian(problem: Problem) -> str:
    """The problem said in Norwegian, from its code and parameters."""
    template = NB.get(problem.code)
    if template is None:
        return FALLBACK
    return template(problem.params) if callable(template) else template



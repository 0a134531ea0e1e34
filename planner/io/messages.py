"""Validation messages in English and Norwegian, keyed by the problem's code (`Problem.code`).

Every input problem carries a code and its parameters from where it arises (the model's
validators, the money parser, the schedule rules, the reader of pydantic's errors in
`planner.io.household`). The English text (what the CLI prints) comes from `EN`, the Norwegian
one (the web page) from `NB`: nobody reads the English text to find out what went wrong. A code
without a Norwegian entry falls back to "Ugyldig verdi."; problems pydantic words itself (a
value outside a fixed list, a text too long) keep pydantic's English.
"""

from __future__ import annotations

from typing import Any

from ..codes import EN, Template, english, template
from ..formatting import nb_date as _fmt_date
from .errors import Problem


def nb_date(day: Any) -> str:
    """The Norwegian date (planner.formatting)."""
    return _fmt_date(day)


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


__all__ = ["EN", "FALLBACK", "NB", "Template", "english", "nb_date", "norwegian", "template"]

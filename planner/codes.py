"""Input problem codes and their English wording (what the CLI prints, and pydantic's message).

Every input problem carries a code and its parameters from where it arises (the model's
validators, the money parser, the schedule rules); the engine words a problem only here, in
English, so an exception has a readable text. The other readers say it in their own language
from the code (`planner.io.messages`: Norwegian for the web page).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

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
    "amount_too_large": lambda p: f"amount is too large: at most {p['max']:,} kroner is allowed".replace(",", " "),
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


def english(code: str, **params: Any) -> str:
    """The English message of `code` with `params` (the CLI's text)."""
    template = EN[code]
    return template(params) if callable(template) else template.format(**params)


def template(code: str) -> str:
    """The English template of `code` as pydantic formats it (`PydanticCustomError`)."""
    t = EN[code]
    assert isinstance(t, str), code
    return t

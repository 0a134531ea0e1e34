"""The bostøtte checklist and notice (planner.entitlement.letter) state the estimate, the
deadline and the first payout. They are re-derived here from the household file and the rules
data alone, with exact fractions, apart from planner.entitlement.estimate's integer code."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from fractions import Fraction
from typing import Any

from ..calendar import bank_day_on_or_before
from .truth import Problem, eq, month_of


def _next_deadline(day: date, deadline_day: int) -> date:
    if day.day <= deadline_day:
        return date(day.year, day.month, deadline_day)
    return date(day.year + (day.month == 12), day.month % 12 + 1, deadline_day)


def _bostotte_payout_day(deadline: date, payout_day: int) -> date:
    return bank_day_on_or_before(date(deadline.year + (deadline.month == 12), deadline.month % 12 + 1, payout_day))


def _half_up(x: Fraction) -> int:
    return int((x + Fraction(1, 2)) // 1)


def _bostotte_month_kr(h: Any, day: date) -> int:
    """Statlig bostøtte per month in whole kroner, from the forskrift's formula (data file)."""
    from ..entitlement.rules import entitlement_rules

    rules = entitlement_rules()
    r = rules.statlig_at(day)
    e = h.entitlement
    n = e.members or max(1, h.adults + h.children)
    group = e.kommunegruppe or rules.group_of(e.kommune) or 4
    income = _income_kr(h, rules) if e.gross_income_monthly is None else Fraction(e.gross_income_monthly, 100)
    # § 7: 0,13 per further adult; from February 2023 0,15 per member under 18 (the first is the applicant)
    kids = max(0, min(h.children, n - 1))
    child = r.further_weight if r.child_weight < 0 else r.child_weight
    weight = Fraction(r.first_weight + r.further_weight * (n - 1 - kids) + child * kids, 100)
    weighted = _half_up(12 * income / weight)
    eg = _egenandel_kr(weighted, r, n == 1 and any(x.kind == "alderspensjon" for x in h.income))
    ceiling = Fraction(r.ceiling[min(n, 5) - 1] + r.ceiling_extra.get(group, 0), 100)
    # § 2 d from June 2025: heating outside the rent (a household paying its own electricity)
    heat = r.heating_supplement if any(x.kind == "strom" for x in h.expense) else 0
    approved = min(12 * Fraction(h.rent.amount + e.other_housing_costs, 100) + Fraction(heat, 100), ceiling)
    year = Fraction(_half_up(max(Fraction(0), approved - eg) * 100 * Fraction(r.coverage, 10_000)), 100)
    month = _half_up(year / 12)
    return month if month * 100 >= r.minimum_payout else 0


def _income_kr(h: Any, rules: Any) -> Fraction:
    """The month's income from the payouts of the kinds that count, averaged over the months."""
    from ..cashflow import transactions

    kinds = {x.stream: x.kind for x in h.income}
    months = {(x.date.year, x.date.month) for x in transactions(h)} or {(h.start.year, h.start.month)}
    total = sum(x.amount_ore for x in transactions(h) if x.kind == "income" and x.stream
                and kinds.get(x.stream) in rules.income_kinds)
    return Fraction(_half_up(Fraction(total, len(months))), 100)


def _egenandel_kr(weighted: int, r: Any, alone_pensioner: bool) -> Fraction:
    """§ 4: the egenandel per year of a weighted income (kroner per year)."""
    # § 4 sixth paragraph: a household of one with alderspensjon starts at its own thresholds
    alone_pensioner = alone_pensioner and r.pensioner_threshold > 0
    first = r.pensioner_threshold if alone_pensioner else r.income_threshold
    start = r.pensioner_progressive_from if alone_pensioner and r.pensioner_progressive_from else r.progressive_from
    top = r.pensioner_upper_threshold if alone_pensioner and r.pensioner_upper_threshold else r.upper_threshold
    eg = Fraction(r.minimum_egenandel, 100)
    if weighted * 100 > first:
        eg += Fraction(_half_up((weighted * 100 - first) * Fraction(r.income_share, 10_000)), 100)
    if r.progressive_rate and weighted > start:
        k = (weighted - start - 1) // r.progressive_step + 1
        eg += Fraction(_half_up(weighted * 100 * k * Fraction(r.progressive_rate, 10_000)), 100)
    if r.upper_share and weighted * 100 > top:  # § 4 from June 2025
        eg += Fraction(_half_up((weighted * 100 - top) * Fraction(r.upper_share, 10_000)), 100)
    return eg


def check_entitlement_facts(h: Any, as_of: date, shown: Iterable[tuple[Any, str]]) -> list[Problem]:
    """Every fact of a bostøtte letter re-derived from the household and the rules data."""
    from ..entitlement.rules import entitlement_rules

    rules = entitlement_rules()
    deadline = _next_deadline(as_of, rules.deadline_day)
    expected: dict[str, Any] = {
        "entitlement.deadline": deadline,
        "entitlement.for_month": month_of(deadline),
        "entitlement.first_payout": _bostotte_payout_day(deadline, rules.payout_day),
    }
    problems = []
    shown = list(shown)
    letter = next((f.value for f, _ in shown if f.key == "letter.date"), None)
    for f, _ in shown:
        if f.key == "entitlement.amount":
            kr = _bostotte_month_kr(h, as_of)
            why = eq(f.value, kr * 100, "the bostøtte the forskrift's formula gives") if kr else \
                "the formula gives less than the minimum payout: no letter"
        elif f.key in expected:
            why = eq(f.value, expected[f.key], f"{f.key} for a letter made {as_of}")
        elif f.key == "letter.date":
            why = None
        elif f.key == "letter.reply_by":
            why = None if letter is None or f.value >= letter else "before the letter's date"
            if why is None and f.value > deadline:
                why = f"after the application deadline {deadline}"
        else:
            why = f"no rule checks {f.key}"
        if why:
            problems.append(Problem(f.key, f.subject, f.value, why))
    return problems

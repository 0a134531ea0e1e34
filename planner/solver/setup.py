"""A household's flows as day offsets, computed once per household (`levers.base.Setup`).

The fixed credits and debits (everything no lever touches), the rent months with the days
the rent may be debited on, the income streams, and each allowed lever's own candidates."""

from __future__ import annotations

import numpy as np

from ..calendar import Schedule, effective_date, household_schedules, nominal_in_month, occurrences
from ..cashflow import delayed
from ..levers import LeverConfig, rules
from ..levers.base import LeverRule, RentMonth, Setup, Stream
from ..levers.lead import Timing
from ..levers.lead import timing as lead_timing
from ..model import Household, Transaction
from ..periods import month_firsts, month_key


def _fixed_flows(h: Household, base: list[Transaction], days: int,
                 late: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Per day, the øre in and out that no lever changes (the rent is a lever's, unless it is
    given by `dates`/`every_days`: then it stays as it is). A payout that may come late is
    counted on its latest day (`robust.delayed`); one that may come after the horizon, not."""
    fixed_credit = np.zeros(days, dtype=np.int64)
    fixed_debit = np.zeros(days, dtype=np.int64)
    rent_fixed = h.rent.day is None
    for tx in delayed(base, h, late):
        if tx.kind == "husleie" and not rent_fixed:
            continue
        t = (tx.date - h.start).days
        if t >= days:
            continue
        if tx.amount_ore >= 0:
            fixed_credit[t] += tx.amount_ore
        else:
            fixed_debit[t] -= tx.amount_ore
    return fixed_credit, fixed_debit


def setup(h: Household, cfg: LeverConfig, same_day_credit: bool, base: list[Transaction],
          late: dict[str, int] | None = None, timing: Timing | None = None) -> Setup:
    """Precompute everything the models of `h` share; the allowed levers add their candidates
    after each has said the first day it can change a booking (`effective_offset`).
    `late`: bank days each stream's payouts may come late (a robust plan); None: on their days."""
    start, end = h.start, h.end
    timing = timing or lead_timing(None, start)
    effective = {rule.key: max(0, (rule.earliest(h, timing) - start).days) for rule in allowed_rules(cfg)}
    # the landlord's AvtaleGiro claim (its day and its amount) changes only after the landlord's
    # lead time, whichever lever asks for it: direct payments count from then on
    rent_from = max(0, (rules()["rent_day"].earliest(h, timing) - start).days)
    days = (end - start).days + 1
    late = {k: v for k, v in (late or {}).items() if v}
    fixed_credit, fixed_debit = _fixed_flows(h, base, days, late)
    income_scheds, expense_scheds = household_schedules(h)
    rent = h.rent
    rent_sched = expense_scheds[h.expense.index(rent)]
    rent_months = _rent_months(h, cfg, rent_sched, rent_from)
    streams: dict[str, Stream] = {}
    for inc, sched in zip(h.income, income_scheds):
        payouts = [((o.effective - start).days, inc.amount_for(o.nominal.year, o.nominal.month), o.nominal)
                   for o in occurrences(sched, start, end)]
        streams[inc.stream] = Stream(inc.stream, inc.kind, sched, payouts)
    s = Setup(
        h=h, cfg=cfg, days=days, same_day_credit=same_day_credit, opening=h.opening_balance,
        floor=h.min_balance, fixed_credit=fixed_credit, fixed_debit=fixed_debit, rent_months=rent_months,
        streams=streams, month_firsts=[(f - start).days for f in month_firsts(start, end)], baseline=base,
        rent_shift=rent_sched.shift, late=late, timing=timing, effective=effective,
    )
    for rule in allowed_rules(cfg):
        rule.prepare(s)
    return s


def _rent_months(h: Household, cfg: LeverConfig, rent_sched: Schedule, rent_from: int) -> list[RentMonth]:
    """Each month's rent with the days it may be debited on: the accepted days from the rent
    levers' first effective day (`rent_from`) on; a month due before that keeps its debit."""
    start, end, rent = h.start, h.end, h.rent
    rent_months: list[RentMonth] = []
    # rent by `dates` or every_days: no rent months to decide, the debits stay fixed
    for occ in occurrences(rent_sched, start, end) if rent.day is not None else ():
        y, m = occ.nominal.year, occ.nominal.month
        due = (occ.effective - start).days
        # a month whose current due date comes before the rent levers can act keeps its debit
        locked = due < rent_from
        options: dict[int, int] = {rent.day: due} if locked and rent.day is not None else {}
        for d in () if locked else cfg.rent_days:
            eff = effective_date(nominal_in_month(y, m, d), rent_sched.shift)
            if start <= eff <= end and (eff - start).days >= rent_from:
                options[d] = (eff - start).days
        if not locked and rent.day is not None:
            # keeping today's day keeps this month's own due date (a `month_day` may move it)
            options[rent.day] = due
        rent_months.append(RentMonth(month_key(occ.nominal), y, m, rent.amount_for(y, m), due, options, locked))
    return rent_months


def allowed_rules(cfg: LeverConfig) -> list[LeverRule]:
    """The rules of the levers `cfg` allows, in the catalogue's order."""
    return [r for k, r in rules().items() if cfg.allows(k)]


def first_possible_credit(s: Setup) -> int | None:
    """The first day any payout can land in the horizon (None: no payout at all)."""
    days = [int(t) for t in np.nonzero(s.fixed_credit)[0]]
    for rule in allowed_rules(s.cfg):
        days.extend(rule.credit_days(s))
    return min(days) if days else None

"""CP-SAT schedules that keep the tenant account at or above the floor on every day.

The model, in words (design.md, "Solver sketch"):

* Rent of month *m* is paid by tenant debits on the landlord's accepted days: one amount
  variable per (month, accepted day), a standing `used[d]` flag per day, at most N days used
  (`chain`). Every lever adds its own variables and constraints (`planner/levers/<key>.py`):
  direct payments to the landlord count against a month's rent and reduce the tenant's share,
  a moved payout is one boolean per candidate day, a repayment plan one per (n, day).
* The balance only needs checking on days a credit can land; balances at those check days are
  a chain of integer variables (`chain`).
* Solved in phases (`phases`): fewest cost units, then the highest lowest balance up to a
  buffer target, then the least lateness and the fastest repayment.

Every plan is re-simulated by `cashflow.simulate` from its own transaction list before it is
returned (`decode.verify`); a mismatch raises `PlanVerificationError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import numpy as np

from ..cashflow import diagnose, transactions
from ..levers import resolve
from ..levers.base import Setup
from ..levers.lead import Lead, lead_table
from ..levers.lead import timing as lead_timing
from ..levers.repayment_plan import unplannable_arrears
from ..model import Diagnosis, Household, Plan, Shortfall, Transaction
from .alternatives import alternatives as find_alternatives
from .chain import Model, build
from .decode import PlanVerificationError, decode, verify
from .phases import (
    DEFAULT_TUNING,
    SHORTFALL_UNIT_ORE,
    Tuning,
    minimise_slack,
    no_lever_shortfall,
    solve_phases,
)
from .robust import late_days, verify_late, worst_series
from .setup import first_possible_credit, setup

#: Default for phase 2: the planner prefers plans that keep this much above the floor.
DEFAULT_BUFFER_TARGET_ORE = 100_000
#: Time limits are CP-SAT *deterministic* seconds (`max_deterministic_time`): a count of work
#: done, the same on every machine however busy, so a plan depends on its input only. (On the
#: 2-core test VM one deterministic second took 3 to 5 wall seconds.)
DEFAULT_TIME_LIMIT_S = 20.0
DEFAULT_SHORTFALL_TIME_LIMIT_S = 5.0


def plan(
    household: Household,
    allow: Iterable[str] = (),
    forbid: Iterable[str] = (),
    *,
    same_day_credit: bool = False,
    buffer_target_ore: int = DEFAULT_BUFFER_TARGET_ORE,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    shortfall_time_limit_s: float = DEFAULT_SHORTFALL_TIME_LIMIT_S,
    shortfall: str = "exact",
    tuning: Tuning = DEFAULT_TUNING,
    on_time: bool = False,
    alternatives: int = 1,
    as_of: date | None = None,
    leads: Mapping[str, Lead] | None = None,
    base_tx: Sequence[Transaction] | None = None,
) -> Plan:
    """The cheapest set of interventions that keeps the household solvent on every day.

    Returns interventions, transactions and optimality, and no text: `planner.assessment`
    explains a plan for whoever shows it.

    `shortfall`: for a household without a plan, "exact" finds the least extra sums under the
    allowed levers (two more solves); "bound" reports the sums that suffice with no lever at
    all (upper bounds, `optimal` false), for runs over many households.

    A plan is robust unless `on_time`: its balance holds when each payout comes up to its
    stream's `late_days` bank days late (`robust`). A household with no robust plan gets the
    plan for payouts on their days, marked not robust, if there is one. `alternatives` > 1 adds
    up to that many minus one other plans (`alternatives.py`). `base_tx`: the household's
    transactions as the schedule stands (`transactions(household)`), if the caller has them."""
    if shortfall not in ("exact", "bound"):
        raise ValueError(f"shortfall must be 'exact' or 'bound', not {shortfall!r}")
    h = household
    if as_of is not None and as_of > h.start:
        raise ValueError(f"{h.id}: the horizon starts {h.start} before the as-of date {as_of}; "
                         "align it first (planner.asof.align)")
    timing = lead_timing(as_of, h.start, leads or lead_table(None, h.levers.lead))
    cfg = resolve(h, allow, forbid)
    baseline = diagnose(h, same_day_credit)
    base_tx = list(base_tx) if base_tx is not None else transactions(h)
    needs_repayment = h.arrears is not None and h.arrears.amount > 0 and cfg.allows("repayment_plan")
    late = late_days(h, on_time)
    # what each stream may do: the plan's `streams` say how much of it the plan survives
    streams = tuple((inc.stream, inc.kind, inc.late) for inc in h.income)
    late_low = int(worst_series(h, base_tx, h.opening_balance, late_days(h), same_day_credit).min())
    if baseline.problem == "none" and (on_time or late_low >= h.min_balance) and not needs_repayment:
        robust = late_low >= h.min_balance
        return Plan(h.id, h.start, h.end, "solvent", baseline, (), 0, baseline.min_balance_ore,
                    baseline.min_balance_date, h.opening_balance, h.min_balance, tuple(base_tx),
                    streams=streams if robust else tuple((n, k, 0) for n, k, _ in streams),
                    robust=robust, late_min_balance_ore=late_low, as_of=as_of)
    s = setup(h, cfg, same_day_credit, base_tx, late, timing)
    mdl = build(s, buffer_target_ore, slack_one=True, slack_month=True, slack_unit=SHORTFALL_UNIT_ORE)
    result, opening_extra = _solve(s, mdl, baseline, time_limit_s, tuning)
    if result is None and any(late.values()) and baseline.problem != "income":
        # no robust plan: the plan for payouts on their days, if there is one, marked not robust
        # (an income problem has none either way: outgoings exceed income over the horizon)
        s0 = setup(h, cfg, same_day_credit, base_tx, None, timing)
        mdl0 = build(s0, buffer_target_ore, slack_one=True, slack_month=True, slack_unit=SHORTFALL_UNIT_ORE)
        result0, extra0 = _solve(s0, mdl0, baseline, time_limit_s, tuning)
        if result0 is not None:
            return _with_alternatives(s0, mdl0, result0, extra0, baseline, streams, alternatives, time_limit_s,
                                      tuning)
    if result is None:
        cap = min(time_limit_s, shortfall_time_limit_s)
        short, proven = _shortfall(s, mdl, opening_extra, cap, shortfall == "exact", tuning)
        return Plan(h.id, h.start, h.end, "infeasible", baseline, (), 0, baseline.min_balance_ore,
                    baseline.min_balance_date, h.opening_balance, h.min_balance, tuple(base_tx), shortfall=short,
                    opening_buffer_ore=opening_extra, optimal=proven, streams=tuple((n, k, 0) for n, k, _ in streams),
                    late_min_balance_ore=late_low, as_of=as_of)
    return _with_alternatives(s, mdl, result, opening_extra, baseline, streams, alternatives, time_limit_s, tuning)


def _solve(s: Setup, mdl: Model, baseline: Diagnosis, time_limit_s: float,
           tuning: Tuning) -> tuple[tuple[Any, bool] | None, int]:
    """The best plan's solution and its start buffer (0 unless the dip before the first payout
    needs one): None when there is no plan."""
    result = solve_phases(mdl, time_limit_s, tuning=tuning)
    opening_extra = 0
    if result is None and (baseline.problem != "income" or _adds_income(s)):
        opening_extra = _early_dip(s, time_limit_s, tuning)
        if opening_extra:
            result = solve_phases(mdl, time_limit_s, opening_extra, tuning=tuning)
    return result, opening_extra


def _adds_income(s: Setup) -> bool:
    """An allowed lever with candidates brings new income (an application for bostøtte): the
    outgoings may then be covered after all, and the dip before its first payout is bridged as
    a transition's is (the lever's rule says so with `adds_income`)."""
    from ..levers import rules

    return any(getattr(r, "adds_income", False) and s.candidates.get(k) for k, r in rules().items()
               if s.cfg.allows(k))


def _with_alternatives(s: Setup, mdl: Model, result: tuple[Any, bool], opening_extra: int, baseline: Diagnosis,
                       streams: tuple[tuple[str, str, int], ...], n: int, time_limit_s: float, tuning: Tuning) -> Plan:
    """The best plan, and up to `n - 1` alternatives to it."""
    best = _planned(s, mdl, result, opening_extra, baseline, streams)
    if n <= 1 or best.status != "planned":
        return best
    others = find_alternatives(
        s, mdl, best, n - 1, opening_extra, time_limit_s, tuning,
        lambda res, criterion: _planned(s, mdl, res, opening_extra, baseline, streams, criterion), result[0])
    return replace(best, alternatives=tuple(others))


def _early_dip(s: Setup, time_limit_s: float, tuning: Tuning) -> int:
    """The start buffer for the dip no lever can reach: the days up to the first possible payout
    (a small model). Only for a timing problem, or an income problem a lever's new income may
    cover (`_adds_income`): a start buffer is no plan for a household whose money does not
    suffice, nor for one with no payout at all (it would fund the horizon)."""
    first_credit = first_possible_credit(s)
    if first_credit is None:
        return 0
    # the transition: until the last allowed lever can act (and the rent's debit can change)
    until = min(s.days - 1, max([first_credit, *s.effective.values()]))
    early = minimise_slack(build(s, 0, slack_one=True, until=until), "one", time_limit_s, tuning=tuning)
    return early[0] if early is not None and early[0] > 0 else 0


def _shortfall(s: Setup, mdl: Model, opening_extra: int, cap: float, exact: bool,
               tuning: Tuning) -> tuple[Shortfall, bool]:
    """The least extra sums (one-time, monthly) and whether both are proven least.

    The shortfall is advice ("about this much is missing"): each solve gets its own cap; a
    figure not proven least within it is an upper bound, and `optimal` says so. Not `exact`
    (the batch) skips both solves and reports the no-lever bounds."""
    bound_one, bound_month = no_lever_shortfall(s, opening_extra)
    stuck = unplannable_arrears(s)
    if stuck:
        # no repayment plan can start in the horizon, whatever extra money comes (the model has
        # no plan at all): paying the arrears off once, on top of what the schedule lacks
        # without levers, suffices; no monthly sum repays them within the horizon
        return Shortfall(monthly_ore=None, one_time_ore=bound_one + stuck, binding_days=(),
                         unplannable_arrears_ore=stuck, unchanged_monthly_ore=None,
                         unchanged_one_time_ore=bound_one + stuck), False
    one = minimise_slack(mdl, "one", cap, hint=bound_one, tuning=tuning) if exact else None
    month = minimise_slack(mdl, "month", cap, one=opening_extra, hint=bound_month, tuning=tuning) if exact else None
    # proven only when both sums came from the solver (a missing monthly sum counts as
    # proven only if the solver ran: "no monthly sum helps" is then its finding)
    proven = exact and one is not None and one[2] and (
        (month is not None and month[2]) or (month is None and bound_month is None))
    if one is None:
        one = (bound_one, [], False)
    if month is None and bound_month is not None:
        month = (bound_month, [], False)
    binding = sorted(set(one[1] + (month[1] if month else [])))[:10]
    return Shortfall(
        monthly_ore=month[0] if month else None,
        one_time_ore=one[0],
        binding_days=tuple(s.h.start + timedelta(days=t) for t in binding),
        unchanged_monthly_ore=bound_month, unchanged_one_time_ore=bound_one,
    ), bool(proven)


def _planned(s: Setup, mdl: Model, result: tuple[Any, bool], opening_extra: int, baseline: Diagnosis,
             streams: tuple[tuple[str, str, int], ...] = (), criterion: str = "best") -> Plan:
    """The plan of a solution, re-simulated from its own transactions before it is returned:
    with every payout on its day, and (a robust plan) with every payout at its latest."""
    h = s.h
    solver, optimal = result
    txs, interventions, lateness = decode(s, mdl, solver, opening_extra)
    opening = h.opening_balance + opening_extra
    sim = verify(h, txs, opening, s.same_day_credit, s.baseline)
    series = sim.solvency_series(s.same_day_credit)
    t = int(np.argmin(series))
    worst = verify_late(h, txs, opening, s.late, s.same_day_credit) if s.late else series
    low_solver = min(solver.value(b) for b in mdl.balances)
    if low_solver != int(worst[mdl.check_days].min()):
        raise PlanVerificationError(f"{h.id}: solver's lowest balance {low_solver} != simulated {int(worst.min())}")
    cost = sum(i.cost for i in interventions)
    # robust when the balance holds with every payout at its latest, whatever was planned for
    late_low = int(worst_series(h, txs, opening, {n: k for n, _, k in streams}, s.same_day_credit).min())
    robust = late_low >= h.min_balance
    survived = streams if robust else tuple((name, kind, s.late.get(name, 0)) for name, kind, _ in streams)
    return Plan(h.id, h.start, h.end, "planned" if interventions else "solvent", baseline, tuple(interventions),
                cost, int(series[t]), h.start + timedelta(days=t), opening, h.min_balance, tuple(txs),
                lateness_ore_days=lateness, opening_buffer_ore=opening_extra, optimal=optimal, streams=survived,
                robust=robust, late_min_balance_ore=late_low, criterion=criterion,
                as_of=s.timing.as_of if not s.timing.instant else None)

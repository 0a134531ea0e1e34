"""CP-SAT schedules that keep the tenant account at or above the floor on every day.

The model, in words (design.md, "Solver sketch"):

* Rent of month *m* is paid by tenant debits on the landlord's accepted days: one amount
  variable per (month, accepted day), a standing `used[d]` flag per day, at most N days used.
  Direct payments to the landlord (bostøtte paid to the kommune, a husleietrekk from a NAV
  benefit) count against the rent of the month they are paid in, and reduce the tenant's share.
* A payout may be moved to another day (one boolean per candidate day, precomputed dates).
* Arrears are repaid in n monthly instalments on an accepted day (one boolean per (n, day)).
* The balance only needs checking on days a credit can land (and the last day): between
  credits it only falls. Balances at those check days are chained variables
  `B[k] = B[k-1] + fixed flows + lever terms in window k`, so each decision enters the model
  once per window it touches, not once per later day.

Objective in phases, each fixing the previous optimum: (1) fewest cost units; (2) the highest
lowest balance, up to a buffer target (beyond it a higher balance is not worth paying the
landlord later); (3) the least lateness of rent (øre-days paid after the due date), then the
fastest arrears repayment. One worker, fixed seed: the same input gives the same plan.

Every plan is re-simulated by `cashflow.simulate` from its own transaction list before it is
returned; a mismatch raises `PlanVerificationError`.
"""

from __future__ import annotations

import bisect
import functools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Iterable

import numpy as np

from .calendar import Schedule, effective_date, household_schedules, nominal_in_month, occurrences
from .cashflow import diagnose, simulate, sort_transactions, transactions
from .levers import LeverConfig, catalogue, resolve
from .model import Household, Intervention, Plan, Shortfall, Transaction

#: Default for phase 2: the planner prefers plans that keep this much above the floor.
DEFAULT_BUFFER_TARGET_ORE = 100_000
#: Time limits are CP-SAT *deterministic* seconds (`max_deterministic_time`): a count of work
#: done, the same on every machine however busy, so a plan depends on its input only. (On the
#: 2-core test VM one deterministic second took 3 to 5 wall seconds.)
DEFAULT_TIME_LIMIT_S = 20.0
DEFAULT_SHORTFALL_TIME_LIMIT_S = 5.0
#: The wall-clock safety net of a solve: this many times its deterministic limit. A solve the
#: wall clock stops before its work limit is reported as a timeout (`SolverTimeout`), never as a
#: different plan: the answer would depend on how busy the machine was.
WALL_FACTOR = 20.0
#: The shortfall is advice: it is given in whole kroner (rounded up) and proven least to
#: within 100 kr (SHORTFALL_GAP_ORE), which keeps the search short.
SHORTFALL_UNIT_ORE = 100  # whole kroner
SHORTFALL_GAP_ORE = 10_000


class PlanVerificationError(RuntimeError):
    """The independent simulation disagrees with the solver: a bug, never shown as a plan."""


class SolverTimeout(RuntimeError):
    """No answer within the time limit (the batch reports such households as timed out)."""


def _month_key(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def bostotte_month(nominal: date) -> str:
    """The month a bostøtte payout is for: Husbanken pays in arrears, so the payout of the 20th
    belongs to the month before (Husbanken, Veileder HB 9.B.12, 3.8 'Transport av bostøtte':
    transferred to the kommune only against housing costs for the same period; domain.md §7)."""
    y, m = (nominal.year - 1, 12) if nominal.month == 1 else (nominal.year, nominal.month - 1)
    return f"{y:04d}-{m:02d}"


#: How far past the horizon a bostøtte payout for the horizon's last month is looked for.
BOSTOTTE_AFTER_DAYS = 62


# --------------------------------------------------------------------------- precomputation


@dataclass
class _Event:
    """A booking whose presence or size depends on decisions: day offset and signed øre."""

    day: int
    amount: int


@dataclass
class _Stream:
    """An income stream that a lever may touch."""

    name: str
    kind: str
    schedule: Schedule
    occ: list[tuple[int, int, date]]  # (day offset, amount øre, nominal date)
    # bostøtte only: payouts after the horizon for months inside it (paid in arrears)
    after: list[tuple[int, int, date]] = field(default_factory=list)


@dataclass
class _RentMonth:
    key: str
    year: int
    month: int
    amount: int
    due: int  # day offset of the baseline (effective) due date
    options: dict[int, int]  # accepted day-of-month -> effective day offset


@dataclass
class _Setup:
    h: Household
    cfg: LeverConfig
    days: int
    same_day_credit: bool
    opening: int
    floor: int
    fixed_credit: np.ndarray
    fixed_debit: np.ndarray
    rent_months: list[_RentMonth]
    streams: dict[str, _Stream]
    move_options: dict[str, list[tuple[str, list[tuple[int, int, date]]]]]  # stream -> [(label, occ)]
    repay_options: list[tuple[int, int, list[tuple[int, int]]]]  # (n, day, [(offset, amount)])
    arrears: int
    month_firsts: list[int]
    baseline: list[Transaction]
    rent_shift: str
    extra: dict = field(default_factory=dict)

    def rent_month_for(self, day: int) -> str | None:
        """The rent month a direct payment on `day` counts against: its own calendar month if
        that month's rent is in the horizon, else the next rent month (None if there is none)."""
        d = self.h.start + timedelta(days=day)
        key = _month_key(d)
        keys = [r.key for r in self.rent_months]
        if key in keys:
            return key
        later = [k for k in keys if k > key]
        return later[0] if later else None


def _setup(h: Household, cfg: LeverConfig, same_day_credit: bool, base: list[Transaction]) -> _Setup:
    start, end = h.start, h.end
    days = (end - start).days + 1
    fixed_credit = np.zeros(days, dtype=np.int64)
    fixed_debit = np.zeros(days, dtype=np.int64)
    rent_fixed = h.rent.day is None  # rent by `dates`/`every_days`: no rent levers, debits stay
    for tx in base:
        if tx.kind == "husleie" and not rent_fixed:
            continue
        t = (tx.date - start).days
        if tx.amount_ore >= 0:
            fixed_credit[t] += tx.amount_ore
        else:
            fixed_debit[t] -= tx.amount_ore
    income_scheds, expense_scheds = household_schedules(h)
    rent = h.rent
    rent_sched = expense_scheds[h.expense.index(rent)]
    rent_months: list[_RentMonth] = []
    for occ in occurrences(rent_sched, start, end) if not rent_fixed else ():
        y, m = occ.nominal.year, occ.nominal.month
        options = {}
        for d in cfg.rent_days:
            eff = effective_date(nominal_in_month(y, m, d), rent_sched.shift)
            if start <= eff <= end:
                options[d] = (eff - start).days
        rent_months.append(
            _RentMonth(_month_key(occ.nominal), y, m, rent.amount_for(y, m), (occ.effective - start).days, options)
        )
    # rent_day None (rent given by `dates` or every_days): only the baseline dates are possible
    streams: dict[str, _Stream] = {}
    for inc, sched in zip(h.income, income_scheds):
        occ = [((o.effective - start).days, inc.amount_for(o.nominal.year, o.nominal.month), o.nominal)
               for o in occurrences(sched, start, end)]
        after = []
        if inc.stream in cfg.bostotte_streams:
            after = [((o.effective - start).days, inc.amount_for(o.nominal.year, o.nominal.month), o.nominal)
                     for o in occurrences(sched, end + timedelta(days=1), end + timedelta(days=BOSTOTTE_AFTER_DAYS))]
        streams[inc.stream] = _Stream(inc.stream, inc.kind, sched, occ, after)
    move_options: dict[str, list[tuple[str, list[tuple[int, int, date]]]]] = {}
    by_name = {inc.stream: inc for inc in h.income}
    for name in cfg.move_streams:
        st = streams[name]
        inc = by_name[name]
        opts = []
        if st.schedule.day is not None:
            for d in cfg.move_days:
                if d == st.schedule.day:
                    continue
                sc = Schedule(shift=st.schedule.shift, day=d)
                occ = [((o.effective - start).days, inc.amount_for(o.nominal.year, o.nominal.month), o.nominal)
                       for o in occurrences(sc, start, end)]
                opts.append((f"day:{d}", occ))
        elif st.schedule.every_days is not None and st.schedule.first is not None:
            for k in cfg.move_shifts:
                if k == 0 or abs(k) >= st.schedule.every_days:
                    continue
                sc = Schedule(shift=st.schedule.shift, every_days=st.schedule.every_days,
                              first=st.schedule.first + timedelta(days=k))
                occ = [((o.effective - start).days, inc.amount_for(o.nominal.year, o.nominal.month), o.nominal)
                       for o in occurrences(sc, start, end)]
                opts.append((f"shift:{k}", occ))
        move_options[name] = opts
    arrears = h.arrears.amount if h.arrears is not None and "repayment_plan" in cfg.allowed else 0
    repay_options: list[tuple[int, int, list[tuple[int, int]]]] = []
    if arrears > 0:
        months = [(r.year, r.month) for r in rent_months]
        for n in range(1, cfg.repay_months + 1):
            per = -(-arrears // n)
            per = -(-per // 100) * 100  # whole kroner
            for d in cfg.rent_days:
                pays, left = [], arrears
                for (y, m) in months:
                    if left <= 0:
                        break
                    amt = min(per, left)
                    left -= amt
                    eff = effective_date(nominal_in_month(y, m, d), rent_sched.shift)
                    if start <= eff <= end:
                        pays.append(((eff - start).days, amt))
                repay_options.append((n, d, pays))
    firsts = []
    d = date(start.year, start.month, 1)
    while d <= end:
        if d >= start:
            firsts.append((d - start).days)
        d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return _Setup(
        h=h, cfg=cfg, days=days, same_day_credit=same_day_credit, opening=h.opening_balance,
        floor=h.min_balance, fixed_credit=fixed_credit, fixed_debit=fixed_debit, rent_months=rent_months,
        streams=streams, move_options=move_options, repay_options=repay_options, arrears=arrears,
        month_firsts=firsts, baseline=base, rent_shift=rent_sched.shift,
    )


# --------------------------------------------------------------------------- the CP-SAT model


def _lean_model_class():
    """`CpModel` without its per-instance camelCase aliases.

    OR-Tools' constructor attaches a deprecated alias for every method to each new model
    (0.7 ms a model); we build and clone several models per household and use only the
    snake_case API, so the subclass skips that and clones into its own kind."""
    from ortools.sat.python import cp_model

    class LeanCpModel(cp_model.CpModel):
        def _add_pre_pep8_methods(self) -> None:
            pass

        def clone(self) -> "LeanCpModel":
            other = LeanCpModel()
            other.proto.copy_from(self.proto)
            other.rebuild_constant_map()
            return other

    return LeanCpModel


_LEAN: type | None = None


def _new_model():
    global _LEAN
    if _LEAN is None:
        _LEAN = _lean_model_class()
    return _LEAN()


@dataclass
class _Model:
    model: object
    check_days: np.ndarray
    balances: list  # B[k] variables
    low: object  # L: lowest balance above the floor, capped at the buffer target
    cost_terms: list[tuple[object, int]]
    lateness_terms: list[tuple[object, int]]
    repay_terms: list[tuple[object, int]]
    used: dict[int, object]
    y: dict[tuple[str, int], object]
    inst: object | None
    rd: object | None
    bost: dict[str, object]
    ded_k: dict[str, object]
    ded_u: dict[str, object]
    move: dict[str, list[object]]
    repay: list[object]
    slack_one: object | None
    slack_month: object | None
    target: int = 0
    floor: int = 0
    buffer: object | None = None
    unit: int = 1


def _build(s: _Setup, buffer_target: int, *, slack_one: bool = False, slack_month: bool = False,
           until: int | None = None, fixed_opening_extra: int = 0, slack_unit: int = 1) -> _Model:
    from ortools.sat.python import cp_model

    cfg = s.cfg
    m = _new_model()
    D = s.days
    # ---- check days: where a credit may land (the balance's local minima), and the last day
    credit_days: set[int] = {int(t) for t in np.nonzero(s.fixed_credit)[0]}
    for opts in s.move_options.values():
        for _, occ in opts:
            credit_days.update(o[0] for o in occ)
    if slack_month:
        credit_days.update(s.month_firsts)
    if s.same_day_credit:
        checks = {c - 1 for c in credit_days if c >= 1}
    else:
        checks = set(credit_days)
    checks.add(D - 1)
    if until is not None:
        checks = {c for c in checks if c <= until}
        if not checks:
            checks = {min(until, D - 1)}
    T_list = sorted(checks)
    T = np.array(T_list, dtype=np.int64)
    K = len(T)
    # a debit on day d is seen from the first check day >= d; a credit from the first > d
    # (after the day's debits), or >= d when same-day credit counts
    debit_window = functools.partial(bisect.bisect_left, T_list)
    credit_window = functools.partial(bisect.bisect_left if s.same_day_credit else bisect.bisect_right, T_list)

    # constant flows per window
    const = np.zeros(K + 1, dtype=np.int64)
    credit_days_arr = np.nonzero(s.fixed_credit)[0]
    debit_days_arr = np.nonzero(s.fixed_debit)[0]
    np.add.at(const, np.searchsorted(T, credit_days_arr, side="left" if s.same_day_credit else "right"),
              s.fixed_credit[credit_days_arr])
    np.add.at(const, np.searchsorted(T, debit_days_arr, side="left"), -s.fixed_debit[debit_days_arr])

    window_terms: list[list[tuple[object, int]]] = [[] for _ in range(K + 1)]
    total_credit = int(s.fixed_credit.sum())
    big = abs(s.opening) + total_credit + int(s.fixed_debit.sum()) + sum(r.amount for r in s.rent_months) + s.arrears
    big = big + abs(s.floor) + 10 ** 6

    # ---- rent
    cost_terms: list[tuple[object, int]] = []
    lateness_terms: list[tuple[object, int]] = []
    rent_dom = s.h.rent.day
    all_days = sorted({d for r in s.rent_months for d in r.options})
    used = {d: m.new_bool_var(f"used_{d}") for d in all_days}
    n_max = cfg.rent_instalments if cfg.allows("rent_instalments") else 1
    m.add(sum(used.values()) <= n_max)
    inst = rd = None
    if cfg.allows("rent_instalments") and n_max >= 2:
        inst = m.new_bool_var("inst")
        m.add(sum(used.values()) <= 1 + (n_max - 1) * inst)
        cost_terms.append((inst, cfg.costs["rent_instalments"]))
    if cfg.allows("rent_day"):
        rd = m.new_bool_var("rent_day")
        cost_terms.append((rd, cfg.costs["rent_day"]))
    for d, u in used.items():
        if d == rent_dom:
            continue
        allowed_by = [v for v in (rd, inst) if v is not None]
        if not allowed_by:
            m.add(u == 0)
        else:
            m.add(sum(allowed_by) >= u)
    if rent_dom in used and not cfg.allows("rent_day"):
        m.add(used[rent_dom] == 1)  # the due day stays; instalments may add days
    y: dict[tuple[str, int], object] = {}
    rent_sum: dict[str, list] = {}
    for r in s.rent_months:
        terms = []
        if rent_dom is None:
            continue
        for d, off in r.options.items():
            v = m.new_int_var(0, r.amount, f"y_{r.key}_{d}")
            m.add(v <= r.amount * used[d]) if r.amount > 0 else m.add(v == 0)
            y[(r.key, d)] = v
            terms.append(v)
            window_terms[debit_window(off)].append((v, -1))
            late = max(0, off - r.due)
            if late:
                lateness_terms.append((v, late))
        rent_sum[r.key] = terms
    direct: dict[str, list[tuple[object, int]]] = defaultdict(list)

    due_of = {r.key: r.due for r in s.rent_months}

    def pay_landlord(var, st: _Stream, per_payout) -> None:
        """Each payout of `st` sends `per_payout(amount) * var` to the landlord instead of the
        tenant: it leaves the tenant's credits, counts against that month's rent, and is late
        by the days after the rent's due date."""
        for off, amt, _ in st.occ:
            key = s.rent_month_for(off)
            if key is None:
                continue
            c = per_payout(amt)
            window_terms[credit_window(off)].append((var, -c))
            direct[key].append((var, c))
            if off > due_of[key]:
                lateness_terms.append((var, c * (off - due_of[key])))

    # ---- bostøtte to the landlord (the kommune): each payout counts against the rent of the
    # month it is for (the month before its nominal date); a payout for a month before the
    # horizon stays with the tenant (never old arrears), and the payout for the horizon's last
    # month comes after the horizon.
    bost: dict[str, object] = {}
    keys = set(due_of)
    for name in cfg.bostotte_streams:
        st = s.streams[name]
        b = m.new_bool_var(f"bost_{name}")
        bost[name] = b
        cost_terms.append((b, cfg.costs["bostotte_to_landlord"]))
        for off, amt, nominal in st.occ + st.after:
            key = bostotte_month(nominal)
            if key not in keys:
                continue
            if off < s.days:
                window_terms[credit_window(off)].append((b, -amt))
            direct[key].append((b, amt))
            if off > due_of[key]:
                lateness_terms.append((b, amt * (off - due_of[key])))

    # ---- deduction from a benefit, paid to the landlord
    ded_k: dict[str, object] = {}
    ded_u: dict[str, object] = {}
    step = cfg.deduction_step_ore
    for name in cfg.deduction_streams:
        st = s.streams[name]
        if not st.occ:
            continue
        kmax = min(a for _, a, _ in st.occ) // step
        if kmax <= 0:
            continue
        k = m.new_int_var(0, kmax, f"ded_{name}")
        u = m.new_bool_var(f"dedu_{name}")
        m.add(k <= kmax * u)
        m.add(k >= u)
        ded_k[name], ded_u[name] = k, u
        cost_terms.append((u, cfg.costs["deduction"]))
        pay_landlord(k, st, lambda amt: step)

    # ---- move a payout to another day
    move: dict[str, list[object]] = {}
    for name, opts in s.move_options.items():
        st = s.streams[name]
        ws = [m.new_bool_var(f"mv_{name}_{i}") for i in range(len(opts))]
        move[name] = ws
        if not ws:
            continue
        m.add(sum(ws) <= 1)
        for w in ws:
            cost_terms.append((w, cfg.costs["move_payout"]))
        for w, (_, occ) in zip(ws, opts):
            for off, amt, _ in occ:
                window_terms[credit_window(off)].append((w, amt))
            for off, amt, _ in st.occ:
                window_terms[credit_window(off)].append((w, -amt))
    # one income-side lever per stream
    for name in s.streams:
        parts = []
        if name in bost:
            parts.append(bost[name])
        if name in ded_u:
            parts.append(ded_u[name])
        parts.extend(move.get(name, []))
        if len(parts) > 1:
            m.add(sum(parts) <= 1)

    # ---- the month's rent: tenant debits + direct payments
    for r in s.rent_months:
        if rent_dom is None:
            continue
        d_terms = direct.get(r.key, [])
        m.add(sum(rent_sum[r.key]) + sum(c * v for v, c in d_terms) == r.amount)

    # ---- arrears repayment
    repay: list[object] = []
    repay_terms: list[tuple[object, int]] = []
    if s.repay_options:
        for n, d, pays in s.repay_options:
            z = m.new_bool_var(f"rep_{n}_{d}")
            repay.append(z)
            repay_terms.append((z, n))
            for off, amt in pays:
                window_terms[debit_window(off)].append((z, -amt))
        m.add_exactly_one(repay)

    # ---- slack for the shortfall analysis
    slack_one_v = slack_month_v = buffer_v = None
    if slack_one:
        # the opening buffer, exact in øre (fixed, never minimised here) ...
        buffer_v = m.new_int_var(0, big, "buffer")
        window_terms[0].append((buffer_v, 1))
        # ... and the one-time shortfall, minimised in units of `slack_unit` øre
        slack_one_v = m.new_int_var(0, big // slack_unit + 1, "slack_one")
        window_terms[0].append((slack_one_v, slack_unit))
    if slack_month:
        slack_month_v = m.new_int_var(0, big // slack_unit + 1, "slack_month")
        for f in s.month_firsts:
            window_terms[credit_window(f)].append((slack_month_v, slack_unit))

    # ---- the balance chain
    low = m.new_int_var(0, max(0, buffer_target), "low")
    balances = []
    prev = None
    opening = s.opening + fixed_opening_extra
    ub = abs(opening) + total_credit + (2 * big if (slack_one or slack_month) else 0) + 1
    for k in range(K):
        b = m.new_int_var(s.floor, max(s.floor, ub) + big, f"B_{int(T[k])}")
        vs = [v for v, _ in window_terms[k]]
        cs = [c for _, c in window_terms[k]]
        base = opening if prev is None else 0
        expr = cp_model.LinearExpr.weighted_sum(vs, cs) + int(const[k]) + base
        if prev is not None:
            expr = expr + prev
        m.add(b == expr)
        m.add(b - low >= s.floor)
        balances.append(b)
        prev = b
    return _Model(m, T, balances, low, cost_terms, lateness_terms, repay_terms, used, y, inst, rd, bost, ded_k,
                  ded_u, move, repay, slack_one_v, slack_month_v, max(0, buffer_target), s.floor, buffer_v, slack_unit)


def _solver(time_limit: float):
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_deterministic_time = time_limit
    solver.parameters.max_time_in_seconds = time_limit * WALL_FACTOR
    # The models are small and already tight; presolve cost more than it saved (2-3x slower
    # on the scenarios, see bench/plan.py).
    solver.parameters.cp_model_presolve = _PRESOLVE
    return solver


def _solve(solver, m) -> int:
    """Solve; a solve the wall-clock safety net stopped before its work limit (and before a
    proof) raises `SolverTimeout`, so that no answer depends on the machine's speed."""
    from ortools.sat.python import cp_model

    st = solver.solve(m)
    if st in (cp_model.OPTIMAL, cp_model.INFEASIBLE, cp_model.MODEL_INVALID):
        return st
    params = solver.parameters
    if solver.deterministic_time < params.max_deterministic_time and solver.wall_time >= 0.95 * params.max_time_in_seconds:
        raise SolverTimeout(f"the machine was too busy to finish the work limit within {params.max_time_in_seconds:g} s")
    return st


def _sum(terms):
    from ortools.sat.python import cp_model

    if not terms:
        return 0
    return cp_model.LinearExpr.weighted_sum([v for v, _ in terms], [c for _, c in terms])


_PRESOLVE = False
_SLACK_HINT = False
_HINTS = False  # measured: hints slowed the 24-month move_payout models (bench/plan.py)


def _hint_from(m, solver) -> None:
    """Start the next phase from the previous phase's solution (it is feasible there)."""
    m.clear_hints()
    if not _HINTS:
        return
    values = solver.response_proto.solution
    m.proto.solution_hint.vars.extend(range(len(values)))
    m.proto.solution_hint.values.extend(values)


def _fixed(mdl: _Model, one: int = 0):
    """A copy of the full model with no extra money but an opening buffer of `one` øre:
    0 is the plain problem. One build serves every solve of a household."""
    m = mdl.model.clone()
    if mdl.buffer is not None:
        m.add(mdl.buffer == one)
    for v in (mdl.slack_one, mdl.slack_month):
        if v is not None:
            m.add(v == 0)
    return m


def _solve_phases(mdl: _Model, time_limit: float, opening_extra: int = 0) -> tuple[object, bool] | None:
    """Run the three phases; returns (solver holding the final solution, proven optimal).

    (A single solve of `cost * (target + 1) - low` is the same order exactly, but measured
    2-3x slower than separate solves: bench/plan.py.)
    """
    from ortools.sat.python import cp_model

    ok = (cp_model.OPTIMAL, cp_model.FEASIBLE)
    m = _fixed(mdl, one=opening_extra)
    cost = _sum(mdl.cost_terms)
    m.minimize(cost)
    solver = _solver(time_limit)
    st = _solve(solver, m)
    if st == cp_model.INFEASIBLE:
        return None
    if st not in ok:
        raise SolverTimeout("no plan found within the time limit")
    optimal = st == cp_model.OPTIMAL
    m.add(cost <= int(round(solver.objective_value)))
    _hint_from(m, solver)
    m.maximize(mdl.low)
    solver = _solver(time_limit)
    st = _solve(solver, m)
    if st not in ok:
        raise SolverTimeout("phase 2 found no solution within the time limit")
    optimal &= st == cp_model.OPTIMAL
    m.add(mdl.low >= int(solver.value(mdl.low)))
    _hint_from(m, solver)
    scale = max((c for _, c in mdl.repay_terms), default=0) + 1
    late = _sum([(v, c * scale) for v, c in mdl.lateness_terms] + mdl.repay_terms)
    m.minimize(late)
    solver = _solver(time_limit)
    st = _solve(solver, m)
    if st not in ok:
        raise SolverTimeout("phase 3 found no solution within the time limit")
    optimal &= st == cp_model.OPTIMAL
    return solver, optimal


def _no_lever_shortfall(s: _Setup, extra_opening: int) -> tuple[int, int | None]:
    """Upper bounds on the shortfall from the schedule as it stands (no lever used): the
    one-time sum is the deepest dip; the monthly sum, arriving on each month's first day, must
    cover every dip divided by the month firsts before it. Used as a hint, and as the answer
    when the solver cannot improve on it in time."""
    series = simulate(s.baseline, s.h.start, s.h.end, s.opening).solvency_series(s.same_day_credit)
    deficit = s.floor - series
    one = max(0, int(deficit.max()))
    firsts = np.zeros(s.days, dtype=np.int64)
    for f in s.month_firsts:
        firsts[f] += 1
    counted = np.cumsum(firsts) if s.same_day_credit else np.cumsum(firsts) - firsts
    need = deficit - extra_opening
    short = need > 0
    if (short & (counted == 0)).any():
        return one, None
    month = int(max(0, (-(-need[short] // counted[short])).max())) if short.any() else 0
    return one, month


def _minimise_slack(mdl: _Model, kind: str, time_limit: float, one: int = 0,
                    hint: int | None = None) -> tuple[int, list[int], bool] | None:
    """Smallest one-time ('one') or monthly ('month') extra sum that makes it solvent.

    For 'month' the one-time sum is fixed at `one` (the opening buffer no monthly sum can
    replace). `hint` is a known sufficient sum (no levers). Returns (sum, binding check days,
    proven least), or None when no solution was found."""
    from ortools.sat.python import cp_model

    m = mdl.model.clone()
    var, other = (mdl.slack_one, mdl.slack_month) if kind == "one" else (mdl.slack_month, mdl.slack_one)
    if other is not None:
        m.add(other == 0)
    if mdl.buffer is not None:
        m.add(mdl.buffer == (0 if kind == "one" else one))
    if hint is not None and _SLACK_HINT:
        m.add_hint(var, -(-hint // mdl.unit))
    m.minimize(var)
    solver = _solver(time_limit)
    # A pure "least extra money" objective: the stronger LP relaxation proves it in tens of
    # milliseconds where the default level searched for seconds (bench/plan.py, hh-000019).
    solver.parameters.linearization_level = 2
    if SHORTFALL_GAP_ORE:
        solver.parameters.absolute_gap_limit = SHORTFALL_GAP_ORE // mdl.unit
    st = _solve(solver, m)
    if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    floor = mdl.floor
    # binding days: where the balance is within one unit of the floor in that solution
    binding = [int(t) for t, b in zip(mdl.check_days, mdl.balances) if solver.value(b) - floor < mdl.unit]
    return int(solver.value(var)) * mdl.unit, binding, st == cp_model.OPTIMAL


# --------------------------------------------------------------------------- decoding


def _decode(s: _Setup, mdl: _Model, solver, opening_extra: int) -> tuple[list[Transaction], list[Intervention], int]:
    h, start = s.h, s.h.start
    cfg = s.cfg
    cat = catalogue()
    out: list[Transaction] = [t for t in s.baseline if t.kind not in ("husleie", "income")]
    interventions: list[Intervention] = []

    def day(off: int) -> date:
        return start + timedelta(days=off)

    # incomes
    for name, st in s.streams.items():
        moved = None
        for w, (label, occ) in zip(mdl.move.get(name, []), s.move_options.get(name, [])):
            if solver.value(w):
                moved = (label, occ)
        b = name in mdl.bost and solver.value(mdl.bost[name])
        k = solver.value(mdl.ded_k[name]) if name in mdl.ded_k else 0
        occ = moved[1] if moved else st.occ
        rent_keys = {r.key for r in s.rent_months}
        for off, amt, nominal in occ + (st.after if b else []):
            key = s.rent_month_for(off)
            if b:
                bkey = bostotte_month(nominal)
                if bkey in rent_keys:
                    out.append(Transaction(day(off), "landlord", "bostotte_direct", amt, stream=name, rent_month=bkey))
                elif off < s.days:
                    out.append(Transaction(day(off), "tenant", "income", amt, stream=name))
            elif k and key is not None:
                out.append(Transaction(day(off), "tenant", "income", amt - k * cfg.deduction_step_ore, stream=name))
                out.append(Transaction(day(off), "landlord", "deduction", k * cfg.deduction_step_ore, stream=name,
                                       rent_month=key))
            else:
                out.append(Transaction(day(off), "tenant", "income", amt, stream=name))
        if moved:
            label = moved[0]
            kind, val = label.split(":")
            params = {"stream": name}
            if kind == "day":
                params.update({"from_day": st.schedule.day, "to_day": int(val)})
            else:
                params.update({"from_day": st.schedule.first.isoformat() if st.schedule.first else None,
                               "to_day": (st.schedule.first + timedelta(days=int(val))).isoformat(),
                               "shift_days": int(val)})
            interventions.append(Intervention("move_payout", cat["move_payout"].actors, cfg.costs["move_payout"], params))
        if b:
            interventions.append(Intervention("bostotte_to_landlord", cat["bostotte_to_landlord"].actors,
                                              cfg.costs["bostotte_to_landlord"], {"stream": name}))
        if k:
            interventions.append(Intervention("deduction", cat["deduction"].actors, cfg.costs["deduction"],
                                              {"stream": name, "amount_ore": k * cfg.deduction_step_ore}))
    # rent
    used_days = sorted(d for d, u in mdl.used.items() if solver.value(u))
    per_month: dict[str, list[int]] = {}
    for r in s.rent_months:
        amounts = []
        for d in sorted(r.options):
            v = mdl.y.get((r.key, d))
            a = int(solver.value(v)) if v is not None else 0
            if a:
                out.append(Transaction(day(r.options[d]), "tenant", "husleie", -a, rent_month=r.key))
            if d in used_days:
                amounts.append(a)
        per_month[r.key] = amounts
    if h.rent.day is None:  # rent by explicit dates: unchanged
        out.extend(t for t in s.baseline if t.kind == "husleie")
    rent_dom = h.rent.day
    if used_days and used_days != [rent_dom]:
        # the typical month: the most common split of the tenant's share
        counts: dict[tuple[int, ...], int] = defaultdict(int)
        for a in per_month.values():
            counts[tuple(a)] += 1
        typical = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        if len(used_days) >= 2:
            interventions.append(Intervention(
                "rent_instalments", cat["rent_instalments"].actors, cfg.costs["rent_instalments"],
                {"days": used_days, "from_day": rent_dom, "amounts_ore": list(typical),
                 "amounts_by_month": {k: v for k, v in per_month.items()}}))
        else:
            interventions.append(Intervention("rent_day", cat["rent_day"].actors, cfg.costs["rent_day"],
                                              {"day": used_days[0], "from_day": rent_dom}))
    # repayment
    for z, (n, d, pays) in zip(mdl.repay, s.repay_options):
        if solver.value(z):
            for off, amt in pays:
                out.append(Transaction(day(off), "tenant", "repayment", -amt))
            per = pays[0][1] if pays else 0
            interventions.append(Intervention(
                "repayment_plan", cat["repayment_plan"].actors, cfg.costs["repayment_plan"],
                {"day": d, "amount_ore": per, "months": n, "arrears_ore": s.arrears}))
    if opening_extra:
        interventions.insert(0, Intervention("opening_buffer", ("sosialtjenesten",), 0, {"amount_ore": opening_extra}))
    lateness = 0
    for v, c in mdl.lateness_terms:
        lateness += c * int(solver.value(v))
    order = {k: i for i, k in enumerate(["opening_buffer", "rent_day", "rent_instalments", "bostotte_to_landlord",
                                          "deduction", "move_payout", "repayment_plan"])}
    interventions.sort(key=lambda i: (order[i.lever], str(i.params.get("stream", ""))))
    return sort_transactions(out), interventions, lateness


def verify(h: Household, txs: Iterable[Transaction], opening: int, same_day_credit: bool = False,
           baseline: Iterable[Transaction] | None = None):
    """Re-simulate a plan from its transactions; raise if any day is below the floor or any
    month's rent is not fully paid. Independent of the solver's own arithmetic."""
    txs = list(txs)
    sim = simulate(txs, h.start, h.end, opening)
    series = sim.solvency_series(same_day_credit)
    if (series < h.min_balance).any():
        t = int(np.argmin(series))
        raise PlanVerificationError(
            f"{h.id}: simulated balance {int(series[t])} øre on {h.start + timedelta(days=t)} is below the floor")
    paid: dict[str, int] = defaultdict(int)
    for tx in txs:
        if tx.rent_month is not None:
            paid[tx.rent_month] += abs(tx.amount_ore)
    # what each month owes: the schedule's rent bookings (one a month, or several for rent
    # given by `dates` or `every_days`)
    due: dict[str, int] = defaultdict(int)
    for tx in transactions(h) if baseline is None else baseline:
        if tx.kind == "husleie":
            due[tx.rent_month] += -tx.amount_ore
    for month in sorted(set(due) | set(paid)):
        if paid.get(month, 0) != due.get(month, 0):
            raise PlanVerificationError(f"{h.id}: rent for {month} paid {paid.get(month, 0)} of {due.get(month, 0)}")
    return sim


# --------------------------------------------------------------------------- entry point


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
) -> Plan:
    """The cheapest set of interventions that keeps the household solvent on every day.

    `shortfall`: for a household without a plan, "exact" finds the least extra sums under the
    allowed levers (two more solves); "bound" reports the sums that suffice with no lever at
    all (upper bounds, `optimal` false), for runs over many households."""
    if shortfall not in ("exact", "bound"):
        raise ValueError(f"shortfall must be 'exact' or 'bound', not {shortfall!r}")
    from .explain import explain_plan

    h = household
    cfg = resolve(h, allow, forbid)
    baseline = diagnose(h, same_day_credit)
    base_tx = transactions(h)
    needs_repayment = h.arrears is not None and h.arrears.amount > 0 and cfg.allows("repayment_plan")
    if baseline.problem == "none" and not needs_repayment:
        p = Plan(h.id, h.start, h.end, "solvent", baseline, (), 0, baseline.min_balance_ore,
                 baseline.min_balance_date, h.opening_balance, h.min_balance, tuple(base_tx))
        return _finish(p, h, explain_plan, base_tx, same_day_credit)
    s = _setup(h, cfg, same_day_credit, base_tx)
    opening_extra = 0
    mdl = _build(s, buffer_target_ore, slack_one=True, slack_month=True, slack_unit=SHORTFALL_UNIT_ORE)
    result = _solve_phases(mdl, time_limit_s)
    first_credit = _first_possible_credit(s)
    if result is None and baseline.problem == "timing" and first_credit is not None:
        # The dip no lever can reach: days up to the first possible payout (a small model).
        # Only for a timing problem: a start buffer is no plan for a household whose money
        # does not suffice, nor for one with no payout at all (it would fund the horizon).
        early = _minimise_slack(_build(s, 0, slack_one=True, until=first_credit), "one", time_limit_s)
        if early is not None and early[0] > 0:
            opening_extra = early[0]
            result = _solve_phases(mdl, time_limit_s, opening_extra)
    if result is None:
        # The shortfall is advice ("about this much is missing"): each solve gets its own
        # cap; a figure not proven least within it is an upper bound, and `optimal` says so.
        # `shortfall="bound"` (the batch) skips both solves and reports the no-lever bounds.
        cap = min(time_limit_s, shortfall_time_limit_s)
        bound_one, bound_month = _no_lever_shortfall(s, opening_extra)
        exact = shortfall == "exact"
        one = _minimise_slack(mdl, "one", cap, hint=bound_one) if exact else None
        month = _minimise_slack(mdl, "month", cap, one=opening_extra, hint=bound_month) if exact else None
        # proven only when both sums came from the solver (a missing monthly sum counts as
        # proven only if the solver ran: "no monthly sum helps" is then its finding)
        shortfall_proven = exact and one is not None and one[2] and (
            (month is not None and month[2]) or (month is None and bound_month is None))
        if one is None:
            one = (bound_one, [], False)
        if month is None and bound_month is not None:
            month = (bound_month, [], False)
        binding = sorted(set((one[1] if one else []) + (month[1] if month else [])))[:10]
        shortfall = Shortfall(
            monthly_ore=month[0] if month else None,
            one_time_ore=one[0] if one else 0,
            binding_days=tuple(h.start + timedelta(days=t) for t in binding),
        )
        p = Plan(h.id, h.start, h.end, "infeasible", baseline, (), 0, baseline.min_balance_ore,
                 baseline.min_balance_date, h.opening_balance, h.min_balance, tuple(base_tx), shortfall=shortfall,
                 opening_buffer_ore=opening_extra, optimal=shortfall_proven)
        return _finish(p, h, explain_plan, base_tx, same_day_credit)
    solver, optimal = result
    txs, interventions, lateness = _decode(s, mdl, solver, opening_extra)
    opening = h.opening_balance + opening_extra
    sim = verify(h, txs, opening, same_day_credit, base_tx)
    series = sim.solvency_series(same_day_credit)
    t = int(np.argmin(series))
    low_solver = min(solver.value(b) for b in mdl.balances)
    if low_solver != int(series[mdl.check_days].min()):
        raise PlanVerificationError(f"{h.id}: solver's lowest balance {low_solver} != simulated {int(series.min())}")
    cost = sum(i.cost for i in interventions)
    status = "planned" if interventions else "solvent"
    p = Plan(h.id, h.start, h.end, status, baseline, tuple(interventions), cost, int(series[t]),
             h.start + timedelta(days=t), opening, h.min_balance, tuple(txs), lateness_ore_days=lateness,
             opening_buffer_ore=opening_extra, optimal=optimal)
    return _finish(p, h, explain_plan, base_tx, same_day_credit)


def _first_possible_credit(s: _Setup) -> int | None:
    """The first day any payout can land in the horizon (None: no payout at all)."""
    days = [int(t) for t in np.nonzero(s.fixed_credit)[0]]
    for opts in s.move_options.values():
        for _, occ in opts:
            days.extend(o[0] for o in occ)
    return min(days) if days else None


def _finish(p: Plan, h: Household, explain_plan, base_tx, same_day_credit: bool) -> Plan:
    from dataclasses import replace

    from .explain import has_problem, if_nothing_done

    interventions, sentences = explain_plan(p, h, same_day_credit, base_tx)
    projection = if_nothing_done(h, same_day_credit, base_tx) if has_problem(h, p.baseline) else None
    return replace(p, interventions=tuple(interventions), explanation=tuple(sentences), if_nothing_done=projection)

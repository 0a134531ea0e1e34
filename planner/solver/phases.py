"""Solving a built model: the three phases of a plan, and the least extra money (shortfall).

Objective in phases, each fixing the previous optimum: (1) fewest cost units; (2) the highest
lowest balance, up to a buffer target (beyond it a higher balance is not worth paying the
landlord later); (3) the least lateness of rent (øre-days paid after the due date), then the
fastest arrears repayment. One worker, fixed seed: the same input gives the same plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..cashflow import delayed, simulate
from ..levers.base import Setup, Term
from .chain import Model

#: The wall-clock safety net of a solve: this many times its deterministic limit. A solve the
#: wall clock stops before its work limit is reported as a timeout (`SolverTimeout`), never as a
#: different plan: the answer would depend on how busy the machine was.
WALL_FACTOR = 20.0
#: The shortfall is advice: it is given in whole kroner (rounded up) and proven least to
#: within 100 kr (SHORTFALL_GAP_ORE), which keeps the search short.
SHORTFALL_UNIT_ORE = 100  # whole kroner
SHORTFALL_GAP_ORE = 10_000


class SolverTimeout(RuntimeError):
    """No answer within the time limit (the batch reports such households as timed out)."""


@dataclass(frozen=True)
class Tuning:
    """Solver settings measured and rejected, kept for `bench/plan.py` to measure again.

    presolve: CP-SAT's presolve (2-3x slower on the scenarios: the models are small and tight);
    hints: start each phase from the previous phase's solution (slowed the 24-month
    move_payout models); slack_hint: hint the shortfall solve with the no-lever bound."""

    presolve: bool = False
    hints: bool = False
    slack_hint: bool = False


DEFAULT_TUNING = Tuning()


def new_solver(time_limit: float, tuning: Tuning = DEFAULT_TUNING) -> Any:
    """A CP-SAT solver: one worker, fixed seed, a deterministic work limit."""
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_deterministic_time = time_limit
    solver.parameters.max_time_in_seconds = time_limit * WALL_FACTOR
    solver.parameters.cp_model_presolve = tuning.presolve
    return solver


def solve(solver: Any, m: Any) -> int:
    """Solve; a solve the wall-clock safety net stopped before its work limit (and before a
    proof) raises `SolverTimeout`, so that no answer depends on the machine's speed."""
    from ortools.sat.python import cp_model

    st = solver.solve(m)
    if st in (cp_model.OPTIMAL, cp_model.INFEASIBLE, cp_model.MODEL_INVALID):
        return int(st)
    params = solver.parameters
    if solver.deterministic_time < params.max_deterministic_time and solver.wall_time >= 0.95 * params.max_time_in_seconds:
        raise SolverTimeout(f"the machine was too busy to finish the work limit within {params.max_time_in_seconds:g} s")
    return int(st)


def _sum(terms: list[Term]) -> Any:
    from ortools.sat.python import cp_model

    if not terms:
        return 0
    return cp_model.LinearExpr.weighted_sum([v for v, _ in terms], [c for _, c in terms])


def _hint_from(m: Any, solver: Any, tuning: Tuning) -> None:
    """Start the next phase from the previous phase's solution (it is feasible there)."""
    m.clear_hints()
    if not tuning.hints:
        return
    values = solver.response_proto.solution
    m.proto.solution_hint.vars.extend(range(len(values)))
    m.proto.solution_hint.values.extend(values)


def _fixed(mdl: Model, one: int = 0) -> Any:
    """A copy of the full model with no extra money but an opening buffer of `one` øre:
    0 is the plain problem. One build serves every solve of a household."""
    m = mdl.model.clone()
    if mdl.buffer is not None:
        m.add(mdl.buffer == one)
    for v in (mdl.slack_one, mdl.slack_month):
        if v is not None:
            m.add(v == 0)
    return m


#: The objectives of a plan, by name: the best plan takes them in this order; an alternative
#: (`alternatives.py`) puts its own criterion first.
BEST_ORDER = ("cost", "low", "late")


def _objective(mdl: Model, name: str) -> tuple[Any, bool]:
    """The expression of objective `name` and whether it is maximised."""
    if name == "cost":
        return _sum(mdl.cost_terms), False
    if name == "low":
        return mdl.low, True
    # the least lateness of rent, then the fastest repayment
    scale = max((c for _, c in mdl.repay_terms), default=0) + 1
    return _sum([(v, c * scale) for v, c in mdl.lateness_terms] + mdl.repay_terms), False


def solve_phases(mdl: Model, time_limit: float, opening_extra: int = 0,
                 tuning: Tuning = DEFAULT_TUNING, order: tuple[str, ...] = BEST_ORDER,
                 forbid: tuple[Any, ...] = (), low_cap: int | None = None,
                 start_from: Any | None = None, linearization: int | None = None) -> tuple[Any, bool] | None:
    """Run one phase per objective in `order`, each fixing the previous optimum; returns (solver
    holding the final solution, proven optimal), or None when no plan exists.

    `forbid`: literals held false (an alternative without some levers); `low_cap`: the lowest
    balance's cap instead of the buffer target (an alternative that wants it as high as it goes);
    `start_from`: a solver holding a solution of the same model to start the first phase from
    (an alternative starts from the best plan, so a short limit still returns a plan at least
    as good as it on the alternative's criterion); `linearization`: CP-SAT's
    `linearization_level` (2, the stronger LP relaxation, proves the least lateness 2-3x faster:
    bench/plan.py).
    (A single solve of `cost * (target + 1) - low` is the same order exactly, but measured
    2-3x slower than separate solves: bench/plan.py.)
    """
    from ortools.sat.python import cp_model

    ok = (cp_model.OPTIMAL, cp_model.FEASIBLE)
    m = _fixed(mdl, one=opening_extra)
    for lit in forbid:
        m.add(lit == 0)
    if low_cap is not None:
        dom = m.proto.variables[mdl.low.index].domain
        dom[0], dom[1] = 0, low_cap
    solver = None
    optimal = True
    if start_from is not None:
        values = start_from.response_proto.solution
        m.proto.solution_hint.vars.extend(range(len(values)))
        m.proto.solution_hint.values.extend(values)
    for k, name in enumerate(order):
        expr, maximise = _objective(mdl, name)
        if solver is not None:
            _hint_from(m, solver, tuning)
        m.maximize(expr) if maximise else m.minimize(expr)
        solver = new_solver(time_limit, tuning)
        if linearization is not None:
            solver.parameters.linearization_level = linearization
        st = solve(solver, m)
        if k == 0 and st == cp_model.INFEASIBLE:
            return None
        if st not in ok:
            raise SolverTimeout(f"phase {k + 1} ({name}) found no solution within the time limit")
        optimal &= st == cp_model.OPTIMAL
        if k < len(order) - 1:
            best = int(round(solver.objective_value))
            m.add(expr >= best) if maximise else m.add(expr <= best)
    return solver, optimal


def no_lever_shortfall(s: Setup, extra_opening: int) -> tuple[int, int | None]:
    """Upper bounds on the shortfall from the schedule as it stands (no lever used): the
    one-time sum is the deepest dip; the monthly sum, arriving on each month's first day, must
    cover every dip divided by the month firsts before it. Used as a hint, and as the answer
    when the solver cannot improve on it in time."""
    series = simulate(delayed(s.baseline, s.h, s.late), s.h.start, s.h.end, s.opening).solvency_series(s.same_day_credit)
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


def minimise_slack(mdl: Model, kind: str, time_limit: float, one: int = 0, hint: int | None = None,
                   tuning: Tuning = DEFAULT_TUNING) -> tuple[int, list[int], bool] | None:
    """Smallest one-time ('one') or monthly ('month') extra sum that makes it solvent.

    For 'month' the one-time sum is fixed at `one` (the opening buffer no monthly sum can
    replace). `hint` is a known sufficient sum (no levers). Returns (sum, binding check days,
    proven least), or None when no solution was found."""
    from ortools.sat.python import cp_model

    m = mdl.model.clone()
    var, other = (mdl.slack_one, mdl.slack_month) if kind == "one" else (mdl.slack_month, mdl.slack_one)
    if var is None:
        raise ValueError(f"the model was built without the {kind!r} slack")
    if other is not None:
        m.add(other == 0)
    if mdl.buffer is not None:
        m.add(mdl.buffer == (0 if kind == "one" else one))
    if hint is not None and tuning.slack_hint:
        m.add_hint(var, -(-hint // mdl.unit))
    m.minimize(var)
    solver = new_solver(time_limit, tuning)
    # A pure "least extra money" objective: the stronger LP relaxation proves it in tens of
    # milliseconds where the default level searched for seconds (bench/plan.py, hh-000019).
    solver.parameters.linearization_level = 2
    if SHORTFALL_GAP_ORE:
        solver.parameters.absolute_gap_limit = SHORTFALL_GAP_ORE // mdl.unit
    st = solve(solver, m)
    if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    floor = mdl.floor
    # binding days: where the balance is within one unit of the floor in that solution
    binding = [int(t) for t, b in zip(mdl.check_days, mdl.balances) if solver.value(b) - floor < mdl.unit]
    return int(solver.value(var)) * mdl.unit, binding, st == cp_model.OPTIMAL

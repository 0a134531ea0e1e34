"""The CP-SAT model of one household: the rent, the allowed levers, and the balance chain.

The balance only needs checking on days a credit can land (between credits it only falls) and
on the last day. Balances at those check days are chained variables
`B[k] = B[k-1] + fixed flows + lever terms in window k`, so each decision enters the model once
per window it touches, not once per later day. Each lever adds its own variables
(`planner/levers/<key>.py`); this module knows none of them by name.
"""

from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..levers import LEVERS
from ..levers.base import Build, LeverRule, Setup, Term
from .setup import allowed_rules

if TYPE_CHECKING:  # OR-Tools has no type stubs: for the reader (and mypy sees Any)
    from ortools.sat.python.cp_model import CpModel, IntVar


def _lean_model_class() -> type:
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


@functools.lru_cache(maxsize=1)
def _lean() -> type:
    return _lean_model_class()


def new_model() -> Any:
    return _lean()()


@dataclass
class Model:
    """A built model and the handles the solve phases and the decoder need."""

    model: CpModel  # a LeanCpModel
    build: Build
    check_days: np.ndarray
    balances: list[IntVar]  # B[k] variables
    low: IntVar  # L: lowest balance above the floor, capped at the buffer target
    cost_terms: list[Term]
    slack_one: IntVar | None
    slack_month: IntVar | None
    target: int = 0
    floor: int = 0
    buffer: IntVar | None = None
    unit: int = 1
    #: each lever's cost literals (an alternative forbids some levers by holding them false)
    cost_by_lever: dict[str, list[Term]] = field(default_factory=dict)

    @property
    def lateness_terms(self) -> list[Term]:
        return self.build.lateness_terms

    @property
    def repay_terms(self) -> list[Term]:
        return self.build.repay_terms


def _check_days(s: Setup, levers: list[LeverRule], slack_month: bool, until: int | None) -> list[int]:
    """Where a credit may land (the balance's local minima), and the last day."""
    credit_days: set[int] = {int(t) for t in np.nonzero(s.fixed_credit)[0]}
    for rule in levers:
        credit_days.update(rule.credit_days(s))
    if slack_month:
        credit_days.update(s.month_firsts)
    checks = {c - 1 for c in credit_days if c >= 1} if s.same_day_credit else set(credit_days)
    checks = {c for c in checks if c < s.days}  # a payout that may come after the horizon
    checks.add(s.days - 1)
    if until is not None:
        checks = {c for c in checks if c <= until} or {min(until, s.days - 1)}
    return sorted(checks)


def _constant_flows(s: Setup, T: np.ndarray) -> np.ndarray:
    """The fixed øre in and out per window (window k ends at check day T[k])."""
    const = np.zeros(len(T) + 1, dtype=np.int64)
    credit_days = np.nonzero(s.fixed_credit)[0]
    debit_days = np.nonzero(s.fixed_debit)[0]
    np.add.at(const, np.searchsorted(T, credit_days, side="left" if s.same_day_credit else "right"),
              s.fixed_credit[credit_days])
    np.add.at(const, np.searchsorted(T, debit_days, side="left"), -s.fixed_debit[debit_days])
    return const


def _open_rent(b: Build) -> None:
    """One standing `used[d]` flag per accepted day, at most `max_rent_days` of them."""
    s = b.setup
    all_days = sorted({d for r in s.rent_months if not r.locked for d in r.options})
    b.used = {d: b.model.new_bool_var(f"used_{d}") for d in all_days}
    b.model.add(sum(b.used.values()) <= s.cfg.max_rent_days)


def _rent_days(b: Build) -> None:
    """A day other than the due day needs a rent-day lever; the rent of each month is one
    amount variable per accepted day, debited from the tenant."""
    s, m = b.setup, b.model
    rent_dom = s.h.rent.day
    permits = [b.rent_permits[k] for k in LEVERS if k in b.rent_permits]  # the catalogue's order
    for d, u in b.used.items():
        if d == rent_dom:
            continue
        m.add(sum(permits) >= u) if permits else m.add(u == 0)
    if rent_dom in b.used and "rent_day" not in b.rent_permits:
        m.add(b.used[rent_dom] == 1)  # the due day stays; instalments may add days
    if rent_dom is None:
        return
    for r in s.rent_months:
        for d, off in r.options.items():
            v = m.new_int_var(0, r.amount, f"y_{r.key}_{d}")
            if r.locked:  # the current debit runs as it is, unless deferred (betalingsutsettelse)
                deferred = b.tenant_rent.get(r.key, [])
                m.add(v + sum(c * x for x, c in deferred) == r.amount)
            elif r.amount > 0:
                m.add(v <= r.amount * b.used[d])
            else:
                m.add(v == 0)
            b.y[(r.key, d)] = v
            b.debit(off, v, 1)
            if off > r.due:
                b.lateness_terms.append((v, off - r.due))


def _one_lever_per_stream(b: Build, levers: list[LeverRule]) -> None:
    """At most one income-side lever per stream (a payout is either moved, or redirected by a
    husleietrekk, or paid to the kommune)."""
    for name in b.setup.streams:
        parts = [lit for rule in levers for lit in rule.stream_literals(b, name)]
        if len(parts) > 1:
            b.model.add(sum(parts) <= 1)


def _rent_paid(b: Build) -> None:
    """Each month's rent is paid in full: tenant debits plus direct payments to the landlord."""
    if b.setup.h.rent.day is None:
        return
    for r in b.setup.rent_months:
        tenant = [b.y[(r.key, d)] for d in r.options]
        direct = b.direct.get(r.key, []) + b.tenant_rent.get(r.key, [])
        b.model.add(sum(tenant) + sum(c * v for v, c in direct) == r.amount)


def _bound(s: Setup, levers: list[LeverRule]) -> int:
    """A bound on any sum of money in the model (for the variables' domains)."""
    big = abs(s.opening) + int(s.fixed_credit.sum()) + int(s.fixed_debit.sum()) + sum(r.amount for r in s.rent_months)
    big += sum(rule.debit_bound(s) for rule in levers)
    return big + abs(s.floor) + 10 ** 6


def _slack(b: Build, big: int, slack_one: bool, slack_month: bool, unit: int) -> tuple[Any, Any, Any]:
    """Extra money for the shortfall analysis: an opening buffer (exact øre, fixed per solve),
    a one-time sum and a monthly sum (on each month's first), in units of `unit` øre."""
    buffer_v = slack_one_v = slack_month_v = None
    if slack_one:
        buffer_v = b.model.new_int_var(0, big, "buffer")
        b.window_terms[0].append((buffer_v, 1))
        slack_one_v = b.model.new_int_var(0, big // unit + 1, "slack_one")
        b.window_terms[0].append((slack_one_v, unit))
    if slack_month:
        slack_month_v = b.model.new_int_var(0, big // unit + 1, "slack_month")
        for f in b.setup.month_firsts:
            b.credit(f, slack_month_v, unit)
    return buffer_v, slack_one_v, slack_month_v


def _chain(b: Build, T: np.ndarray, const: np.ndarray, opening: int, ub: int, big: int, low: Any) -> list[Any]:
    """The balance at each check day, each at or above the floor plus `low`."""
    from ortools.sat.python import cp_model

    s, m = b.setup, b.model
    balances: list[Any] = []
    prev = None
    for k in range(len(T)):
        bal = m.new_int_var(s.floor, max(s.floor, ub) + big, f"B_{int(T[k])}")
        vs = [v for v, _ in b.window_terms[k]]
        cs = [c for _, c in b.window_terms[k]]
        expr = cp_model.LinearExpr.weighted_sum(vs, cs) + int(const[k]) + (opening if prev is None else 0)
        if prev is not None:
            expr = expr + prev
        m.add(bal == expr)
        m.add(bal - low >= s.floor)
        balances.append(bal)
        prev = bal
    return balances


def build(s: Setup, buffer_target: int, *, slack_one: bool = False, slack_month: bool = False,
          until: int | None = None, fixed_opening_extra: int = 0, slack_unit: int = 1) -> Model:
    """The model of `s`: the rent, each allowed lever by phase, then the balance chain."""
    levers = allowed_rules(s.cfg)
    T_list = _check_days(s, levers, slack_month, until)
    T = np.array(T_list, dtype=np.int64)
    b = Build(
        model=new_model(), setup=s, window_terms=[[] for _ in range(len(T) + 1)],
        debit_window=functools.partial(bisect.bisect_left, T_list),
        # a debit on day d is seen from the first check day >= d; a credit from the first > d
        # (after the day's debits), or >= d when same-day credit counts
        credit_window=functools.partial(bisect.bisect_left if s.same_day_credit else bisect.bisect_right, T_list),
    )
    by_phase = {p: sorted((r for r in levers if r.phase == p), key=lambda r: r.rank) for p in (0, 1, 2)}
    cost_terms: list[Term] = []
    _open_rent(b)
    by_lever: dict[str, list[Term]] = {}
    for rule in by_phase[0]:
        cost_terms += by_lever.setdefault(rule.key, rule.add(b))
    _rent_days(b)
    for rule in by_phase[1]:
        cost_terms += by_lever.setdefault(rule.key, rule.add(b))
    _one_lever_per_stream(b, levers)
    _rent_paid(b)
    for rule in by_phase[2]:
        cost_terms += by_lever.setdefault(rule.key, rule.add(b))
    big = _bound(s, levers)
    buffer_v, slack_one_v, slack_month_v = _slack(b, big, slack_one, slack_month, slack_unit)
    low = b.model.new_int_var(0, max(0, buffer_target), "low")
    opening = s.opening + fixed_opening_extra
    # room for the slack: a one-time sum once, a monthly sum that piles up month after month
    # (twelve months of it on the account by December: a bound of one or two months made the
    # least monthly sum unprovable over a year)
    ub = abs(opening) + int(s.fixed_credit.sum()) + (2 * big if (slack_one or slack_month) else 0) + 1
    if slack_month:
        ub += (len(s.rent_months) or s.days // 28 + 1) * big
    balances = _chain(b, T, _constant_flows(s, T), opening, ub, big, low)
    return Model(b.model, b, T, balances, low, cost_terms, slack_one_v, slack_month_v, max(0, buffer_target),
                 s.floor, buffer_v, slack_unit, by_lever)

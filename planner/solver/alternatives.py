"""Alternatives to the best plan: other plans that ask different things of different people.

Around the core solve, not inside it: each alternative re-solves the same built model with its
own criterion first (`phases.solve_phases(order=...)`) and, for one of them, some levers held
off. Each is decoded and verified like the best plan (`engine._planned`), and one equal in what
it asks to a plan already listed is dropped.

Criteria, in the order they are listed:
* `no_agency`: the best plan that involves no agency (NAV, Husbanken, the social services):
  the tenant, the landlord and an arrears creditor only;
* `least_late`: the plan that keeps the landlord's rent least late (øre-days), then cheapest;
* `highest_low`: the plan with the highest lowest balance (no buffer cap), then cheapest.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..levers import catalogue
from ..model import Plan
from .chain import Model
from .phases import SolverTimeout, Tuning, solve_phases

#: Who is not an agency: an alternative "without agencies" asks only these.
PRIVATE_ACTORS = frozenset({"tenant", "landlord", "creditor"})

#: Criterion -> objective order (see phases.BEST_ORDER), in the order alternatives are listed:
#: the criterion, then the fewest agreements (a third phase only made them slower to find).
CRITERIA: dict[str, tuple[str, ...]] = {
    "no_agency": ("cost", "low"),
    "least_late": ("late", "cost"),
    "highest_low": ("low", "cost"),
}

#: A cap for the lowest balance above the floor when it should go as high as it can (øre).
UNCAPPED = 2 ** 40
#: Each alternative's phases get this many deterministic seconds (CP-SAT work units, the same on
#: every machine): the least-late search of some 24-month households runs for seconds to prove
#: what it found in a fraction of one. An alternative not proven within it says so (`optimal`).
ALT_TIME_LIMIT_S = 0.2


def agency_levers() -> list[str]:
    """The levers that need an agency to act (data: levers.toml `actors`)."""
    return [k for k, lever in catalogue().items() if not set(lever.actors) <= PRIVATE_ACTORS]


def signature(p: Plan) -> str:
    """What a plan asks, of whom: two plans with the same signature are the same alternative."""
    return json.dumps([[i.lever, i.params.to_json()] for i in p.interventions], sort_keys=True)


def alternatives(s: Any, mdl: Model, best: Plan, n: int, opening_extra: int, time_limit_s: float,
                 tuning: Tuning, planned: Callable[[tuple[Any, bool], str], Plan],
                 best_solver: Any | None = None) -> list[Plan]:
    """Up to `n` plans other than `best`, one per criterion, distinct in what they ask. Each
    but the one without agencies starts from the best plan's solution (`best_solver`)."""
    seen = {signature(best)}
    out: list[Plan] = []
    for criterion, order in CRITERIA.items():
        if len(out) >= n:
            break
        forbid: list[Any] = []
        if criterion == "least_late" and best.lateness_ore_days == 0:
            continue  # the best plan pays the rent on time: nothing to improve
        if criterion == "no_agency":
            if opening_extra or set(best.who_acts()) <= PRIVATE_ACTORS:
                continue  # a start buffer is the social services' money; or the best asks no agency
            forbid = [v for k in agency_levers() for v, _ in mdl.cost_by_lever.get(k, [])]
            if not forbid:
                continue
        try:
            result = solve_phases(mdl, min(time_limit_s, ALT_TIME_LIMIT_S), opening_extra, tuning, order=order,
                                  forbid=tuple(forbid), low_cap=UNCAPPED if criterion == "highest_low" else None,
                                  start_from=None if forbid else best_solver,
                                  linearization=2 if order[0] == "late" else None)
        except SolverTimeout:
            continue  # no alternative found in its short limit: the best plan stands alone
        if result is None:
            continue
        p = planned(result, criterion)
        if signature(p) in seen:
            continue
        seen.add(signature(p))
        out.append(p)
    return out

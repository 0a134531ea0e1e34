"""What the solver worker processes do (`pool.SolverProcesses`): solve a plan, draw its chart,
and warm up. Module-level functions, so a worker can unpickle them by name; imported by the
forkserver once, so a worker that replaces a killed one starts with OR-Tools already loaded."""

from __future__ import annotations

from typing import Any

from ..model import Household

#: What the forkserver imports before it forks any worker.
PRELOAD = ("planner.web.solving", "planner.assessment", "planner.solver", "planner.eviction", "planner.explain",
           "ortools.sat.python.cp_model", "matplotlib", "matplotlib.pyplot", "planner.chart", "planner.web.charts")

#: A small household with a problem (the rent is due before the payouts come), planned at
#: start by every worker: the solve loads OR-Tools' native library and every lazy import on the
#: plan's path, and the chart loads matplotlib and its fonts, before the server says "ready".
WARM_HOUSEHOLD = {
    "id": "oppvarming", "start": "2026-01-01", "as_of": "2026-01-01", "months": 2, "opening_balance": 0,
    "min_balance": 0, "adults": 1, "children": 1,
    "income": [{"kind": "barnetrygd", "amount": 2000}, {"kind": "bostotte", "amount": 4000}],
    "expense": [{"kind": "husleie", "amount": 5000, "day": 1}],
}


def warm_household() -> Household:
    from ..io.household import household_from_dict

    return household_from_dict(dict(WARM_HOUSEHOLD), "oppvarming")


def solve(h: Household, allow: tuple[str, ...], forbid: tuple[str, ...], options: dict[str, Any]) -> Any:
    """`planner.assessment.plan_explained` (the CLI's plan, explained) for the aligned household."""
    from ..assessment import plan_explained

    return plan_explained(h, allow, forbid, **options)


def draw(h: Household, plan: Any) -> str:
    """The plan's balance chart as the page's inline SVG (`planner.web.charts.plan_svg`)."""
    from .charts import plan_svg

    return plan_svg(h, plan)


def solve_and_draw(aligned: Household, h: Household, allow: tuple[str, ...], forbid: tuple[str, ...],
                   options: dict[str, Any]) -> tuple[Any, str]:
    """The plan and its chart in one trip (the household page): `solve(aligned ...)`, drawn for `h`."""
    p = solve(aligned, allow, forbid, options)
    return p, draw(h, p)


def warm() -> None:
    """A worker's start: one tiny plan and its chart (about a second, once per worker)."""
    h = warm_household()
    draw(h, solve(h, (), (), {"time_limit_s": 5.0, "as_of": h.as_of, "alternatives": 3}))

"""Solve, then explain, at the edge: a plan with its text and its eviction projection.

The solver (`planner.solver.plan`) returns interventions, transactions and optimality and no
text. Whoever shows a plan (the CLI, the batch, the web page, the letters) calls `assess` once
per household: it writes the explanation and the interventions' summaries and projects "if
nothing is done" (`planner.eviction`), and the plan JSON carries both. Nothing projects twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from .cashflow import transactions
from .model import Household, Plan, Transaction


def assess(p: Plan, h: Household, same_day_credit: bool = False,
           base_tx: Sequence[Transaction] | None = None) -> Plan:
    """`p` with its explanation, its interventions' summaries and reasons, and, for a household
    with a problem or arrears, what happens if nothing is done."""
    from .eviction import project_household
    from .explain import explain_plan, has_problem

    base = list(base_tx) if base_tx is not None else transactions(h)
    interventions, sentences = explain_plan(p, h, same_day_credit, base)
    projection = project_household(h, same_day_credit, txs=base) if has_problem(h, p.baseline) else None
    # each alternative carries its own explanation ("if nothing is done" is the household's, once)
    alternatives = tuple(replace(a, interventions=tuple(ai), explanation=tuple(asent))
                         for a in p.alternatives for ai, asent in [explain_plan(a, h, same_day_credit, base)])
    return replace(p, interventions=tuple(interventions), explanation=tuple(sentences), if_nothing_done=projection,
                   alternatives=alternatives)


def plan_explained(h: Household, allow: Iterable[str] = (), forbid: Iterable[str] = (), *,
                   same_day_credit: bool = False, horizon_note: str = "", **solver_options: Any) -> Plan:
    """Solve `h` (`planner.solver.plan`, same options) and `assess` the result. `horizon_note`
    says what the as-of date did to the horizon (`planner.asof.Aligned.note`)."""
    from .solver import plan

    base = transactions(h)  # listed once, for the solver and the explanation
    p = plan(h, allow, forbid, same_day_credit=same_day_credit, base_tx=base, **solver_options)
    return assess(replace(p, horizon_note=horizon_note), h, same_day_credit, base)

"""The batch's priority (0-100) for one household, from a typed record and dated weights.

The weights are data (`data/priority.toml`, each with its reason); the inputs are a
`PriorityInput`, built from a batch row (`from_row`) or from a household and its assessed
plan (`from_plan`, the web page): nobody fakes a CSV row to get a priority.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, NamedTuple

from .model import Household, Plan


@dataclass(frozen=True)
class Weights:
    urgency: int
    horizon_days: int
    arrears: int
    months_of_rent: int
    child_first: int
    child_each_further: int
    child_max: int
    cheap_cost: int
    cheap: int
    dear: int
    bostotte: int


@lru_cache(maxsize=1)
def weights() -> Weights:
    """The weights of `data/priority.toml`."""
    with resources.files("planner.data").joinpath("priority.toml").open("rb") as fh:
        raw = tomllib.load(fh)
    return Weights(
        urgency=int(raw["urgency"]["weight"]), horizon_days=int(raw["urgency"]["horizon_days"]),
        arrears=int(raw["arrears"]["weight"]), months_of_rent=int(raw["arrears"]["months_of_rent"]),
        child_first=int(raw["children"]["first"]), child_each_further=int(raw["children"]["each_further"]),
        child_max=int(raw["children"]["max"]), cheap_cost=int(raw["levers"]["cheap_cost"]),
        cheap=int(raw["levers"]["cheap"]), dear=int(raw["levers"]["dear"]),
        bostotte=int(raw["bostotte"]["weight"]),
    )


class PriorityInput(NamedTuple):
    """What the priority depends on, for one household. (A named tuple: as immutable as a
    frozen dataclass, and made in half the time; the batch makes one for every row.)"""

    problem: str | None  # "none", "timing", "income"; None or "" when not checked
    status: str | None  # the plan's status ("planned", "infeasible", ...); None when not planned
    cost: int
    arrears_ore: int
    has_request: bool  # an eviction request would come if nothing is done
    days_to_request: int | None  # days from the horizon start to that request
    children: int
    rent_ore: int
    #: the estimated bostøtte per month of a household that has none ("bostøtte ikke søkt?")
    unused_bostotte_ore: int = 0

    @classmethod
    def from_row(cls, row: Mapping[str, Any], rent_ore: int = 0) -> PriorityInput:
        """From a batch row (results.csv columns) and the monthly rent (not a column)."""
        d = row.get("days_to_request")
        return cls(problem=row.get("problem"), status=row.get("status"), cost=int(row.get("cost") or 0),
                   arrears_ore=int(row.get("arrears_ore") or 0), has_request=bool(row.get("eviction_request")),
                   days_to_request=None if d is None or d == "" else int(d), children=int(row.get("children") or 0),
                   rent_ore=rent_ore,
                   unused_bostotte_ore=int(row.get("bostotte_estimate_ore") or 0) if row.get("bostotte_ikke_sokt") else 0)

    @classmethod
    def from_plan(cls, h: Household, plan: Plan) -> PriorityInput:
        """From a household and its assessed plan (the projection is the plan's)."""
        from .entitlement import unused_bostotte

        request = plan.if_nothing_done.request_date if plan.if_nothing_done is not None else None
        return cls(problem=plan.baseline.problem, status=plan.status, cost=plan.cost,
                   arrears_ore=h.arrears.amount if h.arrears is not None else 0, has_request=request is not None,
                   days_to_request=(request - h.start).days if request else None, children=h.children,
                   rent_ore=h.rent.amount, unused_bostotte_ore=unused_bostotte(h, h.as_of or h.start))


def _half_up(num: int, den: int) -> int:
    """num / den rounded half up, in integers (no float, no banker's rounding)."""
    return (2 * num + den) // (2 * den)


def priority_parts(x: PriorityInput, w: Weights | None = None) -> dict[str, int]:
    """The priority (0-100) and its five parts; see README.md, "Priority".

    urgency: w.urgency × (1 − d/horizon), d clamped to 0..horizon; 0 when no request would come.
    arrears: w.arrears × arrears / (months_of_rent × monthly rent), at most w.arrears.
    children: 0 without children; first, + each_further per further child, at most max.
    levers: cheap when a plan of cost ≤ cheap_cost solves it, dear when a dearer plan does, 0
    when none does or it was not planned.
    bostotte: w.bostotte when the household has no bostøtte and the estimate reaches the minimum
    payout (counted whatever the risk: it is money the household is owed). Otherwise no
    problem, no arrears and no request: 0. The sum is capped at 100.
    """
    return dict(zip(PRIORITY_KEYS, priority_values(*x, w=w)))


#: the keys of `priority_parts`, in order
PRIORITY_KEYS = ("priority", "priority_urgency", "priority_arrears", "priority_children", "priority_levers",
                 "priority_bostotte")


def priority_values(problem: str | None, status: str | None, cost: int, arrears_ore: int, has_request: bool,
                    days_to_request: int | None, children: int, rent_ore: int, unused_bostotte_ore: int = 0,
                    w: Weights | None = None) -> tuple[int, int, int, int, int, int]:
    """`priority_parts` of a `PriorityInput`'s fields, as values in `PRIORITY_KEYS`' order (the
    batch finishes every row with them, without the record and the dict)."""
    w = w or weights()
    urgency = arrears = kids = levers = 0
    if (problem not in (None, "", "none")) or arrears_ore > 0 or has_request:  # at risk
        if days_to_request is not None:
            h = w.horizon_days
            urgency = _half_up(w.urgency * (h - min(max(days_to_request, 0), h)), h)
        if arrears_ore > 0 and rent_ore > 0:
            arrears = min(w.arrears, _half_up(w.arrears * arrears_ore, w.months_of_rent * rent_ore))
        elif arrears_ore > 0:
            arrears = w.arrears
        kids = 0 if children <= 0 else min(w.child_max, w.child_first + w.child_each_further * (children - 1))
        if status == "planned":
            levers = w.cheap if cost <= w.cheap_cost else w.dear
    bostotte = w.bostotte if unused_bostotte_ore > 0 else 0
    return min(100, urgency + arrears + kids + levers + bostotte), urgency, arrears, kids, levers, bostotte

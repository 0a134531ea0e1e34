"""The plan "if granted": beside a plan that may not count on bostøtte (no application
confirmed), the same household planned as if the application were made.

Why beside and not in the plan: a plan asks people to act on dates, and bostøtte not applied
for is not money anyone can plan with; but a caseworker who sees that the gap closes with it
has the cheapest intervention there is in hand. The CLI text, the plan JSON (`if_granted`, see
docs/plan.schema.json) and the web plan page (`_if_granted.html`) all show this one object.
Engine: pure (the solver is a parameter, the day too), no text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..model import Household
from ..results import Plan
from .estimate import BostotteEstimate, entitlements


def if_granted(h: Household) -> Household:
    """The household as if the caseworker had confirmed a bostøtte application: the plan "if
    granted" shown beside the plan that does not count on it (lever `sok_bostotte`)."""
    return h.model_copy(update={"entitlement": h.entitlement.model_copy(update={"bostotte_applied": True})})


@dataclass(frozen=True)
class IfGranted:
    """The estimate the "if granted" plan counts on, and that plan (None: the solver found none
    in its time; the estimate is still worth showing)."""

    estimate: BostotteEstimate
    plan: Plan | None

    def to_json(self) -> dict[str, Any]:
        """The plan contract's `if_granted` (docs/plan.schema.json): the estimate's amount and
        dates, and the plan with them (flat: no `if_granted` of its own)."""
        b = self.estimate
        doc = None if self.plan is None else self.plan.to_json()
        return {"amount_ore": b.monthly_ore, "deadline": b.deadline.isoformat(), "for_month": b.for_month,
                "first_payout": b.first_payout.isoformat(), "plan": doc}


def shows_if_granted(h: Household, as_of: date) -> BostotteEstimate | None:
    """The estimate when the plan should have an "if granted" beside it: no application
    confirmed, no bostøtte stream, and an estimate at or above the minimum payout."""
    if h.entitlement.bostotte_applied:
        return None
    b = entitlements(h, as_of).bostotte
    return b if b.unused else None


def if_granted_plan(h: Household, as_of: date, solve: Callable[[Household], Plan | None]) -> IfGranted | None:
    """The "if granted" beside the plan of `h` on `as_of` (None when none is shown); `solve`
    plans a household with the caller's options (None on a solver timeout)."""
    b = shows_if_granted(h, as_of)
    if b is None:
        return None
    return IfGranted(b, solve(if_granted(h)))

"""What the engine produces: transactions, the diagnosis, interventions, the shortfall and the
plan (the plan contract, design.md). Plain frozen dataclasses: produced by our own code, never
parsed, and made by the million in a batch, where pydantic's validation would only cost time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .eviction import EvictionProjection


# --------------------------------------------------------------------------- engine results


@dataclass(frozen=True, slots=True)
class Transaction:
    """One booking on an account. Negative amounts leave the account."""

    date: date
    account: str  # "tenant" or "landlord"
    kind: str  # "income", an expense kind such as "husleie", "living", "bostotte_direct", ...
    amount_ore: int
    stream: str | None = None
    rent_month: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"date": self.date.isoformat(), "account": self.account, "kind": self.kind}
        if self.stream is not None:
            out["stream"] = self.stream
        if self.rent_month is not None:
            out["rent_month"] = self.rent_month
        out["amount_ore"] = self.amount_ore
        return out


@dataclass(frozen=True, slots=True)
class MonthFigures:
    """One calendar month of the horizon, as a caseworker reads it."""

    month: str  # YYYY-MM
    income_ore: int
    outgoings_ore: int  # positive number: what left the account
    lowest_ore: int
    lowest_date: date
    end_balance_ore: int

    @property
    def net_ore(self) -> int:
        return self.income_ore - self.outgoings_ore


Problem = Literal["none", "timing", "income"]


@dataclass(frozen=True)
class Diagnosis:
    """What is wrong with a household's schedule as it stands (see design.md, contract)."""

    household: str
    start: date
    end: date
    problem: Problem
    floor_ore: int
    min_balance_ore: int
    min_balance_date: date
    first_shortfall: date | None
    days_below_floor: int
    opening_buffer_ore: int  # smallest extra opening balance that avoids every dip
    months: tuple[MonthFigures, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """The diagnosis part of the plan contract (`baseline`), plus the per-month figures."""
        return {
            "problem": self.problem,
            "min_balance_ore": self.min_balance_ore,
            "min_balance_date": self.min_balance_date.isoformat(),
            "first_shortfall": self.first_shortfall.isoformat() if self.first_shortfall else None,
            "days_below_floor": self.days_below_floor,
            "floor_ore": self.floor_ore,
            "opening_buffer_ore": self.opening_buffer_ore,
            "months": [
                {
                    "month": m.month,
                    "income_ore": m.income_ore,
                    "outgoings_ore": m.outgoings_ore,
                    "net_ore": m.net_ore,
                    "lowest_ore": m.lowest_ore,
                    "lowest_date": m.lowest_date.isoformat(),
                    "end_balance_ore": m.end_balance_ore,
                }
                for m in self.months
            ],
        }


# --------------------------------------------------------------------------- plans


def _json_value(value: object) -> object:
    """`value` as the plan contract writes it: dates in ISO, tuples as lists, nested params as
    their own JSON."""
    if isinstance(value, LeverParams):
        return value.to_json()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [_json_value(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _json_value(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class LeverParams:
    """The parameters of one intervention, typed: each lever module defines its own subclass
    (`planner.levers.rent_day.RentDayParams` ...), so that a reader of `Intervention.params`
    knows its fields and a type checker catches a misspelt one. `to_json` writes the plan
    contract's `params` object (docs/plan.schema.json): the fields in their declared order,
    dates in ISO; a field whose metadata says `omit_if_none` is left out when it is None."""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None and f.metadata.get("omit_if_none"):
                continue
            out[f.name] = _json_value(value)
        return out


@dataclass(frozen=True)
class StreamParams(LeverParams):
    """The parameters of a lever that acts on one income stream (a payout moved, a deduction
    from it, bostøtte paid to the landlord or applied for): the stream's name comes first."""

    stream: str


@dataclass(frozen=True)
class Intervention:
    """One lever the plan uses, with its parameters as in the plan contract."""

    lever: str
    actors: tuple[str, ...]
    cost: int
    params: LeverParams
    summary: str = ""
    reason: str = ""
    #: the first booking the intervention changes, and the latest day to ask for it (issue 11)
    effective_from: date | None = None
    request_by: date | None = None

    def to_json(self) -> dict[str, Any]:
        out = {"lever": self.lever, "actors": list(self.actors), "cost": self.cost, "params": self.params.to_json(),
               "summary": self.summary,
               "effective_from": self.effective_from.isoformat() if self.effective_from else None,
               "request_by": self.request_by.isoformat() if self.request_by else None}
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class Shortfall:
    """What would make an infeasible household solvent: the smallest extra money."""

    monthly_ore: int | None  # smallest extra sum each month (on the 1st); None if no monthly sum helps
    one_time_ore: int  # smallest one-time sum on the first day
    binding_days: tuple[date, ...]  # days where the balance touches the floor in that solution
    #: arrears no repayment plan can start on within the horizon (its first instalment would
    #: fall after it): the one-time sum includes them, as only paying them off clears them here
    unplannable_arrears_ore: int = 0
    #: the same sums with nothing else changed (no lever: the schedule as it stands, payouts at
    #: their latest in a robust plan): what the letters ask for, since a plan without a
    #: solution asks no one to change a date (None: not computed; monthly None: no monthly sum)
    unchanged_monthly_ore: int | None = None
    unchanged_one_time_ore: int | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "monthly_ore": self.monthly_ore,
            "one_time_ore": self.one_time_ore,
            "binding_days": [d.isoformat() for d in self.binding_days],
        }
        if self.unplannable_arrears_ore:
            out["unplannable_arrears_ore"] = self.unplannable_arrears_ore
        if self.unchanged_one_time_ore is not None:
            out["unchanged_monthly_ore"] = self.unchanged_monthly_ore
            out["unchanged_one_time_ore"] = self.unchanged_one_time_ore
        return out


def typical_split(per_month: Mapping[str, Sequence[int]]) -> tuple[int, ...]:
    """The tenant's typical month: the most common split of the tenant's rent share over its
    debit days; a tie goes to the smallest split (compared amount by amount). The plan's
    `rent_instalments` params, the explanation and the letters all use this one rule."""
    counts = Counter(tuple(a) for a in per_month.values())
    return min(counts, key=lambda k: (-counts[k], k))


@dataclass(frozen=True)
class Plan:
    """The planner's answer for one household (see design.md, plan contract)."""

    household: str
    start: date
    end: date
    status: Literal["solvent", "planned", "infeasible"]
    baseline: Diagnosis
    interventions: tuple[Intervention, ...]
    cost: int
    min_balance_ore: int
    min_balance_date: date
    opening_balance_ore: int
    floor_ore: int
    transactions: tuple[Transaction, ...]
    shortfall: Shortfall | None = None
    lateness_ore_days: int = 0
    opening_buffer_ore: int = 0
    optimal: bool = True
    explanation: tuple[str, ...] = ()
    # What happens if nothing is done (an `eviction.EvictionProjection`) for a household with a
    # problem; None when the schedule as it stands is fine and nothing is owed.
    if_nothing_done: EvictionProjection | None = None
    #: the day the plan was made: the opening balance is the balance on this day (issue 11)
    as_of: date | None = None
    #: what the as-of date did to the horizon: "", "truncated" (planned for what remains) or
    #: "rolled" (rolled forward from a horizon that had passed)
    horizon_note: str = ""
    #: per income stream (stream, kind, bank days late the plan survives): the contract's `streams`
    streams: tuple[tuple[str, str, int], ...] = ()
    #: the balance stays at or above the floor with every payout up to its `late_days` late
    robust: bool = False
    #: the lowest balance when every payout comes at its latest (None: not computed)
    late_min_balance_ore: int | None = None
    #: what this plan is best at: "best" (fewest agreements), or an alternative's criterion
    criterion: str = "best"
    #: other plans that ask different things of different people (`solver.alternatives`)
    alternatives: tuple[Plan, ...] = ()

    def who_acts(self) -> tuple[str, ...]:
        """Everyone who must act on the plan, each once, in the order they first appear."""
        return tuple(dict.fromkeys(a for i in self.interventions for a in i.actors))

    def rent_days_late(self) -> float:
        """How many days late the landlord gets the rent on average (weighted by the øre)."""
        rent = sum(-t.amount_ore for t in self.transactions if t.kind == "husleie" and t.account == "tenant")
        rent += sum(t.amount_ore for t in self.transactions if t.account == "landlord" and t.rent_month)
        return self.lateness_ore_days / rent if rent > 0 else 0.0

    def tenant_rent_debits(self) -> dict[str, list[tuple[date, int]]]:
        """The tenant's own rent debits per rent month, in date order: {'2026-01': [(date, øre)]}."""
        per_month: dict[str, list[tuple[date, int]]] = {}
        for t in self.transactions:
            if t.kind == "husleie" and t.account == "tenant" and t.rent_month:
                per_month.setdefault(t.rent_month, []).append((t.date, -t.amount_ore))
        return {m: sorted(v) for m, v in sorted(per_month.items())}

    def to_json(self) -> dict[str, Any]:
        base = self.baseline.to_json()
        return {
            "format": "planner.plan/1",
            "household": self.household,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "horizon_note": self.horizon_note,
            "horizon": {"start": self.start.isoformat(), "end": self.end.isoformat()},
            "status": self.status,
            "baseline": base,
            "interventions": [i.to_json() for i in self.interventions],
            "cost": self.cost,
            "min_balance_ore": self.min_balance_ore,
            "min_balance_date": self.min_balance_date.isoformat(),
            "shortfall": self.shortfall.to_json() if self.shortfall else None,
            "opening_balance_ore": self.opening_balance_ore,
            "floor_ore": self.floor_ore,
            "opening_buffer_ore": self.opening_buffer_ore,
            "lateness_ore_days": self.lateness_ore_days,
            "optimal": self.optimal,
            "explanation": list(self.explanation),
            "if_nothing_done": None if self.if_nothing_done is None else self.if_nothing_done.to_json(),
            "transactions": [t.to_json() for t in self.transactions],
            "robust": self.robust,
            "late_min_balance_ore": self.late_min_balance_ore,
            "criterion": self.criterion,
            "streams": [{"stream": s, "kind": k, "late_days": n} for s, k, n in self.streams],
            **({"alternatives": [a.to_json() for a in self.alternatives]} if self.criterion == "best" else {}),
        }

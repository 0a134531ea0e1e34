"""What a projection finds"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from .rules import FORMAT, Status

# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class CostLine:
    """One cost added at a step, with the basis it was computed from."""

    key: str
    name_nb: str
    amount_ore: int
    basis: str  # Norwegian, e.g. "1,25 × R, R = 1 277 kr (fra 01.01.2024)"
    fallback: bool = False  # a base value beyond its confirmed period was used
    uncertain: bool = False  # the data marks the fee itself as uncertain

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name_nb": self.name_nb,
            "amount_ore": self.amount_ore,
            "basis": self.basis,
            "fallback": self.fallback,
            "uncertain": self.uncertain,
        }


@dataclass(frozen=True)
class Step:
    """A step of the process as projected: its date, what it adds, and the claim by then."""

    key: str
    name_nb: str
    name_en: str
    date: date
    legal_basis: str
    cost_ore: int  # costs added at this step
    costs: tuple[CostLine, ...]
    principal_ore: int  # unpaid rent (and existing arrears) owed on this date
    interest_ore: int  # interest accrued to this date
    claim_ore: int  # principal + interest + all costs so far, this step's included

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name_nb": self.name_nb,
            "name_en": self.name_en,
            "date": self.date.isoformat(),
            "legal_basis": self.legal_basis,
            "cost_ore": self.cost_ore,
            "costs": [c.to_json() for c in self.costs],
            "principal_ore": self.principal_ore,
            "interest_ore": self.interest_ore,
            "claim_ore": self.claim_ore,
        }


@dataclass(frozen=True)
class UnpaidRent:
    """The part of one month's rent the account could not cover."""

    rent_month: str  # YYYY-MM of the nominal due date
    due: date  # nominal due date (the lease's)
    debit_date: date  # effective debit date (interest runs from here)
    rent_ore: int
    unpaid_ore: int

    def to_json(self) -> dict[str, Any]:
        return {
            "rent_month": self.rent_month,
            "due": self.due.isoformat(),
            "debit_date": self.debit_date.isoformat(),
            "rent_ore": self.rent_ore,
            "unpaid_ore": self.unpaid_ore,
        }


@dataclass(frozen=True)
class FeesUsed:
    """The fee bases behind a projection, and whether each is a fallback to an older value."""

    r_year: int  # the year the filing fee falls in (the request date's)
    r_ore: int
    r_valid_from: date
    r_fallback: bool
    filing_ore: int  # 1.25 R
    carried_out_total_ore: int  # 2.6 R (filing included)
    inkassosats_ore: int
    inkassosats_valid_from: date
    inkassosats_fallback: bool
    interest_percent: Decimal  # at the first due date
    interest_source: Literal["data", "profile"]
    interest_fallback: bool  # any day of the projection beyond a confirmed rate

    def to_json(self) -> dict[str, Any]:
        return {
            "r_year": self.r_year,
            "r_ore": self.r_ore,
            "r_valid_from": self.r_valid_from.isoformat(),
            "r_fallback": self.r_fallback,
            "filing_ore": self.filing_ore,
            "carried_out_total_ore": self.carried_out_total_ore,
            "inkassosats_ore": self.inkassosats_ore,
            "inkassosats_valid_from": self.inkassosats_valid_from.isoformat(),
            "inkassosats_fallback": self.inkassosats_fallback,
            "interest_percent": str(self.interest_percent),
            "interest_source": self.interest_source,
            "interest_fallback": self.interest_fallback,
        }


@dataclass(frozen=True)
class Settlement:
    """A claim the household's own account pays by a notice's deadline: the process stops at
    that notice, and doing nothing costs the interest and fees, not the home."""

    step: str  # the notice (purring, varsel_4_18, ...)
    name_nb: str
    notice_date: date
    deadline: date
    paid_on: date
    first_due: date
    principal_ore: int
    interest_ore: int
    costs_ore: int

    @property
    def amount_ore(self) -> int:
        return self.principal_ore + self.interest_ore + self.costs_ore

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "name_nb": self.name_nb,
            "notice_date": self.notice_date.isoformat(),
            "deadline": self.deadline.isoformat(),
            "paid_on": self.paid_on.isoformat(),
            "first_due": self.first_due.isoformat(),
            "amount_ore": self.amount_ore,
            "principal_ore": self.principal_ore,
            "interest_ore": self.interest_ore,
            "costs_ore": self.costs_ore,
        }


@dataclass(frozen=True)
class EvictionProjection:
    """What happens if nothing is done (format `planner.eviction/1`, see `to_json`).

    `arrears_by_month` maps YYYY-MM to the unpaid rent principal owed at the end of that month
    (existing arrears included; interest and costs excluded), from the earlier of the horizon's
    first month and the first due date's month, to the eviction month (no rent falls due to
    this landlord after the lock is changed). A bare claim starts at its due date's month.
    """

    status: Status
    household: str | None
    profile: str | None
    first_due: date | None
    steps: tuple[Step, ...]
    arrears_by_month: dict[str, int]
    unpaid_rents: tuple[UnpaidRent, ...]
    existing_arrears_ore: int
    request_date: date | None
    eviction_date: date | None
    cure_amount_ore: int
    cure_principal_ore: int
    cure_interest_ore: int
    cure_costs_ore: int
    cure_deadline: date | None
    fees: FeesUsed | None
    notes: tuple[str, ...] = field(default=())
    #: claims the account pays by a notice's deadline, in order (status "settled" when the
    #: last process stops this way too; "arrears" when a later one runs to eviction)
    settlements: tuple[Settlement, ...] = field(default=())

    @property
    def cost_of_waiting_ore(self) -> int:
        """What the settled processes cost beyond the rent itself: interest and fees."""
        return sum(x.interest_ore + x.costs_ore for x in self.settlements)

    def step(self, key: str) -> Step | None:
        return next((s for s in self.steps if s.key == key), None)

    def to_json(self) -> dict[str, Any]:
        """JSON-friendly: øre integers in fields ending `_ore`, ISO dates, None as null."""

        def iso(d: date | None) -> str | None:
            return None if d is None else d.isoformat()

        return {
            "format": FORMAT,
            "status": self.status,
            "household": self.household,
            "profile": self.profile,
            "first_due": iso(self.first_due),
            "request_date": iso(self.request_date),
            "eviction_date": iso(self.eviction_date),
            "cure_amount_ore": self.cure_amount_ore,
            "cure_principal_ore": self.cure_principal_ore,
            "cure_interest_ore": self.cure_interest_ore,
            "cure_costs_ore": self.cure_costs_ore,
            "cure_deadline": iso(self.cure_deadline),
            "existing_arrears_ore": self.existing_arrears_ore,
            "steps": [s.to_json() for s in self.steps],
            "arrears_by_month": dict(self.arrears_by_month),
            "unpaid_rents": [u.to_json() for u in self.unpaid_rents],
            "fees": None if self.fees is None else self.fees.to_json(),
            "notes": list(self.notes),
            "settlements": [x.to_json() for x in self.settlements],
            "cost_of_waiting_ore": self.cost_of_waiting_ore,
        }

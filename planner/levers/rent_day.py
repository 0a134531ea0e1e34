"""Lever `rent_day`: the rent is drawn on another day the landlord accepts.

The rent's debit days and amounts are the balance chain's rent variables (`solver.chain`);
this lever only gives the permission literal that lets the single debit day move off the due
day, and reads a one-day solution back as the new day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ..model import Intervention, Transaction
from ..results import LeverParams
from .base import Build, Decoded, LeverRule, Setup, Term, first_rent_change, params_of
from .setting import Setting


@dataclass(frozen=True)
class RentDayParams(LeverParams):
    day: int  # the new debit day of month
    from_day: int | None  # the due day it replaces


class RentDay(LeverRule):
    key = "rent_day"
    settings = (Setting("rent_days", "days", "Trekkdager utleier godtar", "debit days the landlord accepts, e.g. 1;5;10;20",
                        hint="Dager i måneden, f.eks. 1, 5, 10, 15, 20, 25"),)
    phase = 0
    rank = 1  # after rent_instalments: the variables are created in this order

    def add(self, b: Build) -> list[Term]:
        lit: Any = b.model.new_bool_var("rent_day")
        b.rent_permits[self.key] = lit
        return [(lit, b.setup.cfg.costs[self.key])]

    def decode(self, d: Decoded) -> list[Intervention]:
        rent_dom = d.setup.h.rent.day
        if len(d.used_days) != 1 or d.used_days == [rent_dom]:
            return []
        return [d.intervention(self.key, RentDayParams(day=d.used_days[0], from_day=rent_dom))]

    def first_booking(self, s: Setup, i: Intervention, txs: list[Transaction]) -> date | None:
        """The first rent debit that differs from the current schedule (old or new, the
        earlier: both must be claimable, so the old one is cancelled, never run twice)."""
        change = first_rent_change(s, txs, {r.key for r in s.rent_months if not r.locked})
        return change[1] if change else None

    def short(self, params: LeverParams) -> str:
        assert isinstance(params, RentDayParams)
        return f"rent_day({params.day})"

    def letter_facts(self, i: Intervention, plan: Any, h: Any, anchor: date | None, social: bool | None) -> tuple[Any, dict[str, Any]]:
        """The first debit on the new day (the first month whose debits change from the day the
        agreement holds; a month deferred before it is another lever's), the day and the rent."""
        from ..facts import dom, ore
        from .base import first_new_debit

        p = params_of(i, RentDayParams)
        first = first_new_debit(plan, h, "rent_day.first", i.effective_from or anchor)
        facts = {"day": dom("rent_day.day", p.day), "from_day": dom("rent.day", p.from_day or h.rent.day),
                 "rent_ore": ore("rent.amount", h.rent.amount)}
        return first, facts


LEVER = RentDay()

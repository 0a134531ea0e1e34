"""Lever `rent_day`: the rent is drawn on another day the landlord accepts.

The rent's debit days and amounts are the balance chain's rent variables (`solver.chain`);
this lever only gives the permission literal that lets the single debit day move off the due
day, and reads a one-day solution back as the new day."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from ..model import Intervention
from .base import Build, Decoded, LeverRule, Term


class RentDayParams(TypedDict):
    day: int  # the new debit day of month
    from_day: int | None  # the due day it replaces


class RentDay(LeverRule):
    key = "rent_day"
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

    def short(self, params: Mapping[str, Any]) -> str:
        return f"rent_day({params.get('day')})"


LEVER = RentDay()

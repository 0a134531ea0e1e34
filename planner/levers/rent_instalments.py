"""Lever `rent_instalments`: the rent split into 2-4 debits a month on accepted days.

Like `rent_day`, it widens the balance chain's rent variables: at most `rent_instalments`
days in all, more than one only when this lever's literal is on. The typical month's split
(`model.typical_split`, owned by the plan) is what the landlord's AvtaleGiro is set to."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from ..model import Intervention, typical_split
from .base import Build, Decoded, LeverRule, Term


class RentInstalmentsParams(TypedDict):
    days: list[int]  # the debit days of month
    amounts_ore: list[int]  # the typical month's amount on each day
    amounts_by_month: dict[str, list[int]]  # every month's amounts, "YYYY-MM" -> øre per day


class RentInstalments(LeverRule):
    key = "rent_instalments"
    phase = 0
    rank = 0

    def add(self, b: Build) -> list[Term]:
        n_max = b.setup.cfg.rent_instalments
        if n_max < 2:
            return []
        lit: Any = b.model.new_bool_var("inst")
        b.model.add(sum(b.used.values()) <= 1 + (n_max - 1) * lit)
        b.rent_permits[self.key] = lit
        return [(lit, b.setup.cfg.costs[self.key])]

    def decode(self, d: Decoded) -> list[Intervention]:
        if len(d.used_days) < 2:
            return []
        params = RentInstalmentsParams(days=d.used_days, amounts_ore=list(typical_split(d.per_month)),
                                       amounts_by_month=dict(d.per_month))
        return [d.intervention(self.key, params)]

    def short(self, params: Mapping[str, Any]) -> str:
        return "rent_instalments(" + ",".join(str(d) for d in params.get("days", [])) + ")"


LEVER = RentInstalments()

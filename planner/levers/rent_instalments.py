"""Lever `rent_instalments`: the rent split into 2-4 debits a month on accepted days.

Like `rent_day`, it widens the balance chain's rent variables: at most `rent_instalments`
days in all, more than one only when this lever's literal is on. The typical month's split
(`model.typical_split`, owned by the plan) is what the landlord's AvtaleGiro is set to."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..model import Intervention, Transaction, typical_split
from ..results import LeverParams
from .base import Build, Decoded, LeverRule, Setup, Term, first_rent_change, params_of
from .setting import Setting


@dataclass(frozen=True)
class RentInstalmentsParams(LeverParams):
    days: tuple[int, ...]  # the debit days of month
    from_day: int | None  # the due day it replaces (the half-year report's "days the landlord waits")
    amounts_ore: tuple[int, ...]  # the typical month's amount on each day
    amounts_by_month: Mapping[str, tuple[int, ...]]  # every month's amounts, "YYYY-MM" -> øre per day


class RentInstalments(LeverRule):
    key = "rent_instalments"
    settings = (Setting("rent_instalments", "count", "Største antall avdrag på husleien",
                        "at most this many rent debits a month (1 = no splitting)", low=1, high=4),)
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
        params = RentInstalmentsParams(days=tuple(d.used_days), from_day=d.setup.h.rent.day,
                                       amounts_ore=tuple(typical_split(d.per_month)),
                                       amounts_by_month={k: tuple(v) for k, v in d.per_month.items()})
        return [d.intervention(self.key, params)]

    def first_booking(self, s: Setup, i: Intervention, txs: list[Transaction]) -> date | None:
        """The first rent debit that differs from the current schedule (old or new, the
        earlier: both must be claimable, so the old one is cancelled, never run twice)."""
        change = first_rent_change(s, txs, {r.key for r in s.rent_months if not r.locked})
        return change[1] if change else None

    def short(self, params: LeverParams) -> str:
        assert isinstance(params, RentInstalmentsParams)
        return "rent_instalments(" + ",".join(str(d) for d in params.days) + ")"

    def letter_facts(self, i: Intervention, plan: Any, h: Any, anchor: date | None, social: bool | None) -> tuple[Any, dict[str, Any]]:
        """The first debit of the split, the typical month's parts (day and amount, no 0 kr
        part) and whether months differ."""
        from ..facts import Ledger, count, dom, first_changed_month, ore, typical_share
        from .base import first_new_debit

        p = params_of(i, RentInstalmentsParams)
        first = first_new_debit(plan, h, "rent_instalments.first", i.effective_from or anchor)
        led = Ledger(plan)
        share, differs = typical_share(led, list(p.days), first_changed_month(led, h))
        facts = {"parts": share, "count": count("rent_instalments.parts", len(share)), "rent_ore": ore("rent.amount", h.rent.amount), "from_day": dom("rent.day", h.rent.day),
                 "varies": bool(differs)}
        return first, facts


LEVER = RentInstalments()

"""Lever `rent_instalments`: the rent split into 2-4 debits a month on accepted days.

Like `rent_day`, it widens the balance chain's rent variables: at most `rent_instalments`
days in all, more than one only when this lever's literal is on. The typical month's split
(`model.typical_split`, owned by the plan) is what the landlord's AvtaleGiro is set to."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, TypedDict

from ..model import Intervention, Transaction, typical_split
from .base import Build, Decoded, LeverRule, Setup, Term, first_rent_change


class RentInstalmentsParams(TypedDict):
    days: list[int]  # the debit days of month
    from_day: int | None  # the due day it replaces (the half-year report's "days the landlord waits")
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
        params = RentInstalmentsParams(days=d.used_days, from_day=d.setup.h.rent.day,
                                       amounts_ore=list(typical_split(d.per_month)),
                                       amounts_by_month=dict(d.per_month))
        return [d.intervention(self.key, params)]

    def first_booking(self, s: Setup, i: Intervention, txs: list[Transaction]) -> date | None:
        """The first rent debit that differs from the current schedule (old or new, the
        earlier: both must be claimable, so the old one is cancelled, never run twice)."""
        change = first_rent_change(s, txs, {r.key for r in s.rent_months if not r.locked})
        return change[1] if change else None

    def short(self, params: Mapping[str, Any]) -> str:
        return "rent_instalments(" + ",".join(str(d) for d in params.get("days", [])) + ")"

    def explain(self, i: Intervention, plan: Any, h: Any, base: Any) -> tuple[str, str]:
        """The intervention in Norwegian for the caseworker: what happens, and why it helps."""
        from ..explain import _dip_reason, _monthly_windows, instalment_schedule

        p = i.params
        days = " og ".join(f"den {day}." for day in p["days"])
        # a month whose whole rent stays on the old due day does not change: the letters do not
        # name it, nor does the summary
        by_month = {k: v for k, v in (p.get("amounts_by_month") or {}).items()
                    if any(a for day, a in zip(p["days"], v) if day != h.rent.day)}
        summary = (f"Husleien trekkes på inntil {len(p['days'])} dager i måneden ({days}): "
                   + instalment_schedule(p["days"], by_month or {"": p["amounts_ore"]}).rstrip(".")
                   + ". Utleier må godta en betalingsavtale med disse trekkdagene og beløpene.")
        due = h.rent.day or 1
        reason = _dip_reason(base, _monthly_windows(h, due, max(p["days"])), h)
        return summary, reason

    def letter_facts(self, i: Intervention, plan: Any, h: Any, anchor: date | None, social: bool | None) -> tuple[Any, dict]:
        """The first debit of the split, the typical month's parts (day and amount, no 0 kr
        part) and whether months differ."""
        from ..facts import Ledger, count, dom, first_changed_month, ore, typical_share
        from .base import first_new_debit

        p = i.params
        first = first_new_debit(plan, h, "rent_instalments.first", i.effective_from or anchor)
        led = Ledger(plan)
        share, differs = typical_share(led, [int(d) for d in p["days"]], first_changed_month(led, h))
        facts = {"parts": share, "count": count("rent_instalments.parts", len(share)), "rent_ore": ore("rent.amount", h.rent.amount), "from_day": dom("rent.day", h.rent.day),
                 "varies": bool(differs)}
        return first, facts


LEVER = RentInstalments()

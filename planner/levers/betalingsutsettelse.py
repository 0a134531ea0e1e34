"""Lever `betalingsutsettelse`: a bridge over the transition. The landlord debits one or two
named months' rent on a later accepted day of the same month.

Only for a rent month the rent-day change cannot reach in time (`RentMonth.locked`) and whose
old debit can still be stopped: the landlord agrees (`decide_days`) and the tenant stops the
single AvtaleGiro payment a bank day before it runs (`stop_days`). At most `max_months`
months. Sources and status: `[lead.betalingsutsettelse]` in data/levers.toml."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ..calendar import effective_date, nominal_in_month
from ..model import Household, Intervention, Transaction
from ..results import LeverParams
from .base import Build, Decoded, LeverRule, Setup, Term, params_of
from .lead import Timing, after, before

#: A candidate: (rent month key, its due offset, amount øre, new day of month, new offset).
Option = tuple[str, int, int, int, int]


@dataclass(frozen=True)
class DeferredMonth(LeverParams):
    """One month's rent debited later: its old and new debit day and the amount."""

    rent_month: str
    old_date: date
    new_date: date
    amount_ore: int


@dataclass(frozen=True)
class BetalingsutsettelseParams(LeverParams):
    months: tuple[DeferredMonth, ...]


def _options(s: Setup) -> list[Option]:
    out: list[Option] = s.candidates.get(Betalingsutsettelse.key, [])
    return out


class Betalingsutsettelse(LeverRule):
    key = "betalingsutsettelse"
    phase = 0
    rank = 2  # after the rent-day levers: it adds to the locked months' debits

    def earliest(self, h: Household, timing: Timing) -> date:
        """The first old debit that can still be stopped: after the landlord's answer and one
        bank day for the tenant to stop the single payment."""
        if timing.instant:
            return h.start
        lead = timing.lead(self.key)
        return after(lead.confirmed(timing.as_of), int(lead.extra.get("stop_days", 1)), "bank")

    def prepare(self, s: Setup) -> None:
        """Each locked month's rent on each later accepted day of the same month."""
        opts: list[Option] = []
        frm = s.effective.get(self.key, 0)
        for r in s.rent_months:
            if not r.locked or r.due < frm or r.amount <= 0:
                continue
            for d in s.cfg.rent_days:
                eff = effective_date(nominal_in_month(r.year, r.month, d), s.rent_shift)
                off = s.offset(eff)
                if off > r.due and eff.month == r.month and off < s.days:
                    opts.append((r.key, r.due, r.amount, d, off))
        s.candidates[self.key] = opts

    def debit_bound(self, s: Setup) -> int:
        return sum(a for _, _, a, _, _ in _options(s))

    def add(self, b: Build) -> list[Term]:
        s = b.setup
        opts = _options(s)
        zs = [b.model.new_bool_var(f"defer_{k}_{d}") for k, _, _, d, _ in opts]
        by_month: dict[str, list[Any]] = {}
        for z, (key, due, amount, _, off) in zip(zs, opts):
            by_month.setdefault(key, []).append(z)
            b.tenant_rent.setdefault(key, []).append((z, amount))
            b.debit(off, z, amount)
            b.lateness_terms.append((z, amount * (off - due)))
        for lits in by_month.values():
            b.model.add(sum(lits) <= 1)
        if by_month:
            b.model.add(sum(zs) <= int(s.lead(self.key).extra.get("max_months", 2)) if not s.timing.instant else sum(zs) <= 2)
        b.vars[self.key] = zs
        return [(z, s.cfg.costs[self.key]) for z in zs]

    def _chosen(self, d: Decoded) -> list[Option]:
        return [o for z, o in zip(d.build.vars.get(self.key, []), _options(d.setup)) if d.value(z)]

    def transactions(self, d: Decoded) -> list[Transaction]:
        return [Transaction(d.setup.day(off), "tenant", "husleie", -amount, rent_month=key)
                for key, _, amount, _, off in self._chosen(d)]

    def decode(self, d: Decoded) -> list[Intervention]:
        chosen = self._chosen(d)
        if not chosen:
            return []
        s = d.setup
        months = tuple(DeferredMonth(rent_month=key, old_date=s.day(due), new_date=s.day(off), amount_ore=amount)
                       for key, due, amount, _, off in chosen)
        return [d.intervention(self.key, BetalingsutsettelseParams(months=months))]

    def first_booking(self, s: Setup, i: Intervention, txs: list[Transaction]) -> date | None:
        return min(m.old_date for m in params_of(i, BetalingsutsettelseParams).months)

    def request_by(self, s: Setup, i: Intervention, first: date) -> date:
        """The landlord must agree and the tenant stop the old debit a bank day before it runs."""
        if s.timing.instant:
            return s.timing.as_of
        lead = s.lead(self.key)
        stop = before(first, int(lead.extra.get("stop_days", 1)), "bank")
        return max(s.timing.as_of, before(stop, lead.decide_days, lead.decide_unit))

    def short(self, params: LeverParams) -> str:
        assert isinstance(params, BetalingsutsettelseParams)
        return "betalingsutsettelse(" + ",".join(m.rent_month for m in params.months) + ")"

    def letter_facts(self, i: Intervention, plan: Any, h: Any, anchor: date | None, social: bool | None) -> tuple[Any, dict[str, Any]]:
        """Each deferred month: the debit that must not run, the new one and the amount."""
        from ..facts import Ledger, day, month, ore

        led = Ledger(plan)
        months = []
        for m in params_of(i, BetalingsutsettelseParams).months:
            key = m.rent_month
            ks = [k for k in led.where(kind="husleie", account="tenant", rent_month=key)
                  if plan.transactions[k].date == m.new_date]
            months.append({"rent_month": month("deferral.month", key, key, ks),
                           "old": day("deferral.old_date", m.old_date, key),
                           "new": day("deferral.new_date", m.new_date, key, ks),
                           "amount_ore": ore("deferral.amount", m.amount_ore, key, ks)})
        return months[0]["new"], {"months": months}


LEVER = Betalingsutsettelse()

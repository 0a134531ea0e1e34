"""Lever `repayment_plan`: the household's arrears repaid in n monthly instalments (whole
kroner, n up to `repay_months`) on an accepted day. Exactly one (n, day) is chosen; among
plans of equal cost and balance the fastest repayment wins (phase 3 of the solve)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, TypedDict

from ..calendar import effective_date, nominal_in_month
from ..model import Intervention, Transaction
from .base import Build, Decoded, LeverRule, Setup, Term, first_of

#: A candidate: (months n, day of month, [(day offset, amount øre)]).
Option = tuple[int, int, list[tuple[int, int]]]


class RepaymentPlanParams(TypedDict):
    day: int
    amount_ore: int  # the first (and largest) instalment
    months: int
    arrears_ore: int


def arrears_to_repay(s: Setup) -> int:
    """The arrears this plan must repay (0 when the lever is not allowed)."""
    h = s.h
    return h.arrears.amount if h.arrears is not None and s.cfg.allows(RepaymentPlan.key) else 0


def _options(s: Setup) -> list[Option]:
    out: list[Option] = s.candidates.get(RepaymentPlan.key, [])
    return out


class RepaymentPlan(LeverRule):
    key = "repayment_plan"
    phase = 2

    def prepare(self, s: Setup) -> None:
        arrears = arrears_to_repay(s)
        options: list[Option] = []
        if arrears > 0:
            start, end = s.h.start, s.h.end
            months = [(r.year, r.month) for r in s.rent_months]
            for n in range(1, s.cfg.repay_months + 1):
                per = -(-arrears // n)
                per = -(-per // 100) * 100  # whole kroner
                for d in s.cfg.rent_days:
                    pays, left = [], arrears
                    for (y, m) in months:
                        if left <= 0:
                            break
                        eff = effective_date(nominal_in_month(y, m, d), s.rent_shift)
                        frm = s.effective[self.key]
                        if frm > 0 and (eff - start).days < frm:
                            continue  # before the creditor can have agreed: not yet
                        amt = min(per, left)
                        left -= amt
                        if start <= eff <= end:
                            pays.append(((eff - start).days, amt))
                    options.append((n, d, pays))
        s.candidates[self.key] = options

    def debit_bound(self, s: Setup) -> int:
        return arrears_to_repay(s)

    def add(self, b: Build) -> list[Term]:
        opts = _options(b.setup)
        if not opts:
            return []
        zs: list[Any] = []
        for n, day, pays in opts:
            z = b.model.new_bool_var(f"rep_{n}_{day}")
            zs.append(z)
            b.repay_terms.append((z, n))
            for off, amt in pays:
                b.debit(off, z, amt)
        b.model.add_exactly_one(zs)
        b.vars[self.key] = zs
        return []

    def decode(self, d: Decoded) -> list[Intervention]:
        out = []
        for z, (n, day, pays) in zip(d.build.vars.get(self.key, []), _options(d.setup)):
            if d.value(z):
                per = pays[0][1] if pays else 0
                out.append(d.intervention(self.key, RepaymentPlanParams(
                    day=day, amount_ore=per, months=n, arrears_ore=arrears_to_repay(d.setup))))
        return out

    def transactions(self, d: Decoded) -> list[Transaction]:
        """The instalments of the chosen plan, as tenant debits."""
        out: list[Transaction] = []
        for z, (_, _, pays) in zip(d.build.vars.get(self.key, []), _options(d.setup)):
            if d.value(z):
                out.extend(Transaction(d.setup.day(off), "tenant", "repayment", -amt) for off, amt in pays)
        return out

    def first_booking(self, s: Setup, i: Intervention, txs: list[Transaction]) -> date | None:
        return first_of(txs, kind="repayment")

    def short(self, params: Mapping[str, Any]) -> str:
        return f"repayment_plan({int(params.get('amount_ore', 0)) // 100} kr x {params.get('months')} on {params.get('day')})"

    def explain(self, i: Intervention, plan: Any, h: Any, base: Any) -> tuple[str, str]:
        """The intervention in Norwegian for the caseworker: what happens, and why it helps."""
        from ..explain import format_kr

        p = i.params
        summary = (f"Restansen på {format_kr(p['arrears_ore'])} nedbetales med {format_kr(p['amount_ore'])} "
                   f"den {p['day']}. hver måned over {p['months']} måneder (nedbetalingsavtale med kreditor).")
        reason = "Restansen må ryddes for å stoppe inkasso og begjæring om utkastelse; beløpet er valgt slik at kontoen tåler det."
        return summary, reason

    def letter_facts(self, i: Intervention, plan: Any, h: Any, anchor: date | None, social: bool | None) -> tuple[Any, dict]:
        """The first instalment, its amount, day and number, and the arrears it clears."""
        from ..facts import Ledger, count, dom, ore

        p = i.params
        led = Ledger(plan)
        ks = led.where(kind="repayment")
        first = led.first("repayment.first", "", anchor, kind="repayment")
        creditor = h.arrears.creditor if h.arrears is not None else ""
        facts = {"arrears_ore": ore("arrears.amount", p.get("arrears_ore", h.arrears.amount if h.arrears else 0)),
                 "amount_ore": ore("repayment.amount", p["amount_ore"], "", ks), "day": dom("repayment.day", p["day"], "", ks),
                 "months": count("repayment.months", p["months"], "", ks), "creditor": creditor}
        return first, facts


LEVER = RepaymentPlan()

"""Lever `repayment_plan`: the household's arrears repaid in n monthly instalments (whole
kroner, n up to `repay_months`) on an accepted day. Exactly one (n, day) is chosen; among
plans of equal cost and balance the fastest repayment wins (phase 3 of the solve)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ..calendar import effective_date, nominal_in_month
from ..model import Intervention, Transaction
from ..results import LeverParams
from .base import Build, Decoded, LeverRule, Setup, Term, first_of, params_of
from .setting import Setting

#: A candidate: (months n, day of month, [(day offset, amount øre)]).
Option = tuple[int, int, list[tuple[int, int]]]


@dataclass(frozen=True)
class RepaymentPlanParams(LeverParams):
    day: int
    amount_ore: int  # the first (and largest) instalment
    months: int
    arrears_ore: int


def arrears_to_repay(s: Setup) -> int:
    """The arrears this plan must repay (0 when the lever is not allowed)."""
    h = s.h
    return h.arrears.amount if h.arrears is not None and s.cfg.allows(RepaymentPlan.key) else 0


def unplannable_arrears(s: Setup) -> int:
    """The arrears to repay when no instalment of any plan can fall within the horizon (0 when
    there are none, or a plan can start): such a household has no plan (`RepaymentPlan.add`)."""
    arrears = arrears_to_repay(s)
    return arrears if arrears > 0 and not _options(s) else 0


def _options(s: Setup) -> list[Option]:
    out: list[Option] = s.candidates.get(RepaymentPlan.key, [])
    return out


def instalment(arrears: int, n: int) -> int:
    """The (first, largest) instalment of `arrears` over `n` months: whole kroner, rounded up,
    so that n instalments cover the arrears (the last one smaller)."""
    per = -(-arrears // n)
    return -(-per // 100) * 100


def repayment_options(s: Setup) -> list[Option]:
    """Every plan the creditor can be asked for: n instalments on an accepted day, each (n, day)
    at most once, and only one that can be carried out in this horizon.

    Why each rule: the first instalment must fall inside the horizon (and on or after the
    lever's first effective day, `s.effective`): a plan whose instalments all fall before the
    creditor can have agreed or after the horizon costs the model nothing, so the solver chose
    it for free and the plan said "0 kr over 1 months" (issue 21). An instalment due before the
    horizon's first day (a rent day moved back over a weekend) is not yet, not repaid: counting
    it would leave a sum unpaid that the plan claims. And n is the number of instalments the
    amount really takes: whole-kroner rounding can cover the arrears in fewer months (1 kr of
    arrears over 3 months is one instalment of 1 kr), and such a plan is the plan of that
    shorter n, not a second one that claims 3 months. Instalments after the horizon are part of
    the plan (n may exceed the horizon's months) but are not debited in the model."""
    arrears = arrears_to_repay(s)
    if arrears <= 0:
        return []
    start, end = s.h.start, s.h.end
    months = [(r.year, r.month) for r in s.rent_months]
    frm = s.effective.get(RepaymentPlan.key, 0)
    options: list[Option] = []
    for n in range(1, s.cfg.repay_months + 1):
        per = instalment(arrears, n)
        if -(-arrears // per) != n:
            continue  # the same amount clears it in fewer months: that n's plan, not this one
        for d in s.cfg.rent_days:
            pays, left = [], arrears
            for (y, m) in months:
                if left <= 0:
                    break
                eff = effective_date(nominal_in_month(y, m, d), s.rent_shift)
                if eff < start or (eff - start).days < frm:
                    continue  # before the horizon or before the creditor can have agreed: not yet
                if eff > end:
                    break  # the rest falls after the horizon
                amt = min(per, left)
                left -= amt
                pays.append(((eff - start).days, amt))
            if pays:
                options.append((n, d, pays))
    return options


class RepaymentPlan(LeverRule):
    key = "repayment_plan"
    settings = (Setting("repay_months", "count", "Restansen nedbetalt innen (måneder)", "months to clear the arrears within",
                        low=1, high=60),)
    phase = 2

    def prepare(self, s: Setup) -> None:
        s.candidates[self.key] = repayment_options(s)

    def debit_bound(self, s: Setup) -> int:
        return arrears_to_repay(s)

    def add(self, b: Build) -> list[Term]:
        opts = _options(b.setup)
        if not opts:
            if arrears_to_repay(b.setup) > 0:
                # arrears to repay and no instalment can fall in the horizon: no plan can clear
                # them here, so there is none (the shortfall names the arrears, `engine`); never
                # a plan that is silently without its repayment
                b.model.add_bool_or([])
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
        for z, (n, day, _) in zip(d.build.vars.get(self.key, []), _options(d.setup)):
            if d.value(z):
                arrears = arrears_to_repay(d.setup)
                # the plan's instalment, from its n: the first debit is it unless n is 1
                out.append(d.intervention(self.key, RepaymentPlanParams(
                    day=day, amount_ore=min(instalment(arrears, n), arrears), months=n, arrears_ore=arrears)))
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

    def short(self, params: LeverParams) -> str:
        assert isinstance(params, RepaymentPlanParams)
        return f"repayment_plan({params.amount_ore // 100} kr x {params.months} on {params.day})"

    def letter_facts(self, i: Intervention, plan: Any, h: Any, anchor: date | None, social: bool | None) -> tuple[Any, dict[str, Any]]:
        """The first instalment, its amount, day and number, and the arrears it clears."""
        from ..facts import Ledger, count, dom, ore

        p = params_of(i, RepaymentPlanParams)
        led = Ledger(plan)
        ks = led.where(kind="repayment")
        first = led.first("repayment.first", "", anchor, kind="repayment")
        creditor = h.arrears.creditor if h.arrears is not None else ""
        facts = {"arrears_ore": ore("arrears.amount", p.arrears_ore),
                 "amount_ore": ore("repayment.amount", p.amount_ore, "", ks), "day": dom("repayment.day", p.day, "", ks),
                 "months": count("repayment.months", p.months, "", ks), "creditor": creditor}
        return first, facts


LEVER = RepaymentPlan()

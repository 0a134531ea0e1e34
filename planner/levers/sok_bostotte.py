"""Lever `sok_bostotte`: the household applies for the statlig bostøtte it has never had.

The estimate (`planner.entitlement`) gives the monthly amount; Husbanken decides applications
received by the deadline (the 25th) for that month and pays in arrears on the 20th of the next
month (the bank day before when the 20th is closed), so the first payout comes a month or more
after the application: the dip until then is bridged as any transition is (`bridge.py`).

A plan relies on this money only when the caseworker has confirmed that an application is made
(`[entitlement] bostotte_applied = true`); otherwise the lever has no candidates, and the plan
"if granted" is shown beside the plan without it (`planner.entitlement.if_granted`). Each payout
is booked on the tenant's account as an income of the stream `bostotte`. Sources:
`data/entitlement.toml` and `[levers.sok_bostotte]`/`[lead.sok_bostotte]` in data/levers.toml."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from ..calendar import occurrences, resolve_income
from ..model import Household, IncomeStream, Intervention, Transaction
from ..results import LeverParams, StreamParams
from .base import Build, Decoded, LeverRule, Payout, Setup, Term, params_of
from .lead import Timing

#: The stream name the new payouts carry in a plan (a household with a bostøtte stream of its
#: own never gets this lever).
STREAM = "bostotte"


@dataclass(frozen=True)
class SokBostotteParams(StreamParams):
    amount_ore: int  # the estimated payout per month
    deadline: date  # the application deadline the plan counts on
    for_month: str  # the first month the bostøtte is for
    first_payout: date  # the bank day of the first payout


def application_day(h: Household, timing: Timing) -> date:
    """The day the application counts from: the day it was sent if the household file says,
    else the as-of day (the horizon's first day when the timing is instant)."""
    sent = h.entitlement.applied_on
    return sent if sent is not None else (h.start if timing.instant else timing.as_of)


def _estimate(h: Household, day: date) -> Any:
    from ..entitlement.estimate import entitlements

    return entitlements(h, day).bostotte


def applies(h: Household) -> bool:
    """The household may be planned with this lever: an application is confirmed, and it has
    no bostøtte stream of its own."""
    return h.entitlement.bostotte_applied and not any(s.kind == "bostotte" or s.stream == STREAM for s in h.income)


class SokBostotte(LeverRule):
    key = "sok_bostotte"
    phase = 1
    rank = 5
    #: the lever adds income: a household whose baseline problem is "income" may still have a
    #: plan with it, and the dip before its first payout is bridged (planner.solver.engine)
    adds_income: ClassVar[bool] = True

    def earliest(self, h: Household, timing: Timing) -> date:
        """The first payout of an application made on the application day; the horizon's first
        day for a household the lever cannot act for (no confirmed application, or nothing to
        pay), so that an idle lever never lengthens another's transition."""
        if not applies(h):
            return h.start
        est = _estimate(h, application_day(h, timing))
        return est.first_payout if est.monthly_ore > 0 else h.start

    def prepare(self, s: Setup) -> None:
        """The estimated payouts from the first one on, on Husbanken's payout days (the
        benefit's rule and published tables, benefits.toml kind `bostotte`)."""
        h = s.h
        out: list[Payout] = []
        if applies(h):
            est = _estimate(h, application_day(h, s.timing))
            if est.monthly_ore > 0:
                stream = IncomeStream.model_validate({"kind": "bostotte", "amount": est.monthly_ore // 100})
                sched = resolve_income(stream, h.start, h.profile)
                out = [((o.effective - h.start).days, est.monthly_ore, o.nominal)
                       for o in occurrences(sched, max(h.start, est.first_payout), h.end)
                       if o.effective >= est.first_payout]
        s.candidates[self.key] = out

    def _payouts(self, s: Setup) -> list[Payout]:
        out: list[Payout] = s.candidates.get(self.key, [])
        return out

    def credit_days(self, s: Setup) -> list[int]:
        return [off for off, _, _ in self._payouts(s)]

    def add(self, b: Build) -> list[Term]:
        s = b.setup
        pays = self._payouts(s)
        if not pays:
            return []
        z = b.model.new_bool_var("sok_bostotte")
        for off, amount, _ in pays:
            b.credit(off, z, amount)
        b.vars[self.key] = z
        return [(z, s.cfg.costs[self.key])]

    def _on(self, d: Decoded) -> bool:
        z = d.build.vars.get(self.key)
        return z is not None and bool(d.value(z))

    def transactions(self, d: Decoded) -> list[Transaction]:
        if not self._on(d):
            return []
        return [Transaction(d.setup.day(off), "tenant", "income", amount, stream=STREAM)
                for off, amount, _ in self._payouts(d.setup)]

    def decode(self, d: Decoded) -> list[Intervention]:
        if not self._on(d):
            return []
        s = d.setup
        est = _estimate(s.h, application_day(s.h, s.timing))
        return [d.intervention(self.key, SokBostotteParams(
            stream=STREAM, amount_ore=est.monthly_ore, deadline=est.deadline, for_month=est.for_month,
            first_payout=est.first_payout))]

    def first_booking(self, s: Setup, i: Intervention, txs: list[Transaction]) -> date | None:
        return next((t.date for t in txs if t.kind == "income" and t.stream == STREAM), None)

    def request_by(self, s: Setup, i: Intervention, first: date) -> date:
        """The application deadline the first payout rests on."""
        return params_of(i, SokBostotteParams).deadline

    def short(self, params: LeverParams) -> str:
        assert isinstance(params, SokBostotteParams)
        return f"sok_bostotte({params.amount_ore // 100})"

    def letter_facts(self, i: Intervention, plan: Any, h: Any, anchor: date | None,
                     social: bool | None) -> tuple[Any, dict[str, Any]]:
        """The first payout the plan counts on and its amount, read from the plan's bookings."""
        from ..facts import Ledger, ore

        led = Ledger(plan)
        first = led.first("sok_bostotte.first", STREAM, None, kind="income", stream=STREAM)
        amount = None if first is None else ore("sok_bostotte.amount", plan.transactions[first.tx[0]].amount_ore,
                                                STREAM, first.tx)
        return first, {"stream": STREAM, "amount_ore": amount}


LEVER = SokBostotte()

__all__ = ["LEVER", "STREAM", "SokBostotte", "SokBostotteParams", "application_day", "applies"]

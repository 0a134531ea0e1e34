"""Lever `deduction`: a husleietrekk, a fixed sum withheld from each payout of a NAV benefit
(or sosialhjelp) and paid to the landlord, counted against the rent of the month it is paid in.

The sum is a whole number of steps (`step_kr` in the data, 100 kr) and at most the smallest
payout of the stream."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ..calendar import bank_day_on_or_before
from ..model import Intervention, Transaction
from ..periods import key_of, last_day, next_month, previous_month
from ..results import LeverParams, StreamParams
from .base import Build, Decoded, LeverRule, Payout, Setup, Stream, Term, first_of, params_of
from .lead import after, before
from .setting import Setting


@dataclass(frozen=True)
class DeductionParams(StreamParams):
    amount_ore: int  # withheld from each payout


def _from(s: Setup, st: Stream) -> int:
    """The first payout offset a husleietrekk on `st` can take from: NAV registers the signed
    fullmakt (`earliest`, `decide_days`); a monthly benefit is withheld from the month after
    (as NAV's frivillig skattetrekk, 'gjelder fra måneden etter'), a 14-day benefit from the
    first payout a whole period (`period_days`) after the registration."""
    if s.timing.instant:
        return 0
    reg = s.day(s.effective[Deduction.key])
    if st.schedule.every_days is not None:
        first = reg + timedelta(days=int(s.lead(Deduction.key).extra.get("period_days", 14)))
    else:
        first = date(*next_month(reg.year, reg.month), 1)
    return s.offset(first)


def _last_bank_day(year: int, month: int) -> date:
    return bank_day_on_or_before(last_day(key_of(year, month)))


class Deduction(LeverRule):
    key = "deduction"
    settings = (Setting("deduction_from", "streams", "Husleietrekk kan tas fra",
                        "benefits that may carry a husleietrekk, e.g. aap;uforetrygd", permits="off"),)
    direct_kind = "deduction"
    phase = 1

    def first_booking(self, s: Setup, i: Intervention, txs: list[Transaction]) -> date | None:
        return first_of(txs, kind="deduction", stream=params_of(i, DeductionParams).stream)

    def request_by(self, s: Setup, i: Intervention, first: date) -> date:
        """Monthly: NAV must have registered it by the month before's last bank day; 14-day:
        a whole period before the payout."""
        if s.timing.instant:
            return s.timing.as_of
        lead = s.lead(self.key)
        if s.streams[params_of(i, DeductionParams).stream].schedule.every_days is not None:
            reg = first - timedelta(days=int(lead.extra.get("period_days", 14)))
        else:
            reg = _last_bank_day(*previous_month(first.year, first.month))
        r = before(reg, lead.decide_days, lead.decide_unit)
        if lead.decide_unit == "bank" and lead.decide_days > 0:
            # as `Lead.latest_request`: a request on a weekend is handled from the Monday, so
            # asking on the Sunday is as good as on the Friday (and `_from` counts it so)
            r = after(r, 1, "bank") - timedelta(days=1)
        return r

    def add(self, b: Build) -> list[Term]:
        s = b.setup
        step = s.cfg.deduction_step_ore
        due_of = s.due_of()
        ks: dict[str, Any] = {}
        us: dict[str, Any] = {}
        terms: list[Term] = []
        for name in s.cfg.deduction_streams:
            st = s.streams[name]
            if not st.occ:
                continue
            kmax = min(a for _, a, _ in st.occ) // step
            if kmax <= 0:
                continue
            k = b.model.new_int_var(0, kmax, f"ded_{name}")
            u = b.model.new_bool_var(f"dedu_{name}")
            b.model.add(k <= kmax * u)
            b.model.add(k >= u)
            ks[name], us[name] = k, u
            terms.append((u, s.cfg.costs[self.key]))
            start = _from(s, st)
            for off, _, _ in st.occ:
                key = s.rent_month_for(off)
                if key is None or off < start:
                    continue
                b.payout(name, off, k, -step)
                b.to_landlord(key, off, k, step, due_of[key])
        b.vars[self.key] = (ks, us)
        return terms

    def _steps(self, d: Decoded, name: str) -> int:
        ks, _ = d.build.vars.get(self.key, ({}, {}))
        return int(d.value(ks[name])) if name in ks else 0

    def stream_literals(self, b: Build, stream: str) -> list[Any]:
        _, us = b.vars.get(self.key, ({}, {}))
        return [us[stream]] if stream in us else []

    def route(self, d: Decoded, st: Stream, occ: list[Payout]) -> list[Transaction] | None:
        k = self._steps(d, st.name)
        if not k:
            return None
        s = d.setup
        amount = k * s.cfg.deduction_step_ore
        out = []
        start = _from(s, st)
        for off, amt, _ in occ:
            key = s.rent_month_for(off)
            if key is None or off < start:
                out.append(Transaction(s.day(off), "tenant", "income", amt, stream=st.name))
                continue
            out.append(Transaction(s.day(off), "tenant", "income", amt - amount, stream=st.name))
            out.append(Transaction(s.day(off), "landlord", "deduction", amount, stream=st.name, rent_month=key))
        return out

    def decode(self, d: Decoded) -> list[Intervention]:
        step = d.setup.cfg.deduction_step_ore
        return [d.intervention(self.key, DeductionParams(stream=name, amount_ore=k * step))
                for name in d.setup.streams if (k := self._steps(d, name))]

    def short(self, params: LeverParams) -> str:
        assert isinstance(params, DeductionParams)
        return f"deduction({params.stream} {params.amount_ore // 100} kr)"

    def letter_facts(self, i: Intervention, plan: Any, h: Any, anchor: date | None, social: bool | None) -> tuple[Any, dict[str, Any]]:
        """The first trekk and the facts the letters render: the first payout the plan withholds
        from (never the rent debit it pays), the sum per payout and per month."""
        from ..facts import Ledger, count, most_common_count, ore, stream_name

        p = params_of(i, DeductionParams)
        led = Ledger(plan)
        s = p.stream
        first = led.first("deduction.first", s, anchor, kind="deduction", stream=s)
        ks = led.where(kind="deduction", stream=s)
        by_month: dict[str, list[int]] = {}
        for k in ks:
            by_month.setdefault(plan.transactions[k].rent_month or "", []).append(k)
        payouts = most_common_count(by_month.values())
        facts = {"benefit": stream_name(h, s), "amount_ore": ore("deduction.amount", p.amount_ore, s, ks),
                 "social": social, "payouts": count("deduction.payouts", payouts, s, ks),
                 "per_month_ore": ore("deduction.per_month", payouts * p.amount_ore, s, ks)}
        return first, facts


LEVER = Deduction()

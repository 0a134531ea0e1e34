"""Lever `bostotte_to_landlord`: Husbanken pays bostøtte to the kommune as landlord.

Each payout counts against the rent of the month it is for (the month before its nominal date:
bostøtte is paid in arrears); a payout for a month before the horizon stays with the tenant
(never old arrears), and the payout for the horizon's last month comes after the horizon, on
the landlord's account (bustøttelova § 9; Husbanken, Veileder HB 9.B.12, 3.8)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ..calendar import bank_day_on_or_before, occurrences
from ..model import Household, Intervention, Transaction
from ..periods import key_of, next_month, previous_month
from ..results import LeverParams, StreamParams
from .base import Build, Decoded, LeverRule, Payout, Setup, Stream, Term, first_of, params_of
from .lead import Timing, before
from .setting import Setting

#: How far past the horizon a bostøtte payout for the horizon's last month is looked for.
BOSTOTTE_AFTER_DAYS = 62


@dataclass(frozen=True)
class BostotteParams(StreamParams):
    """Only the stream: the whole payout goes to the landlord."""


def bostotte_month(nominal: date) -> str:
    """The month a bostøtte payout is for: Husbanken pays in arrears, so the payout of the 20th
    belongs to the month before (Husbanken, Veileder HB 9.B.12, 3.8 'Transport av bostøtte':
    transferred to the kommune only against housing costs for the same period; domain.md §7)."""
    return key_of(*previous_month(nominal.year, nominal.month))


def _after(s: Setup) -> dict[str, list[Payout]]:
    out: dict[str, list[Payout]] = s.candidates[BostotteToLandlord.key]
    return out


def _cutoff(lead_extra: Mapping[str, Any], year: int, month: int) -> date:
    """Husbanken's monthly cut-off: registered by then, the transport applies to the next
    month's payout (the 25th, Veileder 'Søknadsfrist og -form'; December's run may be earlier,
    so the conservative 20th: UNCERTAIN)."""
    day = int(lead_extra.get("cutoff_day_december", 20) if month == 12 else lead_extra.get("cutoff_day", 25))
    return bank_day_on_or_before(date(year, month, day))  # a cut-off on a closed day: the bank day before


class BostotteToLandlord(LeverRule):
    key = "bostotte_to_landlord"
    settings = (Setting("bostotte_to_landlord", "switch", "Bostøtte til kommunen som utleier",
                        "ja/nei: bostøtte may be paid to the kommune as landlord", permits="both"),)
    direct_kind = "bostotte_direct"
    phase = 1

    def earliest(self, h: Household, timing: Timing) -> date:
        """The kommune registers the consent (`decide_days`); registered by month M's cut-off,
        the first payout to the kommune is Husbanken's payout in month M+1."""
        if timing.instant:
            return h.start
        lead = timing.lead(self.key)
        reg = lead.confirmed(timing.as_of)
        y, m = reg.year, reg.month
        if reg > _cutoff(lead.extra, y, m):
            y, m = next_month(y, m)
        return date(*next_month(y, m), 1)

    def first_booking(self, s: Setup, i: Intervention, txs: list[Transaction]) -> date | None:
        return first_of(txs, kind="bostotte_direct", stream=params_of(i, BostotteParams).stream)

    def request_by(self, s: Setup, i: Intervention, first: date) -> date:
        """The cut-off of the month before the first payout, less the kommune's registration."""
        if s.timing.instant:
            return s.timing.as_of
        lead = s.lead(self.key)
        return before(_cutoff(lead.extra, *previous_month(first.year, first.month)), lead.decide_days, lead.decide_unit)

    def prepare(self, s: Setup) -> None:
        """The payouts after the horizon that are for months inside it, per stream."""
        start, end = s.h.start, s.h.end
        by_name = {inc.stream: inc for inc in s.h.income}
        after: dict[str, list[Payout]] = {}
        for name in s.cfg.bostotte_streams:
            inc, sched = by_name[name], s.streams[name].schedule
            after[name] = [((o.effective - start).days, inc.amount_for(o.nominal.year, o.nominal.month), o.nominal)
                           for o in occurrences(sched, end + timedelta(days=1), end + timedelta(days=BOSTOTTE_AFTER_DAYS))]
        s.candidates[self.key] = after

    def add(self, b: Build) -> list[Term]:
        s = b.setup
        due_of = s.due_of()
        lits: dict[str, Any] = {}
        terms: list[Term] = []
        for name in s.cfg.bostotte_streams:
            st = s.streams[name]
            lit = b.model.new_bool_var(f"bost_{name}")
            lits[name] = lit
            terms.append((lit, s.cfg.costs[self.key]))
            for off, amt, nominal in st.occ + _after(s)[name]:
                key = bostotte_month(nominal)
                if key not in due_of or off < s.effective[self.key]:
                    continue
                if off < s.days:
                    b.payout(name, off, lit, -amt)
                b.to_landlord(key, off, lit, amt, due_of[key])
        b.vars[self.key] = lits
        return terms

    def _on(self, d: Decoded, name: str) -> bool:
        lits = d.build.vars.get(self.key, {})
        return name in lits and bool(d.value(lits[name]))

    def stream_literals(self, b: Build, stream: str) -> list[Any]:
        lits = b.vars.get(self.key, {})
        return [lits[stream]] if stream in lits else []

    def route(self, d: Decoded, st: Stream, occ: list[Payout]) -> list[Transaction] | None:
        if not self._on(d, st.name):
            return None
        s = d.setup
        rent_keys = set(s.due_of())
        out = []
        for off, amt, nominal in occ + _after(s)[st.name]:
            bkey = bostotte_month(nominal)
            if bkey in rent_keys and off >= s.effective[self.key]:
                out.append(Transaction(s.day(off), "landlord", "bostotte_direct", amt, stream=st.name, rent_month=bkey))
            elif off < s.days:
                out.append(Transaction(s.day(off), "tenant", "income", amt, stream=st.name))
        return out

    def decode(self, d: Decoded) -> list[Intervention]:
        return [d.intervention(self.key, BostotteParams(stream=name))
                for name in d.setup.streams if self._on(d, name)]

    def short(self, params: LeverParams) -> str:
        assert isinstance(params, BostotteParams)
        return f"bostotte_to_landlord({params.stream})"

    def letter_facts(self, i: Intervention, plan: Any, h: Any, anchor: date | None, social: bool | None) -> tuple[Any, dict[str, Any]]:
        """The first payout to the kommune and the month it is for (the transaction's rent month:
        paid in arrears, the payout of the 20th is for the month before)."""
        from ..facts import Ledger, month

        s = params_of(i, BostotteParams).stream
        first = Ledger(plan).first("bostotte.first", s, anchor, kind="bostotte_direct", stream=s)
        for_month = None if first is None else month("bostotte.for_month", plan.transactions[first.tx[0]].rent_month,
                                                     s, first.tx)
        return first, {"stream": s, "for_month": for_month}


LEVER = BostotteToLandlord()

"""Lever `move_payout`: the paying office is asked to pay a benefit on another day.

Candidates come from the data (`move_payout.days` for a monthly payout, `shifts` for a 14-day
rhythm); each candidate is one boolean, at most one per stream, and moves every payout of the
stream in the horizon."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any, TypedDict

from ..calendar import Schedule, occurrences
from ..model import Household, Intervention, Transaction
from .base import Build, Decoded, LeverRule, Payout, Setup, Stream, Term

#: A candidate: its label ("day:D" or "shift:K") and the stream's payouts with it.
Option = tuple[str, list[Payout]]


class MovePayoutParams(TypedDict, total=False):
    stream: str
    from_day: int | str | None  # day of month, or the first payout's date of a 14-day stream
    to_day: int | str
    shift_days: int  # 14-day streams only


def _payouts(h: Household, sc: Schedule, name: str) -> list[Payout]:
    inc = next(i for i in h.income if i.stream == name)
    return [((o.effective - h.start).days, inc.amount_for(o.nominal.year, o.nominal.month), o.nominal)
            for o in occurrences(sc, h.start, h.end)]


def _transition(s: Setup, old: list[Payout], new: list[Payout], shift: int | None) -> list[Payout]:
    """The stream's payouts when the move applies from the lever's first effective day: a
    payout moves only when both its old and its new date are on or after that day (paired by
    month for a monthly payout, by `shift` days for a 14-day rhythm); before it the current
    schedule runs, so no payout is lost or paid twice in the change."""
    frm = s.effective.get(MovePayout.key, 0)
    if frm <= 0:
        return new

    def key(p: Payout, k: int | None) -> Any:
        return (p[2].year, p[2].month) if k is None else p[2] - timedelta(days=k)

    pending = {key(p, None if shift is None else shift): p for p in new}
    out: list[Payout] = []
    for p in old:
        q = pending.pop(key(p, None if shift is None else 0), None)
        out.append(p if q is None or min(p[0], q[0]) < frm else q)
    out += [q for q in pending.values() if q[0] >= frm]
    return sorted(out)


def _options(s: Setup) -> dict[str, list[Option]]:
    out: dict[str, list[Option]] = s.candidates.get(MovePayout.key, {})
    return out


class MovePayout(LeverRule):
    key = "move_payout"
    phase = 1

    def prepare(self, s: Setup) -> None:
        cfg = s.cfg
        options: dict[str, list[Option]] = {}
        for name in cfg.move_streams:
            sched = s.streams[name].schedule
            opts: list[Option] = []
            if sched.day is not None:
                for d in cfg.move_days:
                    if d != sched.day:
                        new = _payouts(s.h, Schedule(shift=sched.shift, day=d), name)
                        opts.append((f"day:{d}", _transition(s, s.streams[name].occ, new, None)))
            elif sched.every_days is not None and sched.first is not None:
                for k in cfg.move_shifts:
                    if k == 0 or abs(k) >= sched.every_days:
                        continue
                    sc = Schedule(shift=sched.shift, every_days=sched.every_days,
                                  first=sched.first + timedelta(days=k))
                    opts.append((f"shift:{k}", _transition(s, s.streams[name].occ, _payouts(s.h, sc, name), k)))
            options[name] = opts
        s.candidates[self.key] = options

    def credit_days(self, s: Setup) -> list[int]:
        return [s.arrive(name, o[0]) for name, opts in _options(s).items() for _, occ in opts for o in occ]

    def add(self, b: Build) -> list[Term]:
        s = b.setup
        move: dict[str, list[Any]] = {}
        terms: list[Term] = []
        for name, opts in _options(s).items():
            st = s.streams[name]
            ws = [b.model.new_bool_var(f"mv_{name}_{i}") for i in range(len(opts))]
            move[name] = ws
            if not ws:
                continue
            b.model.add(sum(ws) <= 1)
            terms.extend((w, s.cfg.costs[self.key]) for w in ws)
            for w, (_, occ) in zip(ws, opts):
                for off, amt, _ in occ:
                    b.payout(name, off, w, amt)
                for off, amt, _ in st.occ:
                    b.payout(name, off, w, -amt)
        b.vars[self.key] = move
        return terms

    def stream_literals(self, b: Build, stream: str) -> list[Any]:
        return list(b.vars.get(self.key, {}).get(stream, []))

    def _chosen(self, d: Decoded, name: str) -> Option | None:
        chosen = None
        for w, opt in zip(d.build.vars.get(self.key, {}).get(name, []), _options(d.setup).get(name, [])):
            if d.value(w):
                chosen = opt
        return chosen

    def payouts(self, d: Decoded, st: Stream, occ: list[Payout]) -> list[Payout]:
        chosen = self._chosen(d, st.name)
        return chosen[1] if chosen else occ

    def decode(self, d: Decoded) -> list[Intervention]:
        out = []
        for name, st in d.setup.streams.items():
            chosen = self._chosen(d, name)
            if chosen is None:
                continue
            kind, val = chosen[0].split(":")
            sched = st.schedule
            params = MovePayoutParams(stream=name)
            if kind == "day":
                params.update({"from_day": sched.day, "to_day": int(val)})
            else:
                assert sched.first is not None  # a shift candidate exists only for a stream with `first`
                params.update({"from_day": sched.first.isoformat(), "to_day": (sched.first + timedelta(days=int(val))).isoformat(),
                               "shift_days": int(val)})
            out.append(d.intervention(self.key, params))
        return out

    def first_booking(self, s: Setup, i: Intervention, txs: list[Transaction]) -> date | None:
        """The first payout of the stream whose date differs from the current schedule's."""
        name = i.params["stream"]
        old = {t.date for t in s.baseline if t.kind == "income" and t.stream == name}
        new = {t.date for t in txs if t.kind == "income" and t.stream == name}
        return min(old ^ new, default=None)

    def short(self, params: Mapping[str, Any]) -> str:
        return f"move_payout({params.get('stream', '')} {params.get('from_day')}->{params.get('to_day')})"

    def explain(self, i: Intervention, plan: Any, h: Any, base: Any) -> tuple[str, str]:
        """The intervention in Norwegian for the caseworker: what happens, and why it helps."""
        from datetime import timedelta

        from ..explain import _dip_reason, _first_date, _monthly_windows, d, stream_name

        p = i.params
        if "shift_days" in p:
            k = p["shift_days"]
            first = _first_date(plan, kind="income", stream=p["stream"])
            summary = (f"NAV blir bedt om å utbetale {stream_name(h, p['stream'])} {abs(k)} dager "
                       f"{'tidligere' if k < 0 else 'senere'} i 14-dagersrytmen"
                       + (f"; første utbetaling i planen blir {d(first)}." if first else "."))
            old = sorted({t.date for t in base.txs if t.kind == "income" and t.stream == p["stream"]})
            shift = timedelta(days=k)
            reason = _dip_reason(base, [(min(o, o + shift), max(o, o + shift)) for o in old], h)
        else:
            summary = (f"NAV blir bedt om å utbetale {stream_name(h, p['stream'])} den {p['to_day']}. i stedet for den "
                       f"{p['from_day']}.")
            reason = _dip_reason(base, _monthly_windows(h, p["to_day"], p["from_day"]), h)
        return summary, reason

    def letter_facts(self, i: Intervention, plan: Any, h: Any, anchor: date | None, social: bool | None) -> tuple[Any, dict]:
        """The first payout on its new day (the first payout of the stream on a day the
        schedule as it stands does not pay on) and the days asked for."""
        from ..cashflow import transactions
        from ..explain import stream_name
        from ..facts import Fact, Ledger, count, dom

        p = i.params
        s = p["stream"]
        old = {t.date for t in transactions(h) if t.kind == "income" and t.stream == s}
        led = Ledger(plan)
        since = i.effective_from or anchor
        moved = [k for k in led.where(kind="income", stream=s)
                 if plan.transactions[k].date not in old and (since is None or plan.transactions[k].date >= since)]
        first = Fact("move_payout.first", plan.transactions[moved[0]].date, "date", s, (moved[0],)) if moved else None
        shift = p.get("shift_days")
        def when(key: str, v: Any) -> Fact | None:  # a day of month, or a 14-day stream's first payout date
            if v is None:
                return None
            return Fact(key, date.fromisoformat(v), "date", s) if isinstance(v, str) else dom(key, v, s)

        facts = {"benefit": stream_name(h, s),
                 "from_day": when("move_payout.from_day", p.get("from_day")),
                 "to_day": when("move_payout.to_day", p.get("to_day")),
                 "shift_days": count("move_payout.shift_days", abs(shift), s) if shift is not None else None,
                 "earlier": shift is not None and shift < 0}
        return first, facts


LEVER = MovePayout()

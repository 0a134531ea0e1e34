"""Lever `move_payout`: the paying office is asked to pay a benefit on another day.

Candidates come from the data (`move_payout.days` for a monthly payout, `shifts` for a 14-day
rhythm); each candidate is one boolean, at most one per stream, and moves every payout of the
stream in the horizon."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ..calendar import Schedule, occurrences
from ..model import Household, Intervention, Transaction
from ..results import LeverParams, StreamParams
from .base import Build, Decoded, LeverRule, Payout, Setup, Stream, Term, params_of
from .setting import Setting

#: A candidate: its label ("day:D" or "shift:K") and the stream's payouts with it.
Option = tuple[str, list[Payout]]


@dataclass(frozen=True)
class MovePayoutParams(StreamParams):
    from_day: int | date | None  # day of month, or the first payout's date of a 14-day stream
    to_day: int | date
    shift_days: int | None = field(default=None, metadata={"omit_if_none": True})  # 14-day streams only


def _payouts(h: Household, sc: Schedule, name: str) -> list[Payout]:
    inc = next(i for i in h.income if i.stream == name)
    return [((o.effective - h.start).days, inc.amount_for(o.nominal.year, o.nominal.month), o.nominal)
            for o in occurrences(sc, h.start, h.end)]


def nearest(k: int, every: int) -> int:
    """A shift of a rhythm as the displacement of each payout: the anchor moved `k` days on a
    14-day rhythm moves each payout by `k`, or by `k - 14` (the same dates): the nearer one is
    what the payout really moves (12 days on is 2 days earlier), so no payout is skipped."""
    if k > every // 2:
        return k - every
    if k < -(every // 2):
        return k + every
    return k


def _transition(s: Setup, old: list[Payout], new: list[Payout], shift: int | None) -> list[Payout]:
    """The stream's payouts once moved, each new payout paired with the old one it replaces (by
    month for a monthly payout, by the displacement `shift` for a 14-day rhythm). A payout moves
    only when both its old and its new date are on or after the lever's first effective day;
    before it the current schedule runs. A new payout without an old partner in the horizon is
    left out, so a move never adds a payout (a rhythm moved earlier would otherwise bring next
    year's first payout into this one, and one moved later a payout already received), and an
    old payout whose new day falls after the horizon is gone from it."""
    frm = s.effective.get(MovePayout.key, 0)

    def key(p: Payout, k: int | None) -> Any:
        return (p[2].year, p[2].month) if k is None else p[2] - timedelta(days=k)

    pending = {key(q, shift): q for q in new}
    out: list[Payout] = []
    for p in old:
        q = pending.pop(key(p, None if shift is None else 0), None)
        if q is None:
            if p[0] < frm or shift is None:
                out.append(p)  # before the change, or a month without a new payout: as it is
            continue  # moved past the horizon's end
        out.append(p if min(p[0], q[0]) < frm else q)
    return sorted(out)


def _options(s: Setup) -> dict[str, list[Option]]:
    out: dict[str, list[Option]] = s.candidates.get(MovePayout.key, {})
    return out


class MovePayout(LeverRule):
    key = "move_payout"
    settings = (Setting("move_payout", "streams", "Utbetalingsdag kan flyttes for",
                        "benefits whose payout day may be requested moved", permits="both"),)
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
                seen: set[int] = set()
                for k in cfg.move_shifts:
                    d = nearest(k, sched.every_days)
                    if d == 0 or abs(k) >= sched.every_days or d in seen:
                        continue  # 12 days on is 2 days earlier: one candidate per displacement
                    seen.add(d)
                    sc = Schedule(shift=sched.shift, every_days=sched.every_days,
                                  first=sched.first + timedelta(days=d))
                    opts.append((f"shift:{d}", _transition(s, s.streams[name].occ, _payouts(s.h, sc, name), d)))
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
            if kind == "day":
                params = MovePayoutParams(stream=name, from_day=sched.day, to_day=int(val))
            else:
                assert sched.first is not None  # a shift candidate exists only for a stream with `first`
                params = MovePayoutParams(stream=name, from_day=sched.first,
                                          to_day=sched.first + timedelta(days=int(val)), shift_days=int(val))
            out.append(d.intervention(self.key, params))
        return out

    def first_booking(self, s: Setup, i: Intervention, txs: list[Transaction]) -> date | None:
        """The first day the stream's payouts differ from the current schedule's. Counted per
        day, not as a set of days: a payout moved onto a day that already has one (1 May, a
        holiday, paid on 30 April, the old day of April's payout) is a change on that day."""
        name = params_of(i, MovePayoutParams).stream
        old = Counter(t.date for t in s.baseline if t.kind == "income" and t.stream == name)
        new = Counter(t.date for t in txs if t.kind == "income" and t.stream == name)
        return min((d for d in old.keys() | new.keys() if old[d] != new[d]), default=None)

    def short(self, params: LeverParams) -> str:
        assert isinstance(params, MovePayoutParams)
        days = params.to_json()  # a 14-day stream's dates as written in the plan: 2026-11-19
        return f"move_payout({params.stream} {days['from_day']}->{days['to_day']})"

    def letter_facts(self, i: Intervention, plan: Any, h: Any, anchor: date | None, social: bool | None) -> tuple[Any, dict[str, Any]]:
        """The first payout on its new day (the first payout of the stream on a day the
        schedule as it stands does not pay on) and the days asked for."""
        from ..cashflow import transactions
        from ..facts import Fact, Ledger, count, dom, stream_name

        p = params_of(i, MovePayoutParams)
        s = p.stream
        # counted per day: a payout moved onto a day that already has one is a moved payout
        old = Counter(t.date for t in transactions(h) if t.kind == "income" and t.stream == s)
        led = Ledger(plan)
        since = i.effective_from or anchor
        seen: Counter[date] = Counter()
        moved = []
        for k in led.where(kind="income", stream=s):
            day = plan.transactions[k].date
            seen[day] += 1
            if seen[day] > old[day] and (since is None or day >= since):
                moved.append(k)
        first = Fact("move_payout.first", plan.transactions[moved[0]].date, "date", s, (moved[0],)) if moved else None
        shift = p.shift_days
        # the payout of the schedule as it stands that the first moved one replaces
        now = Counter(t.date for t in plan.transactions if t.kind == "income" and t.stream == s)
        gone = sorted(d for d in old if old[d] > now[d] and (since is None or d >= since - timedelta(days=31)))
        replaces = Fact("move_payout.replaces", gone[0], "date", s) if gone else None

        def day_of(key: str, v: Any) -> Fact | None:  # a monthly stream's day of the month
            return dom(key, v, s) if isinstance(v, int) else None

        facts = {"benefit": stream_name(h, s), "replaces": replaces,
                 "from_day": day_of("move_payout.from_day", p.from_day),
                 "to_day": day_of("move_payout.to_day", p.to_day),
                 "shift_days": count("move_payout.shift_days", abs(shift), s) if shift is not None else None,
                 "earlier": shift is not None and shift < 0}
        return first, facts


LEVER = MovePayout()

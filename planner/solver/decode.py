"""Reading a solution back: transactions and interventions, and the independent re-check."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import numpy as np

from ..cashflow import Simulation, simulate, sort_transactions, transactions
from ..levers import LEVERS
from ..levers.base import Decoded, LeverRule, Setup, stream_of
from ..levers.bridge import bridge_intervention
from ..model import Household, Intervention, Transaction
from .chain import Model
from .robust import PlanVerificationError
from .setup import allowed_rules

#: Interventions are listed in the catalogue's order, a start buffer first.
_ORDER = {k: i for i, k in enumerate(("opening_buffer",) + LEVERS)}


def _rent(d: Decoded, mdl: Model) -> list[Transaction]:
    """The tenant's rent debits, and the days and amounts per month the rent levers read."""
    s = d.setup
    d.used_days = sorted(day for day, u in mdl.build.used.items() if d.value(u))
    out = []
    for r in s.rent_months:
        amounts = []
        for day in sorted(r.options):
            v = mdl.build.y.get((r.key, day))
            a = int(d.value(v)) if v is not None else 0
            if a:
                out.append(Transaction(s.day(r.options[day]), "tenant", "husleie", -a, rent_month=r.key))
            if day in d.used_days:
                amounts.append(a)
        if not r.locked:
            d.per_month[r.key] = amounts
    if s.h.rent.day is None:  # rent by explicit dates: unchanged
        out.extend(t for t in s.baseline if t.kind == "husleie")
    return out


def _incomes(d: Decoded, levers: list[LeverRule]) -> list[Transaction]:
    """Each stream's payouts, moved and redirected as the levers decided."""
    out: list[Transaction] = []
    s = d.setup
    for st in s.streams.values():
        occ = st.occ
        for rule in levers:
            occ = rule.payouts(d, st, occ)
        routed = None
        for rule in levers:
            routed = rule.route(d, st, occ)
            if routed is not None:
                break
        out += routed if routed is not None else [
            Transaction(s.day(off), "tenant", "income", amt, stream=st.name) for off, amt, _ in occ]
    return out


def decode(s: Setup, mdl: Model, solver: Any, opening_extra: int) -> tuple[list[Transaction], list[Intervention], int]:
    """The plan's transactions, its interventions (catalogue order) and its lateness."""
    d = Decoded(s, mdl.build, lambda v: int(solver.value(v)))
    levers = allowed_rules(s.cfg)
    out: list[Transaction] = [t for t in s.baseline if t.kind not in ("husleie", "income")]
    out += _incomes(d, levers)
    out += _rent(d, mdl)
    interventions: list[Intervention] = []
    for rule in levers:
        out += rule.transactions(d)
        interventions += rule.decode(d)
    by_key = {r.key: r for r in levers}
    interventions = [by_key[i.lever].dates(s, i, out) for i in interventions]
    if opening_extra:
        interventions.insert(0, bridge_intervention(s, opening_extra))
    lateness = sum(c * d.value(v) for v, c in mdl.lateness_terms)
    interventions.sort(key=lambda i: (_ORDER[i.lever], stream_of(i) or ""))
    return sort_transactions(out), interventions, lateness


def verify(h: Household, txs: Iterable[Transaction], opening: int, same_day_credit: bool = False,
           baseline: Iterable[Transaction] | None = None) -> Simulation:
    """Re-simulate a plan from its transactions; raise if any day is below the floor or any
    month's rent is not fully paid. Independent of the solver's own arithmetic."""
    txs = list(txs)
    sim = simulate(txs, h.start, h.end, opening)
    series = sim.solvency_series(same_day_credit)
    if (series < h.min_balance).any():
        t = int(np.argmin(series))
        raise PlanVerificationError(
            f"{h.id}: simulated balance {int(series[t])} øre on {h.start + timedelta(days=t)} is below the floor")
    paid: dict[str, int] = defaultdict(int)
    for tx in txs:
        if tx.rent_month is not None:
            paid[tx.rent_month] += abs(tx.amount_ore)
    # what each month owes: the schedule's rent bookings (one a month, or several for rent
    # given by `dates` or `every_days`)
    due: dict[str, int] = defaultdict(int)
    for tx in transactions(h) if baseline is None else baseline:
        if tx.kind == "husleie" and tx.rent_month is not None:
            due[tx.rent_month] += -tx.amount_ore
    for month in sorted(set(due) | set(paid)):
        if paid.get(month, 0) != due.get(month, 0):
            raise PlanVerificationError(f"{h.id}: rent for {month} paid {paid.get(month, 0)} of {due.get(month, 0)}")
    return sim

"""The check-only batch's route to the request date of many households at once: the first
process of households that share a horizon, a rent schedule and a first due date, worked out
for all of them together from their balances (the same date as `request_date`'s walk).

In a batch most households heading for a request either pay the first process's notice and
owe nothing more, or cannot pay any notice of it: both are decided here. The others (a second
process, a rent of its own month by month, a first due date that is not the group's) are left
to the walk (`WALK`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from functools import lru_cache
from typing import Final

import numpy as np

from ..calendar import resolve_expense
from ..cashflow import horizon
from ..model import Household, add_months
from .process import claim_of, walk_date, walk_steps
from .rules import EVICTION_STEP, REQUEST_STEP, EvictionRules, eviction_rules
from .timeline import Debt, process_start, rent_occurrences, rent_offsets


class _Walk:
    """The result "the walk decides" (`request_date(..., bound=False)` of the household)."""

    def __repr__(self) -> str:
        return "WALK"


#: what `first_process_rows` gives a household whose request date the walk must find
WALK: Final = _Walk()


@lru_cache(maxsize=64)
def _months(start: date, end: date) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """Each day's month and each month's first and last day (offsets from `start`)."""
    hz = horizon(start, end)
    return tuple(hz.month_of_day.tolist()), tuple(hz.month_first.tolist()), tuple(hz.month_last.tolist())


def first_process_rows(households: Sequence[Household], first_due: date, series: np.ndarray,
                       rules: EvictionRules | None = None,
                       rows: Sequence[int] | None = None) -> list[date | None | _Walk]:
    """`request_date(h, series=..., first_due=first_due, bound=False)` of households of one
    horizon, one rent schedule and one first due date (`series`: their balances over that
    horizon, one row each or the rows `rows` of it), where the first process decides it: its
    request date when no notice of it can be paid, None when one is paid and no rent fails
    after it; `WALK` for the others.

    The same steps as the walk (`_processes`, `first_settlement`), for all of them at once: the
    rents each one leaves unpaid, found rent by rent; the account with them added, and each
    notice's claim (the principal is each one's; the windows and costs are shared); the lowest
    balance to the end of the month on each window day. Only a household with a day whose
    balance covers the principal and the costs (interest is never negative) has its interest
    worked out, exactly as the walk does, day by day."""
    rules = rules or eviction_rules()
    n = len(households)
    if n == 0:
        return []
    h0 = households[0]
    start, end = h0.start, h0.end
    days = (end - start).days + 1
    eviction = walk_date(first_due, rules, EVICTION_STEP)
    if add_months(eviction, 1) > end:
        return [WALK] * n  # (the process runs past the horizon: the walk continues it)
    schedule = resolve_expense(h0.rent)
    rents = rent_occurrences(schedule, start, end)
    offs = rent_offsets(schedule, start, end).tolist()
    block = (series if rows is None else series[np.asarray(rows, dtype=np.int64)])[:, :days]
    leases = [h.rent for h in households]
    amount = np.array([lease.amount for lease in leases], dtype=np.int64)
    # the rents each leaves unpaid, in debit order: a debit that finds the balance (and the
    # rent left unpaid before it) below zero fails whole
    at_debit = block[:, offs] if offs else np.zeros((n, 0), dtype=np.int64)
    carried = np.zeros(n, dtype=np.int64)
    unpaid = np.zeros((n, len(rents)), dtype=bool)
    for r in range(len(rents)):
        failed = at_debit[:, r] + carried < 0
        unpaid[:, r] = failed
        carried += np.where(failed, amount, 0)
    # the account as the bank sees it: the rent that failed stayed on it
    added = np.zeros((n, days), dtype=np.int64)
    for r, t in enumerate(offs):
        added[:, max(0, t)] += np.where(unpaid[:, r], amount, 0)
    account = block + np.cumsum(added, axis=1)
    existing = np.array([h.arrears.amount if h.arrears is not None and h.arrears.amount > 0 else 0
                         for h in households], dtype=np.int64)
    since = [(h.arrears.since or start) if h.arrears is not None else start for h in households]
    owed = np.where(unpaid, amount[:, None], 0)
    month_of_day, firsts, lasts = _months(start, end)
    lows: dict[int, np.ndarray] = {}  # each month's lowest balance from a day to its end
    walk = walk_steps(first_due, rules, None)
    notices = []  # (rule, notice date, costs so far, first window day, lows of the window's days, need)
    for rule, when, _, costs in walk:
        if not rule.pay_within_days:
            continue
        t0 = (when - start).days
        a, b = max(0, t0), min(t0 + rule.pay_within_days, days - 1)
        parts = []
        t = a
        while t <= b:
            m = month_of_day[t]
            if m not in lows:
                lows[m] = np.minimum.accumulate(account[:, firsts[m]:lasts[m] + 1][:, ::-1], axis=1)[:, ::-1]
            last = min(lasts[m], b)
            parts.append(lows[m][:, t - firsts[m]:last - firsts[m] + 1])
            t = last + 1
        window = np.concatenate(parts, axis=1) if parts else np.zeros((n, 0), dtype=np.int64)
        # the claim on the notice's date: the debts owed by then (and by the eviction date)
        counted = [due <= when and due <= eviction for due in (o.nominal for o in rents)]
        principal = owed[:, counted].sum(axis=1) + np.where(
            np.array([s <= when and s <= eviction for s in since]), existing, 0)
        notices.append((rule, when, costs, a, window, principal + costs))
    can = np.zeros(n, dtype=bool)  # a day whose balance covers the principal and the costs
    for _, _, _, _, window, need in notices:
        can |= (window >= need[:, None]).any(axis=1)
    first_unpaid: list[int] = unpaid.argmax(axis=1).tolist()
    has_unpaid: list[bool] = np.asarray(unpaid.any(axis=1)).tolist()
    payable: list[bool] = can.tolist()
    request = walk_date(first_due, rules, REQUEST_STEP)
    out: list[date | None | _Walk] = []
    for i, h in enumerate(households):
        lease = leases[i]
        if lease.month_amounts or lease.amount <= 0 or process_start(
                rents[first_unpaid[i]].nominal if has_unpaid[i] else None, h.arrears, start) != first_due:
            out.append(WALK)  # (a rent of its own month by month, or a process of its own)
        elif not payable[i]:
            out.append(request)
        else:
            out.append(_settled(h, i, first_due, walk, rules, notices, unpaid[i].tolist(), rents,
                                at_debit[i].tolist(), int(existing[i]), since[i], start, request))
    return out


def _settled(h: Household, i: int, first_due: date, walk: tuple, rules: EvictionRules, notices: list,
             unpaid: list[bool], rents: tuple, at_debit: list[int], existing: int, since: date,
             start: date, request: date) -> date | None | _Walk:
    """The household `i` of `first_process_rows` that may pay a notice: its request date when
    it pays none, None when it pays one and no rent fails after (WALK when one does)."""
    amount = h.rent.amount
    debts = [Debt(since, since, existing)] if existing else []
    debts += [Debt(o.nominal, o.effective, amount) for o, u in zip(rents, unpaid) if u]
    claim = claim_of(walk, debts, rules, None, first_due)
    paid = None
    for _, when, costs, a, window, _ in notices:
        need = claim.principal_owed(when) + costs
        for k, low in enumerate(window[i].tolist()):
            if low >= need:
                day = start + timedelta(days=a + k)
                interest = claim.interest_to(day, when)
                if low >= need + interest:
                    paid = (day, need + interest, when)
                    break
        if paid is not None:
            break
    if paid is None:
        return request
    # the next process: the rents that fail once the claim has left the account, due after the notice
    paid_on, paid_ore, notice = paid
    carried = 0
    for o, found in zip(rents, at_debit):
        if found + carried - (paid_ore if paid_on <= o.effective else 0) < 0:
            if o.nominal > notice:
                return WALK
            carried += amount
    return None

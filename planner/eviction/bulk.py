"""The check-only batch's route to the request date of many households at once: the first
process of households that share a horizon, a rent schedule and a first due date, worked out
for all of them together from their balances (the same date as `request_date`'s walk).

In a batch most households heading for a request either pay the first process's notice and
owe nothing more, or cannot pay any notice of it: both are decided at once here. The later
processes of the others are followed one household at a time from the same balances and
rents (`walk_from`, which also serves the households whose balances the batch continues); a
process that needs balances past those given is sent on with them continued (`LONGER`), and a
rent of its own month by month, or a first due date that is not the group's, to the walk
(`WALK`, `request_date`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from functools import lru_cache
from typing import Final

import numpy as np

from ..calendar import Schedule, resolve_expense
from ..cashflow import horizon
from ..model import Expense, Household, add_months
from ..periods import horizon_end
from .process import Afford, claim_of, first_settlement, walk_date, walk_steps
from .projection import MAX_PROCESSES, months_to
from .rules import EVICTION_STEP, REQUEST_STEP, EvictionRules, eviction_rules
from .timeline import Debt, process_start, rent_occurrences, rent_offsets


class _Walk:
    """A result the walk must find (`request_date` of the household)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


#: what `first_process_rows` gives a household whose request date the walk must find
WALK: Final = _Walk("WALK")
#: ... and one whose later process runs past the balances given: the walk needs them continued
LONGER: Final = _Walk("LONGER")


@lru_cache(maxsize=64)
def _months(start: date, end: date) -> tuple[list[int], list[int], list[int]]:
    """Each day's month and each month's first and last day (offsets from `start`; shared,
    never changed)."""
    hz = horizon(start, end)
    return hz.month_of_day.tolist(), hz.month_first.tolist(), hz.month_last.tolist()


def first_process_rows(households: Sequence[Household], first_due: date, series: np.ndarray,
                       rules: EvictionRules | None = None,
                       rows: Sequence[int] | None = None,
                       leases: Sequence[Expense] | None = None) -> list[date | None | _Walk]:
    """`request_date(h, series=..., first_due=first_due, bound=False)` of households of one
    horizon, one rent schedule and one first due date (`series`: their balances over that
    horizon, one row each or the rows `rows` of it), where the first process decides it: its
    request date when no notice of it can be paid, None when one is paid and no rent fails
    after it; what `walk_from` gives from there for the others (LONGER, or WALK for those it
    leaves to the walk). `leases`: their rents (`Household.rent`), if the caller has them.

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
    if add_months(walk_date(first_due, rules, EVICTION_STEP), 1) > end:
        return [WALK] * n  # (the process runs past the horizon: the walk continues it)
    leases = [h.rent for h in households] if leases is None else leases
    schedule = resolve_expense(leases[0])
    rents, offs, notices_plan, request = _plan(schedule, start, end, first_due, rules)
    block = (series if rows is None else series[np.asarray(rows, dtype=np.int64)])[:, :days]
    amount = np.array([lease.amount for lease in leases], dtype=np.int64)
    # the rents each leaves unpaid, in debit order: a debit that finds the balance (and the
    # rent left unpaid before it) below zero fails whole
    at_debit = block[:, offs].T if offs else np.zeros((0, n), dtype=np.int64)
    count = np.zeros(n, dtype=np.int64)
    failed = np.empty((len(rents), n), dtype=bool)
    for r in range(len(rents)):
        np.less(at_debit[r] + amount * count, 0, out=failed[r])
        count += failed[r]
    unpaid = failed.T
    owed = np.where(unpaid, amount[:, None], 0)
    # the account as the bank sees it: the rent that failed stayed on it
    added = np.zeros((n, days), dtype=np.int64)
    np.add.at(added.T, np.array([max(0, t) for t in offs], dtype=np.int64), owed.T)
    account = block + np.cumsum(added, axis=1)
    existing = np.array([h.arrears.amount if h.arrears is not None and h.arrears.amount > 0 else 0
                         for h in households], dtype=np.int64)
    since = [(h.arrears.since or start) if h.arrears is not None else start for h in households]
    since_day = np.array([d.toordinal() for d in since], dtype=np.int64)
    _, firsts, lasts = _months(start, end)
    lows: dict[int, np.ndarray] = {}  # each month's lowest balance from a day to its end
    notices = []  # (rule, notice date, costs so far, first window day, lows of the window's days, need)
    for rule, when, costs, a, parts, counted, by in notices_plan:
        blocks = []
        for m, lo, hi in parts:
            if m not in lows:
                lows[m] = np.minimum.accumulate(account[:, firsts[m]:lasts[m] + 1][:, ::-1], axis=1)[:, ::-1]
            blocks.append(lows[m][:, lo:hi])
        window = np.concatenate(blocks, axis=1) if len(blocks) > 1 else blocks[0] if blocks else \
            np.zeros((n, 0), dtype=np.int64)
        # the claim on the notice's date: the debts owed by then (and by the eviction date)
        principal = owed[:, counted].sum(axis=1) + np.where(since_day <= by, existing, 0)
        notices.append((rule, when, costs, a, window, principal + costs))
    can = np.zeros(n, dtype=bool)  # a day whose balance covers the principal and the costs
    for _, _, _, _, window, need in notices:
        can |= (window >= need[:, None]).any(axis=1)
    first_unpaid: list[int] = unpaid.argmax(axis=1).tolist()
    has_unpaid: list[bool] = np.asarray(unpaid.any(axis=1)).tolist()
    payable: list[bool] = can.tolist()
    walk = walk_steps(first_due, rules, None)
    out: list[date | None | _Walk] = []
    for i, h in enumerate(households):
        lease = leases[i]
        if lease.month_amounts or lease.amount <= 0 or process_start(
                rents[first_unpaid[i]].nominal if has_unpaid[i] else None, h.arrears, start) != first_due:
            out.append(WALK)  # (a rent of its own month by month, or a process of its own)
        elif not payable[i]:
            out.append(request)
        else:
            out.append(_settled(h, lease, schedule, i, first_due, walk, rules, notices, unpaid[i].tolist(), rents,
                                block[i], at_debit[:, i].tolist(), int(existing[i]), since[i], start, request))
    return out


@lru_cache(maxsize=4096)
def _debits(schedule: Schedule, start: date, end: date) -> tuple[tuple, list[int], list[date]]:
    """The rents from `start` to `end`, their debit days (offsets from `start`) and dates."""
    rents = rent_occurrences(schedule, start, end)
    return rents, rent_offsets(schedule, start, end).tolist(), [o.effective for o in rents]


@lru_cache(maxsize=4096)
def _plan(schedule: Schedule, start: date, end: date, first_due: date, rules: EvictionRules) -> tuple:
    """What `first_process_rows` reads of a process from `first_due` over the horizon, the
    same for every household with this rent schedule: the rents and their debit days; of each
    notice with a deadline its rule, date, costs so far, first window day, the window's days
    as (month, first, last + 1) within each month's block, which rents its claim counts and
    the last day existing arrears count by (an ordinal); and the request date."""
    rents = rent_occurrences(schedule, start, end)
    offs = rent_offsets(schedule, start, end).tolist()
    eviction = walk_date(first_due, rules, EVICTION_STEP)
    days = (end - start).days + 1
    month_of_day, firsts, lasts = _months(start, end)
    notices = []
    for rule, when, _, costs in walk_steps(first_due, rules, None):
        if not rule.pay_within_days:
            continue
        t0 = (when - start).days
        a, b = max(0, t0), min(t0 + rule.pay_within_days, days - 1)
        parts = []
        t = a
        while t <= b:
            m = month_of_day[t]
            last = min(lasts[m], b)
            parts.append((m, t - firsts[m], last - firsts[m] + 1))
            t = last + 1
        counted = np.array([o.nominal <= when and o.nominal <= eviction for o in rents], dtype=bool)
        notices.append((rule, when, costs, a, tuple(parts), counted, min(when, eviction).toordinal()))
    return rents, offs, tuple(notices), walk_date(first_due, rules, REQUEST_STEP)


def _settled(h: Household, lease: Expense, schedule: Schedule, i: int, first_due: date, walk: tuple,
             rules: EvictionRules, notices: list, unpaid: list[bool], rents: tuple, block: np.ndarray,
             at_debit: list[int], existing: int, since: date, start: date, request: date) -> date | None | _Walk:
    """The household `i` of `first_process_rows` that may pay a notice: its request date when
    it pays none, else what its later processes give (`walk_from`)."""
    amount = lease.amount
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
    # most owe nothing more: no rent due after the notice fails once the claim has left the
    # account (`walk_from`'s next process, its common answer found without it)
    on, ore, notice = paid
    carried = 0
    for o, balance in zip(rents, at_debit):
        if balance + carried - (ore if on <= o.effective else 0) < 0:
            if o.nominal > notice:
                return walk_from(h, lease, schedule, block, rules, [(on, ore)], notice, 1, at_debit)
            carried += amount
    return None


def walk_from(h: Household, lease: Expense, schedule: Schedule, series: np.ndarray, rules: EvictionRules,
              payments: list[tuple[date, int]] | None = None, notice: date | None = None,
              done: int = 0, at_debit: list[int] | None = None) -> date | None | _Walk:
    """`request_date(h, series=series)` by the walk's own steps (`_processes`,
    `first_settlement`), for a household whose rent (`lease`, on `schedule`) is the same every
    month (else WALK): its processes one after another from its balances (`series`, from its
    start, over its horizon or longer) and its rents at each debit, without the walk's records
    of each unpaid rent. LONGER when a process needs balances past `series`. `done`: the
    processes already followed, `payments` the claims they paid (paid on, øre) and `notice`
    the last one's notice date; `at_debit`: the balance at each debit of the rent over the
    horizon, if the caller has it."""
    if lease.month_amounts or lease.amount <= 0:
        return WALK
    amount, start, h_end = lease.amount, h.start, h.end
    payments = [] if payments is None else payments
    arrears = h.arrears if h.arrears is not None and h.arrears.amount > 0 else None
    debits: dict[date, list[int]] = {} if at_debit is None else {h_end: at_debit}

    def failing(end: date) -> tuple[tuple, list[int], list[int]]:
        """The rents to `end`, their debit days, and those that fail once the claims paid
        have left the account (the rents come in debit order: the payments made by each are
        summed as it comes)."""
        rents, offs, debit_days = _debits(schedule, start, end)
        found = debits.get(end)
        if found is None:
            found = debits[end] = series[offs].tolist() if offs else []
        carried = 0
        failed = []
        if len(payments) == 1:
            (on, x), = payments
            for r, balance in enumerate(found):
                if balance + carried - (x if on <= debit_days[r] else 0) < 0:
                    failed.append(r)
                    carried += amount
            return rents, offs, failed
        k = paid_by = 0
        paid = sorted(payments)
        for r, balance in enumerate(found):
            while k < len(paid) and paid[k][0] <= debit_days[r]:
                paid_by += paid[k][1]
                k += 1
            if balance + carried - paid_by < 0:
                failed.append(r)
                carried += amount
        return rents, offs, failed

    for n in range(done, MAX_PROCESSES):
        owed = arrears if n == 0 else None  # (existing arrears are part of the first claim only)
        rents, offs, failed = failing(h_end)
        open_rents = [r for r in failed if notice is None or rents[r].nominal > notice]
        if owed is None and not open_rents:
            return None
        due = process_start(rents[open_rents[0]].nominal if open_rents else None, owed, start)
        assert due is not None  # (unpaid rent or existing arrears)
        end = h_end
        needed = add_months(walk_date(due, rules, EVICTION_STEP), 1)
        if needed > h_end:
            # rent due up to the eviction date counts: the schedule continued (a horizon cut at
            # `until` stays cut)
            if h.until is None:
                end = horizon_end(start, months_to(h, needed))
            if (end - start).days + 1 > len(series):
                return LONGER
            rents, offs, failed = failing(end)
            open_rents = [r for r in failed if notice is None or rents[r].nominal > notice]
        account = np.array(series[:(end - start).days + 1], dtype=np.int64)
        for r in failed:
            account[max(0, offs[r]):] += amount
        for d, x in payments:
            account[max(0, (d - start).days):] -= x
        walk = walk_steps(due, rules, None)
        debts = [] if owed is None else [Debt(owed.since or start, owed.since or start, owed.amount)]
        debts += [Debt(rents[r].nominal, rents[r].effective, amount) for r in open_rents]
        settled = first_settlement(walk, claim_of(walk, debts, rules, None, due),
                                   Afford(start, account, *_months(start, end)), due)
        if settled is None:
            return walk_date(due, rules, REQUEST_STEP)
        payments.append((settled.paid_on, settled.amount_ore))
        notice = settled.notice_date
    return None

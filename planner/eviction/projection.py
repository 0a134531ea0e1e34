"""Projecting the process for a household: one process after another as the household pays
or does not pay each notice, over its balances as the schedule stands (and the batch's short
route to the request date)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache

import numpy as np

from ..calendar import Schedule, resolve_expense
from ..cashflow import check_table, compile_households, group_by_horizon, horizon
from ..formatting import format_kr
from ..formatting import nb_date as _d
from ..model import Expense, Household, Transaction, add_months
from ..periods import horizon_end, month_key
from ..results import Diagnosis
from .process import (
    NO_REQUEST,
    Afford,
    WalkStep,
    claim_of,
    first_settlement,
    project_walk,
    walk_date,
    walk_steps,
)
from .results import EvictionProjection, Settlement, UnpaidRent
from .rules import EVICTION_STEP, REQUEST_STEP, EvictionRules, eviction_rules
from .timeline import (
    Debt,
    first_unpaid_due,
    month_keys,
    month_last_day,
    process_start,
    rent_occurrences,
    solvency_series,
    step_dates,
    unpaid_rents,
)

# --------------------------------------------------------------------------- a household


def _no_arrears(household: Household) -> EvictionProjection:
    return EvictionProjection(
        status="no arrears",
        household=household.id,
        profile=None,
        first_due=None,
        steps=(),
        arrears_by_month={k: 0 for k in month_keys(household.start, household.end)},
        unpaid_rents=(),
        existing_arrears_ore=0,
        **NO_REQUEST,
        notes=("Husleien blir trukket i sin helhet hver måned i perioden; ingen restanse oppstår.",),
    )


def project_household(
    household: Household, same_day_credit: bool = False, rules: EvictionRules | None = None,
    txs: Sequence[Transaction] | None = None, series: np.ndarray | None = None,
) -> EvictionProjection:
    """What happens to `household` if nothing is done: arrears month by month, the step dates,
    the costs, the request date and the cure amount and deadline.

    A household whose rent is always covered, and which has no existing arrears, gets status
    "no arrears" and no steps. The arrears model is the module docstring's. At each notice with
    a deadline (purring and inkassovarsel, the § 4-18 varsel) the household pays a claim its
    account can pay by then after that month's planned spending, and the process stops there
    (status "settled"); later rent that fails starts a new process. `txs`: the household's
    transactions as the schedule stands, if the caller has them already; `series`: its
    solvency series (`solvency_series`) from its start, over its horizon or longer, if the
    caller has that (the batch computes it for many households at once).
    """
    rules = rules or eviction_rules()
    h = household
    settled: list[Settlement] = []
    first: EvictionProjection | None = None
    for r in _processes(h, same_day_credit, rules, _Balances(h, same_day_credit, txs, series), settled):
        p = project_walk(
            first_due=r.first_due,
            debts=r.debts,
            months_from=min(h.start, r.first_due),
            rules=rules,
            profile=None,
            household=h.id,
            unpaid=r.unpaid,
            existing_ore=r.existing_ore,
            afford=r.afford,
        )
        if p.status != "settled":
            return replace(p, settlements=tuple(settled), notes=p.notes + _settled_notes(settled))
        settled.extend(p.settlements)
        first = first or p
    if first is None:
        return _no_arrears(h)
    return replace(first, settlements=tuple(settled), notes=_settled_notes(settled))


def has_problem(household: Household, diagnosis: Diagnosis) -> bool:
    """Whether "if nothing is done" is worth telling: the balance dips, or arrears are owed."""
    owes = household.arrears is not None and household.arrears.amount > 0
    return diagnosis.problem != "none" or owes


def project_households(
    households: Sequence[Household], diagnoses: Sequence[Diagnosis], same_day_credit: bool = False,
    rules: EvictionRules | None = None,
) -> list[EvictionProjection]:
    """`project_household` for each household, the same projections, in bulk (`planner check`
    on many files). `diagnoses`: each household's diagnosis by the same `same_day_credit`.

    Two short routes, neither changing a projection:

    * A household with no existing arrears whose diagnosed lowest balance is not below zero has
      no rent debit that finds the account below zero (the diagnosis reads the same series as
      the arrears model), so no rent fails and no process starts: "no arrears" at once.
    * The others' solvency series, continued as far as a projection may continue the schedule,
      are worked out for each horizon at once by the vectorised engine (`projection_series`),
      instead of one day-by-day simulation of listed transactions each.
    """
    rules = rules or eviction_rules()
    out: list[EvictionProjection | None] = [None] * len(households)
    heading: list[int] = []
    for i, (h, dg) in enumerate(zip(households, diagnoses, strict=True)):
        owes = h.arrears is not None and h.arrears.amount > 0
        if not owes and dg.min_balance_ore >= 0:
            out[i] = _no_arrears(h)
        else:
            heading.append(i)
    for idx in group_by_horizon([households[i] for i in heading]).values():
        group = [households[heading[j]] for j in idx]
        series = projection_series(group, same_day_credit, rules)
        for j, h, row in zip(idx, group, series):
            out[heading[j]] = project_household(h, same_day_credit, rules, series=row)
    return out  # type: ignore[return-value]


class ShortSeries(Exception):
    """`request_date(..., only_series=True)` needs balances past the `series` it was given."""


def request_date(household: Household, same_day_credit: bool = False, rules: EvictionRules | None = None,
                 series: np.ndarray | None = None, first_due: date | None = None,
                 only_series: bool = False, bound: bool = True) -> date | None:
    """`project_household(...).request_date`, by the same processes and the same settle rule,
    without the parts the batch does not show (each step's claim, the fees, the notes): the
    batch's `--check-only` asks this of every household heading for a request. `first_due`:
    the date its first process counts from (`process_start`), if the caller has it already.
    `only_series`: raise `ShortSeries` where balances past `series` are needed, instead of
    simulating them one household at a time: the batch checks over the households' own
    horizon and continues, in bulk, the series of the few whose later processes run past it
    (each balance depends only on the days before it, so a longer series gives the same date).
    `bound` False: the caller has found the first process within reach (`reach_rows`), so
    the walk starts at once."""
    rules = rules or eviction_rules()
    h = household
    balances = _Balances(h, same_day_credit, None, series, only_series)
    if first_due is None:
        existing = h.arrears if h.arrears is not None and h.arrears.amount > 0 else None
        rents = rent_occurrences(resolve_expense(h.rent), h.start, h.end)
        first_due = process_start(first_unpaid_due(rents, h.start, balances.of(h)), existing, h.start)
    if first_due is None:
        return None
    if bound:
        h_end = h.end
        needed = add_months(walk_date(first_due, rules, EVICTION_STEP), 1)
        # (a horizon cut at `until` stays cut when continued, as `_Balances.continued` keeps it)
        end = h_end if needed <= h_end or h.until is not None else horizon_end(h.start, months_to(h, needed))
        known = balances.known(end)
        windows = _reach_windows(resolve_expense(h.rent), h.start, end, first_due, rules, len(known) - 1)
        if _beyond_reach(h, windows, known):
            return walk_date(first_due, rules, REQUEST_STEP)  # the first process ends in a request
    settled: list[Settlement] = []
    for r in _processes(h, same_day_credit, rules, balances, settled):
        walk = walk_steps(r.first_due, rules, None)
        x = first_settlement(walk, claim_of(walk, r.debts, rules, None, r.first_due), r.afford, r.first_due)
        if x is None:
            return walk_date(r.first_due, rules, REQUEST_STEP)
        settled.append(x)
    return None


def _out_of_reach(h: Household, walk: tuple[WalkStep, ...], series: np.ndarray) -> bool:
    """True when no notice of the household's first process can be paid from its account, by a
    bound that needs none of the unpaid-rent bookkeeping (most households heading for a request
    are decided here, the rest by the full walk).

    A notice's claim is paid on a day t of its window only if the lowest balance from t to the
    end of t's month (within the known days) covers it. On any such day t' the account holds
    the balance with every rent debited (`series`, over `h`'s horizon) plus the rent left unpaid
    that was debited by t'. Of that, the rent due by the notice is part of the claim, so what
    the account holds beyond the claim is at most `series[t']` plus the rent due after the
    notice and debited by the end of the window's last month, less existing arrears (also part
    of the claim). The lowest of that from t to its month's end grows with t within a month, so
    each month's last window day decides: if there it is below the notice's costs for every
    window, no day can pay principal + interest (never negative) + costs."""
    return _beyond_reach(h, _windows(resolve_expense(h.rent), h.start, h.end, walk, len(series) - 1), series)


def _beyond_reach(h: Household, windows: tuple[_Window, ...] | None, series: np.ndarray) -> bool:
    """`_out_of_reach` of `h` by its notices' `windows` (`_windows`): the windows and the rents
    each notice counts are the same for every household with its rent schedule and process
    (`_reach_windows`), so only the sums and the lowest balances are its own."""
    if windows is None:
        return False  # days the series does not know: the full walk decides
    for need, (_, _, _, days) in zip(_needs(h, windows), windows):
        for t, month_end in days:
            if int(_lowest(series[t:month_end + 1])) >= need:
                return False
    return True


def _needs(h: Household, windows: tuple[_Window, ...], rent: Expense | None = None) -> list[int]:
    """What the account must hold at each of `windows` for the bound to let the notice be paid
    (`_out_of_reach`): its costs, less the rent due after it held beyond the claim, plus the
    existing arrears owed by then. `rent`: `h.rent`, if the caller has it."""
    rent, arrears = h.rent if rent is None else rent, h.arrears
    existing = arrears.amount if arrears is not None and arrears.amount > 0 else 0
    since = (arrears.since or h.start) if arrears is not None else h.start
    return [costs - (len(dues) * rent.amount if not rent.month_amounts else sum(rent.amount_for(y, m) for y, m in dues))
            + (existing if since <= when else 0) for when, costs, dues, _ in windows]


def reach_rows(households: Sequence[Household], first_due: date, series: np.ndarray,
               rules: EvictionRules | None = None, rows: Sequence[int] | None = None,
               leases: Sequence[Expense] | None = None) -> list[bool] | None:
    """The first step of `request_date` for many households at once: households of one
    horizon, one rent schedule and one `first_due`, `series` their balances over that horizon
    (one row each, or the rows `rows` of it). For each, True when the bound (`_out_of_reach`)
    finds its first process ending in a request (the request date is then
    `walk_date(first_due, rules, REQUEST_STEP)`); False when the walk must decide
    (`request_date(..., bound=False)`). None when the process runs past the horizon (each
    household's own `request_date` then decides).

    The windows are the same for all of them (`_reach_windows`); only each one's sums and
    lowest balances are its own, taken for all at once: a check-only batch shares a few such
    groups among a chunk's thousand households. `leases`: their rents (`Household.rent`), if
    the caller has them."""
    rules = rules or eviction_rules()
    h0 = households[0]
    h_end = h0.end
    if add_months(walk_date(first_due, rules, EVICTION_STEP), 1) > h_end:
        return None
    rents = [h.rent for h in households] if leases is None else leases
    windows = _reach_windows(resolve_expense(rents[0]), h0.start, h_end, first_due, rules, (h_end - h0.start).days)
    if windows is None:
        return [False] * len(households)
    needs = np.array([_needs(h, windows, rent) for h, rent in zip(households, rents)], dtype=np.int64).reshape(len(households), len(windows))
    reach = np.zeros(len(households), dtype=bool)
    for w, (_, _, _, days) in enumerate(windows):
        for t, month_end in days:
            block = series[:, t:month_end + 1]
            reach |= _lowest(block if rows is None else block[rows], axis=1) >= needs[:, w]
    return (~reach).tolist()


_lowest = np.minimum.reduce  # (`ndarray.min` without its Python wrapper: a few days at a time)

#: (notice date, its costs, (year, month) of each rent it counts as held beyond the claim,
#: ((window day, its month's last known day), ...)) of each notice with a deadline
_Window = tuple[date, int, tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]


@lru_cache(maxsize=4096)
def _reach_windows(schedule: Schedule, start: date, end: date, first_due: date, rules: EvictionRules,
                   known: int) -> tuple[_Window, ...] | None:
    """`_windows` of a process from `first_due`, worked out once for every household with this
    rent schedule and horizon (a batch's households share a few hundred)."""
    return _windows(schedule, start, end, walk_steps(first_due, rules, None), known)


def _windows(schedule: Schedule, start: date, end: date, walk: tuple[WalkStep, ...],
             known: int) -> tuple[_Window, ...] | None:
    """What `_beyond_reach` reads of each notice with a deadline, over the horizon [start, end]
    whose balances are known to day `known`; None when a window runs past the known days (the
    bound cannot decide)."""
    rents = [(o.nominal, (o.effective - start).days) for o in rent_occurrences(schedule, start, end)]
    out: list[_Window] = []
    for rule, when, _, costs in walk:
        if not rule.pay_within_days:
            continue
        deadline = when + timedelta(days=rule.pay_within_days)
        a, b = max(0, (when - start).days), (deadline - start).days
        if b < 0:
            continue  # the whole window lies before the horizon: nothing can be paid there
        if b > known:
            return None
        reach = min(known, (month_last_day(month_key(deadline)) - start).days)
        dues = tuple((due.year, due.month) for due, debit in rents if due > when and debit <= reach)
        days = tuple((t, min(known, (month_last_day(month_key(start + timedelta(days=t))) - start).days))
                     for t in _last_window_days(start, a, b))
        out.append((when, costs, dues, days))
    return tuple(out)


def _last_window_days(start: date, a: int, b: int) -> list[int]:
    """The last day (offset from `start`) of the window [a, b] in each month it touches."""
    out = []
    t = a
    while t <= b:
        month_end = (month_last_day(month_key(start + timedelta(days=t))) - start).days
        out.append(min(b, month_end))
        t = month_end + 1
    return out


@dataclass(frozen=True)
class _Process:
    """One process of a household's "if nothing is done": what starts it and what it claims."""

    first_due: date
    debts: list[Debt]
    unpaid: tuple[UnpaidRent, ...]
    existing_ore: int
    afford: Afford


def _processes(h: Household, same_day_credit: bool, rules: EvictionRules, balances: _Balances,
               settled: list[Settlement]) -> Iterator[_Process]:
    """The household's processes one after another: the caller appends to `settled` the
    settlement that ended the one before (its payment leaves the account and the rents it
    paid are closed), and stops asking once one ends in a request."""
    existing = h.arrears if h.arrears is not None and h.arrears.amount > 0 else None
    for _ in range(MAX_PROCESSES):
        payments = tuple((x.paid_on, x.amount_ore) for x in settled)
        paid_until = settled[-1].notice_date if settled else None
        owed_existing = existing if not settled else None
        hx = h
        all_unpaid = unpaid_rents(hx, same_day_credit, None, payments, balances.of(hx))
        unpaid = _open_rents(all_unpaid, paid_until)
        if owed_existing is None and not unpaid:
            return
        first_due = process_start(unpaid[0].due if unpaid else None, owed_existing, h.start)
        assert first_due is not None  # unpaid rent or existing arrears (the loop stops otherwise)
        eviction = walk_date(first_due, rules, EVICTION_STEP)
        # Rent due up to the eviction date counts; a holiday can push its debit days later, so
        # the schedule as it stands is continued a month past the eviction date when the
        # horizon is short.
        needed = add_months(eviction, 1)
        if needed > h.end:
            hx = balances.continued(months_to(h, needed))
            all_unpaid = unpaid_rents(hx, same_day_credit, None, payments, balances.of(hx))
            unpaid = _open_rents(all_unpaid, paid_until)
        debts = [Debt(u.due, u.debit_date, u.unpaid_ore) for u in unpaid]
        if owed_existing is not None:
            since = owed_existing.since or h.start
            debts.insert(0, Debt(since, since, owed_existing.amount))
        account = _account(hx.start, balances.of(hx), all_unpaid, payments)
        yield _Process(first_due, debts, unpaid, owed_existing.amount if owed_existing is not None else 0,
                       _afford(hx.start, hx.end, account))


def months_to(h: Household, needed: date) -> int:
    """The fewest months from the household's start whose horizon reaches `needed` (how far
    a process continues the schedule)."""
    months = h.months
    while horizon_end(h.start, months) < needed:
        months += 1
    return months


def projection_series(households: Sequence[Household], same_day_credit: bool = False,
                      rules: EvictionRules | None = None) -> np.ndarray:
    """The solvency series of households sharing one horizon, continued as far as
    `project_household` continues a schedule for rent left unpaid on the horizon's last day:
    one row per household, for its `series` argument. Vectorised (`check_table`), so a batch
    projects many households without listing their bookings one by one."""
    months = projection_months(households[0], rules)
    longer = [h.model_copy(update={"months": months}) for h in households]
    return check_table(compile_households(longer), same_day_credit, flows=False).series


#: Rent debited on the horizon's last days may fall due a little after it (a due date on a
#: holiday or weekend debited on the bank day before): the continuation allows for that many days.
DUE_AFTER_END_DAYS = 14


def projection_months(h: Household, rules: EvictionRules | None = None) -> int:
    """How many months from the household's start `project_household` may continue its
    schedule: to a month past the eviction date of rent falling due at the horizon's end (a
    longer one is simulated on its own, so this only decides what can be done in bulk)."""
    last_due = h.end + timedelta(days=DUE_AFTER_END_DAYS)
    return months_to(h, add_months(step_dates(last_due, rules)[EVICTION_STEP], 1))


class _Balances:
    """The account's solvency series for the household's horizon and its continuations, each
    worked out once (the loop of processes asks for them again and again).

    Every booking is placed by its effective date, so the series over a longer horizon begins
    with the series over a shorter one from the same start: a long series given by the caller
    serves every horizon it covers."""

    def __init__(self, h: Household, same_day_credit: bool, txs: Sequence[Transaction] | None,
                 series: np.ndarray | None, only_series: bool = False) -> None:
        self.h = h
        self.same_day_credit = same_day_credit
        self.txs = txs
        self.long = series
        self.only_series = only_series  # days past `series`: raise `ShortSeries`, never simulate
        self._households: dict[int, Household] = {h.months: h}
        self._days = {h.months: (h.end - h.start).days + 1}  # (each horizon's days, worked out once)
        self._series: dict[int, np.ndarray] = {}

    def continued(self, months: int) -> Household:
        """The household with its schedule continued to `months` months."""
        if months not in self._households:
            self._households[months] = self.h.model_copy(update={"months": months})
        return self._households[months]

    def known(self, end: date) -> np.ndarray:
        """The series to `end`, the household's horizon end or a continued one's."""
        days = (end - self.h.start).days + 1
        if self.long is not None and len(self.long) >= days:
            return self.long[:days]
        return self.of(self.h if days == self._days[self.h.months] else self.continued(months_to(self.h, end)))

    def of(self, hx: Household) -> np.ndarray:
        days = self._days.get(hx.months)
        if days is None:
            days = self._days[hx.months] = (hx.end - hx.start).days + 1
        if self.long is not None and len(self.long) >= days:
            return self.long[:days]
        if self.only_series:
            raise ShortSeries(f"{days} days of balances needed, {0 if self.long is None else len(self.long)} given")
        if hx.months not in self._series:
            txs = self.txs if hx.months == self.h.months else None
            self._series[hx.months] = solvency_series(hx, self.same_day_credit, txs)
        return self._series[hx.months]


#: A household's "if nothing is done" follows at most this many processes that it pays off.
MAX_PROCESSES = 60


def _open_rents(unpaid: tuple[UnpaidRent, ...], paid_until: date | None) -> tuple[UnpaidRent, ...]:
    """The unpaid rents not yet paid by a settlement (those due after its notice)."""
    return unpaid if paid_until is None else tuple(u for u in unpaid if u.due > paid_until)


def _account(start: date, series: np.ndarray, unpaid: Sequence[UnpaidRent],
             payments: Sequence[tuple[date, int]]) -> np.ndarray:
    """The account balance each day as the bank sees it (after the day's debits, before its
    credits unless the series was taken with same-day credit): rent that failed stayed on it,
    settlements left it."""
    account = np.array(series, dtype=np.int64)
    for u in unpaid:
        account[max(0, (u.debit_date - start).days):] += u.unpaid_ore
    for when, amount in payments:
        account[max(0, (when - start).days):] -= amount
    return account


def _afford(start: date, end: date, account: np.ndarray) -> Afford:
    """The lowest balance from a day to the end of its month (within the known days): each
    month's running minimum taken from its last day backwards, once."""
    return Afford(start, account, *_months_of_days(start, end))


@lru_cache(maxsize=512)
def _months_of_days(start: date, end: date) -> tuple[list[int], list[int], list[int]]:
    """The horizon's month of each day and each month's first and last day, as Python lists
    (read day by day by `_afford`; never changed)."""
    hz = horizon(start, end)
    return hz.month_of_day.tolist(), hz.month_first.tolist(), hz.month_last.tolist()


def _settled_notes(settled: Sequence[Settlement]) -> tuple[str, ...]:
    """Norwegian sentences on each claim the account pays by a notice's deadline."""
    return tuple(
        f"Kravet i {x.name_nb.lower()} ({_d(x.notice_date)}) kan betales fra kontoen innen fristen {_d(x.deadline)}, "
        f"etter månedens planlagte utgifter: {format_kr(x.amount_ore)} betales {_d(x.paid_on)}, og saken stopper der. "
        f"Det koster {format_kr(x.interest_ore + x.costs_ore)} i renter og gebyrer."
        for x in settled
    )



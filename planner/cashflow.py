"""A household's money over time: dated transactions, the day-by-day balance, the diagnosis.

Two independent routes compute the balance, on purpose:

* `transactions` + `simulate` list every booking as a `Transaction` and add them up day by
  day. This is the reference a plan is re-checked against, and what the plan JSON lists.
* `compile_households` + `check_table` turn many households into columns (one row per
  stream) and compute every balance at once with numpy. This is what makes a batch of
  100 000 tenants cheap. Tests assert that the two routes agree.

All money is int64 øre. A day's balance for solvency is taken after its debits and before its
credits (money from an agency is certain only by the end of the day, while autogiro runs in
the morning); `same_day_credit=True` takes the end-of-day balance instead.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import numpy as np

from .calendar import Schedule, household_schedules, occurrence_arrays
from .flows import (  # the bookings and the simulation, imported from here by most callers
    Horizon,
    Simulation,
    delayed,
    horizon,
    living_per_day,
    living_transactions,
    simulate,
    sort_transactions,
    transactions,
)
from .model import Diagnosis, Household, MonthFigures, month_amount_keys

PROBLEMS: tuple[str, ...] = ("none", "timing", "income")


# --------------------------------------------------------------------------- columnar engine


@dataclass
class StreamTable:
    """Many households of one horizon as columns: one row per income or expense stream."""

    hz: Horizon
    ids: list[str]
    opening: np.ndarray  # (H,)
    floor: np.ndarray  # (H,)
    living: np.ndarray  # (H,) monthly øre
    hh: np.ndarray  # (S,) household index of each stream
    sched: np.ndarray  # (S,) index into `schedules`
    amount: np.ndarray  # (S,) signed øre per occurrence: + income, - expense
    schedules: list[Schedule]
    #: (stream row, nominal month index y*12+m-1, signed amount) where a month differs
    overrides: list[tuple[int, int, int]] = field(default_factory=list)


def compile_households(households: Sequence[Household], end: date | None = None,
                       resolved: list[tuple[list[Schedule], list[Schedule]]] | None = None) -> StreamTable:
    """Households sharing one horizon as a `StreamTable`; schedules are deduplicated. `end`:
    their schedules continued (or cut) to this day instead of their horizon's end (what
    `model_copy(update={"months": ...})` of each would give, without the copies).
    `resolved`: a list to which each household's schedules (`household_schedules`) are
    appended, for a caller that reads them again (the batch: the rent's, the incomes')."""
    if not households:
        raise ValueError("no households to compile")
    start, own_end = households[0].start, households[0].end
    end = own_end if end is None else end
    hz = horizon(start, end)
    sched_index: dict[Schedule, int] = {}
    # ... and first by identity: the calendar hands the streams of one form the same object (its
    # cache), so most are found without hashing a schedule again (each object seen is kept
    # alive by `seen`, so its id stays its own)
    by_id: dict[int, int] = {}
    seen: list[Schedule] = []
    schedules: list[Schedule] = []
    hh: list[int] = []
    sid: list[int] = []
    amount: list[int] = []
    overrides: list[tuple[int, int, int]] = []
    for i, h in enumerate(households):
        if h.start != start or h.end != own_end:
            raise ValueError("compile_households needs households of one horizon; group them first")
        incomes, expenses = household_schedules(h)
        if resolved is not None:
            resolved.append((incomes, expenses))
        for sign, streams, scheds in ((1, h.income, incomes), (-1, h.expense, expenses)):
            for stream, sc in zip(streams, scheds):
                j = by_id.get(id(sc))
                if j is None:
                    j = sched_index.get(sc)
                    if j is None:
                        j = sched_index[sc] = len(schedules)
                        schedules.append(sc)
                    by_id[id(sc)] = j
                    seen.append(sc)
                row = len(hh)
                hh.append(i)
                sid.append(j)
                amount.append(sign * stream.amount)
                amounts = stream.month_amounts
                if amounts:
                    # (what `amount_for` gives each month, by the key it reads there)
                    for mi, key in _overridden_months(tuple(amounts), sc, start, end):
                        if amounts[key] != stream.amount:
                            overrides.append((row, mi, sign * amounts[key]))
    return StreamTable(
        hz=hz,
        ids=[h.id for h in households],
        opening=np.array([h.opening_balance for h in households], dtype=np.int64),
        floor=np.array([h.min_balance for h in households], dtype=np.int64),
        living=np.array([h.living.monthly for h in households], dtype=np.int64),
        hh=np.array(hh, dtype=np.int64),
        sched=np.array(sid, dtype=np.int64),
        amount=np.array(amount, dtype=np.int64),
        schedules=schedules,
        overrides=overrides,
    )


@lru_cache(maxsize=4096)
def _overridden_months(keys: tuple[str, ...], schedule: Schedule, start: date, end: date) -> tuple[tuple[int, str], ...]:
    """(nominal month index, the key `amount_for` reads there) of each month with an occurrence
    that one of `keys` (a stream's `month_amounts`) names, in month order: the same for every
    stream with these keys and this schedule, so worked out once."""
    _, months = occurrence_arrays(schedule, start, end)
    out = []
    for mi in sorted(set(months.tolist())):
        key = next((k for k in month_amount_keys(mi // 12, mi % 12 + 1) if k in keys), None)
        if key is not None:
            out.append((mi, key))
    return tuple(out)


@dataclass(frozen=True)
class _Entries:
    """Every occurrence of every stream of a table: household row, day offset, signed øre.

    Sorted by household (compiled tables already are), so a block of households is a slice.
    """

    hh: np.ndarray
    day: np.ndarray
    amount: np.ndarray

    def bounds(self, rows: np.ndarray) -> np.ndarray:
        """Entry index where each of `rows` (sorted household indices) begins."""
        return np.searchsorted(self.hh, rows)


def _entries(table: StreamTable) -> _Entries:
    hz = table.hz
    arrays = [occurrence_arrays(s, hz.start, hz.end) for s in table.schedules]
    lens = np.array([len(a[0]) for a in arrays], dtype=np.int64)
    ptr = np.concatenate(([0], np.cumsum(lens)))
    all_off = np.concatenate([a[0] for a in arrays]) if arrays else np.zeros(0, np.int64)
    all_mon = np.concatenate([a[1] for a in arrays]) if arrays else np.zeros(0, np.int64)
    per_stream = lens[table.sched]
    total = int(per_stream.sum())
    # index of every occurrence of every stream into the concatenated schedule arrays
    stream_of = np.repeat(np.arange(len(table.sched)), per_stream)
    within = np.arange(total) - np.repeat(np.cumsum(per_stream) - per_stream, per_stream)
    idx = ptr[table.sched][stream_of] + within
    amts = table.amount[stream_of]
    if table.overrides:
        # one lookup for all overrides: key (stream row, nominal month) -> amount
        over = np.array(table.overrides, dtype=np.int64).reshape(-1, 3)
        span = int(max(all_mon.max(initial=0), over[:, 1].max())) + 1
        keys = over[:, 0] * span + over[:, 1]
        order = np.argsort(keys, kind="stable")
        keys, values = keys[order], over[order, 2]
        entry_keys = stream_of * span + all_mon[idx]
        pos = np.minimum(np.searchsorted(keys, entry_keys), len(keys) - 1)
        hit = keys[pos] == entry_keys
        amts = np.where(hit, values[pos], amts)
    hh = table.hh[stream_of]
    day = all_off[idx]
    if len(hh) > 1 and bool((hh[1:] < hh[:-1]).any()):
        order = np.argsort(hh, kind="stable")
        hh, day, amts = hh[order], day[order], amts[order]
    return _Entries(hh=hh, day=day, amount=amts)


def _fill_flows(table: StreamTable, ent: _Entries, lo: int, hi: int, e_lo: int, e_hi: int,
                credits: np.ndarray, debits: np.ndarray) -> None:
    """Credits and debits of households lo..hi-1 into the (hi-lo, D) blocks given."""
    n_d = table.hz.days
    living_per_day(table.living[lo:hi], table.hz, out=debits)  # the day's living costs first
    credits.fill(0)
    flat = (ent.hh[e_lo:e_hi] - lo) * n_d + ent.day[e_lo:e_hi]
    amts = ent.amount[e_lo:e_hi]
    pos = amts > 0
    np.add.at(credits.reshape(-1), flat[pos], amts[pos])
    neg = ~pos
    np.add.at(debits.reshape(-1), flat[neg], -amts[neg])


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while many small acyclic objects are made: it would
    otherwise walk the whole heap again and again (about half the time of `diagnose_many`)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@dataclass
class CheckResult:
    """The diagnosis of many households as arrays; `diagnosis(i)` builds one `Diagnosis`."""

    table: StreamTable
    #: the day's credits, debits and end-of-day balance; None when checked without them
    #: (`check_table(flows=False)`: the batch reads only the series and the figures)
    credits: np.ndarray | None
    debits: np.ndarray | None
    end_of_day: np.ndarray | None
    series: np.ndarray  # the balance that must stay at or above the floor
    problem: np.ndarray  # index into PROBLEMS
    min_balance: np.ndarray
    min_day: np.ndarray
    first_short: np.ndarray  # -1 when never below the floor
    days_below: np.ndarray
    buffer: np.ndarray
    continued: bool = False  # the balances run past the diagnosed horizon (`check_table(days=...)`)
    _months: tuple[np.ndarray, ...] | None = field(default=None, init=False, repr=False)
    _dates: list[date] | None = field(default=None, init=False, repr=False)

    def month_arrays(self) -> tuple[np.ndarray, ...]:
        """Per household and month (H, M): income, outgoings, lowest balance, its day offset,
        and the balance at the month's end; computed for all households at once, on demand."""
        assert not self.continued, "month figures of a continued table would run past the horizon"
        assert self.credits is not None and self.debits is not None and self.end_of_day is not None, \
            "month figures need the flows (check_table(flows=True))"
        if self._months is None:
            hz = self.table.hz
            n_h = len(self.table.ids)
            income = np.add.reduceat(self.credits, hz.month_first, axis=1)
            outgoings = np.add.reduceat(self.debits, hz.month_first, axis=1)
            low_day = np.empty((n_h, len(hz.month_keys)), dtype=np.int64)
            for m in range(len(hz.month_keys)):
                a, b = int(hz.month_first[m]), int(hz.month_last[m]) + 1
                low_day[:, m] = self.series[:, a:b].argmin(axis=1) + a
            lowest = np.take_along_axis(self.series, low_day, axis=1)
            end_balance = self.end_of_day[:, hz.month_last]
            self._months = (income, outgoings, lowest, low_day, end_balance)
        return self._months

    def _date(self, offset: int) -> date:
        if self._dates is None:
            hz = self.table.hz
            self._dates = [hz.start + timedelta(days=t) for t in range(hz.days)]
        return self._dates[offset]

    def diagnosis(self, i: int) -> Diagnosis:
        return self._diagnoses([i])[0]

    def _diagnoses(self, rows: Sequence[int]) -> list[Diagnosis]:
        hz, table = self.table.hz, self.table
        rows = list(rows)
        income, outgoings, lowest, low_day, end_balance = (a[rows].tolist() for a in self.month_arrays())
        cols = [self.problem, self.min_balance, self.min_day, self.first_short, self.days_below, self.buffer,
                table.floor]
        problem, min_bal, min_day, first_short, days_below, buffer, floor = (c[rows].tolist() for c in cols)
        keys, at = hz.month_keys, self._date
        out = []
        with gc_paused():
            for k, i in enumerate(rows):
                inc, outg, low, lday, endb = income[k], outgoings[k], lowest[k], low_day[k], end_balance[k]
                months = tuple(
                    MonthFigures(
                        month=key,
                        income_ore=inc[m],
                        outgoings_ore=outg[m],
                        lowest_ore=low[m],
                        lowest_date=at(lday[m]),
                        end_balance_ore=endb[m],
                    )
                    for m, key in enumerate(keys)
                )
                first = first_short[k]
                out.append(
                    Diagnosis(
                        household=table.ids[i],
                        start=hz.start,
                        end=hz.end,
                        problem=PROBLEMS[problem[k]],
                        floor_ore=floor[k],
                        min_balance_ore=min_bal[k],
                        min_balance_date=at(min_day[k]),
                        first_shortfall=at(first) if first >= 0 else None,
                        days_below_floor=days_below[k],
                        opening_buffer_ore=buffer[k],
                        months=months,
                    )
                )
        return out


#: Households per block in `check_table`: about 64 000 days of each (H, D) array, so that a
#: block's credits, debits and balances stay in the CPU cache through every step.
_BLOCK_DAYS = 1 << 16


def check_table(table: StreamTable, same_day_credit: bool = False, days: int | None = None,
                flows: bool = True) -> CheckResult:
    """Balances and the diagnosis of every household in `table`, vectorised.

    `none` when no day dips below the floor. `income` when it dips and the horizon ends below
    the floor: over the whole horizon the money in does not cover the money out, so no
    rearranging of days can fix it. `timing` when it dips but the horizon's money suffices.
    (A month-end test would call every 14-day stream's two-payout month an income problem.)

    `days`: diagnose the first `days` days only, the households' own horizon, of a table
    compiled over a longer one; the balances run on over the whole table (the batch continues
    them for the eviction projection without compiling the households twice). Every booking is
    placed by its effective date, so the first `days` days are those of the shorter table.

    The work is done a block of households at a time (every step of a block while its rows
    are in the cache); the results are the same as one pass over all rows.

    `flows`: keep each day's credits, debits and end-of-day balance (for the month figures of
    `diagnosis`). Without them, a block's flows are worked out in one scratch block reused
    for every block, and only the series is kept: a quarter of the memory written, for the
    batch, which reads the series and the figures only (the same values: each block is
    worked out the same way, wherever it is held).
    """
    n_h, n_d = len(table.ids), table.hz.days
    n_diag = n_d if days is None else days
    if not 0 < n_diag <= n_d:
        raise ValueError(f"days must be 1..{n_d}, not {days}")
    ent = _entries(table)
    step = max(1, _BLOCK_DAYS // max(1, n_d))
    rows = n_h if flows else min(step, n_h)  # (without the flows: room for one block)
    credits = np.empty((rows, n_d), dtype=np.int64)
    debits = np.empty((rows, n_d), dtype=np.int64)
    eod = np.empty((n_h if flows or same_day_credit else rows, n_d), dtype=np.int64)
    series = eod if same_day_credit else np.empty((n_h, n_d), dtype=np.int64)
    days_below = np.empty(n_h, dtype=np.int64)
    first = np.empty(n_h, dtype=np.int64)
    min_day = np.empty(n_h, dtype=np.int64)
    last_eod = np.empty(n_h, dtype=np.int64)  # each household's end-of-day balance on its last diagnosed day
    starts = np.arange(0, n_h, step)
    e_bounds = np.append(ent.bounds(starts), len(ent.hh))
    for b, lo in enumerate(starts.tolist()):
        hi = min(lo + step, n_h)
        at = slice(lo, hi) if flows else slice(0, hi - lo)
        c, d, s = credits[at], debits[at], series[lo:hi]
        e = eod[lo:hi] if flows or same_day_credit else eod[at]
        _fill_flows(table, ent, lo, hi, int(e_bounds[b]), int(e_bounds[b + 1]), c, d)
        np.subtract(c, d, out=e)
        np.cumsum(e, axis=1, out=e)
        e += table.opening[lo:hi, None]
        if not same_day_credit:
            np.subtract(e, c, out=s)
        last_eod[lo:hi] = e[:, n_diag - 1]
        own = s[:, :n_diag]
        below = own < table.floor[lo:hi, None]
        n_below = np.count_nonzero(below, axis=1)
        days_below[lo:hi] = n_below
        first[lo:hi] = np.where(n_below > 0, below.argmax(axis=1), -1)
        min_day[lo:hi] = own.argmin(axis=1)
    min_bal = series[np.arange(n_h), min_day]
    short_overall = last_eod < table.floor
    problem = np.where(days_below > 0, np.where(short_overall, 2, 1), 0)
    buffer = np.maximum(0, table.floor - min_bal)
    if not flows:
        return CheckResult(table, None, None, None, series, problem, min_bal, min_day, first, days_below, buffer,
                           continued=n_diag < n_d)
    return CheckResult(table, credits, debits, eod, series, problem, min_bal, min_day, first, days_below, buffer,
                       continued=n_diag < n_d)


def group_by_horizon(households: Sequence[Household]) -> dict[tuple[date, date], list[int]]:
    """Indices of households per horizon, in input order."""
    groups: dict[tuple[date, date], list[int]] = {}
    for i, h in enumerate(households):
        groups.setdefault((h.start, h.end), []).append(i)
    return groups


def diagnose_many(households: Sequence[Household], same_day_credit: bool = False) -> list[Diagnosis]:
    """Diagnoses in input order; households are grouped by horizon and checked in bulk."""
    out: list[Diagnosis | None] = [None] * len(households)
    for idx in group_by_horizon(households).values():
        result = check_table(compile_households([households[i] for i in idx]), same_day_credit)
        for i, dg in zip(idx, result._diagnoses(range(len(idx)))):
            out[i] = dg
    return out  # type: ignore[return-value]


def diagnose(household: Household, same_day_credit: bool = False) -> Diagnosis:
    return diagnose_many([household], same_day_credit)[0]


__all__ = ["PROBLEMS", "CheckResult", "Horizon", "Simulation", "StreamTable", "check_table", "compile_households",
           "delayed", "diagnose", "diagnose_many", "group_by_horizon", "horizon", "living_per_day",
           "living_transactions", "simulate", "sort_transactions", "transactions"]

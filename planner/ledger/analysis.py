"""Per-tenancy figures from ledger bookings, all tenancies at once (numpy/pandas, no row loops).

The landlord's view of a tenancy is its balance: charges raise it, payments lower it, a reversed
payment or a returned (failed) AvtaleGiro debit raises it again, a credit note lowers it. From the
bookings up to the as-of date this module derives, per tenancy:

* the rent (the median monthly charge) and the usual due day;
* per rent month: charged, paid in the month, how many payments went to it (parts), the date
  it was settled and the days late, failed debits in the month, the balance at month end;
* arrears now (kroner and months of rent), the trend of the month-end balance (least squares over
  the last six complete months), and whether a repayment agreement's instalments were kept.

How a month counts as paid (why FIFO): a payment settles the oldest open rent first, as the
landlord's own ledger does. Month *m* is settled on the first booking after which the money paid
in (payments less reversals and returned debits) reaches the sum charged up to *m* and never falls
below it again: a debit that bounces three days later did not pay the rent. The "never again"
test is a suffix minimum of the paid-in series, which makes the settle date a sorted search.

All group operations use the trick of a composite key `tenancy × 2^k + value`: inside a tenancy
the values are sorted, and the tenancies follow each other in order, so one `np.searchsorted`
answers "first booking of this tenancy where ..." for every month of every tenancy at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .reading import KIND_CODE

CHARGE, PAYMENT, REVERSAL, RETURNED, CREDIT, INSTALMENT = (KIND_CODE[k] for k in (
    "charge", "payment", "reversal", "returned", "credit", "instalment"))
_BIG = np.int64(1) << np.int64(42)  # offset per tenancy in composite keys (|money| < 2^41 øre)
_DAYS = np.int64(1) << np.int64(20)  # offset per tenancy in day keys (days < 2^20 after day0)
_MONTHS = np.int64(1) << np.int64(20)  # offset per tenancy in month keys (months < 2^20 after the first)

#: A payment up to this many days after the due date is on time (a due date on a holiday or a
#: weekend moves the debit to the next bank day: Easter moves it up to five days).
GRACE_DAYS = 5
#: An instalment of a repayment agreement is kept when the money is in within this many days.
AGREEMENT_TOLERANCE_DAYS = 5
TREND_MONTHS = 6
#: the columns of `Analysis.tenancies`, in order
_TENANCY_COLUMNS = ("tenancy", "rows", "months", "rent_ore", "due_day", "balance_ore", "arrears_ore", "first_row",
                    "first_day", "last_day", "observed_months", "late_months", "open_months", "split_months",
                    "median_days_late", "failed_months", "failed_debits", "trend_ore_per_month", "rises",
                    "trend_window_rise_ore", "instalments", "broken_instalments")


@dataclass
class Analysis:
    """The figures of a block of tenancies (see the module docstring)."""

    tenancies: pd.DataFrame  # one row per tenancy, indexed 0..n-1 as `tid`
    months: pd.DataFrame  # one row per (tenancy, rent month)
    payments: pd.DataFrame  # payments, reversals, returned debits (evidence), with tid, day, amount, row
    instalments: pd.DataFrame  # instalments with kept/shortfall (evidence)
    returned: pd.DataFrame  # returned debits with the payment they undo


def month_of(day: np.ndarray) -> np.ndarray:
    """Months since 1970-01 of days since 1970-01-01.

    Many days over a short span (a part's bookings: 75 000 days over two years) are looked up in
    a table of the span's days: numpy's calendar conversion costs more per day than the lookup."""
    d = np.asarray(day, dtype="int64")
    if len(d) > 1024:
        lo, hi = int(d.min()), int(d.max())
        if hi - lo < len(d) // 4:
            return _months_of(np.arange(lo, hi + 1, dtype=np.int64))[d - lo]
    return _months_of(d)


def _months_of(d: np.ndarray) -> np.ndarray:
    return d.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def month_start(mi: np.ndarray) -> np.ndarray:
    return np.asarray(mi, dtype=np.int64).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def _group_cumsum(x: np.ndarray, starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    c = np.cumsum(x)
    nz = counts > 0  # a tenancy without rows in this table (no charge yet) has no group
    return c - np.repeat(c[starts[nz]] - x[starts[nz]], counts[nz])


def _runs(key: np.ndarray) -> np.ndarray:
    """Where each run of equal values of a sorted key starts."""
    return np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1]))) if len(key) else np.zeros(0, np.int64)


def _sums(x: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Sum of each run of `x` (runs starting at `starts`), whole numbers."""
    return np.add.reduceat(np.asarray(x, dtype=np.int64), starts) if len(starts) else np.zeros(0, np.int64)


def _rank_from_end(owner: np.ndarray) -> np.ndarray:
    """Each row's place counted from the last row of its group (0 for the last), `owner` sorted:
    `groupby(owner).cumcount(ascending=False)` by arithmetic."""
    owner = np.asarray(owner)
    if len(owner) and owner[0] >= 0:  # (small whole numbers, as tenancies are: each run's end by counting)
        return np.cumsum(np.bincount(owner))[owner] - 1 - np.arange(len(owner))
    return np.searchsorted(owner, owner, side="right") - 1 - np.arange(len(owner))


def _group_median(values: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    """The median of each group 0..n-1 of `values` (`owner` sorted), NaN for an empty group:
    `groupby(owner).median()` of whole numbers (the mean of the middle two as a float, as pandas
    computes it), without pandas' cost per call."""
    counts = np.bincount(owner, minlength=n)
    values = np.asarray(values, dtype=np.int64)
    lo_v = int(values.min()) if len(values) else 0
    if len(values) and int(values.max()) - lo_v < 1 << 42 and n < 1 << 20:  # one packed key: a plain sort
        v = ((np.sort((np.asarray(owner, dtype=np.int64) << 42) + (values - lo_v)) & ((1 << 42) - 1)) + lo_v).astype(
            np.float64)
    else:
        v = values.astype(np.float64)[np.lexsort((values, owner))]
    starts = np.cumsum(counts) - counts
    lo, hi = starts + (counts - 1) // 2, starts + counts // 2
    ok = counts > 0
    out = np.full(n, np.nan)
    out[ok] = (v[lo[ok]] + v[hi[ok]]) / 2
    return out


def _booking_order(tid: np.ndarray, day: np.ndarray, kind: np.ndarray, row: np.ndarray) -> np.ndarray:
    """The order of the bookings by (tenancy, day, kind, row): `np.lexsort` of the four. Where
    the rows come in row order (a run's parts do), a stable sort of one key (tenancy, day,
    kind) packed into an integer gives the same order at a tenth of the cost: the bookings are
    in long sorted runs, which numpy's stable sort merges."""
    if len(tid) > 1:
        span = int(day.max()) - int(day.min())
        if (span < 1 << 21 and len(tid) < 1 << 38 and int(kind.min()) >= 0 and int(kind.max()) < 16
                and not (row[1:] < row[:-1]).any()):
            key = (tid << 25) + ((np.asarray(day, dtype=np.int64) - int(day.min())) << 4) + kind
            return np.argsort(key, kind="stable")
    return np.lexsort((row, kind, day, tid))


def analyse(tid: np.ndarray, ids: np.ndarray, day: np.ndarray, kind: np.ndarray, amount: np.ndarray,
            row: np.ndarray, as_of: int) -> Analysis:
    """Figures for the tenancies in these bookings, as of day `as_of` (days since 1970-01-01).

    `tid` indexes `ids` (the tenancy ids, as a dictionary encoding gives them); the result is in
    id order. Bookings after `as_of` must already be left out (the caller counts them)."""
    tid = np.asarray(tid, dtype=np.int64)
    present = np.flatnonzero(np.bincount(tid, minlength=len(ids)))  # the ids with bookings (np.unique, by counting)
    renumber = np.empty(len(ids), dtype=np.int64)
    renumber[present] = np.arange(len(present))
    tid = renumber[tid]
    ids = np.asarray(ids, dtype=object)[present]
    by_id = np.argsort(ids.astype(str), kind="stable")
    rank = np.empty(len(ids), dtype=np.int64)
    rank[by_id] = np.arange(len(ids))
    tid = rank[np.asarray(tid, dtype=np.int64)]
    ids = ids[by_id]
    order = _booking_order(tid, day, kind, row)
    tid, day, kind, amount, row = tid[order], day[order].astype(np.int64), kind[order], amount[order], row[order]
    n_t = len(ids)
    counts = np.bincount(tid, minlength=n_t)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    paid_d = np.where(kind == PAYMENT, amount, np.where((kind == REVERSAL) | (kind == RETURNED), -amount, 0))
    charged_d = np.where(kind == CHARGE, amount, np.where(kind == CREDIT, -amount, 0))
    paid = _group_cumsum(paid_d, starts, counts)  # money paid in so far
    charged = _group_cumsum(charged_d, starts, counts)
    balance = charged - paid  # what the tenant owes after each booking
    # paid-in never again below: suffix minimum within each tenancy
    off = tid * _BIG
    suffix_min = np.minimum.accumulate((paid + off)[::-1])[::-1] - off
    day0 = int(day.min()) if len(day) else as_of
    dkey = tid * _DAYS + (day - day0)  # sorted: bookings are in (tenancy, day) order

    def at(t: np.ndarray, d: np.ndarray, values: np.ndarray, before_first=0) -> np.ndarray:
        """values[last booking of tenancy t on or before day d] (vectorised)."""
        i = np.searchsorted(dkey, t * _DAYS + (np.asarray(d, dtype=np.int64) - day0), side="right") - 1
        ok = (i >= 0) & (tid[np.maximum(i, 0)] == t)
        return np.where(ok, values[np.maximum(i, 0)], before_first)

    # ---- rent months: charges (less credit notes) by calendar month of their date
    mi_all = month_of(day)
    is_c = (kind == CHARGE) | (kind == CREDIT)
    # bookings are in (tenancy, day) order, so (tenancy, month) groups are runs: summed by reduceat
    mi0 = int(mi_all.min()) if len(mi_all) else 0
    mkey_all = tid * _MONTHS + (mi_all - mi0)
    c_tid, c_mi = tid[is_c], mi_all[is_c]
    c_due = np.where(kind[is_c] == CHARGE, day[is_c], np.iinfo(np.int64).max)
    st = _runs(mkey_all[is_c])
    mt, mi, m_charged = c_tid[st], c_mi[st], _sums(charged_d[is_c], st)
    due = np.minimum.reduceat(c_due, st) if len(st) else c_due[:0]
    g_counts = np.bincount(mt, minlength=n_t)
    # charged up to and including the month
    threshold = _group_cumsum(m_charged, np.cumsum(g_counts) - g_counts, g_counts)
    # a month with only credit notes is no rent month (its credit still lowers the sum charged)
    rent_month = due != np.iinfo(np.int64).max
    mt, mi, m_charged, due, threshold = mt[rent_month], mi[rent_month], m_charged[rent_month], due[rent_month], \
        threshold[rent_month]
    m_counts = np.bincount(mt, minlength=n_t)
    # settled: first booking of the tenancy whose suffix minimum reaches the month's threshold
    skey = tid * _BIG + np.clip(suffix_min, -(_BIG >> 1) + 1, (_BIG >> 1) - 1)
    j = np.searchsorted(skey, mt * _BIG + np.clip(threshold, -(_BIG >> 1) + 1, (_BIG >> 1) - 1), side="left")
    settled_ok = (j < len(skey)) & (tid[np.minimum(j, len(tid) - 1)] == mt) if len(tid) else np.zeros(0, bool)
    settled_day = np.where(settled_ok, day[np.minimum(j, max(len(day) - 1, 0))] if len(day) else 0, -1)
    settled_ok &= threshold > 0
    settled_day = np.where(threshold <= 0, due, settled_day)
    settled_ok |= threshold <= 0
    days_late = np.where(settled_ok, np.maximum(settled_day - due, 0), as_of - due)
    # parts: each payment counts for the first month it pays into (the oldest open one then)
    is_p = kind == PAYMENT
    p_before = (paid - paid_d)[is_p]
    mkey = mt * _BIG + np.clip(threshold, -(_BIG >> 1) + 1, (_BIG >> 1) - 1)
    k = np.searchsorted(mkey, tid[is_p] * _BIG + np.clip(p_before, -(_BIG >> 1) + 1, (_BIG >> 1) - 1), side="right")
    k_ok = (k < len(mkey)) & (mt[np.minimum(k, max(len(mt) - 1, 0))] == tid[is_p]) if len(mt) else np.zeros(
        int(is_p.sum()), bool)
    parts = np.bincount(k[k_ok], minlength=len(mt)) if len(mt) else np.zeros(0, np.int64)
    # payments and failed debits dated in the month
    st = _runs(mkey_all)
    at_month = np.searchsorted(mkey_all[st], mt * _MONTHS + (mi - mi0))  # every rent month is a run
    paid_in_month = _sums(np.where(is_p, amount, 0), st)[at_month]
    failed = _sums((kind == RETURNED).astype(np.int64), st)[at_month]
    months_end = month_start(mi + 1) - 1
    balance_end = at(mt, np.minimum(months_end, as_of), balance)
    complete = months_end < as_of
    observed = due + GRACE_DAYS < as_of
    months = pd.DataFrame({"tid": mt, "mi": mi, "charged": m_charged, "due": due, "threshold": threshold,
                           "settled": settled_ok, "settled_day": np.where(settled_ok, settled_day, -1),
                           "days_late": days_late, "parts": parts, "paid_in_month": paid_in_month, "failed": failed,
                           "balance_end": balance_end, "complete": complete, "observed": observed})

    # ---- per tenancy
    t: dict[str, np.ndarray] = {"tenancy": ids, "rows": counts, "months": m_counts}
    rent = np.round(np.nan_to_num(_group_median(m_charged, mt, n_t))).astype(np.int64)
    t["rent_ore"] = rent
    # the usual due day: the most frequent day of the month of the months' due dates, the lowest on a tie
    dom = due - month_start(month_of(due)) + 1
    t["due_day"] = np.where(m_counts > 0, np.bincount(mt * 32 + dom, minlength=n_t * 32).reshape(n_t, 32).argmax(axis=1),
                            1)
    last = starts + counts - 1
    t["balance_ore"] = np.where(counts > 0, balance[np.maximum(last, 0)], 0)
    # arrears: what is owed, less rent that fell due within the grace days (not yet late)
    recent = (kind == CHARGE) & (day >= as_of - GRACE_DAYS)
    not_late = np.bincount(tid[recent], weights=amount[recent], minlength=n_t).astype(np.int64)
    t["arrears_ore"] = np.maximum(t["balance_ore"] - not_late, 0)
    t["first_row"] = np.minimum.reduceat(row, starts) if len(row) else np.zeros(0, np.int64)
    t["first_day"] = np.where(counts > 0, day[starts], 0)
    t["last_day"] = np.where(counts > 0, day[np.maximum(last, 0)], 0)

    # ---- window: the last 12 rent months that are past their grace days
    obs = np.flatnonzero(observed)
    win = obs[_rank_from_end(mt[obs]) < 12]
    wt = mt[win]
    t["observed_months"] = np.bincount(wt, minlength=n_t)
    t["late_months"] = np.bincount(wt[days_late[win] > GRACE_DAYS], minlength=n_t)
    t["open_months"] = np.bincount(wt[~settled_ok[win]], minlength=n_t)
    t["split_months"] = np.bincount(wt[parts[win] >= 2], minlength=n_t)
    t["median_days_late"] = np.round(np.nan_to_num(_group_median(days_late[win], wt, n_t))).astype(np.int64)
    # failed debits: distinct months with a returned debit, last 12 months before as-of
    as_of_mi = int(month_of(np.array([as_of]))[0])
    t["failed_months"] = np.bincount(mt[(failed > 0) & (mi > as_of_mi - 12)], minlength=n_t)
    rm = (kind == RETURNED) & (mi_all > as_of_mi - 12)
    t["failed_debits"] = np.bincount(tid[rm], minlength=n_t)

    # ---- trend of the month-end balance (last complete months), least squares
    comp = np.flatnonzero(complete)
    tw = comp[_rank_from_end(mt[comp]) < TREND_MONTHS]  # in (tenancy, month) order
    tt = mt[tw]
    x = -_rank_from_end(tt).astype(float)
    y = balance_end[tw].astype(float)
    # sums of whole numbers far below 2**53: exact in any order (as pandas' sums were)
    n = np.bincount(tt, minlength=n_t)
    sx, sy = np.bincount(tt, x, n_t), np.bincount(tt, y, n_t)
    sxy, sxx = np.bincount(tt, x * y, n_t), np.bincount(tt, x * x, n_t)
    den = n * sxx - sx ** 2
    slope = np.divide(n * sxy - sx * sy, den, out=np.zeros(n_t), where=den != 0)
    t["trend_ore_per_month"] = np.round(slope).astype(np.int64)
    same = np.concatenate(([False], tt[1:] == tt[:-1]))  # a step from the tenancy's month before
    step = np.where(same, y - np.concatenate(([0.0], y[:-1])), np.nan)
    with np.errstate(invalid="ignore"):
        rise = step > 0.01 * rent[tt]
    t["rises"] = np.bincount(tt[rise], minlength=n_t)
    b_end = balance_end[tw]
    ends = np.searchsorted(tt, np.arange(n_t), side="right")  # each tenancy's window: ends - n .. ends
    last_i, first_i = np.clip(ends - 1, 0, len(tt) - 1), np.clip(ends - n, 0, len(tt) - 1)
    t["trend_window_rise_ore"] = np.where(n > 0, b_end[last_i] - b_end[first_i], 0) if len(tt) else np.zeros(
        n_t, np.int64)

    # ---- repayment agreements: instalment i is kept when the money paid in since the agreement
    # began covers the rent charged since then and the instalments due so far, within tolerance
    is_i = kind == INSTALMENT
    it, idays, iamount = tid[is_i], day[is_i], amount[is_i]
    if len(it):
        ic = np.bincount(it, minlength=n_t)
        i_starts = np.cumsum(ic) - ic
        due_sum = _group_cumsum(iamount, i_starts, ic)
        d0 = np.repeat(idays[i_starts[ic > 0]], ic[ic > 0])  # the agreement's first day (days sorted)
        check_day = idays + AGREEMENT_TOLERANCE_DAYS
        paid_since = at(it, check_day, paid) - at(it, d0 - 1, paid)
        charged_since = at(it, idays, charged) - at(it, d0 - 1, charged)
        shortfall = np.maximum(charged_since + due_sum - paid_since, 0)
        checked = check_day < as_of
        kept = ~checked | (shortfall == 0)
        inst = pd.DataFrame({"tid": it, "day": idays, "amount": iamount, "row": row[is_i], "due_sum": due_sum,
                             "shortfall": shortfall, "checked": checked, "kept": kept})
        t["instalments"] = ic
        t["broken_instalments"] = np.bincount(it[~kept], minlength=n_t)
    else:
        inst = pd.DataFrame({"tid": it, "day": idays, "amount": iamount, "row": row[is_i]})
        inst = inst.assign(due_sum=[], shortfall=[], checked=[], kept=[])
        t["instalments"] = np.zeros(n_t, np.int64)
        t["broken_instalments"] = np.zeros(n_t, np.int64)
    tenancies = pd.DataFrame({c: t[c] for c in _TENANCY_COLUMNS}, index=pd.RangeIndex(n_t))

    # ---- evidence tables
    is_m = (kind == PAYMENT) | (kind == REVERSAL) | (kind == RETURNED)
    payments = pd.DataFrame({"tid": tid[is_m], "day": day[is_m], "kind": kind[is_m], "amount": amount[is_m],
                             "row": row[is_m]})
    returned = _returned_debits(tid, day, kind, amount, row)
    return Analysis(tenancies, months, payments, inst, returned)


def _returned_debits(tid: np.ndarray, day: np.ndarray, kind: np.ndarray, amount: np.ndarray,
                     row: np.ndarray) -> pd.DataFrame:
    """The returned debits (tid, day, amount, row) with the payment each undoes (debit_day,
    debit_row): the latest payment of the same tenancy and amount before the day, at most 21
    days before (none: NaN), in (tenancy, day) order.

    Why not `pd.merge_asof` (which defined it): its sorts and frames cost more than the rest of
    the evidence on a part. The order is the one it gave, taken from the same sorts: the returned
    debits in numpy's order of their days (`sort_values("day")`), then stably by tenancy and day;
    of payments on the same day, the last in numpy's order of the payments' days."""
    is_r, is_p = kind == RETURNED, kind == PAYMENT
    r_tid, r_day, r_amount, r_row = tid[is_r], day[is_r], amount[is_r], row[is_r]
    if not len(r_tid):
        return pd.DataFrame({"tid": r_tid, "day": r_day, "amount": r_amount, "row": r_row}).assign(debit_day=[],
                                                                                                     debit_row=[])
    p_day, p_row = day[is_p], row[is_p]
    pos = np.empty(len(p_day), np.int64)
    pos[np.argsort(p_day, kind="quicksort")] = np.arange(len(p_day))
    # (tenancy, amount) as one small number (its place among the returned debits' keys); only the
    # payments with the key of a returned debit are searched, sorted by (key, day, place above)
    keys = np.unique(r_tid * _BIG + r_amount)
    rg = np.searchsorted(keys, r_tid * _BIG + r_amount)
    pk = tid[is_p] * _BIG + amount[is_p]
    pg = np.minimum(np.searchsorted(keys, pk), len(keys) - 1)
    cand = np.flatnonzero(keys[pg] == pk)
    cand = cand[np.lexsort((pos[cand], p_day[cand], pg[cand]))]
    d0 = int(min(p_day[cand].min() if len(cand) else r_day.min(), r_day.min()))
    i = np.searchsorted(pg[cand] * _DAYS + (p_day[cand] - d0), rg * _DAYS + (r_day - d0), side="left") - 1
    j = cand[np.maximum(i, 0)] if len(cand) else np.zeros(len(i), np.int64)
    ok = (i >= 0) & (pg[j] == rg) & (r_day - p_day[j] <= 21) if len(cand) else np.zeros(len(i), bool)
    q = np.argsort(r_day, kind="quicksort")
    o = q[np.lexsort((r_day[q], r_tid[q]))]
    ok = ok[o]
    debit_day, debit_row = (p_day[j][o], p_row[j][o]) if len(cand) else (np.zeros(len(o), np.int64),) * 2
    if not ok.all():
        debit_day = np.where(ok, debit_day, np.nan)
        debit_row = np.where(ok, debit_row, np.nan)
    return pd.DataFrame({"tid": r_tid[o], "day": r_day[o], "amount": r_amount[o], "row": r_row[o],
                         "debit_day": debit_day, "debit_row": debit_row})


__all__ = ["Analysis", "GRACE_DAYS", "AGREEMENT_TOLERANCE_DAYS", "analyse", "month_of", "month_start"]

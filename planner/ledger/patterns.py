"""The payment pattern of each tenancy, with its evidence (rules in README.md, "planner ledger").

One pattern per tenancy, the first rule that holds, in this order (the order is the urgency of
what the pattern asks a caseworker to do):

1. `broken_agreement`: an instalment of a repayment agreement was not covered within
   `AGREEMENT_TOLERANCE_DAYS` days of its date;
2. `creeping`: the month-end balance rose in at least 4 of the last 5 month steps, by at least
   5 % of the rent a month (least squares), and the arrears are at least 20 % of the rent: the
   money is short every month, likely an income problem;
3. `failed_debits`: returned (failed) AvtaleGiro debits in at least 2 of the last 12 months;
4. `late_complete`: at least half of the observed months (at most 12) were settled more than
   `GRACE_DAYS` days after the due date, at most one month is open and the arrears are at most one
   month's rent: all the rent comes, late and often in parts: the timing signature;
5. `on_time`: at most a quarter of the months late, at most one open, arrears at most half a rent;
6. otherwise `unclear` (for example old arrears that neither grow nor shrink), and `too_few_months`
   for a tenancy with fewer than three observed rent months.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from .analysis import AGREEMENT_TOLERANCE_DAYS, GRACE_DAYS, Analysis, month_of, month_start

PATTERNS = ("on_time", "late_complete", "creeping", "broken_agreement", "failed_debits", "unclear",
            "too_few_months")
#: the patterns that ask for contact (everything but on time)
PROBLEM_PATTERNS = ("late_complete", "creeping", "broken_agreement", "failed_debits", "unclear")
#: the timing patterns: candidates for a plan (`planner plan` on the household draft)
TIMING_PATTERNS = ("late_complete", "failed_debits")
#: Each pattern's rule as a caseworker reads it (contact list, patterns.txt, patterns.jsonl "rule").
RULES = {
    "broken_agreement": f"et avdrag i nedbetalingsavtalen ble ikke dekket innen {AGREEMENT_TOLERANCE_DAYS} dager"
                        " etter forfall",
    "creeping": "saldoen ved månedsslutt steg i minst 4 av de siste 5 månedene, med minst 5 % av husleien i"
                " måneden, og restansen er minst 20 % av husleien",
    "failed_debits": "avviste AvtaleGiro-trekk i minst 2 av de siste 12 månedene",
    "late_complete": f"minst halvparten av månedene gjort opp mer enn {GRACE_DAYS} dager etter forfall, høyst"
                     " én måned åpen, restanse høyst én månedsleie",
    "on_time": f"høyst en fjerdedel av månedene gjort opp mer enn {GRACE_DAYS} dager etter forfall, høyst én"
               " åpen, restanse høyst en halv månedsleie",
    "unclear": "ingen av reglene over passer",
    "too_few_months": "færre enn tre husleiemåneder å vurdere",
}
#: The patterns' names as a caseworker reads them; the keys stay the machine value of the
#: `pattern` column (tenancies.csv, contact.csv, patterns.jsonl, summary.json).
PATTERN_NB = {
    "on_time": "Betaler i tide", "late_complete": "Sent, men fullt (tidsproblem)", "creeping": "Økende restanse",
    "broken_agreement": "Brutt betalingsavtale", "failed_debits": "Avviste AvtaleGiro-trekk", "unclear": "Uklart",
    "too_few_months": "For få måneder", "incomplete": "Ufullstendig: rader avvist, ikke vurdert",
}


def pattern_name(key: str) -> str:
    """The pattern's name inside a sentence: 'økende restanse', 'avviste AvtaleGiro-trekk'."""
    name = PATTERN_NB[key]
    return name[0].lower() + name[1:]
MIN_MONTHS = 3


def classify(t: pd.DataFrame) -> np.ndarray:
    """The pattern of each tenancy (rows of `Analysis.tenancies`), by the rules above."""
    rent = t["rent_ore"].to_numpy().astype(np.float64)
    m = t["observed_months"].to_numpy()
    arrears = t["arrears_ore"].to_numpy()
    conds = [
        m < MIN_MONTHS,
        t["broken_instalments"].to_numpy() > 0,
        (t["rises"].to_numpy() >= 4) & (t["trend_ore_per_month"].to_numpy() >= 0.05 * rent) & (arrears >= 0.2 * rent),
        t["failed_months"].to_numpy() >= 2,
        (2 * t["late_months"].to_numpy() >= m) & (t["open_months"].to_numpy() <= 1) & (arrears <= rent),
        (4 * t["late_months"].to_numpy() <= m) & (t["open_months"].to_numpy() <= 1) & (2 * arrears <= rent),
    ]
    choices = ["too_few_months", "broken_agreement", "creeping", "failed_debits", "late_complete", "on_time"]
    return np.select(conds, choices, default="unclear")


def payment_days(a: Analysis, as_of: int, max_days: int = 4) -> pd.Series:
    """The days of the month payments arrive (tenancy tid -> [days]), last 12 months: each day
    whose neighbourhood (±3 days: a payout moved to the bank day before) holds payments in at
    least 30 % of the observed months, the most frequent day of a neighbourhood standing for it;
    at most `max_days`, in calendar order. Vectorised over a tenancies × 31 count matrix."""
    n = len(a.tenancies)
    day = a.payments["day"].to_numpy()
    mi = month_of(day)
    recent = (a.payments["kind"].to_numpy() == 1) & (mi > int(month_of(np.array([as_of]))[0]) - 12)
    dom = day[recent] - month_start(mi[recent]) + 1  # the day of the month
    counts = np.bincount(a.payments["tid"].to_numpy()[recent] * 32 + dom, minlength=n * 32).reshape(n, 32)
    padded = np.pad(counts, ((0, 0), (3, 3)))
    near = sum(padded[:, 3 + k:3 + k + 32] for k in range(-3, 4))
    need = 0.3 * np.maximum(a.tenancies["observed_months"].to_numpy(), 1)[:, None]
    eligible = (counts > 0) & (near >= need)
    score = counts * 64 - np.arange(32)[None, :]
    picked = np.zeros((n, max_days), dtype=np.int64)
    for r in range(max_days):
        s = np.where(eligible, score, -1)
        d = s.argmax(axis=1)
        ok = s[np.arange(n), d] >= 0
        picked[:, r] = np.where(ok, d, 0)
        lo, hi = np.clip(d - 3, 0, 31), np.clip(d + 3, 0, 31)
        cols = np.arange(32)[None, :]
        eligible &= ~(ok[:, None] & (cols >= lo[:, None]) & (cols <= hi[:, None]))
    picked.sort(axis=1)
    return pd.Series([[x for x in row if x] for row in picked.tolist()], dtype=object)  # (tolist: Python ints)


KIND_NAME = {1: "payment", 2: "reversal", 3: "returned"}
#: the booking kinds of the evidence (machine keys in patterns.jsonl) as patterns.txt writes them
KIND_NB = {"payment": "innbetaling", "reversal": "tilbakeføring", "returned": "avvist trekk"}


def _iso_all(days: np.ndarray) -> list[str]:
    return np.datetime_as_string(np.asarray(days, dtype=np.int64).astype("datetime64[D]")).tolist()


def evidence(a: Analysis, pattern: np.ndarray, as_of: int, pay_months: int = 6) -> list[dict | None]:
    """Per tenancy (None for `on_time` and `too_few_months`): the months and bookings behind its
    pattern, as JSON-ready dicts. Only figures, dates and input row numbers: no text.

    Months: the observed rent months of the window (at most 12). Bookings: payments, reversals and
    returned debits of the last `pay_months` months. Instalments and returned debits: all."""
    n = len(a.tenancies)
    want = ~np.isin(pattern, ["on_time", "too_few_months"])
    m = a.months[a.months["observed"].to_numpy() & want[a.months["tid"].to_numpy()]]
    m = m[m.groupby("tid").cumcount(ascending=False).to_numpy() < 12]
    mt = m["tid"].to_numpy()
    m_lo, m_hi = np.searchsorted(mt, np.arange(n)), np.searchsorted(mt, np.arange(n), side="right")
    mi = m["mi"].to_numpy()
    month_s = [f"{1970 + x // 12}-{x % 12 + 1:02d}" for x in mi.tolist()]
    settled_s = _iso_all(np.maximum(m["settled_day"].to_numpy(), 0))
    mrows = list(zip(month_s, _iso_all(m["due"].to_numpy()), m["charged"].tolist(), m["paid_in_month"].tolist(),
                     m["parts"].tolist(), m["settled"].tolist(), settled_s, m["days_late"].tolist(),
                     m["failed"].tolist(), m["balance_end"].tolist()))
    cut = int(month_of(np.array([as_of]))[0]) - pay_months
    p = a.payments
    p = p[(month_of(p["day"].to_numpy()) > cut) & want[p["tid"].to_numpy()]]
    pt = p["tid"].to_numpy()
    p_lo, p_hi = np.searchsorted(pt, np.arange(n)), np.searchsorted(pt, np.arange(n), side="right")
    prows = list(zip(_iso_all(p["day"].to_numpy()), [KIND_NAME.get(k, "?") for k in p["kind"].tolist()],
                     p["amount"].tolist(), p["row"].tolist()))
    inst = a.instalments
    it = inst["tid"].to_numpy().astype(np.int64) if len(inst) else np.zeros(0, np.int64)
    i_lo, i_hi = np.searchsorted(it, np.arange(n)), np.searchsorted(it, np.arange(n), side="right")
    irows = list(zip(_iso_all(inst["day"].to_numpy()), inst["amount"].tolist(), inst["row"].tolist(),
                     inst["checked"].tolist(), inst["kept"].tolist(), inst["shortfall"].tolist())) if len(inst) else []
    ret = a.returned
    rt = ret["tid"].to_numpy().astype(np.int64) if len(ret) else np.zeros(0, np.int64)
    r_lo, r_hi = np.searchsorted(rt, np.arange(n)), np.searchsorted(rt, np.arange(n), side="right")
    rrows = []
    if len(ret):
        dd = ret["debit_day"].to_numpy(dtype=np.float64)
        has = ~np.isnan(dd)
        rrows = list(zip(_iso_all(ret["day"].to_numpy()), ret["amount"].tolist(), ret["row"].tolist(),
                         [s if h else None for s, h in zip(_iso_all(np.nan_to_num(dd).astype(np.int64)), has)],
                         [int(x) if h else None for x, h in zip(ret["day"].to_numpy() - np.nan_to_num(dd), has)]))
    out: list[dict | None] = [None] * n
    for k in np.flatnonzero(want).tolist():
        doc: dict = {
            "months": [{"month": r[0], "due": r[1], "charged_ore": r[2], "paid_in_month_ore": r[3], "parts": r[4],
                        "settled": r[6] if r[5] else None, "days_late": r[7], "failed_debits": r[8],
                        "balance_end_ore": r[9]} for r in mrows[m_lo[k]:m_hi[k]]],
            "bookings": [{"date": r[0], "kind": r[1], "amount_ore": r[2], "row": r[3]} for r in prows[p_lo[k]:p_hi[k]]],
        }
        if i_hi[k] > i_lo[k]:
            doc["instalments"] = [{"date": r[0], "amount_ore": r[1], "row": r[2], "checked": r[3], "kept": r[4],
                                   "shortfall_ore": r[5]} for r in irows[i_lo[k]:i_hi[k]]]
        if r_hi[k] > r_lo[k]:
            doc["returned_debits"] = [{"date": r[0], "amount_ore": r[1], "row": r[2], "debit_date": r[3],
                                       "days_after_debit": r[4]} for r in rrows[r_lo[k]:r_hi[k]]]
        out[k] = doc
    return out


@lru_cache(maxsize=1)
def formats():
    """`format_kr`, `format_month` and `excel_date`, each remembering its answers: the evidence of
    100 000 tenancies repeats a few thousand amounts, months and dates."""
    from ..formatting import excel_date, format_kr, format_month

    return (lru_cache(maxsize=1 << 16, typed=True)(format_kr), lru_cache(maxsize=1 << 12, typed=True)(format_month),
            lru_cache(maxsize=1 << 16, typed=True)(excel_date))


def evidence_text(doc: dict, pattern: str) -> str:
    """The evidence in a few lines for a caseworker (kroner, dates as dd.mm.åååå, months as
    «januar 2026»)."""
    format_kr, format_month, excel_date = formats()

    def d(iso: str | None) -> str:
        return "-" if iso is None else excel_date(iso)

    lines = []
    late = [m for m in doc["months"] if m["days_late"] > GRACE_DAYS]
    if late:
        lines.append("  måneder betalt for sent: " + "; ".join(
            f"{format_month(m['month'])} ({m['days_late']} dager, {m['parts']} {'deler' if m['parts'] != 1 else 'del'})"
            for m in late))
    if pattern == "creeping":
        lines.append("  saldo ved månedsslutt: " + "; ".join(f"{format_month(m['month'])} {format_kr(m['balance_end_ore'])}"
                                                         for m in doc["months"][-6:]))
    if doc.get("instalments"):
        broken = [i for i in doc["instalments"] if not i["kept"]]
        lines.append("  avdrag som ikke ble holdt: " + ("; ".join(
            f"{d(i['date'])} {format_kr(i['amount_ore'])} (mangler {format_kr(i['shortfall_ore'])}, rad {i['row']})"
            for i in broken) or "ingen"))
    if doc.get("returned_debits"):
        lines.append("  avviste trekk: " + "; ".join(
            f"{d(r['date'])} {format_kr(r['amount_ore'])} (trekk {d(r['debit_date'])}, rad {r['row']})"
            for r in doc["returned_debits"][-6:]))
    if doc["bookings"]:
        lines.append("  innbetalinger, siste måneder: " + "; ".join(
            f"{d(b['date'])} {'-' if b['kind'] != 'payment' else ''}{format_kr(b['amount_ore'])}"
            f"{'' if b['kind'] == 'payment' else ' ' + KIND_NB.get(b['kind'], b['kind'])}" for b in doc["bookings"]))
    return "\n".join(lines)


__all__ = ["MIN_MONTHS", "evidence", "evidence_text", "PATTERN_NB", "PATTERNS", "pattern_name", "PROBLEM_PATTERNS", "RULES", "TIMING_PATTERNS", "classify", "payment_days"]

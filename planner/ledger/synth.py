"""Generated rent ledgers with planted payment patterns and their truth (tests and bench/ledger.py).

Why generated: no real ledger may leave a housing company, and a classifier is only measured
against a known truth. Each tenancy gets one pattern and its bookings are written the way a bank
and a landlord would book them: AvtaleGiro debits on the due day moved to the next bank day
(Easter, Christmas, 17 May), NAV and Husbanken payouts moved to the bank day before, a payment
now and then reversed and booked again, a payment split over two months, a failed AvtaleGiro
returned a few days after the debit, repayment agreements kept for a while and then broken.
The free text holds made-up names, so a test can check that no output copies it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import numpy as np
import pandas as pd

from ..calendar import effective_date, month_end
from ..model import add_months

PLANTED = ("on_time", "late_complete", "creeping", "broken_agreement", "failed_debits")
_NAMES = ("Kari Nordmann", "Ola Testesen", "Per Hansen", "Aisha Ali", "Nils Berg")


@dataclass
class Generated:
    frame: pd.DataFrame  # tenancy, date (date), kind, amount_ore, text
    truth: dict[str, str]  # tenancy -> planted pattern
    start: date
    months: int


@lru_cache(maxsize=None)
def _bank(d: date) -> date:
    """`d`, or the next bank day when money does not move on `d`."""
    return effective_date(d, "after")


@lru_cache(maxsize=None)
def _eff(y: int, m: int, d: int, shift: str) -> date:
    return effective_date(date(y, m, min(d, month_end(y, m))), shift)  # type: ignore[arg-type]


def generate(n: int, months: int = 24, start: date = date(2025, 1, 1), seed: int = 1,
             mix: dict[str, float] | None = None, prefix: str = "L") -> Generated:
    """`n` tenancies over `months` rent months from `start` (the first of a month)."""
    rng = random.Random(seed)
    mix = mix or {"on_time": 0.55, "late_complete": 0.15, "creeping": 0.1, "broken_agreement": 0.1,
                  "failed_debits": 0.1}
    kinds, weights = zip(*mix.items())
    rows: list[tuple] = []
    truth: dict[str, str] = {}
    for i in range(n):
        tid = f"{prefix}{i + 1:06d}"
        pattern = rng.choices(kinds, weights)[0]
        truth[tid] = pattern
        _tenancy(rng, tid, pattern, start, months, rows)
    frame = pd.DataFrame(rows, columns=["tenancy", "date", "kind", "amount_ore", "text"])
    return Generated(frame, truth, start, months)


def _tenancy(rng: random.Random, tid: str, pattern: str, start: date, months: int, rows: list) -> None:
    rent = rng.randrange(5000, 15001) * 100 + rng.choice((0, 0, 50))
    due_day = 1 if pattern != "on_time" else rng.choice((1, 1, 1, 5, 15))
    name = rng.choice(_NAMES)
    k0 = rng.randrange(months - 14, months - 7)  # creeping: first short month
    a = rng.randrange(max(2, months - 18), months - 9)  # broken: the month not paid
    brk = a + 2 + rng.randrange(1, 3)  # broken: the first month without the instalment
    inst = (rent // 600) * 100  # about a sixth of a rent, whole kroner
    after_break_skip = rng.random() < 0.5
    fail_months = set(rng.sample(range(months - 12, months), rng.randrange(3, 6)))
    one_late = rng.randrange(months) if rng.random() < 0.3 else -1
    one_failed = rng.randrange(months - 12, months) if rng.random() < 0.15 else -1  # a single bounce: still on time
    plan = rng.choice(((10, 20), (12, 20), (20, 31), (10, 25), (5, 20, 28)))
    split = rng.random() < 0.3
    shares = _shares(rng, rent, 2 if split else len(plan))
    for m in range(months):
        first = add_months(start, m)
        y, mo = first.year, first.month
        due = date(y, mo, min(due_day, month_end(y, mo)))
        rows.append((tid, due, "charge", rent, f"Husleie {mo:02d}.{y}"))
        debit = _eff(y, mo, due_day, "after")

        def pay(d: date, amount: int, text: str = f"AvtaleGiro {name}") -> None:
            rows.append((tid, d, "payment", amount, text))
            if rng.random() < 0.03:  # booked on the wrong tenancy and moved: reversed, booked again
                nxt = _bank(d + timedelta(days=1))
                rows.append((tid, nxt, "reversal", amount, "Feilføring"))
                rows.append((tid, nxt, "payment", amount, f"Innbetaling {name}"))

        if pattern == "on_time" and m == one_failed:
            rows.append((tid, debit, "payment", rent, "AvtaleGiro"))
            rows.append((tid, _bank(debit + timedelta(days=3)), "returned", rent, "AvtaleGiro avvist"))
            pay(_bank(debit + timedelta(days=4)), rent, f"Nettbank {name}")
        elif pattern == "on_time":
            late = 3 if rng.random() < 0.1 else 0
            pay(_bank(debit + timedelta(days=10 if m == one_late else late)), rent)
        elif pattern == "late_complete":
            if split:  # half on the 20th, the rest on the 5th of the next month
                pay(_eff(y, mo, 20, "before"), shares[0], f"Bostøtte {name}")
                nxt = add_months(first, 1)
                pay(_eff(nxt.year, nxt.month, 5, "before"), shares[1], f"Nettbank {name}")
            else:
                for d, part in zip(plan, shares):
                    pay(_eff(y, mo, d, "before"), part, f"Nettbank {name}")
        elif pattern == "creeping":
            short = 0 if m < k0 else rent * rng.randrange(10, 31) // 100
            pay(debit, rent - short)
        elif pattern == "broken_agreement":
            if m == a:
                continue  # the month the arrears came
            if a + 2 <= m < a + 8:
                rows.append((tid, due, "instalment", inst, "Betalingsavtale"))
            if a + 2 <= m < brk:
                pay(debit, rent + inst)
            elif m >= brk and after_break_skip and m == brk + 1:
                continue
            else:
                pay(debit, rent)
        elif pattern == "failed_debits":
            if m in fail_months:
                rows.append((tid, debit, "payment", rent, "AvtaleGiro"))
                rows.append((tid, _bank(debit + timedelta(days=rng.randrange(2, 5))), "returned", rent,
                             "AvtaleGiro avvist: ikke dekning"))
                pay(_eff(y, mo, rng.randrange(10, 16), "after"), rent, f"Nettbank {name}")
            else:
                pay(debit, rent)


def _shares(rng: random.Random, rent: int, n: int) -> list[int]:
    cuts = sorted(rng.sample(range(20, 80), n - 1))
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, 100])]
    out = [rent * p // 100 for p in parts]
    out[-1] += rent - sum(out)
    return out


def to_csv(g: Generated, path, sep: str = ",", norwegian: bool = False, as_of: date | None = None) -> int:
    """Write the ledger as a CSV (ISO dates and 9500.50, or DD.MM.YYYY and 9500,50); bookings
    after `as_of` are left out. Returns the rows written."""
    f = g.frame
    if as_of is not None:
        f = f[f["date"] <= as_of]
    days = np.array(f["date"].tolist(), dtype="datetime64[D]")
    iso = pd.Series(np.datetime_as_string(days), index=f.index)
    ore = f["amount_ore"].to_numpy()
    kr = pd.Series((ore // 100).astype(str), index=f.index)
    frac = pd.Series((ore % 100).astype(str), index=f.index).str.zfill(2)
    if norwegian:
        dates = iso.str[8:10] + "." + iso.str[5:7] + "." + iso.str[0:4]
        amounts = kr + "," + frac
    else:
        dates, amounts = iso, kr + "." + frac
    out = pd.DataFrame({"tenancy": f["tenancy"], "date": dates, "kind": f["kind"], "amount": amounts, "text": f["text"]})
    out.to_csv(path, sep=sep, index=False)
    return len(out)


__all__ = ["Generated", "PLANTED", "generate", "to_csv"]

"""Robust plans (issue 14): the balance holds when payouts come late, each independently.

The checks here do not use the planner's calendar or simulator for the delays: business days
come straight from `holidays` (plus 24 December), and the balance is recomputed with a plain
loop from the plan's own transactions, every combination of delays re-simulated.
"""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

import holidays
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import examples

from planner.model import Household
from planner.solver import plan

# --------------------------------------------------------------------------- independent checks


@lru_cache(maxsize=None)
def _closed(year: int) -> frozenset[date]:
    return frozenset(holidays.Norway(years=year, include_sundays=False)) | {date(year, 12, 24)}


def bank_days_after(d: date, n: int) -> date:
    """`n` Norwegian bank days after `d` (weekends, holidays and 24 December skipped)."""
    for _ in range(n):
        d += timedelta(days=1)
        while d.weekday() >= 5 or d in _closed(d.year):
            d += timedelta(days=1)
    return d


def uncertain_payouts(p, h: Household) -> list[tuple[int, int]]:
    """(index in the plan's transactions, bank days it may be late) of every tenant income:
    the household's own `late_days`, else the benefit's (read from the data file here)."""
    import tomllib
    from importlib.resources import files

    data = tomllib.loads((files("planner") / "data" / "benefits.toml").read_text())
    aliases = {a: k for k, v in data["kinds"].items() for a in v.get("aliases", ())}
    late = {inc.stream: inc.late_days if inc.late_days is not None
            else data["kinds"][aliases.get(inc.kind, inc.kind)]["late_days"] for inc in h.income}
    return [(i, late[t.stream]) for i, t in enumerate(p.transactions)
            if t.account == "tenant" and t.kind == "income" and late.get(t.stream, 0)]


def lowest(p, delays: dict[int, int]) -> int:
    """The lowest balance (debits of a day before its credits) with payout i `delays[i]` bank
    days late; a payout pushed past the horizon never arrives."""
    credit: dict[date, int] = defaultdict(int)
    debit: dict[date, int] = defaultdict(int)
    for i, t in enumerate(p.transactions):
        if t.account != "tenant":
            continue
        when = bank_days_after(t.date, delays.get(i, 0))
        (credit if t.amount_ore >= 0 else debit)[when] += abs(t.amount_ore)
    bal, low, d = p.opening_balance_ore, None, p.start
    while d <= p.end:
        bal -= debit[d]
        low = bal if low is None else min(low, bal)
        bal += credit[d]
        d += timedelta(days=1)
    assert low is not None
    return low


def every_combination(p, h: Household) -> int:
    """The lowest balance over every combination of delays (0..late_days for each payout)."""
    unc = uncertain_payouts(p, h)
    worst = None
    for combo in itertools.product(*[range(n + 1) for _, n in unc]):
        low = lowest(p, {i: k for (i, _), k in zip(unc, combo)})
        worst = low if worst is None else min(worst, low)
    return worst if worst is not None else lowest(p, {})


# --------------------------------------------------------------------------- generated households


@st.composite
def small_households(draw) -> Household:
    """One month, rent on the 1st, 2-3 streams of which some may come 1-3 bank days late."""
    start = date(2026, draw(st.integers(1, 12)), 1)
    rent = draw(st.integers(40, 90)) * 10_000
    incomes = [{"kind": "aap", "amount": Decimal(draw(st.integers(30, 70)) * 100),
                "every_days": 14, "first": start + timedelta(days=draw(st.integers(-6, 10))),
                "late_days": draw(st.integers(1, 3))}]
    for kind in draw(st.lists(st.sampled_from(["barnetrygd", "uforetrygd", "sosialhjelp"]), max_size=2, unique=True)):
        inc: dict = {"kind": kind, "amount": Decimal(draw(st.integers(20, 80)) * 100)}
        if kind == "sosialhjelp":
            inc["day"] = draw(st.integers(1, 28))
        if draw(st.booleans()):
            inc["late_days"] = draw(st.integers(0, 2))
        incomes.append(inc)
    return Household.model_validate({
        "id": "gen", "start": start, "months": 1, "opening_balance": Decimal(draw(st.integers(0, 60)) * 100),
        "min_balance": 0, "income": incomes,
        "expense": [{"kind": "husleie", "amount": Decimal(rent) / 100, "day": 1}],
        "living": {"monthly": Decimal(draw(st.integers(20, 60)) * 100)},
        "levers": {"rent_days": [1, 5, 10, 15, 20, 25], "rent_instalments": 2, "deduction_from": ["aap"]},
    })


@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_households())
def test_robust_plans_hold_for_every_combination_of_delays(h):
    p = plan(h)
    if p.status == "infeasible":
        return
    unc = uncertain_payouts(p, h)
    assert len(unc) <= 8  # a month: every combination is enumerated below
    if p.robust:
        assert every_combination(p, h) >= h.min_balance
        # the model's figure is the worst case, and the worst case is every payout at its latest
        assert p.late_min_balance_ore == lowest(p, {i: n for i, n in unc}) == every_combination(p, h)
    else:
        # no robust plan exists: the plan for payouts on their days, and it says so
        assert every_combination(p, h) < h.min_balance
        assert all(n == 0 for _, _, n in p.streams)


@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_households())
def test_on_time_plans_may_break_and_robust_ones_do_not(h):
    """`--on-time` plans for payouts on their days only: its `robust` flag tells the truth."""
    p = plan(h, on_time=True)
    if p.status == "infeasible":
        return
    assert p.robust == (every_combination(p, h) >= h.min_balance)


def test_large_household_random_delays_and_the_worst_case(scenario):
    """A year of the seed household: too many payouts to enumerate (AAP alone pays 26 times),
    so 300 random combinations of delays plus the worst case (every payout at its latest)."""
    h = scenario("aap-drift")
    p = plan(h)
    assert p.status == "planned" and p.robust
    unc = uncertain_payouts(p, h)
    assert len(unc) >= 20
    rng = random.Random(14)
    for _ in range(300):
        assert lowest(p, {i: rng.randint(0, n) for i, n in unc}) >= h.min_balance
    assert lowest(p, {i: n for i, n in unc}) == p.late_min_balance_ore >= h.min_balance


def test_seed_plan_survives_any_aap_payout_three_bank_days_late(scenario):
    h = scenario("enslig-mor-2006")
    p = plan(h)
    assert p.status == "planned" and p.robust
    assert dict((s, n) for s, _, n in p.streams)["aap"] == 3
    aap = [i for i, t in enumerate(p.transactions) if t.kind == "income" and t.stream == "aap"]
    assert len(aap) >= 25
    for i in aap:  # each payout alone three bank days late
        assert lowest(p, {i: 3}) >= h.min_balance
    assert lowest(p, {i: 3 for i in aap}) >= h.min_balance  # and all of them at once
    # the plan for payouts on their days does not survive it
    q = plan(h, on_time=True)
    assert min(lowest(q, {i: 3}) for i in
               [i for i, t in enumerate(q.transactions) if t.kind == "income" and t.stream == "aap"]) < \
        lowest(q, {})


def test_household_late_days_override(scenario):
    """`late_days = 0` on the AAP stream: the plan is allowed to count on AAP on its day."""
    h = scenario("enslig-mor-2006")
    data = h.model_dump()
    for inc in data["income"]:
        if inc["kind"] == "aap":
            inc["late_days"] = 0
    h0 = Household.model_validate(data)
    p0 = plan(h0)
    assert dict((s, n) for s, _, n in p0.streams)["aap"] == 0
    assert p0.to_json()["streams"][2] == {"stream": "aap", "kind": "aap", "late_days": 0}
    assert plan(h).late_min_balance_ore >= 0


def test_a_deduction_travels_with_its_payout(scenario):
    """The husleietrekk is taken from the payout itself: a late AAP payout brings a smaller
    sum late, never a debit on its own day."""
    h = scenario("enslig-mor-2006")
    p = plan(h)
    ded = [t for t in p.transactions if t.kind == "deduction"]
    assert ded
    tenant_debits = {(t.date, t.kind) for t in p.transactions if t.account == "tenant" and t.amount_ore < 0}
    assert all((t.date, "deduction") not in tenant_debits for t in ded)
    incomes = {(t.date, t.stream) for t in p.transactions if t.kind == "income"}
    assert all((t.date, t.stream) in incomes for t in ded)


def test_batch_tables_read_late_days_per_payout_row(tmp_path):
    """The payouts table's `late_days` column reaches the household; a bad figure is a row error."""
    from planner.io.tables import ColumnMap, Spool, build, discover

    (tmp_path / "tenants.csv").write_text(
        "id,start,months,opening_balance,rent,rent_day,living_monthly\n"
        "a,2026-01-01,2,500,7000,1,3000\nb,2026-01-01,2,500,7000,1,3000\n")
    (tmp_path / "payouts.csv").write_text(
        "household,kind,amount,every_days,first,day,late_days\n"
        "a,aap,4500,14,2026-01-05,,1\na,barnetrygd,5000,,,,\n"
        "b,aap,4500,14,2026-01-05,,tre\n")
    spool = Spool(tmp_path / "spool.sqlite")
    spool.load(discover([tmp_path / "tenants.csv", tmp_path / "payouts.csv"], ColumnMap()), ColumnMap())
    got = {}
    for chunk in spool.households(10):
        for raw in chunk:
            got[raw.hid] = build(raw)
    spool.close()
    h, errors = got["a"]
    assert not errors and [i.late for i in h.income] == [1, 0]
    assert plan(h).streams == (("aap", "aap", 1), ("barnetrygd", "barnetrygd", 0)) or not plan(h).robust
    _, errors = got["b"]
    assert errors and errors[0].column == "late_days" and errors[0].row == 4

"""Projecting the process for a household, a claim or a profile"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

import numpy as np

from ..calendar import resolve_expense
from ..cashflow import check_table, compile_households, horizon
from ..model import Household, Transaction, add_months
from ..money import format_kr
from ..periods import month_key
from .results import CostLine, EvictionProjection, FeesUsed, Settlement, Step, UnpaidRent
from .rules import EVICTION_STEP, REQUEST_STEP, EvictionRules, Lookup, Profile, StepRule, eviction_rules
from .text import _d
from .timeline import (
    RateAt,
    _Debt,
    _interest_exact,
    _month_last_day,
    _months,
    _rent_days,
    _round_ore,
    _step_costs,
    court_fees,
    first_unpaid_due,
    process_start,
    solvency_series,
    step_dates,
    unpaid_rents,
)

# --------------------------------------------------------------------------- projection


#: a projection that ends before any eviction request: no request, no cure, no fees
_NO_REQUEST: dict = dict(request_date=None, eviction_date=None, cure_amount_ore=0, cure_principal_ore=0,
                         cure_interest_ore=0, cure_costs_ore=0, cure_deadline=None, fees=None)


def _no_arrears(household: Household) -> EvictionProjection:
    return EvictionProjection(
        status="no arrears",
        household=household.id,
        profile=None,
        first_due=None,
        steps=(),
        arrears_by_month={k: 0 for k in _months(household.start, household.end)},
        unpaid_rents=(),
        existing_arrears_ore=0,
        **_NO_REQUEST,
        notes=("Husleien blir trukket i sin helhet hver måned i perioden; ingen restanse oppstår.",),
    )


#: one step of a process as the rules lay it out: its rule, its date, the costs it adds, and
#: the costs so far once they are added
WalkStep = tuple[StepRule, date, tuple[CostLine, ...], int]


@lru_cache(maxsize=4096)
def _walk(first_due: date, rules: EvictionRules, profile: str | None) -> tuple[WalkStep, ...]:
    """The steps of a process from `first_due`, with their dates and costs: the same for every
    household whose rent fell due that day, so worked out once for all of them."""
    dates = step_dates(first_due, rules, profile)
    p = rules.profiles[profile] if profile is not None else None
    out: list[WalkStep] = []
    costs = 0
    for rule in rules.steps:
        when = dates[rule.key]
        lines = _step_costs(rule, when, first_due, rules, p)
        costs += sum(c.amount_ore for c in lines)
        out.append((rule, when, lines, costs))
    return tuple(out)


class _Claim:
    """What is owed in one process: its debts, and simple interest on them at the data's rates
    (or a profile's one rate), exactly; `fallback` says whether any day used a fallback rate."""

    def __init__(self, debts: list[_Debt], rules: EvictionRules, profile: Profile | None, first_due: date) -> None:
        self.debts = debts
        self.day_count = rules.day_count
        self.fallback = False
        self.rate_at: RateAt
        self.next_change: Callable[[date], date | None]
        if profile is not None and profile.interest_percent is not None:
            fixed = Lookup(profile.interest_percent, first_due, False)
            self.rate_at = lambda _d: fixed  # the profile's one rate
            self.next_change = lambda _d: None
            self.source: Literal["data", "profile"] = "profile"
        else:
            # the same few days are looked up again and again (each notice day, each debt)
            self.rate_at = lru_cache(maxsize=None)(rules.interest.at)
            self.next_change = lru_cache(maxsize=None)(rules.interest.changes_after)
            self.source = "data"

    def principal_owed(self, owed_by: date) -> int:
        return sum(d.amount_ore for d in self.debts if d.owed_from <= owed_by)

    def interest_to(self, when: date, owed_by: date) -> int:
        """Interest up to `when` on the debts owed by `owed_by`, rounded to whole øre."""
        owed = (d for d in self.debts if d.owed_from <= owed_by)
        exact, fb = _interest_exact(owed, when, self.rate_at, self.next_change, self.day_count)
        self.fallback = self.fallback or fb
        return _round_ore(exact)


def _claim(walk: tuple[WalkStep, ...], debts: list[_Debt], rules: EvictionRules, profile: Profile | None,
           first_due: date) -> _Claim:
    """The process's claim: the debts owed by the eviction date (later rent is not part of it)."""
    eviction = _date_of(walk, EVICTION_STEP)
    return _Claim([d for d in debts if d.owed_from <= eviction], rules, profile, first_due)


def _date_of(walk: tuple[WalkStep, ...], key: str) -> date:
    return next(when for rule, when, _, _ in walk if rule.key == key)


def _first_settlement(walk: tuple[WalkStep, ...], claim: _Claim, afford: Callable[[date], int | None],
                      first_due: date) -> Settlement | None:
    """The first notice with a deadline whose claim the account pays by then, or None."""
    for rule, when, _, costs in walk:
        if rule.pay_within_days:
            settled = _try_settle(rule, when, claim.principal_owed(when), claim.interest_to, costs, afford, first_due)
            if settled is not None:
                return settled
    return None


def _project(
    *,
    first_due: date,
    debts: list[_Debt],
    months_from: date,
    rules: EvictionRules,
    profile: Profile | None,
    household: str | None,
    unpaid: tuple[UnpaidRent, ...],
    existing_ore: int,
    afford: Callable[[date], int | None] | None = None,
) -> EvictionProjection:
    """The steps, costs and cure amount of one process. With `afford` (the lowest balance of the
    household's account from a day to the end of its month, before paying anything), a notice
    with a deadline whose claim the account can pay by then is paid, and the process stops
    there: the result then has status "settled" and one settlement."""
    walk = _walk(first_due, rules, profile.name if profile else None)
    request, eviction = _date_of(walk, REQUEST_STEP), _date_of(walk, EVICTION_STEP)
    claim = _claim(walk, debts, rules, profile, first_due)
    debts = claim.debts
    settled = _first_settlement(walk, claim, afford, first_due) if afford is not None else None

    steps: list[Step] = []
    cure = (0, 0, 0)
    for rule, when, lines, costs_so_far in walk:
        added = sum(c.amount_ore for c in lines)
        principal, interest = claim.principal_owed(when), claim.interest_to(when, when)
        if rule.key == EVICTION_STEP:
            # paying before the lock is changed stops it: this step's own costs never fall
            cure = (principal, interest, costs_so_far - added)
        steps.append(
            Step(
                key=rule.key,
                name_nb=rule.name_nb,
                name_en=rule.name_en,
                date=when,
                legal_basis=rule.legal_basis,
                cost_ore=added,
                costs=lines,
                principal_ore=principal,
                interest_ore=interest,
                claim_ore=principal + interest + costs_so_far,
            )
        )
        if settled is not None and rule.key == settled.step:
            return _settled(settled, steps, debts, months_from, household, unpaid, existing_ore, rules, profile)

    r = rules.rettsgebyr.at(request)
    filing, total = court_fees(int(r.value * 100), rules)
    ink = rules.inkassosats.at(first_due)
    fees = FeesUsed(
        r_year=request.year,
        r_ore=int(r.value * 100),
        r_valid_from=r.valid_from,
        r_fallback=r.fallback,
        filing_ore=filing,
        carried_out_total_ore=total,
        inkassosats_ore=int(ink.value * 100),
        inkassosats_valid_from=ink.valid_from,
        inkassosats_fallback=ink.fallback,
        interest_percent=claim.rate_at(first_due).value,
        interest_source=claim.source,
        interest_fallback=claim.fallback,
    )

    by_month = {}
    for key in _months(months_from, eviction):
        end = min(_month_last_day(key), eviction)
        by_month[key] = sum(d.amount_ore for d in debts if d.owed_from <= end)

    return EvictionProjection(
        status="arrears",
        household=household,
        profile=profile.name if profile else None,
        first_due=first_due,
        steps=tuple(steps),
        arrears_by_month=by_month,
        unpaid_rents=tuple(u for u in unpaid if u.due <= eviction),
        existing_arrears_ore=existing_ore,
        request_date=request,
        eviction_date=eviction,
        cure_amount_ore=sum(cure),
        cure_principal_ore=cure[0],
        cure_interest_ore=cure[1],
        cure_costs_ore=cure[2],
        cure_deadline=eviction,
        fees=fees,
        notes=_notes(steps, rules, profile, fees),
    )


def _try_settle(
    rule: StepRule, when: date, principal: int, interest_to: Callable[[date, date], int], costs: int,
    afford: Callable[[date], int | None], first_due: date,
) -> Settlement | None:
    """The first day up to the notice's deadline on which the account can pay the notice's
    claim (`principal`, what was owed on the notice's date; interest to the day of payment; and
    the costs so far) and still cover the rest of that month's planned spending; None if there
    is none. Interest is never negative, so a day whose balance cannot meet the principal and
    costs alone is passed over without working it out (exact fractions are the slow part)."""
    deadline = when + timedelta(days=rule.pay_within_days or 0)
    day = when
    while day <= deadline:
        low = afford(day)
        if low is not None and low >= principal + costs:
            interest = interest_to(day, when)
            if low >= principal + interest + costs:
                return Settlement(rule.key, rule.name_nb, when, deadline, day, first_due, principal, interest, costs)
        day += timedelta(days=1)
    return None


def _settled(
    x: Settlement, steps: list[Step], debts: list[_Debt], months_from: date, household: str | None,
    unpaid: tuple[UnpaidRent, ...], existing_ore: int, rules: EvictionRules, profile: Profile | None,
) -> EvictionProjection:
    """A process that stops at a notice because the account pays it."""
    by_month = {}
    for key in _months(months_from, x.paid_on):
        end = min(_month_last_day(key), x.paid_on - timedelta(days=1))
        by_month[key] = sum(d.amount_ore for d in debts if d.owed_from <= end)
    return EvictionProjection(
        status="settled",
        household=household,
        profile=profile.name if profile else None,
        first_due=x.first_due,
        steps=tuple(steps),
        arrears_by_month=by_month,
        unpaid_rents=tuple(u for u in unpaid if u.due <= x.notice_date),
        existing_arrears_ore=existing_ore,
        **_NO_REQUEST,
        settlements=(x,),
    )


def _notes(steps: Iterable[Step], rules: EvictionRules, profile: Profile | None, fees: FeesUsed) -> tuple[str, ...]:
    """Norwegian notes on every fallback and assumption, so that no uncertain figure passes as
    settled. Years whose R or inkassosats was not found are named."""
    notes: list[str] = []
    r_years: dict[int, Lookup] = {}
    ink_years: dict[int, Lookup] = {}
    for s in steps:
        for c in s.costs:
            if c.key.startswith("gebyr_"):
                r_years.setdefault(s.date.year, rules.rettsgebyr.at(s.date))
            elif c.key in rules.costs and rules.costs[c.key].base == "inkassosats":
                ink_years.setdefault(s.date.year, rules.inkassosats.at(s.date))
            elif c.key in rules.costs:
                r_years.setdefault(s.date.year, rules.rettsgebyr.at(s.date))
    for year, r in sorted(r_years.items()):
        if r.fallback:
            notes.append(
                f"Rettsgebyret (R) for {year} er ikke funnet; siste kjente verdi, "
                f"{format_kr(int(r.value * 100))} (fra {r.valid_from:%d.%m.%Y}), er brukt."
            )
    for year, k in sorted(ink_years.items()):
        if k.fallback:
            notes.append(
                f"Inkassosatsen for {year} er ikke funnet; {format_kr(int(k.value * 100))} "
                f"(fra {k.valid_from:%d.%m.%Y}) er brukt, så purregebyr og innkrevingsgebyr er usikre."
            )
    pct = str(fees.interest_percent).replace(".", ",")
    steps = list(steps)
    if fees.interest_source == "data" and steps:
        first, last = steps[0].date, steps[-1].date
        for v in rules.interest.values:
            if v.status == "uncertain" and first < v.valid_from <= last or (
                    v.status == "uncertain" and v.valid_from <= first <= v.confirmed_until):
                notes.append(
                    f"Forsinkelsesrenten fra {v.valid_from:%d.%m.%Y}, {str(v.value).replace('.', ',')} % per år, "
                    "er bare meldt, ikke bekreftet."
                )
    if fees.interest_source == "profile":
        notes.append(f"Forsinkelsesrente {pct} % per år, som i eksempelet.")
    elif fees.interest_fallback:
        latest = rules.interest.values[-1]
        notes.append(
            f"Forsinkelsesrenten etter {latest.confirmed_until:%d.%m.%Y} er ikke funnet; "
            f"{str(latest.value).replace('.', ',')} % per år (fra {latest.valid_from:%d.%m.%Y}) er brukt videre."
        )
    if profile is not None and profile.extra_costs:
        notes.append("«Andre kostnader» er ikke spesifisert i rapporten; beløpene er tilpasset rapportens totalsummer.")
    landlord = any(c.key == "utleier_begjaering" for s in steps for c in s.costs)
    notes.append(
        "Purregebyr og innkrevingsgebyr er regnet med de høyeste satsene reglene tillater; "
        "kommunen kan kreve mindre. Salær til inkasso er ikke tatt med."
        + (" Utleiers kostnader med begjæringen er regnet med det meste utleier kan kreve (½ R)." if landlord
           else " Utleiers kostnader med begjæringen er ikke tatt med.")
    )
    notes.append(
        "Datoene er omtrentlige: de følger 2006-rapportens eksempel og lovens minstefrister, "
        "og varierer mellom namsmannsdistrikter."
    )
    notes.append(
        "Gebyret for gjennomført utkastelse kommer bare hvis låsen skiftes, og er ikke med i beløpet som stopper den."
    )
    return tuple(notes)


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
        p = _project(
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


def request_date(household: Household, same_day_credit: bool = False, rules: EvictionRules | None = None,
                 series: np.ndarray | None = None) -> date | None:
    """`project_household(...).request_date`, by the same processes and the same settle rule,
    without the parts the batch does not show (each step's claim, the fees, the notes): the
    batch's `--check-only` asks this of every household heading for a request."""
    rules = rules or eviction_rules()
    h = household
    balances = _Balances(h, same_day_credit, None, series)
    existing = h.arrears if h.arrears is not None and h.arrears.amount > 0 else None
    rents = _rent_days(resolve_expense(h.rent), h.start, h.end)
    first_due = process_start(first_unpaid_due(rents, h.start, balances.of(h)), existing, h.start)
    if first_due is None:
        return None
    walk = _walk(first_due, rules, None)
    needed = add_months(_date_of(walk, EVICTION_STEP), 1)
    hx = balances.continued(_months_to(h, needed)) if needed > h.end else h
    if _out_of_reach(hx, walk, balances.of(hx)):
        return _date_of(walk, REQUEST_STEP)  # the first process ends in a request
    settled: list[Settlement] = []
    for r in _processes(h, same_day_credit, rules, balances, settled):
        walk = _walk(r.first_due, rules, None)
        x = _first_settlement(walk, _claim(walk, r.debts, rules, None, r.first_due), r.afford, r.first_due)
        if x is None:
            return _date_of(walk, REQUEST_STEP)
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
    existing = h.arrears.amount if h.arrears is not None and h.arrears.amount > 0 else 0
    since = (h.arrears.since or h.start) if h.arrears is not None else h.start
    rents = _rent_days(resolve_expense(h.rent), h.start, h.end)
    known = len(series) - 1
    for rule, when, _, costs in walk:
        if not rule.pay_within_days:
            continue
        deadline = when + timedelta(days=rule.pay_within_days)
        a, b = max(0, (when - h.start).days), (deadline - h.start).days
        if b < 0:
            continue  # the whole window lies before the horizon: nothing can be paid there
        if b > known:
            return False  # days the series does not know: the full walk decides
        reach = min(known, (_month_last_day(month_key(deadline)) - h.start).days)
        later = sum(h.rent.amount_for(o.nominal.year, o.nominal.month) for o in rents
                    if o.nominal > when and (o.effective - h.start).days <= reach)
        owed_before = existing if since <= when else 0
        for t in _last_window_days(h.start, a, b):
            month_end = min(known, (_month_last_day(month_key(h.start + timedelta(days=t))) - h.start).days)
            if int(series[t:month_end + 1].min()) + later - owed_before >= costs:
                return False
    return True


def _last_window_days(start: date, a: int, b: int) -> list[int]:
    """The last day (offset from `start`) of the window [a, b] in each month it touches."""
    out = []
    t = a
    while t <= b:
        month_end = (_month_last_day(month_key(start + timedelta(days=t))) - start).days
        out.append(min(b, month_end))
        t = month_end + 1
    return out


@dataclass(frozen=True)
class _Process:
    """One process of a household's "if nothing is done": what starts it and what it claims."""

    first_due: date
    debts: list[_Debt]
    unpaid: tuple[UnpaidRent, ...]
    existing_ore: int
    afford: Callable[[date], int | None]


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
        eviction = _date_of(_walk(first_due, rules, None), EVICTION_STEP)
        # Rent due up to the eviction date counts; a holiday can push its debit days later, so
        # the schedule as it stands is continued a month past the eviction date when the
        # horizon is short.
        needed = add_months(eviction, 1)
        if needed > h.end:
            hx = balances.continued(_months_to(h, needed))
            all_unpaid = unpaid_rents(hx, same_day_credit, None, payments, balances.of(hx))
            unpaid = _open_rents(all_unpaid, paid_until)
        debts = [_Debt(u.due, u.debit_date, u.unpaid_ore) for u in unpaid]
        if owed_existing is not None:
            since = owed_existing.since or h.start
            debts.insert(0, _Debt(since, since, owed_existing.amount))
        account = _account(hx.start, balances.of(hx), all_unpaid, payments)
        yield _Process(first_due, debts, unpaid, owed_existing.amount if owed_existing is not None else 0,
                       _afford(hx.start, hx.end, account))


def _months_to(h: Household, needed: date) -> int:
    """The fewest months from the household's start whose horizon reaches `needed`."""
    months = h.months
    while add_months(h.start, months) - timedelta(days=1) < needed:
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
    return check_table(compile_households(longer), same_day_credit).series


#: Rent debited on the horizon's last days may fall due a little after it (a due date on a
#: holiday or weekend debited on the bank day before): the continuation allows for that many days.
DUE_AFTER_END_DAYS = 14


def projection_months(h: Household, rules: EvictionRules | None = None) -> int:
    """How many months from the household's start `project_household` may continue its
    schedule: to a month past the eviction date of rent falling due at the horizon's end (a
    longer one is simulated on its own, so this only decides what can be done in bulk)."""
    last_due = h.end + timedelta(days=DUE_AFTER_END_DAYS)
    return _months_to(h, add_months(step_dates(last_due, rules)[EVICTION_STEP], 1))


class _Balances:
    """The account's solvency series for the household's horizon and its continuations, each
    worked out once (the loop of processes asks for them again and again).

    Every booking is placed by its effective date, so the series over a longer horizon begins
    with the series over a shorter one from the same start: a long series given by the caller
    serves every horizon it covers."""

    def __init__(self, h: Household, same_day_credit: bool, txs: Sequence[Transaction] | None,
                 series: np.ndarray | None) -> None:
        self.h = h
        self.same_day_credit = same_day_credit
        self.txs = txs
        self.long = series
        self._households: dict[int, Household] = {h.months: h}
        self._series: dict[int, np.ndarray] = {}

    def continued(self, months: int) -> Household:
        """The household with its schedule continued to `months` months."""
        if months not in self._households:
            self._households[months] = self.h.model_copy(update={"months": months})
        return self._households[months]

    def of(self, hx: Household) -> np.ndarray:
        days = (hx.end - hx.start).days + 1
        if self.long is not None and len(self.long) >= days:
            return self.long[:days]
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


def _afford(start: date, end: date, account: np.ndarray) -> Callable[[date], int | None]:
    """The lowest balance from a day to the end of its month (within the known days): each
    month's running minimum taken from its last day backwards, once."""
    hz = horizon(start, end)
    low_from = np.empty_like(account)
    for a, b in zip(hz.month_first.tolist(), hz.month_last.tolist()):
        low_from[a:b + 1] = np.minimum.accumulate(account[a:b + 1][::-1])[::-1]

    def low(day: date) -> int | None:
        t = (day - start).days
        return int(low_from[t]) if 0 <= t < len(low_from) else None

    return low


def _settled_notes(settled: Sequence[Settlement]) -> tuple[str, ...]:
    """Norwegian sentences on each claim the account pays by a notice's deadline."""
    return tuple(
        f"Kravet i {x.name_nb.lower()} ({_d(x.notice_date)}) kan betales fra kontoen innen fristen {_d(x.deadline)}, "
        f"etter månedens planlagte utgifter: {format_kr(x.amount_ore)} betales {_d(x.paid_on)}, og saken stopper der. "
        f"Det koster {format_kr(x.interest_ore + x.costs_ore)} i renter og gebyrer."
        for x in settled
    )


def project_claim(
    first_due: date, claim_ore: int, profile: str | None = None, rules: EvictionRules | None = None
) -> EvictionProjection:
    """The process for one explicit unpaid claim of `claim_ore`, due on `first_due`, with no
    later rent: the seed report's form of the example. `profile` (e.g. "seed-2006") takes that
    profile's timeline, interest rate and extra costs; without it the data's usual ones apply."""
    rules = rules or eviction_rules()
    p = rules.profiles[profile] if profile is not None else None
    if claim_ore <= 0:
        raise ValueError("the claim must be more than 0 øre")
    return _project(
        first_due=first_due,
        debts=[_Debt(first_due, first_due, claim_ore)],
        months_from=first_due,
        rules=rules,
        profile=p,
        household=None,
        unpaid=(),
        existing_ore=claim_ore,
    )


def project_profile(name: str = "seed-2006", rules: EvictionRules | None = None) -> EvictionProjection:
    """A named profile's worked example, on its own first due date and claim."""
    rules = rules or eviction_rules()
    p = rules.profiles[name]
    return project_claim(p.first_due, p.claim_ore, profile=name, rules=rules)

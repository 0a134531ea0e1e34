"""One process from a first unpaid due date: its steps, dates and costs, the claim with its
interest, a notice the account can pay, and the projection's result; the seed report's claim
and the named profiles' examples."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Literal

import numpy as np

from ..formatting import format_kr, nb_date
from .results import CostLine, EvictionProjection, FeesUsed, Settlement, Step, UnpaidRent
from .rules import EVICTION_STEP, REQUEST_STEP, EvictionRules, Lookup, Profile, StepRule, eviction_rules
from .timeline import (
    Debt,
    RateAt,
    court_fees,
    interest_rounded,
    month_keys,
    month_last_day,
    step_costs,
    step_dates,
)

# --------------------------------------------------------------------------- one process


#: a projection that ends before any eviction request: no request, no cure, no fees
NO_REQUEST: dict[str, Any] = dict(request_date=None, eviction_date=None, cure_amount_ore=0, cure_principal_ore=0,
                         cure_interest_ore=0, cure_costs_ore=0, cure_deadline=None, fees=None)


#: one step of a process as the rules lay it out: its rule, its date, the costs it adds, and
#: the costs so far once they are added
WalkStep = tuple[StepRule, date, tuple[CostLine, ...], int]


@lru_cache(maxsize=4096)
def walk_steps(first_due: date, rules: EvictionRules, profile: str | None) -> tuple[WalkStep, ...]:
    """The steps of a process from `first_due`, with their dates and costs: the same for every
    household whose rent fell due that day, so worked out once for all of them."""
    dates = step_dates(first_due, rules, profile)
    p = rules.profiles[profile] if profile is not None else None
    out: list[WalkStep] = []
    costs = 0
    for rule in rules.steps:
        when = dates[rule.key]
        lines = step_costs(rule, when, first_due, rules, p)
        costs += sum(c.amount_ore for c in lines)
        out.append((rule, when, lines, costs))
    return tuple(out)


class Afford:
    """The lowest balance of an account from a day to the end of its month (within the known
    days, `account` from `start`): what a notice's claim paid that day may take without leaving
    the rest of the month's planned spending uncovered. Each month's running minimum is taken
    from its last day backwards when first asked for, once.

    Called with a date as a function; `span` gives a notice's whole window as one list, so the
    search for a day to pay on walks a list instead of calling this for each day."""

    __slots__ = ("start", "account", "month_of_day", "firsts", "lasts", "months")

    def __init__(self, start: date, account: np.ndarray, month_of_day: list[int], firsts: list[int],
                 lasts: list[int]) -> None:
        self.start = start
        self.account = account
        self.month_of_day, self.firsts, self.lasts = month_of_day, firsts, lasts
        self.months: dict[int, list[int]] = {}

    def _block(self, m: int) -> list[int]:
        block = self.months.get(m)
        if block is None:
            a, b = self.firsts[m], self.lasts[m] + 1
            block = self.months[m] = np.minimum.accumulate(self.account[a:b][::-1])[::-1].tolist()
        return block

    def __call__(self, day: date) -> int | None:
        t = (day - self.start).days
        if not 0 <= t < len(self.account):
            return None
        m = self.month_of_day[t]
        return self._block(m)[t - self.firsts[m]]

    def span(self, a: int, b: int) -> list[int | None]:
        """The lows of the days `a`..`b` (offsets from `start`), None for a day outside the
        known days: `[self(start + a), ..., self(start + b)]`."""
        days = len(self.account)
        out: list[int | None] = [None] * (min(b, -1) - a + 1) if a < 0 else []
        t = max(a, 0)
        while t <= b and t < days:
            m = self.month_of_day[t]
            first, last = self.firsts[m], min(self.lasts[m], b)
            out.extend(self._block(m)[t - first:last - first + 1])
            t = last + 1
        out.extend([None] * (b - t + 1) if t <= b else ())
        return out


@lru_cache(maxsize=8)
def _rate_lookups(rules: EvictionRules) -> tuple[RateAt, Callable[[date], date | None]]:
    """The rules' interest rate on a day and its next change, each cached for every claim
    (rules are hashed by identity: one parse, one cache)."""
    return lru_cache(maxsize=65536)(rules.interest.at), lru_cache(maxsize=65536)(rules.interest.changes_after)


class _Claim:
    """What is owed in one process: its debts, and simple interest on them at the data's rates
    (or a profile's one rate), exactly; `fallback` says whether any day used a fallback rate."""

    def __init__(self, debts: list[Debt], rules: EvictionRules, profile: Profile | None, first_due: date) -> None:
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
            self.rate_at, self.next_change = _rate_lookups(rules)
            self.source = "data"

    def principal_owed(self, owed_by: date) -> int:
        return sum(d.amount_ore for d in self.debts if d.owed_from <= owed_by)

    def interest_to(self, when: date, owed_by: date) -> int:
        """Interest up to `when` on the debts owed by `owed_by`, rounded to whole øre."""
        owed = (d for d in self.debts if d.owed_from <= owed_by)
        ore, fb = interest_rounded(owed, when, self.rate_at, self.next_change, self.day_count)
        self.fallback = self.fallback or fb
        return ore


def claim_of(walk: tuple[WalkStep, ...], debts: list[Debt], rules: EvictionRules, profile: Profile | None,
           first_due: date) -> _Claim:
    """The process's claim: the debts owed by the eviction date (later rent is not part of it)."""
    eviction = date_of(walk, EVICTION_STEP)
    return _Claim([d for d in debts if d.owed_from <= eviction], rules, profile, first_due)


def date_of(walk: tuple[WalkStep, ...], key: str) -> date:
    return next(when for rule, when, _, _ in walk if rule.key == key)


def walk_date(first_due: date, rules: EvictionRules, key: str) -> date:
    """`date_of(walk_steps(first_due, rules, None), key)`, by a cached table of the walk's
    dates: the batch asks for a process's request and eviction dates of every household."""
    return _walk_dates(first_due, rules)[key]


@lru_cache(maxsize=4096)
def _walk_dates(first_due: date, rules: EvictionRules) -> dict[str, date]:
    """Each step's date of the walk from `first_due` (the first step of a key, as `date_of`
    finds it); never changed, shared by every caller."""
    out: dict[str, date] = {}
    for rule, when, _, _ in walk_steps(first_due, rules, None):
        out.setdefault(rule.key, when)
    return out


def first_settlement(walk: tuple[WalkStep, ...], claim: _Claim, afford: Afford,
                      first_due: date) -> Settlement | None:
    """The first notice with a deadline whose claim the account pays by then, or None."""
    for rule, when, _, costs in walk:
        if rule.pay_within_days:
            settled = _try_settle(rule, when, claim.principal_owed(when), claim.interest_to, costs, afford, first_due)
            if settled is not None:
                return settled
    return None


def project_walk(
    *,
    first_due: date,
    debts: list[Debt],
    months_from: date,
    rules: EvictionRules,
    profile: Profile | None,
    household: str | None,
    unpaid: tuple[UnpaidRent, ...],
    existing_ore: int,
    afford: Afford | None = None,
) -> EvictionProjection:
    """The steps, costs and cure amount of one process. With `afford` (the lowest balance of the
    household's account from a day to the end of its month, before paying anything), a notice
    with a deadline whose claim the account can pay by then is paid, and the process stops
    there: the result then has status "settled" and one settlement."""
    walk = walk_steps(first_due, rules, profile.name if profile else None)
    request, eviction = date_of(walk, REQUEST_STEP), date_of(walk, EVICTION_STEP)
    claim = claim_of(walk, debts, rules, profile, first_due)
    debts = claim.debts
    settled = first_settlement(walk, claim, afford, first_due) if afford is not None else None

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
    for key in month_keys(months_from, eviction):
        end = min(month_last_day(key), eviction)
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
    afford: Afford, first_due: date,
) -> Settlement | None:
    """The first day up to the notice's deadline on which the account can pay the notice's
    claim (`principal`, what was owed on the notice's date; interest to the day of payment; and
    the costs so far) and still cover the rest of that month's planned spending; None if there
    is none. Interest is never negative, so a day whose balance cannot meet the principal and
    costs alone is passed over without working it out (exact fractions are the slow part); the
    window's lows come as one list (`Afford.span`)."""
    days = rule.pay_within_days or 0
    deadline = when + timedelta(days=days)
    need = principal + costs
    t0 = (when - afford.start).days
    for k, low in enumerate(afford.span(t0, t0 + days)):
        if low is not None and low >= need:
            day = when + timedelta(days=k)
            interest = interest_to(day, when)
            if low >= need + interest:
                return Settlement(rule.key, rule.name_nb, when, deadline, day, first_due, principal, interest, costs)
    return None


def _settled(
    x: Settlement, steps: list[Step], debts: list[Debt], months_from: date, household: str | None,
    unpaid: tuple[UnpaidRent, ...], existing_ore: int, rules: EvictionRules, profile: Profile | None,
) -> EvictionProjection:
    """A process that stops at a notice because the account pays it."""
    by_month = {}
    for key in month_keys(months_from, x.paid_on):
        end = min(month_last_day(key), x.paid_on - timedelta(days=1))
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
        **NO_REQUEST,
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
                f"{format_kr(int(r.value * 100))} (fra {nb_date(r.valid_from)}), er brukt."
            )
    for year, k in sorted(ink_years.items()):
        if k.fallback:
            notes.append(
                f"Inkassosatsen for {year} er ikke funnet; {format_kr(int(k.value * 100))} "
                f"(fra {nb_date(k.valid_from)}) er brukt, så purregebyr og innkrevingsgebyr er usikre."
            )
    pct = str(fees.interest_percent).replace(".", ",")
    steps = list(steps)
    if fees.interest_source == "data" and steps:
        first, last = steps[0].date, steps[-1].date
        for v in rules.interest.values:
            if v.status == "uncertain" and first < v.valid_from <= last or (
                    v.status == "uncertain" and v.valid_from <= first <= v.confirmed_until):
                notes.append(
                    f"Forsinkelsesrenten fra {nb_date(v.valid_from)}, {str(v.value).replace('.', ',')} % per år, "
                    "er bare meldt, ikke bekreftet."
                )
    if fees.interest_source == "profile":
        notes.append(f"Forsinkelsesrente {pct} % per år, som i eksempelet.")
    elif fees.interest_fallback:
        latest = rules.interest.values[-1]
        notes.append(
            f"Forsinkelsesrenten etter {nb_date(latest.confirmed_until)} er ikke funnet; "
            f"{str(latest.value).replace('.', ',')} % per år (fra {nb_date(latest.valid_from)}) er brukt videre."
        )
    if profile is not None and profile.extra_costs:
        notes.append("«Andre kostnader» er ikke spesifisert i rapporten; beløpene er tilpasset rapportens totalsummer.")
    landlord = any(c.key == "utleier_begjaering" for s in steps for c in s.costs)
    notes.append(
        "Purregebyr og innkrevingsgebyr er regnet med de høyeste satsene reglene tillater; "
        "kommunen kan kreve mindre. Salær til inkasso er ikke tatt med."
        + (" Utleiers kostnader med begjæringen er regnet med det meste utleier kan kreve (½ R), uten "
           "merverdiavgift: om mva kommer i tillegg for husleiekrav, er uavklart." if landlord
           else " Utleiers kostnader med begjæringen er ikke tatt med.")
    )
    # a fee limit that took a fee off a step is said once (inkassoforskriften § 1-3)
    limited = [lim for lim in rules.fee_limits if any(
        lim.valid_from <= s.date and sum(c in lim.costs for c in rules.step(s.key).costs) > 1 for s in steps)
        and not (profile is not None and lim.key in profile.without_fee_limits)]
    notes.extend(f"{lim.name_nb}." for lim in limited)
    if profile is not None and profile.without_fee_limits:
        notes.append("Eksempelet tar gebyr for både purring og inkassovarsel, som rapporten gjorde; "
                     "inkassoforskriften § 1-3 tillater bare ett gebyr når de sendes samtidig.")
    notes.append(
        "Datoene er omtrentlige: de følger 2006-rapportens eksempel og lovens minstefrister, "
        "og varierer mellom namsmannsdistrikter."
    )
    notes.append(
        "Gebyret for gjennomført utkastelse kommer bare hvis låsen skiftes, og er ikke med i beløpet som stopper den."
    )
    return tuple(notes)


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
    return project_walk(
        first_due=first_due,
        debts=[Debt(first_due, first_due, claim_ore)],
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

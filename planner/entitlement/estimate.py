"""The estimate: statlig bostøtte step by step, kommunal bostøtte, and the sosialhjelp
indication, for one household on one as-of day. Engine: pure (the day is a parameter), integers
in øre, no text. Every step is a typed `Step`, so the command can print the calculation and a
test can check each figure; every gap in what the household file holds is an `uncertain` code.

The calculation (forskrift om bostøtte §§ 1, 3, 4, 7, as `data/entitlement.toml` holds them):
  annual income       = 12 × the month's taxable income (gross)
  weighted income     = annual income / (1,0 + 0,13 per further member who has turned 18
                        + from February 2023 0,15 per member under 18), to the nearest krone (§ 7)
  egenandel           = minste egenandel + 16,44 % of the weighted income above a threshold
                        + until May 2025 the progressive term: 0,27 % × k of the weighted income,
                        where k = 1 + the number of whole 1 205 kr steps above 195 221 kr;
                        from June 2025 instead 63,56 % of the weighted income above 237 672 kr (§ 4)
  approved costs      = min(12 × monthly housing costs (+ the heating supplement of § 2 d from
                        June 2025 when heating is paid outside the rent), the ceiling for the
                        size and kommune group)
  bostøtte per year   = 73,7 % × (approved costs − egenandel), never below 0 (§ 1)
  bostøtte per month  = the year's amount / 12, to the nearest krone; paid only from the
                        minimum payout (56 kr; 61 kr from June 2025) (§ 13)
Intermediate øre are rounded half up; Husbanken's own rounding is not published (docs say so).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Literal, NamedTuple

from ..calendar import Schedule, effective_date, occurrences, resolve_income
from ..model import Household, month_amount_keys
from ..periods import key_of, next_month
from .rules import EntitlementRules, KommunalRule, ReasonableCost, StatligRates, entitlement_rules

#: What a step's value is: øre, hundredths (a weight), parts per 10 000 (a rate), a count.
StepUnit = Literal["ore", "hundredths", "per10000", "count"]


@dataclass(frozen=True, slots=True)
class Step:
    """One figure of the calculation, named by `key` (planner.entitlement.text words it)."""

    key: str
    value: int
    unit: StepUnit


@dataclass(frozen=True)
class BostotteEstimate:
    """Statlig bostøtte for the household's month, as far as the file tells."""

    rules_from: date
    known_until: date
    members: int
    kommunegruppe: int
    steps: tuple[Step, ...]
    computed_ore: int  # per month, before the minimum payout test
    monthly_ore: int  # what would be paid per month (0 below the minimum payout)
    minimum_payout_ore: int
    has_stream: bool  # the household already has a bostøtte income
    applied: bool  # the caseworker has confirmed an application is made
    deadline: date  # the next application deadline on or after the as-of day
    for_month: str  # the month that application is for ("YYYY-MM")
    first_payout: date  # the bank day of its first payout (paid in arrears)
    uncertain: tuple[str, ...]

    @property
    def likely_eligible(self) -> bool:
        """The estimate reaches Husbanken's minimum payout."""
        return self.monthly_ore > 0

    @property
    def unused(self) -> bool:
        """Bostøtte the household may be owed and does not get: no bostøtte stream, and the
        estimate reaches the minimum payout ("bostøtte ikke søkt?")."""
        return not self.has_stream and self.likely_eligible


@dataclass(frozen=True)
class KommunalScheme:
    """A kommune's own scheme: computed when it is a fixed share of the rent, else named."""

    rule: KommunalRule
    monthly_ore: int | None  # None: not computed (means tested, or not known to apply)
    applies: bool | None  # None: the file does not say whether the home is a kommunal bolig


@dataclass(frozen=True)
class SosialhjelpIndication:
    """The household's income against the veiledende satser plus its housing costs."""

    rates_from: date
    known_until: date
    livsopphold_ore: int
    housing_ore: int
    income_ore: int
    gap_ore: int  # need − income, 0 when the income covers it
    uncertain: tuple[str, ...]

    @property
    def below(self) -> bool:
        return self.gap_ore > 0


@dataclass(frozen=True)
class Entitlements:
    as_of: date
    bostotte: BostotteEstimate
    kommunal: tuple[KommunalScheme, ...]
    sosialhjelp: SosialhjelpIndication


def _half_up(num: int, den: int) -> int:
    """num / den rounded half up (num ≥ 0), in integers."""
    return (2 * num + den) // (2 * den)


def _months_of(h: Household) -> int:
    """The number of calendar months the horizon touches."""
    return (h.end.year - h.start.year) * 12 + h.end.month - h.start.month + 1


def monthly_income(h: Household, kinds: frozenset[str] | None, exclude: frozenset[str] = frozenset(),
                   schedules: Sequence[Schedule] | None = None) -> int:
    """The household's average payouts per month over its horizon, in øre, from the streams of
    `kinds` (None: every kind) less those of `exclude`. An average, because Husbanken's monthly
    income is the month's actual payouts, and 14-day rhythms give some months three. Only the
    income schedules are expanded (a batch asks this of every row). `schedules`: each income
    stream's schedule (`household_schedules`), if the caller has them."""
    total = 0
    for k, stream in enumerate(h.income):
        if (kinds is not None and stream.kind not in kinds) or stream.kind in exclude:
            continue
        sched = resolve_income(stream, h.start, h.profile) if schedules is None else schedules[k]
        if not stream.month_amounts:
            total += stream.amount * _count(sched, h.start, h.end)
        else:
            amount, amounts = stream.amount, stream.month_amounts
            total += sum(n * (amount if key is None else amounts[key])
                         for n, key in _payout_keys(tuple(amounts), sched, h.start, h.end))
    return _half_up(total, _months_of(h))


@lru_cache(maxsize=4096)
def _payout_months(sched: Schedule, start: date, end: date) -> tuple[tuple[int, int, int], ...]:
    """(year, month, payouts) of each month with a payout of the schedule in the horizon, by
    the payouts' nominal dates (cached as `_count`: a month's amount is then looked up once per
    month, not once per payout)."""
    months: dict[tuple[int, int], int] = {}
    for o in occurrences(sched, start, end):
        key = (o.nominal.year, o.nominal.month)
        months[key] = months.get(key, 0) + 1
    return tuple((y, m, n) for (y, m), n in months.items())


@lru_cache(maxsize=4096)
def _payout_keys(keys: tuple[str, ...], sched: Schedule, start: date, end: date) -> tuple[tuple[int, str | None], ...]:
    """(payouts, the key of `keys` that `amount_for` reads there or None) of each month of
    `_payout_months`: the same for every stream with these `month_amounts` keys and this
    schedule, so a month's amount is then one lookup."""
    out = []
    for y, m, n in _payout_months(sched, start, end):
        out.append((n, next((k for k in month_amount_keys(y, m) if k in keys), None)))
    return tuple(out)


@lru_cache(maxsize=4096)
def _count(sched: Schedule, start: date, end: date) -> int:
    """Payouts of a schedule in the horizon (cached: a batch has few distinct schedules)."""
    return len(occurrences(sched, start, end))


def _deadline(as_of: date, rules: EntitlementRules) -> tuple[date, str, date]:
    """The next deadline on or after `as_of`, the month it is for, and that month's payout day
    (the 20th of the month after, moved to the bank day before as Husbanken pays)."""
    y, m = as_of.year, as_of.month
    if as_of.day > rules.deadline_day:
        y, m = next_month(y, m)
    py, pm = next_month(y, m)
    return date(y, m, rules.deadline_day), key_of(y, m), effective_date(date(py, pm, rules.payout_day), "before")


def household_weight(members: int, children: int, rates: StatligRates) -> int:
    """§ 7's weight in hundredths: 1,0 for the first member, 0,13 for each further one who has
    turned 18 and (from February 2023) 0,15 for each under 18. The first member is the applicant,
    an adult, so at most `members` - 1 are counted as children."""
    kids = max(0, min(children, members - 1))
    return rates.first_weight + rates.further_weight * (members - 1 - kids) + rates.child_weight_or_further * kids


class Figures(NamedTuple):
    """The calculation's figures (øre per year unless named otherwise), as `estimate_bostotte`
    lists them in its steps."""

    annual: int
    weight: int  # hundredths
    weighted: int
    share: int
    prog: int
    upper: int
    egenandel: int
    heat: int
    housing: int
    ceiling: int
    approved: int
    basis: int
    per_year: int
    computed: int  # per month, before the minimum payout test
    paid: int  # per month


def bostotte_figures(members: int, kommunegruppe: int, income_monthly_ore: int, housing_monthly_ore: int,
                     rates: StatligRates, heating: bool = False, children: int = 0,
                     single_pensioner: bool = False) -> Figures:
    """The calculation's figures alone (see `estimate_bostotte`): what the batch's "bostøtte
    ikke søkt?" needs of every row, without the steps that show them."""
    annual = 12 * income_monthly_ore
    weight = household_weight(members, children, rates)
    weighted_kr = _half_up(annual * 100, weight * 100)
    weighted = weighted_kr * 100
    own = single_pensioner and members == 1 and rates.pensioner_threshold > 0
    threshold = rates.pensioner_threshold if own else rates.income_threshold
    progressive_from = rates.pensioner_progressive_from if own and rates.pensioner_progressive_from else rates.progressive_from
    upper_threshold = rates.pensioner_upper_threshold if own and rates.pensioner_upper_threshold else rates.upper_threshold
    share = 0
    if weighted > threshold:
        share = _half_up((weighted - threshold) * rates.income_share, 10_000)
    prog = 0
    if rates.progressive_rate and weighted_kr > progressive_from:
        k = (weighted_kr - (progressive_from + 1)) // rates.progressive_step + 1
        prog = _half_up(weighted * k * rates.progressive_rate, 10_000)
    upper = 0
    if rates.upper_share and weighted > upper_threshold:
        upper = _half_up((weighted - upper_threshold) * rates.upper_share, 10_000)
    egenandel = rates.minimum_egenandel + share + prog + upper
    heat = rates.heating_supplement if heating else 0
    housing = 12 * housing_monthly_ore + heat
    ceiling = rates.ceiling[min(members, len(rates.ceiling)) - 1] + rates.ceiling_extra.get(kommunegruppe, 0)
    approved = min(housing, ceiling)
    basis = max(0, approved - egenandel)
    per_year = _half_up(basis * rates.coverage, 10_000)
    computed = _half_up(per_year, 1200) * 100  # whole kroner per month
    paid = computed if computed >= rates.minimum_payout else 0
    return Figures(annual, weight, weighted, share, prog, upper, egenandel, heat, housing, ceiling, approved, basis,
                   per_year, computed, paid)


def estimate_bostotte(members: int, kommunegruppe: int, income_monthly_ore: int, housing_monthly_ore: int,
                      rates: StatligRates, heating: bool = False, children: int = 0,
                      single_pensioner: bool = False) -> tuple[tuple[Step, ...], int, int]:
    """The calculation alone: (steps, computed per month, paid per month) for a household of
    `members` (`children` of them under 18) in `kommunegruppe` with a month's gross taxable income
    and housing costs; `heating`: it pays for heating outside the rent (§ 2 d adds the rules'
    heating supplement); `single_pensioner`: a household of one with alderspensjon, whose
    egenandel starts at § 4's own, higher thresholds where the rules have them."""
    f = bostotte_figures(members, kommunegruppe, income_monthly_ore, housing_monthly_ore, rates, heating, children,
                         single_pensioner)
    steps = [Step("income_monthly", income_monthly_ore, "ore"), Step("income_annual", f.annual, "ore"),
             Step("weight", f.weight, "hundredths"), Step("weighted_income", f.weighted, "ore"),
             Step("egenandel_minimum", rates.minimum_egenandel, "ore"), Step("egenandel_share", f.share, "ore")]
    if rates.progressive_rate:
        steps.append(Step("egenandel_progressive", f.prog, "ore"))
    if rates.upper_share:
        steps.append(Step("egenandel_upper", f.upper, "ore"))
    steps += [Step("egenandel", f.egenandel, "ore")]
    if f.heat:
        steps.append(Step("heating", f.heat, "ore"))
    steps += [Step("housing_annual", f.housing, "ore"), Step("ceiling", f.ceiling, "ore"),
              Step("approved", f.approved, "ore"), Step("basis", f.basis, "ore"),
              Step("coverage", rates.coverage, "per10000"), Step("per_year", f.per_year, "ore"),
              Step("computed_monthly", f.computed, "ore"), Step("minimum_payout", rates.minimum_payout, "ore"),
              Step("monthly", f.paid, "ore")]
    return tuple(steps), f.computed, f.paid


class _Basis(NamedTuple):
    """What the calculation is given for a household, and what of it the file does not tell."""

    rates: StatligRates
    members: int
    group: int
    income: int
    housing: int
    heating: bool
    pensioner: bool
    kinds: set[str]
    uncertain: list[str]


def _inputs(h: Household, as_of: date, rules: EntitlementRules,
            schedules: Sequence[Schedule] | None = None, doubts: bool = True) -> _Basis:
    """`doubts` False: what the file does not tell past `_basis` is not listed (the batch's
    flag needs the figures only)."""
    e = h.entitlement
    rates = rules.statlig_at(as_of)
    members, group, income, uncertain = _basis(h, rules, schedules)
    kinds = {s.kind for s in h.income}
    heating, more = _heating_and_doubts(h, as_of, rules, rates, kinds) if doubts else (_heating(h, rates), [])
    housing = h.rent.amount + e.other_housing_costs
    # § 4: a household of one with alderspensjon has its own thresholds (the file's income kind tells)
    pensioner = members == 1 and "alderspensjon" in kinds
    return _Basis(rates, members, group, income, housing, heating, pensioner, kinds, uncertain + more)


def _bostotte(h: Household, as_of: date, rules: EntitlementRules) -> BostotteEstimate:
    e = h.entitlement
    x = _inputs(h, as_of, rules)
    steps, computed, paid = estimate_bostotte(x.members, x.group, x.income, x.housing, x.rates, x.heating, h.children,
                                              x.pensioner)
    deadline, for_month, first = _deadline(as_of, rules)
    return BostotteEstimate(
        rules_from=x.rates.valid_from, known_until=rules.statlig_known_until, members=x.members,
        kommunegruppe=x.group, steps=steps, computed_ore=computed, monthly_ore=paid,
        minimum_payout_ore=x.rates.minimum_payout, has_stream="bostotte" in x.kinds, applied=e.bostotte_applied,
        deadline=deadline, for_month=for_month, first_payout=first, uncertain=tuple(x.uncertain))


def _basis(h: Household, rules: EntitlementRules,
           schedules: Sequence[Schedule] | None = None) -> tuple[int, int, int, list[str]]:
    """Members, kommune group and monthly income the estimate uses, and what of them is a
    default rather than the file's own figure (in the order the output names them).
    `schedules`: the income streams' schedules, if the caller has them."""
    e = h.entitlement
    uncertain: list[str] = []
    members = e.members if e.members is not None else max(1, h.adults + h.children)
    if e.members is None:
        uncertain.append("members_default")
    group = e.kommunegruppe or rules.group_of(e.kommune)
    if group is None:
        group = 4
        uncertain.append("kommune_unknown")
    if e.gross_income_monthly is not None:
        income = e.gross_income_monthly
    else:
        income = monthly_income(h, rules.income_kinds, schedules=schedules)
        if income:
            uncertain.append("income_net")
    return members, group, income, uncertain


def _heating_and_doubts(h: Household, as_of: date, rules: EntitlementRules, rates: StatligRates,
                        kinds: set[str]) -> tuple[bool, list[str]]:
    """Whether heating is added to the housing costs, and what else the estimate cannot know
    from the file (after `_basis`'s doubts, in the order the output names them)."""
    e = h.entitlement
    uncertain: list[str] = []
    if "annen" in kinds and e.gross_income_monthly is None:
        uncertain.append("income_other")
    if kinds & {"aap", "dagpenger"}:
        uncertain.append("income_varies")
    heating = _heating(h, rates)
    if rates.heating_supplement and not heating:
        uncertain.append("heating_unknown")
    elif not rates.heating_supplement and kinds & {"uforetrygd", "alderspensjon"}:
        uncertain.append("heating_supplement")
    if "uforetrygd" in kinds:
        uncertain.append("ung_ufor")
    if e.wealth is None:
        uncertain.append("wealth")
    if as_of > rules.statlig_known_until or as_of < rates.valid_from:
        uncertain.append("rules_dated")
    uncertain.append("household_rules")
    return heating, uncertain


def _heating(h: Household, rates: StatligRates) -> bool:
    """§ 2 d (from June 2025, for everyone): heating is added when it is not paid through the
    rent; a household that pays its own electricity (a "strom" expense) is taken to heat outside it."""
    return bool(rates.heating_supplement) and any(x.kind == "strom" for x in h.expense)


def _ceil_div(num: int, den: int) -> int:
    return -(-num // den)


def reasonable_cost_support(members: int, income_annual_ore: int, rent_annual_ore: int,
                            p: ReasonableCost) -> tuple[int, int, int]:
    """A "rimelig boutgift" scheme for a year: (the share of the income in parts per 10 000, the
    rimelig boutgift, the support), øre per year. The share is the base rate up to the first limit
    (for one person; for two, plus `per_member` for each member beyond two), one percentage point
    more for each started `band_step` up to the first limit + `band`, then one more for each
    started `above_step`; the support is the rent above the rimelig boutgift, none on a rent below
    the minimum housing cost or when it would be below the minimum support (Bodø's rules)."""
    first = p.first_limit[0] if members <= 1 else p.first_limit[1] + p.per_member * (members - 2)
    rate = p.base_rate
    if income_annual_ore > first:
        rate += 100 * _ceil_div(min(income_annual_ore, first + p.band) - first, p.band_step)
    if income_annual_ore > first + p.band:
        rate += 100 * _ceil_div(income_annual_ore - first - p.band, p.above_step)
    reasonable = _half_up(income_annual_ore * rate, 10_000)
    support = max(0, rent_annual_ore - reasonable)
    if rent_annual_ore < p.minimum_housing[0 if members <= 1 else 1] or support < p.minimum_support:
        support = 0
    return rate, reasonable, support


def _kommunal(h: Household, as_of: date, rules: EntitlementRules, b: BostotteEstimate) -> tuple[KommunalScheme, ...]:
    out = []
    for r in rules.kommunal_for(h.entitlement.kommune, as_of):
        applies = h.entitlement.kommunal_bolig
        amount = None
        if r.kind == "rent_reduction" and applies and r.percent is not None:
            amount = _half_up(h.rent.amount * r.percent, 10_000)
        elif r.kind == "reasonable_cost" and applies and r.reasonable is not None:
            # the income basis is the statlig estimate's (12 × the month's gross), the rent the file's
            income = next(s.value for s in b.steps if s.key == "income_annual")
            _, _, support = reasonable_cost_support(b.members, income, 12 * h.rent.amount, r.reasonable)
            amount = _half_up(support, 1200) * 100  # whole kroner per month
        out.append(KommunalScheme(r, amount, applies))
    return tuple(out)


def _sosialhjelp(h: Household, as_of: date, rules: EntitlementRules, bostotte_ore: int) -> SosialhjelpIndication:
    """Income (barnetrygd left out from September 2022, and the estimated unused bostøtte
    counted, since the sosialtjenesten expects it applied for) against the satser plus rent and
    electricity."""
    r = rules.sosialhjelp_at(as_of)
    e = h.entitlement
    uncertain: list[str] = []
    adults = h.adults
    livsopphold = r.enslig if adults <= 1 else r.par + (adults - 2) * r.bofellesskap
    if adults > 2:
        uncertain.append("adults_many")
    ages = list(e.child_ages or [])
    if len(ages) != h.children:
        uncertain.append("child_ages")
        ages = (ages + [8] * h.children)[: h.children]
    for a in ages:
        livsopphold += r.barn_0_5 if a <= 5 else r.barn_6_10 if a <= 10 else r.barn_11_17
    housing = h.rent.amount + e.other_housing_costs + sum(x.amount for x in h.expense if x.kind == "strom")
    exclude = frozenset(rules.not_income_kinds if as_of > rules.barnetrygd_counted_until else {"sosialhjelp"})
    income = monthly_income(h, None, exclude) + bostotte_ore
    if as_of > rules.sosialhjelp_known_until or as_of < r.valid_from:
        uncertain.append("rates_dated")
    uncertain.append("individual")
    gap = max(0, livsopphold + housing - income)
    return SosialhjelpIndication(rates_from=r.valid_from, known_until=rules.sosialhjelp_known_until,
                                 livsopphold_ore=livsopphold, housing_ore=housing, income_ore=income, gap_ore=gap,
                                 uncertain=tuple(uncertain))


def entitlements(h: Household, as_of: date, rules: EntitlementRules | None = None) -> Entitlements:
    """Everything the household may be owed, on `as_of`."""
    rules = rules or entitlement_rules()
    b = _bostotte(h, as_of, rules)
    unused = b.monthly_ore if b.unused else 0
    return Entitlements(as_of, b, _kommunal(h, as_of, rules, b), _sosialhjelp(h, as_of, rules, unused))


def unused_bostotte(h: Household, as_of: date, schedules: Sequence[Schedule] | None = None) -> int:
    """The estimated bostøtte per month (øre) of a household that has none and would reach the
    minimum payout, else 0: the batch's "bostøtte ikke søkt?" and the half-year sum.
    `schedules`: each income stream's schedule (`household_schedules`), if the caller has them
    (the batch's check resolved them already)."""
    for s in h.income:  # (a loop, not `any` over a generator: a batch asks this of every row)
        if s.kind == "bostotte":
            return 0  # the cheap answer first
    x = _inputs(h, as_of, entitlement_rules(), schedules, doubts=False)
    # (what `_bostotte(...).monthly_ore` is, without its steps: it is "unused" when above 0)
    return bostotte_figures(x.members, x.group, x.income, x.housing, x.rates, x.heating, h.children, x.pensioner).paid

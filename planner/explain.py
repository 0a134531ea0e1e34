"""Plain-language reasons: what was wrong, what each intervention does, and why it is needed.

One justification per intervention, in the manner of a rule engine that explains each rule it
fired: who must act, what to ask for, from which date, and which dip of the current schedule
it removes (the lowest balance in the days the intervention changes).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import numpy as np

from .benefits import catalogue as benefit_catalogue
from .cashflow import simulate, transactions
from .formatting import format_decimal, nb_date
from .levers import rules
from .model import Household, Intervention, Plan
from .money import format_kr

ACTORS_NB = {
    "tenant": "leietaker",
    "landlord": "utleier",
    "nav": "NAV",
    "husbanken": "Husbanken",
    "creditor": "kreditor",
    "sosialtjenesten": "sosialtjenesten",
}


d = nb_date  # the one Norwegian date format (planner.formatting)


def actors_text(actors) -> str:
    return ", ".join(ACTORS_NB.get(a, a) for a in actors)


def stream_name(h: Household, stream: str) -> str:
    for inc in h.income:
        if inc.stream == stream:
            name = benefit_catalogue().kinds[inc.kind].name
            return name if inc.name is None else f"{name} ({inc.name})"
    return stream


def _first_date(plan: Plan, **match) -> date | None:
    for t in plan.transactions:
        if all(getattr(t, k) == v for k, v in match.items()):
            return t.date
    return None


class _Baseline:
    """The balance as the schedule stands, to say which dip an intervention removes."""

    def __init__(self, h: Household, same_day_credit: bool = False, base_tx=None):
        self.h = h
        self.txs = transactions(h) if base_tx is None else base_tx
        self.sim = simulate(self.txs, h.start, h.end, h.opening_balance)
        self.series = self.sim.solvency_series(same_day_credit)

    def dip_between(self, windows: list[tuple[date, date]]) -> tuple[int, date, int] | None:
        """Lowest baseline balance in the windows [a, b), its date, and days below the floor."""
        mask = np.zeros(len(self.series), dtype=bool)
        for a, b in windows:
            i = max(0, (a - self.h.start).days)
            j = min(len(self.series), (b - self.h.start).days)
            if j > i:
                mask[i:j] = True
        if not mask.any():
            return None
        vals = np.where(mask, self.series, np.iinfo(np.int64).max)
        t = int(np.argmin(vals))
        below = int(((self.series < self.h.min_balance) & mask).sum())
        return int(self.series[t]), self.h.start + timedelta(days=t), below


def _monthly_windows(h: Household, from_day: int, to_day: int) -> list[tuple[date, date]]:
    """The days from `from_day` up to (not including) `to_day` in every month of the horizon."""
    from .calendar import nominal_in_month

    out = []
    y, m = h.start.year, h.start.month
    while date(y, m, 1) <= h.end:
        a, b = sorted((from_day, to_day))
        out.append((nominal_in_month(y, m, a), nominal_in_month(y, m, b)))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


MONTHS_NB = ("jan.", "feb.", "mars", "apr.", "mai", "juni", "juli", "aug.", "sep.", "okt.", "nov.", "des.")


def _month_nb(key: str) -> str:
    return f"{MONTHS_NB[int(key[5:7]) - 1]} {key[:4]}"


def instalment_schedule(days: list[int], by_month: dict[str, list[int]]) -> str:
    """'jan. 2026–apr. 2026: 2 741,92 kr den 1. og 5 258,08 kr den 25.; mai 2026–des. 2026:
    8 000,00 kr den 1.' — consecutive months with the same split are one group; a day with
    nothing to pay that month is left out, so no 'zero kroner' debit is ever described."""
    groups: list[tuple[list[str], tuple[int, ...]]] = []
    for key in sorted(by_month):
        split = tuple(by_month[key])
        if groups and groups[-1][1] == split:
            groups[-1][0].append(key)
        else:
            groups.append(([key], split))

    def describe(split: tuple[int, ...]) -> str:
        return " og ".join(f"{format_kr(a)} den {day}." for day, a in zip(days, split) if a) or "ingenting"

    if len(groups) == 1:
        return describe(groups[0][1])
    parts = []
    for keys, split in groups:
        span = _month_nb(keys[0]) if len(keys) == 1 else f"{_month_nb(keys[0])}–{_month_nb(keys[-1])}"
        parts.append(f"{span}: {describe(split)}")
    return "; ".join(parts)


def _dip_reason(base: _Baseline, windows: list[tuple[date, date]], h: Household) -> str:
    dip = base.dip_between(windows)
    if dip is None or dip[2] == 0:
        return "Gir mer buffer på kontoen i disse dagene."
    low, when, days = dip
    return (f"Fjerner underskuddet i disse dagene: i dag er saldoen under grensen {days} dager der, "
            f"lavest {format_kr(low)} den {d(when)}.")


def _summarise(i: Intervention, plan: Plan, h: Household, base: _Baseline) -> Intervention:
    rule = rules().get(i.lever)
    if rule is not None:
        summary, reason = rule.explain(i, plan, h, base)
    elif i.lever == "opening_buffer":
        from .levers.bridge import explain as bridge_explain

        summary, reason = bridge_explain(i)
    else:  # pragma: no cover
        summary, reason = i.summary, i.reason
    return replace(i, summary=summary, reason=reason)


def tenant_rent_share(plan: Plan, h: Household) -> str:
    """What the tenant still pays by autogiro in a typical month from the plan's first change
    (the rule the letters state as facts, `planner.facts.typical_share`), e.g. '4 900,00 kr'."""
    from .facts import Ledger, first_changed_month, typical_share

    led = Ledger(plan)
    share, differs = typical_share(led, None, first_changed_month(led, h))
    if not share:
        return "Leietaker betaler da ikke noe selv; hele husleien dekkes direkte."
    total = sum(a.value for _, a in share)
    note = " (varierer med antall utbetalinger i måneden)" if differs else ""
    return f"Leietakers eget trekk blir da {format_kr(total)} i en vanlig måned{note}."


def _reason_direct(plan: Plan, h: Household, base: _Baseline, kind: str, stream: str) -> str:
    """A direct payment lowers what the tenant pays on the due day: the dip it removes lies
    between the due day and the payout."""
    dates = sorted({t.date for t in plan.transactions if t.kind == kind and t.stream == stream})
    if not dates:
        return ""
    due = h.rent.day or 1
    pay_day = dates[0].day
    return _dip_reason(base, _monthly_windows(h, due, pay_day), h)


def explain_plan(plan: Plan, h: Household, same_day_credit: bool = False,
                 base_tx=None) -> tuple[list[Intervention], list[str]]:
    """Summaries and reasons for every intervention, and the plan's story in sentences.

    `base_tx`: the household's transactions as the schedule stands, if the caller has them."""
    base = _Baseline(h, same_day_credit, base_tx)
    interventions = [_summarise(i, plan, h, base) for i in plan.interventions]
    b = plan.baseline
    sentences: list[str] = []
    if b.problem == "none":
        sentences.append(f"Saldoen holder seg over grensen hver dag med dagens datoer (lavest {format_kr(b.min_balance_ore)} den {d(b.min_balance_date)}).")
    else:
        sentences.append(
            f"Med dagens datoer er saldoen under grensen {b.days_below_floor} dager, første gang {d(b.first_shortfall)}, "
            f"lavest {format_kr(b.min_balance_ore)} den {d(b.min_balance_date)}."
        )
    if plan.status == "infeasible":
        sf = plan.shortfall
        if sf is not None and sf.unplannable_arrears_ore:
            # the one reason there is no plan: say it, not that no lever keeps the balance up
            sentences.append(
                f"Restansen på {format_kr(sf.unplannable_arrears_ore)} kan ikke nedbetales i perioden: det første "
                f"avdraget på en nedbetalingsavtale kan tidligst komme etter {d(plan.end)}, når kreditor har rukket "
                "å svare. Forleng perioden, eller dekk restansen på annen måte (engangsbeløpet under tar den med).")
        elif b.problem == "income":
            sentences.append("Inntekten dekker ikke utgiftene i perioden; dette er et inntektsproblem, ikke et tidsproblem.")
        else:
            sentences.append("Ingen kombinasjon av de tillatte tiltakene holder saldoen over grensen hver dag.")
        if sf is not None:
            extra = " i tillegg til startbufferen under" if plan.opening_buffer_ore else ""
            if plan.optimal:
                if sf.monthly_ore is not None:
                    sentences.append(f"Det mangler minst {format_kr(sf.monthly_ore)} ekstra hver måned{extra}.")
                sentences.append(f"Alternativt mangler minst {format_kr(sf.one_time_ore)} som engangsbeløp ved periodens start.")
            else:
                if sf.monthly_ore is not None:
                    sentences.append(f"{format_kr(sf.monthly_ore)} ekstra hver måned{extra} er nok, også uten andre tiltak.")
                sentences.append(f"Alternativt er et engangsbeløp på {format_kr(sf.one_time_ore)} ved periodens start nok.")
                sentences.append("Merk: beløpene er øvre grenser; det minste beløpet med tiltak kan være lavere.")
            if sf.binding_days:
                sentences.append("Dager som binder: " + ", ".join(d(x) for x in sf.binding_days[:5]) + ".")
        if plan.opening_buffer_ore:
            sentences.append(f"Kontoen trenger uansett en startbuffer på {format_kr(plan.opening_buffer_ore)} før første utbetaling.")
        return interventions, sentences
    for i in interventions:
        who = actors_text(i.actors)
        sentences.append(f"{who[:1].upper()}{who[1:]}: {i.summary} {i.reason}".strip())
    if plan.interventions:
        sentences.append(
            f"Med tiltakene er laveste saldo {format_kr(plan.min_balance_ore)} den {d(plan.min_balance_date)}. "
            f"{asks_text(plan)}"
        )
    if robust := robust_text(plan, h):
        sentences.append(robust)
    return interventions, sentences


def asks_text(plan: Plan) -> str:
    """A plan's weight in words: how many agreements it needs, and who must agree to what
    (the cost units stay in the JSON)."""
    from .levers import catalogue

    cat = catalogue()
    n = len(plan.interventions)
    if not n:
        return "Planen krever ingen avtaler."
    from .levers.bridge import source_nb

    def name(i: Intervention) -> str:  # a bridge says where its money comes from, as its summary does
        if i.lever in cat:
            return cat[i.lever].name.lower()
        return f"startbuffer fra {source_nb(str(i.params.get('source', 'sosial_engangs')))}"

    parts = [f"{name(i)} ({actors_text(i.actors)})" for i in plan.interventions]
    return f"Planen krever {n} {'avtale' if n == 1 else 'avtaler'}: " + "; ".join(parts) + "."


def robust_text(plan: Plan, h: Household) -> str:
    """Whether the plan holds when payouts come late, and which may."""
    late = [(stream_name(h, s), n) for s, _, n in plan.streams if n]
    if plan.status == "infeasible":
        return ""
    if not plan.robust:
        return ("Planen holder bare når utbetalingene kommer på dagen: kommer en utbetaling for sent, "
                f"kan saldoen gå under grensen (laveste saldo da {format_kr(plan.late_min_balance_ore or 0)}).")
    if not late:
        return "Ingen av utbetalingene kan komme for sent etter dataene; planen regner med dem på dagen."
    which = ", ".join(f"{name} inntil {n} {'virkedag' if n == 1 else 'virkedager'}" for name, n in late)
    return (f"Planen holder også om utbetalingene kommer for sent ({which}), hver for seg eller samtidig; "
            f"laveste saldo da er {format_kr(plan.late_min_balance_ore or 0)}.")


def has_problem(household: Household, diagnosis) -> bool:
    """Whether "if nothing is done" is worth telling: the balance dips, or arrears are owed."""
    owes = household.arrears is not None and household.arrears.amount > 0
    return diagnosis.problem != "none" or owes


def if_nothing_done(household: Household, same_day_credit: bool = False, txs=None):
    """What happens if nothing is done: the eviction process projected forward for the
    schedule as it stands (arrears month by month, step dates, costs, cure amount and
    deadline). Delegates to `planner.eviction.project_household`; returns its
    `EvictionProjection` (`.to_json()` for the JSON, `projection_text` for the text)."""
    from .eviction import project_household

    return project_household(household, same_day_credit, txs=txs)


#: What each plan in the side-by-side comparison is best at, in Norwegian.
CRITERION_NB = {
    "best": "Beste plan (minst å be om)",
    "no_agency": "Uten etater",
    "least_late": "Husleien minst forsinket",
    "highest_low": "Høyest laveste saldo",
}


def compare_plans(plan: Plan, levers: bool = True) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The plan and its alternatives side by side (the text report and the household page):
    a column per plan, a row per question a caseworker asks of it (`levers`: with a row naming
    the levers, too wide for a terminal)."""
    from .levers import catalogue

    cat = catalogue()
    plans = [plan, *plan.alternatives]

    def late(p: Plan) -> str:
        return format_decimal(p.rent_days_late(), 1)

    rows = [
        ("Hvem må handle", [actors_text(p.who_acts()) or "ingen" for p in plans]),
        ("Avtaler", [str(len(p.interventions)) for p in plans]),
        *([("Tiltak", [", ".join(cat[i.lever].name if i.lever in cat else "Startbuffer" for i in p.interventions)
                       or "ingen" for p in plans])] if levers else []),
        ("Husleien for sent, dager i snitt", [late(p) for p in plans]),
        ("Laveste saldo", [format_kr(p.min_balance_ore) for p in plans]),
        ("Laveste saldo om utbetalinger kommer sent",
         [format_kr(p.late_min_balance_ore) if p.late_min_balance_ore is not None else "–" for p in plans]),
        ("Holder om utbetalinger kommer sent", ["ja" if p.robust else "nei" for p in plans]),
        ("Overgang (bro)", [transition_text(p) for p in plans]),
    ]
    return [CRITERION_NB.get(p.criterion, p.criterion) for p in plans], rows


def transition_text(plan: Plan) -> str:
    """The bridge over the days no lever reaches in time: a one-time sum (the `opening_buffer`
    intervention), the landlord debiting named months' rent later (`betalingsutsettelse`), or
    "–" when the plan needs none."""
    parts = [f"engangsbeløp {format_kr(i.params['amount_ore'])}" for i in plan.interventions
             if i.lever == "opening_buffer" and "amount_ore" in i.params]
    parts += ["betalingsutsettelse for " + ", ".join(m["rent_month"] for m in i.params["months"])
              for i in plan.interventions if i.lever == "betalingsutsettelse" and i.params.get("months")]
    return "; ".join(parts) or "–"

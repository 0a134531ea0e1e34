"""Plain-language reasons: what was wrong, what each intervention does, and why it is needed.

One justification per intervention, in the manner of a rule engine that explains each rule it
fired: who must act, what to ask for, from which date, and which dip of the current schedule
it removes (the lowest balance in the days the intervention changes).
"""

from __future__ import annotations

from dataclasses import replace

from .explain_levers import explain_lever
from .explain_words import (  # noqa: F401  (the explanation's words, imported from here by its readers)
    ACTORS_NB,
    MONTHS_NB,
    Baseline,
    actors_text,
    d,
    instalment_schedule,
    tenant_rent_share,
)
from .facts import stream_name  # noqa: F401  (imported from here by the letters)
from .formatting import format_decimal, format_kr
from .model import Household, Intervention, Plan


def _summarise(i: Intervention, plan: Plan, h: Household, base: Baseline) -> Intervention:
    summary, reason = explain_lever(i, plan, h, base)
    return replace(i, summary=summary, reason=reason)


def explain_plan(plan: Plan, h: Household, same_day_credit: bool = False,
                 base_tx=None) -> tuple[list[Intervention], list[str]]:
    """Summaries and reasons for every intervention, and the plan's story in sentences.

    `base_tx`: the household's transactions as the schedule stands, if the caller has them."""
    base = Baseline(h, same_day_credit, base_tx)
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
    from .levers.base import params_of
    from .levers.bridge import OpeningBufferParams, source_nb

    def name(i: Intervention) -> str:  # a bridge says where its money comes from, as its summary does
        if i.lever in cat:
            return cat[i.lever].name.lower()
        return f"startbuffer fra {source_nb(params_of(i, OpeningBufferParams).source)}"

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
    from .levers.base import params_of
    from .levers.betalingsutsettelse import BetalingsutsettelseParams
    from .levers.bridge import OpeningBufferParams

    parts = [f"engangsbeløp {format_kr(params_of(i, OpeningBufferParams).amount_ore)}" for i in plan.interventions
             if i.lever == "opening_buffer"]
    parts += ["betalingsutsettelse for " + ", ".join(m.rent_month for m in params_of(i, BetalingsutsettelseParams).months)
              for i in plan.interventions if i.lever == "betalingsutsettelse"]
    return "; ".join(parts) or "–"

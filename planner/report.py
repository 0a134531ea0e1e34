"""Plain-text reports for a caseworker: Norwegian labels, kroner as `9 500,00 kr`."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .formatting import day_month, format_decimal, format_kr, nb_date
from .model import Diagnosis, Household

PROBLEM_TEXT = {
    "none": "ingen – saldoen holder seg over grensen hver dag",
    "timing": "tidsproblem – inntekten dekker utgiftene over perioden, men kommer for sent i forhold til forfallene",
    "income": "inntektsproblem – utgiftene er større enn inntekten; ingen omlegging av datoer kan rette det",
}


#: Characters that act on a terminal instead of showing: C0 and C1 controls (a newline forging
#: an `error:` line, ESC sequences clearing the screen), and the Unicode line separators and
#: bidirectional overrides that reorder what is shown.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Free text from a file as a terminal may show it: control characters escaped (`\\n`,
    `\\x1b`, `\\u202e`), so a label shows what it holds and does nothing else."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def months_nb(n: int) -> str:
    return f"{n} måned" if n == 1 else f"{n} måneder"


d = nb_date  # the one Norwegian date format (planner.formatting)


def diagnosis_text(household: Household, diag: Diagnosis, projection=None) -> str:
    """The `planner check` report of one household. For a household with a problem it ends with
    "if nothing is done" (`projection`, an `EvictionProjection`; computed when not given)."""
    head = f"Husstand: {household.id}"
    if household.label:
        head += f" ({printable(household.label)})"
    lines = [
        head,
        f"Periode: {d(diag.start)}–{d(diag.end)} ({months_nb(household.months)})",
        f"Problem: {PROBLEM_TEXT[diag.problem]}",
        f"Laveste saldo: {format_kr(diag.min_balance_ore)} ({d(diag.min_balance_date)})",
        f"Grense (minste saldo): {format_kr(diag.floor_ore)}",
    ]
    total_days = (diag.end - diag.start).days + 1
    if diag.problem != "none":
        lines += [
            f"Første dag under grensen: {d(diag.first_shortfall)}",
            f"Dager under grensen: {diag.days_below_floor} av {total_days}",
            f"Startbuffer som ville unngått alle underskudd: {format_kr(diag.opening_buffer_ore)}",
        ]
    lines.append("")
    lines.append(month_table(diag))
    lines.append("Saldo er regnet etter dagens trekk og før dagens innbetalinger (trekk går om morgenen).")
    lines += _if_nothing_done_lines(household, diag, projection)
    return "\n".join(lines)


def _if_nothing_done_lines(household: Household, diag: Diagnosis, projection) -> list[str]:
    """A blank line and the eviction projection's text, for a household with a problem."""
    from .eviction import has_problem, project_household, projection_text

    if not has_problem(household, diag):
        return []
    projection = projection if projection is not None else project_household(household)
    return ["", projection_text(projection).rstrip("\n")]


def month_table(diag: Diagnosis) -> str:
    header = ("Måned", "Inntekt", "Utgifter", "Netto", "Laveste saldo", "Dato")
    rows = [
        (
            m.month,
            format_kr(m.income_ore),
            format_kr(m.outgoings_ore),
            format_kr(m.net_ore),
            format_kr(m.lowest_ore),
            day_month(m.lowest_date),
        )
        for m in diag.months
    ]
    return table(header, rows)


def table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    """A left-aligned first column and right-aligned numbers, for a fixed-width terminal."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    out = []
    for r in [header, *rows]:
        cells = [str(r[0]).ljust(widths[0])] + [str(c).rjust(w) for c, w in zip(r[1:], widths[1:])]
        out.append("  ".join(cells).rstrip())
    return "\n".join(out) + "\n"


STATUS_TEXT = {
    "solvent": "i orden – ingen tiltak trengs",
    "planned": "plan funnet – tiltakene under holder saldoen over grensen hver dag",
    "infeasible": "ingen plan – de tillatte tiltakene er ikke nok",
}


def plan_text(household: Household, plan) -> str:
    """The `planner plan` report: the problem, each intervention, before and after."""
    from .explain import actors_text, asks_text, robust_text
    from .levers import catalogue

    cat = catalogue()
    b = plan.baseline
    head = f"Husstand: {household.id}" + (f" ({printable(household.label)})" if household.label else "")
    lines = [
        head,
        f"Periode: {d(plan.start)}–{d(plan.end)} "
        + ("(resten av perioden)" if plan.horizon_note == "truncated" else f"({months_nb(household.months)})"),
        f"Problem: {PROBLEM_TEXT[b.problem]}",
        f"Status: {STATUS_TEXT[plan.status]}",
    ]
    if plan.as_of:
        lines.insert(2, f"Per dato: {d(plan.as_of)} (saldoen {format_kr(plan.opening_balance_ore - plan.opening_buffer_ore)} "
                        "er saldoen denne dagen; ingenting før planlegges)")
    if plan.horizon_note == "truncated":
        lines.insert(3, "Merk: perioden begynte før denne datoen; planen gjelder det som er igjen.")
    elif plan.horizon_note == "rolled":
        lines.insert(3, "Merk: perioden er rullet fram fra denne datoen, like mange måneder.")
    if plan.explanation:
        lines.append(f"Nå: {plan.explanation[0]}")
    lines.append("")
    if plan.interventions:
        lines.append("Tiltak:")
        for n, i in enumerate(plan.interventions, start=1):
            name = cat[i.lever].name if i.lever in cat else "Bro over overgangen (engangsbeløp)"
            lines.append(f" {n}. {name} – {actors_text(i.actors)}")
            lines.append(f"    {i.summary}")
            if i.reason:
                lines.append(f"    Hvorfor: {i.reason}")
            if i.request_by and plan.as_of:
                lines.append(f"    Be om det senest {d(i.request_by)}; første endrede bokføring {d(i.effective_from)}.")
        lines.append("")
    lines.append(f"Laveste saldo før:   {format_kr(b.min_balance_ore)} ({d(b.min_balance_date)})")
    if plan.status != "infeasible":
        lines.append(f"Laveste saldo etter: {format_kr(plan.min_balance_ore)} ({d(plan.min_balance_date)})")
        lines.append(asks_text(plan))
        if robust := robust_text(plan, household):
            lines.append(robust)
        rent_total = sum(-t.amount_ore for t in plan.transactions if t.kind == "husleie" and t.account == "tenant")
        rent_total += sum(t.amount_ore for t in plan.transactions if t.account == "landlord")
        if plan.lateness_ore_days and rent_total:
            avg = plan.lateness_ore_days / rent_total
            lines.append(f"Utleier får husleien i snitt {format_decimal(avg, 1)} dager etter forfall"
                         + " (summen av beløp ganger dager for sent, delt på husleien)")
    else:
        sf = plan.shortfall
        if sf is not None:
            bound = "" if plan.optimal else " (øvre grense, uten tiltak)"
            if sf.monthly_ore is not None:
                lines.append(f"Mangler per måned: {format_kr(sf.monthly_ore)}{bound}")
            lines.append(f"Eller engangsbeløp ved start: {format_kr(sf.one_time_ore)}{bound}")
            if sf.binding_days:
                lines.append("Dager som binder: " + ", ".join(d(x) for x in sf.binding_days[:5]))
    if plan.opening_buffer_ore:
        lines.append(f"Engangsbeløp som bygger bro over overgangen: {format_kr(plan.opening_buffer_ore)}")
    if b.opening_buffer_ore:
        lines.append(f"Ekstra saldo i dag som ville unngått alle underskudd uten tiltak: {format_kr(b.opening_buffer_ore)}")
    if not plan.optimal and not (plan.shortfall and plan.shortfall.unplannable_arrears_ore):
        # (arrears no plan can start on: the sum is a bound by construction, not a time limit)
        lines.append("Merk: tidsgrensen ble nådd; planen er gyldig, men ikke bevist billigst.")
    if plan.status == "infeasible" and plan.explanation:
        lines.append("")
        lines.append("Forklaring:")
        lines.extend(f" - {s}" for s in plan.explanation)
    lines += _alternatives_lines(plan)
    lines += _if_nothing_done_lines(household, b, getattr(plan, "if_nothing_done", None))
    return "\n".join(lines)


def _alternatives_lines(plan) -> list[str]:
    """The plan and its alternatives side by side, then what each alternative asks."""
    from .explain import CRITERION_NB, compare_plans

    if not plan.alternatives:
        return []
    header, rows = compare_plans(plan, levers=False)
    lines = ["", "Alternativer side om side:"]
    lines.append(table(("", *header), [(label, *cells) for label, cells in rows]).rstrip("\n"))
    for a in plan.alternatives:
        lines.append("")
        lines.append(f"{CRITERION_NB.get(a.criterion, a.criterion)}:")
        lines.extend(f" - {s}" for s in a.explanation)
    return lines

"""The figures a letter shows beyond the interventions: the eviction projection if nothing is
done (for the tenant and the social office) and the social office's monthly budget, as facts."""

from __future__ import annotations

from datetime import date

from ..facts import Fact, month, ore


def projection_facts(projection) -> dict | None:
    """The few facts of "if nothing is done" a letter tells (tenant, social office), as facts of
    the projection (`planner.eviction`), which `planner.factcheck` checks against its steps."""
    if projection is None or projection.status not in ("arrears", "settled"):
        return None
    first = projection.unpaid_rents[0] if projection.unpaid_rents else None
    # with no rent of the horizon unpaid, what is unpaid is the arrears already owed: no due date

    def due(d: date) -> Fact | None:
        return Fact("projection.first_due", d, "date") if first is not None else None

    if projection.status == "settled":
        # the household can pay each claim by its notice's deadline: say what waiting costs,
        # never threaten an eviction that the household's own money stops
        x = projection.settlements[0]
        return {
            "settled": True,
            "first_due": due(first.due if first else x.first_due),
            "first_unpaid_ore": ore("projection.first_unpaid", first.unpaid_ore if first else x.principal_ore),
            "notice": x.step,
            "deadline": Fact("projection.deadline", x.deadline, "date"),
            "cost_ore": ore("projection.cost", projection.cost_of_waiting_ore),
            # each month the rent is short starts a claim of its own: how many in the period
            "times": Fact("projection.times", len(projection.settlements), "count"),
        }
    return {
        "settled": False,
        "first_due": due(first.due if first else projection.first_due),
        "first_unpaid_ore": ore("projection.first_unpaid", first.unpaid_ore if first else projection.existing_arrears_ore),
        "request_date": Fact("projection.request_date", projection.request_date, "date"),
        "eviction_date": Fact("projection.eviction_date", projection.eviction_date, "date"),
        "cure_ore": ore("projection.cure", projection.cure_amount_ore),
        "cure_deadline": Fact("projection.cure_deadline", projection.cure_deadline, "date"),
    }


LIVING_NAME = {"nb": "Livsopphold (mat, klær og annet dagligforbruk)", "en": "Everyday living costs"}
EXPENSE_NAME_EN = {
    "husleie": "Rent", "strom": "Electricity", "telefon": "Phone and internet", "forsikring": "Insurance",
    "barnehage": "Kindergarten", "sfo": "After-school care (SFO)", "transport": "Transport",
    "lan": "Loans and credit", "inkasso": "Debt collection and deductions", "annen": "Other expense",
}


def _spread(totals: list[int], months: int) -> tuple[list[int], int]:
    """Whole-øre monthly averages of `totals` that add up to their rounded total (half up):
    each row is its exact average rounded down or up, the largest remainders up (integers)."""
    total = (2 * sum(totals) + months) // (2 * months)
    rows = [v // months for v in totals]
    order = sorted(range(len(rows)), key=lambda k: (-(totals[k] % months), k))
    for k in order[: max(0, total - sum(rows))]:
        rows[k] += 1
    return rows, total


def whole_months(plan) -> list[str]:
    """The calendar months wholly inside the plan's horizon (all of them when none is whole):
    the months a monthly average is taken over, so a horizon from 5 December to 4 December
    averages over 11 whole months, never 12 months of money over 13 month labels."""
    from ..periods import key_of, last_day

    out = []
    for m in plan.baseline.months:
        first = date(int(m.month[:4]), int(m.month[5:7]), 1)
        if first >= plan.start and last_day(key_of(first.year, first.month)) <= plan.end:
            out.append(m.month)
    return out or [m.month for m in plan.baseline.months]


def budget(household, plan, lang: str = "nb") -> dict:
    """Average monthly income per stream and outgoings per kind as the schedule stands, over
    the whole months of the horizon (named in the letter), for the social office's assessment
    of økonomisk stønad (the one recipient that needs the whole budget). Each figure is a fact:
    the sum of that kind's transactions in those months over their number."""
    from ..benefits import catalogue
    from ..cashflow import transactions
    from ..facts import stream_name

    months = whole_months(plan)
    inside = set(months)
    n = len(months)
    income: dict[str, int] = {}
    spent: dict[str, int] = {}
    names: dict[str, list[str]] = {}
    for t in transactions(household):
        if t.account != "tenant" or t.date.strftime("%Y-%m") not in inside:
            continue
        if t.kind == "income" and t.stream is not None:
            income[t.stream] = income.get(t.stream, 0) + t.amount_ore
        elif t.amount_ore < 0:
            spent[t.kind] = spent.get(t.kind, 0) - t.amount_ore
            if t.stream and t.kind != "husleie" and t.stream not in names.setdefault(t.kind, []):
                names[t.kind].append(t.stream)
    kinds = catalogue().expenses
    order = ["husleie"] + [k for k in kinds if k != "husleie"] + sorted(set(spent) - set(kinds) - {"living"}) + ["living"]
    keys = [k for k in order if spent.get(k)]

    def label(kind: str) -> str:
        if kind == "living":
            return LIVING_NAME[lang]
        base = (EXPENSE_NAME_EN.get(kind) if lang == "en" else None) or (kinds[kind].name if kind in kinds else kind)
        extra = [x for x in names.get(kind, []) if x != kind]
        return f"{base} ({', '.join(extra)})" if extra else base

    streams = list(income)
    avg_in, total_in = _spread([income[s] for s in streams], n)
    avg_out, total_out = _spread([spent[k] for k in keys], n)
    return {"income": [(stream_name(household, s), ore("budget.income", a, s)) for s, a in zip(streams, avg_in)],
            "income_ore": ore("budget.income_total", total_in),
            "outgoings": [(label(k), ore("budget.outgoing", a, k)) for k, a in zip(keys, avg_out)],
            "outgoings_ore": ore("budget.outgoing_total", total_out),
            "from_month": month("budget.from", months[0]), "to_month": month("budget.to", months[-1]),
            "months": Fact("budget.months", n, "count"),
            "rent_ore": ore("rent.amount", household.rent.amount)}

"""What each letter holds"""

from __future__ import annotations

import base64
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

from ..levers import rules
from .sender import RECIPIENTS, Recipient, Sender

LANGS: tuple[str, ...] = ("nb", "en")
FORMATS: tuple[str, ...] = ("md", "html", "pdf", "docx")

#: Which recipient writes to which actor of the lever catalogue. The creditor of rent arrears
#: is the landlord (in municipal housing the kommune; kemneren collects on its behalf), so a
#: repayment plan goes to the landlord, naming the household's creditor.
ACTOR_RECIPIENT = {
    "tenant": "tenant",
    "landlord": "landlord",
    "creditor": "landlord",
    "kemneren": "landlord",
    "nav": "nav",
    "husbanken": "husbanken",
    "sosialtjenesten": "sosialtjenesten",
}

#: Streams paid by the social office, not NAV's benefit systems: a deduction from one of these
#: is a request to sosialtjenesten.
SOCIAL_STREAMS = frozenset({"sosialhjelp"})

#: Requests that are not levers of the catalogue, with their basis (nb, en) and source.
EXTRA_BASIS = {
    "opening_buffer": (
        "Lov om sosiale tjenester i NAV (sosialtjenesteloven) § 18 (stønad til livsopphold) og § 19 "
        "(stønad i særlige tilfeller).",
        "Act on social services in NAV (sosialtjenesteloven) § 18 (financial assistance for subsistence) "
        "and § 19 (assistance in special cases).",
        "lovdata.no, LOV-2009-12-18-131",
    ),
    "income_shortfall": (
        "Sosialtjenesteloven § 18 (stønad til livsopphold); kommunens plikt til å gi individuell bistand til å "
        "skaffe eller beholde bolig (lov om kommunenes ansvar på det boligsosiale feltet (boligsosial lov) § 6).",
        "Sosialtjenesteloven § 18 (financial assistance for subsistence); the municipality's duty to give "
        "individual assistance to obtain or keep a home (Act on the municipalities' responsibility in the "
        "social housing field (boligsosial lov) § 6).",
        "lovdata.no, LOV-2009-12-18-131 § 18; LOV-2022-12-20-121 § 6 (in force 01.07.2023)",
    ),
}


class LetterError(ValueError):
    """A letter that cannot be written (a recipient the plan does not involve, an unknown
    language or format); the message says what is allowed."""


# --------------------------------------------------------------------------- who gets a letter


def _stream_kind(household, stream: str) -> str:
    if household is not None:
        for inc in household.income:
            if inc.stream == stream:
                return inc.kind
    return stream


def _intervention_recipients(i, household=None) -> list[str]:
    out = []
    for actor in i.actors:
        to = ACTOR_RECIPIENT.get(actor)
        if to == "nav" and i.lever == "deduction" and _stream_kind(household, i.params.get("stream", "")) in SOCIAL_STREAMS:
            to = "sosialtjenesten"
        if to is not None:
            out.append(to)
    return out


def recipients(plan, household=None) -> list[str]:
    """The recipients the plan needs a letter for, in `RECIPIENTS` order.

    The actors of its interventions (creditor → landlord; a deduction from sosialhjelp →
    sosialtjenesten), and the tenant whenever anything changes for them. A plan the allowed
    levers cannot make solvent (status "infeasible") needs the tenant and the social office
    (a request to assess økonomisk stønad for the shortfall). A household that is fine as it
    is needs no letter: the list is empty.
    """
    wanted: set[str] = set()
    for i in plan.interventions:
        wanted.update(_intervention_recipients(i, household))
    if plan.status == "infeasible":
        wanted.update({"tenant", "sosialtjenesten"})
    if wanted:
        wanted.add("tenant")
    return [r for r in RECIPIENTS if r in wanted]


# formatting: planner.formatting (MONTHS, format_amount, format_date, format_month, format_dom)


# --------------------------------------------------------------------------- what each letter holds


@dataclass
class Item:
    """One request in a letter: a lever with its facts (raw øre ints and dates)."""

    lever: str
    name: str  # catalogue name (Norwegian)
    basis: str  # legal or practical basis in the letter's language
    source: str  # where the basis comes from
    first: date | None  # first date the change takes effect, on or after the answer-by date
    facts: dict = field(default_factory=dict)


#: Letter texts of the deduction's basis, one per paying office: the catalogue's `basis` covers
#: both (a NAV benefit and sosialhjelp), and a letter cites only the one that applies.
DEDUCTION_BASIS = {
    "nav": (
        "Avtalebasert trekk i ytelsen etter samtykke fra brukeren (privatrettslig avtale, NAVs rundskriv R22 "
        "vedlegg 8 pkt. 7).",
        "Agreement-based deduction from the benefit with the user's consent (privatrettslig avtale, NAV circular "
        "R22 annex 8 item 7).",
    ),
    "social": (
        "Brukerens samtykke (rundskriv R35-00 pkt. 4.22.1) eller sosialtjenesteloven § 21 fjerde ledd.",
        "The user's consent (circular R35-00 item 4.22.1) or sosialtjenesteloven § 21 fourth paragraph.",
    ),
}

#: Internal notes of the catalogue ("to verify", "må bekreftes") that belong in the data file's
#: documentation, never in a letter to an agency.
_UNVERIFIED = [
    re.compile(r"\s*[–—-]+\s*(?:gjeldende praksis må bekreftes|to verify[^);]*)", re.I),
    re.compile(r"\s*\((?:[^()]*\b(?:må bekreftes|to verify)\b[^()]*)\)", re.I),
]


def clean_basis(text: str) -> str:
    """The basis as a letter cites it: without the catalogue's "to verify" notes."""
    for rx in _UNVERIFIED:
        text = rx.sub("", text)
    return re.sub(r"\s+([.;,])", r"\1", text).strip()


def _basis(lever: str, lang: str, social: bool | None = None) -> tuple[str, str, str]:
    if lever in EXTRA_BASIS:
        nb, en, src = EXTRA_BASIS[lever]
        name = {"opening_buffer": "Engangsstønad til startbuffer", "income_shortfall": "Økonomisk stønad"}[lever]
        return name, (nb if lang == "nb" else en), src
    from ..levers import catalogue

    lv = catalogue()[lever]
    if lever == "deduction" and social is not None:
        nb, en = DEDUCTION_BASIS["social" if social else "nav"]
        return lv.name, (nb if lang == "nb" else en), lv.reference
    basis = lv.basis_nb if lang == "nb" else lv.basis
    return lv.name, clean_basis(basis), lv.reference


def _first_on_or_after(plan, when: date, **match) -> date | None:
    hits = sorted(t.date for t in plan.transactions if all(getattr(t, k) == v for k, v in match.items()))
    if not hits:
        return None
    later = [d for d in hits if d >= when]
    return later[0] if later else hits[0]


def _rent_debits(plan) -> dict[str, list[tuple[date, int]]]:
    """The tenant's own rent debits per rent month: {'2026-01': [(date, øre), ...]}."""
    return plan.tenant_rent_debits()


def _nominal_rent_days(plan, household) -> list[int] | None:
    for i in plan.interventions:
        if i.lever == "rent_instalments":
            return [int(d) for d in i.params["days"]]
    for i in plan.interventions:
        if i.lever == "rent_day":
            return [int(i.params["day"])]
    day = getattr(getattr(household, "rent", None), "day", None) if household is not None else None
    return [int(day)] if day else None


def _tenant_share(plan, household=None) -> tuple[list[tuple[int, int]], list[tuple[str, list[int]]]]:
    """The tenant's own rent debits in a typical month, [(day of month, øre)], and the months
    whose debits differ from it, [(rent month, [øre, ...])].

    Typical is the plan's (`Plan.typical_tenant_rent`, the rule the explanation uses too); its
    days are the agreed (nominal) debit days, so a debit moved past a weekend does not make a
    month look different."""
    per_month = _rent_debits(plan)
    typical = plan.typical_tenant_rent()
    if typical is None:
        return [], []
    amounts = {m: tuple(a for _, a in v) for m, v in per_month.items()}
    days = _nominal_rent_days(plan, household)
    if days is None or len(days) != len(typical):
        day_counts = Counter(tuple(d.day for d, _ in v) for m, v in per_month.items() if amounts[m] == typical)
        days = list(day_counts.most_common(1)[0][0])
    differs = [(m, list(a)) for m, a in amounts.items() if a != typical]
    return list(zip(days, typical)), differs


def _direct_months(plan, kinds: set[str] | None = None) -> dict[str, list[tuple[date, int]]]:
    """Payments straight to the landlord (husleietrekk, bostøtte) per rent month."""
    out: dict[str, list[tuple[date, int]]] = {}
    for t in plan.transactions:
        if t.account == "landlord" and t.rent_month and (kinds is None or t.kind in kinds):
            out.setdefault(t.rent_month, []).append((t.date, t.amount_ore))
    return out


def _new_debit(plan, household, reply_by: date) -> dict | None:
    """What the landlord draws from the tenant's account once part of the rent comes directly:
    the typical debits, the months that differ, and the first debit with the new amount."""
    direct = _direct_months(plan)
    if not direct:
        return None
    share, differs = _tenant_share(plan, household)
    debits = _rent_debits(plan)
    starts = sorted(v[0][0] for m, v in debits.items() if m in direct and v)
    later = [d for d in starts if d >= reply_by]
    return {"share": share, "differs": differs, "from": later[0] if later else (starts[0] if starts else None),
            "rent_ore": household.rent.amount}


def rent_changes(plan, household, limit: int = 3) -> list[dict]:
    """The landlord's transition, month by month (issue 11): for each of the first `limit` rent
    months whose debits change, the old debit that must not run, the new debits and direct
    payments that pay that month's rent, and how many days after the old due date the last
    part arrives. All figures are the plan's transactions for that month."""
    from ..cashflow import transactions

    def tenant(rows) -> dict[str, list[tuple[date, int]]]:
        out: dict[str, list[tuple[date, int]]] = {}
        for t in rows:
            if t.kind == "husleie" and t.account == "tenant" and t.rent_month:
                out.setdefault(t.rent_month, []).append((t.date, -t.amount_ore))
        return out

    old, new = tenant(transactions(household)), tenant(plan.transactions)
    direct = _direct_months(plan)
    rows = []
    for key in sorted(set(old) | set(new)):
        if sorted(old.get(key, [])) == sorted(new.get(key, [])) and key not in direct:
            continue
        paid = sorted(new.get(key, []) + direct.get(key, []))
        due = min((d for d, _ in old.get(key, [])), default=None)
        rows.append({"month": key, "old": sorted(old.get(key, [])), "new": sorted(new.get(key, [])),
                     "direct": sorted(direct.get(key, [])),
                     "days_later": (paid[-1][0] - due).days if paid and due else 0})
        if len(rows) == limit:
            break
    return rows


def _items(household, plan, lang: str, reply_by: date) -> list[tuple[Item, list[str]]]:
    """Every request of the plan with the recipients it concerns."""

    h = household
    out: list[tuple[Item, list[str]]] = []
    for i in plan.interventions:
        p = i.params
        social = (_stream_kind(h, p.get("stream", "")) in SOCIAL_STREAMS) if i.lever == "deduction" else None
        name, basis, source = _basis(i.lever, lang, social)
        facts: dict = {}
        first = None
        rule = rules().get(i.lever)
        if rule is not None:
            first, facts = rule.letter_facts(i, plan, h, reply_by, social)
        elif i.lever == "opening_buffer":
            first_income = _first_on_or_after(plan, plan.start, kind="income")
            facts = {"amount_ore": p["amount_ore"], "before": first_income or plan.start,
                     "source": p.get("source", "sosial_engangs")}
            first = plan.start
        if i.effective_from is not None and plan.as_of is not None:
            # the plan's dates and nothing else (issue 11): its first changed booking, asked for by request_by
            first = i.effective_from
            if i.lever in ("rent_day", "rent_instalments"):  # the first new debit (the old one is cancelled)
                first = _first_on_or_after(plan, i.effective_from, kind="husleie", account="tenant") or first
                # the first month the debits change from the day the agreement holds; a month
                # changed before it (a deferred rent, betalingsutsettelse) is another lever's
                first = next((c["new"][0][0] for c in rent_changes(plan, h, 24)
                              if c["new"] and c["new"][0][0] >= i.effective_from), first)
            if i.lever == "opening_buffer":
                facts["before"] = i.effective_from
        facts["request_by"] = i.request_by
        out.append((Item(i.lever, name, basis, source, first, facts), _intervention_recipients(i, h)))
    if plan.status == "infeasible" and plan.shortfall is not None:
        name, basis, source = _basis("income_shortfall", lang)
        sf = plan.shortfall
        out.append((Item("income_shortfall", name, basis, source, None,
                         {"monthly_ore": sf.monthly_ore, "one_time_ore": sf.one_time_ore,
                          "problem": plan.baseline.problem, **_shortfall_terms(plan)}), ["sosialtjenesten"]))
    return out


def _shortfall_terms(plan) -> dict:
    """How a shortfall figure reads: with the start buffer it presumes (the monthly sum holds
    only together with it) and whether the figures are least sums or upper bounds."""
    buffer = plan.opening_buffer_ore if plan.status == "infeasible" else 0
    return {"buffer_ore": buffer, "optimal": bool(plan.optimal),
            "before": _first_on_or_after(plan, plan.start, kind="income") or plan.start}


def first_change(household, plan) -> date | None:
    """The first date a change of the plan takes effect (a payout, debit or grant), or None."""
    firsts = [it.first for it, _ in _items(household, plan, "nb", plan.start)
              if it.first is not None and it.lever != "income_shortfall"]
    return min(firsts) if firsts else None


def requests(household, plan) -> list[tuple[date | None, list[str]]]:
    """For each intervention of the plan, in order: the first date it takes effect (None if the
    plan never reaches it) and the recipients who must be asked. The web page's follow-up tasks
    take their due dates from here."""
    pairs = _items(household, plan, "nb", plan.start)
    return [(it.first, who) for it, who in pairs[:len(plan.interventions)]]


def _projection_facts(projection) -> dict | None:
    """The few facts of "if nothing is done" a letter tells (tenant, social office)."""
    if projection is None or projection.status not in ("arrears", "settled"):
        return None
    first = projection.unpaid_rents[0] if projection.unpaid_rents else None
    if projection.status == "settled":
        # the household can pay each claim by its notice's deadline: say what waiting costs,
        # never threaten an eviction that the household's own money stops
        x = projection.settlements[0]
        return {
            "settled": True,
            "first_due": x.first_due,
            "first_unpaid_ore": first.unpaid_ore if first else x.principal_ore,
            "notice": x.step,
            "deadline": x.deadline,
            "cost_ore": projection.cost_of_waiting_ore,
        }
    return {
        "settled": False,
        "first_due": projection.first_due,
        "first_unpaid_ore": first.unpaid_ore if first else projection.existing_arrears_ore,
        "request_date": projection.request_date,
        "eviction_date": projection.eviction_date,
        "cure_ore": projection.cure_amount_ore,
        "cure_deadline": projection.cure_deadline,
    }


LIVING_NAME = {"nb": "Livsopphold (mat, klær og annet dagligforbruk)", "en": "Everyday living costs"}
EXPENSE_NAME_EN = {
    "husleie": "Rent", "strom": "Electricity", "telefon": "Phone and internet", "forsikring": "Insurance",
    "barnehage": "Kindergarten", "sfo": "After-school care (SFO)", "transport": "Transport",
    "lan": "Loans and credit", "inkasso": "Debt collection and deductions", "annen": "Other expense",
}


def _spread(totals: list[int], months: int, target: int) -> list[int]:
    """Monthly averages of `totals`, rounded so that they add up to `target` exactly."""
    exact = [v / months for v in totals]
    rows = [int(x) for x in exact]
    order = sorted(range(len(rows)), key=lambda k: (-(exact[k] - rows[k]), k))
    for k in order[: max(0, target - sum(rows))]:
        rows[k] += 1
    return rows


def _budget(household, plan, lang: str = "nb") -> dict:
    """Average monthly income per stream and outgoings per kind as the schedule stands, for the
    social office's assessment of økonomisk stønad (the one recipient that needs the whole
    budget). The outgoings add up to the diagnosis' average outgoings per month."""
    from ..benefits import catalogue
    from ..cashflow import transactions
    from ..explain import stream_name

    months = max(1, len(plan.baseline.months))
    income: dict[str, int] = {}
    spent: dict[str, int] = {}
    names: dict[str, list[str]] = {}
    for t in transactions(household):
        if t.account != "tenant":
            continue
        if t.kind == "income" and t.stream is not None:
            income[t.stream] = income.get(t.stream, 0) + t.amount_ore
        elif t.amount_ore < 0:
            spent[t.kind] = spent.get(t.kind, 0) - t.amount_ore
            if t.stream and t.kind != "husleie" and t.stream not in names.setdefault(t.kind, []):
                names[t.kind].append(t.stream)
    rows = [(stream_name(household, s), round(v / months)) for s, v in income.items()]
    total_in = sum(m.income_ore for m in plan.baseline.months)
    total_out = sum(m.outgoings_ore for m in plan.baseline.months)
    out_ore = round(total_out / months)
    kinds = catalogue().expenses
    order = ["husleie"] + [k for k in kinds if k != "husleie"] + sorted(set(spent) - set(kinds) - {"living"}) + ["living"]
    keys = [k for k in order if spent.get(k)]

    def label(kind: str) -> str:
        if kind == "living":
            return LIVING_NAME[lang]
        base = (EXPENSE_NAME_EN.get(kind) if lang == "en" else None) or (kinds[kind].name if kind in kinds else kind)
        extra = [n for n in names.get(kind, []) if n != kind]
        return f"{base} ({', '.join(extra)})" if extra else base

    amounts = _spread([spent[k] for k in keys], months, out_ore) if sum(spent.values()) == total_out else \
        [round(spent[k] / months) for k in keys]
    return {"income": rows, "income_ore": round(total_in / months), "outgoings_ore": out_ore,
            "outgoings": [(label(k), a) for k, a in zip(keys, amounts)],
            "rent_ore": household.rent.amount, "months": months}


_chart_cache: list[tuple[object, object, bytes]] = []


def _chart_png(household, plan) -> bytes:
    """The before/after balance chart (planner.chart.plan_chart) as PNG bytes."""
    for h, p, png in _chart_cache:
        if h is household and p is plan:
            return png
    from ..chart import plan_chart

    with tempfile.TemporaryDirectory() as tmp:
        path = plan_chart(household, plan, Path(tmp) / "chart.png")
        png = path.read_bytes()
    _chart_cache.append((household, plan, png))
    del _chart_cache[:-4]
    return png


DEFAULT_RECIPIENT = {
    "nb": {"tenant": "Til leietaker", "landlord": "Utleier", "nav": "NAV-kontoret", "husbanken": "Husbanken",
           "sosialtjenesten": "NAV-kontoret, sosialtjenesten"},
    "en": {"tenant": "To the tenant", "landlord": "The landlord", "nav": "The NAV office", "husbanken": "Husbanken",
           "sosialtjenesten": "The NAV office, social services"},
}

PLACEHOLDER = {
    "nb": {"kommune": "[kommune]", "office": "[kontor]", "caseworker": "[saksbehandler]"},
    "en": {"kommune": "[municipality]", "office": "[office]", "caseworker": "[caseworker]"},
}


def letter_context(household, plan, to: str, lang: str = "nb", sender: Sender | None = None,
                   letter_date: date | None = None, *, reference: str | None = None, reply_by: date | None = None,
                   recipient: Recipient | None = None, chart: bool = True) -> dict:
    """Everything one letter's template may use, and nothing more (see the module docstring)."""
    _check(plan, to, lang, household)
    sender = sender or Sender()
    sender = replace(sender, kommune=sender.kommune or PLACEHOLDER[lang]["kommune"],
                     office=sender.office or PLACEHOLDER[lang]["office"],
                     caseworker=sender.caseworker or PLACEHOLDER[lang]["caseworker"])
    letter_date = letter_date or plan.as_of or date.today()  # a plan made on a day writes that day
    reply_by = reply_by or letter_date + timedelta(days=sender.reply_days)
    if reply_by < letter_date:
        raise LetterError(f"the answer-by date {reply_by.isoformat()} is before the letter date "
                          f"{letter_date.isoformat()}; give a --reply-by on or after the letter date")
    asks = [i.request_by for i in plan.interventions
            if i.request_by is not None and (to == "tenant" or to in _intervention_recipients(i, household))]
    if asks and plan.as_of is not None:
        latest = min(asks)
        if letter_date > latest:
            raise LetterError(f"the plan needs this request by {latest.isoformat()}, before the letter date "
                              f"{letter_date.isoformat()}; the plan no longer holds: roll it forward "
                              f"(`planner plan FILE --as-of {letter_date.isoformat()} --roll-forward`, or the "
                              "web page's 'Rull fram' button) and write the letters of the new plan")
        reply_by = min(reply_by, latest)  # never later than the plan's request_by
    rec = recipient or sender.recipient(to)
    if not rec.name:
        rec = replace(rec, name=DEFAULT_RECIPIENT[lang][to])
    items = [it for it, who in _items(household, plan, lang, reply_by) if to == "tenant" or to in who]
    ctx: dict = {
        "to": to,
        "lang": lang,
        "sender": sender,
        "recipient": rec,
        "letter_date": letter_date,
        "reply_by": reply_by,
        "reference": reference or household.id,
        "items": items,
        "levers": sorted({it.lever for it in items}),
    }
    if to == "landlord":
        ctx["payee_account"] = ""
        ctx["new_debit"] = _new_debit(plan, household, reply_by)
        ctx["changes"] = rent_changes(plan, household) if plan.as_of is not None else []
    if to in ("nav", "sosialtjenesten"):
        landlord = sender.recipient("landlord")
        ctx["payee"] = landlord.name
        ctx["payee_account"] = landlord.account
    if to == "husbanken":
        landlord = sender.recipient("landlord")
        ctx["payee"] = landlord.name or sender.kommune
        ctx["payee_account"] = landlord.account
    if to == "tenant":
        share, differs = _tenant_share(plan, household)
        ctx.update({
            "direct": bool(_direct_months(plan)),
            "shortfall_terms": _shortfall_terms(plan),
            "status": plan.status,
            "before_low_ore": plan.baseline.min_balance_ore,
            "before_low_date": plan.baseline.min_balance_date,
            "before_days_below": plan.baseline.days_below_floor,
            "after_low_ore": plan.min_balance_ore,
            "after_low_date": plan.min_balance_date,
            "floor_ore": plan.floor_ore,
            "share": share,
            "share_varies": bool(differs),
            "shortfall": plan.shortfall,
            "projection": _projection_facts(getattr(plan, "if_nothing_done", None)),
        })
        if chart:
            png = _chart_png(household, plan)
            ctx["chart_src"] = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    if to == "sosialtjenesten":
        ctx.update({
            "status": plan.status,
            "problem": plan.baseline.problem,
            "before_low_ore": plan.baseline.min_balance_ore,
            "before_low_date": plan.baseline.min_balance_date,
            "before_days_below": plan.baseline.days_below_floor,
            "budget": _budget(household, plan, lang),
            "adults": household.adults,
            "children": household.children,
            "projection": _projection_facts(getattr(plan, "if_nothing_done", None)),
        })
    return ctx


def _check(plan, to: str, lang: str, household=None, fmt: str | None = None) -> None:
    if lang not in LANGS:
        raise LetterError(f"unknown language {lang!r}; allowed: {', '.join(LANGS)}")
    if fmt is not None and fmt not in FORMATS:
        raise LetterError(f"unknown format {fmt!r}; allowed: {', '.join(FORMATS)}")
    if to not in RECIPIENTS:
        raise LetterError(f"unknown recipient {to!r}; allowed: {', '.join(RECIPIENTS)}")
    needed = recipients(plan, household)
    if to not in needed:
        if not needed:
            raise LetterError(f"the plan for {plan.household} needs no letter: the household is fine as it is "
                              f"(status {plan.status}) and nobody has to act")
        raise LetterError(f"the plan for {plan.household} does not involve {to}; "
                          f"letters can go to: {', '.join(needed)}")

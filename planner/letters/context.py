"""What each letter holds"""

from __future__ import annotations

import base64
import re
import tempfile
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

from ..facts import Fact, Ledger, first_changed_month, month, ore, typical_share
from ..facts import rent_changes as facts_rent_changes
from ..levers import rules
from ..levers.base import params_of, stream_of
from ..levers.bridge import OpeningBufferParams
from ..levers.rent_day import RentDayParams
from ..levers.rent_instalments import RentInstalmentsParams
from .figures import budget, projection_facts
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


def intervention_recipients(i, household=None) -> list[str]:
    out = []
    for actor in i.actors:
        to = ACTOR_RECIPIENT.get(actor)
        if to == "nav" and i.lever == "deduction" and _stream_kind(household, stream_of(i) or "") in SOCIAL_STREAMS:
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
        wanted.update(intervention_recipients(i, household))
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
    first: Fact | None  # first date the change takes effect, on or after the answer-by date
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


def _nominal_rent_days(plan, household) -> list[int] | None:
    for i in plan.interventions:
        if i.lever == "rent_instalments":
            return list(params_of(i, RentInstalmentsParams).days)
    for i in plan.interventions:
        if i.lever == "rent_day":
            return [params_of(i, RentDayParams).day]
    day = getattr(getattr(household, "rent", None), "day", None) if household is not None else None
    return [int(day)] if day else None


def _share_facts(plan, household=None) -> tuple[list[tuple[Fact, Fact]], list[str]]:
    """The tenant's own rent debits in a typical month as facts (no 0 kr part), and the rent
    months whose debits differ from it (`planner.facts.typical_share`)."""
    led = Ledger(plan)
    return typical_share(led, _nominal_rent_days(plan, household), first_changed_month(led, household))


def tenant_share(plan, household=None) -> tuple[list[tuple[int, int]], list[tuple[str, list[int]]]]:
    """The typical month as plain values [(day of month, øre)], and the months that differ
    with their amounts [(rent month, [øre, ...])]."""
    share, differs = _share_facts(plan, household)
    per_month = plan.tenant_rent_debits()
    return ([(d.value, a.value) for d, a in share],
            [(m, [-a if a < 0 else a for _, a in per_month[m]]) for m in differs])


def _new_debit(plan, household) -> dict | None:
    """What the landlord draws from the tenant's account once part of the rent comes directly:
    the typical debits, the months that differ (each with its amounts), and the first debit of
    a month paid partly straight to the landlord."""
    led = Ledger(plan)
    direct = led.direct()
    if not direct:
        return None
    share, differs = _share_facts(plan, household)
    debits = led.rent_debits()
    firsts = sorted((plan.transactions[v[0]].date, v[0]) for m, v in debits.items() if m in direct and v)
    start = Fact("new_debit.from", firsts[0][0], "date", "", (firsts[0][1],)) if firsts else None
    rows = [(month("new_debit.month", m, m, debits.get(m, [])),
             [ore("new_debit.amount", -plan.transactions[k].amount_ore, m, (k,)) for k in debits.get(m, [])])
            for m in differs]
    return {"share": share, "differs": rows, "from": start, "rent_ore": ore("rent.amount", household.rent.amount)}


def _direct_by(plan, household, lang: str) -> list[str]:
    """Who pays the tenant's rent straight to the landlord, in words: Husbanken (the tenant's
    bostøtte) and NAV (a trekk in which benefit), in the order they first pay."""
    from ..facts import stream_name

    seen: dict[str, str] = {}
    for t in sorted(plan.transactions, key=lambda t: t.date):
        if t.account != "landlord" or not t.rent_month or t.kind in seen:
            continue
        if t.kind == "bostotte_direct":
            seen[t.kind] = "av Husbanken (bostøtten din)" if lang == "nb" else "by Husbanken (your housing allowance)"
        elif t.kind == "deduction":
            name = stream_name(household, t.stream or "")
            seen[t.kind] = (f"av NAV (trekk i {name})" if lang == "nb" else f"by NAV (a deduction from {name})")
    return list(seen.values())


def rent_changes(plan, household, limit: int | None = None) -> list[dict]:
    """The landlord's transition, month by month: every rent month whose debits change or that
    is paid partly straight to the landlord, with the old debit that must not run, the new
    debits and direct payments, and how many days after the old due date the last part arrives
    (facts from the plan's transactions, `planner.facts.rent_changes`)."""
    return facts_rent_changes(Ledger(plan), household, limit)


def _items(household, plan, lang: str, reply_by: date) -> list[tuple[Item, list[str]]]:
    """Every request of the plan with the recipients it concerns; each item's dates and amounts
    are facts read from the plan's transactions (its lever's `letter_facts`)."""

    h = household
    # a plan made on an as-of day holds its own dates; one made without (instant changes) is
    # read from the answer-by day on
    anchor = None if plan.as_of is not None else reply_by
    out: list[tuple[Item, list[str]]] = []
    for i in plan.interventions:
        social = (_stream_kind(h, stream_of(i) or "") in SOCIAL_STREAMS) if i.lever == "deduction" else None
        name, basis, source = _basis(i.lever, lang, social)
        facts: dict = {}
        first = None
        rule = rules().get(i.lever)
        if rule is not None:
            first, facts = rule.letter_facts(i, plan, h, anchor, social)
        elif i.lever == "opening_buffer":
            first_income = Ledger(plan).first("buffer.before", "", plan.start, kind="income")
            before = Fact("buffer.before", i.effective_from, "date") if i.effective_from else first_income
            p = params_of(i, OpeningBufferParams)
            facts = {"amount_ore": ore("buffer.amount", p.amount_ore), "before": before, "source": p.source}
        facts["request_by"] = Fact("request_by", i.request_by, "date", i.lever) if i.request_by else None
        out.append((Item(i.lever, name, basis, source, first, facts), intervention_recipients(i, h)))
    if plan.status == "infeasible" and plan.shortfall is not None:
        name, basis, source = _basis("income_shortfall", lang)
        monthly, one_time, optimal = _shortfall_figures(plan)
        out.append((Item("income_shortfall", name, basis, source, None,
                         {"monthly_ore": ore("shortfall.monthly", monthly) if monthly else None,
                          "one_time_ore": ore("shortfall.one_time", one_time),
                          "problem": plan.baseline.problem, **_shortfall_terms(plan), "optimal": optimal}),
                     ["sosialtjenesten"]))
    return out


def _shortfall_figures(plan) -> tuple[int | None, int, bool]:
    """The extra money a plan without a solution lacks, as its letters state it: the sums that
    suffice with nothing else changed (`Shortfall.unchanged_*`), since such a plan asks no one to
    move a date; both are least sums then. A plan read from an older file without them falls
    back to the solver's figures (with levers; least only when proven)."""
    sf = plan.shortfall
    if sf.unchanged_one_time_ore is not None:
        return sf.unchanged_monthly_ore, sf.unchanged_one_time_ore, True
    return sf.monthly_ore, sf.one_time_ore, bool(plan.optimal)


def _shortfall_terms(plan) -> dict:
    """How a shortfall figure reads: with the start buffer it presumes (the monthly sum holds
    only together with it; none when the plan's own bridge is the tenant's own money, which the
    tenant's letter asks for) and whether the figures are least sums or upper bounds."""
    own = any(isinstance(i.params, OpeningBufferParams) and i.params.source == "own_money" for i in plan.interventions)
    buffer = plan.opening_buffer_ore if plan.status == "infeasible" and not own else 0
    before = Ledger(plan).first("shortfall.before", "", plan.start, kind="income") or \
        Fact("shortfall.before", plan.start, "date")
    optimal = _shortfall_figures(plan)[2] if plan.shortfall is not None else bool(plan.optimal)
    return {"buffer_ore": ore("shortfall.buffer", buffer) if buffer else None, "optimal": optimal,
            "before": before}


def _value(f):
    return None if f is None else f.value


def first_change(household, plan) -> date | None:
    """The first date a change of the plan takes effect (a payout, debit or grant), or None."""
    firsts = [it.first.value for it, _ in _items(household, plan, "nb", plan.start)
              if it.first is not None and it.lever != "income_shortfall"]
    return min(firsts) if firsts else None


def requests(household, plan) -> list[tuple[date | None, list[str]]]:
    """For each intervention of the plan, in order: the first date it takes effect (None if the
    plan never reaches it) and the recipients who must be asked. The web page's follow-up tasks
    take their due dates from here."""
    pairs = _items(household, plan, "nb", plan.start)
    return [(_value(it.first), who) for it, who in pairs[:len(plan.interventions)]]


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
    check_letter(plan, to, lang, household)
    sender = sender or Sender()
    sender = replace(sender, kommune=sender.kommune or PLACEHOLDER[lang]["kommune"],
                     office=sender.office or PLACEHOLDER[lang]["office"],
                     caseworker=sender.caseworker or PLACEHOLDER[lang]["caseworker"])
    from ..asof import today

    letter_date = letter_date or plan.as_of or today()  # a plan made on a day writes that day
    reply_by = reply_by or letter_date + timedelta(days=sender.reply_days)
    if reply_by < letter_date:
        raise LetterError(f"the answer-by date {reply_by.isoformat()} is before the letter date "
                          f"{letter_date.isoformat()}; give a --reply-by on or after the letter date")
    asks = [i.request_by for i in plan.interventions
            if i.request_by is not None and (to == "tenant" or to in intervention_recipients(i, household))]
    if asks and plan.as_of is not None:
        latest = min(asks)
        if letter_date > latest:
            raise LetterError(f"the plan needs this request by {latest.isoformat()}, before the letter date "
                              f"{letter_date.isoformat()}; the plan no longer holds: roll it forward "
                              f"(`planner plan FILE --as-of {letter_date.isoformat()} --roll-forward`, or the "
                              "web page's 'Rull fram' button) and write the letters of the new plan")
        reply_by = min(reply_by, latest)  # never later than the plan's request_by
    from ..calendar import bank_day_on_or_before

    if reply_by > letter_date:  # an answer-by day nobody works: the bank day before, not before the letter
        reply_by = max(bank_day_on_or_before(reply_by), letter_date)
    rec = recipient or sender.recipient(to)
    if not rec.name:
        rec = replace(rec, name=DEFAULT_RECIPIENT[lang][to])
    items = [it for it, who in _items(household, plan, lang, reply_by) if to == "tenant" or to in who]
    ctx: dict = {
        "to": to,
        "lang": lang,
        "sender": sender,
        "recipient": rec,
        "letter_date": Fact("letter.date", letter_date, "date"),
        "reply_by": Fact("letter.reply_by", reply_by, "date"),
        "reference": reference or household.id,
        "items": items,
        "levers": sorted({it.lever for it in items}),
    }
    if to == "landlord":
        ctx["payee_account"] = ""
        ctx["problem"] = plan.baseline.problem
        ctx["new_debit"] = _new_debit(plan, household)
        ctx["changes"] = rent_changes(plan, household) if plan.as_of is not None else []
    if to in ("nav", "sosialtjenesten"):
        landlord = sender.recipient("landlord")
        ctx["payee"] = landlord.name
        ctx["payee_account"] = landlord.account
    if to == "husbanken":
        landlord = sender.recipient("landlord")
        ctx["payee"] = landlord.name or sender.kommune
        ctx["payee_account"] = landlord.account
    base = plan.baseline
    before = {"before_low_ore": ore("baseline.low", base.min_balance_ore),
              "before_low_date": Fact("baseline.low_date", base.min_balance_date, "date"),
              "before_days_below": Fact("baseline.days_below", base.days_below_floor, "count")}
    if to == "tenant":
        share, differs = _share_facts(plan, household)
        monthly = _shortfall_figures(plan)[0] if plan.shortfall is not None else None
        ctx.update(before)
        ctx.update({
            "direct": bool(Ledger(plan).direct()),
            "shortfall_terms": _shortfall_terms(plan),
            "status": plan.status,
            "problem": plan.baseline.problem,
            "robust": plan.robust,
            "after_low_ore": ore("plan.low", plan.min_balance_ore),
            "after_low_date": Fact("plan.low_date", plan.min_balance_date, "date"),
            "share": share,
            "share_total": ore("share.total", sum(a.value for _, a in share), "", share[0][1].tx)
            if len(share) > 1 else None,
            "share_varies": bool(differs),
            "changes": rent_changes(plan, household) if plan.as_of is not None else [],
            "direct_by": _direct_by(plan, household, lang),
            "shortfall_monthly": ore("shortfall.monthly", monthly) if monthly else None,
            "projection": projection_facts(getattr(plan, "if_nothing_done", None)),
        })
        if chart:
            png = _chart_png(household, plan)
            ctx["chart_src"] = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    if to == "sosialtjenesten":
        ctx.update(before)
        ctx.update({
            "status": plan.status,
            "problem": plan.baseline.problem,
            "other_measures": len(plan.interventions) > 1,
            "budget": budget(household, plan, lang),
            "adults": Fact("household.adults", household.adults, "count"),
            "children": Fact("household.children", household.children, "count"),
            "projection": projection_facts(getattr(plan, "if_nothing_done", None)),
        })
    return ctx


def check_letter(plan, to: str, lang: str, household=None, fmt: str | None = None) -> None:
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

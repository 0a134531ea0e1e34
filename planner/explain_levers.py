"""Each lever's text for the caseworker: what the intervention does and why it helps.

The lever modules return facts and parameters, never words; this module says each lever in
Norwegian (`EXPLAIN`, keyed by lever). A lever without an entry is described by the catalogue
(`data/levers.toml`), so a new lever needs no text here to appear in a plan.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from .explain_words import (
    Baseline,
    d,
    dip_reason,
    first_date,
    instalment_schedule,
    monthly_windows,
    reason_direct,
    tenant_rent_share,
)
from .facts import stream_name
from .formatting import format_kr, nb_date
from .levers.base import params_of
from .levers.betalingsutsettelse import BetalingsutsettelseParams
from .levers.bostotte_to_landlord import BostotteParams
from .levers.bridge import OpeningBufferParams, source_nb
from .levers.catalogue import catalogue
from .levers.deduction import DeductionParams
from .levers.move_payout import MovePayoutParams
from .levers.rent_day import RentDayParams
from .levers.rent_instalments import RentInstalmentsParams
from .levers.repayment_plan import RepaymentPlanParams
from .levers.sok_bostotte import SokBostotteParams
from .model import Household, Intervention, Plan

#: An explainer: (intervention, plan, household, baseline) -> (what happens, why it helps).
Explainer = Callable[[Intervention, Plan, Household, Baseline], tuple[str, str]]

def _rent_day(i: Intervention, plan: Plan, h: Household, base: Baseline) -> tuple[str, str]:
    """The intervention in Norwegian for the caseworker: what happens, and why it helps."""
    p = params_of(i, RentDayParams)
    first = i.effective_from or first_date(plan, kind="husleie")
    summary = (f"Husleien ({format_kr(h.rent.amount)}) trekkes den {p.day}. hver måned i stedet for den "
               f"{p.from_day}. Leietaker og utleier endrer forfallsdatoen i avtalegiroen, fra {d(first) if first else '–'}.")
    reason = dip_reason(base, monthly_windows(h, p.from_day or 1, p.day), h)  # as rent_instalments: no due day, the 1st
    return summary, reason


def _rent_instalments(i: Intervention, plan: Plan, h: Household, base: Baseline) -> tuple[str, str]:
    """The intervention in Norwegian for the caseworker: what happens, and why it helps."""
    p = params_of(i, RentInstalmentsParams)
    days = " og ".join(f"den {day}." for day in p.days)
    # a month whose whole rent stays on the old due day does not change: the letters do not
    # name it, nor does the summary
    by_month = {k: list(v) for k, v in p.amounts_by_month.items()
                if any(a for day, a in zip(p.days, v) if day != h.rent.day)}
    summary = (f"Husleien trekkes på inntil {len(p.days)} dager i måneden ({days}): "
               + instalment_schedule(list(p.days), by_month or {"": list(p.amounts_ore)}).rstrip(".")
               + ". Utleier må godta en betalingsavtale med disse trekkdagene og beløpene.")
    due = h.rent.day or 1
    reason = dip_reason(base, monthly_windows(h, due, max(p.days)), h)
    return summary, reason


def _bostotte_to_landlord(i: Intervention, plan: Plan, h: Household, base: Baseline) -> tuple[str, str]:
    """The intervention in Norwegian for the caseworker: what happens, and why it helps."""
    p = params_of(i, BostotteParams)
    first = first_date(plan, kind="bostotte_direct")
    summary = (f"Bostøtten fra Husbanken utbetales til kommunen som utleier og trekkes fra husleien for måneden "
               f"den gjelder (den betales etterskuddsvis: utbetalingen den 20. gjelder måneden før); leietaker "
               f"samtykker skriftlig på forhånd (transporterklæring, kan trekkes tilbake når som helst), "
               f"første gang {d(first) if first else '–'}. "
               + tenant_rent_share(plan, h))
    reason = reason_direct(plan, h, base, "bostotte_direct", p.stream)
    return summary, reason


def _deduction(i: Intervention, plan: Plan, h: Household, base: Baseline) -> tuple[str, str]:
    """The intervention in Norwegian for the caseworker: what happens, and why it helps."""
    p = params_of(i, DeductionParams)
    first = first_date(plan, kind="deduction")
    summary = (f"NAV trekker {format_kr(p.amount_ore)} av hver utbetaling av {stream_name(h, p.stream)} "
               f"og betaler det til utleier (husleietrekk), første gang {d(first) if first else '–'}. "
               f"Leietaker samtykker skriftlig. " + tenant_rent_share(plan, h))
    reason = reason_direct(plan, h, base, "deduction", p.stream)
    return summary, reason


def _move_payout(i: Intervention, plan: Plan, h: Household, base: Baseline) -> tuple[str, str]:
    """The intervention in Norwegian for the caseworker: what happens, and why it helps."""
    p = params_of(i, MovePayoutParams)
    if p.shift_days is not None:
        k = p.shift_days
        first = first_date(plan, kind="income", stream=p.stream)
        summary = (f"NAV blir bedt om å utbetale {stream_name(h, p.stream)} {abs(k)} dager "
                   f"{'tidligere' if k < 0 else 'senere'} i 14-dagersrytmen"
                   + (f"; første utbetaling i planen blir {d(first)}." if first else "."))
        old = sorted({t.date for t in base.txs if t.kind == "income" and t.stream == p.stream})
        shift = timedelta(days=k)
        reason = dip_reason(base, [(min(o, o + shift), max(o, o + shift)) for o in old], h)
    else:
        assert isinstance(p.to_day, int) and isinstance(p.from_day, int), "a monthly stream moves day to day"
        summary = (f"NAV blir bedt om å utbetale {stream_name(h, p.stream)} den {p.to_day}. i stedet for den "
                   f"{p.from_day}.")
        reason = dip_reason(base, monthly_windows(h, p.to_day, p.from_day), h)
    return summary, reason


def _repayment_plan(i: Intervention, plan: Plan, h: Household, base: Baseline) -> tuple[str, str]:
    """The intervention in Norwegian for the caseworker: what happens, and why it helps."""
    p = params_of(i, RepaymentPlanParams)
    summary = (f"Restansen på {format_kr(p.arrears_ore)} nedbetales med {format_kr(p.amount_ore)} "
               f"den {p.day}. hver måned over {p.months} måneder (nedbetalingsavtale med kreditor).")
    reason = "Restansen må ryddes for å stoppe inkasso og begjæring om utkastelse; beløpet er valgt slik at kontoen tåler det."
    return summary, reason


def _betalingsutsettelse(i: Intervention, plan: Plan, h: Household, base: Baseline) -> tuple[str, str]:
    parts = [f"husleien for {m.rent_month} ({format_kr(m.amount_ore)}) trekkes {d(m.new_date)} "
             f"i stedet for {d(m.old_date)}" for m in params_of(i, BetalingsutsettelseParams).months]
    summary = ("Utleier gir betalingsutsettelse: " + "; ".join(parts) + ". Leietaker stopper det enkelte "
               "avtalegirotrekket i nettbanken med utleiers skriftlige samtykke, så det ikke går to ganger.")
    reason = ("Bygger bro over overgangen: den nye trekkdagen kan ikke gjelde før utleiers behandlingstid er over, "
              "og pengene kommer først senere i måneden.")
    return summary, reason


def _sok_bostotte(i: Intervention, plan: Plan, h: Household, base: Baseline) -> tuple[str, str]:
    p = params_of(i, SokBostotteParams)
    summary = (f"Husstanden søker bostøtte fra Husbanken (søknadsfrist {d(p.deadline)}); "
               f"anslått {format_kr(p.amount_ore)} per måned, første utbetaling "
               f"{d(p.first_payout)}. Et anslag: Husbanken avgjør søknaden.")
    reason = ("Inntekten dekker ikke utgiftene; bostøtten husstanden trolig har rett til dekker en del av "
              "husleien. Fram til første utbetaling trengs en overgang.")
    return summary, reason


def bridge(i: Intervention) -> tuple[str, str]:
    """The bridge in Norwegian for the caseworker: how much, from whom, by when."""
    p = params_of(i, OpeningBufferParams)
    ask = f"; be om den innen {nb_date(i.request_by)}" if i.request_by else ""
    summary = (f"Overgangen dekkes av et engangsbeløp på {format_kr(p.amount_ore)} fra "
               f"{source_nb(p.source)}, på kontoen senest {nb_date(p.needed_by)}{ask}.")
    reason = ("Ingen endring kan nå disse dagene: hvert tiltak virker først fra sin første mulige dato "
              "(behandlingstid), og før det går dagens trekk og utbetalinger som før.")
    return summary, reason


EXPLAIN: dict[str, Explainer] = {
    "rent_day": _rent_day,
    "rent_instalments": _rent_instalments,
    "bostotte_to_landlord": _bostotte_to_landlord,
    "deduction": _deduction,
    "move_payout": _move_payout,
    "repayment_plan": _repayment_plan,
    "betalingsutsettelse": _betalingsutsettelse,
    "sok_bostotte": _sok_bostotte,
}


def explain_lever(i: Intervention, plan: Plan, h: Household, base: Baseline) -> tuple[str, str]:
    """(what happens, why it helps) for one intervention: its lever's text, the bridge's, or
    the catalogue's description of a lever without a text of its own."""
    if i.lever in EXPLAIN:
        return EXPLAIN[i.lever](i, plan, h, base)
    if i.lever == "opening_buffer":
        return bridge(i)
    cat = catalogue()
    return (cat[i.lever].description, "") if i.lever in cat else (i.summary, i.reason)

"""The support check in Norwegian for the caseworker (`planner entitlement`). Words only: every
figure comes from the engine's typed steps (`planner.entitlement.estimate`). Everything here is
stated as an estimate, never as a decision: Husbanken, the kommune and the sosialtjenesten
decide on an application."""

from __future__ import annotations

from ..formatting import format_kr, format_month, nb_date
from .estimate import Entitlements, Step
from .granted import IfGranted

_STEP = {
    "income_monthly": "Skattbar inntekt per måned (brutto)",
    "income_annual": "Inntekt per år (× 12)",
    "weight": "Vekt for husstanden (forskrift om bostøtte § 7)",
    "weighted_income": "Vektet inntekt (inntekt ÷ vekt, hele kroner)",
    "egenandel_minimum": "Minste egenandel",
    "egenandel_share": "Tillegg: 16,44 % av vektet inntekt over grensen",
    "egenandel_progressive": "Progressivt tillegg",
    "egenandel_upper": "Tillegg: 63,56 % av vektet inntekt over den øvre grensen",
    "heating": "Tillegg for oppvarming som ikke er i husleien (per år)",
    "egenandel": "Egenandel per år",
    "housing_annual": "Boutgifter per år (husleie og andre godkjente boutgifter × 12, med oppvarming)",
    "ceiling": "Boutgiftstak for husstandens størrelse og kommunegruppe",
    "approved": "Godkjente boutgifter (det laveste av de to)",
    "basis": "Godkjente boutgifter − egenandel",
    "coverage": "Dekningsprosent",
    "per_year": "Bostøtte per år",
    "computed_monthly": "Bostøtte per måned (÷ 12, hele kroner)",
    "minimum_payout": "Minste utbetaling per måned",
    "monthly": "Anslått utbetaling per måned",
}

_UNCERTAIN = {
    "members_default": "Antall personer i husstanden er satt til voksne + barn (feltet entitlement.members mangler).",
    "kommune_unknown": "Kommunen er ikke oppgitt; boutgiftstaket for kommunegruppe 4 (laveste) er brukt.",
    "income_net": "Inntekten er regnet fra utbetalingene i filen, som er netto (etter skatt); Husbanken bruker "
                  "brutto inntekt, så anslaget kan være for høyt. Oppgi entitlement.gross_income_monthly.",
    "income_other": "Inntekt av typen «annen» er regnet med; den kan være skattefri og skal da ikke med.",
    "income_varies": "AAP/dagpenger varierer fra måned til måned (tre utbetalinger i noen måneder); Husbanken "
                     "bruker den faktiske inntekten i søknadsmåneden, her er snittet brukt.",
    "heating_supplement": "Alders-, uføre- og etterlattepensjonister kan få et tillegg for oppvarming som ikke "
                          "er regnet med.",
    "heating_unknown": "Oppvarming som ikke betales gjennom husleien, legges til boutgiftene (forskrift om "
                       "bostøtte § 2 d); filen har ingen strømutgift, så tillegget er ikke regnet med.",
    "ung_ufor": "Unge uføre har egne, høyere grenser i egenandelen (forskrift om bostøtte § 4); filen sier ikke "
                "om noen er ung ufør, så de vanlige grensene er brukt (anslaget kan være for lavt).",
    "wealth": "Formue er ikke kjent; formue over fribeløpet legges til inntekten og gir mindre bostøtte.",
    "rules_dated": "Satsene i planner/data/entitlement.toml er bare kjent til {known}; nyere satser er ikke "
                   "lagt inn, så beløpet kan avvike.",
    "household_rules": "Husbanken vurderer også hvem som kan søke (f.eks. ikke studenter uten barn) og om boligen "
                       "er godkjent; det er ikke vurdert her.",
}

_UNCERTAIN_SOSIAL = {
    "adults_many": "Flere enn to voksne: de øvrige er regnet som personer i bofellesskap.",
    "child_ages": "Barnas alder er ikke oppgitt for alle barn; satsen for 6–10 år er brukt.",
    "rates_dated": "Satsene er bare kjent til {known}; nyere satser er ikke lagt inn.",
    "individual": "Sosialtjenesten gjør alltid en individuell vurdering; satsene er bare et utgangspunkt.",
}


def _value(s: Step) -> str:
    if s.unit == "ore":
        return format_kr(s.value)
    if s.unit == "hundredths":
        return f"{s.value // 100},{s.value % 100:02d}"
    if s.unit == "per10000":
        whole, rest = divmod(s.value, 100)
        return f"{whole},{rest:02d} %".replace(",00 %", " %")
    return str(s.value)


def render(hid: str, e: Entitlements) -> str:
    """The check as text: statlig bostøtte (steps, uncertainty, deadline), kommunal schemes,
    and the sosialhjelp indication."""
    b = e.bostotte
    out = [f"Støttesjekk for {hid} per {nb_date(e.as_of)} (et anslag, ikke et vedtak)", "",
           "Statlig bostøtte (Husbanken)"]
    if b.has_stream:
        out.append("  Husstanden har allerede bostøtte i inntektene.")
    if b.likely_eligible:
        verdict = "trolig rett til bostøtte"
    elif b.computed_ore > 0:
        verdict = "trolig ikke rett: beløpet er under minste utbetaling"
    else:
        verdict = "trolig ikke rett: egenandelen er større enn de godkjente boutgiftene"
    out.append(f"  Vurdering: {verdict}. Anslått bostøtte: {format_kr(b.monthly_ore)} per måned.")
    out.append(f"  Husstand: {b.members} person(er), kommunegruppe {b.kommunegruppe}; satser fra "
               f"{nb_date(b.rules_from)}.")
    out.append("  Beregning:")
    width = max(len(_STEP[s.key]) for s in b.steps)
    for s in b.steps:
        out.append(f"    {_STEP[s.key]:<{width}}  {_value(s):>14}")
    if b.unused:
        out.append(f"  Søknadsfrist: {nb_date(b.deadline)} (for {format_month(b.for_month)}); første utbetaling "
                   f"trolig {nb_date(b.first_payout)}.")
    if b.applied:
        out.append("  Saksbehandler har bekreftet at søknad er sendt.")
    out.append("  Usikkert:")
    out += [f"    - {_UNCERTAIN[u].format(known=nb_date(b.known_until))}" for u in b.uncertain]
    out += ["", "Kommunal bostøtte"]
    if not e.kommunal:
        out.append("  Ingen kommunal ordning er registrert for kommunen (eller kommunen er ikke oppgitt).")
    for k in e.kommunal:
        r = k.rule
        if k.monthly_ore is not None and r.kind == "reasonable_cost":
            out.append(f"  {r.name}: trolig {format_kr(k.monthly_ore)} per måned (husleien over en rimelig "
                       f"boutgift av inntekten) hvis boligen er {r.applies_to}.")
            out.append("    Om statlig bostøtte trekkes fra, er ikke oppgitt; beløpet er før en slik samordning.")
        elif k.monthly_ore is not None:
            out.append(f"  {r.name}: trolig {format_kr(k.monthly_ore)} per måned i fratrekk i husleien "
                       f"({r.applies_to}).")
        elif r.kind in ("rent_reduction", "reasonable_cost"):
            out.append(f"  {r.name}: gjelder {r.applies_to}; filen sier ikke om boligen er det "
                       "(entitlement.kommunal_bolig).")
        else:
            out.append(f"  {r.name}: behovsprøvd ({r.applies_to}); ikke beregnet, kan søkes.")
        if r.requires_statlig:
            out.append("    Krever at det søkes statlig bostøtte og at den utbetales til kommunen.")
    sh = e.sosialhjelp
    out += ["", "Økonomisk stønad (sosialhjelp), veiledende satser",
            f"  Livsopphold etter statens veiledende satser (fra {nb_date(sh.rates_from)}): "
            f"{format_kr(sh.livsopphold_ore)} per måned",
            f"  Husleie, andre boutgifter og strøm: {format_kr(sh.housing_ore)} per måned",
            f"  Inntekt som regnes med (uten barnetrygd, med anslått bostøtte): {format_kr(sh.income_ore)} per måned"]
    if sh.below:
        out.append(f"  Inntekten er {format_kr(sh.gap_ore)} per måned under satsene: en indikasjon på at "
                   "husstanden kan ha rett til økonomisk stønad. Sosialtjenesten vurderer selv.")
    else:
        out.append("  Inntekten er ikke under satsene.")
    out += [f"    - {_UNCERTAIN_SOSIAL[u].format(known=nb_date(sh.known_until))}" for u in sh.uncertain]
    return "\n".join(out) + "\n"


def if_granted_text(g: IfGranted) -> str:
    """The plan "if granted" beside the plan that does not count on bostøtte: the estimate, the
    deadline, and what the plan would be with it (none when the solver found none in time)."""
    from ..report import STATUS_TEXT

    b, granted = g.estimate, g.plan
    out = ["Hvis bostøtte søkes og innvilges (et anslag, ikke et vedtak):",
           f"  Anslått bostøtte {format_kr(b.monthly_ore)} per måned; søknadsfrist {nb_date(b.deadline)}, "
           f"første utbetaling trolig {nb_date(b.first_payout)}."]
    if granted is not None:
        out.append(f"  Med bostøtten: {STATUS_TEXT[granted.status]}; laveste saldo "
                   f"{format_kr(granted.min_balance_ore)} ({nb_date(granted.min_balance_date)}).")
        for i in granted.interventions:
            out.append(f"    - {i.summary}")
    else:
        out.append("  Ingen plan med bostøtten ble funnet innen tidsgrensen.")
    out.append("  Planen over regner ikke med bostøtten før saksbehandler bekrefter at søknaden er sendt "
               "([entitlement] bostotte_applied = true i husstandsfilen). Se planner entitlement FILE.")
    return "\n".join(out)

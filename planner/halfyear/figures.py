"""The half-year report's figures, computed from cases (pure: no files, no clock).

Each function takes the caseload and the period and returns a `Figure`: its tables of counts
(suppressed in `tables.py`), its measures over groups, and the definition the README repeats.
Every count counts households, never interventions or letters, so "fewer than five" always
means fewer than five households.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..formatting import format_int
from .model import (
    ACTOR_NB,
    AGE_NB,
    GENDER_NB,
    LEVER_NB,
    OUTCOME_NB,
    OUTCOMES,
    PROBLEM_NB,
    SOLVED,
    STATE_NB,
    STATES,
    STATUS_NB,
    Case,
    Caseload,
    Period,
)
from .tables import MIN_COUNT, StatRow, StatTable, Table, count_text

UNKNOWN = "Ikke oppgitt"
NOT_IN_SOURCE = "Ikke i kilden"

#: kroner bins for the arrears distribution: (label, lowest øre, highest øre inclusive)
ARREARS_BINS = [("0 kr", 0, 0), ("1–4 999 kr", 1, 499_999), ("5 000–9 999 kr", 500_000, 999_999),
                ("10 000–19 999 kr", 1_000_000, 1_999_999), ("20 000–39 999 kr", 2_000_000, 3_999_999),
                ("40 000 kr og mer", 4_000_000, None)]
DAY_BINS = [("0–7 dager", 0, 7), ("8–14 dager", 8, 14), ("15–30 dager", 15, 30), ("31–60 dager", 31, 60),
            ("61–90 dager", 61, 90), ("Over 90 dager", 91, None)]
SIZE_BINS = [("1 person", 1, 1), ("2 personer", 2, 2), ("3 personer", 3, 3), ("4 personer", 4, 4),
             ("5 eller flere", 5, None)]
PRIORITY_BINS = [("0–19", 0, 19), ("20–39", 20, 39), ("40–59", 40, 59), ("60–79", 60, 79), ("80–100", 80, None)]


@dataclass
class Figure:
    key: str
    title: str
    definition: str
    tables: list[Table | StatTable] = field(default_factory=list)
    missing: str = ""  # non-empty: the sources hold nothing for this figure; says what is missing

    @property
    def available(self) -> bool:
        return not self.missing


# --------------------------------------------------------------------------- formatting


def kr(ore: int) -> str:
    """Whole kroner, rounded half up, Norwegian thousands: '22 500 kr'."""
    k = (ore + 50) // 100 if ore >= 0 else -((-ore + 50) // 100)
    return f"{format_int(k)} kr"


def _mean(values: list[int]) -> int:
    """Integer mean, half up (øre or days stay integers: no float enters a total)."""
    s, n = sum(values), len(values)
    return (2 * s + n) // (2 * n)


def _median2(values: list[int]) -> int:
    """Twice the median (an integer even for an even count)."""
    v = sorted(values)
    n = len(v)
    return 2 * v[n // 2] if n % 2 else v[n // 2 - 1] + v[n // 2]


def days_text(twice: int) -> str:
    return f"{twice // 2}" + (",5" if twice % 2 else "")


def _bin(value: int, bins) -> str:
    for label, lo, hi in bins:
        if value >= lo and (hi is None or value <= hi):
            return label
    return bins[0][0]


def _count_rows(labels: Iterable[str], counter: Counter) -> list[tuple[str, list[int]]]:
    return [(lab, [counter.get(lab, 0)]) for lab in labels]


def _binned(values: list[int | None], bins, unknown: bool = True) -> list[tuple[str, list[int]]]:
    c = Counter(UNKNOWN if v is None else _bin(v, bins) for v in values)
    labels = [b[0] for b in bins] + ([UNKNOWN] if unknown and c.get(UNKNOWN) else [])
    return _count_rows(labels, c)


def _missing(cases: list[Case], has: Callable[[Case], bool], what: str) -> str:
    return "" if any(has(c) for c in cases) else f"{NOT_IN_SOURCE}: {what}."


# --------------------------------------------------------------------------- the figures


def offices(cases: list[Case], p: Period) -> Figure:
    fig = Figure("kontor", "Saker per sosialkontor / bydel",
                 "Åpnet: saken ble åpnet i perioden. Avsluttet: saken ble avsluttet (utfall registrert) i perioden. "
                 "Åpne: åpnet innen periodens slutt og ikke avsluttet innen da.")
    fig.missing = _missing(cases, lambda c: c.opened is not None, "når sakene ble åpnet")
    opened: Counter[str] = Counter()
    closed: Counter[str] = Counter()
    open_: Counter[str] = Counter()
    for c in cases:
        office = c.office or UNKNOWN
        if c.opened in p:
            opened[office] += 1
        if c.closed in p:
            closed[office] += 1
        if c.opened is not None and c.opened <= p.end and (c.closed is None or c.closed > p.end):
            open_[office] += 1
    names = sorted({k for k in (*opened, *closed, *open_) if k != UNKNOWN})
    if any(UNKNOWN in x for x in (opened, closed, open_)):
        names.append(UNKNOWN)
    notes = []
    if not any(c.office for c in cases):
        notes.append("Kilden har ikke sosialkontor / bydel.")
    if not any(c.closed or c.outcome for c in cases):
        notes.append("Kilden har ingen avsluttede saker (en kjøring av planner batch kjenner ikke utfall).")
    fig.tables.append(Table("Saker", "Sosialkontor / bydel", ["Åpnet", "Avsluttet", "Åpne ved periodens slutt"],
                            [(n, [opened[n], closed[n], open_[n]]) for n in names], col_total=True,
                            note=" ".join(notes)))
    return fig


def arrears(cases: list[Case], p: Period) -> Figure:
    fig = Figure("restanse", "Restanse da saken ble åpnet",
                 "Husleierestansen (kroner) saken startet med, for saker åpnet i perioden: fordeling, "
                 "gjennomsnitt og median over saker der restansen er kjent.")
    group = [c for c in cases if c.opened in p]
    fig.missing = _missing(group, lambda c: c.arrears_ore is not None, "restanse ved åpning")
    fig.tables.append(Table("Fordeling", "Restanse", ["Husholdninger"],
                            _binned([c.arrears_ore for c in group], ARREARS_BINS), col_total=True))
    known = [c.arrears_ore for c in group if c.arrears_ore is not None]
    st = StatTable("Restanse per sak", ["Gjennomsnitt", "Median"])
    st.rows.append(StatRow("Restanse ved åpning", len(known),
                           [kr(_mean(known)), kr(_median2(known) // 2)] if known else ["", ""],
                           _mean(known) / 100 if known else None))
    fig.tables.append(st)
    return fig


def problem_status(cases: list[Case], p: Period) -> Figure:
    fig = Figure("problem", "Problem og status",
                 "Saker åpne i perioden. Problem: ingen (kontoen holder seg over grensen: i orden uten tiltak), "
                 "tidspunkt (pengene rekker over måneden, men ikke dag for dag) eller inntekt (utgiftene er større enn "
                 "inntekten). Status for saker med problem: plan funnet, eller ingen plan (ingen tiltak rekker; "
                 "underskuddet meldes). «Ingen» og «i orden uten tiltak» er de samme sakene, så de står i hver sin "
                 "tabell og ikke som tomme celler i krysstabellen.")
    group = [c for c in cases if c.active_in(p)]
    fig.missing = _missing(group, lambda c: c.problem is not None or c.status is not None, "problem og status")
    probs = Counter(c.problem or UNKNOWN for c in group)
    labels = list(PROBLEM_NB) + ([UNKNOWN] if probs.get(UNKNOWN) else [])
    fig.tables.append(Table("Problem", "Problem", ["Husholdninger"],
                            [(PROBLEM_NB.get(q, q), [probs[q]]) for q in labels], col_total=True))
    with_problem = [c for c in group if c.problem in ("timing", "income")]
    stats = ["planned", "no_plan"] + ([UNKNOWN] if any(c.status not in ("planned", "no_plan") for c in with_problem)
                                      else [])
    cnt = Counter((c.problem, c.status if c.status in ("planned", "no_plan") else UNKNOWN) for c in with_problem)
    fig.tables.append(Table("Status for saker med problem", "Problem", [STATUS_NB.get(s, s) for s in stats],
                            [(PROBLEM_NB[q], [cnt[(q, s)] for s in stats]) for q in ("timing", "income")],
                            row_total=True, col_total=True))
    return fig


def _reached(state: str | None) -> set[str]:
    """The report's columns a follow-up state counts in: agreed includes in effect."""
    out = {"proposed"}
    if state in ("agreed", "in_effect"):
        out.add("agreed")
    if state == "in_effect":
        out.add("in_effect")
    if state == "refused":
        out.add("refused")
    return out


def interventions(cases: list[Case], p: Period) -> Figure:
    fig = Figure("tiltak", "Tiltak: foreslått, avtalt, i kraft og avslått",
                 "Saker åpne i perioden med planens tiltak. Foreslått: tiltaket er i saken plan. Avtalt: "
                 "oppfølgingen står som avtalt eller i kraft. I kraft: står som i kraft. Avslått: står som avslått. "
                 "En husholdning telles én gang per tiltak (og per aktør), men kan ha flere tiltak, så radene "
                 "summeres ikke.")
    group = [c for c in cases if c.active_in(p) and c.interventions is not None]
    fig.missing = _missing(group, lambda c: True, "planenes tiltak")
    followed = any(i.state is not None for c in group for i in c.interventions or ())
    states = list(STATES) if followed else ["proposed"]
    by_lever: dict[str, Counter] = {}
    by_actor: dict[str, Counter] = {}
    for c in group:
        lev: dict[str, set[str]] = {}
        act: dict[str, set[str]] = {}
        for i in c.interventions or ():
            cols = _reached(i.state)
            lev.setdefault(i.lever, set()).update(cols)
            for a in i.actors:
                act.setdefault(a, set()).update(cols)
        for k, cols in lev.items():
            by_lever.setdefault(k, Counter()).update(cols)
        for k, cols in act.items():
            by_actor.setdefault(k, Counter()).update(cols)
    note = "" if followed else "Kilden har ingen oppfølging av tiltakene: bare foreslåtte tiltak vises."
    levers = [k for k in LEVER_NB if k in by_lever] + sorted(k for k in by_lever if k not in LEVER_NB)
    actors = [k for k in ACTOR_NB if k in by_actor] + sorted(k for k in by_actor if k not in ACTOR_NB)
    fig.tables.append(Table("Etter tiltak", "Tiltak", [STATE_NB[s] for s in states],
                            [(LEVER_NB.get(k, k), [by_lever[k][s] for s in states]) for k in levers], note=note))
    fig.tables.append(Table("Etter aktør", "Hvem må handle", [STATE_NB[s] for s in states],
                            [(ACTOR_NB.get(k, k), [by_actor[k][s] for s in states]) for k in actors]))
    return fig


def outcomes(cases: list[Case], p: Period) -> Figure:
    fig = Figure("utfall", "Utfall og tid",
                 "Utfall registrert med dato i perioden (hver sak sitt siste utfall). Tid til første kontakt: dager fra "
                 "datoen på listen fra kreditor til første kontakt (første brev eller oppfølging registrert), for "
                 "kontakter i perioden. Tid til løsning: dager fra listens dato til utfallet løst, betalt eller "
                 "begjæring trukket, for slike utfall i perioden.")
    fig.missing = _missing(cases, lambda c: c.outcome is not None or c.first_contact is not None, "utfall")
    cnt = Counter(c.outcome for c in cases if c.outcome in OUTCOMES and c.outcome_date in p)
    fig.tables.append(Table("Utfall", "Utfall", ["Husholdninger"],
                            [(OUTCOME_NB[o], [cnt[o]]) for o in OUTCOMES], col_total=True))
    contact = [(c.first_contact - c.list_date).days for c in cases
               if c.first_contact is not None and c.first_contact in p and c.list_date is not None
               and c.first_contact >= c.list_date]
    solved = [(c.outcome_date - c.list_date).days for c in cases
              if c.outcome in SOLVED and c.outcome_date is not None and c.outcome_date in p
              and c.list_date is not None and c.outcome_date >= c.list_date]
    cc, sc = Counter(_bin(d, DAY_BINS) for d in contact), Counter(_bin(d, DAY_BINS) for d in solved)
    fig.tables.append(Table("Dager fra listens dato", "Dager", ["Til første kontakt", "Til løsning"],
                            [(b[0], [cc[b[0]], sc[b[0]]]) for b in DAY_BINS], col_total=True))
    st = StatTable("Tid fra listens dato", ["Median", "Gjennomsnitt"])
    for label, d in (("Til første kontakt", contact), ("Til løsning", solved)):
        st.rows.append(StatRow(label, len(d), [f"{days_text(_median2(d))} dager", f"{_mean(d)} dager"] if d else
                               ["", ""], _median2(d) / 2 if d else None))
    fig.tables.append(st)
    return fig


def households(cases: list[Case], p: Period) -> Figure:
    from ..benefits import catalogue

    names = {k: v.name for k, v in catalogue().kinds.items()}
    fig = Figure("inntekt", "Inntekt og husholdning",
                 "Saker åpne i perioden. Inntektstyper: husholdninger som har ytelsen (en husholdning kan ha flere). "
                 "Husholdningens størrelse: voksne og barn.")
    group = [c for c in cases if c.active_in(p)]
    fig.missing = _missing(group, lambda c: c.income_kinds is not None or c.household_size is not None,
                           "inntekter og husholdningens størrelse")
    kinds = Counter(k for c in group for k in set(c.income_kinds or ()))
    order = [k for k in names if k in kinds] + sorted(k for k in kinds if k not in names)
    fig.tables.append(Table("Inntektstyper", "Ytelse", ["Husholdninger"],
                            [(names.get(k, k), [kinds[k]]) for k in order],
                            note="En husholdning kan ha flere ytelser, så radene summeres ikke."))
    fig.tables.append(Table("Husholdningens størrelse", "Personer", ["Husholdninger"],
                            _binned([c.household_size for c in group], SIZE_BINS), col_total=True))
    return fig


def people(cases: list[Case], p: Period) -> Figure:
    fig = Figure("alder", "Alder og kjønn",
                 "Hovedleietakers aldersgruppe og kjønn der saksbehandleren har registrert dem, for saker åpne i "
                 "perioden.")
    group = [c for c in cases if c.active_in(p)]
    fig.missing = _missing(group, lambda c: c.age_band is not None or c.gender is not None, "alder og kjønn")
    ages = Counter(c.age_band if c.age_band in AGE_NB else UNKNOWN for c in group)
    genders = Counter(c.gender if c.gender in GENDER_NB else UNKNOWN for c in group)
    fig.tables.append(Table("Alder", "Aldersgruppe", ["Husholdninger"],
                            [(AGE_NB[k], [ages[k]]) for k in AGE_NB] + [(UNKNOWN, [ages[UNKNOWN]])], col_total=True))
    fig.tables.append(Table("Kjønn", "Kjønn", ["Husholdninger"],
                            [(GENDER_NB[k], [genders[k]]) for k in GENDER_NB] + [(UNKNOWN, [genders[UNKNOWN]])],
                            col_total=True))
    return fig


def plans(cases: list[Case], p: Period) -> Figure:
    fig = Figure("planer", "Fra planene",
                 "Saker åpne i perioden med plan. Dager under grensen: dager kontoen er under minstesaldoen i planens "
                 "horisont, før (datoene i dag) og etter (med tiltakene; uten plan som før). Utleier venter: dager "
                 "fra opprinnelig forfallsdag til siste del av husleien er betalt, for planer som flytter eller deler "
                 "husleien. Bro: startbuffer sosialtjenesten bes om. Underskudd: det planen ber sosialtjenesten om "
                 "når ingen tiltak rekker, per måned og som engangsbeløp.")
    group = [c for c in cases if c.active_in(p) and c.has_plan_data]
    fig.missing = _missing(group, lambda c: True, "planenes tall")
    days = StatTable("Dager", ["Sum dager", "Gjennomsnitt", "Median"])
    for label, vals in (("Dager under grensen før", [c.days_below_before for c in group]),
                        ("Dager under grensen etter", [c.days_below_after for c in group]),
                        ("Dager utleier venter", [c.landlord_wait_days for c in group])):
        v = [x for x in vals if x is not None]
        days.rows.append(StatRow(label, len(v), [count_text(sum(v)), str(_mean(v)), days_text(_median2(v))] if v else ["", "", ""],
                                 _mean(v) if v else None))
    money = StatTable("Kroner bedt om fra sosialtjenesten", ["Sum", "Gjennomsnitt", "Median"])
    for label, vals in (("Bro (startbuffer)", [c.bridge_ore for c in group]),
                        ("Underskudd per måned", [c.shortfall_monthly_ore for c in group]),
                        ("Underskudd, engangsbeløp", [c.shortfall_one_time_ore for c in group])):
        v = [x for x in vals if x]
        money.rows.append(StatRow(label, len(v), [kr(sum(v)), kr(_mean(v)), kr(_median2(v) // 2)] if v else
                                  ["", "", ""], sum(v) / 100 if v else None))
    fig.tables += [days, money]
    return fig


def compare(cases: list[Case], p: Period) -> Figure:
    prev = p.previous()
    fig = Figure("mot-forrige", "Perioden mot perioden før",
                 f"Begjæringer om utkastelse sendt og utkastelser gjennomført med dato i perioden ({p.label()}), mot "
                 f"perioden før ({prev.label()}). Endring i prosent av perioden før; vises bare når begge tallene vises. "
                 "Nasjonale mål: begjæringer −50 %, utkastelser −30 %.")
    fig.missing = _missing(cases, lambda c: c.outcome is not None or c.petition_date is not None,
                           "begjæringer og utkastelser")
    pet_now = sum(1 for c in cases if c.petition_date in p)
    pet_before = sum(1 for c in cases if c.petition_date in prev)
    ev_now = sum(1 for c in cases if c.eviction_date in p)
    ev_before = sum(1 for c in cases if c.eviction_date in prev)
    t = Table("Begjæringer og utkastelser", "", ["Perioden før", "Perioden"],
              [("Begjæringer sendt", [pet_before, pet_now]), ("Utkastelser gjennomført", [ev_before, ev_now])])
    fig.tables.append(t)
    ch = StatTable("Endring", ["Endring"], show_n=False)
    for label, b, a in (("Begjæringer sendt", pet_before, pet_now), ("Utkastelser gjennomført", ev_before, ev_now)):
        n = min(a, b)  # shown only when both counts are shown
        ch.rows.append(StatRow(label, n, [pct_change(b, a)] if n >= MIN_COUNT else [""],
                               None if n < MIN_COUNT else (a - b) * 100 / b))
    fig.tables.append(ch)
    return fig


def pct_change(before: int, after: int) -> str:
    """'−25 %' (half up, whole percent, Norwegian minus)."""
    num = (after - before) * 100
    v = (2 * abs(num) + before) // (2 * before)
    sign = "−" if num < 0 else ("+" if num > 0 else "")
    return f"{sign}{v} %"


def priority(cases: list[Case], p: Period) -> Figure:
    fig = Figure("prioritet", "Prioritet",
                 "Prioriteten (0–100) fra planner batch for saker åpne i perioden: haster, restanse, barn og "
                 "om billige tiltak løser saken (README, Priority).")
    group = [c for c in cases if c.active_in(p)]
    fig.missing = _missing(group, lambda c: c.priority is not None, "prioritet")
    fig.tables.append(Table("Prioritet", "Prioritet", ["Husholdninger"],
                            _binned([c.priority for c in group], PRIORITY_BINS), col_total=True))
    return fig


def unused_bostotte(cases: list[Case], p: Period) -> Figure:
    fig = Figure("bostotte", "Husstander med mulig ubrukt bostøtte",
                 "Saker åpne i perioden der husstanden ikke har bostøtte i inntektene og et anslag etter "
                 "Husbankens regler (planner entitlement) når minste utbetaling: antall, og summen av anslagene "
                 "per måned. Et anslag, ikke et vedtak.")
    group = [c for c in cases if c.active_in(p)]
    fig.missing = _missing(group, lambda c: c.unused_bostotte_ore is not None, "bostøtte ikke søkt?")
    flagged = [c.unused_bostotte_ore for c in group if c.unused_bostotte_ore]
    known = [c for c in group if c.unused_bostotte_ore is not None]
    fig.tables.append(Table("Bostøtte ikke søkt?", "Bostøtte", ["Husholdninger"],
                            [("Mulig ubrukt bostøtte", [len(flagged)]),
                             ("Har bostøtte eller under minste utbetaling", [len(known) - len(flagged)])],
                            col_total=True))
    st = StatTable("Anslått bostøtte per måned", ["Sum", "Gjennomsnitt"])
    st.rows.append(StatRow("Mulig ubrukt bostøtte", len(flagged),
                           [kr(sum(flagged)), kr(_mean(flagged))] if flagged else ["", ""],
                           sum(flagged) / 100 if flagged else None))
    fig.tables.append(st)
    return fig


FIGURES = (offices, arrears, problem_status, interventions, outcomes, households, people, plans, compare, priority,
           unused_bostotte)


@dataclass
class Report:
    period: Period
    sources: list[str]
    figures: list[Figure]
    cases: int  # households in the caseload, all periods (for the front page; suppressed when small)


def build_report(caseload: Caseload, period: Period) -> Report:
    """Every figure for the period, from the caseload alone."""
    return Report(period, list(caseload.sources), [f(caseload.cases, period) for f in FIGURES],
                  sum(1 for c in caseload.cases if c.active_in(period)))

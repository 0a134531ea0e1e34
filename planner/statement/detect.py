"""Recurring payouts and bills found in a statement, each with its evidence and a confidence.

Pure: a `Statement` in, a `Detection` out; no files, no clock. The rules (README, "Detection
rules"):

1. A debit and a later credit of the same amount within 10 days that the bank marks as a
   reversal (camt `RvslInd`, or words such as "retur", "avvist") are a **bounced** debit: both
   leave the analysis, and the bill's evidence notes the date.
2. Credits are grouped by the benefit the text names (NAV with the benefit, Husbanken,
   Innkrevingsmyndigheten/Skatteetaten for barnebidrag, the kommune for sosialhjelp, wages),
   else by payer and text; debits by the bill the text names, else by payee and text.
   Purchases (card, Vipps, cash) are everyday spending whatever their rhythm.
3. A group's **rhythm**: every 14 days when the median gap is 12-16 days over at least 4
   payouts; monthly when it is 25-35 days over at least 3; anything else is irregular (not
   drafted, listed with its evidence). A single payment is a one-off.
4. A monthly stream's **day** is the nominal day whose effective dates (that kind's bank-day
   shift, December and May days, published tables, from `planner/data/benefits.toml` through
   `planner.calendar`) match the most observed dates; the kind's own rule is kept when it
   matches them all. A December payout on another day becomes `month_day = {12 = ...}`, and a
   December amount that differs becomes `month_amounts = {12 = ...}`. When no day matches at
   least half the months the latest observed day is used (a plan never relies on early money).
5. A 14-day stream's **anchor** is the one whose dates match the most payouts (ties: the
   smaller total distance); later payouts (late meldekort) are noted as drift.
6. The **amount** is the most common one if at least half the payouts have it, else the median.
7. The **rent** is the `husleie` stream; without one named in the text, the largest fixed
   monthly debit (with a low confidence). **Everyday spending** is the median over the
   statement's whole calendar months of every debit in no stream. The **balance** is the
   statement's closing balance.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from ..benefits import Shift, catalogue
from ..calendar import Schedule, nominal_in_month, occurrences, resolve_expense, resolve_income
from ..formatting import nb_date
from ..periods import key_of, month_key, months_between
from .classify import credit_kind, debit_kind, group_text, is_reversal_text
from .messages import REASON_NB, place
from .model import Entry, Statement
from .rhythm import FORTNIGHT, MONTHLY, day_gaps, typical_amount
from .unnamed import NAV_LABEL, NAV_UNNAMED, split_unnamed

Evidence = tuple[tuple[date, int], ...]
_REVERSAL_DAYS = 10
_EXCEPTION_SHARE = 0.02  # a December amount this much off the usual one is an exception


@dataclass(frozen=True)
class Stream:
    """One recurring payout (flow 'in') or bill ('out'), as it will stand in the draft."""

    flow: str
    kind: str
    amount_ore: int
    rhythm: str  # "monthly", "14 days"
    evidence: Evidence
    confidence: float
    day: int | None = None  # None with rhythm monthly: the kind's own rule
    every_days: int | None = None
    first: date | None = None
    month_day: dict[str, int] = field(default_factory=dict)
    month_amounts: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    why: str = ""
    #: the name the draft shows instead of the kind's ("NAV, ytelse ukjent")
    label: str = ""
    #: a bank-day rule the kind does not have itself (a NAV payout drafted as `annen`)
    shift: Shift | None = None
    #: a row the reader refused probably belongs here: amount or rhythm may be wrong
    incomplete: bool = False


@dataclass(frozen=True)
class Excluded:
    """Money in or out that is no stream: a one-off, an irregular group, a bounced debit."""

    reason: str  # "one-off", "irregular", "bounced", "tax refund"
    flow: str
    evidence: Evidence
    kind: str | None = None


@dataclass(frozen=True)
class Detection:
    statement_start: date
    statement_end: date
    incomes: tuple[Stream, ...]
    expenses: tuple[Stream, ...]
    living_ore: int
    living_evidence: tuple[tuple[str, int], ...]  # (YYYY-MM, total spending that month)
    balance_ore: int | None
    excluded: tuple[Excluded, ...]
    #: what the person must know before trusting the draft (Norwegian; the draft's first lines)
    warnings: tuple[str, ...] = ()

    @property
    def streams(self) -> tuple[Stream, ...]:
        return self.incomes + self.expenses

    @property
    def rent(self) -> Stream | None:
        return next((s for s in self.expenses if s.kind == "husleie"), None)


# --------------------------------------------------------------------------- steps


def _bounced(entries: list[Entry]) -> tuple[list[Entry], list[tuple[Entry, Entry]]]:
    """Pair reversals with the debit they send back; return the rest and the pairs."""
    used: set[int] = set()
    pairs = []
    for j, e in enumerate(entries):
        if e.amount_ore <= 0 or not is_reversal_text(e):
            continue
        for i in range(j - 1, -1, -1):
            d = entries[i]
            if (e.booked - d.booked).days > _REVERSAL_DAYS:
                break
            if i not in used and d.amount_ore == -e.amount_ore:
                used.update((i, j))
                pairs.append((d, e))
                break
    # a reversal can be listed on the same day before its debit
    for j, e in enumerate(entries):
        if j in used or e.amount_ore <= 0 or not is_reversal_text(e):
            continue
        for i, d in enumerate(entries):
            if i not in used and d.amount_ore == -e.amount_ore and d.booked == e.booked:
                used.update((i, j))
                pairs.append((d, e))
                break
    return [e for k, e in enumerate(entries) if k not in used], pairs


def _months(st: Statement) -> list[tuple[int, int]]:
    """Calendar months wholly inside the statement."""
    out = []
    for y, m in months_between(st.start, st.end):
        first = date(y, m, 1)
        last = nominal_in_month(y, m, 31)
        if first >= st.start and last <= st.end:
            out.append((y, m))
    return out


def _schedule(flow: str, kind: str, **kw) -> Schedule:
    from ..model import Expense, IncomeStream

    if flow == "in":
        return resolve_income(IncomeStream(kind=kind, amount=1, **kw), date(2000, 1, 1))
    return resolve_expense(Expense(kind=kind, amount=1, **kw))


def _monthly_fit(flow: str, kind: str, dates: list[date], st: Statement, shift: Shift | None = None,
                 early_months: bool = False):
    """(day or None for the kind's rule, month_day, matched, predicted, notes).

    `early_months`: a payout earlier than the day in any month (not only December) becomes
    that month's day; for a NAV payout whose benefit is unknown, whose own May and December
    days (uføretrygd's 16 May) cannot be taken from the benefit's rule."""
    lo, hi = st.start, st.end
    observed = set(dates)
    if shift is None:
        shift = catalogue().kinds[kind].rule_on(lo).shift if flow == "in" else catalogue().expenses[kind].shift
    candidates: list[tuple[tuple, int | None]] = []
    if flow == "in" and catalogue().kinds[kind].rule_on(lo).day is not None:
        occ = {o.effective for o in occurrences(_schedule(flow, kind), lo, hi)}
        candidates.append(((len(observed & occ), (10**6, 0), 0), None))  # the kind's rule wins a tie
    day_counts = Counter(d.day for d in dates)
    for day in range(1, 32):
        occ = {o.effective for o in occurrences(_schedule(flow, kind, day=day, shift=shift), lo, hi)}
        # among days that explain as many payments: the latest for money in, the earliest for
        # money out, so that the plan never counts on luck; then the day seen most often
        prefer = (day if flow == "in" else -day, day_counts.get(day, 0))
        candidates.append(((len(observed & occ), prefer, day), day))
    (matched, _, _), best = max(candidates, key=lambda c: c[0])
    notes: list[str] = []
    month_day: dict[str, int] = {}
    if best is None:
        sched = _schedule(flow, kind)
    else:
        sched = _schedule(flow, kind, day=best, shift=shift)
    if matched * 2 < len(dates):  # no day explains half the payouts: the latest observed day
        best = max(d.day for d in dates)
        sched = _schedule(flow, kind, day=best, shift=shift)
        notes.append(f"dagen varierer ({min(d.day for d in dates)}.–{best}.): den seneste er brukt")
        matched = len(observed & {o.effective for o in occurrences(sched, lo, hi)})
        return best, month_day, matched, len(dates), notes
    predicted = {o.nominal.month: o.effective for o in occurrences(sched, lo, hi)}
    for d in dates:
        early = predicted.get(d.month) is not None and d < predicted[d.month] and d not in predicted.values()
        if flow == "in" and early and (d.month == 12 or early_months):
            if not month_day:
                month_day = {str(m): v for m, v in dict(catalogue().kinds[kind].rule_on(lo).month_day).items()}
            month_day[str(d.month)] = d.day
            if best is None:
                best = catalogue().kinds[kind].rule_on(lo).day
            what = "desember" if d.month == 12 else f"måned {d.month}"
            notes.append(f"{what} utbetalt {nb_date(d)}, tidligere enn ellers")
            matched += 1
    off = sorted(d for d in dates if d not in predicted.values() and month_day.get(str(d.month)) != d.day)
    if off:
        notes.append("avvik fra dagen: " + ", ".join(nb_date(x) for x in off))
    return best, month_day, matched, max(len(predicted), 1), notes


def _fortnight_fit(flow: str, kind: str, dates: list[date], st: Statement,
                   shift: Shift | None = None) -> tuple[date, int, int, list[str]]:
    """(first, matched, predicted, notes) for a 14-day stream."""
    if shift is None:
        shift = catalogue().kinds[kind].rule_on(st.start).shift if flow == "in" else "after"
    best: tuple[tuple[int, int, int, date], date, list[date]] | None = None
    for d in dates:
        for back in range(0, 4):  # the nominal date may be a weekend the payout was moved from
            first = d + timedelta(days=back)
            sched = Schedule(shift=shift, every_days=14, first=first)
            eff = [o.effective for o in occurrences(sched, st.start, st.end)]
            hits = sum(1 for x in dates if x in eff)
            dist = sum(min(abs((x - y).days) for y in eff) for x in dates) if eff else 10**6
            key = (hits, -dist, -back, first)
            if best is None or key > best[0]:
                best = (key, first, eff)
    assert best is not None, "a 14-day stream has at least four dates"
    (hits, _, _, _), first, eff = best
    last = first + timedelta(days=14 * ((st.end - first).days // 14))
    late = sorted(x for x in dates if x not in eff)
    notes = []
    if late:
        notes.append("utenfor rytmen (meldekort sendt senere?): " + ", ".join(nb_date(x) for x in late))
    return last, hits, max(len(eff), 1), notes


def _stream(flow: str, kind: str, group: list[Entry], st: Statement, why: str, named: bool,
            shift: Shift | None = None, early_months: bool = False) -> Stream | Excluded:
    group = sorted(group, key=lambda e: e.booked)
    dates = [e.booked for e in group]
    amounts = [abs(e.amount_ore) for e in group]
    evidence = tuple((e.booked, abs(e.amount_ore)) for e in group)
    gaps = day_gaps(sorted(set(dates)))
    if len(group) == 1:
        return Excluded("one-off", flow, evidence, kind)
    med = statistics.median(gaps) if gaps else 0
    if len(dates) >= 4 and FORTNIGHT[0] <= med <= FORTNIGHT[1] and kind is not None:
        first, hits, predicted, notes = _fortnight_fit(flow, kind, dates, st, shift)
        amount = typical_amount(amounts)
        return _finish(flow, kind, amount, "14 days", evidence, hits, predicted, amounts, named, notes, why,
                       every_days=14, first=first)
    if len(set(d.strftime("%Y-%m") for d in dates)) >= 3 and MONTHLY[0] <= med <= MONTHLY[1] and kind is not None:
        day, month_day, hits, predicted, notes = _monthly_fit(flow, kind, dates, st, shift, early_months)
        plain = [a for e, a in zip(group, amounts) if e.booked.month != 12]
        amount = typical_amount(plain or amounts)
        month_amounts = {}
        dec = [a for e, a in zip(group, amounts) if e.booked.month == 12]
        if dec and plain and abs(dec[-1] - amount) > amount * _EXCEPTION_SHARE:
            month_amounts["12"] = dec[-1]
            notes.append(f"desember: annet beløp ({dec[-1] // 100} kr)")
        return _finish(flow, kind, amount, "monthly", evidence, hits, predicted, amounts, named, notes, why,
                       day=day, month_day=month_day, month_amounts=month_amounts)
    return Excluded("irregular", flow, evidence, kind)


def _finish(flow, kind, amount, rhythm, evidence, hits, predicted, amounts, named, notes, why, **sched) -> Stream:
    timing = min(1.0, hits / predicted)
    stable = sum(1 for a in amounts if abs(a - amount) <= amount * _EXCEPTION_SHARE) / len(amounts)
    confidence = round(0.5 * timing + 0.3 * stable + 0.2 * (1.0 if named else 0.0), 2)
    if min(amounts) != max(amounts):
        notes = [*notes, f"beløpet varierer: {min(amounts) // 100}–{max(amounts) // 100} kr"]
    return Stream(flow=flow, kind=kind, amount_ore=amount, rhythm=rhythm, evidence=evidence,
                  confidence=confidence, notes=tuple(notes), why=why, **sched)




def _guess(s: Stream) -> str:
    """A note with the benefits that pay in this rhythm: a hint, never the drafted kind."""
    if s.rhythm == "14 days":
        return "teksten nevner bare NAV, ikke ytelsen: hver 14. dag er vanlig for AAP og dagpenger; velg kind"
    return ("teksten nevner bare NAV, ikke ytelsen: velg kind (barnetrygd, kontantstøtte, overgangsstønad, "
            "bidragsforskudd, uføretrygd, alderspensjon ...) ut fra beløpet og vedtaket")


def _key(e: Entry) -> tuple[tuple[str | None, ...] | None, tuple[str | None, str, bool] | None, str]:
    """(group key, (kind, why, named), '' | 'spending' | 'tax refund') of one booking."""
    if e.amount_ore > 0:
        kind, why = credit_kind(e)
        if kind == "":
            return None, None, "tax refund"
        key = ("in", kind) if kind not in (None, "annen", "lonn") else ("in", kind, group_text(e))
        return key, (kind or "annen", why, kind is not None), ""
    kind, why = debit_kind(e)
    if kind == "spending":
        return None, None, "spending"
    return ("out", kind, "" if kind == "husleie" else group_text(e)), (kind, why, kind is not None), ""


def _results(key: tuple, group: list[Entry], meta: tuple[str | None, str, bool], st: Statement) -> list:
    flow = key[0]
    kind, why, named = meta
    if flow == "in" and why == NAV_UNNAMED:
        out = []
        for part in split_unnamed(group):
            r = _stream("in", "annen", part, st, NAV_LABEL, False, shift="before", early_months=True)
            out.append(replace(r, label=NAV_LABEL, shift="before", notes=(*r.notes, _guess(r)))
                       if isinstance(r, Stream) else r)
        return out
    result = _stream(flow, kind or "annen", group, st, why, named)
    if flow == "out" and kind is None and isinstance(result, Stream):
        # an unnamed debit is a bill only when it is as fixed as one: same amount each time
        if len({a for _, a in result.evidence}) > 1:
            result = Excluded("irregular", "out", result.evidence)
    return [result]


def _rejected_keys(st: Statement) -> tuple[dict[tuple, list[str]], list[str]]:
    """Group keys a refused row probably belongs to (by its text, and its sign when its amount
    was read), with where it stood; and the places of rows that could be spending."""
    keys: dict[tuple, list[str]] = defaultdict(list)
    loose: list[str] = []
    files = list(dict.fromkeys(st.files))
    for r in st.rejected:
        where = f"linje {r.line}" if r.line else "en rad"
        if len(files) > 1 and r.file in files:
            where = f"fil {files.index(r.file) + 1} {where}"
        signs = (1, -1) if r.amount_ore is None else ((1,) if r.amount_ore > 0 else (-1,))
        for sign in signs:
            key, _, other = _key(r.as_entry(sign))
            if key is not None:
                keys[key].append(where)
            elif other == "spending":
                loose.append(where)
    return keys, loose


def detect(st: Statement) -> Detection:
    """Streams, spending and balance of a statement (see the module's rules)."""
    entries = sorted(st.entries, key=lambda e: (e.booked, -e.amount_ore))
    rest, pairs = _bounced(entries)
    excluded: list[Excluded] = [Excluded("bounced", "out", ((d.booked, -d.amount_ore),)) for d, _ in pairs]
    groups: dict[tuple, list[Entry]] = defaultdict(list)
    meta: dict[tuple, tuple[str | None, str, bool]] = {}
    spending: list[Entry] = []
    for e in rest:
        key, m, other = _key(e)
        if other == "tax refund":
            excluded.append(Excluded("tax refund", "in", ((e.booked, e.amount_ore),)))
            continue
        if other == "spending" or key is None or m is None:
            spending.append(e)
            continue
        meta[key] = m
        groups[key].append(e)
    touched, loose = _rejected_keys(st)
    incomes: list[Stream] = []
    expenses: list[Stream] = []
    for key in sorted(groups, key=str):
        flow = key[0]
        for result in _results(key, groups[key], meta[key], st):
            if isinstance(result, Stream) and key in touched:
                result = replace(result, incomplete=True, confidence=round(min(result.confidence, 0.5), 2),
                                 notes=(*result.notes, f"ufullstendig: en rad kontoutskriften ikke kunne lese "
                                        f"({', '.join(touched[key])}) hører trolig hit; beløp og rytme kan være feil"))
            if isinstance(result, Stream):
                (incomes if flow == "in" else expenses).append(result)
            else:
                excluded.append(result)
                if flow == "out":
                    spending.extend(groups[key])  # debits are never split: the whole group
    expenses = _one_rent(expenses)
    months = _months(st)
    per_month = {key_of(y, m): 0 for y, m in months}
    for e in spending:
        k = month_key(e.booked)
        if k in per_month:
            per_month[k] += -e.amount_ore
    if per_month:
        living = int(statistics.median_low(sorted(per_month.values())))
    else:
        total = -sum(e.amount_ore for e in spending)
        living = total * 30 // max(st.days, 1)
    living = (living + 50) // 100 * 100  # whole kroner
    excluded.sort(key=lambda x: (x.evidence[0][0], x.reason))
    return Detection(
        statement_start=st.start, statement_end=st.end,
        incomes=tuple(sorted(incomes, key=lambda s: (s.kind, s.evidence[0][0]))),
        expenses=tuple(sorted(expenses, key=lambda s: (s.kind != "husleie", s.kind, s.evidence[0][0]))),
        living_ore=living, living_evidence=tuple(per_month.items()),
        balance_ore=st.closing_ore, excluded=tuple(excluded),
        warnings=_warnings(st, incomes + expenses, loose),
    )


def _warnings(st: Statement, streams: list[Stream], loose: list[str]) -> tuple[str, ...]:
    """What the draft must say first: streams whose benefit is unknown, rows not read."""
    out: list[str] = []
    unknown = [s for s in streams if s.label == NAV_LABEL]
    if unknown:
        out.append(f"{len(unknown)} utbetaling{'er' if len(unknown) != 1 else ''} fra NAV der teksten ikke nevner "
                   f"ytelsen («{NAV_LABEL}», kind = \"annen\"): velg ytelsen for hver før planlegging")
    if st.rejected:
        first = st.rejected[0]
        n = len(st.rejected)
        out.append(f"{n} rad{'er' if n != 1 else ''} i kontoutskriften kunne ikke leses og er ikke tatt med "
                   f"(første: {', '.join(place(first.line, first.field))}: {REASON_NB.get(first.reason, first.reason)}); "
                   "utkastet bygger på resten"
                   + ("; strømmer merket «ufullstendig» kan ha feil beløp eller rytme" if
                      any(s.incomplete for s in streams) else "")
                   + ("; forbruket kan være for lavt" if loose else ""))
    out += list(st.notes)
    return tuple(out)


def _one_rent(expenses: list[Stream]) -> list[Stream]:
    """Exactly one husleie: the named one (the largest if several), else the largest monthly bill."""
    rents = [s for s in expenses if s.kind == "husleie"]
    if not rents:
        monthly = [s for s in expenses if s.rhythm == "monthly"]
        if not monthly:
            return expenses
        big = max(monthly, key=lambda s: (s.amount_ore, s.evidence[0][0]))
        moved = replace(big, kind="husleie", confidence=round(min(big.confidence, 0.5), 2),
                        notes=(*big.notes, "husleie ikke navngitt i teksten: den største faste månedlige betalingen"))
        return [moved if s is big else s for s in expenses]
    keep = max(rents, key=lambda s: s.amount_ore)
    return [s if s is keep or s.kind != "husleie" else replace(s, kind="annen") for s in expenses]

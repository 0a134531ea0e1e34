"""Each month, is the plan kept? A new rent ledger matched to the open cases.

Shared by `planner follow-up LEDGER --db URL` (offices that run it on a schedule) and the web
page's ledger upload: the ledger's payments for each open case's tenancy are matched to what the
case's plan expects the landlord to receive (`planner.kept`, pure), the verdict per rent month
is stored (`plan_checks`, migration 0004; the case page shows the plan against what happened),
a late, partly paid or broken month opens a follow-up task with the evidence in words, and a
case kept for the office's number of months is proposed closed as "løst".

A case's tenancy is its case record's "Leieforholdsnummer" when filled in, else the household's
id (a household opened from a ledger draft has the tenancy as its id). Payments are counted from
the first day of the plan's first rent month.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from ..formatting import format_kr, format_month, nb_date
from ..kept import NEEDS_FOLLOW_UP, MonthCheck, Verdict, check_months, dues_from_plan, kept_streak
from .casestore import PAYMENT_LEVER
from .schema import households, json_or_none, plan_checks, seen_by, tasks

if TYPE_CHECKING:
    from ..io.tables import ColumnMap
    from .store import Store

DEFAULT_LATE_DAYS = 5
DEFAULT_KEPT_MONTHS = 3
VERDICT_NB = {Verdict.KEPT: "holdt", Verdict.PENDING: "ikke forfalt ennå", Verdict.LATE: "sen",
              Verdict.PARTLY: "delvis betalt", Verdict.BROKEN: "brutt"}


@dataclass
class CaseFollowUp:
    household_id: str
    label: str | None
    tenancy: str
    months: list[MonthCheck]
    streak: int
    propose_close: bool
    new_tasks: list[str] = field(default_factory=list)  # the months a task was opened for

    @property
    def latest(self) -> MonthCheck | None:
        judged = [m for m in self.months if m.verdict is not Verdict.PENDING]
        return judged[-1] if judged else (self.months[-1] if self.months else None)


@dataclass
class FollowUpRun:
    as_of: date
    late_days: int
    kept_months: int
    cases: list[CaseFollowUp]
    rows_read: int
    rows_in_errors: int
    ledger_last_day: date | None
    not_in_ledger: list[str]  # open cases whose tenancy has no payment in the ledger at all


def settings(office: dict) -> tuple[int, int]:
    """The office's tolerance in days and the kept months before closing is proposed."""
    def number(key: str, default: int) -> int:
        text = str(office.get(key) or "").strip()
        return int(text) if text.isdigit() else default

    return number("late_days", DEFAULT_LATE_DAYS), max(1, number("kept_months", DEFAULT_KEPT_MONTHS))


def tenancy_of(hid: str, record: dict) -> str:
    return str(record.get("tenancy_number") or "").strip() or hid


def open_cases(store: Store, office: str | None = None) -> list[tuple[str, str | None, int, dict]]:
    """(id, label, version, plan) of every household neither deleted nor closed that has a plan
    with payments to the landlord, of those a user of `office` sees."""
    stmt = (sa.select(households.c.id, households.c.label, households.c.version, households.c.plan)
            .where(households.c.deleted.is_(None), households.c.outcome.is_(None), households.c.plan.isnot(None),
                   seen_by(office))
            .order_by(households.c.id))
    with store.engine.connect() as conn:
        rows = list(conn.execute(stmt))
    out = []
    for r in rows:
        plan = json_or_none(r.plan)
        if plan and dues_from_plan(plan):
            out.append((r.id, r.label, int(r.version or 1), plan))
    return out


def month_words(m: MonthCheck, late_days: int) -> str:
    """The evidence of one month in words, as the follow-up task and the CLI give it."""
    due_days = ", ".join(f"{format_kr(c.due.amount_ore)} {nb_date(c.due.day)}" for c in m.dues)
    last = max(c.cutoff for c in m.dues)
    head = f"{format_month(m.month)}: {VERDICT_NB[m.verdict]}. Planen: {due_days}."
    if m.verdict is Verdict.KEPT:
        return f"{head} Betalt i tide."
    if m.verdict is Verdict.LATE:
        paid = max((c.covered_on for c in m.dues if c.covered_on), default=None)
        return f"{head} Betalt fullt {nb_date(paid)}, innen {late_days} dager etter forfall."
    if m.verdict is Verdict.PENDING:
        return f"{head} Ikke betalt ennå; fristen med {late_days} dagers slingringsmonn går ut {nb_date(last)}."
    return (f"{head} Betalt {format_kr(m.paid_ore)} av {format_kr(m.expected_ore)} innen {nb_date(last)}; "
            f"mangler {format_kr(m.missing_ore)}.")


def _evidence(m: MonthCheck) -> str:
    return json.dumps([{"day": c.due.day.isoformat(), "amount_ore": c.due.amount_ore, "verdict": c.verdict.value,
                        "paid_ore": c.paid_ore, "cutoff": c.cutoff.isoformat(),
                        "covered_on": c.covered_on.isoformat() if c.covered_on else None} for c in m.dues])


def follow_up(store: Store, ledger: str | Path, as_of: date, *, by: str | None = None,
              colmap: ColumnMap | None = None, display_name: str | None = None,
              office: str | None = None) -> FollowUpRun:
    """Match `ledger` to every open case on `as_of` and record the result (module docstring).
    Raises `LedgerInputError` for a ledger that cannot be read at all. Running it again with the
    same ledger changes nothing: a month's check is replaced, a month's task opened once."""
    from ..ledger.payments import read_payments

    late_days, kept_months = settings(store.case.office())
    cases = open_cases(store, office)  # a user with an office follows her office's cases
    tenancy = {hid: tenancy_of(hid, store.case.record(hid)) for hid, _, _, _ in cases}
    read = read_payments(ledger, set(tenancy.values()), colmap=colmap, display_name=display_name, as_of=as_of)
    judge = as_of  # the day the ledger was taken out: the caller knows it, the file does not
    out: list[CaseFollowUp] = []
    not_in_ledger: list[str] = []
    now = datetime.now(timezone.utc)
    for hid, label, version, plan in cases:
        dues = dues_from_plan(plan)
        first = min(d.day for d in dues).replace(day=1)
        pays = [p for p in read.payments.get(tenancy[hid], []) if p.day >= first]
        if tenancy[hid] not in read.present:
            not_in_ledger.append(hid)
            continue
        months = check_months(dues, pays, judge, late_days)
        streak = kept_streak(months)
        case = CaseFollowUp(hid, label, tenancy[hid], months, streak, streak >= kept_months)
        with store.engine.begin() as conn:
            for m in months:
                values = dict(verdict=m.verdict.value, expected_ore=m.expected_ore, paid_ore=m.paid_ore,
                              evidence=_evidence(m), household_version=version, as_of=judge, recorded=now,
                              recorded_by=by)
                where = sa.and_(plan_checks.c.household_id == hid, plan_checks.c.month == m.month)
                if conn.execute(plan_checks.update().where(where).values(**values)).rowcount == 0:
                    conn.execute(plan_checks.insert().values(household_id=hid, month=m.month, **values))
                if m.verdict in NEEDS_FOLLOW_UP and _open_task(conn, hid, m, late_days, version, as_of, by, now):
                    case.new_tasks.append(m.month)
        out.append(case)
    return FollowUpRun(judge, late_days, kept_months, out, read.rows_read, read.rows_in_errors, read.last_day,
                       not_in_ledger)


def _open_task(conn: sa.Connection, hid: str, m: MonthCheck, late_days: int, version: int, as_of: date,
               by: str | None, now: datetime) -> bool:
    """A follow-up task for the month, unless one exists (then False)."""
    key = f"{PAYMENT_LEVER}:{m.month}"
    if conn.execute(sa.select(tasks.c.id).where(tasks.c.household_id == hid, tasks.c.key == key)).first():
        return False
    conn.execute(tasks.insert().values(
        household_id=hid, household_version=version, lever=PAYMENT_LEVER, key=key, actors="tenant",
        summary=month_words(m, late_days), plan_due=max(c.due.day for c in m.dues), due=as_of + timedelta(days=7),
        state="to_ask", active=True,
        history=json.dumps([{"state": "to_ask", "at": now.isoformat(), "by": by, "note": "reskontro"}]),
        updated=now))
    return True


@dataclass
class StoredMonth:
    month: str
    month_nb: str
    verdict: str
    verdict_nb: str
    expected_ore: int
    paid_ore: int
    dues: list[dict]
    as_of: date


def stored_checks(store: Store, hid: str) -> list[StoredMonth]:
    """The case's months as last checked, in month order (the case page's "Planen og det som
    skjedde")."""
    with store.engine.connect() as conn:
        rows = list(conn.execute(sa.select(plan_checks).where(plan_checks.c.household_id == hid)
                                 .order_by(plan_checks.c.month)))
    out = []
    for r in rows:
        try:
            dues = json.loads(r.evidence)
            verdict = Verdict(r.verdict)
        except ValueError:
            continue
        out.append(StoredMonth(r.month, format_month(r.month), verdict.value, VERDICT_NB[verdict], int(r.expected_ore), int(r.paid_ore),
                               dues if isinstance(dues, list) else [], r.as_of))
    return out


def case_view(store: Store, hid: str) -> dict:
    """What the case page shows of the follow-up: the months as last checked, how many in a row
    were kept, and whether closing the case as "løst" is proposed."""
    months = stored_checks(store, hid)
    _, kept_months = settings(store.case.office())
    streak = 0
    for m in reversed(months):
        if m.verdict == Verdict.PENDING.value and streak == 0:
            continue
        if m.verdict != Verdict.KEPT.value:
            break
        streak += 1
    return {"months": months, "streak": streak, "kept_months": kept_months, "propose_close": streak >= kept_months}


def run_text(run: FollowUpRun) -> str:
    """What `planner follow-up` prints: one line per case, then the months needing follow-up."""
    def cases(n: int) -> str:
        return f"{n} {'åpen sak' if n == 1 else 'åpne saker'}"

    lines = [f"Oppfølging av planene per {nb_date(run.as_of)} (slingringsmonn {run.late_days} dager): "
             f"{cases(len(run.cases))} funnet i reskontroen, {cases(len(run.not_in_ledger))} uten føringer der."]
    for c in run.cases:
        latest = c.latest
        state = VERDICT_NB[latest.verdict] if latest else "ingen måneder å vurdere"
        month = f" ({format_month(latest.month)})" if latest else ""
        extra = f"; holdt {c.streak} måneder på rad: foreslå å avslutte saken som løst" if c.propose_close else ""
        new = f"; ny oppgave for {', '.join(format_month(x) for x in c.new_tasks)}" if c.new_tasks else ""
        lines.append(f"{c.household_id}: {state}{month}{extra}{new}")
        for m in c.months:
            if m.verdict in NEEDS_FOLLOW_UP:
                lines.append(f"  {month_words(m, run.late_days)}")
    return "\n".join(lines) + "\n"

"""The casework half of the store: office settings, caseworkers, case records (personal data),
letters marked sent and follow-up tasks, and the retention sweep.

Kept apart from `store.py` (households, history, sessions) so each page area has one place to
go; both share one engine and one schema (migration 0003). Nothing here logs a value: the
case record holds names and addresses (README, "The case record").
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING

import sqlalchemy as sa

from .schema import (
    access_log,
    case_records,
    caseworkers,
    households,
    json_or_none,
    letters,
    office,
    office_history,
    tasks,
)

if TYPE_CHECKING:
    from .store import Store

#: Follow-up states, in order; "refused" can follow any state before "in_effect".
STATES = ("to_ask", "asked", "agreed", "in_effect", "refused")
NEXT = {"to_ask": ("asked", "refused"), "asked": ("agreed", "refused"), "agreed": ("in_effect", "refused"),
        "in_effect": (), "refused": ()}
OPEN_STATES = ("to_ask", "asked", "agreed")
#: the `lever` of a task opened by the follow-up of the plan (`planfollow.py`): a payment the
#: ledger shows late or missing, not an intervention of the plan
PAYMENT_LEVER = "betaling"


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(value: datetime) -> datetime:
    """SQLite gives naive datetimes back (stored as UTC), PostgreSQL aware ones."""
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


@dataclass
class Letter:
    id: int
    household_id: str
    household_version: int
    recipient: str
    lang: str
    fmt: str
    letter_date: date
    reply_by: date | None
    figures: dict
    sha256: str
    recorded: datetime
    recorded_by: str | None


@dataclass
class Task:
    id: int
    household_id: str
    household_version: int
    lever: str
    key: str
    actors: list[str]
    summary: str
    plan_due: date | None
    due: date | None
    state: str
    active: bool
    history: list[dict]
    updated: datetime

    def overdue(self, as_of: date) -> bool:
        return self.state in OPEN_STATES and self.due is not None and self.due < as_of


def asked_of(actors: Sequence[str]) -> list[str]:
    """Who a task's request is put to: the other parties than the tenant when there are any
    (a moved rent day is the landlord's to agree; the tenant's letter only tells the tenant),
    else the tenant. A letter to one of them marks the task "asked"."""
    return [a for a in actors if a != "tenant"] or list(actors)


def _letter(r) -> Letter:
    return Letter(r.id, r.household_id, r.household_version, r.recipient, r.lang, r.fmt, r.letter_date, r.reply_by,
                  json_or_none(r.figures) or {}, r.sha256, r.recorded, r.recorded_by)


def _task(r) -> Task:
    try:
        history = json.loads(r.history)
    except ValueError:
        history = []
    return Task(r.id, r.household_id, r.household_version, r.lever, r.key, [a for a in r.actors.split(";") if a],
                r.summary, r.plan_due, r.due, r.state, bool(r.active), history, r.updated)


#: per intervention of a plan: (the last day to ask for it, the day it takes effect, who is asked)
TaskDates = tuple[date | None, date | None, list[str]]


def plan_task_dates(plan: dict) -> list[TaskDates]:
    """`TaskDates` read from a plan document (a batch's plan, imported): its interventions'
    `request_by` and `effective_from`, and their actors."""
    out: list[TaskDates] = []
    for i in plan.get("interventions") or []:
        out.append((_day(i.get("request_by")), _day(i.get("effective_from")), list(i.get("actors") or [])))
    return out


def _day(text: object) -> date | None:
    try:
        return date.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None


def intervention_key(i: dict) -> str:
    """What makes two plans' interventions 'the same request': lever and parameters. A task
    whose request is still in the new plan keeps its state across saves."""
    return json.dumps({"lever": i.get("lever"), "params": i.get("params")}, sort_keys=True,
                      ensure_ascii=False)[:400]


class CaseStore:
    def __init__(self, store: Store):
        self.store = store
        self.engine = store.engine

    # ------------------------------------------------------------------ office and caseworkers

    def office(self) -> dict:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(office.c.data).where(office.c.id == 1)).first()
        return (json_or_none(row[0]) if row else None) or {}

    def set_office(self, data: dict, by: str | None) -> None:
        """Store the settings and keep the change (what they became, who, when) in the history,
        in one transaction: the payee account the letters name never changes unrecorded."""
        text = json.dumps(data, ensure_ascii=False, sort_keys=True)
        now = _now()
        with self.engine.begin() as conn:
            if conn.execute(office.update().where(office.c.id == 1)
                            .values(data=text, updated=now, updated_by=by)).rowcount == 0:
                conn.execute(office.insert().values(id=1, data=text, updated=now, updated_by=by))
            conn.execute(office_history.insert().values(data=text, changed=now, changed_by=by))

    def office_changes(self) -> list[dict]:
        """The settings' history, newest first: when, who, and the fields that changed from the
        version before (the first has every field it set)."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(office_history).order_by(office_history.c.id)).all()
        changes: list[dict] = []
        before: dict = {}
        for r in rows:
            data = json_or_none(r.data) or {}
            fields = sorted(k for k in set(data) | set(before) if data.get(k, "") != before.get(k, ""))
            changes.append({"at": _aware(r.changed), "by": r.changed_by, "fields": fields})
            before = data
        return changes[::-1]

    # ------------------------------------------------------------------ access log

    def log_access(self, hid: str, user: str, what: str) -> None:
        """Who opened which case record (or its export), kept by the retention rules."""
        with self.engine.begin() as conn:
            conn.execute(access_log.insert().values(household_id=hid, user=user, what=what, at=_now()))

    def access(self, hid: str) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(access_log).where(access_log.c.household_id == hid)
                                .order_by(access_log.c.id.desc())).all()
        return [{"at": _aware(r.at), "user": r.user, "what": r.what} for r in rows]

    def caseworker(self, user: str) -> dict:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(caseworkers).where(caseworkers.c.user == user)).first()
        return {"name": row.name, "title": row.title or ""} if row else {"name": "", "title": ""}

    def set_caseworker(self, user: str, name: str, title: str) -> None:
        with self.engine.begin() as conn:
            if conn.execute(caseworkers.update().where(caseworkers.c.user == user)
                            .values(name=name, title=title)).rowcount == 0:
                conn.execute(caseworkers.insert().values(user=user, name=name, title=title))

    # ------------------------------------------------------------------ the case record

    def record(self, hid: str) -> dict:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(case_records.c.data).where(case_records.c.household_id == hid)).first()
        return (json_or_none(row[0]) if row else None) or {}

    def set_record(self, hid: str, data: dict, by: str | None) -> None:
        text = json.dumps(data, ensure_ascii=False, sort_keys=True)
        with self.engine.begin() as conn:
            if conn.execute(case_records.update().where(case_records.c.household_id == hid)
                            .values(data=text, updated=_now(), updated_by=by)).rowcount == 0:
                conn.execute(case_records.insert().values(household_id=hid, data=text, updated=_now(), updated_by=by))

    def erase_personal(self, hid: str) -> None:
        """Sletting: the case record and the letters sent (they carry the tenant's name and
        address) are deleted; the household's figures, tasks and outcome stay for statistics."""
        with self.engine.begin() as conn:
            conn.execute(case_records.delete().where(case_records.c.household_id == hid))
            conn.execute(letters.delete().where(letters.c.household_id == hid))

    def export(self, hid: str) -> dict:
        """Innsyn: everything stored about the household's person, as one JSON document."""
        rec = self.store.get(hid)
        return {
            "household": hid,
            "label": rec.label if rec else None,
            "case_record": self.record(hid),
            "outcome": {"outcome": rec.outcome, "date": rec.outcome_date.isoformat() if rec and rec.outcome_date
                        else None} if rec else None,
            "letters": [{"id": x.id, "to": x.recipient, "date": x.letter_date.isoformat(),
                         "reply_by": x.reply_by.isoformat() if x.reply_by else None, "plan_version": x.household_version,
                         "sha256": x.sha256, "figures": x.figures} for x in self.letters(hid)],
            "tasks": [{"lever": t.lever, "state": t.state, "due": t.due.isoformat() if t.due else None,
                       "active": t.active, "history": t.history} for t in self.tasks(hid, active_only=False)],
            "access_log": [{"at": a["at"].isoformat(), "user": a["user"], "what": a["what"]} for a in self.access(hid)],
            "versions": [{"version": v.version, "saved": v.saved.isoformat(), "by": v.saved_by, "household": v.document}
                         for v in self.store.versions(hid)],
        }

    def sweep(self, as_of: date, retention_days: int, bin_days: int) -> dict[str, list[str]]:
        """The retention rules on `as_of`: case records and letters of cases closed (an outcome
        dated) more than `retention_days` before are erased; households in the bin longer than
        `bin_days` are erased for good. Returns the ids touched, per rule."""
        cutoff = as_of - timedelta(days=retention_days)
        with self.engine.connect() as conn:
            closed = [r[0] for r in conn.execute(sa.select(households.c.id).where(
                households.c.outcome_date.isnot(None), households.c.outcome_date < cutoff))]
            with_data = {r[0] for r in conn.execute(sa.select(case_records.c.household_id))} | \
                        {r[0] for r in conn.execute(sa.select(letters.c.household_id))}
        erased = [h for h in closed if h in with_data]
        for hid in erased:
            self.erase_personal(hid)
        with self.engine.begin() as conn:  # the access log is kept as long as a closed case record
            old = datetime.combine(cutoff, datetime.min.time(), timezone.utc)
            conn.execute(access_log.delete().where(access_log.c.at < old))
        return {"case_records": erased, "purged": self.store.purge_deleted(as_of, bin_days)}

    # ------------------------------------------------------------------ letters marked sent

    def record_letter(self, hid: str, version: int, to: str, lang: str, fmt: str, letter_date: date,
                      reply_by: date | None, figures: dict, body: bytes, by: str | None) -> int:
        """Store a letter as sent; the tasks it asks for move to "asked", due on its answer-by date."""
        with self.engine.begin() as conn:
            key = conn.execute(letters.insert().values(
                household_id=hid, household_version=version, recipient=to, lang=lang, fmt=fmt,
                letter_date=letter_date, reply_by=reply_by, figures=json.dumps(figures, ensure_ascii=False),
                sha256=hashlib.sha256(body).hexdigest(), body=body, recorded=_now(), recorded_by=by,
            )).inserted_primary_key
            assert key is not None, "a one-row INSERT always returns its key"
            lid = key[0]
            for t in self._tasks(conn, hid, True):
                if to in asked_of(t.actors) and t.state == "to_ask":
                    self._move(conn, t, "asked", by, due=reply_by or t.due, note=f"brev {lid}")
        return int(lid)

    def letters(self, hid: str) -> list[Letter]:
        with self.engine.connect() as conn:
            return [_letter(r) for r in conn.execute(
                sa.select(*[c for c in letters.c if c.name != "body"]).where(letters.c.household_id == hid)
                .order_by(letters.c.id.desc()))]

    def letter(self, lid: int) -> tuple[Letter, bytes] | None:
        with self.engine.connect() as conn:
            r = conn.execute(sa.select(letters).where(letters.c.id == lid)).first()
        return (_letter(r), bytes(r.body)) if r is not None else None

    # ------------------------------------------------------------------ follow-up tasks

    def sync_tasks(self, hid: str, version: int, plan: dict, due: Sequence[TaskDates],
                   by: str | None = None, conn: sa.Connection | None = None) -> None:
        """Make the active tasks those of `plan` (version `version`): a request already followed
        keeps its state; one no longer in the plan is set inactive (kept, with its history);
        a new one starts at "to_ask".

        `due`, per intervention (`planner.web.core.plan_requests`): (the last day to ask, the
        day the change takes effect, who is asked). A task is due on the last day to ask, the
        intervention's `request_by` (issue 21: a task due on the day the change takes effect
        showed up in the two-week list after the chance to ask had passed); the effective date
        is kept beside it (`plan_due`). A task still "to ask" takes the new plan's dates: no
        person or letter has set its date yet, and the new plan's deadline is the one that holds."""
        with self.store._conn(conn) as c:
            old = {t.key: t for t in self._tasks(c, hid, True)}
            keep: set[str] = set()
            for i, (request_by, effective, who) in zip(plan.get("interventions") or [], due):
                key = intervention_key(i)
                keep.add(key)
                deadline = request_by or effective  # no request-by date (no as-of): when it takes effect
                if key in old:
                    values: dict = {"household_version": version}
                    if old[key].state == "to_ask":
                        values.update(due=deadline, plan_due=effective)
                    c.execute(tasks.update().where(tasks.c.id == old[key].id).values(**values))
                    continue
                actors = ";".join(who or i.get("actors") or [])
                c.execute(tasks.insert().values(
                    household_id=hid, household_version=version, lever=i.get("lever", ""), key=key, actors=actors,
                    summary=i.get("summary") or "", plan_due=effective, due=deadline, state="to_ask", active=True,
                    history=json.dumps([{"state": "to_ask", "at": _now().isoformat(), "by": by}]), updated=_now()))
            for key, t in old.items():
                if key not in keep and t.lever != PAYMENT_LEVER:  # a missed payment outlives a new plan
                    c.execute(tasks.update().where(tasks.c.id == t.id).values(active=False))

    def _tasks(self, conn: sa.Connection, hid: str, active_only: bool) -> list[Task]:
        stmt = sa.select(tasks).where(tasks.c.household_id == hid)
        if active_only:
            stmt = stmt.where(tasks.c.active.is_(True))
        return [_task(r) for r in conn.execute(stmt.order_by(tasks.c.id))]

    def tasks(self, hid: str, *, active_only: bool = True) -> list[Task]:
        with self.engine.connect() as conn:
            return self._tasks(conn, hid, active_only)

    def task(self, tid: int) -> Task | None:
        with self.engine.connect() as conn:
            r = conn.execute(sa.select(tasks).where(tasks.c.id == tid)).first()
        return _task(r) if r is not None else None

    def _move(self, conn: sa.Connection, t: Task, state: str, by: str | None, *, due: date | None = None,
              note: str | None = None) -> None:
        entry = {"state": state, "at": _now().isoformat(), "by": by}
        if note:
            entry["note"] = note
        values = dict(state=state, history=json.dumps(t.history + [entry], ensure_ascii=False), updated=_now())
        if due is not None:
            values["due"] = due
        conn.execute(tasks.update().where(tasks.c.id == t.id).values(**values))

    def advance(self, tid: int, state: str, by: str | None, due: date | None = None) -> Task:
        """Move a task one step (`NEXT`); anything else is a `ValueError` with the allowed steps."""
        with self.engine.begin() as conn:
            r = conn.execute(sa.select(tasks).where(tasks.c.id == tid)).first()
            if r is None:
                raise LookupError(tid)
            t = _task(r)
            if state not in NEXT.get(t.state, ()) or not t.active:
                raise ValueError(f"{t.state} -> {state}")
            self._move(conn, t, state, by, due=due)
        return self.task(tid)  # type: ignore[return-value]

    def due_tasks(self, as_of: date, within_days: int = 14) -> list[tuple[Task, str | None]]:
        """Open tasks of open cases due on or before `as_of` + `within_days`, earliest first,
        with the household's label (the front page's "Oppfølging")."""
        limit = as_of + timedelta(days=within_days)
        stmt = (sa.select(tasks, households.c.label.label("hh_label"))
                .join(households, households.c.id == tasks.c.household_id)
                .where(tasks.c.active.is_(True), tasks.c.state.in_(OPEN_STATES), tasks.c.due.isnot(None),
                       tasks.c.due <= limit, households.c.deleted.is_(None), households.c.outcome.is_(None))
                .order_by(tasks.c.due, tasks.c.household_id, tasks.c.id))
        with self.engine.connect() as conn:
            return [(_task(r), r.hh_label) for r in conn.execute(stmt)]

"""Households stored in a database: the validated household document as JSON plus searchable
columns (id, label, problem, status, priority, updated).

Any SQLAlchemy URL works (`sqlite:///...` by default, `postgresql+psycopg://...` for a shared
office server). The schema is created and upgraded by Alembic (`migrations/`, run on start).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from importlib import resources
from pathlib import Path
from typing import Any, Iterator

import sqlalchemy as sa

from .casestore import CaseStore
from .schema import (  # noqa: F401  (the tables, imported from here by the routes and the report)
    case_records,
    caseworkers,
    household_versions,
    households,
    json_or_none,
    letters,
    metadata,
    plan_checks,
    seen_by,
    sessions,
    tasks,
)

STATUSES = ("solvent", "planned", "infeasible")
OUTCOMES = ("solved", "paid", "petition_sent", "petition_withdrawn", "evicted", "moved", "not_reached")
#: tables whose rows belong to one household (`household_id`): renamed and purged with it
HOUSEHOLD_TABLES = ("household_versions", "case_records", "letters", "tasks", "plan_checks", "access_log")
PROBLEMS = ("none", "timing", "income")


class StaleVersion(Exception):
    """A save was based on an older version of the household than the one stored."""

    def __init__(self, current: int | None):
        super().__init__(current)
        self.current = current


def private_dir(path: Path) -> None:
    """Create `path` and its missing parents readable only by this user (0700): they will hold
    the database with personal data and the session key. Existing folders are left as they are."""
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        try:
            d.mkdir(mode=0o700)
        except FileExistsError:
            pass


def private_file(path: Path) -> None:
    """Create an empty `path` with mode 0600 unless it exists, so SQLite (which keeps the mode of
    the database file for its journal files) never makes a world-readable database."""
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def default_data_dir() -> Path:
    """`$PLANNER_HOME`, else `$XDG_DATA_HOME/planner`, else `~/.local/share/planner`."""
    if os.environ.get("PLANNER_HOME"):
        return Path(os.environ["PLANNER_HOME"])
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "planner"


def default_url() -> str:
    return f"sqlite:///{default_data_dir() / 'planner.db'}"


def sqlite_path(url: str) -> Path | None:
    """The file of a file-based SQLite URL, else None."""
    u = sa.engine.make_url(url)
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
        return Path(u.database)
    return None


@dataclass
class Record:
    id: str
    label: str | None
    problem: str | None
    status: str | None
    priority: float | None
    min_before_ore: int | None
    min_after_ore: int | None
    source: str
    document: dict | None
    plan: dict | None
    created: datetime
    updated: datetime
    version: int = 1
    deleted: datetime | None = None
    outcome: str | None = None
    outcome_date: date | None = None
    eviction_request: date | None = None
    shortfall_monthly_ore: int | None = None
    shortfall_bound: bool | None = None
    actors: str | None = None
    saved_by: str | None = None
    office: str | None = None
    shared: bool = False


@dataclass
class Version:
    """One saved version of a household (its document and plan as they were)."""

    household_id: str
    version: int
    document: dict | None
    plan: dict | None
    saved: datetime
    saved_by: str | None
    note: str | None


def _int(value) -> int | None:
    """A stored whole number, or None for anything else (SQLite keeps any value in any column)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _float(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _record(row) -> Record:
    """A row as the pages see it. Values the pages cannot show become None, so one bad row (from
    an older version, or written by hand) never turns the household list into an error page."""
    m = row._mapping
    return Record(
        id=m["id"], label=m["label"] if isinstance(m["label"], str) else None,
        problem=m["problem"] if m["problem"] in PROBLEMS else None,
        status=m["status"] if m["status"] in STATUSES else None,
        priority=_float(m["priority"]),
        min_before_ore=_int(m["min_before_ore"]), min_after_ore=_int(m["min_after_ore"]),
        source=m["source"], document=json_or_none(m["document"]), plan=json_or_none(m["plan"]),
        created=m["created"], updated=m["updated"], version=_int(m["version"]) or 1,
        deleted=m["deleted"], outcome=m["outcome"] if m["outcome"] in OUTCOMES else None,
        outcome_date=m["outcome_date"] if isinstance(m["outcome_date"], date) else None,
        eviction_request=m["eviction_request"] if isinstance(m["eviction_request"], date) else None,
        shortfall_monthly_ore=_int(m["shortfall_monthly_ore"]),
        shortfall_bound=m["shortfall_bound"] if isinstance(m["shortfall_bound"], bool) else None,
        actors=m["actors"] if isinstance(m["actors"], str) else None, saved_by=m["saved_by"],
        office=m["office"] if isinstance(m["office"], str) else None, shared=m["shared"] is True or m["shared"] == 1,
    )


def _utc(value: datetime) -> datetime:
    """SQLite gives naive datetimes back (stored as UTC), PostgreSQL aware ones."""
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def session_key(sid: str) -> str:
    """Sessions are stored by a hash of their id: a copy of the table opens no session."""
    return hashlib.sha256(sid.encode()).hexdigest()


def migrate(engine: sa.Engine) -> None:
    """`alembic upgrade head` on `engine`, with the migration scripts shipped in the package."""
    from alembic import command

    cfg = _alembic_config()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # several server processes start at once on one database: one migrates, the others
            # wait here and then find nothing to do (the lock ends with the transaction)
            conn.execute(sa.text("select pg_advisory_xact_lock(7202612060)"))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def _alembic_config() -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("planner.web").joinpath("migrations")))
    return cfg


def head_revision() -> str:
    """The newest migration shipped with this version: what `migrate` brings a database to."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


class Store:
    def __init__(self, url: str):
        path = sqlite_path(url)
        kwargs: dict = {}
        if path is not None:
            private_file(path)
            kwargs["connect_args"] = {"check_same_thread": False}
        self.url = url
        self.engine = sa.create_engine(url, **kwargs)
        migrate(self.engine)
        self.case = CaseStore(self)

    def search(self, q: str = "", status: str = "", problem: str = "", sort: str = "priority", *,
               deleted: bool = False, office: str | None = None) -> list[Record]:
        """Households matching, of those a user of `office` sees (`seen_by`); with `deleted`
        only those in the bin (soft-deleted), else none of them."""
        stmt = sa.select(households).where(households.c.deleted.isnot(None) if deleted
                                           else households.c.deleted.is_(None), seen_by(office))
        if q:
            like = f"%{q.lower()}%"
            stmt = stmt.where(sa.or_(sa.func.lower(households.c.id).like(like),
                                     sa.func.lower(households.c.label).like(like)))
        if status:
            stmt = stmt.where(households.c.status == status)
        if problem:
            stmt = stmt.where(households.c.problem == problem)
        if sort == "updated":
            stmt = stmt.order_by(households.c.updated.desc())
        elif sort == "id":
            stmt = stmt.order_by(households.c.id)
        else:  # highest priority first, households without one last
            stmt = stmt.order_by(households.c.priority.is_(None), households.c.priority.desc(),
                                 households.c.updated.desc())
        with self.engine.connect() as conn:
            return [_record(r) for r in conn.execute(stmt)]

    @contextmanager
    def transaction(self) -> Iterator[sa.Connection]:
        """One database transaction: pass the connection to `get`/`put` as `conn=`; everything
        is stored, or (on an exception) nothing is."""
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def _conn(self, conn: sa.Connection | None) -> Iterator[sa.Connection]:
        if conn is not None:
            yield conn
        else:
            with self.engine.begin() as own:
                yield own

    def get(self, hid: str, *, conn: sa.Connection | None = None) -> Record | None:
        with self._conn(conn) as c:
            row = c.execute(sa.select(households).where(households.c.id == hid)).first()
        return _record(row) if row is not None else None

    def exists(self, hid: str, *, conn: sa.Connection | None = None) -> bool:
        return self.get(hid, conn=conn) is not None

    def seen(self, hid: str, office: str | None, *, conn: sa.Connection | None = None) -> bool:
        """Whether a user of `office` sees household `hid` (True when it does not exist: the
        page then answers as for any unknown id)."""
        if office is None:
            return True
        with self._conn(conn) as c:
            row = c.execute(sa.select(households.c.office, households.c.shared).where(households.c.id == hid)).first()
        return row is None or row.office is None or row.office == office or bool(row.shared)

    def visible_ids(self, office: str | None) -> set[str] | None:
        """The ids a user of `office` sees; None: every one (no office)."""
        if office is None:
            return None
        with self.engine.connect() as conn:
            return {r[0] for r in conn.execute(sa.select(households.c.id).where(seen_by(office)))}

    def set_shared(self, hid: str, shared: bool) -> None:
        with self.engine.begin() as conn:
            conn.execute(households.update().where(households.c.id == hid).values(shared=shared))

    def put(self, hid: str, *, replaces: str | None = None, expect_version: int | None = None,
            bump: bool = True, conn: sa.Connection | None = None, by: str | None = None,
            note: str | None = None, office: str | None = None, **values) -> int:
        """Insert or update `hid` (renaming `replaces` to `hid` when given); returns the new version.

        With `expect_version` the update happens only if the stored row still has that version
        (optimistic locking: two caseworkers editing one household); otherwise `StaleVersion`.
        `expect_version=0` inserts only: a household of that id stored meanwhile is `StaleVersion`.
        `bump=False` leaves the version alone (a batch's priority is no edit of the household).
        `office`: the office a new household belongs to (that of the user who makes it); an
        existing household keeps its own.
        """
        now = datetime.now(timezone.utc)
        for key in ("document", "plan"):
            if key in values and values[key] is not None and not isinstance(values[key], str):
                values[key] = json.dumps(values[key], ensure_ascii=False)
        values["updated"] = now
        if bump:
            values["saved_by"] = by
        try:
            with self._conn(conn) as c:
                version = self._put(hid, replaces, expect_version, bump, c, now, values, office)
                if bump and ("document" in values or "plan" in values):
                    self._keep_version(c, hid, version, now, by, note)
                return version
        except sa.exc.IntegrityError:  # another request stored this id between our check and write
            raise StaleVersion(None) from None

    def _put(self, hid, replaces, expect_version, bump, conn, now, values, office=None) -> int:
        old = replaces if replaces is not None else hid
        with self._conn(conn) as c:
            found = c.execute(sa.select(households.c.version).where(households.c.id == old)).first()
            if found is None:
                if expect_version:  # 0 means "must be new"
                    raise StaleVersion(None)  # deleted (or renamed) by someone else meanwhile
                values.setdefault("source", "form")
                c.execute(households.insert().values(id=hid, created=now, version=1, office=office, **values))
                # a household deleted for good may leave no trace under a reused id
                c.execute(household_versions.delete().where(household_versions.c.household_id == hid))
                return 1
            current = _int(found[0]) or 1
            if expect_version is not None and current != expect_version:
                raise StaleVersion(current)
            new = current + 1 if bump else current
            stmt = households.update().where(households.c.id == old).values(id=hid, version=new, **values)
            if expect_version is not None:  # the check and the write in one statement
                stmt = stmt.where(households.c.version == expect_version)
            if c.execute(stmt).rowcount != 1:
                raise StaleVersion(None)
            if old != hid:  # a new id: its history, case record, letters and tasks follow it
                for name in HOUSEHOLD_TABLES:
                    t = metadata.tables[name]
                    c.execute(t.update().where(t.c.household_id == old).values(household_id=hid))
            return new

    def _keep_version(self, c: sa.Connection, hid: str, version: int, now: datetime, by: str | None,
                      note: str | None) -> None:
        """The household as just stored becomes version `version` of its history."""
        row = c.execute(sa.select(households.c.document, households.c.plan).where(households.c.id == hid)).one()
        c.execute(household_versions.insert().values(household_id=hid, version=version, document=row.document,
                                                     plan=row.plan, saved=now, saved_by=by, note=note))

    def versions(self, hid: str) -> list[Version]:
        """The household's saved versions, newest first."""
        stmt = (sa.select(household_versions).where(household_versions.c.household_id == hid)
                .order_by(household_versions.c.version.desc()))
        with self.engine.connect() as conn:
            return [Version(r.household_id, r.version, json_or_none(r.document), json_or_none(r.plan), r.saved, r.saved_by, r.note)
                    for r in conn.execute(stmt)]

    def version(self, hid: str, n: int) -> Version | None:
        return next((v for v in self.versions(hid) if v.version == n), None)

    def delete(self, hid: str, *, expect_version: int | None = None, by: str | None = None) -> None:
        """Soft delete: the household leaves the list and goes to the bin (`restore` brings it
        back) until `purge_deleted` erases it for good."""
        with self.engine.begin() as conn:
            stmt = (households.update().where(households.c.id == hid, households.c.deleted.is_(None))
                    .values(deleted=datetime.now(timezone.utc), version=households.c.version + 1, saved_by=by))
            if expect_version is not None:
                stmt = stmt.where(households.c.version == expect_version)
            if conn.execute(stmt).rowcount != 1 and expect_version is not None:
                raise StaleVersion(None)

    def restore(self, hid: str, *, by: str | None = None) -> bool:
        """Take `hid` out of the bin; False if it is not there."""
        with self.engine.begin() as conn:
            stmt = (households.update().where(households.c.id == hid, households.c.deleted.isnot(None))
                    .values(deleted=None, version=households.c.version + 1, saved_by=by))
            return conn.execute(stmt).rowcount == 1

    def purge_deleted(self, as_of: date, keep_days: int) -> list[str]:
        """Erase for good every household in the bin longer than `keep_days` on `as_of`, with all
        its rows (history, case record, letters, tasks). Returns the ids erased."""
        cutoff = datetime.combine(as_of - timedelta(days=keep_days), datetime.min.time(), timezone.utc)
        with self.engine.begin() as conn:
            ids = [r[0] for r in conn.execute(sa.select(households.c.id).where(
                households.c.deleted.isnot(None), households.c.deleted < cutoff))]
            self.erase(ids, conn)
        return ids

    def erase(self, ids: list[str], conn: sa.Connection) -> None:
        """Delete `ids` and every row that belongs to them (no soft delete: this is sletting)."""
        if not ids:
            return
        for name in HOUSEHOLD_TABLES:
            t = metadata.tables[name]
            conn.execute(t.delete().where(t.c.household_id.in_(ids)))
        conn.execute(households.delete().where(households.c.id.in_(ids)))

    # ------------------------------------------------------------------ login sessions

    def session_create(self, user: str, *, idle_s: float, max_age_s: float) -> str:
        """A new session for `user`; the random id goes into the (signed) cookie, its hash here.
        Sessions past their idle or maximum age are pruned here, so the table never grows with
        sessions nobody ends by logging out."""
        sid = secrets.token_urlsafe(32)
        now = datetime.now(timezone.utc)
        with self.engine.begin() as conn:
            conn.execute(sessions.delete().where(sa.or_(sessions.c.seen < now - timedelta(seconds=idle_s),
                                                        sessions.c.created < now - timedelta(seconds=max_age_s))))
            conn.execute(sessions.insert().values(id=session_key(sid), user=user, created=now, seen=now))
        return sid

    def session_list(self) -> list[dict]:
        """Every live session, newest first: its key (the hash, never the cookie's id), user,
        start and last request, for the administrator's list."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(sessions).order_by(sessions.c.created.desc(), sessions.c.id)).all()
        return [{"key": r.id, "user": r.user, "created": _utc(r.created), "seen": _utc(r.seen)} for r in rows]

    def session_revoke(self, key: str) -> bool:
        """End the session with this key (from `session_list`); False if there was none."""
        with self.engine.begin() as conn:
            return conn.execute(sessions.delete().where(sessions.c.id == key)).rowcount > 0

    def session_valid(self, sid: str, user: str, *, idle_s: float, max_age_s: float) -> bool:
        """Whether the session exists, belongs to `user` and is neither idle too long nor too
        old; an expired one is deleted. Marks it seen (at most once a minute, to spare writes)."""
        now = datetime.now(timezone.utc)
        key = session_key(sid)
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(sessions).where(sessions.c.id == key)).first()
            if row is None or row.user != user:
                return False
            idle = (now - _utc(row.seen)).total_seconds()
            age = (now - _utc(row.created)).total_seconds()
            if idle > idle_s or age > max_age_s:
                conn.execute(sessions.delete().where(sessions.c.id == key))
                return False
            if idle > 60:
                conn.execute(sessions.update().where(sessions.c.id == key).values(seen=now))
        return True

    def session_delete(self, sid: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(sessions.delete().where(sessions.c.id == session_key(sid)))

"""The web store's schema (SQLAlchemy Core tables; migrations in planner/web/migrations) and the
one reader of its JSON columns. Shared by `store` (households, history, sessions) and
`casestore` (casework), which therefore depend on this module and not on each other."""

from __future__ import annotations

import json

import sqlalchemy as sa

metadata = sa.MetaData()

households = sa.Table(
    "households",
    metadata,
    sa.Column("id", sa.String(80), primary_key=True),
    sa.Column("label", sa.String(200)),
    sa.Column("problem", sa.String(16)),
    sa.Column("status", sa.String(16)),
    sa.Column("priority", sa.Float),
    sa.Column("min_before_ore", sa.BigInteger),
    sa.Column("min_after_ore", sa.BigInteger),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("document", sa.Text),
    sa.Column("plan", sa.Text),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    # optimistic locking: a save names the version it was based on (migration 0002)
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    # casework (migration 0003): soft delete, the case's outcome, what the list shows, who saved
    sa.Column("deleted", sa.DateTime(timezone=True)),
    sa.Column("outcome", sa.String(24)),
    sa.Column("outcome_date", sa.Date),
    sa.Column("eviction_request", sa.Date),
    sa.Column("shortfall_monthly_ore", sa.BigInteger),
    sa.Column("shortfall_bound", sa.Boolean),
    sa.Column("actors", sa.String(200)),
    sa.Column("saved_by", sa.String(64)),
    # offices (migration 0005): the office (bydel) the case belongs to, None for every office;
    # `shared`: seen by every office
    sa.Column("office", sa.String(80)),
    sa.Column("shared", sa.Boolean, nullable=False, server_default=sa.false()),
)

#: every save of a household's document or plan, kept (migration 0003)
household_versions = sa.Table(
    "household_versions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("household_id", sa.String(80), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("document", sa.Text),
    sa.Column("plan", sa.Text),
    sa.Column("saved", sa.DateTime(timezone=True), nullable=False),
    sa.Column("saved_by", sa.String(64)),
    sa.Column("note", sa.String(200)),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),  # sha256 of the session id in the cookie
    sa.Column("user", sa.String(64), nullable=False),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    sa.Column("seen", sa.DateTime(timezone=True), nullable=False),
)

# --- casework (migration 0003; the logic is in `casestore.py`)
office = sa.Table(  # one row (id 1): the office settings as JSON
    "office", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_by", sa.String(64)),
)
caseworkers = sa.Table(  # the signed-in user's name and title, as letters sign
    "caseworkers", metadata,
    sa.Column("user", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("title", sa.String(200)),
)
case_records = sa.Table(  # personal data: see README "The case record"
    "case_records", metadata,
    sa.Column("household_id", sa.String(80), primary_key=True),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_by", sa.String(64)),
)
letters = sa.Table(  # letters marked sent, byte for byte
    "letters", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("household_id", sa.String(80), nullable=False),
    sa.Column("household_version", sa.Integer, nullable=False),
    sa.Column("recipient", sa.String(24), nullable=False),
    sa.Column("lang", sa.String(4), nullable=False),
    sa.Column("fmt", sa.String(8), nullable=False),
    sa.Column("letter_date", sa.Date, nullable=False),
    sa.Column("reply_by", sa.Date),
    sa.Column("figures", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=False),
    sa.Column("recorded", sa.DateTime(timezone=True), nullable=False),
    sa.Column("recorded_by", sa.String(64)),
)
tasks = sa.Table(  # follow-up: one per intervention of the household's current plan
    "tasks", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("household_id", sa.String(80), nullable=False),
    sa.Column("household_version", sa.Integer, nullable=False),
    sa.Column("lever", sa.String(40), nullable=False),
    sa.Column("key", sa.String(400), nullable=False),
    sa.Column("actors", sa.String(200), nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("plan_due", sa.Date),
    sa.Column("due", sa.Date),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("history", sa.Text, nullable=False),
    sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
)


plan_checks = sa.Table(  # is the plan kept? per case and rent month (migration 0004; `planfollow.py`)
    "plan_checks", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("household_id", sa.String(80), nullable=False),
    sa.Column("month", sa.String(7), nullable=False),
    sa.Column("verdict", sa.String(16), nullable=False),
    sa.Column("expected_ore", sa.BigInteger, nullable=False),
    sa.Column("paid_ore", sa.BigInteger, nullable=False),
    sa.Column("evidence", sa.Text, nullable=False),
    sa.Column("household_version", sa.Integer, nullable=False),
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("recorded", sa.DateTime(timezone=True), nullable=False),
    sa.Column("recorded_by", sa.String(64)),
)

office_history = sa.Table(  # every change of the office settings: what it became, who and when (0005)
    "office_history", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("changed", sa.DateTime(timezone=True), nullable=False),
    sa.Column("changed_by", sa.String(64)),
)
access_log = sa.Table(  # who opened which case record, when (0005; erased by the retention rules)
    "access_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("household_id", sa.String(80), nullable=False, index=True),
    sa.Column("user", sa.String(64), nullable=False),
    sa.Column("what", sa.String(40), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)

# --- background jobs and the login throttle, shared by every server process (migration 0006)
jobs = sa.Table(  # one long piece of work: its state, progress and heartbeat (see `jobs.py`)
    "jobs", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("user", sa.String(64)),
    sa.Column("office", sa.String(80)),
    sa.Column("params", sa.Text, nullable=False),
    sa.Column("done", sa.Integer, nullable=False, server_default="0"),
    sa.Column("total", sa.Integer, nullable=False, server_default="0"),
    sa.Column("message", sa.Text),
    sa.Column("result", sa.Text),
    sa.Column("worker", sa.String(120)),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    sa.Column("heartbeat", sa.DateTime(timezone=True)),
    sa.Column("finished", sa.DateTime(timezone=True)),
)
job_parts = sa.Table(  # a job's input and output in parts, so a resumed job skips what is done
    "job_parts", metadata,
    sa.Column("job_id", sa.String(36), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("input", sa.LargeBinary),
    sa.Column("output", sa.Text),
    sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
)
login_attempts = sa.Table(  # the login throttle's counts; `key` is a keyed hash, never a name
    "login_attempts", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("last", sa.Float, nullable=False),
)


def seen_by(office: str | None) -> sa.ColumnElement[bool]:
    """The households a user of `office` sees: her office's, those of no office, and those
    shared with all; a user without an office (None) sees every one."""
    if office is None:
        return sa.true()
    return sa.or_(households.c.office.is_(None), households.c.office == office, households.c.shared.is_(True))


def json_or_none(text) -> dict | None:
    if not text or not isinstance(text, str):
        return None
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return doc if isinstance(doc, dict) else None

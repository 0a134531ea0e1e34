"""Households stored in a database: the validated household document as JSON plus searchable
columns (id, label, problem, status, priority, updated).

Any SQLAlchemy URL works (`sqlite:///...` by default, `postgresql+psycopg://...` for a shared
office server). The schema is created and upgraded by Alembic (`migrations/`, run on start).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

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
)


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


def _record(row) -> Record:
    m = row._mapping
    return Record(
        id=m["id"], label=m["label"], problem=m["problem"], status=m["status"], priority=m["priority"],
        min_before_ore=m["min_before_ore"], min_after_ore=m["min_after_ore"], source=m["source"],
        document=json.loads(m["document"]) if m["document"] else None,
        plan=json.loads(m["plan"]) if m["plan"] else None,
        created=m["created"], updated=m["updated"],
    )


def migrate(engine: sa.Engine) -> None:
    """`alembic upgrade head` on `engine`, with the migration scripts shipped in the package."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("planner.web").joinpath("migrations")))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


class Store:
    def __init__(self, url: str):
        path = sqlite_path(url)
        kwargs: dict = {}
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False}
        self.url = url
        self.engine = sa.create_engine(url, **kwargs)
        migrate(self.engine)

    def search(self, q: str = "", status: str = "", problem: str = "", sort: str = "priority") -> list[Record]:
        stmt = sa.select(households)
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

    def get(self, hid: str) -> Record | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(households).where(households.c.id == hid)).first()
        return _record(row) if row is not None else None

    def exists(self, hid: str) -> bool:
        return self.get(hid) is not None

    def put(self, hid: str, *, replaces: str | None = None, **values) -> None:
        """Insert or update `hid` (renaming `replaces` to `hid` when given)."""
        now = datetime.now(timezone.utc)
        for key in ("document", "plan"):
            if key in values and values[key] is not None and not isinstance(values[key], str):
                values[key] = json.dumps(values[key], ensure_ascii=False)
        values["updated"] = now
        with self.engine.begin() as conn:
            old = replaces if replaces is not None else hid
            found = conn.execute(sa.select(households.c.id).where(households.c.id == old)).first()
            if found is None:
                values.setdefault("source", "form")
                conn.execute(households.insert().values(id=hid, created=now, **values))
            else:
                conn.execute(households.update().where(households.c.id == old).values(id=hid, **values))

    def delete(self, hid: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(households.delete().where(households.c.id == hid))

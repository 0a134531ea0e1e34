"""The store behind the casework pages, on SQLite and on a real PostgreSQL server (`db_url` in
conftest.py): history, soft delete, concurrent edits, the migration from the previous release,
case records, letters kept byte for byte, follow-up tasks and the retention sweep."""

from __future__ import annotations

import hashlib
import threading
from datetime import date, datetime, timedelta, timezone
from importlib import resources

import pytest
import sqlalchemy as sa

from planner.web.store import StaleVersion, Store, head_revision

PLAN = {"status": "planned", "interventions": [
    {"lever": "rent_day", "params": {"day": 15}, "actors": ["landlord"], "summary": "Husleie den 15."},
    {"lever": "deduction", "params": {"stream": "aap", "amount_ore": 100}, "actors": ["nav"], "summary": "Trekk"},
]}


def _put(store: Store, hid: str = "hh-1", label: str = "første", **kw) -> int:
    return store.put(hid, label=label, source="form", document={"id": hid, "label": label}, plan=PLAN, **kw)


def test_every_save_is_a_version_and_delete_is_soft(db_url):
    store = Store(db_url)
    assert _put(store, expect_version=0, by="kari") == 1
    assert _put(store, label="andre", expect_version=1, by="ola") == 2
    versions = store.versions("hh-1")
    assert [(v.version, v.document["label"], v.saved_by) for v in versions] == [(2, "andre", "ola"), (1, "første", "kari")]
    # a batch's priority is no edit: no new version
    store.put("hh-1", priority=12.0, bump=False)
    assert len(store.versions("hh-1")) == 2 and store.get("hh-1").version == 2
    # deleted: gone from the list, in the bin, and back again
    store.delete("hh-1", expect_version=2)
    assert store.search() == [] and [r.id for r in store.search(deleted=True)] == ["hh-1"]
    with pytest.raises(StaleVersion):  # the id stays taken while in the bin
        _put(store, expect_version=0)
    assert store.restore("hh-1") and [r.id for r in store.search()] == ["hh-1"]
    assert not store.restore("hh-1")
    # (delete and restore each moved the version on: 3, 4); renaming carries the history along
    store.put("hh-2", replaces="hh-1", label="nytt navn", source="form", document={"id": "hh-2"}, plan=PLAN,
              expect_version=store.get("hh-1").version)
    assert [v.version for v in store.versions("hh-2")] == [5, 2, 1] and store.versions("hh-1") == []


def test_concurrent_edits_of_one_version_one_wins(db_url):
    """Two caseworkers save the same version at the same moment: exactly one save is stored,
    the other is refused (the check and the write are one statement)."""
    store = Store(db_url)
    _put(store, expect_version=0)
    barrier = threading.Barrier(8)
    results: list[object] = []
    lock = threading.Lock()

    def save(i: int) -> None:
        barrier.wait()
        try:
            out: object = _put(store, label=f"skriver {i}", expect_version=1)
        except StaleVersion:
            out = "stale"
        with lock:
            results.append(out)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results, key=str) == [2] + ["stale"] * 7
    rec = store.get("hh-1")
    assert rec.version == 2 and [v.version for v in store.versions("hh-1")] == [2, 1]
    assert store.versions("hh-1")[0].document["label"] == rec.label  # the stored one is the winner's


def test_migration_from_the_previous_release_keeps_everything(db_url):
    """A database as today's main (migration 0002) leaves it, with households and a session,
    upgraded by `Store` (what `planner serve` does on start)."""
    from alembic import command
    from alembic.config import Config

    engine = sa.create_engine(db_url)
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("planner.web").joinpath("migrations")))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
        for hid, version, doc in (("hh-1", 3, '{"id": "hh-1", "months": 12}'), ("hh-2", 1, None)):
            conn.execute(sa.text(
                "insert into households (id, label, source, status, priority, min_before_ore, document, plan, "
                "created, updated, version) values (:id, 'gammel', 'form', 'planned', 42.5, -123456789012, :doc, "
                "'{\"status\": \"planned\"}', :t, :t, :v)"),
                {"id": hid, "doc": doc, "t": datetime(2026, 6, 1, 10, tzinfo=timezone.utc), "v": version})
        conn.execute(sa.text("insert into sessions (id, \"user\", created, seen) values ('abc', 'kari', :t, :t)"),
                     {"t": datetime(2026, 6, 1, tzinfo=timezone.utc)})
    engine.dispose()
    store = Store(db_url)
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("select version_num from alembic_version")).scalar() == head_revision()
        assert conn.execute(sa.text("select count(*) from plan_checks")).scalar() == 0  # 0004: new and empty
        rows = conn.execute(sa.text("select id, label, priority, min_before_ore, document, version from households "
                                    "order by id")).all()
        assert conn.execute(sa.text("select count(*) from sessions")).scalar() == 1
    assert [tuple(r) for r in rows] == [("hh-1", "gammel", 42.5, -123456789012, '{"id": "hh-1", "months": 12}', 3),
                                        ("hh-2", "gammel", 42.5, -123456789012, None, 1)]
    assert [r.id for r in store.search()] == ["hh-1", "hh-2"]  # nobody is in the bin
    old = store.versions("hh-1")
    assert [(v.version, v.document, v.plan, v.note) for v in old] == [
        (3, {"id": "hh-1", "months": 12}, {"status": "planned"}, "før oppgradering")]
    # and the upgraded household takes new saves and tasks as any other
    assert _put(store, expect_version=3) == 4
    store.case.sync_tasks("hh-1", 4, PLAN, [(date(2026, 7, 1), None, ["landlord"]), (None, None, ["nav"])])
    assert [t.lever for t in store.case.tasks("hh-1")] == ["rent_day", "deduction"]
    Store(db_url)  # a second start is a no-op


def test_migration_0005_starts_the_settings_history_from_the_settings_as_they_are(db_url):
    from alembic import command
    from alembic.config import Config

    engine = sa.create_engine(db_url)
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("planner.web").joinpath("migrations")))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0004")
        conn.execute(sa.text("insert into office (id, data, updated, updated_by) values (1, :d, :t, 'per')"),
                     {"d": '{"kommune": "Testby", "landlord_account": "1234.56.78903"}',
                      "t": datetime(2026, 6, 1, 10, tzinfo=timezone.utc)})
    engine.dispose()
    store = Store(db_url)
    (first,) = store.case.office_changes()
    assert first["by"] == "per" and first["fields"] == ["kommune", "landlord_account"]
    assert first["at"] == datetime(2026, 6, 1, 10, tzinfo=timezone.utc)
    assert store.case.access("hh-1") == []


def test_tasks_follow_the_plan_and_letters(db_url):
    store = Store(db_url)
    v = _put(store, expect_version=0)
    case = store.case
    case.sync_tasks("hh-1", v, PLAN, [(date(2026, 2, 1), None, ["landlord"]), (date(2026, 3, 1), None, ["nav"])])
    rent, ded = case.tasks("hh-1")
    assert (rent.state, rent.due, ded.due) == ("to_ask", date(2026, 2, 1), date(2026, 3, 1))
    # due list as of a date: overdue first, nothing beyond two weeks
    assert [(t.lever, t.overdue(date(2026, 2, 10))) for t, _ in case.due_tasks(date(2026, 2, 10))] == [("rent_day", True)]
    assert [t.lever for t, _ in case.due_tasks(date(2026, 2, 20))] == ["rent_day", "deduction"]
    assert case.due_tasks(date(2026, 1, 1)) == []
    # a letter to the landlord moves its task to "asked", due on the answer-by date
    body = b"%PDF-1.7 letter bytes"
    lid = case.record_letter("hh-1", v, "landlord", "nb", "pdf", date(2026, 1, 20), date(2026, 2, 3),
                             {"status": "planned"}, body, "kari")
    meta, stored = case.letter(lid)
    assert stored == body and meta.sha256 == hashlib.sha256(body).hexdigest() and meta.household_version == v
    rent = case.task(rent.id)
    assert (rent.state, rent.due) == ("asked", date(2026, 2, 3))
    # the steps, and nothing out of order
    with pytest.raises(ValueError):
        case.advance(rent.id, "in_effect", "kari")
    case.advance(rent.id, "agreed", "kari")
    assert case.advance(rent.id, "in_effect", "kari").state == "in_effect"
    assert [h["state"] for h in case.task(rent.id).history] == ["to_ask", "asked", "agreed", "in_effect"]
    assert [t.lever for t, _ in case.due_tasks(date(2026, 2, 20))] == ["deduction"]  # done is not due
    # a new plan keeps the state of a request still in it, and sets the others aside
    plan2 = {"status": "planned", "interventions": [PLAN["interventions"][0]]}
    v2 = _put(store, expect_version=v)
    case.sync_tasks("hh-1", v2, plan2, [(date(2026, 2, 1), None, ["landlord"])])
    assert [(t.lever, t.state, t.household_version) for t in case.tasks("hh-1")] == [("rent_day", "in_effect", v2)]
    assert len(case.tasks("hh-1", active_only=False)) == 2


def test_retention_sweep_with_explicit_dates(db_url):
    store = Store(db_url)
    case = store.case
    for hid in ("closed-long-ago", "closed-recently", "open"):
        _put(store, hid, expect_version=0)
        case.set_record(hid, {"name": "Testperson", "address": "Gate 1"}, "kari")
        case.record_letter(hid, 1, "tenant", "nb", "pdf", date(2026, 1, 5), None, {}, b"pdf", "kari")
    with store.transaction() as conn:
        from planner.web.store import households

        for hid, day in (("closed-long-ago", date(2025, 1, 10)), ("closed-recently", date(2026, 1, 10))):
            conn.execute(households.update().where(households.c.id == hid).values(outcome="solved", outcome_date=day))
    _put(store, "binned", expect_version=0)
    store.delete("binned")
    with store.transaction() as conn:  # deleted 40 days before the sweep date
        conn.execute(households.update().where(households.c.id == "binned")
                     .values(deleted=datetime(2026, 1, 1, tzinfo=timezone.utc)))
    out = case.sweep(date(2026, 2, 10), retention_days=365, bin_days=30)
    assert out == {"case_records": ["closed-long-ago"], "purged": ["binned"]}
    assert case.record("closed-long-ago") == {} and case.letters("closed-long-ago") == []
    assert case.record("closed-recently")["name"] == "Testperson" and case.record("open")
    assert store.get("closed-long-ago").outcome == "solved"  # the outcome stays for statistics
    assert store.get("binned") is None and store.versions("binned") == []
    # one day earlier, nothing of the bin would have gone
    assert case.sweep(date(2026, 2, 10) - timedelta(days=400), 365, 30) == {"case_records": [], "purged": []}


def test_a_task_to_ask_is_due_on_the_request_by_date_and_follows_a_new_plan(db_url):
    """Each task is due on the last day to ask (`request_by`), with the day the change takes
    effect kept beside it; the two-week list as of ten days before the deadline holds it, though
    the change takes effect a month later. A new plan moves the dates of a task still "to ask"
    (no person or letter has set them) but not of one already asked."""
    store = Store(db_url)
    v = _put(store, expect_version=0)
    case = store.case
    case.sync_tasks("hh-1", v, PLAN, [(date(2026, 12, 27), date(2027, 2, 1), ["landlord"]),
                                      (None, date(2027, 3, 1), ["nav"])])
    rent, ded = case.tasks("hh-1")
    assert (rent.due, rent.plan_due) == (date(2026, 12, 27), date(2027, 2, 1))
    assert (ded.due, ded.plan_due) == (date(2027, 3, 1), date(2027, 3, 1))  # no request-by date: when it takes effect
    assert [t.lever for t, _ in case.due_tasks(date(2026, 12, 17))] == ["rent_day"]
    case.record_letter("hh-1", v, "nav", "nb", "pdf", date(2026, 12, 20), date(2027, 1, 3), {}, b"pdf", "kari")
    v2 = _put(store, expect_version=v)
    case.sync_tasks("hh-1", v2, PLAN, [(date(2027, 1, 4), date(2027, 3, 1), ["landlord"]),
                                       (date(2027, 1, 5), date(2027, 4, 1), ["nav"])])
    rent, ded = case.tasks("hh-1")
    assert (rent.state, rent.due, rent.plan_due) == ("to_ask", date(2027, 1, 4), date(2027, 3, 1))
    assert (ded.state, ded.due) == ("asked", date(2027, 1, 3))


def test_the_tenant_s_letter_does_not_mark_the_landlord_s_request_asked(db_url):
    """A moved rent day needs the tenant and the landlord, but it is the landlord who is asked:
    the tenant's letter leaves it "to ask"; the landlord's letter marks it asked. A request
    only the tenant acts on is asked by the tenant's letter."""
    store = Store(db_url)
    v = _put(store, expect_version=0)
    case = store.case
    plan = {"interventions": [{"lever": "rent_day", "params": {"day": 20}, "actors": ["tenant", "landlord"]},
                              {"lever": "opening_buffer", "params": {}, "actors": ["tenant"]}]}
    case.sync_tasks("hh-1", v, plan, [(date(2026, 2, 1), None, ["tenant", "landlord"]),
                                      (date(2026, 2, 1), None, ["tenant"])])
    case.record_letter("hh-1", v, "tenant", "nb", "pdf", date(2026, 1, 20), date(2026, 2, 3), {}, b"t", "kari")
    assert [(t.lever, t.state) for t in case.tasks("hh-1")] == [("rent_day", "to_ask"), ("opening_buffer", "asked")]
    case.record_letter("hh-1", v, "landlord", "nb", "pdf", date(2026, 1, 21), date(2026, 2, 4), {}, b"l", "kari")
    assert [(t.lever, t.state) for t in case.tasks("hh-1")] == [("rent_day", "asked"), ("opening_buffer", "asked")]


def test_the_migrations_build_the_tables_the_code_uses(db_url):
    """A column or table added to `schema.py` without its migration (or the other way round)
    would work in tests that build the schema from the code and fail on an office's database."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from planner.web import schema

    store = Store(db_url)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), schema.metadata)
    # the migrations add indexes and unique constraints the code does not declare (it never
    # creates tables itself); tables, columns, types and nullability must agree
    assert [d for d in diff if d[0] not in ("remove_index", "remove_constraint")] == []

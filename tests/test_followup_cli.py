"""`planner follow-up LEDGER --db URL`: next month's ledger matched to an open case's plan, on
SQLite and on PostgreSQL (`db_url`, tests/conftest.py). The case is the ledger's tenancy
L000001 planned from tests/data/followup/L000001.toml; the two ledgers are the bundled
scenarios/reskontro.csv with January and February 2027 added: February paid on the plan's
day, or paid and the AvtaleGiro debit returned three days later."""

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from planner.kept import dues_from_plan
from planner.web.planfollow import stored_checks
from planner.web.store import Store, tasks

DATA = Path(__file__).parent / "data" / "followup"


def _case(db_url: str) -> dict:
    from planner.assessment import plan_explained
    from planner.io.household import read_household

    h = read_household(DATA / "L000001.toml")
    plan = plan_explained(h, as_of=h.as_of).to_json()
    store = Store(db_url)
    store.put("L000001", label=h.label, source="toml", document={"id": "L000001"}, plan=plan, status=plan["status"])
    store.engine.dispose()
    return plan


class _Result:
    def __init__(self, proc):
        self.exit_code, self.output = proc.returncode, proc.stdout + proc.stderr


def _cli(*args: str) -> _Result:
    """`planner ARGS` as an office's scheduler runs it: a process of its own (this checkout's)."""
    root = Path(__file__).resolve().parent.parent
    return _Result(subprocess.run([sys.executable, "-m", "planner", *args], cwd=root, capture_output=True, text=True,
                                  env={**os.environ, "PYTHONPATH": str(root)}))


def _run(db_url: str, ledger: str, as_of: str = "2027-02-28"):
    return _cli("follow-up", str(DATA / ledger), "--db", db_url, "--as-of", as_of)


def test_kept_then_broken_opens_one_task_with_the_evidence(db_url):
    plan = _case(db_url)
    assert [i["lever"] for i in plan["interventions"]] == ["betalingsutsettelse"]
    february = [d for d in dues_from_plan(plan) if d.month == "2027-02"]
    # the plan moved February's rent to the 12th: the day the ledger's payment must be on
    assert [(d.day.isoformat(), d.amount_ore) for d in february] == [("2027-02-12", 729_900)]

    r = _run(db_url, "reskontro-2027-02-holdt.csv")
    assert r.exit_code == 0, r.output
    assert "L000001: holdt (februar 2027)" in r.output
    store = Store(db_url)
    (feb,) = stored_checks(store, "L000001")
    assert (feb.month, feb.verdict, feb.expected_ore, feb.paid_ore) == ("2027-02", "kept", 729_900, 729_900)

    r = _run(db_url, "reskontro-2027-02-brutt.csv")
    assert r.exit_code == 0, r.output
    assert "L000001: brutt (februar 2027); ny oppgave for februar 2027" in r.output
    # paid on the 12th, the debit returned on the 15th: nothing left by the 17th (12th + 5 days)
    assert "Betalt 0,00 kr av 7 299,00 kr innen 17.02.2027; mangler 7 299,00 kr." in r.output
    (feb,) = stored_checks(store, "L000001")
    assert (feb.verdict, feb.paid_ore) == ("broken", 0)
    with store.engine.connect() as conn:
        rows = list(conn.execute(sa.select(tasks).where(tasks.c.lever == "betaling")))
    assert len(rows) == 1 and rows[0].state == "to_ask" and "brutt" in rows[0].summary

    # the same ledger again: the month is checked again, no second task
    r = _run(db_url, "reskontro-2027-02-brutt.csv")
    assert "ny oppgave" not in r.output
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(tasks).where(tasks.c.lever == "betaling")).scalar() == 1
    store.engine.dispose()


def test_a_ledger_that_cannot_be_read_is_exit_2(db_url, tmp_path):
    _case(db_url)
    bad = tmp_path / "tom.csv"
    bad.write_text("")
    r = _cli("follow-up", str(bad), "--db", db_url, "--as-of", "2027-02-28")
    assert r.exit_code == 2 and "tom.csv" in r.output and "Traceback" not in r.output

"""The solver processes of the web page (`planner.web.pool.SolverProcesses`): a plan past its
time limit has its process killed and replaced and the page says so in Norwegian (never 500),
the next plan works; and a what-if answered from the plan cache equals a fresh solve."""

from __future__ import annotations

import dataclasses
import os
import re
import time

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from test_web import BASE, SCENARIOS, token  # noqa: E402

from planner.model import LEVERS  # noqa: E402
from planner.web.pool import PlanStopped, SolverProcesses  # noqa: E402

HID = "enslig-mor-2006"


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


@pytest.fixture
def client(tmp_path):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from fastapi.testclient import TestClient

    from planner.web.app import create_app

    app = create_app(f"sqlite:///{tmp_path / 'web.db'}", secret="test-secret", time_limit_s=5)
    with TestClient(app, base_url=BASE) as c:
        t = token(c, "/import")
        r = c.post("/import/toml", data={"csrf_token": t},
                   files=[("files", (f"{HID}.toml", (SCENARIOS / f"{HID}.toml").read_bytes()))])
        assert r.status_code in (200, 303), r.text[:300]
        yield c


def test_a_call_past_its_limit_kills_its_worker_and_a_fresh_one_answers_the_next():
    procs = SolverProcesses(1)
    try:
        procs.start(wait=True)
        [pid] = procs.pids()
        assert procs.call(5, _sleep, 0.01) == 0.01
        t0 = time.perf_counter()
        with pytest.raises(PlanStopped):
            procs.call(0.2, _sleep, 30)
        assert time.perf_counter() - t0 < 10  # stopped at its limit, not after the 30 s
        assert _gone(pid)
        assert procs.call(30, _sleep, 0.01) == 0.01  # waits for the replacement to warm up
        assert procs.pids() != [pid]
    finally:
        procs.shutdown()
    assert all(_gone(p) for p in procs.pids()) or procs.pids() == []


def test_an_exception_in_the_worker_reaches_the_caller_and_the_worker_stays():
    procs = SolverProcesses(1)
    try:
        procs.start(wait=True)
        pids = procs.pids()
        with pytest.raises(ValueError):
            procs.call(5, int, "not a number")
        assert procs.pids() == pids
    finally:
        procs.shutdown()


def test_a_plan_past_its_limit_is_stopped_its_process_gone_the_page_says_so_and_the_next_plan_works(client):
    web = client.app.state.web
    before = web.solver.pids()
    assert len(before) == web.settings.workers
    web.settings = dataclasses.replace(web.settings, plan_limit_s=0.001)  # no plan is solved in 1 ms
    r = client.get(f"/husstand/{HID}/hva-om", params={"inntekt-0-amount": "1990"})
    assert r.status_code == 503
    text = re.sub(r"\s+", " ", r.text)
    assert "Planen ble ikke ferdig innen tidsgrensen på 0.001 sekunder, og beregningen ble stoppet." in text
    assert "Ingenting er lagret" in text
    killed = [p for p in before if p not in web.solver.pids()]
    assert len(killed) == 1 and _gone(killed[0])
    web.settings = dataclasses.replace(web.settings, plan_limit_s=None)
    r = client.get(f"/husstand/{HID}/hva-om", params={"inntekt-0-amount": "1990"})
    assert r.status_code == 200 and "Planen krever" in r.text


def test_levers_ticked_as_the_household_allows_reuse_the_solved_plan(client):
    from planner.levers import resolve
    from planner.web.core import household_of
    from planner.web.routes.whatif import _whatif_context

    web = client.app.state.web
    h = household_of(web.load(HID))
    base = web.compute(h)
    own = resolve(h).allowed
    q = {"levers": "1", **{f"lever-{k}": "on" for k in LEVERS if k in own}}
    assert _whatif_context(web, h, q)["plan"] is base  # the cached plan: no solve
    q.pop(f"lever-{sorted(own)[0]}")
    assert _whatif_context(web, h, q)["plan"] is not base


_changes = st.fixed_dictionaries({}, optional={
    "inntekt-0-amount": st.integers(1, 6000).map(str),
    "inntekt-2-amount": st.integers(3000, 9000).map(str),
    "utgift-0-amount": st.integers(6000, 12000).map(str),
    "utgift-0-day": st.integers(1, 28).map(str),
    "levers": st.just("1"),
    **{f"lever-{k}": st.just("on") for k in LEVERS},
})


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(_changes, min_size=2, max_size=3))
def test_what_if_answers_equal_a_fresh_solve(client, changes):
    """A run of what-ifs (the cache shared between them, as on the page) gives for each the plan
    `planner.assessment.plan_explained` makes on its own for the changed household."""
    from planner.asof import align
    from planner.assessment import plan_explained
    from planner.io.household import household_from_dict
    from planner.web.core import WEB_ALTERNATIVES, dated, household_of, unasked
    from planner.web.routes.whatif import _changed, _whatif_context

    web = client.app.state.web
    h = household_of(web.load(HID))
    for q in changes:
        ctx = _whatif_context(web, h, q)
        assert not ctx["whatif_errors"]
        doc, allow, forbid = _changed(h, q)
        changed = dated(household_from_dict(doc, h.id))
        aligned = align(changed, changed.as_of)
        options = dict(time_limit_s=web.settings.time_limit_s, as_of=changed.as_of, horizon_note=aligned.note,
                       alternatives=WEB_ALTERNATIVES)
        fresh = plan_explained(aligned.household, allow, forbid, **options)
        if unasked(fresh) and any(i.late for i in changed.income):  # the page's rule (`Web.compute`)
            fresh = plan_explained(aligned.household, allow, forbid, on_time=True, **options)
        assert ctx["plan"].to_json() == fresh.to_json()

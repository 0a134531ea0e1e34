"""Background jobs (`planner.web.jobs`): a large import answers at once and completes as a job;
a job whose process died resumes at the first part not done with the same result; two apps on
one database (two server processes) see each other's jobs; jobs are scoped to their user and
office; bad input ends a job 'failed' with the request's own message, never a 500."""

from __future__ import annotations

import io
import json
import re
import time
import warnings
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

pytest.importorskip("fastapi")

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from planner.web.app import create_app
from planner.web.core import Settings
from planner.web.jobs import DONE, FAILED, RUNNING, JobRunner, JobStore
from planner.web.schema import household_versions, households, job_parts, jobs

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
BASE = "http://127.0.0.1:8000"


def token(client, path: str = "/import") -> str:
    r = client.get(path)
    assert r.status_code == 200, r.text[:300]
    m = re.search(r'name="csrf_token" value="([^"]+)"', r.text)
    assert m
    return m.group(1)


def job_state(client, location: str) -> str:
    page = client.get(location)
    assert page.status_code == 200, page.text[:300]
    m = re.search(r'id="job-state">([^<]+)<', page.text)
    assert m, page.text[:2000]
    return m.group(1)


def follow_job(client, r, timeout: float = 240.0):
    """The answer a job-starting POST leads to: not a 303, that answer itself; else the job's
    page polled (as its «Oppdater» link does) until it ends, then its result (done) or its page."""
    if r.status_code != 303 or not r.headers["location"].startswith("/jobber/"):
        return r
    location = r.headers["location"]
    deadline = time.monotonic() + timeout
    while job_state(client, location) in ("I kø", "Kjører"):
        assert time.monotonic() < deadline, "the job did not end"
        time.sleep(0.2)
    if job_state(client, location) == "Ferdig":
        return client.get(location + "/resultat")
    return client.get(location)


@pytest.fixture(scope="module")
def base_plan() -> dict:
    from planner.assessment import plan_explained
    from planner.io.household import read_household

    return plan_explained(read_household(SCENARIOS / "alt-i-orden.toml"), time_limit_s=5).to_json()


def batch_zip(plan: dict, n: int, with_documents: int = 0) -> bytes:
    """A `planner batch --out` folder of `n` households as a zip: results.csv and a plan each;
    the first `with_documents` also with their household document (planned again on import)."""
    from planner.io.document import household_document
    from planner.io.household import read_household

    doc = household_document(read_household(SCENARIOS / "alt-i-orden.toml"))
    buf = io.BytesIO()
    rows = ["id,problem,status,priority"]
    with zipfile.ZipFile(buf, "w") as zf:
        for i in range(n):
            hid = f"hh-{i:04d}"
            rows.append(f"{hid},{plan['baseline']['problem']},{plan['status']},{i % 100}")
            zf.writestr(f"batch/plans/{hid}.json", json.dumps({**plan, "household": hid}))
            if i < with_documents:
                zf.writestr(f"batch/households/{hid}.json", json.dumps({**doc, "id": hid, "label": f"Husstand {i}"}))
        zf.writestr("batch/results.csv", "\n".join(rows) + "\n")
    return buf.getvalue()


def post_zip(client, data: bytes):
    return client.post("/import/batch", files=[("files", ("batch.zip", data))], data={"csrf_token": token(client)},
                       follow_redirects=False)


def stored(url: str) -> dict[str, tuple]:
    """Every stored household's columns as a later reader sees them (times left out)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(households.c.id, households.c.status, households.c.priority,
                                          households.c.document, households.c.plan, households.c.version))
            return {r.id: (r.status, r.priority, json.loads(r.document) if r.document else None,
                           json.loads(r.plan) if r.plan else None, r.version) for r in rows}
    finally:
        engine.dispose()


def test_a_300_household_zip_answers_at_once_and_is_stored_by_a_job(tmp_path, base_plan):
    url = f"sqlite:///{tmp_path / 'web.db'}"
    app = create_app(url, secret="s", settings=Settings(time_limit_s=5))
    with TestClient(app, base_url=BASE) as c:
        r = post_zip(c, batch_zip(base_plan, 300, with_documents=3))
        assert r.status_code == 303 and r.headers["location"].startswith("/jobber/"), r.text[:500]  # speed: bench/jobs.py
        page = c.get(r.headers["location"])
        assert "<progress" in page.text and 'for="job-progress"' in page.text
        result = follow_job(c, r)
        assert result.status_code == 200, result.text[-2000:]
        assert "300 nye" in result.text
        assert "/jobber/" in c.get("/jobber").text
        job_page = c.get(r.headers["location"]).text
        assert "Husstand 300 av 300 er importert" in job_page and 'value="301"' in job_page  # reading + 300
        assert "job.js" not in job_page and "data-status" not in job_page  # ended: nothing to update
    rows = stored(url)
    assert sorted(rows) == [f"hh-{i:04d}" for i in range(300)]
    assert all(rows[f"hh-{i:04d}"][1] == i % 100 for i in range(300))
    assert rows["hh-0000"][2] is not None and rows["hh-0000"][2]["label"] == "Husstand 0"  # planned again, editable
    assert rows["hh-0100"][3]["household"] == "hh-0100"  # the batch's own plan
    engine = sa.create_engine(url)
    with engine.connect() as conn:  # the parts (personal data) are erased with the job's end
        assert conn.execute(sa.select(sa.func.count()).select_from(job_parts)).scalar() == 0
    engine.dispose()


def test_a_small_import_is_still_answered_in_the_request(tmp_path, base_plan):
    app = create_app(f"sqlite:///{tmp_path / 'web.db'}", secret="s", settings=Settings(time_limit_s=5))
    with TestClient(app, base_url=BASE) as c:
        r = post_zip(c, batch_zip(base_plan, 20))
        assert r.status_code == 200 and "20 nye" in r.text


def _no_runner_app(url: str):
    return create_app(url, secret="s", settings=Settings(time_limit_s=5, run_jobs=False, sweep_on_start=False))


def _runner(app, name: str) -> JobRunner:
    return JobRunner(app.state.web, worker=name, stale_s=30.0, heartbeat_s=0.2)


def test_a_job_whose_process_died_resumes_at_the_first_part_not_done_with_the_same_result(tmp_path, base_plan):
    data = batch_zip(base_plan, 30, with_documents=4)
    # the uninterrupted run, on its own database
    whole_url = f"sqlite:///{tmp_path / 'whole.db'}"
    whole = _no_runner_app(whole_url)
    with TestClient(whole, base_url=BASE) as c:
        r = post_zip(c, data)
        jid_whole = r.headers["location"].rsplit("/", 1)[1]
        assert _runner(whole, "A").run_once()
    expected = JobStore(whole.state.store.engine).get(jid_whole)
    assert expected is not None and expected.state == DONE

    url = f"sqlite:///{tmp_path / 'web.db'}"
    first, second = _no_runner_app(url), _no_runner_app(url)  # two server processes on one database
    with TestClient(first, base_url=BASE) as c:
        jid = post_zip(c, data).headers["location"].rsplit("/", 1)[1]
    # process 1 does 10 parts (the upload read, 9 households), then dies in the middle of the
    # 11th: its part left 'running', its heartbeat stopped
    runner = _runner(first, "proc-1")
    store = runner.store
    real_progress = store.progress

    def progress(jid_: str, worker: str, done: int, message: str, total: int | None = None) -> bool:
        ok = real_progress(jid_, worker, done, message, total)
        if done == 10:
            runner._stop.set()
        return ok

    store.progress = progress  # type: ignore[method-assign]
    assert runner.run_once()
    engine = first.state.store.engine
    stale = datetime.now(timezone.utc) - timedelta(minutes=10)
    with engine.begin() as conn:
        conn.execute(job_parts.update().where(job_parts.c.job_id == jid, job_parts.c.seq == 10).values(state=RUNNING))
        conn.execute(jobs.update().where(jobs.c.id == jid).values(heartbeat=stale))
        states = [r[0] for r in conn.execute(sa.select(job_parts.c.state).where(job_parts.c.job_id == jid)
                                             .order_by(job_parts.c.seq))]
    assert states[:10] == [DONE] * 10 and states[10] == RUNNING and set(states[11:]) == {"queued"}
    assert sorted(stored(url)) == [f"hh-{i:04d}" for i in range(9)]
    # a fresh heartbeat is not taken over; a stale one is, by the other process, which runs only
    # the parts not done (each household stored once: version 1 and one history row)
    resumed: list[int] = []
    second_runner = _runner(second, "proc-2")
    real_start = second_runner.store.start_part
    second_runner.store.start_part = lambda j, seq: resumed.append(seq) or real_start(j, seq)  # type: ignore[method-assign]
    assert second_runner.run_once()
    assert resumed == list(range(10, 31))
    job = JobStore(engine).get(jid)
    assert job is not None and job.state == DONE and job.worker == "proc-2" and job.done == job.total == 31
    assert job.result == expected.result
    assert stored(url) == stored(whole_url)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(household_versions)).scalar() == 30


def test_claim_is_taken_by_one_process_only_and_not_from_a_live_one(db_url):
    store = JobStore(sa.create_engine(db_url))
    from planner.web.store import Store

    Store(db_url)  # the tables
    jid = store.create("report", {}, [None], user="lokal", office=None)
    a, b = store.claim("A", 60.0), store.claim("B", 60.0)
    assert a is not None and a.id == jid and b is None  # the second UPDATE finds it taken
    assert store.heartbeat(jid, "A") and not store.heartbeat(jid, "B")
    assert store.claim("B", 60.0) is None  # a live heartbeat is not stolen
    with store.engine.begin() as conn:
        conn.execute(jobs.update().values(heartbeat=datetime.now(timezone.utc) - timedelta(minutes=5)))
    b = store.claim("B", 60.0)
    assert b is not None and b.worker == "B"
    assert not store.heartbeat(jid, "A")  # A learns it lost the job and stops
    assert store.cancel(jid) and not store.heartbeat(jid, "B") and store.get(jid).state == "cancelled"
    # retention: an ended job is kept KEEP_DAYS, then erased with its result
    assert store.sweep() == 0 and store.get(jid) is not None
    assert store.sweep(datetime.now(timezone.utc) + timedelta(days=8)) == 1 and store.get(jid) is None


def test_two_apps_on_one_database_see_one_job_and_its_progress(db_url, base_plan):
    one, two = _no_runner_app(db_url), _no_runner_app(db_url)
    with TestClient(one, base_url=BASE) as c1, TestClient(two, base_url=BASE) as c2:
        r = post_zip(c1, batch_zip(base_plan, 25))
        assert r.status_code == 303
        location = r.headers["location"]
        assert job_state(c2, location) == "I kø"
        runner = _runner(two, "proc-2")
        real = runner.store.progress

        def progress(jid_: str, worker: str, done: int, message: str, total: int | None = None) -> bool:
            ok = real(jid_, worker, done, message, total)
            if done == 7:
                runner._stop.set()
            return ok

        runner.store.progress = progress  # type: ignore[method-assign]
        assert runner.run_once()  # process 2 runs 7 parts: process 1 shows them
        page = c1.get(location).text
        assert "Husstand 6 av 25 er importert" in page and 'value="7"' in page
        assert f'data-status="{location}/status"' in page and '<script src="/static/job.js">' in page
        assert 'http-equiv="refresh"' not in page  # updated in place by job.js, never reloaded
        status = c1.get(location + "/status")  # what job.js reads, through the other process
        assert status.json() == {"state": "running", "state_nb": "Kjører", "done": 7, "total": 26, "percent": 26,
                                 "message": "Husstand 6 av 25 er importert", "ended": False}
        assert status.headers["cache-control"] == "no-store"
        assert "data-status" not in c1.get(location + "?oppdater=nei").text  # turned off: «Oppdater» only
        assert "data-status" not in c1.get(location).text  # (kept in the session)
        assert "data-status" in c1.get(location + "?oppdater=ja").text
        assert job_state(c1, location) == "Kjører"
        runner._stop.clear()
        runner.store.progress = real  # type: ignore[method-assign]
        with runner.store.engine.begin() as conn:  # process 2 "died"; process 1 takes the job up
            conn.execute(jobs.update().values(heartbeat=datetime.now(timezone.utc) - timedelta(minutes=5)))
        assert _runner(one, "proc-1").run_once()
        assert job_state(c2, location) == "Ferdig"
        assert "25 nye" in c2.get(location + "/resultat").text
    assert len(stored(db_url)) == 25


def test_jobs_are_seen_by_their_user_and_office_only(tmp_path, base_plan):
    from planner.web.auth import add_user

    users = tmp_path / "users.txt"
    add_user(users, "siv", "sagene-passord", office="Bydel Sagene")
    add_user(users, "ali", "alna-passord", office="Bydel Alna")
    add_user(users, "per", "admin-passord", role="admin")
    app = create_app(f"sqlite:///{tmp_path / 'web.db'}", users, secret="s",
                     settings=Settings(time_limit_s=5, run_jobs=False))

    def login(c, name: str, password: str) -> None:
        r = c.post("/login", data={"csrf_token": token(c, "/login"), "username": name, "password": password},
                   follow_redirects=False)
        assert r.status_code == 303

    with TestClient(app, base_url=BASE) as siv, TestClient(app, base_url=BASE) as ali, \
            TestClient(app, base_url=BASE) as per, TestClient(app, base_url=BASE) as anon:
        login(siv, "siv", "sagene-passord")
        login(ali, "ali", "alna-passord")
        login(per, "per", "admin-passord")
        r = post_zip(siv, batch_zip(base_plan, 21))
        location = r.headers["location"]
        job = JobStore(app.state.store.engine).get(location.rsplit("/", 1)[1])
        assert job is not None and (job.user, job.office) == ("siv", "Bydel Sagene")
        assert siv.get(location).status_code == 200 and location in siv.get("/jobber").text
        for path in (location, location + "/resultat", location + "/status"):
            assert ali.get(path).status_code == 404  # as for an id that does not exist
        assert location not in ali.get("/jobber").text
        assert ali.post(location + "/avbryt", data={"csrf_token": token(ali, "/import")}).status_code == 404
        assert per.get(location).status_code == 200 and location in per.get("/jobber").text  # an administrator
        assert anon.get(location, follow_redirects=False).status_code == 303  # to the login
        assert anon.get(location + "/status", follow_redirects=False).status_code in (303, 401)
        assert anon.post(location + "/avbryt", data={}).status_code in (401, 403)
        assert _runner(app, "A").run_once()
        assert stored(str(app.state.store.url))["hh-0000"][0] is not None
        with app.state.store.engine.connect() as conn:
            assert {r[0] for r in conn.execute(sa.select(households.c.office))} == {"Bydel Sagene"}
        assert siv.post(location + "/avbryt", data={"csrf_token": token(siv, "/import")}).status_code == 200
        assert job_state(siv, location) == "Ferdig"  # an ended job is not cancelled


def test_unknown_and_bad_job_ids_are_404_not_500(tmp_path):
    app = _no_runner_app(f"sqlite:///{tmp_path / 'web.db'}")
    with TestClient(app, base_url=BASE) as c:
        for path in ("/jobber/finnes-ikke", "/jobber/" + "x" * 500, "/jobber/%00", "/jobber/'; drop table jobs;--",
                     "/jobber/finnes-ikke/resultat", "/jobber/finnes-ikke/status"):
            assert c.get(path).status_code in (400, 404), path  # NUL is refused before routing (400)
        assert c.post("/jobber/finnes-ikke/avbryt", data={"csrf_token": token(c, "/import")}).status_code == 404
        assert "Ingen jobber" in c.get("/jobber").text


def test_a_large_bad_ledger_ends_failed_with_the_requests_message(tmp_path):
    from planner.web.routes.ledger import JOB_BYTES

    rows = "\n".join(f"{i},x,y" for i in range(JOB_BYTES // 8 + 10))
    data = ("a,b,c\n" + rows + "\n").encode()
    assert len(data) > JOB_BYTES
    app = create_app(f"sqlite:///{tmp_path / 'web.db'}", secret="s", settings=Settings(time_limit_s=5))
    with TestClient(app, base_url=BASE) as c:
        small = c.post("/reskontro", data={"csrf_token": token(c, "/reskontro"), "as_of": "2026-03-01"},
                       files={"ledger": ("reskontro.csv", data[:2000], "text/csv")})
        assert small.status_code == 422
        m = re.search(r'id="ledger-error" role="alert"><p>([^<]+)</p>', small.text)
        assert m
        r = c.post("/reskontro", data={"csrf_token": token(c, "/reskontro"), "as_of": "2026-03-01"},
                   files={"ledger": ("reskontro.csv", data, "text/csv")}, follow_redirects=False)
        assert r.status_code == 303
        page = follow_job(c, r)
        assert page.status_code == 200 and job_state(c, r.headers["location"]) == "Feilet"
        failed = re.search(r'id="job-error">([^<]+)<', page.text)
        assert failed and failed.group(1) == m.group(1)
    job = JobStore(app.state.store.engine).get(r.headers["location"].rsplit("/", 1)[1])
    assert job is not None and job.state == FAILED


def test_a_large_ledger_is_read_by_a_job_and_shows_the_worklist(tmp_path):
    from planner.web.routes.ledger import JOB_BYTES

    text = (SCENARIOS / "reskontro.csv").read_text(encoding="utf-8")
    header, *lines = text.splitlines()
    pad = "\n".join([""] * (JOB_BYTES // 1 + 10))  # blank lines: read and counted as blank, nothing else
    data = (header + "\n" + "\n".join(lines) + "\n" + pad + "\n").encode()
    assert len(data) > JOB_BYTES
    app = create_app(f"sqlite:///{tmp_path / 'web.db'}", secret="s", settings=Settings(time_limit_s=5))
    with TestClient(app, base_url=BASE) as c:
        direct = c.post("/reskontro", data={"csrf_token": token(c, "/reskontro"), "as_of": "2026-12-20"},
                        files={"ledger": ("reskontro.csv", text.encode(), "text/csv")})
        assert direct.status_code == 200
        r = c.post("/reskontro", data={"csrf_token": token(c, "/reskontro"), "as_of": "2026-12-20"},
                   files={"ledger": ("reskontro.csv", data, "text/csv")}, follow_redirects=False)
        assert r.status_code == 303
        page = follow_job(c, r)
        assert page.status_code == 200, page.text[-1500:]

        def table(html: str) -> str:
            m = re.search(r'<table class="data" id="ledger-contact">.*?</table>', html, re.S)
            assert m
            return m.group(0)

        # the worklist of the job is the request's, csrf tokens aside
        assert re.sub(r'value="[^"]{40,}"', "", table(page.text)) == re.sub(r'value="[^"]{40,}"', "", table(direct.text))


def test_a_large_import_of_household_files_is_a_job_too(tmp_path):
    """21 household files in a zip (more than IMPORT_JOB_HOUSEHOLDS): each planned and stored by
    the job, editable as one imported in the request; a refused file is named in the report."""
    from planner.web.jobkinds import IMPORT_JOB_HOUSEHOLDS

    text = (SCENARIOS / "alt-i-orden.toml").read_text(encoding="utf-8")
    assert re.search(r'^id = "alt-i-orden"$', text, re.M)
    buf = io.BytesIO()
    n = IMPORT_JOB_HOUSEHOLDS + 1
    with zipfile.ZipFile(buf, "w") as zf:
        for i in range(n):
            zf.writestr(f"h{i}.toml", text.replace('id = "alt-i-orden"', f'id = "fil-{i:02d}"'))
        zf.writestr("feil.toml", "id = \n")
    url = f"sqlite:///{tmp_path / 'web.db'}"
    app = create_app(url, secret="s", settings=Settings(time_limit_s=5))
    with TestClient(app, base_url=BASE) as c:
        r = c.post("/import/toml", files=[("files", ("husstander.zip", buf.getvalue()))],
                   data={"csrf_token": token(c)}, follow_redirects=False)
        assert r.status_code == 303, r.text[:500]
        report = follow_job(c, r)
        assert report.status_code == 200 and f"{n} nye" in report.text and "feil.toml" in report.text
        assert c.get("/husstand/fil-07/endre").status_code == 200
    rows = stored(url)
    assert sorted(rows) == [f"fil-{i:02d}" for i in range(n)] and all(v[3] for v in rows.values())


def test_an_import_job_with_nothing_to_import_fails_with_the_requests_messages(tmp_path):
    """25 rows of results.csv, each refused: the job ends 'failed' with the messages the
    request gives for the same rows (row and field named), its report kept; never a 500."""
    rows = "id,problem,status,priority\n" + "".join(f"hh-{i:02d},timing,planned,abc\n" for i in range(25))
    app = create_app(f"sqlite:///{tmp_path / 'web.db'}", secret="s", settings=Settings(time_limit_s=5))
    with TestClient(app, base_url=BASE) as c:
        small = c.post("/import/batch", files=[("files", ("results.csv", rows[:rows.index("hh-01")].encode()))],
                       data={"csrf_token": token(c)})
        assert small.status_code == 422 and "results.csv, rad 2, priority: må være et tall fra 0 til 100." in small.text
        r = c.post("/import/batch", files=[("files", ("results.csv", rows.encode()))], data={"csrf_token": token(c)},
                   follow_redirects=False)
        assert r.status_code == 303
        page = follow_job(c, r)
        assert page.status_code == 200 and job_state(c, r.headers["location"]) == "Feilet"
        assert "results.csv, rad 26, priority: må være et tall fra 0 til 100." in page.text
        report = c.get(r.headers["location"] + "/resultat")
        assert report.status_code == 422 and report.text.count("må være et tall fra 0 til 100") == 25
        assert "Ingenting er importert" in report.text

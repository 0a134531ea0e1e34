"""Login attempts counted before they are checked, and sessions tied to the password they were
made with: pruned, listed and revocable (issue 28, points 1 and 3)."""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime, timedelta, timezone

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from planner.web.throttle import LoginThrottle
from tests.test_web_security import BASE, _login, make_app, token


@pytest.fixture
def users(tmp_path):
    from planner.web.auth import add_user

    path = tmp_path / "users.txt"
    add_user(path, "kari", "riktig-passord")
    add_user(path, "ola", "annet-passord")
    return path


def _burst(app, n: int, name: str, password: str) -> list[int]:
    """`n` logins sent at the same moment (one event loop, as a server's requests are)."""
    async def run() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as c:
            page = await c.get("/login")
            csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            form = {"csrf_token": csrf, "username": name, "password": password}
            answers = await asyncio.gather(*(c.post("/login", data=form) for _ in range(n)))
            return [r.status_code for r in answers]
    return asyncio.run(run())


def test_sixty_concurrent_guesses_check_only_the_free_ones(tmp_path, users, monkeypatch):
    from planner.web.routes import login

    checked: list[str] = []
    real = login.verify_password
    lock = threading.Lock()

    def counting(password: str, encoded: str) -> bool:
        with lock:
            checked.append(password)
        return real(password, encoded)

    monkeypatch.setattr(login, "verify_password", counting)
    app = make_app(tmp_path, users, login_free_per_user=5, login_free_per_address=20)
    codes = _burst(app, 60, "kari", "gjetning")
    assert len(checked) == 5  # the designed number: login_free_per_user
    assert sorted(codes) == [401] * 5 + [429] * 55


def test_a_guesser_elsewhere_delays_a_caseworker_but_never_locks_her_out():
    now = [0.0]
    t = LoginThrottle(5, 20, clock=lambda: now[0])
    for i in range(200):  # guesses at kari's name from 200 addresses, one second apart
        t.admit("kari", f"10.0.{i // 250}.{i % 250}")
        now[0] += 1.0
    wait = t.admit("kari", "192.168.1.10")  # kari at her own desk
    assert 0 < wait <= 60.0  # the user-wide count is soft: at most a minute
    now[0] += wait
    assert t.admit("kari", "192.168.1.10") == 0


def test_backoff_doubles_and_success_gives_the_address_its_attempt_back():
    now = [0.0]
    t = LoginThrottle(2, 3, clock=lambda: now[0])
    assert t.admit("a", "x") == 0 and t.admit("a", "x") == 0
    assert t.admit("a", "x") == pytest.approx(1.0)  # 2**0 after the last
    now[0] += 1.0
    assert t.admit("a", "x") == 0  # the third attempt, counted
    assert t.admit("a", "x") == pytest.approx(2.0)  # then 2**1
    now[0] += 2.0
    assert t.admit("a", "x") == 0  # the fourth, counted: the address has now used its 3 free and one more
    t.succeeded("a", "x")  # it was right: the user is cleared, the address gets that attempt back
    # the address keeps its 3 failures (its free ones): the next name waits 2**0, not 2**1
    assert t.admit("b", "x") == pytest.approx(1.0)
    now[0] += 1.0
    assert t.admit("b", "x") == 0


def test_a_password_change_ends_the_sessions_made_with_the_old_one(tmp_path, users):
    from planner.web.auth import add_user

    app = make_app(tmp_path, users)
    with TestClient(app, base_url=BASE) as c:
        assert _login(c, "kari", "riktig-passord").status_code == 303
        copied = c.cookies.get("planner_session")
        assert c.get("/").status_code == 200
        add_user(users, "kari", "nytt-passord")
        r = c.get("/", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login"
    # a second server on the same database and users file (another process) refuses it too
    with TestClient(make_app(tmp_path, users), base_url=BASE, cookies={"planner_session": copied}) as c:
        assert c.get("/", follow_redirects=False).headers["location"] == "/login"
        assert _login(c, "kari", "nytt-passord").status_code == 303


def test_a_removed_user_added_back_does_not_revive_old_cookies(tmp_path, users):
    from planner.web.auth import add_user, read_users

    app = make_app(tmp_path, users)
    with TestClient(app, base_url=BASE) as c:
        assert _login(c, "kari", "riktig-passord").status_code == 303
        copied = c.cookies.get("planner_session")
    kept = {k: v for k, v in read_users(users).items() if k != "kari"}
    users.write_text("".join(f"{k}:{v}\n" for k, v in kept.items()))
    add_user(users, "kari", "riktig-passord")  # the same password, a new salt
    with TestClient(app, base_url=BASE, cookies={"planner_session": copied}) as c:
        assert c.get("/", follow_redirects=False).headers["location"] == "/login"


def test_expired_sessions_are_pruned_at_the_next_login(tmp_path, users):
    app = make_app(tmp_path, users, session_idle_s=600)
    store = app.state.store
    with TestClient(app, base_url=BASE) as c:
        _login(c, "kari", "riktig-passord")
    old = datetime.now(timezone.utc) - timedelta(hours=2)
    with store.engine.begin() as conn:
        conn.execute(sa.text("update sessions set seen = :t, created = :t"), {"t": old})
    with TestClient(app, base_url=BASE) as c:
        _login(c, "ola", "annet-passord")
    assert [s["user"] for s in store.session_list()] == ["ola"]


def test_sessions_are_listed_and_revocable(tmp_path, users):
    from planner.web.auth import add_user

    add_user(users, "kari", "riktig-passord", role="admin")
    app = make_app(tmp_path, users)
    with TestClient(app, base_url=BASE) as kari, TestClient(app, base_url=BASE) as ola:
        assert _login(kari, "kari", "riktig-passord").status_code == 303
        assert _login(ola, "ola", "annet-passord").status_code == 303
        page = kari.get("/okter")
        assert page.status_code == 200 and "ola" in page.text and "kari" in page.text
        key = next(s["key"] for s in app.state.store.session_list() if s["user"] == "ola")
        assert key not in page.text.replace(f'value="{key}"', "")  # only as the form's value
        r = kari.post("/okter/avslutt", data={"csrf_token": token(kari, "/okter"), "key": key},
                      follow_redirects=False)
        assert r.status_code == 303
        assert ola.get("/", follow_redirects=False).headers["location"] == "/login"
        assert kari.get("/").status_code == 200
        bad = kari.post("/okter/avslutt", data={"csrf_token": token(kari, "/okter"), "key": "finnes-ikke"})
        assert bad.status_code == 404


# ------------------------------------------------------------------ roles, settings history, access log

@pytest.fixture
def staff(tmp_path):
    from planner.web.auth import add_user

    path = tmp_path / "staff.txt"
    add_user(path, "per", "admin-passord", role="admin")
    add_user(path, "kari", "riktig-passord")
    return path


SETTINGS = {"kommune": "Testby kommune", "office": "NAV Testby", "landlord_name": "Testby Boligforetak",
            "landlord_account": "1234.56.78903"}


def _settings_form(c, **changes):
    from planner.web.casework import OFFICE_FIELDS

    form = {k: "" for k, _ in OFFICE_FIELDS}
    form.update({k: v for k, v in SETTINGS.items() if k in form}, **changes)
    return {"csrf_token": token(c, "/innstillinger"), **form}


def test_only_an_administrator_changes_the_settings_and_every_change_is_kept(tmp_path, staff):
    app = make_app(tmp_path, staff)
    with TestClient(app, base_url=BASE) as kari, TestClient(app, base_url=BASE) as per:
        _login(kari, "kari", "riktig-passord")
        _login(per, "per", "admin-passord")
        page = kari.get("/innstillinger").text
        assert "Bare en administrator kan endre innstillingene" in page and 'id="save-settings"' not in page
        r = kari.post("/innstillinger", data=_settings_form(kari))
        assert r.status_code == 403 and "Bare en administrator" in r.text
        assert app.state.store.case.office() == {}
        assert per.post("/innstillinger", data=_settings_form(per), follow_redirects=False).status_code == 303
        assert per.post("/innstillinger", data=_settings_form(per, landlord_account="8601.11.17947"),
                        follow_redirects=False).status_code == 303
        changes = app.state.store.case.office_changes()
        assert [c["by"] for c in changes] == ["per", "per"]
        assert changes[0]["fields"] == ["landlord_account"]  # the newest: only the payee account changed
        assert "landlord_account" in changes[1]["fields"] and "kommune" in changes[1]["fields"]
        page = kari.get("/innstillinger").text  # everyone sees the history, in words
        history = page.split('id="settings-history"', 1)[1]
        assert "per: Utleiers kontonummer</li>" in history
        assert kari.get("/okter").status_code == 403
        assert per.get("/okter").status_code == 200


def test_opening_a_case_record_is_logged_and_only_administrators_see_the_log(tmp_path, staff):
    from tests.test_web_security import SCENARIOS

    app = make_app(tmp_path, staff)
    with TestClient(app, base_url=BASE) as kari, TestClient(app, base_url=BASE) as per:
        _login(kari, "kari", "riktig-passord")
        _login(per, "per", "admin-passord")
        kari.post("/import/toml", files=[("files", ("a.toml", (SCENARIOS / "alt-i-orden.toml").read_bytes()))],
                  data={"csrf_token": token(kari, "/import")})
        assert kari.get("/husstand/alt-i-orden/sak").status_code == 200
        assert 'id="access-log"' not in kari.get("/husstand/alt-i-orden/sak").text
        assert kari.get("/husstand/alt-i-orden/sak/innsyn.json").status_code == 200
        log = app.state.store.case.access("alt-i-orden")
        assert [(a["user"], a["what"]) for a in log] == [("kari", "innsyn"), ("kari", "saksopplysninger"),
                                                        ("kari", "saksopplysninger")]
        page = per.get("/husstand/alt-i-orden/sak").text
        assert 'id="access-log"' in page and "kari" in page.split('id="access-log"', 1)[1]
    # kept by the retention rules: gone once older than the retention days
    from datetime import date

    app.state.store.case.sweep(date.today() + timedelta(days=400), retention_days=365, bin_days=30)
    assert app.state.store.case.access("alt-i-orden") == []


def test_a_users_file_role_is_checked():
    import tempfile
    from pathlib import Path

    from planner.web.auth import UsersFileError, read_entries

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "u.txt"
        p.write_text("kari:scrypt$16384$8$1$AAAA$BBBB:sjef\n")
        with pytest.raises(UsersFileError, match="u.txt:1: unknown role 'sjef'"):
            read_entries(p)
        p.write_text("kari:scrypt$16384$8$1$AAAA$BBBB:admin\nola:scrypt$16384$8$1$AAAA$BBBB\n"
                     "siv:scrypt$16384$8$1$AAAA$BBBB:saksbehandler:Bydel Sagene\n")
        assert {n: (r, o) for n, (_, r, o) in read_entries(p).items()} == {
            "kari": ("admin", None), "ola": ("saksbehandler", None), "siv": ("saksbehandler", "Bydel Sagene")}


# ------------------------------------------------------------------ offices

@pytest.fixture
def offices(tmp_path):
    from planner.web.auth import add_user

    path = tmp_path / "offices.txt"
    add_user(path, "siv", "sagene-passord", office="Bydel Sagene")
    add_user(path, "ali", "alna-passord", office="Bydel Alna")
    add_user(path, "per", "admin-passord", role="admin")  # no office: sees every case
    return path


def test_a_case_is_seen_only_by_its_office_unless_shared(tmp_path, offices):
    from tests.test_web_security import SCENARIOS

    app = make_app(tmp_path, offices)
    store = app.state.store
    with TestClient(app, base_url=BASE) as siv, TestClient(app, base_url=BASE) as ali, \
            TestClient(app, base_url=BASE) as per:
        _login(siv, "siv", "sagene-passord")
        _login(ali, "ali", "alna-passord")
        _login(per, "per", "admin-passord")
        r = siv.post("/import/toml", files=[("files", ("a.toml", (SCENARIOS / "alt-i-orden.toml").read_bytes()))],
                     data={"csrf_token": token(siv, "/import")})
        assert r.status_code == 200 and store.get("alt-i-orden").office == "Bydel Sagene"
        assert "alt-i-orden" in siv.get("/").text and "alt-i-orden" not in ali.get("/").text
        assert "alt-i-orden" in per.get("/").text
        for path in ("/husstand/alt-i-orden", "/husstand/alt-i-orden/sak", "/husstand/alt-i-orden/historikk",
                     "/husstand/alt-i-orden/plan.json", "/husstand/alt-i-orden/sak/innsyn.json",
                     "/husstand/alt-i-orden/endre"):
            assert siv.get(path).status_code == 200, path
            assert ali.get(path).status_code == 404, path  # as for an id that does not exist
        assert ali.post("/husstand/alt-i-orden/slett", data={"csrf_token": token(ali, "/")}).status_code == 404
        edit = {"csrf_token": token(ali, "/"), "version": "1", "id": "alt-i-orden", "label": "overtatt"}
        assert ali.post("/husstand/alt-i-orden/endre", data=edit).status_code == 404
        assert store.get("alt-i-orden").label != "overtatt"
        # an import from another office does not replace it
        r = ali.post("/import/toml", files=[("files", ("a.toml", (SCENARIOS / "alt-i-orden.toml").read_bytes()))],
                     data={"csrf_token": token(ali, "/import"), "replace": "1"})
        assert "finnes fra før hos et annet kontor" in r.text and store.get("alt-i-orden").office == "Bydel Sagene"
        assert ali.post("/husstand/alt-i-orden/deling", data={"csrf_token": token(ali, "/"), "shared": "1"}
                        ).status_code == 404
        assert siv.post("/husstand/alt-i-orden/deling", data={"csrf_token": token(siv, "/"), "shared": "1"},
                        follow_redirects=False).status_code == 303
        assert ali.get("/husstand/alt-i-orden").status_code == 200 and "alt-i-orden" in ali.get("/").text
        # shared, but only the case's own office decides the sharing
        r = ali.post("/husstand/alt-i-orden/deling", data={"csrf_token": token(ali, "/"), "shared": "0"})
        assert r.status_code == 403
    # the log holds siv's openings; ali's refused ones opened nothing
    assert sorted(a["what"] for a in store.case.access("alt-i-orden") if a["user"] == "siv") == [
        "innsyn", "saksopplysninger"]
    assert all(a["user"] == "siv" for a in store.case.access("alt-i-orden"))


def test_serve_adds_administrators_and_office_users(tmp_path):
    from click.testing import CliRunner

    from planner.cli import main
    from planner.web.auth import read_entries

    users = tmp_path / "users.txt"
    runner = CliRunner()
    r = runner.invoke(main, ["serve", "--auth", str(users), "--add-user", "per", "--admin"], input="hemmelig1\nhemmelig1\n")
    assert r.exit_code == 0 and "som administrator" in r.output
    r = runner.invoke(main, ["serve", "--auth", str(users), "--add-user", "siv", "--office", "Bydel Sagene"],
                      input="hemmelig1\nhemmelig1\n")
    assert r.exit_code == 0
    assert {n: e[1:] for n, e in read_entries(users).items()} == {
        "per": ("admin", None), "siv": ("saksbehandler", "Bydel Sagene")}
    r = runner.invoke(main, ["serve", "--auth", str(users), "--add-user", "ola", "--office", "a:b"],
                      input="hemmelig1\nhemmelig1\n")
    assert r.exit_code == 2 and "office 'a:b'" in r.output


def test_the_throttle_counts_in_the_database_are_shared_by_every_process(db_url):
    """Two servers on one database (two processes: two engines, two locks) guessing at once:
    the free attempts are checked once in all, not once per process, and what is stored names
    neither the user nor the address."""
    from concurrent.futures import ThreadPoolExecutor

    from planner.web.store import Store
    from planner.web.throttle import DbCounts

    stores = [Store(db_url) for _ in range(6)]
    throttles = [LoginThrottle(5, 20, counts=DbCounts(s.engine, "hemmelig")) for s in stores]
    start = threading.Barrier(6)

    def guesses(t: LoginThrottle) -> list[float]:
        start.wait()  # all six "processes" at the same moment
        return [t.admit("kari", "10.1.2.3") for _ in range(10)]

    with ThreadPoolExecutor(6) as ex:
        waits = [w for ws in ex.map(guesses, throttles) for w in ws]
    assert sum(w == 0 for w in waits) == 5  # kari from this address: 5 free, then backoff
    assert all(w > 0 for w in waits if w != 0)
    with stores[0].engine.connect() as conn:
        rows = conn.execute(sa.text("select key, count from login_attempts")).all()
    assert sorted(c for _, c in rows) == [5, 5, 5]  # pair, address, user: each counted 5 times
    assert not any("kari" in k or "10.1.2.3" in k for k, _ in rows)
    # a success through the other process clears the user's count for both
    throttles[1].succeeded("kari", "10.1.2.3")
    assert throttles[0].admit("kari", "10.9.9.9") == 0
    for s in stores:
        s.engine.dispose()


def test_database_counts_follow_the_same_backoff_as_the_rule(db_url):
    """The counts in the database give the waits of the rule (`Policy`) step by step."""
    from planner.web.store import Store
    from planner.web.throttle import DbCounts, MemoryCounts

    store = Store(db_url)
    now = [1_000_000.0]
    pair = [LoginThrottle(2, 3, counts=c, clock=lambda: now[0])
            for c in (DbCounts(store.engine, "k"), MemoryCounts())]
    for step in range(12):
        name = "a" if step < 8 else "b"
        waits = [t.admit(name, "x") for t in pair]
        assert waits[0] == pytest.approx(waits[1]), step
        if step == 6:
            for t in pair:
                t.succeeded("a", "x")
        now[0] += 1.5
    store.engine.dispose()

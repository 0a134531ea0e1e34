"""`planner serve` as a real server: slow clients cannot hold it (header and body deadlines,
requests counted instead of connections), and several server processes on one PostgreSQL share
sessions and the login throttle through the database (`--workers N`, or two servers started
side by side).

These tests start `planner serve` in subprocesses on free loopback ports."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.serving import serve

ROOT = Path(__file__).resolve().parents[1]


def _partial(base: str, data: bytes) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    s = socket.create_connection((host, int(port)), timeout=30)
    s.sendall(data)
    return s


def _closed_by_server(s: socket.socket) -> bool:
    """True when the server closed the connection (without an answer, or with one)."""
    try:
        while chunk := s.recv(65536):
            if not chunk:
                break
        return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False


def test_slow_headers_neither_refuse_others_nor_stay_open(tmp_path):
    """250 connections that begin a request and never finish its headers (more than the 200
    requests the server answers at once): a real request on a new connection is still answered,
    and the slow ones are closed at the header deadline."""
    with serve(tmp_path, f"sqlite:///{tmp_path / 'web.db'}", "--header-timeout", "3") as (base, log):
        slow = [_partial(base, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ") for _ in range(250)]
        r = httpx.get(base + "/health", timeout=10)
        assert r.status_code == 200 and r.json()["ok"] is True
        for s in slow:
            s.settimeout(20)
        assert all(_closed_by_server(s) for s in slow)
        for s in slow:
            s.close()
        assert httpx.get(base + "/health", timeout=10).status_code == 200
        assert "request headers too slow" in log.read_text()


def test_a_stalled_body_is_cut_off_and_a_slow_moving_one_is_not(tmp_path):
    """The body deadline is for silence, not for the whole upload: a body that stops is closed
    after `--body-timeout`, one that keeps coming (a byte every 0.4 s, 6 s in all, twice the
    deadline) is answered."""
    with serve(tmp_path, f"sqlite:///{tmp_path / 'web.db'}", "--body-timeout", "3") as (base, log):
        head = b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        stalled = _partial(base, head + b"Content-Length: 100\r\n\r\nusername=")
        stalled.settimeout(15)
        moving = _partial(base, head + b"Content-Length: 15\r\n\r\n")
        for byte in b"username=kari&x":
            time.sleep(0.4)
            moving.sendall(bytes([byte]))
        moving.settimeout(15)
        answer = moving.recv(65536)
        assert answer.startswith(b"HTTP/1.1 "), answer[:80]
        assert _closed_by_server(stalled)
        assert "request body too slow" in log.read_text()
        moving.close()
        stalled.close()


def test_too_many_requests_at_once_get_503_with_retry_after():
    """The app answers at most `max_requests` requests at once; the next gets 503 with
    Retry-After at once, and the count goes down as answers go out."""
    import asyncio

    from planner.web.security import ConcurrencyLimit

    gate = asyncio.Event()

    async def slow_app(scope, receive, send):
        await gate.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    limited = ConcurrencyLimit(slow_app, limit=3)

    async def run() -> list[int]:
        transport = httpx.ASGITransport(app=limited)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
            waiting = [asyncio.create_task(c.get("/")) for _ in range(3)]
            await asyncio.sleep(0.05)
            refused = await c.get("/")
            assert refused.status_code == 503 and refused.headers["retry-after"] == "5"
            gate.set()
            codes = [r.status_code for r in await asyncio.gather(*waiting)]
            assert limited.active == 0
            return codes + [(await c.get("/")).status_code]

    assert asyncio.run(run()) == [200, 200, 200, 200]


# ------------------------------------------------------------------ several processes, one database


def _users(tmp: Path) -> Path:
    from planner.web.auth import add_user

    path = tmp / "users.txt"
    add_user(path, "kari", "riktig-passord", role="admin")
    return path


def _csrf(c: httpx.Client, path: str = "/login") -> str:
    page = c.get(path)
    m = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert m, page.text[:300]
    return m.group(1)


def _login(c: httpx.Client, name: str, password: str) -> httpx.Response:
    return c.post("/login", data={"csrf_token": _csrf(c), "username": name, "password": password})


def test_two_server_processes_share_sessions_and_the_throttle(tmp_path, pg_url):
    """Two `planner serve` processes on one PostgreSQL: a session made in one is valid in the
    other, and ended in both by a password change; wrong guesses spread over both are counted
    once (the free five are checked, not five per process)."""
    from planner.web.auth import add_user

    users = _users(tmp_path)
    with serve(tmp_path, pg_url, "--auth", str(users), name="a") as (a, _), \
            serve(tmp_path, pg_url, "--auth", str(users), name="b") as (b, _):
        with httpx.Client(base_url=a) as ca:
            assert _login(ca, "kari", "riktig-passord").status_code == 303
            cookie = ca.cookies.get("planner_session")
            assert ca.get("/").status_code == 200
        with httpx.Client(base_url=b, cookies={"planner_session": cookie}) as cb:
            assert cb.get("/").status_code == 200  # made in a, valid in b
            add_user(users, "kari", "nytt-passord-1")  # what `planner serve --add-user kari` does
            r = cb.get("/", follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"] == "/login"
        with httpx.Client(base_url=a, cookies={"planner_session": cookie}) as ca:
            assert ca.get("/", follow_redirects=False).headers["location"] == "/login"

        clients = [httpx.Client(base_url=base, timeout=60) for base in (a, b) for _ in range(5)]
        tokens = [_csrf(c) for c in clients]

        def guess(i: int) -> int:
            return clients[i].post("/login", data={"csrf_token": tokens[i], "username": "kari",
                                                   "password": f"feil-{i}"}).status_code

        with ThreadPoolExecutor(10) as ex:
            codes = list(ex.map(guess, range(10)))
        assert sorted(codes) == [401] * 5 + [429] * 5, codes  # 5 free for kari from 127.0.0.1, in all
        for c in clients:
            c.close()


def test_workers_option_runs_several_processes_on_postgresql(tmp_path, pg_url):
    """`--workers 2` starts two server processes (the database migrated once before they
    start); every request is answered, whichever process takes it; on SQLite it is refused."""
    users = _users(tmp_path)
    with serve(tmp_path, pg_url, "--auth", str(users), "--workers", "2") as (base, log):
        for _ in range(20):  # a new connection each time: the processes share the socket
            with httpx.Client(base_url=base) as c:
                assert _login(c, "kari", "riktig-passord").status_code == 303
                assert c.get("/").status_code == 200
        text = log.read_text()
        assert "2 server processes" in text
        assert len(set(re.findall(r"Started server process \[(\d+)\]", text))) == 2
    r = subprocess.run([sys.executable, "-m", "planner", "serve", "--workers", "2", "--db",
                        f"sqlite:///{tmp_path / 'x.db'}"], capture_output=True, text=True, cwd=ROOT,
                       env=dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data")))
    assert r.returncode == 2 and "need a PostgreSQL database" in r.stderr and "Traceback" not in r.stderr


def test_servers_starting_at_once_make_one_secret_key(tmp_path, monkeypatch):
    """Processes that start together on one database, without $PLANNER_SECRET_KEY, all end up
    with the one key in the file (else a cookie signed by one is refused by the other)."""
    from planner.web.secret import secret_file, secret_for

    monkeypatch.delenv("PLANNER_SECRET_KEY", raising=False)
    url = f"sqlite:///{tmp_path / 'p.db'}"
    with ThreadPoolExecutor(16) as ex:
        keys = set(ex.map(lambda _: secret_for(url), range(64)))
    assert keys == {secret_file(url).read_text().strip()}
    assert [p.name for p in tmp_path.iterdir()] == ["p.db.secret"]
    assert secret_file(url).stat().st_mode & 0o777 == 0o600


def test_a_job_started_in_one_server_process_shows_its_progress_in_the_other(tmp_path, pg_url):
    """Two `planner serve` processes on one PostgreSQL: a large import posted to one runs as a
    background job; its page, opened through the other, shows its state and progress until it is
    done, and the households it stored are there for both."""
    from test_web_jobs import SCENARIOS, batch_zip  # noqa: F401

    from planner.assessment import plan_explained
    from planner.io.household import read_household

    plan = plan_explained(read_household(SCENARIOS / "alt-i-orden.toml"), time_limit_s=5).to_json()
    users = _users(tmp_path)
    with serve(tmp_path, pg_url, "--auth", str(users), name="a") as (a, _), \
            serve(tmp_path, pg_url, "--auth", str(users), name="b") as (b, _):
        with httpx.Client(base_url=a, timeout=60) as ca:
            assert _login(ca, "kari", "riktig-passord").status_code == 303
            cookie = ca.cookies.get("planner_session")
            r = ca.post("/import/batch", files=[("files", ("batch.zip", batch_zip(plan, 120)))],
                        data={"csrf_token": _csrf(ca, "/import")}, follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"].startswith("/jobber/"), r.text[:500]
            location = r.headers["location"]
        states: list[tuple[str, str]] = []
        with httpx.Client(base_url=b, timeout=60, cookies={"planner_session": cookie}) as cb:
            deadline = time.monotonic() + 300
            while True:
                page = cb.get(location)
                assert page.status_code == 200, page.text[:500]
                state = re.search(r'id="job-state">([^<]+)<', page.text).group(1)
                value = re.search(r'id="job-progress"[^>]*value="(\d+)"', page.text).group(1)
                states.append((state, value))
                if state == "Ferdig":
                    break
                assert state in ("I kø", "Kjører") and time.monotonic() < deadline, states[-3:]
                time.sleep(0.3)
            assert "120 nye" in cb.get(location + "/resultat").text
            assert cb.get("/?q=hh-0119").status_code == 200
        assert states[-1] == ("Ferdig", "121")  # the upload read, then 120 households
        assert any(s == "Kjører" and 0 < int(v) < 121 for s, v in states), states  # seen part-way, from b

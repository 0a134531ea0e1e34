"""Helpers shared by the web benchmarks (bench/load.py, bench/load_latency.py): start
`planner serve` as the administrator would, on a fresh SQLite file or a fresh PostgreSQL
database, wait for its "ready" line, and seed it with households through the import page."""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
#: the line uvicorn prints once the app's start-up (our warm-up included) is done and it listens
READY = re.compile(r"Uvicorn running on")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def database(kind: str) -> Iterator[str]:
    """A fresh database URL: "sqlite" (a temporary file) or "postgresql" (a new database on the
    server `.ci/pg-start` starts, or on $PLANNER_TEST_PG_URL), dropped afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/load.db"
        return
    import sqlalchemy as sa

    admin = os.environ.get("PLANNER_TEST_PG_URL") or subprocess.run(
        [str(ROOT / ".ci" / "pg-start")], check=True, capture_output=True, text=True).stdout.strip()
    name = "planner_load_" + secrets.token_hex(4)
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


class Server:
    """`python -m planner serve` from `repo` (default: this checkout) in a child process."""

    def __init__(self, db_url: str, repo: Path = ROOT, extra: tuple[str, ...] = (), env: dict[str, str] | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, PYTHONPATH=str(repo), PYTHONUNBUFFERED="1", **(env or {}))
        self.log = tempfile.TemporaryFile(mode="w+")
        self.started = time.perf_counter()
        self.proc = subprocess.Popen([sys.executable, "-m", "planner", "serve", "--port", str(self.port),
                                      "--db", db_url, *extra], cwd=repo, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT, text=True)
        self.ready_s = self._wait_ready()

    def _wait_ready(self, timeout: float = 300) -> float:
        while time.perf_counter() - self.started < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"planner serve ended: {self.output()[-2000:]}")
            if READY.search(self.output()):
                return time.perf_counter() - self.started
            time.sleep(0.02)
        raise RuntimeError("planner serve did not say it was ready")

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def csrf(client, path: str = "/import") -> str:
    r = client.get(path)
    r.raise_for_status()
    return re.search(r'name="csrf_token" value="([^"]+)"', r.text).group(1)


def import_toml(client, files: list[tuple[str, bytes]]) -> None:
    r = client.post("/import/toml", data={"csrf_token": csrf(client)},
                    files=[("files", (name, body)) for name, body in files], follow_redirects=True)
    if r.status_code != 200:
        raise RuntimeError(f"import answered {r.status_code}")


def seed_files(copies: int) -> list[tuple[str, bytes]]:
    """Every scenario household `copies` times, each copy under its own id (so each is planned)."""
    out = []
    for path in sorted(SCENARIOS.glob("*.toml")):
        text = path.read_text(encoding="utf-8")
        for i in range(copies):
            hid = f"{path.stem}-{i}" if i else path.stem
            out.append((f"{hid}.toml", re.sub(r'(?m)^id = "[^"]*"', f'id = "{hid}"', text, count=1).encode()))
    return out


#: A made-up office, so letter drafts can be made (a letter names its sender and recipients).
OFFICE = {"kommune": "Testkommune", "office": "Boligkontoret", "address": "Postboks 1; 0001 Testby",
          "place": "Testby", "landlord_name": "Kommunale boliger", "landlord_address": "Postboks 2; 0001 Testby",
          "nav_name": "NAV Testby", "nav_address": "Postboks 3; 0001 Testby", "husbanken_name": "Husbanken",
          "husbanken_address": "Postboks 4; 0001 Testby", "sosialtjenesten_name": "Sosialtjenesten",
          "sosialtjenesten_address": "Postboks 5; 0001 Testby"}


def office_setup(client, hids: list[str]) -> None:
    """The office settings, the caseworker's name and a made-up tenant on each of `hids`."""
    posts = [("/innstillinger", OFFICE), ("/konto", {"name": "Kari Saksbehandler", "title": "Rådgiver"})]
    posts += [(f"/husstand/{hid}/sak", {"name": f"Leietaker {i}", "address": f"Testveien {i}; 0001 Testby"})
              for i, hid in enumerate(hids)]
    for path, values in posts:
        r = client.post(path, data={"csrf_token": csrf(client, path), **values})
        if r.status_code not in (200, 303):
            raise RuntimeError(f"{path} answered {r.status_code}")

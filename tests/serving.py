"""`planner serve` as a real process for the tests that need one (browser, several processes):
started on a free loopback port, waited for until /health answers, and stopped at the end."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.oidc_provider import free_port

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def serve(tmp: Path, db_url: str, *extra: str, name: str = "server", secret: str = "test-secret",
          today: str = "2026-01-01", start_s: float = 120) -> Iterator[tuple[str, Path]]:
    """`planner serve --db DB_URL EXTRA...` until the block ends; yields (base URL, its log).

    The server's today is pinned (PLANNER_TODAY) to the day the tests' households are made for.
    It runs in a session of its own, so stopping it stops its workers too."""
    port = free_port()
    log = tmp / f"{name}.log"
    env = dict(os.environ, PLANNER_SECRET_KEY=secret, XDG_DATA_HOME=str(tmp / "data"), MPLBACKEND="Agg",
               PLANNER_TODAY=today)
    with open(log, "w") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "planner", "serve", "--port", str(port), "--db", db_url,
                                 "--time-limit", "5", *extra], cwd=ROOT, env=env, stdout=fh,
                                stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + start_s
    try:
        while True:
            try:
                urllib.request.urlopen(base + "/health", timeout=2)
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("planner serve did not start:\n" + log.read_text())
                time.sleep(0.1)
        yield base, log
    finally:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()

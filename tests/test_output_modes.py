"""Letters and charts hold a tenant's name, address and money: written 0600 like every other
output, whatever the umask; and `planner serve` says at start which database it uses, without
the password of its URL."""

from __future__ import annotations

import os
import select
import socket
import stat
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from conftest import ROOT, SCENARIOS

from planner.cli import main

SEED = str(SCENARIOS / "enslig-mor-2006.toml")
SENDER = ("--config", str(ROOT / "docs" / "examples" / "letters.toml"), "--date", "2025-12-01")


@pytest.fixture(autouse=True)
def _open_umask():
    """The usual umask 022, which would give 0644 to a file written the plain way."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("suffix", ["md", "docx"])
def test_planner_letter_is_written_0600_and_narrows_an_existing_file(tmp_path, suffix):
    out = tmp_path / f"brev.{suffix}"
    out.write_bytes(b"old")
    os.chmod(out, 0o644)
    res = CliRunner().invoke(main, ["letter", SEED, "--to", "tenant", "--out", str(out), *SENDER])
    assert res.exit_code == 0, res.output
    assert out.read_bytes() != b"old"
    assert _mode(out) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left beside it


def test_plan_letters_are_written_0600_in_a_new_0700_folder(tmp_path):
    folder = tmp_path / "brev"
    res = CliRunner().invoke(main, ["plan", SEED, "--letters", str(folder), "--letter-format", "pdf", *SENDER,
                                    "--as-of", "2025-12-01"])
    assert res.exit_code == 0, res.output
    letters = sorted(folder.iterdir())
    assert len(letters) >= 2  # the seed's plan writes to the tenant and to at least one other party
    assert {p.name: _mode(p) for p in letters} == {p.name: 0o600 for p in letters}
    assert _mode(folder) == 0o700


def test_a_given_letters_folder_keeps_its_mode(tmp_path):
    folder = tmp_path / "delt"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    res = CliRunner().invoke(main, ["plan", SEED, "--letters", str(folder), "--letter-format", "md", *SENDER,
                                    "--as-of", "2025-12-01"])
    assert res.exit_code == 0, res.output
    assert _mode(folder) == 0o755 and all(_mode(p) == 0o600 for p in folder.iterdir())


def test_charts_are_written_0600(tmp_path):
    png, svg = tmp_path / "saldo.png", tmp_path / "plan.svg"
    res = CliRunner().invoke(main, ["check", SEED, "--chart", str(png), "--as-of", "2026-01-01"])
    assert res.exit_code in (0, 1), res.output
    assert png.read_bytes().startswith(b"\x89PNG") and _mode(png) == 0o600
    res = CliRunner().invoke(main, ["plan", SEED, "--chart", str(svg), "--as-of", "2026-01-01"])
    assert res.exit_code == 0, res.output
    assert b"<svg" in svg.read_bytes()[:2000] and _mode(svg) == 0o600


# --------------------------------------------------------------------------- serve's database line

#: `planner serve` with neither the app built nor uvicorn started, so that a URL to a database
#: server that is not there can be given: what is logged before the server starts is shown
_SERVE = """
import sys
import uvicorn
import planner.web.app
uvicorn.run = lambda app, **kw: print("uvicorn.run", kw["host"], kw["port"], file=sys.stderr)
planner.web.app.create_app = lambda *a, **k: object()
from planner.cli import main
main(sys.argv[1:], prog_name="planner")
"""


def _serve(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _SERVE, "serve", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def _database_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "planner.web: database " in line]


def test_serve_logs_a_database_url_without_its_password():
    url = "postgresql+psycopg://planner:Hemmelig-passord1@db.kommune.no:5432/planner"
    done = _serve("--db", url)
    assert done.returncode == 0, done.stderr
    assert done.stderr.index("planner.web: database") < done.stderr.index("uvicorn.run 127.0.0.1 8000")
    assert _database_lines(done.stderr) and "database postgresql+psycopg://planner:***@db.kommune.no:5432/planner" \
        in _database_lines(done.stderr)[0]
    assert "Hemmelig" not in done.stderr + done.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_running_server_shows_its_database_on_stderr(tmp_path):
    """The real thing: the line is on stderr when the server starts (logging is set up before the
    line is written, not only when uvicorn starts), and names the database file."""
    db = tmp_path / "web.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "planner", "serve", "--port", str(_free_port()), "--db",
                             f"sqlite:///{db}"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    try:
        seen: list[str] = []
        deadline = time.monotonic() + 60
        while proc.stderr is not None and (left := deadline - time.monotonic()) > 0:
            if not select.select([proc.stderr], [], [], left)[0]:
                break  # nothing more within the minute (a line never printed must not hang the test)
            line = proc.stderr.readline()
            if not line:
                break
            seen.append(line)
            if "planner.web: database" in line:
                break
        assert any(f"planner.web: database sqlite:///{db}" in s for s in seen), "".join(seen)
    finally:
        proc.terminate()
        proc.wait(timeout=30)

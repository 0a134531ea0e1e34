"""The ledger's outputs: the same bytes as before the speed work (a recorded digest of every
file for the bundled ledger and a generated one), and a full disk under `--out` ends in one line
(no traceback), on the command line and in the web page."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from click.testing import CliRunner

from planner.cli import main

ROOT = Path(__file__).resolve().parent.parent
LEDGER = "tenancy,date,kind,amount\nA1,2026-01-01,charge,9500\nA1,2026-01-02,payment,9500\n"


def cli(*args: str):
    res = CliRunner().invoke(main, list(args))
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert "Traceback" not in res.output
    return res


def _full_disk(monkeypatch) -> None:
    """Every private file the run writes goes to /dev/full: writing it fails with ENOSPC."""
    import planner.io.files as files

    monkeypatch.setattr(files, "private_opener", lambda path, flags: os.open("/dev/full", os.O_WRONLY))


def test_full_disk_under_out_is_one_line(tmp_path: Path, monkeypatch):
    path = tmp_path / "l.csv"
    path.write_text(LEDGER, encoding="utf-8")
    _full_disk(monkeypatch)
    out = tmp_path / "o"
    res = cli("ledger", str(path), "--out", str(out), "--as-of", "2026-03-01")
    assert res.exit_code == 1, res.output
    errors = [ln for ln in res.output.splitlines() if ln.startswith("error")]
    assert len(errors) == 1, res.output
    assert os.strerror(errno.ENOSPC) in errors[0] and str(out) in errors[0], errors
    assert not out.exists()  # what the run made is removed


def test_full_disk_in_the_web_page_is_a_page(tmp_path: Path, monkeypatch):
    from fastapi.testclient import TestClient

    from planner.web.app import create_app

    app = create_app(f"sqlite:///{tmp_path / 'web.db'}", secret="test-secret")
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        token = c.get("/reskontro").text.split('name="csrf_token" value="')[1].split('"')[0]
        _full_disk(monkeypatch)
        res = c.post("/reskontro", data={"csrf_token": token, "as_of": "2026-03-01"},
                     files={"ledger": ("r.csv", LEDGER.encode(), "text/csv")})
    assert res.status_code == 507, res.status_code
    assert "r.csv" in res.text and "skrive" in res.text

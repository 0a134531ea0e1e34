"""Regression tests for the second audit's findings (bad input, personal data, formula cells,
temporary files): each failed before its fix. Every bad input ends in exit status 2 with one
line naming the file, or a 4xx page, never a traceback or HTTP 500."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main

LEDGER = "tenancy,date,kind,amount\nA1,2026-01-01,charge,9500\nA1,2026-01-02,payment,9500\n"


def cli(*args: str):
    res = CliRunner().invoke(main, list(args))
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert "Traceback" not in res.output
    return res


def one_error_line(res, name: str) -> str:
    """The single error line of a refused run, naming `name`."""
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("error") or ln.startswith("Error")]
    assert len(errors) == 1, res.output
    assert name in errors[0], res.output
    return errors[0]


# --------------------------------------------------------------------------- 1. ledger: nothing to judge

@pytest.mark.parametrize("text", ["tenancy,date,kind,amount", "tenancy,date,kind,amount\n",
                                  "tenancy;date;kind;amount\r\n"])
def test_ledger_header_only_exits_2(tmp_path: Path, text: str):
    path = tmp_path / "hode.csv"
    path.write_text(text, encoding="utf-8")
    one_error_line(cli("ledger", str(path), "--out", str(tmp_path / "o"), "--as-of", "2026-03-01"), "hode.csv")
    assert not (tmp_path / "o").exists()


def test_ledger_as_of_before_every_booking_exits_2(tmp_path: Path):
    path = tmp_path / "tidlig.csv"
    path.write_text(LEDGER, encoding="utf-8")
    line = one_error_line(cli("ledger", str(path), "--out", str(tmp_path / "o"), "--as-of", "2025-12-31"),
                          "tidlig.csv")
    assert "2025-12-31" in line
    assert not (tmp_path / "o").exists()


def _web(tmp_path: Path):
    from fastapi.testclient import TestClient

    from planner.web.app import create_app

    app = create_app(f"sqlite:///{tmp_path / 'web.db'}", secret="test-secret")
    return TestClient(app, base_url="http://127.0.0.1:8000")


def _token(c) -> str:
    return c.get("/reskontro").text.split('name="csrf_token" value="')[1].split('"')[0]


def test_web_ledger_header_only_and_early_as_of_are_4xx(tmp_path: Path):
    with _web(tmp_path) as c:
        token = _token(c)
        for body, as_of in ((b"tenancy,date,kind,amount", "2026-03-01"), (b"tenancy,date,kind,amount\n", "2026-03-01"),
                            (LEDGER.encode(), "2025-12-31")):
            res = c.post("/reskontro", data={"csrf_token": token, "as_of": as_of},
                         files={"ledger": ("r.csv", body, "text/csv")})
            assert 400 <= res.status_code < 500, (body, res.status_code)
            assert "r.csv" in res.text

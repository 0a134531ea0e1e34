"""Regression tests for the second audit's findings (bad input, personal data, formula cells,
temporary files): each failed before its fix. Every bad input ends in exit status 2 with one
line naming the file, or a 4xx page, never a traceback or HTTP 500."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from planner.cli import main

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


# --------------------------------------------------------------------------- 2. ledger: one fødselsnummer rule

def _fnr(first9: str) -> str:
    """A valid fødselsnummer (or D-number) from its first nine digits: python-stdnum's check digits."""
    from stdnum.no import fodselsnummer

    c1 = fodselsnummer.calc_check_digit1(first9)
    return first9 + c1 + fodselsnummer.calc_check_digit2(first9 + c1)


def _all_bytes(out: Path) -> bytes:
    import zipfile

    data = b""
    for f in sorted(out.rglob("*")):
        if f.is_file():
            data += f.read_bytes()
            if f.suffix == ".zip":
                with zipfile.ZipFile(f) as z:
                    data += b"".join(z.read(n) for n in z.namelist())
    return data


@pytest.mark.parametrize("pseudonymise", [False, True])
def test_ledger_national_id_as_tenancy_never_reaches_an_output(tmp_path: Path, monkeypatch, pseudonymise: bool):
    monkeypatch.setenv("PLANNER_PSEUDONYM_KEY", "k" * 32)
    fnr, dnr = _fnr("010180123"), _fnr("410180123")
    spellings = [fnr, f"{fnr[:6]}-{fnr[6:]}", f"{fnr[:2]}.{fnr[2:4]}.{fnr[4:6]} {fnr[6:]}", dnr]
    lines = ["tenancy,date,kind,amount"]
    for i, tid in enumerate(["L-1", "12345678901", *spellings]):  # 12345678901: eleven digits, not a fødselsnummer
        for m in range(1, 7):
            lines += [f"{tid},2026-0{m}-01,charge,9500", f"{tid},2026-0{m}-0{2 + i % 5},payment,9500"]
    path = tmp_path / "l.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "o"
    res = cli("ledger", str(path), "--out", str(out), "--as-of", "2026-06-30", *(["--pseudonymise"] if pseudonymise else []))
    assert res.exit_code == 0, res.output
    data = _all_bytes(out)
    for n in (fnr, dnr):
        assert n.encode() not in data and n[6:].encode() not in data
    import csv

    with open(out / "errors.csv", encoding="utf-8", newline="") as fh:
        errs = list(csv.DictReader(fh))
    assert len(errs) == 12 * len(spellings)  # every row of such a tenancy refused, none silently dropped
    with open(out / "tenancies.csv", encoding="utf-8", newline="") as fh:
        assert len(list(csv.DictReader(fh))) == 2  # L-1 and the case number: the one rule, as in batch


# --------------------------------------------------------------------------- 3. formula cells in every CSV

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _formula_cells(folder: Path) -> list[tuple[str, str]]:
    """Cells of every CSV under `folder` that a spreadsheet program would run as a formula."""
    import csv
    import re

    found = []
    for f in sorted(folder.rglob("*.csv")):
        with open(f, encoding="utf-8", newline="") as fh:
            for row in csv.reader(fh):
                found += [(f.name, v) for v in row
                          if v.startswith(_FORMULA) and not re.fullmatch(r"[+-]?[0-9]+(?:[.,][0-9]+)?", v)]
    return found


def test_ledger_csv_outputs_escape_formula_cells(tmp_path: Path):
    evil = ["=HYPERLINK(\"http://x\")", "+A1", "-B2", "@SUM(1)"]
    lines = ["tenancy,date,kind,amount"]
    for tid in ["L-1", *evil]:
        for m in range(1, 7):
            lines += [f"{tid},2026-0{m}-01,charge,9500", f"{tid},2026-0{m}-20,payment,9500"]
    lines += ["=1+1,2026-01-05,charge,9500", "L-1,2026-01-07,charge,=1+2", "L-9,=2+2,charge,100"]
    path = tmp_path / "l.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "o"
    assert cli("ledger", str(path), "--out", str(out), "--as-of", "2026-06-30").exit_code == 0
    assert (out / "months.csv").exists() and (out / "errors.csv").stat().st_size > 100
    assert _formula_cells(out) == []
    import csv

    with open(out / "tenancies.csv", encoding="utf-8", newline="") as fh:
        ids = {r["tenancy"] for r in csv.DictReader(fh)}
    assert {"'" + e for e in evil} <= ids  # escaped, not dropped


# --------------------------------------------------------------------------- 4. unusual values

SCENARIO = str(Path(__file__).resolve().parent.parent / "scenarios" / "aap-drift.toml")
BATCH_IN = str(Path(__file__).resolve().parent.parent / "scenarios" / "batch" / "tenants.csv")


def _commands(tmp_path: Path) -> dict[str, list[str]]:
    ledger = tmp_path / "l.csv"
    ledger.write_text(LEDGER, encoding="utf-8")
    return {
        "check": ["check", SCENARIO],
        "plan": ["plan", SCENARIO],
        "plan-roll": ["plan", SCENARIO, "--roll-forward"],
        "check-roll": ["check", SCENARIO, "--roll-forward"],
        "letter": ["letter", SCENARIO, "--to", "nav"],
        "ledger": ["ledger", str(ledger), "--out", str(tmp_path / "lo")],
        "batch": ["batch", BATCH_IN, "--out", str(tmp_path / "bo"), "--check-only", "--workers", "1"],
        "sweep": ["sweep", "--db", f"sqlite:///{tmp_path / 'w.db'}"],
    }


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1900-01-01", "2101-01-01"])
def test_as_of_at_the_calendars_edge_exits_2(tmp_path: Path, day: str):
    (tmp_path / "w.db").touch()
    for name, args in _commands(tmp_path).items():
        res = cli(*args, "--as-of", day)
        assert res.exit_code == 2, (name, res.output)
        assert day in res.output and "1990" in res.output, (name, res.output)


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "-1", "0"])
def test_time_limits_must_be_finite_and_positive(tmp_path: Path, monkeypatch, value: str):
    import planner.web.server

    monkeypatch.setattr(planner.web.server, "run", lambda *a, **kw: None)  # accepted: the server would start
    serve_limits = (["--time-limit"], ["--request-time-limit"], ["--header-timeout"], ["--body-timeout"])
    for args in (["plan", SCENARIO], ["batch", BATCH_IN, "--out", str(tmp_path / "bo"), "--workers", "1"],
                 ["serve"]):
        for opt in serve_limits if args == ["serve"] else (["--time-limit"],):
            res = cli(*args, *opt, value)
            assert res.exit_code == 2, (args, opt, res.output)
            assert opt[0] in res.output


# --------------------------------------------------------------------------- 5. sweep on a mistyped database

def test_sweep_refuses_a_database_that_does_not_exist(tmp_path: Path):
    for db in (tmp_path / "plannr.db", tmp_path / "no" / "such" / "planner.db"):
        res = cli("sweep", "--db", f"sqlite:///{db}", "--as-of", "2026-03-01")
        assert res.exit_code == 2, res.output
        assert str(db) in res.output
        assert not db.exists()


# --------------------------------------------------------------------------- 6. one strict reader for household documents

HOUSEHOLD_TOML = 'id = "h-{n}"\nstart = 2026-01-01\n[[expense]]\nkind = "husleie"\namount = {amount}\nday = 1\n'


@pytest.mark.parametrize("name,body", [
    ("exp.toml", HOUSEHOLD_TOML.format(n=1, amount="1e5").encode()),
    ("exp.json", b'{"id": "h-2", "start": "2026-01-01", "expense": [{"kind": "husleie", "amount": 1e5, "day": 1}]}'),
    ("dup.json", b'{"id": "h-3", "id": "h-4", "start": "2026-01-01",'
                 b' "expense": [{"kind": "husleie", "amount": 5000, "day": 1}]}'),
])
def test_web_import_refuses_what_planner_check_refuses(tmp_path: Path, name: str, body: bytes):
    from planner.io.errors import InputError
    from planner.io.household import read_household

    path = tmp_path / name
    path.write_bytes(body)
    with pytest.raises(InputError):  # the command line's reader refuses it
        read_household(path)
    with _web(tmp_path) as c:
        token = c.get("/import").text.split('name="csrf_token" value="')[1].split('"')[0]
        res = c.post("/import/toml", files=[("files", (name, body))], data={"csrf_token": token})
        assert res.status_code == 422, res.text[:300]
        assert name in res.text
        assert "h-" not in c.get("/").text.split("<main", 1)[-1]  # nothing stored


# --------------------------------------------------------------------------- 7. temporary files

def _dead_pid() -> int:
    """The id of a process that has ended (a killed run's)."""
    import subprocess
    import sys

    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_ledger_temporaries_are_private_in_the_output_folder_and_stale_ones_removed(tmp_path: Path, monkeypatch):
    import os
    import tempfile

    import planner.ledger.reading as reading

    system_tmp = tmp_path / "systmp"
    system_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    out = tmp_path / "o"
    out.mkdir()
    dead, alive = _dead_pid(), os.getppid()
    stale = [out / f".spool-ledger-{dead}-x1", out / f".ledger-{dead}-y.csv", out / f".tenancies.csv.{dead}.tmp"]
    stale[0].mkdir()
    (stale[0] / "b0000.arrow").write_bytes(b"names")
    for p in stale[1:]:
        p.write_text("names", encoding="utf-8")
    live = out / f".months.csv.{alive}.tmp"  # another process still writing: left alone
    live.write_text("x", encoding="utf-8")
    copies = []
    real = reading.clean_copy

    def spy(*args, **kw):
        path, bad = real(*args, **kw)
        copies.append((path, path.stat().st_mode & 0o777))
        return path, bad

    monkeypatch.setattr(reading, "clean_copy", spy)
    path = tmp_path / "blandet.csv"  # mixed encodings: the reader makes a cleaned copy
    path.write_bytes(LEDGER.encode() + "Å1,2026-01-01,charge,9500\n".encode()
                     + "Ø2,2026-01-01,charge,9500\n".encode("cp1252"))
    assert cli("ledger", str(path), "--out", str(out), "--as-of", "2026-03-01").exit_code == 0
    assert copies and all(p.parent == out and mode == 0o600 for p, mode in copies), copies
    assert list(system_tmp.iterdir()) == []
    assert not any(p.exists() for p in stale)
    assert live.exists()


def test_report_removes_a_killed_runs_temporary_file(tmp_path: Path):
    from planner.web.store import Store

    Store(f"sqlite:///{tmp_path / 'r.db'}")
    stale = tmp_path / f".r.md.{_dead_pid()}.tmp"
    stale.write_text("half a report", encoding="utf-8")
    res = cli("report", "--from", "2026-01-01", "--to", "2026-06-30", "--db", f"sqlite:///{tmp_path / 'r.db'}",
              "--out", str(tmp_path / "r.md"))
    assert res.exit_code == 0, res.output
    assert not stale.exists()


def test_web_ledger_upload_removes_a_killed_requests_copy(tmp_path: Path, monkeypatch):
    import tempfile

    system_tmp = tmp_path / "systmp"
    system_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    stale = system_tmp / f"planner-ledger-{_dead_pid()}-abc"
    stale.mkdir()
    (stale / "ledger.csv").write_text(LEDGER, encoding="utf-8")
    with _web(tmp_path) as c:
        res = c.post("/reskontro", data={"csrf_token": _token(c), "as_of": "2026-03-01"},
                     files={"ledger": ("r.csv", LEDGER.encode(), "text/csv")})
        assert res.status_code == 200
    assert list(system_tmp.iterdir()) == []

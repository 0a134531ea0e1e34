"""Bad input to every command (issue 28): each probe of tests/probes.py through the command as a
caseworker or a script runs it. Every answer is a normal result or a refusal (exit status 2)
whose every line names the file; never a traceback, never exit 3 (a plan that fails its contract
is a planner bug), never a row dropped without an error row.

CI runs a fixed sample; `PLANNER_PROBES=all python -m pytest -n 0 tests/test_probes_cli.py`
runs every probe (docs/development/testing.md)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner
from probes import SCENARIOS, csv_variants, sample, toml_variants

from planner.cli import main

pytestmark = pytest.mark.slow  # CI runs it (.ci/run: every test); the quick local suite leaves it out
SEED = SCENARIOS / "enslig-mor-2006.toml"
TOML = sample(list(toml_variants(SEED)))
LEDGER = sample(list(csv_variants(SCENARIOS / "reskontro.csv")))
TENANTS = sample(list(csv_variants(SCENARIOS / "batch" / "tenants.csv")))
PAYOUTS = sample(list(csv_variants(SCENARIOS / "batch" / "payouts.csv")))
STATEMENT = sample(list(csv_variants(SCENARIOS / "kontoutskrift-sparebank1.csv", "cp1252")))


def run(*args: str, allowed: tuple[int, ...] = (0, 2), names: str | None = None):
    """Run planner with `args`; the answer must be allowed, and a refusal one line naming `names`."""
    res = CliRunner().invoke(main, list(args))
    exc = res.exception
    assert exc is None or isinstance(exc, SystemExit), f"{type(exc).__name__}: {exc}"
    assert "Traceback" not in res.output
    assert res.exit_code in allowed, f"exit {res.exit_code}: {res.output[-600:]}"
    if res.exit_code == 2:  # refused: one line per problem, each naming the file (and where in it)
        errors = [ln for ln in res.output.splitlines() if ln.lower().startswith("error")]
        assert errors, res.output[-600:]
        if names is not None:
            assert all(names in e for e in errors), errors
    return res


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("name, data", TOML, ids=[n for n, _ in TOML])
def test_check_and_entitlement_of_a_broken_household(tmp_path, name, data):
    path = _write(tmp_path, "husstand.toml", data)
    run("check", str(path), "--as-of", "2026-01-01", names="husstand.toml")
    run("entitlement", str(path), "--as-of", "2026-01-01", names="husstand.toml")


PLAN_TOML = TOML[::4]


@pytest.mark.parametrize("name, data", PLAN_TOML, ids=[n for n, _ in PLAN_TOML])
def test_plan_of_a_broken_household(tmp_path, name, data):
    path = _write(tmp_path, "husstand.toml", data)
    run("plan", str(path), "--as-of", "2026-01-01", "--time-limit", "1", allowed=(0, 1, 2), names="husstand.toml")


@pytest.mark.parametrize("name, data", LEDGER, ids=[n for n, _ in LEDGER])
def test_ledger_of_a_broken_file(tmp_path, name, data):
    path = _write(tmp_path, "reskontro.csv", data)
    res = run("ledger", str(path), "--out", str(tmp_path / "ut"), "--as-of", "2026-01-01", names="reskontro.csv")
    if res.exit_code == 0:  # read: every tenancy is in the output, or its rows are in errors.csv
        tenancies = {r[0].strip() for r in csv.reader(data.decode("utf-8", "replace").splitlines()[1:], delimiter=";")
                     if r and r[0].strip()}
        seen = _cells(tmp_path / "ut" / "tenancies.csv") | _cells(tmp_path / "ut" / "errors.csv")
        missing = [t for t in tenancies if t not in seen]
        assert not missing, missing[:5]


def _cells(path: Path) -> set[str]:
    """Every cell of an output CSV, a formula's escape (a leading ') taken off."""
    if not path.exists():
        return set()
    return {c.strip().removeprefix("'") for r in csv.reader(path.read_text(encoding="utf-8").splitlines()) for c in r}


def _batch(tmp_path: Path, tenants: bytes, payouts: bytes):
    t = _write(tmp_path, "tenants.csv", tenants)
    p = _write(tmp_path, "payouts.csv", payouts)
    out = tmp_path / "ut"
    res = run("batch", str(t), str(p), "--out", str(out), "--check-only", "--workers", "1", "--as-of", "2026-01-01")
    if res.exit_code == 0:  # no row lost: each id is a result or an error
        ids = {r[0].strip() for r in csv.reader(tenants.decode("utf-8", "replace").splitlines()[1:]) if r and r[0].strip()}
        seen = _cells(out / "results.csv") | _cells(out / "errors.csv")
        missing = [i for i in ids if i not in seen]
        assert not missing, missing[:5]


@pytest.mark.parametrize("name, data", TENANTS, ids=[n for n, _ in TENANTS])
def test_batch_of_a_broken_tenants_table(tmp_path, name, data):
    _batch(tmp_path, data, (SCENARIOS / "batch" / "payouts.csv").read_bytes())


@pytest.mark.parametrize("name, data", PAYOUTS, ids=[n for n, _ in PAYOUTS])
def test_batch_of_a_broken_payouts_table(tmp_path, name, data):
    _batch(tmp_path, (SCENARIOS / "batch" / "tenants.csv").read_bytes(), data)


@pytest.mark.parametrize("name, data", STATEMENT, ids=[n for n, _ in STATEMENT])
def test_import_statement_of_a_broken_file(tmp_path, name, data):
    path = _write(tmp_path, "konto.csv", data)
    run("import-statement", str(path), "--out", str(tmp_path / "utkast.toml"), names="konto.csv")


OPTIONS = [
    ("check", "--as-of", v) for v in ("31.02.2026", "9999-12-31", "", "nan", "1.1.1", "2026-1-1x", "0001-01-01")
] + [
    ("plan", "--time-limit", v) for v in ("nan", "inf", "-1", "0", "1e9", "abc")
] + [
    ("calendar", None, v) for v in ("abc", "0", "99999", "-1", "1989", "2101", "", "2026.5")
] + [
    ("entitlement", "--as-of", v) for v in ("99.99.9999", "2026-02-29", "1899-12-31")
]


@pytest.mark.parametrize("command, option, value", OPTIONS)
def test_a_bad_option_value_is_refused_in_one_line(command, option, value):
    args = [command] + ([] if option is None else [str(SEED), option]) + [value]
    run(*args, allowed=(0, 2))

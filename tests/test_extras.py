"""The heavy parts installed as extras (pyproject.toml): without them the base commands work, and
a command that needs one ends with one line naming the extra to install and exit status 2.

"Not installed" is simulated in-process by putting None in sys.modules for the package and its
submodules (Python then raises ModuleNotFoundError on import, as for a package never installed),
and in a subprocess by an import hook that refuses them, so the base install's first command
is shown to run with none of the extras importable."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import ROOT, SCENARIOS

from planner.cli import main
from planner.extras import MODULE_EXTRA, MissingExtra, missing_extra


@pytest.fixture
def without(monkeypatch):
    """`without("pyarrow")`: the package and its loaded submodules cannot be imported."""

    def hide(*packages: str) -> None:
        for name in list(sys.modules):
            if name.split(".")[0] in packages:
                monkeypatch.setitem(sys.modules, name, None)
        for name in packages:
            monkeypatch.setitem(sys.modules, name, None)

    return hide


def _one_line_naming(res, extra: str) -> None:
    assert res.exit_code == 2, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1, res.output
    assert lines[0].startswith("error: ") and f"pip install 'planner[{extra}]'" in lines[0], lines[0]
    assert "Traceback" not in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)


def test_ledger_without_pyarrow_names_the_ledger_extra_and_writes_nothing(tmp_path, without):
    without("pyarrow")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["ledger", str(SCENARIOS / "reskontro.csv"), "--out", str(out),
                                    "--as-of", "2026-01-01", "--no-progress"])
    _one_line_naming(res, "ledger")
    assert "pyarrow" in res.output
    assert not out.exists()


def test_pdf_statement_without_pdfplumber_names_the_pdf_extra(tmp_path, without):
    without("pdfplumber", "pdfminer")
    src = tmp_path / "kontoutskrift.pdf"
    src.write_bytes(b"%PDF-1.4\n%%EOF\n")  # the reader stops at the missing library, before parsing
    res = CliRunner().invoke(main, ["import-statement", str(src), "--out", str(tmp_path / "h.toml")])
    _one_line_naming(res, "pdf")
    assert str(src) in res.output  # the file it could not read, like every statement error
    assert not (tmp_path / "h.toml").exists()


def test_postgres_url_without_psycopg_names_the_postgres_extra(tmp_path, without):
    without("psycopg", "psycopg_binary")
    url = "postgresql+psycopg://planner:hemmelig@127.0.0.1:1/planner"
    for args in (["sweep", "--db", url, "--as-of", "2026-01-01"],
                 ["report", "--from", "2026-01-01", "--to", "2026-06-30", "--db", url,
                  "--out", str(tmp_path / "r.md")]):
        res = CliRunner().invoke(main, args)
        _one_line_naming(res, "postgres")
        assert "hemmelig" not in res.output


def test_dask_engine_without_distributed_names_the_dask_extra(tmp_path, without):
    without("distributed", "dask")
    batch = SCENARIOS / "batch"
    res = CliRunner().invoke(main, ["batch", str(batch / "tenants.csv"), str(batch / "payouts.csv"), "--out",
                                    str(tmp_path / "o"), "--engine", "dask", "--scheduler", "tcp://127.0.0.1:1",
                                    "--no-progress"])
    _one_line_naming(res, "dask")


def test_a_missing_module_of_no_extra_is_not_passed_off_as_one():
    assert missing_extra(ModuleNotFoundError("No module named 'numpy'", name="numpy")) is None
    assert missing_extra(ImportError("cannot import name 'x'", name="pyarrow")) is None  # broken, not missing
    found = missing_extra(ModuleNotFoundError("No module named 'pyarrow.csv'", name="pyarrow.csv"))
    assert isinstance(found, MissingExtra) and (found.extra, found.module) == ("ledger", "pyarrow")


def test_missing_extra_survives_a_process_pool():
    import pickle

    back = pickle.loads(pickle.dumps(MissingExtra("pdf", "pdfplumber")))
    assert str(back) == str(MissingExtra("pdf", "pdfplumber")) and back.extra == "pdf"


#: runs the CLI with every extra's packages refused by an import hook, as on a base install
_BASE_INSTALL = """
import sys
from importlib.abc import MetaPathFinder

BLOCKED = set(sys.argv[1].split(","))

class NoExtras(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NoExtras())
from planner.cli import main
main(sys.argv[2:], prog_name="planner")
"""


def test_the_readme_first_command_needs_no_extra():
    """`pip install -e . && planner check scenarios/enslig-mor-2006.toml --as-of 2026-01-01`."""
    blocked = ",".join(MODULE_EXTRA)
    done = subprocess.run([sys.executable, "-c", _BASE_INSTALL, blocked, "check", "scenarios/enslig-mor-2006.toml",
                           "--as-of", "2026-01-01"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "enslig-mor-2006" in done.stdout and "Laveste saldo" in done.stdout
    # and the hook does refuse them: the ledger, in the same conditions, says what to install
    done = subprocess.run([sys.executable, "-c", _BASE_INSTALL, blocked, "ledger", "scenarios/reskontro.csv",
                           "--out", "/nonexistent/never-written", "--no-progress"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: the rent ledger (planner ledger) needs the optional part 'ledger' (pyarrow is not installed): "
        "pip install 'planner[ledger]'"]

"""`planner batch`: tables in, a prioritised list out (issue 4).

Most tests run the batch in this process (engine "inline", check only) so they are fast; the
kill-and-resume test runs the real command with worker processes, and the Dask test a
LocalCluster in this process.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, SCENARIOS

from planner.cli import main

BATCH = SCENARIOS / "batch"
TENANTS_HEADER = "id,start,months,opening_balance,children,rent,rent_day,living_monthly,arrears,arrears_since"
PAYOUTS_HEADER = "household,kind,amount,day,every_days,first,flow"


def run_inline(inputs, out, **kw):
    from planner.batch import BatchOptions, run_batch

    opts = BatchOptions(out=Path(out), engine=kw.pop("engine", "inline"), check_only=kw.pop("check_only", True),
                        progress=False, **kw)
    return run_batch([str(i) for i in inputs], opts, echo=lambda s: None)


def read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def write(path: Path, text: str) -> Path:
    path.write_text(text.strip() + "\n", encoding="utf-8")
    return path


def cli(*args: str):
    res = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert "Traceback" not in res.output
    return res


def _without(rows: list[dict], *cols: str) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in cols} for r in rows]


# --------------------------------------------------------------------------- formats and columns


def test_csv_xlsx_and_norwegian_column_map_give_the_same_results(tmp_path):
    a = run_inline([BATCH / "tenants.csv", BATCH / "payouts.csv"], tmp_path / "a")
    b = run_inline([BATCH / "batch.xlsx"], tmp_path / "b")
    c_res = cli("batch", str(BATCH / "leietakere.csv"), str(BATCH / "utbetalinger.csv"), "--columns",
                str(BATCH / "kolonner.toml"), "--out", str(tmp_path / "c"), "--check-only", "--workers", "1")
    assert c_res.exit_code == 0, c_res.output
    assert "kolonner som ikke brukes: Navn" in c_res.output  # the name column is ignored, and said so
    rows = {k: _without(read_csv(tmp_path / k / "results.csv"), "input_row") for k in "abc"}
    assert len(rows["a"]) == a.rows_in == 5 and a.in_errors == 0 and b.rows_in == 5
    assert rows["a"] == rows["b"] == rows["c"]
    assert {r["id"] for r in rows["a"]} == {f"hh-000{i}" for i in range(1, 6)}
    # the input's names never reach any output
    for f in (tmp_path / "c").rglob("*"):
        if f.is_file() and f.suffix in (".csv", ".txt", ".json", ".jsonl"):
            text = f.read_text(encoding="utf-8")
            assert "Kari" not in text and "Navn" not in text, f
    assert "Kari" not in c_res.output
    # results.xlsx holds the same rows, amounts in kroner
    import pandas as pd

    x = pd.read_excel(tmp_path / "a" / "results.xlsx", dtype=object)
    csv_rows = read_csv(tmp_path / "a" / "results.csv")
    assert list(x["id"]) == [r["id"] for r in csv_rows]
    assert [round(v * 100) for v in x["min_balance_before_kr"]] == [int(r["min_balance_before_ore"]) for r in csv_rows]


def test_results_are_sorted_by_priority_and_show_its_parts(tmp_path):
    run_inline([BATCH / "tenants.csv", BATCH / "payouts.csv"], tmp_path / "o")
    rows = read_csv(tmp_path / "o" / "results.csv")
    prios = [int(r["priority"]) for r in rows]
    assert prios == sorted(prios, reverse=True)
    for r in rows:
        parts = [int(r[k]) for k in ("priority_urgency", "priority_arrears", "priority_children", "priority_levers",
                                     "priority_bostotte")]
        assert min(100, sum(parts)) == int(r["priority"])
    none = next(r for r in rows if r["problem"] == "none")
    # a solvent household ranks only by money it may be owed ("bostøtte ikke søkt?")
    assert int(none["priority"]) == int(none["priority_bostotte"]) and none["status"] == "solvent"
    assert (none["priority_bostotte"] == "10") == (none["bostotte_ikke_sokt"] == "ja")
    summary = (tmp_path / "o" / "summary.txt").read_text(encoding="utf-8")
    # the summary says it as the command and README do: rows in = households planned + in errors
    assert "rader inn: 5 = husstander planlagt 5 + husstander med feil 0" in summary
    assert "husstander etter problem:" in summary and "de 5 første etter prioritet" in summary


def test_priority_formula():
    from planner.batch import priority_parts as parts

    def priority_parts(row: dict) -> dict[str, int]:
        return parts(row, 1_000_000)  # a monthly rent of 10 000 kr

    base = {"problem": "timing", "arrears_ore": 0, "children": 0, "status": "planned",
            "cost": 2, "eviction_request": "", "days_to_request": ""}
    assert priority_parts(base) == {"priority": 15, "priority_urgency": 0, "priority_arrears": 0,
                                    "priority_children": 0, "priority_levers": 15, "priority_bostotte": 0}
    p = priority_parts({**base, "cost": 3, "children": 2, "arrears_ore": 1_500_000, "eviction_request": "2026-01-01",
                        "days_to_request": 0})
    assert p == {"priority": 40 + 13 + 15 + 8, "priority_urgency": 40, "priority_arrears": 13,
                 "priority_children": 15, "priority_levers": 8, "priority_bostotte": 0}
    # a household with no bostøtte whose estimate reaches the minimum: +10, the sum capped at 100
    flagged = {**base, "cost": 1, "children": 4, "arrears_ore": 10**9, "eviction_request": "2026-01-01",
               "days_to_request": 0, "bostotte_ikke_sokt": "ja", "bostotte_estimate_ore": 250_000}
    p = priority_parts(flagged)
    assert p["priority_bostotte"] == 10 and p["priority"] == 100  # 40 + 25 + 20 + 15 + 10 = 110 -> 100
    assert priority_parts({**flagged, "bostotte_ikke_sokt": ""})["priority_bostotte"] == 0
    p = priority_parts({**base, "status": "infeasible", "days_to_request": 365, "eviction_request": "x",
                        "children": 9, "arrears_ore": 10**9})
    assert p["priority_urgency"] == 0 and p["priority_levers"] == 0 and p["priority_children"] == 20
    assert p["priority_arrears"] == 25
    assert priority_parts({**base, "problem": "none", "status": "solvent", "children": 3})["priority"] == 0


def test_a_folder_of_household_files(tmp_path):
    s = run_inline([SCENARIOS], tmp_path / "o")
    ids = {r["id"] for r in read_csv(tmp_path / "o" / "results.csv")}
    expected = {p.stem for p in SCENARIOS.glob("*.toml")}
    assert s.rows_in == len(expected) and ids == expected


# --------------------------------------------------------------------------- bad rows


def _tables(tmp_path: Path, tenants: str, payouts: str) -> tuple[Path, Path]:
    return write(tmp_path / "tenants.csv", tenants), write(tmp_path / "payouts.csv", payouts)


def test_bad_rows_go_to_errors_csv_and_never_stop_the_run(tmp_path):
    t, p = _tables(tmp_path, f"""
{TENANTS_HEADER}
ok-1,2026-01-01,12,5000,1,8000,1,6000,,
bad-date,2026-13-01,12,5000,0,8000,1,6000,,
dup,2026-01-01,12,5000,0,8000,1,6000,,
unknown-kind,2026-01-01,12,5000,0,8000,1,6000,,

dup,2026-01-01,12,5000,0,8000,1,6000,,
ok-2,01.01.2026,12,"5 000,50",2,9000,1,6000,1500,2025-12-01
""", f"""
{PAYOUTS_HEADER}
ok-1,uforetrygd,19000,,,,
ok-1,strom,800,15,,,out
bad-date,sosialhjelp,12000,1,,,
unknown-kind,sosialstonad,9000,5,,,
nobody,bostotte,2000,,,,
ok-2,aap,6000,,14,2026-01-09,
ok-2,barnetrygd,3532,,,,
dup,uforetrygd,19000,,,,
""")
    s = run_inline([t, p], tmp_path / "o")
    errors = read_csv(tmp_path / "o" / "errors.csv")
    results = read_csv(tmp_path / "o" / "results.csv")
    by_household = {}
    for e in errors:
        by_household.setdefault(e["household"], []).append(e)
    # bad date: the tenants row as a spreadsheet counts it (header = row 1), its column and value
    (e,) = by_household["bad-date"]
    assert (e["file"], e["row"], e["column"], e["value"]) == (t.name, "3", "start", "2026-13-01")
    assert "YYYY-MM-DD" in e["reason"]
    # duplicate id: both rows, each naming the other (the blank line 6 still counts as a row)
    dups = by_household["dup"]
    assert sorted(d["row"] for d in dups) == ["4", "7"] and all("duplicate id" in d["reason"] for d in dups)
    assert "row 7" in next(d for d in dups if d["row"] == "4")["reason"]
    # unknown benefit: the payouts row and its kind column
    (e,) = by_household["unknown-kind"]
    assert (e["file"], e["row"], e["column"], e["value"]) == (p.name, "5", "kind", "sosialstonad")
    assert "unknown benefit kind" in e["reason"] and "aap" in e["reason"]
    # a payout for an unknown household
    (e,) = [e for e in errors if e["value"] == "nobody"]
    assert (e["file"], e["row"], e["column"]) == (p.name, "6", "household") and "unknown household" in e["reason"]
    # the rest ran; the count adds up and every household is one row of results.csv
    assert s.rows_in == 6 and s.planned == 2 and s.in_errors == 4 and s.consistent
    assert len(results) == 6
    assert sorted(r["id"] for r in results if r["status"] != "error") == ["ok-1", "ok-2"]
    assert sorted(r["id"] for r in results if r["status"] == "error") == ["bad-date", "dup", "dup", "unknown-kind"]
    ok2 = next(r for r in results if r["id"] == "ok-2")
    assert ok2["arrears_ore"] == "150000" and ok2["eviction_request"]  # Norwegian date and kroner read


def test_missing_column_is_reported_for_every_row(tmp_path):
    t, p = _tables(tmp_path, """
id,months,rent
a,12,8000
b,12,8000
""", f"""
{PAYOUTS_HEADER}
a,uforetrygd,19000,,,,
""")
    s = run_inline([t, p], tmp_path / "o")
    errors = read_csv(tmp_path / "o" / "errors.csv")
    assert [(e["row"], e["column"]) for e in errors] == [("2", "start"), ("3", "start")]
    assert all("no column 'start'" in e["reason"] for e in errors)
    assert s.planned == 0 and s.in_errors == 2
    res = cli("batch", str(t), str(p), "--out", str(tmp_path / "cli"), "--check-only", "--workers", "1")
    assert res.exit_code == 2 and "no household could be read" in res.output


def test_missing_payout_column_stops_only_the_payouts(tmp_path):
    t, p = _tables(tmp_path, f"""
{TENANTS_HEADER}
a,2026-01-01,12,5000,0,8000,1,6000,,
""", """
household,kind
a,uforetrygd
""")
    s = run_inline([t, p], tmp_path / "o")
    errors = read_csv(tmp_path / "o" / "errors.csv")
    assert s.in_errors == 1 and any(e["column"] == "amount" and "no column 'amount'" in e["reason"] for e in errors)


def test_empty_file_exits_2_with_a_clear_message(tmp_path):
    t = tmp_path / "tenants.csv"
    t.write_bytes(b"")
    res = cli("batch", str(t), "--out", str(tmp_path / "o"), "--workers", "1")
    assert res.exit_code == 2
    assert "no household could be read" in res.output
    (e,) = read_csv(tmp_path / "o" / "errors.csv")
    assert e["file"] == t.name and "the file is empty" in e["reason"]
    # a header and no rows is said too
    write(t, TENANTS_HEADER)
    res = cli("batch", str(t), "--out", str(tmp_path / "o2"), "--workers", "1")
    assert res.exit_code == 2
    assert "header but no tenant rows" in read_csv(tmp_path / "o2" / "errors.csv")[0]["reason"]


def test_unreadable_input_exits_2_without_traceback(tmp_path):
    res = cli("batch", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o"))
    assert res.exit_code == 2 and "file not found" in res.output
    odd = write(tmp_path / "x.pdf", "%PDF")
    res = cli("batch", str(odd), "--out", str(tmp_path / "o"))
    assert res.exit_code == 2 and "unknown file type" in res.output
    bad_map = write(tmp_path / "map.toml", "[tenants]\nidd = 'x'")
    res = cli("batch", str(BATCH / "tenants.csv"), "--columns", str(bad_map), "--out", str(tmp_path / "o"))
    assert res.exit_code == 2 and "idd: not one of our columns" in res.output


def test_wrong_sheet_name(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "Ark1"
    wb.active.append(["id", "start", "rent"])
    wb.active.append(["a", "2026-01-01", 8000])
    wb.save(tmp_path / "book.xlsx")
    res = cli("batch", str(tmp_path / "book.xlsx"), "--out", str(tmp_path / "o"), "--workers", "1")
    assert res.exit_code == 2
    (e,) = read_csv(tmp_path / "o" / "errors.csv")
    assert e["column"] == "sheet" and e["value"] == "Ark1" and "no sheet named 'tenants' and 'payouts'" in e["reason"]
    # a tenants sheet with a payouts sheet under another name: not planned without its payouts
    wb.active.title = "tenants"
    ws = wb.create_sheet("Utbetalinger")
    ws.append(["household", "kind", "amount"])
    ws.append(["a", "uforetrygd", 19000])
    wb.save(tmp_path / "book2.xlsx")
    s = run_inline([tmp_path / "book2.xlsx"], tmp_path / "o2")
    assert s.in_errors == 1 and s.planned == 0
    errors = read_csv(tmp_path / "o2" / "errors.csv")
    assert "no sheet named 'payouts'" in errors[0]["reason"] and "Utbetalinger" in errors[0]["reason"]


# --------------------------------------------------------------------------- pseudonyms


def test_pseudonymise_is_stable_keyed_and_leaves_no_id(tmp_path, monkeypatch):
    from planner.batch import KEY_ENV, BatchError, load_key, pseudonym

    key = b"0123456789abcdef-secret"
    inputs = [BATCH / "tenants.csv", BATCH / "payouts.csv"]
    run_inline(inputs, tmp_path / "a", key=key)
    run_inline(inputs, tmp_path / "b", key=key)
    run_inline(inputs, tmp_path / "c", key=b"another key of 16+ bytes")
    a, b, c = (read_csv(tmp_path / k / "results.csv") for k in "abc")
    assert [r["id"] for r in a] == [r["id"] for r in b]  # stable
    assert {r["id"] for r in a} == {pseudonym(key, f"hh-000{i}") for i in range(1, 6)}
    assert not {r["id"] for r in a} & {r["id"] for r in c}  # keyed
    for f in (tmp_path / "a").rglob("*"):
        if f.is_file() and f.suffix in (".csv", ".txt", ".jsonl"):
            assert "hh-000" not in f.read_text(encoding="utf-8"), f
    assert "label" not in a[0]
    # the key comes from the environment or a file, and a short or missing key is refused
    monkeypatch.setenv(KEY_ENV, "k" * 20)
    assert load_key() == b"k" * 20
    (tmp_path / "key").write_text("f" * 32 + "\n")
    assert load_key(tmp_path / "key") == b"f" * 32
    monkeypatch.delenv(KEY_ENV)
    with pytest.raises(BatchError, match=KEY_ENV):
        load_key()
    res = cli("batch", *map(str, inputs), "--out", str(tmp_path / "d"), "--pseudonymise")
    assert res.exit_code == 2 and KEY_ENV in res.output


# --------------------------------------------------------------------------- the eviction date


def test_request_date_is_the_eviction_projections(tmp_path):
    """The batch's fast first-unpaid-rent search gives planner.eviction's request date."""
    sys.path.insert(0, str(ROOT / "bench"))
    from batch import write_tables  # bench/batch.py

    from planner.eviction import project_household
    from planner.io.tables import ColumnMap, Spool, build, discover

    t, p = write_tables(tmp_path / "in", 150, seed=7)
    run_inline([t, p], tmp_path / "o", chunk_size=40)
    got = {r["id"]: r["eviction_request"] for r in read_csv(tmp_path / "o" / "results.csv")}
    spool = Spool(tmp_path / "spool.sqlite")
    spool.load(discover([t, p], ColumnMap()), ColumnMap())
    n = 0
    for chunk in spool.households(50):
        for raw in chunk:
            h, errors = build(raw)
            assert not errors
            want = project_household(h).request_date
            assert got[h.id] == (want.isoformat() if want else ""), h.id
            n += bool(want)
    spool.close()
    assert n > 20  # the mix has many households heading for a request


# --------------------------------------------------------------------------- planning, timeouts, engines


def _small_plan_tables(tmp_path: Path, n: int) -> tuple[Path, Path]:
    """`n` households with a timing problem that the solver plans quickly."""
    tenants = [TENANTS_HEADER]
    payouts = [PAYOUTS_HEADER]
    for i in range(n):
        hid = f"t-{i:03d}"
        tenants.append(f"{hid},2026-01-01,3,{500 + 37 * i},{i % 3},{7000 + 10 * i},1,{4000 + 5 * i},,")
        payouts.append(f"{hid},uforetrygd,{13000 + 11 * i},,,,")
    return _tables(tmp_path, "\n".join(tenants), "\n".join(payouts))


def test_timeout_is_reported_not_lost(tmp_path):
    t, p = _small_plan_tables(tmp_path, 3)
    s = run_inline([t, p], tmp_path / "o", check_only=False, time_limit_s=1e-7)
    rows = read_csv(tmp_path / "o" / "results.csv")
    assert len(rows) == 3 and s.consistent
    assert {r["status"] for r in rows} <= {"timeout", "planned", "solvent", "infeasible"}
    assert any(r["status"] == "timeout" for r in rows)
    assert all("tidsgrensen" in r["note"] for r in rows if r["status"] == "timeout")


@pytest.mark.slow  # a Dask LocalCluster
def test_local_and_dask_engines_agree(tmp_path):
    pytest.importorskip("distributed")
    from distributed import LocalCluster

    inputs = [BATCH / "tenants.csv", BATCH / "payouts.csv"]
    local = run_inline(inputs, tmp_path / "local", engine="local", workers=2, check_only=False)
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        dask = run_inline(inputs, tmp_path / "dask", engine="dask", scheduler=cluster.scheduler_address,
                          check_only=False)
    assert local.by_status == dask.by_status and local.rows_in == dask.rows_in == 5
    assert (tmp_path / "local" / "results.csv").read_bytes() == (tmp_path / "dask" / "results.csv").read_bytes()
    plans = sorted(p.name for p in (tmp_path / "local" / "plans").glob("*.json"))
    assert plans and plans == sorted(p.name for p in (tmp_path / "dask" / "plans").glob("*.json"))
    for name in plans:
        a = json.loads((tmp_path / "local" / "plans" / name).read_text())
        assert a["format"] == "planner.plan/1"
        assert a == json.loads((tmp_path / "dask" / "plans" / name).read_text())


@pytest.mark.slow  # a batch run killed and resumed in subprocesses
def test_a_killed_run_resumes_with_every_household_once(tmp_path):
    t, p = _small_plan_tables(tmp_path, 40)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "planner", "batch", str(t), str(p), "--out", str(out), "--workers", "2",
           "--no-progress", "--as-of", "2026-01-01"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    journal = out / "journal.jsonl"
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            if journal.exists() and journal.read_bytes().count(b"\n") >= 8 and len(list((out / "plans").glob("*.json"))) >= 3:
                break
            assert proc.poll() is None, "the run finished before it could be killed"
            time.sleep(0.05)
        else:
            pytest.fail("no results within 60 s")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the command and its worker processes, mid-run
        proc.wait()
    assert not (out / "results.csv").exists()
    kept = journal.read_bytes().count(b"\n")
    assert 8 <= kept < 40
    again = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    assert again.returncode == 2 and "--resume" in again.stderr  # no silent overwrite
    res = subprocess.run(cmd + ["--resume"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "fortsetter:" in res.stdout and "rader inn: 40 = husstander planlagt 40 + husstander med feil 0" in res.stdout
    rows = read_csv(out / "results.csv")
    ids = [r["id"] for r in rows]
    assert len(ids) == 40 and sorted(ids) == [f"t-{i:03d}" for i in range(40)]
    lines = [json.loads(x) for x in journal.read_text().splitlines()]
    assert sorted(x["id"] for x in lines) == sorted(ids)  # nothing done twice
    for r in rows:
        if r["plan_file"]:
            assert json.loads((out / r["plan_file"]).read_text())["household"] == r["id"]
    assert not list(out.glob(".spool-*")) and not list((out / "plans").glob(".*.tmp"))


# --------------------------------------------------------------------------- review findings


def _scenario_copy(tmp_path: Path, tenant_edits: dict[str, str] = {}, payout_edits: dict[str, str] = {},
                   payouts: bool = True) -> list[Path]:
    """scenarios/batch/tenants.csv (and payouts.csv) copied to tmp_path, whole lines replaced."""
    out = []
    for name, edits in (("tenants.csv", tenant_edits), ("payouts.csv", payout_edits))[: 2 if payouts else 1]:
        lines = (BATCH / name).read_text(encoding="utf-8").splitlines()
        for old, new in edits.items():
            assert old in lines, old
            lines[lines.index(old)] = new
        out.append(write(tmp_path / name, "\n".join(lines)))
    return out


HH4 = "hh-0004,2026-01-01,12,500,0,1,0,8400,1,8000,,,1;5;10;15;20,2,ja,,"


def test_every_bad_row_of_a_household_is_reported(tmp_path):
    """A bad tenants cell, a bad amount and a bad flow in one household: all three rows in errors.csv."""
    t, p = _scenario_copy(tmp_path, {HH4: HH4.replace(",1,0,8400,", ",1,kanskje,8400,")}, {
        "hh-0004,dagpenger,7100,,14,2026-01-09,,,,,": "hh-0004,dagpenger,abc,,14,2026-01-09,,,,,",
        "hh-0004,bostotte,1500,,,,,,,,": "hh-0004,bostotte,1500,,,,,,,,sideways"})
    s = run_inline([t, p], tmp_path / "o")
    errors = [e for e in read_csv(tmp_path / "o" / "errors.csv") if e["household"] == "hh-0004"]
    assert [(e["file"], e["row"], e["column"], e["value"]) for e in errors] == [
        (t.name, "5", "children", "kanskje"), (p.name, "14", "amount", "abc"), (p.name, "15", "flow", "sideways")]
    assert s.in_errors == 1 and s.planned == 4 and s.consistent
    (row,) = [r for r in read_csv(tmp_path / "o" / "results.csv") if r["id"] == "hh-0004"]
    assert row["status"] == "error" and row["note"].startswith("children: ") and "se errors.csv, 3 rader" in row["note"]


def test_a_ragged_row_is_reported_and_the_other_rows_run(tmp_path):
    """A row with more fields than the header: that row in errors.csv (row as a spreadsheet
    counts it), its household in errors, every other row read and numbered as before."""
    t, p = _scenario_copy(tmp_path, {HH4: HH4.replace("1;5;10;15;20", "1,5,10;15;20")},
                          {"hh-0002,lonn,8000,12,,,,,,,": "hh-0002,lonn,8000,12,,,,,,,,x"})
    s = run_inline([t, p], tmp_path / "o")
    errors = read_csv(tmp_path / "o" / "errors.csv")
    assert [(e["file"], e["row"], e["household"]) for e in errors] == [(p.name, "11", "hh-0002"),
                                                                        (t.name, "5", "hh-0004")]
    assert errors[1]["reason"].startswith("row has 19 fields, the header has 17")
    assert errors[0]["reason"].startswith("row has 12 fields, the header has 11")
    assert s.rows_in == 5 and s.in_errors == 2 and s.planned == 3 and s.consistent
    rows = {r["id"]: r for r in read_csv(tmp_path / "o" / "results.csv")}
    assert rows["hh-0005"]["input_row"] == "tenants.csv:6"  # the rows after it keep their numbers
    assert rows["hh-0004"]["status"] == rows["hh-0002"]["status"] == "error"
    # across pandas' chunks too: rows are numbered around the skipped ones
    from planner.io.tables import ColumnMap, Source, read_table

    f = write(tmp_path / "r.csv", "id,start,rent\na,2026-01-01,1\nb,x,1,9\n\nc,2026-01-01,1\nd,1,2,3,4\ne,2026-01-01,1")
    chunks = list(read_table(Source("tenants", f), ColumnMap(), chunk_rows=2))
    got = [(n, i) for c in chunks for n, i in zip(c.rows or [], c.cells["id"])]
    assert got == [(2, "a"), (4, ""), (5, "c"), (7, "e")]
    assert [(r, hid) for c in chunks for r, hid, _ in c.bad] == [(3, "b"), (6, "d")]


def test_a_ragged_payout_row_for_an_unknown_household_is_reported_once(tmp_path):
    t, p = _scenario_copy(tmp_path, {}, {"hh-0002,lonn,8000,12,,,,,,,": "hh-9999,lonn,8000,12,,,,,,,,x"})
    run_inline([t, p], tmp_path / "o")
    (e,) = [e for e in read_csv(tmp_path / "o" / "errors.csv") if e["row"] == "11"]
    assert e["value"] == "hh-9999" and e["reason"].startswith("row has 12 fields")


def test_infeasible_note_says_there_is_no_plan(tmp_path):
    from planner.batch import BatchRow, plan_one
    from planner.io.household import read_household

    h = read_household(SCENARIOS / "lav-inntekt.toml")
    row, text, _ = plan_one(h, BatchRow(seq=1, id=h.id), 10.0, False, "bound")
    assert row.status == "infeasible" and text is not None and json.loads(text)["status"] == "infeasible"
    assert row.note == "ingen plan med tiltakene som er tillatt; mangelen er en øvre grense (uten tiltak)"
    assert "tidsgrensen" not in row.note


def test_the_same_input_gives_the_same_bytes(tmp_path, monkeypatch):
    """Two runs of one input, into two folders: results.csv, results.xlsx, errors.csv,
    summary.txt and every plan byte for byte the same; `input_row` names the file by its base
    name, however the path was typed."""
    t, p = _scenario_copy(tmp_path, {HH4: HH4.replace(",1,0,8400,", ",1,kanskje,8400,")})
    run_inline([t, p], tmp_path / "a", check_only=False)
    time.sleep(2.1)  # a zip timestamp has a resolution of 2 s
    monkeypatch.chdir(tmp_path)
    run_inline([t, p], tmp_path / "b", check_only=False)
    names = ["results.csv", "results.xlsx", "errors.csv", "summary.txt"]
    plans = sorted(f"plans/{f.name}" for f in (tmp_path / "a" / "plans").glob("*.json"))
    assert len(plans) >= 3 and plans == sorted(f"plans/{f.name}" for f in (tmp_path / "b" / "plans").glob("*.json"))
    for name in names + plans:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    rows = read_csv(tmp_path / "a" / "results.csv")
    assert {r["input_row"] for r in rows} == {f"tenants.csv:{k}" for k in range(2, 7)}
    # typed another way (relative, from another working directory): the same input_row
    run_inline([Path("tenants.csv"), Path("payouts.csv")], tmp_path / "c", check_only=False)
    assert [r["input_row"] for r in read_csv(tmp_path / "c" / "results.csv")] == [r["input_row"] for r in rows]
    import zipfile

    with zipfile.ZipFile(tmp_path / "a" / "results.xlsx") as zf:
        # XlsxWriter's fixed member date (31.01.1980 for streamed parts), never the clock
        assert {i.date_time[:2] for i in zf.infolist()} == {(1980, 1)}
        assert b"<dcterms:created xsi:type=\"dcterms:W3CDTF\">1980-01-01T00:00:00Z" in zf.read("docProps/core.xml")


def test_no_payouts_table_is_warned_about(tmp_path):
    (t,) = _scenario_copy(tmp_path, payouts=False)
    res = CliRunner().invoke(main, ["batch", str(t), "--out", str(tmp_path / "o"), "--check-only", "--workers", "1",
                                    "--no-progress"], catch_exceptions=False)
    assert res.exit_code == 0
    assert "advarsel: ingen utbetalingstabell er gitt" in res.stderr and "ingen husstand" in res.stderr
    assert "advarsel: ingen utbetalingstabell er gitt" not in res.stdout
    assert "advarsel: ingen utbetalingstabell er gitt" in (tmp_path / "o" / "summary.txt").read_text(encoding="utf-8")
    # with the payouts table: no warning
    t, p = _scenario_copy(tmp_path)
    res = CliRunner().invoke(main, ["batch", str(t), str(p), "--out", str(tmp_path / "o2"), "--check-only",
                                    "--workers", "1", "--no-progress"], catch_exceptions=False)
    assert res.exit_code == 0 and "warning" not in res.stderr


def test_a_tenant_whose_payouts_were_all_rejected_is_not_planned(tmp_path):
    """hh-0004's payouts under a mistyped id: hh-0004 is in errors (not planned from the rent
    alone), pointing to errors.csv, where the payouts are listed as for an unknown household."""
    t, p = _scenario_copy(tmp_path, {}, {
        "hh-0004,dagpenger,7100,,14,2026-01-09,,,,,": "hh-004,dagpenger,7100,,14,2026-01-09,,,,,",
        "hh-0004,bostotte,1500,,,,,,,,": "hh-004,bostotte,1500,,,,,,,,"})
    s = run_inline([t, p], tmp_path / "o")
    rows = {r["id"]: r for r in read_csv(tmp_path / "o" / "results.csv")}
    assert rows["hh-0004"]["status"] == "error" and "se errors.csv" in rows["hh-0004"]["note"]
    assert "Ingen utbetalinger for denne husstanden" in rows["hh-0004"]["note"]  # the note is read in Norwegian
    assert s.in_errors == 1 and s.planned == 4 and s.payout_orphans == 2
    errors = read_csv(tmp_path / "o" / "errors.csv")
    assert [(e["file"], e["row"], e["value"]) for e in errors] == [
        (t.name, "5", "hh-0004"), (p.name, "14", "hh-004"), (p.name, "15", "hh-004")]
    assert all("unknown household" in e["reason"] for e in errors[1:])
    # a payout row with an error: the household is in errors too (never planned without it)
    t, p = _scenario_copy(tmp_path, {}, {"hh-0004,bostotte,1500,,,,,,,,": "hh-0004,bostotte,-1500,,,,,,,,"})
    run_inline([t, p], tmp_path / "o2")
    rows = {r["id"]: r for r in read_csv(tmp_path / "o2" / "results.csv")}
    assert rows["hh-0004"]["status"] == "error" and "se errors.csv" in rows["hh-0004"]["note"]


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_time_limit_must_be_a_finite_number(tmp_path, value):
    res = cli("batch", str(BATCH / "tenants.csv"), "--out", str(tmp_path / "o"), "--time-limit", value)
    assert res.exit_code == 2 and "--time-limit" in res.output
    assert not (tmp_path / "o").exists()


# --------------------------------------------------------------------------- issue 9: readers that never lose a row


def test_a_ragged_first_row_is_refused_and_does_not_shift_the_columns(tmp_path):
    """An unquoted comma in the first data row: pandas would take an index column and shift
    every column of the file (names as ids); the row is refused like any ragged row."""
    t, p = _scenario_copy(tmp_path, {
        "hh-0001,2026-01-01,12,10500,0,1,2,9500,1,13000,,,1;5;10;15;20;25,3,ja,aap,":
        "hh-0001,2026-01-01,12,10500,0,1,2,9,500,1,13000,,,1;5;10;15;20;25,3,ja,aap,"})
    s = run_inline([t, p], tmp_path / "o")
    rows = {r["id"]: r for r in read_csv(tmp_path / "o" / "results.csv")}
    assert set(rows) == {f"hh-000{i}" for i in range(1, 6)}
    assert rows["hh-0001"]["status"] == "error" and rows["hh-0002"]["start"] == "2026-01-01"
    assert rows["hh-0002"]["input_row"] == "tenants.csv:3"
    (e,) = [e for e in read_csv(tmp_path / "o" / "errors.csv") if e["household"] == "hh-0001"]
    assert e["row"] == "2" and e["reason"].startswith("row has 18 fields, the header has 17")
    assert s.rows_in == 5 and s.in_errors == 1 and s.planned == 4 and s.consistent


def test_a_formula_without_a_saved_value_is_an_error_for_that_cell(tmp_path):
    """openpyxl (like many scripts) writes formulas with no cached result; pandas would read
    the cell as empty and the arrears as 0."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "tenants"
    ws.append(["id", "start", "rent", "arrears", "note"])
    ws.append(["hh-1", "2026-01-01", 5000, "=1500*3", "=1+1"])  # arrears: a formula, no value
    ws.append(["hh-2", "2026-01-01", 5000, 300, "=1+1"])  # an unused column's formula: no matter
    pay = wb.create_sheet("payouts")
    pay.append(["household", "kind", "amount", "day"])
    pay.append(["hh-1", "lonn", 20000, 20])
    pay.append(["hh-2", "lonn", "=10000*2", 20])
    f = tmp_path / "batch.xlsx"
    wb.save(f)
    s = run_inline([f], tmp_path / "o")
    errors = read_csv(tmp_path / "o" / "errors.csv")
    got = sorted((e["file"], e["row"], e["column"], e["household"]) for e in errors)
    assert got == [("batch.xlsx[payouts]", "3", "amount", "hh-2"), ("batch.xlsx[tenants]", "2", "arrears", "hh-1")]
    assert all("formula with no saved value" in e["reason"] for e in errors)
    assert "cell D2" in next(e["reason"] for e in errors if e["column"] == "arrears")
    assert "cell C3" in next(e["reason"] for e in errors if e["column"] == "amount")
    assert s.rows_in == 2 and s.in_errors == 2 and s.consistent


def _descendants(pid: int) -> set[int]:
    """Every live process below `pid` (from /proc: parent ids)."""
    parents: dict[int, int] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            parents[int(d.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    out, todo = set(), [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parents.items() if pp == p]
        out.update(kids)
        todo.extend(kids)
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has exited (init reaps it when it gets to it)


@pytest.mark.slow  # a batch run killed and resumed in subprocesses
def test_killing_the_main_process_ends_its_workers_and_leaves_no_input_copy(tmp_path, request):
    """SIGKILL of the batch's main process alone: the workers, the forkserver and the resource
    tracker exit too, and neither DIR nor the temporary folder keeps a copy of the input."""
    t, p = _small_plan_tables(tmp_path, 40)
    out = tmp_path / "out"
    # the run's TMPDIR holds multiprocessing's socket, whose path must fit in AF_UNIX's 108 bytes:
    # under xdist tmp_path is a folder deeper, so a short folder of its own in the system's
    import shutil
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="planner-kill-"))
    request.addfinalizer(lambda: shutil.rmtree(tmp, ignore_errors=True))
    cmd = [sys.executable, "-m", "planner", "batch", str(t), str(p), "--out", str(out), "--workers", "2",
           "--no-progress", "--as-of", "2026-01-01"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp)}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    journal = out / "journal.jsonl"
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            if journal.exists() and journal.read_bytes().count(b"\n") >= 5:
                break
            assert proc.poll() is None, "the run finished before it could be killed"
            time.sleep(0.05)
        else:
            pytest.fail("no results within 60 s")
        helpers = _descendants(proc.pid)
        assert len(helpers) >= 3  # forkserver, resource tracker, workers
        os.kill(proc.pid, signal.SIGKILL)  # the main process only
        proc.wait()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(_alive(h) for h in helpers):
            time.sleep(0.1)
        assert not [h for h in helpers if _alive(h)], "helpers outlived the main process"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    # the spool was deleted as it was opened (multiprocessing's folder holds only its socket)
    assert [f for f in tmp.rglob("*") if f.is_file()] == []
    left = sorted(f.relative_to(out).as_posix() for f in out.rglob("*"))
    assert not [f for f in left if "spool" in f or f.endswith((".sqlite", ".db"))], left
    rows = (t.read_text().splitlines()[1]).encode()
    assert not [f for f in out.rglob("*") if f.is_file() and rows in f.read_bytes()]
    # and the run resumes
    res = subprocess.run(cmd + ["--resume"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "rader inn: 40 = husstander planlagt 40 + husstander med feil 0" in res.stdout


def test_outputs_are_private(tmp_path):
    """Files 0600 and folders 0700, whatever the umask."""
    old = os.umask(0o022)
    try:
        t, p = _small_plan_tables(tmp_path, 3)
        out = tmp_path / "o"
        run_inline([t, p], out, check_only=False)
    finally:
        os.umask(old)
    import stat

    assert stat.S_IMODE(out.stat().st_mode) == 0o700 and stat.S_IMODE((out / "plans").stat().st_mode) == 0o700
    files = [f for f in out.rglob("*") if f.is_file()]
    assert {f.name for f in files} >= {"results.csv", "results.xlsx", "errors.csv", "summary.txt", "journal.jsonl",
                                       "run.json", ".lock"}
    assert any(f.parent.name == "plans" for f in files)
    assert {f.name: oct(stat.S_IMODE(f.stat().st_mode)) for f in files} == {f.name: "0o600" for f in files}


HOUSEHOLD = 'id = "{hid}"\nstart = 2026-01-01\nmonths = 2\n[[income]]\nkind = "lonn"\namount = 20000\nday = 20\n' \
            '[[expense]]\nkind = "husleie"\namount = 5000\nday = 1\n'


def test_ids_that_differ_only_by_spaces_or_case_are_duplicates(tmp_path):
    """Issue 9, item 1: `"hh-1"` and `" hh-1"` both passed the raw-string check; one vanished and
    plans/hh-1.json held the other's plan, exit 0."""
    folder = tmp_path / "hh"
    folder.mkdir()
    for name, hid in (("a.toml", "hh-1"), ("b.toml", " hh-1"), ("c.toml", "HH-1 "), ("d.toml", "hh-2")):
        (folder / name).write_text(HOUSEHOLD.format(hid=hid))
    out = tmp_path / "o"
    res = cli("batch", str(folder), "--out", str(out), "--workers", "1", "--no-progress")
    assert res.exit_code == 0, res.output
    assert "rader inn: 4 = husstander planlagt 1 + husstander med feil 3" in res.output
    errors = read_csv(out / "errors.csv")
    assert [(e["file"], e["column"]) for e in errors] == [("a.toml", "id"), ("b.toml", "id"), ("c.toml", "id")]
    assert errors[0]["reason"].startswith("duplicate id: also used in b.toml, c.toml;")
    assert not (out / "plans" / "hh-1.json").exists() and (out / "plans" / "hh-2.json").exists()


def test_a_lost_household_makes_the_batch_fail(tmp_path, monkeypatch):
    """rows in != planned + errors (here: a duplicate check that misses, as before the fix)
    is an error exit, not only "MISMATCH" in summary.txt."""
    from planner.io.tables import Spool

    monkeypatch.setattr(Spool, "duplicate_ids", lambda self: {})
    folder = tmp_path / "hh"
    folder.mkdir()
    for name, hid in (("a.toml", "hh-1"), ("b.toml", " hh-1")):
        (folder / name).write_text(HOUSEHOLD.format(hid=hid))
    res = cli("batch", str(folder), "--out", str(tmp_path / "o"), "--workers", "1", "--no-progress", "--check-only")
    assert res.exit_code == 1
    assert "error: rows in (2) differ from households planned (1) + in errors (0): a household was lost" in res.stderr


def test_a_bad_file_in_a_folder_is_an_error_row_and_the_batch_goes_on(tmp_path):
    """Issue 9, item 6: a deeply nested or huge-number file aborted the whole folder batch (and
    --resume crashed the same way); now each is an errors.csv row."""
    folder = tmp_path / "hh"
    folder.mkdir()
    (folder / "deep.toml").write_text('id = "deep"\nlabel = ' + "{a = " * 5000 + "1" + "}" * 5000 + "\n")
    (folder / "arrays.json").write_text('{"id": "arr", "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    (folder / "long.toml").write_text(HOUSEHOLD.format(hid="long") + "opening_balance = " + "9" * 5000 + "\n")
    (folder / "long.json").write_text('{"id": "lj", "months": ' + "1" * 5000 + "}")
    (folder / "ok.toml").write_text(HOUSEHOLD.format(hid="ok"))
    out = tmp_path / "o"
    for extra in ((), ("--resume",)):
        res = cli("batch", str(folder), "--out", str(out), "--workers", "1", "--no-progress", *extra)
        assert res.exit_code == 0, res.output
        assert "rader inn: 5 = husstander planlagt 1 + husstander med feil 4" in res.output
    errors = {e["file"]: e["reason"] for e in read_csv(out / "errors.csv")}
    assert set(errors) == {"deep.toml", "arrays.json", "long.toml", "long.json"}
    assert "nested too deeply" in errors["deep.toml"] and "nested too deeply" in errors["arrays.json"]
    assert "more than 4 300 digits" in errors["long.toml"] and "more than 4 300 digits" in errors["long.json"]


@pytest.mark.parametrize("code", ["ENOSPC", "EROFS"])
def test_disk_full_or_read_only_output_is_one_line_and_resume_continues(tmp_path, monkeypatch, code):
    """Issue 9, item 7: the failed write is named with its folder and cause, exit 1, no
    traceback; after making room, --resume finishes the run with every household once."""
    import errno

    import planner.batch.run as batch  # the run writes the plans

    t, p = _small_plan_tables(tmp_path, 6)
    out = tmp_path / "o"
    real = batch.write_atomic
    calls = []

    def failing(path, text):
        if Path(path).parent.name == "plans":
            calls.append(path)
        if len(calls) == 2 and calls[-1] == path:
            raise OSError(getattr(errno, code), os.strerror(getattr(errno, code)), str(path))
        real(path, text)

    monkeypatch.setattr(batch, "write_atomic", failing)
    res = cli("batch", str(t), str(p), "--out", str(out), "--workers", "1", "--no-progress")
    assert res.exit_code == 1
    (line,) = res.stderr.splitlines()
    assert line.startswith(f"error: cannot write to {out / 'plans'}: {os.strerror(getattr(errno, code))};")
    assert "--resume" in line
    monkeypatch.setattr(batch, "write_atomic", real)
    res = cli("batch", str(t), str(p), "--out", str(out), "--workers", "1", "--no-progress", "--resume")
    assert res.exit_code == 0, res.output
    assert "rader inn: 6 = husstander planlagt 6 + husstander med feil 0" in res.output
    ids = [r["id"] for r in read_csv(out / "results.csv")]
    assert sorted(ids) == [f"t-{i:03d}" for i in range(6)]


def test_one_id_on_every_row_keeps_errors_csv_small(tmp_path):
    """Issue 9, item 8: 4 000 rows with one id made a 332 MB errors.csv (every row named every
    other); now each names the first three others and a count."""
    n = 4000
    t = write(tmp_path / "tenants.csv", "id,start,rent\n" + "\n".join("same,2026-01-01,5000" for _ in range(n)))
    s = run_inline([t], tmp_path / "o")
    assert s.rows_in == n and s.in_errors == n and s.consistent
    errors = [e for e in read_csv(tmp_path / "o" / "errors.csv") if e["reason"].startswith("duplicate id")]
    assert len(errors) == n
    assert errors[0]["reason"].startswith("duplicate id: also used on tenants.csv row 3, tenants.csv row 4,"
                                          " tenants.csv row 5 and 3996 more rows;")
    assert errors[5]["reason"].startswith("duplicate id: also used on tenants.csv row 2, tenants.csv row 3,"
                                          " tenants.csv row 4 and 3996 more rows;")
    assert (tmp_path / "o" / "errors.csv").stat().st_size < 2_000_000


def test_formula_like_text_is_escaped_in_csv_but_kept_in_xlsx(tmp_path):
    """Issue 9, item 18: `=`, `+`, `-`, `@` at the start of a text cell get a leading apostrophe
    in results.csv and errors.csv; plain numbers do not; results.xlsx holds text cells as is."""
    t = write(tmp_path / "tenants.csv", "id,start,rent,label,children\n"
              "hh-1,2026-01-01,5000,=HYPERLINK(\"http://x\"),0\nhh-2,2026-01-01,5000,+1+2,0\n"
              "hh-3,2026-01-01,5000,@SUM(A1),0\nhh-4,2026-01-01,5000,-3+4,=1+1\nhh-5,2026-01-01,5000,sak 5,0\n"
              "hh-6,2026-01-01,5000,x,-2")
    run_inline([t], tmp_path / "o")
    rows = {r["id"]: r for r in read_csv(tmp_path / "o" / "results.csv")}
    assert rows["hh-1"]["label"] == "'=HYPERLINK(\"http://x\")"
    assert rows["hh-2"]["label"] == "'+1+2" and rows["hh-3"]["label"] == "'@SUM(A1)"
    assert rows["hh-5"]["label"] == "sak 5"
    assert int(rows["hh-1"]["min_balance_before_ore"]) < 0  # numbers are numbers
    errors = {e["household"]: e for e in read_csv(tmp_path / "o" / "errors.csv")}
    assert errors["hh-4"]["value"] == "'=1+1" and errors["hh-6"]["value"] == "-2"
    import openpyxl

    ws = openpyxl.load_workbook(tmp_path / "o" / "results.xlsx").active
    labels = [c.value for c in next(ws.iter_cols(min_col=2, max_col=2))]
    assert "=HYPERLINK(\"http://x\")" in labels and all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_errors_csv_names_inputs_relative_to_the_arguments(tmp_path, monkeypatch):
    """Issue 9, item 20: the same input typed as an absolute or a relative path gives the same
    errors.csv, and no absolute path."""
    t, p = _scenario_copy(tmp_path, {HH4: HH4.replace(",1,0,8400,", ",1,kanskje,8400,")})
    run_inline([t.resolve(), p.resolve()], tmp_path / "abs")
    monkeypatch.chdir(tmp_path)
    run_inline([Path("tenants.csv"), Path("payouts.csv")], Path("rel"))
    a = (tmp_path / "abs" / "errors.csv").read_bytes()
    assert a == (tmp_path / "rel" / "errors.csv").read_bytes()
    assert str(tmp_path).encode() not in a and b"tenants.csv,5,children" in a


def test_time_limit_is_part_of_the_resume_fingerprint(tmp_path):
    t, p = _small_plan_tables(tmp_path, 2)
    out = tmp_path / "o"
    res = cli("batch", str(t), str(p), "--out", str(out), "--workers", "1", "--no-progress", "--time-limit", "10")
    assert res.exit_code == 0, res.output
    res = cli("batch", str(t), str(p), "--out", str(out), "--workers", "1", "--no-progress", "--time-limit", "5",
              "--resume")
    assert res.exit_code == 2 and "(--time-limit)" in res.stderr


def test_plans_do_not_depend_on_the_machines_speed(monkeypatch):
    """Issue 9, item 20: the solver's limit is CP-SAT's deterministic work limit; the wall clock
    is only a safety net, and a solve it stops is a timeout, never a different plan."""
    import planner.solver as solver
    from planner.io.household import read_household
    from planner.solver import phases

    s = phases.new_solver(3.0)
    assert s.parameters.max_deterministic_time == 3.0
    assert s.parameters.max_time_in_seconds == 3.0 * phases.WALL_FACTOR >= 60
    h = read_household(SCENARIOS / "aap-drift.toml")
    first = solver.plan(h).to_json()
    assert solver.plan(h).to_json() == first
    # a machine so slow that the wall clock stops every solve before its work limit
    monkeypatch.setattr(phases, "WALL_FACTOR", 1e-9)
    with pytest.raises(solver.SolverTimeout, match="too busy"):
        solver.plan(h)


def test_results_xlsx_writer_reads_back(tmp_path):
    """planner/io/xlsx.py (XlsxWriter, constant-memory mode): types, the money format, the frozen
    filtered header, a private file, and no spill file left in the folder."""
    import openpyxl

    from planner.io.xlsx import write_xlsx

    path = tmp_path / "results.xlsx"
    rows = [["hh-1", 12, 1234.5, "", True], ["=1+1", -3, -0.01, None, False], ["sak æøå", 0, 0.0, "x", None]]
    assert write_xlsx(path, ["id", "n", "amount_kr", "note", "flag"], iter(rows), money_columns=[2]) == 3
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.xlsx"]
    ws = openpyxl.load_workbook(path).active
    got = [[c.value for c in r] for r in ws.iter_rows()]
    assert got[0] == ["id", "n", "amount_kr", "note", "flag"]
    assert got[1:] == [["hh-1", 12, 1234.5, None, True], ["=1+1", -3, -0.01, None, False], ["sak æøå", 0, 0, "x", None]]
    assert ws["C2"].number_format == "#,##0.00" and ws["B2"].number_format == "General"
    assert ws["A2"].data_type == "s" and ws["A3"].data_type == "s"  # text that looks like a formula stays text
    assert ws.freeze_panes == "B2" and ws.auto_filter.ref == "A1:E4" and ws["A1"].font.b


def test_xlsx_written_aside_is_the_same_file(tmp_path):
    """The batch writes results.xlsx in a child process fed through a pipe: the same bytes as
    writing it here, over several batches of rows, 0600, nothing else left in the folder."""
    from planner.io.xlsx import write_xlsx, write_xlsx_aside

    rows = [[f"hh-{i}", i, i * 1.25 - 300, "" if i % 3 else "x", i % 2 == 0] for i in range(2_345)]
    header = ["id", "n", "amount_kr", "note", "flag"]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert write_xlsx(tmp_path / "a" / "r.xlsx", header, iter(rows), money_columns=[2]) == 2_345
    assert write_xlsx_aside(tmp_path / "b" / "r.xlsx", header, iter(rows), money_columns=[2], batch=1000) == 2_345
    assert (tmp_path / "a" / "r.xlsx").read_bytes() == (tmp_path / "b" / "r.xlsx").read_bytes()
    assert os.stat(tmp_path / "b" / "r.xlsx").st_mode & 0o777 == 0o600
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["r.xlsx"]


def test_xlsx_written_aside_reports_the_childs_failure(tmp_path):
    """A sheet the child cannot write is an OSError here, with the path in its message, and no
    partial copy of the rows is left; a failure while making the rows stops the child."""
    from planner.io.xlsx import write_xlsx_aside

    missing = tmp_path / "no-such-folder" / "r.xlsx"
    with pytest.raises(OSError, match="no-such-folder"):
        write_xlsx_aside(missing, ["id"], iter([["a"]] * 5000), batch=10)

    def broken():
        yield ["a"]
        raise ValueError("bad row")

    with pytest.raises(ValueError, match="bad row"):
        write_xlsx_aside(tmp_path / "r.xlsx", ["id"], broken())
    assert list(tmp_path.iterdir()) == []


def test_xlsx_written_aside_keeps_upstream_errors_and_cleans_up_after_a_killed_child(tmp_path):
    """A BrokenPipeError while making the rows (results.csv on a closed pipe) is that error,
    not the child's; a child killed mid-sheet is an OSError, and its temporary file and spill
    folder (the rows in plain text) are removed; a sheet that cannot take its place leaves no
    temporary copy, and the error keeps its type."""
    import multiprocessing
    import signal

    from planner.io.xlsx import write_xlsx, write_xlsx_aside

    def closed_pipe():
        for i in range(2_500):
            yield [f"personal-{i}"]
        raise BrokenPipeError(32, "Broken pipe")

    with pytest.raises(BrokenPipeError):
        write_xlsx_aside(tmp_path / "r.xlsx", ["id"], closed_pipe(), batch=100)
    assert list(tmp_path.iterdir()) == []

    def killing():
        for i in range(20_000):
            if i == 5_000:
                for p in multiprocessing.active_children():
                    if p.name == "planner-xlsx":
                        os.kill(p.pid, signal.SIGKILL)
                        p.join()
            yield [f"personal-{i}", i]

    with pytest.raises(OSError, match="ended unexpectedly"):
        write_xlsx_aside(tmp_path / "r.xlsx", ["id", "n"], killing(), batch=100)
    assert list(tmp_path.iterdir()) == []

    (tmp_path / "d.xlsx").mkdir()  # the sheet's place is taken by a folder
    for write in (write_xlsx, write_xlsx_aside):
        with pytest.raises(IsADirectoryError):
            write(tmp_path / "d.xlsx", ["id"], iter([["a"]]))
        assert sorted(p.name for p in tmp_path.iterdir()) == ["d.xlsx"], write


def test_household_documents_of_a_planned_run_are_private(tmp_path):
    """households/ID.json holds a household's figures for the web import: the folder is 0700
    whatever the umask, like DIR and plans/, and each file 0600."""
    from datetime import date

    old = os.umask(0)
    try:
        run_inline([BATCH / "tenants.csv", BATCH / "payouts.csv"], tmp_path / "o", check_only=False,
                   as_of=date(2026, 1, 1))
    finally:
        os.umask(old)
    folder = tmp_path / "o" / "households"
    assert os.stat(folder).st_mode & 0o777 == 0o700
    files = list(folder.glob("*.json"))
    assert files and all(os.stat(f).st_mode & 0o777 == 0o600 for f in files)


def test_on_time_plans_for_payouts_on_their_days(tmp_path):
    """`planner batch --on-time`, as `planner plan --on-time`: plans for payouts on their days
    only; by default a plan holds when AAP (late_days 3) comes late. hh-0001 gets AAP."""
    from datetime import date

    for on_time in (False, True):
        run_inline([BATCH / "tenants.csv", BATCH / "payouts.csv"], tmp_path / str(on_time), check_only=False,
                   as_of=date(2026, 1, 1), on_time=on_time)
    plain = json.loads((tmp_path / "False" / "plans" / "hh-0001.json").read_text(encoding="utf-8"))
    on_time = json.loads((tmp_path / "True" / "plans" / "hh-0001.json").read_text(encoding="utf-8"))
    aap = [s for s in plain["streams"] if s["stream"] == "aap"]
    assert aap and aap[0]["late_days"] == 3 and plain["robust"] is True
    assert all(s["late_days"] == 0 for s in on_time["streams"]) and on_time["robust"] is False


def test_resume_with_another_as_of_date_is_refused_with_the_date_to_give(tmp_path):
    """A resumed run plans with its own as-of date (lead times count from it): a run resumed
    the next day without --as-of would mix two dates, so it is refused and told the date."""
    from datetime import date

    from planner.batch import BatchError

    run_inline([BATCH / "tenants.csv", BATCH / "payouts.csv"], tmp_path / "o", as_of=date(2026, 1, 1))
    with pytest.raises(BatchError, match=r"\(--as-of\); to continue it, give the options it was made with: "
                                         r"--as-of 2026-01-01$"):
        run_inline([BATCH / "tenants.csv", BATCH / "payouts.csv"], tmp_path / "o", as_of=date(2026, 1, 2),
                   resume=True)
    run_inline([BATCH / "tenants.csv", BATCH / "payouts.csv"], tmp_path / "o", as_of=date(2026, 1, 1), resume=True)
    with pytest.raises(BatchError, match=r"\(--on-time\); to continue it, give the options it was made with: "
                                         r"--as-of 2026-01-01$"):
        run_inline([BATCH / "tenants.csv", BATCH / "payouts.csv"], tmp_path / "o", as_of=date(2026, 1, 1),
                   resume=True, on_time=True)
    with pytest.raises(BatchError, match=r"\(--same-day-credit\); give another --out folder"):
        run_inline([BATCH / "tenants.csv", BATCH / "payouts.csv"], tmp_path / "o", as_of=date(2026, 1, 1),
                   resume=True, same_day_credit=True)


def test_xlsx_is_written_here_when_a_child_could_not_start(tmp_path, monkeypatch):
    """Code run from standard input cannot be imported again by a new process: the sheet is
    then written in this process, the same bytes, no child started."""
    import multiprocessing
    import sys

    from planner.io.xlsx import write_xlsx, write_xlsx_aside

    rows = [[f"hh-{i}", i] for i in range(50)]
    write_xlsx(tmp_path / "a.xlsx", ["id", "n"], iter(rows))
    monkeypatch.setattr(sys.modules["__main__"], "__file__", "<stdin>", raising=False)
    monkeypatch.setattr(sys.modules["__main__"], "__spec__", None, raising=False)
    started = []
    monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", lambda self: started.append(self))
    assert write_xlsx_aside(tmp_path / "b.xlsx", ["id", "n"], iter(rows)) == 50
    assert not started and (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_outputs_that_cannot_be_written_leave_no_temporary_copies(tmp_path):
    """results.xlsx cannot take its place (a folder is there): the run fails on that, and
    neither results.csv's nor the sheet's temporary file is left (they hold every row)."""
    out = tmp_path / "o"
    (out / "results.xlsx").mkdir(parents=True)
    with pytest.raises(IsADirectoryError):
        run_inline([BATCH / "tenants.csv", BATCH / "payouts.csv"], out)
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp") or ".spill-" in p.name]
    assert not (out / "results.csv").exists()


@pytest.mark.parametrize("taken", ["results.xlsx", "results.csv"])
def test_a_folder_in_an_outputs_place_is_named(tmp_path, taken):
    """One line naming the output a folder is in the way of, exit status 1, no traceback."""
    out = tmp_path / "o"
    (out / taken).mkdir(parents=True)
    r = CliRunner().invoke(main, ["batch", str(BATCH / "tenants.csv"), str(BATCH / "payouts.csv"), "--out", str(out),
                                  "--check-only", "--no-progress", "--as-of", "2026-01-01"])
    assert r.exit_code == 1
    assert f"cannot write {out / taken}: a folder of that name is in its place" in r.output
    assert "Traceback" not in r.output

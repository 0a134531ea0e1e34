"""The half-year report (issue 17): every figure against an independent count of a generated
caseload with a known truth, small cells suppressed, the same bytes in every run, the batch
reader, and the command's bad input."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from halfyear_gen import ADDRESS, LEVERS, NAME, PERIOD, PREVIOUS, case_of, effective, truth, write_batch, write_db
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import examples

from planner.halfyear import Caseload, Period, build_report, render
from planner.halfyear.batchsource import ReportInputError, read_batch
from planner.halfyear.dbsource import read_db
from planner.halfyear.tables import HIDDEN, MIN_COUNT, SECONDARY, TOTAL, StatTable, Table, suppress

ROOT = Path(__file__).resolve().parent.parent
P = Period(*PERIOD)


def in_p(d, p=PERIOD) -> bool:
    return d is not None and p[0] <= d <= p[1]


def active(t: dict, opened_key: str = "opened") -> bool:
    o = t[opened_key]
    return o <= PERIOD[1] and (t.get("closed") is None or t["closed"] >= PERIOD[0])


@pytest.fixture(scope="module")
def truths() -> list[dict]:
    return truth()


@pytest.fixture(scope="module")
def db_url(truths, tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'planner.db'}"
    write_db(truths, url)
    return url


@pytest.fixture(scope="module", params=["cases", "db"])
def report(request, truths):
    """The report of the generated caseload, once from the cases directly and once through the
    web page's database (`--db`): every figure test below runs on both."""
    cl = Caseload()
    if request.param == "cases":
        cl.add([case_of(t) for t in truths], "generert")
    else:
        cases, line = read_db(request.getfixturevalue("db_url"))
        cl.add(cases, line)
    return build_report(cl, P)


def table(report, key: str, title: str) -> Table | StatTable:
    fig = next(f for f in report.figures if f.key == key)
    return next(t for t in fig.tables if t.title == title)


def raw(report, key: str, title: str) -> dict[str, list[int]]:
    return {label: vals for label, vals in table(report, key, title).rows}


def stat(report, key: str, title: str, label: str) -> list[str]:
    _, rows = table(report, key, title).grid()
    return [c.text for lab, cells in rows if lab == label for c in cells]


def kr(ore: int) -> str:
    return f"{(ore + 50) // 100:,} kr".replace(",", " ")


def med2(values) -> int:
    return int(statistics.median(values) * 2)


# --------------------------------------------------------------------------- suppression


def test_suppression_by_hand():
    # row 0: 3 is small; its row total is shown, so the smallest other (10) goes too; column 0
    # then has 3 alone hidden -> 8 goes; row 1 then has 8 alone -> 9 goes.
    assert suppress([[3, 10, 12], [8, 9, 20]], True, True) == [
        [True, True, False, False], [True, True, False, False], [False, False, False, False]]
    assert suppress([[7], [3], [9]], False, True) == [[True], [True], [False], [False]]
    assert suppress([[12, 9], [30, 8]], True, True) == [[False] * 3] * 3  # nothing small: nothing hidden
    assert suppress([[2]], True, False) == [[True, True]]  # a total equal to its only part goes with it


@settings(max_examples=examples(300), deadline=None)
@given(st.integers(1, 5).flatmap(lambda r: st.integers(1, 4).flatmap(
    lambda c: st.lists(st.lists(st.integers(0, 40), min_size=c, max_size=c), min_size=r, max_size=r))),
       st.booleans(), st.booleans())
def test_suppression_rule(values, row_total, col_total):
    hidden = suppress(values, row_total, col_total)
    full = [list(r) + ([sum(r)] if row_total else []) for r in values]
    if col_total:
        full.append([sum(r[j] for r in full) for j in range(len(full[0]))])
    # every count under five is hidden
    for r, h in zip(full, hidden):
        for v, x in zip(r, h):
            if v < MIN_COUNT:
                assert x
    # in every sum relation shown, never exactly one value hidden (no subtraction reveals it)
    n_rows, n_cols = len(full), len(full[0])
    if row_total:
        for i in range(n_rows):
            assert sum(hidden[i]) != 1
    if col_total:
        for j in range(n_cols):
            assert sum(hidden[i][j] for i in range(n_rows)) != 1
    # a table without totals hides only the small cells
    if not row_total and not col_total:
        assert hidden == [[v < MIN_COUNT for v in r] for r in full]


def test_grids_never_show_a_small_count(report):
    for fig in report.figures:
        for t in fig.tables:
            columns, rows = t.grid()
            if isinstance(t, Table):
                raw_full = [list(v) + ([sum(v)] if t.row_total else []) for _, v in t.rows]
                if t.col_total:
                    raw_full.append([sum(col) for col in zip(*raw_full)])
                for (label, cells), raw_row in zip(rows, raw_full):
                    for c, v in zip(cells, raw_row):
                        assert c.hidden or c.value >= MIN_COUNT, (fig.key, t.title, label)
                        # "< 5" exactly on the hidden small counts; ":" on the hidden others
                        assert (c.text == HIDDEN) == (c.hidden and v < MIN_COUNT), (fig.key, t.title, label, v)
                        assert (c.text == SECONDARY) == (c.hidden and v >= MIN_COUNT), (fig.key, t.title, label, v)
            else:
                for (label, cells), r in zip(rows, t.rows):
                    assert all(c.hidden for c in cells) == (r.n < MIN_COUNT), (fig.key, label)


# --------------------------------------------------------------------------- every figure


def test_offices(report, truths):
    opened, closed, open_ = Counter(), Counter(), Counter()
    for t in truths:
        o = t["office"] or "Ikke oppgitt"
        opened[o] += in_p(t["opened"])
        closed[o] += in_p(t["closed"])
        open_[o] += t["opened"] <= PERIOD[1] and (t["closed"] is None or t["closed"] > PERIOD[1])
    got = raw(report, "kontor", "Saker")
    expect = {o: [opened[o], closed[o], open_[o]] for o in opened}
    assert got == {o: v for o, v in expect.items() if any(v)}  # an office with nothing to count is left out
    _, rows = table(report, "kontor", "Saker").grid()
    shown = dict(rows)
    assert [c.text for c in shown["Bydel Frogner"]] == [HIDDEN] * 3  # three cases in all
    assert shown[TOTAL][0].text == str(sum(opened.values())).replace("000", " 000")


def test_arrears(report, truths):
    group = [t["arrears_ore"] for t in truths if in_p(t["opened"])]
    bins = Counter()
    for a in group:
        bins[("0 kr" if a == 0 else "1–4 999 kr" if a < 500_000 else "5 000–9 999 kr" if a < 1_000_000 else
              "10 000–19 999 kr" if a < 2_000_000 else "20 000–39 999 kr" if a < 4_000_000 else "40 000 kr og mer")] += 1
    assert {k: v[0] for k, v in raw(report, "restanse", "Fordeling").items()} == {
        k: bins[k] for k in raw(report, "restanse", "Fordeling")}
    assert sum(bins.values()) == len(group)
    mean = (2 * sum(group) + len(group)) // (2 * len(group))
    assert stat(report, "restanse", "Restanse per sak", "Restanse ved åpning") == [
        str(len(group)), kr(mean), kr(med2(group) // 2)]


def test_problem_status(report, truths):
    group = [t for t in truths if active(t)]
    probs = Counter(t["problem"] for t in group)
    assert raw(report, "problem", "Problem") == {"Ingen": [probs["none"]], "Tidspunkt": [probs["timing"]],
                                                 "Inntekt": [probs["income"]]}
    assert sum(probs.values()) == len(group) == report.cases
    cnt = Counter((t["problem"], "no_plan" if t["status"] == "infeasible" else t["status"]) for t in group)
    assert raw(report, "problem", "Status for saker med problem") == {
        "Tidspunkt": [cnt[("timing", "planned")], cnt[("timing", "no_plan")]],
        "Inntekt": [cnt[("income", "planned")], cnt[("income", "no_plan")]]}
    assert cnt[("none", "planned")] == cnt[("none", "no_plan")] == 0  # the generator's rule: none is solvent


def test_interventions(report, truths):
    group = [t for t in truths if active(t)]
    levers: dict[str, Counter] = {}
    actors: dict[str, Counter] = {}
    for t in group:
        seen_l, seen_a = set(), set()
        for i in t["interventions"]:
            cols = ["proposed"] + (["agreed"] if i["state"] in ("agreed", "in_effect") else []) \
                + (["in_effect"] if i["state"] == "in_effect" else []) + (["refused"] if i["state"] == "refused" else [])
            for c in cols:
                seen_l.add((i["lever"], c))
                for a in i["actors"]:
                    seen_a.add((a, c))
        for lev, c in seen_l:
            levers.setdefault(lev, Counter())[c] += 1
        for a, c in seen_a:
            actors.setdefault(a, Counter())[c] += 1
    from planner.halfyear.model import ACTOR_NB, LEVER_NB

    states = ("proposed", "agreed", "in_effect", "refused")
    assert raw(report, "tiltak", "Etter tiltak") == {LEVER_NB[k]: [v[s] for s in states] for k, v in levers.items()}
    assert raw(report, "tiltak", "Etter aktør") == {ACTOR_NB[k]: [v[s] for s in states] for k, v in actors.items()}
    assert set(levers) <= set(LEVERS)


def test_outcomes_and_times(report, truths):
    from planner.halfyear.model import OUTCOME_NB

    cnt = Counter(t["outcome"] for t in truths if t["outcome"] and in_p(t["outcome_date"]))
    assert raw(report, "utfall", "Utfall") == {OUTCOME_NB[o]: [cnt[o]] for o in OUTCOME_NB}
    contact = [(t["first_contact"] - t["list_date"]).days for t in truths if in_p(t["first_contact"])]
    solved = [(t["outcome_date"] - t["list_date"]).days for t in truths
              if t["outcome"] in ("solved", "paid", "petition_withdrawn") and in_p(t["outcome_date"])]
    days = raw(report, "utfall", "Dager fra listens dato")
    assert sum(v[0] for v in days.values()) == len(contact)
    assert sum(v[1] for v in days.values()) == len(solved)
    assert days["0–7 dager"] == [sum(d <= 7 for d in contact), sum(d <= 7 for d in solved)]
    assert days["Over 90 dager"] == [sum(d > 90 for d in contact), sum(d > 90 for d in solved)]
    m = med2(contact)
    assert stat(report, "utfall", "Tid fra listens dato", "Til første kontakt")[:2] == [
        str(len(contact)), f"{m // 2}{',5' if m % 2 else ''} dager"]


def test_incomes_and_size(report, truths):
    from planner.benefits import catalogue

    names = {k: v.name for k, v in catalogue().kinds.items()}
    group = [t for t in truths if active(t)]
    kinds = Counter(k for t in group for k in t["kinds"])
    assert raw(report, "inntekt", "Inntektstyper") == {names[k]: [v] for k, v in kinds.items()}
    sizes = Counter(min(t["adults"] + t["children"], 5) for t in group)
    got = raw(report, "inntekt", "Husholdningens størrelse")
    assert [v[0] for v in got.values()] == [sizes[1], sizes[2], sizes[3], sizes[4], sizes[5]]


def test_age_and_gender(report, truths):
    group = [t for t in truths if active(t)]
    ages, genders = Counter(t["age_band"] for t in group), Counter(t["gender"] for t in group)
    got = raw(report, "alder", "Alder")
    assert got["Under 25"] == [ages["u25"]] and got["67 eller eldre"] == [ages["67+"]]
    assert got["Ikke oppgitt"] == [ages[""]]
    got = raw(report, "alder", "Kjønn")
    assert got == {"Kvinne": [genders["kvinne"]], "Mann": [genders["mann"]], "Annet": [genders["annet"]],
                   "Ikke oppgitt": [genders[""]]}


def test_plans(report, truths):
    group = [t for t in truths if active(t)]
    before = [t["days_below"] for t in group]
    after = [t["days_below"] if t["status"] == "infeasible" else 0 for t in group]
    waits = [effective(t)["wait"] for t in group if effective(t)["wait"] is not None]
    assert stat(report, "planer", "Dager", "Dager under grensen før")[:2] == [str(len(before)),
                                                                            f"{sum(before):,}".replace(",", " ")]
    assert stat(report, "planer", "Dager", "Dager under grensen etter")[1] == f"{sum(after):,}".replace(",", " ")
    assert stat(report, "planer", "Dager", "Dager utleier venter")[0] == str(len(waits))
    bridges = [effective(t)["bridge_ore"] for t in group if effective(t)["bridge_ore"]]
    row = stat(report, "planer", "Kroner bedt om fra sosialtjenesten", "Bro (startbuffer)")
    assert row[:2] == [str(len(bridges)), kr(sum(bridges))]
    monthly = [t["shortfall_monthly_ore"] for t in group if t["shortfall_monthly_ore"]]
    assert stat(report, "planer", "Kroner bedt om fra sosialtjenesten", "Underskudd per måned")[:2] == [
        str(len(monthly)), kr(sum(monthly))]


def test_period_against_previous(report, truths):
    pet = [sum(in_p(t["petition_date"], p) for t in truths) for p in (PREVIOUS, PERIOD)]
    ev = [sum(in_p(t["eviction_date"], p) for t in truths) for p in (PREVIOUS, PERIOD)]
    assert P.previous() == Period(*PREVIOUS)
    got = raw(report, "mot-forrige", "Begjæringer og utkastelser")
    assert got == {"Begjæringer sendt": pet, "Utkastelser gjennomført": ev}
    change = stat(report, "mot-forrige", "Endring", "Begjæringer sendt")
    if min(pet) >= MIN_COUNT:
        pct = round((pet[1] - pet[0]) * 100 / pet[0])
        assert change == [f"{'−' if pct < 0 else '+' if pct > 0 else ''}{abs(pct)} %"]
    else:
        assert change == ["–"]


def test_priority(report, truths):
    group = [t for t in truths if active(t)]
    got = raw(report, "prioritet", "Prioritet")
    assert got["80–100"] == [sum(t["priority"] >= 80 for t in group)]
    assert got["0–19"] == [sum(t["priority"] < 20 for t in group)]


# --------------------------------------------------------------------------- batch folders


def test_batch_folders_against_truth(tmp_path, truths):
    half = len(truths) // 2
    write_batch(truths[:half], tmp_path / "run1")
    write_batch(truths[half:], tmp_path / "run2", keep_input=False)  # as a pseudonymised run: no documents
    cl = Caseload()
    for folder in (tmp_path / "run1", tmp_path / "run2"):
        cases, line = read_batch(folder)
        cl.add(cases, line)
    assert len(cl.cases) == len(truths)
    rep = build_report(cl, P)
    group = [t for t in truths if t["list_date"] <= PERIOD[1]]  # a batch row opens on its list's date
    cnt = Counter((t["problem"], "no_plan" if t["status"] == "infeasible" else t["status"]) for t in group)
    got = raw(rep, "problem", "Status for saker med problem")
    assert got["Tidspunkt"] == [cnt[("timing", s)] for s in ("planned", "no_plan")]
    assert got["Inntekt"] == [cnt[("income", s)] for s in ("planned", "no_plan")]
    from planner.halfyear.model import LEVER_NB

    lev = Counter(i["lever"] for t in group for i in {x["lever"]: x for x in t["interventions"]}.values())
    assert raw(rep, "tiltak", "Etter tiltak") == {LEVER_NB[k]: [v] for k, v in lev.items()}  # proposed only
    from planner.benefits import catalogue

    names = {k: v.name for k, v in catalogue().kinds.items()}
    kinds = Counter(k for t in group for k in t["kinds"])  # from documents in run1, plan streams in run2
    assert raw(rep, "inntekt", "Inntektstyper") == {names[k]: [v] for k, v in kinds.items()}
    sizes = Counter(min(t["adults"] + t["children"], 5) if t in truths[:half] else None for t in group)
    got = raw(rep, "inntekt", "Husholdningens størrelse")
    assert got["1 person"] == [sizes[1]] and got["5 eller flere"] == [sizes[5]]
    assert got["Ikke oppgitt"] == [sizes[None]] and sizes[None] > 0
    waits = [effective(t)["wait"] for t in group if effective(t)["wait"] is not None]
    assert stat(rep, "planer", "Dager", "Dager utleier venter")[:2] == [str(len(waits)), f"{sum(waits):,}".replace(",", " ")]
    # what a batch does not hold is said, not shown as zeros
    for key in ("utfall", "alder", "mot-forrige"):
        fig = next(f for f in rep.figures if f.key == key)
        assert fig.missing.startswith("Ikke i kilden"), key
    assert "Kilden har ikke sosialkontor" in table(rep, "kontor", "Saker").note
    # one household in two runs counts once (the later list wins)
    write_batch(truths[:3], tmp_path / "again")
    cases, _ = read_batch(tmp_path / "again")
    cl.add(cases, "igjen")
    assert len(cl.cases) == len(truths)


def test_real_batch_output(tmp_path):
    """The reader on a real `planner batch` run (scenarios/batch): figures equal results.csv."""
    import csv

    out = tmp_path / "res"
    subprocess.run([sys.executable, "-m", "planner", "batch", "scenarios/batch/tenants.csv", "scenarios/batch/payouts.csv",
                    "--out", str(out), "--no-progress", "--workers", "1"], cwd=ROOT, check=True, capture_output=True)
    rows = list(csv.DictReader(open(out / "results.csv", encoding="utf-8")))
    cases, line = read_batch(out)
    assert sorted(c.key for c in cases) == sorted(r["id"] for r in rows if r["status"] != "error")
    by_id = {c.key: c for c in cases}
    for r in rows:
        c = by_id[r["id"]]
        assert c.problem == r["problem"] and c.priority == int(r["priority"])
        levers = [x.split("(")[0] for x in r["interventions"].split("; ") if x]
        assert [i.lever for i in c.interventions] == levers
        assert (c.bridge_ore is not None) == ("opening_buffer" in levers)
        kept = (out / "households" / f"{r['id']}.json").exists()  # the planned ones' documents
        assert (c.household_size is not None) == kept and (not kept or c.income_kinds)
    assert any((out / "households").iterdir())
    assert line.endswith("(5 husholdninger)")  # five is shown; four would be "< 5"


def test_batch_reader_bad_input(tmp_path):
    with pytest.raises(ReportInputError, match="no results.csv"):
        read_batch(tmp_path)
    (tmp_path / "results.csv").write_text("id,start,problem,status,priority\nhh-1,2026-13-01,timing,planned,3\n",
                                          encoding="utf-8")
    with pytest.raises(ReportInputError, match=r"results.csv:2: start: '2026-13-01' is not a date"):
        read_batch(tmp_path)
    (tmp_path / "results.csv").write_text("id,start,problem,status,priority\nhh-1,2026-01-01,timing,planned,x\n",
                                          encoding="utf-8")
    with pytest.raises(ReportInputError, match=r"results.csv:2: priority: 'x' is not a whole number"):
        read_batch(tmp_path)
    (tmp_path / "results.csv").write_text("id,problem\n", encoding="utf-8")
    with pytest.raises(ReportInputError, match=r"row 1: missing column\(s\) start, status"):
        read_batch(tmp_path)


# --------------------------------------------------------------------------- formats and bytes


@pytest.mark.slow  # the report rendered twice in every format, PDF included
def test_same_bytes_every_run(truths):
    outputs = []
    for _ in range(2):
        cl = Caseload()
        cl.add([case_of(t) for t in reversed(truths)][::-1], "generert")
        rep = build_report(cl, P)
        outputs.append({fmt: render(rep, fmt) for fmt in ("md", "html", "xlsx", "pdf")})
    for fmt in outputs[0]:
        assert outputs[0][fmt] == outputs[1][fmt], fmt
    pdf = outputs[0]["pdf"]
    import io

    import openpyxl
    import pypdf

    meta = pypdf.PdfReader(io.BytesIO(pdf)).metadata
    assert meta["/CreationDate"].startswith("D:20260630000000")  # the period's end, not today

    wb = openpyxl.load_workbook(io.BytesIO(outputs[0]["xlsx"]))
    assert wb.sheetnames[:3] == ["Om rapporten", "1 Kontor", "2 Restanse"] and len(wb.sheetnames) == 12  # 11 figures + "Om rapporten"
    assert str(wb.properties.created).startswith("2026-06-30")
    # the workbook shows exactly the grid's cells: counts as numbers, hidden ones as "< 5"
    ws = wb["1 Kontor"]
    cells = {r[0]: r[1:4] for r in ws.iter_rows(values_only=True) if r[0]}
    assert cells["Bydel Frogner"] == (HIDDEN, HIDDEN, HIDDEN)
    assert isinstance(cells["Bydel Grünerløkka"][0], int)
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "Saker per sosialkontor / bydel" in text and "Bydel Frogner" in text
    for personal in ("hh-0001", "hh-0150"):  # no household id reaches any format
        for data in outputs[0].values():
            assert personal.encode() not in data
        assert personal not in text


def test_markdown_cells_match_the_grid(report):
    md = render(report, "md").decode()
    section = md.split("### Saker")[1].split("##")[0]
    lines = [ln for ln in section.splitlines() if ln.startswith("| Bydel")]
    for ln in lines:
        cells = [c.strip() for c in ln.strip("|").split("|")][1:]
        for c in cells:
            assert c in ("&lt; 5", SECONDARY) or int(c.replace(" ", "")) >= MIN_COUNT


# --------------------------------------------------------------------------- the command


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "planner", "report", *args], cwd=cwd, capture_output=True, text=True)


def test_command(tmp_path, truths):
    write_batch(truths, tmp_path / "run")
    out = tmp_path / "rapport.md"
    r = run("--from", "2026-01-01", "--to", "2026-06-30", "--batch", str(tmp_path / "run"), "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert os.stat(out).st_mode & 0o777 == 0o600
    assert "## 3. Problem og status" in out.read_text(encoding="utf-8")
    cases = [
        (["--from", "2026-02-30", "--to", "2026-06-30", "--batch", str(tmp_path / "run"), "--out", str(out)],
         "«2026-02-30» er ingen dato som finnes"),
        (["--from", "2026-07-01", "--to", "2026-06-30", "--batch", str(tmp_path / "run"), "--out", str(out)],
         "ends (2026-06-30) before it starts"),
        (["--from", "2026-01-01", "--to", "2026-06-30", "--batch", str(tmp_path), "--out", str(out)],
         "not a planner batch output folder"),
        (["--from", "2026-01-01", "--to", "2026-06-30", "--batch", str(tmp_path / "run"), "--out", str(tmp_path / "r.doc")],
         "give a file ending .pdf, .xlsx, .md or .html"),
        (["--from", "2026-01-01", "--to", "2026-06-30", "--out", str(out)], "no source"),
    ]
    for args, msg in cases:
        r = run(*args)
        assert r.returncode == 2, (args, r.stderr)
        assert msg in r.stderr and "Traceback" not in r.stderr


@pytest.mark.slow  # three report runs in subprocesses, PDF included (read_db is in every figure test)
def test_database_source(db_url, truths, tmp_path):
    """`--db`: the bin is left out, and nothing of the case record but office, age band and
    gender reaches any format (the records hold a name, an address and a case number)."""
    cases, line = read_db(db_url)
    assert len(cases) == len(truths) and "hh-i-papirkurven" not in {c.key for c in cases}
    assert line.startswith("database: planner.db (") and str(tmp_path) not in line
    for fmt in ("md", "xlsx", "pdf"):
        out = tmp_path / f"r.{fmt}"
        r = run("--from", "2026-01-01", "--to", "2026-06-30", "--db", db_url, "--out", str(out))
        assert r.returncode == 0, r.stderr
        data = out.read_bytes()
        for secret in (NAME, ADDRESS, "2026/4711", "Testesen", "hh-0001"):
            assert secret.encode() not in data, (fmt, secret)
        if fmt == "pdf":
            import pypdf

            text = "".join(p.extract_text() for p in pypdf.PdfReader(out).pages)
            assert "Bydel Gamle Oslo" in text and "Testesen" not in text and "Storgata" not in text
    bad = run("--from", "2026-01-01", "--to", "2026-06-30", "--db", f"sqlite:///{tmp_path / 'nope.db'}",
              "--out", str(tmp_path / "x.md"))
    assert bad.returncode == 2 and "no such database file" in bad.stderr and "Traceback" not in bad.stderr
    bad = run("--from", "2026-01-01", "--to", "2026-06-30", "--db", "nonsense://", "--out", str(tmp_path / "x.md"))
    assert bad.returncode == 2 and "Traceback" not in bad.stderr

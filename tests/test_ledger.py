"""`planner ledger`: the landlord's rent ledger in, patterns and early warning out (issue 15).

Generated ledgers with planted patterns measure the classifier (precision and recall per
pattern, the confusion table printed); small hand-made ledgers check the figures by hand;
bad ledgers check that every row is accounted for and that nothing ends in a traceback.
"""

from __future__ import annotations

import csv
import json
import tomllib
import zipfile
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from planner.cli import main
from planner.ledger.run import LedgerOptions, run_ledger
from planner.ledger.synth import PLANTED, generate, to_csv

AS_OF = date(2026, 12, 20)


def run(path, out, **kw):
    return run_ledger(path, LedgerOptions(out=Path(out), as_of=kw.pop("as_of", AS_OF), **kw))


def rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.strip("\n").encode(encoding) + b"\n")
    return path


def cli(*args: str):
    res = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert "Traceback" not in res.output
    return res


def every_output(out: Path) -> bytes:
    """Every byte the run wrote (zip members unpacked)."""
    data = b""
    for f in sorted(out.rglob("*")):
        if f.is_file():
            data += f.read_bytes()
            if f.suffix == ".zip":
                with zipfile.ZipFile(f) as z:
                    data += b"".join(z.read(n) for n in z.namelist())
    return data


# --------------------------------------------------------------------------- planted patterns


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """1 500 generated tenancies over 24 months, written the Norwegian way (;, DD.MM.YYYY, 9500,50)
    with Norwegian headers and booking words mapped by a column map, and analysed once."""
    tmp = tmp_path_factory.mktemp("planted")
    g = generate(1500, seed=11)
    f = g.frame.copy()
    f["kind"] = f["kind"].map({"charge": "Husleie", "payment": "Innbetaling", "reversal": "Tilbakeføring",
                               "returned": "Avvist AvtaleGiro", "credit": "Kreditnota", "instalment": "Avdrag"})
    g2 = type(g)(f, g.truth, g.start, g.months)
    path = tmp / "reskontro.csv"
    to_csv(g2, path, sep=";", norwegian=True)
    text = path.read_text(encoding="utf-8").replace("tenancy;date;kind;amount;text",
                                                    "Leieforhold;Bokført;Type;Beløp;Tekst", 1)
    path.write_text(text, encoding="utf-8")
    colmap = write(tmp / "kolonner.toml", """
[ledger]
tenancy = "Leieforhold"
date = "Bokført"
kind = "Type"
amount = "Beløp"
text = "Tekst"
[csv]
separator = ";"
""")
    out = tmp / "out"
    s = run(path, out, columns=colmap)
    return g, s, out


def test_planted_patterns_are_found_with_precision_and_recall_of_at_least_095(planted):
    g, s, out = planted
    found = {r["tenancy"]: r["pattern"] for r in rows(out / "tenancies.csv")}
    assert set(found) == set(g.truth)
    truth = pd.Series([g.truth[t] for t in sorted(found)], name="planted")
    pred = pd.Series([found[t] for t in sorted(found)], name="found")
    table = pd.crosstab(truth, pred, margins=True)
    print("\nconfusion table (rows planted, columns found):\n" + table.to_string())
    for p in PLANTED:
        tp = int(((truth == p) & (pred == p)).sum())
        precision = tp / max(int((pred == p).sum()), 1)
        recall = tp / max(int((truth == p).sum()), 1)
        print(f"{p:18} precision {precision:.3f} recall {recall:.3f}")
        assert (truth == p).sum() >= 100, p  # enough of each to measure
        assert precision >= 0.95 and recall >= 0.95, (p, precision, recall)


def test_the_generated_ledger_holds_the_hard_cases(planted):
    """The planted ledger really has holidays, reversals, payments split over months and failed
    AvtaleGiro debits returned days later (else the test above would measure an easy case)."""
    g, _, _ = planted
    f = g.frame
    pay = f[f["kind"] == "payment"]
    easter_2026 = [date(2026, 4, 2), date(2026, 4, 3), date(2026, 4, 6)]
    # a debit due 1 April 2026 (Wednesday) is fine; 1 May 2026 (a holiday, Friday) moves to Monday 4 May
    assert (pay["date"] == date(2026, 5, 4)).sum() > 100
    assert not pay["date"].isin(easter_2026).any()  # no bank moves money on Easter holidays
    assert (f["kind"] == "reversal").sum() > 50
    returned = f[f["kind"] == "returned"]
    assert len(returned) > 300
    late = g.truth
    split = [t for t, p in late.items() if p == "late_complete"
             and (pay[(pay["tenancy"] == t)]["date"].map(lambda d: d.day) <= 7).sum() >= 12]
    assert len(split) > 20  # the rest of the month's rent paid early in the next month


def test_every_row_accounted_for_and_no_text_in_the_output(planted):
    g, s, out = planted
    assert s.consistent and s.rows_read == len(g.frame) and s.rows_in_errors == 0
    data = every_output(out)
    for word in ("Nordmann", "Testesen", "Hansen", "Aisha", "Berg", "AvtaleGiro avvist", "Feilføring", "Husleie 0"):
        assert word.encode() not in data, word


def test_the_pattern_evidence_names_months_and_payments(planted):
    g, _, out = planted
    docs = [json.loads(line) for line in (out / "patterns.jsonl").read_text(encoding="utf-8").splitlines()]
    by = {d["tenancy"]: d for d in docs}
    late = next(d for d in docs if d["pattern"] == "late_complete")
    assert late["payment_days"] and all(1 <= x <= 31 for x in late["payment_days"])
    months = late["evidence"]["months"]
    assert len(months) == 12 and sum(m["days_late"] > 5 for m in months) >= 6
    failed = next(d for d in docs if d["pattern"] == "failed_debits")
    r = failed["evidence"]["returned_debits"]
    assert len(r) >= 2 and all(2 <= x["days_after_debit"] <= 6 for x in r if x["days_after_debit"] is not None)
    broken = next(d for d in docs if d["pattern"] == "broken_agreement")
    assert any(not i["kept"] for i in broken["evidence"]["instalments"])
    text = (out / "patterns.txt").read_text(encoding="utf-8")
    assert f"{failed['tenancy']}: avviste AvtaleGiro-trekk" in text and "avviste trekk:" in text
    assert by[late["tenancy"]]["evidence"]["bookings"]


# --------------------------------------------------------------------------- figures by hand


def _ledger(tmp_path: Path, lines: list[str]) -> Path:
    return write(tmp_path / "l.csv", "tenancy,date,kind,amount,text\n" + "\n".join(lines))


def test_late_in_parts_is_the_timing_signature_with_the_payment_days(tmp_path):
    """Rent 9 500 due on the 1st, paid 4 000 on the 10th and 5 500 on the 20th (bank day before)."""
    lines = []
    for m in range(1, 13):
        lines.append(f"A1,2026-{m:02d}-01,charge,9500,")
        for day, amt in ((10, "4000"), (20, "5500")):
            d = date(2026, m, day)
            while d.weekday() >= 5:
                d -= timedelta(days=1)
            lines.append(f"A1,{d.isoformat()},payment,{amt},")
    out = tmp_path / "out"
    s = run(_ledger(tmp_path, lines), out)
    t = rows(out / "tenancies.csv")[0]
    assert t["pattern"] == "late_complete" and t["payment_days"] == "10;20" and t["rent_ore"] == "950000"
    months = rows(out / "months.csv")
    jan = months[0]
    assert (jan["month"], jan["settled"], jan["days_late"], jan["parts"]) == ("2026-01", "2026-01-20", "19", "2")
    # as of 20.12: December's rent is settled that day; nothing is owed
    assert t["arrears_ore"] == "0" and t["open_months"] == "0"
    draft = tomllib.loads((out / "drafts.zip").exists() and zipfile.ZipFile(out / "drafts.zip").read("A1.toml").decode())
    assert draft["expense"][0] == {"kind": "husleie", "amount": 9500, "day": 1}
    assert draft["levers"]["rent_days"] == [1, 10, 20] and draft["start"] == date(2027, 1, 1)
    from planner.io.household import household_from_dict

    h = household_from_dict(draft, "A1.toml")  # the draft is a valid household file
    assert h.rent.amount == 950000
    assert s.candidates == 1


def test_a_returned_debit_does_not_pay_the_rent(tmp_path):
    """The debit on the 1st is returned on the 4th; the rent is paid on the 12th: settled the 12th."""
    lines = []
    for m in range(1, 7):
        lines += [f"B1,2026-{m:02d}-01,charge,8000,", f"B1,2026-{m:02d}-0{1 if m != 2 else 2},payment,8000,"]
        if m in (3, 5):
            lines += [f"B1,2026-{m:02d}-04,returned,8000,", f"B1,2026-{m:02d}-12,payment,8000,"]
    out = tmp_path / "out"
    run(_ledger(tmp_path, lines), out, as_of=date(2026, 6, 30))
    months = {m["month"]: m for m in rows(out / "months.csv")}
    assert months["2026-03"]["settled"] == "2026-03-12" and months["2026-03"]["days_late"] == "11"
    assert months["2026-03"]["failed_debits"] == "1" and months["2026-04"]["settled"] == "2026-04-01"
    t = rows(out / "tenancies.csv")[0]
    assert t["pattern"] == "failed_debits" and t["failed_debits"] == "2"


def test_creeping_arrears_project_the_collector_and_the_request(tmp_path):
    """Rent 10 000, 8 000 paid each month from July: +2 000 a month. As of 20.12.2026 the arrears are
    12 000 (Jul-Dec), the collector's line 20 000 is 4 months away: 20.12.2026 + ceil(4 × 30.4375)."""
    from planner.eviction import REQUEST_STEP, step_dates

    lines = []
    for m in range(1, 13):
        lines += [f"C1,2026-{m:02d}-01,charge,10000,", f"C1,2026-{m:02d}-02,payment,{10000 if m < 7 else 8000},"]
    out = tmp_path / "out"
    run(_ledger(tmp_path, lines), out)
    t = rows(out / "tenancies.csv")[0]
    assert t["pattern"] == "creeping" and t["arrears_ore"] == "1200000" and t["trend_ore_per_month"] == "200000"
    collector = AS_OF + timedelta(days=122)  # ceil(8 000 / 2 000 × 30.4375) = 122
    assert t["collector_date"] == collector.isoformat()
    first_due = date(collector.year, collector.month - 2, collector.day)  # two months before (April)
    assert t["request_date"] == step_dates(first_due)[REQUEST_STEP].isoformat()
    c = rows(out / "contact.csv")[0]
    assert c["rank"] == "1" and "vil nå grensen for innkreving" in c["why"] and "Prioritet" in c["why"]
    # priority: urgency 50 × (1 − d/365) with d = days to the request, arrears 30 × 12 000 / 20 000, pattern 15
    d = (date.fromisoformat(t["request_date"]) - AS_OF).days
    assert int(t["priority"]) == (2 * 50 * (365 - d) + 365) // 730 + 18 + 15


def test_a_broken_agreement_with_tolerance(tmp_path):
    """Arrears 6 000 from March; from April an instalment of 1 000 with the rent on the 1st. Paid on
    the 4th (within the 5 days' tolerance) in April and May, the rent only from June: broken."""
    lines = ["D1,2026-01-01,charge,9000,", "D1,2026-01-01,payment,9000,", "D1,2026-02-01,charge,9000,",
             "D1,2026-02-01,payment,9000,", "D1,2026-03-01,charge,9000,", "D1,2026-03-01,payment,3000,"]
    for m in range(4, 10):
        lines += [f"D1,2026-{m:02d}-01,charge,9000,", f"D1,2026-{m:02d}-01,instalment,1000,",
                  f"D1,2026-{m:02d}-04,payment,{10000 if m < 6 else 9000},"]
    out = tmp_path / "out"
    run(_ledger(tmp_path, lines), out, as_of=date(2026, 9, 30))
    t = rows(out / "tenancies.csv")[0]
    assert t["pattern"] == "broken_agreement" and t["instalments"] == "6" and t["broken_instalments"] == "4"
    doc = json.loads((out / "patterns.jsonl").read_text(encoding="utf-8"))
    kept = [(i["date"], i["kept"], i["shortfall_ore"]) for i in doc["evidence"]["instalments"]]
    assert kept[:3] == [("2026-04-01", True, 0), ("2026-05-01", True, 0), ("2026-06-01", False, 100000)]


def test_lead_over_the_collectors_list_on_generated_ledgers():
    """Creeping tenancies are flagged months before their arrears reach two months' rent."""
    from planner.ledger.measure import lead_times

    g = generate(60, months=30, start=date(2024, 1, 1), seed=5, mix={"creeping": 1.0})
    leads = lead_times(g, date(2024, 4, 1), date(2026, 6, 30))
    assert len(leads) >= 40
    months = [x.months for x in leads]
    assert all(m is not None for m in months)
    assert min(months) >= 1.0 and float(np.median(months)) >= 2.0


# --------------------------------------------------------------------------- bad ledgers


def test_bad_rows_end_in_errors_csv_and_every_row_is_accounted_for(tmp_path):
    path = write(tmp_path / "bad.csv", """
tenancy,date,kind,amount,text
E1,2026-01-01,charge,9500,Husleie
E1,2026-01-01,charge,9500,Husleie
E1,2026-02-30,payment,9500,x
E1,2026-01-05,payment,ni tusen,Kari Nordmann
E1,2026-01-05,gave,100,x
E1,2026-01-06,payment,0,x
,2026-01-06,payment,100,x

E1,2026-01-07,payment,100,with,extra
E1,01.02.2026,payment,"9 500,50",x
E1,Kari Nordmann,payment,100,x
""")
    out = tmp_path / "out"
    s = run(path, out)
    errs = rows(out / "errors.csv")
    got = [(e["row"], e["column"], e["value"]) for e in errs]
    assert got == [("3", "", ""), ("4", "date", "2026-02-30"), ("5", "amount", "(tekst ikke vist)"),
                   ("6", "kind", "gave"), ("7", "amount", "0"), ("8", "tenancy", ""), ("10", "", ""),
                   ("12", "date", "(tekst ikke vist)")]
    assert "lik rad 2" in errs[0]["reason"] and "felt" in errs[6]["reason"]
    assert s.rows_read == 11 and s.rows_blank == 1 and s.rows_used == 2 and s.rows_in_errors == 8
    assert s.consistent
    assert b"Nordmann" not in every_output(out)


def test_mixed_encodings_report_the_rows_not_in_utf8(tmp_path):
    head = "tenancy,date,kind,amount,text\n".encode()
    good = "Ø1,2026-01-01,charge,9500,Husleie\nØ1,2026-01-02,payment,9500,Bjørn\n".encode("utf-8")
    bad = "Ø1,2026-02-01,charge,9500,Husleie\n".encode("cp1252")
    path = tmp_path / "mixed.csv"
    path.write_bytes(head + good + bad + "Ø1,2026-02-02,payment,9500,ok\n".encode())
    out = tmp_path / "out"
    s = run(path, out)
    errs = rows(out / "errors.csv")
    assert [(e["row"], e["column"]) for e in errs] == [("4", "tenancy")] and "blandet tegnkoding" in errs[0]["reason"]
    assert s.rows_read == 4 and s.rows_used == 3 and s.consistent
    assert rows(out / "tenancies.csv")[0]["tenancy"] == "Ø1"


def test_a_cp1252_ledger_is_read(tmp_path):
    path = write(tmp_path / "l.csv", "Leieforhold;Dato;Type;Beløp\nÅ1;01.01.2026;Husleie;9500\n"
                                     "Å1;02.01.2026;Tilbakeføring;100\n", encoding="cp1252")
    colmap = write(tmp_path / "k.toml", '[ledger]\ntenancy = "Leieforhold"\ndate = "Dato"\nkind = "Type"\n'
                                        'amount = "Beløp"\n')
    s = run(path, tmp_path / "out", columns=colmap)
    assert s.rows_used == 2 and rows(tmp_path / "out" / "tenancies.csv")[0]["tenancy"] == "Å1"


def test_xlsx_formula_without_a_saved_value_is_reported(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Reskontro"
    ws.append(["tenancy", "date", "kind", "amount"])
    ws.append(["X1", date(2026, 1, 1), "charge", 9500])
    ws.append(["X1", date(2026, 1, 3), "payment", "=4000+5500"])  # openpyxl saves no cached value
    ws.append(["X1", "2026-01-04", "payment", 12.5])
    path = tmp_path / "l.xlsx"
    wb.save(path)
    colmap = write(tmp_path / "k.toml", '[sheets]\nledger = "Reskontro"\n')
    out = tmp_path / "out"
    s = run(path, out, columns=colmap)
    errs = rows(out / "errors.csv")
    assert [(e["file"].endswith("l.xlsx[Reskontro]"), e["row"], e["column"]) for e in errs] == [(True, "3", "amount")]
    assert "formel uten lagret verdi" in errs[0]["reason"]
    assert s.rows_read == 3 and s.rows_used == 2 and s.consistent


@pytest.mark.parametrize("text, needle", [
    ("tenancy,date,amount\nA,2026-01-01,1\n", "rad 1: kolonne 'kind': filen har ingen kolonne 'kind'"),
    ("", "filen er tom"),
    ("\n\n", "rad 1: overskriftsraden er tom"),
])
def test_a_ledger_that_cannot_be_used_exits_2_with_a_clear_message(tmp_path, text, needle):
    path = tmp_path / "l.csv"
    path.write_text(text, encoding="utf-8")
    res = cli("ledger", str(path), "--out", str(tmp_path / "out"), "--as-of", "2026-12-20")
    assert res.exit_code == 2 and needle in res.output and str(path) in res.output


def test_cli_errors_exit_2_without_traceback(tmp_path):
    res = cli("ledger", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o"))
    assert res.exit_code == 2 and "filen finnes ikke" in res.output
    bad_map = write(tmp_path / "k.toml", "[ledger]\nwho = \"Navn\"\n[kinds]\ngift = \"Gave\"\n")
    led = _ledger(tmp_path, ["A,2026-01-01,charge,1,"])
    res = cli("ledger", str(led), "--out", str(tmp_path / "o"), "--columns", str(bad_map))
    assert res.exit_code == 2 and "[ledger] who: not one of our columns" in res.output
    assert "[kinds] gift: not one of our kinds" in res.output
    res = cli("ledger", str(led), "--out", str(tmp_path / "o"), "--as-of", "20/12/2026")
    assert res.exit_code == 2 and "skriv dd.mm.åååå" in res.output


def test_cli_runs_and_prints_counts(tmp_path):
    led = _ledger(tmp_path, [f"A,2026-{m:02d}-01,charge,1000,\nA,2026-{m:02d}-01,payment,1000," for m in range(1, 7)])
    res = cli("ledger", str(led), "--out", str(tmp_path / "o"), "--as-of", "30.06.2026", "--no-progress")
    assert res.exit_code == 0, res.output
    assert "rader lest 12 = brukt 12 + tomme 0 + med feil 0" in res.output and "betaler i tide 1" in res.output
    assert "per 30.06.2026" in (tmp_path / "o" / "summary.txt").read_text(encoding="utf-8")
    bad = cli("ledger", str(led), "--out", str(tmp_path / "o2"), "--as-of", "31.06.2026", "--no-progress")
    assert bad.exit_code == 2 and "«31.06.2026» er ingen dato som finnes" in bad.output


# --------------------------------------------------------------------------- privacy, determinism, scale-out


def test_pseudonymise_replaces_every_id(tmp_path, monkeypatch):
    g = generate(40, seed=3)
    path = tmp_path / "l.csv"
    to_csv(g, path)
    monkeypatch.setenv("PLANNER_PSEUDONYM_KEY", "k" * 32)
    out = tmp_path / "out"
    res = cli("ledger", str(path), "--out", str(out), "--as-of", "2026-12-20", "--pseudonymise")
    assert res.exit_code == 0, res.output
    data = every_output(out)
    assert b"L0000" not in data
    ids = [r["tenancy"] for r in rows(out / "tenancies.csv")]
    assert all(i.startswith("p-") and len(i) == 22 for i in ids)
    assert (out / "tenancies.csv").stat().st_mode & 0o777 == 0o600


def test_same_input_same_bytes_and_buckets_do_not_change_the_result(tmp_path):
    g = generate(300, seed=9)
    path = tmp_path / "l.csv"
    to_csv(g, path)
    run(path, tmp_path / "a")
    run(path, tmp_path / "b")
    run(path, tmp_path / "c", bucket_rows=2000, chunk_rows=3000)  # spills to several buckets
    for name in ("tenancies.csv", "contact.csv", "contact.txt", "errors.csv", "drafts.zip", "months.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    for name in ("tenancies.csv", "contact.csv", "errors.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "c" / name).read_bytes(), name
    sort = sorted  # months.csv comes in bucket order: the same lines
    assert sort((tmp_path / "a" / "months.csv").read_text().splitlines()) == \
        sort((tmp_path / "c" / "months.csv").read_text().splitlines())


def test_bookings_after_the_as_of_date_are_counted_not_used(tmp_path):
    lines = [f"A,2026-{m:02d}-01,charge,1000,\nA,2026-{m:02d}-02,payment,1000," for m in range(1, 13)]
    s = run(_ledger(tmp_path, lines), tmp_path / "o", as_of=date(2026, 6, 30))
    assert s.rows_after_as_of == 12 and s.rows_used == 24
    assert rows(tmp_path / "o" / "tenancies.csv")[0]["observed_months"] == "6"


def test_amount_and_date_parsing():
    import pyarrow as pa

    from planner.ledger.reading import parse_amounts, parse_dates

    ore, bad = parse_amounts(pa.array(["9500", "9 500,50", "-9500.5", "9.500,00", "1,234.56", "kr 100,-",
                                       "12.345", "1e3", "", "100000001"]))
    assert ore.tolist()[:6] == [950000, 950050, -950050, 950000, 123456, 10000]  # signed: the reader drops it
    assert bad.tolist() == [False] * 6 + [True] * 4
    ore, bad = parse_amounts(pa.array(["9.500,00-", "(9.500,00)", "kr 747,37", "\u22129\u00a0500,00", "1 234,50",
                                       "-kr 100", "9500,-", "kr. 1.234,-", "(9.500,00)-", "--1", "()"]))
    assert ore.tolist()[:8] == [-950000, -950000, 74737, -950000, 123450, -10000, 950000, 123400]
    assert bad.tolist() == [False] * 8 + [True] * 3
    days, bad = parse_dates(pa.array(["2026-01-01", "1.2.2026", "2026-02-29", "2024-02-29", "2026-01-01 00:00:00",
                                      "1899-01-01", "01.02.26", "01.02.2026-00:00:00", "01.02.2026 12:30",
                                      "2026-02-01T00:00:00", "31.02.26", "01.02.2026 kl. 10.15"]))
    assert bad.tolist() == [False, False, True, False, False, True, False, False, False, False, True, False]
    assert len({int(days[i]) for i in (1, 6, 7, 8, 9, 11)}) == 1
    assert days[1] == (date(2026, 2, 1) - date(1970, 1, 1)).days


# --------------------------------------------------------------------------- web


def test_web_ledger_import(tmp_path):
    pytest.importorskip("httpx")
    from fastapi.testclient import TestClient

    from planner.web.app import create_app

    g = generate(50, seed=4)
    path = tmp_path / "l.csv"
    to_csv(g, path)
    app = create_app(f"sqlite:///{tmp_path / 'web.db'}", secret="test-secret")
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        page = c.get("/reskontro")
        assert page.status_code == 200
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        res = c.post("/reskontro", data={"csrf_token": token, "as_of": "2026-12-20"},
                     files={"ledger": ("reskontro.csv", path.read_bytes(), "text/csv")})
        assert res.status_code == 200 and "ledger-contact" in res.text and "Nordmann" not in res.text
        bad = c.post("/reskontro", data={"csrf_token": token},
                     files={"ledger": ("r.csv", b"a,b\n1,2\n", "text/csv")})
        assert bad.status_code == 422 and "ingen kolonne" in bad.text
        worse = c.post("/reskontro", data={"csrf_token": token, "as_of": "x"},
                       files={"ledger": ("r.csv", b"\xff\xfe", "text/csv")})
        assert worse.status_code == 422
        assert c.post("/reskontro", data={}, files={"ledger": ("r.csv", b"x", "text/csv")}).status_code == 403


# --------------------------------------------------------------------------- the vectorised analysis against a plain loop

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from strategies import examples  # noqa: E402

_KINDS = ["charge", "payment", "reversal", "returned", "credit"]


@st.composite
def bookings(draw):
    n = draw(st.integers(1, 40))
    out = []
    for _ in range(n):
        out.append((draw(st.sampled_from(["T1", "T2", "T3"])), draw(st.integers(0, 150)),
                    draw(st.sampled_from(_KINDS)), draw(st.integers(1, 20)) * 50_000))
    return out


def _reference(rows_, as_of: int):
    """Balance and, per rent month, the settle day, by a plain loop over the definition: the first
    booking after which the money paid in reaches the sum charged up to the month and stays there."""
    from planner.ledger.reading import KIND_CODE

    out = {}
    for t in sorted({r[0] for r in rows_}):
        ev = sorted([(d, KIND_CODE[k], i, k, a) for i, (tt, d, k, a) in enumerate(rows_) if tt == t and d <= as_of])
        if not ev:
            continue
        paid, charged, series = 0, 0, []
        for d, _, _, k, a in ev:
            paid += {"payment": a, "reversal": -a, "returned": -a}.get(k, 0)
            charged += {"charge": a, "credit": -a}.get(k, 0)
            series.append((d, paid))
        month_charge: dict[int, int] = {}
        for d, _, _, k, a in ev:
            mi = (date(2026, 1, 1) + timedelta(days=d)).month
            if k in ("charge", "credit"):
                month_charge[mi] = month_charge.get(mi, 0) + (a if k == "charge" else -a)
        has_charge = {(date(2026, 1, 1) + timedelta(days=d)).month for d, _, _, k, _ in ev if k == "charge"}
        settle, cum = {}, 0
        for mi in sorted(month_charge):
            cum += month_charge[mi]
            if mi not in has_charge:
                continue
            settle[mi] = None
            if cum <= 0:
                settle[mi] = "due"
                continue
            for j in range(len(series)):
                if min(p for _, p in series[j:]) >= cum:
                    settle[mi] = series[j][0]
                    break
        out[t] = (charged - paid, settle)
    return out


@settings(max_examples=examples(150), deadline=None)
@given(bookings(), st.integers(0, 150))
def test_vectorised_analysis_matches_a_plain_loop(rows_, as_of_offset):
    from planner.ledger.analysis import analyse
    from planner.ledger.reading import KIND_CODE

    base = (date(2026, 1, 1) - date(1970, 1, 1)).days
    as_of = base + as_of_offset
    keep = [r for r in rows_ if r[1] <= as_of_offset]
    ref = _reference(rows_, as_of_offset)
    if not keep:
        return
    ids = np.array(sorted({r[0] for r in keep}), dtype=object)
    tid = np.array([list(ids).index(r[0]) for r in keep])
    a = analyse(tid, ids, np.array([base + r[1] for r in keep]), np.array([KIND_CODE[r[2]] for r in keep], np.int8),
                np.array([r[3] for r in keep], np.int64), np.arange(len(keep)), as_of)
    for k, t in enumerate(a.tenancies["tenancy"]):
        balance, settle = ref[t]
        assert a.tenancies["balance_ore"].iat[k] == balance
        m = a.months[a.months["tid"] == k]
        got = {}
        for mi, ok, sd, due in zip(m["mi"], m["settled"], m["settled_day"], m["due"]):
            month = int(mi) % 12 + 1
            got[month] = (sd - base if sd != due or settle.get(month) != "due" else "due") if ok else None
        want = {mo: v for mo, v in settle.items()}
        assert set(got) == set(want)
        for mo in want:
            if want[mo] == "due":
                assert got[mo] is not None
            else:
                assert got[mo] == want[mo], (t, mo, got, want)

"""Batch tables as offices export them (issue 22): title rows above the header (CSV and XLSX),
`;` and Windows-1252, amounts as `kr 10.500,00` and `9 500,00` with non-breaking spaces, dates
with a time of day or a two-digit year, benefits by name ("Bostøtte", "AAP", "Barnetrygd").

Why: on main such tables were refused (the title taken for the header) or every payout row was
an unknown benefit. The variants are written from the bundled scenarios/batch tables, and a run
on them must give the same results as a run on the tables themselves.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from conftest import SCENARIOS

from planner.benefits import catalogue

BATCH = SCENARIOS / "batch"
TITLE = ["Leietakere med restanse;;;", "Utskrevet 01.01.2026 kl. 08.00", ""]
MONEY = ("opening_balance", "min_balance", "rent", "living_monthly", "arrears", "amount")


def run_inline(inputs, out):
    from planner.batch import BatchOptions, run_batch

    opts = BatchOptions(out=Path(out), engine="inline", check_only=True, progress=False)
    return run_batch([str(i) for i in inputs], opts, echo=lambda s: None)


def read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return [{k: v for k, v in r.items() if k != "input_row"} for r in csv.DictReader(fh)]


def kr(text: str, style: int) -> str:
    """A whole-kroner cell as an office writes it."""
    if not text:
        return text
    v = int(text)
    dotted = f"{v:,}".replace(",", ".")
    return (f"kr {dotted},00", f"{v:,}".replace(",", "\u00a0") + ",00", f"{dotted},-")[style % 3]


def when(text: str, style: int) -> str:
    if not text:
        return text
    y, m, d = text.split("-")
    return (f"{d}.{m}.{y} 00:00:00", f"{d}.{m}.{y[2:]}", f"{text}T00:00:00")[style % 3]


def office(tenants: pd.DataFrame, payouts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    cat = catalogue()
    income = {k: v.name for k, v in cat.kinds.items()} | {"aap": "AAP", "bostotte": "BOSTØTTE"}
    expense = {k: v.name for k, v in cat.expenses.items()}
    t, p = tenants.copy(), payouts.copy()
    for df in (t, p):
        for i, c in enumerate(c for c in MONEY if c in df):
            df[c] = [kr(v, i + k) for k, v in enumerate(df[c])]
    for c in ("start", "arrears_since"):
        t[c] = [when(v, k) for k, v in enumerate(t[c])]
    p["first"] = [when(v, k) for k, v in enumerate(p["first"])]
    t["deduction_from"] = t["deduction_from"].str.replace("aap", "AAP").str.replace("uforetrygd", "Uføretrygd")
    p["kind"] = [(expense if f == "out" else income)[k] for k, f in zip(p["kind"], p["flow"])]
    return t, p


def tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    read = {"dtype": str, "keep_default_na": False}
    return pd.read_csv(BATCH / "tenants.csv", **read), pd.read_csv(BATCH / "payouts.csv", **read)


def test_office_names_are_not_codes_here():
    """The variant really uses names and office numbers (else the tests below prove nothing)."""
    t, p = office(*tables())
    assert {"Bostøtte", "BOSTØTTE", "AAP", "Barnetrygd", "Uføretrygd"} & set(p["kind"])
    assert "AAP" in set(t["deduction_from"]) and any(v.startswith("kr ") for v in t["rent"]) and any("\u00a0" in v for v in p["amount"])


@pytest.mark.parametrize("sep, encoding", [(";", "cp1252"), ("\t", "utf-8-sig"), (",", "utf-8")])
def test_csv_with_title_rows_names_and_office_numbers_gives_the_same_results(tmp_path, sep, encoding):
    run_inline([BATCH / "tenants.csv", BATCH / "payouts.csv"], tmp_path / "plain")
    t, p = office(*tables())
    paths = []
    for name, df in (("leietakere.csv", t), ("utbetalinger.csv", p)):
        path = tmp_path / name
        body = df.to_csv(sep=sep, index=False, lineterminator="\r\n")
        title = "\r\n".join(x.replace(";", sep) for x in TITLE) + "\r\n"
        path.write_bytes((title + body).encode(encoding))
        paths.append(path)
    run_inline(paths, tmp_path / "office")
    errors = read_csv(tmp_path / "office" / "errors.csv")
    assert errors == [], errors
    assert read_csv(tmp_path / "office" / "results.csv") == read_csv(tmp_path / "plain" / "results.csv")


def test_xlsx_with_title_rows_gives_the_same_results(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    run_inline([BATCH / "tenants.csv", BATCH / "payouts.csv"], tmp_path / "plain")
    t, p = office(*tables())
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, df in (("tenants", t), ("payouts", p)):
        ws = wb.create_sheet(name)
        ws.append(["Eksport fra fagsystemet"])
        ws.append([])
        ws.append(list(df.columns))
        for rec in df.itertuples(index=False):
            ws.append(list(rec))
    path = tmp_path / "batch.xlsx"
    wb.save(path)
    run_inline([path], tmp_path / "office")
    assert read_csv(tmp_path / "office" / "errors.csv") == []
    assert read_csv(tmp_path / "office" / "results.csv") == read_csv(tmp_path / "plain" / "results.csv")


def test_a_bad_row_below_a_title_names_its_spreadsheet_row(tmp_path):
    """Row numbers count the title lines, as the spreadsheet shows them."""
    t, p = tables()
    p.loc[2, "amount"] = "ni tusen"
    tp, pp = tmp_path / "tenants.csv", tmp_path / "payouts.csv"
    t.to_csv(tp, index=False)
    pp.write_text("Utbetalinger\n\n" + p.to_csv(index=False), encoding="utf-8")
    run_inline([tp, pp], tmp_path / "out")
    errs = read_csv(tmp_path / "out" / "errors.csv")
    assert [(e["row"], e["column"]) for e in errs] == [("6", "amount")]  # title 1, blank 2, header 3, data from 4


def test_a_sheet_whose_header_is_not_found_lists_the_likely_header_not_the_title(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, cols in (("tenants", ["Nummer", "Fra", "Leie"]), ("payouts", ["household", "kind", "amount"])):
        ws = wb.create_sheet(name)
        ws.append(["Eksport fra fagsystemet"])
        ws.append(cols)
        ws.append(["x", "2026-01-01", 100])
    path = tmp_path / "batch.xlsx"
    wb.save(path)
    run_inline([path], tmp_path / "out")
    text = (tmp_path / "out" / "errors.csv").read_text(encoding="utf-8")
    assert "Unnamed" not in text and "Eksport" not in text


def test_a_ragged_row_below_a_title_names_its_spreadsheet_row(tmp_path):
    lines = (BATCH / "payouts.csv").read_text(encoding="utf-8").splitlines()
    lines[3] += ",extra"  # the third data row: row 6 below a title and a blank line
    pp = tmp_path / "payouts.csv"
    pp.write_text("Utbetalinger\n\n" + "\n".join(lines) + "\n", encoding="utf-8")
    run_inline([BATCH / "tenants.csv", pp], tmp_path / "out")
    errs = [e for e in read_csv(tmp_path / "out" / "errors.csv") if e["file"] == "payouts.csv"]
    assert [(e["row"], "12 fields" in e["reason"]) for e in errs] == [("6", True)]

"""The corpus of real public sample files (tests/data/real, sources in SOURCES.md) and their
office-style variants, through the command line as a caseworker runs it; and the detection
measured on generated statements re-saved as offices do (XLSX with a title row, Windows-1252
CSV with preamble lines). The other formats' figures: tests/test_statement.py (CSV, camt.053,
OFX) and tests/test_statement_pdf.py (PDF)."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from real_variants import REAL, VARIANTS, variants
from statement_gen import generate, write_csv
from statement_truth import match

from planner.io.household import household_from_dict
from planner.statement import detect, household_document, read_bytes
from planner.statement.read import join

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(p for p in REAL.rglob("*") if p.is_file() and p.name != "SOURCES.md")
SEEDS = range(48)


def _cli(*args: str) -> subprocess.CompletedProcess:
    """The command as installed, with Python's warnings shown (a library warning would reach stderr)."""
    return subprocess.run([sys.executable, "-W", "default", "-m", "planner", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def _one_line_or_result(r: subprocess.CompletedProcess, made: Path) -> str:
    assert "Traceback" not in r.stderr and "Warning" not in r.stderr, r.stderr
    if r.returncode == 0:
        assert made.exists()
        return "read"
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert r.stderr.startswith("error: ") and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not made.exists() or made.is_dir()
    return "refused"


def test_the_corpus_is_listed_in_sources():
    listed = (REAL / "SOURCES.md").read_text(encoding="utf-8")
    for p in FILES:
        assert f"`{p.relative_to(REAL).as_posix()}`" in listed, p.name
    assert len(FILES) >= 85


@pytest.mark.parametrize("path", FILES, ids=[p.relative_to(REAL).as_posix() for p in FILES])
def test_every_corpus_file_gives_a_draft_or_one_line(tmp_path, path):
    """import-statement on every file, and ledger on every table file (a bank file is no ledger:
    one line, never a traceback or a half-written folder)."""
    src = tmp_path / path.name  # a copy: a refused file's sample map is written beside it
    shutil.copy(path, src)
    _one_line_or_result(_cli("import-statement", str(src), "--out", str(tmp_path / "utkast.toml")),
                        tmp_path / "utkast.toml")
    if path.suffix.lower() in (".csv", ".xlsx", ".txt"):
        out = tmp_path / "ledger-out"
        r = _cli("ledger", str(src), "--out", str(out), "--as-of", "2026-01-01", "--no-progress")
        _one_line_or_result(r, out)


def test_committed_variants_are_the_generators_output():
    for name, data in variants().items():
        assert (VARIANTS / name).read_bytes() == data, name


@pytest.mark.parametrize("original, variant", [
    ("beancount-no-sparebank1-sb1.csv", "sb1-preamble-cp1252.csv"),
    ("beancount-no-sparebank1-sb1.csv", "sb1-title.xlsx"),
    ("beancount-no-dnb-sample_statement.xlsx", "dnb-mastercard-preamble-cp1252.csv"),
])
def test_office_variants_read_the_same_bookings_as_the_real_file(original, variant):
    """Read without the period check (these samples cover a month): the same dates, amounts and
    texts whatever way the office saved the file."""
    from planner.statement.csvfile import read_csv

    def bookings(path: Path):
        st = read_csv(path.read_bytes(), path.name)
        return [(e.booked, e.amount_ore, e.text) for e in st.entries], st.currency

    want, got = bookings(REAL / original), bookings(VARIANTS / variant)
    assert want == got and len(want[0]) >= 9


def test_the_sparebank1_preset_reads_the_real_sample():
    from planner.statement.csvfile import read_csv
    from planner.statement.presets import by_name

    data = (REAL / "beancount-no-sparebank1-sb1.csv").read_bytes()
    st = read_csv(data, "sb1.csv")
    assert by_name("sparebank1").status == "sample-file"
    assert len(st.entries) == 15 and not st.rejected
    assert (st.start, st.end) == (date(2025, 1, 30), date(2025, 2, 28))
    wage = next(e for e in st.entries if e.text.startswith("Lønn"))
    assert wage.amount_ore == 2875034
    assert sum(e.amount_ore for e in st.entries) == sum(
        round(float(r.split(";")[3].strip('"').replace(",", ".") or 0) * 100)
        + round(float(r.split(";")[4].strip('"').replace(",", ".") or 0) * 100)
        for r in data.decode("utf-8").splitlines()[1:] if r)  # by hand: inn plus (negative) ut


# --------------------------------------------------------------------------- office-style statements measured


def _title_xlsx(csv_bytes: bytes) -> bytes:
    """The generated CSV opened in Excel and saved as XLSX under a title row: dates and
    amounts become typed cells (openpyxl)."""
    import csv
    import datetime

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Kontoutskrift brukskonto"])
    ws.append([])
    rows = list(csv.reader(io.StringIO(csv_bytes.decode("cp1252")), delimiter=";"))
    ws.append(rows[0])
    for r in rows[1:]:
        cells: list[object] = []
        for i, c in enumerate(r):
            if i in (0, 2) and c:
                d, m, y = (int(x) for x in c.split("."))
                cells.append(datetime.datetime(y, m, d))
            elif i >= 3 and c:
                cells.append(float(c.replace(" ", "").replace(",", ".")))
            else:
                cells.append(c)
        ws.append(cells)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _preamble_cp1252(csv_bytes: bytes) -> bytes:
    return "Kontoutskrift\r\nKonto 1234.56.78901\r\n\r\n".encode("cp1252") + csv_bytes.replace(b"\n", b"\r\n")


OFFICE = {"xlsx-title": ("k.xlsx", _title_xlsx), "csv-preamble-cp1252": ("k.csv", _preamble_cp1252)}


def test_detection_precision_recall_on_office_style_statements():
    """The measure of tests/test_statement.py on the 48 generated households, their SpareBank 1
    style CSV re-saved as XLSX with a title row and as Windows-1252 CSV with preamble lines."""
    per = {k: Counter() for k in OFFICE}
    for seed in SEEDS:
        case = generate(seed)
        base = write_csv(case, "sparebank")
        for key, (name, make) in OFFICE.items():
            st = join([read_bytes(make(base), name)])
            draft = household_from_dict(household_document(detect(st), case.truth.start), "utkast")
            december = any(e.booked.month == 12 for e in st.entries)
            tp, found, true = match(case.truth, draft, december)
            per[key].update(tp=tp, detected=found, true=true, statements=1)
    lines = []
    for key, c in per.items():
        precision, recall = c["tp"] / c["detected"], c["tp"] / c["true"]
        lines.append(f"{key:20} statements {c['statements']:3}  streams true {c['true']:4} found {c['detected']:4} "
                     f"right {c['tp']:4}  precision {precision:.3f}  recall {recall:.3f}")
        assert precision >= 0.95 and recall >= 0.95, lines[-1]
    print("\n" + "\n".join(lines))


@pytest.mark.parametrize("variant", ["reskontro-title-cp1252.csv", "reskontro-title.xlsx"])
def test_office_ledger_variants_give_the_same_tenancies(tmp_path, variant):
    """The bundled ledger exported as offices do (title rows, Norwegian words, times of day,
    payments in parentheses; CSV and XLSX) ranks and diagnoses every tenancy as the original."""
    import csv

    def tenancies(path: Path, out: Path) -> list[tuple[str, ...]]:
        r = _cli("ledger", str(path), "--out", str(out), "--as-of", "2026-12-20", "--no-progress")
        assert r.returncode == 0 and "Warning" not in r.stderr, r.stderr
        keys = ("tenancy", "pattern", "priority", "arrears_ore", "request_date", "rejected_rows")
        with open(out / "tenancies.csv", encoding="utf-8", newline="") as fh:
            return [tuple(row[k] for k in keys) for row in csv.DictReader(fh)]

    want = tenancies(ROOT / "scenarios" / "reskontro.csv", tmp_path / "a")
    assert len(want) == 12 and {w[1] for w in want} >= {"on_time", "creeping"}
    assert tenancies(VARIANTS / variant, tmp_path / "b") == want


def test_a_headerless_export_gets_a_map_guessed_from_its_cells_and_reads_with_a_header_added():
    """Jæren Sparebank's export (elv's test file: ISO-8859-1, CRLF, DD-MM-YYYY, no header row):
    refused naming its first row; the sample map is guessed from the cells, not from words in a
    booking text (`Betalingsdato: 02.09.2015` is no date column); with a header line added as
    the docs say, both bookings are read."""
    from planner.statement.csvfile import read_csv
    from planner.statement.guess import guess_columns

    data = (REAL / "elv-jaeren-sparebank-iso-8859-1-dos-crlf.csv").read_bytes()
    rows = [r.split(";") for r in data.decode("latin-1").replace('"', "").splitlines()]
    guessed = guess_columns(rows[0], rows[1:])
    assert guessed["date"] == "02-09-2015" and guessed["text"].startswith("Overførsel")
    st = read_csv(b"Dato;Rentedato;Tekst;Bel\xf8p;Saldo\r\n" + data, "jaeren.csv")
    assert [(e.booked, e.amount_ore) for e in st.entries] == [(date(2015, 9, 1), 30000), (date(2015, 9, 2), 30000)]
    assert st.closing_ore == 60047

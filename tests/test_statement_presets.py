"""Issue 22: bank presets for CSV/XLSX exports, XLSX statements, the sample column map for a file
no preset fits, and the bundled sample statement and rent ledger.

The preset files are written here in each bank's layout with fictitious rows; they test that
the preset reads the layout as its data file describes it, not that a bank still exports so.
"""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from statement_gen import generate, write_csv

from planner.io.tables import ColumnMap
from planner.statement import StatementError, read_bytes
from planner.statement.presets import matching, presets

ROOT = Path(__file__).resolve().parent.parent

#: (day, text, øre) fictitious bookings over four months: a benefit, the rent, a purchase
ROWS = [(date(2026, m, d), text, ore) for m in (1, 2, 3, 4) for d, text, ore in (
    (2, "AvtaleGiro husleie", -675000), (20, "NAV barnetrygd", 176600), (23, "REMA 1000", -123450))]


def _kr(ore: int, minus: bool = True) -> str:
    sign = "-" if ore < 0 and minus else ""
    kr, rest = divmod(abs(ore), 100)
    return f"{sign}{kr:,}".replace(",", ".") + f",{rest:02d}"  # 1.234,50: the thousands point


def _layout(name: str) -> tuple[str, list[str]]:
    """The header and rows of a small file in this preset's layout (newest first, as banks do)."""
    out = []
    bal = 500000
    lines = []
    for d, text, ore in ROWS:
        bal += ore
        dd, iso = d.strftime("%d.%m.%Y"), d.strftime("%Y/%m/%d")
        inn, ut = (_kr(ore) if ore > 0 else ""), (_kr(-ore) if ore < 0 else "")
        lines.append({
            "dnb": f"{dd};{text};{dd};{ut};{inn}",
            "nordea": f"{iso};{_kr(ore)};;;Fiktiv Betaler;{text};NOK;{_kr(bal)};Betaling",
            "sparebank1": f"{dd};{text};{dd};{inn};{'-' + ut if ut else ''};;;{_kr(bal)}",
            "sbanken": f"{dd};{dd};123456;OVFNETTB;{text};{ut};{inn}",
            # the benefit's name only in Melding/KID/Fakt.nr, the description generic
            "sdc": f"{dd};{dd};{dd};{'Overføring' if ore > 0 else text};Giro;Betaling;;Fiktiv;;;{inn};"
                   f"{'-' + ut if ut else ''};NOK;Bokført;{text if ore > 0 else ''}",
            "danske": f"{dd};Bolig;Diverse;{text};{_kr(ore)};{_kr(bal)};Udført;Nei",
        }[name])
    header = {
        "dnb": "Dato;Forklaring;Rentedato;Ut fra konto;Inn på konto",
        "nordea": "Bokføringsdato;Beløp;Avsender;Mottaker;Navn;Tittel;Valuta;Saldo;Betalingstype",
        "sparebank1": "Dato;Beskrivelse;Rentedato;Inn;Ut;Til konto;Fra konto;Saldo",
        "sbanken": "BOKFØRINGSDATO;RENTEDATO;ARKIVREFERANSE;TYPE;TEKST;UT FRA KONTO;INN PÅ KONTO",
        "sdc": "Utført dato;Bokført dato;Rentedato;Beskrivelse;Type;Undertype;Fra konto;Avsender;Til konto;"
               "Mottakernavn;Beløp inn;Beløp ut;Valuta;Status;Melding/KID/Fakt.nr",
        "danske": "Dato;Kategori;Underkategori;Tekst;Beløp;Saldo;Status;Avstemt",
    }[name]
    out = list(reversed(lines))
    return header, out


@pytest.mark.parametrize("name", ["dnb", "nordea", "sparebank1", "sbanken", "sdc", "danske"])
def test_each_preset_reads_a_file_in_its_layout(name):
    header, lines = _layout(name)
    assert matching(header.split(";")).name == name  # picked from the header alone
    data = ("\n".join([header, *lines]) + "\n").encode("cp1252")
    st = read_bytes(data, f"{name}.csv")
    assert [(e.booked, e.amount_ore) for e in st.entries] == [(d, o) for d, _, o in ROWS]
    assert sum(1 for e in st.entries if "barnetrygd" in e.text.casefold()) == 4
    if name in ("nordea", "sparebank1", "danske"):
        assert st.closing_ore == 500000 + sum(o for _, _, o in ROWS)  # the newest row's balance
    # forcing the preset gives the same; forcing another is refused in one line naming the columns
    forced = read_bytes(data, f"{name}.csv", columns=ColumnMap(preset=name))
    assert forced.entries == st.entries
    other = "danske" if name != "danske" else "dnb"
    with pytest.raises(StatementError) as exc:
        read_bytes(data, f"{name}.csv", columns=ColumnMap(preset=other))
    assert f"the {other} preset's columns" in str(exc.value.problems[0])


def test_every_preset_says_what_it_is_based_on():
    assert {p.name for p in presets()} == {"dnb", "nordea", "sparebank1", "sbanken", "sdc", "danske"}
    for p in presets():
        assert p.status in ("sample-file", "public-parsers", "unverified") and len(p.source) > 40
        assert len(p.evidence) > 40, p.name  # what it was checked against, or that nothing was found
        assert p.bank and p.headers and p.text


def test_preset_decimal_style_and_reserved_rows():
    """A decimal-comma bank's `1.234` is 1 234 kr (refused as unclear without a preset); an SDC
    row marked Reservert is not on the account yet."""
    header, lines = _layout("sdc")
    lines.insert(0, "28.04.2026;;;Reservert kjøp;Varekjøp;;;;;;;-99,00;NOK;Reservert;")
    st = read_bytes(("\n".join([header, *lines]) + "\n").encode(), "sdc.csv")
    assert len(st.entries) == len(ROWS) and st.entries[0].amount_ore == -675000
    body = "\n".join(f"{d:02d}.{m:02d}.2026;NAV;{d}.03.2026;;1.234" for m in (1, 2, 3, 4) for d in (10,))
    st = read_bytes(("Dato;Forklaring;Rentedato;Ut fra konto;Inn på konto\n" + body).encode(), "dnb.csv")
    assert {e.amount_ore for e in st.entries} == {123400}


def test_unknown_preset_name_is_one_line(tmp_path):
    header, lines = _layout("dnb")
    src = tmp_path / "dnb.csv"
    src.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    r = _cli("import-statement", str(src), "--preset", "sparebank9", "--out", str(tmp_path / "o.toml"))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert "--preset sparebank9: no such bank preset; allowed: dnb, nordea, sparebank1, sbanken, sdc, danske" in r.stderr


def _xlsx(rows: list[list[object]]) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_with_title_rows_reads_like_the_csv():
    """Excel cells: dates as dates, amounts as numbers (never through float text), two title rows."""
    rows: list[list[object]] = [["Kontoutskrift brukskonto"], ["Periode 01.01.2026 - 30.04.2026"],
                                ["Bokført dato", "Beskrivelse", "Beløp inn", "Beløp ut", "Melding/KID/Fakt.nr"]]
    for d, text, ore in reversed(ROWS):
        rows.append([datetime(d.year, d.month, d.day), text, ore / 100 if ore > 0 else None,
                     ore / 100 if ore < 0 else None, ""])
    st = read_bytes(_xlsx(rows), "konto.xlsx")
    assert [(e.booked, e.amount_ore) for e in st.entries] == [(d, o) for d, _, o in ROWS]
    # text cells as a bank writes them work too, and the sniffed format is the CSV reader's
    rows[3][3] = "1 234,50"  # the newest row, the purchase
    assert read_bytes(_xlsx(rows), "konto.xlsx").entries[-1].amount_ore == -123450


def test_xlsx_not_a_workbook_is_one_line():
    data = _xlsx([["a"]])[:200] + b"\x00" * 50
    with pytest.raises(StatementError) as exc:
        read_bytes(data, "brutt.xlsx")
    assert "brutt.xlsx" in str(exc.value.problems[0])


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "planner", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


UNKNOWN = ("Bokf|Hva skjedde|Sum kr|Saldo etter\n" + "".join(
    f"2026-{m:02d}-{d:02d}|{t}|{o / 100:.2f}|0.00\n".replace(".", ",") for m in (1, 2, 3, 4)
    for d, t, o in ((2, "AvtaleGiro husleie", -675000), (20, "NAV barnetrygd", 176600)))).encode()


def test_unknown_columns_write_a_sample_map_once(tmp_path):
    src = tmp_path / "bank.csv"
    src.write_bytes(UNKNOWN)
    sample = tmp_path / "bank.csv.kolonner.toml"
    out = tmp_path / "utkast.toml"
    r = _cli("import-statement", str(src), "--out", str(out))
    assert r.returncode == 2 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert "first line has 'Bokf', 'Hva skjedde', 'Sum kr', 'Saldo etter'" in r.stderr
    assert f"a sample column map is written to {sample}: correct it and give --columns {sample}" in r.stderr
    assert stat.S_IMODE(os.stat(sample).st_mode) == 0o600 and not out.exists()
    text = sample.read_text(encoding="utf-8")
    assert 'date = "Bokf"' in text and 'amount = "Sum kr"' in text and 'text = "Hva skjedde"' in text
    assert 'balance = "Saldo etter"' in text and 'separator = "|"' in text
    assert "husleie" not in text and "barnetrygd" not in text  # column names only, never a booking
    # the guessed map works as it stands; a second refusal does not overwrite an edited map
    r = _cli("import-statement", str(src), "--columns", str(sample), "--out", str(out))
    assert r.returncode == 0, r.stderr
    sample.write_text("# mine rettelser\n", encoding="utf-8")
    r = _cli("import-statement", str(src), "--out", str(tmp_path / "x.toml"))
    assert r.returncode == 2 and "already exists (not overwritten)" in r.stderr
    assert sample.read_text(encoding="utf-8") == "# mine rettelser\n"


def bundled_statement() -> bytes:
    """scenarios/kontoutskrift-sparebank1.csv: the generator's seed 8 in SpareBank 1's layout."""
    return write_csv(generate(8), "sparebank")


def bundled_ledger(path: Path) -> None:
    """scenarios/reskontro.csv: 12 fictitious tenancies from planner/ledger/synth.py, seed 22."""
    from planner.ledger.synth import generate as ledger
    from planner.ledger.synth import to_csv

    to_csv(ledger(12, months=24, start=date(2025, 1, 1), seed=22), path, sep=";", norwegian=True,
           as_of=date(2026, 12, 20))


def test_bundled_samples_are_the_generators_output(tmp_path):
    assert (ROOT / "scenarios/kontoutskrift-sparebank1.csv").read_bytes() == bundled_statement()
    bundled_ledger(tmp_path / "r.csv")
    assert (ROOT / "scenarios/reskontro.csv").read_bytes() == (tmp_path / "r.csv").read_bytes()


def test_bundled_sample_statement_gives_the_readme_draft(tmp_path):
    out = tmp_path / "utkast.toml"
    r = _cli("import-statement", "scenarios/kontoutskrift-sparebank1.csv", "--as-of", "2026-01-01", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip() == (f"Utkast: {out} (2 inntekter, 3 utgifter, 3 poster ikke tatt med); "
                                "kontroller det før planlegging.")
    text = out.read_text(encoding="utf-8")
    assert 'kind = "aap"' in text and 'kind = "bostotte"' in text and 'kind = "husleie"' in text
    assert "opening_balance = 31956" in text
    readme = (ROOT / "docs" / "reference" / "statement-formats.md").read_text(encoding="utf-8")  # its bundled examples
    assert "$ planner import-statement scenarios/kontoutskrift-sparebank1.csv --as-of 2026-01-01" in readme
    assert r.stderr.strip().replace(str(out), "utkast.toml") in readme
    for line in text.splitlines()[3:9]:  # the docs show the draft's head as printed
        assert line in readme, line


def test_bundled_ledger_runs(tmp_path):
    out = tmp_path / "ledger-out"
    r = _cli("ledger", "scenarios/reskontro.csv", "--out", str(out), "--as-of", "2026-12-20")
    assert r.returncode == 0, r.stderr
    shown = [line for line in r.stdout.splitlines() if not line.startswith("på kontaktlisten")]  # (seconds)
    docs = "\n".join(p.read_text(encoding="utf-8") for p in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))])
    for line in shown:
        assert line in docs, line
    assert (out / "tenancies.csv").exists()

"""Office-style variants of the real Norwegian sample files in tests/data/real: the same bookings
as an office re-saves them (Excel XLSX with a title row, Windows-1252 CSV with preamble lines,
`;` and a decimal comma), and the project's sample ledger as offices export it.
`python tests/real_variants.py` writes them to tests/data/real/variants/;
tests/test_real_corpus.py checks that each reads the same bookings as its original.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

REAL = Path(__file__).resolve().parent / "data" / "real"
VARIANTS = REAL / "variants"
PREAMBLE = ["Kontoutskrift", "Konto: 1234.56.78901", "Periode: se radene under", ""]


def _rows_of_csv(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8-sig")
    return [r for r in csv.reader(io.StringIO(text), delimiter=";")]


def _rows_of_xlsx(path: Path) -> list[list[object]]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    finally:
        wb.close()


def _xlsx(rows: list[list[object]], title: list[str]) -> bytes:
    """A workbook as Excel saves a report: title rows above the header (XlsxWriter, fixed
    creation date so the bytes are the same each time)."""
    import datetime

    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.set_properties({"created": datetime.datetime(2026, 1, 1)})
    ws = wb.add_worksheet("Kontoutskrift")
    date_fmt = wb.add_format({"num_format": "dd.mm.yyyy"})
    for i, line in enumerate(title):
        ws.write_string(i, 0, line)
    for r, row in enumerate(rows, start=len(title)):
        for c, value in enumerate(row):
            if isinstance(value, datetime.datetime):
                ws.write_datetime(r, c, value, date_fmt)
            elif isinstance(value, int | float):
                ws.write_number(r, c, value)
            elif value not in (None, ""):
                ws.write_string(r, c, str(value))
    wb.close()
    return buf.getvalue()


def _number(text: str) -> object:
    """A Norwegian amount cell as Excel stores it after opening the CSV: a number."""
    from decimal import Decimal

    t = text.replace(" ", "").replace(",", ".")
    try:
        d = Decimal(t)
    except ArithmeticError:
        return text
    return float(d)


def _day(text: str) -> object:
    import datetime

    try:
        d, m, y = (int(x) for x in text.split("."))
        return datetime.datetime(y, m, d)
    except ValueError:
        return text


def variants() -> dict[str, bytes]:
    """name -> bytes of every variant, from the originals (deterministic)."""
    out: dict[str, bytes] = {}
    sb1 = _rows_of_csv(REAL / "beancount-no-sparebank1-sb1.csv")
    lines = [";".join(r) for r in sb1]
    out["sb1-preamble-cp1252.csv"] = "\r\n".join(PREAMBLE + lines).encode("cp1252") + b"\r\n"
    typed = [sb1[0]] + [[_day(r[0]), r[1], r[2], _number(r[3]) if r[3] else None,
                         _number(r[4]) if r[4] else None, *r[5:]] for r in sb1[1:]]
    out["sb1-title.xlsx"] = _xlsx(typed, ["Kontoutskrift SpareBank 1", "Utskrevet 01.03.2025"])
    dnb = _rows_of_xlsx(REAL / "beancount-no-dnb-sample_statement.xlsx")
    text = [[("" if v is None else v.strftime("%d.%m.%Y") if hasattr(v, "strftime")
              else str(v).replace(".", ",") if isinstance(v, int | float) else str(v)) for v in r] for r in dnb]
    out["dnb-mastercard-preamble-cp1252.csv"] = "\r\n".join(
        PREAMBLE + [";".join(r) for r in text]).encode("cp1252") + b"\r\n"
    out.update(ledger_variants())
    return out


#: the bundled ledger's kinds as a Norwegian ledger program writes them
LEDGER_WORDS = {"charge": "Husleie", "payment": "Innbetaling", "reversal": "Tilbakeføring",
                "returned": "Avvist AvtaleGiro", "instalment": "Avdrag betalingsavtale"}
LEDGER_TITLE = ["Reskontroutskrift leieforhold", "Utleier: Eksempel kommune", ""]


def ledger_variants() -> dict[str, bytes]:
    """The project's own sample ledger (scenarios/reskontro.csv, not a real file: no real
    ledger could be bundled) as offices export it: Norwegian headers and words, title rows,
    dates with a time of day, thousands points, payments in parentheses; as Windows-1252 CSV
    and as XLSX with typed cells."""
    import datetime

    src = REAL.parent.parent.parent / "scenarios" / "reskontro.csv"
    rows = _rows_of_csv(src)
    assert rows[0] == ["tenancy", "date", "kind", "amount", "text"]
    header = ["Leieforhold", "Bokført", "Type", "Beløp", "Tekst"]
    text_rows, typed = [], []
    for tenancy, day, kind, amount, text in rows[1:]:
        ore = round(float(amount.replace(",", ".")) * 100)
        kr = f"{ore // 100:,}".replace(",", ".") + f",{ore % 100:02d}"
        shown = f"({kr})" if kind in ("payment", "instalment") else kr
        d, m, y = (int(x) for x in day.split("."))
        text_rows.append([tenancy, f"{d:02d}.{m:02d}.{y} 00:00:00", LEDGER_WORDS[kind], shown, text])
        typed.append([tenancy, datetime.datetime(y, m, d), LEDGER_WORDS[kind],
                      -ore / 100 if kind in ("payment", "instalment") else ore / 100, text])
    body = [";".join(r) for r in [header, *text_rows]]
    return {"reskontro-title-cp1252.csv": "\r\n".join(LEDGER_TITLE + body).encode("cp1252") + b"\r\n",
            "reskontro-title.xlsx": _xlsx([header, *typed], LEDGER_TITLE[:2])}


def main() -> None:
    VARIANTS.mkdir(exist_ok=True)
    for name, data in variants().items():
        (VARIANTS / name).write_bytes(data)


if __name__ == "__main__":
    main()

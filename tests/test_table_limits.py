"""Limits of every table read (planner/io/tables/limits.py): a small XLSX that unpacks to a
sheet of millions of rows is refused before it is parsed, quickly and with flat memory, with one
clear line, by the ledger, the batch and the statement readers, on the command line and in the
web page. Before the limits, the ledger read the whole sheet (minutes, 0.8 GB) and the batch
loaded it into pandas."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner.cli import main
from planner.io.tables.limits import COMMAND_LINE, SHEET_ROWS, WEB, TableLimits, TableTooLarge, check_xlsx

_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
          'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
          '+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
          'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
          'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
          'spreadsheetml.worksheet+xml"/></Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
         'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
         'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WB = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
       'main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{sheet}"'
       ' sheetId="1" r:id="rId1"/></sheets></workbook>')
_WB_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')


def _row(cells: list[str]) -> bytes:
    return ("<row>" + "".join(f'<c t="inlineStr"><is><t>{v}</t></is></c>' for v in cells) + "</row>").encode()


def sheet_bomb(path: Path, header: list[str], row: list[str], rows: int, sheet: str = "Sheet1") -> Path:
    """A workbook of `rows` identical rows under `header`, written straight into the zip (a few
    seconds for millions of rows; deflate makes 2 million rows about a megabyte)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", _TYPES)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _WB.format(sheet=sheet))
        zf.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                     b'spreadsheetml/2006/main"><sheetData>' + _row(header))
            block = _row(row) * 10_000
            for _ in range(rows // 10_000):
                fh.write(block)
            fh.write(_row(row) * (rows % 10_000) + b"</sheetData></worksheet>")
    return path


LEDGER_HEADER = ["tenancy", "date", "kind", "amount"]
LEDGER_ROW = ["L-1", "2026-01-01", "charge", "9500"]


@pytest.fixture(scope="module")
def two_million(tmp_path_factory) -> Path:
    """The audit's file: 2 million ledger rows in about a megabyte."""
    return sheet_bomb(tmp_path_factory.mktemp("bomb") / "reskontro.xlsx", LEDGER_HEADER, LEDGER_ROW, 2_000_000)


def cli(*args: str):
    res = CliRunner().invoke(main, list(args))
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert "Traceback" not in res.output
    return res


def test_the_bomb_is_small(two_million: Path):
    assert two_million.stat().st_size < 2 * 1024 * 1024


def test_check_xlsx_counts_rows_and_cells_without_parsing(tmp_path: Path, two_million: Path):
    small = sheet_bomb(tmp_path / "small.xlsx", LEDGER_HEADER, LEDGER_ROW, 99)
    check_xlsx(small, "small.xlsx", TableLimits(sheet_rows=100, sheet_cells=400))  # header + 99 rows: 100, 400
    with pytest.raises(TableTooLarge, match="more than 99 rows"):
        check_xlsx(small, "small.xlsx", TableLimits(sheet_rows=99))
    with pytest.raises(TableTooLarge, match="more than 399 cells"):
        check_xlsx(small, "small.xlsx", TableLimits(sheet_cells=399))
    with pytest.raises(TableTooLarge, match="byte"):
        check_xlsx(small, "small.xlsx", TableLimits(unpacked_bytes=1000))
    t0 = time.perf_counter()
    with pytest.raises(TableTooLarge) as exc:
        check_xlsx(two_million, "reskontro.xlsx", COMMAND_LINE)
    assert time.perf_counter() - t0 < 30  # generous for a busy machine; about a second when quiet
    assert "reskontro.xlsx" in exc.value.nb and f"{SHEET_ROWS:,}".replace(",", " ") in exc.value.nb
    check_xlsx(b"not a zip", "x.xlsx")  # no zip: the reader that follows says so


def test_ledger_refuses_the_bomb_in_one_line(tmp_path: Path, two_million: Path):
    res = cli("ledger", str(two_million), "--out", str(tmp_path / "o"), "--as-of", "2026-03-01")
    assert res.exit_code == 2, res.output
    errors = [ln for ln in res.output.splitlines() if ln.startswith("error")]
    assert len(errors) == 1 and "reskontro.xlsx" in errors[0] and "rader" in errors[0], res.output
    assert not (tmp_path / "o").exists()


def test_ledger_csv_rows_are_limited_as_they_come(tmp_path: Path, monkeypatch):
    from planner.ledger.run import LedgerInputError, LedgerOptions, run_ledger

    path = tmp_path / "l.csv"
    path.write_text("tenancy,date,kind,amount\n" + "L-1,2026-01-01,charge,9500\n" * 500, encoding="utf-8")
    out = tmp_path / "o"
    from datetime import date

    opts = LedgerOptions(out=out, as_of=date(2026, 3, 1), chunk_rows=100, limits=TableLimits(rows=499))
    with pytest.raises(LedgerInputError, match="l.csv: flere enn 499 rader"):
        run_ledger(path, opts)
    assert not out.exists()
    opts = LedgerOptions(out=out, as_of=date(2026, 3, 1), chunk_rows=100, limits=TableLimits(rows=500))
    assert run_ledger(path, opts).rows_read == 500
    with pytest.raises(LedgerInputError, match="større enn"):
        run_ledger(path, LedgerOptions(out=tmp_path / "o2", as_of=date(2026, 3, 1),
                                       limits=TableLimits(unpacked_bytes=1000)))


def test_batch_refuses_the_bomb_and_goes_on(tmp_path: Path):
    bomb = sheet_bomb(tmp_path / "tenants.xlsx", ["id", "start", "rent"], ["hh-1", "2026-01-01", "9500"],
                      SHEET_ROWS + 1, sheet="tenants")
    t0 = time.perf_counter()
    res = cli("batch", str(bomb), "--out", str(tmp_path / "o"), "--check-only", "--workers", "1",
              "--as-of", "2026-03-01")
    assert time.perf_counter() - t0 < 120, "refused before parsing"
    assert res.exit_code != 0 or "tenants.xlsx" in (tmp_path / "o" / "errors.csv").read_text(encoding="utf-8")
    text = (tmp_path / "o" / "errors.csv").read_text(encoding="utf-8")
    assert "tenants.xlsx" in text and "1 048 576 rows" in text, text


def test_batch_csv_rows_are_limited(tmp_path: Path, monkeypatch):
    import planner.io.tables.limits as limits

    monkeypatch.setattr(limits, "COMMAND_LINE", TableLimits(rows=50))
    path = tmp_path / "tenants.csv"
    path.write_text("id,start,rent\n" + "".join(f"hh-{i},2026-01-01,9500\n" for i in range(60)), encoding="utf-8")
    cli("batch", str(path), "--out", str(tmp_path / "o"), "--check-only", "--workers", "1", "--as-of", "2026-03-01")
    text = (tmp_path / "o" / "errors.csv").read_text(encoding="utf-8")
    assert "more than 50 rows" in text, text


def test_statement_refuses_the_bomb(tmp_path: Path):
    from planner.statement.model import StatementError
    from planner.statement.xlsxfile import sheet_rows

    bomb = sheet_bomb(tmp_path / "konto.xlsx", ["Dato", "Beløp", "Tekst"], ["01.01.2026", "100", "x"], SHEET_ROWS + 1)
    with pytest.raises(StatementError) as exc:
        sheet_rows(bomb.read_bytes(), "konto.xlsx")
    assert "200 000 rows" in str(exc.value)  # a statement is small: the web page's limits everywhere
    from planner.statement.messages import norwegian

    assert "flere enn 200 000 rader" in norwegian(exc.value.problems[0])


def test_web_ledger_upload_refuses_over_its_limit(tmp_path: Path):
    from fastapi.testclient import TestClient

    from planner.web.app import create_app

    bomb = sheet_bomb(tmp_path / "r.xlsx", LEDGER_HEADER, LEDGER_ROW, WEB.sheet_rows + 1)
    app = create_app(f"sqlite:///{tmp_path / 'web.db'}", secret="test-secret")
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        token = c.get("/reskontro").text.split('name="csrf_token" value="')[1].split('"')[0]
        res = c.post("/reskontro", data={"csrf_token": token, "as_of": "2026-03-01"},
                     files={"ledger": ("r.xlsx", bomb.read_bytes(), "application/octet-stream")})
    assert res.status_code == 422, res.status_code
    assert "r.xlsx" in res.text and "flere enn 200 000 rader" in res.text

"""`planner import-statement` of a PDF kontoutskrift: generated statements printed to PDF the way
net banks print them (WeasyPrint, two layouts), read back and compared with the same statement
as CSV; a scanned (image-only), encrypted or broken PDF is refused in one line."""

from __future__ import annotations

import html
import io
import re
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from statement_gen import Case, generate, write_csv
from statement_truth import match

from planner.io.household import household_from_dict
from planner.statement import StatementError, detect, household_document, read_bytes
from planner.statement.read import join

ROOT = Path(__file__).resolve().parent.parent
SEEDS = range(48)

_CSS = """
@page { size: A4; margin: 18mm 14mm; }
body { font-family: sans-serif; font-size: 8.5pt; }
table { width: 100%; border-collapse: collapse; }
th { text-align: left; border-bottom: 1px solid #000; padding: 2pt 4pt; }
td { padding: 1.5pt 4pt; vertical-align: top; }
.n { text-align: right; white-space: nowrap; }
th.n { text-align: right; }
"""


def _kr(ore: int, sign: bool = True) -> str:
    """`1 234,50` / `-1 234,50` as a bank prints it (a space between thousands)."""
    minus = "-" if ore < 0 and sign else ""
    kr, rest = divmod(abs(ore), 100)
    return f"{minus}{kr:,}".replace(",", " ") + f",{rest:02d}"


def write_pdf(case: Case, layout: str, bad_date: int | None = None, period: bool = True, css: str = "") -> bytes:
    """`ut-inn`: DNB-like, oldest first, `Dato Forklaring Rentedato Ut av konto Inn på konto`,
    full dates, closing balance on a line below the table.
    `belop`: Nordea-like, newest first, `Dato Tekst Beløp Saldo` with signed amounts and
    `dd.mm` dates, the year only in the period line above the table.
    `bad_date`: the booking of this index gets an impossible date (a damaged row); `css` is
    added to the style sheet (another bank's alignment)."""
    from weasyprint import HTML

    head = ("<h1>Kontoutskrift</h1><p>Kari Nordmann, kontonummer 1503.20.12345</p>"
            + (f"<p>Periode: {case.start:%d.%m.%Y} - {case.end:%d.%m.%Y}</p>" if period else ""))
    rows, balance = [], case.opening_ore
    for b in case.bookings:
        balance += b.ore
        rows.append((b, balance))
    if layout == "ut-inn":
        body = ["<tr><th>Dato</th><th>Forklaring</th><th>Rentedato</th><th class=n>Ut av konto</th>"
                "<th class=n>Inn på konto</th></tr>"]
        for i, (b, _) in enumerate(rows):
            d = "31.13.2025" if i == bad_date else f"{b.day:%d.%m.%Y}"
            ut = _kr(-b.ore) if b.ore < 0 else ""
            inn = _kr(b.ore) if b.ore > 0 else ""
            body.append(f"<tr><td>{d}</td><td>{html.escape(b.text)}</td><td>{d}</td>"
                        f"<td class=n>{ut}</td><td class=n>{inn}</td></tr>")
        tail = f"<p>Utgående saldo {_kr(case.closing_ore)}</p>"
    else:
        body = ["<tr><th>Dato</th><th>Tekst</th><th class=n>Beløp</th><th class=n>Saldo</th></tr>"]
        for b, bal in reversed(rows):
            body.append(f"<tr><td>{b.day:%d.%m}</td><td>{html.escape(b.text)}</td>"
                        f"<td class=n>{_kr(b.ore)}</td><td class=n>{_kr(bal)}</td></tr>")
        tail = ""
    doc = (f"<html><head><meta charset=utf-8><style>{_CSS}{css}</style></head><body>{head}"
           f"<table><thead>{body[0]}</thead><tbody>{''.join(body[1:])}</tbody></table>{tail}</body></html>")
    return HTML(string=doc).write_pdf()


def _layout(seed: int) -> str:
    return "ut-inn" if seed % 2 else "belop"


def _draft(data: bytes, name: str, start: date):
    st = join([read_bytes(data, name)])
    found = detect(st)
    return st, found, household_document(found, start)


# --------------------------------------------------------------------------- the same as CSV


@pytest.mark.parametrize("layout", ["ut-inn", "belop"])
def test_pdf_reads_the_same_bookings_and_draft_as_csv(layout):
    case = generate(3)
    pdf = write_pdf(case, layout)
    csv = write_csv(case, "sparebank")
    st_pdf, _, doc_pdf = _draft(pdf, "kontoutskrift.pdf", case.truth.start)
    st_csv, _, doc_csv = _draft(csv, "kontoutskrift.csv", case.truth.start)
    # the same bookings (within a day the order follows the file: oldest or newest first)
    assert sorted((e.booked, e.amount_ore, e.text) for e in st_pdf.entries) == \
        sorted((e.booked, e.amount_ore, e.text) for e in st_csv.entries)
    assert st_pdf.closing_ore == st_csv.closing_ore == case.closing_ore
    assert not st_pdf.rejected
    assert doc_pdf == doc_csv
    # the row location names page and line
    assert all(e.where.startswith("kontoutskrift.pdf, page ") and ", line " in e.where for e in st_pdf.entries)
    assert {e.where.split(",")[1] for e in st_pdf.entries} != {" page 1"}, "a statement of several pages"


@pytest.mark.parametrize("css", [
    "th.n { text-align: left; }",  # left headers over right-aligned amounts
    "th.n { text-align: left; } td.n, th.n { width: 22%; }",  # ... in wide columns: no overlap at all
    ".n, th.n { text-align: left; }",
    "th.n { text-align: center; }",
])
def test_pdf_columns_found_whatever_the_alignment(css):
    case = generate(8)
    want = sorted((b.day, b.ore, b.text) for b in case.bookings)
    for layout in ("ut-inn", "belop"):
        st = read_bytes(write_pdf(case, layout, css=css), "k.pdf")
        assert sorted((e.booked, e.amount_ore, e.text) for e in st.entries) == want, (css, layout)
        assert st.closing_ore == case.closing_ore and not st.rejected


@pytest.mark.slow  # 48 statements printed to PDF and read back
def test_detection_precision_recall_on_generated_pdf_statements():
    """The measure of tests/test_statement.py on the 48 generated households, printed to PDF
    (the two layouts in turn): precision and recall of the streams at least 0.95, and every
    draft the same as the CSV's."""
    c = Counter()
    for seed in SEEDS:
        case = generate(seed)
        st, _, doc = _draft(write_pdf(case, _layout(seed)), f"s{seed}.pdf", case.truth.start)
        _, _, doc_csv = _draft(write_csv(case, "sparebank"), f"s{seed}.csv", case.truth.start)
        december = any(e.booked.month == 12 for e in st.entries)
        tp, detected, true = match(case.truth, household_from_dict(doc, "utkast"), december)
        c.update(tp=tp, detected=detected, true=true, statements=1, same_as_csv=doc == doc_csv)
    precision, recall = c["tp"] / c["detected"], c["tp"] / c["true"]
    line = (f"pdf      statements {c['statements']:3}  streams true {c['true']:4} found {c['detected']:4} "
            f"right {c['tp']:4}  precision {precision:.3f}  recall {recall:.3f}  "
            f"draft same as CSV {c['same_as_csv']}/{c['statements']}")
    print("\n" + line)
    assert precision >= 0.95 and recall >= 0.95, line
    assert c["same_as_csv"] == c["statements"], line


def test_pdf_chosen_by_suffix_and_by_format_option(tmp_path):
    case = generate(5)
    src = tmp_path / "kontoutskrift.pdf"
    src.write_bytes(write_pdf(case, "ut-inn"))
    out = tmp_path / "utkast.toml"
    r = _cli("import-statement", str(src), "--as-of", case.truth.start.isoformat(), "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert r.stderr.startswith("Utkast: "), r.stderr  # no library warning on stderr
    renamed = tmp_path / "utskrift.dat"
    renamed.write_bytes(src.read_bytes())
    out2 = tmp_path / "utkast2.toml"
    r2 = _cli("import-statement", str(renamed), "--format", "pdf", "--as-of", case.truth.start.isoformat(),
              "--out", str(out2))
    assert r2.returncode == 0, r2.stderr
    assert out.read_text(encoding="utf-8") == out2.read_text(encoding="utf-8")
    text = out.read_text(encoding="utf-8")
    assert "Kari Nordmann" not in text and "1503" not in text


# --------------------------------------------------------------------------- refused in one line


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "planner", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def _image_pdf() -> bytes:
    """A scanned page: an image in a PDF, no text layer (Pillow writes the PDF)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (600, 800), "white")
    ImageDraw.Draw(img).rectangle((50, 50, 550, 120), outline="black")
    buf = io.BytesIO()
    img.save(buf, format="PDF", resolution=72)
    return buf.getvalue()


def _encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(write_pdf(generate(1), "belop"))))
    writer.encrypt(user_password="hemmelig", owner_password="eier", algorithm="AES-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


@pytest.mark.parametrize("what, make, message", [
    ("scan", _image_pdf, "has no text layer (a scanned image): ask for the bank's PDF or a CSV export"),
    ("encrypted", _encrypted_pdf, "is an encrypted (password-protected) PDF"),
    ("broken", lambda: b"%PDF-1.7\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\ntrailer <<>>\n%%EOF\n",
     "is a broken PDF that cannot be read"),
    ("truncated", lambda: write_pdf(generate(2), "belop")[:1500], "is a broken PDF that cannot be read"),
    ("not a pdf", lambda: b"Dato;Tekst\n", "is not a PDF document"),
    ("no table", lambda: __import__("weasyprint").HTML(string="<p>Hei</p>").write_pdf(),
     "is a PDF without a table of bookings"),
])
def test_unreadable_pdf_is_refused_in_one_line_with_exit_2(tmp_path, what, make, message):
    src = tmp_path / "kontoutskrift.pdf"
    src.write_bytes(make())
    r = _cli("import-statement", str(src), "--out", str(tmp_path / "u.toml"))
    assert r.returncode == 2, (what, r.stderr)
    assert r.stderr.count("\n") == 1 and r.stderr.startswith(f"error: {src}: "), (what, r.stderr)
    assert message in r.stderr, (what, r.stderr)
    assert "Traceback" not in r.stderr and not (tmp_path / "u.toml").exists()


def test_a_bad_row_is_reported_with_page_and_line(tmp_path):
    case = generate(4)
    bad = len(case.bookings) - 3  # on the second page
    st = read_bytes(write_pdf(case, "ut-inn", bad_date=bad), "k.pdf")
    assert len(st.entries) == len(case.bookings) - 1 and len(st.rejected) == 1
    assert re.fullmatch(r"k\.pdf: page 2, line \d+: Dato: not a date: '31\.13\.2025'; write DD\.MM\.YYYY",
                        str(st.rejected[0])), str(st.rejected[0])
    src = tmp_path / "k.pdf"
    src.write_bytes(write_pdf(case, "ut-inn", bad_date=bad))
    r = _cli("import-statement", str(src), "--as-of", case.truth.start.isoformat(), "--out", str(tmp_path / "u.toml"))
    assert r.returncode == 0, r.stderr
    assert "1 rad(er) avvist" in r.stderr and "page 2, line " in r.stderr
    # no booking text reaches the terminal
    assert not any(b.text in r.stderr for b in case.bookings if len(b.text) > 4), r.stderr


def test_dates_without_a_year_and_no_period_are_refused():
    """`dd.mm` rows take their year from the period line; without one the year is not guessed."""
    with pytest.raises(StatementError, match=r"k\.pdf: page 1, line \d+: Dato: dates without a year \('\d\d\.\d\d'\) "
                       "and no period with a year in the file"):
        read_bytes(write_pdf(generate(6), "belop", period=False), "k.pdf")

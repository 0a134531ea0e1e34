"""What a caseworker reads is Norwegian: each caseworker-facing command is run on the bundled
scenarios and its human outputs are searched for English words.

The machine files (results.csv, tenancies.csv, contact.csv, months.csv, patterns.jsonl,
summary.json, the plan JSON) keep their English column names and keys, which scripts and the plan
contract rely on, and are not searched. Searched: what the commands print, the summaries, the
contact list and its reasons, the evidence, the household drafts' comments, the CSVs for Excel,
and the text of the web page's Reskontro result. File names, paths and options (errors.csv,
drafts/L1.toml, --as-of) are taken out first: they are names, not prose.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner.cli import main

ROOT = Path(__file__).resolve().parent.parent
SCEN = ROOT / "scenarios"

#: English words that have no Norwegian homograph a caseworker's text would use
ENGLISH = ("the", "and", "of", "with", "would", "not", "none", "payment", "payments", "arrears", "tenancy",
           "tenancies", "month", "months", "reason", "creeping", "late", "missed", "irregular", "household",
           "households", "income", "rent", "confidence", "priority", "request", "collector", "balance", "rows",
           "error", "errors", "warning", "summary", "days", "due", "shortfall", "upper", "bound", "candidate",
           "pattern", "patterns", "evidence", "returned", "debits", "instalments", "planned", "results", "memory",
           "peak", "bounced", "tax", "refund", "one-off", "draft", "who", "contact", "first", "top", "read",
           "used", "blank", "lines", "must", "than", "whole", "number", "file", "without")
_WORD = re.compile(r"\b(" + "|".join(re.escape(w) for w in ENGLISH) + r")\b", re.IGNORECASE)
#: names, not prose: paths and file names, options, TOML tables, quoted column names and values
_NAMES = re.compile(r"\S*[/\\]\S*|\S+\.(?:csv|txt|toml|json|jsonl|xlsx|zip)\b|--[a-z-]+|\[\[?\w+\]\]?|'[^']*'|\b\w+ = ")


def english_words(text: str) -> list[str]:
    """The English words of `text`, each with a little of its line for the failure message."""
    hits = []
    for line in text.splitlines():
        clean = _NAMES.sub(" ", line)
        for m in _WORD.finditer(clean):
            hits.append(f"{m.group(0)!r} in: {clean.strip()[:160]}")
    return hits


def test_the_word_finder_finds_english_and_passes_norwegian():
    assert english_words("Restanse 9 500,00 kr; se errors.csv og drafts/L1.toml (--as-of)") == []
    assert len(english_words("Pattern creeping: the balance rose")) == 4
    assert english_words("månedsleier, husleie, innbetalinger, planlagt") == []


def _comments(toml_text: str) -> str:
    """The comments of a TOML draft (its keys are the household format's, in English)."""
    return "\n".join(line.split("#", 1)[1] for line in toml_text.splitlines() if "#" in line)


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8-sig")


def _check(outputs: dict[str, str]) -> None:
    found = {name: hits for name, text in outputs.items() if (hits := english_words(text))}
    assert not found, "English in what a caseworker reads:\n" + "\n".join(
        f"{name}: {h}" for name, hits in found.items() for h in hits[:5])


def test_batch_outputs_are_norwegian(tmp_path):
    out = tmp_path / "b"
    res = CliRunner().invoke(main, [
        "batch", str(SCEN / "batch" / "tenants.csv"), str(SCEN / "batch" / "payouts.csv"), "--out", str(out),
        "--as-of", "01.01.2026", "--no-progress", "--workers", "1"])
    assert res.exit_code == 0, res.output + res.stderr
    # results-excel.csv: the human columns; "Tiltak" holds the levers' short codes (identifiers)
    import csv

    rows = list(csv.DictReader(_read(out / "results-excel.csv").splitlines(), delimiter=";"))
    assert rows and "Merknad" in rows[0]
    human = "\n".join(";".join(v for k, v in r.items() if k != "Tiltak") for r in rows)
    _check({"stdout": res.stdout, "stderr": res.stderr, "summary.txt": _read(out / "summary.txt"),
            "results-excel.csv": human + "\n" + ";".join(rows[0]), "errors-excel.csv": _read(out / "errors-excel.csv")})


def test_batch_error_rows_are_norwegian(tmp_path):
    """A tenants row with a negative rent and a rent day of 40, an id used twice and a payout for
    an unknown household: errors-excel.csv and the row's note in results-excel.csv say why in
    Norwegian; errors.csv (the machine file) keeps English."""
    import csv

    lines = (SCEN / "batch" / "tenants.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    bad = lines[1].split(",")
    bad[header.index("rent")], bad[header.index("rent_day")] = "-5", "40"
    tenants, payouts = tmp_path / "tenants.csv", tmp_path / "payouts.csv"
    tenants.write_text("\n".join([lines[0], ",".join(bad), *lines[2:], lines[2]]) + "\n", encoding="utf-8")
    payouts.write_text((SCEN / "batch" / "payouts.csv").read_text(encoding="utf-8").rstrip("\n")
                       + "\nhh-9999,aap,1000,15,,,,,,,\n", encoding="utf-8")
    out = tmp_path / "b"
    res = CliRunner().invoke(main, ["batch", str(tenants), str(payouts), "--out", str(out),
                                    "--as-of", "01.01.2026", "--no-progress", "--workers", "1"])
    assert res.exit_code == 0, res.output + res.stderr
    machine = list(csv.DictReader(_read(out / "errors.csv").splitlines()))
    excel = list(csv.DictReader(_read(out / "errors-excel.csv").splitlines(), delimiter=";"))
    where = [("rent", "-5"), ("rent_day", "40"), ("id", lines[2].split(",")[0]), ("id", lines[2].split(",")[0]),
             ("household", "hh-9999")]
    assert [(r["column"], r["value"]) for r in machine] == where
    assert [(r["Kolonne"], r["Verdi"]) for r in excel] == where
    assert all(english_words(r["reason"]) for r in machine)  # the machine file is English: the check can fail
    assert [r["Hva er galt"] for r in excel][:2] == ["Beløpet må være større enn 0 kr.",
                                                     "Må være et helt tall fra 1 til 31."]
    results = list(csv.DictReader(_read(out / "results-excel.csv").splitlines(), delimiter=";"))
    notes = [r["Merknad"] for r in results if r["Merknad"].startswith("rent:")]
    assert len(notes) == 1
    # the column names are the input file's own (names, not prose): the reasons are checked
    _check({"errors-excel.csv": "\n".join(r["Hva er galt"] for r in excel) + "\n" + ";".join(excel[0]),
            "Merknad": notes[0].split(": ", 1)[1], "stdout": res.stdout})


def _page_text(html_text: str) -> str:
    """What the caseworker reads on a page: its main part, without scripts, styles and menus."""
    from lxml import html

    doc = html.fromstring(html_text)
    for bad in doc.xpath("//script|//style|//nav|//footer"):
        bad.drop_tree()
    main_part = doc.xpath("//main") or [doc]
    return main_part[0].text_content()


def _camt(currency: str) -> bytes:
    import sys

    sys.path.insert(0, str(ROOT / "tests"))
    from statement_gen import generate, write_camt053

    return write_camt053(generate(2), currency=currency)


#: bad statement files and a word of the Norwegian refusal each gets on the page
BAD_STATEMENTS = [
    ("x.pdf", b"%PDF-1.4 ...", "ødelagt"),
    ("bilde.png", b"\x89PNG\r\n\x1a\n" + bytes(200), "Ukjent filformat"),
    ("kort.csv", "Dato;Tekst;Beløp\n02.01.2026;a;-1,00\n27.02.2026;b;-2,00\n".encode(), "Dekker bare 57 dager"),
    ("eur.xml", None, "Kontoutskriften er i EUR"),
    ("rar.ofx", b"OFXHEADER:100\n<OFX><BANKMSGSRSV1>\x00\xff", "lesbar OFX"),
    ("ikke.xml", b"<?xml version='1.0'?><Document><a>", "gyldig XML"),
    ("datoer.csv", ("Dato;Tekst;Beløp\n" + "".join(f"{d}.13.2025;x;-1,00\n" for d in range(10, 20))).encode(),
     "10 av 10 rader kunne ikke leses"),
]


@pytest.mark.parametrize("name, data, word", BAD_STATEMENTS, ids=[b[0] for b in BAD_STATEMENTS])
def test_web_statement_refusals_are_norwegian(tmp_path, name, data, word):
    """A statement file that cannot be used: the page says why in Norwegian, as the CLI does in English."""
    pytest.importorskip("httpx")
    from fastapi.testclient import TestClient

    from planner.web.app import create_app

    app = create_app(f"sqlite:///{tmp_path / 'web.db'}", secret="test-secret")
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        page = c.get("/husstand/ny")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        r = c.post("/husstand/ny/kontoutskrift", data={"csrf_token": token},
                   files={"statement": (name, data if data is not None else _camt("EUR"), "application/octet-stream")})
    assert r.status_code == 422, r.text[:300]
    text = _page_text(r.text)
    assert "Kontoutskriften kunne ikke brukes" in text and word in text
    _check({name: text})


def test_ledger_outputs_are_norwegian(tmp_path):
    out = tmp_path / "l"
    res = CliRunner().invoke(main, [
        "ledger", str(SCEN / "reskontro.csv"), "--out", str(out), "--as-of", "31.12.2026", "--no-progress"])
    assert res.exit_code == 0, res.output + res.stderr
    texts = {name: _read(out / name) for name in ("summary.txt", "contact.txt", "patterns.txt",
                                                   "contact-excel.csv", "tenancies-excel.csv", "errors-excel.csv")}
    drafts = sorted((out / "drafts").glob("*.toml"))
    assert drafts and "Forbruk" not in texts["contact.txt"]
    texts.update({f"drafts/{d.name}": _comments(_read(d)) for d in drafts})
    _check({"stdout": res.stdout, "stderr": res.stderr, **texts})


def test_ledger_error_rows_are_norwegian(tmp_path):
    """A duplicated row and an unusable file: the reasons a caseworker reads."""
    led = tmp_path / "r.csv"
    led.write_text("tenancy,date,kind,amount,text\nA,2026-01-01,charge,100,\nA,2026-01-01,charge,100,\n"
                   + "".join(f"A,2026-{m:02d}-01,charge,100,\nA,2026-{m:02d}-01,payment,100,\n" for m in range(2, 7)),
                   encoding="utf-8")
    res = CliRunner().invoke(main, ["ledger", str(led), "--out", str(tmp_path / "o"),
                                                    "--as-of", "30.06.2026", "--no-progress"])
    assert res.exit_code == 0, res.output + res.stderr
    errors = _read(tmp_path / "o" / "errors-excel.csv")
    assert "lik rad 2" in errors
    _check({"errors-excel.csv": errors, "stdout": res.stdout})


def test_statement_draft_is_norwegian(tmp_path):
    out = tmp_path / "utkast.toml"
    res = CliRunner().invoke(main, [
        "import-statement", str(SCEN / "kontoutskrift-sparebank1.csv"), "--out", str(out), "--as-of", "01.01.2026"])
    assert res.exit_code == 0, res.output + res.stderr
    text = _read(out)
    assert "sikkerhet 0,88" in text and "september 2025" in text
    _check({"stdout": res.stdout, "stderr": res.stderr, "draft": _comments(text)})


@pytest.mark.parametrize("command", ["check", "plan"])
def test_check_and_plan_text_is_norwegian(command):
    res = CliRunner().invoke(main, [command, str(SCEN / "enslig-mor-2006.toml"),
                                                    "--as-of", "01.01.2026"])
    assert res.exit_code == 0, res.output + res.stderr
    _check({"stdout": res.stdout, "stderr": res.stderr})


def test_web_reskontro_page_is_norwegian(tmp_path):
    pytest.importorskip("httpx")
    from fastapi.testclient import TestClient
    from lxml import html

    from planner.web.app import create_app

    app = create_app(f"sqlite:///{tmp_path / 'web.db'}", secret="test-secret")
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        page = c.get("/reskontro")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        res = c.post("/reskontro", data={"csrf_token": token, "as_of": "31.12.2026"},
                     files={"ledger": ("reskontro.csv", (SCEN / "reskontro.csv").read_bytes(), "text/csv")})
        assert res.status_code == 200 and "ledger-contact" in res.text
        bad_day = c.post("/reskontro", data={"csrf_token": token, "as_of": "31/12/2026"},
                         files={"ledger": ("reskontro.csv", b"x", "text/csv")})
        assert bad_day.status_code == 422 and "dd.mm.åååå" in bad_day.text
        no_column = c.post("/reskontro", data={"csrf_token": token, "as_of": "31.12.2026"},
                           files={"ledger": ("r.csv", b"a,b\n1,2\n", "text/csv")})
        assert no_column.status_code == 422 and "ingen kolonne" in no_column.text
    pages: dict[str, str] = {}
    for name, r in (("result", res), ("bad date", bad_day), ("no column", no_column)):
        doc = html.fromstring(r.text)
        for bad in doc.xpath("//script|//style|//nav|//footer"):
            bad.drop_tree()
        for pre in doc.xpath("//pre"):  # a household draft (TOML): its comments are prose, its keys are not
            pages[f"{name}: draft"] = pages.get(f"{name}: draft", "") + _comments(pre.text_content())
            pre.drop_tree()
        main_part = doc.xpath("//main") or [doc]
        pages[name] = main_part[0].text_content()
    assert "Økende restanse" in pages["result"]
    _check(pages)


def test_every_statement_refusal_has_a_norwegian_text():
    """Each `fail(...)` of a statement reader carries a code with a Norwegian text, so the web page
    never falls back to the vaguer refusal for a problem a reader already knows how to name."""
    import ast

    from planner.statement.messages import NB

    codes: dict[str, str] = {}
    for path in sorted((ROOT / "planner" / "statement").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "fail":
                code = next((k.value for k in node.keywords if k.arg == "code"), None)
                assert isinstance(code, ast.Constant), f"{path.name}:{node.lineno}: fail(...) without code="
                codes[str(code.value)] = f"{path.name}:{node.lineno}"
    assert len(codes) > 30 and not set(codes) - set(NB), {c: codes[c] for c in set(codes) - set(NB)}
    fixed = {code: text for code, text in NB.items() if isinstance(text, str)}  # the others: tested on the page
    assert not {code: hits for code, text in fixed.items() if (hits := english_words(text))}


def test_batch_cell_and_sheet_problems_are_norwegian(tmp_path):
    """Cells the table reader cannot convert (an unclear amount, a month map without '=', a flow
    that is neither in nor out) and a workbook whose sheets have other names: errors-excel.csv
    says each in Norwegian."""
    import csv

    import pandas as pd

    payouts = tmp_path / "payouts.csv"
    payouts.write_text((SCEN / "batch" / "payouts.csv").read_text(encoding="utf-8").rstrip("\n")
                       + "\nhh-0001,aap,\"1,2,3\",15,,,,,,,"
                       + "\nhh-0002,annen,100,15,,,,,,12,"
                       + "\nhh-0003,annen,100,15,,,,,,,sideways"
                       + "\nhh-0004,annen,100,15,,,,,,,,,\n", encoding="utf-8")
    book = tmp_path / "annet.xlsx"
    with pd.ExcelWriter(book) as xw:
        pd.DataFrame({"id": ["x"]}).to_excel(xw, sheet_name="Ark1", index=False)
    out = tmp_path / "b"
    res = CliRunner().invoke(main, ["batch", str(SCEN / "batch" / "tenants.csv"), str(payouts), str(book),
                                    "--out", str(out), "--as-of", "01.01.2026", "--check-only", "--no-progress",
                                    "--workers", "1"])
    # the unknown workbook fails the tenants' role: no household is read, exit 2, errors written
    assert res.exit_code == 2 and "errors.csv" in res.stderr, res.output
    excel = list(csv.DictReader(_read(out / "errors-excel.csv").splitlines(), delimiter=";"))
    by_value = {r["Verdi"]: r["Hva er galt"] for r in excel}
    assert by_value["1,2,3"] == "Uklart beløp: skriv for eksempel 9500,50 eller 9 500,50."
    assert by_value["12"].startswith("Skriv MÅNED=VERDI-par")
    assert by_value["sideways"].startswith("Retning må være «inn»")
    assert by_value["Ark1"].startswith("Ingen ark heter")
    assert any(r.startswith("Raden har 13 felt, overskriftsraden har 11") for r in by_value.values())
    _check({"errors-excel.csv": "\n".join(r["Hva er galt"] for r in excel)})

"""A label that looks like it holds a fødselsnummer is refused, and never repeated."""

import csv

from click.testing import CliRunner

from cli import main

FNR = "01019012345"


def test_label_with_a_national_id_is_refused_without_repeating_it(tmp_path):
    f = tmp_path / "hh.toml"
    f.write_text(f'id = "x"\nlabel = "Ola Nordmann {FNR}"\nstart = 2026-01-01\n'
                 '[[expense]]\nkind = "husleie"\namount = 5000\nday = 1\n', encoding="utf-8")
    res = CliRunner().invoke(main, ["check", str(f)])
    assert res.exit_code == 2
    assert "label: looks like a fødselsnummer" in res.output
    assert FNR not in res.output and "Nordmann" not in res.output


def test_batch_error_row_does_not_copy_the_national_id(tmp_path):
    t = tmp_path / "tenants.csv"
    p = tmp_path / "payouts.csv"
    t.write_text(f"id,start,rent,label\nhh-1,2026-01-01,5000,Kari {FNR}\nhh-2,2026-01-01,5000,ok\n", encoding="utf-8")
    p.write_text("household,kind,amount,day\nhh-1,lonn,20000,20\nhh-2,lonn,20000,20\n", encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["batch", str(t), str(p), "--out", str(out), "--no-progress", "--workers", "1"])
    assert res.exit_code == 0, res.output
    for f in out.rglob("*"):
        if f.is_file() and f.suffix in (".csv", ".txt", ".json", ".jsonl"):
            assert FNR not in f.read_text(encoding="utf-8"), f
    rows = list(csv.DictReader(open(out / "errors.csv", encoding="utf-8")))
    assert any("fødselsnummer" in r["reason"] for r in rows)

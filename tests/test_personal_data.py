"""Ids and free text that hold a fødselsnummer or D-number are refused, and never repeated.

The numbers below are valid by python-stdnum (check digits and birth date); `NOT_FNR` has
eleven digits but wrong check digits, as a case number might.
"""

import csv

import pytest
from click.testing import CliRunner

from planner.cli import main
from planner.io.errors import InputError
from planner.io.household import household_from_dict

FNR = "01018012371"
D_NUMBER = "41018012365"  # the day raised by 40
NOT_FNR = "01018012345"
SPELLINGS = [FNR, "010180 12371", "010180-12371", "01.01.80 12371", "01.01.80-12371", D_NUMBER, "410180 12365"]


def _household(**extra) -> dict:
    h = {"id": "hh-1", "start": "2026-01-01", "expense": [{"kind": "husleie", "amount": 5000, "day": 1}]}
    h.update(extra)
    return h


def _refused(data: dict) -> list:
    with pytest.raises(InputError) as info:
        household_from_dict(data, "hh.json")
    return info.value.problems


def test_the_rule_uses_stdnum_validation():
    from stdnum.no import fodselsnummer

    from planner.personal import has_national_id

    assert fodselsnummer.is_valid(FNR) and fodselsnummer.is_valid(D_NUMBER) and not fodselsnummer.is_valid(NOT_FNR)
    for text in SPELLINGS:
        assert has_national_id(f"sak {text} x"), text
    assert not has_national_id(f"saksnummer {NOT_FNR}")
    assert not has_national_id("hh-2026-0001") and not has_national_id("")


# (an id has no spaces and a stream name no spaces or points: their patterns refuse those already)
FIELD_SPELLINGS = [(where, sp) for where in ("label", "creditor", "id", "name") for sp in SPELLINGS
                   if where in ("label", "creditor") or (" " not in sp and (where == "id" or sp.isdigit()))]


@pytest.mark.parametrize("where,spelling", FIELD_SPELLINGS)
def test_every_spelling_in_every_free_text_field_is_refused(spelling, where):
    if where == "label":
        data = _household(label=f"Ola {spelling}")
    elif where == "creditor":
        data = _household(arrears={"amount": 100, "creditor": f"Utleier AS v/ {spelling}"})
    elif where == "id":
        data = _household(id=spelling)
    else:
        data = _household(income=[{"kind": "lonn", "amount": 100, "day": 20, "name": spelling}])
    problems = _refused(data)
    assert len(problems) == 1
    text = str(problems[0])
    assert "looks like a fødselsnummer or D-number" in text
    assert spelling not in text and "Ola" not in text and "Utleier" not in text
    assert problems[0].sensitive


def test_eleven_digits_that_are_no_fodselsnummer_are_a_case_number():
    h = household_from_dict(_household(label=f"sak {NOT_FNR}", id=f"hh-{NOT_FNR}"))
    assert h.label == f"sak {NOT_FNR}"


@pytest.mark.parametrize("hid", ["ny", "NY", ".", "..", ".hidden", "a/b", "../x"])
def test_reserved_ids_are_refused(hid):
    problems = _refused(_household(id=hid))
    assert len(problems) == 1 and str(problems[0]).startswith("hh.json: id: "), problems


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


def test_batch_id_that_is_a_fodselsnummer_never_reaches_the_output(tmp_path):
    t = tmp_path / "tenants.csv"
    p = tmp_path / "payouts.csv"
    spaced = "010180-12371"
    t.write_text(f"id,start,rent\n{FNR},2026-01-01,5000\n{spaced},2026-01-01,5000\nhh-2,2026-01-01,5000\n",
                 encoding="utf-8")
    p.write_text(f"household,kind,amount,day\n{FNR},lonn,20000,20\nhh-2,lonn,20000,20\n", encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["batch", str(t), str(p), "--out", str(out), "--no-progress", "--workers", "1"])
    assert res.exit_code == 0, res.output
    assert FNR not in res.output
    for f in out.rglob("*"):
        if f.is_file():
            data = f.read_bytes()
            assert FNR.encode() not in data and spaced.encode() not in data, f
    results = list(csv.DictReader(open(out / "results.csv", encoding="utf-8")))
    assert sorted((r["id"], r["status"] == "error") for r in results) == [("", True), ("", True), ("hh-2", False)]

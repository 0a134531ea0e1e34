"""The command line: `planner check` (text, JSON, chart) and `planner calendar`."""

from __future__ import annotations

import json
import re
import struct

import pytest
from click.testing import CliRunner
from conftest import SCENARIOS

from planner.cli import main

SEED = str(SCENARIOS / "enslig-mor-2006.toml")
KRONER = re.compile(r"-?\d{1,3}(?: \d{3})*,\d{2} kr")


def run(*args: str):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


@pytest.fixture(scope="module")
def seed_diagnosis():
    """The seed scenario's diagnosis from the library: the CLI must print these figures.

    (The scenario's illustrative amounts may be retuned; the tests follow the library.)
    """
    from planner.cashflow import diagnose
    from planner.io.household import read_household

    return diagnose(read_household(SEED))


def test_format_kr_is_norwegian():
    from planner.formatting import format_kr

    assert format_kr(950_000) == "9 500,00 kr"
    assert format_kr(-412_300) == "-4 123,00 kr"
    assert format_kr(188_010) == "1 880,10 kr"
    assert format_kr(5) == "0,05 kr"
    assert format_kr(123_456_789_01) == "123 456 789,01 kr"


def test_check_text_is_norwegian_with_kroner_formatted_norwegian_style(seed_diagnosis):
    from planner.formatting import format_kr

    dg = seed_diagnosis
    res = run("check", SEED)
    assert res.exit_code == 0, res.output
    out = res.stdout
    for label in ("Husstand: enslig-mor-2006", "Periode: 01.01.2026–31.12.2026 (12 måneder)", "Problem: tidsproblem",
                  "Laveste saldo:", "Grense (minste saldo):", "Første dag under grensen:",
                  "Dager under grensen:", "Startbuffer", "Måned", "Inntekt", "Utgifter", "Netto", "Dato"):
        assert label in out, label
    low = format_kr(dg.min_balance_ore)
    assert KRONER.fullmatch(low) and dg.min_balance_ore < 0 and low.startswith("-")
    assert f"Laveste saldo: {low} ({dg.min_balance_date:%d.%m.%Y})" in out
    assert f"Første dag under grensen: {dg.first_shortfall:%d.%m.%Y}" in out
    assert f"Dager under grensen: {dg.days_below_floor} av 365" in out
    assert "Grense (minste saldo): 0,00 kr" in out
    assert f"Startbuffer som ville unngått alle underskudd: {format_kr(dg.opening_buffer_ore)}" in out
    # the month table: every month's income in kroner, Norwegian style with grouped thousands
    for m in dg.months:
        row = next(line for line in out.splitlines() if line.startswith(m.month))
        assert format_kr(m.income_ore) in row and format_kr(m.outgoings_ore) in row
        assert f"{m.lowest_date:%d.%m}" in row
    amounts = KRONER.findall(out)
    assert len(amounts) >= 12 * 4 + 3  # four money columns a month, and the summary lines
    assert any(re.fullmatch(r"-?\d{1,3} \d{3},\d{2} kr", a) for a in amounts)  # like 9 500,00 kr
    # no dot decimals or comma thousands slip through
    assert not re.search(r"\d\.\d{2} kr|\d,\d{3}", out)
    assert res.stderr == ""


def test_check_json_single_file_is_one_object(seed_diagnosis):
    res = run("check", "--format", "json", SEED)
    assert res.exit_code == 0
    doc = json.loads(res.stdout)
    assert isinstance(doc, dict)
    assert doc["format"] == "planner.check/1"
    assert doc["household"] == "enslig-mor-2006"
    assert doc["horizon"] == {"start": "2026-01-01", "end": "2026-12-31"}
    base = doc["baseline"]
    assert base["problem"] == "timing"
    assert type(base["min_balance_ore"]) is int and base["min_balance_ore"] == seed_diagnosis.min_balance_ore < 0
    assert base["min_balance_date"] == seed_diagnosis.min_balance_date.isoformat()
    assert base["first_shortfall"] == seed_diagnosis.first_shortfall.isoformat()
    assert type(base["days_below_floor"]) is int and base["days_below_floor"] > 0
    assert len(base["months"]) == 12
    assert all(type(m[k]) is int for m in base["months"] for k in m if k.endswith("_ore"))


def test_check_json_several_files_is_a_list_in_input_order():
    files = [SEED, str(SCENARIOS / "alt-i-orden.toml"), str(SCENARIOS / "lav-inntekt.toml")]
    res = run("check", "--format", "json", *files)
    assert res.exit_code == 0
    docs = json.loads(res.stdout)
    assert isinstance(docs, list) and len(docs) == 3
    assert [d["baseline"]["problem"] for d in docs] == ["timing", "none", "income"]
    assert all(d["format"] == "planner.check/1" for d in docs)


def test_same_day_credit_never_lowers_the_lowest_balance():
    strict = json.loads(run("check", "--format", "json", SEED).stdout)["baseline"]
    relaxed = json.loads(run("check", "--format", "json", "--same-day-credit", SEED).stdout)["baseline"]
    assert relaxed["min_balance_ore"] >= strict["min_balance_ore"]
    assert relaxed["days_below_floor"] <= strict["days_below_floor"]


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_check_chart_writes_a_png(tmp_path):
    out = tmp_path / "charts" / "saldo.png"
    res = run("check", "--chart", str(out), SEED)
    assert res.exit_code == 0
    data = out.read_bytes()
    width, height = _png_size(data)
    assert width >= 600 and height >= 300
    assert len(data) > 10_000
    assert data.rstrip().endswith(b"IEND\xaeB`\x82")
    assert f"Diagram: {out}" in res.stderr


def test_check_chart_with_several_files_adds_the_id(tmp_path):
    out = tmp_path / "saldo.png"
    res = run("check", "--chart", str(out), SEED, str(SCENARIOS / "alt-i-orden.toml"))
    assert res.exit_code == 0
    for hid in ("enslig-mor-2006", "alt-i-orden"):
        _png_size((tmp_path / f"saldo-{hid}.png").read_bytes())


def test_calendar_bostotte_2026():
    res = run("calendar", "--year", "2026", "--kind", "bostotte")
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    assert lines[0].startswith("Bostøtte (bostotte, Husbanken)")
    # the 20th, or the bank day before: 20.06 Saturday, 20.09 and 20.12 Sundays
    assert lines[1] == "  20.01 20.02 20.03 20.04 20.05 19.06 20.07 20.08 18.09 20.10 20.11 18.12"
    assert len(lines) == 2


def test_calendar_bostotte_2024_follows_the_published_table():
    res = run("calendar", "--year", "2024", "--kind", "bostotte")
    assert "publisert tabell" in res.stdout
    assert "15.05" in res.stdout.splitlines()[1]


def test_calendar_alias_and_several_kinds():
    res = run("calendar", "--year", "2026", "--kind", "attforing", "--kind", "uforetrygd")
    assert res.exit_code == 0
    out = res.stdout
    assert "(aap, NAV)" in out and "hver 14. dag" in out
    assert "  20.01 20.02 20.03 20.04 15.05 19.06 20.07 20.08 18.09 20.10 20.11 11.12" in out


@pytest.mark.parametrize("kind", ["bostøtte2", "husleie", ""])
def test_calendar_unknown_kind_exits_2(kind):
    res = run("calendar", "--year", "2026", "--kind", kind)
    assert res.exit_code == 2
    assert res.stderr.startswith(f"error: --kind: unknown benefit kind {kind!r}; allowed: aap,")
    assert res.stdout == ""


def test_calendar_year_out_of_range_is_a_usage_error():
    res = run("calendar", "--year", "1850")
    assert res.exit_code == 2


def test_check_without_files_is_a_usage_error():
    assert run("check").exit_code == 2

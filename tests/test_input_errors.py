"""Bad household files are refused with a message a caseworker can act on.

Every message names the file, the line (TOML, where the field can be found), the field path
(tables counted from 1, as a person reads: the second [[income]] is `income[2]`), the bad
value and what is allowed. Nothing reaches the user as a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner.cli import main
from planner.io.errors import InputError
from planner.io.household import household_from_dict, read_household

BASE = """\
id = "test-1"
start = 2026-01-01
months = 12
opening_balance = 500

[[income]]
kind = "bostotte"
amount = 2600

[[income]]
kind = "aap"
amount = 6200
first = 2026-01-14

[[expense]]
kind = "husleie"
amount = 9500
day = 1

[[expense]]
kind = "strom"
amount = 900
day = 15

[living]
monthly = 9000
"""


def _edit(old: str, new: str, text: str = BASE) -> str:
    assert text.count(old) == 1, f"{old!r} must occur once in the base file"
    return text.replace(old, new)


def line_of(text: str, snippet: str, nth: int = 1) -> int:
    """1-based line number of the `nth` line that contains `snippet`."""
    hits = [no for no, line in enumerate(text.splitlines(), start=1) if snippet in line]
    return hits[nth - 1]


def refuse(tmp_path: Path, text: str, name: str = "hh.toml") -> tuple[str, list]:
    """Write `text`, read it, and return (path as given, problems); the read must fail."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_household(path)
    return str(path), info.value.problems


def one(tmp_path: Path, text: str, name: str = "hh.toml") -> tuple[str, str]:
    """The single problem of a bad file as printed, and the file name it must start with."""
    fname, problems = refuse(tmp_path, text, name)
    assert len(problems) == 1, [str(p) for p in problems]
    return fname, str(problems[0])


def test_the_base_file_is_valid(tmp_path):
    p = tmp_path / "ok.toml"
    p.write_text(BASE)
    h = read_household(p)
    assert h.id == "test-1" and len(h.income) == 2 and h.rent.amount == 950_000


# --------------------------------------------------------------------------- wrong types


def test_amount_text(tmp_path):
    text = _edit("amount = 6200", 'amount = "abc"')
    f, msg = one(tmp_path, text)
    line = line_of(text, '"abc"')
    assert msg == f"{f}:{line}: income[2].amount: expected an amount in kroner such as 9500 or 9500.50, got 'abc'"


def test_day_text(tmp_path):
    text = _edit("day = 15", 'day = "x"')
    f, msg = one(tmp_path, text)
    line = line_of(text, "day = \"x\"")
    assert msg == f"{f}:{line}: expense[2].day: must be a whole number from 1 to 31 (got 'x')"


def test_months_fraction(tmp_path):
    text = _edit("months = 12", "months = 1.5")
    f, msg = one(tmp_path, text)
    assert msg == f"{f}:3: months: must be a whole number from 1 to 60 (got 1.5)"


def test_amount_true(tmp_path):
    text = _edit("amount = 2600", "amount = true")
    f, msg = one(tmp_path, text)
    assert msg == f"{f}:8: income[1].amount: expected an amount in kroner (a number), got true/false"


def test_date_in_wrong_form(tmp_path):
    text = _edit("start = 2026-01-01", 'start = "1. januar 2026"')
    f, msg = one(tmp_path, text)
    assert msg.startswith(f"{f}:2: start: expected a date written YYYY-MM-DD, such as 2026-01-01")
    assert msg.endswith("(got '1. januar 2026')")


def test_impossible_date(tmp_path):
    text = _edit("start = 2026-01-01", 'start = "2026-13-01"')
    f, msg = one(tmp_path, text)
    assert msg.startswith(f"{f}:2: start: expected a date written YYYY-MM-DD")
    assert "month value is outside expected range of 1-12" in msg and "(got '2026-13-01')" in msg


def test_id_with_spaces(tmp_path):
    f, msg = one(tmp_path, _edit('id = "test-1"', 'id = "Kari Nordmann"'))
    assert msg.startswith(f"{f}:1: id: may contain only letters, digits")
    assert "no spaces" in msg and msg.endswith("(got 'Kari Nordmann')")


# --------------------------------------------------------------------------- amounts


def test_negative_amount(tmp_path):
    text = _edit("amount = 900", "amount = -900")
    f, msg = one(tmp_path, text)
    assert msg == f"{f}:{line_of(text, '-900')}: expense[2].amount: must be more than 0 kroner (got -900)"


def test_zero_amount(tmp_path):
    f, msg = one(tmp_path, _edit("amount = 2600", "amount = 0"))
    assert msg == f"{f}:8: income[1].amount: must be more than 0 kroner (got 0)"


def test_negative_living(tmp_path):
    text = _edit("monthly = 9000", "monthly = -1")
    f, msg = one(tmp_path, text)
    assert msg == f"{f}:{line_of(text, 'monthly')}: living.monthly: must not be negative (got -1)"


def test_three_decimals_are_refused_not_rounded(tmp_path):
    text = _edit("amount = 6200", "amount = 12.345")
    f, msg = one(tmp_path, text)
    assert msg == f"{f}:{line_of(text, '12.345')}: income[2].amount: at most two decimals (whole øre) are allowed (got 12.345)"


def test_two_decimals_and_text_kroner_are_exact(tmp_path):
    text = _edit("amount = 6200", "amount = 1880.10")
    text = _edit("monthly = 9000", 'monthly = "9 000,50 kr"', text)
    p = tmp_path / "ok.toml"
    p.write_text(text)
    h = read_household(p)
    assert h.income[1].amount == 188_010 and h.living.monthly == 900_050


@pytest.mark.parametrize("big", ["10000000000000000000000000", "100000000.01"])
def test_huge_amounts(tmp_path, big):
    text = _edit("amount = 6200", f"amount = {big}")
    f, msg = one(tmp_path, text)
    assert msg.startswith(f"{f}:{line_of(text, big)}: income[2].amount: amount is too large: at most 100 000 000 kroner is allowed")
    shown = {"1e30": "1e+30"}.get(big, big)
    assert msg.endswith(f"(got {shown})")


@pytest.mark.parametrize("word", ["inf", "nan"])
def test_infinite_or_nan_amount(tmp_path, word):
    f, msg = one(tmp_path, _edit("amount = 2600", f"amount = {word}"))
    assert msg == f"{f}:8: income[1].amount: expected a finite amount in kroner (got {word})"


def test_huge_opening_balance_is_refused_before_it_reaches_int64(tmp_path):
    f, msg = one(tmp_path, _edit("opening_balance = 500", "opening_balance = -1000000000000000000000"))
    assert msg.startswith(f"{f}:4: opening_balance: amount is too large")


# --------------------------------------------------------------------------- days and months


@pytest.mark.parametrize("day", [0, 32, -1])
def test_day_out_of_range(tmp_path, day):
    text = _edit("day = 1\n", f"day = {day}\n")
    f, msg = one(tmp_path, text)
    assert msg == f"{f}:{line_of(text, f'day = {day}')}: expense[1].day: must be a whole number from 1 to 31 (got {day})"


@pytest.mark.parametrize("months", [0, 61, 10**25])
def test_months_out_of_range(tmp_path, months):
    f, msg = one(tmp_path, _edit("months = 12", f"months = {months}"))
    assert msg == f"{f}:3: months: must be a whole number from 1 to 60 (got {months})"


def test_rent_day_lever_out_of_range(tmp_path):
    text = BASE + "\n[levers]\nrent_days = [1, 40]\n"
    f, msg = one(tmp_path, text)
    assert msg == f"{f}:{line_of(text, 'rent_days')}: levers.rent_days[2]: must be a whole number from 1 to 31 (got 40)"


def test_every_days_zero(tmp_path):
    text = _edit("first = 2026-01-14", "first = 2026-01-14\nevery_days = 0")
    f, msg = one(tmp_path, text)
    assert msg == f"{f}:{line_of(text, 'every_days')}: income[2].every_days: must be a whole number from 1 to 92 (got 0)"


# --------------------------------------------------------------------------- the rent


def test_missing_rent(tmp_path):
    text = _edit('kind = "husleie"', 'kind = "telefon"')
    f, msg = one(tmp_path, text)
    # points at the first [[expense]] table, where the rent belongs
    assert msg.startswith(f"{f}:{line_of(text, '[[expense]]')}: expense: exactly one expense of kind 'husleie'")
    assert "found none" in msg and 'kind = "husleie"' in msg


def test_no_expense_at_all(tmp_path):
    text = BASE.split("[[expense]]")[0] + "[living]\nmonthly = 9000\n"
    f, msg = one(tmp_path, text)
    assert msg.startswith(f"{f}: expense: missing required key 'expense'")
    assert "husleie" in msg


def test_two_rents(tmp_path):
    text = _edit('kind = "strom"', 'kind = "husleie"')
    f, msg = one(tmp_path, text)
    assert msg.startswith(f"{f}:{line_of(text, 'husleie', nth=2)}: expense[2].kind: exactly one expense of kind 'husleie'")
    assert "found 2" in msg


# --------------------------------------------------------------------------- schedule forms


def test_every_days_without_first(tmp_path):
    text = _edit("first = 2026-01-14", "every_days = 14")
    f, msg = one(tmp_path, text)
    assert msg == (
        f"{f}:{line_of(text, 'every_days')}: income[2].every_days: "
        "`every_days` needs `first`: the date of one payout to count from (got 14)"
    )


def test_first_on_a_monthly_kind(tmp_path):
    text = _edit("amount = 2600", "amount = 2600\nfirst = 2026-01-05")
    f, msg = one(tmp_path, text)
    assert msg == (
        f"{f}:{line_of(text, 'first = 2026-01-05')}: income[1].first: `first` is for streams paid every N days; "
        "bostotte is monthly: give `every_days` too, or `day` (got '2026-01-05')"
    )


def test_first_with_day(tmp_path):
    text = _edit("day = 15", "day = 15\nfirst = 2026-01-15")
    f, msg = one(tmp_path, text)
    assert msg == (
        f"{f}:{line_of(text, 'first = 2026-01-15')}: expense[2].first: "
        "`first` belongs with `every_days`, not with `day` (got '2026-01-15')"
    )


def test_two_schedule_forms(tmp_path):
    text = _edit("day = 15", "day = 15\ndates = [2026-02-01]")
    f, msg = one(tmp_path, text)
    assert msg.startswith(f"{f}:{line_of(text, 'dates')}: expense[2].dates: give one schedule form, not day and dates")
    assert msg.endswith("(got ['2026-02-01'])")


def test_no_schedule_for_a_kind_without_a_default_day(tmp_path):
    text = _edit('kind = "bostotte"', 'kind = "sosialhjelp"')
    f, msg = one(tmp_path, text)
    assert msg == (
        f"{f}:{line_of(text, '[[income]]')}: income[1].day: sosialhjelp has no fixed payout day: "
        "give `day`, `every_days` with `first`, or `dates`"
    )


def test_empty_dates(tmp_path):
    text = _edit("first = 2026-01-14", "dates = []")
    f, msg = one(tmp_path, text)
    assert msg == f"{f}:{line_of(text, 'dates')}: income[2].dates: `dates` is empty: list at least one date or use `day`"


def test_dates_outside_the_horizon(tmp_path):
    text = _edit("first = 2026-01-14", "dates = [2026-01-14, 2027-03-01]")
    f, msg = one(tmp_path, text)
    assert msg == (
        f"{f}:{line_of(text, 'dates')}: income[2].dates: "
        "date 2027-03-01 is outside the horizon 2026-01-01 to 2026-12-31"
    )


def test_bad_shift(tmp_path):
    text = _edit("amount = 6200", "amount = 6200\nshift = 'later'")
    f, msg = one(tmp_path, text)
    assert msg == f"{f}:{line_of(text, 'shift')}: income[2].shift: must be 'before', 'after' or 'none' (got 'later')"


def test_bad_month_key(tmp_path):
    text = _edit("amount = 9500", 'amount = 9500\nmonth_amounts = { "13" = 10000 }')
    f, msg = one(tmp_path, text)
    assert msg.startswith(f"{f}:{line_of(text, 'month_amounts')}: expense[1].month_amounts: month key '13' is not a month")
    assert "use 1-12 (every year) or YYYY-MM (one month)" in msg


# --------------------------------------------------------------------------- kinds and keys


def test_unknown_benefit_kind_lists_the_allowed_kinds(tmp_path):
    text = _edit('kind = "bostotte"', 'kind = "husbank"')
    f, msg = one(tmp_path, text)
    assert msg.startswith(f"{f}:{line_of(text, 'husbank')}: income[1].kind: unknown benefit kind 'husbank'; allowed: ")
    allowed = msg.split("allowed: ", 1)[1]
    for kind in ("aap", "barnetrygd", "bostotte", "kontantstotte", "uforetrygd", "annen", "attforing (= aap)"):
        assert kind in allowed
    assert msg.count("husbank") == 1  # the value is shown once, not again as "(got ...)"


def test_benefit_kind_alias_and_case_are_accepted(tmp_path):
    text = _edit('kind = "aap"', 'kind = " Attforing "')
    p = tmp_path / "ok.toml"
    p.write_text(text)
    assert read_household(p).income[1].kind == "aap"


def test_unknown_expense_kind(tmp_path):
    text = _edit('kind = "strom"', 'kind = "mat"')
    f, msg = one(tmp_path, text)
    assert msg == (
        f"{f}:{line_of(text, 'mat')}: expense[2].kind: unknown expense kind 'mat'; allowed: "
        "annen, barnehage, forsikring, husleie, inkasso, lan, sfo, strom, telefon, transport"
    )


def test_unknown_top_level_key_lists_allowed_keys(tmp_path):
    text = _edit("months = 12", "months = 12\ncolour = 'red'")
    f, msg = one(tmp_path, text)
    assert msg.startswith(f"{f}:4: colour: unknown key 'colour'; allowed: id, label, start, months,")
    for key in ("opening_balance", "min_balance", "income", "expense", "living", "arrears", "levers"):
        assert key in msg


def test_unknown_key_inside_income(tmp_path):
    text = _edit("amount = 6200", "amount = 6200\nwhen = 3")
    f, msg = one(tmp_path, text)
    assert msg == (
        f"{f}:{line_of(text, 'when')}: income[2].when: unknown key 'when'; allowed: "
        "amount, day, every_days, first, dates, shift, name, month_amounts, month_day, kind, exceptions, late_days"
    )


def test_unknown_key_in_living(tmp_path):
    text = _edit("monthly = 9000", "monthly = 9000\nweekly = 10")
    f, msg = one(tmp_path, text)
    assert msg == f"{f}:{line_of(text, 'weekly')}: living.weekly: unknown key 'weekly'; allowed: monthly"


def test_missing_id(tmp_path):
    f, msg = one(tmp_path, _edit('id = "test-1"\n', ""))
    assert msg == f"{f}: id: missing required key 'id': a short identifier such as id = \"hh-0042\""


def test_missing_amount(tmp_path):
    text = _edit("amount = 2600\n", "")
    f, msg = one(tmp_path, text)
    # a missing key is located at its table's header
    assert msg == (
        f"{f}:{line_of(text, '[[income]]')}: income[1].amount: "
        "missing required key 'amount': kroner per payment, such as amount = 9500"
    )


def test_unknown_profile(tmp_path):
    f, msg = one(tmp_path, _edit("months = 12", 'months = 12\nprofile = "seed-1999"'))
    assert msg == f"{f}:4: profile: unknown profile 'seed-1999'; allowed: seed-2006"


def test_deduction_from_a_stream_the_household_lacks(tmp_path):
    text = BASE + '\n[levers]\ndeduction_from = ["dagpenger"]\n'
    f, msg = one(tmp_path, text)
    assert msg == (
        f"{f}:{line_of(text, 'deduction_from')}: levers.deduction_from: "
        "'dagpenger' is not an income stream of this household; streams: aap, bostotte"
    )


def test_unknown_lever(tmp_path):
    text = BASE + '\n[levers]\nallow = ["magic"]\n'
    f, msg = one(tmp_path, text)
    assert msg.startswith(f"{f}:{line_of(text, 'allow')}: levers.allow[1]: must be 'rent_day', 'rent_instalments'")
    assert msg.endswith("(got 'magic')")


def test_two_streams_of_one_kind_need_names(tmp_path):
    text = BASE.replace('kind = "bostotte"\namount = 2600', 'kind = "aap"\namount = 2600\nfirst = 2026-01-07')
    f, msg = one(tmp_path, text)
    assert msg.startswith(f"{f}:") and "income[2].name: two income streams are called 'aap'" in msg


def test_several_problems_are_all_reported(tmp_path):
    text = _edit("amount = 2600", "amount = -1")
    text = _edit("day = 15", "day = 99", text)
    text = _edit("months = 12", "months = 12\nmood = 'fine'", text)
    f, problems = refuse(tmp_path, text)
    fields = sorted(p.field for p in problems)
    assert fields == ["expense[2].day", "income[1].amount", "mood"]
    assert all(str(p).startswith(f"{f}:") for p in problems)


# --------------------------------------------------------------------------- files and formats


def test_empty_file(tmp_path):
    f, msg = one(tmp_path, "   \n\n")
    assert msg == f"{f}: is empty: a household file needs at least id, start and the rent"


def test_not_toml(tmp_path):
    f, msg = one(tmp_path, "Husleie 9500 den første\n")
    assert msg.startswith(f"{f}:1: is not valid TOML: ")


def test_toml_error_on_a_later_line(tmp_path):
    text = _edit("day = 15", "day = 15 15")
    f, msg = one(tmp_path, text)
    assert msg.startswith(f"{f}:{line_of(text, 'day = 15 15')}: is not valid TOML")


def test_not_utf8(tmp_path):
    p = tmp_path / "latin1.toml"
    p.write_bytes(BASE.replace("test-1", "bøk").encode("latin-1"))
    with pytest.raises(InputError) as info:
        read_household(p)
    assert str(info.value) == f"{p}: is not UTF-8 text (bad byte at position 7)"


def test_invalid_json(tmp_path):
    f, msg = one(tmp_path, '{"id": "x",\n  "start": }', name="hh.json")
    assert msg.startswith(f"{f}:2: is not valid JSON: Expecting value")


def test_json_top_level_array(tmp_path):
    f, msg = one(tmp_path, "[1, 2]", name="hh.json")
    assert msg == f"{f}: must hold one JSON object (a household), not a list"


def test_json_field_error_names_the_field(tmp_path):
    doc = {"id": "j", "start": "2026-01-01", "expense": [{"kind": "husleie", "amount": "abc", "day": 1}]}
    f, msg = one(tmp_path, json.dumps(doc), name="hh.json")
    assert msg == f"{f}: expense[1].amount: expected an amount in kroner such as 9500 or 9500.50, got 'abc'"


def test_valid_json_household(tmp_path):
    doc = {"id": "j", "start": "2026-01-01", "months": 3,
           "expense": [{"kind": "husleie", "amount": 9500, "day": 1}]}
    p = tmp_path / "ok.json"
    p.write_text(json.dumps(doc))
    assert read_household(p).end.isoformat() == "2026-03-31"


def test_txt_suffix(tmp_path):
    f, msg = one(tmp_path, BASE, name="hh.txt")
    assert msg == f"{f}: unknown file type '.txt'; allowed: .toml, .json"


def test_missing_file(tmp_path):
    p = tmp_path / "nowhere.toml"
    with pytest.raises(InputError) as info:
        read_household(p)
    assert str(info.value) == f"{p}: file not found"


def test_folder(tmp_path):
    with pytest.raises(InputError) as info:
        read_household(tmp_path)
    assert str(info.value) == f"{tmp_path}: is a folder, not a household file"


def test_dict_input_names_the_source():
    with pytest.raises(InputError) as info:
        household_from_dict({"id": "x", "start": "2026-01-01", "expense": []}, name="row 7")
    assert str(info.value).startswith("row 7: expense: exactly one expense of kind 'husleie'")


# --------------------------------------------------------------------------- through the CLI


def _run(args: list[str]):
    return CliRunner().invoke(main, args, catch_exceptions=False)


def test_cli_check_bad_file_exits_2_with_located_message(tmp_path):
    text = _edit("day = 15", "day = 32")
    p = tmp_path / "bad.toml"
    p.write_text(text)
    res = _run(["check", str(p)])
    assert res.exit_code == 2
    line = line_of(text, "day = 32")
    assert res.stderr == f"error: {p}:{line}: expense[2].day: must be a whole number from 1 to 31 (got 32)\n"
    assert res.stdout == ""
    assert "Traceback" not in res.output


@pytest.mark.parametrize(
    "name,content,expected",
    [
        ("empty.toml", "", "is empty"),
        ("junk.toml", "not = toml = at all", "is not valid TOML"),
        ("arr.json", "[]", "must hold one JSON object"),
        ("bad.json", "{", "is not valid JSON"),
        ("notes.txt", BASE, "unknown file type '.txt'"),
    ],
)
def test_cli_file_level_errors(tmp_path, name, content, expected):
    p = tmp_path / name
    p.write_text(content)
    res = _run(["check", str(p)])
    assert res.exit_code == 2
    assert res.stderr.startswith(f"error: {p}") and expected in res.stderr
    assert "Traceback" not in res.output


def test_cli_missing_file_and_folder(tmp_path):
    missing = tmp_path / "gone.toml"
    res = _run(["check", str(missing), str(tmp_path)])
    assert res.exit_code == 2
    assert res.stderr.splitlines() == [
        f"error: {missing}: file not found",
        f"error: {tmp_path}: is a folder, not a household file",
    ]
    assert "Traceback" not in res.output


def test_cli_reports_good_files_and_still_fails_on_bad_ones(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text(BASE)
    bad = tmp_path / "bad.toml"
    bad.write_text(_edit("months = 12", "months = 0"))
    res = _run(["check", "--format", "json", str(good), str(bad)])
    assert res.exit_code == 2
    docs = json.loads(res.stdout)
    assert [d["household"] for d in docs] == ["test-1"]
    assert res.stderr == f"error: {bad}:3: months: must be a whole number from 1 to 60 (got 0)\n"


# --------------------------------------------------------------------------- review findings


def _household_text(extra_top: str = "", extra_tables: str = "") -> str:
    return (f'id = "x"\nstart = 2026-01-01\n{extra_top}'
            '[[expense]]\nkind = "husleie"\namount = 5000\nday = 1\n' + extra_tables)


@pytest.mark.parametrize(
    "top,tables,expected",
    [
        ("", "", None),
        ('months = 12\n', '[arrears]\namount = 100\nsince = 2028-01-01\n',
         "arrears.since: arrears cannot be owed since a date after the horizon (2026-12-31)"),
        ('', '[[income]]\nkind = "aap"\namount = 5000\nevery_days = 14\nfirst = 2026-01-05\nmonth_day = {1 = 5}\n',
         "income[1].month_day: `month_day` moves a monthly payout; it does not apply with `every_days` or `dates`"),
        ('levers = [1]\n', '', "levers: must be a table"),
    ],
)
def test_review_findings_are_refused_clearly(tmp_path, top, tables, expected):
    from planner.io.errors import InputError
    from planner.io.household import read_household

    f = tmp_path / "h.toml"
    f.write_text(_household_text(top, tables), encoding="utf-8")
    if expected is None:
        read_household(f)
        return
    with pytest.raises(InputError) as exc:
        read_household(f)
    assert expected in str(exc.value)


@pytest.mark.parametrize("start", ["1800-01-01", "9999-06-01"])
def test_start_outside_the_calendar_years_is_refused(tmp_path, start):
    from planner.io.errors import InputError
    from planner.io.household import read_household

    f = tmp_path / "h.toml"
    f.write_text(_household_text().replace("2026-01-01", start), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_household(f)
    assert f"h.toml:2: start: must be a date in the years 1990 to 2100 (got {start})" in str(exc.value)


# --------------------------------------------------------------------------- issue 9: hostile and lenient input

DEEP_TOML = "id = \"x\"\nstart = 2026-01-01\nlabel = " + "{a = " * 5000 + "1" + "}" * 5000 + "\n"
DEEP_JSON = '{"id": "x", "label": ' + "[" * 100_000 + "]" * 100_000 + "}"
LONG_NUMBER_TOML = _household_text("opening_balance = " + "9" * 5000 + "\n")
LONG_NUMBER_JSON = '{"id": "x", "start": "2026-01-01", "months": ' + "1" * 5000 + "}"
JUST_DEEP_JSON = '{"id": "x", "label": ' + "[" * 500 + "]" * 500 + "}"  # within the parser's recursion


@pytest.mark.parametrize("name,content,expected", [
    pytest.param(name, content, expected, id=name) for name, content, expected in (
        ("deep.toml", DEEP_TOML, "nested too deeply"),
        ("deep.json", DEEP_JSON, "nested too deeply"),
        ("just-deep.json", JUST_DEEP_JSON, "nested more than 12 levels deep"),
        ("long.toml", LONG_NUMBER_TOML, "a number has more than 4 300 digits"),
        ("long.json", LONG_NUMBER_JSON, "a number has more than 4 300 digits"),
    )
])
@pytest.mark.parametrize("command", ["check", "plan"])
def test_exhausting_input_is_bad_input_in_every_reader(tmp_path, name, content, expected, command):
    """Issue 9, item 6: 5 000 nested inline tables, 100 000 nested arrays and numbers over the
    4 300-digit conversion limit end in one located error line and exit 2, not a traceback."""
    p = tmp_path / name
    p.write_text(content, encoding="utf-8")
    res = CliRunner().invoke(main, [command, str(p)])
    assert res.exit_code == 2, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert res.stderr.startswith(f"error: {p}: is not a household file: ") and expected in res.stderr, res.stderr
    assert len(res.stderr.splitlines()) == 1


@pytest.mark.parametrize("written", ["1e5", "1E5", "1.5e4", "-2e3"])
def test_exponent_amounts_are_refused(tmp_path, written):
    """Issue 9, item 19: `1e5` is not read as 100 000 kr, in TOML, in JSON, or as text."""
    text = _edit("amount = 6200", f"amount = {written}")
    f, msg = one(tmp_path, text)
    assert msg == f"{f}:{line_of(text, written)}: income[2].amount: write kroner as plain digits, such as 100000" \
                  f" or 9500.50, not '{written}'"
    data = {"id": "x", "start": "2026-01-01", "expense": [{"kind": "husleie", "amount": 5000, "day": 1}],
            "opening_balance": "PLACEHOLDER"}
    p = tmp_path / "h.json"
    p.write_text(json.dumps(data).replace('"PLACEHOLDER"', written))
    with pytest.raises(InputError) as info:
        read_household(p)
    assert "write kroner as plain digits" in str(info.value)
    p.write_text(json.dumps({**data, "opening_balance": written}))
    with pytest.raises(InputError) as info:
        read_household(p)
    assert f"expected an amount in kroner such as 9500 or 9500.50, got '{written}'" in str(info.value)


@pytest.mark.parametrize("digits", ["\u0669\u0665\u0660\u0660", "\uff19\uff15\uff10\uff10", "\u096f\u0665\u0966\u0966"])
def test_non_ascii_digits_are_not_numbers(tmp_path, digits):
    """Arabic-Indic, full-width and Devanagari digits (Python's Decimal and int read them all)."""
    text = _edit("amount = 6200", f'amount = "{digits}"')
    f, msg = one(tmp_path, text)
    assert "income[2].amount: expected an amount in kroner such as 9500 or 9500.50" in msg
    text = _edit("[living]", '[levers]\nrent_days = [1]\nrepay_months = 3\n[arrears]\namount = 1\nsince = 2025-01-01\n[living]')
    h = read_household(_write(tmp_path, text))
    assert h.arrears.amount == 100
    from pydantic import ValidationError

    from planner.model import Household

    with pytest.raises(ValidationError):
        Household.model_validate({"id": "x", "start": "2026-01-01",
                                  "expense": [{"kind": "husleie", "amount": 1, "day": 1,
                                               "month_amounts": {digits[:1] + digits[:1]: 5}}]})


def _write(tmp_path: Path, text: str, name: str = "ok.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_json_duplicate_keys_are_refused(tmp_path):
    """The last value would silently win (`{"amount": 9500, "amount": 95}`)."""
    p = tmp_path / "dup.json"
    p.write_text('{"id": "x", "start": "2026-01-01",\n "expense": [{"kind": "husleie", "amount": 9500,'
                 ' "amount": 95, "day": 1}]}')
    with pytest.raises(InputError) as info:
        read_household(p)
    assert str(info.value) == f"{p}: is not a valid household: the key 'amount' appears twice in one object;" \
                              " give each key once"


@pytest.mark.parametrize("since,ok", [("1900-01-01", False), ("2015-12-31", False), ("2016-01-01", True),
                                      ("2025-06-01", True)])
def test_implausibly_old_arrears_are_refused(tmp_path, since, ok):
    """arrears.since at most ten years before the start (2026-01-01 here)."""
    f = _write(tmp_path, _household_text("", f"[arrears]\namount = 100\nsince = {since}\n"), "h.toml")
    if ok:
        assert read_household(f).arrears.since.isoformat() == since
        return
    with pytest.raises(InputError) as info:
        read_household(f)
    assert str(info.value) == (f"{f}:9: arrears.since: arrears owed since before 2016-01-01 (10 years before the"
                               " start) are implausible: rent claims lapse after three years (foreldelsesloven § 2);"
                               f" check the date (got '{since}')")


def test_labels_with_control_characters_are_printed_escaped(tmp_path):
    """Issue 9, item 18: a newline cannot forge an `error:` line, an ESC cannot clear the screen."""
    label = "sak 1\nerror: forged\x1b[2J\u202e"
    f = tmp_path / "h.json"
    f.write_text(json.dumps({"id": "x", "label": label, "start": "2026-01-01",
                             "expense": [{"kind": "husleie", "amount": 5000, "day": 1}]}))
    for command in ("check", "plan"):
        res = CliRunner().invoke(main, [command, str(f)])
        assert res.exit_code == 0, res.output
        assert "\x1b" not in res.output and "\u202e" not in res.output
        assert not any(line.startswith("error:") for line in res.output.splitlines())
        assert "Husstand: x (sak 1\\nerror: forged\\x1b[2J\\u202e)" in res.output


def test_unknown_payout_exception_names_file_line_and_field(tmp_path):
    text = BASE.replace('kind = "bostotte"\namount = 2600', 'kind = "aap"\namount = 2600\nevery_days = 14\n'
                        'first = 2026-01-07\nexceptions = ["jul-2024"]')
    f, msg = one(tmp_path, text)
    assert "income[" in msg and "unknown exception 'jul-2024' for aap; allowed: jul-2025" in msg

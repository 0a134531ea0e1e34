"""Kroner as people write them become exact øre; ambiguous writing is refused, not guessed."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.formatting import format_kr
from planner.money import MoneyError, kroner_to_ore


@pytest.mark.parametrize(
    "text,ore",
    [("9500", 950_000), ("9500.50", 950_050), ("9 500,50", 950_050), ("9.500,50", 950_050),
     ("9\u00a0500,50 kr", 950_050), ("0,5", 50), ("-250", -25_000), (1880.10, 188_010), (Decimal("12.30"), 1_230)],
)
def test_written_amounts(text, ore):
    assert kroner_to_ore(text) == ore


@pytest.mark.parametrize("text", ["11.000", "1.500", "12.345", "1.000.000", "9,500.50", "abc", "", True, "1e400"])
def test_ambiguous_or_bad_amounts_are_refused(text):
    with pytest.raises(MoneyError):
        kroner_to_ore(text)


def test_thousands_with_a_point_is_never_read_as_kroner():
    # the reviewer's case: a Norwegian "11.000" (eleven thousand) must not become 11 kr
    with pytest.raises(MoneyError, match="for thousands write 11000"):
        kroner_to_ore("11.000")


def test_format_kr():
    assert format_kr(950_000) == "9 500,00 kr"
    assert format_kr(-412_300) == "-4 123,00 kr"
    assert format_kr(5) == "0,05 kr"


# --------------------------------------------------------------------------- digits that do not end in 0
# Each figure by hand: kroner x 100 + øre. Amounts ending in 0 hide a parser that drops or
# repeats a digit ("9500 kr" read as 950 kr); these end in other digits.


@pytest.mark.parametrize(
    "text,ore",
    [
        ("9500 kr", 950_000),  # "kr" removed, not one digit with it
        ("9501 kr", 950_100),
        ("9501kr", 950_100),
        ("9 501 KR", 950_100),
        ("1 234,56", 123_456),
        ("1 234,56 kr", 123_456),
        ("1.234,56", 123_456),
        ("1234.56", 123_456),
        ("-1 234,56", -123_456),
        ("+17", 1_700),
        ("19,5", 1_950),
        ("0,07", 7),
        (".07", 7),
        ("7", 700),
        ("12 345 678,91", 1_234_567_891),
        ("\u202f98\u202f765,43 kr", 9_876_543),
        (9501, 950_100),
        (1234.56, 123_456),
        (Decimal("0.01"), 1),
        (Decimal("-3.33"), -333),
        ("100000000", 10_000_000_000),  # the largest amount allowed, exactly
        ("-99999999,99", -9_999_999_999),
    ],
)
def test_written_amounts_with_other_last_digits(text, ore):
    assert kroner_to_ore(text) == ore


@pytest.mark.parametrize("value", ["100000000,01", 100_000_001, Decimal("1.001"), "1,001", "12,3456", "kr",
                                   "9 5 0 1,2 3 4", 1.005])
def test_just_outside_the_rules_is_refused(value):
    with pytest.raises(MoneyError):
        kroner_to_ore(value)


def test_exponent_notation_from_a_file_is_refused_but_plain_decimals_pass():
    from planner.money import WrittenFloat

    with pytest.raises(MoneyError, match="plain digits"):
        kroner_to_ore(WrittenFloat("1e5"))
    assert kroner_to_ore(WrittenFloat("9501.25")) == 950_125
    assert kroner_to_ore(WrittenFloat("1_234.5")) == 123_450


@pytest.mark.parametrize(
    "ore,text",
    [
        (123_456, "1 234,56 kr"),
        (1, "0,01 kr"),
        (-99, "-0,99 kr"),
        (-1, "-0,01 kr"),
        (99_999, "999,99 kr"),
        (100_001, "1 000,01 kr"),
        (123_456_789, "1 234 567,89 kr"),
        (-987_654_321, "-9 876 543,21 kr"),
        (0, "0,00 kr"),
    ],
)
def test_format_kr_other_digits(ore, text):
    assert format_kr(ore) == text


@given(st.integers(-10_000_000_000, 10_000_000_000))
def test_formatted_kroner_read_back_to_the_same_ore(ore):
    assert kroner_to_ore(format_kr(ore)) == ore


def test_a_household_file_may_write_kroner_as_text(tmp_path):
    from planner.io.household import read_household

    path = tmp_path / "h.toml"
    path.write_text('id = "t"\nstart = 2026-01-01\nopening_balance = "1 234,56"\nmin_balance = "-250,75 kr"\n'
                    '[[income]]\nkind = "lonn"\namount = "9 501 kr"\nday = 20\n'
                    '[[expense]]\nkind = "husleie"\namount = "9500 kr"\nday = 1\n', encoding="utf-8")
    h = read_household(path)
    assert (h.opening_balance, h.min_balance) == (123_456, -25_075)
    assert (h.income[0].amount, h.rent.amount) == (950_100, 950_000)

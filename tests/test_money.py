"""Kroner as people write them become exact øre; ambiguous writing is refused, not guessed."""

from decimal import Decimal

import pytest

from planner.money import MoneyError, format_kr, kroner_to_ore


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

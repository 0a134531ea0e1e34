"""Amounts typed the Norwegian way in the household form: `9.500`, `9 500`, `9500,00` are all
nine thousand five hundred kroner; a point with two or fewer decimals stays a decimal point."""

import pytest

from planner.io.household import read_household
from planner.money import kroner_to_ore
from planner.web import forms

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("typed", "ore"), [
    ("9.500", 950_000), ("9 500", 950_000), ("9500,00", 950_000), ("9\u00a0500", 950_000), ("9.500 kr", 950_000),
    ("1.234.567", 123_456_700), ("9.500,50", 950_050), ("9.5", 950), ("9500", 950_000), ("-1.000", -100_000),
])
def test_typed_amounts(typed, ore):
    assert kroner_to_ore(forms.amount_text(typed)) == ore


@pytest.mark.parametrize("typed", ["9.50.0", "11.0000", "9,500.00"])
def test_unclear_amounts_stay_refused(typed):
    with pytest.raises(ValueError):
        kroner_to_ore(forms.amount_text(typed))


def test_the_form_reads_a_thousands_point_in_every_amount_field():
    h = read_household(ROOT / "scenarios" / "enslig-mor-2006.toml")
    fields = forms.form_fields(forms.form_from_document(forms.household_document(h)))
    fields.update({"expense-0-amount": "9.500", "living": "9.000", "opening_balance": "10.500"})
    form = forms.form_from_post(fields)
    got = forms.validate(form)
    assert got is not None, form.errors
    assert (got.expense[0].amount, got.living.monthly, got.opening_balance) == (950_000, 900_000, 1_050_000)

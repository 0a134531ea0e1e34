"""Two versions of a household compared in words (planner/web/changes.py), checked against
changes made by hand to the seed's single mother."""

import copy
from pathlib import Path

from planner.io.household import read_household
from planner.web.changes import document_changes, plan_changes
from planner.web.forms import household_document

SEED = Path(__file__).resolve().parent.parent / "scenarios" / "enslig-mor-2006.toml"


def test_each_change_in_one_sentence():
    a = household_document(read_household(SEED))
    b = copy.deepcopy(a)
    b["expense"][0]["day"] = 20
    b["expense"][0]["amount"] = 9800
    del b["income"][1]  # bostøtte
    b["income"].append({"kind": "aap", "name": "aap-far", "amount": 6200, "first": "2026-01-07"})
    b["opening_balance"] = 500
    b["levers"]["rent_instalments"] = 2
    b["living"]["monthly"] = 12000
    assert document_changes(a, b) == [
        "Saldo per dato endret fra 10 500,00 kr til 500,00 kr",
        "Inntekt lagt til: Arbeidsavklaringspenger (AAP) (aap-far) 6 200,00 kr",
        "Inntekt fjernet: Bostøtte",
        "Husleie: beløp endret fra 9 500,00 kr til 9 800,00 kr",
        "Husleie: dag endret fra 1. til 20.",
        "Forbruk per måned endret fra 13 000,00 kr til 12 000,00 kr",
        "Antall avdrag endret fra 3 til 2",
    ]
    assert document_changes(a, copy.deepcopy(a)) == []
    c = copy.deepcopy(a)
    c["levers"]["forbid"] = ["rent_day"]
    assert document_changes(a, c) == ["Tiltak som ikke skal brukes endret fra ingen til Endret trekkdag for husleien"]


def test_plan_changes_name_the_interventions():
    a = {"status": "planned", "interventions": [{"lever": "rent_day"}]}
    b = {"status": "solvent", "interventions": []}
    assert plan_changes(a, b) == ["Status endret fra Plan funnet til I orden", "Tiltak tatt bort: Endret trekkdag for husleien"]
    c = {"status": "planned", "interventions": [{"lever": "rent_day", "params": {"day": 20}}]}
    assert plan_changes(a, c) == ["Tiltakene er de samme, men med andre datoer eller beløp"]

"""The published table of payout days: each benefit's effective payout dates in a year under its
default rule, with a Norwegian note on the rule (`planner payout-days`)."""

from __future__ import annotations

from datetime import date

from .benefits import catalogue
from .calendar import Occurrence, occurrences, resolve_income
from .model import IncomeStream


def payout_table(year: int, kinds: list[str] | None = None) -> list[tuple[str, list[Occurrence] | None, str]]:
    """Each benefit's effective payout dates in `year` under its default rule.

    Returns (kind, occurrences or None when the kind has no fixed day, note) per kind. The
    schedule is the one a household's stream of the kind with no schedule of its own gets
    (`resolve_income`): one path for rules and published tables.
    """
    cat = catalogue()
    start, end = date(year, 1, 1), date(year, 12, 31)
    rows: list[tuple[str, list[Occurrence] | None, str]] = []
    for kind in kinds or sorted(cat.kinds):
        k = cat.kinds[kind]
        rule = k.rule_on(start)
        if rule.day is None:
            note = (
                f"hver {rule.every_days}. dag fra en observert utbetaling"
                if rule.every_days
                else "ingen fast dag: oppgis per husstand"
            )
            rows.append((kind, None, note))
            continue
        sched = resolve_income(IncomeStream.model_validate({"kind": kind, "amount": 1}), start)
        shift_nb = {"before": "bankdagen før ved helg/helligdag", "after": "bankdagen etter ved helg/helligdag",
                    "none": "samme dag også ved helg/helligdag"}[rule.shift]
        note = "publisert tabell" if year in k.tables else f"regel: den {rule.day}., {shift_nb}"
        rows.append((kind, list(occurrences(sched, start, end)), note))
    return rows

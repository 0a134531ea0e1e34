"""A validated household as the document a household file holds (kroner, ISO dates): the
inverse of `planner.io.household.household_from_dict`, for the web store, the web form and the
batch's household files."""

from __future__ import annotations

from ..model import Household


def _kr_doc(ore: int) -> int | str:
    """Øre as a document value: whole kroner as int, else exact text ('1880.10')."""
    kr, rest = divmod(abs(ore), 100)
    if rest == 0:
        return ore // 100
    return f"{'-' if ore < 0 else ''}{kr}.{rest:02d}"


def household_document(h: Household) -> dict:
    """The validated household as the dict a TOML file would give (kroner, ISO dates)."""

    def sched(item, income: bool) -> dict:
        out: dict = {"kind": item.kind}
        if item.name:
            out["name"] = item.name
        out["amount"] = _kr_doc(item.amount)
        for key in ("day", "every_days"):
            if getattr(item, key) is not None:
                out[key] = getattr(item, key)
        if item.first is not None:
            out["first"] = item.first.isoformat()
        if item.dates is not None:
            out["dates"] = [d.isoformat() for d in item.dates]
        if item.shift is not None:
            out["shift"] = item.shift
        if item.month_amounts:
            out["month_amounts"] = {k: _kr_doc(v) for k, v in item.month_amounts.items()}
        if item.month_day:
            out["month_day"] = dict(item.month_day)
        if getattr(item, "late_days", None) is not None:
            out["late_days"] = item.late_days
        return out

    doc: dict = {"id": h.id}
    if h.label:
        doc["label"] = h.label
    if h.as_of is not None:
        doc["as_of"] = h.as_of.isoformat()
    doc.update(start=h.start.isoformat(), months=h.months, opening_balance=_kr_doc(h.opening_balance),
               min_balance=_kr_doc(h.min_balance), adults=h.adults, children=h.children)
    if h.profile:
        doc["profile"] = h.profile
    doc["income"] = [sched(i, True) for i in h.income]
    doc["expense"] = [sched(e, False) for e in h.expense]
    doc["living"] = {"monthly": _kr_doc(h.living.monthly)}
    if h.arrears is not None:
        a: dict = {"amount": _kr_doc(h.arrears.amount), "creditor": h.arrears.creditor}
        if h.arrears.since:
            a["since"] = h.arrears.since.isoformat()
        doc["arrears"] = a
    lv = h.levers.model_dump(exclude_none=True)
    if not lv.get("forbid"):
        lv.pop("forbid", None)
    doc["levers"] = lv
    ent = h.entitlement.model_dump(mode="json", exclude_defaults=True)
    for key in ("gross_income_monthly", "other_housing_costs", "wealth"):
        if ent.get(key) is not None:
            ent[key] = _kr_doc(getattr(h.entitlement, key))
    if ent:
        doc["entitlement"] = ent
    return doc

"""The ledger page's worklist: each tenancy's month-end balance over time as a small chart
beside its row, so a caseworker sees at a glance whether the arrears creep, jump or stay, and a
household draft for every ranked row, so each row opens as a new household and case in one click.

The chart is a few dozen points per row and the page may show a hundred rows: a polyline in an
inline SVG costs nothing, where a plotting library would cost a figure per row. It carries its
reading in words (`aria-label`: first and last month, lowest and highest balance), so a screen
reader gets the same as the eye.
"""

from __future__ import annotations

import csv
from collections.abc import Collection, Mapping, Sequence
from datetime import date
from pathlib import Path

from markupsafe import Markup, escape

from ..formatting import format_kr, format_month

WIDTH, HEIGHT, PAD = 120, 28, 2


def balances(months_csv: Path, tenancies: Collection[str], last: int = 24) -> dict[str, list[tuple[str, int]]]:
    """(month, month-end balance in øre) per tenancy in `tenancies`, the last `last` months, from
    `months.csv` of a `planner ledger` run. Rows that cannot be read are left out."""
    wanted = set(tenancies)
    out: dict[str, list[tuple[str, int]]] = {}
    with open(months_csv, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            t = row.get("tenancy") or ""
            if t not in wanted:
                continue
            try:
                out.setdefault(t, []).append((str(row["month"]), int(row["balance_end_ore"])))
            except (KeyError, TypeError, ValueError):
                continue
    return {t: sorted(v)[-last:] for t, v in out.items()}


def sparkline(series: list[tuple[str, int]]) -> Markup:
    """The balance as a small line chart (owed above the zero line), with its reading in words."""
    if not series:
        return Markup("–")
    values = [v for _, v in series]
    lo, hi = min(values + [0]), max(values + [0])
    span = (hi - lo) or 1
    step = (WIDTH - 2 * PAD) / max(len(values) - 1, 1)

    def y(v: int) -> float:
        return round(HEIGHT - PAD - (v - lo) * (HEIGHT - 2 * PAD) / span, 1)

    points = " ".join(f"{round(PAD + i * step, 1)},{y(v)}" for i, v in enumerate(values))
    words = (f"Saldo ved månedsslutt fra {format_month(series[0][0])} til {format_month(series[-1][0])}: "
             f"først {format_kr(values[0])}, sist {format_kr(values[-1])}, høyest {format_kr(max(values))}")
    return Markup(
        f'<svg class="spark" role="img" aria-label="{escape(words)}" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}"><line x1="0" x2="{WIDTH}" y1="{y(0)}" y2="{y(0)}" stroke="#8a949e" '
        f'stroke-width="1" stroke-dasharray="2 2"/><polyline fill="none" stroke="#a12a1f" stroke-width="1.6" '
        f'points="{points}"/></svg>')


def drafts_for(out: Path, contact: Sequence[Mapping[str, str]], as_of: date) -> dict[str, str]:
    """A household draft (TOML) for every ranked row of the contact list, from the run's folder
    `out`: the ledger's own draft where it wrote one (its plan candidates), else the same draft
    made from the row's tenancy in `tenancies.csv` (rent, due day, the payment days seen). Every
    row is someone to contact, and a case is how contact is followed up: a creeping arrears or a
    broken agreement is no timing problem, but the caseworker still records the household,
    plans and writes. Where the tenancy owes, the arrears go in as `[arrears]`, so the plan
    weighs a repayment plan. Incomplete tenancies (rows in errors.csv, no rank) get none: their
    rent and days come from part of their rows."""
    from ..ledger.warning import household_draft, to_day

    wanted = {r["tenancy"]: r for r in contact if str(r.get("rank") or "").strip()}
    seen: dict[str, dict[str, str]] = {}
    with open(out / "tenancies.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row.get("tenancy") in wanted:
                seen[row["tenancy"]] = row
    result: dict[str, str] = {}
    for t, r in wanted.items():
        text = ""
        if str(r.get("draft") or "").startswith("drafts/"):
            text = (out / r["draft"]).read_text(encoding="utf-8")
        row = seen.get(t) or {}
        try:
            rent, due = int(row.get("rent_ore") or 0), int(row.get("due_day") or 0)
            days = [int(d) for d in (row.get("payment_days") or "").split(";") if d.strip()]
            arrears = int(r.get("arrears_ore") or 0)
        except ValueError:
            continue
        if not text:
            if rent <= 0 or not 1 <= due <= 31:
                continue  # no rent seen: nothing to draft from
            text = household_draft(t, rent, due, days, to_day(as_of))
        if arrears > 0:
            kr, ore = divmod(arrears, 100)
            text += ("\n# Restansen i reskontroen per vurderingsdatoen\n[arrears]\n"
                     f"amount = {kr if ore == 0 else f'{kr}.{ore:02d}'}\ncreditor = \"utleier\"\n")
        result[t] = text
    return result

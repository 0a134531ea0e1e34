"""The ledger page's worklist: each tenancy's month-end balance over time as a small chart
beside its row, so a caseworker sees at a glance whether the arrears creep, jump or stay.

The chart is a few dozen points per row and the page may show a hundred rows: a polyline in an
inline SVG costs nothing, where a plotting library would cost a figure per row. It carries its
reading in words (`aria-label`: first and last month, lowest and highest balance), so a screen
reader gets the same as the eye.
"""

from __future__ import annotations

import csv
from collections.abc import Collection
from pathlib import Path

from markupsafe import Markup, escape

from ..formatting import format_month
from ..money import format_kr

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

"""Plain-text reports for a caseworker: Norwegian labels, kroner as `9 500,00 kr`."""

from __future__ import annotations

from datetime import date

from .model import Diagnosis, Household
from .money import format_kr

PROBLEM_TEXT = {
    "none": "ingen – saldoen holder seg over grensen hver dag",
    "timing": "tidsproblem – inntekten dekker utgiftene over perioden, men kommer for sent i forhold til forfallene",
    "income": "inntektsproblem – utgiftene er større enn inntekten; ingen omlegging av datoer kan rette det",
}


def d(day: date | None) -> str:
    """Norwegian date: 01.02.2026."""
    return "–" if day is None else day.strftime("%d.%m.%Y")


def diagnosis_text(household: Household, diag: Diagnosis) -> str:
    """The `planner check` report of one household."""
    head = f"Husstand: {household.id}"
    if household.label:
        head += f" ({household.label})"
    lines = [
        head,
        f"Periode: {d(diag.start)}–{d(diag.end)} ({household.months} måneder)",
        f"Problem: {PROBLEM_TEXT[diag.problem]}",
        f"Laveste saldo: {format_kr(diag.min_balance_ore)} ({d(diag.min_balance_date)})",
        f"Grense (minste saldo): {format_kr(diag.floor_ore)}",
    ]
    total_days = (diag.end - diag.start).days + 1
    if diag.problem != "none":
        lines += [
            f"Første dag under grensen: {d(diag.first_shortfall)}",
            f"Dager under grensen: {diag.days_below_floor} av {total_days}",
            f"Startbuffer som ville unngått alle underskudd: {format_kr(diag.opening_buffer_ore)}",
        ]
    lines.append("")
    lines.append(month_table(diag))
    lines.append("Saldo er regnet etter dagens trekk og før dagens innbetalinger (trekk går om morgenen).")
    return "\n".join(lines)


def month_table(diag: Diagnosis) -> str:
    header = ("Måned", "Inntekt", "Utgifter", "Netto", "Laveste saldo", "Dato")
    rows = [
        (
            m.month,
            format_kr(m.income_ore),
            format_kr(m.outgoings_ore),
            format_kr(m.net_ore),
            format_kr(m.lowest_ore),
            m.lowest_date.strftime("%d.%m"),
        )
        for m in diag.months
    ]
    return table(header, rows)


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """A left-aligned first column and right-aligned numbers, for a fixed-width terminal."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    out = []
    for r in [header, *rows]:
        cells = [str(r[0]).ljust(widths[0])] + [str(c).rjust(w) for c, w in zip(r[1:], widths[1:])]
        out.append("  ".join(cells).rstrip())
    return "\n".join(out) + "\n"

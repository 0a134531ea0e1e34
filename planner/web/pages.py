"""Words and formats the templates use: Norwegian names of statuses and kinds, kroner, dates."""

from __future__ import annotations

from datetime import date, datetime

from ..formatting import nb_date, nb_datetime

STATUS_NB = {"solvent": "I orden", "planned": "Plan funnet", "infeasible": "Ingen plan"}
PROBLEM_NB = {"none": "Ingen", "timing": "Tidsproblem", "income": "Inntektsproblem"}
RECIPIENT_NB = {
    "tenant": "Leietaker", "landlord": "Utleier", "nav": "NAV", "husbanken": "Husbanken",
    "sosialtjenesten": "Sosialtjenesten", "creditor": "Kreditor",
}
SHIFT_NB = {"": "Standard for ytelsen", "before": "Virkedagen før", "after": "Virkedagen etter", "none": "Ingen flytting"}
MODE_NB = {"day": "Fast dag i måneden", "every": "Hver 14. dag fra dato", "dates": "Bestemte datoer",
           "default": "Standard for ytelsen"}
SOURCE_NB = {"form": "Skjema", "toml": "TOML-fil", "batch": "Batch-kjøring"}


def template_globals() -> dict:
    return dict(STATUS_NB=STATUS_NB, PROBLEM_NB=PROBLEM_NB, RECIPIENT_NB=RECIPIENT_NB, SHIFT_NB=SHIFT_NB,
                MODE_NB=MODE_NB, SOURCE_NB=SOURCE_NB, kr=kr, nbdate=nbdate, actors=actors,
                lever_name=lever_name, expense_name=expense_name, schedule=schedule, kr_input=kr_input,
                nobreak_amounts=nobreak_amounts)


def ascii_name(text: str) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in text)


def kr(ore: int | None) -> str:
    from ..money import format_kr

    return "–" if not isinstance(ore, int) else format_kr(ore).replace(" ", "\u00a0")


def nobreak_amounts(text: str) -> str:
    """Amounts in running text kept on one line: the thousands space and the space before
    "kr" become no-break spaces ("7 299,00 kr" never splits as "7 / 299,00 kr")."""
    import re

    return re.sub(r"(?<=\d) (?=\d{3}\b)|(?<=\d) (?=kr\b)", "\u00a0", text)


def kr_input(ore: int) -> str:
    """Øre as a form input's text: 9500 or 9500,50 (no spaces, no unit)."""
    whole, rest = divmod(abs(ore), 100)
    return f"{'-' if ore < 0 else ''}{whole}" + (f",{rest:02d}" if rest else "")


def nbdate(value) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, datetime):
        return nb_datetime(value)
    return nb_date(value)


def actors(items) -> str:
    from ..explain import actors_text

    return actors_text(items)


def lever_name(key: str) -> str:
    from ..levers import catalogue

    cat = catalogue()
    if key == "betaling":
        return "Betaling etter planen"
    return cat[key].name if key in cat else ("Startbuffer" if "buffer" in key else key)


def expense_name(e) -> str:
    from ..benefits import catalogue

    kinds = catalogue().expenses
    name = kinds[e.kind].name if e.kind in kinds else e.kind
    return f"{name} ({e.name})" if e.name else name


def schedule(item) -> str:
    """When a stream is paid, in words: 'den 10. hver måned', 'hver 14. dag fra 14.01.2026'."""
    if item.dates:
        return ", ".join(nb_date(d) for d in item.dates)
    if item.every_days is not None or item.first is not None:
        n = item.every_days or 14
        first = f" fra {nb_date(item.first)}" if item.first else ""
        return f"hver {n}. dag{first}"
    if item.day is not None:
        return f"den {item.day}. hver måned"
    return "standard for ytelsen"

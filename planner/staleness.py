"""The stale-data guard: is the bundled law and payout data still known for the date in use?

Every value that depends on the year (the rettsgebyr R, the forsinkelsesrente, the inkassosats,
the payout tables and rules) carries `known_until`, the last date its data is known for. A plan
made after that date rests on figures nobody has checked, so `planner check` and `planner plan`
warn once. Pure: the date is a parameter (the CLI passes today or `--as-of`), never the clock.
"""

from __future__ import annotations

from datetime import date

from .benefits import catalogue
from .eviction import eviction_rules
from .formatting import nb_date


def known_until() -> dict[str, date]:
    """The last known date of each year-dependent dataset, by a readable name."""
    rules = eviction_rules()
    out: dict[str, date] = {}
    for name, param in (("rettsgebyr (R)", rules.rettsgebyr), ("forsinkelsesrente", rules.interest),
                        ("inkassosats", rules.inkassosats)):
        if param.known_until is None:
            raise ValueError(f"eviction data: [{param.key}] has no known_until")
        out[name] = param.known_until
    cat = catalogue()
    if cat.known_until is None:
        raise ValueError("benefits data: no known_until")
    out["utbetalingsdatoer (benefits.toml)"] = cat.known_until
    return out


def stale_warning(today: date) -> str | None:
    """One Norwegian warning naming every dataset whose data ends before `today`, or None."""
    stale = {k: v for k, v in known_until().items() if v < today}
    if not stale:
        return None
    parts = ", ".join(f"{k} til {nb_date(v)}" for k, v in sorted(stale.items(), key=lambda kv: (kv[1], kv[0])))
    return (f"Advarsel: dataene er bare kjent {parts}, men datoen som brukes er {nb_date(today)}. "
            "Gebyrer, renter og datoer kan være utdatert; oppdater planner/data (se docs/methods/eviction.md).")

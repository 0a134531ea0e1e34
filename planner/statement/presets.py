"""Column-map presets for Norwegian banks' statement exports (planner/data/bank_presets.toml).

A caseworker gets the tenant's export as the bank makes it; asking them to write a column map
for DNB or Nordea each time is work the program can do once. The presets are data, not code,
so an office can correct one when a bank changes its export, and each says what it is based
on (`source`, `status`, `evidence`): few were checked against a real export file.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

#: the preset's date_format -> the form csvfile.parse_date tries first
DATE_FORMATS = ("DD.MM.YYYY", "YYYY-MM-DD", "YYYY/MM/DD", "DD.MM.YY")
DECIMALS = ("comma", "point")
#: how far a preset is verified: a bundled real sample file, public importers' header rows, nothing
STATUSES = ("sample-file", "public-parsers", "unverified")
#: single columns a preset may name (text is a list)
_SINGLE = ("date", "amount", "in", "out", "balance", "currency", "counterpart", "type", "pending")


@dataclass(frozen=True)
class Preset:
    """One bank's export layout: their header names for our columns."""

    name: str
    bank: str
    headers: tuple[str, ...]
    columns: dict[str, str]  # ours -> theirs (single columns)
    text: tuple[str, ...]
    date_format: str
    decimal: str
    separator: str | None
    status: str
    source: str
    evidence: str = ""  # what the layout was checked against (tests/data/real/SOURCES.md)


def norm(name: str) -> str:
    """A header as compared: case-blind, quotes and outer spaces dropped, inner spaces one."""
    return re.sub(r"\s+", " ", name.strip().strip('"').strip()).casefold()


@lru_cache(maxsize=1)
def presets() -> tuple[Preset, ...]:
    """The bundled presets, checked once: a broken data file is a bug, said by name."""
    raw = tomllib.loads(resources.files("planner.data").joinpath("bank_presets.toml").read_text("utf-8"))
    out = []
    for i, p in enumerate(raw.get("preset", []), start=1):
        where = f"bank_presets.toml preset[{i}]"
        cols = {k: p[k] for k in _SINGLE if k in p}
        if "date" not in cols or not ("amount" in cols or ("in" in cols and "out" in cols)):
            raise ValueError(f"{where}: needs date and amount (or in and out)")
        if p.get("date_format") not in DATE_FORMATS or p.get("decimal") not in DECIMALS:
            raise ValueError(f"{where}: date_format one of {DATE_FORMATS}, decimal one of {DECIMALS}")
        if p.get("status") not in STATUSES:
            raise ValueError(f"{where}: status one of {STATUSES}")
        out.append(Preset(p["name"], p["bank"], tuple(p["headers"]), cols, tuple(p.get("text", ())),
                          p["date_format"], p["decimal"], p.get("separator"), p["status"], p["source"],
                          p.get("evidence", "")))
    return tuple(out)


def names() -> tuple[str, ...]:
    return tuple(p.name for p in presets())


def by_name(name: str) -> Preset | None:
    return next((p for p in presets() if p.name == name.strip().casefold()), None)


def matching(header: list[str]) -> Preset | None:
    """The preset whose header names all stand in this row; the one naming most wins (a bank
    whose export is another's plus columns is told apart by the extra ones)."""
    have = {norm(h) for h in header}
    fits = [p for p in presets() if all(norm(h) in have for h in p.headers)]
    return max(fits, key=lambda p: len(p.headers), default=None)

"""What a ledger run is asked (`LedgerOptions`) and what it tells (`LedgerSummary`, written as
summary.json and summary.txt and printed by `planner ledger`). The counts add up: rows read =
used + blank + in errors, and the run checks that they do."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from ..formatting import excel_date, format_decimal, nb_date
from ..io.tables.limits import COMMAND_LINE, TableLimits
from . import output
from .patterns import pattern_name

#: The pattern of a tenancy with a rejected row: not judged (no pattern, dates or priority).
INCOMPLETE = "incomplete"


@dataclass
class LedgerOptions:
    out: Path
    as_of: date
    columns: Path | None = None
    key: bytes | None = None  # pseudonymise tenancy ids with this key
    bucket_rows: int = 1_500_000
    part_rows: int = 250_000  # a bucket is analysed in parts of whole tenancies: memory holds one part
    chunk_rows: int = 500_000
    #: processes judging the parts: 1 runs in this process alone; None, two where there are two cores
    workers: int | None = None
    top: int = 50  # tenancies explained in contact.txt ("this week")
    progress: Callable[[str, int, int], None] | None = None  # (stage, done, total)
    display_name: str | None = None  # the file's name in messages (the web page's upload name)
    limits: TableLimits = COMMAND_LINE  # rows, cells, bytes (the web page's uploads: `limits.WEB`)


@dataclass
class LedgerSummary:
    file: str
    as_of: date
    rows_read: int = 0
    rows_used: int = 0
    rows_blank: int = 0
    rows_in_errors: int = 0
    rows_after_as_of: int = 0  # used rows dated after the as-of date: kept out of the figures
    duplicates: int = 0
    error_lines: int = 0
    tenancies: int = 0
    by_pattern: dict[str, int] = field(default_factory=dict)
    contact: int = 0
    candidates: int = 0
    buckets: int = 1
    seconds: float = 0.0
    peak_rss_kib: int = 0
    unused_columns: list[str] = field(default_factory=list)
    pseudonymised: bool = False
    incomplete: int = 0  # tenancies with a rejected row: not judged (see `run`)
    rejected_without_tenancy: int = 0  # rejected rows whose tenancy cannot be told

    @property
    def consistent(self) -> bool:
        return self.rows_read == self.rows_used + self.rows_blank + self.rows_in_errors

    def to_json(self) -> dict:
        return {
            "format": output.FORMAT, "file": Path(self.file).name, "as_of": self.as_of.isoformat(),
            "rows": {"read": self.rows_read, "used": self.rows_used, "blank": self.rows_blank,
                     "in_errors": self.rows_in_errors, "duplicates": self.duplicates,
                     "after_as_of": self.rows_after_as_of},
            "error_lines": self.error_lines, "tenancies": self.tenancies, "patterns": self.by_pattern,
            "contact": self.contact, "plan_candidates": self.candidates, "pseudonymised": self.pseudonymised,
            "incomplete": self.incomplete, "rejected_rows_without_tenancy": self.rejected_without_tenancy,
            "unused_columns": len(self.unused_columns),
        }


def patterns_text(by_pattern: dict[str, int], all_: bool = True) -> str:
    return ", ".join(f"{pattern_name(p)} {n}" for p, n in by_pattern.items() if all_ or n)


def summary_text(s: LedgerSummary, contact: pd.DataFrame) -> str:
    """summary.txt: the counts (they add up: rows read = used + blank + with errors) and the top 20."""
    lines = [
        f"planner ledger: {Path(s.file).name}, per {nb_date(s.as_of)}",
        f"rader lest {s.rows_read} = brukt {s.rows_used} + tomme {s.rows_blank} + med feil {s.rows_in_errors}"
        f" (herav duplikater {s.duplicates}); errors.csv: {s.error_lines} linjer",
        f"rader datert etter vurderingsdatoen (brukt, ikke med i tallene): {s.rows_after_as_of}",
        f"leieforhold: {s.tenancies}; på kontaktlisten: {s.contact}; kandidater for plan (utkast): {s.candidates}",
        "mønstre: " + patterns_text(s.by_pattern),
    ]
    if s.incomplete:
        lines.append(f"ufullstendige (en rad i errors.csv; ikke vurdert, ikke rangert): {s.incomplete} leieforhold")
    if s.rejected_without_tenancy:
        lines.append(f"rader med feil som ikke nevner noe leieforhold: {s.rejected_without_tenancy} (de kan høre til"
                     " hvilket som helst)")
    if s.unused_columns:
        lines.append(f"kolonner som ikke brukes: {len(s.unused_columns)} (aldri lest eller kopiert)")
    if s.pseudonymised:
        lines.append("leieforholdenes id er pseudonymisert (HMAC-SHA256 med kjøringens nøkkel).")
    lines += ["", "De 20 første:"]
    for r in contact.head(20).itertuples(index=False):
        months = format_decimal(float(r.arrears_months), 2) if r.arrears_months != "" else "-"
        lines.append(f"{r.rank:>4}. {r.tenancy}  prioritet {r.priority}  {pattern_name(r.pattern)}  restanse"
                     f" {months} månedsleier  begjæring {excel_date(r.request_date) or '-'}")
    return "\n".join(lines) + "\n"


def console_lines(s: LedgerSummary, out: Path) -> list[str]:
    """What `planner ledger` prints when it is done: the counts, the patterns, where the files are."""
    return [f"rader lest {s.rows_read} = brukt {s.rows_used} + tomme {s.rows_blank} + med feil {s.rows_in_errors};"
            f" errors.csv: {s.error_lines} linjer",
            "mønstre: " + patterns_text(s.by_pattern, all_=False),
            f"på kontaktlisten: {s.contact}; kandidater for plan: {s.candidates}; resultater i {out}"
            f" ({format_decimal(s.seconds, 1)} s)"]

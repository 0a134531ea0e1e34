"""The ranked contact list of a ledger run (contact.csv, contact-excel.csv, contact.xlsx,
contact.txt) and the household drafts of its plan candidates: who should be called first, why,
and a draft to plan with."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..entitlement.ledger import draft_note, ledger_flags
from ..formatting import format_kr, nb_date
from . import output
from .memory import give_back
from .summary import INCOMPLETE, LedgerOptions
from .warning import explain, household_draft, to_date, to_day

#: A contact list this long is written to contact.xlsx by a child process (`output.SheetAside`);
#: a shorter one here, where starting a process would cost more than the sheet (~0.1 s a 1 000 rows).
ASIDE_ROWS = 5_000


def contact_list(table: pd.DataFrame, opts: LedgerOptions, out: Path,
                 pending: list[output.SheetAside] | None = None) -> pd.DataFrame:
    """The ranked contact list (contact.csv, contact.txt) and the drafts of the plan candidates.
    With `pending`, contact.xlsx is written aside (`output.SheetAside`) and added to it: the
    caller waits for it after writing its own files.

    In this order: the ranking, then each row's words and "bostøtte ikke søkt?", then the sheet
    (aside, it takes longest: started as soon as its cells are known), then the drafts, the CSV
    files and contact.txt while it is written."""
    c = table.loc[table["priority"] > 0, _used(table)]
    req = c["x_request_day"].where(c["x_request_day"] >= 0, np.iinfo(np.int64).max)
    c = c.assign(_req=req).sort_values(["priority", "_req", "tenancy"], ascending=[False, True, True], kind="stable")
    c["rank"] = np.arange(1, len(c) + 1)
    candidate = c["plan_candidate"].to_numpy(dtype=bool)
    # all drafts in drafts.zip; those on this week's list also as files in drafts/
    c["draft"] = [("" if not cand else f"drafts/{file_name(t)}.toml" if rank <= opts.top else
                   f"drafts.zip:{file_name(t)}.toml") for t, rank, cand in zip(c["tenancy"], c["rank"], candidate)]
    c["why"], c["bostotte_ikke_sokt"], c["bostotte_inntektsgrense_ore"] = c["x_why"], c["x_unused"], c["x_limit"]
    # incomplete tenancies: not ranked (a rank from part of the rows would mislead), listed after
    inc = table.loc[table["pattern"] == INCOMPLETE, _used(table)]
    inc = inc.assign(rank="", why=inc["incomplete_reason"], draft="", bostotte_ikke_sokt="", bostotte_inntektsgrense_ore="")
    listed = pd.concat([c, inc], ignore_index=True) if len(inc) else c
    give_back()  # what the selection and the sort dropped (Arrow's pool keeps it otherwise)
    if pending is None or len(listed) < ASIDE_ROWS:
        output.write_sheet(out / "contact.xlsx", listed, output.CONTACT_COLUMNS, "Kontaktliste")
    else:  # first: it runs in a child while the rest is written here
        pending.append(output.SheetAside(out / "contact.xlsx", listed, output.CONTACT_COLUMNS, "Kontaktliste"))
    _drafts(c.loc[candidate, ["tenancy", "rent_ore", "due_day", "x_days", "x_unused", "x_limit", "rank"]], opts, out)
    give_back()
    output.write_frame(out / "contact.csv", listed, output.CONTACT_COLUMNS)
    give_back()
    output.write_excel_frame(out / "contact-excel.csv", listed, output.CONTACT_COLUMNS)
    lines = [f"Hvem bør kontaktes først, per {nb_date(opts.as_of)} (de første {min(opts.top, len(c))} av"
             f" {len(c)}; alle i contact.csv)", ""]
    for r in c.head(opts.top).itertuples(index=False):
        lines.append(f"{r.rank}. {r.tenancy} (prioritet {r.priority}){' - kandidat for plan: ' + r.draft if r.draft else ''}")
        lines.append(f"   {r.why}")
        if r.bostotte_ikke_sokt:
            lines.append(f"   Bostøtte ikke søkt? Mulig ved bruttoinntekt på høyst "
                         f"{format_kr(r.bostotte_inntektsgrense_ore)} i måneden (én person; et anslag)")
    if len(inc):
        lines += ["", f"Ikke rangert: {len(inc)} leieforhold med rader i errors.csv (rett radene og kjør igjen; et"
                      " leieforhold vurderes aldri ut fra bare en del av radene)"]
        lines += [f"- {r.tenancy}: {r.incomplete_reason}" for r in inc.itertuples(index=False)]
    output.write_text(out / "contact.txt", "\n".join(lines) + "\n")
    return c


#: the tenancy table's columns `contact_list` uses: the list's, the ranking's, the words' (`words`) and the drafts'
_USED = {*output.CONTACT_COLUMNS, "x_request_day", "x_why", "x_unused", "x_limit", "rent_ore", "due_day", "x_days",
         "incomplete_reason"}


def _used(table: pd.DataFrame) -> list[str]:
    """The columns of `table` in `_USED`: the list's copies are of these, not of the whole table."""
    return [col for col in table.columns if col in _USED]


def _explained(r) -> dict:
    """The figures `explain` words, of a row of the ranked table."""
    return {"rent_ore": r.rent_ore, "arrears_ore": r.arrears_ore, "trend_ore_per_month": r.trend_ore_per_month,
            "collector_day": r.x_collector_day, "request_day": r.x_request_day,
            "collector_line_ore": r.x_collector_line_ore, "late_months": r.late_months,
            "observed_months": r.observed_months, "median_days_late": r.median_days_late, "due_day": r.due_day,
            "failed_debits": r.failed_debits, "failed_months": r.failed_months,
            "broken_instalments": r.broken_instalments, "instalments": r.instalments, "rises": r.x_rises,
            "priority": r.priority, "priority_urgency": r.priority_urgency, "priority_arrears": r.priority_arrears,
            "priority_pattern": r.priority_pattern}


def words(table: pd.DataFrame, as_of: int) -> pd.DataFrame:
    """The contact list's words of a part's tenancies, as hidden columns: `x_why` (`explain`) of
    those with a priority, and "bostøtte ikke søkt?" of the plan candidates (their drafts have no
    bostøtte stream; `planner.entitlement.ledger`): `x_unused` ("ja" or "") and `x_limit` (the
    income limit in øre, or "").

    Why per part: they depend on the tenancy alone, and worked out where the part is judged
    (`parallel.judge_text`, in both processes) they are ready when the ranking is, so
    contact.xlsx, the last file to finish, starts at once."""
    why: list[str] = [""] * len(table)
    unused: list[str] = [""] * len(table)
    limits: list[int | str] = [""] * len(table)
    candidate = table["plan_candidate"].to_numpy(dtype=bool)
    flags = ledger_flags(table["rent_ore"][candidate].astype(int).tolist(), to_date(as_of))
    for i, r in enumerate(table.itertuples(index=False)):
        if r.priority > 0:
            why[i] = explain(_explained(r), r.pattern, list(r.x_days), as_of)
        if r.plan_candidate and (flag := flags[int(r.rent_ore)]).flagged:
            unused[i], limits[i] = "ja", flag.income_limit_ore
    return table.assign(x_why=why, x_unused=unused, x_limit=limits)


def _drafts(candidates: pd.DataFrame, opts: LedgerOptions, out: Path) -> None:
    """The household drafts of the plan candidates, in rank order: all in drafts.zip, those on
    this week's list (`opts.top`) also as files in drafts/."""
    as_of = to_day(opts.as_of)
    zipped = output.DraftZip(out / "drafts.zip")
    for r in candidates.itertuples(index=False):
        name = file_name(r.tenancy)
        text = household_draft(r.tenancy, int(r.rent_ore), int(r.due_day), list(r.x_days), as_of)
        text += draft_note(int(r.x_limit) if r.x_unused else None)  # (`words`)
        zipped.add(name, text)
        if r.rank <= opts.top:
            output.write_draft(out / "drafts", name, text)
    zipped.close()


def file_name(tenancy: str) -> str:
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "_" for ch in tenancy)[:80] or "_"

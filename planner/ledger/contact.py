"""The ranked contact list of a ledger run (contact.csv, contact-excel.csv, contact.xlsx,
contact.txt) and the household drafts of its plan candidates: who should be called first, why,
and a draft to plan with."""

from __future__ import annotations

import re
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
    names = [file_name(t) if cand else "" for t, cand in zip(c["tenancy"].tolist(), candidate.tolist())]
    c["draft"] = [("" if not cand else f"drafts/{name}.toml" if rank <= opts.top else f"drafts.zip:{name}.toml")
                  for name, rank, cand in zip(names, range(1, len(c) + 1), candidate.tolist())]
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
    _drafts(c.loc[candidate, ["tenancy", "rent_ore", "due_day", "x_days", "x_unused", "x_limit", "rank"]],
            [n for n in names if n], opts, out)
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


#: `explain`'s figures and the tenancy table's columns they are in
_EXPLAINED = {"rent_ore": "rent_ore", "arrears_ore": "arrears_ore", "trend_ore_per_month": "trend_ore_per_month",
              "collector_day": "x_collector_day", "request_day": "x_request_day",
              "collector_line_ore": "x_collector_line_ore", "late_months": "late_months",
              "observed_months": "observed_months", "median_days_late": "median_days_late", "due_day": "due_day",
              "failed_debits": "failed_debits", "failed_months": "failed_months",
              "broken_instalments": "broken_instalments", "instalments": "instalments", "rises": "x_rises",
              "priority": "priority", "priority_urgency": "priority_urgency", "priority_arrears": "priority_arrears",
              "priority_pattern": "priority_pattern"}


def words(table: pd.DataFrame, as_of: int) -> pd.DataFrame:
    """The contact list's words of a part's tenancies, as hidden columns: `x_why` (`explain`) of
    those with a priority, and "bostøtte ikke søkt?" of the plan candidates (their drafts have no
    bostøtte stream; `planner.entitlement.ledger`): `x_unused` ("ja" or "") and `x_limit` (the
    income limit in øre, or "").

    Why per part: they depend on the tenancy alone, and worked out where the part is judged
    (`parallel.judge_text`, in both processes) they are ready when the ranking is, so
    contact.xlsx, the last file to finish, starts at once. The figures are taken a column at a
    time, of the rows with a priority only (not a row at a time of the whole table: its text
    columns are Arrow arrays, slow to iterate a cell at a time)."""
    why: list[str] = [""] * len(table)
    unused: list[str] = [""] * len(table)
    limits: list[int | str] = [""] * len(table)
    candidate = table["plan_candidate"].to_numpy(dtype=bool)
    rents = table["rent_ore"][candidate].astype(int).tolist()
    flags = ledger_flags(rents, to_date(as_of))
    for i, rent in zip(np.flatnonzero(candidate).tolist(), rents):
        if (flag := flags[rent]).flagged:
            unused[i], limits[i] = "ja", flag.income_limit_ore
    ranked = np.flatnonzero(table["priority"].to_numpy() > 0)
    if len(ranked):
        part = table.iloc[ranked]
        cols = [part[c].tolist() for c in _EXPLAINED.values()]
        for i, figures, pattern, days in zip(ranked.tolist(), zip(*cols), part["pattern"].tolist(),
                                             part["x_days"].tolist()):
            why[i] = explain(dict(zip(_EXPLAINED, figures)), pattern, list(days), as_of)
    return table.assign(x_why=why, x_unused=unused, x_limit=limits)


def _drafts(candidates: pd.DataFrame, names: list[str], opts: LedgerOptions, out: Path) -> None:
    """The household drafts of the plan candidates (`names`: their file names), in rank order:
    all in drafts.zip, those on this week's list (`opts.top`) also as files in drafts/. Taken a
    column at a time (`words`)."""
    as_of = to_day(opts.as_of)
    zipped = output.DraftZip(out / "drafts.zip")
    cols = [candidates[c].tolist() for c in ("tenancy", "rent_ore", "due_day", "x_days", "x_unused", "x_limit",
                                             "rank")]
    for name, (tenancy, rent, due_day, days, unused, limit, rank) in zip(names, zip(*cols)):
        text = household_draft(tenancy, int(rent), int(due_day), list(days), as_of)
        text += draft_note(int(limit) if unused else None)  # (`words`)
        zipped.add(name, text)
        if rank <= opts.top:
            output.write_draft(out / "drafts", name, text)
    zipped.close()


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def file_name(tenancy: str) -> str:
    """The tenancy id as a file name: ASCII letters, digits and -_. kept, anything else "_"."""
    return _UNSAFE.sub("_", tenancy)[:80] or "_"

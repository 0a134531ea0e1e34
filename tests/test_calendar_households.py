"""Payout dates of whole households, against dates written out by hand from a real calendar.

In the manner of vacanza/holidays' country tests: each case is one short line, a household
stream as its file states it, and the effective dates a caseworker reads off a printed
calendar (weekdays and Norwegian bank holidays looked up by hand, the reasoning in the comment).
Every case goes the household path: a TOML file read by `read_household`, booked by
`cashflow.transactions` (no schedule or payout table is built by the test).

2026: Easter Sunday 5 April (skjærtorsdag 2.4, langfredag 3.4, 2. påskedag 6.4), 1 May a Friday,
Kristi himmelfart 14.5, 17 May a Sunday, 2. pinsedag 25.5. 2024: Kristi himmelfart 9.5,
17 May a Friday, 2. pinsedag 20.5.
"""

from __future__ import annotations

from datetime import date

import pytest

from planner.cashflow import transactions
from planner.io.household import read_household

D = date.fromisoformat
RENT = 'kind = "husleie"\namount = 5000\nday = 1'

# (case id, horizon start, months, section, the stream as the file writes it, expected dates)
CASES = [
    # --- 14-day streams whose observed payout (`first`) lies before the horizon
    # Tue 16.12.2025 + 14 days: 30.12, then Tuesdays 13.01, 27.01, 10.02, 24.02, 10.03, 24.03 (16 days before)
    ("aap-first-16-days-before", "2026-01-01", 3, "income",
     'kind = "aap"\namount = 9000\nevery_days = 14\nfirst = 2025-12-16',
     ["2026-01-13", "2026-01-27", "2026-02-10", "2026-02-24", "2026-03-10", "2026-03-24"]),
    # Tue 03.06.2025 is 15 fortnights before Tue 13.01.2026: the same Tuesdays (212 days before)
    ("aap-first-half-a-year-before", "2026-01-01", 2, "income",
     'kind = "aap"\namount = 9000\nevery_days = 14\nfirst = 2025-06-03',
     ["2026-01-13", "2026-01-27", "2026-02-10", "2026-02-24"]),
    # Wed 31.12.2025 is 13 days before the start 13.01: Wednesdays 14.01, 28.01, 11.02
    ("dagpenger-first-13-days-before", "2026-01-13", 1, "income",
     'kind = "dagpenger"\namount = 8000\nevery_days = 14\nfirst = 2025-12-31',
     ["2026-01-14", "2026-01-28", "2026-02-11"]),
    # exactly 14 days before: the next payout is the horizon's first day, Wed 14.01
    ("dagpenger-first-14-days-before", "2026-01-14", 1, "income",
     'kind = "dagpenger"\namount = 8000\nevery_days = 14\nfirst = 2025-12-31',
     ["2026-01-14", "2026-01-28", "2026-02-11"]),
    # Mon 09.03 (23 days before): 23.03, 06.04 is 2. påskedag -> back past Easter to Wed 01.04, the
    # first day; then Mondays 20.04, 04.05, 18.05
    ("aap-easter-shift-onto-day-one", "2026-04-01", 2, "income",
     'kind = "aap"\namount = 9000\nevery_days = 14\nfirst = 2026-03-09',
     ["2026-04-01", "2026-04-20", "2026-05-04", "2026-05-18"]),
    # `first` alone on a kind paid every 14 days by rule; Thu 19.03 one day before: 02.04 is
    # skjærtorsdag -> Wed 01.04; 16.04, 30.04; 14.05 Kristi himmelfart -> Wed 13.05; 28.05, 11.06
    ("aap-first-only-day-before", "2026-03-20", 3, "income",
     'kind = "aap"\namount = 9000\nfirst = 2026-03-19',
     ["2026-04-01", "2026-04-16", "2026-04-30", "2026-05-13", "2026-05-28", "2026-06-11"]),
    # first inside: langfredag 03.04 shifts to Wed 01.04, before the start 02.04: dropped, not
    # pulled onto day one; 17.04; 1. mai (Fri) -> Thu 30.04
    ("aap-shifted-before-start-dropped", "2026-04-02", 1, "income",
     'kind = "aap"\namount = 9000\nevery_days = 14\nfirst = 2026-04-03',
     ["2026-04-17", "2026-04-30"]),
    # shift after: Mon 23.03 (9 days before); 06.04 2. påskedag -> Tue 07.04; Mon 20.04
    ("aap-shift-after", "2026-04-01", 1, "income",
     'kind = "aap"\namount = 9000\nevery_days = 14\nfirst = 2026-03-23\nshift = "after"',
     ["2026-04-07", "2026-04-20"]),
    # a payout nominally after the horizon that shifts back into it: Fri 06.03, Fri 20.03, and
    # langfredag 03.04 -> Wed 01.04, the horizon's last day
    ("aap-shifted-back-from-after-end", "2026-03-02", 1, "income",
     'kind = "aap"\namount = 9000\nevery_days = 14\nfirst = 2026-03-20',
     ["2026-03-06", "2026-03-20", "2026-04-01"]),
    # one nominally before the horizon that shifts forward into it: Sun 22.03 -> Mon 23.03, the
    # first day; Easter Sunday 05.04 -> Tue 07.04 (after 2. påskedag); Sun 19.04 -> Mon 20.04
    ("aap-after-shift-from-before-start", "2026-03-23", 1, "income",
     'kind = "aap"\namount = 9000\nevery_days = 14\nfirst = 2026-03-22\nshift = "after"',
     ["2026-03-23", "2026-04-07", "2026-04-20"]),
    # an expense every 28 days from Thu 20.11.2025 (42 days before): Thursdays 15.01, 12.02, 12.03
    ("strom-every-28-first-before", "2026-01-01", 3, "expense",
     'kind = "strom"\namount = 700\nevery_days = 28\nfirst = 2025-11-20',
     ["2026-01-15", "2026-02-12", "2026-03-12"]),
    # --- a household's own month_day
    # uføretrygd: 20.04 Mon; the file moves May to Wed 13.05 (the rule says 16th -> 15th); 20.06 Sat -> 19.06
    ("uforetrygd-own-may-day", "2026-04-01", 3, "income",
     'kind = "uforetrygd"\namount = 20000\nmonth_day = { 5 = 13 }',
     ["2026-04-20", "2026-05-13", "2026-06-19"]),
    # barnetrygd: day 31 -> Mon 30.11; the file says December the 22nd (Tue), not the rule's 18th
    ("barnetrygd-own-december-day", "2026-11-01", 2, "income",
     'kind = "barnetrygd"\namount = 1766\nmonth_day = { 12 = 22 }',
     ["2026-11-30", "2026-12-22"]),
    # wages on the 25th (Wed 25.11); one dated month, December 2026, on Tue 15.12
    ("lonn-one-dated-month", "2026-11-01", 2, "income",
     'kind = "lonn"\namount = 25000\nday = 25\nmonth_day = { "2026-12" = 15 }',
     ["2026-11-25", "2026-12-15"]),
    # own day 15 (Sun 15.11 -> Fri 13.11) and own December day Thu 03.12
    ("uforetrygd-own-day-and-december", "2026-11-01", 2, "income",
     'kind = "uforetrygd"\namount = 20000\nday = 15\nmonth_day = { 12 = 3 }',
     ["2026-11-13", "2026-12-03"]),
    # power bill on the 10th, January on the 20th (Tue): Tue 20.01, Tue 10.02
    ("strom-own-january-day", "2026-01-01", 2, "expense",
     'kind = "strom"\namount = 700\nday = 10\nmonth_day = { 1 = 20 }',
     ["2026-01-20", "2026-02-10"]),
    # --- published payout tables (benefits.toml, bostøtte 2022 and 2024)
    # 2024 table: 19.04, 15.05 (the rule would say Thu 16.05), 20.06
    ("bostotte-2024-table", "2024-04-01", 3, "income",
     'kind = "bostotte"\namount = 3000',
     ["2024-04-19", "2024-05-15", "2024-06-20"]),
    # 2022 table for Nov and Dec (18.11, 20.12); 2023 has none: the rule, Fri 20.01, Mon 20.02
    ("bostotte-2022-table-then-rule", "2022-11-01", 4, "income",
     'kind = "bostotte"\namount = 3000',
     ["2022-11-18", "2022-12-20", "2023-01-20", "2023-02-20"]),
    # a stated shift means the agency pays this household by the rule: 20.05 2. pinsedag, 19 Sun,
    # 18 Sat, 17 grunnlovsdag -> Thu 16.05
    ("bostotte-own-shift-no-table", "2024-05-01", 1, "income",
     'kind = "bostotte"\namount = 3000\nshift = "before"',
     ["2024-05-16"]),
    # a stated day likewise: Thu 16.05
    ("bostotte-own-day-no-table", "2024-05-01", 1, "income",
     'kind = "bostotte"\namount = 3000\nday = 20',
     ["2024-05-16"]),
    # a stated month_day likewise: Thu 16.05, and June on Mon 10.06
    ("bostotte-own-month-day-no-table", "2024-05-01", 2, "income",
     'kind = "bostotte"\namount = 3000\nmonth_day = { 6 = 10 }',
     ["2024-05-16", "2024-06-10"]),
    # --- shift overrides
    # wages on the 15th, paid the next bank day: 15.02 Sun -> 16.02, 15.03 Sun -> 16.03, Wed 15.04,
    # Fri 15.05, Mon 15.06, Wed 15.07, 15.08 Sat -> Mon 17.08
    ("lonn-shift-after", "2026-02-01", 7, "income",
     'kind = "lonn"\namount = 25000\nday = 15\nshift = "after"',
     ["2026-02-16", "2026-03-16", "2026-04-15", "2026-05-15", "2026-06-15", "2026-07-15", "2026-08-17"]),
    # rent on the 1st drawn the bank day before: 01.02 Sun -> Fri 30.01, 01.03 Sun -> Fri 27.02
    # (autogiro's own rule would say Mon 02.02 and Mon 02.03)
    ("rent-shift-before", "2026-01-15", 2, "expense",
     'kind = "husleie"\namount = 5000\nday = 1\nshift = "before"',
     ["2026-01-30", "2026-02-27"]),
    # January's rent on the 31st (Sat) is drawn Mon 02.02, inside a horizon from 01.02;
    # February's (28.02 Sat -> Mon 02.03) falls after it
    ("rent-january-drawn-in-february", "2026-02-01", 1, "expense",
     'kind = "husleie"\namount = 5000\nday = 31',
     ["2026-02-02"]),
    # rent by autogiro's rule: 01.02 Sun -> Mon 02.02, 01.03 Sun -> Mon 02.03
    ("rent-default-after", "2026-01-15", 2, "expense",
     'kind = "husleie"\namount = 5000\nday = 1',
     ["2026-02-02", "2026-03-02"]),
    # "annen" income is paid on the day by rule: Sun 17.05 stays
    ("annen-rule-none", "2026-05-01", 1, "income",
     'kind = "annen"\namount = 1000\nday = 17',
     ["2026-05-17"]),
    # ... unless the file says otherwise: 17 Sun, 16 Sat -> Fri 15.05
    ("annen-shift-before", "2026-05-01", 1, "income",
     'kind = "annen"\namount = 1000\nday = 17\nshift = "before"',
     ["2026-05-15"]),
    # uføretrygd's May day 16 is a Saturday; shift none keeps Sat 16.05
    ("uforetrygd-shift-none", "2026-05-01", 1, "income",
     'kind = "uforetrygd"\namount = 20000\nshift = "none"',
     ["2026-05-16"]),
    # --- a named payout profile: bostøtte on the 10th (Fri 10.05.2024), no published table
    ("bostotte-profile-day", "2024-05-01", 1, "income",
     'kind = "bostotte"\namount = 3000',
     ["2024-05-10"]),
]
PROFILE = {"bostotte-profile-day": "seed-2006"}


def _household_file(tmp_path, case_id: str, start: str, months: int, section: str, body: str) -> str:
    lines = [f'id = "{case_id}"', f"start = {start}", f"months = {months}"]
    if case_id in PROFILE:
        lines.append(f'profile = "{PROFILE[case_id]}"')
    rent_under_test = section == "expense" and 'kind = "husleie"' in body
    lines += [f"[[{section}]]", body]
    if not rent_under_test:
        lines += ["[[expense]]", RENT]
    path = tmp_path / f"{case_id}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("case_id,start,months,section,body,expected", CASES, ids=[c[0] for c in CASES])
def test_household_payout_dates(tmp_path, case_id, start, months, section, body, expected):
    h = read_household(_household_file(tmp_path, case_id, start, months, section, body))
    kind = body.split('"')[1]
    if section == "income":
        got = [t.date for t in transactions(h) if t.kind == "income" and t.stream == kind]
    else:
        got = [t.date for t in transactions(h) if t.kind == kind]
    assert got == [D(x) for x in expected]


"""A generated caseload with a known truth, for the half-year report's tests.

`truth(n, seed)` draws plain dicts (one per household) with every fact the report counts; the
tests count the figures from these dicts with their own loops, independently of
planner/halfyear/figures.py, and compare. `write_batch` writes the same households as a
`planner batch` output folder (results.csv and plans/ID.json with the contract's fields), so
the batch reader is checked against the same truth.
"""

from __future__ import annotations

import csv
import json
import random
from datetime import date, timedelta
from pathlib import Path

PERIOD = (date(2026, 1, 1), date(2026, 6, 30))
PREVIOUS = (date(2025, 7, 1), date(2025, 12, 31))
#: office sizes chosen so some cells are small: Frogner has 3 cases, Sagene 7
OFFICES = [("Bydel Grünerløkka", 90), ("Bydel Gamle Oslo", 80), ("Bydel Søndre Nordstrand", 60),
           ("Bydel Alna", 45), ("Bydel Sagene", 7), ("Bydel Frogner", 3), (None, 15)]
LEVERS = {"opening_buffer": ["sosialtjenesten"], "rent_day": ["tenant", "landlord"], "rent_instalments": ["landlord"],
          "bostotte_to_landlord": ["tenant", "husbanken", "landlord"], "deduction": ["tenant", "nav", "landlord"],
          "move_payout": ["nav"], "repayment_plan": ["tenant", "creditor"]}
KINDS = ["aap", "uforetrygd", "sosialhjelp", "bostotte", "barnetrygd", "lonn", "dagpenger", "alderspensjon",
         "kontantstotte"]
OUTCOMES = ["solved", "paid", "petition_sent", "petition_withdrawn", "evicted", "moved", "not_reached"]
AGES = ["", "u25", "25-34", "35-44", "45-54", "55-66", "67+"]
GENDERS = ["", "kvinne", "mann", "annet"]


def _day(rng: random.Random, lo: date, hi: date) -> date:
    return lo + timedelta(days=rng.randint(0, (hi - lo).days))


def truth(seed: int = 17) -> list[dict]:
    rng = random.Random(seed)
    out = []
    n = 0
    for office, size in OFFICES:
        for _ in range(size):
            n += 1
            opened = _day(rng, date(2025, 5, 1), date(2026, 6, 30))
            list_date = opened - timedelta(days=rng.randint(0, 20))
            problem = rng.choice(["timing", "timing", "income", "none"])
            status = "solvent" if problem == "none" else rng.choice(["planned", "planned", "infeasible"])
            ivs = []
            if status == "planned":
                for lever in rng.sample(sorted(LEVERS), rng.randint(1, 3)):
                    ivs.append({"lever": lever, "actors": LEVERS[lever],
                                "state": rng.choice(["to_ask", "asked", "agreed", "in_effect", "refused"])})
            outcome, odate = None, None
            if rng.random() < 0.6:
                outcome = rng.choice(OUTCOMES)
                odate = min(_day(rng, opened, opened + timedelta(days=150)), date(2026, 8, 31))
            closed = odate if outcome and outcome != "petition_sent" else None
            contact = list_date + timedelta(days=rng.randint(0, 70)) if rng.random() < 0.8 else None
            petition = odate if outcome == "petition_sent" else (
                odate - timedelta(days=20) if outcome in ("evicted", "petition_withdrawn") else None)
            eviction = odate if outcome == "evicted" else None
            adults, children = rng.choice([1, 1, 2]), rng.choice([0, 0, 1, 2, 3, 4])
            rent_from = rng.choice([1, 1, 5])
            wait_day = rng.choice([10, 15, 20, 25])
            bridge = rng.choice([0, 0, 0, 150_000, 320_050]) if status == "planned" else 0
            out.append({
                "id": f"hh-{n:04d}", "office": office, "opened": opened, "closed": closed, "list_date": list_date,
                "arrears_ore": rng.choice([0, rng.randint(1, 80_000) * 100 + rng.randint(0, 99)]),
                "problem": problem, "status": status, "interventions": ivs,
                "outcome": outcome, "outcome_date": odate, "first_contact": contact,
                "petition_date": petition, "eviction_date": eviction,
                "kinds": sorted(set(rng.sample(KINDS, rng.randint(1, 3)))), "adults": adults, "children": children,
                "age_band": rng.choice(AGES), "gender": rng.choice(GENDERS),
                "days_below": rng.randint(1, 200) if problem != "none" else 0,
                "rent_from": rent_from, "rent_to": wait_day,
                "bridge_ore": bridge,
                "shortfall_monthly_ore": rng.randint(100, 5000) * 100 if status == "infeasible" else None,
                "shortfall_one_time_ore": rng.randint(100, 20000) * 100 if status == "infeasible" else None,
                "priority": rng.randint(0, 100),
            })
    return out


def plan_json(t: dict) -> dict:
    """The plan contract's fields the report reads (status, interventions, transactions)."""
    ivs = []
    for i in t["interventions"]:
        params: dict = {}
        if i["lever"] == "rent_day":
            params = {"day": t["rent_to"], "from_day": t["rent_from"]}
        elif i["lever"] == "rent_instalments":
            params = {"days": [t["rent_from"], t["rent_to"]], "from_day": t["rent_from"], "amounts_ore": [1, 1]}
        elif i["lever"] == "opening_buffer":
            params = {"amount_ore": t["bridge_ore"] or 100_000}
        ivs.append({"lever": i["lever"], "actors": i["actors"], "cost": 1, "summary": "-", "params": params})
    txs = [{"date": "2026-01-20", "account": "tenant", "kind": "income", "stream": k, "amount_ore": 100}
           for k in t["kinds"]]
    txs.append({"date": "2026-01-01", "account": "tenant", "kind": "husleie", "amount_ore": -100})
    return {"format": "planner.plan/1", "household": t["id"], "status": t["status"], "interventions": ivs,
            "transactions": txs}


def effective(t: dict) -> dict:
    """The truth as a batch can hold it: the bridge is the opening_buffer's amount."""
    levers = {i["lever"] for i in t["interventions"]}
    bridge = (t["bridge_ore"] or 100_000) if "opening_buffer" in levers else None
    wait = None
    if "rent_day" in levers or "rent_instalments" in levers:
        wait = max(0, t["rent_to"] - t["rent_from"])
    return {"bridge_ore": bridge, "wait": wait}


def write_batch(truths: list[dict], folder: Path) -> None:
    from planner.batch import RESULT_COLUMNS

    (folder / "plans").mkdir(parents=True, exist_ok=True)
    with open(folder / "results.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        cols = [c for c in RESULT_COLUMNS if c != "label"]
        w.writerow(cols)
        for t in truths:
            (folder / "plans" / f"{t['id']}.json").write_text(json.dumps(plan_json(t)), encoding="utf-8")
            row = {"id": t["id"], "input_row": "tenants.csv:2", "start": t["list_date"].isoformat(),
                   "end": (t["list_date"] + timedelta(days=364)).isoformat(), "problem": t["problem"],
                   "days_below_floor": t["days_below"], "status": t["status"],
                   "interventions": "; ".join(i["lever"] for i in t["interventions"]),
                   "shortfall_monthly_ore": t["shortfall_monthly_ore"] or "",
                   "shortfall_one_time_ore": t["shortfall_one_time_ore"] or "",
                   "arrears_ore": t["arrears_ore"], "children": t["children"], "priority": t["priority"],
                   "plan_file": f"plans/{t['id']}.json"}
            w.writerow([row.get(c, "") for c in cols])


def case_of(t: dict):
    """The truth as a source holding every field gives it (the database, tests)."""
    from planner.halfyear import Case, Intervention

    e = effective(t)
    planned = t["status"] in ("planned", "infeasible", "solvent")
    return Case(
        key=t["id"], opened=t["opened"], closed=t["closed"], list_date=t["list_date"], office=t["office"],
        arrears_ore=t["arrears_ore"], problem=t["problem"],
        status="no_plan" if t["status"] == "infeasible" else t["status"],
        interventions=tuple(Intervention(i["lever"], tuple(i["actors"]), i["state"]) for i in t["interventions"]),
        outcome=t["outcome"], outcome_date=t["outcome_date"], first_contact=t["first_contact"],
        petition_date=t["petition_date"], eviction_date=t["eviction_date"], income_kinds=tuple(t["kinds"]),
        household_size=t["adults"] + t["children"], age_band=t["age_band"] or None, gender=t["gender"] or None,
        days_below_before=t["days_below"], days_below_after=0 if t["status"] != "infeasible" else t["days_below"],
        landlord_wait_days=e["wait"], bridge_ore=e["bridge_ore"], shortfall_monthly_ore=t["shortfall_monthly_ore"],
        shortfall_one_time_ore=t["shortfall_one_time_ore"], priority=t["priority"], has_plan_data=planned)

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
            opened = _day(rng, date(2025, 5, 1) if office != "Bydel Frogner" else date(2026, 1, 5), date(2026, 6, 30))
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
            # the store keeps a case's last outcome: a begjæring that ended in an eviction or was
            # withdrawn is known by that outcome's date
            petition = odate if outcome in ("petition_sent", "evicted", "petition_withdrawn") else None
            eviction = odate if outcome == "evicted" else None
            adults, children = rng.choice([1, 1, 2]), rng.choice([0, 0, 1, 2, 3, 4])
            rent_from = rng.choice([1, 1, 5])
            wait_day = rng.choice([10, 15, 20, 25])
            bridge = rng.choice([0, 0, 0, 150_000, 320_050]) if status == "planned" else 0
            has_record = rng.random() > 0.1 or office == "Bydel Frogner"  # some have no case record
            age, gender = rng.choice(AGES), rng.choice(GENDERS)
            out.append({
                "id": f"hh-{n:04d}", "office": office if has_record else None, "has_record": has_record,
                "contact_by_letter": not ivs or rng.random() < 0.5, "opened": opened, "closed": closed, "list_date": list_date,
                "arrears_ore": rng.choice([0, rng.randint(1, 80_000) * 100 + rng.randint(0, 99)]),
                "problem": problem, "status": status, "interventions": ivs,
                "outcome": outcome, "outcome_date": odate, "first_contact": contact,
                "petition_date": petition, "eviction_date": eviction,
                "kinds": sorted(set(rng.sample(KINDS, rng.randint(1, 3)))), "adults": adults, "children": children,
                "age_band": age if has_record else "", "gender": gender if has_record else "",
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
    shortfall = None
    if t["shortfall_monthly_ore"]:
        shortfall = {"monthly_ore": t["shortfall_monthly_ore"], "one_time_ore": t["shortfall_one_time_ore"],
                     "binding_days": []}
    return {"format": "planner.plan/1", "household": t["id"], "status": t["status"], "interventions": ivs,
            "baseline": {"problem": t["problem"], "days_below_floor": t["days_below"]}, "shortfall": shortfall,
            "transactions": txs}


def document(t: dict, arrears_ore: int | None = None) -> dict:
    """The household document as the store keeps it (kroner in the file format)."""
    a = t["arrears_ore"] if arrears_ore is None else arrears_ore
    doc = {"id": t["id"], "start": t["list_date"].isoformat(), "months": 12, "adults": t["adults"],
           "children": t["children"], "income": [{"kind": k, "amount": 1000} for k in t["kinds"]],
           "expense": [{"kind": "husleie", "amount": 9000, "day": t["rent_from"]}], "living": {"monthly": 8000}}
    if a:
        doc["arrears"] = {"amount": f"{a // 100}.{a % 100:02d}", "creditor": "kemneren"}
    return doc


#: a name and address in every case record: the report must never print them
NAME, ADDRESS = "Kari Testesen Nordmann", "Storgata 17; 0155 Oslo"


def write_db(truths: list[dict], url: str) -> None:
    """The households in the web page's database, shaped as the store writes them: the row, its
    first version (the arrears when the case opened; every fifth household has a second version
    with other arrears), the case record (with a name and address), letters, tasks, and one
    household in the bin that must not count."""
    from datetime import datetime, timezone

    from planner.web.store import Store, case_records, household_versions, households, letters, tasks

    store = Store(url)
    now = datetime(2026, 11, 29, tzinfo=timezone.utc)
    with store.engine.begin() as c:
        for n, t in enumerate(truths + [dict(truths[0], id="hh-i-papirkurven")]):
            created = datetime(t["opened"].year, t["opened"].month, t["opened"].day, 9, tzinfo=timezone.utc)
            doc, plan = document(t), plan_json(t)
            version = 2 if n % 5 == 0 else 1
            current = document(t, t["arrears_ore"] + 12_345_00) if version == 2 else doc
            c.execute(households.insert().values(
                id=t["id"], label=None, problem=t["problem"], status=t["status"], priority=float(t["priority"]),
                min_before_ore=0, min_after_ore=0, source="form", document=json.dumps(current), plan=json.dumps(plan),
                created=created, updated=now, version=version, outcome=t["outcome"], outcome_date=t["outcome_date"],
                deleted=now if t["id"] == "hh-i-papirkurven" else None))
            for v, d in ((1, doc), (2, current))[:version]:
                c.execute(household_versions.insert().values(household_id=t["id"], version=v, document=json.dumps(d),
                                                             plan=json.dumps(plan), saved=created, note="test"))
            record = {"name": NAME, "address": ADDRESS, "case_number": "2026/4711"}
            for k in ("office", "age_band", "gender"):
                if t[k]:
                    record["social_office" if k == "office" else k] = t[k]
            if t["has_record"]:
                c.execute(case_records.insert().values(household_id=t["id"], data=json.dumps(record), updated=now))
            contact_by_letter = t["contact_by_letter"]
            if t["first_contact"] and contact_by_letter:
                for extra in (0, 9):  # the first letter is the contact
                    c.execute(letters.insert().values(
                        household_id=t["id"], household_version=1, recipient="tenant", lang="nb", fmt="pdf",
                        letter_date=t["first_contact"] + timedelta(days=extra), figures="{}", sha256="0" * 64,
                        body=NAME.encode(), recorded=now))
            for k, i in enumerate(t["interventions"]):
                history = [{"state": "to_ask", "at": created.isoformat(), "by": None}]
                if t["first_contact"] and not contact_by_letter and k == 0:
                    history.append({"state": "asked", "at": f"{t['first_contact'].isoformat()}T10:00:00+00:00"})
                c.execute(tasks.insert().values(
                    household_id=t["id"], household_version=version, lever=i["lever"], key=f"{k}", actors=";".join(i["actors"]),
                    summary="-", plan_due=None, due=None, state=i["state"], active=True, history=json.dumps(history),
                    updated=now))
    store.engine.dispose()


def effective(t: dict) -> dict:
    """The truth as a batch can hold it: the bridge is the opening_buffer's amount."""
    levers = {i["lever"] for i in t["interventions"]}
    bridge = (t["bridge_ore"] or 100_000) if "opening_buffer" in levers else None
    wait = None
    if "rent_day" in levers or "rent_instalments" in levers:
        wait = max(0, t["rent_to"] - t["rent_from"])
    return {"bridge_ore": bridge, "wait": wait}


def write_batch(truths: list[dict], folder: Path, keep_input: bool = True) -> None:
    """`truths` as a batch output folder; `keep_input`: with `households/ID.json` (a batch that
    was not pseudonymised keeps each household's document beside its plan)."""
    from planner.batch import RESULT_COLUMNS

    (folder / "plans").mkdir(parents=True, exist_ok=True)
    (folder / "households").mkdir(exist_ok=True)
    with open(folder / "results.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        cols = [c for c in RESULT_COLUMNS if c != "label"]
        w.writerow(cols)
        for t in truths:
            (folder / "plans" / f"{t['id']}.json").write_text(json.dumps(plan_json(t)), encoding="utf-8")
            if keep_input:
                (folder / "households" / f"{t['id']}.json").write_text(json.dumps(document(t)), encoding="utf-8")
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


if __name__ == "__main__":  # the example report: python tests/halfyear_gen.py sqlite:///eksempel.db
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    write_db(truth(), sys.argv[1])

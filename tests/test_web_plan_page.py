"""The plan page asks for nothing a household does not need: a household without a problem on
its days gets no intervention unless the caseworker asks for the plan that holds when payouts
come late, and then the page says why it asks more; the robust and the on-time plans stand side
by side. The figures in the comparison are the plans' own (made again here by the solver)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from planner.assessment import plan_explained
from planner.formatting import format_kr
from planner.io.household import household_from_dict
from planner.web.app import create_app

ROOT = Path(__file__).resolve().parent.parent
BASE = "http://127.0.0.1:8000"

#: alt-i-orden's tenant with the rent on the 21st and uføretrygd that may come 3 bank days late:
#: on its days the balance never dips (diagnosis "none"); 3 days late, the rent comes first
QUIET = """id = "stille"
start = 2026-01-01
as_of = 2026-01-01
months = 12
opening_balance = 9000
[[income]]
kind = "uforetrygd"
amount = 21000
late_days = 3
[[income]]
kind = "bostotte"
amount = 1500
[[expense]]
kind = "husleie"
amount = 8200
day = 21
[[expense]]
kind = "strom"
amount = 700
day = 28
[living]
monthly = 12000
"""


@pytest.fixture
def client(tmp_path, monkeypatch):
    monkeypatch.setenv("PLANNER_TODAY", "2026-01-01")
    app = create_app(f"sqlite:///{tmp_path / 'web.db'}", secret="test-secret", time_limit_s=5)
    with TestClient(app, base_url=BASE) as c:
        t = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/import").text).group(1)
        r = c.post("/import/toml", files=[("files", ("stille.toml", QUIET.encode()))], data={"csrf_token": t})
        assert r.status_code == 200, r.text[:500]
        yield c


def _text(page: str, section: str) -> str:
    m = re.search(rf'id="{section}"(.*?)</section>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", m.group(1))).replace("\u00a0", " ") if m else ""


def test_no_intervention_unless_asked_and_then_with_the_reason(client):
    import tomllib

    h = household_from_dict(tomllib.loads(QUIET), "stille.toml")
    robust = plan_explained(h, as_of=h.as_of, alternatives=1)
    on_time = plan_explained(h, as_of=h.as_of, alternatives=1, on_time=True)
    assert robust.baseline.problem == "none" and robust.interventions and not on_time.interventions

    page = client.get("/husstand/stille").text
    assert 'id="interventions"' not in page  # nothing proposed
    offer = _text(page, "robust-offer")
    assert "foreslår ingen tiltak" in offer
    assert format_kr(on_time.late_min_balance_ore).replace("\u00a0", " ") in offer  # the reason, in figures
    stored = json.loads(client.get("/husstand/stille/plan.json").content)
    assert stored["interventions"] == []  # the plan stored, put in letters and tasks, asks nothing

    asked = client.get("/husstand/stille?robust=1").text
    assert 'id="interventions"' in asked and "Du ba om planen" in _text(asked, "robust-asked")
    from planner.levers import catalogue

    shown = _text(asked, "interventions")
    assert all(catalogue()[i.lever].name in shown for i in robust.interventions if i.lever in catalogue())
    side = _text(asked, "robust-on-time")
    assert "Tåler sene utbetalinger" in side and "Utbetalinger på dagen" in side
    assert format_kr(robust.min_balance_ore).replace("\u00a0", " ") in side
    assert format_kr(on_time.min_balance_ore).replace("\u00a0", " ") in side


def test_one_plan_when_no_payout_may_come_late(client):
    """Without late days the robust plan is the on-time plan: no second column of the same plan."""
    t = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/import").text).group(1)
    doc = QUIET.replace('id = "stille"', 'id = "i-tide"').replace("late_days = 3\n", "")
    client.post("/import/toml", files=[("files", ("i-tide.toml", doc.encode()))], data={"csrf_token": t})
    page = client.get("/husstand/i-tide").text
    assert 'id="robust-on-time"' not in page and 'id="robust-offer"' not in page
    assert "Hvis ingenting gjøres" in page


def test_the_same_plan_either_way_is_one_sentence(client):
    """The seed's mother: AAP may come 3 bank days late, and the plan that holds then asks for
    the same as the plan for payouts on their days: a sentence, not two equal columns."""
    from planner.io.household import read_household

    h = read_household(ROOT / "scenarios" / "enslig-mor-2006.toml")
    robust = plan_explained(h, as_of=h.as_of, alternatives=1)
    on_time = plan_explained(h, as_of=h.as_of, alternatives=1, on_time=True)
    key = [[(i.lever, i.params) for i in p.interventions] for p in (robust, on_time)]
    t = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/import").text).group(1)
    client.post("/import/toml", files=[("files", ("m.toml", (ROOT / "scenarios" / "enslig-mor-2006.toml").read_bytes()))],
                data={"csrf_token": t})
    page = client.get(f"/husstand/{h.id}").text
    if key[0] == key[1]:
        assert 'id="robust-same"' in page and 'id="robust-on-time"' not in page
    else:
        assert 'id="robust-on-time"' in page and 'id="robust-same"' not in page
    assert 'id="robust-offer"' not in page  # a household with a problem: its plan, no offer

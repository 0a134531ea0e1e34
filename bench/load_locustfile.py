"""The caseworkers of bench/load.py (a locust file; run by bench/load.py, which starts the
server and seeds it). Each simulated caseworker loops, with a pause of `PLANNER_LOAD_THINK`
seconds (default 1-3) between clicks, over the pages of a working day: the household list,
the follow-up list, a household's page (plan, alternatives, chart), its plan JSON, a letter
draft, the statistics page, and a what-if with an amount nobody tried before (a new plan solved
while the others read). Every response is written to `PLANNER_LOAD_OUT` (one JSON line each)."""

from __future__ import annotations

import json
import os
import random

from locust import HttpUser, between, events, task

IDS: list[str] = json.loads(os.environ.get("PLANNER_LOAD_IDS", "[]"))
LETTERS: list[str] = json.loads(os.environ.get("PLANNER_LOAD_LETTERS", "[]"))
THINK = tuple(float(x) for x in os.environ.get("PLANNER_LOAD_THINK", "1,3").split(","))
#: what-if requests solve a new plan: reported apart from the pages
SOLVES = "hva-om (ny plan)"
_out = open(os.environ.get("PLANNER_LOAD_OUT", os.devnull), "w", encoding="utf-8")  # noqa: SIM115


@events.request.add_listener
def _record(request_type, name, response_time, response_length, response=None, exception=None, **kw):
    status = getattr(response, "status_code", 0)
    _out.write(json.dumps({"name": name, "ms": response_time, "status": status,
                           "ok": exception is None and 200 <= status < 400}) + "\n")


@events.quitting.add_listener
def _close(environment, **kw):
    _out.close()


class Caseworker(HttpUser):
    wait_time = between(*THINK)

    @task(3)
    def household_list(self) -> None:
        self.client.get("/", name="husstander (liste)")

    @task(1)
    def followup(self) -> None:
        self.client.get("/oppfolging", name="oppfølging")

    @task(4)
    def household(self) -> None:
        self.client.get(f"/husstand/{random.choice(IDS)}", name="husstand (plan)")

    @task(1)
    def plan_json(self) -> None:
        self.client.get(f"/husstand/{random.choice(IDS)}/plan.json", name="plan.json")

    @task(2)
    def letter(self) -> None:
        if LETTERS:
            self.client.get(random.choice(LETTERS), name="brevutkast")

    @task(1)
    def statistics(self) -> None:
        self.client.get("/statistikk", name="statistikk")

    @task(1)
    def whatif(self) -> None:
        amount = random.randint(500, 9000)  # a new plan almost every time
        self.client.get(f"/husstand/{random.choice(IDS)}/hva-om",
                        params={"inntekt-0-amount": str(amount), "fragment": "1"}, name=SOLVES)

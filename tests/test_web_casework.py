"""The casework pages without a browser: office settings and letters that are refused until
they can be signed, the case record and its privacy rules, letters recorded byte for byte,
follow-up, a refused lever re-planned, history, the bin, bulk letters, batch to casework and
the retention sweep command."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import warnings
import zipfile
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from planner.web.app import create_app
from planner.web.forms import form_fields, form_from_document, household_document

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
BASE = "http://127.0.0.1:8000"
HID = "enslig-mor-2006"
NAME = "Testperson Hemmelig-Etternavn"
OFFICE = {"kommune": "Eksempel kommune", "office": "Boligkontoret", "address": "Postboks 1; 1234 Eksempelby",
          "landlord_name": "Eksempel kommune, utleie", "landlord_account": "12345678903", "tenancy_key": "leieforhold"}
RECORD = {"case_number": "2026/4711", "tenancy_number": "L-98765", "name": NAME,
          "address": "Storgata 1; 0155 Oslo", "social_office": "Bydel Gamle Oslo", "age_band": "25-34",
          "gender": "kvinne"}


def token(c: TestClient, path: str = "/husstand/ny") -> str:
    r = c.get(path)
    assert r.status_code == 200, r.text[:300]
    return re.search(r'name="csrf_token" value="([^"]+)"', r.text).group(1)


@pytest.fixture
def client(tmp_path):
    app = create_app(f"sqlite:///{tmp_path / 'web.db'}", secret="test-secret", time_limit_s=5)
    with TestClient(app, base_url=BASE) as c:
        yield c


def add(c: TestClient, name: str = HID) -> None:
    from planner.io.household import read_household

    fields = form_fields(form_from_document(household_document(read_household(SCENARIOS / f"{name}.toml"))))
    r = c.post("/husstand/ny", data={**fields, "csrf_token": token(c)}, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]


def fill_in(c: TestClient, hid: str = HID) -> str:
    t = token(c, "/innstillinger")
    assert c.post("/innstillinger", data={**OFFICE, "csrf_token": t}, follow_redirects=False).status_code == 303
    assert c.post("/konto", data={"name": "Kari Nordmann", "title": "Boligkonsulent", "csrf_token": t},
                  follow_redirects=False).status_code == 303
    assert c.post(f"/husstand/{hid}/sak", data={**RECORD, "csrf_token": t}, follow_redirects=False).status_code == 303
    return t


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def test_letters_are_refused_with_what_is_missing_then_signed_and_recorded(client, caplog):
    add(client)
    r = client.get(f"/husstand/{HID}/brevutkast/tenant")
    assert r.status_code == 409
    for missing in ("kommune", "kontor", "ditt navn som saksbehandler", "leietakers navn", "leietakers adresse"):
        assert missing in r.text
    assert client.get(f"/husstand/{HID}/brev/tenant.pdf").status_code == 409  # the draft download too
    # a wrong account number is refused at the field
    t = token(client, "/innstillinger")
    r = client.post("/innstillinger", data={**OFFICE, "landlord_account": "12345678901", "csrf_token": t})
    assert r.status_code == 422 and 'id="err-landlord_account"' in r.text
    caplog.set_level(logging.INFO, logger="planner.web")
    t = fill_in(client)
    r = client.get(f"/husstand/{HID}/brevutkast/tenant?letter_date=01.12.2025")
    assert r.status_code == 200 and NAME in r.text and "Kari Nordmann" in r.text and "[" not in r.text.split(
        'id="preview"')[1].split("</section>")[0]
    r = client.post(f"/husstand/{HID}/brevutkast/tenant/send",
                    data={"csrf_token": t, "letter_date": "2025-12-01", "reply_by": "2025-12-15"},
                    follow_redirects=False)
    assert r.status_code == 303
    lid = int(r.headers["location"].rsplit("=", 1)[1])
    body = client.get(f"/brev/{lid}.pdf").content
    text = pdf_text(body)
    for wanted in ("Eksempel kommune", "Boligkontoret", "Kari Nordmann", "Boligkonsulent", NAME, "2026/4711"):
        assert wanted in text, wanted
    assert not re.search(r"\[(kommune|kontor|saksbehandler)\]", text)
    assert "L-98765" not in text  # the tenancy number is for the landlord's letter only
    # recorded: recipient, date, plan version, figures, hash; downloaded again byte for byte
    meta, stored = client.app.state.store.case.letter(lid)
    assert stored == body == client.get(f"/brev/{lid}.pdf").content
    assert meta.sha256 == hashlib.sha256(body).hexdigest()
    assert (meta.recipient, meta.letter_date.isoformat(), meta.household_version) == ("tenant", "2025-12-01", 1)
    assert meta.figures["interventions"] and meta.figures["reference"] == "2026/4711"
    # the landlord's letter names the tenancy, not the tenant
    land = pdf_text(client.get(f"/husstand/{HID}/brev/landlord.pdf").content)
    assert "L-98765" in land and NAME not in land and "Storgata" not in land
    if 'id="letter-nav-pdf"' in client.get(f"/husstand/{HID}").text:  # as of the scenario's as_of: no husleietrekk
        nav = pdf_text(client.get(f"/husstand/{HID}/brev/nav.pdf").content)  # names the payee and its account
        assert "1234.56.78903" in nav and NAME not in nav and "L-98765" not in nav
    # nothing personal in the log
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (NAME, "Storgata", "2026/4711", "L-98765", "Kari Nordmann"):
        assert secret not in logged


def test_case_record_export_and_erasure(client):
    add(client)
    t = fill_in(client)
    data = json.loads(client.get(f"/husstand/{HID}/sak/innsyn.json").content)
    assert data["case_record"]["name"] == NAME and data["versions"][0]["household"]["id"] == HID
    r = client.post(f"/husstand/{HID}/sak", data={**RECORD, "age_band": "99", "csrf_token": t})
    assert r.status_code == 422 and 'id="err-age_band"' in r.text
    client.post(f"/husstand/{HID}/sak/slett", data={"csrf_token": t})
    assert client.app.state.store.case.record(HID) == {}
    assert NAME not in client.get(f"/husstand/{HID}/sak").text


def test_a_task_walks_to_in_effect_and_a_refusal_replans_without_the_lever(client):
    add(client)
    t = token(client)
    store = client.app.state.store
    tasks = store.case.tasks(HID)
    assert tasks and all(x.state == "to_ask" and x.due is not None for x in tasks)
    first = tasks[0]
    # the front page, as of a date after the first due date, lists it as overdue
    page = client.get(f"/?dato={first.due.strftime('%d.%m.%Y')}").text
    assert 'id="due"' in page and "Forfalt" not in page
    from datetime import timedelta

    page = client.get(f"/?dato={(first.due + timedelta(days=1)).isoformat()}").text
    assert "Forfalt" in page
    for state in ("asked", "agreed", "in_effect"):
        r = client.post(f"/oppgave/{first.id}", data={"csrf_token": t, "state": state}, follow_redirects=False)
        assert r.status_code == 303
    assert store.case.task(first.id).state == "in_effect"
    assert client.post(f"/oppgave/{first.id}", data={"csrf_token": t, "state": "asked"}).status_code == 409


def test_refusing_a_lever_replans_in_one_step(client):
    add(client, "minstepensjon-desember")  # as of its as_of, aap-drift needs only the tenant's own money
    store = client.app.state.store
    hid = store.search()[0].id
    t = token(client)
    tasks = store.case.tasks(hid)
    assert tasks
    lever = tasks[0].lever
    before = store.get(hid)
    r = client.post(f"/oppgave/{tasks[0].id}", data={"csrf_token": t, "state": "refused"}, follow_redirects=False)
    assert r.status_code == 303
    after = store.get(hid)
    assert after.version == before.version + 1
    assert lever in after.document["levers"]["forbid"]
    assert lever not in [i["lever"] for i in after.plan["interventions"]]
    assert store.case.task(tasks[0].id).state == "refused" and not store.case.task(tasks[0].id).active
    # the history keeps both plans, and compares them
    assert [v.version for v in store.versions(hid)] == [after.version, before.version]
    r = client.get(f"/husstand/{hid}/historikk?a={before.version}&b={after.version}")
    assert r.status_code == 200 and "forbid" in r.text and lever in r.text


def test_delete_goes_to_the_bin_and_restores(client):
    add(client)
    t = token(client)
    assert client.post(f"/husstand/{HID}/slett", data={"csrf_token": t, "version": "1"},
                       follow_redirects=False).status_code == 303
    assert client.get(f"/husstand/{HID}").status_code == 404 and HID not in client.get("/").text
    assert HID in client.get("/papirkurv").text
    r = client.post(f"/husstand/{HID}/gjenopprett", data={"csrf_token": t}, follow_redirects=False)
    assert r.status_code == 303 and client.get(f"/husstand/{HID}").status_code == 200


def test_bulk_letters_for_a_selection(client):
    add(client)
    add(client, "alt-i-orden")
    t = fill_in(client)
    r = client.post("/brev/samlet", data={"csrf_token": t, "ids": [HID, "alt-i-orden"], "to": "tenant",
                                          "record": "1", "letter_date": "2025-12-01"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    z = zipfile.ZipFile(io.BytesIO(r.content))
    assert sorted(z.namelist()) == [f"{HID}-brev-tenant.pdf", "oversikt.txt"]
    report = z.read("oversikt.txt").decode()
    assert "alt-i-orden: ikke laget" in report and "registrert som sendt" in report
    sent = client.app.state.store.case.letters(HID)
    assert len(sent) == 1 and client.app.state.store.case.letter(sent[0].id)[1] == z.read(f"{HID}-brev-tenant.pdf")


def test_a_batch_folder_becomes_editable_households(client, tmp_path):
    from planner.batch import BatchOptions, run_batch

    out = tmp_path / "out"
    run_batch([str(SCENARIOS)], BatchOptions(out=out, engine="inline", check_only=False, progress=False),
              echo=lambda s: None)
    inputs = sorted(p.name for p in (out / "households").glob("*.json"))
    assert inputs and inputs == sorted(p.name for p in (out / "plans").glob("*.json"))  # one per plan
    files = [("files", ("results.csv", (out / "results.csv").read_bytes()))]
    files += [("files", (f"{d}/{p.name}", p.read_bytes())) for d in ("plans", "households")
              for p in sorted((out / d).glob("*.json"))]
    r = client.post("/import/batch", files=files, data={"csrf_token": token(client, "/import")})
    assert r.status_code == 200, r.text[:800]
    hid = inputs[0].split(".")[0]
    assert client.get(f"/husstand/{hid}/endre").status_code == 200  # editable, not "import the TOML file"
    rec = client.app.state.store.get(hid)
    assert rec.source == "batch" and rec.document is not None and client.app.state.store.case.tasks(hid)
    page = client.get("/").text
    assert "Begjæring" in page and "Hvem må handle" in page
    rows = {row["id"]: row for row in __import__("csv").DictReader(io.StringIO((out / "results.csv").read_text()))}
    with_request = [h for h, row in rows.items() if row["eviction_request"]]
    if with_request:
        from planner.web.pages import nbdate

        assert nbdate(rows[with_request[0]]["eviction_request"]) in page


def test_sweep_command_with_an_explicit_date(tmp_path):
    from click.testing import CliRunner

    import planner.cli as cli
    from planner.web.store import Store, households

    url = f"sqlite:///{tmp_path / 'w.db'}"
    store = Store(url)
    store.put("hh-1", source="form", document={"id": "hh-1"}, plan={})
    store.case.set_record("hh-1", {"name": NAME}, "kari")
    with store.transaction() as conn:
        from datetime import date

        conn.execute(households.update().values(outcome="moved", outcome_date=date(2025, 3, 1)))
    r = CliRunner().invoke(cli.main, ["sweep", "--db", url, "--as-of", "2026-02-28"])
    assert r.exit_code == 0 and r.output.startswith("0 saksopplysninger")  # 364 days: kept
    r = CliRunner().invoke(cli.main, ["sweep", "--db", url, "--as-of", "2026-03-02"])
    assert r.exit_code == 0 and r.output.startswith("1 saksopplysninger") and NAME not in r.output
    assert Store(url).case.record("hh-1") == {}


def test_a_task_is_due_on_the_last_day_to_ask_and_shows_when_it_takes_effect(client):
    """Issue 21: a follow-up task carried the day its change takes effect, so a request that had
    to go out on 26.01.2026 for a rent day from 02.03.2026 stayed out of the two-week list until
    too late. Planned as of 01.01.2026, each task is due on its intervention's `request_by`, the
    effective date beside it, and the list as of ten days before the deadline shows it."""
    from datetime import date, timedelta

    from planner.io.household import read_household
    from planner.web.pages import nbdate

    h = read_household(SCENARIOS / f"{HID}.toml").model_copy(update={"as_of": date(2026, 1, 1)})
    fields = form_fields(form_from_document(household_document(h)))
    r = client.post("/husstand/ny", data={**fields, "csrf_token": token(client)}, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    store = client.app.state.store
    plan = store.get(HID).plan
    wanted = [(i["lever"], date.fromisoformat(i["request_by"]), date.fromisoformat(i["effective_from"]))
              for i in plan["interventions"]]
    tasks = store.case.tasks(HID)
    assert [(t.lever, t.due, t.plan_due) for t in tasks] == wanted
    late = max(tasks, key=lambda t: (t.plan_due - t.due, t.id))  # the one asked long before it takes effect
    assert late.plan_due - late.due > timedelta(days=14)  # (else the old due date would have done)
    as_of = late.due - timedelta(days=10)
    assert late.id in [t.id for t, _ in store.case.due_tasks(as_of)]
    page = client.get(f"/?dato={as_of.isoformat()}").text
    line = f"frist for å be om: {nbdate(late.due)}</span>, <span class=\"nowrap\">gjelder fra: {nbdate(late.plan_due)}"
    assert line in page
    assert line in client.get(f"/husstand/{HID}").text


def test_a_letter_asks_only_its_recipient_s_tasks(client):
    """Tasks per recipient: the tenant's letter marks the tasks put to the tenant alone as asked
    ("Spurt"); a task the landlord (or NAV) must agree to stays "to ask" until their letter."""
    from planner.web.casestore import asked_of

    add(client)
    t = fill_in(client)
    store = client.app.state.store
    before = store.case.tasks(HID)
    tenant_only = {x.id for x in before if asked_of(x.actors) == ["tenant"]}
    others = {x.id for x in before if "landlord" in asked_of(x.actors)}
    assert tenant_only and others, [(x.lever, x.actors) for x in before]
    r = client.post(f"/husstand/{HID}/brevutkast/tenant/send", data={"csrf_token": t}, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    state = {x.id: x.state for x in store.case.tasks(HID)}
    assert all(state[i] == "asked" for i in tenant_only)
    assert all(state[i] == "to_ask" for i in others)
    r = client.post(f"/husstand/{HID}/brevutkast/landlord/send", data={"csrf_token": t}, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    state = {x.id: x.state for x in store.case.tasks(HID)}
    assert all(state[i] == "asked" for i in others)

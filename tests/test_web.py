"""The web page without a browser (FastAPI's TestClient): CSRF, login, binding, import, JSON."""

from __future__ import annotations

import io
import json
import logging
import re
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

import warnings  # noqa: E402

with warnings.catch_warnings():  # starlette's note about httpx2 is not ours to fix
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient  # noqa: E402

from planner.web.app import create_app  # noqa: E402
from planner.web.forms import form_fields, form_from_document, household_document  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
BASE = "http://127.0.0.1:8000"  # without --auth the server answers loopback host names only


def token(client: TestClient, path: str = "/husstand/ny") -> str:
    r = client.get(path)
    assert r.status_code == 200, r.text[:300]
    return re.search(r'name="csrf_token" value="([^"]+)"', r.text).group(1)


@pytest.fixture
def client(tmp_path):
    app = create_app(f"sqlite:///{tmp_path / 'web.db'}", secret="test-secret", time_limit_s=5)
    with TestClient(app, base_url=BASE) as c:
        yield c


def scenario_fields(name: str) -> dict[str, str]:
    from planner.io.household import read_household

    return form_fields(form_from_document(household_document(read_household(SCENARIOS / f"{name}.toml"))))


def test_post_without_or_with_wrong_csrf_token_is_refused(client):
    fields = scenario_fields("alt-i-orden")
    assert client.post("/husstand/ny", data=fields).status_code == 403
    assert client.post("/husstand/ny", data={**fields, "csrf_token": "forged"}).status_code == 403
    files = [("files", ("a.toml", (SCENARIOS / "alt-i-orden.toml").read_bytes()))]
    assert client.post("/import/toml", files=files, data={"csrf_token": "forged"}).status_code == 403
    assert client.get("/").text.count("alt-i-orden") == 0  # nothing was stored
    # a token from another session does not work either
    other = TestClient(client.app, base_url=BASE)
    assert client.post("/husstand/ny", data={**fields, "csrf_token": token(other)}).status_code == 403
    r = client.post("/husstand/ny", data={**fields, "csrf_token": token(client)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/husstand/alt-i-orden"


def test_form_validation_messages_are_norwegian_and_next_to_the_field(client):
    fields = scenario_fields("enslig-mor-2006")
    fields.update({"income-1-amount": "abc", "expense-0-day": "40", "start": "2026-13-01",
                   "csrf_token": token(client)})
    r = client.post("/husstand/ny", data=fields)
    assert r.status_code == 422
    html = r.text
    assert 'id="err-income-1-amount"' in html and "Skriv et beløp i kroner" in html
    assert 'id="err-expense-0-day"' in html and "Må være et helt tall fra 1 til 31" in html
    assert 'id="err-start"' in html and "ÅÅÅÅ-MM-DD" in html
    assert "Skjemaet har 3 feil" in html
    assert 'value="abc"' in html  # what was typed stays in the field


def test_add_and_remove_rows_keep_the_typed_values(client):
    t = token(client)
    r = client.post("/husstand/ny", data={"csrf_token": t, "id": "hh-1", "income-0-kind": "aap",
                                         "income-0-amount": "6200", "action": "add-income"})
    assert r.status_code == 200
    assert 'name="income-1-kind"' in r.text and 'value="6200"' in r.text
    r = client.post("/husstand/ny", data={"csrf_token": t, "id": "hh-1", "income-0-kind": "aap",
                                         "income-0-amount": "6200", "income-1-kind": "barnetrygd",
                                         "action": "remove-income-0"})
    assert 'name="income-1-kind"' not in r.text and 'value="6200"' not in r.text


def test_form_round_trip_keeps_every_scenario():
    from planner.io.household import read_household
    from planner.levers import resolve
    from planner.web.forms import validate

    for path in sorted(SCENARIOS.glob("*.toml")):
        h = read_household(path)
        form = form_from_document(household_document(h))
        h2 = validate(form)
        assert h2 is not None, (path.name, form.errors, form.general)
        assert h2.model_dump(exclude={"levers"}) == h.model_dump(exclude={"levers"})
        assert resolve(h2) == resolve(h)


def test_login_required_with_auth(tmp_path):
    from planner.web.auth import add_user, read_users, verify_password

    users = tmp_path / "users.txt"
    add_user(users, "kari", "riktig-passord")
    encoded = read_users(users)["kari"]
    assert encoded.startswith("scrypt$") and "riktig-passord" not in users.read_text()
    assert verify_password("riktig-passord", encoded) and not verify_password("feil", encoded)
    app = create_app(f"sqlite:///{tmp_path / 'web.db'}", users, secret="s")
    with TestClient(app) as c:
        r = c.get("/", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login"
        assert c.get("/husstand/ny", follow_redirects=False).status_code == 303
        assert c.post("/husstand/ny", data={}).status_code == 401
        t = token(c, "/login")
        r = c.post("/login", data={"csrf_token": t, "username": "kari", "password": "feil"})
        assert r.status_code == 401 and "Feil brukernavn eller passord" in r.text
        assert c.post("/login", data={"username": "kari", "password": "riktig-passord"}).status_code == 403
        r = c.post("/login", data={"csrf_token": t, "username": "kari", "password": "riktig-passord"},
                   follow_redirects=False)
        assert r.status_code == 303
        r = c.get("/")
        assert r.status_code == 200 and "Logg ut kari" in r.text


def test_serve_refuses_a_non_loopback_address_without_auth(tmp_path):
    from click.testing import CliRunner

    from planner.cli import main
    from planner.web.command import is_loopback

    for host in ("0.0.0.0", "192.168.1.10", "::", "kontor.example"):
        r = CliRunner().invoke(main, ["serve", "--host", host, "--db", f"sqlite:///{tmp_path / 'x.db'}"])
        assert r.exit_code == 2, (host, r.output)
        assert "--auth" in r.output and "refusing" in r.output
    assert not (tmp_path / "x.db").exists()
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1") and is_loopback("127.0.0.5")
    r = CliRunner().invoke(main, ["serve", "--add-user", "kari"])
    assert r.exit_code == 2 and "--auth" in r.output


def test_add_user_command_writes_a_hashed_entry(tmp_path):
    from click.testing import CliRunner

    from planner.cli import main
    from planner.web.auth import read_users, verify_password

    users = tmp_path / "users.txt"
    r = CliRunner().invoke(main, ["serve", "--auth", str(users), "--add-user", "ola"], input="hemmelig1\nhemmelig1\n")
    assert r.exit_code == 0, r.output
    assert verify_password("hemmelig1", read_users(users)["ola"])


def test_import_toml_and_field_messages_for_a_bad_file(client):
    t = token(client, "/import")
    files = [("files", (p.name, p.read_bytes())) for p in sorted(SCENARIOS.glob("*.toml"))]
    r = client.post("/import/toml", files=files, data={"csrf_token": t})
    assert r.status_code == 200 and f"{len(files)} nye" in r.text  # one per bundled scenario
    listing = client.get("/").text
    for p in SCENARIOS.glob("*.toml"):
        assert f'href="/husstand/{p.stem}"' in listing
    assert "Tidsproblem" in client.get("/?problem=timing").text
    # importing again without "replace" is refused per file; with it, replaced
    r = client.post("/import/toml", files=files[:1], data={"csrf_token": t})
    assert "finnes fra før" in r.text
    r = client.post("/import/toml", files=files[:1], data={"csrf_token": t, "replace": "1"})
    assert "1 oppdatert" in r.text
    bad = b'id = "feil"\nstart = 2026-01-01\n[[expense]]\nkind = "husleie"\namount = -5\nday = 1\n'
    r = client.post("/import/toml", files=[("files", ("feil.toml", bad))], data={"csrf_token": t})
    assert r.status_code == 422
    assert "feil.toml, linje 5, expense[1].amount: Beløpet må være større enn 0 kr." in r.text


def _batch_folder(tmp_path: Path) -> Path:
    from planner.assessment import plan_explained as plan
    from planner.io.household import read_household

    out = tmp_path / "batch"
    (out / "plans").mkdir(parents=True)
    rows = ["id,problem,status,priority"]
    for name, pri in (("aap-drift", 71), ("lav-inntekt", 88)):
        p = plan(read_household(SCENARIOS / f"{name}.toml"), time_limit_s=5)
        (out / "plans" / f"{name}.json").write_text(json.dumps(p.to_json()), encoding="utf-8")
        rows.append(f"{name},{p.baseline.problem},{p.status},{pri}")
    (out / "results.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return out


def test_import_batch_results_folder_as_files_and_as_zip(client, tmp_path):
    folder = _batch_folder(tmp_path)
    t = token(client, "/import")
    files = [("files", ("batch/results.csv", (folder / "results.csv").read_bytes()))]
    files += [("files", (f"batch/plans/{p.name}", p.read_bytes())) for p in sorted((folder / "plans").glob("*.json"))]
    r = client.post("/import/batch", files=files, data={"csrf_token": t})
    assert r.status_code == 200 and "2 nye" in r.text, r.text[-2000:]
    listing = client.get("/").text
    assert listing.index("lav-inntekt") < listing.index("aap-drift")  # highest priority first
    assert ">88<" in listing and ">71<" in listing
    page = client.get("/husstand/aap-drift").text
    assert "Plan funnet" in page or "I orden" in page or "Ingen plan" in page
    assert client.get("/husstand/aap-drift/plan.json").json()["household"] == "aap-drift"
    # a zip of the folder, and a household already stored from its file keeps its document
    client.post("/import/toml", files=[("files", ("aap-drift.toml", (SCENARIOS / "aap-drift.toml").read_bytes()))],
                data={"csrf_token": t, "replace": "1"})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for p in folder.rglob("*"):
            if p.is_file():
                zf.write(p, p.relative_to(folder.parent))
    r = client.post("/import/batch", files=[("files", ("batch.zip", buf.getvalue()))], data={"csrf_token": t})
    assert r.status_code == 200 and "2 oppdaterte" in r.text
    assert client.get("/husstand/aap-drift/endre").status_code == 200
    r = client.post("/import/batch", files=[("files", ("x.csv", b"a,b\n1,2\n"))], data={"csrf_token": t})
    assert r.status_code == 422 and "results.csv" in r.text


def test_plan_json_download_validates_against_the_schema(client):
    jsonschema = pytest.importorskip("jsonschema")
    t = token(client, "/import")
    client.post("/import/toml", files=[("files", ("m.toml", (SCENARIOS / "enslig-mor-2006.toml").read_bytes()))],
                data={"csrf_token": t})
    r = client.get("/husstand/enslig-mor-2006/plan.json")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert "attachment" in r.headers["content-disposition"]
    schema = json.loads((ROOT / "docs" / "plan.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(r.json(), schema)
    page = client.get("/husstand/enslig-mor-2006").text
    assert "<svg" in page and "Tidsproblem" in page and "Plan funnet" in page
    # the household's own account pays its May shortfall at the purring (issue 13): the page says
    # what waiting costs, not that the lock can be changed
    assert "Å vente koster" in page and "saken stopper der" in page and "låsen kan skiftes" not in page


def test_no_household_content_in_logs(client, caplog):
    label = "Kari Nordmann Hemmeligsen"
    fields = scenario_fields("alt-i-orden")
    fields.update(label=label, csrf_token=token(client))
    with caplog.at_level(logging.DEBUG):
        assert client.post("/husstand/ny", data=fields).status_code == 200
        client.get("/?q=Hemmeligsen")
        client.get("/husstand/alt-i-orden")
        client.post("/husstand/ny", data={**fields, "income-0-amount": "Nordmann"})  # invalid: 422
    assert "Hemmeligsen" in client.get("/?q=Hemmeligsen").text
    assert caplog.records, "the app logs requests"
    # everything the server side logged (the test's own HTTP client, httpx, logs its URLs)
    text = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith(("httpx", "httpcore")))
    for secret in ("Hemmeligsen", "Nordmann", "alt-i-orden", "q="):
        assert secret not in text
    assert "GET /husstand/{hid} -> 200" in text


def test_store_migrates_and_keeps_a_secret_beside_the_database(tmp_path, monkeypatch):
    import sqlalchemy as sa

    from planner.web.secret import secret_for
    from planner.web.store import Store, head_revision

    monkeypatch.delenv("PLANNER_SECRET_KEY", raising=False)
    url = f"sqlite:///{tmp_path / 'p.db'}"
    Store(url)
    Store(url)  # a second start on the same database is a no-op upgrade
    with sa.create_engine(url).connect() as conn:
        assert conn.execute(sa.text("select version_num from alembic_version")).scalar() == head_revision()
    key = secret_for(url)
    path = tmp_path / "p.db.secret"
    assert path.exists() and (path.stat().st_mode & 0o777) == 0o600 and secret_for(url) == key
    monkeypatch.setenv("PLANNER_SECRET_KEY", "from-env")
    assert secret_for(url) == "from-env"


def test_unknown_household_and_edit_delete(client):
    assert client.get("/husstand/finnes-ikke").status_code == 404
    t = token(client)
    fields = scenario_fields("alt-i-orden")
    client.post("/husstand/ny", data={**fields, "csrf_token": t})
    fields["id"] = "alt-i-orden-2"
    r = client.post("/husstand/alt-i-orden/endre", data={**fields, "csrf_token": t, "version": "1"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/husstand/alt-i-orden-2"
    assert client.get("/husstand/alt-i-orden").status_code == 404
    assert client.post("/husstand/alt-i-orden-2/slett", data={"csrf_token": t}).status_code == 200
    assert client.get("/husstand/alt-i-orden-2").status_code == 404


def test_import_batch_refuses_a_results_csv_without_the_batch_columns(client):
    t = token(client, "/import")
    r = client.post("/import/batch", files=[("files", ("results.csv", b"id,foo\n1,2\n"))], data={"csrf_token": t})
    assert r.status_code == 422
    assert "mangler «status» og «priority»" in r.text and "ingen husstander er importert" in r.text
    assert client.get("/husstand/1").status_code == 404
    assert 'href="/husstand/1"' not in client.get("/").text


def test_new_validation_messages_have_norwegian_texts():
    """The web says a problem in Norwegian from its code and parameters, never by reading the
    English message (issue 10): each bad input here gives its code and its Norwegian text."""
    from planner.io.errors import InputError
    from planner.io.household import household_from_dict
    from planner.io.messages import NB
    from planner.web.forms import norwegian

    def problem(**change):
        doc = {"id": "hh", "start": "2026-01-01", "months": 12,
               "expense": [{"kind": "husleie", "amount": 9500, "day": 1}], **change}
        with pytest.raises(InputError) as exc:
            household_from_dict(doc, "form")
        return exc.value.problems[0]

    rent = {"kind": "husleie", "day": 1}
    cases = [
        (problem(expense=[{**rent, "amount": Decimal("12.345")}]), "amount_decimals", "Høyst to desimaler"),
        (problem(expense=[{**rent, "amount": "1.000.000"}]), "amount_unclear", "Uklart beløp"),
        (problem(label="Ola 01018012371"), "personal_data", "fødselsnummer"),
        (problem(start="1980-01-01"), "date_range", "1990–2100"),
        (problem(income=[{"kind": "aap", "amount": 100, "every_days": 14, "first": "2026-01-05",
                          "month_day": {"12": 10}}]), "month_day_monthly", "månedlige"),
        (problem(arrears={"amount": 100, "since": "2027-02-01"}), "arrears_after_horizon", "Restansen"),
        (problem(income=[{"kind": "aap", "amount": 100, "dates": ["2028-01-01"]}]), "date_outside_horizon",
         "Datoen 01.01.2028 er utenfor perioden 01.01.2026–31.12.2026."),
        (problem(levers={"deduction_from": ["aap"]}), "not_a_stream", "«aap» er ikke en inntekt"),
        (problem(months=61), "int_range", "Må være et helt tall fra 1 til 60."),
    ]
    for p, code, norsk in cases:
        assert p.code == code, (p.code, str(p))
        assert code in NB
        text = norwegian(p)
        assert norsk in text and not text.startswith("Ugyldig verdi"), str(p)


def test_a_passed_horizon_offers_roll_forward_and_letters_are_refused(client):
    """Issue 11 on the web page: a household whose horizon lies before its per-dato date gets
    no plan but the way forward; the «Rull fram» button re-plans it from the given day."""
    t = token(client)
    fields = scenario_fields("enslig-mor-2006")
    fields["as_of"] = "01.03.2027"
    r = client.post("/husstand/ny", data={**fields, "csrf_token": t}, follow_redirects=False)
    assert r.status_code == 422 and "Rull fram" in r.text and "ingenting er igjen" in r.text
    fields["as_of"] = "20.12.2025"  # entered then: the plan as of that day
    r = client.post("/husstand/ny", data={**fields, "csrf_token": t}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get("/husstand/enslig-mor-2006").text
    assert 'id="roll-forward"' in page and "20.12.2025" in page
    r = client.post("/husstand/enslig-mor-2006/rull-fram", data={"csrf_token": t, "version": "1",
                                                                 "as_of": "29.11.2026"}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get("/husstand/enslig-mor-2006").text
    assert "29.11.2026" in page and "Be om det senest" in page
    pj = client.get("/husstand/enslig-mor-2006/plan.json").json()
    assert pj["as_of"] == "2026-11-29" and pj["horizon"]["start"] == "2026-11-29"
    assert all("2026-11-29" <= i["request_by"] <= i["effective_from"] for i in pj["interventions"])
    late = max(i["request_by"] for i in pj["interventions"] if "landlord" in i["actors"])
    late_nb = (date.fromisoformat(late) + timedelta(days=1)).strftime("%d.%m.%Y")
    r = client.get(f"/husstand/enslig-mor-2006/brevutkast/landlord?letter_date={late_nb}")
    assert r.status_code == 409 and "Rull planen fram" in r.text

"""Issue 21, part 4: one as-of everywhere.

The same command run on two different days gives byte-identical output for every scenario
(each pins its `as_of`) and the docs' examples; the rule is `--as-of` > the file's `as_of` >
today; a bad `as_of` is an input error; and every web path that makes a plan (form, file
import, batch import, edit, bank statement) makes it as of the page's today, shows that day,
and refuses the letters of a plan whose period starts before today with a page that says why.

The clock is faked in its one place, `planner.asof.today`.
"""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SCENARIOS

import planner.asof
import planner.cli as cli

#: `cli._today` as the program has it: the conftest replaces it per test so older CLI tests
#: plan without an as-of date; these tests need the real rule (captured at import, before that).
REAL_TODAY = cli._today
REAL_DAY_FOR = cli._day_for
DAYS = (date(2026, 3, 2), date(2027, 12, 24))
FILES = sorted(SCENARIOS.glob("*.toml"))


def _on(monkeypatch, day: date) -> None:
    """Run what follows on `day`: the program's clock, and the CLI's real use of it."""
    monkeypatch.setattr(planner.asof, "today", lambda: day)
    monkeypatch.setattr(cli, "_today", REAL_TODAY)
    monkeypatch.setattr(cli, "_day_for", REAL_DAY_FOR)


def _run(*args: str):
    return CliRunner().invoke(cli.main, list(args), catch_exceptions=False)


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_scenario_gives_the_same_output_on_two_different_days(monkeypatch, path):
    """check and plan, text and JSON, stdout and stderr: byte for byte the same on two days."""
    commands = [("check", str(path)), ("check", "--format", "json", str(path)),
                ("plan", str(path)), ("plan", "--format", "json", str(path))]
    seen: dict[tuple, tuple] = {}
    for day in DAYS:
        _on(monkeypatch, day)
        for args in commands:
            r = _run(*args)
            assert r.exit_code == 0, (args, r.output)
            out = (r.stdout_bytes, r.stderr_bytes)
            assert seen.setdefault(args, out) == out, f"{args} changed between {DAYS[0]} and {day}"
    assert "Per dato: 01.01.2026" in seen[("plan", str(path))][0].decode()
    assert json.loads(seen[("check", "--format", "json", str(path))][0])["as_of"] == "2026-01-01"


def test_the_docs_letter_example_is_the_same_on_two_days(monkeypatch, tmp_path):
    """docs/examples/README.md's letter command (markdown, so the bytes can be compared)."""
    root = SCENARIOS.parent
    bodies = []
    for n, day in enumerate(DAYS):
        _on(monkeypatch, day)
        out = tmp_path / f"brev-{n}.md"
        r = _run("letter", str(SCENARIOS / "enslig-mor-2006.toml"), "--to", "tenant", "--config",
                 str(root / "docs/examples/letters.toml"), "--date", "2026-01-01", "--out", str(out))
        assert r.exit_code == 0, r.output
        bodies.append(out.read_bytes())
    assert bodies[0] == bodies[1] and b"2026" in bodies[0]


def _without_as_of(path: Path, tmp_path: Path) -> Path:
    out = tmp_path / path.name
    out.write_text(re.sub(r"^as_of = .*\n", "", path.read_text(encoding="utf-8"), flags=re.M), encoding="utf-8")
    return out


def test_the_rule_is_flag_then_file_then_today(monkeypatch, tmp_path):
    """Without its `as_of` a file is checked as of today (so the clock does reach the command,
    and the test above means something); with it, the file's day; `--as-of` beats both."""
    seed = SCENARIOS / "enslig-mor-2006.toml"
    bare = _without_as_of(seed, tmp_path)
    _on(monkeypatch, date(2026, 3, 2))

    def as_of(*args: str) -> str:
        r = _run("check", "--format", "json", *args)
        assert r.exit_code == 0, r.output
        return json.loads(r.stdout)["as_of"]

    assert as_of(str(bare)) == "2026-03-02"
    assert as_of(str(seed)) == "2026-01-01"
    assert as_of(str(seed), "--as-of", "2026-02-01") == "2026-02-01"
    _on(monkeypatch, date(2026, 3, 3))
    assert as_of(str(bare)) == "2026-03-03"


@pytest.mark.parametrize("text, message", [
    ('as_of = "2026-13-01"', "expected a date written YYYY-MM-DD"),
    ('as_of = "i dag"', "expected a date written YYYY-MM-DD"),
    ("as_of = 20260101", "expected a date written YYYY-MM-DD"),
    ("as_of = 1889-01-01", "1990"),
])
def test_a_bad_as_of_in_a_file_is_an_input_error_with_its_line(tmp_path, text, message):
    src = (SCENARIOS / "alt-i-orden.toml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(re.sub(r"^as_of = .*$", text, src, flags=re.M), encoding="utf-8")
    line = next(n for n, x in enumerate(bad.read_text(encoding="utf-8").splitlines(), 1) if x.startswith("as_of"))
    r = _run("check", str(bad))
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert f"error: {bad}:{line}: as_of: " in r.stderr and message in r.stderr, r.stderr


def test_an_unknown_key_lists_as_of(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("asof = 2026-01-01\n" + (SCENARIOS / "alt-i-orden.toml").read_text(encoding="utf-8"),
                   encoding="utf-8")
    r = _run("check", str(bad))
    assert r.exit_code == 2 and "asof" in r.stderr and "as_of" in r.stderr.split("asof", 1)[1]


# --------------------------------------------------------------------------- the web page

TODAY = date(2026, 3, 2)
BASE = "http://127.0.0.1:8000"


@pytest.fixture
def client(tmp_path, monkeypatch):
    pytest.importorskip("fastapi")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    from planner.web.app import create_app

    monkeypatch.setattr(planner.asof, "today", lambda: TODAY)
    app = create_app(f"sqlite:///{tmp_path / 'web.db'}", secret="test-secret", time_limit_s=5)
    with TestClient(app, base_url=BASE) as c:
        yield c


def _token(client, path: str = "/husstand/ny") -> str:
    r = client.get(path)
    assert r.status_code == 200, r.text[:300]
    return re.search(r'name="csrf_token" value="([^"]+)"', r.text).group(1)


def _import(client, name: str, data: bytes) -> None:
    r = client.post("/import/toml", files=[("files", (name, data))], data={"csrf_token": _token(client, "/import")})
    assert r.status_code == 200, r.text[-1500:]


def _letters_refused(client, hid: str) -> None:
    """Every way to a letter answers 409 with a page saying why (never a file, never a 500)."""
    for url in (f"/husstand/{hid}/brev/tenant.pdf", f"/husstand/{hid}/brev/tenant.docx",
                f"/husstand/{hid}/brevutkast/tenant"):
        r = client.get(url)
        assert r.status_code == 409, (url, r.status_code)
        assert r.headers["content-type"].startswith("text/html")
        assert "Brev lages ikke fra en plan som begynner før i dag" in r.text and "Rull planen fram" in r.text
    r = client.post(f"/husstand/{hid}/brevutkast/tenant/send", data={"csrf_token": _token(client)})
    assert r.status_code == 409


def test_an_imported_file_without_as_of_is_planned_as_of_today_and_its_letters_are_offered(client, tmp_path):
    """The bug: a file's start (01.01.2026) silently taken for today. Now: as of the page's
    today, shown; the plan covers what remains of the period from today, so it starts today
    and its letters are not refused for a past start."""
    bare = _without_as_of(SCENARIOS / "enslig-mor-2006.toml", tmp_path)
    _import(client, bare.name, bare.read_bytes())
    page = client.get("/husstand/enslig-mor-2006").text
    assert 'Per dato: <strong id="as-of">02.03.2026</strong>' in page
    assert 'id="past-start"' not in page
    pj = client.get("/husstand/enslig-mor-2006/plan.json").json()
    assert pj["as_of"] == "2026-03-02" and pj["horizon"]["start"] == "2026-03-02" and pj["horizon_note"] == "truncated"
    assert "Brev lages ikke fra en plan som begynner før i dag" not in \
        client.get("/husstand/enslig-mor-2006/brevutkast/tenant").text


def test_a_plan_made_per_a_past_day_is_refused_until_rolled_forward(client, tmp_path):
    """A stored per-dato before today (the page's today, 02.03.2026) makes a plan that starts
    before today: shown as such, letters refused; «Rull fram» makes a plan from today whose
    letters are offered. The past day is the caseworker's, typed in the form (an import plans
    as of today: the next test)."""
    from test_web import scenario_fields

    fields = scenario_fields("enslig-mor-2006")
    assert fields["as_of"] == "01.01.2026"
    r = client.post("/husstand/ny", data={**fields, "csrf_token": _token(client)}, follow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    page = client.get("/husstand/enslig-mor-2006").text
    assert 'id="past-start"' in page and "Planen er laget per 01.01.2026 og begynner 01.01.2026, før i dag (02.03.2026)" in page
    assert 'id="letters-refused"' in page and 'id="letter-tenant-pdf"' not in page
    _letters_refused(client, "enslig-mor-2006")
    r = client.post("/husstand/enslig-mor-2006/rull-fram", data={"csrf_token": _token(client), "version": "1"},
                    follow_redirects=False)
    assert r.status_code == 303
    page = client.get("/husstand/enslig-mor-2006").text
    assert 'id="past-start"' not in page and 'Per dato: <strong id="as-of">02.03.2026</strong>' in page
    assert client.get("/husstand/enslig-mor-2006/plan.json").json()["horizon"]["start"] == "2026-03-02"
    assert "Brev lages ikke fra en plan som begynner før i dag" not in \
        client.get("/husstand/enslig-mor-2006/brevutkast/tenant").text


def test_an_imported_file_s_past_as_of_gives_way_to_today_and_the_report_says_so(client):
    """A scenario pins 01.01.2026 (the command line keeps it: flag > file > today). Imported on
    the page on 02.03.2026 it is planned as of today, as the caseworker taking it up today
    needs: the report names the day set aside and asks for today's balance; no past-start."""
    r = client.post("/import/toml", files=[("files", ("aap-drift.toml", (SCENARIOS / "aap-drift.toml").read_bytes()))],
                    data={"csrf_token": _token(client, "/import")})
    assert r.status_code == 200
    notes = re.search(r'id="import-notes">(.*?)</ul>', r.text, re.S).group(1)
    assert "aap-drift: planlagt per i dag (02.03.2026), ikke per filens dato 01.01.2026" in notes
    assert "kontroller at saldoen er saldoen i dag" in notes
    page = client.get("/husstand/aap-drift").text
    assert 'Per dato: <strong id="as-of">02.03.2026</strong>' in page and 'id="past-start"' not in page
    assert client.get("/husstand/aap-drift/plan.json").json()["as_of"] == "2026-03-02"
    # a file whose day is today or later keeps it, and nothing is said
    later = (SCENARIOS / "aap-drift.toml").read_text(encoding="utf-8").replace(
        'id = "aap-drift"', 'id = "senere"').replace("as_of = 2026-01-01", "as_of = 2026-03-10")
    r = client.post("/import/toml", files=[("files", ("senere.toml", later.encode()))],
                    data={"csrf_token": _token(client, "/import")})
    assert 'id="import-notes"' not in r.text
    assert 'Per dato: <strong id="as-of">10.03.2026</strong>' in client.get("/husstand/senere").text


def test_a_form_saved_with_per_dato_left_empty_is_made_today(client):
    from test_web import scenario_fields

    fields = scenario_fields("alt-i-orden")
    fields.pop("as_of")
    fields["start"] = "01.04.2026"  # after today: letters are offered
    r = client.post("/husstand/ny", data={**fields, "csrf_token": _token(client)}, follow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    page = client.get("/husstand/alt-i-orden").text
    assert 'Per dato: <strong id="as-of">02.03.2026</strong>' in page and 'id="past-start"' not in page
    assert client.get("/husstand/alt-i-orden/plan.json").json()["as_of"] == "2026-03-02"
    # the edit form shows the stored day; a new form starts today
    assert 'value="02.03.2026"' in client.get("/husstand/alt-i-orden/endre").text
    assert re.search(r'name="as_of" id="f-as_of" value="02.03.2026"', client.get("/husstand/ny").text)


def test_a_batch_household_is_planned_today_and_its_edit_form_shows_it(client, tmp_path):
    """A batch run's household documents carry no as_of: the run's (`--as-of`, in the plan) is
    set aside for today when earlier, and said; the edit form shows the day, never an empty field."""
    from planner.assessment import plan_explained as plan
    from planner.io.household import read_household
    from planner.web.forms import household_document

    h = read_household(_without_as_of(SCENARIOS / "aap-drift.toml", tmp_path))
    g = read_household(_without_as_of(SCENARIOS / "lav-inntekt.toml", tmp_path))
    p = plan(h, time_limit_s=5, as_of=date(2026, 1, 1))
    q = plan(g, time_limit_s=5)  # no as-of date: the import dates it today
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("batch/results.csv", f"id,problem,status,priority\naap-drift,{p.baseline.problem},{p.status},70\n"
                                        f"lav-inntekt,{q.baseline.problem},{q.status},80\n")
        for x, y in ((h, p), (g, q)):
            z.writestr(f"batch/plans/{x.id}.json", json.dumps(y.to_json()))
            z.writestr(f"batch/households/{x.id}.json", json.dumps(household_document(x)))
    r = client.post("/import/batch", files=[("files", ("batch.zip", buf.getvalue()))],
                    data={"csrf_token": _token(client, "/import")})
    assert r.status_code == 200, r.text[-1500:]
    # both planned as of today; the run's earlier day is named in the report
    assert "aap-drift: planlagt per i dag (02.03.2026), ikke per filens dato 01.01.2026" in r.text
    assert "lav-inntekt: planlagt" not in r.text  # it had no day of its own to set aside
    for hid in ("aap-drift", "lav-inntekt"):
        assert re.search(r'name="as_of" id="f-as_of" value="02.03.2026"', client.get(f"/husstand/{hid}/endre").text)
        page = client.get(f"/husstand/{hid}").text
        assert 'Per dato: <strong id="as-of">02.03.2026</strong>' in page and 'id="past-start"' not in page
        assert client.get(f"/husstand/{hid}/plan.json").json()["as_of"] == "2026-03-02"


def test_a_statement_draft_is_made_today_and_says_when_its_period_began(client):
    from statement_gen import generate, write_camt053

    case = generate(0)
    r = client.post("/husstand/ny/kontoutskrift", data={"csrf_token": _token(client)},
                    files={"statement": ("k.xml", write_camt053(case), "application/xml")})
    assert r.status_code == 200, r.text[:500]
    assert re.search(r'name="as_of" id="f-as_of" value="02.03.2026"', r.text)
    start = re.search(r'name="start" id="f-start" value="([^"]+)"', r.text).group(1)
    if date(*reversed([int(x) for x in start.split(".")])) < TODAY:
        assert "er før i dag (02.03.2026)" in r.text


def test_a_rent_whose_only_dates_are_before_the_as_of_day_stays_the_households_rent():
    """Found by a generated household: truncating a horizon past a rent given by `dates` alone
    dropped the one rent, and the solver failed on a household without one. The rent stays,
    its past dates booking nothing."""
    from planner.asof import align
    from planner.assessment import plan_explained
    from planner.io.household import household_from_dict

    h = household_from_dict({"id": "x", "start": date(2026, 1, 1), "months": 1, "opening_balance": 0,
                             "income": [{"kind": "aap", "amount": 1, "day": 1}],
                             "expense": [{"kind": "husleie", "amount": 1000, "dates": [date(2026, 1, 5)]}],
                             "arrears": {"amount": 1, "creditor": "utleier"}}, "x.toml")
    t = align(h, date(2026, 1, 6)).household
    assert t.rent.dates == [date(2026, 1, 5)] and t.start == date(2026, 1, 6)
    p = plan_explained(t, as_of=date(2026, 1, 6), time_limit_s=5)
    assert not any(x.kind == "husleie" for x in p.transactions)


def test_a_refusal_re_plans_as_of_today(client):
    """A task refused today re-plans the household without the lever as of today (not the
    per-dato typed in weeks ago, which would give a plan whose letters are refused), and the
    page says which day was set aside and asks for today's balance."""
    from test_web import scenario_fields

    fields = scenario_fields("enslig-mor-2006")
    assert fields["as_of"] == "01.01.2026"
    r = client.post("/husstand/ny", data={**fields, "csrf_token": _token(client)}, follow_redirects=False)
    assert r.status_code == 303
    from planner.model import LEVERS

    store = client.app.state.store
    task = next(t for t in store.case.tasks("enslig-mor-2006") if t.lever in LEVERS)
    r = client.post(f"/oppgave/{task.id}", data={"csrf_token": _token(client), "state": "refused"})
    assert r.status_code == 200
    flash = html.unescape(r.text).replace("\u00a0", " ")
    assert "Den nye planen er laget per i dag (02.03.2026), ikke per 01.01.2026" in flash
    doc = client.get("/husstand/enslig-mor-2006/plan.json").json()
    assert doc["as_of"] == "2026-03-02" and task.lever not in [i["lever"] for i in doc["interventions"]]
    assert 'id="past-start"' not in client.get("/husstand/enslig-mor-2006").text

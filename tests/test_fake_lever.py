"""Adding a lever is one module, one data entry and one template (tests/fake_lever/): copied into
a copy of the package, with no other file changed, the lever appears in the web form, the batch's
columns and a plan.

What a lever must provide is what `tests/fake_lever/fake_gift.py` provides: `key`, `phase`,
`settings`, its typed parameters (a `LeverParams` dataclass), `add` (its constraint and cost),
`decode` and `transactions` (the intervention and its bookings), `first_booking` and
`letter_facts`. Its explanation defaults to the catalogue's
description; its tenant-letter line is its template (`<lang>/levers/<key>.html.j2`)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import ROOT

FAKE = Path(__file__).parent / "fake_lever"

CHILD = textwrap.dedent('''
    import csv, json, re
    from datetime import date
    from pathlib import Path

    from fastapi.testclient import TestClient

    from planner.io.household import household_from_dict
    from planner.io.tables import TENANT_COLUMNS
    from planner.letters import render_letter
    from planner.solver import plan
    from planner.web import forms
    from planner.web.app import create_app

    out = {}
    # the web form: the lever's choice and its setting's field, on the page and through a save
    app = create_app("sqlite:///" + str(Path.cwd() / "web.db"), secret="s", time_limit_s=5)
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        page = c.get("/husstand/ny").text
    out["form_field"] = 'name="fake_gift_kr"' in page
    out["form_lever"] = 'name="lever_fake_gift"' in page and "Gave fra familien" in page
    f = forms.empty_form(date(2026, 1, 1))
    f.values.update(id="hh", start="01.01.2026", months="2", opening_balance="0", lever_fake_gift="ja",
                    fake_gift_kr="6000")
    f.income[0].update(kind="aap", amount="9000", mode="every", every_days="14", first="12.01.2026")
    f.expense[0].update(amount="5000", day="1")
    h = forms.validate(f)
    out["form_errors"] = dict(f.errors)
    out["form_value"] = h.levers.fake_gift_kr if h else None
    # the batch: the setting is a column of the tenants table
    out["batch_column"] = TENANT_COLUMNS.get("fake_gift_kr")
    # a plan: only the new lever may act, and it is the one the plan uses
    doc = forms.household_document(h)
    doc["levers"]["allow"] = ["fake_gift"]
    h = household_from_dict(doc)
    p = plan(h)
    out["status"] = p.status
    out["levers"] = [i.lever for i in p.interventions]
    out["gift"] = [t.amount_ore for t in p.transactions if t.stream == "fake_gift"]
    letter = render_letter(h, p, "tenant", "nb", "html").decode()
    out["letter"] = "Ta imot gaven fra familien" in letter
    print(json.dumps(out))
''')


def test_a_new_lever_is_one_module_one_data_entry_and_one_template(tmp_path):
    pkg = tmp_path / "planner"
    shutil.copytree(ROOT / "planner", pkg, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(FAKE / "fake_gift.py", pkg / "levers" / "fake_gift.py")
    with open(pkg / "data" / "levers.toml", "a", encoding="utf-8") as fh:
        fh.write((FAKE / "levers.toml").read_text(encoding="utf-8"))
    (pkg / "letters" / "templates" / "nb" / "levers").mkdir(exist_ok=True)
    shutil.copy(FAKE / "fake_gift.html.j2", pkg / "letters" / "templates" / "nb" / "levers" / "fake_gift.html.j2")

    res = subprocess.run([sys.executable, "-c", CHILD], cwd=tmp_path, capture_output=True, text=True, timeout=600,
                         env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path), "MPLBACKEND": "Agg",
                              "HOME": str(tmp_path)})
    assert res.returncode == 0, res.stderr[-3000:]
    import json

    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["form_field"] and out["form_lever"]
    assert out["form_errors"] == {} and out["form_value"] == 6000
    assert out["batch_column"] == "kroner a relative may give once"
    # rent 5000 on 1 Jan from an empty account, AAP first on the 12th: only the gift can pay it
    assert out["status"] == "planned" and out["levers"] == ["fake_gift"]
    assert out["gift"] == [600000]
    assert out["letter"]

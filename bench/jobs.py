"""Speed of a large web import as a background job: the POST's answer and the job's run.

    python bench/jobs.py [--households 300] [--documents 30] [--db URL]

Builds a `planner batch` results folder of `--households` households as a zip (results.csv and a
plan each, the first `--documents` also with their household document, which the import plans
again), posts it to /import/batch through the application (Starlette's TestClient, no network)
and prints how long the POST took to answer (303 to the job's page: the upload read and checked,
nothing planned) and how long the job took until every household was stored, with its parts
per second. Timings on a shared machine are upper bounds.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=300)
    ap.add_argument("--documents", type=int, default=30)
    ap.add_argument("--db", default=None, help="database URL (default: a new SQLite file)")
    args = ap.parse_args()

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    from test_web_jobs import BASE, batch_zip, job_state, token

    from planner.assessment import plan_explained
    from planner.io.household import read_household
    from planner.web.app import create_app
    from planner.web.core import Settings

    plan = plan_explained(read_household(ROOT / "scenarios" / "alt-i-orden.toml"), time_limit_s=5).to_json()
    data = batch_zip(plan, args.households, with_documents=args.documents)
    url = args.db or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench-jobs.db'}"
    app = create_app(url, secret="bench", settings=Settings(time_limit_s=5))
    with TestClient(app, base_url=BASE) as c:
        t = token(c)
        t0 = time.perf_counter()
        r = c.post("/import/batch", files=[("files", ("batch.zip", data))], data={"csrf_token": t},
                   follow_redirects=False)
        answered = time.perf_counter() - t0
        assert r.status_code == 303, r.status_code
        while job_state(c, r.headers["location"]) in ("I kø", "Kjører"):
            time.sleep(0.1)
        finished = time.perf_counter() - t0
        state = job_state(c, r.headers["location"])
    print(f"{args.households} households ({args.documents} planned again), zip {len(data) / 1024:.0f} KiB")
    print(f"POST answered (303) in {answered:.2f} s; job {state} after {finished:.1f} s "
          f"({args.households / max(finished - answered, 1e-9):.1f} households/s)")


if __name__ == "__main__":
    main()

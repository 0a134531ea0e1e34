"""Speed of the half-year report: `planner report` in every format and the web page's Statistikk.

    python bench/report.py [--cases 10000] [--formats pdf,html,md,xlsx] [--views 3] [--db PATH]

It writes a generated caseload of `--cases` households into a SQLite database shaped as the web
page's store writes it (tests/halfyear_gen.py: the report tests' generator, its offices scaled
up; the two small offices keep 7 and 3 cases, so the small-count rules still hide cells), then

* runs `planner report --db` once per format as a fresh process (imports included) and prints
  the wall time, the CPU time (the command and the child it forks: on two cores the wall time
  is less) and the size of the file;
* starts the application as `planner serve` does (its warm-up before "ready" included, the web
  page's today pinned to 2026-07-01 so the period measured is the page's "Forrige halvår") and
  opens the Statistikk page through it (Starlette's TestClient, no network): one *view* is the
  page and every chart its HTML points to. It times the first view after "ready", the next
  ones, the first view of a period the page does not offer (not built at start), and the view
  after a change to one case record (the cache is keyed by the data version: only that
  household is read again, the report and the charts whose cells changed are built again).
  `--no-warm-up` starts the application without its warm-up, as the tests do.

The database is kept in `--db` (default: a file in the temporary folder, reused when it exists
and holds the same number of cases), so a second run measures only the report. Timings on a
shared machine are upper bounds.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from html import unescape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

PERIOD = ("2026-01-01", "2026-06-30")
OTHER = ("2026-03-01", "2026-08-31")  # a period the page does not offer: not built at start, every chart new
TODAY = "2026-07-01"  # the web page's today: PERIOD is its "Forrige halvår"


def offices(n: int) -> list[tuple[str | None, int]]:
    """The generator's offices scaled to `n` cases; Sagene (7) and Frogner (3) stay small."""
    import halfyear_gen as g

    big = [(o, s) for o, s in g.OFFICES if s > 10]
    small = [(o, s) for o, s in g.OFFICES if s <= 10]
    room = n - sum(s for _, s in small)
    total = sum(s for _, s in big)
    sizes = [room * s // total for _, s in big]
    sizes[0] += room - sum(sizes)
    return [(o, s) for (o, _), s in zip(big, sizes)] + small


def make_db(n: int, path: Path) -> str:
    import halfyear_gen as g

    url = f"sqlite:///{path}"
    marker = path.with_suffix(".cases")
    if path.exists() and marker.exists() and marker.read_text() == str(n):
        return url
    path.unlink(missing_ok=True)
    t0 = time.perf_counter()
    g.OFFICES = offices(n)
    g.write_db(g.truth(), url)
    marker.write_text(str(n))
    print(f"wrote {n} cases to {path} in {time.perf_counter() - t0:.1f} s")
    return url


def cli(url: str, fmt: str, folder: Path) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, bytes) of one `planner report` process. The CPU time (user and
    system, of the process alone) is what a quiet machine's wall time would be, near enough:
    the report is one thread; on a shared machine the wall time waits for other work."""
    out = folder / f"rapport.{fmt}"
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "planner", "report", "--from", PERIOD[0], "--to", PERIOD[1],
                             "--db", url, "--out", str(out)], cwd=ROOT, stderr=subprocess.DEVNULL,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"planner report --format {fmt} failed")
    return time.perf_counter() - t0, usage.ru_utime + usage.ru_stime, out.stat().st_size


def view(client, period: tuple[str, str] = PERIOD) -> tuple[float, float, int]:
    """One view of the page: the HTML and every chart it shows; (wall seconds, CPU seconds of
    this process, charts)."""
    t0, c0 = time.perf_counter(), time.process_time()
    page = client.get(f"/statistikk?fra={period[0]}&til={period[1]}")
    page.raise_for_status()
    srcs = [unescape(s) for s in re.findall(r'<img src="(/statistikk/[^"]+)"', page.text)]
    for src in srcs:
        client.get(src).raise_for_status()
    return time.perf_counter() - t0, time.process_time() - c0, len(srcs)


def touch_one_case(url: str) -> None:
    """A caseworker's edit: one household's priority moves by one (a row the report reads, so
    the data version changes and the next view builds the report and its charts again)."""
    import sqlalchemy as sa

    from planner.web.store import households

    engine = sa.create_engine(url)
    with engine.begin() as c:
        first = c.execute(sa.select(households.c.id).order_by(households.c.id).limit(1)).scalar_one()
        c.execute(households.update().where(households.c.id == first).values(priority=households.c.priority + 1))
    engine.dispose()


def web(url: str, views: int, warm_up: bool = True) -> None:
    """The page through the application as `planner serve` starts it (`warm_up`: the solver
    processes, the templates and the Statistikk page of the half-years the page offers, before
    "ready"); `PLANNER_TODAY` pinned so the period measured is one of them ("Forrige halvår")."""
    from fastapi.testclient import TestClient

    from planner.web.app import create_app
    from planner.web.core import Settings

    os.environ["PLANNER_TODAY"] = TODAY
    app = create_app(url, secret="bench", settings=Settings(time_limit_s=600, warm_up=warm_up))
    t0, c0 = time.perf_counter(), time.process_time()
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        print(f"  ready after (warm-up {'on' if warm_up else 'off'})              {time.perf_counter() - t0:7.2f} s wall "
              f"{time.process_time() - c0:7.2f} s CPU  (this process; the solver processes beside it)")
        seconds, cpu, charts = view(client)
        print(f"  Statistikk, first view after ready          {seconds:7.2f} s wall {cpu:7.2f} s CPU  "
              f"(page and {charts} charts)")
        warm = sorted(view(client)[:2] for _ in range(views))
        print(f"  Statistikk, next views (median of {views})       {warm[len(warm) // 2][0]:7.2f} s wall "
              f"{warm[len(warm) // 2][1]:7.2f} s CPU")
        seconds, cpu, _ = view(client, OTHER)
        print(f"  Statistikk, first view of another period    {seconds:7.2f} s wall {cpu:7.2f} s CPU  "
              f"({OTHER[0]}..{OTHER[1]}, not warmed)")
        touch_one_case(url)
        seconds, cpu, _ = view(client)
        print(f"  Statistikk, after one case changed          {seconds:7.2f} s wall {cpu:7.2f} s CPU")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--formats", default="pdf,html,md,xlsx")
    ap.add_argument("--views", type=int, default=3)
    ap.add_argument("--db", type=Path, default=None)
    ap.add_argument("--no-web", action="store_true")
    ap.add_argument("--no-warm-up", action="store_true", help="start the app without its warm-up (as the tests do)")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="planner-bench-report-"))
    db = args.db or Path(tempfile.gettempdir()) / f"planner-bench-report-{args.cases}.db"
    url = make_db(args.cases, db)
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?") \
        if Path("/proc/cpuinfo").exists() else platform.processor()
    print(f"planner report benchmark: {args.cases} cases, period {PERIOD[0]}..{PERIOD[1]}")
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores ({cpu}), "
          f"load average {os.getloadavg()[0]:.2f} at the start")
    for fmt in filter(None, args.formats.split(",")):
        seconds, cpu, size = cli(url, fmt, folder)
        print(f"  planner report --format {fmt:4}        {seconds:7.2f} s wall {cpu:7.2f} s CPU  ({size:,} bytes)")
    if not args.no_web:
        web(url, args.views, warm_up=not args.no_warm_up)


if __name__ == "__main__":
    main()

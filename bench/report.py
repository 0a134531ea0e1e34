"""Speed of the half-year report: `planner report` in every format and the web page's Statistikk.

    python bench/report.py [--cases 10000] [--formats pdf,html,md,xlsx] [--views 3] [--db PATH]

It writes a generated caseload of `--cases` households into a SQLite database shaped as the web
page's store writes it (tests/halfyear_gen.py: the report tests' generator, its offices scaled
up; the two small offices keep 7 and 3 cases, so the small-count rules still hide cells), then

* runs `planner report --db` once per format as a fresh process (imports included) and prints
  the wall time and the size of the file;
* opens the Statistikk page through the application (Starlette's TestClient, no network): one
  *view* is the page and every chart its HTML points to. The first view after start is *cold*
  (nothing cached), the next ones *warm*; after a change to one case record the next view is
  cold again for that data (the cache is keyed by the data version: only that household is read again, the report
  and its charts are built again).

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


def view(client) -> tuple[float, float, int]:
    """One view of the page: the HTML and every chart it shows; (wall seconds, CPU seconds of
    this process, charts)."""
    t0, c0 = time.perf_counter(), time.process_time()
    page = client.get(f"/statistikk?fra={PERIOD[0]}&til={PERIOD[1]}")
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


def web(url: str, views: int) -> None:
    from fastapi.testclient import TestClient

    from planner.web.app import create_app

    app = create_app(url, secret="bench", time_limit_s=600)
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        seconds, cpu, charts = view(client)
        print(f"  Statistikk, cold (first view after start)   {seconds:7.2f} s wall {cpu:7.2f} s CPU  "
              f"(page and {charts} charts)")
        warm = sorted(view(client)[:2] for _ in range(views))
        print(f"  Statistikk, warm (median of {views})             {warm[len(warm) // 2][0]:7.2f} s wall "
              f"{warm[len(warm) // 2][1]:7.2f} s CPU")
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
        web(url, args.views)


if __name__ == "__main__":
    main()

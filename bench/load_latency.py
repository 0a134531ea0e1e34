"""The first plan on a cold server, and the what-if, as a caseworker meets them.

    python bench/load_latency.py [--db sqlite|postgresql] [--whatifs 21] [--repo PATH]

Starts `planner serve` (a fresh database), times how long it takes to say it is ready
("Uvicorn running on": the warm-up is before it), then, from that moment:

* first plan: import the seed household (scenarios/enslig-mor-2006.toml: planned and stored)
  and open its page (plan, alternatives, chart), the seconds until the page is there;
* what-if: `--whatifs` what-ifs on the seed, each with another income amount (a new plan each
  time), as the page's script sends them (`fragment=1`); median and slowest.

`--repo` runs another checkout's server (e.g. `--repo /work/main` for the figures before a
change) with the same client. On a shared machine every figure is an upper bound.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_server import ROOT, SCENARIOS, Server, database, import_toml  # noqa: E402

SEED = "enslig-mor-2006"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    ap.add_argument("--whatifs", type=int, default=21)
    ap.add_argument("--repo", type=Path, default=ROOT)
    args = ap.parse_args()
    import httpx

    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f} at the start; server from {args.repo}, {args.db}")
    with database(args.db) as url, Server(url, args.repo) as server:
        print(f"ready after {server.ready_s:.2f} s")
        with httpx.Client(base_url=server.url, timeout=120) as c:
            t0 = time.perf_counter()
            import_toml(c, [(f"{SEED}.toml", (SCENARIOS / f"{SEED}.toml").read_bytes())])
            r = c.get(f"/husstand/{SEED}")
            r.raise_for_status()
            assert "<svg" in r.text
            print(f"first plan (import + household page) {time.perf_counter() - t0:.2f} s after ready")
            times = []
            for i in range(args.whatifs):
                t = time.perf_counter()
                r = c.get(f"/husstand/{SEED}/hva-om", params={"inntekt-0-amount": str(1500 + 10 * i), "fragment": "1"})
                r.raise_for_status()
                times.append(time.perf_counter() - t)
            print(f"what-if ({len(times)} changes, fragment): median {statistics.median(times):.3f} s, "
                  f"slowest {max(times):.3f} s, first {times[0]:.3f} s")
            times = []
            for i in range(max(3, args.whatifs // 3)):
                t = time.perf_counter()
                r = c.get(f"/husstand/{SEED}/hva-om", params={"inntekt-0-amount": str(2500 + 10 * i)})
                r.raise_for_status()
                times.append(time.perf_counter() - t)
            print(f"what-if ({len(times)} changes, whole page): median {statistics.median(times):.3f} s")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()

"""CPU time of judging a ledger's parts (`parallel.judge_text`), per million rows.

    python bench/ledger_judge.py [--ledger /tmp/lg/ledger.csv] [--parts 12] [--repeat 5]

The parts are cut as a run with the helper process cuts them (`run.HELPED_PART_ROWS`, 75 000
rows, from the ledger's buckets: the run is stopped when it hands over its parts), then judged
one after the other in this process, `--repeat` times; it prints the CPU seconds (user + system,
`time.process_time`) per million rows of each round and the best. The first round is the
honest one for a run (the caches of worded amounts, dates and months start empty); the later
ones show the code's own cost. CPU time moves less than wall time on a shared machine; still an
upper bound there. The ledger (default: generated as `bench/ledger.py` does for 100 000
tenancies, 5.5 M rows, 285 MB) is kept in `--folder`. To compare with another tree, copy this
file into its bench/ and run it there (it judges with the `planner` of the tree it sits in).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class _Enough(Exception):
    """Raised to stop the run once its parts are taken."""


def cut_parts(ledger: Path, out: Path, n: int) -> tuple[list[dict], object]:
    """The first `n` parts (and the judging context) of `ledger` as a helped run cuts them."""
    from planner.ledger import run
    from planner.ledger.summary import LedgerOptions

    parts: list[dict] = []
    taken: dict = {}

    class Helper:  # no second process: the run only cuts the parts as it would for one
        def close(self) -> None:
            pass

        def setup(self, ctx) -> None:
            pass

    def take(it, ctx, helper):
        taken["ctx"] = ctx
        for cols in it:
            parts.append(cols)
            if len(parts) >= n:
                break
        raise _Enough

    judge_all, start = run.judge_all, run.Helper.start
    run.judge_all = take
    run.Helper.start = classmethod(lambda cls: Helper())  # type: ignore[method-assign, assignment]
    try:
        run.run_ledger(ledger, LedgerOptions(out=out, as_of=date(2026, 12, 20), workers=2))
    except _Enough:
        pass
    finally:
        run.judge_all, run.Helper.start = judge_all, start  # type: ignore[method-assign]
    return parts, taken["ctx"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ledger", default=None, help="a ledger CSV (default: generated, 100 000 tenancies)")
    ap.add_argument("--folder", default=None, help="keep the generated ledger here (default: a temporary folder)")
    ap.add_argument("--parts", type=int, default=12)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    folder = Path(a.folder) if a.folder else Path(tempfile.mkdtemp(prefix="bench-ledger-judge-"))
    ledger = Path(a.ledger) if a.ledger else folder / "ledger-100000-24-2026.csv"
    if not ledger.exists():  # in a process of its own (as bench/ledger.py: its memory is not this run's)
        subprocess.run([sys.executable, "-c", "import sys; from planner.ledger.synth import generate, to_csv;"
                        " to_csv(generate(100000, months=24, seed=2026), sys.argv[1])", str(ledger)], cwd=ROOT,
                       check=True)
    from planner.ledger.parallel import judge_text

    with tempfile.TemporaryDirectory(prefix="bench-ledger-judge-out-") as out:
        parts, ctx = cut_parts(ledger, Path(out) / "out", a.parts)
    rows = sum(len(p["day"]) for p in parts)
    print(f"{len(parts)} parts, {rows} rows ({ledger.name}); CPU s per 1 000 000 rows of judge_text:")
    best = None
    for r in range(a.repeat):
        t0 = time.process_time()
        for cols in parts:
            judge_text(cols, ctx)
        cpu = (time.process_time() - t0) / rows * 1e6
        best = cpu if best is None else min(best, cpu)
        print(f"  round {r + 1}: {cpu:.3f}")
    print(f"best {best:.3f}")


if __name__ == "__main__":
    main()

"""The CPU a batch worker spends per household: `check_chunk` in one process, timed.

    python bench/batch_worker.py [--households 20000] [--repeat 3] [--seed 2026] [--baseline DIR]

Writes bench/batch.py's tables of `--households` households, spools them as `planner batch`
does and cuts the spool into the batch's chunks (1 000 households), then runs the worker's
part of a `--check-only` run on them in this process: each chunk pickled and unpickled as it
crosses to a worker, built, validated, checked, projected and finished (`check_chunk`), its
result pickled back. It prints the CPU seconds (`time.process_time`, the best of `--repeat`
runs, each in a fresh process with its caches cold, as a worker starts: CPU time is far
steadier than wall time on a shared machine) and a digest of every result. `--baseline DIR` runs the same in a tree unpacked at DIR (`git archive REV planner |
tar -x -C DIR`) and says whether the results are the same.

What a worker costs is what limits `planner batch --check-only` once the main process's part is
hidden behind it: two workers share the households of a 2-core machine.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _chunks(folder: Path) -> list[bytes]:
    from planner.io.tables import ColumnMap, Spool, discover

    colmap = ColumnMap.load(None)
    found = discover([folder / "tenants.csv", folder / "payouts.csv"], colmap)
    spool = Spool(None)
    try:
        spool.load(found, colmap)
        return [pickle.dumps(c) for c in spool.households(1000, None) if c]
    finally:
        spool.close()


def _run(chunks: list[bytes]) -> tuple[float, str]:
    """CPU seconds of the worker's part on `chunks`, and a digest of its results."""
    from planner.batch.worker import check_chunk, warm_up_check

    warm_up_check()
    digest = hashlib.sha256()
    t0 = time.process_time()
    for blob in chunks:
        res = check_chunk(pickle.loads(blob), None, None, False, True)
        back = pickle.dumps(res)
        digest.update(pickle.dumps((res.finished, res.errors, res.bad)))
    cpu = time.process_time() - t0
    del back
    return cpu, digest.hexdigest()[:16]


def _child(folder: str) -> None:
    """One run in a fresh process (the tree on sys.path first), its caches cold as a worker's."""
    chunks = _chunks(Path(folder))
    cpu, digest = _run(chunks)
    print(f"{cpu:.2f} {digest} {sum(len(pickle.loads(b)) for b in chunks)}")


def _measure(tree: Path, folder: Path) -> tuple[float, str, int]:
    env = dict(os.environ, PYTHONPATH=str(tree))
    out = subprocess.run([sys.executable, __file__, "--child", str(folder)], env=env,
                         cwd=tree, capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), out[1], int(out[2])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--baseline", type=Path, default=None)
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args.child)
        return
    sys.path.insert(0, str(ROOT / "bench"))
    import batch

    with tempfile.TemporaryDirectory(prefix="bench-worker-") as tmp:
        folder = Path(tmp)
        batch.write_tables(folder, args.households, seed=args.seed)
        print(f"planner batch worker benchmark: python {sys.version.split()[0]}, best of {args.repeat} runs, "
              f"{args.households} households in chunks of 1000")
        trees = [ROOT] + ([args.baseline.resolve()] if args.baseline is not None else [])
        runs: dict[Path, list[tuple[float, str, int]]] = {t: [] for t in trees}
        for _ in range(args.repeat):  # the trees in turn, so a busy spell of the machine hits both
            for t in trees:
                runs[t].append(_measure(t, folder))
        cpu, digest, n = min(runs[ROOT])
        print(f"  this tree : {cpu:7.2f} CPU s   {1e6 * cpu / n:6.0f} µs per household   results {digest}")
        if args.baseline is not None:
            b_cpu, b_digest, _ = min(runs[trees[1]])
            same = "the same" if b_digest == digest else "DIFFERENT"
            print(f"  baseline  : {b_cpu:7.2f} CPU s   {1e6 * b_cpu / n:6.0f} µs per household   results {same}")


if __name__ == "__main__":
    main()

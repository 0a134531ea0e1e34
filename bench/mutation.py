"""Mutation testing of the engine with cosmic-ray: how many planted bugs do the tests catch?

cosmic-ray (not mutmut: mutmut 3 leaves decorated functions alone, and the engine's hot
functions are `lru_cache`d) mutates one operator at a time in the engine modules and runs the
fast engine tests against each mutant. The work happens in a copy of the working tree, so the
repository's sources are never left mutated. The engine tests run with few, derandomized
hypothesis examples ($PLANNER_MAX_EXAMPLES, tests/conftest.py), so each mutant is judged the
same way on every run.

    python bench/mutation.py run --sample 120 --seed 10 --out /tmp/mutation   # ~50 min on 2 busy cores
    python bench/mutation.py rerun --out /tmp/mutation     # survivors again, with today's tests
    python bench/mutation.py report --out /tmp/mutation [--markdown docs/development/mutation.md]

Surviving mutants that cannot change behaviour (equivalent mutants) are listed, each with its
reason, in bench/mutation_equivalent.toml; the kill rate counts only the others:
    killed / (sampled - incompetent - equivalent).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import subprocess
import sys
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENT = ROOT / "bench" / "mutation_equivalent.toml"
#: The engine modules mutated: the solver as one module or as a package, and the lever modules
#: and periods once they exist (issue 10 moves the levers into planner/levers/).
MODULES = ["planner/cashflow.py", "planner/calendar.py", "planner/solver.py", "planner/money.py",
           "planner/periods.py"]
PACKAGES = ["planner/solver", "planner/levers"]
#: The fast engine tests, cheapest and most telling first (pytest -x stops at the first failure).
TESTS = ["tests/test_money.py", "tests/test_calendar.py", "tests/test_calendar_households.py",
         "tests/test_properties.py", "tests/test_levers.py", "tests/test_solver.py"]
EXAMPLES = 8  # hypothesis examples per property test in the mutation run
#: Left out of the mutation run: it starts two CLI processes (a third of the run's time) to show
#: that output is identical across processes, which no engine mutant can change on its own.
DESELECT = ["tests/test_solver.py::test_plan_cli_json_is_identical_across_processes"]


def engine_modules() -> list[str]:
    found = [m for m in MODULES if (ROOT / m).is_file()]
    for package in PACKAGES:
        found += sorted(str(p.relative_to(ROOT)) for p in (ROOT / package).glob("*.py") if p.name != "__init__.py")
    return found


def _config(modules: list[str], timeout: float) -> str:
    tests = " ".join(t for t in TESTS if (ROOT / t).exists())
    deselect = " ".join(f"--deselect {t}" for t in DESELECT)
    # one process per mutant (-n 0: no xdist workers to start), every test of the files (-m)
    command = (f"env PLANNER_MAX_EXAMPLES={EXAMPLES} {sys.executable} -m pytest -x -q -p no:cacheprovider -n 0 "
               f"-m 'slow or not slow' {deselect} {tests}")
    mods = ", ".join(f'"{m}"' for m in modules)
    return (f'[cosmic-ray]\nmodule-path = [{mods}]\ntimeout = {timeout}\nexcluded-modules = []\n'
            f'test-command = "{command}"\n\n[cosmic-ray.distributor]\nname = "local"\n')


def _copy_tree(dest: Path) -> None:
    """The working tree as git sees it (tracked and new files, nothing ignored); outside a git
    checkout (an exported tree), every file but caches."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True)
    if listed.returncode != 0:
        shutil.copytree(ROOT, dest, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(".git", "__pycache__", ".hypothesis", ".pytest_cache"))
        return
    files = listed.stdout.splitlines()
    for name in files:
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)


def _sample(db: Path, n: int, seed: int) -> int:
    """Keep `n` mutants drawn with `seed` (all if n <= 0); mark the rest skipped."""
    con = sqlite3.connect(db)
    ids = sorted(r[0] for r in con.execute("select job_id from work_items"))
    if 0 < n < len(ids):
        keep = set(random.Random(seed).sample(ids, n))
        skip = [(j,) for j in ids if j not in keep]
        con.executemany("insert into work_results (job_id, worker_outcome, output, test_outcome, diff) "
                        "values (?, 'SKIPPED', 'not sampled', NULL, '')", skip)
        con.commit()
    return len(ids)


def run(out: Path, sample: int, seed: int, timeout: float) -> None:
    if out.exists():
        shutil.rmtree(out)
    tree = out / "tree"
    tree.mkdir(parents=True)
    _copy_tree(tree)
    (out / "cosmic-ray.toml").write_text(_config(engine_modules(), timeout), encoding="utf-8")
    for module in engine_modules():  # the report reads source lines here, never a mutated file
        (out / "pristine" / module).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(tree / module, out / "pristine" / module)
    db = out / "session.sqlite"
    subprocess.run(["cosmic-ray", "init", str(out / "cosmic-ray.toml"), str(db)], cwd=tree, check=True)
    total = _sample(db, sample, seed)
    print(f"{total} mutants; running {sample if 0 < sample < total else total} (seed {seed})", flush=True)
    subprocess.run(["cosmic-ray", "baseline", str(out / "cosmic-ray.toml")], cwd=tree, check=True)
    subprocess.run(["cosmic-ray", "exec", str(out / "cosmic-ray.toml"), str(db)], cwd=tree, check=True)
    report(out)


def rerun(out: Path) -> None:
    """Run the survivors again against the tests of today's working tree (same engine code)."""
    tree = out / "tree"
    for name in TESTS + ["tests/reference.py", "tests/strategies.py", "tests/conftest.py"]:
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, tree / name)
    eq = _equivalents()
    again = [job for job, module, operator, row, col, worker, test, code, _ in _rows(out, with_job=True)
             if test == "survived" and (module, operator, code, col) not in eq]
    con = sqlite3.connect(out / "session.sqlite")
    con.executemany("delete from work_results where job_id = ?", [(j,) for j in again])
    con.commit()
    print(f"running {len(again)} surviving non-equivalent mutants again", flush=True)
    subprocess.run(["cosmic-ray", "exec", str(out / "cosmic-ray.toml"), str(out / "session.sqlite")],
                   cwd=tree, check=True)
    report(out)


def _equivalents() -> dict[tuple[str, str, str, int], str]:
    if not EQUIVALENT.exists():
        return {}
    data = tomllib.loads(EQUIVALENT.read_text(encoding="utf-8"))
    return {(e["module"], e["operator"], e["code"].strip(), int(e["column"])): e["reason"]
            for e in data.get("equivalent", [])}


def _rows(out: Path, with_job: bool = False):
    con = sqlite3.connect(out / "session.sqlite")
    q = ("select m.job_id, m.module_path, m.operator_name, m.start_pos_row, m.start_pos_col, r.worker_outcome, "
         "r.test_outcome, r.diff from mutation_specs m join work_results r on r.job_id = m.job_id")
    lines: dict[str, list[str]] = {}
    for job, module, operator, row, col, worker, test, diff in con.execute(q):
        worker, test = (worker or "").lower(), (test or "").lower()
        if module not in lines:
            source = out / "pristine" / module
            lines[module] = (source if source.exists() else out / "tree" / module).read_text(
                encoding="utf-8").splitlines()
        code = lines[module][row - 1].strip()
        item = (module, operator.split("/")[-1], row, col, worker, test, code, diff)
        yield (job, *item) if with_job else item


def report(out: Path, markdown: Path | None = None) -> float:
    eq = _equivalents()
    per: dict[str, Counter] = defaultdict(Counter)
    survivors = []
    for module, operator, row, col, worker, test, code, _diff in _rows(out):
        if worker == "skipped":
            continue
        c = per[module]
        c["sampled"] += 1
        if worker != "normal" or test == "incompetent":
            c["incompetent"] += 1
        elif test == "killed":
            c["killed"] += 1
        else:
            reason = eq.get((module, operator, code, col))
            c["equivalent" if reason else "survived"] += 1
            survivors.append((module, row, col, operator, code, reason))
    total = sum(per.values(), Counter())
    counted = total["sampled"] - total["incompetent"] - total["equivalent"]
    rate = total["killed"] / counted if counted else 1.0
    lines = ["| module | sampled | killed | survived | equivalent | incompetent |", "|---|---|---|---|---|---|"]
    for module in sorted(per):
        c = per[module]
        lines.append(f"| {module} | {c['sampled']} | {c['killed']} | {c['survived']} | {c['equivalent']} | "
                     f"{c['incompetent']} |")
    lines.append(f"| **all** | {total['sampled']} | {total['killed']} | {total['survived']} | "
                 f"{total['equivalent']} | {total['incompetent']} |")
    summary = (f"kill rate of non-equivalent mutants: {total['killed']}/{counted} = {100 * rate:.1f} % "
               f"({total['sampled']} mutants run, {total['equivalent']} equivalent, "
               f"{total['incompetent']} incompetent)")
    print("\n".join(lines))
    print(summary)
    print("\nsurvivors (module:line:col operator  code  [equivalent: reason]):")
    for module, row, col, operator, code, reason in sorted(survivors):
        print(f"  {module}:{row}:{col} {operator}  {code}" + (f"  [equivalent: {reason}]" if reason else ""))
    if markdown is not None:
        _write_markdown(markdown, lines, summary, survivors)
    return rate


def _write_markdown(path: Path, table: list[str], summary: str, survivors: list) -> None:
    """Replace the generated part of docs/development/mutation.md (between the markers) with this run."""
    start, end = "<!-- mutation report: start -->", "<!-- mutation report: end -->"
    body = [start, "", *table, "", f"**{summary}**", "", "Surviving mutants:", "",
            "| where | operator | code | verdict |", "|---|---|---|---|"]
    for module, row, col, operator, code, reason in sorted(survivors):
        verdict = f"equivalent: {reason}" if reason else "**not equivalent**, not killed (see above)"
        body.append(f"| {module}:{row}:{col} | {operator} | `{code.replace('|', chr(92) + '|')}` | {verdict} |")
    body += ["", end]
    text = path.read_text(encoding="utf-8") if path.exists() else f"# Mutation testing\n\n{start}\n{end}\n"
    head, rest = text.split(start, 1)
    tail = rest.split(end, 1)[1]
    path.write_text(head + "\n".join(body) + tail, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["run", "rerun", "report"])
    ap.add_argument("--out", type=Path, default=Path("/tmp/mutation"))
    ap.add_argument("--sample", type=int, default=120, help="mutants to run, drawn at random (0: all)")
    ap.add_argument("--seed", type=int, default=10)
    ap.add_argument("--timeout", type=float, default=90.0, help="seconds per mutant (a timeout counts as killed)")
    ap.add_argument("--markdown", type=Path, help="write the report into this file (docs/development/mutation.md)")
    args = ap.parse_args(argv)
    if args.command == "run":
        run(args.out, args.sample, args.seed, args.timeout)
    elif args.command == "rerun":
        rerun(args.out)
    else:
        report(args.out, args.markdown)


if __name__ == "__main__":
    main()

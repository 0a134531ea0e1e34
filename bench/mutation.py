"""Mutation testing of the engine, the levers and the letter facts with mutmut 3: how many
planted bugs (operators, numbers, comparisons, string literals, arguments, names) do the tests
catch?

mutmut mutates operators *and* string literals (cosmic-ray, used before, never touched a string,
where a letter's wording and a lever's keys live). mutmut 3 leaves decorated functions alone;
the engine's hottest functions are `lru_cache`d, so the copy of the tree the run works in has
every such decorator rewritten as the plain call after the function (`f = lru_cache(...)(f)`,
the same object at run time), and mutmut mutates those functions like any other. The work
happens in a copy of the working tree (`--out`), so the repository's files are never mutated.

    python bench/mutation.py run --sample 400 --seed 26 --out /tmp/mutation   # hours on 2 busy cores
    python bench/mutation.py rerun --out /tmp/mutation --tests tests/test_lever_dates.py   # survivors vs new tests
    python bench/mutation.py report --out /tmp/mutation [--markdown docs/development/mutation.md]

Each mutant runs the tests that executed its function in a clean run (mutmut's own test
selection), cheapest first, stopping at the first failure; hypothesis draws the same
derandomized examples every time ($PLANNER_MAX_EXAMPLES, tests/conftest.py), so a mutant is
judged the same way on every run. Surviving mutants that cannot change behaviour (equivalent
mutants) are listed, each with its reason, in bench/mutation_equivalent.toml; the kill rate
counts the others: killed / (sampled - equivalent - not run).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import shutil
import subprocess
import sys
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENT = ROOT / "bench" / "mutation_equivalent.toml"
#: What is mutated: the engine (money, calendar, periods, cash flow, as-of, facts), the solver,
#: every lever (with its letter facts) and the letters' other facts (the projection, the budget).
MUTATE = ["planner/money.py", "planner/calendar.py", "planner/periods.py", "planner/cashflow.py",
          "planner/asof.py", "planner/facts.py", "planner/solver/*", "planner/levers/*",
          "planner/letters/figures.py"]
#: The tests that exercise the mutated code: the engine's, the levers', the letters' facts and
#: their re-check, the plans of the bundled scenarios, the household file's lever settings
#: (read with the levers' own settings model), and the tests written for mutants (test_mut_*).
TESTS = ["tests/test_money.py", "tests/test_calendar.py", "tests/test_calendar_households.py",
         "tests/test_properties.py", "tests/test_levers.py", "tests/test_solver.py", "tests/test_lead_times.py",
         "tests/test_asof.py", "tests/test_robust.py", "tests/test_alternatives.py", "tests/test_factcheck.py",
         "tests/test_lever_dates.py", "tests/test_letters.py",
         "tests/test_if_nothing_done.py", "tests/test_plan_contract.py", "tests/test_input_errors.py",
         "tests/test_fake_lever.py", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests").glob("test_mut_*.py"))]
EXAMPLES = 8  # hypothesis examples per property test in the mutation run
#: Left out: it starts two CLI processes to show their output is identical, which no mutant can
#: change on its own (both processes run the same mutant), and mutmut's per-test
#: bookkeeping cannot follow a subprocess.
DESELECT = ["tests/test_solver.py::test_plan_cli_json_is_identical_across_processes"]
#: Decorators rewritten as calls, so that mutmut mutates the function (mutmut skips decorated
#: functions, except for these two which it handles itself).
KEEP = {"staticmethod", "classmethod"}


def _undecorate(source: str) -> str:
    """`@dec\\ndef f(...): ...` as `def f(...): ...\\nf = dec(f)`: the same object once the
    module (or class body) has run, but a function mutmut will mutate."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    edits: list[tuple[int, int, list[str], str]] = []  # (first decorator line, end line, decorators, indent+name)
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or not node.decorator_list:
            continue
        decs = [ast.get_source_segment(source, d) or "" for d in node.decorator_list]
        if any(d in KEEP for d in decs) or any(d.endswith(".setter") or d.endswith(".deleter") for d in decs):
            continue
        start = min(d.lineno for d in node.decorator_list)
        indent = lines[node.lineno - 1][: len(lines[node.lineno - 1]) - len(lines[node.lineno - 1].lstrip())]
        edits.append((start, node.end_lineno or node.lineno, decs, indent + node.name))
    for start, end, decs, target in sorted(edits, reverse=True):
        indent, name = target[: len(target) - len(target.lstrip())], target.strip()
        call = name
        for d in reversed(decs):
            call = f"({d})({call})"
        lines.insert(end, f"{indent}{name} = {call}\n")
        del lines[start - 1: start - 1 + len(decs)]
    return "".join(lines)


#: Appended to the copy's tests/conftest.py. mutmut runs each mutant in a process forked from
#: one that has imported the package and the tests: an `lru_cache` filled there (at import, or
#: while collecting) would answer with the unmutated function's results, and the mutant of a
#: cached function would never run. Every session starts with the package's caches empty.
CLEAR_CACHES = """

def pytest_sessionstart(session):  # added by bench/mutation.py (see CLEAR_CACHES there)
    import functools
    import gc

    for obj in gc.get_objects():
        if isinstance(obj, functools._lru_cache_wrapper) and str(getattr(obj, "__module__", "")).startswith("planner"):
            obj.cache_clear()
"""


def _copy_tree(dest: Path) -> None:
    """The working tree as git sees it (tracked and new files, nothing ignored)."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    for name in listed.stdout.splitlines():
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)


def _mutated_files(tree: Path) -> list[Path]:
    out: list[Path] = []
    for pattern in MUTATE:
        out += sorted(p for p in tree.glob(pattern) if p.suffix == ".py")
    return out


def _config(tree: Path) -> str:
    """mutmut's settings, as setup.cfg in the copy (lists one item a line)."""
    tests = [t for t in TESTS if (tree / t).exists()]
    # one process (-n 0), every test of the files (the suite's defaults run on every core and leave out
    # the tests marked slow: a mutant is judged by all its tests, in the process mutmut forks)
    args = ["-p", "no:cacheprovider", "-n", "0", "-m", "slow or not slow",
            *[f"--deselect={t}" for t in DESELECT]]

    def lines(items: list[str]) -> str:
        return "".join(f"\n    {i}" for i in items)

    # what the tests read besides the package and the tests (docs/plan.schema.json, scenarios/ ...)
    extra = sorted(p.name for p in tree.iterdir() if p.name not in ("planner", "tests", "mutants", "setup.cfg"))
    return ("[mutmut]\nsource_paths = planner/\n"
            f"also_copy ={lines(extra)}\n"
            f"only_mutate ={lines(MUTATE)}\n"
            f"pytest_add_cli_args ={lines(args)}\n"
            f"pytest_add_cli_args_test_selection ={lines(tests)}\n"
            "timeout_multiplier = 10.0\ntimeout_constant = 30.0\nuse_git_change_detection = False\n")


def _env() -> dict[str, str]:
    return {**os.environ, "PLANNER_MAX_EXAMPLES": str(EXAMPLES), "PYTHONHASHSEED": "0"}


#: Generates every mutant without running a test (mutmut's `run` does this first, then runs all).
_GENERATE = """
import os
from mutmut.__main__ import create_mutants
from mutmut.utils.file_utils import copy_src_dir, copy_also_copy_files, setup_source_paths
os.makedirs("mutants", exist_ok=True)
copy_src_dir(); copy_also_copy_files(); setup_source_paths(); create_mutants(2)
"""


def _names(tree: Path) -> list[str]:
    """Every generated mutant's name (`planner.levers.deduction.x_fn__mutmut_3`)."""
    names: list[str] = []
    for meta in sorted((tree / "mutants").rglob("*.meta")):
        names += json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"].keys()
    return sorted(names)


def run(out: Path, sample: int, seed: int, children: int) -> None:
    if out.exists():
        shutil.rmtree(out)
    tree = out / "tree"
    tree.mkdir(parents=True)
    _copy_tree(tree)
    (out / "pristine").mkdir()
    for path in _mutated_files(tree):
        rel = path.relative_to(tree)
        (out / "pristine" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, out / "pristine" / rel)
        path.write_text(_undecorate(path.read_text(encoding="utf-8")), encoding="utf-8")
    with (tree / "tests" / "conftest.py").open("a", encoding="utf-8") as conftest:
        conftest.write(CLEAR_CACHES)
    (tree / "setup.cfg").write_text(_config(tree), encoding="utf-8")
    subprocess.run([sys.executable, "-c", _GENERATE], cwd=tree, env=_env(), check=True, capture_output=True)
    names = _names(tree)
    # every mutant in an order shuffled by the seed: the sample is its first `sample`, and
    # `extend` runs the next ones, so a sample grown batch by batch is still uniform (a batch
    # left unfinished would not be: mutmut runs the mutants with the quickest tests first)
    order = list(names)
    random.Random(seed).shuffle(order)
    (out / "order.json").write_text(json.dumps(order), encoding="utf-8")
    _run_batch(out, order[: sample if sample > 0 else len(order)], seed, len(names), children)


def extend(out: Path, sample: int, children: int) -> None:
    """Grow the sample of an earlier `run` to its first `sample` mutants, in the same tree."""
    chosen = json.loads((out / "sample.json").read_text(encoding="utf-8"))
    order = json.loads((out / "order.json").read_text(encoding="utf-8"))
    _run_batch(out, order[:sample], chosen["seed"], chosen["total"], children, done=frozenset(chosen["names"]))


def _run_batch(out: Path, chosen: list[str], seed: int, total: int, children: int,
               done: frozenset[str] = frozenset()) -> None:
    batch = sorted(n for n in chosen if n not in done)
    print(f"{total} mutants; running {len(batch)} more, {len(chosen)} in all (seed {seed})", flush=True)
    subprocess.run([sys.executable, "-m", "mutmut", "run", "--max-children", str(children), *batch],
                   cwd=out / "tree", env=_env(), check=False)
    (out / "sample.json").write_text(json.dumps({"total": total, "seed": seed, "names": sorted(chosen)}),
                                     encoding="utf-8")
    report(out)


def rerun(out: Path, tests: list[str], only: str = "") -> None:
    """The surviving non-equivalent mutants again, against today's `tests` (the tests added for
    them), with the same engine code: a mutant one of them fails on counts as killed."""
    mutants = out / "tree" / "mutants"
    shutil.copytree(ROOT / "tests", mutants / "tests", dirs_exist_ok=True)
    with (mutants / "tests" / "conftest.py").open("a", encoding="utf-8") as conftest:
        conftest.write(CLEAR_CACHES)
    done = _reruns(out)
    eq = _equivalents()
    codes = _results(out)
    names = json.loads((out / "sample.json").read_text(encoding="utf-8"))["names"]
    again = [n for n in names if _verdict(codes.get(n)) in ("survived", "no tests", "suspicious")
             and n not in eq and done.get(n) != "killed" and only in n]
    print(f"running {len(again)} surviving non-equivalent mutants against {' '.join(tests)}", flush=True)
    for name in again:
        env = {**_env(), "MUTANT_UNDER_TEST": name}
        r = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-n", "0",
                            "-m", "slow or not slow", *tests],
                           cwd=mutants, env=env, capture_output=True, text=True)
        done[name] = "killed" if r.returncode == 1 else "survived"
        print(f"  {name}: {done[name]}", flush=True)
        (out / "rerun.json").write_text(json.dumps(done, indent=1), encoding="utf-8")


def _reruns(out: Path) -> dict[str, str]:
    path = out / "rerun.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _verdict(code: int | None) -> str:
    """mutmut's verdict for a mutant's exit code (a timeout or a crash counts as killed)."""
    from mutmut.stats import status_by_exit_code

    status = status_by_exit_code[code]
    return "killed" if status in ("killed", "timeout", "segfault") else status


def _results(out: Path) -> dict[str, int | None]:
    codes: dict[str, int | None] = {}
    for meta in (out / "tree" / "mutants").rglob("*.meta"):
        codes.update(json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"])
    return codes


def _equivalents() -> dict[str, str]:
    if not EQUIVALENT.exists():
        return {}
    data = tomllib.loads(EQUIVALENT.read_text(encoding="utf-8"))
    return {e["mutant"]: e["reason"] for e in data.get("equivalent", [])}


def _module(name: str) -> str:
    head = name.split(".x")[0] if ".x" in name else name.rsplit(".", 1)[0]
    return head.replace(".", "/") + ".py"


def _diff(out: Path, name: str) -> str:
    shown = subprocess.run([sys.executable, "-m", "mutmut", "show", name], cwd=out / "tree", env=_env(),
                           capture_output=True, text=True)
    return "\n".join(line for line in shown.stdout.splitlines()
                     if line[:1] in "+-" and not line.startswith(("+++", "---")))


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a proportion k/n (95 % for z = 1.96): what the kill rate of
    all the mutants may be, given the sample's (the normal approximation fails near 100 %)."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def report(out: Path, markdown: Path | None = None) -> float:
    eq = _equivalents()
    chosen = json.loads((out / "sample.json").read_text(encoding="utf-8"))
    codes = _results(out)
    per: dict[str, Counter[str]] = defaultdict(Counter)
    survivors: list[tuple[str, str, str]] = []
    total_rerun = [0]
    again = _reruns(out)
    for name in chosen["names"]:
        verdict = _verdict(codes.get(name))
        if verdict != "killed" and again.get(name) == "killed":
            verdict = "killed"  # by `rerun`: a test added since, or a fresh process
            total_rerun[0] += 1
        c = per[_module(name)]
        c["sampled"] += 1
        if verdict == "killed":
            c["killed"] += 1
        elif verdict in ("survived", "no tests", "suspicious"):
            if name in eq:
                c["equivalent"] += 1
            else:
                c["survived"] += 1
            survivors.append((name, verdict, eq.get(name, "")))
        else:
            c["not run"] += 1
    total = sum(per.values(), Counter())
    counted = total["sampled"] - total["equivalent"] - total["not run"]
    rate = total["killed"] / counted if counted else 1.0
    table = ["| module | sampled | killed | survived | equivalent | not run |", "|---|---|---|---|---|---|"]
    for module in sorted(per):
        c = per[module]
        table.append(f"| {module} | {c['sampled']} | {c['killed']} | {c['survived']} | {c['equivalent']} | "
                     f"{c['not run']} |")
    table.append(f"| **all** | {total['sampled']} | {total['killed']} | {total['survived']} | "
                 f"{total['equivalent']} | {total['not run']} |")
    low, high = wilson(total["killed"], counted)
    summary = (f"kill rate of non-equivalent mutants: {total['killed']}/{counted} = {100 * rate:.1f} % "
               f"(95 % confidence interval {100 * low:.1f}-{100 * high:.1f} %; "
               f"{total['sampled']} of {chosen['total']} mutants sampled with seed {chosen['seed']}, "
               f"{total['equivalent']} equivalent, {total['not run']} not run"
               + (f"; {total_rerun[0]} of the killed by `rerun`, in a fresh process)" if total_rerun[0] else ")"))
    print("\n".join(table))
    print(summary)
    rows = []
    for name, verdict, reason in sorted(survivors):
        diff = _diff(out, name)
        rows.append((name, verdict, diff, reason))
        print(f"\n{name} [{verdict}]" + (f" equivalent: {reason}" if reason else ""))
        print(diff)
    if markdown is not None:
        _write_markdown(markdown, table, summary, rows)
    return rate


def _write_markdown(path: Path, table: list[str], summary: str, rows: list[tuple[str, str, str, str]]) -> None:
    """Replace the generated part of the page (between the markers) with this run."""
    start, end = "<!-- mutation report: start -->", "<!-- mutation report: end -->"
    body = [start, "", *table, "", f"**{summary}**", "", "Surviving mutants:", "",
            "| mutant | result | change | verdict |", "|---|---|---|---|"]
    for name, verdict, diff, reason in rows:
        change = " → ".join(f"`{line[1:].strip()}`".replace("|", "\\|") for line in diff.splitlines()[:2])
        body.append(f"| {name} | {verdict} | {change} | {('equivalent: ' + reason) if reason else '**not killed**'} |")
    body += ["", end]
    text = path.read_text(encoding="utf-8") if path.exists() else f"# Mutation testing\n\n{start}\n{end}\n"
    head, rest = text.split(start, 1)
    path.write_text(head + "\n".join(body) + rest.split(end, 1)[1], encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["run", "extend", "rerun", "report"])
    ap.add_argument("--out", type=Path, default=Path("/tmp/mutation"))
    ap.add_argument("--sample", type=int, default=400, help="mutants to run, drawn at random (0: all)")
    ap.add_argument("--seed", type=int, default=26)
    ap.add_argument("--children", type=int, default=2, help="mutants run at once")
    ap.add_argument("--markdown", type=Path, help="write the report into this file")
    ap.add_argument("--tests", nargs="+", default=["tests/test_lever_dates.py"],
                    help="rerun: the tests to run the survivors against")
    ap.add_argument("--only", default="", help="rerun: only the survivors whose name contains this")
    args = ap.parse_args(argv)
    if args.command == "run":
        run(args.out, args.sample, args.seed, args.children)
    elif args.command == "extend":
        extend(args.out, args.sample, args.children)
    elif args.command == "rerun":
        rerun(args.out, args.tests, args.only)
    else:
        report(args.out, args.markdown)


if __name__ == "__main__":
    main()

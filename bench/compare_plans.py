"""Plan JSON before and after a change, compared byte for byte.

    python bench/compare_plans.py write /tmp/plans-before --code /work/main   # the code of main
    python bench/compare_plans.py write /tmp/plans-after                      # this checkout
    python bench/compare_plans.py compare /tmp/plans-before /tmp/plans-after

`write` runs `planner plan FILE --format json --as-of 2026-11-29` (in-process, through the
command line's own code, so the JSON is exactly what a caseworker's tools read) for every
bundled scenario (`scenarios/*.toml`) and for 200 generated households, and writes each plan
to `DIR/<household id>.json`; the generated household files go to `DIR/households/`, so a
difference can be reproduced by hand. The generator is plain `random.Random(seed)` over dicts
written as JSON household files: it imports nothing from `planner`, so "before" and "after"
plan the very same files whatever the code under test. `--code DIR` imports `planner` (and its command line)
from that checkout instead of this one.

`compare` lists plans missing on either side and every plan whose bytes differ (with the first
lines of a diff), and exits with status 1 if anything differs: a refactor that claims
"behaviour unchanged" shows it here.
"""

from __future__ import annotations

import argparse
import difflib
import json
import random
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-29"
RULE_DAY_KINDS = ["uforetrygd", "alderspensjon", "overgangsstonad", "sykepenger", "foreldrepenger", "barnetrygd",
                  "kontantstotte", "bidragsforskudd", "bostotte"]
EVERY_KINDS = ["aap", "dagpenger"]
DAY_NEEDED_KINDS = ["lonn", "sosialhjelp", "annen", "barnebidrag"]
OTHER_EXPENSES = ["strom", "telefon", "forsikring", "barnehage", "transport", "lan"]
LEVERS = ["rent_day", "rent_instalments", "bostotte_to_landlord", "deduction", "move_payout", "repayment_plan"]


def _kroner(rng: random.Random, lo: int, hi: int) -> int | float:
    """Whole kroner mostly; now and then with øre (a JSON number such as 1880.1)."""
    kr = rng.randint(lo, hi)
    return kr + rng.choice([0, 0, 0, 10, 55, 99]) / 100 if rng.random() < 0.25 else kr


def _income(rng: random.Random, kind: str, start: date) -> dict:
    s: dict = {"kind": kind, "amount": _kroner(rng, 300, 18000)}
    if kind in EVERY_KINDS:
        if rng.random() < 0.8:
            s["every_days"] = 14
        # the observed payout: often before the horizon (up to 40 days), sometimes inside it
        s["first"] = (start + timedelta(days=rng.randint(-40, 13))).isoformat()
        if kind == "aap" and date(2025, 10, 1) <= start <= date(2025, 12, 20) and rng.random() < 0.5:
            s["exceptions"] = ["jul-2025"]
    elif kind in DAY_NEEDED_KINDS or rng.random() < 0.3:
        s["day"] = rng.choice([1, 5, 10, 12, 15, 20, 25, 28, 31])
    if kind not in EVERY_KINDS and rng.random() < 0.15:
        s["month_day"] = {rng.choice(["5", "12", "2026-12", "2025-05"]): rng.randint(1, 28)}
    if rng.random() < 0.15:
        s["shift"] = rng.choice(["before", "after", "none"])
    if rng.random() < 0.1:
        s["month_amounts"] = {rng.choice(["12", "6", "2026-12"]): _kroner(rng, 300, 18000)}
    return s


def household(rng: random.Random, n: int) -> dict:
    """One valid household file as a dict (JSON-ready): every schedule form, floors, levers."""
    start = date(2024, 1, 1) + timedelta(days=rng.randint(0, 3 * 365))
    if rng.random() < 0.7:
        start = start.replace(day=1)
    months = rng.choice([1, 2, 3, 3, 4, 6, 6, 12])
    doc: dict = {"id": f"gen-{n:03d}", "start": start.isoformat(), "months": months,
                 "opening_balance": _kroner(rng, -2000, 20000),
                 "min_balance": rng.choice([0, 0, 0, 500, 1000, -500, rng.randint(-3000, 3000)])}
    if rng.random() < 0.1:
        doc["profile"] = "seed-2006"
    incomes = []
    for i in range(rng.randint(1, 4)):
        kind = rng.choice(RULE_DAY_KINDS + EVERY_KINDS + DAY_NEEDED_KINDS)
        s = _income(rng, kind, start)
        if any(x["kind"] == kind for x in incomes):
            s["name"] = f"{kind}-{i}"
        incomes.append(s)
    doc["income"] = incomes
    rent: dict = {"kind": "husleie", "amount": _kroner(rng, 3000, 16000),
                  "day": rng.choice([1, 1, 1, 5, 10, 15, 20, 28, 31])}
    if rng.random() < 0.15:
        rent["shift"] = "before"
    if rng.random() < 0.2:
        rent["name"] = "husleie-kommunal"
    if rng.random() < 0.1:
        rent["month_amounts"] = {"12": _kroner(rng, 3000, 16000)}
    expenses = [rent]
    for kind in rng.sample(OTHER_EXPENSES, rng.randint(0, 2)):
        e: dict = {"kind": kind, "amount": _kroner(rng, 100, 3000)}
        if rng.random() < 0.3:
            e["every_days"] = rng.choice([14, 28, 30])
            e["first"] = (start + timedelta(days=rng.randint(-30, 20))).isoformat()
        else:
            e["day"] = rng.randint(1, 31)
        expenses.append(e)
    doc["expense"] = expenses
    doc["living"] = {"monthly": _kroner(rng, 0, 15000)}
    if rng.random() < 0.2:
        doc["arrears"] = {"amount": _kroner(rng, 1000, 25000), "creditor": "utleier"}
    levers: dict = {}
    streams = [s.get("name", s["kind"]) for s in incomes]
    if rng.random() < 0.3:
        levers["forbid"] = rng.sample(LEVERS, rng.randint(1, 2))
    if rng.random() < 0.3:
        levers["move_payout"] = rng.sample(streams, 1)
    if rng.random() < 0.3:
        levers["deduction_from"] = rng.sample(streams, 1)
    if rng.random() < 0.3:
        levers["rent_days"] = sorted(rng.sample([1, 5, 10, 15, 20, 25], rng.randint(1, 3)))
    if rng.random() < 0.2:
        levers["rent_instalments"] = rng.randint(1, 3)
    if rng.random() < 0.2:
        levers["repay_months"] = rng.randint(1, 12)
    if levers:
        doc["levers"] = levers
    return doc


def write(out: Path, n: int, seed: int, code: Path) -> None:
    sys.path.insert(0, str(code))
    from click.testing import CliRunner

    import planner
    try:
        from planner.cli import main as cli_main
    except ImportError:  # a checkout from before the command line moved into the package
        from cli import main as cli_main  # type: ignore[no-redef]

    used = Path(planner.__file__).resolve().parent.parent
    if used != code:
        raise SystemExit(f"planner was imported from {used}, not from {code}")

    out.mkdir(parents=True, exist_ok=True)
    homes = out / "households"
    homes.mkdir(exist_ok=True)
    files = sorted((ROOT / "scenarios").glob("*.toml"))
    rng = random.Random(seed)
    for i in range(n):
        doc = household(rng, i)
        path = homes / f"{doc['id']}.json"
        path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        files.append(path)
    runner = CliRunner()
    failed = 0
    for k, path in enumerate(files, 1):
        res = runner.invoke(cli_main, ["plan", str(path), "--format", "json", "--as-of", AS_OF])
        # stdout exactly as printed; a refused file or a failure is recorded, not hidden
        text = res.stdout if res.exit_code == 0 else f"exit {res.exit_code}\n{res.output}"
        failed += res.exit_code != 0
        (out / f"{path.stem}.json").write_text(text, encoding="utf-8")
        if k % 25 == 0 or k == len(files):
            print(f"{k}/{len(files)} plans written", flush=True)
    print(f"{len(files)} plans in {out} ({failed} not planned: see their files); code from {used}")


def compare(a: Path, b: Path, show: int = 20) -> int:
    names_a = {p.name for p in a.glob("*.json")}
    names_b = {p.name for p in b.glob("*.json")}
    differ = []
    for name in sorted(names_a & names_b):
        if (a / name).read_bytes() != (b / name).read_bytes():
            differ.append(name)
    for name in sorted(names_a - names_b):
        print(f"only in {a}: {name}")
    for name in sorted(names_b - names_a):
        print(f"only in {b}: {name}")
    for name in differ:
        print(f"differs: {name}")
        diff = difflib.unified_diff((a / name).read_text(encoding="utf-8").splitlines(),
                                    (b / name).read_text(encoding="utf-8").splitlines(),
                                    str(a / name), str(b / name), lineterm="", n=1)
        for line in list(diff)[:show]:
            print("   ", line)
    same = len(names_a & names_b) - len(differ)
    print(f"{same} of {len(names_a | names_b)} plans byte-identical")
    return 0 if same == len(names_a | names_b) else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    w = sub.add_parser("write", help="write every plan's JSON into a folder")
    w.add_argument("out", type=Path)
    w.add_argument("--households", type=int, default=200)
    w.add_argument("--seed", type=int, default=10)
    w.add_argument("--code", type=Path, default=ROOT, help="checkout whose planner to run (default: this one)")
    c = sub.add_parser("compare", help="compare two folders byte for byte")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    c.add_argument("--show", type=int, default=20, help="diff lines shown per differing plan")
    args = ap.parse_args(argv)
    if args.command == "write":
        write(args.out, args.households, args.seed, args.code.resolve())
        return 0
    return compare(args.a, args.b, args.show)


if __name__ == "__main__":
    sys.exit(main())

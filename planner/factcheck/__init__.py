"""The independent check of every fact a person reads, as `cashflow.simulate` is of every plan.

Each fact (`planner.facts.Fact`) a letter shows is re-derived here from the plan's transactions,
the household's own schedule and the plan's figures, by code written apart from the code that
stated it (this module imports neither `planner.facts`' builders nor the levers nor the
letters): the first trekk is the first `deduction` transaction of its stream; the month a
bostøtte payout is for is the month before the payout's month (Husbanken pays in arrears), and
the tenant must not have paid that month in full; averages are sums over the months they name;
a month table lists every month that changes. A key without a rule here is itself a mismatch.

`check_text` then reads the rendered text and finds every date, amount and month in it: each
must be the text of a fact that was shown, so a template that computes a date of its own, or
prints a figure it was never given as a fact, fails.

The rules are one per fact key, in `lever_facts` (each lever's facts) and `plan_facts` (the
plan-wide ones), registered with `truth.rule`; this module holds the checks that use them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from ..calendar import is_bank_day
from ..results import Plan
from . import lever_facts, plan_facts  # noqa: F401  (registers their rules)
from .entitlement_facts import check_entitlement_facts
from .truth import RULES, FactMismatch, Problem, Rule, Truth, rule

# --------------------------------------------------------------------------- the checks


def check_facts(household: Any, plan: Plan, shown: Iterable[tuple[Any, str]]) -> list[Problem]:
    """Every shown fact re-derived; the problems (empty: every fact holds)."""
    shown = list(shown)
    by_key: dict[str, list[Any]] = {}
    for f, _ in shown:
        by_key.setdefault(f.key, []).append(f)
    reply = by_key.get("letter.reply_by", [None])[0]
    anchor = reply.value if reply is not None and plan.as_of is None else None
    truth = Truth(household, plan, anchor)
    problems: list[Problem] = []
    seen: set[tuple[str, str, Any]] = set()
    for f, _ in shown:
        if (f.key, f.subject, f.value) in seen:
            continue
        seen.add((f.key, f.subject, f.value))
        fn = RULES.get(f.key)
        why = f"no rule checks {f.key}" if fn is None else fn(f, truth)
        if why:
            problems.append(Problem(f.key, f.subject, f.value, why))
    if reply is not None:
        problems += _reply_problems(reply, by_key, plan)
    months = sorted({f.value for f in by_key.get("change.month", [])})
    if months and months != truth.changed_months():
        problems.append(Problem("change.month", "", months, f"the months that change are {truth.changed_months()}"))
    return problems


def _reply_problems(reply: Any, by_key: dict[str, list[Any]], plan: Plan) -> list[Problem]:
    """The answer-by day: not before the letter's date, a bank day, and in time for every request."""
    problems = []
    letter = by_key.get("letter.date", [None])[0]
    if letter is not None and reply.value < letter.value:
        problems.append(Problem("letter.reply_by", "", reply.value, f"the letter is dated {letter.value}"))
    if letter is not None and reply.value > letter.value and not is_bank_day(reply.value):
        problems.append(Problem("letter.reply_by", "", reply.value, "an answer-by day is a bank day"))
    if plan.as_of is not None:
        for f in by_key.get("request_by", []):
            if reply.value > f.value:
                problems.append(Problem("letter.reply_by", f.subject, reply.value, f"{f.subject} must be asked by {f.value}"))
    return problems


_MONTHS = {"nb": "januar|februar|mars|april|mai|juni|juli|august|september|oktober|november|desember",
           "en": "January|February|March|April|May|June|July|August|September|October|November|December"}
_PATTERNS = {
    "nb": [r"\b\d{2}\.\d{2}\.\d{4}\b", r"-?\d{1,3}(?:[ \u00a0\u202f]\d{3})*,\d{2}[ \u00a0]kr\b",
           rf"\b(?:{_MONTHS['nb']}) \d{{4}}\b"],
    "en": [rf"\b\d{{1,2}} (?:{_MONTHS['en']}) \d{{4}}\b", r"(?:minus )?NOK \d{1,3}(?:,\d{3})*\.\d{2}\b",
           rf"(?<!\d )\b(?:{_MONTHS['en']}) \d{{4}}\b"],
}


def _norm(s: str) -> str:
    return re.sub(r"[\u00a0\u202f]", " ", s)


def check_text(text: str, shown: Iterable[tuple[Any, str]], lang: str) -> list[Problem]:
    """Every date, amount and month in `text` is the text of a fact that was shown."""
    known = {_norm(s) for _, s in shown}
    text = _norm(text)
    problems = []
    for pat in _PATTERNS[lang]:
        for m in re.finditer(pat, text):
            if m.group(0) not in known:
                problems.append(Problem("text", "", m.group(0), "it is no fact of the plan"))
        text = re.sub(pat, " ", text)
    return problems


def require(household: Any, plan: Plan, shown: Sequence[tuple[Any, str]], text: str, lang: str, what: str) -> None:
    """Raise `FactMismatch` naming each problem: a letter that fails is never written."""
    problems = check_facts(household, plan, shown) + check_text(text, shown, lang)
    if problems:
        raise FactMismatch(f"{what}: {len(problems)} statement(s) do not match the plan: "
                           + "; ".join(str(p) for p in problems[:5]))


__all__ = ["RULES", "FactMismatch", "Problem", "Rule", "Truth", "check_entitlement_facts", "check_facts", "check_text",
           "require", "require_entitlement", "rule"]


def require_entitlement(h: Any, as_of: date, shown: Sequence[tuple[Any, str]], text: str, lang: str,
                        what: str) -> None:
    """Raise `FactMismatch` naming each problem of a bostøtte letter: it is then never written."""
    problems = check_entitlement_facts(h, as_of, shown) + check_text(text, shown, lang)
    if problems:
        raise FactMismatch(f"{what}: {len(problems)} statement(s) do not match: "
                           + "; ".join(str(p) for p in problems[:5]))

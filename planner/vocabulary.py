"""The Norwegian words for the planner's machine values, as caseworkers read them.

The files other programs read keep their machine values (`status = planned`, `problem = timing`,
`actors = landlord; tenant`): scripts and the plan contract rely on them. What a person reads
(summaries, the CSV for Excel, the sheets) shows these words instead; a value without an entry
is shown as it is.
"""

from __future__ import annotations

#: a household's status in the batch results
STATUS_NB = {
    "solvent": "I orden uten tiltak", "planned": "Plan funnet", "infeasible": "Ingen plan",
    "timeout": "Tidsavbrudd", "failed": "Feilet", "error": "Feil i inndata", "not planned": "Ikke planlagt",
}
#: what kind of problem the check found
PROBLEM_NB = {"none": "Ingen", "timing": "Tidsproblem", "income": "Inntektsproblem"}
#: who must act on a plan's interventions
ACTOR_NB = {"tenant": "Leietaker", "landlord": "Utleier", "nav": "NAV", "husbanken": "Husbanken",
            "creditor": "Kreditor", "sosialtjenesten": "Sosialtjenesten", "kemneren": "Kemneren"}


def status_nb(key: str) -> str:
    return STATUS_NB.get(key, key)


def problem_nb(key: str) -> str:
    return PROBLEM_NB.get(key, key)


def actors_nb(text: str) -> str:
    """'landlord; tenant' -> 'Utleier; Leietaker'."""
    return "; ".join(ACTOR_NB.get(a.strip(), a.strip()) for a in text.split(";") if a.strip())


__all__ = ["ACTOR_NB", "PROBLEM_NB", "STATUS_NB", "actors_nb", "problem_nb", "status_nb"]

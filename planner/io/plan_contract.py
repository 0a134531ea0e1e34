"""The plan contract (`planner.plan/1`) as pydantic models: the one source of
`docs/plan.schema.json` and its packaged copy `planner/data/plan.schema.json`.

Why models and not a hand-written schema: a schema written by hand next to the code drifts
from it, and a field documented in two places is documented wrongly in one. The models say
what a plan document holds; `plan_schema()` turns them into the JSON Schema that
`planner.io.plan_schema` checks every plan against, and `python -m planner.io.plan_contract`
writes both schema files (`--check` only compares). A test fails when either file differs
from the generated schema.

The plan itself stays a dataclass (`planner.results.Plan`, written by its `to_json`): the
models describe the document, they do not make it. `validate_plan` checks a document with the
models too (`tests/test_plan_contract.py` runs both checks on every bundled scenario).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.json_schema import GenerateJsonSchema

FORMAT = "planner.plan/1"

Month = Annotated[str, Field(pattern="^[0-9]{4}-[0-9]{2}$")]
Day = Annotated[int, Field(ge=1, le=31)]
NonNegative = Annotated[int, Field(ge=0)]
Positive = Annotated[int, Field(ge=1)]


class _Open(BaseModel):
    """A part of the contract that may gain fields ("fields may be added"): extra keys pass."""

    model_config = ConfigDict(extra="allow")


# ----------------------------------------------------------------------------- baseline


class Horizon(_Open):
    start: dt.date
    end: dt.date


class BaselineMonth(_Open):
    month: Month
    income_ore: int
    outgoings_ore: int
    net_ore: int
    lowest_ore: int
    lowest_date: dt.date
    end_balance_ore: int


class Baseline(_Open):
    problem: Literal["none", "timing", "income"]
    min_balance_ore: int
    min_balance_date: dt.date
    first_shortfall: dt.date | None
    days_below_floor: NonNegative
    floor_ore: int = 0
    opening_buffer_ore: NonNegative = 0
    months: list[BaselineMonth] = []


# ------------------------------------------------------------------- intervention params
# One model per lever: the parameters a lever's plan must carry. They are checked when the
# intervention's `lever` names them (an if/then per lever in the schema).


class RentDayParams(_Open):
    day: Day


class RentInstalmentsParams(_Open):
    days: Annotated[list[Day], Field(min_length=2)]
    amounts_ore: Annotated[list[NonNegative], Field(min_length=2)]


class BostotteToLandlordParams(_Open):
    stream: Any


class DeductionParams(_Open):
    stream: Any
    amount_ore: Positive


class MovePayoutParams(_Open):
    stream: Any
    from_day: Any
    to_day: Any


class RepaymentPlanParams(_Open):
    day: Day
    amount_ore: Positive = Field(description="The first (largest) instalment: never 0 kr; amount_ore * months "
                                             "covers arrears_ore.")
    months: Positive = Field(description="The number of instalments; the first falls inside the horizon, later "
                                         "ones may fall after it.")
    arrears_ore: Positive = 1


class OpeningBufferParams(_Open):
    amount_ore: Positive
    source: Literal["own_money", "sosial_engangs", "sosial_nodhjelp"] = "own_money"
    needed_by: dt.date = dt.date(1, 1, 1)


class PostponedMonth(_Open):
    rent_month: Any
    old_date: Any
    new_date: Any
    amount_ore: Positive


class BetalingsutsettelseParams(_Open):
    months: Annotated[list[PostponedMonth], Field(min_length=1, max_length=2)]


class SokBostotteParams(_Open):
    stream: Any
    amount_ore: Positive = Field(description="The estimated bostøtte per month (an estimate, not a decision): "
                                             "booked as income of `stream` from first_payout.")
    deadline: dt.date
    for_month: str
    first_payout: dt.date


LEVER_PARAMS: dict[str, type[BaseModel]] = {
    "rent_day": RentDayParams,
    "rent_instalments": RentInstalmentsParams,
    "bostotte_to_landlord": BostotteToLandlordParams,
    "deduction": DeductionParams,
    "move_payout": MovePayoutParams,
    "repayment_plan": RepaymentPlanParams,
    "opening_buffer": OpeningBufferParams,
    "betalingsutsettelse": BetalingsutsettelseParams,
    "sok_bostotte": SokBostotteParams,
}

Lever = Literal["rent_day", "rent_instalments", "bostotte_to_landlord", "deduction", "move_payout",
                "repayment_plan", "opening_buffer", "betalingsutsettelse", "sok_bostotte"]


class Intervention(_Open):
    lever: Lever
    effective_from: dt.date | None = Field(None, description=(
        "The first booking the intervention changes (lead times); before it the current schedule runs. "
        "null only for a plan without an as-of date."))
    request_by: dt.date | None = Field(None, description=(
        "The latest day to ask for the intervention for the plan to hold; a letter's answer-by date is never later."))
    actors: Annotated[list[str], Field(min_length=1)]
    cost: NonNegative
    summary: Annotated[str, Field(min_length=1)]
    reason: str = ""
    params: dict[str, Any]

    @model_validator(mode="after")
    def _params_fit_the_lever(self) -> Intervention:
        """The schema's per-lever if/then, for `validate_plan`."""
        LEVER_PARAMS[self.lever].model_validate(self.params)
        return self


# ---------------------------------------------------------------------------- shortfall


class Shortfall(_Open):
    monthly_ore: NonNegative | None
    one_time_ore: NonNegative
    binding_days: list[dt.date]
    unplannable_arrears_ore: Positive = Field(1, description=(
        "Arrears no repayment plan can start on within the horizon (its first instalment would fall after "
        "it): the plan is infeasible and one_time_ore includes them."))
    unchanged_monthly_ore: NonNegative | None = Field(None, description=(
        "The monthly sum that suffices with nothing else changed (no lever), with the start buffer; null: "
        "no monthly sum does."))
    unchanged_one_time_ore: NonNegative = Field(0, description=(
        "The one-time sum that suffices with nothing else changed (no lever)."))


class Stream(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stream: str
    kind: str
    late_days: NonNegative


# ------------------------------------------------------------------------ if nothing done


class Settlement(_Open):
    step: Any
    notice_date: Any
    deadline: Any
    paid_on: Any
    amount_ore: Any


class EvictionStep(_Open):
    key: str
    name_nb: str = ""
    name_en: str = ""
    date: dt.date
    legal_basis: str = ""
    cost_ore: int
    principal_ore: int = 0
    interest_ore: int = 0
    claim_ore: int
    costs: list[Any] = []


class IfNothingDone(_Open):
    format: Literal["planner.eviction/1"]
    status: Literal["no arrears", "arrears", "settled"] = Field(description=(
        "settled: every claim can be paid from the household's own account by a notice's deadline, so the "
        "process stops there (see settlements)"))
    settlements: list[Settlement] = []
    cost_of_waiting_ore: NonNegative = 0
    household: str | None = None
    first_due: dt.date | None = None
    request_date: dt.date | None
    eviction_date: dt.date | None
    cure_amount_ore: NonNegative
    cure_principal_ore: NonNegative = 0
    cure_interest_ore: NonNegative = 0
    cure_costs_ore: NonNegative = 0
    cure_deadline: dt.date | None
    existing_arrears_ore: NonNegative = 0
    steps: list[EvictionStep]
    arrears_by_month: dict[str, int]
    unpaid_rents: list[Any] = []
    fees: dict[str, Any] | None = None
    notes: list[str] = []


# ---------------------------------------------------------------------------- transactions

_NEEDS_RENT_MONTH = ["husleie", "bostotte_direct", "deduction"]
_NEEDS_STREAM = ["income", "bostotte_direct", "deduction"]


class Transaction(_Open):
    model_config = ConfigDict(extra="allow", json_schema_extra={"allOf": [
        {"if": {"properties": {"kind": {"enum": list(_NEEDS_RENT_MONTH)}}}, "then": {"required": ["rent_month"]}},
        {"if": {"properties": {"kind": {"enum": list(_NEEDS_STREAM)}}}, "then": {"required": ["stream"]}},
    ]})

    date: dt.date
    account: Literal["tenant", "landlord"]
    kind: str
    stream: str = ""
    rent_month: Month = "0000-00"
    amount_ore: int

    @model_validator(mode="before")
    @classmethod
    def _kind_needs(cls, data: Any) -> Any:
        """The schema's if/then on `kind`, for `validate_plan`."""
        if isinstance(data, dict):
            kind = data.get("kind")
            if kind in _NEEDS_RENT_MONTH and "rent_month" not in data:
                raise ValueError(f"a {kind} booking needs rent_month")
            if kind in _NEEDS_STREAM and "stream" not in data:
                raise ValueError(f"a {kind} booking needs stream")
        return data


# ------------------------------------------------------------------------------- the plan


class PlanDocument(_Open):
    """The plan contract of design.md. Amounts are integer øre in fields ending _ore; dates are ISO
    8601. Fields may be added; a field's meaning never changes without a new format tag."""

    format: Literal["planner.plan/1"]
    household: Annotated[str, Field(min_length=1)]
    horizon: Horizon
    status: Literal["solvent", "planned", "infeasible"]
    baseline: Baseline
    interventions: list[Intervention]
    cost: NonNegative
    min_balance_ore: int
    min_balance_date: dt.date
    shortfall: Shortfall | None
    opening_balance_ore: int = Field(0, description="The balance on the as-of day (the horizon's first day).")
    as_of: dt.date | None = Field(None, description=(
        "The day the plan was made; nothing before it is planned. null: no as-of date given (every lever "
        "acts from the first day)."))
    horizon_note: Literal["", "truncated", "rolled"] = Field("", description=(
        "'' (as given), 'truncated' (the horizon began before as_of: planned for what remains) or 'rolled' "
        "(rolled forward from as_of for the same number of months)."))
    floor_ore: int = 0
    opening_buffer_ore: NonNegative = 0
    lateness_ore_days: NonNegative = 0
    optimal: bool = True
    robust: bool = Field(True, description=(
        "The balance stays at or above the floor when each payout comes up to its stream's late_days bank "
        "days late, each independently. False: it holds only with payouts on their days (--on-time, or no "
        "robust plan exists)."))
    late_min_balance_ore: int | None = Field(None, description=(
        "The lowest balance with every payout at its latest: the worst case of any delays."))
    criterion: Literal["best", "no_agency", "least_late", "highest_low"] = Field("best", description=(
        "What the plan is best at: the best plan (least to ask), or an alternative's criterion."))
    streams: list[Stream] = Field([], description=(
        "Per income stream, how many bank days late its payouts may come with the plan still holding; every "
        "income-derived transaction's stream is listed here."))
    alternatives: list[PlanDocument] = Field([], description=(
        "Other plans that ask different things of different people, each verified and explained like this "
        "one; they carry no alternatives of their own."))
    explanation: list[str] = []
    if_nothing_done: IfNothingDone | None = Field(None, description=(
        "What happens if nothing is done (format planner.eviction/1, see docs/methods/eviction.md): the "
        "eviction process projected for the schedule as it stands. null when the household has no problem "
        "and owes nothing."))
    if_granted: IfGranted | None = Field(None, description=(
        "Beside a plan that may not count on bostøtte (no application confirmed, no bostøtte stream, an "
        "estimate at or above Husbanken's minimum payout): the estimate and the plan as if the application "
        "were made and granted (an estimate, not a decision; see docs/methods/bostotte.md). Absent or null "
        "otherwise."))
    transactions: list[Transaction]

    @model_validator(mode="before")
    @classmethod
    def _alternatives_are_flat(cls, data: Any) -> Any:
        """An alternative carries no alternatives of its own, and the plan "if granted" no
        "if granted" of its own (the schema's `not required`)."""
        if isinstance(data, dict):
            for alt in data.get("alternatives") or []:
                if isinstance(alt, dict) and "alternatives" in alt:
                    raise ValueError("an alternative carries no alternatives of its own")
            granted = data.get("if_granted")
            if isinstance(granted, dict) and isinstance(granted.get("plan"), dict) and "if_granted" in granted["plan"]:
                raise ValueError("the plan if granted carries no if_granted of its own")
        return data


class IfGranted(_Open):
    """The plan "if granted" (planner.entitlement.granted): the estimated bostøtte with its
    application deadline and first payout, and the plan that counts on it from that payout."""

    amount_ore: Positive = Field(description="The estimated bostøtte per month (an estimate, not a decision).")
    deadline: dt.date = Field(description="The application deadline for `for_month`.")
    for_month: Month
    first_payout: dt.date = Field(description="The bank day of the first payout, paid in arrears.")
    plan: PlanDocument | None = Field(description=(
        "The plan with the application confirmed (lever sok_bostotte); it carries no if_granted of its own. "
        "null: no plan was found in the solver's time."))


PlanDocument.model_rebuild()


def validate_plan(doc: object) -> PlanDocument:
    """`doc` as the models read it; pydantic's `ValidationError` when it breaks the contract."""
    return PlanDocument.model_validate(doc)


# ------------------------------------------------------------------------- the schema


class _ContractSchema(GenerateJsonSchema):
    """pydantic's generator without the defaults: a default is how the models read a missing
    field, not part of the contract (`to_json` writes what it writes)."""

    def default_schema(self, schema: Any) -> Any:
        return self.generate_inner(schema["schema"])


#: the order of a schema's keys in the files, so they read like a hand-written one
_KEY_ORDER = ["$schema", "$id", "title", "description", "type", "const", "enum", "format", "pattern",
              "minimum", "maximum", "minLength", "minItems", "maxItems", "required", "properties",
              "additionalProperties", "items", "allOf", "not", "if", "then"]


def _key(k: str) -> tuple[int, str]:
    return (_KEY_ORDER.index(k), "") if k in _KEY_ORDER else (len(_KEY_ORDER), k)


def _tidy(node: Any, defs: dict[str, Any], props: bool = False) -> Any:
    """`node` with every `$defs` reference inlined, pydantic's titles and `additionalProperties:
    true`/empty `items` dropped, `anyOf [X, null]` folded into X with `null` in its type, and keys
    in `_KEY_ORDER`: the deterministic post-processing of `plan_schema`."""
    if isinstance(node, list):
        return [_tidy(n, defs) for n in node]
    if not isinstance(node, dict):
        return node
    if props:  # a `properties` mapping: its keys are field names, kept in the models' order
        return {k: _tidy(v, defs) for k, v in node.items()}
    if "$ref" in node and node["$ref"].startswith("#/$defs/"):
        return _tidy(defs[node["$ref"].removeprefix("#/$defs/")], defs)
    out: dict[str, Any] = {}
    for k, v in node.items():
        if k in ("title", "$defs") or (k == "additionalProperties" and v is True) or (k == "items" and v == {}):
            continue
        out[k] = _tidy(v, defs, props=(k == "properties"))
    any_of = out.get("anyOf")
    if isinstance(any_of, list) and len(any_of) == 2 and {"type": "null"} in any_of:
        other = next(s for s in any_of if s != {"type": "null"})
        if isinstance(other.get("type"), str):
            del out["anyOf"]
            out = {**other, **out, "type": [other["type"], "null"]}
    return {k: out[k] for k in sorted(out, key=_key)}


def plan_schema() -> dict[str, Any]:
    """The JSON Schema of `planner.plan/1`, generated from `PlanDocument`."""
    raw = PlanDocument.model_json_schema(schema_generator=_ContractSchema)
    defs: dict[str, Any] = raw.get("$defs", {})
    if "$ref" in raw:  # a recursive model (alternatives) is generated as a reference to itself
        raw = defs.pop("PlanDocument")
    # each lever's parameters, checked when `lever` names it
    rules = []
    for lever, model in LEVER_PARAMS.items():
        params = model.model_json_schema(schema_generator=_ContractSchema)
        defs.update(params.get("$defs", {}))
        rules.append({"if": {"properties": {"lever": {"const": lever}}},
                      "then": {"properties": {"params": params}}})
    defs["Intervention"]["allOf"] = rules
    # an alternative is a plan without alternatives of its own
    raw["properties"]["alternatives"]["items"] = {"allOf": [{"$ref": "#"}, {"not": {"required": ["alternatives"]}}]}
    # the plan "if granted" is a plan without an "if granted" of its own
    defs["IfGranted"]["properties"]["plan"]["anyOf"] = [
        {"allOf": [{"$ref": "#"}, {"not": {"required": ["if_granted"]}}]}, {"type": "null"}]
    schema = _tidy(raw, defs)
    header = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": FORMAT,
              "title": f"planner plan (format {FORMAT})",
              "description": " ".join((PlanDocument.__doc__ or "").split())}
    return {**header, **{k: v for k, v in schema.items() if k not in header}}


def schema_text() -> str:
    """The schema file's text: the same models give the same bytes."""
    return json.dumps(plan_schema(), indent=2, ensure_ascii=False) + "\n"


ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILES = (ROOT / "docs" / "plan.schema.json", ROOT / "planner" / "data" / "plan.schema.json")


def main(argv: list[str] | None = None) -> int:
    """Write both schema files from the models; with `--check`, only say which differ (exit 1)."""
    args = sys.argv[1:] if argv is None else argv
    text = schema_text()
    stale = [p for p in SCHEMA_FILES if not p.exists() or p.read_text(encoding="utf-8") != text]
    if "--check" in args:
        for p in stale:
            print(f"{p.relative_to(ROOT)} differs from the schema of planner/io/plan_contract.py")
        return 1 if stale else 0
    for p in stale:
        p.write_text(text, encoding="utf-8")
        print(f"wrote {p.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

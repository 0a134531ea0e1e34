"""The household file's `[entitlement]` table: what the support check (`planner entitlement`)
needs beyond the cash flow. A table of its own so that the household model stays the cash
flow's, and the support check's inputs are read in one place."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field, field_validator

from .model_fields import NonNegativeOre, Strict, no_personal_data


class Entitlement(Strict):
    """What the support check (`planner entitlement`) needs beyond the cash flow: where the
    household lives, who lives in it, its gross income and other housing costs, and what the
    caseworker knows about an application. Every field is optional: what is missing is named
    as uncertain in the estimate, never guessed silently."""

    #: kommune name as Husbanken writes it ("Oslo", "Bergen"): the ceiling's kommune group and
    #: any kommunal bostøtte (data/entitlement.toml)
    kommune: Annotated[str, Field(min_length=1, max_length=60)] | None = None
    #: Husbanken's kommune group 1-4 when the kommune's name does not tell (a merged kommune)
    kommunegruppe: Annotated[int, Field(ge=1, le=4, strict=True)] | None = None
    #: people in the household; default adults + children
    members: Annotated[int, Field(ge=1, le=30, strict=True)] | None = None
    #: the children's ages (0-17), for the sosialhjelp satser; default: counted as 6-10
    child_ages: list[Annotated[int, Field(ge=0, le=17, strict=True)]] | None = None
    #: the household's gross (before tax) taxable income per month; default: the taxable
    #: payouts in the file, which are net, so the estimate is then too high
    gross_income_monthly: NonNegativeOre | None = None
    #: housing costs per month beyond the rent that Husbanken approves (e.g. felleskostnader)
    other_housing_costs: NonNegativeOre = 0
    #: the home is a kommunal bolig with gjengs leie (kommunal bostøtte such as Oslobostøtta)
    kommunal_bolig: bool | None = None
    #: the household's wealth (formue) in kroner, when known (not computed: named as uncertain)
    wealth: NonNegativeOre | None = None
    #: the caseworker has confirmed that a bostøtte application is made (the plan may rely on
    #: the estimated bostøtte from its first payout); otherwise it is shown "if granted"
    bostotte_applied: bool = False
    #: the day the application was sent, when known (its first payout follows from it)
    applied_on: date | None = None
    #: the tenant consents that the sosialtjenesten sends its vedtak directly to the bostøtte office
    consent_vedtak: bool = False
    #: the tenant consents to a notice to the kommune's bostøtte office
    consent_notice: bool = False

    @field_validator("kommune")
    @classmethod
    def _kommune_no_national_id(cls, value: str | None) -> str | None:
        return no_personal_data(value, "the kommune")


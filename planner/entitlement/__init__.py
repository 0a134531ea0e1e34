"""Money the household may be owed and has not applied for: an estimate of Husbanken's statlig
bostøtte, the kommunal bostøtte of kommuner that publish one, and an indication against the
state's veiledende satser for økonomisk stønad. Rules are dated data (`data/entitlement.toml`);
the estimate is engine (`estimate`: pure, øre, typed steps, no text); the words are in `text`.
An estimate is never a decision: Husbanken and the sosialtjenesten decide."""

from .estimate import (
    BostotteEstimate,
    Entitlements,
    KommunalScheme,
    SosialhjelpIndication,
    Step,
    entitlements,
    estimate_bostotte,
    unused_bostotte,
)
from .granted import IfGranted, if_granted, if_granted_plan, shows_if_granted
from .rules import EntitlementRules, entitlement_rules

__all__ = ["BostotteEstimate", "EntitlementRules", "Entitlements", "KommunalScheme", "SosialhjelpIndication",
           "Step", "entitlement_rules", "entitlements", "estimate_bostotte", "if_granted", "if_granted_plan",
           "IfGranted", "shows_if_granted", "unused_bostotte"]

"""The landlord's rent ledger: patterns and early warning (`planner ledger`; see README.md)."""

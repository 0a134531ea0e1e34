"""plan checks: per case and rent month, what the plan expected the landlord to receive and what
the ledger showed was paid (`planner follow-up`, the follow-up on the ledger page)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06

A new, empty table: nothing existing changes.
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_checks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("household_id", sa.String(80), nullable=False, index=True),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("expected_ore", sa.BigInteger, nullable=False),
        sa.Column("paid_ore", sa.BigInteger, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("household_version", sa.Integer, nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("recorded", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=True),
        sa.UniqueConstraint("household_id", "month", name="uq_plan_checks"),
    )


def downgrade() -> None:
    op.drop_table("plan_checks")

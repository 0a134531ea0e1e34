"""households: the validated household document plus searchable columns

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "households",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("label", sa.String(200), nullable=True),
        sa.Column("problem", sa.String(16), nullable=True),
        sa.Column("status", sa.String(16), nullable=True),
        sa.Column("priority", sa.Float, nullable=True),
        sa.Column("min_before_ore", sa.BigInteger, nullable=True),
        sa.Column("min_after_ore", sa.BigInteger, nullable=True),
        sa.Column("source", sa.String(16), nullable=False, server_default="form"),
        sa.Column("document", sa.Text, nullable=True),
        sa.Column("plan", sa.Text, nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_households_status", "households", ["status"])
    op.create_index("ix_households_priority", "households", ["priority"])
    op.create_index("ix_households_updated", "households", ["updated"])


def downgrade() -> None:
    op.drop_table("households")

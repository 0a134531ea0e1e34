"""households.version for optimistic locking; server-side login sessions

Revision ID: 0002
Revises: 0001
Create Date: 2026-02-01

Existing households start at version 1 (the server default fills the column for every row, so
nothing is lost); `sessions` is new and empty (everyone signs in again after the upgrade).
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("households") as batch:
        batch.add_column(sa.Column("version", sa.Integer, nullable=False, server_default="1"))
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(64), primary_key=True),  # sha256 of the cookie's session id
        sa.Column("user", sa.String(64), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sessions_user", "sessions", ["user"])


def downgrade() -> None:
    op.drop_table("sessions")
    with op.batch_alter_table("households") as batch:
        batch.drop_column("version")

"""offices, office settings history and the access log: the office (bydel) a household belongs
to and whether it is shared with every office; every change of the office settings (what it
became, who and when); and who opened which case record

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06

Two new, empty tables and two new columns: existing households belong to no office (every office
sees them, as before), shared is false. The settings as they are now become the first
history row, so the history starts from a known state.
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("households") as batch:
        batch.add_column(sa.Column("office", sa.String(80), nullable=True))
        batch.add_column(sa.Column("shared", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_table(
        "office_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("changed", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(64), nullable=True),
    )
    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("household_id", sa.String(80), nullable=False, index=True),
        sa.Column("user", sa.String(64), nullable=False),
        sa.Column("what", sa.String(40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.execute("insert into office_history (data, changed, changed_by) "
               "select data, updated, updated_by from office where id = 1")


def downgrade() -> None:
    with op.batch_alter_table("households") as batch:
        batch.drop_column("shared")
        batch.drop_column("office")
    op.drop_table("access_log")
    op.drop_table("office_history")

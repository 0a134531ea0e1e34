"""casework: history, soft delete, outcome, list columns, office settings, caseworkers, case
records, recorded letters, follow-up tasks

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29

Nothing is lost: every existing household keeps its row (the new columns are empty, `deleted`
is NULL so it stays visible), and its stored document and plan become version N of its history
(`household_versions`), N being its current version. The other tables are new and empty.
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("households") as batch:
        batch.add_column(sa.Column("deleted", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("outcome", sa.String(24), nullable=True))
        batch.add_column(sa.Column("outcome_date", sa.Date, nullable=True))
        batch.add_column(sa.Column("eviction_request", sa.Date, nullable=True))
        batch.add_column(sa.Column("shortfall_monthly_ore", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("shortfall_bound", sa.Boolean, nullable=True))
        batch.add_column(sa.Column("actors", sa.String(200), nullable=True))
        batch.add_column(sa.Column("saved_by", sa.String(64), nullable=True))
    op.create_table(
        "household_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("household_id", sa.String(80), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("document", sa.Text, nullable=True),
        sa.Column("plan", sa.Text, nullable=True),
        sa.Column("saved", sa.DateTime(timezone=True), nullable=False),
        sa.Column("saved_by", sa.String(64), nullable=True),
        sa.Column("note", sa.String(200), nullable=True),
        sa.UniqueConstraint("household_id", "version", name="uq_household_versions"),
    )
    op.execute("INSERT INTO household_versions (household_id, version, document, plan, saved, note) "
               "SELECT id, version, document, plan, updated, 'før oppgradering' FROM households")
    op.create_table(
        "office",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=True),
    )
    op.create_table(
        "caseworkers",
        sa.Column("user", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("title", sa.String(200), nullable=True),
    )
    op.create_table(
        "case_records",
        sa.Column("household_id", sa.String(80), primary_key=True),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=True),
    )
    op.create_table(
        "letters",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("household_id", sa.String(80), nullable=False, index=True),
        sa.Column("household_version", sa.Integer, nullable=False),
        sa.Column("recipient", sa.String(24), nullable=False),
        sa.Column("lang", sa.String(4), nullable=False),
        sa.Column("fmt", sa.String(8), nullable=False),
        sa.Column("letter_date", sa.Date, nullable=False),
        sa.Column("reply_by", sa.Date, nullable=True),
        sa.Column("figures", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("recorded", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=True),
    )
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("household_id", sa.String(80), nullable=False, index=True),
        sa.Column("household_version", sa.Integer, nullable=False),
        sa.Column("lever", sa.String(40), nullable=False),
        sa.Column("key", sa.String(400), nullable=False),
        sa.Column("actors", sa.String(200), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("plan_due", sa.Date, nullable=True),
        sa.Column("due", sa.Date, nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("history", sa.Text, nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_tasks_due", "tasks", ["active", "due"])


def downgrade() -> None:
    for table in ("tasks", "letters", "case_records", "caseworkers", "office", "household_versions"):
        op.drop_table(table)
    with op.batch_alter_table("households") as batch:
        for col in ("saved_by", "actors", "shortfall_bound", "shortfall_monthly_ore", "eviction_request",
                    "outcome_date", "outcome", "deleted"):
            batch.drop_column(col)
